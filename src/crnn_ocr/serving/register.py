"""Log and register the end-to-end pyfunc ``crnn-ocr`` from the two trained Keras models.

The pipeline calls :func:`register_end_to_end` after training; the new version gets the alias
``challenger`` (promotion to ``champion`` is the registry's gated step).
"""

from __future__ import annotations

import base64
import dataclasses
import logging
import tempfile
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as pkg_version
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from crnn_ocr.core.codec import Alphabet
from crnn_ocr.core.preprocess_settings import PreprocessSettings
from crnn_ocr.errors import CrnnOcrError
from crnn_ocr.inference import bundle as bundle_io
from crnn_ocr.paths import Paths

MODEL_CODE = Path(__file__).with_name("model_code.py")
PACKAGE_DIR = Path(__file__).resolve().parents[1]
log = logging.getLogger(__name__)
RUNTIME_PACKAGES = (
    "mlflow", "tensorflow-cpu", "keras", "numpy", "pandas", "opencv-python-headless", "pillow",
    "pydantic", "pyyaml", "rapidfuzz", "ai-edge-litert", "pymorphy3", "pymorphy3-dicts-ru",
    "dawg2-python",
)


def example_png(width: int = 160, height: int = 32) -> bytes:
    """A small line-like PNG (dark strokes on white) for the signature's input example."""
    image = np.full((height, width), 255, dtype=np.uint8)
    for x in range(8, width - 8, 14):
        cv2.line(image, (x, height - 8), (x + 6, 8), 30, 2)
    ok, encoded = cv2.imencode(".png", image)
    if not ok:
        raise RuntimeError("cv2.imencode failed for the input example")
    return encoded.tobytes()


def input_example() -> Any:
    import pandas as pd

    return pd.DataFrame(
        {"image": [base64.b64encode(example_png()).decode("ascii")], "id": ["example"]}
    )


def signature() -> Any:
    from mlflow.models import ModelSignature
    from mlflow.types import ColSpec, Schema

    return ModelSignature(
        inputs=Schema([ColSpec("string", "image"), ColSpec("string", "id", required=False)]),
        outputs=Schema(
            [
                ColSpec("string", "id"),
                ColSpec("long", "class"),
                ColSpec("string", "class_name"),
                ColSpec("double", "class_prob"),
                ColSpec("string", "text"),
                ColSpec("double", "confidence"),
            ]
        ),
    )


def pip_requirements() -> list[str]:
    """Pinned runtime requirements (explicit, so MLflow need not infer them by loading)."""
    pins = []
    for name in RUNTIME_PACKAGES:
        try:
            pins.append(f"{name}=={pkg_version(name)}")
        except PackageNotFoundError:
            continue
    return pins


def _local_model_file(model: str | Path, workdir: Path, what: str) -> tuple[Path, Path]:
    """(the .keras file, the folder it came from) for a path, a folder or an MLflow URI."""
    text = str(model)
    if bundle_io.is_uri(text):
        folder = bundle_io.download(text, workdir / what)
        return bundle_io.find_keras_file(folder), folder
    path = Path(text)
    if path.is_file() and path.suffix == ".keras":
        return path, path.parent
    if path.is_dir():
        return bundle_io.find_keras_file(path), path
    raise CrnnOcrError(f"{what}: {text} is not a .keras file, a folder or an MLflow URI")


def _find_alphabet(recognizer: str | Path, folder: Path, workdir: Path) -> Path:
    """alphabet.json beside the recogniser, else in the artifacts of the run that logged it."""
    found = bundle_io.find_file(folder, "alphabet.json")
    if found:
        return found
    run_id = _source_run_id(str(recognizer))
    if run_id:
        import mlflow
        from mlflow.exceptions import MlflowException

        for artifact in ("alphabet.json", "model/alphabet.json"):
            try:
                return Path(
                    mlflow.artifacts.download_artifacts(
                        artifact_uri=f"runs:/{run_id}/{artifact}", dst_path=str(workdir)
                    )
                )
            except (MlflowException, OSError):
                continue
    raise CrnnOcrError(
        f"{recognizer}: no alphabet.json beside the recogniser or in its run; pass alphabet="
    )


