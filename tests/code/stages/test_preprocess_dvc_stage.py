"""The project's dvc.yaml ``preprocess`` stage, run by real DVC in a temporary git repository."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
BIN = Path(sys.executable).parent


def _run(cwd: Path, *args: str) -> str:
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    env.pop("CRNN_OCR_ROOT", None)
    proc = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, f"{args}: {proc.stdout}\n{proc.stderr}"
    return proc.stdout + proc.stderr


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("git") is None, reason="git not installed")
def test_dvc_repro_preprocess_tracks_its_params_only(tmp_path: Path, write_validated_fn) -> None:
    repo = tmp_path / "repo"
    stage = yaml.safe_load((ROOT / "dvc.yaml").read_text(encoding="utf-8"))["stages"]["preprocess"]
    write_validated_fn(repo)  # data/raw/images + data/validated/{manifest.csv,validation.json}
    for dep in stage["deps"]:
        src, dst = ROOT / dep, repo / dep
        if src.is_dir() and dep.startswith("src/"):
            shutil.copytree(src, dst, ignore=shutil.ignore_patterns("__pycache__"))
        elif src.is_file() and dep.startswith("src/"):
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dst)
    (repo / "dvc.yaml").write_text(yaml.safe_dump({"stages": {"preprocess": stage}}),
                                   encoding="utf-8")
    params: dict[str, Any] = {
        "preset": "tiny", "presets": {"tiny": {"preprocess": {"height": 12}}}, "seed": 3,
        "preprocess": {"height": 128, "width": 40, "shard_size": 4, "workers": 1,
                       "block_size": 21, "c": 10, "pad_after_threshold": True, "ink_fill": None,
                       "alphabet": "train", "extra_chars": ""}}
    (repo / "params.yaml").write_text(yaml.safe_dump(params, allow_unicode=True), "utf-8")
    _run(repo, "git", "init", "-q")
    _run(repo, "dvc", "init", "-q")

    _run(repo, "dvc", "repro", "preprocess")
    index = json.loads((repo / "data/arrays/index.json").read_text(encoding="utf-8"))
    assert index["image_shape"] == [12, 40] and index["sizes"] == {"train": 6, "val": 2, "test": 2}
    assert "didn't change" in _run(repo, "dvc", "repro", "preprocess")

    params["preprocess"]["workers"] = 2  # where shards are built is not a tracked param
    (repo / "params.yaml").write_text(yaml.safe_dump(params, allow_unicode=True), "utf-8")
    assert "didn't change" in _run(repo, "dvc", "repro", "preprocess")

    params["preprocess"]["c"] = 5  # a tracked param: the stage reruns and rebuilds its shards
    (repo / "params.yaml").write_text(yaml.safe_dump(params, allow_unicode=True), "utf-8")
    assert "Running stage 'preprocess'" in _run(repo, "dvc", "repro", "preprocess")
    index = json.loads((repo / "data/arrays/index.json").read_text(encoding="utf-8"))
    assert index["params"]["c"] == 5.0

    params["preprocess"]["ink_fill"] = 0.7  # so is the framing of the lines
    (repo / "params.yaml").write_text(yaml.safe_dump(params, allow_unicode=True), "utf-8")
    assert "Running stage 'preprocess'" in _run(repo, "dvc", "repro", "preprocess")
    index = json.loads((repo / "data/arrays/index.json").read_text(encoding="utf-8"))
    assert index["params"]["ink_fill"] == 0.7
