"""A rule that crashes is a rule failure: its own category (exit 2, the rule's code and a one-line
cause), never an unusable file and never silent; the other rules' findings are kept."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest

from factcheck.checks import catalogue, engine
from factcheck.checks.base import FindingType
from factcheck.checks.engine import check
from factcheck.facts.loader import DEADLINE, TimeLimit


def crash(*_args, **_kwargs):  # type: ignore[no-untyped-def]
    raise RuntimeError("boom\nsecond line of the cause")


@pytest.fixture
def crashing_quotes(monkeypatch):  # type: ignore[no-untyped-def]
    kinds = dict(catalogue.KINDS._kinds)
    kinds["quote_fidelity"] = replace(kinds["quote_fidelity"], run=crash)
    monkeypatch.setattr(catalogue.KINDS, "_kinds", kinds)


def test_a_crashing_rule_is_a_rule_failure_and_the_others_still_report(crashing_quotes):
    report = check()
    assert report.rule_failures == ["rule QUO01 (quote_fidelity): RuntimeError: boom"]
    assert report.load_errors == [] and report.summary.unusable_files == 0 and report.summary.rule_failures == 1
    assert report.summary.verdict == "unusable"
    assert {f.rule for f in report.findings} >= {"TOT01", "NAM01", "POP01"} and not [f for f in report.findings if f.rule == "QUO01"]


def test_pictures_that_cannot_be_drawn_say_why(monkeypatch):
    monkeypatch.setattr(engine, "overview", crash)
    report = check()
    assert report.overview is None
    assert report.rule_failures == ["the report's overview (its pictures): RuntimeError: boom"]
    assert report.summary.warnings == 3  # the findings are all there


def test_the_html_report_lists_rule_failures(crashing_quotes):
    from factcheck.reports.html import render

    page = render(check())
    assert 'id="rule-failures"' in page and "rule QUO01 (quote_fidelity): RuntimeError: boom" in page


def test_the_command_line_exits_2_and_every_view_names_the_failed_rule(crashing_quotes):
    from typer.testing import CliRunner

    from factcheck.cli.main import app
    from factcheck.reports import github, markdown, text

    result = CliRunner().invoke(app, ["check"])
    assert result.exit_code == 2 and "rule failed: rule QUO01 (quote_fidelity): RuntimeError: boom" in result.stderr
    report = check()
    assert "RULES THAT FAILED" in text.render(report) and "RULE FAILED:" in text.render(report)
    assert "rule QUO01 (quote\\_fidelity): RuntimeError: boom" in markdown.render(report)  # Markdown escapes the underscore
    assert "::error title=rule failed::rule QUO01 (quote_fidelity): RuntimeError: boom" in github.render(report)


LATE = FindingType("TOT-late", "info", "made after the time limit")


def slow_then(*findings):  # type: ignore[no-untyped-def]
    """A rule that uses up 0.6 s, then makes ``findings``."""

    def run(tables, params, context):  # type: ignore[no-untyped-def]
        time.sleep(0.6)
        yield from (make(["x"]) for make in findings)

    return run


@pytest.mark.parametrize(("run", "where"), [(slow_then(), "before rule UNI01"),  # the next rule is not started
                                            (slow_then(LATE), "making TOT-late findings")])  # nor the next finding made
def test_a_time_limit_stops_the_check_and_is_never_taken_for_a_rule_failure(monkeypatch, run, where):
    kinds = dict(catalogue.KINDS._kinds)
    kinds["running_totals"] = replace(kinds["running_totals"], run=run)
    monkeypatch.setattr(catalogue.KINDS, "_kinds", kinds)
    token = DEADLINE.set((time.monotonic() + 0.5, 0.5))
    try:
        with pytest.raises(TimeLimit, match=rf"time limit of 0\.5 s \({where}\)"):
            check()
    finally:
        DEADLINE.reset(token)
