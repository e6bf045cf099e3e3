"""``crnn-ocr pipeline``: the main job, the whole pipeline as one Prefect flow run."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

import typer

from crnn_ocr.cli import common

PIPELINE_HELP = (
    "Run the whole pipeline in this process with Prefect: data, validate, preprocess, train "
    "classifier, train CRNN, evaluate, promote.\n\n"
    "Finished stages are cached (.prefect/results): a rerun after a failure or a kill starts at "
    "the failed stage, and a changed parameter reruns only the stages downstream of it. Each "
    "stage is recorded in dvc.lock, so `dvc repro` afterwards is a no-op. Without "
    "PREFECT_API_URL a temporary local Prefect server is started (state in .prefect/)."
)
def prefect_env(root: Path) -> None:
    """Local defaults for Prefect (before it is imported): state under ``<root>/.prefect``."""
    if not os.environ.get("PREFECT_API_URL"):
        os.environ.setdefault("PREFECT_HOME", str(root / ".prefect"))
        # The temporary server needs more than the default 20 s on a busy 2-core machine.
        os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")


def pipeline_command(
    params_file: common.ParamsOption = None,  # type: ignore[assignment]
    sets: common.SetOption = None,
    until: Annotated[
        str | None, typer.Option(help="Stop after this stage (data, validate, preprocess, "
                                      "train_classifier, train_ocr, evaluate).")
    ] = None,
    promote: Annotated[bool, typer.Option(help="Promote winning models at the end.")] = True,
    dvc_commit: Annotated[
        bool, typer.Option(help="Record finished stages in dvc.lock (dvc commit).")
    ] = True,
) -> None:
    params, paths = common.load(params_file, sets)  # fail fast on bad params, before Prefect
    prefect_env(paths.root)
    from flows.pipeline import pipeline

    summary = pipeline(
        params_file=str(params_file or paths.params_file), overrides=list(sets or []),
        until=until, promote=promote, dvc_commit=dvc_commit,
    )
    print_summary(summary, params, paths)


def print_summary(summary: Any, params: Any, paths: Any) -> None:
    """Stages, headline numbers, where to look next, and the registry aliases."""
    from rich.table import Table

    from crnn_ocr.tracking import mlflow_store, registry
    from crnn_ocr.tracking.mlflow_store import tracking_uri

    stages = Table(title="crnn-ocr pipeline", show_header=True)
    stages.add_column("stage")
    stages.add_column("status")
    for outcome in summary.stages:
        stages.add_row(outcome.name, outcome.status)
    common.out.print(stages)
    metrics = summary.metrics
    accuracy = metrics.get("train_classifier.test_accuracy")
    cer = metrics.get("evaluate.test_cer")
    if accuracy is not None:
        common.out.print(f"classifier test accuracy: {accuracy:.4f}")
    if cer is not None:
        common.out.print(f"recognizer test CER:      {cer:.4f}")
    real = metrics.get("evaluate.real_cer")
    if real is not None:
        common.out.print(f"recognizer real-sample CER: {real:.4f}")
    for decision in summary.decisions:
        common.out.print(f"promote {decision.model}: {decision.reason}")
    if summary.published:
        common.out.print(summary.published)
    validated = next((o.result for o in summary.stages if o.name == "validate"), None)
    docs = getattr(validated, "data_docs_index", None)
    if docs:
        common.out.print(f"Data Docs: {docs}")
    common.out.print(f"MLflow: `crnn-ocr ui` (store {tracking_uri(paths)})")
    names = [params.train.classifier.registered_model, params.train.ocr.registered_model,
             params.inference.registered_model]
    found = registry.aliases(mlflow_store.setup(paths), names)
    for name, aliases in found.items():
        shown = ", ".join(f"{a}=v{v}" for a, v in sorted(aliases.items())) or "no aliases"
        common.out.print(f"registered {name}: {shown}")
    end_to_end = f"models:/{params.inference.registered_model}@champion"
    common.out.print(f"predict: `crnn-ocr predict IMAGE...` ({end_to_end})")


def register(app: typer.Typer) -> None:
    app.command("pipeline", help=PIPELINE_HELP)(pipeline_command)
