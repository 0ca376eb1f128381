"""Hedged numbers as intervals, read completely or refused.

A source rarely states a point value: "approximately 14.9 million", "more than a third", "the final 13",
"three of the 42". ``parse_value`` reads such a text into a ``Value`` whose ``lo``/``hi`` bound everything
the words and their written precision allow. Every word must be read: a text with a word the grammar does
not know ("18 banana", "12 members 7") is refused with a ``ValueTextError`` naming it, so that no number in a
value is silently dropped. The grammar, over the text folded for case, quotes, dashes and spaces:

    value   = [qualifier] (whole | range | total)          -- "about half", "more than 3 million"
    whole   = "the whole of the country" | "everyone" | ...    -- a share of exactly 1
    range   = ("between" end "and" end | "from" end "to" end | end ("to" | "-") end) unit*
    total   = amount unit* (adder amount unit*)*           -- "18 plus one", "13 and a further 2"
            | amount unit* ["out"] "of" amount unit*       -- "three of the 42": 3, of 42
    amount  = filler* number                               -- "the final 13", "another four"
    number  = share-word | (digits | number-words | "a") [scale | percent]
    end     = number                                       -- no qualifier, no filler

How far each qualifier reaches, how precise a word fraction is, and the fillers, units, adders, wholes,
scales and share words are data (``qualifiers.yaml``, validated by ``QualifierTable``), not code; its
comments state the precision policy.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Generic, Literal, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator

if TYPE_CHECKING:
    from .story import Story

T = TypeVar("T")

_UNITS = {"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9}
_DIGIT_WORDS = tuple(w for w in _UNITS if w != "zero")
_TEENS = {"ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
          "seventeen": 17, "eighteen": 18, "nineteen": 19}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
# Phrases that are a number by themselves ("No new", "the first one", "a dozen").
_SET_WORDS = {("no",): 0, ("none",): 0, ("first",): 1, ("a", "single"): 1, ("a", "dozen"): 12}

_TOKEN = re.compile(r"[0-9][0-9,.]*[0-9]|[0-9]|[a-z]+(?:'[a-z]+)*\.?|\S")  # digits, a word, or one other character
_JOINER = re.compile(r"(?<=[a-z])-(?=[a-z])")  # "twenty-nine", "two-thirds": read as if spaced
_DIGITS = re.compile(r"(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?")
_EXPECTED = "expected a number or a share (e.g. '14.5 million', 'around half', 'the final 13')"


class ValueTextError(ValueError):
    """A value text that cannot be read completely as a number or a share, or that allows no value."""


def _fold(text: str) -> str:
    """Case, quotes, dashes and spacing folded, so that parsing is stable under them."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u2013", "-").replace("\u2014", "-")
    return " ".join(text.split())


def _words(phrase: str) -> tuple[str, ...]:
    """The words of a folded phrase, as the reader sees them."""
    return tuple(m.group() for m in _TOKEN.finditer(_JOINER.sub(" ", _fold(phrase))))


# ---- the qualifiers file -------------------------------------------------------------------------

def _readable(phrase: str) -> str:
    if not _words(phrase) or any(w[0].isdigit() for w in _words(phrase)):
        raise ValueError(f"{phrase!r} is not a phrase of words")
    return phrase


Phrase = Annotated[str, Field(min_length=1, max_length=80), AfterValidator(_readable)]
Reach = Annotated[float, Field(ge=0)] | Literal["exclusive", "inclusive"]
_STRICT = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class Rule(BaseModel):
    """How far an interval reaches below and above the stated number."""

    model_config = _STRICT
    below: Reach = Field(description="reach below the number: a fraction of a count, points of a share, "
                                     "or 'exclusive'/'inclusive' for a bound at the number itself")
    above: Reach = Field(description="reach above the number, as for below")
    round: bool = Field(description="whether the rounding interval of the written precision is added")


class Qualifier(BaseModel):
    """One qualifier: the words that say it, and its rule for counts and for shares."""

    model_config = _STRICT
    words: list[Phrase] = Field(min_length=1, description="the phrases that say it: 'about', 'around', ...")
    number: Rule = Field(description="the rule for a count or an amount; reaches are fractions of the number")
    share: Rule = Field(description="the rule for a share of a whole; reaches are absolute points (0.05 = 5 points)")


