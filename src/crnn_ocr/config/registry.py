"""``registry`` section: gated promotion of MLflow registry aliases (`crnn-ocr promote`)."""

from __future__ import annotations

from pydantic import Field

from crnn_ocr.config.base import Section


class GateParams(Section):
    """The metric that decides whether a challenger replaces the champion."""

    metric: str = Field(min_length=1, description="Run metric compared between the versions.")
    higher_is_better: bool = Field(description="True for accuracy, False for CER.")


class RegistryParams(Section):
    """Promotion rules; model names come from ``train.<model>.registered_model``."""

    experiment: str = Field(
        "crnn-ocr-promotion", min_length=1, description="MLflow experiment of decision runs."
    )
    test_set_tags: tuple[str, ...] = Field(
        ("crnn_ocr.test_set_hash", "crnn_ocr.manifest_hash"),
        min_length=1,
        description="Run tags naming the test set; the first both runs carry must be equal.",
    )
    classifier: GateParams = Field(
        default_factory=lambda: GateParams(metric="test_accuracy", higher_is_better=True)
    )
    recognizer: GateParams = Field(
        default_factory=lambda: GateParams(metric="test_cer", higher_is_better=False)
    )
