"""``crnn-ocr data ...``: make, import and inspect datasets.

This module owns the ``data`` group and its ``synth`` and ``preview`` commands; other modules
(``import_cmd``) add their commands to :data:`data_app`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from crnn_ocr.cli import common

data_app = typer.Typer(help="Make, import and inspect datasets (images/ + labels.csv).",
                       no_args_is_help=True)

SYNTH_HELP = (
    "Render synthetic Russian text lines into OUT_DIR: images/ + labels.csv "
    "(file name,text,class,source).\n\n"
    "Printed (class 0) and handwritten (class 1) fonts from data/fonts, degradations from "
    "data.synth in params.yaml. The same seed gives a byte-identical dataset whatever the "
    "number of workers. OUT_DIR is replaced only when the run succeeds."
)
PREVIEW_HELP = (
    "Draw a contact sheet of random lines of DATASET with their labels, and report how often "
    "each character occurs per class (rich table + CSV/JSON beside the sheet)."
)


@data_app.command("synth", help=SYNTH_HELP)
def synth_command(
    out_dir: Annotated[Path, typer.Argument(help="Dataset folder to (re)create.")],
    size: Annotated[
        int | None, typer.Option("--size", "-n", min=1, help="Lines (default: data.synth.size).")
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Seed (default: data.synth.seed).")] = None,
    workers: Annotated[
        int | None,
        typer.Option("--workers", "-w", min=0, help="Processes; 0 = one per core "
                     "(default: data.synth.workers)."),
    ] = None,
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
    params_file: common.ParamsOption = None,  # type: ignore[assignment]
    sets: common.SetOption = None,
) -> None:
    from crnn_ocr.data.synth import render_dataset

    params, paths = common.load(params_file, sets)
    synth = params.data.synth
    changes = {k: v for k, v in (("size", size), ("seed", seed), ("workers", workers))
               if v is not None}
    synth = synth.model_copy(update=changes) if changes else synth
    result = render_dataset(synth, out_dir, paths.fonts, workers=synth.workers,
                            progress=progress)
    for font, chars in result.fonts_missing.items():
        common.console.print(f"note: font {font} cannot draw {chars!r} (never used for them)")
    common.out.print(
        f"{result.out_dir}: {result.rows} lines ({result.handwritten} handwritten, "
        f"{result.printed} printed, {result.jpeg} JPEG) in {result.seconds:.1f} s "
        f"({result.rows / max(result.seconds, 1e-9):.0f} lines/s)",
        soft_wrap=True, highlight=False,
    )


@data_app.command("preview", help=PREVIEW_HELP)
def preview_command(
    dataset: Annotated[Path, typer.Argument(help="Dataset folder (images/ + labels.csv).")],
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Sheet PNG (default: reports/preview/<name>.png)."),
    ] = None,
    n: Annotated[int, typer.Option("--n", min=1, help="Lines on the sheet.")] = 48,
    seed: Annotated[int, typer.Option(help="Which random lines are shown.")] = 0,
    params_file: common.ParamsOption = None,  # type: ignore[assignment]
    sets: common.SetOption = None,
) -> None:
    from rich.table import Table

    from crnn_ocr.core.codec import MODERN_RUSSIAN
    from crnn_ocr.data.preview import preview

    _, paths = common.load(params_file, sets)
    out = out or paths.reports / "preview" / f"{dataset.resolve().name}.png"
    result = preview(dataset, out, paths.fonts, n=n, seed=seed)

    table = Table(title=f"character coverage: {result.rows} lines")
    for col in ("char", "code", "total", "printed", "handwritten"):
        table.add_column(col, justify="left" if col in ("char", "code") else "right")
    for c in result.counts:
        style = "red" if c.char in MODERN_RUSSIAN and c.total == 0 else (
            "yellow" if c.char not in MODERN_RUSSIAN else None)
        shown = "␠" if c.char == " " else c.char
        table.add_row(shown, f"U+{ord(c.char):04X}", str(c.total), str(c.printed),
                      str(c.handwritten), style=style)
    common.out.print(table)
    if result.missing:
        common.out.print(f"alphabet characters never seen: {result.missing}", style="red",
                         markup=False, highlight=False)
    common.out.print(f"sheet: {result.sheet} ({result.shown} lines)\n"
                     f"coverage: {result.coverage_csv}, {result.coverage_json}",
                     soft_wrap=True, highlight=False, markup=False)


def register(app: typer.Typer) -> None:
    app.add_typer(data_app, name="data")
