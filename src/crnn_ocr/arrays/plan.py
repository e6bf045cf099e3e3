"""Cut a manifest into shard specs: one split per shard, rows in a seeded random order.

Shuffling rows before cutting makes every shard a random sample of its split, so the
bounded shuffle of ``tfdata`` (shard order + within-shard permutation) mixes sources and
classes even when the manifest lists them in blocks.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from crnn_ocr.arrays.shards import ShardSpec, fingerprint, image_stat
from crnn_ocr.core.codec import Alphabet
from crnn_ocr.core.preprocess_settings import PreprocessSettings

SHARD_FORMAT = 1
"""Bump when ``build_shard``'s output changes: every shard's fingerprint changes with it."""


def plan_shards(
    file_names: Sequence[str],
    texts: Sequence[str],
    classes: Sequence[int],
    splits: Sequence[str],
    images_dir: Path,
    preprocess: PreprocessSettings,
    alphabet: Alphabet,
    max_label_len: int,
    shard_size: int,
    seed: int,
    split_names: Sequence[str] = ("train", "val", "test"),
) -> list[ShardSpec]:
    """Specs of every shard; row ``i`` of the inputs is manifest row position ``i``."""
    split_array = np.asarray(splits, dtype=object)
    specs: list[ShardSpec] = []
    for split_no, split in enumerate(split_names):
        positions = np.flatnonzero(split_array == split)
        order = np.random.default_rng([seed, split_no]).permutation(len(positions))
        positions = positions[order]
        for k, start in enumerate(range(0, len(positions), shard_size)):
            rows = tuple(int(p) for p in positions[start : start + shard_size])
            names = tuple(file_names[r] for r in rows)
            payload = {
                "format": SHARD_FORMAT, "split": split, "images_dir": str(images_dir),
                "rows": rows, "file_names": names, "texts": [texts[r] for r in rows],
                "classes": [int(classes[r]) for r in rows],
                "target_size": list(preprocess.target_size), "block_size": preprocess.block_size,
                "c": preprocess.c, "pad_after_threshold": preprocess.pad_after_threshold,
                "ink_fill": preprocess.ink_fill,
                "alphabet": "".join(alphabet.chars),
                "max_label_len": max_label_len,
            }
            stats = [image_stat(images_dir / name) for name in names]
            specs.append(
                ShardSpec(
                    name=f"{split}-{k:05d}", split=split, images_dir=str(images_dir), rows=rows,
                    file_names=names, texts=tuple(payload["texts"]),  # type: ignore[arg-type]
                    classes=tuple(payload["classes"]),  # type: ignore[arg-type]
                    preprocess=preprocess, alphabet=alphabet.chars, max_label_len=max_label_len,
                    fingerprint=fingerprint(payload, stats),
                )
            )
    return specs
