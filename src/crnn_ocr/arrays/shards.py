"""Build one shard: read, resize, threshold and bit-pack its images; write it atomically.

A shard is a folder of ``.npy`` files (memory-mappable, never pickled) plus ``meta.json`` with
the shard's fingerprint and the sha256 of every file. ``build_shard`` is a plain top-level
function of a picklable ``ShardSpec``, so the same code runs inline, in a ``multiprocessing``
pool or as a Dask task. Only NumPy and OpenCV are imported here: spawned workers start fast.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

import cv2
import numpy as np

from crnn_ocr.core.codec import Alphabet
from crnn_ocr.core.preprocess_settings import PreprocessSettings
from crnn_ocr.io.atomic import atomic_dir

META = "meta.json"
IMAGES = "images.npy"  # uint8 [n, H, ceil(W / 8)]: np.packbits of the thresholded image, ink = 1
CLASSES = "classes.npy"  # uint8 [n]: 1 = handwritten, 0 = printed
LABELS = "labels.npy"  # int32 [n, max_label_len]: alphabet indices padded with the blank
LENGTHS = "label_lengths.npy"  # int32 [n]
ROWS = "rows.npy"  # int64 [n]: position of each stored row in manifest.csv (0 = first data row)
FILES = (IMAGES, CLASSES, LABELS, LENGTHS, ROWS)
HASH_CHUNK = 1 << 20


@dataclass(frozen=True)
class ShardSpec:
    """Everything needed to build one shard (picklable; small apart from the row lists)."""

    name: str
    split: str
    images_dir: str
    rows: tuple[int, ...]
    file_names: tuple[str, ...]
    texts: tuple[str, ...]
    classes: tuple[int, ...]
    preprocess: PreprocessSettings
    alphabet: tuple[str, ...]
    max_label_len: int
    fingerprint: str  # hash of all the above + each image's size and mtime


@dataclass(frozen=True)
class Skipped:
    """A row that was not stored: manifest position, file name and why."""

    row: int
    file: str
    reason: str


@dataclass(frozen=True)
class ShardReport:
    """What a built (or reused) shard holds; ``built`` is False when a valid one was reused."""

    name: str
    split: str
    rows: int
    skipped: tuple[Skipped, ...]
    checksums: dict[str, str]
    built: bool = True


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def fingerprint(payload: dict[str, object], stats: list[tuple[int, int]]) -> str:
    """Hash of a shard's inputs: params, rows, labels and each image's (size, mtime_ns)."""
    digest = hashlib.sha256(json.dumps(payload, ensure_ascii=False, sort_keys=True).encode())
    digest.update(np.asarray(stats, dtype=np.int64).tobytes())
    return digest.hexdigest()


def image_stat(path: Path) -> tuple[int, int]:
    """(size, mtime_ns) of an image, (-1, -1) when it is missing."""
    try:
        st = os.stat(path)
    except OSError:
        return (-1, -1)
    return (st.st_size, st.st_mtime_ns)


def packed_width(width: int) -> int:
    return (width + 7) // 8


def pack_image(binary: np.ndarray) -> np.ndarray:
    """Bit-pack a thresholded image (nonzero = ink = 1) along its width: 8 pixels per byte."""
    return np.packbits(binary, axis=-1)


def unpack_images(packed: np.ndarray, width: int) -> np.ndarray:
    """Inverse of ``pack_image`` for one image or a batch: uint8 in {0, 1}."""
    return np.unpackbits(packed, axis=-1, count=width)


def _load_binary(path: Path, spec: ShardSpec) -> tuple[np.ndarray | None, str]:
    """Thresholded image of ``path``, or None and the reason it cannot be used."""
    image = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
    if image is None:
        if not path.is_file():
            return None, "image vanished after validation (file not found)"
        return None, "image no longer decodes (changed after validation?)"
    try:
        binary = spec.preprocess.apply(image)
        return binary, ""
    except (ValueError, cv2.error) as exc:
        return None, f"preprocessing failed: {exc}"


def build_shard(spec: ShardSpec, out_root: str) -> ShardReport:
    """Preprocess ``spec``'s images into ``out_root/<name>/`` (temp folder, then rename).

    OpenCV runs single-threaded here: shards are the unit of parallelism, and OpenCV's own
    thread pool in every worker would only oversubscribe the cores.
    """
    threads = cv2.getNumThreads()
    cv2.setNumThreads(1)
    try:
        return _build_shard(spec, out_root)
    finally:
        cv2.setNumThreads(threads)


def _build_shard(spec: ShardSpec, out_root: str) -> ShardReport:
    height, width = spec.preprocess.target_size
    n = len(spec.rows)
    images = np.zeros((n, height, packed_width(width)), dtype=np.uint8)
    alphabet = Alphabet(spec.alphabet)
    kept: list[int] = []
    skipped: list[Skipped] = []
    folder = Path(spec.images_dir)
    for i, name in enumerate(spec.file_names):
        binary, reason = _load_binary(folder / name, spec)
        if binary is None:
            skipped.append(Skipped(spec.rows[i], name, reason))
            continue
        images[len(kept)] = pack_image(binary)
        kept.append(i)
    texts = [spec.texts[i] for i in kept]
    arrays = {
        IMAGES: images[: len(kept)],
        CLASSES: np.asarray([spec.classes[i] for i in kept], dtype=np.uint8),
        LABELS: alphabet.encode_batch(texts, spec.max_label_len),
        LENGTHS: np.asarray([len(t) for t in texts], dtype=np.int32),
        ROWS: np.asarray([spec.rows[i] for i in kept], dtype=np.int64),
    }
    with atomic_dir(Path(out_root) / spec.name) as tmp:
        checksums = {}
        for file, array in arrays.items():
            np.save(tmp / file, array, allow_pickle=False)
            checksums[file] = file_sha256(tmp / file)
        meta = {
            "name": spec.name, "split": spec.split, "fingerprint": spec.fingerprint,
            "rows": len(kept), "skipped": [asdict(s) for s in skipped], "checksums": checksums,
        }
        (tmp / META).write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
    return ShardReport(spec.name, spec.split, len(kept), tuple(skipped), checksums)


def check_shard(spec: ShardSpec, out_root: str | Path) -> tuple[ShardReport | None, str]:
    """The report of an already built, intact shard for ``spec``, or None and why not."""
    folder = Path(out_root) / spec.name
    try:
        meta = json.loads((folder / META).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None, "not built"
    except (OSError, ValueError) as exc:
        return None, f"unreadable {META}: {exc}"
    if meta.get("fingerprint") != spec.fingerprint:
        return None, "inputs or params changed"
    checksums = meta.get("checksums") or {}
    for file in FILES:
        path = folder / file
        if not path.is_file():
            return None, f"{file} missing"
        if file_sha256(path) != checksums.get(file):
            return None, f"{file}: checksum mismatch (corrupted)"
    skipped = tuple(Skipped(**s) for s in meta.get("skipped", []))
    report = ShardReport(spec.name, spec.split, int(meta["rows"]), skipped, checksums, built=False)
    return report, ""


def verify_files(folder: Path, checksums: dict[str, str]) -> list[str]:
    """Files of a shard folder whose sha256 differs from ``checksums`` (or that are missing)."""
    bad = []
    for file, expected in checksums.items():
        path = folder / file
        if not path.is_file() or file_sha256(path) != expected:
            bad.append(file)
    return bad
