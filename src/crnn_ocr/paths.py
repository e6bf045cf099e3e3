"""Where the project keeps its files, resolved against the project root."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

MODEL_FILE = "model.keras"
"""The Keras model inside a trained model's folder (``models/ocr``, ``models/classifier``)."""
ALPHABET_FILE = "alphabet.json"
"""The recogniser's alphabet beside its ``model.keras``."""


def find_project_root(start: Path | None = None) -> Path:
    """The nearest folder above ``start`` holding ``params.yaml`` (``CRNN_OCR_ROOT`` wins)."""
    env = os.environ.get("CRNN_OCR_ROOT")
    if env:
        return Path(env).resolve()
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "params.yaml").is_file():
            return folder
    return here


@dataclass(frozen=True)
class Paths:
    """Every on-disk location a stage reads or writes, relative to one root."""

    root: Path

    @classmethod
    def from_root(cls, root: str | Path | None = None) -> Paths:
        return cls(Path(root).resolve() if root else find_project_root())

    @property
    def params_file(self) -> Path:
        return self.root / "params.yaml"

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def fonts(self) -> Path:
        return self.data / "fonts"

    @property
    def raw(self) -> Path:
        """The raw dataset (images/ + labels.csv), output of the data stage, DVC-tracked."""
        return self.data / "raw"

    @property
    def validated(self) -> Path:
        return self.data / "validated"

    @property
    def arrays(self) -> Path:
        return self.data / "arrays"

    @property
    def models(self) -> Path:
        return self.root / "models"

    @property
    def reports(self) -> Path:
        return self.root / "reports"

    @property
    def mlruns(self) -> Path:
        return self.root / "mlruns"

    @property
    def shared_real(self) -> Path:
        """The optional real-image sample beside the project (never copied into the repo)."""
        return Path(os.environ.get("CRNN_OCR_REAL", self.root.parent / "shared" / "data" / "real"))

    @property
    def shared_real_train(self) -> Path:
        return Path(
            os.environ.get(
                "CRNN_OCR_REAL_TRAIN", self.root.parent / "shared" / "data" / "real_train"
            )
        )
