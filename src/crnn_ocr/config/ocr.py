"""``train.ocr`` section: the CRNN recogniser's layers and decoding (presets set the widths)."""

from __future__ import annotations

from pydantic import Field, PositiveInt

from crnn_ocr.config.base import Section


class ConvBlockParams(Section):
    """One conv block: Conv2D(relu) -> optional BatchNorm -> optional MaxPool -> dropout.

    The input is the rotated image ``(width, height, 1)``, so ``pool`` is ``[time, height]``.
    """

    filters: int = Field(gt=0)
    kernel: int = Field(3, gt=0)
    stride: tuple[PositiveInt, PositiveInt] = Field(
        (1, 1), description="[time, height] conv strides; e.g. kernel 4 + stride [4, 4] is a "
        "patchify stem that skips the costly full-resolution convs.",
    )
    batch_norm: bool = False
    pool: tuple[int, int] | None = Field(None, description="[time, height] pooling; null = none.")
    dropout: float = Field(0.0, ge=0, lt=1)


def _default_blocks() -> tuple[ConvBlockParams, ...]:
    return (
        ConvBlockParams(filters=16, pool=(2, 2)),
        ConvBlockParams(filters=32, pool=(2, 2)),
        ConvBlockParams(filters=64, batch_norm=True, pool=(1, 2)),
        ConvBlockParams(filters=96, batch_norm=True, pool=(1, 4)),
    )


class CrnnModelParams(Section):
    """Layer widths of the CRNN: conv blocks, BiLSTM layers, softmax over alphabet + blank."""

    conv_blocks: tuple[ConvBlockParams, ...] = Field(default_factory=_default_blocks, min_length=1)
    lstm_units: int = Field(128, gt=0)
    lstm_layers: int = Field(2, ge=1)
    lstm_dropout: float = Field(0.0, ge=0, lt=1)


class OcrModelSettings(Section):
    """Model and per-epoch validation settings of ``train.ocr`` (beside the shared fit ones)."""

    model: CrnnModelParams = Field(default_factory=CrnnModelParams)  # type: ignore[arg-type]
    val_decode_lines: int = Field(
        256, ge=0, description="Fixed val lines greedy-decoded after every epoch for val CER/WER."
    )
    sample_sheet_lines: int = Field(16, ge=0, description="Lines on the sample predictions sheet.")
    width_step: int | None = Field(
        None, gt=0,
        description="Train on batches of lines of one read width, each cropped to its lines' text "
        "plus a margin of one canvas height, rounded up to a multiple of this many pixels (the "
        "widths inference.width_step reads at; crnn_ocr.arrays.buckets): the recogniser's cost "
        "grows with the width it is given; null = every line on the whole canvas.",
    )
    registered_model: str = Field(
        "crnn-ocr-recognizer", min_length=1, description="MLflow registry name."
    )
