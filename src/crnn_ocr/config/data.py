"""``data`` section: which sources make the raw dataset, and how it is split."""

from __future__ import annotations

from pydantic import Field

from crnn_ocr.config.base import Section
from crnn_ocr.config.synth import SynthParams


class DataParams(Section):
    """Sources merged into ``data/raw`` (synthetic lines plus imported folders)."""

    synth: SynthParams = Field(default_factory=SynthParams)  # type: ignore[arg-type]
