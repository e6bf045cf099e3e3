"""`promote`'s last step for real: the end-to-end model registered from two champion versions
(tiny untrained Keras models, a real MLflow sqlite store) carries the project's inference params."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from crnn_ocr.config import load_params
from crnn_ocr.core.codec import MODERN_RUSSIAN, Alphabet
from crnn_ocr.inference.bundle import build_untrained_bundle
from crnn_ocr.inference.recognizer import load_keras
from crnn_ocr.paths import Paths
from crnn_ocr.stages.promote import publish_end_to_end
from crnn_ocr.tracking import mlflow_store
from crnn_ocr.tracking.tags import flatten

pytestmark = pytest.mark.slow

INFERENCE = {"piece_aspect": 20.0, "batch_size": 16, "decoding": "beam_search"}


def test_served_model_uses_the_project_inference_params(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tiny_model_params: dict[str, Any]
) -> None:
    import mlflow

    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.setenv("CRNN_OCR_CACHE", str(tmp_path / "cache"))
    project = {**tiny_model_params, "preset": None, "inference": INFERENCE}
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(project), encoding="utf-8")
    params = load_params(tmp_path / "params.yaml")
    paths = Paths.from_root(tmp_path)
    client = mlflow_store.setup(paths)
    mlflow.set_experiment("publish-test")  # not an experiment id left active by another test
    bundle = build_untrained_bundle(params, tmp_path / "bundle",
                                    Alphabet.from_charset(MODERN_RUSSIAN))
    preprocess = flatten(params.preprocess.model_dump(mode="json"), "preprocess")
    models = {params.train.classifier.registered_model: bundle.classifier,
              params.train.ocr.registered_model: bundle.recognizer}
    for name, keras_file in models.items():
        with mlflow.start_run():
            mlflow.log_params(preprocess)
            mlflow.log_artifact(str(bundle.alphabet))
            info = mlflow.keras.log_model(load_keras(keras_file), name="model")
        version = mlflow.register_model(info.model_uri, name).version
        client.set_registered_model_alias(name, "champion", version)

    message = publish_end_to_end(params, paths)

    assert "registered v1" in message, message
    served = mlflow.pyfunc.load_model(f"models:/{params.inference.registered_model}@champion")
    assert served.model_config == params.inference.recognizer_options()
    recognizer = served.unwrap_python_model().recognizer
    assert (recognizer.piece_aspect, recognizer.batch_size, recognizer.decoding) == (
        20.0, 16, "beam_search")

    assert "already bundles" in publish_end_to_end(params, paths)  # nothing changed: no v2
    whole_lines = load_params(tmp_path / "params.yaml", ["inference.piece_aspect=null"])
    assert "registered v2" in publish_end_to_end(whole_lines, paths)
    served = mlflow.pyfunc.load_model(f"models:/{params.inference.registered_model}@champion")
    assert served.unwrap_python_model().recognizer.piece_aspect is None
