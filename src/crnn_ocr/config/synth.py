"""``data.synth`` section: the synthetic line generator (extended by the generator module)."""

from __future__ import annotations

from pydantic import Field

from crnn_ocr.config.base import Section


class SynthParams(Section):
    """How many lines to render, with which seed and class mix."""

    size: int = Field(2000, ge=0, description="Number of lines to render (0 = none).")
    seed: int = Field(42, description="Same seed + params -> byte-identical dataset.")
    handwritten_fraction: float = Field(0.5, ge=0, le=1, description="Share of class 1 lines.")