class ShareWord(BaseModel):
    """A word fraction ("a third") and how loosely it is meant."""

    model_config = _STRICT
    value: float = Field(gt=0, le=1, description="the fraction the word names")
    precision: float = Field(ge=0, lt=0.5, description="half-width of the interval the unhedged word means, in points of the whole")


class QualifierTable(BaseModel):
    """``qualifiers.yaml`` as validated: the reach of each qualifier and the words a value may use."""

    model_config = _STRICT
    unqualified: Rule = Field(description="the rule of a value with no qualifier")
    min_count_reach: float = Field(ge=0, description="the least a non-zero relative reach of a count goes (one whole thing)")
    round_zeros_from: float = Field(gt=0, description="a whole number written in digits from this size on is rounded at its last "
                                                      "non-zero digit ('800,000' is 750,000-850,000); smaller ones are exact counts")
    qualifiers: dict[str, Qualifier] = Field(description="qualifier name -> its words and rules")
    fillers: list[Phrase] = Field(description="words before a count that change nothing ('the final 13')")
    units: list[Phrase] = Field(description="words after a count that change nothing ('11 more', '13 new members')")
    adders: list[Phrase] = Field(description="words that join the addends of a sum ('18 plus one')")
    wholes: list[Phrase] = Field(description="phrases meaning the whole, a share of exactly 1 ('everyone')")
    scales: dict[Phrase, Annotated[float, Field(gt=0)]] = Field(description="scale word -> multiplier ('million': 1e6)")
    shares: dict[Phrase, ShareWord] = Field(description="word fraction -> its value and precision ('a third')")

    @field_validator("qualifiers")
    @classmethod
    def _each_phrase_once(cls, qualifiers: dict[str, Qualifier]) -> dict[str, Qualifier]:
        seen: dict[tuple[str, ...], str] = {}
        for name, spec in qualifiers.items():
            for phrase in spec.words:
                if _words(phrase) in seen:
                    raise ValueError(f"the phrase {phrase!r} says both {seen[_words(phrase)]!r} and {name!r}")
                seen[_words(phrase)] = name
        return qualifiers


class QualifiersFileError(ValueError):
    """A qualifiers file that does not validate; the message names the file, the line and the field."""


def _problems(err: ValidationError, data: Any, positions: dict[tuple[str | int, ...], tuple[int, int]], name: str) -> str:
    """One line per field of ``err``: the file, the line of the field (or of its parent), its path, and what is wrong."""
    said: dict[str, list[str]] = {}
    for e in err.errors():
        path: list[str | int] = []
        node = data
        for part in e["loc"]:  # the path into the data, without pydantic's union-member tags
            if isinstance(node, dict) and part in node or isinstance(node, list) and isinstance(part, int) and part < len(node):
                path.append(part)
                node = node[part]
            else:
                if isinstance(node, dict):  # a missing or an unknown field: name it
                    path.append(part)
                break
        line = next((positions[tuple(path[:n])][0] for n in range(len(path), -1, -1) if tuple(path[:n]) in positions), None)
        where = f"{name}{f' line {line}' if line else ''}: {'.'.join(map(str, path)) or '(the file)'}"
        said.setdefault(where, []).append(e["msg"])
    return "\n".join(f"{where}: {'; or '.join(msgs)}" for where, msgs in said.items())


# ---- the table, compiled for reading -------------------------------------------------------------

@dataclass(frozen=True)
class Phrases(Generic[T]):
    """Phrases as tuples of words, each with what it means; matched longest first."""

    meaning: dict[tuple[str, ...], T]
    longest: int

    @classmethod
    def of(cls, pairs: Iterable[tuple[str, T]]) -> Phrases[T]:
        meaning = {_words(phrase): value for phrase, value in pairs}
        return cls(meaning, max(map(len, meaning), default=0))