def _source_run_id(uri: str) -> str | None:
    import mlflow

    if uri.startswith("runs:/"):
        return uri[len("runs:/") :].split("/", 1)[0]
    if uri.startswith("models:/"):
        ref = uri[len("models:/") :]
        client = mlflow.MlflowClient()
        if "@" in ref:
            name, alias = ref.split("@", 1)
            return client.get_model_version_by_alias(name, alias).run_id
        name, _, ver = ref.partition("/")
        return client.get_model_version(name, ver).run_id
    return None


def register_end_to_end(
    classifier_model_uri_or_path: str | Path,
    recognizer_model_uri_or_path: str | Path,
    *,
    preprocess: PreprocessSettings | Any,
    alphabet: Alphabet | str | Path | None = None,
    paths: Paths | None = None,
    model_name: str = "crnn-ocr",
    experiment: str = "crnn-ocr",
    alias: str | None = "challenger",
    model_config: dict[str, Any] | None = None,
    tags: dict[str, str] | None = None,
) -> int:
    """Bundle the two models, log the ``crnn-ocr`` pyfunc and register it; return the version.

    Args:
        classifier_model_uri_or_path / recognizer_model_uri_or_path: a ``.keras`` file, a
            folder holding one, or an MLflow URI (``models:/crnn-ocr-classifier@challenger``,
            ``runs:/<id>/model``).
        preprocess: ``PreprocessSettings`` or the ``preprocess`` params section the models were
            trained with (target size, block size, C).
        alphabet: defaults to the ``alphabet.json`` beside the recogniser or in its run.
        model_config: Recognizer options stored with the model (batch_size, max_pixels, ...).

    The bundle is loaded once before logging, so mismatched shapes fail here, not in serving.
    """
    import mlflow

    from crnn_ocr.inference import litert
    from crnn_ocr.inference import widths as read_widths
    from crnn_ocr.inference.recognizer import Recognizer, resolve_backend
    from crnn_ocr.tracking import mlflow_store

    paths = paths or Paths.from_root()
    mlflow_store.setup(paths)
    settings = (
        preprocess
        if isinstance(preprocess, PreprocessSettings)
        else PreprocessSettings.from_params(preprocess)
    )
    with tempfile.TemporaryDirectory(prefix="crnn-ocr-register-") as tmp:
        work = Path(tmp)
        cls_file, _ = _local_model_file(classifier_model_uri_or_path, work, "classifier")
        ocr_file, ocr_dir = _local_model_file(recognizer_model_uri_or_path, work, "recognizer")
        if alphabet is None:
            alphabet = _find_alphabet(recognizer_model_uri_or_path, ocr_dir, work)
        bundle = bundle_io.write_bundle(work / "bundle", cls_file, ocr_file, alphabet, settings)
        # Fail early on mismatches or bad options; the served model gets the same options.
        options = {**(model_config or {}), "backend": "keras"}
        recognizer = Recognizer.from_bundle(bundle, **options)
        if resolve_backend("auto") == "litert":  # ship the LiteRT copies: serving starts at once
            log.info("converting both models to LiteRT, shipped with the registered model")
            models = [recognizer.classifier,
                      *read_widths.variants(recognizer.recognizer, recognizer.width_step)]
            folder = litert.ship(models, work / "bundle" / bundle_io.LITERT_DIR,
                                 recognizer.quantize)
            bundle = dataclasses.replace(bundle, litert=folder)
        run_tags = {
            "crnn_ocr.classifier_source": str(classifier_model_uri_or_path),
            "crnn_ocr.recognizer_source": str(recognizer_model_uri_or_path),
            **(tags or {}),
        }
        with mlflow_store.open_run(paths, experiment, run_name="register-crnn-ocr", tags=run_tags):
            info = mlflow.pyfunc.log_model(
                name=model_name,
                python_model=str(MODEL_CODE),
                artifacts=bundle.as_artifacts(),
                code_paths=[str(PACKAGE_DIR)],
                signature=signature(),
                input_example=input_example(),
                pip_requirements=pip_requirements(),
                model_config=model_config or None,
                registered_model_name=model_name,
                await_registration_for=60,
            )
    version = info.registered_model_version
    if version is None:
        raise CrnnOcrError(f"MLflow did not register {model_name!r}")
    if alias:
        mlflow_store.set_alias(model_name, version, alias)
    return int(version)
