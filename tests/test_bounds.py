"""Numbers the input states never decide how much is allocated: values are bounded where they are read,
and the report's pictures draw a bounded number of ticks whatever a stated total says."""

from __future__ import annotations

import pytest

from factcheck.facts.values import MAX_VALUE, ValueTextError, parse_value
from factcheck.reports.html import _ticks


@pytest.mark.parametrize("text", ["99999999999999999999999", "2 trillion", "1,000,000,000,001", "5000 bn"])
def test_a_value_beyond_any_real_count_is_refused_where_it_is_read(text):
    with pytest.raises(ValueTextError, match="expected a number at most 1,000,000,000,000|could not read"):
        parse_value(text)


def test_the_largest_value_is_still_read():
    assert parse_value("1,000,000,000,000").number == MAX_VALUE


@pytest.mark.parametrize("top", [1, 45, 200, 4_321, 1e9, MAX_VALUE * 1.08])
def test_the_chart_draws_at_most_eleven_round_ticks(top):
    ticks = _ticks(top)
    assert 1 <= len(ticks) <= 11 and ticks[0] == 0 and ticks[-1] <= top
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 10
    assert str(int(step)).rstrip("0") in ("1", "2", "5")


def test_a_huge_total_in_a_fact_file_is_refused_at_its_line(tmp_path):
    from factcheck.checks.engine import check

    (tmp_path / "sources").mkdir()
    (tmp_path / "sources" / "s.yaml").write_text(
        "source: {id: s, title: t, publisher: p, kind: news, text_file: s.txt, published: 2021-01-01}\n"
        "claims:\n"
        "  - {id: c, kind: count, measure: ics, subject: s, value: '99999999999999999999999', wave: 2020-12, evidence: {line: 1, quote: q}}\n",
        encoding="utf-8")
    report = check([tmp_path])
    assert len(report.load_errors) == 1 and ":3:" in report.load_errors[0] and "at most 1,000,000,000,000" in report.load_errors[0]
