"""Read the cached array store: ``index.json``, ``alphabet.json`` and memory-mapped shards.

Layout of a store folder (``data/arrays/``)::

    index.json           format, image shape, max_label_len, params, shards (split, rows,
                         sha256 of every file), per-split sizes, skipped rows with reasons
    alphabet.json        the codec (``Alphabet``) the labels were encoded with
    rows.csv             every stored row in store order: split, shard, offset, manifest row,
                         file name, text, class, source (texts for evaluation)
    splits/<split>.npy   manifest row positions of the split, in store order
    shards/<name>/       images.npy (bit-packed), classes.npy, labels.npy, label_lengths.npy,
                         rows.npy, meta.json

``index.json`` is written last: a store without it is incomplete and refused.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from crnn_ocr.arrays import shards as sh
from crnn_ocr.core.codec import Alphabet
from crnn_ocr.errors import DataError

FORMAT = "crnn-ocr-arrays/1"
INDEX = "index.json"
ALPHABET = "alphabet.json"
ROWS_CSV = "rows.csv"
SPLITS_DIR = "splits"
SHARDS_DIR = "shards"
SPLITS = ("train", "val", "test")


@dataclass(frozen=True)
class ShardInfo:
    name: str
    split: str
    rows: int
    checksums: dict[str, str]


@dataclass(frozen=True)
class ShardArrays:
    """One shard's arrays, memory-mapped read-only (nothing is loaded until indexed)."""

    images: np.ndarray  # uint8 [n, H, ceil(W / 8)] packed
    classes: np.ndarray  # uint8 [n]
    labels: np.ndarray  # int32 [n, max_label_len]
    label_lengths: np.ndarray  # int32 [n]
    rows: np.ndarray  # int64 [n]


class ArrayStore:
    """A finished array store (see the module docstring for the layout).

    Raises:
        DataError: the folder is not a complete store (no or unreadable ``index.json``).
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        index_file = self.path / INDEX
        try:
            self.index: dict[str, Any] = json.loads(index_file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise DataError(
                f"{index_file}: not found (incomplete array store; run `crnn-ocr preprocess`)"
            ) from None
        except (OSError, ValueError) as exc:
            raise DataError(f"{index_file}: unreadable: {exc}") from exc
        if self.index.get("format") != FORMAT:
            raise DataError(f"{index_file}: format {self.index.get('format')!r}, expected {FORMAT}")
        self.alphabet = Alphabet.load(self.path / ALPHABET)
        height, width = self.index["image_shape"]
        self.image_shape: tuple[int, int] = (int(height), int(width))
        self.max_label_len: int = int(self.index["max_label_len"])
        self._shards = [
            ShardInfo(s["name"], s["split"], int(s["rows"]), dict(s["checksums"]))
            for s in self.index["shards"]
        ]

    def __repr__(self) -> str:
        sizes = ", ".join(f"{s}={self.size(s)}" for s in self.splits)
        return f"ArrayStore({str(self.path)!r}, {self.image_shape}, {sizes})"

    @property
    def splits(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(s.split for s in self._shards))

    def shards(self, split: str) -> list[ShardInfo]:
        """The shards of ``split`` in store order (empty for an unknown or empty split)."""
        return [s for s in self._shards if s.split == split]

    def size(self, split: str) -> int:
        """Number of stored images in ``split``."""
        return sum(s.rows for s in self.shards(split))

    def open_shard(self, name: str) -> ShardArrays:
        """Memory-map one shard's arrays (``allow_pickle=False``: no code runs on load)."""
        return open_shard_folder(self.path / SHARDS_DIR / name)

    @cached_property
    def _rows_frame(self) -> Any:
        import pandas as pd

        return pd.read_csv(
            self.path / ROWS_CSV, dtype=str, keep_default_na=False, encoding="utf-8"
        ).astype({"offset": int, "row": int, "class": int})

    def rows(self, split: str) -> Any:
        """DataFrame of ``split``'s stored rows in store order (file name, text, class, ...)."""
        frame = self._rows_frame
        return frame[frame["split"] == split].reset_index(drop=True)

    def verify(self) -> list[str]:
        """``shard/file`` entries whose sha256 differs from index.json (empty = intact)."""
        bad = []
        for info in self._shards:
            folder = self.path / SHARDS_DIR / info.name
            bad += [f"{info.name}/{f}" for f in sh.verify_files(folder, info.checksums)]
        return bad


def open_shard_folder(folder: Path) -> ShardArrays:
    """Memory-map the arrays of a shard folder, read-only."""

    def load(file: str) -> np.ndarray:
        try:
            return np.load(folder / file, mmap_mode="r", allow_pickle=False)
        except (OSError, ValueError) as exc:
            raise DataError(f"{folder / file}: unreadable shard array: {exc}") from exc

    return ShardArrays(
        load(sh.IMAGES), load(sh.CLASSES), load(sh.LABELS), load(sh.LENGTHS), load(sh.ROWS)
    )


def store_files_size(path: str | Path) -> int:
    """Bytes on disk of a store folder (all files, recursively)."""
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file())
