"""Options and helpers shared by every CLI command."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from crnn_ocr.config import Params, load_params
from crnn_ocr.paths import Paths

console = Console(stderr=True)
out = Console()

ParamsOption = Annotated[
    Path,
    typer.Option("--params", "-p", help="params.yaml to read (the single source of truth)."),
]
SetOption = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
        "-S",
        help="Override a parameter, e.g. -S train.ocr.epochs=5 or -S preset=seed. Repeatable.",
    ),
]


def load(params_file: Path | None, sets: list[str] | None) -> tuple[Params, Paths]:
    """Load params (with overrides) and the project paths rooted at the params file's folder."""
    if params_file is None:
        paths = Paths.from_root()
        params_file = paths.params_file
    else:
        paths = Paths.from_root(Path(params_file).resolve().parent)
    return load_params(params_file, sets or []), paths


def show_logs() -> None:
    """Print the library's INFO logs (progress notes of long steps) on the stderr console."""
    from rich.logging import RichHandler

    logger = logging.getLogger("crnn_ocr")
    if not logger.handlers:
        logger.addHandler(RichHandler(console=console, show_path=False))
        logger.setLevel(logging.INFO)
