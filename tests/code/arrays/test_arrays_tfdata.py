"""make_dataset / numpy_batches on a real store built from a tiny dataset."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from crnn_ocr.arrays import ArrayStore, make_dataset, numpy_batches
from crnn_ocr.config.params import Params
from crnn_ocr.config.preprocess import PreprocessParams
from crnn_ocr.core.preprocessing import preprocess_image
from crnn_ocr.paths import Paths
from crnn_ocr.stages import preprocess

H, W = 16, 64


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, write_validated_fn) -> tuple[ArrayStore, Path]:
    root = tmp_path_factory.mktemp("project")
    data = write_validated_fn(root)
    params = Params(preprocess=PreprocessParams(height=H, width=W, shard_size=4, workers=1))
    preprocess.run(params, Paths.from_root(root))
    return ArrayStore(root / "data" / "arrays"), data.images


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
