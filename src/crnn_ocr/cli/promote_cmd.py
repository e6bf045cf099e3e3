"""``crnn-ocr promote``: gated promotion of the registry alias ``champion``."""

from __future__ import annotations

from typing import Annotated

import typer

from crnn_ocr.cli import common

PROMOTE_HELP = (
    "Move the registry alias `champion` to the `challenger` version when it beats the champion "
    "on the same test set (classifier: test accuracy, recognizer: test CER; params: registry). "
    "The decision and both numbers are logged as version tags and as an MLflow run. Then the "
    "end-to-end `crnn-ocr` model (classify + read) is registered from the two champions."
)


def promote_command(
    params_file: common.ParamsOption = None,  # type: ignore[assignment]
    sets: common.SetOption = None,
    model: Annotated[
        list[str] | None,
        typer.Option("--model", "-m", help="classifier, recognizer or a registered model name; "
                                           "repeatable (default: both)."),
    ] = None,
) -> None:
    params, paths = common.load(params_file, sets)
    from crnn_ocr.stages import promote

    for decision in promote.run(params, paths, model or promote.ROLES):
        verdict = "[green]promoted[/]" if decision.promoted else "kept"
        common.out.print(f"{decision.model}: {verdict} - {decision.reason}")
    common.out.print(promote.publish_end_to_end(params, paths))


def register(app: typer.Typer) -> None:
    app.command("promote", help=PROMOTE_HELP)(promote_command)