_PERCENT: Phrases[bool] = Phrases.of([("%", True), ("per cent", True), ("percent", True)])
_OF: Phrases[bool] = Phrases.of([("of", True), ("out of", True)])


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: values are cached per table
class Qualifiers:
    """The qualifier table, validated (``table``) and compiled into phrase look-ups for the reader."""

    table: QualifierTable
    qualifiers: Phrases[tuple[str, Qualifier]]  # phrase -> (qualifier name, its rules)
    fillers: Phrases[bool]
    units: Phrases[bool]
    adders: Phrases[bool]
    wholes: Phrases[bool]
    scales: Phrases[Decimal]
    shares: Phrases[ShareWord]

    @classmethod
    def from_mapping(cls, data: Any) -> Qualifiers:
        """Validate ``data`` (the parsed YAML) and compile it; raises pydantic's ``ValidationError``."""
        return cls.compile(QualifierTable.model_validate(data))

    @classmethod
    def compile(cls, t: QualifierTable) -> Qualifiers:
        """The phrase look-ups of a validated table."""
        return cls(
            table=t,
            qualifiers=Phrases.of((w, (name, spec)) for name, spec in t.qualifiers.items() for w in spec.words),
            fillers=Phrases.of((w, True) for w in t.fillers),
            units=Phrases.of((w, True) for w in t.units),
            adders=Phrases.of((w, True) for w in t.adders),
            wholes=Phrases.of((w, True) for w in t.wholes),
            scales=Phrases.of((w, Decimal(repr(v))) for w, v in t.scales.items()),  # exact: "14.9m" is 14900000
            shares=Phrases.of(t.shares.items()),
        )

    @classmethod
    def load(cls, path: Path | None = None) -> Qualifiers:
        """The table of ``path`` (the bundled ``qualifiers.yaml`` by default). A file that does not
        validate raises ``QualifiersFileError`` naming the line and the field, never falls back to a default."""
        from .yamlsafe import load_yaml_text

        path = path or Path(__file__).with_name("qualifiers.yaml")
        data, positions = load_yaml_text(path.read_text(encoding="utf-8"), str(path))
        try:
            return cls.from_mapping(data)
        except ValidationError as err:
            raise QualifiersFileError(_problems(err, data, positions, path.name)) from None


@cache
def default_qualifiers() -> Qualifiers:
    """The bundled table, read once."""
    return Qualifiers.load()


# ---- values --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Value:
    """A parsed value: the interval [lo, hi] the words allow, the stated number, and what it is."""

    text: str
    number: float  # the value the words name: a count, a share (0-1), a sum, or a range's midpoint
    lo: float
    hi: float
    share: bool  # a fraction of a whole (of a country's population), not a count
    qualifier: str | None  # the qualifier's name ("approximately"), "between" for a range
    numbers: tuple[float, ...] = ()  # every number written, in order, as stated (after its scale; "40%" is 40)
    of: float | None = None  # the whole a count is part of: "three of the 42" -> 42
    parts: tuple[float, ...] = ()  # the addends of a sum: "18 plus one" -> (18, 1)
    whole: bool = False  # "the whole of the country", "everyone": exactly the whole

    def __contains__(self, x: float) -> bool:
        return self.lo <= x <= self.hi


@dataclass(frozen=True)
class _Amount:
    """One number as read: its value, how precisely it is written, and the numbers it states."""

    value: float  # a count, or a share of 1
    spread: float  # half-width of the rounding interval its written precision implies
    share: bool
    stated: Decimal | None  # the number as written before its scale (None for a share word)
    decimals: int
    scale: Decimal | None  # its scale word's multiplier, if any
    percent: bool
    of: Decimal | None = None  # "one in three": the whole the share is of

    @property
    def exact(self) -> Decimal:
        """The count as written, times its scale, without rounding (a count always has ``stated``)."""
        return Decimal(0) if self.stated is None else self.stated * (self.scale or 1)

    @property
    def numbers(self) -> tuple[float, ...]:
        if self.of is not None:
            return float(self.stated or 0), float(self.of)
        return () if self.stated is None else (float(self.exact),)


def _share(value: float, precision: float) -> _Amount:
    """A share said in words ("a third", "everyone"): no number is written."""
    return _Amount(value, precision, True, None, 0, None, False)


def _amount(stated: Decimal, decimals: int, scale: Decimal | None, percent: bool) -> _Amount:
    """A written number with its scale or percent sign; a whole count with neither is exact."""
    unit = Decimal(1).scaleb(-decimals)
    if percent:
        return _Amount(float(stated / 100), float(unit / 200), True, stated, decimals, None, True)
    spread = 0.0 if scale is None and decimals == 0 else float(unit * (scale or 1) / 2)
    return _Amount(float(stated * (scale or 1)), spread, False, stated, decimals, scale, False)


