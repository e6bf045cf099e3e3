"""The preprocessing values a model was trained on, as one object passed wherever lines are
preprocessed (shards, evaluation folders, classifier scoring, inference bundles)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from crnn_ocr.core.preprocessing import preprocess_image
from crnn_ocr.core.reframe import check_ink_fill, reframe_rows
from crnn_ocr.errors import CrnnOcrError


@dataclass(frozen=True)
class PreprocessSettings:
    """Target (height, width), the threshold values and the framing; ``apply`` runs
    ``frame`` and then ``preprocess_image``."""

    height: int
    width: int
    block_size: int
    c: float
    pad_after_threshold: bool = False  # absent in bundles made before the option existed
    ink_fill: float | None = None  # None = no reframing (and bundles made before it existed)

    @property
    def target_size(self) -> tuple[int, int]:
        return (self.height, self.width)

    def frame(self, image: np.ndarray) -> np.ndarray:
        """The line reframed so that its ink fills ``ink_fill`` of the height
        (``core.reframe``), or unchanged when ``ink_fill`` is None."""
        if self.ink_fill is None:
            return image
        return reframe_rows(image, self.ink_fill)

    def apply(self, image: np.ndarray, ocr: bool = False, frame: bool = True) -> np.ndarray:
        """Frame (unless ``frame`` is false: the caller framed the whole line already), then
        resize + threshold (+ rotate when ``ocr``): ``core.preprocessing.preprocess_image``."""
        framed = self.frame(image) if frame else image
        return preprocess_image(framed, ocr, self.target_size, self.block_size, self.c,
                                self.pad_after_threshold)

    def with_size(self, target_size: tuple[int, int]) -> PreprocessSettings:
        """The same threshold values at another (height, width), e.g. an array store's."""
        return replace(self, height=int(target_size[0]), width=int(target_size[1]))

    @classmethod
    def from_params(cls, params: Any) -> PreprocessSettings:
        """From a ``PreprocessParams`` section (or anything with the same attributes)."""
        return cls(int(params.height), int(params.width), int(params.block_size), float(params.c),
                   bool(params.pad_after_threshold), _fill(getattr(params, "ink_fill", None)))

    @classmethod
    def load(cls, path: str | Path) -> PreprocessSettings:
        """Read a bundle's ``preprocess.json``."""
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
            return cls(
                int(data["height"]), int(data["width"]), int(data["block_size"]), float(data["c"]),
                bool(data.get("pad_after_threshold", False)), _fill(data.get("ink_fill")),
            )
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise CrnnOcrError(f"{path}: not a valid preprocess.json ({exc})") from exc

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(asdict(self), indent=2) + "\n", encoding="utf-8")


def _fill(value: Any) -> float | None:
    """``ink_fill`` as a float in (0, 1], or None (no reframing)."""
    return None if value is None else check_ink_fill(value)
