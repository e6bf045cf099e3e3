"""Untrusted image bytes: good ones decode, bad ones are refused with a reason."""

from __future__ import annotations

import struct
import zlib

import cv2
import numpy as np
import pytest

from crnn_ocr.inference.images import ImageError, decode_image, read_image


def bomb_png(width: int = 40000, height: int = 40000) -> bytes:
    """A real small PNG whose IHDR is patched to claim ``width`` x ``height`` (CRC fixed)."""
    ok, data = cv2.imencode(".png", np.zeros((8, 8), dtype=np.uint8))
    assert ok
    raw = bytearray(data.tobytes())
    ihdr = raw[12:29]  # b"IHDR" + 13 bytes of header data
    ihdr[4:12] = struct.pack(">II", width, height)
    raw[12:29] = ihdr
    raw[29:33] = struct.pack(">I", zlib.crc32(bytes(ihdr)) & 0xFFFFFFFF)
    return bytes(raw)


def test_decodes_png_and_jpeg_to_grayscale() -> None:
    colour = np.zeros((10, 30, 3), dtype=np.uint8)
    colour[:, :15] = (255, 255, 255)
    for ext in (".png", ".jpg"):
        ok, data = cv2.imencode(ext, colour)
        assert ok
        image = decode_image(data.tobytes(), "x" + ext)
        assert image.shape == (10, 30)
        assert image.dtype == np.uint8
        assert image[:, :10].mean() > 200 and image[:, 20:].mean() < 50


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty image"),
        (b"hello, I am text", "not an image"),
        (bomb_png(), "decompression bomb"),
    ],
)
def test_refuses_bad_bytes_with_reason(data: bytes, reason: str) -> None:
    with pytest.raises(ImageError) as info:
        decode_image(data, "row 3")
    assert info.value.source == "row 3"
    assert reason in info.value.reason
    assert str(info.value).startswith("row 3: ")


def test_bomb_refused_from_header_with_size() -> None:
    with pytest.raises(ImageError, match="bomb") as info:
        decode_image(bomb_png(), "bomb.png")
    assert "1600000000" in info.value.reason  # the pixel count the header claims


def test_limits_are_parameters() -> None:
    ok, data = cv2.imencode(".png", np.zeros((100, 100), dtype=np.uint8))
    assert ok
    with pytest.raises(ImageError, match="over the limit of 9999"):
        decode_image(data.tobytes(), max_pixels=9999)
    with pytest.raises(ImageError, match="exceeds the limit"):
        decode_image(data.tobytes(), max_bytes=10)


def test_truncated_image_fails_to_decode(tmp_path) -> None:
    ok, data = cv2.imencode(".png", np.random.default_rng(0).integers(0, 255, (64, 64), np.uint8))
    assert ok
    path = tmp_path / "cut.png"
    path.write_bytes(data.tobytes()[:200])
    with pytest.raises(ImageError, match="corrupt or truncated"):
        read_image(path)


def test_missing_file_named(tmp_path) -> None:
    with pytest.raises(ImageError, match="cannot read file") as info:
        read_image(tmp_path / "nope.png")
    assert info.value.source.endswith("nope.png")
