"""Hedged numbers as intervals.

A source rarely states a point value: "approximately 14.9 million", "more than a third", "the final 13".
``parse_value`` reads such a text into a ``Value`` whose ``lo``/``hi`` bound everything the words allow.
How far each qualifier reaches is data (``qualifiers.yaml``), not code.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

_NUMBER_WORDS = {
    "zero": 0, "no": 0, "none": 0, "one": 1, "first": 1, "a single": 1, "two": 2, "three": 3, "four": 4, "five": 5,
    "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
    "ninety": 90, "a dozen": 12, "dozen": 12, "a hundred": 100, "hundred": 100,
}
_NUMBER_WORDS_LONGEST_FIRST = sorted(_NUMBER_WORDS, key=len, reverse=True)
_DIGITS = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"


class ValueTextError(ValueError):
    """A value text that cannot be read as a number or a share."""


@dataclass(frozen=True)
class Rule:
    below: float | str
    above: float | str
    round: bool


@dataclass(frozen=True)
class Qualifiers:
    """The qualifier table: phrase -> (name, number rule, share rule), plus scales, shares and fillers."""

    phrases: tuple[tuple[str, str, Rule, Rule], ...]  # longest phrase first
    default: Rule
    fillers: frozenset[str]
    scales: dict[str, float]
    shares: tuple[tuple[str, float], ...]  # longest phrase first

    @classmethod
    def from_mapping(cls, data: dict[str, Any]) -> Qualifiers:
        def rule(spec: dict[str, Any]) -> Rule:
            return Rule(spec.get("below", 0.0), spec.get("above", 0.0), bool(spec.get("round", True)))

        phrases = []
        for name, spec in data.get("qualifiers", {}).items():
            for word in spec.get("words", [name]):
                phrases.append((_fold(word), name, rule(spec["number"]), rule(spec.get("share", spec["number"]))))
        phrases.sort(key=lambda p: -len(p[0]))
        shares = sorted(((_fold(k), float(v)) for k, v in data.get("shares", {}).items()), key=lambda s: -len(s[0]))
        return cls(
            phrases=tuple(phrases),
            default=rule(data.get("default", {})),
            fillers=frozenset(_fold(w) for w in data.get("fillers", [])),
            scales={_fold(k): float(v) for k, v in data.get("scales", {}).items()},
            shares=tuple(shares),
        )

    @classmethod
    def load(cls, path: Path | None = None) -> Qualifiers:
        from .yamlsafe import load_yaml_text

        if path is None:
            text = resources.files(__package__).joinpath("qualifiers.yaml").read_text(encoding="utf-8")
            name = "qualifiers.yaml"
        else:
            text, name = path.read_text(encoding="utf-8"), str(path)
        data, _ = load_yaml_text(text, name)
        return cls.from_mapping(data)


@cache
def default_qualifiers() -> Qualifiers:
    return Qualifiers.load()


@dataclass(frozen=True)
class Value:
    """A parsed value: the interval [lo, hi] the words allow, the stated number, and what it is."""

    text: str
    number: float
    lo: float
    hi: float
    share: bool  # a fraction of a whole (of England's population), not a count
    qualifier: str | None

    def __contains__(self, x: float) -> bool:
        return self.lo <= x <= self.hi


def _fold(text: str) -> str:
    """Case, quotes, dashes and spacing folded, so that parsing is stable under them."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u2013", "-").replace("\u2014", "-")
    return " ".join(text.split())


def _strip_prefix(text: str, phrase: str) -> str | None:
    if text == phrase:
        return ""
    if text.startswith(phrase + " "):
        return text[len(phrase) + 1 :]
    return None


