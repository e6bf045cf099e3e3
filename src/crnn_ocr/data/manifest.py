"""The dataset manifest: strict ``labels.csv`` I/O, stable splits and content hashes.

A dataset folder ``D`` is ``D/images/<file name>`` + ``D/labels.csv`` (UTF-8, header
``file name,text,class`` optionally followed by ``source``, ``split`` and ``font``, the font that
rendered a synthetic line, for per-font scores); see docs/CONTRACTS.md.
"""

from __future__ import annotations

import csv
import hashlib
import io
import unicodedata
from collections.abc import Mapping
from pathlib import Path, PurePosixPath, PureWindowsPath

import pandas as pd

from crnn_ocr.errors import DataError
from crnn_ocr.io.atomic import atomic_file

LABELS = "labels.csv"
IMAGES = "images"
REQUIRED = ("file name", "text", "class")
OPTIONAL = ("source", "split", "font")
SPLITS = ("train", "val", "test")
CLASSES = {"0": 0, "1": 1}
DEFAULT_FRACTIONS: Mapping[str, float] = {"train": 0.8, "val": 0.1, "test": 0.1}


def unsafe_path_reason(name: str) -> str | None:
    """Why ``name`` may not be used as a path inside a dataset folder (None when it is safe)."""
    if not name:
        return "empty file name"
    if "\0" in name:
        return "NUL byte in file name"
    if PurePosixPath(name).is_absolute() or PureWindowsPath(name).is_absolute() or (
        PureWindowsPath(name).drive
    ):
        return f"absolute path {name!r} is not allowed (paths are relative to the dataset)"
    if ".." in PurePosixPath(name.replace("\\", "/")).parts:
        return f"path {name!r} escapes the dataset folder ('..')"
    return None


def read_utf8_text(path: Path) -> str:
    """The file as text (a BOM is tolerated); bad UTF-8 names the line and byte offset."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        reason = f"{exc.reason} at byte {exc.start}"
        raise DataError(f"{path}: line {line}: not UTF-8 ({reason})") from exc


def _check_header(path: Path, header: list[str]) -> list[str]:
    header = [h.strip() for h in header]
    if tuple(header[:3]) != REQUIRED:
        raise DataError(
            f"{path}: line 1: header must start with 'file name,text,class', "
            f"got {','.join(header)!r}"
        )
    extra = [h for h in header[3:] if h not in OPTIONAL]
    if extra or len(set(header)) != len(header):
        raise DataError(
            f"{path}: line 1: unexpected or repeated columns {extra or header} "
            f"(allowed after class: {', '.join(OPTIONAL)})"
        )
    return header


def _row_problem(record: dict[str, str]) -> str | None:
    reason = unsafe_path_reason(record["file name"])
    if reason:
        return reason
    if record["class"] not in CLASSES:
        return f"class must be 0 (printed) or 1 (handwritten), got {record['class']!r}"
    if record["text"] == "":
        return "empty text"
    if record.get("split", "") not in ("", *SPLITS):
        return f"split must be one of {', '.join(SPLITS)} or empty, got {record['split']!r}"
    return None


def read_labels(dataset_dir: str | Path, strict: bool = True) -> pd.DataFrame:
    """Read ``dataset_dir/labels.csv`` into a DataFrame of strings (texts NFC-normalised).

    Nothing is interpreted as missing: the texts "NA" and "null" stay texts.

    Args:
        dataset_dir: the dataset folder (holding ``labels.csv``).
        strict: also reject bad rows (unsafe or empty file name, class not 0/1, empty text,
            unknown split, duplicate file name) and return ``class`` as int. With
            ``strict=False`` only encoding, header and field counts are checked and every column
            stays a string, so a validation stage can quarantine bad rows instead.

    Raises:
        DataError: naming the file, the line (header = line 1) and the reason.
    """
    path = Path(dataset_dir) / LABELS
    if not path.is_file():
        raise DataError(f"{path}: labels file not found")
    reader = csv.reader(io.StringIO(read_utf8_text(path), newline=""), strict=True)
    try:
        header = _check_header(path, next(reader))
    except StopIteration:
        raise DataError(f"{path}: empty file (expected header 'file name,text,class')") from None
    except csv.Error as exc:
        raise DataError(f"{path}: line 1: {exc}") from exc
    records: list[dict[str, str]] = []
    lines: list[int] = []
    seen: dict[str, int] = {}
    end = reader.line_num
    try:
        for fields in reader:
            line, end = end + 1, reader.line_num  # a quoted text may span several lines
            if not fields:
                continue
            if len(fields) != len(header):
                raise DataError(
                    f"{path}: line {line}: expected {len(header)} fields, got {len(fields)}"
                )
            record = dict(zip(header, fields, strict=True))
            record["text"] = unicodedata.normalize("NFC", record["text"])
            if strict:
                problem = _row_problem(record)
                if problem is None and record["file name"] in seen:
                    problem = f"duplicate file name (first on line {seen[record['file name']]})"
                if problem:
                    raise DataError(f"{path}: line {line}: {problem}")
                seen[record["file name"]] = line
            records.append(record)
            lines.append(line)
    except csv.Error as exc:
        raise DataError(f"{path}: line {reader.line_num}: {exc}") from exc
    frame = pd.DataFrame(records, columns=header, dtype=str)
    if strict:
        frame["class"] = frame["class"].map(CLASSES).astype("int64")
    frame.attrs["lines"] = lines  # line number in labels.csv of each row, for error messages
    return frame


NO_FONT = "(none)"  # the group of lines without a font (real and imported images) in reports


def read_fonts(dataset_dir: str | Path) -> dict[str, str]:
    """File name -> font of the synthetic lines in ``dataset_dir/labels.csv``.

    Empty when the folder has no labels file or no ``font`` column (real images).
    """
    if not (Path(dataset_dir) / LABELS).is_file():
        return {}
    frame = with_blanks(read_labels(dataset_dir, strict=False), "font")
    return {n: f for n, f in zip(frame["file name"], frame["font"], strict=True) if f}


def with_blanks(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    """``frame`` with each optional ``columns`` present: all ``""`` where the file has none."""
    missing = [c for c in columns if c not in frame.columns]
    return frame.assign(**dict.fromkeys(missing, "")) if missing else frame


def with_source(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with a ``source`` column: ``""`` (one unnamed source) where it has none."""
    return with_blanks(frame, "source")


