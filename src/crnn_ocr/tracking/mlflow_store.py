"""The one place that points MLflow at the project's store and opens runs.

Default store: ``sqlite:///<root>/mlruns/mlflow.db``, artifacts under ``<root>/mlruns/artifacts``
(MLflow 3 refuses a plain file store). ``MLFLOW_TRACKING_URI`` points the same code at a server.

Several trainings may share one sqlite file. MLflow sets ``busy_timeout`` on its sessions, but
two processes creating the schema or the same experiment at once still race, so that part runs
under a file lock, and writes retry on "database is locked".
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import time
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from crnn_ocr.paths import Paths

if TYPE_CHECKING:
    import mlflow

log = logging.getLogger(__name__)
T = TypeVar("T")

_RETRY_MARKERS = ("database is locked", "database table is locked")


_SET_BY_SETUP: set[str] = set()


def user_tracking_uri() -> str | None:
    """``MLFLOW_TRACKING_URI`` when the user set it (``mlflow.set_tracking_uri`` also writes
    that variable, so values this module set itself do not count)."""
    env = os.environ.get("MLFLOW_TRACKING_URI")
    return env if env and env not in _SET_BY_SETUP else None


def tracking_uri(paths: Paths) -> str:
    """``MLFLOW_TRACKING_URI`` if set, else the sqlite db under the project's ``mlruns/``."""
    return user_tracking_uri() or f"sqlite:///{(paths.mlruns / 'mlflow.db').resolve()}"


def is_local_store(uri: str) -> bool:
    return uri.startswith("sqlite:")


def artifact_location(paths: Paths) -> str | None:
    """Artifacts of a new experiment: under ``mlruns/artifacts`` for the default local store."""
    if user_tracking_uri():
        return None  # a tracking server decides (its --artifacts-destination)
    return (paths.mlruns / "artifacts").resolve().as_uri()


def with_retry(fn: Callable[[], T], attempts: int = 8, delay_s: float = 0.25) -> T:
    """Call ``fn``; retry with back-off when sqlite reports a lock (concurrent writers)."""
    for attempt in range(attempts):
        try:
            return fn()
        except Exception as exc:  # MlflowException / sqlalchemy OperationalError
            text = str(exc).lower()
            if attempt == attempts - 1 or not any(m in text for m in _RETRY_MARKERS):
                raise
            log.warning("mlflow store busy (%s); retry %d", exc.__class__.__name__, attempt + 1)
            time.sleep(delay_s * (2**attempt))
    raise AssertionError("unreachable")


@contextlib.contextmanager
def store_lock(paths: Paths) -> Iterator[None]:
    """Inter-process lock around schema creation and experiment creation (local store only)."""
    uri = tracking_uri(paths)
    if not uri.startswith("sqlite:///"):
        yield
        return
    # One lock per database file, wherever the project is (MLFLOW_TRACKING_URI may share it).
    lock = Path(uri.removeprefix("sqlite:///")).with_suffix(".lock")
    lock.parent.mkdir(parents=True, exist_ok=True)
    with open(lock, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def setup(paths: Paths) -> mlflow.MlflowClient:
    """Point MLflow (tracking and registry) at the project store; create the schema once."""
    import mlflow

    uri = tracking_uri(paths)
    if user_tracking_uri() is None:
        _SET_BY_SETUP.add(uri)
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    with store_lock(paths):
        # Creating the client and touching both stores runs MLflow's migrations on a fresh db
        # (two processes migrating at once corrupt alembic_version): serialised by the lock.
        client = mlflow.MlflowClient(uri, uri)
        client.search_experiments(max_results=1)
        client.search_registered_models(max_results=1)
    return client


def experiment_id(paths: Paths, name: str) -> str:
    """Id of experiment ``name``, created (with the project's artifact location) if missing."""
    client = setup(paths)
    with store_lock(paths):
        found = client.get_experiment_by_name(name)
        if found is not None:
            return found.experiment_id
        return client.create_experiment(name, artifact_location=artifact_location(paths))


@contextlib.contextmanager
def open_run(
    paths: Paths,
    experiment: str,
    *,
    run_id: str | None = None,
    run_name: str | None = None,
    tags: dict[str, str] | None = None,
) -> Iterator[mlflow.ActiveRun]:
    """Start (or resume, with ``run_id``) a run; nested under an active run when there is one."""
    import mlflow

    exp_id = experiment_id(paths, experiment)
    nested = mlflow.active_run() is not None
    run = with_retry(
        lambda: mlflow.start_run(
            run_id=run_id,
            experiment_id=None if run_id else exp_id,
            run_name=None if run_id else run_name,
            nested=nested,
            tags=tags,
        )
    )
    status = "FAILED"
    try:
        yield run
        status = "FINISHED"
    except KeyboardInterrupt:
        status = "KILLED"
        raise
    finally:
        with_retry(lambda: mlflow.end_run(status=status))


def run_exists(paths: Paths, run_id: str) -> bool:
    """Whether ``run_id`` is a live (not deleted) run of the current store."""
    client = setup(paths)
    try:
        return client.get_run(run_id).info.lifecycle_stage == "active"
    except Exception:  # MlflowException RESOURCE_DOES_NOT_EXIST
        return False


def changed_params(paths: Paths, run_id: str, params: dict[str, Any]) -> list[str]:
    """Keys of ``params`` whose value differs from what ``run_id`` logged (as ``log_params``)."""
    logged = setup(paths).get_run(run_id).data.params
    return sorted(k for k, v in params.items() if logged.get(k) != _param_value(v))


def _param_value(value: Any) -> str:
    """A param value as MLflow stores it: a string of at most 6000 characters."""
    return str(value)[:6000]


def log_metrics(run_id: str, metrics: dict[str, float], step: int) -> None:
    """Log numeric metrics to ``run_id`` (explicit id: safe with nested runs and threads)."""
    import mlflow

    clean = {k: float(v) for k, v in metrics.items() if _is_number(v)}
    if clean:
        batch = _metric_list(clean, step)
        with_retry(lambda: mlflow.MlflowClient().log_batch(run_id, metrics=batch))


def log_params(run_id: str, params: dict[str, Any]) -> None:
    """Log params in batches of 100 (MLflow's limit per call); values are stringified."""
    import mlflow
    from mlflow.entities import Param

    items = [Param(k, _param_value(v)) for k, v in sorted(params.items())]
    client = mlflow.MlflowClient()
    for start in range(0, len(items), 100):
        chunk = items[start : start + 100]
        with_retry(partial(client.log_batch, run_id, params=chunk))


def _metric_list(metrics: dict[str, float], step: int) -> list[Any]:
    from mlflow.entities import Metric

    now = int(time.time() * 1000)
    return [Metric(k, v, now, step) for k, v in metrics.items()]


def _is_number(value: object) -> bool:
    try:
        float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    return True


def set_tags(run_id: str, tags: dict[str, str]) -> None:
    """Set tags on ``run_id`` in one batch."""
    import mlflow
    from mlflow.entities import RunTag

    batch = [RunTag(k, str(v)) for k, v in tags.items()]
    with_retry(lambda: mlflow.MlflowClient().log_batch(run_id, tags=batch))


def set_alias(name: str, version: str | int, alias: str = "challenger") -> None:
    """Point ``alias`` of registered model ``name`` at ``version`` (aliases, not stages)."""
    import mlflow

    with_retry(
        lambda: mlflow.MlflowClient().set_registered_model_alias(name, alias, str(version))
    )

