"""Per-source text normalisation for honest scoring of real data with labelling quirks.

Example (params.yaml ``evaluate.normalisation``)::

    htr_ru: {"ё": "я"}      # HTR_ru annotators wrote the old cursive я as ё
    peter: {"i": "і"}       # digital-peter writes the decimal і as Latin i

A line belongs to a source when its ``source`` column equals the key, or else when its file
name starts with the key (``htr_ru_000001.jpg``). The map is applied to both the truth and the
prediction, and the result is reported beside (never instead of) the raw scores.
"""

from __future__ import annotations

from collections.abc import Mapping

from crnn_ocr.core.codec import normalize_text


def source_key(file_name: str, source: str | None, keys: list[str]) -> str | None:
    """The normalisation key of a line: its source column, else its longest file-name prefix."""
    if source and source in keys:
        return source
    matches = [k for k in keys if file_name.startswith(k)]
    return max(matches, key=len) if matches else None


def apply_map(text: str, mapping: Mapping[str, str]) -> str:
    """Replace each key of ``mapping`` by its value, longest keys first (NFC before and after)."""
    text = normalize_text(text)
    for old in sorted(mapping, key=len, reverse=True):
        text = text.replace(normalize_text(old), normalize_text(mapping[old]))
    return text


class Normaliser:
    """Applies ``normalisation[source]`` to a text of a given line (identity when no key fits)."""

    def __init__(self, normalisation: Mapping[str, Mapping[str, str]]) -> None:
        self.maps = {k: dict(v) for k, v in normalisation.items() if v}
        self.keys = list(self.maps)

    def __bool__(self) -> bool:
        return bool(self.maps)

    def key_for(self, file_name: str, source: str | None = None) -> str | None:
        return source_key(file_name, source, self.keys)

    def __call__(self, text: str, file_name: str, source: str | None = None) -> str:
        key = self.key_for(file_name, source)
        return apply_map(text, self.maps[key]) if key else text
