"""labels.csv read/write, stable stratified splits and dataset content hashes."""

from __future__ import annotations

import os
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from dataset_factory import make_seed, tiny_png

from crnn_ocr.data.manifest import (
    assign_splits,
    dataset_hash,
    read_fonts,
    read_labels,
    with_blanks,
    write_labels,
)
from crnn_ocr.errors import DataError


def _write(folder: Path, text: str | bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    data = text.encode("utf-8") if isinstance(text, str) else text
    (folder / "labels.csv").write_bytes(data)
    return folder


def test_texts_stay_strings_and_become_nfc(tmp_path: Path) -> None:
    nfd = unicodedata.normalize("NFD", "йод ёж")
    folder = make_seed(tmp_path / "d", [("a.png", "NA", 1), ("b.png", "null", 0),
                                        ("c.png", nfd, 1), ("d.png", "007", 0),
                                        ("e.png", 'say "hi", then\nleave', 1)])
    frame = read_labels(folder)
    assert list(frame["text"]) == ["NA", "null", "йод ёж", "007", 'say "hi", then\nleave']
    assert list(frame["class"]) == [1, 0, 1, 0, 1]
    assert frame["class"].dtype == np.int64
    assert frame.attrs["lines"] == [2, 3, 4, 5, 6]


def test_write_then_read_round_trips(tmp_path: Path) -> None:
    frame = pd.DataFrame({"file name": ["x.png", "y.png"], "text": ["NA", 'a,"b"'],
                          "class": [0, 1], "source": ["s", "s"], "split": ["train", "test"]})
    write_labels(frame[["split", "source", "text", "class", "file name"]], tmp_path)
    assert (tmp_path / "labels.csv").read_text(encoding="utf-8").splitlines()[0] == (
        "file name,text,class,source,split")
    back = read_labels(tmp_path)
    pd.testing.assert_frame_equal(back, frame, check_dtype=False)
    assert not list(tmp_path.glob(".labels.csv.tmp-*"))


@pytest.mark.parametrize(
    ("content", "match"),
    [
        ("file,text,class\na.png,x,1\n", r"line 1: header must start"),
        ("file name,text,class,extra\na.png,x,1,z\n", r"line 1: unexpected"),
        ("file name,text,class\na.png,x,1\nb.png,y\n", r"line 3: expected 3 fields, got 2"),
        ("file name,text,class\na.png,x,2\n", r"line 2: class must be 0 .* got '2'"),
        ("file name,text,class\na.png,,1\n", r"line 2: empty text"),
        ("file name,text,class\n/etc/passwd,x,1\n", r"line 2: absolute path '/etc/passwd'"),
        ("file name,text,class\nok.png,x,1\n../../x.png,y,0\n", r"line 3: .*escapes"),
        ("file name,text,class\nsub/../../x.png,y,0\n", r"line 2: .*escapes"),
        ("file name,text,class\na.png,x,1\na.png,y,0\n", r"line 3: duplicate .*line 2"),
        ("file name,text,class,split\na.png,x,1,dev\n", r"line 2: split must be"),
        ("", r"empty file"),
    ],
)
def test_bad_labels_name_file_line_and_reason(tmp_path: Path, content: str, match: str) -> None:
    folder = _write(tmp_path / "d", content)
    with pytest.raises(DataError, match=match) as info:
        read_labels(folder)
    assert str(folder / "labels.csv") in str(info.value)


def test_non_utf8_names_the_line(tmp_path: Path) -> None:
    folder = _write(tmp_path / "d", b"file name,text,class\na.png,ok,1\n"
                    + "b.png,тест,1\n".encode("cp1251"))
    with pytest.raises(DataError, match=r"labels\.csv: line 3: not UTF-8"):
        read_labels(folder)


def test_lenient_mode_keeps_bad_rows_for_quarantine(tmp_path: Path) -> None:
    folder = _write(tmp_path / "d", "file name,text,class\n../x.png,,7\n")
    frame = read_labels(folder, strict=False)
    assert frame.iloc[0].tolist() == ["../x.png", "", "7"]


def _rows(n: int, start: int = 0, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "file name": [f"img_{i:06d}.png" for i in range(start, start + n)],
        "text": ["t"] * n,
        "class": rng.choice([0, 1], size=n, p=[0.3, 0.7]),
        "source": rng.choice(["synth", "real"], size=n),
    })


