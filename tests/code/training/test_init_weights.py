"""Fine-tuning: ``train.<model>.init_from`` starts a fit from a saved model's weights."""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np
import pytest

from crnn_ocr.config.ocr import CrnnModelParams
from crnn_ocr.config.train import ClassifierParams
from crnn_ocr.core.codec import Alphabet
from crnn_ocr.errors import CrnnOcrError
from crnn_ocr.models.classifier import build_classifier
from crnn_ocr.models.crnn import build_crnn
from crnn_ocr.training.init_weights import load_initial_weights

CFG = ClassifierParams(conv_filters=(4, 8), dense_units=8)
OCR = CrnnModelParams.model_validate(
    {"conv_blocks": [{"filters": 4, "pool": [2, 2]}, {"filters": 8, "pool": [1, 8]}],
     "lstm_units": 8, "lstm_layers": 1}
)
ALPHABET = Alphabet.from_charset("абв")


def _saved_classifier(folder: Path, cfg: ClassifierParams = CFG) -> keras.Model:
    keras.utils.set_random_seed(1)
    model = build_classifier(cfg, (16, 64))
    folder.mkdir(parents=True, exist_ok=True)
    model.save(folder / "model.keras")
    return model


def _same(a: keras.Model, b: keras.Model) -> bool:
    return all(np.array_equal(x, y) for x, y in zip(a.get_weights(), b.get_weights(), strict=True))


def test_a_folder_or_file_sets_every_weight(tmp_path: Path) -> None:
    source = _saved_classifier(tmp_path / "models" / "classifier")
    keras.utils.set_random_seed(2)
    model = build_classifier(CFG, (16, 64))
    assert not _same(model, source)
    found = load_initial_weights(model, "models/classifier", tmp_path, "train.classifier.init_from")
    assert found == tmp_path / "models" / "classifier" / "model.keras" and _same(model, source)
    other = build_classifier(CFG, (16, 64))
    load_initial_weights(other, str(found), Path("/nowhere"), "k")  # absolute path
    assert _same(other, source)


def test_unset_leaves_the_model_alone(tmp_path: Path) -> None:
    model = build_classifier(CFG, (16, 64))
    before = model.get_weights()
    assert load_initial_weights(model, None, tmp_path, "train.classifier.init_from") is None
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights(), strict=True))


def test_a_missing_model_is_named(tmp_path: Path) -> None:
    model = build_classifier(CFG, (16, 64))
    with pytest.raises(CrnnOcrError, match=r"train\.classifier\.init_from='models/x': no model"):
        load_initial_weights(model, "models/x", tmp_path, "train.classifier.init_from")


def test_another_architecture_is_refused_with_the_weight_and_shapes(tmp_path: Path) -> None:
    _saved_classifier(tmp_path / "m", ClassifierParams(conv_filters=(4, 16), dense_units=8))
    model = build_classifier(CFG, (16, 64))
    with pytest.raises(CrnnOcrError, match=r"init_from='m': weight .* is \(3, 3, 4, 8\) here "
                                           r"but \(3, 3, 4, 16\) there"):
        load_initial_weights(model, "m", tmp_path, "train.classifier.init_from")
    before = model.get_weights()  # nothing was half-copied
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights(), strict=True))


def test_a_recogniser_with_another_alphabet_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "ocr"
    folder.mkdir()
    source = build_crnn(OCR, (64, 16, 1), ALPHABET.num_classes)
    source.save(folder / "model.keras")
    Alphabet.from_charset("абг").save(folder / "alphabet.json")  # same size, other letters
    model = build_crnn(OCR, (64, 16, 1), ALPHABET.num_classes)
    with pytest.raises(CrnnOcrError, match=r"alphabet differs .*only here: 'в'; only there: 'г'"):
        load_initial_weights(model, "ocr", tmp_path, "train.ocr.init_from", ALPHABET)
    ALPHABET.save(folder / "alphabet.json")
    load_initial_weights(model, "ocr", tmp_path, "train.ocr.init_from", ALPHABET)
    assert _same(model, source)
