"""Importers for the seed, Cyrillic Handwriting and HKR layouts, and merging them."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest
from dataset_factory import (
    make_chd,
    make_hkr,
    make_seed,
    names,
    read_rows,
    tiny_png,
    tree_digest,
)

from crnn_ocr.data.importers import detect_kind, import_folders, scan
from crnn_ocr.data.manifest import DEFAULT_FRACTIONS, read_labels
from crnn_ocr.errors import DataError

SEED_ROWS = [("a.png", "Привет", 0), ("b.png", "NA", 1), ("sub/c.png", "ёжик", 1)]
CHD_TRAIN = [("1.png", "Штукатурка"), ("2.png", "ёлка, 3")]
CHD_TEST = [("1.png", "тест")]  # same name as a train image: must not collide
HKR_ROWS = [("0_4", "Алматы"), ("1_9", "Қазақ тілі")]


@pytest.fixture
def layouts(tmp_path: Path) -> dict[str, Path]:
    return {
        "seed": make_seed(tmp_path / "seed", SEED_ROWS),
        "chd": make_chd(tmp_path / "chd", CHD_TRAIN, CHD_TEST),
        "hkr": make_hkr(tmp_path / "hkr", HKR_ROWS, stages={"0_4": "train", "1_9": "test2"}),
    }


def test_layouts_are_detected(layouts: dict[str, Path]) -> None:
    assert detect_kind(layouts["seed"]) == "seed"
    assert detect_kind(layouts["chd"]) == "cyrillic_handwriting"
    assert detect_kind(layouts["hkr"]) == "hkr"
    with pytest.raises(DataError, match="unknown layout"):
        detect_kind(layouts["seed"] / "images")


def test_seed_rows(layouts: dict[str, Path]) -> None:
    rows = scan(layouts["seed"])
    assert [(r.relname, r.text, r.cls) for r in rows] == SEED_ROWS
    assert all(r.image.is_file() and r.split_hint == "" for r in rows)


def test_seed_paths_relative_to_the_folder_are_accepted(tmp_path: Path) -> None:
    folder = make_seed(tmp_path / "s", [("images/a.png", "x", 1), ("extra/b.png", "y", 0)],
                       images=False)
    tiny_png(folder / "images" / "a.png", seed=1)
    tiny_png(folder / "extra" / "b.png", seed=2)
    a, b = scan(folder)
    assert a.relname == "a.png" and a.image == folder / "images" / "a.png"
    assert b.relname == "extra/b.png" and b.image == folder / "extra" / "b.png"


def test_cyrillic_handwriting_rows(layouts: dict[str, Path]) -> None:
    rows = scan(layouts["chd"], "cyrillic_handwriting")
    assert [(r.relname, r.text, r.cls, r.split_hint) for r in rows] == [
        ("train/1.png", "Штукатурка", 1, "train"),
        ("train/2.png", "ёлка, 3", 1, "train"),
        ("test/1.png", "тест", 1, "test"),
    ]


def test_hkr_rows_and_split_file(layouts: dict[str, Path]) -> None:
    rows = scan(layouts["hkr"], "hkr")
    assert [(r.relname, r.text, r.cls, r.split_hint) for r in rows] == [
        ("0_4.jpg", "Алматы", 1, "train"), ("1_9.jpg", "Қазақ тілі", 1, "test"),
    ]


def test_merge_of_three_layouts(layouts: dict[str, Path], tmp_path: Path) -> None:
    before = {k: tree_digest(v) for k, v in layouts.items()}
    out = tmp_path / "merged"
    frame = import_folders(list(layouts.values()), out, DEFAULT_FRACTIONS, seed=3)
    assert {k: tree_digest(v) for k, v in layouts.items()} == before  # sources untouched
    rows = read_rows(out / "labels.csv")
    assert len(rows) == 3 + 3 + 2 == len(frame)
    assert len(set(names(rows))) == len(rows)
    assert sorted(p.name for p in (out / "images").iterdir()) == sorted(names(rows))
    assert {r["source"] for r in rows} == {"seed", "chd", "hkr"}
    assert all(r["file name"].startswith(r["source"] + "_") for r in rows)
    assert "chd_train__1.png" in names(rows) and "chd_test__1.png" in names(rows)
    by_name = {r["file name"]: r for r in rows}
    assert by_name["seed_sub__c.png"]["text"] == "ёжик"
    assert by_name["seed_b.png"]["text"] == "NA"  # not turned into a missing value
    assert by_name["chd_test__1.png"]["split"] == "test"
    assert by_name["hkr_1_9.jpg"]["split"] == "test"
    for row in rows:
        src = {"seed": layouts["seed"] / "images" / row["file name"][5:].replace("__", "/"),
               "chd": layouts["chd"] / row["file name"][4:].replace("__", "/"),
               "hkr": layouts["hkr"] / "img" / row["file name"][4:]}[row["source"]]
        assert (out / "images" / row["file name"]).read_bytes() == src.read_bytes()
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["rows"] == 8
    assert summary["by_source"] == {"chd": 3, "hkr": 2, "seed": 3}
    assert summary["by_class"] == {"0": 1, "1": 7}
    assert sum(summary["by_split"].values()) == 8
    read_labels(out)  # the merged dataset passes the strict reader


def test_hardlink_mode_shares_bytes_without_touching_source(
    layouts: dict[str, Path], tmp_path: Path
) -> None:
    before = tree_digest(layouts["seed"])
    import_folders([layouts["seed"]], tmp_path / "o", DEFAULT_FRACTIONS, 1, link="hardlink")
    copied = tmp_path / "o" / "images" / "seed_a.png"
    assert copied.read_bytes() == (layouts["seed"] / "images" / "a.png").read_bytes()
    assert tree_digest(layouts["seed"]) == before


@pytest.mark.parametrize(
    ("name", "match"),
    [
        ("/tmp/evil.png", r"labels\.csv: line 3: absolute path '/tmp/evil.png'"),
        ("../evil.png", r"labels\.csv: line 3: path '../evil.png' escapes"),
        ("images/../../evil.png", r"labels\.csv: line 3: .*escapes"),
        ("missing.png", r"labels\.csv: line 3: image 'missing.png' not found"),
    ],
)
def test_bad_seed_rows_are_rejected(tmp_path: Path, name: str, match: str) -> None:
    (tmp_path / "evil.png").write_bytes(b"x")
    folder = make_seed(tmp_path / "bad", [("ok.png", "хорошо", 1)])
    with open(folder / "labels.csv", "a", encoding="utf-8") as handle:
        handle.write(f"{name},плохо,1\n")
    out = tmp_path / "out"
    with pytest.raises(DataError, match=match) as info:
        import_folders([folder], out, DEFAULT_FRACTIONS, seed=1)
    assert str(folder / "labels.csv") in str(info.value)
    assert not out.exists()  # nothing written


def test_bad_cyrillic_handwriting_rows(tmp_path: Path) -> None:
    folder = make_chd(tmp_path / "chd", CHD_TRAIN, [])
    (folder / "test.tsv").write_text("gone.png\tнет\n../x.png\tнет\nno-tab-here\n",
                                     encoding="utf-8")
    with pytest.raises(DataError, match=r"test\.tsv: line 1: image 'gone.png' not found") as info:
        scan(folder)
    assert "and 2 more problems" in str(info.value)


def test_bad_hkr_annotations(tmp_path: Path) -> None:
    folder = make_hkr(tmp_path / "hkr", HKR_ROWS)
    (folder / "ann" / "2_2.json").write_text('{"name": "2_2"}', encoding="utf-8")
    with pytest.raises(DataError, match=r"2_2\.json: row 1: needs string fields"):
        scan(folder)
    (folder / "ann" / "2_2.json").write_text('{"name": "../x", "description": "y"}')
    with pytest.raises(DataError, match=r"2_2\.json: row 1: .*escapes"):
        scan(folder)
    (folder / "ann" / "2_2.json").write_text('{"name": "zz", "description": "y"}')
    with pytest.raises(DataError, match=r"2_2\.json: row 1: image 'zz' not found"):
        scan(folder)


def test_hkr_texts_are_nfc(tmp_path: Path) -> None:
    folder = make_hkr(tmp_path / "hkr", [("a", unicodedata.normalize("NFD", "йё"))])
    [row] = scan(folder)
    assert row.text == "йё" and len(row.text) == 2


def test_output_may_not_overlap_a_source(layouts: dict[str, Path]) -> None:
    with pytest.raises(DataError, match="must not contain each other"):
        import_folders([layouts["seed"]], layouts["seed"] / "out", DEFAULT_FRACTIONS, 1)


def test_source_names_must_be_plain(layouts: dict[str, Path], tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"source name '\.\./x'"):
        import_folders([layouts["seed"]], tmp_path / "o", DEFAULT_FRACTIONS, 1, names=["../x"])
    with pytest.raises(DataError, match="must be unique"):
        import_folders([layouts["seed"], layouts["chd"]], tmp_path / "o", DEFAULT_FRACTIONS, 1,
                       names=["a", "a"])
