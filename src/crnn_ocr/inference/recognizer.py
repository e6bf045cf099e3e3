"""Batched classify+read: one call gives each line's class, class probability, text, confidence.

Images are decoded and preprocessed in a thread pool (OpenCV releases the GIL), one window of
lines ahead of the models, so decoding of window k+1 overlaps inference of window k on a
multi-core machine. A window holds ``WINDOW_BATCHES`` batches (the first one batch, so
results start at once), so that each width the recogniser reads at (``inference.widths``)
gets full batches: a LiteRT interpreter re-plans itself for every new batch size (~14 ms for
the cpu preset at 512 px), and a batch of a few lines costs nearly as much as a full one.
"""

from __future__ import annotations

import os
import tempfile
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from crnn_ocr.config.inference import InferenceParams, Quantize
from crnn_ocr.core.codec import Alphabet
from crnn_ocr.core.preprocess_settings import PreprocessSettings
from crnn_ocr.core.preprocessing import rotate_image, scaled_size
from crnn_ocr.errors import CrnnOcrError
from crnn_ocr.inference import bundle as bundle_io
from crnn_ocr.inference import pieces as line_pieces
from crnn_ocr.inference import widths as read_widths
from crnn_ocr.inference.images import (
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_PIXELS,
    ImageError,
    decode_image,
    read_image,
)
from crnn_ocr.inference.lexicon import LexiconName, load_lexicon
from crnn_ocr.models.classifier import CLASS_NAMES

if TYPE_CHECKING:
    import keras

Loader = Callable[[], np.ndarray]
Backend = Literal["auto", "litert", "keras"]
# One source for the defaults: the `inference` section of params.yaml, so the Python API and
# the served model (which get no params.yaml) behave like the CLI with default params.
_DEFAULTS = InferenceParams.model_validate({})
DEFAULT_MODEL = _DEFAULTS.model
WINDOW_BATCHES = 16


@dataclass(frozen=True)
class Loaded:
    """One preprocessed line: the classifier's input (the whole line) and the recogniser's
    inputs, one rotated image per piece (``inference.pieces``) with the width it is read at
    (``inference.widths``).

    The images are kept without their trailing blank (all-zero) columns (``_trim``); batches
    pad them back with zeros, so the models see the same input. Why: a line is a fifth of the
    canvas on average, and the untrimmed canvases of two windows in flight made the first pass
    of a process spend most of a second in the kernel growing its heap.
    """

    flat: np.ndarray
    rotated: list[np.ndarray]
    pieces: list[line_pieces.Piece]
    widths: list[int]


@dataclass(frozen=True)
class Prediction:
    """One line: class 0 printed / 1 handwritten, its probability, the text and its confidence."""

    id: str
    cls: int
    class_name: str
    class_prob: float
    text: str
    confidence: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Failure:
    """An input that could not be read; ``reason`` says why."""

    id: str
    reason: str


