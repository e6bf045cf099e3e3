"""Inputs of the preprocess stage: the validated manifest and the images folder it points at."""

from __future__ import annotations

import csv
import json
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from crnn_ocr.data.manifest import unsafe_path_reason
from crnn_ocr.errors import DataError

MANIFEST = "manifest.csv"
SUMMARY = "validation.json"
COLUMNS = ("file name", "text", "class", "source", "split")
SPLITS = ("train", "val", "test")


@dataclass(frozen=True)
class Manifest:
    """Validated rows as parallel lists; ``lines`` are manifest.csv line numbers (header = 1)."""

    path: Path
    lines: list[int]
    file_names: list[str]
    texts: list[str]
    classes: list[int]
    sources: list[str]
    splits: list[str]


def read_manifest(validated_dir: Path) -> Manifest:
    """Read ``manifest.csv``, refusing unusable rows with file, line and reason.

    Raises:
        DataError: missing file, wrong header, bad class/split, unsafe path, not UTF-8.
    """
    path = validated_dir / MANIFEST
    if not path.is_file():
        raise DataError(f"{path}: manifest not found (run `crnn-ocr validate`)")
    out = Manifest(path, [], [], [], [], [], [])
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            reader = csv.reader(handle, strict=True)
            header = [h.strip() for h in next(reader, [])]
            missing = [c for c in COLUMNS if c not in header]
            if missing:
                raise DataError(f"{path}: line 1: missing columns {missing} (got {header})")
            col = {c: header.index(c) for c in COLUMNS}
            line = reader.line_num
            for fields in reader:
                line, start = reader.line_num, line + 1
                if not fields:
                    continue
                if len(fields) != len(header):
                    raise DataError(f"{path}: line {start}: expected {len(header)} fields, "
                                    f"got {len(fields)}")
                name, klass, split = (fields[col[c]] for c in ("file name", "class", "split"))
                reason = unsafe_path_reason(name)
                if reason:
                    raise DataError(f"{path}: line {start}: {reason}")
                if klass not in ("0", "1"):
                    raise DataError(f"{path}: line {start}: class must be 0 or 1, got {klass!r}")
                if split not in SPLITS:
                    raise DataError(f"{path}: line {start}: split must be one of {SPLITS}, "
                                    f"got {split!r}")
                out.lines.append(start)
                out.file_names.append(name)
                out.texts.append(unicodedata.normalize("NFC", fields[col["text"]]))
                out.classes.append(int(klass))
                out.sources.append(fields[col["source"]])
                out.splits.append(split)
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: not UTF-8 ({exc.reason} at byte {exc.start})") from exc
    except csv.Error as exc:
        raise DataError(f"{path}: line {reader.line_num}: {exc}") from exc
    if not out.texts:
        raise DataError(f"{path}: no rows after the header")
    return out


def resolve_images_dir(validated_dir: Path, root: Path) -> Path:
    """The images folder named by ``validation.json`` (relative to the project root)."""
    summary = validated_dir / SUMMARY
    try:
        data = json.loads(summary.read_text(encoding="utf-8"))
        images = Path(data["images_dir"])
    except FileNotFoundError:
        raise DataError(f"{summary}: not found (run `crnn-ocr validate`)") from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DataError(f"{summary}: no usable 'images_dir': {exc}") from exc
    folder = images if images.is_absolute() else root / images
    if not folder.is_dir():
        raise DataError(f"{summary}: images_dir {str(folder)!r} is not a folder")
    return folder.resolve()