class _Reader:
    """The words of one value text, read left to right. Each ``read_*`` method either reads what it names
    and moves past it, or returns None and moves nothing."""

    def __init__(self, text: str, q: Qualifiers) -> None:
        self.text, self.q = text, q
        self.folded = _fold(text)
        matches = list(_TOKEN.finditer(_JOINER.sub(" ", self.folded)))
        self.words = [m.group() for m in matches]
        self.starts = [m.start() for m in matches]
        self.i = 0

    # -- refusing

    def refuse(self, start: int | None = None, hint: str | None = None) -> ValueTextError:
        """An error naming the words from ``start`` (default: where reading stopped) to the end."""
        start = self.i if start is None else start
        unread = self.folded[self.starts[start]:] if start < len(self.words) else self.folded
        return ValueTextError(f"could not read {unread!r} in {self.text!r}" + (f": {hint}" if hint else ""))

    # -- small pieces

    def done(self) -> bool:
        return self.i == len(self.words)

    def read_word(self, *words: str) -> str | None:
        if self.i < len(self.words) and self.words[self.i] in words:
            self.i += 1
            return self.words[self.i - 1]
        return None

    def read_phrase(self, phrases: Phrases[T]) -> T | None:
        for n in range(min(phrases.longest, len(self.words) - self.i), 0, -1):
            key = tuple(self.words[self.i : self.i + n])
            if key in phrases.meaning:
                self.i += n
                return phrases.meaning[key]
        return None

    def read_units(self) -> None:
        while self.read_phrase(self.q.units):
            pass

    # -- numbers

    def read_number_words(self, hundred_and: bool = True) -> int | None:
        """"twenty-nine", "one hundred and six", "a dozen", "no": a whole number up to 999. With
        ``hundred_and`` false, "one hundred and six" is read as 100 (its "and" may join a range)."""
        for words, n in _SET_WORDS.items():
            if tuple(self.words[self.i : self.i + len(words)]) == words:
                self.i += len(words)
                return n
        at = self.i
        if (word := self.read_word("a", *_DIGIT_WORDS)) and self.read_word("hundred"):
            after = self.i
            if not (hundred_and and self.read_word("and") and (rest := self.read_below_hundred(zero=False))):
                self.i = after  # "one hundred", "one hundred six"
                rest = self.read_below_hundred(zero=False)
            return 100 * _UNITS.get(word, 1) + (rest or 0)
        self.i = at
        return self.read_below_hundred()

    def read_below_hundred(self, zero: bool = True) -> int | None:
        if word := self.read_word(*_TENS):
            unit = self.read_word(*_DIGIT_WORDS)
            return _TENS[word] + (_UNITS[unit] if unit else 0)
        if word := self.read_word(*_TEENS, *(_UNITS if zero else _DIGIT_WORDS)):
            return _TEENS.get(word, _UNITS.get(word))
        return None

    def read_number(self, hundred_and: bool = True) -> _Amount | None:
        """A share word, or digits / number words / "a" with an optional scale or percent sign."""
        share = self.read_phrase(self.q.shares)
        if share is not None:
            return _share(share.value, share.precision)
        word = self.words[self.i] if self.i < len(self.words) else ""
        if word[:1].isdigit():
            if not _DIGITS.fullmatch(word):
                raise self.refuse(hint="expected digits with commas between thousands ('1,234') and a point before decimals ('14.5')")
            self.i += 1
            stated, decimals = Decimal(word.replace(",", "")), len(word.partition(".")[2])
        elif (n := self.read_number_words(hundred_and)) is not None:
            stated, decimals = Decimal(n), 0
        elif word == "a" and self.i + 1 < len(self.words) and (self.words[self.i + 1],) in self.q.scales.meaning:
            self.i += 1  # "a million": one million
            stated, decimals = Decimal(1), 0
        else:
            return None
        if self.read_phrase(_PERCENT):
            return _amount(stated, decimals, None, True)
        if (ratio := self.read_ratio(stated, decimals)) is not None:
            return ratio
        amount = _amount(stated, decimals, self.read_phrase(self.q.scales), False)
        if amount.scale is None and decimals == 0 and stated >= Decimal(repr(self.q.table.round_zeros_from)) and word[:1].isdigit():
            zeros = len(word.replace(",", "")) - len(word.replace(",", "").rstrip("0"))
            amount = replace(amount, spread=float(Decimal(10) ** zeros / 2) if zeros else 0.0)  # "800,000": to the hundred thousand
        return amount

    def read_ratio(self, stated: Decimal, decimals: int) -> _Amount | None:
        """ "one in three", "2 in 5": a share, as round as a word fraction (the half-width is a tenth of
        the smaller of the share and its complement), stating both numbers."""
        at = self.i
        if not self.read_word("in"):
            return None
        whole = self.words[self.i] if self.i < len(self.words) else ""
        if whole[:1].isdigit() and _DIGITS.fullmatch(whole) and "." not in whole:
            self.i += 1
            of = Decimal(whole.replace(",", ""))
        elif (n := self.read_number_words()) is not None:
            of = Decimal(n)
        else:
            self.i = at  # "42 in total": not a ratio
            return None
        if decimals or of <= 0 or stated > of:
            raise ValueTextError(f"could not read {self.text!r}: 'N in M' is a share, N a whole number no larger than M")
        share = float(stated / of)
        return _Amount(share, min(share, 1 - share) / 10, True, stated, 0, None, False, of)

    def read_amount(self) -> _Amount | None:
        """Fillers, then a number. Fillers are skipped only as far as a number follows them, so that
        "the first 13" is 13 and "the first" is 1."""
        at, ends = self.i, [self.i]
        while self.read_phrase(self.q.fillers):
            ends.append(self.i)
        for end in reversed(ends):
            self.i = end
            if (amount := self.read_number()) is not None:
                return amount
        self.i = at
        return None


