"""CRNN builders: both presets build from params.yaml with the documented shapes and layers."""

from __future__ import annotations

import numpy as np
import pytest

from crnn_ocr.config import load_params
from crnn_ocr.core.codec import MODERN_RUSSIAN, Alphabet
from crnn_ocr.models.crnn import build_crnn, time_steps
from crnn_ocr.paths import find_project_root

PARAMS = find_project_root() / "params.yaml"


def _build(preset: str):  # type: ignore[no-untyped-def]
    params = load_params(PARAMS, [f"preset={preset}"])
    shape = (params.preprocess.width, params.preprocess.height, 1)
    alphabet = Alphabet.from_charset(MODERN_RUSSIAN)
    return build_crnn(params.train.ocr.model, shape, alphabet.num_classes), alphabet


def test_seed_preset_has_the_reference_layers() -> None:
    model, alphabet = _build("seed")
    assert model.input_shape == (None, 512, 128, 1)
    kinds = [type(layer).__name__ for layer in model.layers]
    assert kinds.count("Conv2D") >= 5
    assert "MaxPooling2D" in kinds and "BatchNormalization" in kinds
    bilstm = [layer for layer in model.layers if type(layer).__name__ == "Bidirectional"]
    assert len(bilstm) == 2
    assert all(layer.forward_layer.units == 256 for layer in bilstm)
    assert all(layer.forward_layer.return_sequences for layer in bilstm)
    head = model.layers[-1]
    assert type(head).__name__ == "Dense" and head.units == alphabet.num_classes
    assert head.activation.__name__ == "softmax"


@pytest.mark.parametrize("preset", ["cpu", "seed"])
def test_preset_output_is_a_probability_sequence(preset: str) -> None:
    model, alphabet = _build(preset)
    steps = time_steps(model)
    assert steps >= 64  # long enough for the longest lines of the synthetic set
    batch = np.zeros((2, *model.input_shape[1:]), dtype=np.float32)
    probs = np.asarray(model(batch, training=False))
    assert probs.shape == (2, steps, alphabet.num_classes)
    np.testing.assert_allclose(probs.sum(-1), 1.0, atol=1e-4)


def test_pooling_to_nothing_is_refused() -> None:
    from crnn_ocr.config.ocr import ConvBlockParams, CrnnModelParams

    cfg = CrnnModelParams(conv_blocks=(ConvBlockParams(filters=4, pool=(1, 8)),) * 3)
    with pytest.raises(ValueError, match="down to nothing"):
        build_crnn(cfg, (64, 16, 1), 5)


def test_a_strided_stem_keeps_the_time_steps_of_two_pools() -> None:
    from crnn_ocr.config.ocr import ConvBlockParams, CrnnModelParams

    stem = ConvBlockParams(filters=8, kernel=4, stride=(4, 4))
    cfg = CrnnModelParams(conv_blocks=(stem, ConvBlockParams(filters=8, pool=(1, 8))),
                          lstm_units=4, lstm_layers=1)
    model = build_crnn(cfg, (64, 32, 1), 5)
    assert model.get_layer("conv0").strides == (4, 4)
    assert time_steps(model) == 16
    assert np.asarray(model(np.zeros((1, 64, 32, 1), np.float32))).shape == (1, 16, 5)
    odd = CrnnModelParams(conv_blocks=(ConvBlockParams(filters=4, stride=(3, 1)),))
    with pytest.raises(ValueError, match=r"conv block 0: stride \[3, 1\] does not divide"):
        build_crnn(odd, (64, 32, 1), 5)
