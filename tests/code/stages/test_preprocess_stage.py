"""The preprocess stage on a tiny real dataset: outputs, reruns, corruption, skipped rows."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from crnn_ocr.arrays import ArrayStore
from crnn_ocr.arrays.shards import unpack_images
from crnn_ocr.config.params import Params
from crnn_ocr.config.preprocess import PreprocessParams
from crnn_ocr.core.codec import Alphabet
from crnn_ocr.core.preprocessing import resize_image, threshold_image
from crnn_ocr.errors import DataError
from crnn_ocr.paths import Paths
from crnn_ocr.stages import preprocess


def make_params(**overrides: object) -> Params:
    values = {"height": 16, "width": 60, "shard_size": 3, "workers": 1, **overrides}
    return Params(preprocess=PreprocessParams(**values))  # type: ignore[arg-type]


def run(root: Path, **overrides: object) -> preprocess.PreprocessResult:
    return preprocess.run(make_params(**overrides), Paths.from_root(root))


def shard_files(root: Path) -> dict[str, int]:
    shards = root / "data" / "arrays" / "shards"
    return {str(p.relative_to(shards)): p.stat().st_ino for p in shards.rglob("*.npy")}


def test_store_round_trips_thresholded_images(validated_factory) -> None:
    data = validated_factory()
    result = run(data.root)
    store = ArrayStore(data.root / "data" / "arrays")
    assert store.image_shape == (16, 60) and result.sizes == {"train": 6, "val": 2, "test": 2}
    assert store.max_label_len == max(len(t) for t in store.rows("train")["text"].tolist() +
                                      store.rows("val")["text"].tolist() +
                                      store.rows("test")["text"].tolist())
    checked = 0
    for split in ("train", "val", "test"):
        rows = store.rows(split)
        offset = 0
        for info in store.shards(split):
            arrays = store.open_shard(info.name)
            assert arrays.images.shape == (info.rows, 16, 8)  # 60 px -> 8 bytes
            for k in range(info.rows):
                row = rows.iloc[offset + k]
                gray = cv2.imread(str(data.images / row["file name"]), cv2.IMREAD_GRAYSCALE)
                expected = threshold_image(resize_image(gray, (16, 60))) // 255
                np.testing.assert_array_equal(unpack_images(arrays.images[k], 60), expected)
                assert store.alphabet.decode(arrays.labels[k]) == row["text"]
                assert arrays.label_lengths[k] == len(row["text"])
                assert arrays.classes[k] == row["class"]
                checked += 1
            offset += info.rows
    assert checked == 10
    splits = np.load(store.path / "splits" / "train.npy", allow_pickle=False)
    assert sorted(splits.tolist()) == [0, 1, 2, 3, 4, 5]
    assert store.verify() == []


def test_rerun_reuses_intact_shards(validated_factory) -> None:
    data = validated_factory()
    first = run(data.root)
    before = shard_files(data.root)
    again = run(data.root)
    assert (first.shards_built, first.shards_reused) == (4, 0)  # train 3+3, val 2, test 2
    assert (again.shards_built, again.shards_reused) == (0, 4)
    assert shard_files(data.root) == before  # same inodes: nothing rewritten


def test_corrupted_shard_is_detected_and_rebuilt(validated_factory) -> None:
    data = validated_factory()
    run(data.root)
    store = ArrayStore(data.root / "data" / "arrays")
    target = store.path / "shards" / store.shards("val")[0].name / "images.npy"
    original = target.read_bytes()
    corrupted = bytearray(original)
    corrupted[-1] ^= 0xFF
    target.write_bytes(bytes(corrupted))
    assert store.verify() == [f"{store.shards('val')[0].name}/images.npy"]
    result = run(data.root)
    assert (result.shards_built, result.shards_reused) == (1, 3)
    assert target.read_bytes() == original
    assert ArrayStore(store.path).verify() == []


def test_changed_params_rebuild_and_drop_stale_shards(validated_factory) -> None:
    data = validated_factory()
    run(data.root)
    result = run(data.root, shard_size=100, block_size=11)
    assert (result.shards_built, result.shards_reused) == (3, 0)
    names = sorted(p.name for p in (data.root / "data/arrays/shards").iterdir())
    assert names == ["test-00000", "train-00000", "val-00000"]


def test_vanished_and_broken_images_are_skipped_and_counted(validated_factory) -> None:
    data = validated_factory()
    (data.images / data.names[1]).unlink()
    (data.images / data.names[8]).write_bytes(b"not an image any more")
    result = run(data.root)
    assert result.skipped == 2
    assert result.sizes == {"train": 5, "val": 2, "test": 1}
    index = json.loads((data.root / "data/arrays/index.json").read_text(encoding="utf-8"))
    skipped = {r["file"]: r for r in index["skipped"]["rows"]}
    assert skipped[data.names[1]]["line"] == 3 and "vanished" in skipped[data.names[1]]["reason"]
    assert skipped[data.names[8]]["split"] == "test"
    assert "decode" in skipped[data.names[8]]["reason"]
    store = ArrayStore(data.root / "data" / "arrays")
    stored = set(store.rows("train")["file name"]) | set(store.rows("test")["file name"])
    assert data.names[1] not in stored and data.names[8] not in stored


def test_eval_characters_missing_from_training_alphabet_are_named(validated_factory) -> None:
    lines = [("мир", 1, "train"), ("ель", 0, "train"), ("Ѣ мир", 1, "test"), ("ель", 0, "val")]
    data = validated_factory(lines)
    with pytest.raises(DataError) as err:
        run(data.root)
    message = str(err.value)
    assert "'Ѣ'×1" in message and "training split alphabet" in message
    assert "line 4" in message and "manifest.csv" in message
    assert not (data.root / "data/arrays/index.json").exists()


def test_named_charset_with_extra_chars(validated_factory) -> None:
    lines = [("мир", 1, "train"), ("ель", 0, "train"), ("Ѣ мир", 1, "test"), ("ель", 0, "val")]
    data = validated_factory(lines)
    result = run(data.root, alphabet="modern_russian", extra_chars="Ѣ")
    store = ArrayStore(data.root / "data" / "arrays")
    assert "Ѣ" in store.alphabet.chars and "Я" in store.alphabet.chars
    assert result.alphabet_source == "modern_russian"
    assert store.alphabet.decode(store.open_shard("test-00000").labels[0]) == "Ѣ мир"


def test_existing_alphabet_file_refuses_unknown_characters(validated_factory) -> None:
    data = validated_factory()
    Alphabet.from_texts(["мир"]).save(data.root / "model_alphabet.json")
    with pytest.raises(DataError, match="characters missing from the .*model_alphabet.json"):
        run(data.root, alphabet="model_alphabet.json")


def test_unsafe_manifest_path_names_the_line(validated_factory) -> None:
    data = validated_factory()
    manifest = data.validated / "manifest.csv"
    text = manifest.read_text(encoding="utf-8").replace(data.names[2], "../../secret.png")
    manifest.write_text(text, encoding="utf-8")
    with pytest.raises(DataError, match=r"manifest.csv: line 4: path .* escapes"):
        run(data.root)


def test_missing_manifest_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="manifest not found"):
        run(tmp_path)
