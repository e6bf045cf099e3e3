"""The list of command groups; each module has a ``register(app)`` function."""

from __future__ import annotations

from collections.abc import Callable

import typer

from crnn_ocr.cli import data_cmd

REGISTRARS: list[Callable[[typer.Typer], None]] = [
    data_cmd.register,
]
