"""Session-wide test environment: caches go to a temporary folder, never to ~/.cache."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(scope="session", autouse=True)
def private_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """``CRNN_OCR_CACHE`` (LiteRT conversions) in a temp folder; subprocesses inherit it."""
    from crnn_ocr.inference.litert import CACHE_ENV

    cache = tmp_path_factory.mktemp("crnn-ocr-cache")
    old = os.environ.get(CACHE_ENV)
    os.environ[CACHE_ENV] = str(cache)
    yield cache
    if old is None:
        os.environ.pop(CACHE_ENV, None)
    else:
        os.environ[CACHE_ENV] = old
