"""Give every line the same vertical framing before it is scaled: ink fills a set share of
the height.

Preprocessing scales a whole line image to the canvas height, so the size of the letters in
the canvas depends on how much blank margin the line segmenter left. Synthetic lines keep a
random 2-14 px margin (ink fills 49-78 % of the height, median 63 %); real scans are cropped
tight (ink fills 77-88 % in ../shared/data/real's printed sources). A recogniser trained on
one framing reads the other at a scale it has rarely seen. Reframing crops the blank rows
above and below the ink and pads the line back with its paper colour, so that the ink spans
``ink_fill`` of the height in training and inference alike (docs/inference.md).
"""

from __future__ import annotations

import cv2
import numpy as np

from crnn_ocr.core.preprocessing import as_gray

MIN_ROW_SHARE = 0.03
"""A row is inked when it holds at least this share of the fullest row's ink pixels: the rows
of descenders count, rows of paper specks do not."""
MIN_CONTRAST = 32
"""Grey levels between the darkest and lightest (blurred) pixel below which a line has no ink."""


def ink_rows(image: np.ndarray) -> tuple[int, int] | None:
    """``[top, bottom)`` of the rows with ink, or None for a line without ink.

    Ink is what Otsu's global threshold puts on the dark side of a lightly blurred copy. The
    preprocessing's adaptive threshold is no use here: on textured or noisy paper it marks
    specks in every row (synthetic lines: median estimated fill 1.0 against 0.63 with Otsu).
    """
    gray = cv2.GaussianBlur(as_gray(image), (3, 3), 0)
    if int(gray.max()) - int(gray.min()) < MIN_CONTRAST:
        return None
    _, mask = cv2.threshold(gray, 0, 1, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    counts = mask.sum(axis=1)
    inked = np.flatnonzero(counts >= max(1, MIN_ROW_SHARE * int(counts.max())))
    return int(inked[0]), int(inked[-1]) + 1


def paper_colour(image: np.ndarray) -> list[float]:
    """The median pixel (per channel): the paper, since ink covers a minority of a line."""
    channels = image.shape[2] if image.ndim == 3 else 1
    if image.dtype == np.uint8 and image.size // channels < EXACT_HISTOGRAM_PIXELS:
        image = np.ascontiguousarray(image)
        return [_uint8_median(image, channel) for channel in range(channels)]
    pixels = image.reshape(-1, channels)
    return [float(v) for v in np.median(pixels, axis=0)]


EXACT_HISTOGRAM_PIXELS = 2**24
"""OpenCV's histogram counts are float32: exact below 2**24 pixels per channel."""


def _uint8_median(image: np.ndarray, channel: int) -> float:
    """``np.median`` of one uint8 channel, from OpenCV's histogram: the same value (the mean of
    the two middle ones for an even count), ~4x faster than numpy's partition on line images
    (mostly one paper grey), where the median was a sixth of inference-time loading."""
    counts = cv2.calcHist([image], [channel], None, [256], [0, 256]).ravel()
    cumulative = np.cumsum(counts.astype(np.int64))
    n = int(cumulative[-1])
    low, high = np.searchsorted(cumulative, [(n - 1) // 2 + 1, n // 2 + 1])
    return (float(low) + float(high)) / 2


def check_ink_fill(ink_fill: float) -> float:
    """``ink_fill`` as a float, or ValueError when it is not in (0, 1]."""
    fill = float(ink_fill)
    if not 0 < fill <= 1:
        raise ValueError(f"ink_fill must be in (0, 1], got {ink_fill}")
    return fill


def reframe_rows(image: np.ndarray, ink_fill: float) -> np.ndarray:
    """``image`` cropped to its inked rows and padded with paper above and below so that the
    ink spans ``ink_fill`` (0 < ink_fill <= 1) of the height. Columns are left as they are;
    a line without ink is returned unchanged. Reframing a reframed line changes nothing."""
    ink_fill = check_ink_fill(ink_fill)
    image = np.asarray(image)
    if image.ndim not in (2, 3) or 0 in image.shape[:2]:
        return image
    rows = ink_rows(image)
    if rows is None:
        return image
    top, bottom = rows
    pad = round((bottom - top) * (1 / ink_fill - 1) / 2)
    body = np.ascontiguousarray(image[top:bottom])
    if pad == 0:
        return body
    value = paper_colour(image)
    return cv2.copyMakeBorder(body, pad, pad, 0, 0, cv2.BORDER_CONSTANT, value=value)
