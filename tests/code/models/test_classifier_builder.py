"""The classifier builder: shapes per preset, config errors, safe-mode save/load."""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np
import pytest

from crnn_ocr.config import ConfigError, load_params
from crnn_ocr.config.train import ClassifierParams
from crnn_ocr.models.classifier import build_classifier, compile_classifier
from crnn_ocr.training.fit import configure_tensorflow, make_optimizer

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(autouse=True)
def _threads() -> None:
    configure_tensorflow(1, 0)


@pytest.mark.parametrize("pooling", ["global_avg", "flatten", "global_max", "global_avg_max"])
def test_output_is_two_class_probabilities(pooling: str) -> None:
    cfg = ClassifierParams(conv_filters=(4, 8, 8, 8, 8, 8), pooling=pooling, dense_units=8)
    model = build_classifier(cfg, (32, 128))  # more pools than 32 px allows: clamps at 1 row
    assert model.input_shape == (None, 32, 128, 1)
    probs = np.asarray(model(np.zeros((3, 32, 128, 1), np.float32)))
    assert probs.shape == (3, 2)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)


def test_patchify_stem_downsamples_before_the_conv_blocks() -> None:
    cfg = ClassifierParams(stem_stride=4, stem_filters=16, conv_filters=(8, 8), dense_units=8)
    model = build_classifier(cfg, (32, 128))
    stem = model.get_layer("stem")
    assert stem.strides == (4, 4) and stem.kernel_size == (4, 4)
    assert model.get_layer("conv0").input.shape[1:] == (8, 32, 16)
    assert np.asarray(model(np.ones((2, 32, 128, 1), np.float32))).shape == (2, 2)
    with pytest.raises(ValueError, match="stem_stride=3 must divide the input size 32x128"):
        build_classifier(ClassifierParams(stem_stride=3, conv_filters=(8,)), (32, 128))


def test_input_columns_crops_to_the_left_part_of_the_canvas() -> None:
    cfg = ClassifierParams(input_columns=64, conv_filters=(4,), dense_units=4)
    model = build_classifier(cfg, (16, 256))
    assert model.input_shape == (None, 16, 256, 1)  # the canvas: inference feeds it unchanged
    assert model.get_layer("conv0").input.shape[1:3] == (16, 64)
    left = np.random.default_rng(0).random((2, 16, 256, 1)).astype(np.float32)
    other_right = left.copy()
    other_right[:, :, 64:] = 1.0 - other_right[:, :, 64:]
    np.testing.assert_allclose(np.asarray(model(left)), np.asarray(model(other_right)))
    other_left = left.copy()
    other_left[:, :, :64] = 0.0
    assert not np.allclose(np.asarray(model(left)), np.asarray(model(other_left)))
    wide = build_classifier(ClassifierParams(input_columns=512, conv_filters=(4,)), (16, 256))
    assert "first_columns" not in [layer.name for layer in wide.layers]  # no crop needed


def test_preset_widths_come_from_params() -> None:
    cpu = load_params(ROOT / "params.yaml", ["preset=cpu"])
    seed = load_params(ROOT / "params.yaml", ["preset=seed"])
    assert (seed.preprocess.height, seed.preprocess.width) == (128, 512)
    assert (cpu.preprocess.height, cpu.preprocess.width) == (32, 1024)
    small = build_classifier(cpu.train.classifier, (cpu.preprocess.height, cpu.preprocess.width))
    assert small.get_layer("conv0").input.shape[1:3] == (32, 512)  # input_columns
    conv = [layer for layer in small.layers if isinstance(layer, keras.layers.Conv2D)]
    assert [c.filters for c in conv] == list(cpu.train.classifier.conv_filters)


@pytest.mark.parametrize(
    ("override", "key"),
    [
        ("train.classifier.epochs=0", "train.classifier.epochs"),
        ("train.classifier.batch_size=0", "train.classifier.batch_size"),
        ("train.classifier.optimizer=adagrad", "train.classifier.optimizer"),
        ("train.classifier.pooling=max", "train.classifier.pooling"),
        ("train.classifier.lr_plateau_factor=1.5", "train.classifier.lr_plateau_factor"),
        ("train.classifier.conv_filtrs=[8]", "train.classifier.conv_filtrs"),
    ],
)
def test_bad_values_fail_at_load_with_the_key(override: str, key: str) -> None:
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        load_params(ROOT / "params.yaml", [override])


def test_unknown_preset_fails_at_load() -> None:
    with pytest.raises(ConfigError, match="unknown preset 'gpu'"):
        load_params(ROOT / "params.yaml", ["preset=gpu"])


def test_save_and_load_in_safe_mode(tmp_path: Path) -> None:
    cfg = ClassifierParams(conv_filters=(4,), dense_units=4)
    model = build_classifier(cfg, (16, 32))
    compile_classifier(model, make_optimizer(cfg))
    x = np.random.default_rng(0).random((2, 16, 32, 1)).astype(np.float32)
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras", safe_mode=True)
    np.testing.assert_allclose(np.asarray(loaded(x)), np.asarray(model(x)), rtol=1e-5)
