"""The synthetic Russian text-line generator (fonts, texts, renderer, parallel writer)."""

from crnn_ocr.data.synth.fonts import FontRegistry, FontSpec
from crnn_ocr.data.synth.render import RenderedLine, encode, render_line
from crnn_ocr.data.synth.text import TextGenerator
from crnn_ocr.data.synth.writer import SynthResult, render_dataset, render_texts

__all__ = [
    "FontRegistry", "FontSpec", "RenderedLine", "SynthResult", "TextGenerator", "encode",
    "render_dataset", "render_line", "render_texts",
]
