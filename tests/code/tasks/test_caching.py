"""Cache keys follow dvc.yaml: a stage's key moves with its own params and deps only."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from crnn_ocr.config import load_params
from tasks.caching import outputs_missing, stage_key, stage_spec

REPO = Path(__file__).resolve().parents[3]

DVC_YAML = {
    "stages": {
        "a": {"cmd": "x", "deps": ["src/a.py", "data/in"], "params": ["seed", "data.synth.size"],
              "outs": ["data/out"], "metrics": [{"reports/a.json": {"cache": False}}]},
        "b": {"cmd": "y", "deps": ["data/out"], "params": [{"params.yaml": ["preprocess.c"]}],
              "outs": [{"data/b": {"persist": True}}]},
    }
}


@pytest.fixture()
def root(tmp_path: Path) -> Path:
    (tmp_path / "dvc.yaml").write_text(yaml.safe_dump(DVC_YAML))
    (tmp_path / "params.yaml").write_text((REPO / "params.yaml").read_text(encoding="utf-8"))
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.py").write_text("print(1)\n")
    (tmp_path / "data" / "in").mkdir(parents=True)
    (tmp_path / "data" / "in" / "x.txt").write_text("x")
    return tmp_path


def test_spec_reads_all_dvc_yaml_forms(root: Path) -> None:
    a, b = stage_spec(root, "a"), stage_spec(root, "b")
    assert a.params == ("seed", "data.synth.size") and a.outs == ("data/out", "reports/a.json")
    assert b.params == ("preprocess.c",) and b.outs == ("data/b",)
    assert not stage_spec(root, "missing").declared


def test_key_moves_with_own_params_and_deps_only(root: Path) -> None:
    params = load_params(root / "params.yaml")
    key_a, key_b = stage_key(params, root, "a"), stage_key(params, root, "b")
    other_c = load_params(root / "params.yaml", ["preprocess.c=3"])
    assert stage_key(other_c, root, "a") == key_a
    assert stage_key(other_c, root, "b") != key_b
    assert stage_key(load_params(root / "params.yaml", ["seed=7"]), root, "a") != key_a

    (root / "data" / "in" / "x.txt").write_text("changed")
    assert stage_key(params, root, "a") != key_a
    (root / "data" / "in" / "x.txt").write_text("x")
    assert stage_key(params, root, "a") == key_a  # content, not mtimes

    assert outputs_missing(root, "a") == ["data/out", "reports/a.json"]
    (root / "data" / "out").mkdir()
    (root / "reports").mkdir()
    (root / "reports" / "a.json").write_text("{}")
    assert outputs_missing(root, "a") == []


def test_project_dvc_yaml_declares_every_pipeline_stage() -> None:
    from flows.common import STAGES

    for stage in STAGES:
        spec = stage_spec(REPO, stage)
        assert spec.declared, f"dvc.yaml has no stage {stage!r}"
        assert spec.outs, f"dvc.yaml stage {stage!r} declares no outputs"
        assert any(d.startswith("src/crnn_ocr") for d in spec.deps), f"{stage}: no code deps"
        assert not any(o.startswith("mlruns") for o in spec.outs), "mlruns/ is shared state"
