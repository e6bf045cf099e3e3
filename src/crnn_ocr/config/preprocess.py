"""``preprocess`` section: the reference's preprocessing values and the array store layout."""

from __future__ import annotations

from pydantic import Field, field_validator, model_validator

from crnn_ocr.config.base import Section
from crnn_ocr.core.codec import NAMED_CHARSETS

TRAIN_ALPHABET = "train"


class PreprocessParams(Section):
    """Target size and threshold of the reference pipeline (defaults = reference values)."""

    height: int = Field(128, gt=0, description="Target image height in pixels.")
    width: int = Field(512, gt=0, description="Target image width in pixels.")
    block_size: int = Field(21, gt=1, description="Adaptive-threshold neighbourhood (odd).")
    c: float = Field(10.0, description="Constant subtracted from the neighbourhood mean.")
    pad_after_threshold: bool = Field(
        False,
        description="Threshold the scaled line, then pad (no ink bars along the padding); "
        "false = the reference order (pad with white, then threshold).",
    )
    ink_fill: float | None = Field(
        None,
        gt=0,
        le=1,
        description="Reframe each line before scaling: crop the blank rows above and below the "
        "ink and pad with paper so that the ink spans this share of the height (training and "
        "inference alike; core.reframe). null = keep the line's own margins (the reference).",
    )
    shard_size: int = Field(4096, gt=0, description="Images per array shard.")
    workers: int = Field(0, ge=0, description="Worker processes; 0 = one per CPU core.")
    dask_address: str | None = Field(
        None, description="Dask scheduler address; when set, shards are built on that cluster."
    )
    alphabet: str = Field(
        TRAIN_ALPHABET,
        description="'train' = the training split's characters; a named charset "
        "(crnn_ocr.core.codec.NAMED_CHARSETS); or a path to an existing alphabet.json "
        "(relative to the project root). extra_chars are added to the first two.",
    )
    extra_chars: str = Field("", description="Characters added to the alphabet.")

    @field_validator("block_size")
    @classmethod
    def _odd_block(cls, value: int) -> int:
        if value % 2 == 0:
            raise ValueError("must be odd (OpenCV adaptive threshold neighbourhood)")
        return value

    @field_validator("alphabet")
    @classmethod
    def _known_alphabet(cls, value: str) -> str:
        if value == TRAIN_ALPHABET or value in NAMED_CHARSETS or value.endswith(".json"):
            return value
        known = ", ".join([TRAIN_ALPHABET, *NAMED_CHARSETS])
        raise ValueError(f"unknown alphabet {value!r} (known: {known}, or a path to *.json)")

    @model_validator(mode="after")
    def _extra_needs_open_alphabet(self) -> PreprocessParams:
        if self.extra_chars and self.alphabet.endswith(".json"):
            raise ValueError("extra_chars cannot change an alphabet file (a model's codec)")
        return self

    @property
    def target_size(self) -> tuple[int, int]:
        """(height, width) of every stored image, before the OCR rotation."""
        return (self.height, self.width)