def parse_value(text: str, qualifiers: Qualifiers | None = None) -> Value:
    """Read a hedged number or share into an interval, or refuse it (``ValueTextError``).

    >>> v = parse_value("approximately 14.9 million"); (round(v.lo), round(v.hi))
    (14403000, 15397000)
    >>> parse_value("three of the 42").numbers
    (3.0, 42.0)
    """
    if qualifiers is None:  # the usual case, and the same few values again and again: read each once
        return _parse_with(str(text), current_qualifiers())
    return _parse(str(text), qualifiers)


@lru_cache(maxsize=4096)
def _parse_with(text: str, qualifiers: Qualifiers) -> Value:
    return _parse(text, qualifiers)


def current_qualifiers() -> Qualifiers:
    """The qualifiers of the story being checked (``story.ACTIVE``), else the bundled table."""
    from .story import active

    story = active()
    return default_qualifiers() if story is None else story.qualifiers


def story_qualifiers(story: "Story") -> Qualifiers:
    """The bundled table, with the words of ``story``: its vocabulary's names for the things counted
    ("13 candidates", "three states") and for the whole ("of the Union", "the whole of the Union"), and the
    lists of its own qualifiers file, added to the bundled ones (never replacing them)."""
    from .yamlsafe import load_yaml_text

    table = default_qualifiers().table
    words = story.words
    whole = _fold(words.whole)
    bare = whole.removeprefix("the ")
    counted = [words.status, words.entity] + ([words.before] if words.before else [])
    extra: dict[str, list[str]] = {
        "units": [_fold(w) for c in counted for w in (c.singular, c.plural)]
                 + [f"of {whole}", f"of {bare}", f"of {bare}'s population", f"of the population of {whole}"],
        "wholes": [f"the whole of {bare}", f"all of {bare}", f"the whole of {whole}", f"all of {whole}", f"the entire {bare}"],
    }
    if story.config.qualifiers:
        name = story.config.qualifiers
        own, positions = load_yaml_text(story.read(name, 1024 * 1024), str(story.folder / name))
        try:
            own = _StoryWords.model_validate(own)
        except ValidationError as err:
            raise QualifiersFileError(_problems(err, own, positions, str(story.folder / name))) from None
        for key in ("units", "fillers", "wholes"):
            extra.setdefault(key, []).extend(getattr(own, key))
    # The bundled table is valid already and the added words are plain phrases: no second validation.
    added = {key: list(dict.fromkeys([*getattr(table, key), *(_fold(w) for w in more)])) for key, more in extra.items()}
    base = default_qualifiers()  # only the lists that grew are compiled again
    return replace(base, table=table.model_copy(update=added), **{key: Phrases.of((w, True) for w in words) for key, words in added.items()})


