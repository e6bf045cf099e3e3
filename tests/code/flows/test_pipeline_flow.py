"""The pipeline flow for real (tiny synthetic data): cached reruns and restart after a failure."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from crnn_ocr.errors import DataError

pytestmark = pytest.mark.slow


def statuses(summary) -> dict[str, str]:  # noqa: ANN001
    return {o.name: o.status for o in summary.stages}


def test_second_run_reuses_cached_stages(prefect_server, project: Path) -> None:
    from flows.pipeline import pipeline

    params = str(project / "params.yaml")
    first = pipeline(params_file=params, until="validate", dvc_commit=False)
    assert statuses(first) == {"data": "ran", "validate": "ran"}
    raw_inode = (project / "data" / "raw").stat().st_ino  # atomic_dir makes a new folder per run
    manifest_mtime = (project / "data" / "validated" / "manifest.csv").stat().st_mtime_ns

    second = pipeline(params_file=params, until="validate", dvc_commit=False)
    assert statuses(second) == {"data": "cached", "validate": "cached"}
    assert second.stages[1].result == first.stages[1].result
    assert (project / "data" / "raw").stat().st_ino == raw_inode
    assert (project / "data" / "validated" / "manifest.csv").stat().st_mtime_ns == manifest_mtime

    # A validation parameter reruns validation only; deleted outputs force their stage to run.
    third = pipeline(params_file=params, until="validate", dvc_commit=False,
                     overrides=["validation.max_text_length=200"])
    assert statuses(third) == {"data": "cached", "validate": "ran"}
    shutil.rmtree(project / "data" / "validated")
    fourth = pipeline(params_file=params, until="validate", dvc_commit=False)
    assert statuses(fourth) == {"data": "cached", "validate": "ran"}
    assert (project / "data" / "validated" / "manifest.csv").is_file()


def test_rerun_after_failure_restarts_at_failed_stage(prefect_server, project: Path) -> None:
    from flows.pipeline import pipeline

    params = str(project / "params.yaml")
    # Every text is longer than 1 character: validation quarantines all rows and fails.
    with pytest.raises(DataError):
        pipeline(params_file=params, until="validate", dvc_commit=False,
                 overrides=["validation.max_text_length=1"])
    raw_inode = (project / "data" / "raw").stat().st_ino
    assert not (project / "data" / "validated" / "manifest.csv").exists()

    rerun = pipeline(params_file=params, until="validate", dvc_commit=False)
    assert statuses(rerun) == {"data": "cached", "validate": "ran"}
    assert (project / "data" / "raw").stat().st_ino == raw_inode
    assert rerun.stages[1].result.passed
