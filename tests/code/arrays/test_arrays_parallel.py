"""The same shard function in a process pool and as Dask tasks gives identical shards."""

from __future__ import annotations

import hashlib
from pathlib import Path

from crnn_ocr.config.params import Params
from crnn_ocr.config.preprocess import PreprocessParams
from crnn_ocr.paths import Paths
from crnn_ocr.stages import preprocess


def digests(store: Path) -> dict[str, str]:
    return {
        str(p.relative_to(store)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted((store / "shards").rglob("*.npy"))
    }


def build(root: Path, out: str, **overrides: object) -> preprocess.PreprocessResult:
    params = Params(preprocess=PreprocessParams(height=16, width=48, shard_size=3, **overrides))
    return preprocess.run(params, Paths.from_root(root), out_dir=root / out)


def test_inline_pool_and_dask_build_identical_shards(validated_factory) -> None:
    from dask.distributed import LocalCluster

    data = validated_factory()
    inline = build(data.root, "inline", workers=1)
    pooled = build(data.root, "pool", workers=2)
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                      dashboard_address=None) as cluster:
        dasked = build(data.root, "dask", dask_address=cluster.scheduler_address)
    assert inline.shards_built == pooled.shards_built == dasked.shards_built == 4
    reference = digests(data.root / "inline")
    assert len(reference) == 4 * 5
    assert digests(data.root / "pool") == reference
    assert digests(data.root / "dask") == reference
    for name in ("pool", "dask"):
        index = (data.root / name / "index.json").read_text(encoding="utf-8")
        assert '"count": 0' in index


def test_unreachable_dask_scheduler_is_a_clear_error(validated_factory, monkeypatch) -> None:
    import pytest

    from crnn_ocr.arrays import build as builder
    from crnn_ocr.errors import CrnnOcrError

    monkeypatch.setattr(builder, "DASK_CONNECT_TIMEOUT", "2s")
    data = validated_factory()
    with pytest.raises(CrnnOcrError, match="dask_address='tcp://127.0.0.1:9'.*cannot connect"):
        build(data.root, "arrays", dask_address="tcp://127.0.0.1:9")
