"""Turn untrusted image bytes into grayscale arrays, refusing bombs before decoding.

The pixel count is read from the file header (Pillow parses headers lazily, without decoding)
so a 40000x40000 PNG of a few hundred bytes is refused before any memory is allocated for it.
"""

from __future__ import annotations

import io
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, UnidentifiedImageError

from crnn_ocr.config.inference import InferenceParams
from crnn_ocr.errors import DataError

FORMATS = ("PNG", "JPEG", "BMP", "TIFF", "WEBP")
"""Image formats accepted for prediction (identified by content, not by file extension)."""
_DEFAULTS = InferenceParams.model_validate({})
DEFAULT_MAX_PIXELS = _DEFAULTS.max_pixels
DEFAULT_MAX_BYTES = _DEFAULTS.max_bytes


class ImageError(DataError):
    """One input image is unusable; ``source`` names it and ``reason`` says why."""

    def __init__(self, source: str, reason: str) -> None:
        self.source = source
        self.reason = reason
        super().__init__(f"{source}: {reason}")


def header_size(data: bytes, source: str) -> tuple[int, int]:
    """(width, height) from the image header, without decoding the pixels."""
    try:
        with Image.open(io.BytesIO(data), formats=FORMATS) as img:
            return img.size
    except Image.DecompressionBombError as exc:
        raise ImageError(source, f"decompression bomb refused ({exc})") from None
    except UnidentifiedImageError:
        kinds = "/".join(f.lower() for f in FORMATS)
        raise ImageError(source, f"not an image (unknown format; {kinds} expected)") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise ImageError(source, f"unreadable image header: {exc}") from None


def decode_image(
    data: bytes,
    source: str = "<bytes>",
    max_pixels: int = DEFAULT_MAX_PIXELS,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> np.ndarray:
    """Decode encoded image bytes into a 2-D ``uint8`` grayscale array.

    Raises:
        ImageError: empty, too large, not an image, a decompression bomb, or undecodable.
    """
    if not data:
        raise ImageError(source, "empty image (0 bytes)")
    if len(data) > max_bytes:
        raise ImageError(source, f"{len(data)} bytes exceeds the limit of {max_bytes}")
    width, height = header_size(data, source)
    if width <= 0 or height <= 0:
        raise ImageError(source, f"header declares an empty image ({width}x{height})")
    if width * height > max_pixels:
        raise ImageError(
            source,
            f"header declares {width}x{height} = {width * height} pixels, over the limit of "
            f"{max_pixels} (decompression bomb refused before decoding)",
        )
    # cv2.imdecode releases the GIL, so a thread pool decodes on every core.
    image = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_GRAYSCALE)
    if image is None or image.size == 0:
        raise ImageError(source, "image data is corrupt or truncated (decoding failed)")
    return image


def read_image(
    path: str | Path,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> np.ndarray:
    """Read and decode one image file (see :func:`decode_image`)."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise ImageError(str(path), f"{size} bytes exceeds the limit of {max_bytes}")
        data = path.read_bytes()
    except ImageError:
        raise
    except OSError as exc:
        raise ImageError(str(path), f"cannot read file: {exc.strerror or exc}") from None
    return decode_image(data, str(path), max_pixels, max_bytes)
