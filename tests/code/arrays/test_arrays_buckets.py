"""Width-bucketed OCR batches (``train.ocr.width_step``) on a real store built from tiny data."""

from __future__ import annotations

import numpy as np
import pytest

from crnn_ocr.arrays import buckets, make_dataset
from crnn_ocr.core.widths import read_width

H, W = 16, 64  # the canvas of the `store` fixture (conftest.py)


def test_ink_width_is_the_last_byte_column_with_ink() -> None:
    packed = np.zeros((3, 2, 4), np.uint8)
    packed[0, 1, 2] = 0b1000_0000  # pixel 16
    packed[1, 0, 0] = 1  # pixel 7
    assert buckets.ink_widths(packed).tolist() == [24, 8, 0]


def test_frames_needed_counts_repeats_like_the_text_rule() -> None:
    blank = 9
    labels = np.array([[1, 1, 2, blank], [3, 4, 5, 6], [blank] * 4])
    assert buckets.frames_needed(labels, blank).tolist() == [4, 4, 0]


def test_read_width_is_the_same_rule_for_ints_and_arrays() -> None:
    widths = np.array([0, 10, 40, 200])
    assert read_width(widths, (32, 512), 128).tolist() == [
        read_width(int(w), (32, 512), 128) for w in widths] == [128, 128, 128, 256]
    assert read_width(widths, (32, 512), None).tolist() == [512] * 4


def test_a_pass_yields_every_line_once_cropped_to_its_bucket(store) -> None:  # type: ignore[no-untyped-def]
    arrays, _ = store
    step = 16
    full = {tuple(y.numpy()[k]): x.numpy()[k]
            for x, y in make_dataset(arrays, "train", "ocr", 8, shuffle=False, seed=0)
            for k in range(len(y))}
    dataset = make_dataset(arrays, "train", "ocr", 2, shuffle=True, seed=3, width_step=step)
    assert dataset.element_spec[0].shape.as_list() == [None, None, H, 1]
    seen = []
    batches = list(dataset)
    assert len(batches) == int(dataset.cardinality())
    for x, y in batches:
        width = x.shape[1]
        assert width % step == 0 and 0 < width <= W
        for k, label in enumerate(map(tuple, y.numpy())):
            whole = full[label]
            np.testing.assert_array_equal(x.numpy()[k], whole[:width])  # same pixels ...
            assert not whole[width:].any()  # ... and no ink cut off
            text_end = np.flatnonzero(whole.any(axis=(1, 2)))
            assert width >= min(W, (text_end.max() + 1 if text_end.size else 0) + H)
            seen.append(label)
    assert sorted(seen) == sorted(full)


def test_a_label_widens_its_bucket_to_have_enough_frames(store) -> None:  # type: ignore[no-untyped-def]
    arrays, _ = store
    widths = buckets.line_widths(arrays, "train", 16, columns_per_frame=1)
    wide = buckets.line_widths(arrays, "train", 16, columns_per_frame=W)  # a frame per canvas
    for name, shard in widths.items():
        labels = arrays.open_shard(name).labels
        has_text = buckets.frames_needed(np.asarray(labels), arrays.alphabet.blank) > 0
        assert (wide[name][has_text] == W).all() and (shard <= wide[name]).all()


def test_counted_batches_match_a_pass_for_any_batch_size(store) -> None:  # type: ignore[no-untyped-def]
    arrays, _ = store
    widths = buckets.line_widths(arrays, "train", 16, 1)
    width_of = {tuple(label): int(width) for name, shard in widths.items()
                for label, width in zip(arrays.open_shard(name).labels, shard, strict=True)}
    for size in (1, 2, 3, 5):
        rng = np.random.default_rng(size)
        got = list(buckets.bucketed_batches(arrays, "train", size, widths, rng))
        assert len(got) == buckets.count_batches(widths, size)
        assert sum(len(y) for _, y in got) == arrays.size("train")
        for x, y in got:  # every line of a batch is of that batch's bucket
            assert 0 < len(y) <= size
            assert {width_of[tuple(label)] for label in y} == {x.shape[2] * 8}


def test_width_step_is_for_ocr_only(store) -> None:  # type: ignore[no-untyped-def]
    arrays, _ = store
    with pytest.raises(ValueError, match="OCR task only"):
        make_dataset(arrays, "train", "classify", 2, shuffle=True, seed=0, width_step=16)
