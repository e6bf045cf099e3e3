"""The Alphabet codec: NFC, blank/padding index, unknown characters refused."""

from __future__ import annotations

import unicodedata

import numpy as np
import pytest

from crnn_ocr.core.codec import MODERN_RUSSIAN, NAMED_CHARSETS, Alphabet, UnknownCharactersError


def test_nfd_input_is_normalised() -> None:
    alphabet = Alphabet.from_charset(MODERN_RUSSIAN)
    nfd = unicodedata.normalize("NFD", "ёй")
    assert len(nfd) == 4
    encoded = alphabet.encode(nfd, 4)
    assert alphabet.decode(encoded) == "ёй"
    assert list(encoded[2:]) == [alphabet.blank, alphabet.blank]


def test_unknown_characters_are_counted() -> None:
    alphabet = Alphabet.from_charset("аб")
    with pytest.raises(UnknownCharactersError) as info:
        alphabet.encode("ѣаѣx", 5)
    assert info.value.counts == {"ѣ": 2, "x": 1}


def test_decode_drops_blank_and_ctc_minus_one() -> None:
    alphabet = Alphabet.from_texts(["ба"])
    assert alphabet.decode(np.array([1, 2, -1, 0])) == "ба"


def test_pre_reform_charset_extends_modern() -> None:
    modern = Alphabet.from_charset(NAMED_CHARSETS["modern_russian"])
    old = Alphabet.from_charset(NAMED_CHARSETS["pre_reform"])
    assert set(modern.chars) < set(old.chars)
    assert {"ѣ", "і", "ё", "Ё"} <= set(old.chars)


def test_save_and_load_round_trip(tmp_path) -> None:
    alphabet = Alphabet.from_texts(["привет, мир"])
    alphabet.save(tmp_path / "alphabet.json")
    assert Alphabet.load(tmp_path / "alphabet.json") == alphabet
