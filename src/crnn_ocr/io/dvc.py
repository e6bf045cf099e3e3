"""Record a stage run outside DVC (by the Prefect pipeline) in ``dvc.lock``.

``crnn-ocr pipeline`` and ``dvc repro`` call the same stage functions. After the pipeline has
run a stage, ``dvc commit --force <stage>`` stores its outputs in the DVC cache and writes the
hashes of its deps, params and outs to ``dvc.lock`` -- exactly what ``dvc repro`` would have
written -- so a following ``dvc repro`` finds the stage up to date instead of running it again.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

from crnn_ocr.errors import CrnnOcrError


def declared_stages(root: Path) -> set[str]:
    """Stage names in ``root/dvc.yaml`` (empty when there is none)."""
    dvc_yaml = root / "dvc.yaml"
    if not dvc_yaml.is_file():
        return set()
    return set((yaml.safe_load(dvc_yaml.read_text(encoding="utf-8")) or {}).get("stages") or {})


def dvc(root: Path, *args: str, timeout_s: float = 600) -> str:
    """Run the DVC CLI of this environment in ``root``; its error output becomes one line."""
    done = subprocess.run(
        [sys.executable, "-m", "dvc", *args], cwd=root, capture_output=True, text=True,
        timeout=timeout_s, check=False,
    )
    if done.returncode != 0:
        detail = " ".join((done.stderr or done.stdout).split())[:500]
        raise CrnnOcrError(f"dvc {' '.join(args)} failed in {root}: {detail}")
    return done.stdout


def commit_stage(root: Path, stage: str) -> bool:
    """``dvc commit --force stage`` when ``root`` is a DVC project declaring it; True if done."""
    if not (root / ".dvc").is_dir() or stage not in declared_stages(root):
        return False
    dvc(root, "commit", "--force", stage)
    return True
