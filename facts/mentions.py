"""What a piece of text says in numbers: every number it mentions, in digits or in words.

The evidence rule holds a claim to its quote with it: each number the claim's value states must be
one the quote states too ("the claim says 43; its quote says 42"). A mention may have several
readings ("third" is 3 or a third); a claim's mention is borne out when one of its readings is among
the quote's.

>>> [sorted(m) for m in numbers_said("Three further areas, covering 14.9m people")]
[[3.0], [14900000.0]]
>>> [sorted(round(x, 3) for x in m) for m in numbers_said("more than a third, the first of 42")]
[[0.333], [1.0], [42.0]]
"""

from __future__ import annotations

import math
import re
from functools import lru_cache

_UNITS = {"zero": 0, "no": 0, "none": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
          "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
          "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "dozen": 12}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
             "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13, "fourteenth": 14,
             "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18, "nineteenth": 19, "twentieth": 20}
_TENS_ORDINALS = {"twentieth": 20, "thirtieth": 30, "fortieth": 40, "fiftieth": 50, "sixtieth": 60, "seventieth": 70,
                  "eightieth": 80, "ninetieth": 90}
_FRACTIONS = {"half": 2, "halves": 2, "third": 3, "thirds": 3, "quarter": 4, "quarters": 4, "fifth": 5, "fifths": 5,
              "tenth": 10, "tenths": 10}
_SCALES = {"thousand": 1e3, "k": 1e3, "million": 1e6, "millions": 1e6, "m": 1e6, "mn": 1e6, "billion": 1e9, "bn": 1e9}
_TOKEN = re.compile(r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:[a-z]+)?%?|[a-z]+|%")  # "1,415,872, a": the comma after is not the number's
_DIGITS = re.compile(r"(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?([a-z]*)(%?)")


def _fold(text: str) -> str:
    return text.lower().replace("\u2019", "'").replace("-", " ").replace("\u2013", " ").replace("\u2014", " ")


@lru_cache(maxsize=8192)
def numbers_said(text: str) -> tuple[frozenset[float], ...]:
    """Every number ``text`` mentions, each as the set of its readings, in order."""
    tokens = _TOKEN.findall(_fold(text))
    out: list[frozenset[float]] = []
    i = 0
    while i < len(tokens):
        readings, i = _read(tokens, i)
        if readings:
            out.append(frozenset(readings))
    return tuple(out)


def _read(tokens: list[str], i: int) -> tuple[set[float], int]:
    """The readings of the mention starting at ``tokens[i]`` (empty if none) and the next index."""
    token = tokens[i]
    if m := _DIGITS.fullmatch(token):
        value = float(m[1].replace(",", "") + (m[2] or ""))
        suffix, percent = m[3], m[4] or (i + 1 < len(tokens) and tokens[i + 1] == "%")
        if suffix and suffix not in _SCALES and suffix not in ("st", "nd", "rd", "th"):
            return {value}, i + 1
        value *= _SCALES.get(suffix, 1.0)
        i += 1
        if percent or _per_cent(tokens, i):
            return {value / 100}, i + (2 if _per_cent(tokens, i) else 0)
        return _scaled(tokens, i, value)
    if token in _ORDINALS and not _fraction_ahead(tokens, i):
        readings = {float(_ORDINALS[token])}
        if token in _FRACTIONS:
            readings.add(1 / _FRACTIONS[token])
        return readings, i + 1
    if token in ("a", "one", "two", "three") and i + 1 < len(tokens) and tokens[i + 1] in _FRACTIONS:
        top = {"a": 1, "one": 1, "two": 2, "three": 3}[token]
        return {top / _FRACTIONS[tokens[i + 1]]}, i + 2
    if token in ("half",):
        return {0.5}, i + 1
    if token in _TENS_ORDINALS:
        return {float(_TENS_ORDINALS[token])}, i + 1
    if token in _TENS and i + 1 < len(tokens) and tokens[i + 1] in _ORDINALS and _ORDINALS[tokens[i + 1]] < 10:  # "forty-sixth"
        return {float(_TENS[token] + _ORDINALS[tokens[i + 1]])}, i + 2
    if token in _UNITS or token in _TENS:
        value, i = _words(tokens, i)
        if _per_cent(tokens, i):
            return {value / 100}, i + 2
        return _scaled(tokens, i, value)
    return set(), i + 1


def _words(tokens: list[str], i: int) -> tuple[float, int]:
    """A number in words: 'twenty nine', 'one hundred and six', 'a dozen'."""
    total = 0.0
    while i < len(tokens):
        token = tokens[i]
        if token in _TENS:
            total += _TENS[token]
            i += 1
            if i < len(tokens) and tokens[i] in _UNITS and 0 < _UNITS[tokens[i]] < 10:
                total += _UNITS[tokens[i]]
                i += 1
        elif token in _UNITS:
            total += _UNITS[token]
            i += 1
        else:
            break
        if i < len(tokens) and tokens[i] == "hundred":
            total, i = total * 100, i + 1
            if i + 1 < len(tokens) and tokens[i] == "and" and (tokens[i + 1] in _UNITS or tokens[i + 1] in _TENS):
                i += 1
                continue
        break
    return total, i


def _scaled(tokens: list[str], i: int, value: float) -> tuple[set[float], int]:
    if i < len(tokens) and tokens[i] in _SCALES and tokens[i] not in ("m", "k"):
        return {value * _SCALES[tokens[i]]}, i + 1
    return {value}, i


def _per_cent(tokens: list[str], i: int) -> bool:
    return i < len(tokens) and (tokens[i] in ("percent", "%") or (tokens[i] == "per" and i + 1 < len(tokens) and tokens[i + 1] == "cent"))


def _fraction_ahead(tokens: list[str], i: int) -> bool:
    return i > 0 and tokens[i - 1] in ("a", "one", "two", "three") and tokens[i] in _FRACTIONS


def same(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def unsaid(claimed: str, quote: str) -> list[frozenset[float]]:
    """The numbers ``claimed`` mentions that ``quote`` does not (by any reading)."""
    said = [x for readings in numbers_said(quote) for x in readings]
    return [m for m in numbers_said(claimed) if not any(same(x, y) for x in m for y in said)]
