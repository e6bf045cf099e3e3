"""``inference`` section: predict/serve settings and the Tesseract baseline of ``bench``."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from crnn_ocr.config.base import Section

Quantize = Literal["none", "dynamic_range"]


class TesseractParams(Section):
    """How ``crnn-ocr bench`` runs Tesseract 5: one single-threaded process per core."""

    lang: str = Field("rus", min_length=1, description="Tesseract language model (-l).")
    psm: int = Field(7, ge=0, le=13, description="Page segmentation mode; 7 = one text line.")
    workers: int = Field(0, ge=0, description="Parallel tesseract processes; 0 = one per core.")
    timeout_s: float = Field(60.0, gt=0, description="Per-image time limit.")


class InferenceParams(Section):
    """Batched classify+read: which model, batch size, decode threads, input limits."""

    model: str = Field(
        "models:/crnn-ocr@champion",
        min_length=1,
        description="Bundle folder or MLflow URI (models:/name@alias, models:/name/3, runs:/).",
    )
    batch_size: int = Field(64, gt=0, description="Images per model call.")
    workers: int = Field(0, ge=0, description="Image decoding threads; 0 = one per core.")
    model_threads: int = Field(
        0, ge=0,
        description="LiteRT backend: model batches run side by side in this many threads, each "
        "with its own interpreters (the cores split among them); 0 = one per core, 1 = one "
        "interpreter using every core (the keras backend always runs one batch at a time).",
    )
    max_pixels: int = Field(
        50_000_000, gt=0, description="Refuse images with more pixels (checked from the header)."
    )
    max_bytes: int = Field(
        20_000_000, gt=0, description="Refuse encoded images larger than this many bytes."
    )
    piece_aspect: float | None = Field(
        32.0, ge=1,
        description="Read lines wider than this many heights in pieces cut at blank columns, so "
        "each piece fills the canvas height instead of the whole line being squeezed into it "
        "(crnn_ocr.inference.pieces); null = always the whole line.",
    )
    width_step: int | None = Field(
        128, gt=0,
        description="Read each line (or piece) at the width its text needs plus a white margin, "
        "rounded up to a multiple of this many canvas pixels, not the whole canvas: the "
        "recogniser's cost grows with the width (crnn_ocr.inference.widths; one recogniser copy "
        "per width); null = always the whole canvas.",
    )
    decoding: Literal["greedy", "beam_search"] = Field("greedy", description="CTC decoding.")
    beam_width: int = Field(10, gt=0, description="Beams when decoding=beam_search.")
    lexicon: Literal["none", "russian"] = Field(
        "none",
        description="Dictionary correction of each read line: russian = a word the Russian "
        "dictionary (pymorphy3, pre-reform spellings included) does not know becomes the one "
        "known word one edit away, if there is exactly one (crnn_ocr.inference.lexicon); "
        "none = the recogniser's text as it is.",
    )
    backend: Literal["auto", "litert", "keras"] = Field(
        "auto",
        description="Model runtime: litert (LiteRT copies of the models, LSTMs unrolled, cached "
        "per model version; ~1.9x faster end to end on 2 AVX2 cores, on par where TensorFlow "
        "uses AVX-512), keras (TensorFlow), "
        "auto = litert if installed.",
    )
    quantize: Quantize = Field(
        "dynamic_range",
        description="LiteRT backend only: dynamic_range = int8 weights, activations quantized "
        "per batch at run time (post-training, no calibration data); none = float32.",
    )
    registered_model: str = Field(
        "crnn-ocr", min_length=1, description="Registry name of the end-to-end pyfunc model."
    )
    tesseract: TesseractParams = Field(default_factory=TesseractParams)  # type: ignore[arg-type]

    def recognizer_options(self) -> dict[str, Any]:
        """Keyword arguments of ``Recognizer`` (``crnn_ocr.inference``) from this section: what
        ``predict`` and ``bench`` use, and what ``promote`` stores with the served model."""
        return self.model_dump(exclude={"model", "registered_model", "tesseract"})
