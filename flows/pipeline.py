"""``crnn-ocr-pipeline``: data, validate, preprocess, classifier, CRNN, evaluate, promote.

Every stage is a cached task (``tasks``): after a failure, a rerun reuses the stages
that finished and restarts at the failed one; a changed parameter reruns only the stages that
declare it in ``dvc.yaml`` and those downstream. Each finished stage is also recorded in
``dvc.lock`` (``dvc commit``), so ``dvc repro`` afterwards has nothing to do.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from crnn_ocr.config import Params
from crnn_ocr.paths import Paths
from crnn_ocr.tracking.registry import Decision
from flows.common import STAGES, StageOutcome, load, run_stage


@dataclass(frozen=True)
class PipelineSummary:
    """What the pipeline did, small enough to print or return from a deployment run."""

    root: Path
    stages: tuple[StageOutcome, ...]
    decisions: tuple[Decision, ...] = ()
    metrics: dict[str, float] = field(default_factory=dict)
    published: str = ""  # what happened to the end-to-end `crnn-ocr` model


def numbers(outcomes: tuple[StageOutcome, ...]) -> dict[str, float]:
    """Float fields of the stage results, as ``stage.field`` (accuracy, CER, ...)."""
    found: dict[str, float] = {}
    for outcome in outcomes:
        result = outcome.result
        values: dict[str, Any] = {}
        if dataclasses.is_dataclass(result) and not isinstance(result, type):
            values = dataclasses.asdict(result)
        if hasattr(result, "model_dump"):
            values = result.model_dump()
        for key, value in values.items():
            if isinstance(value, float):
                found[f"{outcome.name}.{key}"] = value
    return found


@task(name="promote", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=5)
def promote_task(params: Params, paths: Paths) -> tuple[Decision, ...]:
    from crnn_ocr.stages import promote

    return promote.run(params, paths, missing_ok=True)


@task(name="publish-end-to-end", cache_policy=NO_CACHE, retries=1, retry_delay_seconds=5)
def publish_task(params: Params, paths: Paths) -> str:
    from crnn_ocr.stages import promote

    return promote.publish_end_to_end(params, paths)


@flow(name="crnn-ocr-pipeline", log_prints=True)
def pipeline(
    params_file: str = "params.yaml",
    preset: str | None = None,
    overrides: list[str] | None = None,
    until: str | None = None,
    promote: bool = True,
    dvc_commit: bool = True,
) -> PipelineSummary:
    """Run the whole pipeline (or the stages up to ``until``) on ``params_file``.

    Args:
        params_file: params.yaml; the project root is its folder.
        preset: a preset name from params.yaml (``cpu``, ``seed``), same as ``preset=<name>``.
        overrides: ``key.path=value`` items, like ``crnn-ocr -S`` and ``dvc exp run -S``.
        until: last stage to run (``data`` ... ``evaluate``); promotion needs the full run.
        promote: move ``champion`` aliases when the new models win (``crnn-ocr promote``).
        dvc_commit: record each finished stage in dvc.lock so ``dvc repro`` is a no-op.
    """
    if until is not None and until not in STAGES:
        raise ValueError(f"until={until!r}: not a stage (stages: {', '.join(STAGES)})")
    params, paths = load(params_file, preset, overrides)
    if dvc_commit and params != load(params_file)[0]:
        # dvc.lock records params.yaml's values: outputs made with overrides must not be
        # recorded as if they came from the file (`dvc repro` will rebuild them instead).
        print("overrides differ from params.yaml: stages not recorded in dvc.lock")
        dvc_commit = False
    last = STAGES.index(until) if until else len(STAGES) - 1
    outcomes: list[StageOutcome] = []
    upstream: dict[str, Any] = {}
    inputs = {"validate": ("data",), "preprocess": ("validate",),
              "train_classifier": ("preprocess",), "train_ocr": ("preprocess",),
              "evaluate": ("train_ocr",)}  # as in dvc.yaml: evaluation reads models/ocr
    for stage in STAGES[: last + 1]:
        before = tuple(upstream[name] for name in inputs.get(stage, ()))
        outcome = run_stage(stage, params, paths, before[0] if len(before) == 1 else before or None,
                            commit=dvc_commit)
        upstream[stage] = outcome.result
        outcomes.append(outcome)
        print(f"stage {stage}: {outcome.status}")
    decisions: tuple[Decision, ...] = ()
    published = ""
    if promote and last == len(STAGES) - 1:
        decisions = promote_task(params, paths)
        for decision in decisions:
            print(f"promote {decision.model}: {decision.reason}")
        published = publish_task(params, paths)
        print(published)
    stages = tuple(outcomes)
    return PipelineSummary(paths.root, stages, decisions, numbers(stages), published)
