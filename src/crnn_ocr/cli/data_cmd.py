"""``crnn-ocr data ...``: make, import and inspect datasets."""

from __future__ import annotations

import typer

data_app = typer.Typer(help="Make, import and inspect datasets (images/ + labels.csv).",
                       no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(data_app, name="data")
