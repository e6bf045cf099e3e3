"""``preprocess`` section: the reference's preprocessing values and the array store layout."""

from __future__ import annotations

from pydantic import Field

from crnn_ocr.config.base import Section


class PreprocessParams(Section):
    """Target size and threshold of the reference pipeline (defaults = reference values)."""

    height: int = Field(128, gt=0, description="Target image height in pixels.")
    width: int = Field(512, gt=0, description="Target image width in pixels.")
    block_size: int = Field(21, gt=1, description="Adaptive-threshold neighbourhood (odd).")
    c: float = Field(10.0, description="Constant subtracted from the neighbourhood mean.")
    shard_size: int = Field(4096, gt=0, description="Images per array shard.")
    workers: int = Field(0, ge=0, description="Worker processes; 0 = one per CPU core.")
    dask_address: str | None = Field(
        None, description="Dask scheduler address; when set, shards are built on that cluster."
    )
