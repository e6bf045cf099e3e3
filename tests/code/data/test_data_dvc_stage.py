"""The project's dvc.yaml ``data`` stage, run by real DVC in a temporary git repository."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from dataset_factory import make_seed, read_rows

ROOT = Path(__file__).resolve().parents[3]
BIN = Path(sys.executable).parent


def _run(cwd: Path, *args: str) -> str:
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    env.pop("CRNN_OCR_ROOT", None)
    proc = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, f"{args}: {proc.stdout}\n{proc.stderr}"
    return proc.stdout


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("git") is None, reason="git not installed")
def test_dvc_repro_builds_data_raw_and_tracks_params(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    stage = yaml.safe_load((ROOT / "dvc.yaml").read_text(encoding="utf-8"))["stages"]["data"]
    # The stage's code deps, copied so DVC can hash them; the command is the installed CLI.
    for dep in stage["deps"]:
        src, dst = ROOT / dep, repo / dep
        if src.is_dir():
            shutil.copytree(src, dst, ignore=shutil.ignore_patterns("__pycache__"))
        elif src.is_file():
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dst)
        else:  # e.g. data/fonts before the font step ran: any content will do for a size-0 run
            dst.mkdir(parents=True)
            (dst / "README").write_text("placeholder\n")
    (repo / "dvc.yaml").write_text(yaml.safe_dump({"stages": {"data": stage}}), encoding="utf-8")
    make_seed(repo / "incoming", [(f"{i}.png", f"строка {i}", i % 2) for i in range(5)])
    params = {"seed": 1, "data": {"synth": {"size": 0},
                                  "sources": [{"kind": "seed", "path": "incoming"}]}}
    (repo / "params.yaml").write_text(yaml.safe_dump(params), encoding="utf-8")
    _run(repo, "git", "init", "-q")
    _run(repo, "dvc", "init", "-q")

    _run(repo, "dvc", "repro", "data")
    rows = read_rows(repo / "data" / "raw" / "labels.csv")
    assert [r["file name"] for r in rows] == [f"incoming_{i}.png" for i in range(5)]
    lock = yaml.safe_load((repo / "dvc.lock").read_text(encoding="utf-8"))["stages"]["data"]
    assert set(lock["params"]["params.yaml"]) == {"data", "seed"}
    assert "Stage 'data' didn't change" in _run(repo, "dvc", "repro", "data")

    params["seed"] = 2  # a tracked param changed: the stage is stale and reruns
    (repo / "params.yaml").write_text(yaml.safe_dump(params), encoding="utf-8")
    assert "Running stage 'data'" in _run(repo, "dvc", "repro", "data")
