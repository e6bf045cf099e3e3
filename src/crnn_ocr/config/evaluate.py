"""``evaluate`` section: how the recogniser is scored (test split and an extra real dataset)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from crnn_ocr.config.base import Section


class EvaluateParams(Section):
    """Scoring of the trained CRNN on the test split and, when present, an extra dataset."""

    batch_size: int = Field(64, gt=0, description="Lines per inference batch.")
    decoding: Literal["greedy", "beam_search"] = Field("greedy", description="CTC decoding.")
    beam_width: int = Field(10, gt=0, description="Beams for decoding=beam_search.")
    length_buckets: tuple[int, ...] = Field(
        (5, 10, 20, 40), min_length=1, description="Upper bounds of the text-length buckets."
    )
    gallery_lines: int = Field(24, ge=0, description="Worst lines drawn in the gallery PNG.")
    extra_dataset: str | None = Field(
        "shared_real",
        description="Extra dataset folder (images/ + labels.csv) scored with prefix real_; "
        "'shared_real' = Paths.shared_real; null = none. Skipped when absent.",
    )
    extra_limit: int | None = Field(
        None, gt=0, description="Score only the first N lines of the extra dataset."
    )
    use_label_issues: bool = Field(
        True, description="Also score against label_issues.csv suggested texts (*_corrected)."
    )
    normalisation: dict[str, dict[str, str]] = Field(
        default_factory=dict,
        description="Per-source char maps applied to truth and prediction (*_normalised).",
    )

    @field_validator("length_buckets")
    @classmethod
    def _increasing(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if any(b <= a for a, b in zip(value, value[1:], strict=False)) or value[0] < 1:
            raise ValueError("must be positive and strictly increasing")
        return value

    @field_validator("normalisation")
    @classmethod
    def _non_empty_keys(cls, value: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
        for source, mapping in value.items():
            if not source or any(not k for k in mapping):
                raise ValueError(f"{source!r}: source names and mapped strings must be non-empty")
        return value
