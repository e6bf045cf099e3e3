"""File-level faults: the dataset is refused with one clear error and nothing is written."""

from __future__ import annotations

from pathlib import Path

import pytest
from validation_fixtures import png_bytes

from crnn_ocr.cli.main import main
from crnn_ocr.config import ConfigError, load_params
from crnn_ocr.errors import DataError
from crnn_ocr.paths import Paths
from crnn_ocr.stages import validate

PARAMS_FILE = Path(__file__).resolve().parents[3] / "params.yaml"


def dataset(tmp_path: Path, labels: bytes) -> Path:
    root = tmp_path / "ds"
    (root / "images").mkdir(parents=True)
    (root / "images" / "a.png").write_bytes(png_bytes())
    (root / "labels.csv").write_bytes(labels)
    return root


def run(root: Path, tmp_path: Path):
    return validate.run(load_params(PARAMS_FILE), Paths(tmp_path), root, tmp_path / "out")


def test_non_utf8_labels_name_line_and_byte(tmp_path: Path) -> None:
    good = "file name,text,class\na.png,привет,0\n".encode()
    root = dataset(tmp_path, good + "b.png,мир,1\n".encode("cp1251"))
    offset = len(good) + len("b.png,")  # the first cp1251 byte
    with pytest.raises(DataError, match=rf"labels.csv: line 3: not UTF-8 .*at byte {offset}\)"):
        run(root, tmp_path)
    assert not (tmp_path / "out").exists()


def test_wrong_header_names_expected_and_found(tmp_path: Path) -> None:
    root = dataset(tmp_path, "filename,label,class\na.png,привет,0\n".encode())
    with pytest.raises(DataError, match="file name,text,class.*filename,label,class"):
        run(root, tmp_path)


def test_unknown_extra_column_is_refused(tmp_path: Path) -> None:
    root = dataset(tmp_path, "file name,text,class,writer\na.png,привет,0,x\n".encode())
    with pytest.raises(DataError, match="writer"):
        run(root, tmp_path)


def test_header_only_and_missing_labels(tmp_path: Path) -> None:
    root = dataset(tmp_path, b"file name,text,class\n")
    with pytest.raises(DataError, match="no rows"):
        run(root, tmp_path)
    (root / "labels.csv").unlink()
    with pytest.raises(DataError, match="labels file not found"):
        run(root, tmp_path)


def test_cli_prints_one_line_for_a_file_level_fault(tmp_path: Path, capsys) -> None:
    root = dataset(tmp_path, "filename,text,class\na.png,привет,0\n".encode())
    code = main(["validate", str(root), "--out", str(tmp_path / "out"), "-p", str(PARAMS_FILE)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1
    assert len(err) == 1 and err[0].startswith("error:") and "header" in err[0]


@pytest.mark.parametrize(
    ("override", "key"),
    [
        ("validation.charset=klingon", "validation.charset"),
        ("validation.min_height=2000", "min_height must be <= max_height"),
        ("validation.formats=[png, gif]", "validation.formats"),
        ("validation.data_docs_dir=../docs", "validation.data_docs_dir"),
        ("validation.unknown_key=1", "validation.unknown_key"),
    ],
)
def test_bad_params_fail_at_load_with_the_key(override: str, key: str) -> None:
    with pytest.raises(ConfigError, match=key):
        load_params(PARAMS_FILE, [override])
