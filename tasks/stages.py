"""One Prefect task per pipeline stage: thin adapters, no logic of their own.

``upstream`` arguments carry the previous stage's small result: they order the tasks and enter
the cache key (a retrained model has a new run id, so evaluation reruns). Retries only where a
retry can help: file and network I/O, not a deterministic training failure.
"""

from __future__ import annotations

from typing import Any

from prefect import task

from crnn_ocr.config import Params
from crnn_ocr.paths import Paths
from tasks.caching import stage_policy

COMMON: dict[str, Any] = {"persist_result": True, "retry_delay_seconds": 5}


@task(name="data", cache_policy=stage_policy("data"), retries=1, **COMMON)
def data(params: Params, paths: Paths) -> Any:
    from crnn_ocr.stages import data as stage

    return stage.run(params, paths)


@task(name="validate", cache_policy=stage_policy("validate"), retries=1, **COMMON)
def validate(params: Params, paths: Paths, upstream: Any = None) -> Any:
    from crnn_ocr.stages import validate as stage

    return stage.run(params, paths)


@task(name="preprocess", cache_policy=stage_policy("preprocess"), retries=1, **COMMON)
def preprocess(params: Params, paths: Paths, upstream: Any = None) -> Any:
    from crnn_ocr.stages import preprocess as stage

    return stage.run(params, paths)


@task(name="train_classifier", cache_policy=stage_policy("train_classifier"), **COMMON)
def train_classifier(params: Params, paths: Paths, upstream: Any = None) -> Any:
    from crnn_ocr.stages import train_classifier as stage

    return stage.run(params, paths)


@task(name="train_ocr", cache_policy=stage_policy("train_ocr"), **COMMON)
def train_ocr(params: Params, paths: Paths, upstream: Any = None) -> Any:
    from crnn_ocr.stages import train_ocr as stage

    return stage.run(params, paths)


@task(name="evaluate", cache_policy=stage_policy("evaluate"), **COMMON)
def evaluate(params: Params, paths: Paths, upstream: Any = None) -> Any:
    from crnn_ocr.stages import evaluate as stage

    return stage.run(params, paths)
