"""Russian line texts: sentences, windows cut from running text, names, addresses, dates...

Everything is drawn from the ``rng`` passed in, so a line's text depends only on its seed.
A share of lines (``boost_fraction``) gets a snippet built around a character drawn uniformly
from the alphabet: that is what makes rare letters (ъ, ё, Ъ, Щ, Ы...) frequent enough to learn.
"""

from __future__ import annotations

import numpy as np

from crnn_ocr.config.synth import TextParams
from crnn_ocr.core.codec import normalize_text
from crnn_ocr.data.synth.pre_reform import to_pre_reform
from crnn_ocr.data.synth.vocab import Vocabulary, load_vocabulary

_MONTHS = "января февраля марта апреля мая июня июля августа сентября октября ноября декабря"
MONTHS = tuple(_MONTHS.split())
UNITS = ("кг", "м", "км", "л", "т", "шт.")
END_MARKS = (".", ".", ".", ".", "!", "?", ";", ":", "...")
# Snippets for punctuation and digits: {w} = a word, {n} = a number.
PUNCT_SNIPPETS = {
    " ": "{w} {w}", "!": "{w}!", '"': '"{w}"', "'": "'{w}'", "(": "({w})", ")": "({w})",
    ",": "{w},", "-": "{w}-{w}", ".": "{w}.", ":": "{w}:", ";": "{w};", "?": "{w}?",
    "«": "«{w}»", "»": "«{w}»", "–": "{n}–{n}", "—": "{w} — {w}", "№": "№ {n}", "%": "{n}%",
}


def _pick(rng: np.random.Generator, items: tuple[str, ...] | list[str]) -> str:
    return items[int(rng.integers(len(items)))]


def fit_length(text: str, max_chars: int) -> str:
    """Cut ``text`` to ``max_chars`` at a word boundary when there is one."""
    text = " ".join(text.split())
    if len(text) <= max_chars:
        return text
    cut = text.rfind(" ", 0, max_chars + 1)
    return (text[:cut] if cut > 0 else text[:max_chars]).strip()


