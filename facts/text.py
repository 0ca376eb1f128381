"""Text folding shared by everything that compares quoted text with a source, and the one function that
makes untrusted text safe to print."""

from __future__ import annotations

import re

_SPACE = re.compile(r"\s+", re.UNICODE)

# What untrusted text must never carry into an output: the C0 and C1 controls (line feed, carriage
# return, escape, NEL, …) and DEL; the line and paragraph separators; the bidirectional marks,
# embeddings, overrides and isolates (they make a line read otherwise than it is); lone surrogates (a
# file name that is not UTF-8: no encoder can write them) and U+FFFE/U+FFFF (XML 1.0 forbids them).
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\ud800-\udfff\ufffe\uffff]")
_SHORT = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def fold_space(text: str) -> str:
    """Every run of whitespace (non-breaking spaces included) becomes one space; ends trimmed."""
    return _SPACE.sub(" ", text.replace("\u00a0", " ")).strip()


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    return _SHORT.get(char) or (f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}")


def printable(text: object) -> str:
    """Untrusted text (a claim, a key, a file name) as one inert line for a terminal, a CI log or a file.

    Every character of ``_UNSAFE`` becomes a visible escape (``\\n``, ``\\x1b``, ``\\u202e``), so the text
    can neither start a line of its own nor change how the terminal shows the rest. And it cannot be read
    as a GitHub workflow command: the runner takes a line whose first characters, after white space, are
    ``::`` as a command (``::error``, ``::add-mask::``, ``::stop-commands::``), and ``##[`` anywhere in a
    line as one in the legacy form; a leading ``::`` becomes ``\\x3a:`` and every ``##[`` ``#\\x23[``."""
    s = _UNSAFE.sub(_escape, str(text)).replace("##[", "#\\x23[")
    rest = s.lstrip()
    if rest.startswith("::"):
        at = len(s) - len(rest)
        s = s[:at] + "\\x3a" + s[at + 1:]
    return s
