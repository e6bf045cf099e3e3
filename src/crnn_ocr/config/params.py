"""The root of ``params.yaml``: one typed section per stage."""

from __future__ import annotations

from typing import Any

from pydantic import Field, model_validator

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

    @model_validator(mode="after")
    def _pre_reform_lines_pass_validation(self) -> Params:
        """Pre-reform synthetic lines would all be quarantined by a modern charset: say so
        at load time, not after rendering them."""
        synth = self.data.synth
        allowed = set(self.validation.allowed_chars())
        if synth.size and synth.text.pre_reform_fraction > 0 and not set("ѣі") <= allowed:
            raise ValueError(
                f"data.synth.text.pre_reform_fraction={synth.text.pre_reform_fraction} writes "
                f"ѣ and і, which validation.charset={self.validation.charset} refuses: set "
                "validation.charset=pre_reform (or add them to validation.extra_chars)"
            )
        return self
