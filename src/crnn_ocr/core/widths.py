"""The width a line is read at: its text plus a white margin, rounded up to a width bucket.

One rule for inference (``crnn_ocr.inference.widths``: each line read at its bucket) and for
width-bucketed training (``crnn_ocr.arrays.buckets``: each batch cropped to its bucket), so the
recogniser trains on the canvases it later reads. Works on ints and on NumPy arrays alike.
"""

from __future__ import annotations

from typing import TypeVar

import numpy as np

Width = TypeVar("Width", int, np.ndarray)


def read_width(content_width: Width, canvas: tuple[int, int], step: int | None) -> Width:
    """The width a line with ``content_width`` columns of text on a ``canvas`` (height, width)
    is read at: the text plus a margin of one canvas height (32 px for the cpu preset), rounded
    up to a multiple of ``step``, at most the canvas width (``step`` None: the canvas width)."""
    height, width = canvas
    if step is None:
        if isinstance(content_width, np.ndarray):
            return np.full_like(content_width, width)
        return width
    rounded = -(-(content_width + height) // step) * step
    if isinstance(rounded, np.ndarray):
        return np.minimum(rounded, width)
    return min(int(rounded), width)
