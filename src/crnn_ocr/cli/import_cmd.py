"""``crnn-ocr data import`` and ``crnn-ocr data build``: merged datasets with stable splits."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from crnn_ocr.cli import common
from crnn_ocr.cli.data_cmd import data_app
from crnn_ocr.config import Params
from crnn_ocr.paths import Paths

KIND_HELP = "Layout of every SRC: auto (detect), seed, cyrillic_handwriting or hkr."
IMPORT_HELP = (
    "Merge SRC folders into one dataset: images/ + labels.csv + summary.json.\n\n"
    "Every row of every source is checked before anything is written: absolute or '..' paths, "
    "missing images and unreadable labels fail with the file and line named. Images are "
    "renamed '<source>_<name>' so names stay unique and a `source` column records where each "
    "row came from. Train/val/test splits (data.splits in params.yaml, seeded by `seed`) are "
    "stable: adding rows never moves an existing row."
)
BUILD_HELP = (
    "Build data/raw from params.yaml (the DVC `data` stage): render data.synth.size synthetic "
    "lines, import the folders in data.sources, merge them with stable splits.\n\n"
    "data/raw is replaced atomically; summary.json beside labels.csv has the counts."
)


def _params(params_file: Path | None, sets: list[str] | None) -> tuple[Params, Paths]:
    """params.yaml when there is one (or --params), else the defaults (import works anywhere)."""
    paths = Paths.from_root()
    if params_file is not None or paths.params_file.is_file():
        return common.load(params_file, sets)
    from pydantic import ValidationError

    from crnn_ocr.config.loader import ConfigError, format_validation_error, resolve_raw

    try:
        return Params.model_validate(resolve_raw({}, sets or [])), paths
    except ValidationError as exc:
        raise ConfigError(f"defaults: {format_validation_error(exc)}") from exc


def _print_summary(summary: dict[str, Any], out_dir: Path) -> None:
    from rich.table import Table

    table = Table(title=f"{out_dir}: {summary['rows']} rows")
    splits = ["train", "val", "test"]
    table.add_column("source")
    for split in splits:
        table.add_column(split, justify="right")
    for source, counts in summary["by_source_split"].items():
        table.add_row(source, *(str(counts.get(s, 0)) for s in splits))
    common.out.print(table)
    by_class = ", ".join(f"class {k}: {v}" for k, v in summary["by_class"].items())
    common.out.print(by_class or "no rows")


def import_command(
    sources: Annotated[
        list[Path], typer.Argument(help="Dataset folders to import (read only, never modified).")
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Dataset folder to (re)create.")],
    kind: Annotated[str, typer.Option("--kind", "-k", help=KIND_HELP)] = "auto",
    name: Annotated[
        list[str] | None,
        typer.Option("--name", "-n", help="Source name per SRC (default: the folder name)."),
    ] = None,
    link: Annotated[
        bool, typer.Option("--link/--copy", help="Hard-link images when possible (else copy).")
    ] = False,
    params_file: common.ParamsOption = None,  # type: ignore[assignment]
    sets: common.SetOption = None,
) -> None:
    """Merge SRC folders into one dataset (help text: IMPORT_HELP)."""
    from crnn_ocr.data.importers import KINDS, import_folders
    from crnn_ocr.data.importers.merge import SUMMARY
    from crnn_ocr.errors import CrnnOcrError

    if kind != "auto" and kind not in KINDS:
        raise CrnnOcrError(f"--kind: unknown layout {kind!r} (known: auto, {', '.join(KINDS)})")
    if name and len(name) != len(sources):
        raise CrnnOcrError(f"--name given {len(name)} times for {len(sources)} sources")
    params, _ = _params(params_file, sets)
    splits = params.data.splits
    import_folders(
        sources,
        out,
        splits.fractions(),
        params.seed,
        kind=kind,
        names=name,
        use_source_splits=splits.use_source_splits,
        link="hardlink" if link else "copy",
        progress=True,
    )
    _print_summary(json.loads((out / SUMMARY).read_text(encoding="utf-8")), out)


def build_command(
    params_file: common.ParamsOption = None,  # type: ignore[assignment]
    sets: common.SetOption = None,
) -> None:
    """Run the data stage (help text: BUILD_HELP)."""
    from crnn_ocr.stages import data as data_stage

    params, paths = common.load(params_file, sets)
    result = data_stage.run(params, paths, progress=True)
    for message in result.notes:
        common.console.print(f"[yellow]note:[/] {message}", highlight=False)
    _print_summary(result.summary, result.out_dir)


def register(app: typer.Typer) -> None:
    """Add ``import`` and ``build`` to the ``data`` group (the group itself is data_cmd's)."""
    del app  # the group is registered by data_cmd; commands attach to it here
    data_app.command("import", help=IMPORT_HELP)(import_command)
    data_app.command("build", help=BUILD_HELP)(build_command)
