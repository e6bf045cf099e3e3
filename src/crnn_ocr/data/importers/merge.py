"""Merge scanned sources into one dataset folder with unique names, splits and a summary."""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from tqdm import tqdm

from crnn_ocr.config.data import SOURCE_NAME_PATTERN
from crnn_ocr.data.importers.layouts import SourceRow, scan
from crnn_ocr.data.manifest import IMAGES, assign_splits, write_labels
from crnn_ocr.errors import DataError
from crnn_ocr.io.atomic import atomic_dir

LinkMode = Literal["copy", "hardlink", "move"]
SUMMARY = "summary.json"


@dataclass(frozen=True)
class Source:
    """A scanned source and how its images reach the dataset."""

    name: str  # prefix of every file name and value of the `source` column
    rows: Sequence[SourceRow]
    owned: bool = False  # our own temporary files (synthetic lines): moved, not copied


def source_name(folder: Path, taken: set[str] | frozenset[str] = frozenset()) -> str:
    """A source name from a folder name (letters, digits, ``_.-``), made unique among ``taken``."""
    base = re.sub(r"[^A-Za-z0-9_.-]+", "_", folder.resolve().name).strip("_.-") or "source"
    name, n = base, 1
    while name in taken:
        n += 1
        name = f"{base}-{n}"
    return name


def output_name(source: str, relname: str) -> str:
    """The flat file name of a source image in the merged ``images/`` folder.

    ``<source>_<relname with / as __>``; a name that already starts with ``<source>_`` (the
    synthetic generator's ``synth_000001.png``) is not prefixed twice.
    """
    flat = relname.replace("/", "__")
    return flat if flat.startswith(f"{source}_") else f"{source}_{flat}"


def _place(src: Path, dst: Path, mode: LinkMode) -> None:
    if mode == "move":
        os.replace(src, dst)
        return
    if mode == "hardlink":
        try:
            os.link(src, dst)
            return
        except OSError:
            pass  # another filesystem or not permitted: fall back to a copy
    shutil.copyfile(src, dst)


def _unique(name: str, used: set[str]) -> str:
    if name not in used:
        return name
    stem, dot, ext = name.rpartition(".") if "." in name else (name, "", "")
    n = 2
    while f"{stem}~{n}{dot}{ext}" in used:
        n += 1
    return f"{stem}~{n}{dot}{ext}"


def materialise(
    sources: Sequence[Source], images_dir: Path, link: LinkMode = "copy", progress: bool = False
) -> tuple[pd.DataFrame, pd.Series]:
    """Put every source image into ``images_dir``; return the rows and their split hints."""
    names = [s.name for s in sources]
    if len(set(names)) != len(names):
        raise DataError(f"source names must be unique, got {names}")
    for name in names:
        if not re.fullmatch(SOURCE_NAME_PATTERN, name):
            raise DataError(f"source name {name!r}: use letters, digits and _.- only")
    images_dir.mkdir(parents=True, exist_ok=True)
    used: set[str] = set()
    records: list[tuple[str, str, int, str, str]] = []
    hints: list[str] = []
    total = sum(len(s.rows) for s in sources)
    with tqdm(total=total, desc="images", unit="img", disable=not progress) as bar:
        for source in sources:
            mode: LinkMode = "move" if source.owned else link
            for row in source.rows:
                name = _unique(output_name(source.name, row.relname), used)
                used.add(name)
                _place(row.image, images_dir / name, mode)
                records.append((name, row.text, row.cls, source.name, row.font))
                hints.append(row.split_hint)
                bar.update()
    frame = pd.DataFrame(records, columns=["file name", "text", "class", "source", "font"])
    frame = frame.astype({"file name": str, "text": str, "class": "int64", "source": str,
                          "font": str})
    if not frame["font"].astype(bool).any():
        frame = frame.drop(columns="font")  # no synthetic lines: keep the plain contract
    return frame, pd.Series(hints, index=frame.index, dtype=str)


def summarize(frame: pd.DataFrame) -> dict[str, Any]:
    """Counts per source, class and split (written as ``summary.json``)."""

    def counts(*cols: str) -> dict[str, Any]:
        if frame.empty:
            return {}
        if len(cols) == 1:
            return {str(k): int(v) for k, v in frame[cols[0]].value_counts().sort_index().items()}
        table = frame.groupby(list(cols)).size()
        nested: dict[str, dict[str, int]] = {}
        for (a, b), v in table.items():
            nested.setdefault(str(a), {})[str(b)] = int(v)
        return nested

    return {
        "rows": len(frame),
        "by_source": counts("source"),
        "by_class": counts("class"),
        "by_split": counts("split"),
        "by_split_class": counts("split", "class"),
        "by_source_split": counts("source", "split"),
    }


def write_dataset(
    out_dir: Path,
    sources: Sequence[Source],
    fractions: Mapping[str, float],
    seed: int,
    use_source_splits: bool = True,
    link: LinkMode = "copy",
    progress: bool = False,
) -> pd.DataFrame:
    """Fill the (new, empty) folder ``out_dir``: images/, labels.csv with splits, summary.json."""
    frame, hints = materialise(sources, out_dir / IMAGES, link, progress)
    frame = assign_splits(frame, fractions, seed, hints if use_source_splits else None)
    write_labels(frame, out_dir)
    (out_dir / SUMMARY).write_text(
        json.dumps(summarize(frame), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return frame


def import_folders(
    folders: Sequence[str | Path],
    out_dir: str | Path,
    fractions: Mapping[str, float],
    seed: int,
    kind: str = "auto",
    names: Sequence[str] | None = None,
    use_source_splits: bool = True,
    link: LinkMode = "copy",
    progress: bool = False,
) -> pd.DataFrame:
    """Scan ``folders`` (all checked before anything is written), merge them into ``out_dir``.

    ``out_dir`` is replaced atomically; the sources are only read.
    """
    out = Path(out_dir).resolve()
    sources: list[Source] = []
    for i, folder in enumerate(map(Path, folders)):
        src = folder.resolve()
        if src == out or out in src.parents or src in out.parents:
            raise DataError(f"{folder}: a source and the output folder must not contain each other")
        name = names[i] if names else source_name(folder, {s.name for s in sources})
        sources.append(Source(name, scan(folder, kind)))
    with atomic_dir(out) as tmp:
        return write_dataset(tmp, sources, fractions, seed, use_source_splits, link, progress)
