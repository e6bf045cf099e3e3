"""Readers for the dataset layouts users have; each returns rows in one common format.

Nothing here writes: a scan validates a whole source (every row, every image present) before
:mod:`crnn_ocr.data.importers.merge` copies anything, so a bad source fails fast and whole.

Layouts:

- ``seed``: ``images/`` + ``labels.csv`` (``file name,text,class[,source][,split]``). A
  ``file name`` is looked up under ``images/`` first, then relative to the folder itself (some
  exports write ``images/x.png``). Absolute paths and ``..`` are rejected. A ``split`` column is
  kept as a split hint; a ``source`` column is replaced by the import's source name.
- ``cyrillic_handwriting`` (Kaggle "Cyrillic Handwriting Dataset"): ``train.tsv`` / ``test.tsv``
  with ``image<TAB>text`` lines and no header, images in ``train/`` and ``test/``. Every row is
  handwritten (class 1); the file it came from is the split hint.
- ``hkr`` (HKR_Dataset, Supervisely-style annotations): ``ann/<id>.json`` holding
  ``{"name": "<id>", "description": "<text>", ...}`` and the image ``img/<id>.jpg`` (``name``
  may also carry the extension). All rows are class 1. An optional ``HKR_splitting.csv``
  (columns ``id,stage`` with train/val/test1/test2) becomes the split hint.
"""

from __future__ import annotations

import csv
import json
import unicodedata
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from crnn_ocr.data.manifest import (
    IMAGES,
    LABELS,
    read_labels,
    read_utf8_text,
    unsafe_path_reason,
    with_blanks,
)
from crnn_ocr.errors import DataError

KINDS = ("seed", "cyrillic_handwriting", "hkr")
CHD_FILES = {"train.tsv": "train", "test.tsv": "test"}
HKR_STAGES = {"train": "train", "val": "val", "valid": "val", "test": "test", "test1": "test",
              "test2": "test"}
IMAGE_EXTS = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff")


@dataclass(frozen=True)
class SourceRow:
    """One labelled image of a source, before it is copied into a dataset."""

    image: Path  # the file in the source folder (read only)
    relname: str  # its path relative to the source, used to name the copy
    text: str
    cls: int  # 1 handwritten, 0 printed
    split_hint: str = ""  # "", train, val or test: the source's own assignment
    font: str = ""  # the font a synthetic line was rendered in ("" for real images)


def detect_kind(folder: Path) -> str:
    """Guess a folder's layout from the files it holds."""
    if (folder / LABELS).is_file():
        return "seed"
    if any((folder / name).is_file() for name in CHD_FILES):
        return "cyrillic_handwriting"
    if (folder / "ann").is_dir() and (folder / "img").is_dir():
        return "hkr"
    raise DataError(
        f"{folder}: unknown layout (expected labels.csv + images/, train.tsv/test.tsv + "
        "train/ test/, or ann/*.json + img/)"
    )


