"""Evaluation figures: galleries of lines (truth vs prediction) and per-bucket bar charts.

Learning curves and the image sheet itself come from the shared ``crnn_ocr.training.plots``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from crnn_ocr.training.plots import _pyplot, sample_sheet


def unrotate(image: np.ndarray) -> np.ndarray:
    """Undo the OCR input's 90-degree clockwise rotation, for display."""
    img = np.asarray(image)
    return np.rot90(img[..., 0] if img.ndim == 3 else img, k=1)


def save_gallery(
    images: Sequence[np.ndarray],
    truths: Sequence[str],
    predictions: Sequence[str],
    path: str | Path,
    title: str,
    notes: Sequence[str] | None = None,
) -> Path:
    """One row per line: the model input (un-rotated) captioned with truth and prediction."""
    captions = [
        f"truth: {t}\npred:  {p}" + (f"   [{notes[i]}]" if notes else "")
        for i, (t, p) in enumerate(zip(truths, predictions, strict=True))
    ]
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return sample_sheet([unrotate(im) for im in images], captions, path, title)


def save_bars(values: Mapping[str, float], path: str | Path, title: str, ylabel: str) -> Path:
    """A bar chart, e.g. CER per length bucket."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 3))
    names = list(values)
    ax.bar(names, [values[n] for n in names])
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path
