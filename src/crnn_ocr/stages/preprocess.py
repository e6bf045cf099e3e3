"""The preprocess stage: validated manifest -> bit-packed, sharded, checksummed arrays.

Reads ``data/validated/manifest.csv`` and ``validation.json`` (for ``images_dir``) and writes
the array store described in ``crnn_ocr.arrays.store`` into ``data/arrays``. Shards are built
in parallel (process pool, or Dask when ``preprocess.dask_address`` is set), each atomically;
intact shards from an earlier run are reused, corrupted ones rebuilt. An image that vanished or
broke after validation is skipped, logged and counted; the stage goes on.
"""

from __future__ import annotations

import json
import logging
import shutil
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from crnn_ocr.arrays import store as st
from crnn_ocr.arrays.build import build_shards
from crnn_ocr.arrays.plan import plan_shards
from crnn_ocr.arrays.shards import ShardReport, file_sha256
from crnn_ocr.config.params import Params
from crnn_ocr.config.preprocess import TRAIN_ALPHABET, PreprocessParams
from crnn_ocr.core.codec import NAMED_CHARSETS, Alphabet
from crnn_ocr.core.preprocess_settings import PreprocessSettings
from crnn_ocr.errors import DataError
from crnn_ocr.io.atomic import atomic_file
from crnn_ocr.paths import Paths
from crnn_ocr.stages.preprocess_inputs import Manifest, read_manifest, resolve_images_dir

log = logging.getLogger(__name__)
MAX_LISTED_SKIPS = 1000
LOGGED_SKIPS = 20


@dataclass(frozen=True)
class PreprocessResult:
    """Small values and paths (safe to pass between Prefect tasks)."""

    out_dir: Path
    index: Path
    image_shape: tuple[int, int]
    max_label_len: int
    alphabet_size: int
    alphabet_source: str
    sizes: dict[str, int]
    skipped: int
    skipped_by_reason: dict[str, int] = field(default_factory=dict)
    shards_built: int = 0
    shards_reused: int = 0
    bytes_on_disk: int = 0
    seconds: float = 0.0


def choose_alphabet(
    pp: PreprocessParams, paths: Paths, manifest: Manifest
) -> tuple[Alphabet, str]:
    """The alphabet named by ``preprocess.alphabet`` and where it came from."""
    if pp.alphabet == TRAIN_ALPHABET:
        train = [t for t, s in zip(manifest.texts, manifest.splits, strict=True) if s == "train"]
        if not train:
            raise DataError(f"{manifest.path}: no 'train' rows to build the alphabet from")
        return Alphabet.from_texts([*train, pp.extra_chars]), "training split"
    if pp.alphabet in NAMED_CHARSETS:
        return Alphabet.from_charset(NAMED_CHARSETS[pp.alphabet] + pp.extra_chars), pp.alphabet
    file = Path(pp.alphabet) if Path(pp.alphabet).is_absolute() else paths.root / pp.alphabet
    try:
        return Alphabet.load(file), str(file)
    except (OSError, ValueError, KeyError) as exc:
        raise DataError(f"{file}: cannot read alphabet: {exc}") from exc


def check_characters(manifest: Manifest, alphabet: Alphabet, source: str) -> None:
    """Refuse rows whose characters the alphabet lacks, naming the characters and rows."""
    counts: Counter[str] = Counter()
    where: list[str] = []
    known = set(alphabet.chars)
    for i, text in enumerate(manifest.texts):
        missing = {ch for ch in text if ch not in known}
        if missing:
            counts.update(ch for ch in text if ch in missing)
            if len(where) < 5:
                where.append(f"line {manifest.lines[i]} ({manifest.splits[i]}, "
                             f"{manifest.file_names[i]!r})")
    if counts:
        listed = ", ".join(f"{ch!r}×{n}" for ch, n in counts.most_common())
        hint = ("add them to preprocess.extra_chars or use a named charset, e.g. "
                "-S preprocess.alphabet=modern_russian")
        raise DataError(
            f"{manifest.path}: characters missing from the {source} alphabet: {listed}; "
            f"first rows: {'; '.join(where)}; {hint}"
        )


def _remove_stale(shards_dir: Path, keep: set[str]) -> None:
    """Drop shard folders no longer planned and temp folders of killed runs."""
    if not shards_dir.is_dir():
        return
    for entry in shards_dir.iterdir():
        if entry.name not in keep:
            if entry.is_dir():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)


def _skips(
    reports: list[ShardReport], manifest: Manifest
) -> tuple[list[dict[str, Any]], Counter[str]]:
    rows: list[dict[str, Any]] = []
    reasons: Counter[str] = Counter()
    for report in reports:
        for skip in report.skipped:
            reasons[skip.reason] += 1
            rows.append({"line": manifest.lines[skip.row], "file": skip.file,
                         "split": report.split, "reason": skip.reason})
    rows.sort(key=lambda r: r["line"])
    for row in rows[:LOGGED_SKIPS]:
        log.warning("%s: line %s (%s): skipped: %s", manifest.path, row["line"], row["file"],
                    row["reason"])
    if len(rows) > LOGGED_SKIPS:
        log.warning("%s: %d rows skipped in all (see index.json)", manifest.path, len(rows))
    return rows, reasons


