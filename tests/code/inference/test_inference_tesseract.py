"""The Tesseract baseline runner: list mode keeps order, a bad file costs only its own line."""

from __future__ import annotations

from pathlib import Path

import pytest

from crnn_ocr.inference import tesseract

try:
    tesseract.check_available("rus")
except tesseract.TesseractUnavailable as exc:
    pytest.skip(f"tesseract unavailable: {exc}", allow_module_level=True)

REAL = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "real" / "images"


def test_unknown_language_is_reported() -> None:
    with pytest.raises(tesseract.TesseractUnavailable, match="no 'xx_nonexistent' language"):
        tesseract.check_available("xx_nonexistent")


def test_list_mode_matches_single_runs_and_survives_a_bad_file(dataset: Path) -> None:
    images = sorted((dataset / "images").glob("line*.png"))[:3]
    singles = [tesseract.recognise([p], workers=1)[0] for p in images]
    broken = dataset / "images" / "broken.png"
    mixed = tesseract.recognise([images[0], broken, images[1], images[2]], workers=1,
                                chunk_size=4)
    assert mixed == [singles[0], None, singles[1], singles[2]]
    chunked = tesseract.recognise(images, workers=2, chunk_size=1)
    assert chunked == singles


@pytest.mark.skipif(not (REAL / "ocropus_0002.png").is_file(), reason="real sample absent")
def test_reads_a_real_printed_line() -> None:
    (text,) = tesseract.recognise([REAL / "ocropus_0002.png"])
    assert text is not None and "скаго" in text  # truth: "скаго уѣзда."
