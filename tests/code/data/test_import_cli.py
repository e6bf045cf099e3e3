"""``crnn-ocr data import`` / ``data build`` through the real CLI entry point."""

from __future__ import annotations

import csv
import unicodedata
from pathlib import Path

import pytest
import yaml
from dataset_factory import make_chd, make_hkr, make_seed, read_rows

from crnn_ocr.cli.main import main
from crnn_ocr.paths import Paths

REAL = Paths.from_root().shared_real


def test_import_merges_and_reports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)  # no params.yaml here: defaults apply
    monkeypatch.delenv("CRNN_OCR_ROOT", raising=False)
    make_seed(tmp_path / "a", [("1.png", "один", 0)])
    make_chd(tmp_path / "b", [("1.png", "два")], [])
    make_hkr(tmp_path / "c", [("1", "три")])
    code = main(["data", "import", "a", "b", "c", "--out", "merged", "-n", "x", "-n", "y",
                 "-n", "z", "-S", "data.splits.train=1", "-S", "data.splits.test=0",
                 "-S", "data.splits.val=0"])
    assert code == 0
    rows = read_rows(tmp_path / "merged" / "labels.csv")
    assert [(r["file name"], r["source"], r["split"]) for r in rows] == [
        ("x_1.png", "x", "train"), ("y_train__1.png", "y", "train"), ("z_1.jpg", "z", "train")]
    assert "3 rows" in capsys.readouterr().out


def test_import_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = make_seed(tmp_path / "bad", [("/etc/passwd", "x", 1)])
    code = main(["data", "import", str(folder), "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err.strip()
    assert code == 1
    assert err.startswith("error:") and "\n" not in err
    assert f"{folder / 'labels.csv'}: line 2: absolute path" in err
    assert main(["data", "import", str(folder), "--out", "o", "--kind", "zip"]) == 1
    assert "unknown layout 'zip'" in capsys.readouterr().err


def test_build_runs_the_stage_from_params(tmp_path: Path) -> None:
    make_seed(tmp_path / "src", [(f"{i}.png", f"t{i}", 1) for i in range(3)])
    params = {"data": {"synth": {"size": 0},
                       "sources": [{"kind": "seed", "path": "src", "name": "mine"}]}}
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(params), encoding="utf-8")
    assert main(["data", "build", "--params", str(tmp_path / "params.yaml")]) == 0
    rows = read_rows(tmp_path / "data" / "raw" / "labels.csv")
    assert [r["file name"] for r in rows] == ["mine_0.png", "mine_1.png", "mine_2.png"]


@pytest.mark.skipif(not (REAL / "labels.csv").is_file(), reason=f"real sample absent ({REAL})")
def test_real_sample_imports_exactly(tmp_path: Path) -> None:
    """Acceptance: every row of the real sample, same text and class, byte-identical images."""
    out = tmp_path / "x"
    assert main(["data", "import", str(REAL), "--out", str(out), "--name", "real"]) == 0
    with open(REAL / "labels.csv", encoding="utf-8", newline="") as handle:
        want = [(r["file name"], unicodedata.normalize("NFC", r["text"]), r["class"])
                for r in csv.DictReader(handle)]
    got = read_rows(out / "labels.csv")
    assert [(r["file name"].removeprefix("real_"), r["text"], r["class"]) for r in got] == want
    assert sorted(p.name for p in (out / "images").iterdir()) == sorted(
        r["file name"] for r in got)
    for name, _, _ in want:
        assert (out / "images" / f"real_{name}").read_bytes() == (
            REAL / "images" / name).read_bytes()
