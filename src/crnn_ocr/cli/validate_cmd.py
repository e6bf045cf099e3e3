"""``crnn-ocr validate [DATASET]``: the validation stage from the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from crnn_ocr.cli import common


def _print_result(result: object) -> None:
    from rich.table import Table

    from crnn_ocr.stages.validate import ValidateResult
    from crnn_ocr.validation.report import describe_chars

    assert isinstance(result, ValidateResult)
    out = common.out
    table = Table(title=f"validation of {result.dataset_dir}", show_header=False)
    table.add_row("rows", str(result.rows))
    table.add_row("good", str(result.good))
    table.add_row("quarantined", f"{result.quarantined} ({result.bad_fraction:.2%})")
    for check, count in sorted(result.check_counts.items(), key=lambda kv: -kv[1]):
        table.add_row(f"  failed {check}", str(count))
    out.print(table)
    for warning in result.warnings:
        out.print(f"[yellow]warning:[/] {warning}", highlight=False)
    if result.offending_chars:
        out.print(f"characters outside the charset: {describe_chars(result.offending_chars)}",
                  highlight=False)
    for line in result.examples:
        out.print(f"  {line}", highlight=False, soft_wrap=True)
    if result.quarantined > len(result.examples):
        out.print(f"  ... all {result.quarantined} in {result.quarantine}", highlight=False,
                  soft_wrap=True)
    if result.manifest:
        out.print(f"manifest: {result.manifest}", highlight=False, soft_wrap=True)
    out.print(f"summary: {result.summary}", highlight=False, soft_wrap=True)
    if result.data_docs_index:
        url = result.data_docs_index.resolve().as_uri()
        out.print(f"data docs: {url}", highlight=False, soft_wrap=True)


def validate(
    dataset: Annotated[
        Path | None,
        typer.Argument(help="Dataset folder (images/ + labels.csv). Default: data/raw."),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Output folder. Default: data/validated."),
    ] = None,
    params_file: common.ParamsOption = None,  # type: ignore[assignment]
    sets: common.SetOption = None,
) -> None:
    """Validate a dataset and quarantine bad rows (help text: ``HELP``)."""
    from crnn_ocr.stages import validate as stage

    params, paths = common.load(params_file, sets)
    try:
        result = stage.run(params, paths, dataset_dir=dataset, out_dir=out)
    except stage.ValidationFailed as exc:
        _print_result(exc.result)
        raise
    _print_result(result)
    common.out.print(
        f"[green]passed[/]: {result.good} rows kept, {result.quarantined} quarantined",
        highlight=False,
    )


HELP = (
    "Validate a dataset with the Great Expectations suite and quarantine bad rows.\n\n"
    "Checks every labels.csv row (text length, charset, class, unique file names) and every "
    "image (safe path, exists, not empty, format by magic bytes, pixel count from the header "
    "before decoding, decodes with OpenCV, height/width/aspect bounds).\n\n"
    "Writes manifest.csv (good rows), quarantine.csv (bad rows with reasons), validation.json "
    "and Data Docs HTML; the dataset itself is never modified. Fails (exit 1) when more than "
    "validation.max_bad_fraction of the rows are bad. Example: crnn-ocr validate data/raw "
    "-S validation.charset=pre_reform"
)


def register(app: typer.Typer) -> None:
    app.command("validate", help=HELP)(validate)
