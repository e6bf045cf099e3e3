"""PATH expansion for predict/bench: files, folders, labels.csv with strict path checks."""

from __future__ import annotations

from pathlib import Path

import pytest

from crnn_ocr.errors import CrnnOcrError
from crnn_ocr.inference.sources import collect, limit_per_class


def test_labels_csv_gives_paths_and_truth(dataset: Path) -> None:
    inputs = collect([dataset / "labels.csv"])
    assert [p.name for p in inputs.paths] == [f"line{i}.png" for i in range(5)] + ["broken.png"]
    label = inputs.truth[str(inputs.paths[3])]
    assert (label.text, label.cls) == ("строка 3", 1)


def test_folder_and_file(dataset: Path) -> None:
    inputs = collect([dataset / "images", dataset / "images" / "line0.png"])
    assert len(inputs.paths) == 7 and not inputs.truth


@pytest.mark.parametrize("name", ["../escape.png", "/etc/passwd"])
def test_labels_csv_paths_may_not_escape(dataset: Path, name: str) -> None:
    (dataset / "labels.csv").write_text(f"file name,text,class\n{name},x,0\n", encoding="utf-8")
    with pytest.raises(CrnnOcrError, match="line 2"):
        collect([dataset / "labels.csv"])


def test_missing_path_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CrnnOcrError, match="no such file or folder"):
        collect([tmp_path / "missing"])


def test_limit_per_class_is_seeded_and_keeps_both_classes(dataset: Path) -> None:
    inputs = collect([dataset / "labels.csv"])
    a = limit_per_class(inputs, 1, seed=7)
    b = limit_per_class(inputs, 1, seed=7)
    assert a.paths == b.paths
    assert sorted(a.truth[str(p)].cls for p in a.paths) == [0, 1]


def test_split_selects_rows_and_needs_a_split_column(dataset: Path) -> None:
    from crnn_ocr.inference.sources import dataset_inputs

    labels = dataset / "labels.csv"
    with pytest.raises(CrnnOcrError, match="no 'split' column"):
        dataset_inputs(labels, "test")
    rows = labels.read_text(encoding="utf-8").splitlines()
    splits = ["train", "test", "train", "test", "val", "train"]
    body = [f"{row},{split}" for row, split in zip(rows[1:], splits, strict=True)]
    labels.write_text("\n".join([rows[0] + ",split", *body]) + "\n", encoding="utf-8")
    assert [p.name for p in dataset_inputs(labels, "test").paths] == ["line1.png", "line3.png"]
    with pytest.raises(CrnnOcrError, match="no rows in split 'nope'"):
        dataset_inputs(labels, "nope")
