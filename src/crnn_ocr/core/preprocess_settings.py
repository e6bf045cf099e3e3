"""The preprocessing values a model was trained on, as one object passed wherever lines are
preprocessed (shards, evaluation folders, classifier scoring, inference bundles)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from crnn_ocr.core.preprocessing import preprocess_image
from crnn_ocr.errors import CrnnOcrError


@dataclass(frozen=True)
class PreprocessSettings:
    """Target (height, width) and the threshold values; ``apply`` runs ``preprocess_image``."""

    height: int
    width: int
    block_size: int
    c: float
    pad_after_threshold: bool = False  # absent in bundles made before the option existed

    @property
    def target_size(self) -> tuple[int, int]:
        return (self.height, self.width)

    def apply(self, image: np.ndarray, ocr: bool = False) -> np.ndarray:
        """Resize + threshold (+ rotate when ``ocr``): ``core.preprocessing.preprocess_image``."""
        return preprocess_image(image, ocr, self.target_size, self.block_size, self.c,
                                self.pad_after_threshold)

    def with_size(self, target_size: tuple[int, int]) -> PreprocessSettings:
        """The same threshold values at another (height, width), e.g. an array store's."""
        return PreprocessSettings(int(target_size[0]), int(target_size[1]), self.block_size,
                                  self.c, self.pad_after_threshold)

    @classmethod
    def from_params(cls, params: Any) -> PreprocessSettings:
        """From a ``PreprocessParams`` section (or anything with the same attributes)."""
        return cls(int(params.height), int(params.width), int(params.block_size), float(params.c),
                   bool(params.pad_after_threshold))

    @classmethod
    def load(cls, path: str | Path) -> PreprocessSettings:
        """Read a bundle's ``preprocess.json``."""
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
            return cls(
                int(data["height"]), int(data["width"]), int(data["block_size"]), float(data["c"]),
                bool(data.get("pad_after_threshold", False)),
            )
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise CrnnOcrError(f"{path}: not a valid preprocess.json ({exc})") from exc

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(asdict(self), indent=2) + "\n", encoding="utf-8")
