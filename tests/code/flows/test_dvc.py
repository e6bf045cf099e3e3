"""The DVC front door for real (tiny data, temp git repo): remote round trip, and agreement
with the Prefect pipeline (after ``crnn-ocr pipeline`` the recorded stages are up to date)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
BIN = Path(sys.executable).parent
STAGES = ("data", "validate")  # the cheap head of the graph; the rest is the same mechanism


def run(cwd: Path, *args: str) -> str:
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    env.pop("CRNN_OCR_ROOT", None)
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600,
                          check=False)
    assert done.returncode == 0, f"{args}: {done.stdout}\n{done.stderr}"
    return done.stdout + done.stderr


def init_repo(project: Path) -> None:
    run(project, "git", "init", "-q")
    run(project, "git", "config", "user.email", "ci@example.invalid")
    run(project, "git", "config", "user.name", "ci")
    run(project, str(BIN / "dvc"), "init", "-q")
    run(project, str(BIN / "dvc"), "config", "core.analytics", "false")


def test_push_clear_pull_then_repro_is_a_noop(tmp_path: Path, project: Path) -> None:
    dvc = str(BIN / "dvc")
    init_repo(project)
    out = run(project, dvc, "repro", "data")
    assert "Running stage 'data'" in out
    run(project, "git", "add", "-A")
    run(project, "git", "commit", "-qm", "tiny pipeline")

    run(project, dvc, "remote", "add", "-d", "local", str(tmp_path / "remote"))
    run(project, dvc, "push", "data")
    shutil.rmtree(project / ".dvc" / "cache")
    shutil.rmtree(project / "data" / "raw")
    assert "not in cache" in run(project, dvc, "status", "data")

    run(project, dvc, "pull", "data")
    assert (project / "data" / "raw" / "labels.csv").is_file()
    out = run(project, dvc, "repro", "data")
    assert "Running stage" not in out, out
    assert "didn't change" in out or "up to date" in out, out

    # An experiment with a parameter set on the command line reruns the stage.
    out = run(project, dvc, "exp", "run", "-S", "data.synth.size=5", "data")
    assert "Running stage 'data'" in out
    labels = (project / "data" / "raw" / "labels.csv").read_text(encoding="utf-8")
    assert len(labels.strip().splitlines()) == 1 + 5


def test_dvc_repro_after_pipeline_is_a_noop(prefect_server, project: Path) -> None:
    from flows.pipeline import pipeline

    dvc = str(BIN / "dvc")
    init_repo(project)
    summary = pipeline(params_file=str(project / "params.yaml"), until="validate")
    assert [o.dvc_recorded for o in summary.stages] == [True, True]
    assert "up to date" in run(project, dvc, "status", *STAGES)
    out = run(project, dvc, "repro", *STAGES)
    assert "Running stage" not in out, out

    # With overrides the outputs do not match params.yaml: nothing is recorded, DVC rebuilds.
    summary = pipeline(params_file=str(project / "params.yaml"), until="validate",
                       overrides=["validation.max_text_length=200"])
    assert [o.dvc_recorded for o in summary.stages] == [False, False]
    assert "changed" in run(project, dvc, "status", "validate")
