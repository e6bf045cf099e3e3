"""The LiteRT backend: same outputs as Keras, conversions cached per model content."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from crnn_ocr.errors import CrnnOcrError
from crnn_ocr.inference import Recognizer, litert
from crnn_ocr.inference.recognizer import load_keras

pytestmark = pytest.mark.skipif(not litert.available(), reason="ai-edge-litert not installed")


def _batch(model, n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (rng.random((n, *model.input_shape[1:])) > 0.85).astype(np.float32)


def test_unrolled_copy_has_unrolled_lstms_and_same_outputs(tiny_bundle: Path) -> None:
    model = load_keras(tiny_bundle / "recognizer.keras")
    copy = litert.unrolled(model)
    recurrent = [layer.forward_layer for layer in copy.layers if hasattr(layer, "forward_layer")]
    assert recurrent and all(layer.unroll for layer in recurrent)
    x = _batch(model, 3)
    np.testing.assert_allclose(copy(x), model(x, training=False), atol=1e-6)


@pytest.mark.parametrize("name", ["recognizer.keras", "classifier.keras"])
def test_litert_matches_keras_for_changing_batch_sizes(
    tiny_bundle: Path, tmp_path: Path, name: str
) -> None:
    model = load_keras(tiny_bundle / name)
    run = litert.LiteRtFunction(litert.flatbuffer(model, tmp_path), threads=2)
    for n in (3, 1, 5, 3):  # every change of size resizes the interpreter's input
        x = _batch(model, n, seed=n)
        got = run(x)
        assert got.shape == (n, *model.output_shape[1:])
        np.testing.assert_allclose(got, np.asarray(model(x, training=False)), atol=1e-5)


def test_conversion_is_cached_by_model_content(
    tiny_bundle: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = load_keras(tiny_bundle / "classifier.keras")
    blob = litert.flatbuffer(model, tmp_path)
    (cached,) = tmp_path.glob("*.tflite")
    assert cached.name == f"{litert.model_key(model)}.tflite"
    assert cached.read_bytes() == blob

    def no_conversion(model, quantize="none"):
        raise AssertionError("converted again although the cache holds this model")

    monkeypatch.setattr(litert, "convert", no_conversion)
    assert litert.flatbuffer(model, tmp_path) == blob
    weights = model.get_weights()
    model.set_weights([w + 0.5 for w in weights])  # new weights = another model version
    assert litert.model_key(model) != cached.stem
    with pytest.raises(AssertionError, match="converted again"):
        litert.flatbuffer(model, tmp_path)


def _int8_tensors(blob: bytes) -> int:
    from ai_edge_litert.interpreter import Interpreter

    details = Interpreter(model_content=blob).get_tensor_details()
    return sum(d["dtype"] == np.int8 for d in details)


def test_dynamic_range_quantization_is_a_model_version_of_its_own(
    tiny_bundle: Path, tmp_path: Path, decoded_line
) -> None:
    model = load_keras(tiny_bundle / "recognizer.keras")
    full = litert.flatbuffer(model, tmp_path)
    small = litert.flatbuffer(model, tmp_path, quantize="dynamic_range")
    assert _int8_tensors(full) == 0 < _int8_tensors(small)  # int8 weights where float32 were
    assert sorted(p.stem for p in tmp_path.glob("*.tflite")) == sorted(
        [litert.model_key(model), litert.model_key(model, "dynamic_range")]
    )
    x = _batch(model, 4)
    got = litert.LiteRtFunction(small, threads=2)(x)
    assert not np.array_equal(got, litert.LiteRtFunction(full, threads=2)(x))
    np.testing.assert_allclose(got, np.asarray(model(x, training=False)), atol=0.02)
    with pytest.raises(CrnnOcrError, match="unknown LiteRT quantization 'int4'"):
        litert.flatbuffer(model, tmp_path, quantize="int4")  # type: ignore[arg-type]
    with pytest.raises(CrnnOcrError, match="unknown LiteRT quantization 'int4'"):
        Recognizer.load(tiny_bundle, backend="keras", quantize="int4")
    quantized = Recognizer.load(tiny_bundle, backend="litert", quantize="dynamic_range")
    assert quantized.predict([decoded_line(0)])[0].text is not None


def test_recognizer_backends_agree(tiny_bundle: Path, decoded_line) -> None:
    images = [decoded_line(seed) for seed in range(5)]
    fast = Recognizer.load(tiny_bundle, batch_size=2, backend="litert", quantize="none")
    slow = Recognizer.load(tiny_bundle, batch_size=2, backend="keras")
    assert (fast.backend, slow.backend) == ("litert", "keras")
    for a, b in zip(fast.predict(images), slow.predict(images), strict=True):
        assert (a.cls, a.text) == (b.cls, b.text)
        assert a.class_prob == pytest.approx(b.class_prob, abs=1e-5)
        assert a.confidence == pytest.approx(b.confidence, abs=1e-5)


def test_auto_picks_litert_and_unknown_backend_is_refused(tiny_bundle: Path) -> None:
    assert Recognizer.load(tiny_bundle).backend == "litert"
    with pytest.raises(CrnnOcrError, match="unknown inference backend 'onnx'"):
        Recognizer.load(tiny_bundle, backend="onnx")


def test_shipped_flatbuffers_are_used_by_content_hash(
    tiny_bundle: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, decoded_line
) -> None:
    folder = tmp_path / "bundle"
    shutil.copytree(tiny_bundle, folder)
    models = [load_keras(folder / "classifier.keras"), load_keras(folder / "recognizer.keras")]
    litert.ship(models, folder / "litert")
    assert sorted(p.stem for p in (folder / "litert").glob("*.tflite")) == sorted(
        litert.model_key(m) for m in models
    )
    monkeypatch.setenv(litert.CACHE_ENV, str(tmp_path / "empty-cache"))

    def no_conversion(model, quantize="none"):
        raise AssertionError("converted although the bundle ships this model's flatbuffer")

    monkeypatch.setattr(litert, "convert", no_conversion)
    shipped = Recognizer.load(folder, backend="litert", quantize="none")
    reference = Recognizer.load(tiny_bundle, backend="keras")
    image = decoded_line(0)
    assert shipped.predict([image])[0].text == reference.predict([image])[0].text
    # A flatbuffer of other weights (a stale litert/ folder) is never used for this model.
    other = load_keras(folder / "recognizer.keras")
    other.set_weights([w + 0.5 for w in other.get_weights()])
    with pytest.raises(AssertionError, match="converted although"):
        litert.flatbuffer(other, shipped=folder / "litert")


def test_several_models_convert_side_by_side_in_worker_processes(
    tiny_bundle: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from crnn_ocr.inference import widths

    recognizer = load_keras(tiny_bundle / "recognizer.keras")
    classifier = load_keras(tiny_bundle / "classifier.keras")
    step = int(recognizer.input_shape[1]) // 2
    models = [classifier, *widths.variants(recognizer, step)]  # three models, two processes

    def not_here(model, quantize="none"):
        raise AssertionError("converted in the calling process")

    monkeypatch.setattr(litert, "convert", not_here)  # the spawned workers import their own
    converted = litert.flatbuffers(models, cache=tmp_path, workers=2)
    assert [key for key, _ in converted] == [litert.model_key(m) for m in models]
    assert sorted(p.stem for p in tmp_path.glob("*.tflite")) == sorted(k for k, _ in converted)
    for model, (_, blob) in zip(models, converted, strict=True):
        x = _batch(model, 3)
        np.testing.assert_allclose(litert.LiteRtFunction(blob, threads=1)(x),
                                   np.asarray(model(x, training=False)), atol=1e-5)
    # All cached now: a second call starts no workers and converts nothing.
    monkeypatch.setattr(litert, "_convert_in_processes", not_here)
    assert litert.flatbuffers(models, cache=tmp_path, workers=2) == converted


def test_workers_that_cannot_start_fall_back_to_converting_here(
    tiny_bundle: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    import functools
    import os

    models = [load_keras(tiny_bundle / name) for name in ("classifier.keras", "recognizer.keras")]
    # Every worker exits at start-up, as when a script without a __main__ guard spawns them.
    monkeypatch.setattr(litert, "_quiet", functools.partial(os._exit, 3))
    with caplog.at_level("WARNING", logger=litert.__name__):
        converted = litert.flatbuffers(models, cache=tmp_path, workers=2)
    assert "LiteRT worker processes failed (BrokenProcessPool" in caplog.text
    assert [key for key, _ in converted] == [litert.model_key(m) for m in models]
    for model, (_, blob) in zip(models, converted, strict=True):
        x = _batch(model, 2)
        np.testing.assert_allclose(litert.LiteRtFunction(blob, threads=1)(x),
                                   np.asarray(model(x, training=False)), atol=1e-5)


def test_a_pool_of_interpreters_gives_the_same_outputs_from_many_threads(
    tiny_bundle: Path, tmp_path: Path
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    model = load_keras(tiny_bundle / "recognizer.keras")
    blob = litert.flatbuffer(model, tmp_path)
    single = litert.LiteRtFunction(blob, threads=1)
    pool = litert.LiteRtPool(blob, copies=3)
    batches = [_batch(model, n, seed=n) for n in (1, 4, 2, 4, 3, 1, 5, 2)]
    pool.warm(batches[0])
    with ThreadPoolExecutor(4) as threads:
        got = list(threads.map(pool, batches))
    for x, y in zip(batches, got, strict=True):
        np.testing.assert_array_equal(y, single(x))
