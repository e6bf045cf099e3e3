"""Read long lines in pieces cut at blank columns instead of squeezing them into the canvas.

Preprocessing fits a whole line into ``height x width`` (32x512 for the cpu preset). A printed
line of 60-90 characters is about 30-40 heights wide, so it shrinks to a third of the canvas
height, ~5-6 px per character, and the recogniser misreads it (real printed sample: CER 0.355).
Cut into pieces of at most ``max_aspect`` heights, each piece fills the canvas height as short
training lines do (the same sample, the same model: CER 0.242; docs/inference.md). Cuts go
through the widest run of blank columns in the second half of each window, so they fall
between words, or at least between letters; a cut through a gap at least ``WORD_GAP`` line
heights wide gets a space when the texts are joined.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from crnn_ocr.core.preprocessing import threshold_image

WORD_GAP = 0.25
"""A blank run at least this many line heights wide is a word gap: its pieces join with a space."""
MAX_NOISE = 0.05
"""A column with ink on at most this share of its rows (specks, at least one pixel) is blank."""


@dataclass(frozen=True)
class Piece:
    """Columns ``[start, stop)`` of the line; ``space_before``: the cut before it was a word gap."""

    start: int
    stop: int
    space_before: bool = False


def split_line(
    image: np.ndarray, max_aspect: float | None, block_size: int, c: float
) -> list[Piece]:
    """Pieces of ``image`` (grayscale or colour) no wider than ``max_aspect`` times its height.

    One piece (the whole line) when it is narrow enough or ``max_aspect`` is None. The ink mask
    uses the preprocessing's own adaptive threshold (``block_size``, ``c``).
    """
    height, width = image.shape[:2]
    if max_aspect is None or height == 0 or width <= max_aspect * height:
        return [Piece(0, width)]
    ink = threshold_image(image, block_size, c) > 0
    blank = ink.sum(axis=0) <= max(1, int(MAX_NOISE * height))
    window = max(1, int(max_aspect * height))
    pieces: list[Piece] = []
    start, space = 0, False
    while width - start > window:
        run = widest_blank_run(blank, start + window // 2, start + window)
        if run is None:  # no blank column at all: a hard cut at the window's end
            cut, gap = start + window, 0
        else:
            cut, gap = run
        pieces.append(Piece(start, cut, space))
        start, space = cut, gap >= WORD_GAP * height
    pieces.append(Piece(start, width, space))
    return pieces


def widest_blank_run(blank: np.ndarray, lo: int, hi: int) -> tuple[int, int] | None:
    """``(centre, length)`` of the widest run of True in ``blank[lo:hi]`` (the rightmost of
    equally wide ones), or None when there is none."""
    inside = np.concatenate(([False], blank[lo:hi], [False])).astype(np.int8)
    edges = np.flatnonzero(np.diff(inside))
    starts, stops = edges[::2], edges[1::2]
    if len(starts) == 0:
        return None
    lengths = stops - starts
    best = len(lengths) - 1 - int(np.argmax(lengths[::-1]))
    return lo + int(starts[best] + stops[best]) // 2, int(lengths[best])


def join_texts(pieces: list[Piece], texts: list[str]) -> str:
    """The line's text: the pieces' texts in order, a space where a cut went through a word gap."""
    out = ""
    for piece, text in zip(pieces, texts, strict=True):
        if piece.space_before and out and text and not out.endswith(" "):
            out += " "
        out += text
    return out
