"""``crnn-ocr ui``: the MLflow UI on the project's store."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from typing import Annotated

import typer

from crnn_ocr.cli import common
from crnn_ocr.errors import CrnnOcrError

UI_HELP = (
    "Start the MLflow UI (`mlflow server`) on this project's store: mlruns/mlflow.db with "
    "artifacts under mlruns/artifacts, or MLFLOW_TRACKING_URI when set. Runs until Ctrl-C."
)


def ui_command(
    params_file: common.ParamsOption = None,  # type: ignore[assignment]
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 5000,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the mlflow command instead of running it.")
    ] = False,
) -> None:
    _, paths = common.load(params_file, None)
    from crnn_ocr.tracking import mlflow_store

    uri = mlflow_store.tracking_uri(paths)
    if not mlflow_store.is_local_store(uri):
        raise CrnnOcrError(f"MLFLOW_TRACKING_URI is {uri}: open that server's UI instead")
    command = [
        sys.executable, "-m", "mlflow", "server",
        "--backend-store-uri", uri,
        "--default-artifact-root", str((paths.mlruns / "artifacts").resolve().as_uri()),
        "--host", host, "--port", str(port),
    ]
    if dry_run:
        common.out.print(" ".join(command))
        return
    mlflow_store.setup(paths)  # create the schema so the UI starts on an empty project too
    common.console.print(f"MLflow UI on http://{host}:{port} (store: {uri}); Ctrl-C stops it")
    with contextlib.suppress(KeyboardInterrupt):
        subprocess.run(command, check=False, env=os.environ.copy())


def register(app: typer.Typer) -> None:
    app.command("ui", help=UI_HELP)(ui_command)
