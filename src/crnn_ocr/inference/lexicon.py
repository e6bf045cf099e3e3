"""Dictionary correction of recognised lines (``inference.lexicon``).

A word the dictionary does not know is replaced by the one known word one edit away (a letter
changed, dropped or added), when there is exactly one: the recogniser's typical slips
(``ирошлым`` for ``прошлым``) have a single repair, while names and other words outside the
dictionary have none or several and are left alone. The dictionary is OpenCorpora's, through
pymorphy3 (~5 million word forms, every inflection). Pre-reform spellings count as known when
their modern form is (``вѣтвь`` as ``ветвь``, ``домъ`` as ``дом``), so old print is not "repaired"
into new spelling. Tesseract reads with a dictionary too; this gives our recogniser the same.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache
from typing import Any, Literal

from crnn_ocr.errors import CrnnOcrError

LexiconName = Literal["none", "russian"]

CYRILLIC_WORD = re.compile(r"[А-Яа-яЁёѢѣІіѲѳѴѵ]+")
MIN_LENGTH = 3
"""Shorter words are left alone: one edit away from too many others."""
_TO_MODERN = str.maketrans("ѣіѳѵ", "еифи")
_VOWELS_AND_SIGNS = set("аеёиоуыэюяйьъ")


def modern_form(word: str) -> str:
    """``word`` (lower case) in modern spelling, for lookup: ѣ->е, і->и, ѳ->ф, ѵ->и, and no
    hard sign after a word-final consonant (the only place the old spelling put one)."""
    word = word.translate(_TO_MODERN)
    if len(word) > 1 and word[-1] == "ъ" and word[-2] not in _VOWELS_AND_SIGNS:
        return word[:-1]
    return word


class Lexicon:
    """Known-word lookup and one-edit repair over the lower-case letters the model can write."""

    def __init__(self, letters: str) -> None:
        import pymorphy3

        self._analyzer: Any = pymorphy3.MorphAnalyzer()
        self.letters = "".join(sorted({c for c in letters if CYRILLIC_WORD.fullmatch(c)}))
        self._lock = threading.Lock()  # decode threads may share one Recognizer
        self._known = lru_cache(maxsize=200_000)(self._lookup)
        self._dawg: Any = self._analyzer.dictionary.words.dct  # dawg_python transitions
        # the letters a lookup also accepts in place of one (е: ё), and ъ, which modern_form
        # drops at a word's end: a walk may skip it
        self._steps: dict[str, list[bytes]] = {
            key.decode(): [key, *(value for value, _ in subs)]
            for key, subs in self._analyzer.char_substitutes.items()
        }
        self._steps["ъ"] = ["ъ".encode(), b""]

    def _lookup(self, lower: str) -> bool:
        with self._lock:
            return bool(self._analyzer.word_is_known(modern_form(lower)))

    def known(self, word: str) -> bool:
        return self._known(word.lower())

    def correct_word(self, word: str) -> str:
        """``word``, or its single known neighbour one edit away, in ``word``'s case pattern."""
        if len(word) < MIN_LENGTH or self.known(word):
            return word
        lower = word.lower()
        found = {c for c in self._viable_edits(lower)
                 if len(c) >= MIN_LENGTH - 1 and self.known(c)}
        if len(found) != 1:
            return word
        (repair,) = found
        if word.isupper():
            return repair.upper()
        return repair[0].upper() + repair[1:] if word[0].isupper() else repair

    def correct(self, text: str) -> str:
        """``text`` with each Cyrillic word passed through ``correct_word``."""
        return CYRILLIC_WORD.sub(lambda match: self.correct_word(match.group(0)), text)

    def _viable_edits(self, word: str) -> set[str]:
        """The spellings one edit away from ``word`` (a letter of ``self.letters`` changed,
        dropped or added) less those no dictionary word begins like: the same repairs as trying
        every such spelling, with ~5x fewer look-ups (~124 instead of ~600 for an 8-letter word),
        found by walking the dictionary's DAWG along the word.

        Why: the edits of an 8-letter word are ~600 strings, each a 3 us look-up, and nearly
        all share a prefix that no word has. The walk is permissive (е may be ё, ъ may be
        skipped), so it never drops an edit that :meth:`known` would accept.
        """
        out: set[str] = set()
        states = {self._dawg.ROOT}
        for i in range(len(word) + 1):
            head, tail = word[:i], word[i:]
            if tail:
                out.add(head + tail[1:])
            for letter in self.letters:
                if not self._walk(states, letter):
                    continue
                out.add(head + letter + tail)
                if tail and letter != tail[0]:
                    out.add(head + letter + tail[1:])
            if not tail:
                break
            states = self._walk(states, tail[0])
            if not states:  # no word begins with word[: i + 1]: nor does any later edit
                break
        return out

    def _walk(self, states: set[int], text: str) -> set[int]:
        """The DAWG states reached from ``states`` along ``text`` in modern letters (empty:
        no dictionary word continues that way)."""
        for char in text.translate(_TO_MODERN):
            steps = self._steps.get(char) or [char.encode()]
            states = {
                state if not step else self._dawg.follow_bytes(step, state)
                for state in states
                for step in steps
            } - {None}
            if not states:
                break
        return states


def load_lexicon(name: LexiconName, alphabet: str) -> Lexicon | None:
    """The lexicon ``inference.lexicon`` names (None for ``none``), over the lower-case
    letters of ``alphabet``."""
    if name == "none":
        return None
    if name != "russian":  # the Python API takes plain strings; params are checked by pydantic
        raise CrnnOcrError(f"lexicon must be none or russian, got {name!r}")
    return Lexicon("".join(c for c in alphabet if c.islower()))
