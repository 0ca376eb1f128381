"""Laws of hedged values: a value is read completely or refused, and its interval respects what the words
and their written precision say (the policy is in ``facts/qualifiers.yaml``)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from hypothesis import assume, given
from hypothesis import strategies as st

from factcheck.facts.values import MAX_VALUE, Qualifiers, QualifiersFileError, ValueTextError, default_qualifiers, parse_value

Q = default_qualifiers()
TABLE = Q.table
REPO = Path(__file__).resolve().parent.parent
BUNDLED_YAML = REPO / "facts" / "qualifiers.yaml"

numbers = st.decimals(min_value="0.1", max_value="999.9", places=1).map(str)
scales = st.sampled_from(["", " million", " thousand"])
scale_of = {"": 1, " million": 10**6, " thousand": 10**3}


def exactly(number: str, scale: str) -> float:
    """The number the text states, rounded once (as the parser reads it): "32.7 million" is 32700000.0."""
    return float(Decimal(number) * scale_of[scale])
ways = st.sampled_from(sorted({w for spec in TABLE.qualifiers.values() for w in spec.words}))


# ---- laws kept from the first parser ---------------------------------------------------------------

@given(numbers, scales)
def test_unqualified_value_contains_its_number(number, scale):
    v = parse_value(number + scale)
    assert exactly(number, scale) in v


@given(numbers, scales, st.sampled_from(["more than", "over", "just over", "in excess of"]))
def test_more_than_excludes_the_number(number, scale, words):
    v = parse_value(f"{words} {number}{scale}")
    x = exactly(number, scale)
    assert x not in v and v.lo > x and v.hi > v.lo


@given(numbers, st.sampled_from(["nearly", "almost", "less than", "under"]))
def test_below_words_exclude_the_number(number, words):
    v = parse_value(f"{words} {number} million")
    assert v.hi < exactly(number, " million")


@given(numbers, scales, ways, st.lists(st.sampled_from([" ", "  ", "\t", "\u00a0"]), min_size=2, max_size=2))
def test_parsing_is_stable_under_whitespace_and_case(number, scale, words, spaces):
    plain = parse_value(f"{words} {number}{scale}")
    noisy = parse_value(f"{spaces[0]}{words.upper()}{spaces[1]}{number}{scale.upper()} ")
    assert (plain.lo, plain.hi, plain.share, plain.numbers) == (noisy.lo, noisy.hi, noisy.share, noisy.numbers)


@given(numbers, scales, ways)
def test_every_qualified_interval_is_ordered_and_non_negative(number, scale, words):
    v = parse_value(f"{words} {number}{scale}")
    assert 0 <= v.lo <= v.hi


@given(numbers, scales)
def test_hedging_never_narrows(number, scale):
    exact = parse_value(number + scale)
    hedged = parse_value(f"approximately {number}{scale}")
    assert hedged.lo <= exact.lo and exact.hi <= hedged.hi


# ---- examples of every construct -------------------------------------------------------------------

THIRD = 1 / 3


@pytest.mark.parametrize(
    ("text", "lo", "hi", "share", "numbers"),
    [
        # counts: exact unqualified, with their fillers and trailing nouns
        ("29", 29, 29, False, (29,)),
        ("the final 13", 13, 13, False, (13,)),
        ("The final 13", 13, 13, False, (13,)),
        ("Final 13", 13, 13, False, (13,)),
        ("another four", 4, 4, False, (4,)),
        ("another nine", 9, 9, False, (9,)),
        ("the remaining three", 3, 3, False, (3,)),
        ("Three further", 3, 3, False, (3,)),
        ("the current 14", 14, 14, False, (14,)),
        ("the first", 1, 1, False, (1,)),
        ("the first 13", 13, 13, False, (13,)),
        ("No new", 0, 0, False, (0,)),
        ("none", 0, 0, False, (0,)),
        ("zero", 0, 0, False, (0,)),
        ("an original 42", 42, 42, False, (42,)),
        ("a total of 42", 42, 42, False, (42,)),
        ("just 13", 13, 13, False, (13,)),
        ("11 more", 11, 11, False, (11,)),
        ("13 new ICSs", 13, 13, False, (13,)),
        ("13 sustainability and transformation partnerships", 13, 13, False, (13,)),
        ("42 in total", 42, 42, False, (42,)),
        ("all 42", 42, 42, False, (42,)),
        ("1,234", 1234, 1234, False, (1234,)),
        # number words
        ("twenty-nine", 29, 29, False, (29,)),
        ("twenty nine", 29, 29, False, (29,)),
        ("Twenty\u2013nine", 29, 29, False, (29,)),
        ("one hundred and six", 106, 106, False, (106,)),
        ("a hundred", 100, 100, False, (100,)),
        ("a dozen", 12, 12, False, (12,)),
        # parts of a whole, sums
        ("one of 42", 1, 1, False, (1, 42)),
        ("three of the 42", 3, 3, False, (3, 42)),
        ("a total of 12 out of 44", 12, 12, False, (12, 44)),
        ("Seven of the eight", 7, 7, False, (7, 8)),
        ("more than 40 of the 42", 40, 42, False, (40, 42)),
        ("18 plus one", 19, 19, False, (18, 1)),
        ("18 plus one others", 19, 19, False, (18, 1)),
        ("13 and a further 2", 15, 15, False, (13, 2)),
        # written precision: decimals and scales round to their last digit
        ("14.5", 14.45, 14.55, False, (14.5,)),
        ("14.5 million", 14.45e6, 14.55e6, False, (14.5e6,)),
        ("14.9m", 14.85e6, 14.95e6, False, (14.9e6,)),
        ("21 million", 20.5e6, 21.5e6, False, (21e6,)),
        ("14k", 13.5e3, 14.5e3, False, (14e3,)),
        ("1.2bn", 1.15e9, 1.25e9, False, (1.2e9,)),
        ("approximately 14.9 million", 14.403e6, 15.397e6, False, (14.9e6,)),
        ("about two million", 1.44e6, 2.56e6, False, (2e6,)),
        # qualified counts: a relative reach is never less than one whole thing
        ("more than 3", 3, 4, False, (3,)),
        ("about 11", 10, 12, False, (11,)),
        ("at least 0", 0, 1, False, (0,)),
        ("more than 0", 0, 1, False, (0,)),
        ("up to 0", 0, 0, False, (0,)),
        ("more than three million", 3e6, 3.75e6, False, (3e6,)),
        ("fewer than 10", 0, 10, False, (10,)),
        ("just under 100", 90, 100, False, (100,)),
        ("some 30", 29, 31, False, (30,)),
        # ranges: the ends as written; the first end takes the second's scale
        ("between 5 and 6 million", 5e6, 6e6, False, (5e6, 6e6)),
        ("between 2 and 3 million", 2e6, 3e6, False, (2e6, 3e6)),
        ("5-6 million", 5e6, 6e6, False, (5e6, 6e6)),
        ("5\u20136 million", 5e6, 6e6, False, (5e6, 6e6)),
        ("5 to 6 million", 5e6, 6e6, False, (5e6, 6e6)),
        ("five to six million", 5e6, 6e6, False, (5e6, 6e6)),
        ("500 thousand to 1 million", 5e5, 1e6, False, (5e5, 1e6)),
        ("40-50%", 0.4, 0.5, True, (40, 50)),
        ("between a third and a half", THIRD, 0.5, True, ()),
        # shares: word fractions carry their precision, percentages their last digit
        ("half", 0.45, 0.55, True, ()),
        ("a third", 0.3, THIRD + 1 / 30, True, ()),
        ("two thirds", 2 / 3 - 1 / 30, 0.7, True, ()),
        ("two-thirds", 2 / 3 - 1 / 30, 0.7, True, ()),
        ("a quarter", 0.225, 0.275, True, ()),
        ("three quarters", 0.725, 0.775, True, ()),
        ("a fifth", 0.18, 0.22, True, ()),
        ("a tenth", 0.09, 0.11, True, ()),
        ("40%", 0.395, 0.405, True, (40,)),
        ("40 per cent", 0.395, 0.405, True, (40,)),
        ("40 percent", 0.395, 0.405, True, (40,)),
        ("forty per cent", 0.395, 0.405, True, (40,)),
        ("25%", 0.245, 0.255, True, (25,)),
        ("12.5%", 0.1245, 0.1255, True, (12.5,)),
        ("100%", 0.995, 1.0, True, (100,)),
        ("more than a third", THIRD, THIRD + 0.1, True, ()),
        ("around half", 0.39, 0.61, True, ()),
        ("almost half", 0.45, 0.5, True, ()),
        ("more than 0%", 0, 0.1, True, (0,)),
        # the whole
        ("the whole of England", 1, 1, True, ()),
        ("all of England", 1, 1, True, ()),
        ("the whole country", 1, 1, True, ()),
        ("everyone", 1, 1, True, ()),
        ("nearly everyone", 0.95, 1, True, ()),
        # a ratio is a share as round as a word fraction, and states both its numbers
        ("one in three", 0.3, 0.3 + 2 / 30, True, (1, 3)),
        ("more than one in three", THIRD, THIRD + 0.1, True, (1, 3)),
        ("2 in 5", 0.36, 0.44, True, (2, 5)),
        # a whole number of digits from 1,000 on is rounded at its last non-zero digit; a smaller one is exact
        ("800,000", 750_000, 850_000, False, (800_000,)),
        ("2,600,000", 2_550_000, 2_650_000, False, (2_600_000,)),
        ("1,234", 1234, 1234, False, (1234,)),
        ("970", 970, 970, False, (970,)),
        # trailing words that say what the number is of
        ("13 remaining", 13, 13, False, (13,)),
        ("11 left", 11, 11, False, (11,)),
        ("a quarter of the population", 0.225, 0.275, True, ()),
        ("around half of the country", 0.39, 0.61, True, ()),
        ("more than a third of England's population", THIRD, THIRD + 0.1, True, ()),
    ],
)
def test_examples(text, lo, hi, share, numbers):
    v = parse_value(text)
    assert v.share is share
    assert v.lo == pytest.approx(lo, rel=1e-9, abs=1e-12) and v.hi == pytest.approx(hi, rel=1e-9, abs=1e-12)
    assert v.numbers == pytest.approx(numbers, rel=1e-12)
    assert 0 <= v.lo <= v.hi


@pytest.mark.parametrize(
    ("text", "fields"),
    [
        ("three of the 42", {"number": 3, "of": 42, "parts": (), "qualifier": None}),
        ("18 plus one", {"number": 19, "of": None, "parts": (18, 1)}),
        ("13 and a further 2", {"number": 15, "parts": (13, 2)}),
        ("the whole of England", {"number": 1, "whole": True, "qualifier": None}),
        ("29", {"whole": False, "of": None, "parts": ()}),
        ("between 5 and 6 million", {"number": 5.5e6, "qualifier": "between"}),
        ("approximately 14.9 million", {"number": 14.9e6, "qualifier": "approximately"}),
        ("just over 13", {"qualifier": "just over"}),
    ],
)
def test_fields(text, fields):
    v = parse_value(text)
    assert {k: getattr(v, k) for k in fields} == fields


@pytest.mark.parametrize(
    ("text", "unread"),
    [
        ("banana", "banana"),
        ("18 banana", "banana"),
        ("3 apples", "apples"),
        ("12 ICSs 7", "7"),
        ("about", "about"),
        ("more than", "more than"),
        ("between 5 and", "between 5 and"),
        ("between 5", "between 5"),
        ("18 plus", "plus"),
        ("three of", "of"),
        ("13 and 29", "and 29"),  # a bare "and" is not a sum
        ("half of the 42", "of the 42"),
        ("one hundred and", "and"),
        ("1,23", "1,23"),
        ("29.", "."),
        ("-5", "-5"),
        ("five-six million", "six million"),  # a range of words takes "to"
        ("a lot of people", "a lot of people"),
        ("one in three apples", "apples"),
    ],
)
def test_unreadable_words_are_named(text, unread):
    with pytest.raises(ValueTextError) as err:
        parse_value(text)
    assert str(err.value).startswith(f"could not read {unread!r} in {text!r}")


@pytest.mark.parametrize("text", ["", "many", "a lot of people", "million", "about"])
def test_unreadable_values_say_what_was_expected(text):
    with pytest.raises(ValueTextError, match="expected a number or a share"):
        parse_value(text)


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("less than 0", "a count is never below 0"),
        ("nearly 0", "a count is never below 0"),  # "nearly X" is below X, and no count is below 0
        ("nearly 0%", "a share is never below 0"),
        ("more than 120%", "a share is at most the whole"),
        ("120%", "a share is at most the whole"),
        ("more than 100%", "a share is at most the whole"),
        ("more than everyone", "a share is at most the whole"),
        ("43 of 42", "a part is at most the 42"),
        ("more than 42 of 42", "a part is at most the 42"),
    ],
)
def test_impossible_values_are_refused(text, why):
    with pytest.raises(ValueTextError, match=f"allows no value: {why}"):
        parse_value(text)


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("6-5 million", "from the smaller number to the larger"),
        ("40% to 5", "joins a share and a count"),
        ("about 5-6 million", "takes no qualifier"),
    ],
)
def test_bad_ranges_are_refused(text, why):
    with pytest.raises(ValueTextError, match=why):
        parse_value(text)


def _bundled_values() -> list[str]:
    """Every value of the bundled fact files and the rule cases."""
    files = [*(REPO / "facts" / "data" / "sources").glob("*.yaml"), *(REPO / "tests" / "rules").glob("*.yaml")]

    def walk(node):
        if isinstance(node, dict):
            yield from ([str(node["value"])] if "value" in node else [])
            for child in node.values():
                yield from walk(child)
        elif isinstance(node, list):
            for child in node:
                yield from walk(child)

    return sorted({v for f in files for v in walk(yaml.safe_load(f.read_text(encoding="utf-8")))})


@pytest.mark.parametrize("text", _bundled_values())
def test_every_bundled_value_is_read(text):
    v = parse_value(text)
    assert 0 <= v.lo <= v.hi
    assert len(re.findall(r"[0-9][0-9,.]*[0-9]|[0-9]", text)) <= len(v.numbers)


# ---- the grammar, generated from known parts ---------------------------------------------------------

@dataclass(frozen=True)
class Written:
    """A value text built from known parts, and what those parts mean."""

    text: str
    value: float  # the number named (a count, or a share of 1)
    spread: float  # half-width of the rounding its written precision implies
    share: bool
    numbers: tuple[float, ...]  # the numbers written, after their scale
    of: float | None = None
    scaled: bool = False  # carries a scale word or a percent sign


ONES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
        "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


@st.composite
def in_words(draw, n: int) -> str:
    """``n`` (0-999) in words, in one of the ways English writes it."""
    def below_hundred(m: int) -> str:
        tens, units = divmod(m, 10)
        return ONES[m] if m < 20 else TENS[tens] + (draw(st.sampled_from(["-", " "])) + ONES[units] if units else "")

    if n < 100:
        return below_hundred(n)
    hundreds, rest = divmod(n, 100)
    head = draw(st.sampled_from(["a hundred", "one hundred"])) if hundreds == 1 else f"{ONES[hundreds]} hundred"
    return head if rest == 0 else head + draw(st.sampled_from([" and ", " "])) + below_hundred(rest)


@st.composite
def stated(draw, top: int = 10**7) -> tuple[str, Decimal]:
    """A number up to ``top`` as a source writes it: digits (with thousands separators and decimals) or words."""
    kind = draw(st.sampled_from(["integer", "decimal", "words"]))
    if kind == "integer":
        n = draw(st.integers(0, top))
        return (f"{n:,}" if draw(st.booleans()) else str(n)), Decimal(n)
    if kind == "decimal":
        places = draw(st.integers(1, 3))
        d = draw(st.decimals(min_value=0, max_value=min(top, 99999), places=places, allow_nan=False, allow_infinity=False))
        return format(d, ",f" if draw(st.booleans()) else "f"), d
    n = draw(st.integers(0, min(top, 999)))
    return draw(in_words(n)), Decimal(n)


def _places(written: str) -> int:
    return len(written.partition(".")[2]) if written[:1].isdigit() else 0


@st.composite
def counts(draw) -> Written:
    """A count: a stated number with an optional scale word, or a number phrase ("a dozen", "no")."""
    if draw(st.integers(0, 9)) == 0:
        text, n = draw(st.sampled_from([("a dozen", 12), ("no", 0), ("none", 0), ("zero", 0), ("a single", 1)]))
        return Written(text, n, 0.0, False, (float(n),))
    text, n = draw(stated())
    unit = Decimal(1).scaleb(-_places(text))
    word = draw(st.sampled_from(["", *TABLE.scales]))
    if not word:
        digits = text.replace(",", "")
        zeros = len(digits) - len(digits.rstrip("0")) if digits.isdigit() and n >= Decimal(repr(TABLE.round_zeros_from)) else 0
        spread = float(Decimal(10) ** zeros / 2) if zeros else 0.0 if unit == 1 else float(unit / 2)  # "10,990": to the ten
        return Written(text, float(n), spread, False, (float(n),))
    scale = Decimal(repr(TABLE.scales[word]))
    text += (draw(st.sampled_from([" ", ""])) if text[-1].isdigit() else " ") + word
    return Written(text, float(n * scale), float(unit * scale / 2), False, (float(n * scale),), scaled=True)


@st.composite
def percents(draw) -> Written:
    text, n = draw(st.one_of(stated(top=100), stated(top=200)))  # mostly possible, sometimes more than the whole
    unit = Decimal(1).scaleb(-_places(text))
    sign = draw(st.sampled_from(["%", " %", " per cent", " percent"]))
    return Written(text + sign, float(n / 100), float(unit / 200), True, (float(n),), scaled=True)


share_words = st.sampled_from(sorted(TABLE.shares)).map(
    lambda w: Written(w, TABLE.shares[w].value, TABLE.shares[w].precision, True, ()))
wholes = st.sampled_from(TABLE.wholes).map(lambda w: Written(w, 1.0, 0.0, True, ()))


@st.composite
def totals(draw) -> Written:
    """A count with fillers and trailing nouns, a sum of counts, or a count of a whole."""
    fillers = draw(st.lists(st.sampled_from(TABLE.fillers), max_size=2))
    first = draw(counts())
    first = Written(" ".join([*fillers, first.text]), first.value, first.spread, False, first.numbers)
    shape = draw(st.sampled_from(["count", "count", "sum", "of"]))
    units = " " + draw(st.sampled_from(TABLE.units)) if draw(st.booleans()) else ""
    if shape == "count":
        return Written(first.text + units, first.value, first.spread, False, first.numbers)
    others = draw(st.lists(counts(), min_size=1, max_size=2))
    if shape == "of":
        whole = others[0]
        return Written(f"{first.text} of the {whole.text}{units}", first.value, first.spread, False,
                       first.numbers + whole.numbers, of=whole.value)
    text = first.text + "".join(f" {draw(st.sampled_from(TABLE.adders))} {o.text}" for o in others)
    total = float(sum(Decimal(repr(n)) for n in first.numbers + tuple(n for o in others for n in o.numbers)))
    return Written(text + units, total, first.spread + sum(o.spread for o in others),
                   False, first.numbers + tuple(n for o in others for n in o.numbers))


@st.composite
def hedged(draw) -> tuple[Written, str | None]:
    """A qualifier (or none) and what it qualifies."""
    body = draw(st.one_of(totals(), percents(), share_words, wholes))
    name = draw(st.sampled_from([None, *TABLE.qualifiers]))
    if name is None:
        return body, None
    word = draw(st.sampled_from(TABLE.qualifiers[name].words))
    return Written(f"{word} {body.text}", body.value, body.spread, body.share, body.numbers, body.of), name


def expected_interval(w: Written, name: str | None) -> tuple[float, float, bool, bool] | None:
    """(lo, hi, lo excluded, hi excluded) that the policy of qualifiers.yaml gives ``w``, None if empty."""
    spec = TABLE.qualifiers[name] if name else None
    rule = TABLE.unqualified if spec is None else spec.share if w.share else spec.number

    def bound(reach, side):
        if reach in ("exclusive", "inclusive"):
            return w.value, reach == "exclusive"
        step = reach if w.share or reach == 0 else max(reach * w.value, TABLE.min_count_reach)
        return w.value + side * step, False

    (lo, lo_open), (hi, hi_open) = bound(rule.below, -1), bound(rule.above, +1)
    if rule.round:
        lo, hi = lo - w.spread, hi + w.spread
    ceiling = 1.0 if w.share else math.inf if w.of is None else w.of
    if lo < 0:
        lo, lo_open = 0.0, False
    if hi > ceiling:
        hi, hi_open = ceiling, False
    if lo > hi or lo == hi and (lo_open or hi_open):
        return None
    return lo, hi, lo_open, hi_open


def _close(a: float, b: float) -> bool:
    return a == pytest.approx(b, rel=1e-9, abs=1e-12)


@given(hedged())
def test_a_value_built_from_parts_parses_to_their_interval(case):
    w, name = case
    expected = expected_interval(w, name)
    assume(max((*w.numbers, expected[1] if expected else 0.0)) <= MAX_VALUE)  # beyond: refused (tests/test_bounds.py)
    if expected is None:
        with pytest.raises(ValueTextError, match="allows no value"):
            parse_value(w.text)
        return
    v = parse_value(w.text)
    lo, hi, lo_open, hi_open = expected
    assert (v.share, v.qualifier, v.of) == (w.share, name, w.of)
    assert v.numbers == pytest.approx(w.numbers, rel=1e-12)
    assert _close(v.lo, lo) and (v.lo > lo or not lo_open)
    assert _close(v.hi, hi) and (v.hi < hi or not hi_open)
    assert 0 <= v.lo <= v.hi


range_ends = st.one_of(counts(), percents(), share_words)
range_forms = st.sampled_from(["between {} and {}", "from {} to {}", "{} to {}", "{}-{}", "{} - {}"])


def _range_text(form: str, a: str, b: str) -> str:
    if form == "{}-{}" and a[-1:].isalpha() and b[:1].isalpha():
        form = "{} - {}"  # "five-six" would be one phrase, as "twenty-nine" is
    return form.format(a, b)


@given(range_ends, range_ends, range_forms)
def test_a_range_parses_to_its_ends(a, b, form):
    assume(a.scaled or not b.scaled or not a.numbers)  # the first end takes the second's scale: tested below
    assume(max((a.value, b.value, *a.numbers, *b.numbers)) <= MAX_VALUE)
    text = _range_text(form, a.text, b.text)
    if a.share != b.share:
        with pytest.raises(ValueTextError, match="joins a share and a count"):
            parse_value(text)
    elif a.value > b.value:
        with pytest.raises(ValueTextError, match="from the smaller number to the larger"):
            parse_value(text)
    elif a.share and a.value > 1:
        with pytest.raises(ValueTextError, match="allows no value: a share is at most the whole"):
            parse_value(text)
    else:
        v = parse_value(text)
        assert (v.qualifier, v.share, v.lo) == ("between", a.share, pytest.approx(a.value, rel=1e-12, abs=1e-12))
        assert v.hi == pytest.approx(min(b.value, 1.0), rel=1e-12) if b.share else v.hi == pytest.approx(b.value, rel=1e-12)
        assert v.numbers == pytest.approx(a.numbers + b.numbers, rel=1e-12)


@given(stated(), stated(), st.sampled_from(["%", " per cent", *(" " + w for w in TABLE.scales)]), range_forms)
def test_the_first_end_of_a_range_takes_the_scale_of_the_second(a, b, mark, form):
    (a_text, a_n), (b_text, b_n) = a, b
    share = not mark.strip() in TABLE.scales
    multiplier = Decimal("0.01") if share else Decimal(repr(TABLE.scales[mark.strip()]))
    lo, hi = float(a_n * multiplier), float(b_n * multiplier)
    assume(max(lo, hi, float(a_n), float(b_n)) <= MAX_VALUE)
    text = _range_text(form, a_text, b_text + mark)
    if lo > hi or share and lo > 1:
        with pytest.raises(ValueTextError, match="from the smaller number to the larger" if lo > hi else "allows no value"):
            parse_value(text)
        return
    v = parse_value(text)
    assert (v.share, v.lo) == (share, pytest.approx(lo, rel=1e-12, abs=1e-12))
    assert v.hi == pytest.approx(min(hi, 1.0) if share else hi, rel=1e-12, abs=1e-12)
    assert v.numbers == pytest.approx((float(a_n), float(b_n)) if share else (lo, hi), rel=1e-12, abs=1e-12)


# ---- no number is ever ignored ---------------------------------------------------------------------

DIGIT_RUN = re.compile(r"[0-9][0-9,.]*[0-9]|[0-9]")
# Numbers to slip into a text. Not "one" (it may stand where the article "a" stood: "a one hundred" is
# still 100) nor "first"/"no", which are also words of the grammar.
EXTRA = st.sampled_from(["7", "12", "1,000", "3.5", "seven", "twelve", "forty-two", "twenty", "a dozen"])


def _accounted(text: str, v) -> bool:
    """Every digit run of ``text`` is one of the numbers the value read (as written, or times a scale)."""
    read = [*v.numbers, *v.parts, *([v.of] if v.of is not None else [])]
    factors = [1.0, *TABLE.scales.values()]
    runs = [float(run.replace(",", "")) for run in DIGIT_RUN.findall(text)]
    return len(runs) <= len(v.numbers) and all(any(math.isclose(n, r * f, rel_tol=1e-12) for n in read for f in factors) for r in runs)


@given(hedged(), EXTRA, st.data())
def test_a_number_slipped_into_a_value_is_never_ignored(case, extra, data):
    w, _ = case
    try:
        before = parse_value(w.text)
    except ValueTextError:
        return  # refused (allows no value): nothing to compare
    assert _accounted(w.text, before)
    words = w.text.split(" ")
    at = data.draw(st.integers(0, len(words)))
    text = " ".join([*words[:at], extra, *words[at:]])
    try:
        after = parse_value(text)
    except ValueTextError:
        return
    assert (after.lo, after.hi, after.numbers) != (before.lo, before.hi, before.numbers), text


VOCABULARY = sorted({
    *(w for spec in TABLE.qualifiers.values() for w in spec.words), *TABLE.fillers, *TABLE.units, *TABLE.adders,
    *TABLE.wholes, *TABLE.scales, *TABLE.shares, "between", "and", "to", "from", "of", "-", "%", "per cent",
    "zero", "one", "two", "twenty", "nine", "hundred", "a", "no", "none", "first", "a dozen",
    "0", "3", "13", "42", "1,234", "14.5", "120", "banana",
})


@given(st.lists(st.sampled_from(VOCABULARY), min_size=1, max_size=6).map(" ".join))
def test_any_text_is_refused_or_an_ordered_interval_that_reads_all_its_digits(text):
    try:
        v = parse_value(text)
    except ValueTextError as err:
        assert str(err)
        return
    assert 0 <= v.lo <= v.hi and (v.hi <= 1 or not v.share)
    assert _accounted(text, v), (text, v)


# ---- the qualifiers file -----------------------------------------------------------------------------

def test_the_qualifier_table_is_data(tmp_path):
    custom = tmp_path / "q.yaml"
    custom.write_text(BUNDLED_YAML.read_text(encoding="utf-8").replace(
        "number: {below: 0.03, above: 0.03, round: true}", "number: {below: 0.5, above: 0.5, round: false}"), encoding="utf-8")
    v = parse_value("about 10", Qualifiers.load(custom))
    assert (v.lo, v.hi) == (5, 15)


@pytest.mark.parametrize(
    ("old", "new", "names"),
    [
        ("{below: exclusive, above: 0.25, round: false}", "{belw: exclusive, above: 0.25, round: false}",
         "qualifiers.more than.number.belw: Extra inputs are not permitted"),
        ("{below: 0.10, above: exclusive, round: false}", "{below: 0.10, above: exclusve, round: false}",
         "qualifiers.nearly.number.above"),
        ("min_count_reach: 1.0", "min_count_reach: -1", "min_count_reach: Input should be greater than or equal to 0"),
        ("adders:", "addres:", "adders: Field required"),
        ("a tenth: {value: 0.1, precision: 0.01}", "a tenth: 0.1", "shares.a tenth"),
        ("a tenth: {value: 0.1, precision: 0.01}", "a tenth: {value: 1.1, precision: 0.01}", "shares.a tenth.value"),
        ("words: [nearly,", "words: [about, nearly,", "the phrase 'about' says both 'approximately' and 'nearly'"),
        ("fillers: [the,", "fillers: ['13', the,", "fillers.0: Value error, '13' is not a phrase of words"),
    ],
)
def test_a_bad_qualifiers_file_is_an_error_naming_the_field(tmp_path, old, new, names):
    text = BUNDLED_YAML.read_text(encoding="utf-8")
    assert old in text
    bad = tmp_path / "qualifiers.yaml"
    bad.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(QualifiersFileError, match=r"qualifiers\.yaml line \d+: ") as err:
        Qualifiers.load(bad)
    assert names in str(err.value)


def test_the_bundled_table_is_read_once_and_values_are_cached():
    assert default_qualifiers() is default_qualifiers()
    assert parse_value("the final 13") is parse_value("the final 13")


@pytest.mark.parametrize("text", ["4 in 3", "1.5 in 3", "one in zero"])
def test_a_ratio_that_is_no_share_is_refused(text):
    with pytest.raises(ValueTextError, match="'N in M' is a share"):
        parse_value(text)
