"""The GX suite: the charset regex and failure handling (real Great Expectations)."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from crnn_ocr.config.validation import ValidationParams
from crnn_ocr.validation.suite import charset_regex, gx_error, run_suite


def test_charset_regex_escapes_special_characters() -> None:
    pattern = re.compile(charset_regex("a]^-\\ "))
    assert pattern.match("a] ^-\\")
    assert not pattern.match("ab")
    assert not pattern.match("a\n"), "a trailing newline is not in the charset"


def test_a_broken_gx_check_raises_instead_of_passing_rows() -> None:
    facts = pd.DataFrame({
        "row": [2], "file name": ["a.png"], "text": ["а"], "class": ["0"], "handwritten": [0.0],
        "path_ok": [True], "exists": [True], "size_bytes": [10], "format": ["png"],
        "extension_ok": [True], "pixels": [100], "decodes": [True], "height": [10],
        "width": [10],  # "aspect" missing: the suite and the facts disagree
    })
    with pytest.raises(RuntimeError, match="aspect"):
        run_suite(facts, ValidationParams(), docs_dir=None)


def test_gx_error_reads_flat_and_nested_exception_info() -> None:
    assert gx_error({"raised_exception": False, "exception_message": None}) is None
    nested = {"MetricConfigurationID(...)": {"raised_exception": True, "exception_message": "boom"}}
    assert gx_error(nested) == "boom"
