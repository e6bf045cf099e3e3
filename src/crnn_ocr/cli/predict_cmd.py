"""``crnn-ocr predict PATH...``: classify and read text-line images with a trained bundle."""

from __future__ import annotations

import csv
import json
import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from crnn_ocr.cli import common
from crnn_ocr.errors import CrnnOcrError

if TYPE_CHECKING:
    from crnn_ocr.config import Params
    from crnn_ocr.inference import Prediction, Recognizer
    from crnn_ocr.inference.sources import Inputs

PREDICT_HELP = (
    "Classify (printed/handwritten) and read Russian text-line images.\n\n"
    "PATH is an image file, a folder of images (searched recursively) or a dataset's "
    "labels.csv (then CER, WER and exact match are printed too, overall and per class). "
    "Unreadable images are skipped with one line each on stderr; the rest are still read.\n\n"
    "Examples:\n\n"
    "  crnn-ocr predict line.png scans/ --format jsonl\n\n"
    "  crnn-ocr predict data/raw/labels.csv --model models:/crnn-ocr/3"
)
MODEL_HELP = (
    "Model bundle folder or MLflow URI: models:/crnn-ocr@champion, models:/crnn-ocr/3, "
    "runs:/<run id>/crnn-ocr; or a project's models/ folder (what `crnn-ocr train` wrote, "
    "read with this project's preprocess settings). Default: inference.model in params.yaml."
)


class OutputFormat(StrEnum):
    table = "table"
    jsonl = "jsonl"
    csv = "csv"


ModelOption = Annotated[str | None, typer.Option("--model", "-m", help=MODEL_HELP)]
BatchOption = Annotated[
    int | None, typer.Option("--batch-size", "-b", min=1, help="Images per model call.")
]


def load_params(params_file: Path | None, sets: list[str] | None) -> Params:
    """params.yaml when there is one (or --params), else the defaults (predict works anywhere);
    ``-S`` overrides apply to either."""
    from crnn_ocr.config.loader import validate_params
    from crnn_ocr.paths import Paths

    if params_file is not None or Paths.from_root().params_file.is_file():
        return common.load(params_file, sets)[0]
    return validate_params({}, sets or [], "defaults (no params.yaml here)")


def open_recognizer(params: Params, model: str | None, batch_size: int | None) -> Recognizer:
    from crnn_ocr.core.preprocess_settings import PreprocessSettings
    from crnn_ocr.inference import Recognizer
    from crnn_ocr.inference import bundle as bundle_io

    cfg = params.inference
    common.console.print(f"loading model {model or cfg.model}", highlight=False)
    common.show_logs()  # the first use of a model version with litert converts it (seconds)
    options = cfg.recognizer_options()
    if batch_size:
        options["batch_size"] = batch_size
    if model and bundle_io.project_models(model) is not None:  # a project's models/ folder
        preprocess = PreprocessSettings.from_params(params.preprocess)
        return Recognizer.from_project_models(model, preprocess, **options)
    return Recognizer.load(model or cfg.model, **options)


def _row(p: Prediction, inputs: Inputs) -> dict[str, Any]:
    row = {"path": p.id, "class": p.cls, "class_name": p.class_name,
           "class_prob": round(p.class_prob, 4), "text": p.text,
           "confidence": round(p.confidence, 4)}
    label = inputs.truth.get(p.id)
    if label is not None:
        row["truth"] = label.text
    return row


def _short(path: str) -> str:
    rel = os.path.relpath(path)
    return rel if len(rel) < len(path) else path


def _print_table(rows: list[dict[str, Any]]) -> None:
    from rich.table import Table

    table = Table()
    columns = ["path", "class_name", "class_prob", "text", "confidence"]
    if rows and "truth" in rows[0]:
        columns.append("truth")
    for col in columns:
        table.add_column(col.replace("class_name", "class"), overflow="fold",
                         justify="right" if col in ("class_prob", "confidence") else "left")
    for row in rows:
        table.add_row(_short(row["path"]), *(str(row[c]) for c in columns[1:]))
    common.out.print(table)


def print_scores(inputs: Inputs, predictions: list[Prediction]) -> None:
    """CER / WER / exact match of the labelled predictions, overall and per class."""
    from rich.table import Table

    from crnn_ocr.core import metrics

    labelled = [p for p in predictions if p.id in inputs.truth]
    if not labelled:
        return
    truths = [inputs.truth[p.id].text for p in labelled]
    texts = [p.text for p in labelled]
    classes = [inputs.truth[p.id].cls for p in labelled]
    groups = {"all": metrics.score(truths, texts)}
    groups.update(metrics.score_by(truths, texts, [f"class {c}" for c in classes]))
    cls_acc = sum(p.cls == c for p, c in zip(labelled, classes, strict=True)) / len(labelled)
    table = Table(title=f"scores on {len(labelled)} labelled lines "
                        f"(class accuracy {cls_acc:.2%})")
    for col in ("lines", "CER", "WER", "exact match"):
        table.add_column(col, justify="right")
    table.add_column("group")
    for name, s in groups.items():
        table.add_row(str(s.lines), f"{s.cer:.2%}", f"{s.wer:.2%}", f"{s.exact_match:.2%}", name)
    common.console.print(table)


def predict(
    paths: Annotated[list[Path], typer.Argument(help="Image files, folders or a labels.csv.")],
    model: ModelOption = None,
    batch_size: BatchOption = None,
    fmt: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="table, jsonl or csv (on stdout).")
    ] = OutputFormat.table,
    params_file: common.ParamsOption = None,  # type: ignore[assignment]
    sets: common.SetOption = None,
) -> None:
    from rich.progress import Progress

    from crnn_ocr.inference import Failure
    from crnn_ocr.inference.sources import collect

    params = load_params(params_file, sets)
    inputs = collect(paths)
    recognizer = open_recognizer(params, model, batch_size)
    writer: Any = None
    if fmt is OutputFormat.csv:
        columns = ["path", "class", "class_name", "class_prob", "text", "confidence"]
        writer = csv.DictWriter(sys.stdout, columns + (["truth"] if inputs.truth else []))
        writer.writeheader()
    predictions: list[Prediction] = []
    rows: list[dict[str, Any]] = []
    failures = 0
    with Progress(console=common.console, transient=True) as progress:
        task = progress.add_task("reading lines", total=len(inputs.paths))
        for result in recognizer.iter_predict(recognizer.path_items(inputs.paths)):
            progress.advance(task)
            if isinstance(result, Failure):
                failures += 1
                common.console.print(f"[yellow]skipped[/] {result.id}: {result.reason}",
                                     highlight=False, soft_wrap=True)
                continue
            predictions.append(result)
            row = _row(result, inputs)
            if fmt is OutputFormat.jsonl:
                sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
            elif writer is not None:
                writer.writerow(row)
            else:
                rows.append(row)
    if fmt is OutputFormat.table:
        _print_table(rows)
    sys.stdout.flush()
    print_scores(inputs, predictions)
    if failures:
        common.console.print(f"{failures} of {len(inputs.paths)} images skipped (see above)")
    if not predictions:
        raise CrnnOcrError(f"none of the {len(inputs.paths)} images could be read")


def register(app: typer.Typer) -> None:
    app.command("predict", help=PREDICT_HELP)(predict)
