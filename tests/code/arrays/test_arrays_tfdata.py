"""make_dataset / numpy_batches on a real store built from a tiny dataset."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from crnn_ocr.arrays import ArrayStore, augment, make_dataset, numpy_batches
from crnn_ocr.config.params import Params
from crnn_ocr.config.preprocess import PreprocessParams
from crnn_ocr.config.train import AugmentParams
from crnn_ocr.core.preprocessing import preprocess_image
from crnn_ocr.paths import Paths
from crnn_ocr.stages import preprocess

H, W = 16, 64  # the canvas of the `store` fixture (conftest.py)


def test_classify_dataset_shapes_values_and_labels(store) -> None:
    arrays, _ = store
    batches = list(make_dataset(arrays, "train", "classify", 4, shuffle=False, seed=0))
    assert [b[0].shape.as_list() for b in batches] == [[4, H, W, 1], [2, H, W, 1]]
    images = np.concatenate([b[0].numpy() for b in batches])
    labels = np.concatenate([b[1].numpy() for b in batches])
    assert images.dtype == np.float32 and set(np.unique(images)) <= {0.0, 1.0}
    assert labels.dtype == np.int32
    np.testing.assert_array_equal(labels, arrays.rows("train")["class"].to_numpy())


def test_ocr_dataset_is_rotated_like_rotate_image(store) -> None:
    arrays, images_dir = store
    dataset = make_dataset(arrays, "train", "ocr", 3, shuffle=False, seed=0)
    spec = dataset.element_spec
    assert spec[0].shape.as_list() == [None, W, H, 1] and spec[1].shape.as_list() == [
        None, arrays.max_label_len]
    images, labels = next(iter(dataset))
    rows = arrays.rows("train")
    for k in range(3):
        gray = cv2.imread(str(images_dir / rows["file name"][k]), cv2.IMREAD_GRAYSCALE)
        expected = preprocess_image(gray, ocr=True, target_size=(H, W)) / 255.0
        np.testing.assert_array_equal(images[k, :, :, 0].numpy(), expected)
        label = labels[k].numpy()
        assert arrays.alphabet.decode(label) == rows["text"][k]
        assert (label[len(rows["text"][k]) :] == arrays.alphabet.blank).all()


def test_shuffle_permutes_within_a_pass_and_reshuffles_per_pass(store) -> None:
    arrays, _ = store
    dataset = make_dataset(arrays, "train", "ocr", 2, shuffle=True, seed=7)
    first = np.concatenate([y.numpy() for _, y in dataset])
    second = np.concatenate([y.numpy() for _, y in dataset])
    plain = np.concatenate([y.numpy() for _, y in make_dataset(arrays, "train", "ocr", 2,
                                                                 shuffle=False, seed=7)])
    as_set = lambda a: sorted(map(tuple, a.tolist()))  # noqa: E731
    assert as_set(first) == as_set(second) == as_set(plain)
    assert not (np.array_equal(first, plain) and np.array_equal(second, plain))
    again = np.concatenate([y.numpy() for _, y in make_dataset(arrays, "train", "ocr", 2,
                                                                 shuffle=True, seed=7)])
    np.testing.assert_array_equal(again, first)  # same seed, same first pass


def test_repeat_streams_past_one_epoch(store) -> None:
    arrays, _ = store
    dataset = make_dataset(arrays, "val", "classify", 1, shuffle=True, seed=1, repeat=True)
    labels = [int(y.numpy()[0]) for _, y in dataset.take(5 * arrays.size("val"))]
    assert len(labels) == 10 and sorted(labels) == sorted(
        arrays.rows("val")["class"].tolist() * 5)


def test_numpy_batches_match_the_dataset_in_store_order(store) -> None:
    arrays, _ = store
    batches = list(numpy_batches(arrays, "train", "ocr", 4))
    texts = [t for b in batches for t in b.texts]
    assert texts == arrays.rows("train")["text"].tolist()
    assert [arrays.alphabet.decode(y) for b in batches for y in b.labels] == texts
    tf_images = np.concatenate([x.numpy() for x, _ in make_dataset(
        arrays, "train", "ocr", 4, shuffle=False, seed=0)])
    np.testing.assert_array_equal(np.concatenate([b.images for b in batches]), tf_images)
    limited = list(numpy_batches(arrays, "train", "classify", 4, limit=5))
    assert [len(b.texts) for b in limited] == [4, 1] and limited[0].images.shape == (4, H, W, 1)


def test_unknown_task_or_split_is_refused(store) -> None:
    arrays, _ = store
    with pytest.raises(ValueError, match="task"):
        make_dataset(arrays, "train", "segment", 2, shuffle=False, seed=0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="split"):
        list(numpy_batches(arrays, "training", "ocr", 2))  # type: ignore[arg-type]


def test_width_not_a_multiple_of_8_unpacks_exactly(tmp_path: Path, write_validated_fn) -> None:
    data = write_validated_fn(tmp_path)
    params = Params(preprocess=PreprocessParams(height=10, width=61, shard_size=16, workers=1))
    preprocess.run(params, Paths.from_root(tmp_path))
    arrays = ArrayStore(tmp_path / "data" / "arrays")
    rows = arrays.rows("val")
    for task, ocr in (("classify", False), ("ocr", True)):
        images, _ = next(iter(make_dataset(arrays, "val", task, 8, shuffle=False, seed=0)))
        for k in range(len(rows)):
            gray = cv2.imread(str(data.images / rows["file name"][k]), cv2.IMREAD_GRAYSCALE)
            expected = preprocess_image(gray, ocr=ocr, target_size=(10, 61)) / 255.0
            np.testing.assert_array_equal(images[k, :, :, 0].numpy(), expected)


AUGMENT = AugmentParams(enabled=True, width_scale=(0.7, 0.9), shear=0.2, dilate_fraction=0.5)


def _images(dataset) -> np.ndarray:  # type: ignore[no-untyped-def]
    return np.concatenate([x.numpy() for x, *_ in dataset])


def test_augmented_batches_are_binary_warped_reproducible_and_keep_labels(store) -> None:
    arrays, _ = store
    plain = make_dataset(arrays, "train", "ocr", 4, shuffle=True, seed=3)
    warped = make_dataset(arrays, "train", "ocr", 4, shuffle=True, seed=3, augment=AUGMENT)
    assert warped.element_spec[0].shape.as_list() == [None, W, H, 1]
    first, second = _images(warped), _images(warped)  # two passes
    assert set(np.unique(first)) <= {0.0, 1.0}
    assert not np.array_equal(first, _images(plain)) and not np.array_equal(first, second)
    np.testing.assert_array_equal(  # same labels, same order as without augmentation
        np.concatenate([y.numpy() for _, y in warped]), np.concatenate([y for _, y in plain]))
    again = make_dataset(arrays, "train", "ocr", 4, shuffle=True, seed=3, augment=AUGMENT)
    np.testing.assert_array_equal(_images(again), first)
    # The OCR view is the classify view rotated clockwise, augmentation included.
    flat = make_dataset(arrays, "train", "classify", 4, shuffle=True, seed=3, augment=AUGMENT)
    np.testing.assert_array_equal(np.rot90(first, k=1, axes=(1, 2)), _images(flat))


def test_disabled_augmentation_changes_nothing(store) -> None:
    arrays, _ = store
    off = AugmentParams(enabled=False, shear=0.3)
    for task in ("classify", "ocr"):
        np.testing.assert_array_equal(
            _images(make_dataset(arrays, "train", task, 4, shuffle=False, seed=0, augment=off)),
            _images(make_dataset(arrays, "train", task, 4, shuffle=False, seed=0)))


@pytest.mark.parametrize("column", [0, 1, 126, 127])
def test_warps_never_push_ink_off_the_canvas(column: int) -> None:
    """Ink at the canvas edges stays inside under the strongest slant (the squeeze pays for
    the slant's shift): every row of a full-height bar still holds ink after the warp."""
    height, width = 32, 128
    images = np.zeros((64, height, width, 1), np.float32)
    images[:, :, column] = 1.0
    params = AugmentParams(enabled=True, width_scale=(1.0, 1.0), height_scale=(1.0, 1.0),
                           shear=0.5, dilate_fraction=0.0)
    draws = augment.draw(params, 64, height, width, np.random.default_rng(0))
    assert np.abs(draws[:, 1]).max() > 0.4  # strong slants were drawn
    warped = augment.apply(images, draws).numpy()
    assert warped[..., 0].max(axis=2).min() == 1.0


def test_augment_scales_must_squeeze() -> None:
    with pytest.raises(ValueError, match="width_scale"):
        AugmentParams(width_scale=(0.9, 1.2))
