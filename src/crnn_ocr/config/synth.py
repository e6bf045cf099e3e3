"""``data.synth`` section: the synthetic Russian text-line generator.

Ranges are ``[low, high]`` pairs sampled uniformly per line. Every value here changes the
rendered dataset, so DVC lists the whole ``data.synth`` section as the stage's params.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from crnn_ocr.config.base import Section

Range = tuple[float, float]
IntRange = tuple[int, int]

TextKind = Literal["sentence", "window", "words", "name", "address", "date", "number", "job"]


def _check_range(value: tuple[float, float]) -> tuple[float, float]:
    if value[0] > value[1]:
        raise ValueError(f"range [{value[0]}, {value[1]}]: low must be <= high")
    return value


class TextParams(Section):
    """What the lines say (Russian words, names, addresses, dates, numbers, text windows)."""

    max_chars: int = Field(80, ge=5, le=400, description="Longest line in characters.")
    mix: dict[TextKind, float] = Field(
        default_factory=lambda: {  # type: ignore[arg-type,return-value]
            "sentence": 0.24, "window": 0.24, "words": 0.14, "name": 0.08,
            "address": 0.08, "date": 0.07, "number": 0.07, "job": 0.08,
        },
        description="Relative weights of the line kinds.",
    )
    boost_fraction: float = Field(
        0.25, ge=0, le=1,
        description="Share of lines given a snippet with a uniformly drawn alphabet character, "
        "so rare letters (ъ, ё, Ъ, Щ...) appear often enough.",
    )
    upper_fraction: float = Field(0.06, ge=0, le=1, description="Share of ALL-CAPS lines.")
    pre_reform_fraction: float = Field(
        0.0, ge=0, le=1,
        description="Share of lines respelt in pre-1918 orthography (ъ after final consonants, "
        "і before vowels, ѣ in common roots; crnn_ocr.data.synth.pre_reform), for historical "
        "documents; needs validation.charset: pre_reform.",
    )
    period_fonts: Literal["pre_reform_lines", "all_lines"] = Field(
        "pre_reform_lines",
        description="What the period typefaces (fonts.csv orthography pre_reform) draw when "
        "pre_reform_fraction > 0: only the respelt lines, or every line (books of the 1920s kept "
        "the old typefaces with the new spelling).",
    )

    @field_validator("mix")
    @classmethod
    def _positive_mix(cls, mix: dict[str, float]) -> dict[str, float]:
        if any(w < 0 for w in mix.values()) or sum(mix.values()) <= 0:
            raise ValueError("weights must be >= 0 with a positive sum")
        return mix


class RenderParams(Section):
    """Glyph size, margins and file format."""

    font_size: IntRange = Field((20, 44), description="Font size in pixels.")
    padding: IntRange = Field((2, 14), description="Margin around the text in pixels.")
    stroke: IntRange = Field((-1, 1), description="Stroke change: <0 thins, >0 thickens (px).")
    rgb_fraction: float = Field(0.3, ge=0, le=1, description="Share of RGB (else grayscale).")
    jpeg_fraction: float = Field(0.4, ge=0, le=1, description="Share saved as JPEG (else PNG).")
    jpeg_quality: IntRange = Field((35, 95), description="JPEG quality range.")
    glyph_jitter: Range = Field(
        (0.0, 0.0),
        description="Handwritten lines only: per-letter size, baseline and spacing jitter, "
        "drawn per line from this range (0 = the font's regular layout; 1 = size +-10%, "
        "baseline sd 3.5% of the size, spacing -6..+4%).",
    )

    letter_spacing_fraction: float = Field(
        0.0, ge=0, le=1,
        description="Printed lines only: share drawn letter by letter with extra spacing "
        "(tracking, or letter-spaced emphasis as in older print); 0 = none, same bytes.",
    )
    letter_spacing: Range = Field(
        (0.05, 0.5),
        description="Extra room after every character of those lines, as a share of the font "
        "size, drawn per line.",
    )

    @field_validator("font_size", "padding", "stroke", "jpeg_quality", "glyph_jitter",
                     "letter_spacing")
    @classmethod
    def _ordered(cls, value: IntRange) -> IntRange:
        return _check_range(value)  # type: ignore[return-value]

    @field_validator("glyph_jitter")
    @classmethod
    def _jitter_bounds(cls, value: Range) -> Range:
        if not 0 <= value[0] <= value[1] <= 3:
            raise ValueError("glyph jitter must lie within [0, 3]")
        return value

    @field_validator("letter_spacing")
    @classmethod
    def _spacing_bounds(cls, value: Range) -> Range:
        if not 0 <= value[0] <= value[1] <= 2:
            raise ValueError("letter spacing must lie within [0, 2] (share of the font size)")
        return value

    @field_validator("font_size")
    @classmethod
    def _font_positive(cls, value: IntRange) -> IntRange:
        if value[0] < 6:
            raise ValueError("font size must be >= 6 px")
        return value


class DegradeParams(Section):
    """Scan and camera artefacts applied after rendering."""

    rotation_deg: float = Field(1.5, ge=0, le=20, description="Max absolute rotation.")
    shear: float = Field(0.15, ge=0, le=1, description="Max horizontal shear (slant).")
    perspective: float = Field(0.02, ge=0, le=0.2, description="Max corner shift / size.")
    wobble_px: Range = Field(
        (0.0, 1.2), description="Elastic wobble amplitude (printed uses the low end)."
    )
    blur_sigma: Range = Field((0.0, 1.0), description="Gaussian blur sigma (0 = none).")
    noise_sigma: Range = Field((0.0, 10.0), description="Pixel noise std (0-255 scale).")
    ink_gray: IntRange = Field((0, 90), description="Ink darkness (0 = black).")
    paper_gray: IntRange = Field((170, 255), description="Paper brightness.")
    texture: Range = Field((0.0, 18.0), description="Paper texture amplitude (0-255 scale).")
    binarize_fraction: float = Field(
        0.3, ge=0, le=1, description="Share of printed lines thresholded to pure black/white."
    )
    binarize_shift: IntRange = Field(
        (-60, 10),
        description="Added to Otsu's threshold of a binarized line, drawn per line: below 0 "
        "keeps only the darkest ink, so hairlines break as in some binarized scans; above 0 "
        "thickens strokes. (0, 0) draws nothing, so older datasets keep their bytes.",
    )

    @field_validator(
        "wobble_px", "blur_sigma", "noise_sigma", "ink_gray", "paper_gray", "texture",
        "binarize_shift",
    )
    @classmethod
    def _ordered(cls, value: Range) -> Range:
        return _check_range(value)


class SynthParams(Section):
    """How many lines to render, with which seed, class mix, text and degradations."""

    size: int = Field(2000, ge=0, description="Number of lines to render (0 = none).")
    seed: int = Field(42, description="Same seed + params -> byte-identical dataset.")
    handwritten_fraction: float = Field(0.5, ge=0, le=1, description="Share of class 1 lines.")
    workers: int = Field(0, ge=0, description="Worker processes; 0 = one per CPU core.")
    text: TextParams = Field(default_factory=TextParams)  # type: ignore[arg-type]
    render: RenderParams = Field(default_factory=RenderParams)  # type: ignore[arg-type]
    degrade: DegradeParams = Field(default_factory=DegradeParams)  # type: ignore[arg-type]
