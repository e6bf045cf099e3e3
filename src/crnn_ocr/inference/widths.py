"""Read each line at the width its text needs instead of the whole canvas.

Preprocessing puts a line at the left of a white ``height x width`` canvas; a short line fills
a fraction of it and the rest is padding. The CRNN runs along the width (convolutions, then
one LSTM step per time step), so its cost grows with the width it is given: the same weights
rebuilt for a narrower input read the text's columns plus a white margin at a fraction of the
cost (LiteRT int8, 2 cores, batch 64: 747 lines/s at 512 px, 1,009 at 384, 1,596 at 256,
3,270 at 128). Widths come in buckets (multiples of ``step``), one model each, so a LiteRT
copy is converted once per bucket. The CRNN was trained on whole canvases, so the margin keeps
a stretch of white for its backward LSTM to start from: 20k test split, 600 lines, CER 0.0648
on the whole canvas, 0.0649 at step 128 with a 32 px margin, 0.0659 with a 16 px margin
(docs/inference.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from crnn_ocr.core.widths import read_width
from crnn_ocr.errors import CrnnOcrError

if TYPE_CHECKING:
    import keras

def bucket(content_width: int, canvas: tuple[int, int], step: int | None) -> int:
    """The width a line with ``content_width`` columns of text is read at
    (``crnn_ocr.core.widths.read_width``: the text plus a margin of one canvas height, rounded
    up to a multiple of ``step``)."""
    return read_width(int(content_width), canvas, step)


def time_stride(model: keras.Model) -> int:
    """Input columns per output time step of a recogniser (its pooling along the width)."""
    return int(model.input_shape[1]) // int(model.output_shape[1])


def check_step(model: keras.Model, step: int | None, key: str = "inference.width_step") -> None:
    """Refuse a step the recogniser cannot be rebuilt at, naming the setting ``key``."""
    if step is None:
        return
    stride = time_stride(model)
    if step <= 0 or step % stride:
        raise CrnnOcrError(
            f"{key}={step} must be a positive multiple of {stride} (the "
            f"recogniser's input columns per time step), or null for the whole canvas"
        )


def at_width(model: keras.Model, width: int) -> keras.Model:
    """The recogniser ``model`` rebuilt for rotated inputs ``width`` columns wide, same weights
    (``crnn_ocr.models.crnn.with_width``)."""
    from crnn_ocr.models.crnn import with_width

    return with_width(model, width)


def all_widths(canvas_width: int, step: int | None) -> list[int]:
    """Every width :func:`bucket` can return, narrowest first (the canvas width last)."""
    return [*range(step, canvas_width, step), canvas_width] if step else [canvas_width]


def variants(model: keras.Model, step: int | None) -> list[keras.Model]:
    """``model`` at every width a line can be read at with ``step`` (narrowest first; the
    model itself last): what a registered model ships LiteRT copies of."""
    return [at_width(model, width) for width in all_widths(int(model.input_shape[1]), step)]
