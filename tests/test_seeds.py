"""The verdict on the seeds, mutation tests (one injected inconsistency per rule kind, caught by its
specific finding), and the laws a check obeys (hypothesis)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from factcheck.checks.engine import check, run_rules
from factcheck.checks.base import Context
from factcheck.checks.rules_file import load_rules
from factcheck.facts.story import bundled_story_folder
from factcheck.facts.tables import CLAIM_TABLES

from helpers import edit


def test_the_seeds_give_no_error_and_the_expected_warnings(seeds):
    report = check(sources_dir=seeds)
    assert report.load_errors == []
    assert report.summary.errors == 0
    warnings = {(f.rule, f.code, tuple(f.subjects)) for f in report.findings if f.severity.value == "warning"}
    assert warnings == {
        ("NAM01", "NAM-variant", ("Cambridgeshire and Peterborough",)),
        ("POP01", "POP-basis", ("wave 2020-12",)),
        ("QUO01", "QUO-reworded", ("Simon Stevens",)),
    }
    infos = " ".join(f.message for f in report.findings if f.severity.value == "info")
    assert "3 new − 3 merged = 14" in infos and "corroboration" in infos
    verified = next(f.message for f in report.findings if f.message.startswith("Evidence verified"))
    n, _, m = verified.removeprefix("Evidence verified: ").split(" ")[:3]
    assert n == m and int(n) > 100


def mutate(dataset: Path, name: str) -> tuple[str, ...]:
    """Apply the mutation ``name`` to a copy of the dataset; return the finding it must cause: rule,
    severity, a subject, and (for the later mutations) the code of the finding."""
    (file, old, new), expected = MUTATIONS[name]
    edit(dataset / "sources" / file, old, new)
    return expected


def another_designation(claim_id: str, subject: str, wave: str, line: int, quote: str) -> tuple[str, str, str]:
    """An edit that adds a designation to the June 2019 news, before its first merger."""
    claim = (f"  - id: {claim_id}\n    kind: designation\n    subject: {subject}\n    wave: {wave}\n"
             f"    evidence: {{line: {line}, quote: \"{quote}\"}}\n\n")
    return "ics-june-2019-news.yaml", "  - id: bucks-merged", claim + "  - id: bucks-merged"


MUTATIONS = {
    "bump a total": (("ics-dec-2020-news.yaml", 'value: "29"', 'value: "30"'), ("TOT01", "error", "wave 2020-12")),
    "designate an area in a second wave": (
        ("ics-dec-2020-news.yaml", "      - {position: 11, subject: North East London, line: 42}",
         "      - {position: 11, subject: North East London, line: 42}\n      - {position: 12, subject: Devon, line: 42}"),
        ("UNI01", "error", "Devon"),
    ),
    "drop a list item": (("nhse-final-13-2021.yaml", "      - {subject: Lincolnshire, line: 13}\n", ""), ("LST01", "error", "The 13 new ICS areas are")),
    "misspell a name": (("nhse-final-13-2021.yaml", "{subject: Lincolnshire,", "{subject: Lincolnshre,"), ("NAM01", "warning", "Lincolnshre")),
    "unknown name": (("nhse-final-13-2021.yaml", "{subject: Lincolnshire,", "{subject: Atlantis,"), ("NAM01", "warning", "Atlantis")),
    "move a population outside tolerance": (("ics-june-2019-news.yaml", "value: about two million", "value: about five million"),
                                            ("POP01", "error", "Our Healthier South East London")),
    "change a quote's words": (("nhse-final-13-2021.yaml", "words: Partnership working has been at the heart", "words: Partnership working has not been at the heart"),
                               ("QUO01", "error", "Simon Stevens")),
    "reword a quote": (("nhse-final-13-2021.yaml", "words: The ICSs have proven their value over the past year", "words: The ICSs have shown their worth over the past year"),
                       ("QUO01", "warning", "Amanda Pritchard")),
    "move a date": (("nhse-ics-page-2020.yaml", "    from: 2020-05-01\n    to: 2020-12-07", "    from: 2020-01-01\n    to: 2020-03-31"),
                    ("DAT01", "warning", "nhse-ics-page-2020")),  # an undated source: its inferred date is a reading
    "date a dated source before its events": (("ics-dec-2020-news.yaml", "published: 2020-12-08", "published: 2020-11-30"),
                                              ("DAT01", "error", "ics-dec-2020-news")),
    "list an area as an ICS too early": (("nhse-ics-page-2020.yaml", "      - {position: 18, subject: Hertfordshire and West Essex, line: 38}",
                                          "      - {position: 18, subject: Hertfordshire and West Essex, line: 38}\n      - {position: 19, subject: Devon, line: 38}"),
                                         ("STA01", "error", "Devon")),
    "change a value, keep its quote": (("ics-june-2019-news.yaml", 'value: "28"', 'value: "27"'), ("EVI01", "error", "ics-june-2019-news", "EVI-value")),
    # The comparisons real documents need, each caught on the seeds:
    "give one wave two effective dates": (("nhse-final-13-2021.yaml", "    effective: 2021-04-01", "    effective: 2021-07-01"),
                                          ("UNI01", "error", "Lincolnshire", "UNI-effective")),
    "designate an area in a year that cannot be its wave": (
        another_designation("devon-2019", "Devon", "2019", 27, "including Devon and Norfolk"), ("UNI01", "error", "Devon", "UNI-other-year")),
    "name an area beside a total that already counts it": (
        ("ics-dec-2020-news.yaml", 'value: "29"\n    wave: 2020-12', 'value: "29"\n    wave: 2020-12\n    extras: [North East London]'),
        ("TOT01", "error", "East London Health and Care Partnership", "TOT-double-count")),
    "list ICSs as areas not yet ICSs": (("nhse-ics-page-2020.yaml", "    means: ics", "    means: not_ics"),
                                        ("STA01", "error", "Our Healthier South East London", "STA-not-yet")),
    "cite a total that was true only before the source's date": (
        ("ics-mar-2021-news.yaml", "  - id: total-42",
         "  - id: stale-29\n    kind: count\n    measure: ics\n    subject: ICSs now\n    value: \"29\"\n"
         "    evidence: {line: 13, quote: \"This brings the total number of ICSs to 42\"}\n\n  - id: total-42"),
        ("TOT01", "warning", "England", "TOT-stale")),
    "designate an area in a wave the totals around it leave no room for": (
        another_designation("dorset-2020", "Dorset", "2020-02", 1, "Three further areas"), ("TOT01", "error", "wave 2020-02", "TOT-gap")),
    "change evidence": (("ics-june-2019-news.yaml", 'quote: "leave 28 STPs remaining"', 'quote: "leave 29 STPs remaining"'), ("EVI01", "error", "ics-june-2019-news")),
    "forget a merger": (("ics-june-2019-news.yaml", "  - id: cumbria-merged\n    kind: merger\n    subject: Cumbria ICS\n    into: The North East and North Cumbria\n    wave: 2019-06\n", "  - id: cumbria-merged\n    kind: status\n    subject: Dorset\n    status: ics\n    as_of: 2019-06\n"),
                        ("TOT01", "error", "wave 2019-06")),
}


@pytest.mark.parametrize("name", list(MUTATIONS))
def test_each_injected_inconsistency_is_caught(dataset_copy, seeds, name):
    rule, severity, subject, *code = mutate(dataset_copy, name)
    report = check([dataset_copy], sources_dir=seeds)
    assert report.load_errors == []
    hits = [f for f in report.findings if f.rule == rule and f.severity.value == severity and (subject is None or subject in f.subjects)
            and f.code in (code or [f.code])]
    assert hits, [(f.rule, f.severity.value, f.subjects) for f in report.findings if f.severity.value != "info"]
    if severity == "error":
        assert report.fails("error")
        changed = [loc for f in hits for loc in f.locations if loc.fact_file.endswith(MUTATIONS[name][0][0])]
        assert changed, "the finding points at the changed file"


def test_a_changed_value_with_an_unchanged_quote_is_an_error_at_the_claims_line(dataset_copy):
    mutate(dataset_copy, "change a value, keep its quote")
    report = check([dataset_copy])  # no source texts needed: the claim and its quote disagree
    [f] = [f for f in report.findings if f.code == "EVI-value"]
    [loc] = f.locations
    lines = (dataset_copy / "sources" / "ics-june-2019-news.yaml").read_text(encoding="utf-8").splitlines()
    assert (f.severity.value, f.expected, f.found) == ("error", "28", "27")
    assert lines[loc.fact_line - 1] == "  - id: stps-left-28" and loc.claim_id == "stps-left-28"
    assert f.message == "The claim says '27'; its quote says 28."


# ---- laws --------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def rules():
    specs, errors = load_rules(bundled_story_folder() / "rules.yaml")
    assert errors == []
    return specs


def _verdict(tables, rules):
    findings, failures = run_rules(tables, rules, Context())
    assert failures == []
    return sorted((f.rule, f.severity.value, tuple(f.subjects), f.identity) for f in findings)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32 - 1))
def test_shuffling_sources_and_claims_never_changes_the_findings(bundled, rules, seed):
    shuffled = bundled.tables.with_frames(
        **{name: bundled.tables[name].sample(fraction=1.0, shuffle=True, seed=seed) for name in (*CLAIM_TABLES, "sources")}
    )
    assert _verdict(shuffled, rules) == _verdict(bundled.tables, rules)


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(which=st.integers(0, 4))
def test_a_copy_of_a_source_under_another_id_adds_no_error(bundled, rules, which):
    tables = bundled.tables
    source_id = tables["sources"]["source_id"].sort()[which]
    copy = lambda f: pl.concat([f, f.filter(pl.col("source_id") == source_id).with_columns(pl.lit(source_id + "-copy").alias("source_id"))])  # noqa: E731
    doubled = tables.with_frames(**{name: copy(tables[name]) for name in (*CLAIM_TABLES, "sources")})
    before = [v for v in _verdict(tables, rules) if v[1] == "error"]
    after = [v for v in _verdict(doubled, rules) if v[1] == "error"]
    assert after == before == []


def test_without_the_merger_claims_the_running_totals_fire(bundled, rules):
    no_mergers = bundled.tables.with_frames(mergers=bundled.tables["mergers"].clear())
    assert any(rule == "TOT01" and severity == "error" for rule, severity, *_ in _verdict(no_mergers, rules))
    assert not any(severity == "error" for _, severity, *_ in _verdict(bundled.tables, rules))
