"""LiteRT (TensorFlow Lite) copies of the Keras models: the fast CPU inference backend.

Why: on a few CPU cores TensorFlow runs the recogniser's BiLSTMs as a while-loop of tiny
matmuls, one step at a time. Converted to a LiteRT flatbuffer with the LSTMs unrolled over the
model's fixed number of time steps, the same weights run as one flat graph of XNNPACK kernels,
with the same outputs; on 2 cores predict ran 1.9x faster end to end (the CRNN alone 1.5x,
the classifier 2.9x; ``benchmarks/bench_predict.py``, 2026-12-01). Converting takes seconds
to tens of seconds on one core, so each flatbuffer is cached under the hash of the model's
config and weights (``cache_dir``), and :func:`flatbuffers` converts several models side by side.

The interpreter comes from ``ai-edge-litert`` (the maintained successor of ``tf.lite``); the
converter from TensorFlow. A flatbuffer is data, not code: loading one runs nothing else.
"""

from __future__ import annotations

import gc
import hashlib
import json
import logging
import os
import queue
import tempfile
import threading
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import TYPE_CHECKING, Any, get_args

import numpy as np

from crnn_ocr.config.inference import Quantize
from crnn_ocr.errors import CrnnOcrError
from crnn_ocr.io.atomic import atomic_dir, atomic_file

if TYPE_CHECKING:
    import keras

log = logging.getLogger(__name__)

RECURRENT_LAYERS = frozenset({"LSTM", "GRU", "SimpleRNN"})
CACHE_ENV = "CRNN_OCR_CACHE"
QUANTIZE_MODES: tuple[str, ...] = get_args(Quantize)


def available() -> bool:
    """Whether the LiteRT interpreter can be imported on this machine."""
    try:
        from ai_edge_litert.interpreter import Interpreter  # noqa: F401
    except ImportError:
        return False
    return True


def cache_dir() -> Path:
    """``$CRNN_OCR_CACHE/litert``, else ``$XDG_CACHE_HOME/crnn-ocr/litert`` (``~/.cache``)."""
    root = os.environ.get(CACHE_ENV)
    if root:
        return Path(root) / "litert"
    xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(xdg) / "crnn-ocr" / "litert"


def unrolled(model: keras.Model) -> keras.Model:
    """A copy of ``model`` with every recurrent layer unrolled over time, same weights."""
    import keras

    config = _with_unroll(model.get_config())
    copy = keras.Model.from_config(config)
    copy.set_weights(model.get_weights())
    return copy


def _with_unroll(node: Any) -> Any:
    if isinstance(node, dict):
        node = {key: _with_unroll(value) for key, value in node.items()}
        if node.get("class_name") in RECURRENT_LAYERS and isinstance(node.get("config"), dict):
            node["config"]["unroll"] = True
        return node
    if isinstance(node, list):
        return [_with_unroll(value) for value in node]
    return node


def model_key(model: keras.Model, quantize: Quantize = "none") -> str:
    """Content hash of the model's architecture, weights, the converter's version and the
    quantization mode."""
    import tensorflow as tf

    check_quantize(quantize)
    digest = hashlib.sha256()
    if quantize != "none":  # float32 keys stay those of earlier versions (shipped bundles)
        digest.update(f"quantize={quantize}".encode())
    digest.update(json.dumps(model.get_config(), sort_keys=True, default=str).encode())
    digest.update(tf.__version__.encode())
    for weight in model.get_weights():
        digest.update(str(weight.shape).encode())
        digest.update(np.ascontiguousarray(weight).tobytes())
    return digest.hexdigest()


def check_quantize(quantize: str) -> None:
    """Refuse an unknown quantization mode by name."""
    if quantize not in QUANTIZE_MODES:
        raise CrnnOcrError(
            f"unknown LiteRT quantization {quantize!r}: {' or '.join(QUANTIZE_MODES)}"
        )


def convert(model: keras.Model, quantize: Quantize = "none") -> bytes:
    """Convert ``model`` (recurrent layers unrolled) to a LiteRT flatbuffer.

    ``quantize="dynamic_range"``: weights stored as int8, activations quantized per batch at
    run time (TensorFlow's post-training dynamic-range quantization; no calibration data).
    """
    import tensorflow as tf

    check_quantize(quantize)
    flat = unrolled(model)
    spec = tf.TensorSpec([None, *model.input_shape[1:]], tf.float32)
    with tempfile.TemporaryDirectory(prefix="crnn-ocr-litert-") as tmp:
        saved = Path(tmp) / "saved_model"
        flat.export(str(saved), format="tf_saved_model", input_signature=[spec], verbose=False)
        converter = tf.lite.TFLiteConverter.from_saved_model(str(saved))
        if quantize == "dynamic_range":
            converter.optimizations = [tf.lite.Optimize.DEFAULT]
        try:
            return bytes(converter.convert())
        except Exception as exc:  # the converter raises ConverterError and friends
            raise CrnnOcrError(
                f"cannot convert model {model.name!r} to LiteRT ({exc}); "
                "use the keras backend (-S inference.backend=keras)"
            ) from exc


