"""The ``data`` stage: params.yaml sources -> data/raw (atomic, stable splits, summary)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from dataset_factory import make_chd, make_hkr, make_seed, read_rows

from crnn_ocr.config import ConfigError, load_params
from crnn_ocr.data.manifest import read_fonts, read_labels
from crnn_ocr.errors import CrnnOcrError, DataError
from crnn_ocr.paths import Paths
from crnn_ocr.stages import data as data_stage


def _project(root: Path, sources: list[dict], **data: object) -> Paths:
    root.mkdir(parents=True, exist_ok=True)
    params = {"seed": 5, "data": {"synth": {"size": 0}, "sources": sources, **data}}
    (root / "params.yaml").write_text(yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")
    return Paths.from_root(root)


def test_stage_imports_sources_into_data_raw(tmp_path: Path) -> None:
    make_seed(tmp_path / "proj" / "ext" / "seed", [(f"{i}.png", f"строка {i}", i % 2)
                                                   for i in range(6)])
    make_hkr(tmp_path / "hkr", [("0_1", "Алматы")])
    paths = _project(tmp_path / "proj", [
        {"kind": "seed", "path": "ext/seed"},  # relative to the project root
        {"kind": "hkr", "path": str(tmp_path / "hkr"), "name": "kz"},
        {"kind": "seed", "path": "../absent", "optional": True},
    ])
    result = data_stage.run(load_params(paths.params_file), paths)
    assert result.out_dir == paths.raw and result.rows == 7
    assert len(result.notes) == 1 and "../absent" in result.notes[0]
    frame = read_labels(paths.raw)
    assert list(frame.columns) == ["file name", "text", "class", "source", "split"]
    assert sorted(set(frame["source"])) == ["kz", "seed"]
    assert len(list((paths.raw / "images").iterdir())) == 7
    summary = json.loads((paths.raw / "summary.json").read_text(encoding="utf-8"))
    assert summary == result.summary and summary["by_source"] == {"kz": 1, "seed": 6}
    assert not [p for p in paths.data.iterdir() if p.name.startswith(".raw")]  # no temp left


def test_rebuild_with_a_new_source_keeps_existing_splits(tmp_path: Path) -> None:
    make_seed(tmp_path / "s1", [(f"{i}.png", f"t{i}", i % 2) for i in range(40)])
    make_chd(tmp_path / "chd", [(f"{i}.png", f"w{i}") for i in range(10)], [("x.png", "тест")])
    one = [{"kind": "seed", "path": str(tmp_path / "s1")}]
    paths = _project(tmp_path / "proj", one)
    data_stage.run(load_params(paths.params_file), paths)
    before = {r["file name"]: r["split"] for r in read_rows(paths.raw / "labels.csv")}
    paths = _project(tmp_path / "proj", [*one, {"kind": "cyrillic_handwriting",
                                                "path": str(tmp_path / "chd")}])
    data_stage.run(load_params(paths.params_file), paths)
    after = {r["file name"]: r for r in read_rows(paths.raw / "labels.csv")}
    assert len(after) == 51
    assert all(after[name]["split"] == split for name, split in before.items())
    assert after["chd_test__x.png"]["split"] == "test"  # the source's own test row


def test_missing_required_source_fails_and_keeps_old_output(tmp_path: Path) -> None:
    make_seed(tmp_path / "s1", [("a.png", "a", 1)])
    paths = _project(tmp_path / "proj", [{"kind": "seed", "path": str(tmp_path / "s1")}])
    data_stage.run(load_params(paths.params_file), paths)
    old = (paths.raw / "labels.csv").read_bytes()
    paths = _project(tmp_path / "proj", [{"kind": "seed", "path": "nowhere"}])
    with pytest.raises(DataError, match="nowhere.*source folder not found"):
        data_stage.run(load_params(paths.params_file), paths)
    (tmp_path / "bad").mkdir()
    make_seed(tmp_path / "bad", [("a.png", "a", 1), ("../b.png", "b", 0)])
    paths = _project(tmp_path / "proj", [{"kind": "seed", "path": str(tmp_path / "bad")}])
    with pytest.raises(DataError, match=r"labels\.csv: line 3: .*escapes"):
        data_stage.run(load_params(paths.params_file), paths)
    assert (paths.raw / "labels.csv").read_bytes() == old


def test_nothing_to_build_is_an_error(tmp_path: Path) -> None:
    paths = _project(tmp_path, [{"kind": "seed", "path": "gone", "optional": True}])
    with pytest.raises(CrnnOcrError, match="nothing to build.*'gone' not found"):
        data_stage.run(load_params(paths.params_file), paths)
    assert not paths.raw.exists()


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ({"splits": {"train": 0.8, "val": 0.1, "test": 0.2}}, r"data\.splits.*must be 1"),
        ({"sources": [{"kind": "zip", "path": "x"}]}, r"data\.sources\.0\.kind"),
        ({"sources": [{"kind": "seed", "path": "x", "name": "a/b"}]}, r"data\.sources\.0\.name"),
        ({"sources": [{"kind": "seed", "path": "x", "name": "synth"}]}, r"not 'synth'"),
        ({"link": "symlink"}, r"data\.link"),
    ],
)
def test_bad_data_params_name_the_key(tmp_path: Path, data: dict, match: str) -> None:
    paths = _project(tmp_path, [], **data) if "sources" not in data else _project(
        tmp_path, data["sources"])
    with pytest.raises(ConfigError, match=match):
        load_params(paths.params_file)


FONTS = Paths.from_root(Path(__file__).resolve().parents[3]).fonts


@pytest.mark.skipif(not (FONTS / "fonts.csv").is_file(), reason=f"no fonts at {FONTS}")
def test_stage_renders_synth_lines_beside_imports(tmp_path: Path) -> None:
    make_seed(tmp_path / "real", [("a.png", "слово", 1)])
    paths = _project(tmp_path / "proj", [{"kind": "seed", "path": str(tmp_path / "real")}],
                     synth={"size": 6, "workers": 1, "seed": 3})
    paths.data.mkdir()
    (paths.data / "fonts").symlink_to(FONTS, target_is_directory=True)
    result = data_stage.run(load_params(paths.params_file), paths)
    frame = read_labels(paths.raw)
    assert result.rows == len(frame) == 7
    assert frame["source"].value_counts().to_dict() == {"synth": 6, "real": 1}
    synth = frame[frame["source"] == "synth"]
    assert all(name.startswith("synth_") and not name.startswith("synth_synth_")
               for name in synth["file name"])
    assert sorted(p.name for p in (paths.raw / "images").iterdir()) == sorted(frame["file name"])
    assert not (paths.raw / ".synth").exists()
    fonts = read_fonts(paths.raw)  # the synthetic lines name their font; the real one does not
    assert sorted(fonts) == sorted(synth["file name"]) and all(fonts.values())
    assert frame.loc[frame["source"] == "real", "font"].tolist() == [""]
