"""Per-image facts (exists, format, header size, decodes, shape), computed in worker processes.

Each image goes through a chain of checks; the first that fails stops the chain (a missing file
has no format, an image whose header claims too many pixels is never decoded). Facts that were
not reached stay ``None``, which the GX suite skips, so every failing row names exactly the check
that stopped it. Only OpenCV, Pillow and NumPy are imported here: workers start fast.
"""

from __future__ import annotations

import contextlib
import io
import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crnn_ocr.data.manifest import unsafe_path_reason

EXTENSIONS = {
    ".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg", ".bmp": "bmp",
    ".tif": "tiff", ".tiff": "tiff", ".webp": "webp",
}
FACT_COLUMNS = (
    "path_ok", "exists", "size_bytes", "format", "extension_ok", "pixels",
    "decodes", "height", "width", "aspect", "image_detail",
)


@dataclass(frozen=True)
class Limits:
    """What the worker needs from ``ValidationParams`` (picklable, no pydantic in workers)."""

    formats: tuple[str, ...]
    max_pixels: int


@dataclass
class ImageFacts:
    """Facts about one image; ``None`` = the chain stopped before this fact."""

    path_ok: bool | None = None
    exists: bool | None = None
    size_bytes: int | None = None
    format: str | None = None
    extension_ok: bool | None = None
    pixels: int | None = None
    decodes: bool | None = None
    height: int | None = None
    width: int | None = None
    aspect: float | None = None
    image_detail: str = ""  # why the chain stopped


def sniff_format(head: bytes) -> str | None:
    """Image format from the first bytes (magic numbers), or None."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"BM"):
        return "bmp"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "tiff"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    return None


def _header_size(data: bytes, fmt: str) -> tuple[int, int]:
    """(width, height) from the header only, with the format's Pillow plugin.

    The plugin class parses the header and decodes nothing; unlike ``Image.open`` it skips
    Pillow's global bomb check, because we apply our own limit (``Limits.max_pixels``).
    """
    from PIL import BmpImagePlugin, JpegImagePlugin, PngImagePlugin, TiffImagePlugin

    plugins: dict[str, Any] = {
        "png": PngImagePlugin.PngImageFile, "jpeg": JpegImagePlugin.JpegImageFile,
        "bmp": BmpImagePlugin.BmpImageFile, "tiff": TiffImagePlugin.TiffImageFile,
    }
    if fmt == "webp":
        from PIL import WebPImagePlugin

        plugins["webp"] = WebPImagePlugin.WebPImageFile
    with plugins[fmt](io.BytesIO(data)) as image:
        return image.size


def _decode(data: bytes) -> tuple[int, int] | None:
    import cv2
    import numpy as np

    array = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_UNCHANGED)
    return None if array is None else (int(array.shape[1]), int(array.shape[0]))


def inspect_image(images_dir: Path, name: str, limits: Limits) -> ImageFacts:
    """Run the check chain on ``images_dir/name`` (``images_dir`` already resolved).

    The path is checked lexically before any file access.
    """
    facts = ImageFacts()
    reason = unsafe_path_reason(name) or ("backslash in path (use /)" if "\\" in name else None)
    if reason:
        facts.path_ok, facts.image_detail = False, reason
        return facts
    path = images_dir / name
    try:
        real = path.resolve(strict=False)
        facts.path_ok = real.is_relative_to(images_dir)
        if not facts.path_ok:
            facts.image_detail = f"{name!r} resolves outside images/ (symlink)"
            return facts
        stat = os.stat(real)
        facts.exists = os.path.isfile(real)
        if not facts.exists:
            facts.image_detail = f"images/{name} is not a regular file"
            return facts
    except (FileNotFoundError, NotADirectoryError):
        facts.exists, facts.image_detail = False, f"images/{name} does not exist"
        return facts
    except OSError as exc:
        facts.exists, facts.image_detail = False, f"images/{name}: {exc.strerror or exc}"
        return facts
    facts.size_bytes = stat.st_size
    if stat.st_size == 0:
        facts.image_detail = "zero-byte file"
        return facts
    with open(real, "rb") as handle:
        data = handle.read()
    facts.format = sniff_format(data[:16]) or "unknown"
    if facts.format not in limits.formats:
        facts.image_detail = (
            "not a recognised image (magic bytes)" if facts.format == "unknown"
            else f"format {facts.format} not allowed"
        )
        return facts
    ext = os.path.splitext(name)[1].lower()
    facts.extension_ok = EXTENSIONS.get(ext) == facts.format  # a mismatch does not stop the chain
    try:
        width, height = _header_size(data, facts.format)
    except Exception as exc:  # Pillow raises many types for broken headers
        facts.decodes = False
        facts.image_detail = f"unreadable {facts.format} header ({type(exc).__name__}: {exc})"
        return facts
    facts.pixels = width * height
    if facts.pixels > limits.max_pixels:
        facts.image_detail = (
            f"header claims {width}x{height} = {facts.pixels:,} pixels > limit "
            f"{limits.max_pixels:,} (not decoded)"
        )
        return facts
    size = _decode(data)
    facts.decodes = size is not None
    if size is None:
        facts.image_detail = "OpenCV cannot decode it (truncated or corrupt)"
        return facts
    facts.width, facts.height = size
    facts.aspect = facts.width / facts.height if facts.height else None
    return facts


def _init_worker() -> None:
    import cv2

    cv2.setNumThreads(1)
    # OpenCV's own warnings about broken files would flood stderr; we report them per row.
    with contextlib.suppress(AttributeError):  # the logging module depends on the build
        cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)


def _inspect_chunk(args: tuple[str, Sequence[str], Limits]) -> list[ImageFacts]:
    images_dir, names, limits = args
    folder = Path(images_dir).resolve()
    return [inspect_image(folder, name, limits) for name in names]


def collect_facts(
    images_dir: Path,
    names: Sequence[str],
    limits: Limits,
    workers: int = 0,
    chunk_size: int = 512,
    progress: Callable[[int], None] | None = None,
) -> list[dict[str, object]]:
    """Facts for every name, in order, computed over chunks in ``workers`` processes.

    ``workers=0`` means one per CPU core; with one worker or a single chunk everything runs in
    this process (no start-up cost for small datasets). ``progress`` is called with the number
    of images finished after each chunk.
    """
    workers = workers or os.cpu_count() or 1
    chunks = [names[i : i + chunk_size] for i in range(0, len(names), chunk_size)]
    tasks = [(str(images_dir), chunk, limits) for chunk in chunks]
    results: list[dict[str, object]] = []

    def consume(parts: Iterator[list[ImageFacts]]) -> None:
        for part in parts:
            results.extend(vars(f) for f in part)  # asdict() deep-copies: 10x slower
            if progress:
                progress(len(part))

    if workers == 1 or len(chunks) <= 1:
        consume(map(_inspect_chunk, tasks))  # this process: leave its OpenCV settings alone
    else:
        # spawn: safe even when the caller runs threads (Prefect, Dask); workers import little.
        context = multiprocessing.get_context("spawn")
        with context.Pool(min(workers, len(chunks)), initializer=_init_worker) as pool:
            consume(pool.imap(_inspect_chunk, tasks))
    return results