def scan(folder: str | Path, kind: str = "auto") -> list[SourceRow]:
    """Read and check every row of the source ``folder`` of layout ``kind``."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError(f"{folder}: source folder not found")
    kind = detect_kind(folder) if kind == "auto" else kind
    if kind == "seed":
        return scan_seed(folder)
    if kind == "cyrillic_handwriting":
        return scan_cyrillic_handwriting(folder)
    if kind == "hkr":
        return scan_hkr(folder)
    raise DataError(f"{folder}: unknown layout kind {kind!r} (known: auto, {', '.join(KINDS)})")


def _fail(problems: list[str]) -> None:
    if problems:
        more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
        raise DataError(problems[0] + more)


def scan_seed(folder: Path) -> list[SourceRow]:
    """A seed-format folder: ``images/`` + ``labels.csv``."""
    frame = read_labels(folder, strict=True)
    lines = frame.attrs.get("lines", list(range(2, len(frame) + 2)))
    labels = folder / LABELS
    frame = with_blanks(frame, "split", "font")
    rows, problems = [], []
    for line, name, text, cls, hint, font in zip(
        lines, *(frame[c] for c in ("file name", "text", "class", "split", "font")), strict=True
    ):
        for base in (folder / IMAGES, folder):
            if (base / name).is_file():
                image = base / name
                relname = PurePosixPath(name.replace("\\", "/"))
                if base == folder and relname.parts[0] == IMAGES:  # "images/x.png" -> "x.png"
                    relname = relname.relative_to(IMAGES)
                rows.append(SourceRow(image, relname.as_posix(), text, int(cls), hint, font))
                break
        else:
            problems.append(f"{labels}: line {line}: image {name!r} not found in {folder / IMAGES}")
    _fail(problems)
    return rows


def scan_cyrillic_handwriting(folder: Path) -> list[SourceRow]:
    """Kaggle's Cyrillic Handwriting Dataset: ``{train,test}.tsv`` + ``{train,test}/``."""
    rows, problems = [], []
    for tsv_name, split in CHD_FILES.items():
        tsv = folder / tsv_name
        if not tsv.is_file():
            continue
        for line, raw in enumerate(read_utf8_text(tsv).splitlines(), start=1):
            if not raw.strip():
                continue
            name, sep, text = raw.partition("\t")
            text = unicodedata.normalize("NFC", text)
            reason = unsafe_path_reason(name) or (None if sep else "expected image<TAB>text")
            reason = reason or (None if text else "empty text")
            if reason:
                problems.append(f"{tsv}: line {line}: {reason}")
                continue
            for base in (folder / split, folder):
                if (base / name).is_file():
                    relname = name if base == folder else f"{split}/{name}"
                    rows.append(SourceRow(base / name, relname, text, 1, split))
                    break
            else:
                problems.append(f"{tsv}: line {line}: image {name!r} not found in {folder / split}")
    _fail(problems)
    return rows


def _hkr_hints(folder: Path) -> dict[str, str]:
    path = folder / "HKR_splitting.csv"
    if not path.is_file():
        return {}
    reader = csv.DictReader(read_utf8_text(path).splitlines())
    if not {"id", "stage"} <= set(reader.fieldnames or ()):
        raise DataError(f"{path}: line 1: expected columns id,stage")
    hints = {}
    for row in reader:
        stage = HKR_STAGES.get(row["stage"].strip().lower())
        if stage is None:
            raise DataError(f"{path}: line {reader.line_num}: unknown stage {row['stage']!r}")
        hints[row["id"].strip()] = stage
    return hints


def _hkr_image(img_dir: Path, name: str, ann: Path) -> Path | None:
    candidates = [img_dir / name, *(img_dir / f"{name}{ext}" for ext in IMAGE_EXTS)]
    candidates.append(img_dir / ann.stem)  # ann/<image file name>.json
    return next((c for c in candidates if c.is_file()), None)


def scan_hkr(folder: Path) -> list[SourceRow]:
    """HKR-style folder: one JSON annotation per image in ``ann/``, images in ``img/``."""
    hints = _hkr_hints(folder)
    rows, problems = [], []
    for ann in sorted((folder / "ann").glob("*.json")):
        try:
            record = json.loads(read_utf8_text(ann))
        except json.JSONDecodeError as exc:
            problems.append(f"{ann}: line {exc.lineno}: not valid JSON ({exc.msg})")
            continue
        name, text = (record.get(k) if isinstance(record, dict) else None
                      for k in ("name", "description"))
        if not isinstance(name, str) or not isinstance(text, str):
            problems.append(f"{ann}: row 1: needs string fields 'name' and 'description'")
            continue
        text = unicodedata.normalize("NFC", text)
        reason = unsafe_path_reason(name) or ("/" in name and "nested path in name") or (
            not text and "empty text")
        if reason:
            problems.append(f"{ann}: row 1: {reason}")
            continue
        image = _hkr_image(folder / "img", name, ann)
        if image is None:
            problems.append(f"{ann}: row 1: image {name!r} not found in {folder / 'img'}")
            continue
        hint = hints.get(name, hints.get(Path(name).stem, ""))
        rows.append(SourceRow(image, image.name, text, 1, hint))
    if not rows and not problems:
        problems.append(f"{folder / 'ann'}: no *.json annotations")
    _fail(problems)
    return rows
