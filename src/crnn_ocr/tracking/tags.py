"""Tags that tie an MLflow run to the code, data and parameters it was made from."""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path
from typing import Any

import yaml

from crnn_ocr.paths import Paths

TAG_PREFIX = "crnn_ocr."


def git_commit(root: Path) -> str:
    """HEAD commit, with ``-dirty`` when tracked files have changes; ``unknown`` outside git."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=root, capture_output=True, text=True, check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{head}-dirty" if dirty else head


def dvc_lock_hash(root: Path, out_path: str = "data/raw") -> str | None:
    """The md5 DVC recorded for ``out_path`` in ``dvc.lock`` (any stage), if any."""
    lock = root / "dvc.lock"
    if not lock.is_file():
        return None
    data = yaml.safe_load(lock.read_text(encoding="utf-8")) or {}
    for stage in (data.get("stages") or {}).values():
        for out in stage.get("outs") or []:
            if out.get("path") == out_path:
                return out.get("md5") or out.get("hash")
    return None


def raw_data_hash(paths: Paths) -> str:
    """DVC hash of ``data/raw`` from dvc.lock, else the manifest module's content hash."""
    found = dvc_lock_hash(paths.root)
    if found:
        return found
    if not (paths.raw / "labels.csv").is_file():
        return "absent"
    try:
        from crnn_ocr.data.manifest import dataset_hash
    except ImportError:
        return "unknown"
    return str(dataset_hash(paths.raw))


def file_hash(path: Path) -> str:
    """sha256 of a file (streamed); ``absent`` when missing."""
    if not path.is_file():
        return "absent"
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def params_hash(params: Any) -> str:
    """sha256 of the resolved parameters (canonical JSON), so equal configs hash equal."""
    dumped = params.model_dump(mode="json", exclude={"presets"})
    return hashlib.sha256(json.dumps(dumped, sort_keys=True).encode()).hexdigest()


def flatten(tree: Any, prefix: str = "") -> dict[str, Any]:
    """``{"a": {"b": 1}}`` -> ``{"a.b": 1}``; lists are kept as one value."""
    if not isinstance(tree, dict):
        return {prefix: tree}
    flat: dict[str, Any] = {}
    for key, value in tree.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        flat.update(flatten(value, name) if isinstance(value, dict) else {name: value})
    return flat


def run_tags(params: Any, paths: Paths) -> dict[str, str]:
    """git commit, raw data hash, manifest / array index hashes, params hash and preset."""
    return {
        f"{TAG_PREFIX}git_commit": git_commit(paths.root),
        f"{TAG_PREFIX}data_raw_hash": raw_data_hash(paths),
        f"{TAG_PREFIX}manifest_hash": file_hash(paths.validated / "manifest.csv"),
        f"{TAG_PREFIX}arrays_index_hash": file_hash(paths.arrays / "index.json"),
        f"{TAG_PREFIX}params_hash": params_hash(params),
        f"{TAG_PREFIX}preset": str(params.preset),
    }
