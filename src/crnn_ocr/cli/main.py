"""Entry point: ``crnn-ocr``. Each command group lives in its own module under ``cli/``."""

from __future__ import annotations

import sys
from collections.abc import Sequence

import typer
from rich.markup import escape

from crnn_ocr.cli import common
from crnn_ocr.config import ConfigError
from crnn_ocr.errors import CrnnOcrError

app = typer.Typer(
    name="crnn-ocr",
    help=(
        "Russian text-line OCR pipeline: synthetic data, validation, preprocessing, a "
        "handwritten/printed classifier and a CRNN recogniser, tracked in MLflow and "
        "orchestrated by DVC and Prefect. Every command reads params.yaml."
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode="rich",
)


def _register_commands() -> None:
    # Each module adds its commands to `app`; imports stay light (heavy libs load inside commands).
    from crnn_ocr.cli import commands

    for register in commands.REGISTRARS:
        register(app)


_register_commands()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; user mistakes print one line and return a non-zero code."""
    try:
        app(args=list(argv) if argv is not None else None, standalone_mode=False)
    except (ConfigError, CrnnOcrError, FileNotFoundError) as exc:
        # escape: messages quote file names and ranges like "[low, high]", not markup
        common.console.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False,
                             soft_wrap=True)
        return 2 if isinstance(exc, ConfigError) else 1
    except typer.Exit as exc:
        return int(exc.exit_code or 0)
    except typer.exceptions.TyperException as exc:  # usage errors (typer's own copy of click's)
        show = getattr(exc, "show", None)
        if show is not None:
            show()
        else:
            common.console.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False)
        return exc.exit_code
    except typer.Abort:
        common.console.print("aborted")
        return 130
    except KeyboardInterrupt:
        common.console.print("interrupted")
        return 130
    return 0


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())
