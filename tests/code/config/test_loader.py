"""params.yaml loading: presets merge, overrides win, bad values name their key."""

from __future__ import annotations

from pathlib import Path

import pytest

from crnn_ocr.config import ConfigError, load_params

ROOT = Path(__file__).resolve().parents[3]


def test_project_params_load_with_cpu_preset() -> None:
    params = load_params(ROOT / "params.yaml")
    assert params.preset == "cpu"


def test_seed_preset_restores_reference_size() -> None:
    params = load_params(ROOT / "params.yaml", ["preset=seed"])
    assert (params.preprocess.height, params.preprocess.width) == (128, 512)


def test_override_beats_preset() -> None:
    params = load_params(ROOT / "params.yaml", ["preset=seed", "preprocess.height=64"])
    assert params.preprocess.height == 64


def test_bad_value_names_the_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"preprocess\.height"):
        load_params(ROOT / "params.yaml", ["preprocess.height=0"])


def test_unknown_key_and_preset_fail(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"preprocess\.heigth"):
        load_params(ROOT / "params.yaml", ["preprocess.heigth=3"])
    with pytest.raises(ConfigError, match="unknown preset 'gpu'"):
        load_params(ROOT / "params.yaml", ["preset=gpu"])


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_params(tmp_path / "nope.yaml")



def test_python_api_defaults_are_the_project_inference_params() -> None:
    """`Recognizer(...)` without options (the Python API, a served model registered without a
    config) reads lines like `crnn-ocr predict` with the project's params.yaml."""
    import inspect

    from crnn_ocr.inference.recognizer import DEFAULT_MODEL, Recognizer

    section = load_params(ROOT / "params.yaml").inference
    options = section.recognizer_options()
    signature = inspect.signature(Recognizer).parameters
    assert {"batch_size", "piece_aspect", "decoding", "max_pixels", "backend"} <= set(options)
    assert set(options) <= set(signature)
    assert {name: signature[name].default for name in options} == options
    assert section.model == DEFAULT_MODEL
