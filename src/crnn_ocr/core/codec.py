"""The text codec: one validated alphabet mapping text <-> label indices.

Index ``len(alphabet)`` is both the CTC blank and the padding value of encoded labels, as in
the reference (dense softmax over the alphabet plus one blank class).
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

RUSSIAN_UPPER = "АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ"
RUSSIAN_LOWER = RUSSIAN_UPPER.lower()
DIGITS = "0123456789"
PUNCTUATION = " !\"'(),-.:;?«»–—№%"
PRE_REFORM = "ѢѣІіѲѳѴѵ"

MODERN_RUSSIAN = RUSSIAN_UPPER + RUSSIAN_LOWER + DIGITS + PUNCTUATION
"""The default character set: modern Russian, digits and common punctuation."""

NAMED_CHARSETS: dict[str, str] = {
    "modern_russian": MODERN_RUSSIAN,
    "pre_reform": MODERN_RUSSIAN + PRE_REFORM,
}
"""Character sets that params.yaml may name; extra characters can be added explicitly."""


def normalize_text(text: str) -> str:
    """Unicode NFC: NFD would split ``й`` and ``ё`` into two code points."""
    return unicodedata.normalize("NFC", text)


class UnknownCharactersError(ValueError):
    """Text holds characters the alphabet does not know; ``counts`` says which and how often."""

    def __init__(self, counts: dict[str, int], where: str = "") -> None:
        self.counts = counts
        listed = ", ".join(f"{ch!r}×{n}" for ch, n in sorted(counts.items(), key=lambda kv: -kv[1]))
        prefix = f"{where}: " if where else ""
        super().__init__(f"{prefix}characters not in the alphabet: {listed}")


@dataclass(frozen=True)
class Alphabet:
    """Sorted unique characters; ``blank`` = ``len(chars)`` is the CTC blank and the padding."""

    chars: tuple[str, ...]

    def __post_init__(self) -> None:
        if list(self.chars) != sorted(set(self.chars)):
            raise ValueError("alphabet characters must be unique and sorted")
        if any(len(ch) != 1 for ch in self.chars):
            raise ValueError("alphabet entries must be single characters")

    @classmethod
    def from_texts(cls, texts: Iterable[str]) -> Alphabet:
        """Alphabet = sorted unique characters of ``texts`` (after NFC)."""
        return cls(tuple(sorted({ch for t in texts for ch in normalize_text(t)})))

    @classmethod
    def from_charset(cls, charset: str) -> Alphabet:
        return cls(tuple(sorted(set(normalize_text(charset)))))

    def __len__(self) -> int:
        return len(self.chars)

    @property
    def blank(self) -> int:
        return len(self.chars)

    @property
    def num_classes(self) -> int:
        """Softmax size: the alphabet plus the CTC blank."""
        return len(self.chars) + 1

    def unknown(self, texts: Iterable[str]) -> dict[str, int]:
        """Count the characters of ``texts`` that are not in the alphabet."""
        known = set(self.chars)
        counts: dict[str, int] = {}
        for text in texts:
            for ch in normalize_text(text):
                if ch not in known:
                    counts[ch] = counts.get(ch, 0) + 1
        return counts

    def encode(self, text: str, max_len: int) -> np.ndarray:
        """Indices of ``text``, padded with ``blank`` to ``max_len``; refuses unknown characters."""
        text = normalize_text(text)
        unknown = self.unknown([text])
        if unknown:
            raise UnknownCharactersError(unknown, where=repr(text))
        if len(text) > max_len:
            raise ValueError(f"{text!r}: {len(text)} characters exceed max_len={max_len}")
        index = {ch: i for i, ch in enumerate(self.chars)}
        out = np.full(max_len, self.blank, dtype=np.int32)
        out[: len(text)] = [index[ch] for ch in text]
        return out

    def encode_batch(self, texts: Sequence[str], max_len: int) -> np.ndarray:
        if not texts:
            return np.zeros((0, max_len), dtype=np.int32)
        return np.stack([self.encode(t, max_len) for t in texts])

    def decode(self, indices: Iterable[int]) -> str:
        """Text of label indices; blanks, padding and negatives (-1 from CTC decoders) dropped."""
        n = len(self.chars)
        return "".join(self.chars[i] for i in (int(x) for x in indices) if 0 <= i < n)

    def to_json(self) -> str:
        return json.dumps({"chars": "".join(self.chars), "blank": self.blank}, ensure_ascii=False)

    def save(self, path: str | Path) -> None:
        Path(path).write_text(self.to_json() + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> Alphabet:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return cls(tuple(data["chars"]))
