"""Typed parameters loaded from ``params.yaml`` (the single source of truth)."""

from crnn_ocr.config.loader import ConfigError, load_params
from crnn_ocr.config.params import Params

__all__ = ["ConfigError", "Params", "load_params"]