def test_optional_columns_are_filled_blank_only_where_absent(tmp_path: Path) -> None:
    frame = pd.DataFrame({"file name": ["a.png", "b.png"], "split": ["test", ""]})
    filled = with_blanks(frame, "split", "font", "source")
    assert list(filled["split"]) == ["test", ""]  # present: kept as is
    assert list(filled["font"]) == ["", ""] and list(filled["source"]) == ["", ""]
    assert "font" not in frame.columns  # the caller's frame is not changed
    assert with_blanks(frame, "split") is frame

    make_seed(tmp_path / "real", [("a.png", "да", 0)])
    assert read_fonts(tmp_path / "real") == {}  # real images: no font column, no fonts
    make_seed(tmp_path / "synth", [("a.png", "да", 0), ("b.png", "нет", 1)],
              header="file name,text,class,font", extra=[["Lora"], [""]])
    assert read_fonts(tmp_path / "synth") == {"a.png": "Lora"}


def test_splits_are_stable_when_rows_are_added_or_shuffled() -> None:
    base = assign_splits(_rows(2000), seed=7)
    grown = pd.concat([_rows(3000, start=2000, seed=1), _rows(2000)]).sample(frac=1, random_state=3)
    grown = assign_splits(grown.reset_index(drop=True), seed=7)
    merged = base.merge(grown, on=["file name", "source"], suffixes=("_old", "_new"))
    assert len(merged) == 2000
    assert (merged["split_old"] == merged["split_new"]).all()
    # A different seed gives a different assignment (the seed is really used).
    other = assign_splits(_rows(2000), seed=8)
    assert (other["split"] != base["split"]).mean() > 0.2


def test_splits_follow_fractions_within_each_class() -> None:
    frame = assign_splits(_rows(10_000), {"train": 0.8, "val": 0.1, "test": 0.1}, seed=42)
    for cls, group in frame.groupby("class"):
        share = group["split"].value_counts(normalize=True)
        for split, want in {"train": 0.8, "val": 0.1, "test": 0.1}.items():
            assert abs(share[split] - want) < 0.02, (cls, split, share[split])
    other = assign_splits(_rows(10_000), {"train": 0.5, "val": 0.0, "test": 0.5}, seed=42)
    assert "val" not in set(other["split"])
    assert abs((other["split"] == "test").mean() - 0.5) < 0.02


def test_split_hints_keep_source_test_rows_out_of_training() -> None:
    frame = _rows(1000)
    hints = pd.Series(["test"] * 100 + ["train"] * 800 + [""] * 100, index=frame.index)
    out = assign_splits(frame, seed=1, hints=hints)
    assert (out["split"][:100] == "test").all()
    assert set(out["split"][100:900]) == {"train", "val"}
    assert set(out["split"][900:]) <= {"train", "val", "test"}


def test_bad_fractions_are_refused() -> None:
    with pytest.raises(DataError, match="fractions"):
        assign_splits(_rows(10), {"train": 0.9, "dev": 0.1})


def test_dataset_hash_tracks_labels_and_image_bytes(tmp_path: Path) -> None:
    folder = make_seed(tmp_path / "d", [("a.png", "один", 1), ("b.png", "два", 0)])
    first = dataset_hash(folder)
    assert len(first) == 64
    os.utime(folder / "images" / "a.png", (1, 1))  # mtime alone changes nothing
    assert dataset_hash(folder) == first
    tiny_png(folder / "images" / "a.png", seed=999)
    changed = dataset_hash(folder)
    assert changed != first
    (folder / "labels.csv").write_text("file name,text,class\na.png,один,1\nb.png,две,0\n",
                                       encoding="utf-8")
    assert dataset_hash(folder) not in (first, changed)
