"""A real array store built from a tiny validated dataset, shared by the array tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from crnn_ocr.arrays import ArrayStore
from crnn_ocr.config.params import Params
from crnn_ocr.config.preprocess import PreprocessParams
from crnn_ocr.paths import Paths
from crnn_ocr.stages import preprocess

H, W = 16, 64


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, write_validated_fn) -> tuple[ArrayStore, Path]:  # type: ignore[no-untyped-def]
    """``(store, images folder)``: shards of 4 lines at ``H x W``."""
    root = tmp_path_factory.mktemp("project")
    data = write_validated_fn(root)
    params = Params(preprocess=PreprocessParams(height=H, width=W, shard_size=4, workers=1))
    preprocess.run(params, Paths.from_root(root))
    return ArrayStore(root / "data" / "arrays"), data.images
