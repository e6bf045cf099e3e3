"""``crnn-ocr preprocess`` through ``main(argv)``: summary on success, one line on errors."""

from __future__ import annotations

from crnn_ocr.arrays import ArrayStore
from crnn_ocr.cli.main import main

PARAMS = """preset: tiny
presets:
  tiny:
    preprocess: {height: 12, width: 40}
preprocess:
  shard_size: 4
  workers: 1
"""


def test_preprocess_command_builds_the_store(validated_factory, capsys) -> None:
    data = validated_factory()
    (data.root / "params.yaml").write_text(PARAMS, encoding="utf-8")
    code = main(["preprocess", "-p", str(data.root / "params.yaml"), "-S", "preprocess.c=5"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "12 x 40" in out and "shards built / reused" in out
    store = ArrayStore(data.root / "data" / "arrays")
    assert store.image_shape == (12, 40) and store.index["params"]["c"] == 5.0
    assert store.size("train") == 6


def test_preprocess_command_reports_bad_input_in_one_line(tmp_path, capsys) -> None:
    (tmp_path / "params.yaml").write_text("preprocess: {workers: 1}\n", encoding="utf-8")
    code = main(["preprocess", "-p", str(tmp_path / "params.yaml")])
    err = capsys.readouterr().err
    assert code == 1
    assert "manifest.csv: manifest not found" in err and "Traceback" not in err
