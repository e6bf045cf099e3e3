"""Recognizer on tiny real (untrained) models: shapes, order, failures, batch invariance."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from crnn_ocr import Recognizer
from crnn_ocr.errors import CrnnOcrError
from crnn_ocr.inference import Failure, Prediction
from crnn_ocr.inference.images import ImageError


def test_lazy_top_level_export() -> None:
    import crnn_ocr
    from crnn_ocr.inference.recognizer import Recognizer as Direct

    assert crnn_ocr.Recognizer is Direct


def test_predict_arrays_gives_one_result_per_image(tiny_bundle: Path, decoded_line) -> None:
    rec = Recognizer.load(tiny_bundle, batch_size=2)
    images = [decoded_line(i) for i in range(5)]
    out = rec.predict(images, ids=[f"img{i}" for i in range(5)])
    assert [p.id for p in out] == [f"img{i}" for i in range(5)]
    for p in out:
        assert p.cls in (0, 1) and p.class_name in ("printed", "handwritten")
        assert 0.5 <= p.class_prob <= 1.0
        assert 0.0 <= p.confidence <= 1.0
        assert set(p.text) <= set(rec.alphabet.chars)


def test_batch_size_does_not_change_results(tiny_bundle: Path, decoded_line) -> None:
    images = [decoded_line(i) for i in range(5)]
    a = Recognizer.load(tiny_bundle, batch_size=2).predict(images)
    b = Recognizer.load(tiny_bundle, batch_size=64, workers=1).predict(images)
    assert [(p.cls, p.text) for p in a] == [(p.cls, p.text) for p in b]
    assert np.allclose([p.confidence for p in a], [p.confidence for p in b], atol=1e-5)


def test_model_threads_do_not_change_results(tiny_bundle: Path, decoded_line) -> None:
    """Batches read side by side by one-thread interpreters (model_threads 3) and by one
    interpreter on every core (1) give the same readings."""
    images = [decoded_line(i) for i in range(7)] + [np.full((30, 200), 255, np.uint8)]
    one, three = (
        Recognizer.load(tiny_bundle, batch_size=2, backend="litert", model_threads=n)
        for n in (1, 3)
    )
    assert three.model_threads == 3 and one.model_threads == 1
    a, b = one.predict(images), three.predict(images)
    assert [(p.cls, p.text) for p in a] == [(p.cls, p.text) for p in b]
    assert np.allclose([p.confidence for p in a], [p.confidence for p in b], atol=1e-6)
    assert b[-1].text == "" and b[-1].confidence == 0.0


def test_trimmed_lines_are_padded_back_to_the_models_input() -> None:
    from crnn_ocr.inference.recognizer import _as_input, _trim

    rng = np.random.default_rng(0)
    canvas = np.zeros((3, 8, 20), np.uint8)
    for k, width in enumerate((20, 5, 0)):  # full, part, blank
        canvas[k, :, :width] = rng.integers(0, 2, (8, width)) * 255
        canvas[k, :, max(width - 1, 0)] = 255 if width else 0
    trimmed = [_trim(line, axis=1) for line in canvas]
    assert [t.shape[1] for t in trimmed] == [20, 5, 1]
    expected = canvas.astype(np.float32)[..., None] / 255.0
    np.testing.assert_array_equal(_as_input(trimmed, (8, 20)), expected)
    rotated = [_trim(line.T, axis=0) for line in canvas]
    np.testing.assert_array_equal(_as_input(rotated, (12, 8))[:, :12],
                                  expected.transpose(0, 2, 1, 3)[:, :12])


def test_bytes_paths_and_arrays_agree(tiny_bundle: Path, dataset: Path, decoded_line) -> None:
    rec = Recognizer.load(tiny_bundle)
    path = dataset / "images" / "line1.png"
    from_path = rec.predict_paths([path])[0]
    from_bytes = rec.predict_bytes([path.read_bytes()])[0]
    from_array = rec.predict([decoded_line(1)])[0]
    assert isinstance(from_path, Prediction)
    assert from_path.text == from_bytes.text == from_array.text


def test_unreadable_paths_are_skipped_in_place(tiny_bundle: Path, dataset: Path) -> None:
    rec = Recognizer.load(tiny_bundle, batch_size=2)
    paths = sorted((dataset / "images").glob("*.png"))  # broken.png sorts first
    out = rec.predict_paths(paths)
    assert [Path(r.id).name for r in out] == [p.name for p in paths]
    assert isinstance(out[0], Failure) and "unreadable" in out[0].reason
    assert all(isinstance(r, Prediction) for r in out[1:])
    with pytest.raises(ImageError, match="broken.png"):
        rec.predict_paths(paths, on_error="raise")


def test_bad_bytes_raise_naming_the_row(tiny_bundle: Path, png_line) -> None:
    rec = Recognizer.load(tiny_bundle)
    with pytest.raises(ImageError, match="^b: not an image"):
        rec.predict_bytes([png_line(0), b"nope"], ids=["a", "b"])


def test_all_white_image_reads_nothing_without_error(tiny_bundle: Path, decoded_line) -> None:
    # Blank lines (white, one flat tone) read as nothing with zero confidence, whatever the model
    # would emit for an empty canvas; a line with ink beside them does not.
    blank = [np.full((20, 80), 255, np.uint8), np.full((20, 80), 90, np.uint8)]
    *empty, inked = Recognizer.load(tiny_bundle).predict(blank + [decoded_line(3)])
    assert [(p.text, p.confidence) for p in empty] == [("", 0.0)] * 2
    assert inked.confidence > 0.0


def test_mismatched_preprocess_settings_are_refused(tiny_bundle: Path, tmp_path: Path) -> None:
    broken = tmp_path / "b"
    shutil.copytree(tiny_bundle, broken)
    settings = json.loads((broken / "preprocess.json").read_text())
    (broken / "preprocess.json").write_text(json.dumps({**settings, "height": 32}))
    with pytest.raises(CrnnOcrError, match="do not match the preprocessing settings"):
        Recognizer.load(broken)


def test_missing_bundle_files_named(tmp_path: Path) -> None:
    with pytest.raises(CrnnOcrError, match="recognizer.keras"):
        Recognizer.load(tmp_path)
    with pytest.raises(CrnnOcrError, match="no such model folder"):
        Recognizer.load(tmp_path / "nothing")



def test_long_lines_are_read_in_pieces(tiny_bundle: Path, png_line) -> None:
    import cv2

    from crnn_ocr.inference.pieces import join_texts, split_line

    # 30 heights wide: three pieces at a piece_aspect of 14 (one at the default 32)
    line = cv2.imdecode(np.frombuffer(png_line(7, width=720), np.uint8), cv2.IMREAD_GRAYSCALE)
    rec = Recognizer.load(tiny_bundle, batch_size=2, piece_aspect=14.0)  # 3 pieces + 1 > a batch
    assert len(split_line(line, Recognizer.load(tiny_bundle).piece_aspect, 21, 10)) == 1
    pieces = split_line(line, rec.piece_aspect, rec.preprocess.block_size, rec.preprocess.c)
    assert len(pieces) == 3
    short = cv2.imdecode(np.frombuffer(png_line(1), np.uint8), cv2.IMREAD_GRAYSCALE)
    assert line is not None and short is not None
    read_long, read_short = rec.predict([line, short])
    whole = Recognizer.load(tiny_bundle, piece_aspect=None)
    alone = whole.predict([line[:, p.start : p.stop] for p in pieces] + [line, short])
    assert read_long.text == join_texts(pieces, [p.text for p in alone[:3]])
    assert read_long.confidence == pytest.approx(min(p.confidence for p in alone[:3]), abs=1e-5)
    # Not the squeezed whole line. The tiny model's confidences sit close together (one CI run:
    # 0.0116808 vs 0.0116756), so only a difference at float32 noise level (~1e-9 here) means
    # the same reading.
    assert read_long.confidence != pytest.approx(alone[3].confidence, abs=1e-7)
    assert read_long.class_prob == pytest.approx(alone[3].class_prob, abs=1e-5)  # classifier: whole
    assert read_short.text == alone[4].text
    assert read_short.confidence == pytest.approx(alone[4].confidence, abs=1e-5)
    with pytest.raises(CrnnOcrError, match="piece aspect must be >= 1"):
        Recognizer.load(tiny_bundle, piece_aspect=0.5)


def test_ink_fill_reads_a_line_the_same_whatever_its_margins(
    tiny_bundle: Path, tmp_path: Path, png_line
) -> None:
    import cv2

    framed_bundle = tmp_path / "framed"
    shutil.copytree(tiny_bundle, framed_bundle)
    settings = json.loads((framed_bundle / "preprocess.json").read_text(encoding="utf-8"))
    (framed_bundle / "preprocess.json").write_text(json.dumps({**settings, "ink_fill": 0.7}),
                                                   encoding="utf-8")
    lines = [np.asarray(cv2.imdecode(np.frombuffer(png_line(5, width=w), np.uint8),
                                     cv2.IMREAD_GRAYSCALE))
             for w in (120, 720)]  # one short line, one read in pieces
    loose = [np.pad(line, ((14, 3), (0, 0)), constant_values=235) for line in lines]
    framed = Recognizer.load(framed_bundle)
    assert framed.preprocess.ink_fill == 0.7
    for tight_read, loose_read in zip(framed.predict(lines), framed.predict(loose), strict=True):
        assert loose_read.text == tight_read.text
        assert loose_read.confidence == pytest.approx(tight_read.confidence, abs=1e-6)
        assert loose_read.class_prob == pytest.approx(tight_read.class_prob, abs=1e-6)
    as_cropped = Recognizer.load(tiny_bundle)
    tight_read, loose_read = as_cropped.predict([lines[0], loose[0]])
    assert (loose_read.confidence, loose_read.class_prob) != pytest.approx(
        (tight_read.confidence, tight_read.class_prob), abs=1e-6), "margins matter without it"
