"""The end-to-end model bundle: two ``.keras`` models, ``alphabet.json`` and ``preprocess.json``.

A bundle is a plain folder, or the ``artifacts/`` of the MLflow pyfunc model ``crnn-ocr``
(so ``models:/crnn-ocr@champion`` downloads to a folder that holds the same four files).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crnn_ocr.core.codec import Alphabet
from crnn_ocr.core.preprocess_settings import PreprocessSettings
from crnn_ocr.errors import CrnnOcrError
from crnn_ocr.io.atomic import atomic_dir

BUNDLE_FILES: dict[str, str] = {
    "classifier": "classifier.keras",
    "recognizer": "recognizer.keras",
    "alphabet": "alphabet.json",
    "preprocess": "preprocess.json",
}
"""Artifact key -> file name; the same keys name the pyfunc model's MLflow artifacts."""
LITERT_DIR = "litert"
"""Optional folder (and artifact key) of LiteRT flatbuffers named by model content hash."""
PROJECT_MODEL_FILES: dict[str, str] = {
    "classifier": "classifier/model.keras",
    "recognizer": "ocr/model.keras",
    "alphabet": "ocr/alphabet.json",
}
"""A project's ``models/`` folder as the train stages leave it (no preprocess.json: the
project's ``params.yaml`` says how its models' inputs were made)."""
URI_SCHEMES = ("models:/", "runs:/", "mlflow-artifacts:/", "s3://", "gs://", "wasbs://", "file://")


@dataclass(frozen=True)
class Bundle:
    """Paths of the four bundle files (and of the optional ``litert/`` folder)."""

    classifier: Path
    recognizer: Path
    alphabet: Path
    preprocess: Path
    litert: Path | None = None

    def as_artifacts(self) -> dict[str, str]:
        """The ``artifacts`` mapping for ``mlflow.pyfunc.log_model``."""
        artifacts = {key: str(getattr(self, key)) for key in BUNDLE_FILES}
        if self.litert is not None:
            artifacts[LITERT_DIR] = str(self.litert)
        return artifacts

    @classmethod
    def from_artifacts(cls, artifacts: dict[str, str]) -> Bundle:
        """The inverse of :meth:`as_artifacts` (a pyfunc model's ``context.artifacts``)."""
        files = {key: Path(artifacts[key]) for key in BUNDLE_FILES}
        litert = artifacts.get(LITERT_DIR)
        return cls(**files, litert=Path(litert) if litert else None)

    @classmethod
    def from_folder(cls, folder: str | Path) -> Bundle:
        """Find the files in ``folder`` or in its ``artifacts/`` (an MLflow pyfunc model folder)."""
        folder = Path(folder)
        for candidate in (folder, folder / "artifacts"):
            files = {key: candidate / name for key, name in BUNDLE_FILES.items()}
            if all(p.is_file() for p in files.values()):
                litert = candidate / LITERT_DIR
                return cls(**files, litert=litert if litert.is_dir() else None)
        missing = [n for n in BUNDLE_FILES.values() if not (folder / n).is_file()]
        raise CrnnOcrError(
            f"{folder}: not a crnn-ocr model bundle (missing {', '.join(missing)}; expected "
            f"{', '.join(BUNDLE_FILES.values())} in the folder or its artifacts/, or a "
            f"project's models/ folder with {', '.join(PROJECT_MODEL_FILES.values())})"
        )


def project_models(folder: str | Path) -> dict[str, Path] | None:
    """The trained models in a project's ``models/`` folder (:data:`PROJECT_MODEL_FILES`), or
    None when ``folder`` is not one."""
    files = {key: Path(folder) / name for key, name in PROJECT_MODEL_FILES.items()}
    return files if all(p.is_file() for p in files.values()) else None


def is_uri(model: str) -> bool:
    return model.startswith(URI_SCHEMES)


def write_bundle(
    out_dir: str | Path,
    classifier: str | Path,
    recognizer: str | Path,
    alphabet: Alphabet | str | Path,
    preprocess: PreprocessSettings,
) -> Bundle:
    """Copy the two ``.keras`` files and write the two JSON files into ``out_dir`` (atomically)."""
    with atomic_dir(out_dir) as tmp:
        shutil.copyfile(classifier, tmp / BUNDLE_FILES["classifier"])
        shutil.copyfile(recognizer, tmp / BUNDLE_FILES["recognizer"])
        alpha = alphabet if isinstance(alphabet, Alphabet) else Alphabet.load(alphabet)
        alpha.save(tmp / BUNDLE_FILES["alphabet"])
        preprocess.save(tmp / BUNDLE_FILES["preprocess"])
    return Bundle.from_folder(out_dir)


def download(uri: str, dst: str | Path | None = None) -> Path:
    """Download an MLflow model/artifact URI to a local folder (the tracking URI must be set)."""
    import mlflow
    from mlflow.exceptions import MlflowException

    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    target = Path(dst) if dst else Path(tempfile.mkdtemp(prefix="crnn-ocr-model-"))
    try:
        return Path(mlflow.artifacts.download_artifacts(artifact_uri=uri, dst_path=str(target)))
    except MlflowException as exc:
        raise CrnnOcrError(f"{uri}: cannot fetch the model from MLflow: {exc.message}") from exc


def resolve(model: str | Path, cache_dir: str | Path | None = None) -> Bundle:
    """A bundle from a folder or an MLflow URI (``models:/crnn-ocr@champion``, ``runs:/...``)."""
    text = str(model)
    if is_uri(text):
        return Bundle.from_folder(download(text, cache_dir))
    path = Path(text)
    if not path.exists():
        raise CrnnOcrError(
            f"{text}: no such model folder (give a bundle folder or an MLflow URI such as "
            "models:/crnn-ocr@champion, models:/crnn-ocr/3 or runs:/<run id>/crnn-ocr)"
        )
    return Bundle.from_folder(path)


def find_keras_file(folder: str | Path) -> Path:
    """The single ``.keras`` file inside a downloaded model folder (any MLflow Keras flavour)."""
    found = sorted(Path(folder).rglob("*.keras"))
    if len(found) != 1:
        names = ", ".join(str(p) for p in found) or "none"
        raise CrnnOcrError(f"{folder}: expected exactly one .keras file, found {names}")
    return found[0]


def find_file(folder: str | Path, name: str) -> Path | None:
    """The first file called ``name`` under ``folder`` (shallowest first), or None."""
    found = sorted(Path(folder).rglob(name), key=lambda p: len(p.parts))
    return found[0] if found else None


def build_untrained_bundle(params: Any, out_dir: str | Path, alphabet: Alphabet) -> Bundle:
    """A bundle of randomly initialised models built by the real builders from ``params``.

    For speed benchmarks and serving contract tests only: the texts it reads are noise.
    """
    from crnn_ocr.models.classifier import build_classifier
    from crnn_ocr.models.crnn import build_crnn

    pre = PreprocessSettings.from_params(params.preprocess)
    h, w = pre.target_size
    classifier = build_classifier(params.train.classifier, (h, w))
    recognizer = build_crnn(params.train.ocr.model, (w, h, 1), alphabet.num_classes)
    with tempfile.TemporaryDirectory() as tmp:
        classifier.save(Path(tmp) / "classifier.keras")
        recognizer.save(Path(tmp) / "recognizer.keras")
        return write_bundle(
            out_dir, Path(tmp) / "classifier.keras", Path(tmp) / "recognizer.keras", alphabet, pre
        )
