"""``crnn-ocr train ...``: train the models. ``train_app`` is importable so other modules can
add their model (``crnn-ocr train ocr`` lives in ``ocr_cmd.py``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from crnn_ocr.cli import common

train_app = typer.Typer(
    help=(
        "Train the models on data/arrays, tracked in MLflow (mlruns/ or MLFLOW_TRACKING_URI). "
        "A killed training rerun with the same command resumes from its last epoch."
    ),
    no_args_is_help=True,
)

CLASSIFIER_HELP = (
    "Train the handwritten/printed classifier (params: train.classifier, preset).\n\n"
    "Reads data/arrays (run `crnn-ocr preprocess` first), logs params, per-epoch metrics and "
    "figures to an MLflow run, writes models/classifier/model.keras and "
    "reports/classifier/metrics.json, registers the model (alias `challenger`). Checkpoints "
    "go to models/classifier/checkpoints: rerunning after a crash or kill resumes there, in "
    "the same MLflow run."
)


@train_app.command("classifier", help=CLASSIFIER_HELP)
def classifier_command(
    params_file: common.ParamsOption = None,  # type: ignore[assignment]
    sets: common.SetOption = None,
    register: Annotated[
        bool, typer.Option(help="Register the model in the MLflow registry as `challenger`.")
    ] = True,
    real: Annotated[
        bool, typer.Option(help="Also score the real-image sample when it is present.")
    ] = True,
) -> None:
    params, paths = common.load(params_file, sets)
    from crnn_ocr.stages import train_classifier

    result = train_classifier.run(params, paths, register=register, score_real=real)
    _print_result(result)


def _print_result(result: object) -> None:
    from rich.table import Table

    table = Table(title="classifier", show_header=False)
    for key, value in vars(result).items():
        table.add_row(key, _fmt(value))
    common.out.print(table)
    if getattr(result, "initial_epoch", 0):
        common.out.print(f"resumed at epoch {result.initial_epoch}")  # type: ignore[attr-defined]


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.4f}"
    if isinstance(value, Path):
        return str(value)
    return str(value)


def register(app: typer.Typer) -> None:
    app.add_typer(train_app, name="train")
