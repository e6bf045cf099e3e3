"""Prefect cache keys that agree with DVC: a stage's params slice + the content of its deps.

``dvc.yaml`` is the one declaration of the stage graph. For a stage it lists the ``params``
keys, the ``deps`` (code folders and upstream data) and the ``outs``. The cache policy here hashes
exactly those params values (resolved, so presets and ``-S`` overrides count) and the content of
those deps, so a changed parameter reruns only the stages that declare it and the ones
downstream of their outputs, just like ``dvc repro``. A stage missing from ``dvc.yaml`` falls
back to hashing every parameter and the whole package (conservative: it reruns more, never less).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache, partial
from pathlib import Path
from typing import Any

import yaml
from prefect.cache_policies import INPUTS, TASK_SOURCE, CachePolicy
from prefect.context import TaskRunContext

# Outputs of the stages when dvc.yaml does not declare them yet (docs/CONTRACTS.md).
FALLBACK_OUTS = {
    "data": ("data/raw",),
    "validate": ("data/validated",),
    "preprocess": ("data/arrays",),
    "train_classifier": ("models/classifier",),
    "train_ocr": ("models/ocr",),
}
SKIP_DIRS = {"__pycache__", ".ipynb_checkpoints"}
SKIP_SUFFIXES = {".pyc", ".pyo"}


@dataclass(frozen=True)
class StageSpec:
    """What ``dvc.yaml`` declares for one stage (paths relative to the project root)."""

    name: str
    params: tuple[str, ...]
    deps: tuple[str, ...]
    outs: tuple[str, ...]
    declared: bool  # False: the stage is not in dvc.yaml (conservative fallback)


def _entries(items: Any) -> list[str]:
    """Paths or keys of a dvc.yaml list: plain strings or one-key mappings with options."""
    names: list[str] = []
    for item in items or []:
        if isinstance(item, str):
            names.append(item)
        elif isinstance(item, dict):
            for key, value in item.items():
                # `params: [{params.yaml: [a, b]}]` lists keys under a file name.
                if isinstance(value, list):
                    names.extend(str(v) for v in value)
                else:
                    names.append(str(key))
    return names


@lru_cache(maxsize=32)
def _read_dvc_yaml(path: Path, mtime_ns: int) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def stage_spec(root: Path, name: str) -> StageSpec:
    """The stage ``name`` as declared in ``root/dvc.yaml`` (or the fallback)."""
    dvc_yaml = root / "dvc.yaml"
    stages: dict[str, Any] = {}
    if dvc_yaml.is_file():
        stages = _read_dvc_yaml(dvc_yaml, dvc_yaml.stat().st_mtime_ns).get("stages") or {}
    stage = stages.get(name)
    if not isinstance(stage, dict):
        fallback_outs = FALLBACK_OUTS.get(name, ())
        return StageSpec(name, ("*",), ("src/crnn_ocr",), fallback_outs, declared=False)
    outs = [*_entries(stage.get("outs")), *_entries(stage.get("metrics"))]
    outs += [p for p in _entries(stage.get("plots")) if "/" in p or "." in p]
    return StageSpec(
        name,
        tuple(_entries(stage.get("params"))),
        tuple(_entries(stage.get("deps"))),
        tuple(outs),
        declared=True,
    )


def params_slice(params: Any, keys: tuple[str, ...]) -> dict[str, Any]:
    """The resolved values of dotted ``keys`` (``*`` = everything but the preset table)."""
    tree = params.model_dump(mode="json", exclude={"presets"})
    if "*" in keys:
        return tree
    picked: dict[str, Any] = {}
    for key in keys:
        node: Any = tree
        for part in key.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        picked[key] = node
    return picked


def fingerprint(path: Path) -> str:
    """Content hash of a file or a folder tree (names + bytes); ``missing`` when absent."""
    if not path.exists():
        return "missing"
    digest = hashlib.sha256()
    files = [path] if path.is_file() else sorted(
        p for p in path.rglob("*")
        if p.is_file() and not SKIP_DIRS & set(p.parts) and p.suffix not in SKIP_SUFFIXES
    )
    for file in files:
        digest.update(str(file.relative_to(path)).encode() if file != path else b".")
        with open(file, "rb") as handle:
            for block in iter(partial(handle.read, 1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def stage_key(params: Any, root: Path, name: str) -> str:
    """Hash of what decides a stage's outputs: its params slice and the content of its deps."""
    spec = stage_spec(root, name)
    payload = {
        "stage": name,
        "params": params_slice(params, spec.params),
        "deps": {dep: fingerprint(root / dep) for dep in spec.deps},
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def outputs_missing(root: Path, name: str) -> list[str]:
    """Declared outputs that are not on disk (a cached result would then be a lie)."""
    return [out for out in stage_spec(root, name).outs if not (root / out).exists()]


@dataclass
class StageFiles(CachePolicy):
    """Cache-key part from the task's ``params``/``paths`` inputs and the stage's DVC spec."""

    stage: str = ""

    def compute_key(
        self,
        task_ctx: TaskRunContext,
        inputs: dict[str, Any],
        flow_parameters: dict[str, Any],
        **kwargs: Any,
    ) -> str | None:
        return stage_key(inputs["params"], Path(inputs["paths"].root), self.stage)


def stage_policy(stage: str) -> CachePolicy:
    """Upstream results + the adapter's source + the stage's params slice and deps content.

    The whole ``params`` object is left out of INPUTS on purpose: hashing it would make every
    parameter change rerun every stage.
    """
    return (INPUTS - "params") + TASK_SOURCE + StageFiles(stage=stage)
