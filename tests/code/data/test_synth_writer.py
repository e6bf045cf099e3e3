"""The parallel dataset writer: determinism across worker counts and atomic output."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from synth_fixtures import FONTS, REPO

from crnn_ocr.config.synth import SynthParams
from crnn_ocr.data.manifest import read_labels
from crnn_ocr.data.synth import render_dataset


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


def test_same_seed_same_bytes_with_one_or_two_workers(tmp_path: Path) -> None:
    params = SynthParams(size=70, seed=11)
    one = render_dataset(params, tmp_path / "one", FONTS, workers=1, progress=False)
    two = render_dataset(params, tmp_path / "two", FONTS, workers=2, progress=False)
    assert one.rows == two.rows == 70
    assert _snapshot(tmp_path / "one") == _snapshot(tmp_path / "two")
    frame = read_labels(tmp_path / "one")  # the strict manifest reader accepts it
    assert frame["file name"].is_unique and len(frame) == 70
    assert (tmp_path / "one" / "labels.csv").read_text(encoding="utf-8").startswith(
        "file name,text,class,source,font\n")
    other = render_dataset(params.model_copy(update={"seed": 12}), tmp_path / "other", FONTS,
                           workers=1, progress=False)
    assert other.rows == 70
    assert _snapshot(tmp_path / "other")["labels.csv"] != _snapshot(tmp_path / "one")[
        "labels.csv"]


def test_a_failed_run_keeps_the_previous_dataset(tmp_path: Path) -> None:
    out = tmp_path / "ds"
    render_dataset(SynthParams(size=5), out, FONTS, workers=1, progress=False)
    before = _snapshot(out)
    with pytest.raises(Exception, match="font list not found"):
        render_dataset(SynthParams(size=5, seed=1), out, tmp_path / "no-fonts", workers=1,
                       progress=False)
    assert _snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ds"]


SCRIPT = """
import sys
from crnn_ocr.config.synth import SynthParams
from crnn_ocr.data.synth import render_dataset
if __name__ == "__main__":
    render_dataset(SynthParams(size=100000), sys.argv[1], sys.argv[2], workers=1,
                   progress=False)
"""


def _start_and_wait_for_images(tmp_path: Path) -> tuple[subprocess.Popen, Path]:
    script = tmp_path / "run.py"
    script.write_text(SCRIPT, encoding="utf-8")
    out = tmp_path / "ds"
    proc = subprocess.Popen([sys.executable, str(script), str(out), str(FONTS)], cwd=REPO)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        temps = [p for p in tmp_path.glob(".ds.tmp-*/images") if any(p.iterdir())]
        if temps:
            return proc, out
        time.sleep(0.2)
    proc.kill()
    pytest.fail("the generator wrote no image within 120 s")


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL])
def test_an_interrupted_run_leaves_no_dataset(tmp_path: Path, sig: signal.Signals) -> None:
    proc, out = _start_and_wait_for_images(tmp_path)
    os.kill(proc.pid, sig)
    proc.wait(timeout=60)
    assert proc.returncode != 0
    assert not out.exists()  # nothing that looks like a finished dataset
    if sig == signal.SIGINT:  # a Python exception: the temporary folder is removed too
        assert not list(tmp_path.glob(".ds.tmp-*"))
