"""The root of ``params.yaml``: one typed section per stage."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from crnn_ocr.config.base import Section
from crnn_ocr.config.data import DataParams
from crnn_ocr.config.evaluate import EvaluateParams
from crnn_ocr.config.inference import InferenceParams
from crnn_ocr.config.preprocess import PreprocessParams
from crnn_ocr.config.registry import RegistryParams
from crnn_ocr.config.train import TrainParams
from crnn_ocr.config.validation import ValidationParams


class Params(Section):
    """All parameters. ``preset`` names an overlay from ``presets`` (already merged in)."""

    preset: str | None = Field(None, description="Name of the preset overlay that was applied.")
    presets: dict[str, dict[str, Any]] = Field(default_factory=dict)
    seed: int = Field(42, description="Global random seed.")
    data: DataParams = Field(default_factory=DataParams)  # type: ignore[arg-type]
    validation: ValidationParams = Field(default_factory=ValidationParams)  # type: ignore[arg-type]
    preprocess: PreprocessParams = Field(default_factory=PreprocessParams)  # type: ignore[arg-type]
    train: TrainParams = Field(default_factory=TrainParams)  # type: ignore[arg-type]
    evaluate: EvaluateParams = Field(default_factory=EvaluateParams)  # type: ignore[arg-type]
    inference: InferenceParams = Field(default_factory=InferenceParams)  # type: ignore[arg-type]
    registry: RegistryParams = Field(default_factory=RegistryParams)  # type: ignore[arg-type]