def _read_number(text: str, q: Qualifiers) -> tuple[float, float, str, bool]:
    """Read the number at the start of ``text``: (value, precision unit, rest, is_share)."""
    for phrase, share in q.shares:
        rest = _strip_prefix(text, phrase)
        if rest is not None:
            return share, 0.0, rest, True
    m = re.match(rf"({_DIGITS})\s*(%|per ?cent\b)?", text)
    if m:
        digits = m.group(1).replace(",", "")
        decimals = len(digits.split(".")[1]) if "." in digits else 0
        value = float(digits)
        if m.group(2):
            return value / 100, 10.0 ** -decimals / 100, text[m.end():].strip(), True
        unit = 10.0 ** -decimals if decimals else 0.0
        return value, unit, text[m.end():].strip(), False
    for word in _NUMBER_WORDS_LONGEST_FIRST:
        rest = _strip_prefix(text, word)
        if rest is None and text.startswith(word + "-"):
            rest = text[len(word) + 1 :]
        if rest is not None:
            value = float(_NUMBER_WORDS[word])
            # "twenty-one", "twenty one"
            for unit_word in ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine"):
                tail = _strip_prefix(rest, unit_word)
                if 20 <= value < 100 and value % 10 == 0 and tail is not None:
                    return value + _NUMBER_WORDS[unit_word], 0.0, tail, False
            return value, 0.0, rest, False
    raise ValueTextError(f"expected a number or a share (e.g. '14.5 million', 'around half'), found {text!r}")


def _bound(x: float, reach: float | str, side: int, share: bool) -> float:
    if reach == "exclusive":  # the number itself is just outside: step back towards the inside
        return math.nextafter(x, -side * math.inf)
    if reach == "inclusive":
        return x
    reach = float(reach)
    return x + side * (reach if share else reach * abs(x))


def parse_value(text: str, qualifiers: Qualifiers | None = None) -> Value:
    """Read a hedged number or share into an interval.

    >>> v = parse_value("approximately 14.9 million"); (round(v.lo), round(v.hi))
    (14403000, 15397000)
    >>> parse_value("the final 13").lo
    13.0
    """
    if qualifiers is None:  # the usual case, and the same few values again and again: read each once
        return _parse_with_defaults(str(text))
    return _parse(str(text), qualifiers)


@lru_cache(maxsize=4096)
def _parse_with_defaults(text: str) -> Value:
    return _parse(text, default_qualifiers())


def _parse(text: str, q: Qualifiers) -> Value:
    folded = _fold(text)
    if not folded:
        raise ValueTextError("expected a number or a share, found an empty value")
    rest, qualifier, rules = folded, None, None
    for phrase, name, number_rule, share_rule in q.phrases:
        stripped = _strip_prefix(rest, phrase)
        if stripped is not None:
            rest, qualifier, rules = stripped, name, (number_rule, share_rule)
            break
    words = rest.split()
    while words and words[0] in q.fillers and not _starts_number(" ".join(words), q):
        words.pop(0)
    rest = " ".join(words)

    between = re.match(rf"(?:between\s+)?({_DIGITS})\s*(?:and|to|-)\s*({_DIGITS})\s*(.*)$", rest)
    if between and qualifier is None:
        a, b = (float(g.replace(",", "")) for g in between.group(1, 2))
        scale = _scale(between.group(3), q)
        lo, hi = sorted((a * scale, b * scale))
        return Value(str(text), (lo + hi) / 2, lo, hi, False, "between")

    number, unit, rest, share = _read_number(rest, q)
    if not share:
        scale = _scale(rest, q)
        number, unit = number * scale, (unit or (1.0 if scale > 1 else 0.0)) * scale
    rule = q.default if rules is None else rules[1 if share else 0]
    lo = _bound(number, rule.below, -1, share)
    hi = _bound(number, rule.above, +1, share)
    if rule.round:
        lo, hi = lo - unit / 2, hi + unit / 2
    lo = max(lo, 0.0)
    if share:
        hi = min(hi, 1.0)
    return Value(str(text), number, lo, hi, share, qualifier)


def _starts_number(text: str, q: Qualifiers) -> bool:
    try:
        _read_number(text, q)
    except ValueTextError:
        return False
    return True


def _scale(rest: str, q: Qualifiers) -> float:
    word = rest.split()[0] if rest.split() else ""
    return q.scales.get(word, 1.0)
