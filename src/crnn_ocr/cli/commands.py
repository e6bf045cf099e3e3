"""The list of command groups; each module has a ``register(app)`` function."""

from __future__ import annotations

from collections.abc import Callable

import typer

from crnn_ocr.cli import (
    bench_cmd,
    data_cmd,
    import_cmd,
    ocr_cmd,
    pipeline_cmd,
    predict_cmd,
    preprocess_cmd,
    promote_cmd,
    train_cmd,
    ui_cmd,
    validate_cmd,
)

REGISTRARS: list[Callable[[typer.Typer], None]] = [
    data_cmd.register,
    import_cmd.register,
    train_cmd.register,
    ui_cmd.register,
    validate_cmd.register,
    preprocess_cmd.register,
    predict_cmd.register,
    bench_cmd.register,
    pipeline_cmd.register,
    promote_cmd.register,
    ocr_cmd.register,
]
