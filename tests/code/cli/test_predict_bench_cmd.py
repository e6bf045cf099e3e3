"""``crnn-ocr predict`` and ``crnn-ocr bench`` through ``main(argv)`` on tiny real models."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest

from crnn_ocr.cli.main import main
from crnn_ocr.config import Params
from crnn_ocr.core.codec import MODERN_RUSSIAN, Alphabet
from crnn_ocr.inference import tesseract

TINY = {
    "preprocess": {"height": 16, "width": 64},
    "train": {
        "classifier": {"conv_filters": [4], "dense_units": 8},
        "ocr": {"model": {"conv_blocks": [{"filters": 4, "pool": [2, 2]}],
                          "lstm_units": 8, "lstm_layers": 1}},
    },
}


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from crnn_ocr.inference.bundle import build_untrained_bundle

    out = tmp_path_factory.mktemp("cli") / "bundle"
    build_untrained_bundle(Params.model_validate(TINY), out, Alphabet.from_charset(MODERN_RUSSIAN))
    return out


@pytest.fixture()
def dataset(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)  # no params.yaml here: predict uses the defaults
    images = tmp_path / "ds" / "images"
    images.mkdir(parents=True)
    rows = ["file name,text,class"]
    for i in range(4):
        img = np.full((20, 90), 240, np.uint8)
        cv2.putText(img, f"A{i}B", (2, 16), cv2.FONT_HERSHEY_SIMPLEX, 0.5, 10, 1)
        cv2.imwrite(str(images / f"l{i}.png"), img)
        rows.append(f"l{i}.png,текст {i},{i % 2}")
    (images / "zz_bad.png").write_bytes(b"not an image")
    rows.append("zz_bad.png,плохо,0")
    (tmp_path / "ds" / "labels.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return tmp_path / "ds"


def test_predict_jsonl_skips_bad_image_with_one_line(bundle, dataset, capsys) -> None:
    code = main(["predict", str(dataset / "images"), "--model", str(bundle), "-f", "jsonl"])
    out, err = capsys.readouterr()
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert [Path(r["path"]).name for r in rows] == [f"l{i}.png" for i in range(4)]
    assert {"class", "class_name", "class_prob", "text", "confidence"} <= set(rows[0])
    assert "skipped" in err and "zz_bad.png" in err and "not an image" in err
    assert "Traceback" not in err


def test_predict_reads_a_projects_models_folder(bundle, dataset, capsys) -> None:
    """``--model models/`` takes what the train stages wrote, with this project's preprocess
    settings: the same readings as the bundle; settings that do not fit are one line."""
    models = dataset.parent / "models"
    (models / "classifier").mkdir(parents=True)
    (models / "ocr").mkdir()
    shutil.copyfile(bundle / "classifier.keras", models / "classifier" / "model.keras")
    shutil.copyfile(bundle / "recognizer.keras", models / "ocr" / "model.keras")
    shutil.copyfile(bundle / "alphabet.json", models / "ocr" / "alphabet.json")
    argv = ["predict", str(dataset / "images"), "-f", "jsonl"]
    assert main([*argv, "-m", str(bundle)]) == 0
    expected = capsys.readouterr().out
    assert main([*argv, "-m", str(models), "-S", "preprocess.height=16",
                 "-S", "preprocess.width=64"]) == 0
    assert capsys.readouterr().out == expected
    assert main([*argv, "-m", str(models)]) == 1  # the defaults' 128x512 vs the 16x64 models
    err = capsys.readouterr().err
    assert "do not match the preprocessing settings" in err and "Traceback" not in err


def test_predict_labels_csv_prints_scores_and_csv(bundle, dataset, capsys) -> None:
    code = main(["predict", str(dataset / "labels.csv"), "-m", str(bundle), "-f", "csv"])
    out, err = capsys.readouterr()
    assert code == 0
    header = out.splitlines()[0].split(",")
    assert header == ["path", "class", "class_name", "class_prob", "text", "confidence", "truth"]
    assert len(out.splitlines()) == 5
    assert "CER" in err and "class 0" in err and "class 1" in err and "4 labelled lines" in err


def test_predict_user_errors_are_one_line(bundle, dataset, capsys) -> None:
    assert main(["predict", str(dataset / "missing.png"), "-m", str(bundle)]) == 1
    assert main(["predict", str(dataset / "images" / "zz_bad.png"), "-m", str(bundle)]) == 1
    assert main(["predict", str(dataset / "images"), "-m", str(dataset)]) == 1
    err = capsys.readouterr().err
    assert "no such file or folder" in err
    assert "none of the 1 images could be read" in err
    assert "not a crnn-ocr model bundle" in err
    assert "Traceback" not in err


def test_bench_without_tesseract_writes_json(bundle, dataset, tmp_path, capsys) -> None:
    out_json = tmp_path / "bench.json"
    code = main(["bench", str(dataset), "-m", str(bundle), "--no-tesseract", "-o", str(out_json)])
    assert code == 0
    result = json.loads(out_json.read_text())
    assert result["lines"] == 4 and len(result["skipped"]) == 1
    assert result["ours"]["by_class"]["class_0"]["lines"] == 2
    assert result["tesseract"] is None and "disabled" in result["tesseract_skipped"]


@pytest.mark.skipif(shutil.which("tesseract") is None, reason="tesseract not installed")
def test_bench_scores_both_engines_on_the_same_lines(bundle, dataset, tmp_path, capsys) -> None:
    tesseract.check_available("rus")
    labels = dataset / "labels.csv"
    labels.write_text(labels.read_text(encoding="utf-8").replace("zz_bad.png,плохо,0\n", ""),
                      encoding="utf-8")
    out_json = tmp_path / "bench.json"
    code = main(["bench", str(dataset), "-m", str(bundle), "--limit", "1", "-o", str(out_json)])
    assert code == 0
    result = json.loads(out_json.read_text())
    ours, tess = result["ours"], result["tesseract"]
    assert ours["lines"] == tess["lines"] == result["lines"] == 2  # one line per class
    assert ours["overall"]["chars"] == tess["overall"]["chars"]  # same truths
    assert result["ratios"]["speed"] == pytest.approx(ours["lines_per_s"] / tess["lines_per_s"])
    assert "tesseract" in capsys.readouterr().out
