"""``data`` section: which sources make the raw dataset, and how it is split."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from crnn_ocr.config.base import Section
from crnn_ocr.config.synth import SynthParams

SourceKind = Literal["seed", "cyrillic_handwriting", "hkr"]
SOURCE_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"


class SourceSpec(Section):
    """One folder imported into ``data/raw`` (its layout, where it is, what to call it)."""

    kind: SourceKind = Field(description="Layout: seed | cyrillic_handwriting | hkr.")
    path: str = Field(min_length=1, description="Folder; relative paths start at the project root.")
    name: str | None = Field(
        None,
        pattern=SOURCE_NAME_PATTERN,
        description="Source name (file-name prefix and `source` column); default: folder name.",
    )
    optional: bool = Field(False, description="Skip with a message when the folder is missing.")


class SplitParams(Section):
    """Train/val/test fractions; assignment is stable per row (see ``data.manifest``)."""

    train: float = Field(0.8, ge=0, le=1)
    val: float = Field(0.1, ge=0, le=1)
    test: float = Field(0.1, ge=0, le=1)
    use_source_splits: bool = Field(
        True,
        description="Keep a source's own val/test rows (e.g. Cyrillic Handwriting test.tsv) and "
        "split its train rows into train/val only.",
    )

    @model_validator(mode="after")
    def _fractions_sum_to_one(self) -> SplitParams:
        total = self.train + self.val + self.test
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"train + val + test must be 1, got {total:g}")
        return self

    def fractions(self) -> dict[str, float]:
        return {"train": self.train, "val": self.val, "test": self.test}


class DataParams(Section):
    """Sources merged into ``data/raw`` (synthetic lines plus imported folders)."""

    synth: SynthParams = Field(default_factory=SynthParams)  # type: ignore[arg-type]
    sources: tuple[SourceSpec, ...] = Field(
        default=(), description="Folders imported beside the synthetic lines."
    )
    splits: SplitParams = Field(default_factory=SplitParams)  # type: ignore[arg-type]
    link: Literal["copy", "hardlink"] = Field(
        "copy",
        description="How imported images reach data/raw. `hardlink` saves disk on one filesystem "
        "but shares inodes with the source (DVC makes its cache files read-only, which would "
        "then also apply to the source files), so `copy` is the default.",
    )

    @model_validator(mode="after")
    def _unique_source_names(self) -> DataParams:
        names = [s.name for s in self.sources if s.name]
        dupes = sorted({n for n in names if names.count(n) > 1} | ({"synth"} & set(names)))
        if dupes:
            raise ValueError(f"source names must be unique and not 'synth': {', '.join(dupes)}")
        return self
