"""The reference's six preprocessing functions, with the reference's default values.

Images are single-channel ``uint8`` arrays (white paper, dark ink). The classifier sees
``resize -> threshold``; the recogniser sees ``resize -> threshold -> rotate`` so that the
image's width becomes the CRNN's time axis, as in the reference.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

TARGET_SIZE: tuple[int, int] = (128, 512)
"""(height, width) of every preprocessed image in the reference."""
BLOCK_SIZE = 21
THRESHOLD_C = 10.0
WHITE = 255


def as_gray(image: np.ndarray) -> np.ndarray:
    """``image`` as one uint8-compatible channel: BGR(A) converted, a single channel squeezed."""
    if image.ndim == 3 and image.shape[2] == 4:
        return cv2.cvtColor(image, cv2.COLOR_BGRA2GRAY)
    if image.ndim == 3 and image.shape[2] == 3:
        return cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    if image.ndim == 3 and image.shape[2] == 1:
        return image[:, :, 0]
    if image.ndim != 2:
        raise ValueError(f"expected a 2-D grayscale or 3-D colour image, got shape {image.shape}")
    return image


def resize_image(image: np.ndarray, target_size: tuple[int, int] = TARGET_SIZE) -> np.ndarray:
    """Scale ``image`` to fit ``target_size`` (height, width) keeping its aspect ratio.

    The scaled image is placed at the left edge, centred vertically, and the rest is padded
    with white (255). Colour input is converted to grayscale first.
    """
    scaled = _scale_to_fit(image, target_size)
    return _place(scaled, target_size, WHITE)


def _scale_to_fit(image: np.ndarray, target_size: tuple[int, int]) -> np.ndarray:
    """Grayscale ``image`` scaled to fit ``target_size`` (height, width), aspect ratio kept."""
    gray = as_gray(np.asarray(image))
    if gray.dtype != np.uint8:
        gray = np.clip(gray, 0, 255).astype(np.uint8)
    h, w = gray.shape
    if h == 0 or w == 0:
        raise ValueError(f"cannot resize an empty image of shape {gray.shape}")
    new_h, new_w = scaled_size((h, w), target_size)
    shrink = min(target_size[0] / h, target_size[1] / w) < 1
    interpolation = cv2.INTER_AREA if shrink else cv2.INTER_LINEAR
    return cv2.resize(gray, (new_w, new_h), interpolation=interpolation)


def scaled_size(shape: tuple[int, int], target_size: tuple[int, int]) -> tuple[int, int]:
    """``(height, width)`` of an image of ``shape`` (height, width) once scaled to fit
    ``target_size`` with its aspect ratio kept: the part of the canvas that is not padding."""
    (h, w), (target_h, target_w) = shape, target_size
    scale = min(target_h / h, target_w / w)
    return max(1, min(target_h, round(h * scale))), max(1, min(target_w, round(w * scale)))


def _place(scaled: np.ndarray, target_size: tuple[int, int], fill: int) -> np.ndarray:
    """``scaled`` on a ``fill`` canvas of ``target_size``: at the left, centred vertically."""
    target_h, target_w = target_size
    canvas = np.full((target_h, target_w), fill, dtype=np.uint8)
    top = (target_h - scaled.shape[0]) // 2
    canvas[top : top + scaled.shape[0], : scaled.shape[1]] = scaled
    return canvas


def threshold_image(
    image: np.ndarray, block_size: int = BLOCK_SIZE, c: float = THRESHOLD_C
) -> np.ndarray:
    """Adaptive mean-C threshold, binary inverted: ink becomes 255, paper becomes 0."""
    return cv2.adaptiveThreshold(
        as_gray(image), 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, block_size, c
    )


def rotate_image(image: np.ndarray) -> np.ndarray:
    """Rotate 90 degrees clockwise (OCR input only): the top-left pixel moves to the top-right."""
    return cv2.rotate(image, cv2.ROTATE_90_CLOCKWISE)


def preprocess_image(
    image: np.ndarray,
    ocr: bool = False,
    target_size: tuple[int, int] = TARGET_SIZE,
    block_size: int = BLOCK_SIZE,
    c: float = THRESHOLD_C,
    pad_after_threshold: bool = False,
) -> np.ndarray:
    """Resize + threshold (classifier input), and rotate as well when ``ocr`` is true.

    ``pad_after_threshold=False`` is the reference order: pad with white, then threshold.
    There the threshold window of pixels next to the padding averages in the white, so grey
    paper along the edges of the line becomes solid ink bars (whole lines vanish in them at
    32 px high). ``True`` thresholds the scaled line alone (OpenCV replicates its border) and
    then pads with background; away from the edges both give the same pixels.
    """
    if pad_after_threshold:
        binary = threshold_image(_scale_to_fit(image, target_size), block_size, c)
        out = _place(binary, target_size, 0)
    else:
        out = threshold_image(resize_image(image, target_size), block_size, c)
    return rotate_image(out) if ocr else out


def encode_sentence(sentence: str, alphabet: Sequence[str], max_len: int) -> np.ndarray:
    """Indices of ``sentence``'s characters in ``alphabet``, padded to ``max_len``.

    The padding value is ``len(alphabet)`` (the CTC blank index), as in the reference.

    Raises:
        ValueError: a character is not in the alphabet, or the sentence is longer than
            ``max_len``.
    """
    index = {ch: i for i, ch in enumerate(alphabet)}
    if len(sentence) > max_len:
        raise ValueError(f"sentence of {len(sentence)} characters exceeds max_len={max_len}")
    missing = sorted({ch for ch in sentence if ch not in index})
    if missing:
        raise ValueError(f"characters not in the alphabet: {''.join(missing)!r}")
    encoded = np.full(max_len, len(alphabet), dtype=np.int32)
    encoded[: len(sentence)] = [index[ch] for ch in sentence]
    return encoded


def encode_dataset(sentences: Sequence[str]) -> tuple[list[str], np.ndarray]:
    """Alphabet (sorted unique characters) and the padded label matrix of ``sentences``."""
    alphabet = sorted({ch for s in sentences for ch in s})
    max_len = max((len(s) for s in sentences), default=0)
    matrix = np.full((len(sentences), max_len), len(alphabet), dtype=np.int32)
    for row, sentence in enumerate(sentences):
        matrix[row] = encode_sentence(sentence, alphabet, max_len)
    return alphabet, matrix
