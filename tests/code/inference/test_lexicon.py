"""Dictionary correction (``inference.lexicon``): real pymorphy3 dictionary, real Recognizer."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from crnn_ocr import Recognizer
from crnn_ocr.config.inference import InferenceParams
from crnn_ocr.core.codec import MODERN_RUSSIAN, NAMED_CHARSETS
from crnn_ocr.errors import CrnnOcrError
from crnn_ocr.inference.lexicon import Lexicon, load_lexicon, modern_form


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    return Lexicon("".join(c for c in NAMED_CHARSETS["pre_reform"] if c.islower()))


@pytest.mark.parametrize(("read", "fixed"), [
    ("ирошлым", "прошлым"),          # a letter misread
    ("Ирошлым", "Прошлым"),          # capitalised stays capitalised
    ("ИРОШЛЫМ", "ПРОШЛЫМ"),
    ("руководитть", "руководить"),   # a letter added
    ("человечесва", "человечества"),  # a letter dropped
    ("пррошлым", "прошлым"),
])
def test_one_edit_slips_are_repaired(lexicon: Lexicon, read: str, fixed: str) -> None:
    assert lexicon.correct_word(read) == fixed


def all_edits(word: str, letters: str) -> set[str]:
    """Every spelling one edit away: a letter changed, dropped or added (the reference)."""
    cuts = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    dropped = {a + b[1:] for a, b in cuts if b}
    changed = {a + c + b[1:] for a, b in cuts if b for c in letters if c != b[0]}
    added = {a + c + b for a, b in cuts for c in letters}
    return dropped | changed | added


def test_the_dictionary_walk_keeps_every_edit_the_dictionary_knows(lexicon: Lexicon) -> None:
    """The pruned edits (a DAWG walk) must find the same repairs as all the edits."""
    import random

    rng = random.Random(0)
    letters = lexicon.letters
    words = ["домъа", "подьезд", "ееще", "вбтви", "съѣздьъ"]  # ъ skipped, е as ё, ѣ as е
    for base in ["прошлым", "вѣтвь", "подъезд", "ещё", "руководить", "съѣздъ", "міръ", "было"]:
        for _ in range(12):
            chars, at = list(base), rng.randrange(len(base))
            kind = rng.random()
            if kind < 0.4:
                chars[at] = rng.choice(letters)
            elif kind < 0.7:
                chars.insert(at, rng.choice(letters))
            else:
                del chars[at]
            words.append("".join(chars))
    found = 0
    for word in words:
        viable = lexicon._viable_edits(word)
        every = all_edits(word, lexicon.letters)
        assert viable <= every
        known = {c for c in every if lexicon.known(c)}
        assert {c for c in viable if lexicon.known(c)} == known, word
        found += bool(known)
    assert found > len(words) // 2  # most corrupted words have a known neighbour


@pytest.mark.parametrize("word", [
    "прошлым", "вѣтви", "домъ", "Россія",  # known, in modern or pre-reform spelling
    "ош",                                  # too short to repair
    "Зкзщжх",                              # nothing known one edit away
])
def test_known_short_and_hopeless_words_are_left_alone(lexicon: Lexicon, word: str) -> None:
    assert lexicon.correct_word(word) == word


def test_ambiguous_repairs_are_not_guessed(lexicon: Lexicon) -> None:
    # "вбтви" is one edit from both "ветви" and "вѣтви": no single repair, so no change.
    assert lexicon.correct_word("вбтви") == "вбтви"


def test_lines_keep_digits_punctuation_and_spacing(lexicon: Lexicon) -> None:
    line = "в 1914 г., ирошлым  летом — «Рязань»!"
    assert lexicon.correct(line) == "в 1914 г., прошлым  летом — «Рязань»!"


def test_modern_form_maps_pre_reform_letters() -> None:
    assert modern_form("вѣтвь") == "ветвь"
    assert modern_form("россія") == "россия"
    assert modern_form("домъ") == "дом"
    assert modern_form("ъ") == "ъ"
    assert modern_form("домаъ") == "домаъ"  # no hard sign after a vowel, old spelling or new


def test_none_loads_nothing_and_unknown_names_are_refused() -> None:
    assert load_lexicon("none", MODERN_RUSSIAN) is None
    with pytest.raises(ValidationError, match="lexicon"):
        InferenceParams.model_validate({"lexicon": "klingon"})
    with pytest.raises(CrnnOcrError, match="lexicon must be none or russian, got 'klingon'"):
        load_lexicon("klingon", MODERN_RUSSIAN)  # type: ignore[arg-type]


def test_recognizer_corrects_what_it_reads(tiny_bundle: Path, decoded_line) -> None:
    images = [decoded_line(i) for i in range(4)]
    plain = Recognizer.load(tiny_bundle, batch_size=2).predict(images)
    fixed = Recognizer.load(tiny_bundle, batch_size=2, lexicon="russian")
    assert isinstance(fixed.lexicon, Lexicon)
    out = fixed.predict(images)
    assert [p.text for p in out] == [fixed.lexicon.correct(p.text) for p in plain]
    assert [p.confidence for p in out] == [p.confidence for p in plain]
