"""The Tesseract 5 baseline: the ``tesseract`` binary, one single-threaded process per core.

Each process reads a list file of images (``tesseract LIST stdout``): one model load serves many
lines, as a long-running Tesseract service would, and pages come back separated by form feeds.
A chunk that fails as a whole is retried one image per process so one bad file costs one line.
"""

from __future__ import annotations

import math
import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

PAGE_SEPARATOR = "\f"


class TesseractUnavailable(RuntimeError):
    """The binary or its language model is missing; the message says how to install it."""


def check_available(lang: str = "rus") -> str:
    """Path of the ``tesseract`` binary that has ``lang`` installed.

    Raises:
        TesseractUnavailable: with the install command in the message.
    """
    binary = shutil.which("tesseract")
    hint = f"install it with: apt-get install -y tesseract-ocr tesseract-ocr-{lang}"
    if binary is None:
        raise TesseractUnavailable(f"tesseract is not installed; {hint}")
    try:
        listed = subprocess.run(
            [binary, "--list-langs"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise TesseractUnavailable(f"tesseract does not run ({exc}); {hint}") from exc
    langs = {line.strip() for line in (listed.stdout + listed.stderr).splitlines()}
    if lang not in langs:
        raise TesseractUnavailable(f"tesseract has no '{lang}' language model; {hint}")
    return binary


def version(binary: str = "tesseract") -> str:
    out = subprocess.run([binary, "--version"], capture_output=True, text=True, check=False)
    return (out.stdout or out.stderr).splitlines()[0].strip() if (out.stdout or out.stderr) else "?"


def _env() -> dict[str, str]:
    # One thread per process: parallelism comes from the process pool (one per core).
    return {**os.environ, "OMP_THREAD_LIMIT": "1"}


def _run(binary: str, target: str, lang: str, psm: int, timeout_s: float) -> str | None:
    try:
        done = subprocess.run(
            [binary, target, "stdout", "-l", lang, "--psm", str(psm)],
            capture_output=True,
            timeout=timeout_s,
            env=_env(),
            check=False,
        )
    except subprocess.TimeoutExpired:
        return None
    if done.returncode != 0:
        return None
    return done.stdout.decode("utf-8", errors="replace")


def _recognise_chunk(
    binary: str, paths: Sequence[str], lang: str, psm: int, timeout_s: float
) -> list[str | None]:
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False, encoding="utf-8") as lst:
        lst.write("\n".join(paths) + "\n")
    try:
        out = _run(binary, lst.name, lang, psm, timeout_s * len(paths))
    finally:
        Path(lst.name).unlink(missing_ok=True)
    pages = out.split(PAGE_SEPARATOR) if out is not None else []
    if len(pages) == len(paths):
        return [_clean(p) for p in pages]
    # The list run failed (an unreadable file stops it): one process per image instead.
    single = [_run(binary, p, lang, psm, timeout_s) for p in paths]
    return [None if s is None else _clean(s) for s in single]


def _clean(text: str) -> str:
    return " ".join(text.split())


def recognise(
    paths: Sequence[str | Path],
    lang: str = "rus",
    psm: int = 7,
    workers: int = 0,
    timeout_s: float = 60.0,
    chunk_size: int = 0,
) -> list[str | None]:
    """Tesseract's text for each image (None where it failed), in input order."""
    if not paths:
        return []
    binary = check_available(lang)
    workers = workers or os.cpu_count() or 1
    if chunk_size <= 0:  # a few chunks per worker keeps the cores busy until the end
        chunk_size = max(1, min(64, math.ceil(len(paths) / (workers * 4))))
    names = [str(Path(p).resolve()) for p in paths]
    chunks = [names[i : i + chunk_size] for i in range(0, len(names), chunk_size)]
    with ThreadPoolExecutor(workers) as pool:
        results = pool.map(lambda c: _recognise_chunk(binary, c, lang, psm, timeout_s), chunks)
        return [text for chunk in results for text in chunk]
