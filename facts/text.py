"""Text folding shared by everything that compares quoted text with a source."""

from __future__ import annotations

import re

_SPACE = re.compile(r"\s+", re.UNICODE)


def fold_space(text: str) -> str:
    """Every run of whitespace (non-breaking spaces included) becomes one space; ends trimmed."""
    return _SPACE.sub(" ", text.replace("\u00a0", " ")).strip()
