"""The reference's six preprocessing functions, pinned against hand-computed expectations."""

from __future__ import annotations

import numpy as np
import pytest

from crnn_ocr.core.preprocessing import (
    encode_dataset,
    encode_sentence,
    preprocess_image,
    resize_image,
    rotate_image,
    threshold_image,
)


def test_resize_keeps_aspect_and_pads_white() -> None:
    image = np.zeros((10, 20), dtype=np.uint8)  # black 1:2 box
    out = resize_image(image, (128, 512))
    assert out.shape == (128, 512) and out.dtype == np.uint8
    # scale = min(128/10, 512/20) = 12.8 -> 128 x 256, placed at the left
    assert (out[:, :256] == 0).all()
    assert (out[:, 256:] == 255).all()


def test_resize_wide_image_centres_vertically() -> None:
    image = np.zeros((10, 1000), dtype=np.uint8)
    out = resize_image(image, (128, 512))
    # scale = 0.512 -> 5 x 512, rows 61..65 dark, the rest white
    dark_rows = np.where((out == 0).all(axis=1))[0]
    assert list(dark_rows) == [61, 62, 63, 64, 65]
    assert (out[:61] == 255).all() and (out[66:] == 255).all()


def test_resize_converts_colour_to_gray() -> None:
    image = np.full((8, 8, 3), 255, dtype=np.uint8)
    assert resize_image(image, (4, 4)).shape == (4, 4)


def test_resize_rejects_empty() -> None:
    with pytest.raises(ValueError, match="empty"):
        resize_image(np.zeros((0, 5), dtype=np.uint8))


def test_threshold_marks_dark_ink_on_light_paper() -> None:
    patch = np.full((41, 41), 200, dtype=np.uint8)
    patch[18:23, 18:23] = 20  # a dark dot
    out = threshold_image(patch)
    assert set(np.unique(out)) <= {0, 255}
    assert (out[18:23, 18:23] == 255).all()  # ink -> white (inverted)
    assert out[0, 0] == 0 and out[40, 40] == 0  # flat paper -> black
    # mean-C: a flat patch is never below (mean - 10), so it is all background
    assert (threshold_image(np.full((30, 30), 90, dtype=np.uint8)) == 0).all()


def test_threshold_uses_c_of_10() -> None:
    # centre pixel 9 below a flat neighbourhood of 100 stays background; 11 below becomes ink
    for delta, expected in ((9, 0), (11, 255)):
        patch = np.full((21, 21), 100, dtype=np.uint8)
        patch[10, 10] = 100 - delta
        assert threshold_image(patch)[10, 10] == expected


def test_rotate_is_clockwise() -> None:
    image = np.zeros((2, 3), dtype=np.uint8)
    image[0, 0] = 1  # top-left
    out = rotate_image(image)
    assert out.shape == (3, 2)
    assert out[0, 1] == 1  # top-right after a clockwise turn


def test_preprocess_image_for_both_tasks() -> None:
    image = np.full((20, 60), 255, dtype=np.uint8)
    image[5:15, 10:50] = 0
    cls = preprocess_image(image)
    ocr = preprocess_image(image, ocr=True)
    assert cls.shape == (128, 512)
    assert ocr.shape == (512, 128)
    np.testing.assert_array_equal(ocr, rotate_image(cls))


def test_encode_sentence_pads_with_alphabet_length() -> None:
    alphabet = [" ", "а", "б", "в"]
    np.testing.assert_array_equal(
        encode_sentence("ба в", alphabet, 6), np.array([2, 1, 0, 3, 4, 4], dtype=np.int32)
    )


def test_encode_sentence_refuses_unknown_and_too_long() -> None:
    with pytest.raises(ValueError, match="'г'"):
        encode_sentence("г", ["а"], 3)
    with pytest.raises(ValueError, match="max_len"):
        encode_sentence("аааа", ["а"], 3)


def test_encode_dataset_builds_sorted_alphabet() -> None:
    alphabet, matrix = encode_dataset(["ба", "в"])
    assert alphabet == ["а", "б", "в"]
    np.testing.assert_array_equal(matrix, np.array([[1, 0], [2, 3]], dtype=np.int32))


def test_pad_after_threshold_leaves_no_ink_bars_along_the_padding() -> None:
    """Grey paper next to white padding: the reference order paints it as ink, ours does not."""
    from crnn_ocr.core.preprocessing import preprocess_image

    line = np.full((20, 400), 170, dtype=np.uint8)  # grey paper, width-limited: padded rows
    line[6:14, 50:60] = 0  # one black stroke
    reference = preprocess_image(line, target_size=(32, 512))
    ours = preprocess_image(line, target_size=(32, 512), pad_after_threshold=True)
    top = (32 - round(20 * 512 / 400)) // 2  # first row of the scaled line (scale 1.28)
    assert reference[top, 200:].all(), "reference order: the paper row at the padding is ink"
    assert not ours[:, 200:].any(), "threshold before padding: paper stays background"
    stroke = (slice(top + 9, top + 17), slice(66, 75))
    assert ours[stroke].all() and reference[stroke].all(), "the stroke is ink either way"
    assert not ours[:top].any() and not ours[:, 512 - 1].any(), "padding is background"


def test_pad_after_threshold_keeps_shape_and_rotation() -> None:
    from crnn_ocr.core.preprocessing import preprocess_image

    image = np.full((10, 10), 255, dtype=np.uint8)
    assert preprocess_image(image, True, (32, 512), pad_after_threshold=True).shape == (512, 32)
    tiny = np.zeros((1, 1), dtype=np.uint8)
    assert preprocess_image(tiny, False, (32, 512), pad_after_threshold=True).shape == (32, 512)
