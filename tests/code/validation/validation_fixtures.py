"""Tiny datasets for the validation tests: good rows plus one row per planted fault.

A plain module (not conftest.py) so tests can import its helpers unambiguously.
"""

from __future__ import annotations

import csv
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np


def png_bytes(height: int = 24, width: int = 96, seed: int = 0) -> bytes:
    """A small grayscale PNG with some dark strokes (a stand-in for a text line)."""
    rng = np.random.default_rng(seed)
    image = np.full((height, width), 230, np.uint8)
    for _ in range(6):
        x = int(rng.integers(0, width - 8))
        image[4 : height - 4, x : x + 3] = 20
    ok, data = cv2.imencode(".png", image)
    assert ok
    return data.tobytes()


def patch_png_size(data: bytes, width: int, height: int) -> bytes:
    """Rewrite the IHDR width/height (and its CRC): a header that lies about the size."""
    assert data[12:16] == b"IHDR"
    body = data[16:29]
    body = struct.pack(">II", width, height) + body[8:]
    crc = struct.pack(">I", zlib.crc32(b"IHDR" + body) & 0xFFFFFFFF)
    return data[:16] + body + crc + data[33:]


def write_labels(folder: Path, rows: list[list[str]], header: list[str] | None = None) -> None:
    with open(folder / "labels.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header or ["file name", "text", "class"])
        writer.writerows(rows)


@dataclass
class Planted:
    root: Path  # the dataset folder
    good: list[str]  # file names of the good rows
    expected: dict[int, set[str]]  # labels.csv line -> the checks that must fail on it
    outside: Path  # a file beside the dataset that a `../` row points at


GOOD_TEXTS = ["Привет, мир", "съезд 1917 года", "ёлка", "Шла Саша по шоссе", "№ 5 — «да»",
              "Москва", "юг и север", "ЭТО ТЕКСТ"]


def make_planted(tmp_path: Path) -> Planted:
    """8 good rows (balanced classes) and 13 rows each with planted faults."""
    root = tmp_path / "dataset"
    images = root / "images"
    images.mkdir(parents=True)
    rows: list[list[str]] = []
    good = []
    for i, text in enumerate(GOOD_TEXTS):
        name = f"good_{i}.png" if i % 3 else f"sub/good_{i}.png"
        (images / name).parent.mkdir(exist_ok=True)
        (images / name).write_bytes(png_bytes(seed=i))
        rows.append([name, text, str(i % 2)])
        good.append(name)
    ok = png_bytes(seed=99)
    (images / "truncated.png").write_bytes(ok[: len(ok) // 2])
    (images / "zero.png").write_bytes(b"")
    (images / "bomb.png").write_bytes(patch_png_size(ok, 40000, 40000))
    (images / "dup.png").write_bytes(ok)
    (images / "empty_text.png").write_bytes(ok)
    (images / "latin.png").write_bytes(ok)
    (images / "class2.png").write_bytes(ok)
    (images / "tall.png").write_bytes(png_bytes(height=100, width=20))
    (images / "notpng.jpg").write_bytes(ok)
    (images / "text.png").write_bytes(b"not an image at all, just text\n")
    outside = tmp_path / "outside.png"
    outside.write_bytes(ok)
    faults = [
        (["truncated.png", "обрезан", "0"], {"decodes"}),
        (["zero.png", "пусто", "1"], {"nonempty"}),
        (["missing.png", "нет файла", "0"], {"exists"}),
        (["../outside.png", "снаружи", "1"], {"path"}),
        ([str(outside), "абсолютный", "0"], {"path"}),
        (["empty_text.png", "", "1"], {"text_length"}),
        (["latin.png", "hello ¾", "0"], {"charset"}),
        (["class2.png", "класс", "2"], {"class"}),
        (["dup.png", "первый", "1"], {"duplicate_file_name"}),
        (["dup.png", "второй", "0"], {"duplicate_file_name"}),
        (["bomb.png", "бомба", "1"], {"pixels"}),
        (["tall.png", "высокий", "0"], {"aspect"}),
        (["notpng.jpg", "расширение", "1"], {"extension"}),
        (["text.png", "текст", "0"], {"format"}),
        (["missing2.png", "два", "7"], {"exists", "class"}),
    ]
    expected: dict[int, set[str]] = {}
    for row, checks in faults:
        rows.append(row)
        expected[len(rows) + 1] = checks  # +1: the header is line 1
    write_labels(root, rows)
    return Planted(root, good, expected, outside)
