"""Extra datasets are preprocessed like the array store; the real sample when present."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from crnn_ocr.core.preprocess_settings import PreprocessSettings
from crnn_ocr.core.preprocessing import preprocess_image
from crnn_ocr.errors import DataError
from crnn_ocr.evaluation.folder import FolderBatches
from crnn_ocr.evaluation.label_issues import read_label_issues
from crnn_ocr.paths import Paths


def make_folder(root, names: list[str]) -> None:  # type: ignore[no-untyped-def]
    (root / "images").mkdir(parents=True)
    rows = ["file name,text,class"]
    for i, name in enumerate(names):
        image = np.full((30, 120), 255, np.uint8)
        cv2.putText(image, str(i), (5, 25), cv2.FONT_HERSHEY_SIMPLEX, 0.8, 0, 2)
        cv2.imwrite(str(root / "images" / name), image)
        rows.append(f"{name},{i},{i % 2}")
    (root / "labels.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")


def test_batches_match_core_preprocessing_and_skip_broken_files(tmp_path) -> None:  # type: ignore[no-untyped-def]
    make_folder(tmp_path, ["a.png", "b.png", "c.png"])
    (tmp_path / "images" / "b.png").write_bytes(b"not an image")
    batches = FolderBatches(tmp_path, PreprocessSettings(32, 256, 21, 10.0, True), batch_size=2)
    got = list(batches)
    assert [list(rows["file name"]) for rows, _ in got] == [["a.png", "c.png"]]
    images = got[0][1]
    assert images.shape == (2, 256, 32, 1) and images.dtype == np.float32
    expected = preprocess_image(cv2.imread(str(tmp_path / "images" / "a.png"), 0), ocr=True,
                                target_size=(32, 256))
    np.testing.assert_array_equal(images[0, ..., 0], (expected > 0).astype(np.float32))
    assert len(batches.skipped) == 1 and "b.png" in batches.skipped[0]


def test_path_escaping_the_folder_is_refused(tmp_path) -> None:  # type: ignore[no-untyped-def]
    make_folder(tmp_path, ["a.png"])
    (tmp_path / "labels.csv").write_text("file name,text,class\n../../etc/passwd,x,0\n",
                                         encoding="utf-8")
    with pytest.raises(DataError, match="labels.csv: line 2"):
        list(FolderBatches(tmp_path, PreprocessSettings(32, 256, 21, 10.0, True)))


def test_real_sample_reads_when_present() -> None:
    real = Paths.from_root().shared_real
    if not (real / "labels.csv").is_file():
        pytest.skip(f"real-image sample not present at {real}")
    batches = FolderBatches(real, PreprocessSettings(32, 512, 21, 10.0, True), batch_size=16,
                            limit=20)
    got = list(batches)
    assert sum(len(rows) for rows, _ in got) + len(batches.skipped) == 20
    assert all(imgs.shape[1:] == (512, 32, 1) for _, imgs in got)
    issues = read_label_issues(real / "label_issues.csv")
    assert issues and all(name.startswith("ocropus_") for name in issues)