STORY = "factcheck.yaml"


class _StoryWords(BaseModel):
    """A story's own qualifiers file: words added to the bundled lists."""

    model_config = ConfigDict(extra="forbid")
    units: list[Phrase] = Field([], max_length=500, description="words that may follow a count and change nothing")
    fillers: list[Phrase] = Field([], max_length=500, description="words that may stand before a count and change nothing")
    wholes: list[Phrase] = Field([], max_length=500, description="phrases that mean exactly the whole")


MAX_VALUE = 1e12  # far above any count or population a source gives; bounded where it is read


def _parse(text: str, q: Qualifiers) -> Value:
    value = _read_value(text, q)
    if value.number > MAX_VALUE or any(n > MAX_VALUE for n in value.numbers):
        raise ValueTextError(f"could not read {text!r}: expected a number at most {MAX_VALUE:,.0f}")
    return value


_ORDINAL_UNITS = {"first": "one", "second": "two", "third": "three", "fourth": "four", "fifth": "five", "sixth": "six",
                  "seventh": "seven", "eighth": "eight", "ninth": "nine"}
_ORDINAL_WORDS = {**_ORDINAL_UNITS, "tenth": "ten", "eleventh": "eleven", "twelfth": "twelve", "thirteenth": "thirteen",
                  "fourteenth": "fourteen", "fifteenth": "fifteen", "sixteenth": "sixteen", "seventeenth": "seventeen",
                  "eighteenth": "eighteen", "nineteenth": "nineteen", "twentieth": "twenty", "thirtieth": "thirty",
                  "fortieth": "forty", "fiftieth": "fifty", "sixtieth": "sixty", "seventieth": "seventy", "eightieth": "eighty",
                  "ninetieth": "ninety", "hundredth": "hundred"}
_TENS_WORDS = frozenset(("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"))
_ORDINAL_DIGITS = re.compile(r"\b(\d+)(?:st|nd|rd|th)\b", re.I)


def _cardinals(text: str) -> str:
    """Ordinals read as the count they end ("the 49th state" is the 49th to join: 49 as of then):
    '49th', 'forty-sixth', and a lone ordinal after 'the' or first ('the second'). 'A third' is
    not one: a fraction keeps its article."""
    text = _ORDINAL_DIGITS.sub(r"\1", text)
    words = text.split(" ")
    for i, word in enumerate(words):
        low = word.lower()
        tens, _, unit = low.partition("-")
        if unit in _ORDINAL_UNITS and tens in _TENS_WORDS:  # "forty-sixth"
            words[i] = f"{word[:len(tens)]}-{_ORDINAL_UNITS[unit]}"
        elif low in _ORDINAL_UNITS and i > 0 and words[i - 1].lower() in _TENS_WORDS:  # "forty sixth"
            words[i] = _ORDINAL_UNITS[low]
        elif low in _ORDINAL_WORDS and low != "first" and (i == 0 or words[i - 1].lower() == "the"):
            words[i] = _ORDINAL_WORDS[low]
    return " ".join(words)


def _read_value(text: str, q: Qualifiers) -> Value:
    r = _Reader(_cardinals(text), q)
    if r.done():
        raise ValueTextError(f"could not read an empty value: {_EXPECTED}")
    qualified = r.read_phrase(q.qualifiers)
    name, spec = qualified if qualified else (None, None)
    if r.read_phrase(q.wholes):
        return replace(_finish(r, name, spec, _share(1.0, 0.0)), whole=True)
    ranged = _read_range(r)
    if ranged is not None:
        if name is not None:
            raise ValueTextError(f"could not read {text!r}: a range takes no qualifier ({name!r})")
        return ranged
    first = r.read_amount()
    if first is None:
        raise r.refuse(0 if r.done() else None, _EXPECTED)
    return _finish(r, name, spec, first)


