"""crnn-ocr: Russian text-line OCR pipeline."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from crnn_ocr.inference.recognizer import Recognizer

__all__ = ["Recognizer"]


def __getattr__(name: str) -> Any:
    # Lazy export: `import crnn_ocr` stays light; `from crnn_ocr import Recognizer` works.
    if name == "Recognizer":
        from crnn_ocr.inference.recognizer import Recognizer

        return Recognizer
    raise AttributeError(f"module 'crnn_ocr' has no attribute {name!r}")