class Recognizer:
    """The classifier and the CRNN recogniser with their alphabet and preprocessing settings."""

    def __init__(
        self,
        classifier: keras.Model,
        recognizer: keras.Model,
        alphabet: Alphabet,
        preprocess: PreprocessSettings,
        *,
        batch_size: int = _DEFAULTS.batch_size,
        workers: int = _DEFAULTS.workers,
        max_pixels: int = DEFAULT_MAX_PIXELS,
        max_bytes: int = DEFAULT_MAX_BYTES,
        decoding: Literal["greedy", "beam_search"] = _DEFAULTS.decoding,
        beam_width: int = _DEFAULTS.beam_width,
        backend: Backend = _DEFAULTS.backend,
        litert_dir: Path | None = None,
        piece_aspect: float | None = _DEFAULTS.piece_aspect,
        quantize: Quantize = _DEFAULTS.quantize,
        width_step: int | None = _DEFAULTS.width_step,
        lexicon: LexiconName = _DEFAULTS.lexicon,
        model_threads: int = _DEFAULTS.model_threads,
    ) -> None:
        if batch_size <= 0:
            raise CrnnOcrError(f"batch size must be > 0, got {batch_size}")
        if piece_aspect is not None and piece_aspect < 1:
            raise CrnnOcrError(f"piece aspect must be >= 1 (or None), got {piece_aspect}")
        self.classifier = classifier
        self.recognizer = recognizer
        self.alphabet = alphabet
        self.preprocess = preprocess
        self.batch_size = batch_size
        self.workers = workers or os.cpu_count() or 1
        if self.workers > 1:
            _single_threaded_opencv()
        self.max_pixels = max_pixels
        self.max_bytes = max_bytes
        self.decoding = decoding
        self.beam_width = beam_width
        self.lexicon = load_lexicon(lexicon, "".join(alphabet.chars))  # None: no correction
        self.piece_aspect = piece_aspect  # read lines wider than this many heights in pieces
        self._check_shapes()
        read_widths.check_step(recognizer, width_step)
        self.width_step = width_step  # read lines at the width they need (None: whole canvas)
        from crnn_ocr.inference import litert

        litert.check_quantize(quantize)  # refused with either backend, not silently ignored
        self.backend = resolve_backend(backend)
        self.quantize = quantize  # LiteRT only; the keras backend always runs float32
        # litert_dir: a bundle's shipped flatbuffers (used when their content hash matches)
        self._litert_dir = litert_dir
        # litert: one single-threaded interpreter per core, batches run side by side in a pool
        # (litert.LiteRtPool); keras: one call at a time, TensorFlow spreads it over the cores
        cores = os.cpu_count() or 1
        self.model_threads = (model_threads or cores) if self.backend == "litert" else 1
        self._threads_each = max(1, cores // self.model_threads)  # LiteRT threads per copy
        self._pool: ThreadPoolExecutor | None = None
        self._classify = inference_function(classifier, self.backend, litert_dir, quantize,
                                            self.model_threads, self._threads_each)
        self._readers: dict[int, Callable[[np.ndarray], np.ndarray]] = {}  # by input width
        self._readers_lock = threading.Lock()
        self.reader(preprocess.width)  # the whole canvas: built (or converted) up front

    # ----------------------------------------------------------------------------- loading
    @classmethod
    def load(cls, model: str | Path = DEFAULT_MODEL, **options: Any) -> Recognizer:
        """Load a bundle folder or an MLflow URI (``models:/crnn-ocr@champion`` by default).

        Keras models load in safe mode (no arbitrary code from the file). For MLflow URIs the
        tracking URI comes from ``MLFLOW_TRACKING_URI`` or the project store (``mlruns/``).
        """
        if not bundle_io.is_uri(str(model)):
            return cls.from_bundle(bundle_io.resolve(model), **options)
        from crnn_ocr.paths import Paths
        from crnn_ocr.tracking.mlflow_store import setup

        setup(Paths.from_root())
        with tempfile.TemporaryDirectory(prefix="crnn-ocr-model-") as tmp:
            return cls.from_bundle(bundle_io.resolve(model, tmp), **options)

    @classmethod
    def from_project_models(
        cls, folder: str | Path, preprocess: PreprocessSettings, **options: Any
    ) -> Recognizer:
        """The models a project's train stages left in ``folder`` (``models/``), read with that
        project's preprocessing settings (``PreprocessSettings.from_params(params.preprocess)``)."""
        files = bundle_io.project_models(folder)
        if files is None:
            missing = [n for n in bundle_io.PROJECT_MODEL_FILES.values()
                       if not (Path(folder) / n).is_file()]
            raise CrnnOcrError(f"{folder}: not a project's models/ folder (missing "
                               f"{', '.join(missing)}; run crnn-ocr train classifier / train ocr)")
        return cls(load_keras(files["classifier"]), load_keras(files["recognizer"]),
                   Alphabet.load(files["alphabet"]), preprocess, **options)

    @classmethod
    def from_bundle(cls, bundle: bundle_io.Bundle, **options: Any) -> Recognizer:
        return cls(
            load_keras(bundle.classifier),
            load_keras(bundle.recognizer),
            Alphabet.load(bundle.alphabet),
            PreprocessSettings.load(bundle.preprocess),
            litert_dir=bundle.litert,
            **options,
        )

    def _check_shapes(self) -> None:
        h, w = self.preprocess.target_size
        cls_in = tuple(self.classifier.input_shape[1:3])
        ocr_in = tuple(self.recognizer.input_shape[1:3])
        if cls_in != (h, w) or ocr_in != (w, h):
            raise CrnnOcrError(
                f"model inputs do not match the preprocessing settings ({h}x{w}, preprocess.json "
                f"or params): classifier expects {cls_in}, recognizer expects {ocr_in} (rotated, "
                f"i.e. {w}x{h})"
            )
        classes = int(self.recognizer.output_shape[-1])
        if classes != self.alphabet.num_classes:
            raise CrnnOcrError(
                f"recognizer outputs {classes} classes but alphabet.json has "
                f"{len(self.alphabet)} characters + blank = {self.alphabet.num_classes}"
            )

    # ----------------------------------------------------------------------------- predicting
    def predict(
        self, images: Sequence[np.ndarray], ids: Sequence[str] | None = None
    ) -> list[Prediction]:
        """Classify and read decoded images (grayscale or BGR ``uint8`` arrays)."""
        names = _ids(ids, len(images), "image")
        items = [(name, _const(img)) for name, img in zip(names, images, strict=True)]
        return [r for r in self.iter_predict(items, on_error="raise") if isinstance(r, Prediction)]

    def predict_bytes(
        self, blobs: Sequence[bytes], ids: Sequence[str] | None = None
    ) -> list[Prediction]:
        """Classify and read encoded images; the first bad one raises :class:`ImageError`."""
        names = _ids(ids, len(blobs), "row")
        items = [
            (name, partial(decode_image, blob, name, self.max_pixels, self.max_bytes))
            for name, blob in zip(names, blobs, strict=True)
        ]
        return [r for r in self.iter_predict(items, on_error="raise") if isinstance(r, Prediction)]

    def predict_paths(
        self, paths: Iterable[str | Path], on_error: Literal["raise", "skip"] = "skip"
    ) -> list[Prediction | Failure]:
        """Classify and read image files; unreadable ones become :class:`Failure` (or raise)."""
        return list(self.iter_predict(self.path_items(paths), on_error=on_error))

    def path_items(self, paths: Iterable[str | Path]) -> Iterator[tuple[str, Loader]]:
        for path in paths:
            yield str(path), partial(read_image, path, self.max_pixels, self.max_bytes)

    def iter_predict(
        self,
        items: Iterable[tuple[str, Loader]],
        on_error: Literal["raise", "skip"] = "skip",
    ) -> Iterator[Prediction | Failure]:
        """Results in input order; loading runs in threads, one window ahead of the models."""
        with ThreadPoolExecutor(self.workers, thread_name_prefix="crnn-ocr-decode") as pool:
            pending: deque[list[tuple[str, Future[Loaded]]]] = deque()
            batches = _chunks(items, self.batch_size, self.batch_size * WINDOW_BATCHES)
            for chunk in batches:
                pending.append([(name, pool.submit(self._load_one, load)) for name, load in chunk])
                if len(pending) < 2:
                    continue
                yield from self._finish(pending.popleft(), on_error)
            while pending:
                yield from self._finish(pending.popleft(), on_error)

    def _load_one(self, load: Loader) -> Loaded:
        image = load()
        settings = self.preprocess
        try:
            image = settings.frame(image)  # once per line: its pieces keep the line's framing
            flat = _trim(settings.apply(image, frame=False), axis=1)
            pieces = line_pieces.split_line(image, self.piece_aspect, settings.block_size,
                                            settings.c)
            if len(pieces) == 1:
                rotated = [rotate_image(flat)]  # a canvas column is a rotated row
            else:
                rotated = [_trim(settings.apply(image[:, p.start : p.stop], ocr=True,
                                                frame=False), axis=0) for p in pieces]
            widths = [
                read_widths.bucket(
                    scaled_size((image.shape[0], p.stop - p.start), settings.target_size)[1],
                    settings.target_size, self.width_step,
                )
                for p in pieces
            ]
        except Exception as exc:  # ValueError / cv2.error on odd shapes or dtypes
            raise ImageError("<image>", f"cannot preprocess: {exc}") from None
        return Loaded(flat, rotated, pieces, widths)

    def _finish(
        self,
        batch: list[tuple[str, Future[Loaded]]],
        on_error: Literal["raise", "skip"],
    ) -> Iterator[Prediction | Failure]:
        done: list[tuple[int, str, Loaded]] = []
        failures: dict[int, Failure] = {}
        for index, (name, future) in enumerate(batch):
            try:
                done.append((index, name, future.result()))
            except ImageError as exc:
                reason = exc.reason
                if on_error == "raise":
                    raise ImageError(name, reason) from None
                failures[index] = Failure(name, reason)
        predictions = self._run_models([d[2] for d in done], [d[1] for d in done])
        by_index = {d[0]: pred for d, pred in zip(done, predictions, strict=True)}
        for index in range(len(batch)):
            yield by_index[index] if index in by_index else failures[index]

    def _run_models(self, lines: list[Loaded], names: list[str]) -> list[Prediction]:
        if not lines:
            return []
        step = self.batch_size
        cls_jobs = [
            self._models_pool().submit(
                lambda chunk: self._classify(
                    _as_input([line.flat for line in chunk], self.preprocess.target_size)
                ),
                lines[start : start + step],
            )
            for start in range(0, len(lines), step)
        ]
        piece_texts, piece_confidences = self._read_pieces(
            [image for line in lines for image in line.rotated],
            [width for line in lines for width in line.widths],
        )
        classes, class_probs = class_outputs(np.concatenate([job.result() for job in cls_jobs]))
        texts: list[str] = []
        confidences: list[float] = []
        at = 0
        for line in lines:  # a line is as sure as its least sure piece
            n = len(line.pieces)
            if not line.flat.any():  # no ink left after thresholding: nothing to read
                texts.append("")
                confidences.append(0.0)
            else:
                text = line_pieces.join_texts(line.pieces, piece_texts[at : at + n])
                texts.append(self.lexicon.correct(text) if self.lexicon else text)
                confidences.append(min(piece_confidences[at : at + n]))
            at += n
        return [
            Prediction(
                id=name,
                cls=int(c),
                class_name=CLASS_NAMES[int(c)],
                class_prob=float(p),
                text=t,
                confidence=float(conf),
            )
            for name, c, p, t, conf in zip(
                names, classes, class_probs, texts, confidences, strict=True
            )
        ]

    def _read_pieces(
        self, images: list[np.ndarray], widths: list[int]
    ) -> tuple[list[str], list[float]]:
        """Texts and confidences of rotated recogniser inputs, each read at its width: the
        inputs of one width ``batch_size`` at a time (a window can hold more pieces than
        lines)."""
        texts = [""] * len(images)
        confidences = [0.0] * len(images)
        by_width: dict[int, list[int]] = {}
        for index, width in enumerate(widths):
            by_width.setdefault(width, []).append(index)

        def read(width: int, chunk: list[int]) -> tuple[list[str], list[float]]:
            batch = _as_input([images[i] for i in chunk], (width, self.preprocess.height))
            return self.decode(self.reader(width)(batch))

        jobs = [
            (chunk, self._models_pool().submit(read, width, chunk))
            for width, indices in sorted(by_width.items())
            for chunk in _slices(indices, self.batch_size)
        ]
        for chunk, job in jobs:
            got, sure = job.result()
            for i, text, confidence in zip(chunk, got, sure, strict=True):
                texts[i], confidences[i] = text, confidence
        return texts, confidences

    def _models_pool(self) -> ThreadPoolExecutor:
        """The threads that run model batches (``model_threads``; created on first use)."""
        with self._readers_lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self.model_threads,
                                                thread_name_prefix="crnn-ocr-model")
            return self._pool

    def prepare_widths(self) -> list[int]:
        """Build (for LiteRT: load or convert) the recogniser at every width now, not on first
        use, and run one blank batch through each model (for timing, or a server's first
        requests); return the widths.

        The first call of a LiteRT interpreter costs ~100 ms more than the next ones (XNNPACK
        packs its weights then): with 8 widths that is most of a second, which a timed run
        whose warm-up batch touched only some widths would otherwise count.
        """
        sizes = read_widths.all_widths(self.preprocess.width, self.width_step)
        if self.backend == "litert":  # convert the missing ones side by side, read them once
            from crnn_ocr.inference import litert

            converted = litert.flatbuffers(read_widths.variants(self.recognizer, self.width_step),
                                           self.quantize, shipped=self._litert_dir)
            with self._readers_lock:
                for width, (_key, blob) in zip(sizes, converted, strict=True):
                    if width not in self._readers:
                        self._readers[width] = litert.LiteRtPool(blob, self.model_threads,
                                                                 self._threads_each)
        height, width = self.preprocess.target_size
        blank = np.zeros((self.batch_size, width, height, 1), np.float32)
        _warm(self._classify, blank.transpose(0, 2, 1, 3))
        for size in sizes:
            _warm(self.reader(size), blank[:, :size])
        return sizes

    def reader(self, width: int) -> Callable[[np.ndarray], np.ndarray]:
        """The recogniser for rotated inputs ``width`` columns wide (built, and for LiteRT
        converted or loaded, on first use; see ``inference.widths``)."""
        with self._readers_lock:
            if width not in self._readers:
                narrow = read_widths.at_width(self.recognizer, width)
                self._readers[width] = inference_function(
                    narrow, self.backend, self._litert_dir, self.quantize, self.model_threads,
                    self._threads_each,
                )
            return self._readers[width]

    def decode(self, probs: np.ndarray) -> tuple[list[str], list[float]]:
        """CTC-decode softmax outputs ``[B, T, C]`` into texts and per-line confidences."""
        from crnn_ocr.models import ctc

        return ctc_texts(ctc, probs, self.alphabet, self.decoding, self.beam_width)


