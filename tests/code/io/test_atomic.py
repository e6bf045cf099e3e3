"""Atomic outputs: a failure leaves the old target untouched and no temp litter."""

from __future__ import annotations

from pathlib import Path

import pytest

from crnn_ocr.io.atomic import atomic_dir, atomic_file


def test_atomic_dir_replaces_only_on_success(tmp_path: Path) -> None:
    target = tmp_path / "out"
    with atomic_dir(target) as tmp:
        (tmp / "a.txt").write_text("one")
    with pytest.raises(RuntimeError), atomic_dir(target) as tmp:
        (tmp / "a.txt").write_text("two")
        raise RuntimeError("killed mid-write")
    assert (target / "a.txt").read_text() == "one"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    assert target.stat().st_mode & 0o055  # readable by others, not mkdtemp's 0700


def test_atomic_file_keeps_old_content_on_failure(tmp_path: Path) -> None:
    target = tmp_path / "f.json"
    with atomic_file(target) as handle:
        handle.write("{}")  # type: ignore[attr-defined]
    with pytest.raises(ValueError), atomic_file(target) as handle:
        handle.write("{broken")  # type: ignore[attr-defined]
        raise ValueError("boom")
    assert target.read_text() == "{}"
    assert [p.name for p in tmp_path.iterdir()] == ["f.json"]
