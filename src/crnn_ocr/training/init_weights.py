"""Start a fit from another trained model's weights (``train.<model>.init_from``): fine-tuning.

Why: a recogniser trained for an hour on synthetic lines is a better start for a new dataset
(real scans, another alphabet preset of the same size) than random weights, and users expect to
continue from a model they already have. The source is loaded in Keras safe mode and must have
exactly this model's weight shapes; a recogniser's ``alphabet.json`` beside it must match too,
since the same output size with other characters would train without an error and read wrong.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from crnn_ocr.core.codec import Alphabet
from crnn_ocr.errors import CrnnOcrError
from crnn_ocr.paths import ALPHABET_FILE, MODEL_FILE

if TYPE_CHECKING:
    import keras


def source_path(source: str, root: Path, key: str) -> Path:
    """The ``.keras`` file ``source`` names (a file, or a folder holding ``model.keras``)."""
    path = Path(source).expanduser()
    path = path if path.is_absolute() else root / path
    if path.is_dir():
        path = path / MODEL_FILE
    if not path.is_file():
        raise CrnnOcrError(f"{key}={source!r}: no model file at {path}")
    return path


def load_initial_weights(
    model: keras.Model,
    source: str | None,
    root: Path,
    key: str,
    alphabet: Alphabet | None = None,
) -> Path | None:
    """Set ``model``'s weights to those of the model ``source`` names; None when unset."""
    if not source:
        return None
    from crnn_ocr.inference.recognizer import load_keras

    path = source_path(source, root, key)
    if alphabet is not None and (path.parent / ALPHABET_FILE).is_file():
        theirs = Alphabet.load(path.parent / ALPHABET_FILE)
        if theirs.chars != alphabet.chars:
            only_ours = "".join(sorted(set(alphabet.chars) - set(theirs.chars)))
            only_theirs = "".join(sorted(set(theirs.chars) - set(alphabet.chars)))
            raise CrnnOcrError(
                f"{key}={source!r}: its alphabet differs from this dataset's (only here: "
                f"{only_ours!r}; only there: {only_theirs!r}); fine-tune on data with the "
                "same alphabet (validation.charset)"
            )
    other = load_keras(path)
    ours, theirs_w = model.weights, other.weights
    if len(ours) != len(theirs_w):
        raise CrnnOcrError(
            f"{key}={source!r}: another architecture ({len(theirs_w)} weight tensors, this "
            f"model has {len(ours)}); the preset and model settings must match"
        )
    for mine, their in zip(ours, theirs_w, strict=True):
        if tuple(mine.shape) != tuple(their.shape):
            raise CrnnOcrError(
                f"{key}={source!r}: weight {mine.path} is {tuple(mine.shape)} here but "
                f"{tuple(their.shape)} there; the preset, model settings and input height "
                "must match"
            )
    model.set_weights(other.get_weights())
    return path
