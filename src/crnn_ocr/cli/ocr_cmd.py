"""``crnn-ocr train ocr`` and ``crnn-ocr evaluate``: the CRNN recogniser's train and test."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from crnn_ocr.cli import common
from crnn_ocr.cli.train_cmd import train_app

TRAIN_HELP = (
    "Train the CRNN recogniser with CTC (params: train.ocr, preset).\n\n"
    "Reads data/arrays (run `crnn-ocr preprocess` first); refuses, by file name, labels too "
    "long for the model's output frames; logs params, per-epoch loss and val CER/WER, learning "
    "curves, a sample-predictions sheet and alphabet.json to an MLflow run; writes "
    "models/ocr/ (model.keras, alphabet.json, model.json) and reports/train_ocr/; registers "
    "the model (train.ocr.registered_model, alias `challenger`). A killed run resumes from "
    "models/checkpoints/ocr in the same MLflow run."
)
EVALUATE_HELP = (
    "Score models/ocr on the test split and on an extra dataset (params: evaluate).\n\n"
    "CER, WER and exact match overall, per class and per text-length bucket, with "
    "per-source normalised (*_normalised) and label_issues.csv-corrected (*_corrected) "
    "variants for the extra dataset (default ../shared/data/real when present, metrics "
    "prefixed real_). Writes reports/evaluate/ (metrics.json, report.json, predictions CSVs, "
    "worst-line galleries) and logs them into the model's MLflow run."
)


@train_app.command("ocr", help=TRAIN_HELP)
def train_ocr_command(
    params_file: common.ParamsOption = None,  # type: ignore[assignment]
    sets: common.SetOption = None,
    register: Annotated[
        bool, typer.Option(help="Register the model in the MLflow registry as `challenger`.")
    ] = True,
) -> None:
    params, paths = common.load(params_file, sets)
    from crnn_ocr.stages import train_ocr

    _print("CRNN recogniser", vars(train_ocr.run(params, paths, register=register)))


def evaluate_command(
    params_file: common.ParamsOption = None,  # type: ignore[assignment]
    sets: common.SetOption = None,
    model_dir: Annotated[
        Path | None, typer.Option("--model", help="Model folder. Default: models/ocr.")
    ] = None,
    extra: Annotated[
        Path | None,
        typer.Option("--extra", help="Extra dataset (images/ + labels.csv) scored as real_*. "
                     "Default: params evaluate.extra_dataset."),
    ] = None,
    mlflow: Annotated[bool, typer.Option(help="Log into the model's MLflow run.")] = True,
) -> None:
    params, paths = common.load(params_file, sets)
    if extra is not None and not (extra / "labels.csv").is_file():
        from crnn_ocr.errors import DataError

        raise DataError(f"{extra}: no labels.csv (expected a folder with images/ + labels.csv)")
    from crnn_ocr.stages import evaluate

    result = evaluate.run(params, paths, model_dir=model_dir, extra=extra, log_to_mlflow=mlflow)
    _print("evaluation", vars(result))


def _print(title: str, values: dict[str, object]) -> None:
    from rich.table import Table

    table = Table(title=title, show_header=False)
    for key, value in values.items():
        table.add_row(key, f"{value:.4f}" if isinstance(value, float) else str(value))
    common.out.print(table)


def register(app: typer.Typer) -> None:
    app.command("evaluate", help=EVALUATE_HELP)(evaluate_command)
