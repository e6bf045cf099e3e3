"""``validation`` section: the Great Expectations suite's bounds and the quarantine threshold."""

from __future__ import annotations

from pathlib import PurePosixPath

from pydantic import Field, field_validator, model_validator

from crnn_ocr.config.base import Section
from crnn_ocr.core.codec import NAMED_CHARSETS, normalize_text

IMAGE_FORMATS = ("png", "jpeg", "bmp", "tiff", "webp")
"""Formats the validator can recognise by magic bytes (jpg = jpeg, tif = tiff)."""


class ValidationParams(Section):
    """What a usable labelled line image is; rows that break a check go to quarantine."""

    charset: str = Field(
        "modern_russian", description="Named character set (crnn_ocr.core.codec.NAMED_CHARSETS)."
    )
    extra_chars: str = Field("", description="Characters allowed on top of the named charset.")
    min_text_length: int = Field(1, ge=0, description="Shortest allowed text (characters).")
    max_text_length: int = Field(128, gt=0, description="Longest allowed text (characters).")
    formats: tuple[str, ...] = Field(IMAGE_FORMATS, min_length=1, description="Allowed formats.")
    max_pixels: int = Field(
        25_000_000, gt=0, description="Decompression-bomb limit, checked from the header."
    )
    min_height: int = Field(8, gt=0)
    max_height: int = Field(1024, gt=0)
    min_width: int = Field(8, gt=0)
    max_width: int = Field(8192, gt=0)
    min_aspect: float = Field(0.25, gt=0, description="Smallest width / height of a line image.")
    max_aspect: float = Field(100.0, gt=0, description="Largest width / height of a line image.")
    min_handwritten_fraction: float = Field(0.2, ge=0, le=1, description="Warning bound.")
    max_handwritten_fraction: float = Field(0.8, ge=0, le=1, description="Warning bound.")
    max_bad_fraction: float = Field(
        0.01, ge=0, le=1, description="The stage fails when more rows than this are quarantined."
    )
    workers: int = Field(0, ge=0, description="Processes for image facts; 0 = one per CPU core.")
    chunk_size: int = Field(512, gt=0, description="Images per worker task.")
    data_docs_dir: str | None = Field(
        "data_docs",
        description="Data Docs site folder, relative to the validation output folder "
        "(data/validated); null = no Data Docs.",
    )

    @field_validator("charset")
    @classmethod
    def _known_charset(cls, value: str) -> str:
        if value not in NAMED_CHARSETS:
            raise ValueError(f"unknown charset {value!r} (known: {', '.join(NAMED_CHARSETS)})")
        return value

    @field_validator("formats")
    @classmethod
    def _known_formats(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        aliases = {"jpg": "jpeg", "tif": "tiff"}
        out = tuple(dict.fromkeys(aliases.get(v.lower(), v.lower()) for v in value))
        unknown = [v for v in out if v not in IMAGE_FORMATS]
        if unknown:
            raise ValueError(f"unknown formats {unknown} (known: {', '.join(IMAGE_FORMATS)})")
        return out

    @field_validator("data_docs_dir")
    @classmethod
    def _relative_docs_dir(cls, value: str | None) -> str | None:
        if value is None:
            return None
        path = PurePosixPath(value)
        if not value or path.is_absolute() or ".." in path.parts:
            raise ValueError("must be a relative folder inside the validation output folder")
        return value

    @model_validator(mode="after")
    def _ordered_bounds(self) -> ValidationParams:
        pairs = [
            ("min_text_length", "max_text_length"),
            ("min_height", "max_height"),
            ("min_width", "max_width"),
            ("min_aspect", "max_aspect"),
            ("min_handwritten_fraction", "max_handwritten_fraction"),
        ]
        for low, high in pairs:
            if getattr(self, low) > getattr(self, high):
                raise ValueError(f"{low} must be <= {high}")
        return self

    def allowed_chars(self) -> str:
        """The named charset plus ``extra_chars``, NFC, sorted, unique."""
        return "".join(sorted(set(normalize_text(NAMED_CHARSETS[self.charset] + self.extra_chars))))
