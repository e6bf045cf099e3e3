"""Tiny on-disk fixtures of each dataset layout (PNG images made with cv2)."""

from __future__ import annotations

import csv
import hashlib
import json
import zlib
from collections.abc import Iterable, Sequence
from pathlib import Path

import cv2
import numpy as np


def tiny_png(path: Path, seed: int) -> Path:
    """Write a distinct 8x24 grayscale PNG (the seed decides the pixels)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pixels = np.random.default_rng(seed).integers(0, 256, size=(8, 24), dtype=np.uint8)
    assert cv2.imwrite(str(path), pixels)
    return path


def make_seed(
    folder: Path, rows: Sequence[tuple[str, str, int]], header: str = "file name,text,class",
    extra: Sequence[Sequence[str]] | None = None, images: bool = True,
) -> Path:
    """A seed-format folder: images/<name> for each row + labels.csv."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "labels.csv", "w", encoding="utf-8", newline="") as handle:
        handle.write(header + "\n")
        writer = csv.writer(handle, lineterminator="\n")
        for i, (name, text, cls) in enumerate(rows):
            writer.writerow([name, text, cls, *(extra[i] if extra else ())])
            if images and not Path(name).is_absolute() and ".." not in name:
                seed = zlib.crc32(f"{folder.name}/{name}".encode())
                tiny_png(folder / "images" / name, seed=seed)
    return folder


def make_chd(
    folder: Path, train: Sequence[tuple[str, str]], test: Sequence[tuple[str, str]]
) -> Path:
    """Cyrillic Handwriting Dataset layout: {train,test}.tsv + {train,test}/ images."""
    for split, rows in (("train", train), ("test", test)):
        lines = []
        for i, (name, text) in enumerate(rows):
            tiny_png(folder / split / name, seed=1000 + i + (0 if split == "train" else 500))
            lines.append(f"{name}\t{text}\n")
        (folder / f"{split}.tsv").write_text("".join(lines), encoding="utf-8")
    return folder


def make_hkr(folder: Path, rows: Sequence[tuple[str, str]], stages: dict[str, str] | None = None
             ) -> Path:
    """HKR layout: ann/<id>.json ({"name": id, "description": text, ...}) + img/<id>.jpg."""
    (folder / "ann").mkdir(parents=True, exist_ok=True)
    for i, (name, text) in enumerate(rows):
        tiny_png(folder / "img" / f"{name}.jpg", seed=2000 + i)  # PNG bytes, .jpg name is fine
        record = {"description": text, "name": name, "size": {"width": 24, "height": 8},
                  "tags": [], "objects": []}
        (folder / "ann" / f"{name}.json").write_text(json.dumps(record, ensure_ascii=False),
                                                     encoding="utf-8")
    if stages:
        lines = ["id,stage"] + [f"{k},{v}" for k, v in stages.items()]
        (folder / "HKR_splitting.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def tree_digest(folder: Path) -> dict[str, str]:
    """Relative path -> sha256 of every file under ``folder`` (to prove a source is untouched)."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*")) if p.is_file()
    }


def read_rows(labels: Path) -> list[dict[str, str]]:
    with open(labels, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def names(rows: Iterable[dict[str, str]]) -> list[str]:
    return [r["file name"] for r in rows]
