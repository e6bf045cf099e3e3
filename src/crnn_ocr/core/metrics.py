"""OCR metrics: CER, WER and exact match (edit distances from rapidfuzz), overall and per group.

CER and WER are corpus-level: total edits over total reference characters (words), so long
lines weigh more than short ones, as in the usual OCR benchmarks.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import asdict, dataclass

from rapidfuzz.distance import Levenshtein

DEFAULT_LENGTH_BUCKETS: tuple[int, ...] = (5, 10, 20, 40)
"""Upper bounds (inclusive) of the text-length buckets; longer lines go to the last bucket."""


@dataclass(frozen=True)
class Scores:
    """Corpus-level scores of a set of lines."""

    lines: int
    chars: int
    words: int
    char_edits: int
    word_edits: int
    cer: float
    wer: float
    exact_match: float

    def as_dict(self) -> dict[str, float | int]:
        return asdict(self)


def char_edits(truth: str, prediction: str) -> int:
    return int(Levenshtein.distance(truth, prediction))


def word_edits(truth: str, prediction: str) -> int:
    return int(Levenshtein.distance(truth.split(), prediction.split()))


def line_cer(truth: str, prediction: str) -> float:
    """CER of one line (edits / reference length; an empty reference counts one character)."""
    return char_edits(truth, prediction) / max(len(truth), 1)


def score(truths: Sequence[str], predictions: Sequence[str]) -> Scores:
    """CER, WER and exact match of ``predictions`` against ``truths`` (same order)."""
    if len(truths) != len(predictions):
        raise ValueError(f"{len(truths)} truths but {len(predictions)} predictions")
    chars = sum(len(t) for t in truths)
    words = sum(len(t.split()) for t in truths)
    c_edits = sum(char_edits(t, p) for t, p in zip(truths, predictions, strict=True))
    w_edits = sum(word_edits(t, p) for t, p in zip(truths, predictions, strict=True))
    exact = sum(t == p for t, p in zip(truths, predictions, strict=True))
    n = len(truths)
    return Scores(
        lines=n,
        chars=chars,
        words=words,
        char_edits=c_edits,
        word_edits=w_edits,
        cer=c_edits / chars if chars else float(c_edits > 0),
        wer=w_edits / words if words else float(w_edits > 0),
        exact_match=exact / n if n else 0.0,
    )


def length_bucket(length: int, bounds: Sequence[int] = DEFAULT_LENGTH_BUCKETS) -> str:
    """Name of the bucket holding ``length`` characters, e.g. ``"6-10"`` or ``"41-up"``."""
    low = 1
    for high in bounds:
        if length <= high:
            return f"{low}-{high}"
        low = high + 1
    return f"{low}-up"  # MLflow metric names may not contain "+"


def score_by(
    truths: Sequence[str], predictions: Sequence[str], keys: Sequence[Hashable]
) -> dict[str, Scores]:
    """Scores per group: lines sharing a key (class, source, length bucket...) scored together."""
    groups: dict[Hashable, list[int]] = {}
    for i, key in enumerate(keys):
        groups.setdefault(key, []).append(i)
    return {
        str(key): score([truths[i] for i in rows], [predictions[i] for i in rows])
        for key, rows in sorted(groups.items(), key=lambda kv: str(kv[0]))
    }


def score_by_length(
    truths: Sequence[str],
    predictions: Sequence[str],
    bounds: Sequence[int] = DEFAULT_LENGTH_BUCKETS,
) -> dict[str, Scores]:
    return score_by(truths, predictions, [length_bucket(len(t), bounds) for t in truths])


def flatten(prefix: str, groups: Mapping[str, Scores]) -> dict[str, float]:
    """``{"class_1": Scores}`` -> ``{"<prefix>class_1_cer": ..., ...}`` for metric stores."""
    out: dict[str, float] = {}
    for name, s in groups.items():
        for metric in ("cer", "wer", "exact_match"):
            out[f"{prefix}{name}_{metric}"] = float(getattr(s, metric))
    return out
