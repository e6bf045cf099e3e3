"""Run ``build_shard`` over many shards: inline, in a process pool, or on a Dask cluster.

Intact shards (same fingerprint, matching checksums) are reused; missing, stale or corrupted
ones are (re)built. Each shard is written atomically, so a killed run resumes where it stopped.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

from crnn_ocr.arrays.shards import ShardReport, ShardSpec, build_shard, check_shard
from crnn_ocr.errors import CrnnOcrError

log = logging.getLogger(__name__)
DASK_CONNECT_TIMEOUT = "30s"


def _build_star(args: tuple[ShardSpec, str]) -> ShardReport:
    return build_shard(*args)


def _pool_reports(todo: Sequence[ShardSpec], out_root: str, workers: int) -> Iterator[ShardReport]:
    # spawn: safe whatever the parent holds (threads, TensorFlow); workers import only cv2/numpy.
    context = multiprocessing.get_context("spawn")
    with context.Pool(workers) as pool:
        yield from pool.imap_unordered(_build_star, [(s, out_root) for s in todo], chunksize=1)


def _dask_reports(todo: Sequence[ShardSpec], out_root: str, address: str) -> Iterator[ShardReport]:
    """Build on a Dask cluster; its workers must see ``out_root`` and the images at the same
    paths (a shared file system)."""
    try:
        from dask.distributed import Client, as_completed
    except ImportError as exc:  # pragma: no cover - dask is a declared dependency
        raise CrnnOcrError(f"preprocess.dask_address is set but dask is missing: {exc}") from exc
    try:
        client = Client(address, timeout=DASK_CONNECT_TIMEOUT, set_as_default=False)
    except OSError as exc:
        raise CrnnOcrError(f"preprocess.dask_address={address!r}: cannot connect: {exc}") from exc
    with client:
        futures = client.map(build_shard, list(todo), out_root=out_root, pure=False)
        for future in as_completed(futures, loop=client.loop):
            yield future.result()


def resolve_workers(workers: int, jobs: int) -> int:
    """``workers`` (0 = one per CPU core), never more than the number of jobs."""
    wanted = workers or os.cpu_count() or 1
    return max(1, min(wanted, jobs))


def build_shards(
    specs: Iterable[ShardSpec],
    out_root: str | Path,
    workers: int = 0,
    dask_address: str | None = None,
    progress: Callable[[ShardReport], None] | None = None,
) -> list[ShardReport]:
    """Reports of every shard in ``specs`` order, building only those not already intact."""
    specs = list(specs)
    out_root = str(out_root)
    reports: dict[str, ShardReport] = {}
    todo: list[ShardSpec] = []
    for spec in specs:
        report, why = check_shard(spec, out_root)
        if report is None:
            if why != "not built":
                log.warning("shard %s: rebuilding (%s)", spec.name, why)
            todo.append(spec)
        else:
            reports[spec.name] = report
            if progress:
                progress(report)
    if todo:
        if dask_address:
            built: Iterable[ShardReport] = _dask_reports(todo, out_root, dask_address)
        elif resolve_workers(workers, len(todo)) == 1:
            built = (build_shard(spec, out_root) for spec in todo)
        else:
            built = _pool_reports(todo, out_root, resolve_workers(workers, len(todo)))
        for report in built:
            reports[report.name] = report
            if progress:
                progress(report)
    return [reports[spec.name] for spec in specs]