def _read_range(r: _Reader) -> Value | None:
    """"between 5 and 6 million", "from 5 to 6 million", "5-6 million", "five to six million". The first
    end takes the scale (or percent sign) of the second when it has none of its own."""
    start = r.i
    joiner = {"between": ("and",), "from": ("to",)}.get(r.read_word("between", "from") or "", ("to", "-"))
    after = r.i
    for hundred_and in (True, False):  # "between a hundred and two hundred": the first "and" joins the range
        r.i = after
        a = r.read_number(hundred_and)
        if a is not None and r.read_word(*joiner):
            break
    else:
        r.i = start
        return None
    b = r.read_number()
    if b is None:
        raise r.refuse(start, f"expected a number after {r.words[r.i - 1]!r}")
    if a.stated is not None and a.scale is None and not a.percent and (b.scale is not None or b.percent):
        a = _amount(a.stated, a.decimals, b.scale, b.percent)
    if a.share != b.share:
        raise ValueTextError(f"could not read {r.text!r}: a range joins a share and a count")
    if a.value > b.value:
        raise ValueTextError(f"could not read {r.text!r}: a range runs from the smaller number to the larger")
    r.read_units()
    if not r.done():
        raise r.refuse()
    lo, hi = a.value, min(b.value, 1.0) if b.share else b.value
    if lo > hi:
        raise ValueTextError(f"{r.text!r} allows no value: a share is at most the whole (100%)")
    return Value(r.text, (lo + hi) / 2, lo, hi, a.share, "between", a.numbers + b.numbers)


def _finish(r: _Reader, name: str | None, spec: Qualifier | None, first: _Amount) -> Value:
    """The rest of a total after its first amount (units, addends or "of" a whole), then its interval:
    the qualifier's reach around the number, the rounding of its written precision, and the clamp to what
    a value can be (a count is at least 0, a share at most the whole, a part at most its whole)."""
    parts, of = _read_rest(r, first)
    x = first.value if len(parts) == 1 else float(sum(a.exact for a in parts))  # "64 plus 0.33" is 64.33
    spread = sum(a.spread for a in parts)
    rule = r.q.table.unqualified if spec is None else spec.share if first.share else spec.number
    lo = _bound(x, rule.below, -1, first.share, r.q.table.min_count_reach)
    hi = _bound(x, rule.above, +1, first.share, r.q.table.min_count_reach)
    if rule.round:
        lo, hi = lo - spread, hi + spread
    ceiling = 1.0 if first.share else math.inf if of is None else of.value
    if max(lo, 0.0) > min(hi, ceiling):
        why = (f"a {'share' if first.share else 'count'} is never below 0" if hi < 0
               else "a share is at most the whole (100%)" if first.share
               else f"a part is at most the {ceiling:g} it is part of")
        raise ValueTextError(f"{r.text!r} allows no value: {why}")
    numbers = tuple(n for a in (*parts, *([] if of is None else [of])) for n in a.numbers)
    return Value(r.text, x, max(lo, 0.0), min(hi, ceiling), first.share, name, numbers,
                 None if of is None else of.value, tuple(a.value for a in parts) if len(parts) > 1 else ())


def _read_rest(r: _Reader, first: _Amount) -> tuple[list[_Amount], _Amount | None]:
    """After the first amount: its units, then either the whole it is part of ("of the 42", "out of 44") or more
    addends ("plus one", "and a further two"), each with its units; then nothing.
    Returns the addends and the whole."""
    parts, of = [first], None
    r.read_units()
    if not first.share:
        at = r.i
        if r.read_phrase(_OF):
            of = _read_count(r, at)
        else:
            while r.read_phrase(r.q.adders):
                parts.append(_read_count(r, at))
                at = r.i
    if not r.done():
        raise r.refuse()
    return parts, of


def _read_count(r: _Reader, at: int) -> _Amount:
    """The count, and its units, after the "of" or the adder that starts at word ``at``."""
    joiner = " ".join(r.words[at : r.i])
    amount = r.read_amount()
    if amount is None or amount.share:
        raise r.refuse(at, f"expected a count after {joiner!r}")
    r.read_units()
    return amount


def _bound(x: float, reach: float | str, side: int, share: bool, min_count_reach: float) -> float:
    """One end of the interval around ``x``: at ``x`` (inclusive), just past it (exclusive), or ``reach`` away."""
    if reach == "exclusive":  # the number itself is just outside: step back towards the inside
        return math.nextafter(x, -side * math.inf)
    if reach == "inclusive":
        return x
    reach = float(reach)
    if share or reach == 0:
        return x + side * reach
    return x + side * max(reach * abs(x), min_count_reach)
