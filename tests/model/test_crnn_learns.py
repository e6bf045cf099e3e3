"""The CRNN + CTC loss + decoding learn for real on tiny rendered data (CPU, seconds)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from crnn_ocr.config import load_params
from crnn_ocr.config.ocr import ConvBlockParams, CrnnModelParams
from crnn_ocr.core.codec import MODERN_RUSSIAN, Alphabet
from crnn_ocr.core.metrics import score
from crnn_ocr.core.preprocessing import preprocess_image
from crnn_ocr.evaluation.val_callback import ValTextMetrics, predict_texts
from crnn_ocr.models.crnn import build_crnn
from crnn_ocr.models.ctc import CtcLoss
from crnn_ocr.paths import find_project_root

DIGITS = Alphabet.from_charset("0123456789")


def render(text: str, size: tuple[int, int] = (32, 256)) -> np.ndarray:
    """A digit line drawn with OpenCV, preprocessed like the pipeline: float32 [W, H, 1]."""
    canvas = np.full((48, 24 * len(text) + 16), 255, np.uint8)
    cv2.putText(canvas, text, (8, 36), cv2.FONT_HERSHEY_SIMPLEX, 1.0, 0, 2, cv2.LINE_AA)
    binary = preprocess_image(canvas, ocr=True, target_size=size)
    return (binary > 0).astype(np.float32)[..., None]


def dataset(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, list[str]]:
    rng = np.random.default_rng(seed)
    texts = ["".join(rng.choice(list("0123456789"), rng.integers(2, 6))) for _ in range(n)]
    images = np.stack([render(t) for t in texts])
    return images, DIGITS.encode_batch(texts, 8), texts


def test_seed_preset_trains_one_step_on_cpu() -> None:
    params = load_params(find_project_root() / "params.yaml", ["preset=seed"])
    alphabet = Alphabet.from_charset(MODERN_RUSSIAN)
    pre = params.preprocess
    model = build_crnn(params.train.ocr.model, (pre.width, pre.height, 1), alphabet.num_classes)
    model.compile(optimizer="adam", loss=CtcLoss(alphabet.blank))
    images = np.zeros((2, pre.width, pre.height, 1), np.float32)
    images[:, 100:300, 40:90] = 1.0
    labels = alphabet.encode_batch(["Привет", "мир"], 10)
    loss = float(model.train_on_batch(images, labels))
    assert np.isfinite(loss) and loss > 0


@pytest.mark.slow
def test_small_crnn_learns_to_read_digits() -> None:
    import keras

    keras.utils.set_random_seed(0)
    cfg = CrnnModelParams(
        conv_blocks=(
            ConvBlockParams(filters=16, pool=(2, 2)),
            ConvBlockParams(filters=32, pool=(2, 2)),
            ConvBlockParams(filters=48, batch_norm=True, pool=(1, 8)),
        ),
        lstm_units=48,
    )
    model = build_crnn(cfg, (256, 32, 1), DIGITS.num_classes)
    model.compile(optimizer=keras.optimizers.Adam(3e-3), loss=CtcLoss(DIGITS.blank))
    train_x, train_y, _ = dataset(384, seed=1)
    val_x, _, val_texts = dataset(48, seed=2)
    before = score(val_texts, [r.text for r in predict_texts(model, val_x, DIGITS)])
    callback = ValTextMetrics(val_x, val_texts, DIGITS)
    model.fit(train_x, train_y, batch_size=16, epochs=16, verbose=0, callbacks=[callback])
    after = score(val_texts, [r.text for r in predict_texts(model, val_x, DIGITS)])
    assert before.cer > 0.8
    assert after.cer < 0.35, callback.history  # from ~1.0: it reads most digits
    assert len(callback.history["val_cer"]) == 16
    assert callback.history["val_cer"][-1] == pytest.approx(after.cer)
    # Read at the width each line needs (inference.widths), the trained model reads as well.
    from crnn_ocr.inference import widths

    buckets = [widths.bucket(int(np.flatnonzero(x.any(axis=(1, 2))).max()) + 1, (32, 256), 64)
               for x in val_x]
    assert 0 < np.mean(buckets) < 200
    cropped = [predict_texts(widths.at_width(model, w), x[None, :w], DIGITS)[0].text
               for w, x in zip(buckets, val_x, strict=True)]
    assert score(val_texts, cropped).cer <= after.cer + 0.03
    # A blank (all-white) line reads as nothing, with zero confidence, and is no error.
    white = (preprocess_image(np.full((40, 300), 255, np.uint8), ocr=True, target_size=(32, 256))
             > 0).astype(np.float32)[None, ..., None]
    (reading,) = predict_texts(model, white, DIGITS)
    assert reading.text == "" and reading.confidence == 0.0
