"""``crnn-ocr preprocess``: the preprocess stage from the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from crnn_ocr.cli import common

HELP = (
    "Turn the validated dataset into the cached array store (params: preprocess).\n\n"
    "Reads data/validated/manifest.csv and validation.json, resizes each image to "
    "preprocess.height x width, applies the adaptive threshold and stores it bit-packed "
    "(8 pixels per byte) in memory-mapped .npy shards with sha256 checksums, plus "
    "alphabet.json, encoded labels, rows.csv, split indices and index.json, in data/arrays. "
    "Shards are built in parallel (preprocess.workers processes, or the Dask cluster at "
    "preprocess.dask_address); intact shards of an earlier run are reused and corrupted ones "
    "rebuilt, so a killed run resumes. Images that vanished or broke after validation are "
    "skipped and counted. Example: crnn-ocr preprocess -S preset=seed -S preprocess.workers=2"
)


def preprocess(
    validated: Annotated[
        Path | None,
        typer.Option("--validated", help="Validation output folder. Default: data/validated."),
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Store folder. Default: data/arrays.")
    ] = None,
    params_file: common.ParamsOption = None,  # type: ignore[assignment]
    sets: common.SetOption = None,
) -> None:
    """Run the preprocess stage and print its summary (help text: ``HELP``)."""
    from rich.table import Table

    from crnn_ocr.stages import preprocess as stage

    params, paths = common.load(params_file, sets)
    common.show_logs()
    result = stage.run(params, paths, validated_dir=validated, out_dir=out)
    table = Table(title=f"array store {result.out_dir}", show_header=False)
    height, width = result.image_shape
    table.add_row("image shape (H x W)", f"{height} x {width}")
    for split, size in result.sizes.items():
        table.add_row(f"{split} images", str(size))
    table.add_row("skipped", str(result.skipped))
    for reason, count in result.skipped_by_reason.items():
        table.add_row(f"  {reason}", str(count))
    table.add_row("alphabet", f"{result.alphabet_size} characters ({result.alphabet_source})")
    table.add_row("max label length", str(result.max_label_len))
    table.add_row("shards built / reused", f"{result.shards_built} / {result.shards_reused}")
    table.add_row("on disk", f"{result.bytes_on_disk / 1e6:.1f} MB")
    table.add_row("seconds", f"{result.seconds:.1f}")
    common.out.print(table)


def register(app: typer.Typer) -> None:
    app.command("preprocess", help=HELP)(preprocess)
