"""Read an extra dataset folder (``images/`` + ``labels.csv``) as OCR model input batches.

Images go through the same ``core.preprocessing`` functions, target size, bit packing and
unpack/rotate helper as the array store, so scores on it compare with the test split's.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from crnn_ocr.arrays.shards import pack_image
from crnn_ocr.core.preprocess_settings import PreprocessSettings
from crnn_ocr.errors import DataError

log = logging.getLogger(__name__)


@dataclass
class FolderBatches:
    """Iterate ``(rows, images [B, W, H, 1])``; unreadable images are skipped into ``skipped``."""

    dataset_dir: Path
    preprocess: PreprocessSettings
    batch_size: int = 64
    limit: int | None = None
    skipped: list[str] = field(default_factory=list)

    def table(self) -> pd.DataFrame:
        """``labels.csv`` read strictly (unsafe paths refused), plus a ``source`` column."""
        from crnn_ocr.data.manifest import read_labels, with_source

        frame = with_source(read_labels(self.dataset_dir))
        return frame.head(self.limit) if self.limit else frame

    def __iter__(self) -> Iterator[tuple[pd.DataFrame, np.ndarray]]:
        from crnn_ocr.inference.images import read_image

        frame = self.table()
        images_dir = self.dataset_dir / "images"
        rows: list[int] = []
        batch: list[np.ndarray] = []
        for i, name in enumerate(frame["file name"]):
            try:
                gray = read_image(images_dir / name)
                binary = self.preprocess.apply(gray)
            except (DataError, ValueError) as exc:
                self.skipped.append(f"{images_dir / name}: {exc}")
                log.warning("skipped %s: %s", images_dir / name, exc)
                continue
            rows.append(i)
            batch.append(pack_image(binary > 0))
            if len(batch) == self.batch_size:
                yield frame.iloc[rows], self._model_input(batch)
                rows, batch = [], []
        if batch:
            yield frame.iloc[rows], self._model_input(batch)

    def _model_input(self, packed: list[np.ndarray]) -> np.ndarray:
        """The array store's own unpack + rotate, so both paths give identical inputs."""
        from crnn_ocr.arrays.tfdata import to_model_input

        return to_model_input(np.stack(packed), self.preprocess.width, "ocr")
