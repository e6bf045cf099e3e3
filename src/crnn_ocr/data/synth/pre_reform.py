"""Pre-1918 Russian spelling for synthetic lines, as old printed and handwritten documents use it.

Most of the difference a reader of such documents sees comes from a few rules: a hard sign
(ъ) after every word-final consonant (``домъ``), і for и before a vowel or й (``Россія``),
ѣ where modern spelling has е in a set of roots (``лѣсъ``, ``человѣкъ``) and in the
locative after в/на/о (``въ городѣ``), the genitive ``-скаго`` for ``-ского``, ``ея`` for
``её`` and ``без``/``раз`` before с or п (``безполезный``, ``разсказъ``). The ѣ rules are
lexical in truth; the root list here holds frequent roots whose modern spelling does not
collide with an е-word. The point is that the glyphs ѣ, і and a final ъ appear in the
contexts they do in real text (the 104 printed lines of ../shared/data/real have 55 ѣ,
36 і and 100 word-final ъ in 5,339 characters), not a perfect transliteration.
"""

from __future__ import annotations

import re

CONSONANTS = set("бвгджзклмнпрстфхцчшщ")
VOWELS_AND_Й = set("аеёиоуыэюяй")
# Modern stem at the start of a word -> its pre-reform spelling.
YAT_STEMS: dict[str, str] = {
    stem.replace("ѣ", "е"): stem
    for stem in (
        "бѣл", "бѣд", "бѣг", "вѣк", "вѣра", "вѣри", "вѣрн", "вѣтер", "вѣтр", "вѣтв", "вѣст",
        "дѣл", "дѣт", "здѣсь", "лѣс", "лѣто", "лѣтн", "мѣст", "мѣра",
        "мѣры", "мѣре", "мѣрн", "нѣт", "нѣскольк", "рѣка", "рѣки", "рѣке", "рѣку", "рѣкой",
        "рѣч", "рѣш", "сѣвер", "свѣт", "цвѣт", "цѣл", "цѣна", "цѣны", "цѣнн", "хлѣб", "снѣг",
        "обѣд", "побѣд", "сосѣд", "желѣз", "человѣк", "двѣ", "звѣр", "вмѣстѣ", "совѣт",
        "отвѣт", "привѣт", "медвѣд", "орѣх", "грѣх", "смѣх", "стрѣл", "крѣп", "пѣсн", "тѣсн",
        "бесѣд", "недѣл", "замѣт", "послѣд", "слѣд", "колѣн", "тѣнь", "Днѣпр", "помѣщ",
        "мѣсяц", "увѣр", "завѣд", "свѣч", "рѣдк", "уѣзд",
    )
}
WHOLE_WORDS = {  # modern word -> pre-reform word (before the ъ rule)
    "её": "ея", "лет": "лѣт", "где": "гдѣ", "нет": "нѣт", "две": "двѣ", "все": "всѣ",
    "мне": "мнѣ", "тебе": "тебѣ", "себе": "себѣ", "более": "болѣе", "менее": "менѣе",
}
LOCATIVE_PREPOSITIONS = {"в", "во", "на", "о", "об", "при"}
ADJECTIVE_ENDINGS = ("ое", "ее", "ие", "ые")
WORD = re.compile(r"[А-Яа-яЁё]+")
VOICED_PREFIX = re.compile(r"(бес|рас)[сп]")  # -> без, раз (безполезный, разсказъ)


def _respell(word: str, previous: str, abbreviation: bool) -> str:
    """One word (Cyrillic letters only) in pre-reform spelling."""
    low = word.lower()
    if low in WHOLE_WORDS:
        low = WHOLE_WORDS[low]
    else:
        for modern, old in YAT_STEMS.items():
            if low.startswith(modern.lower()):
                low = old.lower() + low[len(modern):]
                break
    locative = previous.lower() in LOCATIVE_PREPOSITIONS and len(low) >= 4
    if locative and low.endswith("е") and not low.endswith(ADJECTIVE_ENDINGS):
        low = low[:-1] + "ѣ"
    if low.endswith(("ского", "цкого")):
        low = low[:-3] + "аго"
    if VOICED_PREFIX.match(low):
        low = low[:2] + "з" + low[3:]
    low = "".join(
        "і" if ch == "и" and nxt in VOWELS_AND_Й else ch
        for ch, nxt in zip(low, low[1:] + " ", strict=True)
    )
    if low[-1] in CONSONANTS and not abbreviation:
        low += "ъ"
    if word.isupper() and len(word) > 1:
        return low.upper()
    # Keep the capitals of the original letters (Ъ appended to an ALL-CAPS word above).
    return "".join(o.upper() if i < len(word) and word[i].isupper() else o
                   for i, o in enumerate(low))


def to_pre_reform(text: str) -> str:
    """``text`` with every Cyrillic word respelt (see the module docstring); everything else,
    punctuation, digits and Latin letters, is kept. Short words before a full stop
    (``г.``, ``кв.``, ``руб.``) are abbreviations and take no ъ."""
    out: list[str] = []
    at = 0
    previous = ""
    for match in WORD.finditer(text):
        word = match.group()
        after = text[match.end() : match.end() + 1]
        abbreviation = after == "." and len(word) <= 4
        out.append(text[at : match.start()])
        out.append(_respell(word, previous, abbreviation))
        at = match.end()
        previous = word
    out.append(text[at:])
    return "".join(out)
