"""What every flow does around a stage task: load params, point caching at the project, record.

Flow parameters are plain JSON (a params file, a preset, ``overrides`` like the CLI's ``-S``),
so deployments can pass them; tasks exchange only paths and small results, never arrays.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prefect import Task, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.filesystems import LocalFileSystem

from crnn_ocr.config import Params, load_params
from crnn_ocr.errors import CrnnOcrError
from crnn_ocr.io import dvc
from crnn_ocr.paths import Paths
from tasks import stages as stage_tasks
from tasks.caching import outputs_missing

STAGES = ("data", "validate", "preprocess", "train_classifier", "train_ocr", "evaluate")
RESULTS_DIR = ".prefect/results"


@dataclass(frozen=True)
class StageOutcome:
    """One stage of a flow run: ``ran`` or ``cached`` (result reused), and its small result."""

    name: str
    status: str
    result: Any
    dvc_recorded: bool = False


def load(
    params_file: str = "params.yaml", preset: str | None = None, overrides: list[str] | None = None
) -> tuple[Params, Paths]:
    """Params with overrides (``preset`` is a shortcut for ``preset=<name>``), and the paths
    rooted at the params file's folder."""
    sets = [*(overrides or []), *([f"preset={preset}"] if preset else [])]
    path = Path(params_file).resolve()
    return load_params(path, sets), Paths.from_root(path.parent)


def project_task(fn: Task[..., Any], stage: str, paths: Paths) -> Task[..., Any]:
    """``fn`` with results under ``<root>/.prefect/results``; forced to run when its outputs
    are gone (a cached result for deleted files would be a lie)."""
    task = fn.with_options(result_storage=result_storage(paths.root))
    if outputs_missing(paths.root, stage):
        task = task.with_options(refresh_cache=True)
    return task


@functools.cache
def result_storage(root: Path) -> str:
    """A local-file-system block for ``<root>/.prefect/results``, saved on the Prefect server
    (Prefect 3 requires result storage to be saved server-side); returns its slug."""
    name = "crnn-ocr-results-" + hashlib.sha256(str(root).encode()).hexdigest()[:12]
    LocalFileSystem(basepath=str(root / RESULTS_DIR)).save(name, overwrite=True)
    return f"local-file-system/{name}"


@task(name="dvc-commit", cache_policy=NO_CACHE, retries=1, retry_delay_seconds=2)
def record_in_dvc(root: Path, stage: str) -> bool:
    """``dvc commit`` the stage; a failure is a warning (the stage's outputs are still good,
    ``dvc repro`` will just rebuild them)."""
    try:
        return dvc.commit_stage(root, stage)
    except CrnnOcrError as exc:
        get_run_logger().warning("not recorded in dvc.lock: %s", exc)
        return False


def run_stage(
    stage: str, params: Params, paths: Paths, upstream: Any = None, commit: bool = True
) -> StageOutcome:
    """Run (or reuse) one stage task; a failure raises, stopping the flow at this stage."""
    if stage not in STAGES:
        raise ValueError(f"unknown stage {stage!r} (known: {', '.join(STAGES)})")
    fn = project_task(getattr(stage_tasks, stage), stage, paths)
    extra = {} if stage == "data" else {"upstream": upstream}
    state = fn(params, paths, return_state=True, **extra)
    result = state.result()  # re-raises the stage's exception when it failed
    recorded = bool(commit and record_in_dvc(paths.root, stage))
    return StageOutcome(stage, "cached" if state.name == "Cached" else "ran", result, recorded)
