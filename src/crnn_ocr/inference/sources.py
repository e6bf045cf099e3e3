"""What ``predict``/``bench`` read: image files, folders of images, or a dataset's labels.csv."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from crnn_ocr.errors import CrnnOcrError

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp"})


@dataclass(frozen=True)
class Labelled:
    """Ground truth of one image from a labels.csv."""

    text: str
    cls: int
    source: str = ""


@dataclass
class Inputs:
    """Images to read, in order, and the ground truth of those that came from a labels.csv."""

    paths: list[Path] = field(default_factory=list)
    truth: dict[str, Labelled] = field(default_factory=dict)

    def add(self, path: Path, label: Labelled | None = None) -> None:
        self.paths.append(path)
        if label is not None:
            self.truth[str(path)] = label


def dataset_inputs(labels_csv: Path, split: str | None = None) -> Inputs:
    """Rows of a dataset's labels.csv (``file name`` relative to ``images/``), strictly checked.

    Absolute paths and ``..`` escapes are refused by the manifest reader, naming file and line.
    ``split`` keeps only the rows of that split (the labels.csv needs a ``split`` column).
    """
    from crnn_ocr.data.manifest import IMAGES, read_labels, with_source

    dataset = labels_csv.parent
    frame = read_labels(dataset)
    if split is not None:
        if "split" not in frame.columns:
            raise CrnnOcrError(f"{labels_csv}: no 'split' column, cannot select split {split!r}")
        frame = frame[frame["split"] == split]
        if frame.empty:
            raise CrnnOcrError(f"{labels_csv}: no rows in split {split!r}")
    images = (dataset / IMAGES).resolve()
    inputs = Inputs()
    frame = with_source(frame)
    for name, text, cls, source in zip(
        frame["file name"], frame["text"], frame["class"], frame["source"], strict=True
    ):
        path = (images / name).resolve()
        if not path.is_relative_to(images):  # symlinks pointing outside the dataset
            raise CrnnOcrError(f"{labels_csv}: {name!r} resolves outside {images}")
        inputs.add(path, Labelled(str(text), int(cls), str(source)))
    return inputs


def collect(args: Sequence[str | Path]) -> Inputs:
    """Expand the command-line PATHs: image files, folders (recursively), labels.csv files."""
    inputs = Inputs()
    for arg in args:
        path = Path(arg)
        if path.is_file() and path.suffix.lower() == ".csv":
            found = dataset_inputs(path)
            inputs.paths.extend(found.paths)
            inputs.truth.update(found.truth)
        elif path.is_file():
            inputs.add(path)
        elif path.is_dir():
            files = sorted(
                p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES
            )
            if not files:
                raise CrnnOcrError(f"{path}: no image files ({', '.join(sorted(IMAGE_SUFFIXES))})")
            for file in files:
                inputs.add(file)
        else:
            raise CrnnOcrError(f"{path}: no such file or folder")
    if not inputs.paths:
        raise CrnnOcrError("nothing to read: give image files, folders or a labels.csv")
    return inputs


def limit_per_class(inputs: Inputs, limit: int | None, seed: int) -> Inputs:
    """At most ``limit`` labelled lines of each class, drawn at random (seeded), order kept."""
    if not limit:
        return inputs
    by_class: dict[int, list[int]] = {}
    for i, path in enumerate(inputs.paths):
        by_class.setdefault(inputs.truth[str(path)].cls, []).append(i)
    rng = random.Random(seed)
    keep: set[int] = set()
    for rows in by_class.values():
        keep.update(rng.sample(rows, min(limit, len(rows))))
    out = Inputs()
    for i in sorted(keep):
        path = inputs.paths[i]
        out.add(path, inputs.truth[str(path)])
    return out