class TextGenerator:
    """Draws one line of text per call; output is NFC and uses only ``charset`` characters."""

    def __init__(self, params: TextParams, charset: str) -> None:
        self.params = params
        self.charset = charset
        self.allowed = set(charset)
        self.vocab: Vocabulary = load_vocabulary(charset)
        kinds = sorted(k for k, w in params.mix.items() if w > 0)
        weights = np.array([params.mix[k] for k in kinds], dtype=float)
        self.kinds = kinds
        self.weights = weights / weights.sum()
        self.boost_chars = sorted(set(charset))
        self.makers = {
            "sentence": self._sentence, "window": self._window, "words": self._words,
            "name": self._name, "address": self._address, "date": self._date,
            "number": self._number_line, "job": self._job,
        }

    # --- line kinds -------------------------------------------------------------------------
    def _number(self, rng: np.random.Generator) -> str:
        return str(int(10 ** rng.uniform(0, 4.5)))

    def _sentence(self, rng: np.random.Generator) -> str:
        v = self.vocab
        words = []
        for i in range(int(rng.integers(3, 13))):
            r = rng.random()
            word = _pick(rng, v.cities if r < 0.06 else v.last_male if r < 0.1 else v.words)
            if r >= 0.1 and rng.random() < 0.03:
                word = f"«{word}»"
            words.append(word)
            if i and rng.random() < 0.1:
                words[-1] += ","
            elif i and rng.random() < 0.03:
                words.append("—")
        if rng.random() < 0.08:
            words.insert(int(rng.integers(len(words))), self._number(rng))
        words[0] = words[0][:1].upper() + words[0][1:]
        return " ".join(words).rstrip(",") + _pick(rng, END_MARKS)

    def _window(self, rng: np.random.Generator) -> str:
        """A window of running text that may start and end mid-word, like cropped scans."""
        running = " ".join(self._sentence(rng) for _ in range(4))
        length = int(rng.integers(5, self.params.max_chars + 1))
        start = int(rng.integers(0, max(1, len(running) - length)))
        return running[start : start + length].strip()

    def _words(self, rng: np.random.Generator) -> str:
        words = [_pick(rng, self.vocab.words) for _ in range(int(rng.integers(1, 4)))]
        text = " ".join(words)
        if rng.random() < 0.3:
            text = text[:1].upper() + text[1:]
        if rng.random() < 0.3:
            text += _pick(rng, (",", ".", ";", "-", ":"))
        return text

    def _name(self, rng: np.random.Generator) -> str:
        v = self.vocab
        female = rng.random() < 0.5
        first = _pick(rng, v.first_female if female else v.first_male)
        middle = _pick(rng, v.middle_female if female else v.middle_male)
        last = _pick(rng, v.last_female if female else v.last_male)
        form = int(rng.integers(5))
        if form == 0:
            return f"{last} {first} {middle}"
        if form == 1:
            return f"{first[0]}. {middle[0]}. {last}"
        if form == 2:
            return f"{last} {first[0]}.{middle[0]}."
        if form == 3:
            return f"{first} {last}"
        return f"{_pick(rng, ('гр.', 'тов.', 'г-н', 'Заявитель:', 'Ф. И. О.:'))} {last}"

    def _address(self, rng: np.random.Generator) -> str:
        v = self.vocab
        street = f"{_pick(rng, v.street_kinds)} {_pick(rng, v.streets)}"
        house = f"д. {int(rng.integers(1, 200))}"
        if rng.random() < 0.3:
            house += f", кв. {int(rng.integers(1, 400))}"
        city = f"{_pick(rng, ('г.', 'г.', 'пос.', 'с.'))} {_pick(rng, v.cities)}"
        form = int(rng.integers(4))
        if form == 0:
            return f"{city}, {street}, {house}"
        if form == 1:
            return f"{int(rng.integers(100000, 999999))}, {city}, {street}, {house}"
        if form == 2:
            return f"{_pick(rng, v.regions)}, {city}"
        return f"{street}, {house}"

    def _date(self, rng: np.random.Generator) -> str:
        day, month = int(rng.integers(1, 29)), int(rng.integers(12))
        year = int(rng.integers(1890, 2031))
        form = int(rng.integers(6))
        if form == 0:
            return f"{day:02d}.{month + 1:02d}.{year}"
        if form == 1:
            return f"{day} {MONTHS[month]} {year} г."
        if form == 2:
            return f"«{day}» {MONTHS[month]} {year} года"
        if form == 3:
            return f"{year}–{year + int(rng.integers(1, 12))} гг."
        if form == 4:
            return f"с {day} по {min(28, day + int(rng.integers(1, 10)))} {MONTHS[month]}"
        return f"в {int(rng.integers(0, 24)):02d}:{int(rng.integers(0, 60)):02d}"

    def _number_line(self, rng: np.random.Generator) -> str:
        n = self._number(rng)
        form = int(rng.integers(7))
        if form == 0:
            return f"№ {n}-{int(rng.integers(1, 999))}"
        if form == 1:
            return f"{int(rng.integers(0, 101))}%"
        if form == 2:
            return f"{int(rng.integers(1, 99999)):,} руб.".replace(",", " ")
        if form == 3:
            a, b, c = (int(rng.integers(100, 1000)) for _ in range(3))
            return f"8 ({a}) {b}-{c % 100:02d}-{int(rng.integers(0, 100)):02d}"
        if form == 4:
            return f"{n},{int(rng.integers(0, 10))} {_pick(rng, UNITS)}"
        if form == 5:
            return f"{_pick(rng, ('стр.', 'т.', 'п.', 'гл.', 'ст.'))} {n}"
        return n

    def _job(self, rng: np.random.Generator) -> str:
        v = self.vocab
        form = int(rng.integers(3))
        if form == 0:
            return _pick(rng, v.jobs)
        if form == 1:
            return f"{_pick(rng, ('ООО', 'АО', 'ПАО', 'ЗАО'))} «{_pick(rng, v.companies)}»"
        return f"Должность: {_pick(rng, v.jobs).lower()}"

    # --- the rare-character sampler ------------------------------------------------------------
    def snippet_with(self, ch: str, rng: np.random.Generator) -> str:
        """A short snippet that contains ``ch`` (a word, a number or punctuation around one)."""
        v = self.vocab
        if ch.isdigit():
            n = self._number(rng)
            pos = int(rng.integers(len(n) + 1))
            digits = n[:pos] + ch + n[pos:]
            return "1" + digits if digits.startswith("0") else digits
        if ch in PUNCT_SNIPPETS:
            return PUNCT_SNIPPETS[ch].format(w=_pick(rng, v.words), n=self._number(rng))
        low = ch.lower()
        words = v.words_with(low) or (low,)
        word = _pick(rng, words)
        if ch == low:
            return word
        starting = [w for w in words if w.startswith(low)]
        if starting and rng.random() < 0.6:
            word = _pick(rng, starting)
            return word[:1].upper() + word[1:]
        return word.upper()

    # --- public ----------------------------------------------------------------------------
    def generate(self, rng: np.random.Generator) -> str:
        """One line of text (1..max_chars characters, NFC, only alphabet characters)."""
        kind = self.kinds[int(rng.choice(len(self.kinds), p=self.weights))]
        text = self.makers[kind](rng)
        max_chars = self.params.max_chars
        if rng.random() < self.params.boost_fraction:
            ch = _pick(rng, self.boost_chars)
            snippet = self.snippet_with(ch, rng)[:max_chars]
            room = max_chars - len(snippet) - 1
            words = fit_length(text, room).split() if room > 0 else []
            words.insert(int(rng.integers(len(words) + 1)), snippet)
            text = " ".join(words)
        if rng.random() < self.params.upper_fraction:
            text = text.upper()
        text = normalize_text(fit_length(text, max_chars))
        text = "".join(ch for ch in text if ch in self.allowed).strip()
        return text or _pick(rng, self.vocab.words)

    def spelling(self, text: str, rng: np.random.Generator) -> tuple[str, bool]:
        """``(text, True)`` respelt in pre-reform orthography for a ``pre_reform_fraction``
        share of lines, else ``(text, False)``. At fraction 0 nothing is drawn from ``rng``, so
        datasets without pre-reform lines stay byte-identical to those made before it existed."""
        fraction = self.params.pre_reform_fraction
        if fraction <= 0 or rng.random() >= fraction:
            return text, False
        return fit_length(to_pre_reform(text), self.params.max_chars), True
