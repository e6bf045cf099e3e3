"""Toy images with a learnable class, shared by training tests and the fit driver."""

from __future__ import annotations

import numpy as np


def separable_arrays(n: int = 64, shape: tuple[int, int] = (16, 64), seed: int = 0):
    """Images whose class is learnable: class 1 has ink in the top half, class 0 in the bottom."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, n).astype(np.int32)
    images = (rng.random((n, *shape, 1)) < 0.05).astype(np.float32)
    half = shape[0] // 2
    for i, cls in enumerate(labels):
        rows = slice(0, half) if cls else slice(half, shape[0])
        ink = rng.random((half, shape[1])) < 0.5
        images[i, rows, :, 0] = np.maximum(images[i, rows, :, 0], ink)
    return images, labels