def write_labels(df: pd.DataFrame, dataset_dir: str | Path) -> Path:
    """Write ``df`` as ``dataset_dir/labels.csv`` atomically (columns in contract order)."""
    missing = [c for c in REQUIRED if c not in df.columns]
    if missing:
        raise DataError(f"write_labels: missing columns {missing}")
    columns = [*REQUIRED, *(c for c in OPTIONAL if c in df.columns)]
    target = Path(dataset_dir) / LABELS
    with atomic_file(target, "w", encoding="utf-8", newline="") as handle:
        df[columns].to_csv(handle, index=False, lineterminator="\n")  # type: ignore[call-overload]
    return target


def split_key(seed: int, source: str, file_name: str) -> float:
    """A uniform number in [0, 1) fixed by (seed, source, file name) alone."""
    digest = hashlib.blake2b(f"{seed}\0{source}\0{file_name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def _bucket(u: float, fractions: Mapping[str, float], names: tuple[str, ...]) -> str:
    total = sum(fractions[n] for n in names)
    edge = 0.0
    for name in names:
        edge += fractions[name] / total
        if u < edge:
            return name
    return names[-1]


def assign_splits(
    df: pd.DataFrame,
    fractions: Mapping[str, float] = DEFAULT_FRACTIONS,
    seed: int = 42,
    hints: pd.Series | None = None,
) -> pd.DataFrame:
    """Return a copy of ``df`` with a ``split`` column (train/val/test).

    Choice: **hash-threshold per row**. Each row gets ``u = split_key(seed, source, file name)``
    and falls in the bucket of ``fractions`` that contains ``u``. A row's split therefore
    depends on that row alone: adding, removing or reordering other rows never moves it (ranking
    within a class would move rows near the boundaries). Because ``u`` is independent of the
    class, every class is split in the same proportions up to sampling noise (about +-0.5 points
    per split for 5,000 rows of a class), which is the stratification we need without
    sacrificing stability.

    ``hints`` (same index as ``df``; "", "train", "val" or "test") carry a source's own split:
    "val"/"test" rows keep it, "train" rows are split between train and val only (so a source's
    test set never leaks into training).
    """
    bad = {k for k in fractions if k not in SPLITS} | {k for k in SPLITS if k not in fractions}
    if bad or any(v < 0 for v in fractions.values()) or sum(fractions.values()) <= 0:
        raise DataError(f"assign_splits: fractions must give train, val, test >= 0: {fractions}")
    sources = with_source(df)["source"]
    keys = [
        split_key(seed, s, f) for s, f in zip(sources.astype(str), df["file name"], strict=True)
    ]
    hint_values = hints.reindex(df.index).fillna("") if hints is not None else None
    splits = []
    for i, u in enumerate(keys):
        hint = hint_values.iat[i] if hint_values is not None else ""
        if hint in ("val", "test"):
            splits.append(hint)
        elif hint == "train" and fractions["train"] + fractions["val"] > 0:
            splits.append(_bucket(u, fractions, ("train", "val")))
        else:
            splits.append(_bucket(u, fractions, SPLITS))
    out = df.copy()
    out["split"] = splits
    return out


def dataset_hash(dataset_dir: str | Path, chunk_size: int = 1 << 20) -> str:
    """SHA-256 over ``labels.csv`` and every listed image's name and bytes (streamed).

    Stable across machines and file modification times; any change to a label or an image
    changes it. Used to tag MLflow runs with the data they saw.
    """
    dataset_dir = Path(dataset_dir)
    digest = hashlib.sha256()
    labels_path = dataset_dir / LABELS
    if not labels_path.is_file():
        raise DataError(f"{labels_path}: labels file not found")
    digest.update(labels_path.read_bytes())
    frame = read_labels(dataset_dir, strict=False)
    for name in sorted(frame["file name"]):
        image = dataset_dir / IMAGES / name
        digest.update(b"\0" + name.encode() + b"\0")
        if unsafe_path_reason(name):
            digest.update(b"<unsafe>")  # never read outside the dataset folder
            continue
        try:
            with open(image, "rb") as handle:
                while block := handle.read(chunk_size):
                    digest.update(block)
        except FileNotFoundError:
            digest.update(b"<missing>")
    return digest.hexdigest()