def _write_outputs(out_dir: Path, reports: list[ShardReport], manifest: Manifest,
                   index: dict[str, Any]) -> None:
    import pandas as pd

    frames: list[pd.DataFrame] = []
    split_rows: dict[str, list[np.ndarray]] = {}
    for report in reports:
        positions = np.asarray(st.open_shard_folder(out_dir / st.SHARDS_DIR / report.name).rows)
        split_rows.setdefault(report.split, []).append(positions)
        frames.append(pd.DataFrame({
            "split": report.split, "shard": report.name, "offset": np.arange(len(positions)),
            "row": positions, "file name": [manifest.file_names[p] for p in positions],
            "text": [manifest.texts[p] for p in positions],
            "class": [manifest.classes[p] for p in positions],
            "source": [manifest.sources[p] for p in positions],
        }))
    columns = ["split", "shard", "offset", "row", "file name", "text", "class", "source"]
    rows = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)
    with atomic_file(out_dir / st.ROWS_CSV, "w", encoding="utf-8", newline="") as handle:
        rows.to_csv(handle, index=False, lineterminator="\n")  # type: ignore[call-overload]
    for split in st.SPLITS:
        parts = split_rows.get(split, [])
        array = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
        with atomic_file(out_dir / st.SPLITS_DIR / f"{split}.npy", "wb") as handle:
            np.save(handle, array, allow_pickle=False)  # type: ignore[arg-type]
    with atomic_file(out_dir / st.INDEX, "w", encoding="utf-8") as handle:
        json.dump(index, handle, ensure_ascii=False, indent=1)  # type: ignore[arg-type]


def run(
    params: Params, paths: Paths, validated_dir: str | Path | None = None,
    out_dir: str | Path | None = None, alphabet: Alphabet | None = None,
) -> PreprocessResult:
    """Preprocess ``validated_dir`` (default data/validated) into ``out_dir`` (data/arrays).

    ``alphabet`` (e.g. a trained model's) overrides ``preprocess.alphabet``.

    Raises:
        DataError: manifest or validation.json unusable, or texts with characters the alphabet
            lacks (named, with their rows).
    """
    from tqdm import tqdm

    started = time.perf_counter()
    pp = params.preprocess
    validated_dir = Path(validated_dir or paths.validated)
    out_dir = Path(out_dir or paths.arrays)
    manifest = read_manifest(validated_dir)
    images_dir = resolve_images_dir(validated_dir, paths.root)
    source = "given"
    if alphabet is None:
        alphabet, source = choose_alphabet(pp, paths, manifest)
    check_characters(manifest, alphabet, source)
    max_label_len = max((len(t) for t in manifest.texts), default=0)
    specs = plan_shards(
        manifest.file_names, manifest.texts, manifest.classes, manifest.splits, images_dir,
        PreprocessSettings.from_params(pp), alphabet, max_label_len,
        pp.shard_size, params.seed,
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / st.INDEX).unlink(missing_ok=True)  # the store is incomplete until rewritten
    shards_dir = out_dir / st.SHARDS_DIR
    _remove_stale(shards_dir, {s.name for s in specs})
    with tqdm(total=len(specs), desc="preprocess", unit="shard", disable=None) as bar:
        def progress(report: ShardReport) -> None:
            bar.set_postfix_str(f"{report.name}: {report.rows} images", refresh=False)
            bar.update()

        reports = build_shards(specs, shards_dir, pp.workers, pp.dask_address, progress)
    skipped, reasons = _skips(reports, manifest)
    alphabet.save(out_dir / st.ALPHABET)  # small; overwritten in place is fine
    sizes = {split: sum(r.rows for r in reports if r.split == split) for split in st.SPLITS}
    index = {
        "format": st.FORMAT, "image_shape": list(pp.target_size), "max_label_len": max_label_len,
        "bits_per_pixel": 1, "alphabet": {"file": st.ALPHABET, "size": len(alphabet),
                                          "source": source},
        "manifest": {"path": str(manifest.path), "sha256": file_sha256(manifest.path),
                     "rows": len(manifest.texts)},
        "images_dir": str(images_dir), "sizes": sizes,
        "params": pp.model_dump(mode="json"), "seed": params.seed,
        "shards": [{"name": r.name, "split": r.split, "rows": r.rows, "checksums": r.checksums}
                   for r in reports],
        "skipped": {"count": len(skipped), "by_reason": dict(reasons),
                    "rows": skipped[:MAX_LISTED_SKIPS]},
    }
    _write_outputs(out_dir, reports, manifest, index)
    return PreprocessResult(
        out_dir=out_dir, index=out_dir / st.INDEX, image_shape=pp.target_size,
        max_label_len=max_label_len, alphabet_size=len(alphabet), alphabet_source=source,
        sizes=sizes, skipped=len(skipped), skipped_by_reason=dict(reasons),
        shards_built=sum(r.built for r in reports),
        shards_reused=sum(not r.built for r in reports),
        bytes_on_disk=st.store_files_size(out_dir), seconds=time.perf_counter() - started,
    )
