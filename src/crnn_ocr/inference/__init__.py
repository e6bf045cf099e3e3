"""Batched classify+read with the trained models (``Recognizer``) and the Tesseract baseline.

Importing this package is light: TensorFlow loads only when models are loaded.
"""

from crnn_ocr.inference.recognizer import Failure, Prediction, Recognizer

__all__ = ["Failure", "Prediction", "Recognizer"]
