"""Shared fixtures of the serving tests."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(scope="session")
def tiny_model_params() -> dict[str, Any]:
    """Params overrides for the smallest classifier and recogniser that build (do not mutate)."""
    return {
        "preprocess": {"height": 16, "width": 64},
        "train": {
            "classifier": {"conv_filters": [4], "dense_units": 8},
            "ocr": {"model": {"conv_blocks": [{"filters": 4, "pool": [2, 2]}],
                              "lstm_units": 8, "lstm_layers": 1}},
        },
    }
