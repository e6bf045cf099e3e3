"""`crnn-ocr data synth` and `crnn-ocr data preview` through the real CLI entry point."""

from __future__ import annotations

from pathlib import Path

from crnn_ocr.cli.main import main
from crnn_ocr.data.manifest import read_labels

REPO = Path(__file__).resolve().parents[3]

PARAMS = str(REPO / "params.yaml")


def test_synth_then_preview(tmp_path, capsys) -> None:
    out = tmp_path / "ds"
    code = main(["data", "synth", str(out), "--size", "12", "--seed", "3", "--workers", "1",
                 "--no-progress", "-p", PARAMS, "-S", "data.synth.handwritten_fraction=1.0"])
    assert code == 0
    frame = read_labels(out)
    assert len(frame) == 12 and set(frame["class"]) == {1}
    assert "12 lines (12 handwritten" in capsys.readouterr().out
    sheet = tmp_path / "prev" / "s.png"
    assert main(["data", "preview", str(out), "--out", str(sheet), "--n", "4", "-p", PARAMS]) == 0
    printed = capsys.readouterr().out
    assert "character coverage: 12 lines" in printed
    assert sheet.is_file() and (tmp_path / "prev" / "s_coverage.json").is_file()


def test_user_errors_are_one_line(tmp_path, capsys) -> None:
    code = main(["data", "synth", str(tmp_path / "ds"), "-p", PARAMS,
                 "-S", "data.synth.render.padding=[9, 1]"])
    assert code == 2
    err = capsys.readouterr().err
    assert "data.synth.render.padding" in err and "Traceback" not in err
    assert main(["data", "preview", str(tmp_path / "missing"), "-p", PARAMS]) == 1
    assert "labels file not found" in capsys.readouterr().err
