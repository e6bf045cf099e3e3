"""Fixtures of the validation tests (helpers live in validation_fixtures.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from validation_fixtures import Planted, make_planted


@pytest.fixture
def planted(tmp_path: Path) -> Planted:
    """8 good rows (balanced classes) and 15 rows with planted faults."""
    return make_planted(tmp_path)
