"""Per-image facts: the check chain, the header-before-decode rule and the process pool."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from validation_fixtures import patch_png_size, png_bytes

from crnn_ocr.validation import image_facts
from crnn_ocr.validation.image_facts import Limits, collect_facts, inspect_image, sniff_format

LIMITS = Limits(formats=("png", "jpeg", "bmp", "tiff", "webp"), max_pixels=1_000_000)


@pytest.mark.parametrize("ext", [".png", ".jpg", ".bmp", ".tiff", ".webp"])
def test_sniff_format_recognises_each_format(ext: str) -> None:
    ok, data = cv2.imencode(ext, np.zeros((8, 8), np.uint8))
    assert ok
    expected = {".jpg": "jpeg"}.get(ext, ext[1:])
    assert sniff_format(data.tobytes()[:16]) == expected
    assert sniff_format(b"GIF89a....") is None


def test_bomb_header_is_refused_without_decoding(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "bomb.png").write_bytes(patch_png_size(png_bytes(), 40000, 40000))

    def no_decode(data: bytes):  # the decoder must never see a file over the pixel limit
        raise AssertionError("decoded a decompression bomb")

    monkeypatch.setattr(image_facts, "_decode", no_decode)
    facts = inspect_image(tmp_path, "bomb.png", LIMITS)
    assert facts.pixels == 1_600_000_000 and facts.decodes is None
    assert "40000x40000" in facts.image_detail


def test_good_image_facts(tmp_path: Path) -> None:
    (tmp_path / "a.png").write_bytes(png_bytes(height=24, width=96))
    facts = inspect_image(tmp_path, "a.png", LIMITS)
    assert (facts.path_ok, facts.exists, facts.format, facts.extension_ok, facts.decodes) == (
        True, True, "png", True, True)
    assert (facts.height, facts.width, facts.aspect, facts.pixels) == (24, 96, 4.0, 24 * 96)
    assert facts.image_detail == ""


def test_symlink_escaping_images_is_refused(tmp_path: Path) -> None:
    images = tmp_path / "images"
    images.mkdir()
    (tmp_path / "secret.png").write_bytes(png_bytes())
    (images / "link.png").symlink_to(tmp_path / "secret.png")
    facts = inspect_image(images.resolve(), "link.png", LIMITS)
    assert facts.path_ok is False and "symlink" in facts.image_detail
    assert facts.exists is None


@pytest.mark.parametrize("name", ["../x.png", "/etc/hostname", "a\\..\\b.png", "", "C:/x.png"])
def test_unsafe_paths_never_touch_the_file_system(tmp_path: Path, name: str, monkeypatch) -> None:
    def no_stat(*args, **kwargs):
        raise AssertionError(f"touched the file system for {name!r}")

    monkeypatch.setattr(image_facts.os, "stat", no_stat)
    facts = inspect_image(tmp_path, name, LIMITS)
    assert facts.path_ok is False and facts.image_detail


def test_pool_gives_the_same_facts_in_order(tmp_path: Path) -> None:
    names = []
    for i in range(7):
        (tmp_path / f"{i}.png").write_bytes(png_bytes(height=10 + i, width=40))
        names.append(f"{i}.png")
    names.insert(3, "missing.png")
    done: list[int] = []
    pooled = collect_facts(tmp_path, names, LIMITS, workers=2, chunk_size=3, progress=done.append)
    inline = collect_facts(tmp_path, names, LIMITS, workers=1, chunk_size=3)
    assert pooled == inline
    assert sum(done) == len(names)
    assert [f["height"] for f in pooled] == [10, 11, 12, None, 13, 14, 15, 16]