def flatbuffer(
    model: keras.Model,
    cache: Path | None = None,
    shipped: Path | None = None,
    quantize: Quantize = "none",
) -> bytes:
    """The model's LiteRT flatbuffer (``quantize`` as in :func:`convert`): from ``shipped``
    (a bundle's ``litert/`` folder), from ``cache`` (default :func:`cache_dir`), or converted
    and cached.

    Files are named by :func:`model_key`, so a flatbuffer left over from other weights is
    never used for this model.
    """
    return _named_flatbuffer(model, model_key(model, quantize), cache, shipped, quantize)


def _named_flatbuffer(
    model: keras.Model, key: str, cache: Path | None, shipped: Path | None, quantize: Quantize
) -> bytes:
    """:func:`flatbuffer` once the model's key is known (hashing the weights is not free)."""
    cache = cache_dir() if cache is None else cache
    blob = _stored(key, cache, shipped)
    if blob is not None:
        return blob
    log.info("converting %s to LiteRT (once per model version; cached in %s)", model.name, cache)
    blob = convert(model, quantize)
    # The conversion leaves a large TensorFlow graph behind as cyclic garbage: collect it now,
    # not in the middle of the first batches read (the first `bench` after converting ran at
    # 361 lines/s vs 503-517 in later runs; 511 with this collection; 2026-12-03).
    gc.collect()
    _cache(blob, cache / f"{key}.tflite")
    return blob


def _stored(key: str, cache: Path, shipped: Path | None) -> bytes | None:
    """The flatbuffer named ``key`` in ``shipped`` or ``cache``, else None."""
    name = f"{key}.tflite"
    for path in ([shipped / name] if shipped else []) + [cache / name]:
        if path.is_file():
            return path.read_bytes()
    return None


def _cache(blob: bytes, path: Path) -> None:
    try:
        with atomic_file(path, "wb") as handle:
            handle.write(blob)  # type: ignore[attr-defined]
    except OSError as exc:  # a read-only home still predicts, only without the cache
        log.warning("could not cache the LiteRT model in %s: %s", path.parent, exc)


def flatbuffers(
    models: Sequence[keras.Model],
    quantize: Quantize = "none",
    shipped: Path | None = None,
    cache: Path | None = None,
    workers: int = 0,
) -> list[tuple[str, bytes]]:
    """Each model's key and flatbuffer, as :func:`flatbuffer`; those not shipped or cached yet
    are converted side by side in ``workers`` processes (0 = one per core).

    Why: the converter keeps one core busy (10-55 s per cpu-preset recogniser width on 2 cores),
    and a bundle holds the recogniser at every read width (8 for the 32x1024 canvas), so
    converting them one after the other left the other cores idle.
    """
    cache = cache_dir() if cache is None else cache
    keys = [model_key(model, quantize) for model in models]
    blobs = {key: _stored(key, cache, shipped) for key in keys}
    missing = {key: model for key, model in zip(keys, models, strict=True) if blobs[key] is None}
    processes = min(len(missing), workers or os.cpu_count() or 1)
    if processes > 1:
        blobs.update(_convert_in_processes(missing, quantize, cache, processes))
    for key, model in missing.items():  # one model, one core, or a failed pool
        if blobs[key] is None:
            blobs[key] = _named_flatbuffer(model, key, cache, None, quantize)
    return [(key, blobs[key]) for key in keys]  # type: ignore[misc]


