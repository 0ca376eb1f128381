"""Laws of hedged values: parsing is an interval that respects what the words say."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from factcheck.facts.values import ValueTextError, default_qualifiers, parse_value

numbers = st.decimals(min_value="0.1", max_value="999.9", places=1).map(str)
scales = st.sampled_from(["", " million", " thousand"])
scale_of = {"": 1, " million": 1e6, " thousand": 1e3}
ways = st.sampled_from(sorted({p for p, *_ in default_qualifiers().phrases}))


@given(numbers, scales)
def test_unqualified_value_contains_its_number(number, scale):
    v = parse_value(number + scale)
    assert float(number) * scale_of[scale] in v


@given(numbers, scales, st.sampled_from(["more than", "over", "just over", "in excess of"]))
def test_more_than_excludes_the_number(number, scale, words):
    v = parse_value(f"{words} {number}{scale}")
    x = float(number) * scale_of[scale]
    assert x not in v and v.lo > x and v.hi > v.lo


@given(numbers, st.sampled_from(["nearly", "almost", "less than", "under"]))
def test_below_words_exclude_the_number(number, words):
    v = parse_value(f"{words} {number} million")
    assert v.hi < float(number) * 1e6


@given(numbers, scales, ways, st.lists(st.sampled_from([" ", "  ", "\t", "\u00a0"]), min_size=2, max_size=2))
def test_parsing_is_stable_under_whitespace_and_case(number, scale, words, spaces):
    plain = parse_value(f"{words} {number}{scale}")
    noisy = parse_value(f"{spaces[0]}{words.upper()}{spaces[1]}{number}{scale.upper()} ")
    assert (plain.lo, plain.hi, plain.share) == (noisy.lo, noisy.hi, noisy.share)


@given(numbers, scales, ways)
def test_every_qualified_interval_is_ordered_and_non_negative(number, scale, words):
    v = parse_value(f"{words} {number}{scale}")
    assert 0 <= v.lo <= v.hi


@given(numbers, scales)
def test_hedging_never_narrows(number, scale):
    exact = parse_value(number + scale)
    hedged = parse_value(f"approximately {number}{scale}")
    assert hedged.lo <= exact.lo and exact.hi <= hedged.hi


@pytest.mark.parametrize(
    ("text", "lo", "hi", "share"),
    [
        ("the final 13", 13, 13, False),
        ("another four", 4, 4, False),
        ("No new", 0, 0, False),
        ("14.5 million", 14.45e6, 14.55e6, False),
        ("more than a third", 1 / 3, 1 / 3 + 0.1, True),
        ("25%", 0.245, 0.255, True),
        ("between 2 and 3 million", 2e6, 3e6, False),
    ],
)
def test_examples(text, lo, hi, share):
    v = parse_value(text)
    assert v.share is share
    assert v.lo == pytest.approx(lo, rel=1e-6) and v.hi == pytest.approx(hi, rel=1e-6)


@pytest.mark.parametrize("text", ["", "many", "a lot of people", "million"])
def test_unreadable_values_say_what_was_expected(text):
    with pytest.raises(ValueTextError, match="expected a number or a share"):
        parse_value(text)


def test_the_qualifier_table_is_data(tmp_path):
    from factcheck.facts.values import Qualifiers

    custom = tmp_path / "q.yaml"
    custom.write_text("qualifiers:\n  approximately:\n    words: [about]\n    number: {below: 0.5, above: 0.5, round: false}\n")
    v = parse_value("about 10", Qualifiers.load(custom))
    assert (v.lo, v.hi) == (5, 15)
