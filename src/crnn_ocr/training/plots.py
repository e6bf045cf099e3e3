"""Training figures as PNG files (matplotlib, headless): learning curves, confusion matrix,
a sheet of sample images with captions. Used by both models' stages."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np


def _pyplot():  # type: ignore[no-untyped-def]
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def learning_curves(history: dict[str, list[float]], out: Path, title: str = "") -> Path:
    """One panel per metric (loss, accuracy, learning rate...), train and ``val_`` together."""
    plt = _pyplot()
    names = sorted({k.removeprefix("val_") for k in history})
    fig, axes = plt.subplots(1, len(names), figsize=(4.5 * len(names), 3.5), squeeze=False)
    for ax, name in zip(axes[0], names, strict=True):
        for key, label in ((name, "train"), (f"val_{name}", "val")):
            if key in history:
                values = history[key]
                ax.plot(range(1, len(values) + 1), values, marker="o", label=label)
        ax.set_title(name)
        ax.set_xlabel("epoch")
        if name == "learning_rate":
            ax.set_yscale("log")
        ax.legend()
        ax.grid(alpha=0.3)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(out, dpi=100)
    plt.close(fig)
    return out


def confusion_matrix_png(
    matrix: np.ndarray, class_names: Sequence[str], out: Path, title: str = ""
) -> Path:
    """Counts with row-normalised colours (rows = truth, columns = prediction)."""
    plt = _pyplot()
    rows = matrix.sum(axis=1, keepdims=True).clip(min=1)
    fig, ax = plt.subplots(figsize=(4.5, 4))
    ax.imshow(matrix / rows, cmap="Blues", vmin=0, vmax=1)
    for (i, j), count in np.ndenumerate(matrix):
        colour = "white" if matrix[i, j] / rows[i, 0] > 0.5 else "black"
        ax.text(j, i, str(int(count)), ha="center", va="center", color=colour)
    ticks = range(len(class_names))
    ax.set_xticks(ticks, class_names)
    ax.set_yticks(ticks, class_names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(out, dpi=100)
    plt.close(fig)
    return out


def sample_sheet(
    images: Sequence[np.ndarray], captions: Sequence[str], out: Path, title: str = ""
) -> Path:
    """Images (H x W or H x W x 1, any range) stacked in one column with a caption each."""
    plt = _pyplot()
    count = max(len(images), 1)
    fig, axes = plt.subplots(count, 1, figsize=(8, 0.9 * count + 0.6), squeeze=False)
    for ax in axes[:, 0]:
        ax.axis("off")
    if not images:
        axes[0, 0].text(0.5, 0.5, "nothing to show", ha="center", va="center")
    for ax, image, caption in zip(axes[:, 0], images, captions, strict=False):
        ax.imshow(np.squeeze(image), cmap="gray_r", aspect="auto", interpolation="nearest")
        ax.set_title(caption, fontsize=8, loc="left")
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(out, dpi=100)
    plt.close(fig)
    return out
