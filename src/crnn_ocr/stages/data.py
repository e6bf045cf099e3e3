"""The ``data`` stage: synthetic lines + imported folders -> ``data/raw`` (images/ + labels.csv)."""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crnn_ocr.config import Params
from crnn_ocr.config.data import SourceSpec
from crnn_ocr.data.importers import Source, scan, source_name, summarize, write_dataset
from crnn_ocr.data.importers.layouts import scan_seed
from crnn_ocr.errors import CrnnOcrError, DataError
from crnn_ocr.io.atomic import atomic_dir
from crnn_ocr.paths import Paths

log = logging.getLogger(__name__)
SYNTH = "synth"


@dataclass(frozen=True)
class DataResult:
    """What the stage wrote: the dataset folder and its counts (``summary.json``)."""

    out_dir: Path
    rows: int
    summary: dict[str, Any]
    notes: tuple[str, ...] = field(default=())  # optional sources skipped, fonts missing


def _render_synth(
    params: Params, paths: Paths, work: Path, progress: bool, notes: list[str]
) -> Source:
    """Render ``data.synth.size`` lines into ``work`` and return them as a source."""
    try:
        from crnn_ocr.data.synth import render_dataset  # the generator's contract
    except ImportError as exc:
        raise CrnnOcrError(
            "data.synth.size > 0 but the synthetic generator (crnn_ocr.data.synth.render_dataset)"
            " is not available; set data.synth.size=0 to build from imported sources only"
        ) from exc
    synth = params.data.synth
    result = render_dataset(synth, out_dir=work, fonts_dir=paths.fonts, workers=synth.workers,
                            progress=progress)
    notes.extend(f"synth: font {font} cannot draw {chars!r}"
                 for font, chars in result.fonts_missing.items())
    return Source(SYNTH, scan_seed(work), owned=True)


def resolve_source(spec: SourceSpec, root: Path) -> Path:
    """A source folder from params: relative paths start at the project root."""
    path = Path(spec.path).expanduser()
    return path if path.is_absolute() else root / path


def run(params: Params, paths: Paths, progress: bool = False) -> DataResult:
    """Build ``data/raw`` from ``params.data`` (atomically: a failure leaves the old one).

    Raises:
        DataError: a required source is missing or has a bad row (file and line named).
    """
    data = params.data
    folders: list[tuple[SourceSpec, Path]] = []
    notes: list[str] = []
    for spec in data.sources:
        folder = resolve_source(spec, paths.root)
        if folder.is_dir():
            folders.append((spec, folder))
        elif spec.optional:
            notes.append(f"optional source {spec.path!r} not found at {folder}: skipped")
            log.warning(notes[-1])
        else:
            raise DataError(f"{folder}: source folder not found (data.sources: {spec.path!r})")

    if data.synth.size == 0 and not folders:
        raise CrnnOcrError(
            "data stage has nothing to build: data.synth.size is 0 and no data.sources folder "
            "was found" + (f" ({'; '.join(notes)})" if notes else "")
        )
    # Scan every import before rendering anything: a bad row fails in seconds, not after synth.
    taken = {SYNTH} | {s.name for s, _ in folders if s.name}
    sources: list[Source] = []
    for spec, folder in folders:
        name = spec.name or source_name(folder, taken)
        taken.add(name)
        sources.append(Source(name, scan(folder, spec.kind)))

    with atomic_dir(paths.raw) as tmp:
        if data.synth.size > 0:
            work = tmp / ".synth"
            sources.insert(0, _render_synth(params, paths, work, progress, notes))
        frame = write_dataset(
            tmp,
            sources,
            data.splits.fractions(),
            params.seed,
            use_source_splits=data.splits.use_source_splits,
            link=data.link,
            progress=progress,
        )
        shutil.rmtree(tmp / ".synth", ignore_errors=True)
    return DataResult(paths.raw, len(frame), summarize(frame), tuple(notes))