def _convert_in_processes(
    models: dict[str, keras.Model], quantize: Quantize, cache: Path, processes: int
) -> dict[str, bytes]:
    """Convert ``models`` (by key) in a pool of fresh processes, cache and return them; a
    broken pool (a worker killed, e.g. out of memory) returns what finished, with a warning."""
    import multiprocessing

    from tqdm import tqdm

    done: dict[str, bytes] = {}
    with tempfile.TemporaryDirectory(prefix="crnn-ocr-litert-") as tmp:
        jobs = {}
        for key, model in models.items():
            source = Path(tmp) / f"{key}.keras"
            model.save(source)
            jobs[key] = (str(source), str(Path(tmp) / f"{key}.tflite"))
        log.info("converting %d models to LiteRT in %d processes (cached in %s)",
                 len(jobs), processes, cache)
        pool = ProcessPoolExecutor(
            processes, mp_context=multiprocessing.get_context("spawn"), initializer=_quiet
        )
        with pool, tqdm(total=len(jobs), desc="LiteRT", unit="model", disable=None) as bar:
            futures = {pool.submit(_convert_file, *paths, quantize): key
                       for key, paths in jobs.items()}
            for future in as_completed(futures):
                key = futures[future]
                try:
                    future.result()
                except CrnnOcrError:
                    raise
                except Exception as exc:  # BrokenProcessPool: a worker died or never started
                    log.warning(
                        "LiteRT worker processes failed (%s: %s); converting the rest in this "
                        "process. A script that converts needs an `if __name__ == "
                        "\"__main__\":` guard, or its workers cannot start", type(exc).__name__, exc
                    )
                    pool.shutdown(cancel_futures=True)
                    break
                done[key] = Path(jobs[key][1]).read_bytes()
                _cache(done[key], cache / f"{key}.tflite")
                bar.update()
    return done


def _quiet() -> None:
    """Worker start-up: TensorFlow's C++ start-up chatter, once per process, helps no one."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def _convert_file(source: str, target: str, quantize: Quantize) -> None:
    """In a worker process: load a ``.keras`` file in safe mode, write its flatbuffer."""
    from crnn_ocr.inference.recognizer import load_keras

    Path(target).write_bytes(convert(load_keras(source), quantize))


def ship(models: Sequence[keras.Model], folder: Path, quantize: Quantize = "none") -> Path:
    """Write each model's flatbuffer into ``folder`` (a bundle's ``litert/``), atomically.

    A registered model that carries its flatbuffers starts serving without converting, on any
    machine (converting a cpu-preset recogniser takes 10-55 s per width on one core).
    """
    with atomic_dir(folder) as tmp:
        for key, blob in flatbuffers(models, quantize):
            (tmp / f"{key}.tflite").write_bytes(blob)
    return folder


class LiteRtFunction:
    """Run a flatbuffer on float32 batches of any size (the input is resized when it changes).

    One interpreter is not thread-safe, so calls are serialised with a lock.
    """

    def __init__(self, blob: bytes, threads: int | None = None) -> None:
        try:
            from ai_edge_litert.interpreter import Interpreter
        except ImportError as exc:
            raise CrnnOcrError(
                "the litert backend needs the ai-edge-litert package (pip install "
                "ai-edge-litert); or use -S inference.backend=keras"
            ) from exc
        self._interpreter = Interpreter(
            model_content=blob, num_threads=threads or os.cpu_count() or 1
        )
        self._input = self._interpreter.get_input_details()[0]["index"]
        self._output = self._interpreter.get_output_details()[0]["index"]
        self._shape: tuple[int, ...] | None = None
        self._lock = threading.Lock()

    def __call__(self, batch: np.ndarray) -> np.ndarray:
        batch = np.ascontiguousarray(batch, dtype=np.float32)
        with self._lock:
            if batch.shape != self._shape:
                self._interpreter.resize_tensor_input(self._input, list(batch.shape))
                self._interpreter.allocate_tensors()
                self._shape = batch.shape
            self._interpreter.set_tensor(self._input, batch)
            self._interpreter.invoke()
            return self._interpreter.get_tensor(self._output)  # a copy, safe after the lock


class LiteRtPool:
    """``copies`` single-threaded interpreters of one flatbuffer; a call borrows a free one.

    Why: on 2 cores two one-thread interpreters reading two batches side by side beat one
    two-thread interpreter reading them in turn (XNNPACK splits a batch's small matmuls across
    threads with waits between the ops): 25.7 vs 30.3 ms per 64-line batch of the cpu-preset
    recogniser at 256 px (2026-12-08, AVX-512 EPYC). Callers get the speed-up by calling from
    several threads (``Recognizer`` runs its batches in a pool of ``copies`` threads).
    """

    def __init__(self, blob: bytes, copies: int, threads: int = 1) -> None:
        self.copies = max(1, copies)
        self._members = [LiteRtFunction(blob, threads) for _ in range(self.copies)]
        self._free: queue.LifoQueue[LiteRtFunction] = queue.LifoQueue()
        for member in self._members:
            self._free.put(member)

    def __call__(self, batch: np.ndarray) -> np.ndarray:
        member = self._free.get()
        try:
            return member(batch)
        finally:
            self._free.put(member)

    def warm(self, batch: np.ndarray) -> None:
        """Run ``batch`` once through every copy (each one's first call costs ~100 ms more)."""
        for member in self._members:
            member(batch)