def ctc_texts(
    ctc: Any, probs: np.ndarray, alphabet: Alphabet, decoding: str, beam_width: int
) -> tuple[list[str], list[float]]:
    """Adapter over ``crnn_ocr.models.ctc`` (the CRNN engineer's decoder; never re-implemented)."""
    result = ctc.decode(probs, alphabet, strategy=decoding, beam_width=beam_width)
    texts = [r.text for r in result]
    confidences = [r.confidence for r in result]
    return texts, confidences


def class_outputs(output: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Predicted class and its probability from a sigmoid ``[B, 1]`` or softmax ``[B, 2]`` head."""
    output = np.asarray(output, dtype=np.float64)
    if output.ndim == 2 and output.shape[1] == 2:
        classes = output.argmax(axis=1)
        return classes, output[np.arange(len(output)), classes]
    p_handwritten = output.reshape(len(output))
    classes = (p_handwritten >= 0.5).astype(np.int64)
    return classes, np.where(classes == 1, p_handwritten, 1.0 - p_handwritten)


def resolve_backend(backend: Backend) -> Literal["litert", "keras"]:
    """``auto`` is ``litert`` where its interpreter is installed and Keras runs on TensorFlow
    (the converter is TensorFlow's), else ``keras``."""
    import keras

    from crnn_ocr.inference import litert

    if backend not in ("auto", "litert", "keras"):
        raise CrnnOcrError(f"unknown inference backend {backend!r}: auto, litert or keras")
    if backend != "auto":
        return backend
    if keras.backend.backend() == "tensorflow" and litert.available():
        return "litert"
    return "keras"


def inference_function(
    model: keras.Model,
    backend: Literal["litert", "keras"] = "keras",
    litert_dir: Path | None = None,
    quantize: Quantize = "none",
    copies: int = 1,
    threads: int = 1,
) -> Callable[[np.ndarray], np.ndarray]:
    """``model`` in inference mode for any batch size: ``copies`` LiteRT interpreters of
    ``threads`` threads each (``litert.LiteRtPool``) over its shipped (``litert_dir``) or cached
    conversion (``quantize``: see ``litert.convert``), or one compiled TensorFlow graph (no
    retracing)."""
    import keras

    if backend == "litert":
        from crnn_ocr.inference import litert

        blob = litert.flatbuffer(model, shipped=litert_dir, quantize=quantize)
        return litert.LiteRtPool(blob, copies, threads)
    if keras.backend.backend() != "tensorflow":
        return lambda x: np.asarray(model.predict_on_batch(x))
    import tensorflow as tf

    spec = tf.TensorSpec([None, *model.input_shape[1:]], tf.float32)
    graph = tf.function(lambda x: model(x, training=False), input_signature=[spec])
    return lambda x: graph(x).numpy()


def load_keras(path: str | Path) -> keras.Model:
    """Load a ``.keras`` file in safe mode (custom layers must be registered serialisables)."""
    import keras

    import crnn_ocr.models.ctc  # noqa: F401  (registers the project's Keras serialisables)

    try:
        return keras.saving.load_model(path, compile=False, safe_mode=True)
    except (OSError, ValueError, TypeError) as exc:
        raise CrnnOcrError(f"{path}: cannot load Keras model: {exc}") from exc


def _as_input(images: list[np.ndarray], shape: tuple[int, int]) -> np.ndarray:
    """A model batch ``float32 [B, *shape, 1]`` in [0, 1] from preprocessed ``uint8`` images,
    each at the top left, cropped or padded with zeros (no ink) to ``shape``."""
    batch = np.zeros((len(images), *shape, 1), np.float32)
    for row, image in zip(batch, images, strict=True):
        part = image[: shape[0], : shape[1]]
        row[: part.shape[0], : part.shape[1], 0] = part
    batch /= 255.0
    return batch


def _trim(image: np.ndarray, axis: int) -> np.ndarray:
    """``image`` without its trailing all-zero slices along ``axis`` (a copy; at least one
    slice stays, as OpenCV cannot rotate an empty image)."""
    inked = np.flatnonzero(image.any(axis=1 - axis))
    keep = int(inked[-1]) + 1 if inked.size else 1
    return image[:, :keep].copy() if axis == 1 else image[:keep].copy()


def _single_threaded_opencv() -> None:
    """Turn off OpenCV's own thread pool (process-wide). The decode threads already spread the
    lines over the cores; OpenCV splitting each small line image again only added wake-ups:
    loading ../shared/data/real took 1.6-2.2 instead of 2.5-2.7 CPU seconds (2026-12-08)."""
    import cv2

    cv2.setNumThreads(1)


def _warm(function: Callable[[np.ndarray], np.ndarray], batch: np.ndarray) -> None:
    warm = getattr(function, "warm", None)  # a LiteRtPool: every copy
    if warm is not None:
        warm(batch)
    else:
        function(batch)


def _slices(items: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _ids(ids: Sequence[str] | None, n: int, prefix: str) -> list[str]:
    if ids is None:
        return [f"{prefix} {i}" for i in range(n)]
    if len(ids) != n:
        raise CrnnOcrError(f"{len(ids)} ids for {n} images")
    return [str(i) for i in ids]


def _const(image: np.ndarray) -> Loader:
    return lambda: np.asarray(image)


def _chunks(
    items: Iterable[tuple[str, Loader]], first: int, size: int
) -> Iterator[list[tuple[str, Loader]]]:
    """``first`` items, then ``size`` at a time."""
    chunk: list[tuple[str, Loader]] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == first:
            yield chunk
            chunk, first = [], size
    if chunk:
        yield chunk
