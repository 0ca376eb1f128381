"""The report formats: HTML, JUnit, GitHub annotations and Markdown, each a view of one Report.

Assertions are on facts of the rendering (which findings, which lines, what is escaped), never on a
stored copy of a whole report.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from junitparser import JUnitXml
from typer.testing import CliRunner

from factcheck.checks.engine import check
from factcheck.cli.main import app
from factcheck.reports import github, html, junit, markdown

from helpers import IMG, annotations, bump_total, unescape

class Page(HTMLParser):
    """Collects what a page could run or fetch: scripts, event-handler attributes, links and sources."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[str] = []
        self.styles: list[str] = []
        self.handlers: list[str] = []
        self.urls: list[str] = []
        self.tags: set[str] = set()
        self.csp = ""
        self._in: str | None = None

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        self.tags.add(tag)
        for name, value in attrs:
            if name.startswith("on"):
                self.handlers.append(f"{tag} {name}={value}")
            if name in ("href", "src", "action", "formaction", "xlink:href", "data"):
                self.urls.append(value or "")
        if tag == "meta" and dict(attrs).get("http-equiv") == "Content-Security-Policy":
            self.csp = dict(attrs)["content"] or ""
        if tag in ("script", "style"):
            self._in = tag
            (self.scripts if tag == "script" else self.styles).append("")

    def handle_endtag(self, tag):  # type: ignore[no-untyped-def]
        self._in = None

    def handle_data(self, data):  # type: ignore[no-untyped-def]
        if self._in == "script":
            self.scripts[-1] += data
        elif self._in == "style":
            self.styles[-1] += data


def parse(text: str) -> Page:
    page = Page()
    page.feed(text)
    return page


def sha(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()


# -- HTML -----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bundled_report():
    return check()


def test_the_html_report_is_one_file_that_fetches_nothing(bundled_report):
    text = html.render(bundled_report)
    page = parse(text)
    assert len(page.scripts) == 1 and len(page.styles) == 1
    assert page.handlers == []
    assert all(url.startswith("#") for url in page.urls), [u for u in page.urls if not u.startswith("#")]
    assert not {"link", "img", "iframe", "object", "embed"} & page.tags
    assert "@import" not in page.styles[0] and "url(" not in page.styles[0]
    # Only the page's own script and style may run: both are pinned by hash.
    assert "default-src 'none'" in page.csp
    assert f"script-src '{sha(page.scripts[0])}'" in page.csp
    assert f"style-src '{sha(page.styles[0])}'" in page.csp


def test_the_html_report_shows_verdict_findings_evidence_chart_and_footprints(bundled_report):
    text = html.render(bundled_report)
    s = bundled_report.summary
    assert re.search(r'class="verdict pass"', text) and f"{s.warnings} warnings" in text
    ids = re.findall(r'<article class="finding \w+" id="f-(\w+)"', text)
    assert ids == [f.identity for g in html._groups(bundled_report) for f in g["findings"]]
    assert len(ids) == len(bundled_report.findings)
    for f in bundled_report.findings:  # every quoted span of every finding, with its fact-file line
        for loc in f.locations:
            assert f"{loc.fact_file}:{loc.fact_line}" in text
    overview = bundled_report.overview
    assert text.count('class="dot') == len(overview.stated) and 'class="merge-label"' in text
    rows = re.findall(r'<tr(?: class="unknown")?>\s*<th scope="row">', text)
    assert len(rows) == 42
    for source in bundled_report.sources:
        assert source.fact_file in text and source.text_file in text
    for rule in bundled_report.rules:
        assert f"<code>{rule.code}</code>" in text


def test_the_overview_adds_the_waves_and_places_each_stated_total(bundled_report):
    overview = bundled_report.overview
    assert [(w.wave, w.before, w.added, w.absorbed, w.after) for w in overview.waves] == [
        ("2019-06", 14, 3, 3, 14), ("2020-05", 14, 4, 0, 18), ("2020-12", 18, 11, 0, 29), ("2021-03", 29, 13, 0, 42)]
    assert overview.stated and all(s.agrees for s in overview.stated)
    designated = {r.name: r.wave for r in overview.entities if r.wave}
    assert sum(1 for w in designated.values() if w == "2021-03") == 13


def test_a_stated_total_that_disagrees_is_drawn_off_the_line(dataset_copy):
    bump_total(dataset_copy / "sources" / "ics-dec-2020-news.yaml")
    report = check([dataset_copy])
    off = [s for s in report.overview.stated if not s.agrees]
    assert [(s.source_id, s.held_lo, s.expected) for s in off] == [("ics-dec-2020-news", 31, 29)]
    assert html.render(report).count('class="dot off"') == 1


def test_hostile_claims_come_out_inert_in_the_html(hostile):
    report = check([hostile])
    text = html.render(report)
    page = parse(text)
    assert len(page.scripts) == 1 and f"script-src '{sha(page.scripts[0])}'" in page.csp
    assert page.handlers == [] and "img" not in page.tags
    assert not any(u.strip().lower().startswith("javascript:") for u in page.urls)
    assert "&lt;img src=x onerror=alert(1)&gt;" in text
    assert "&lt;script&gt;document.title=" in text


# -- JUnit ----------------------------------------------------------------------------------------------


def test_junit_has_one_case_per_rule_and_subject_and_parses(bundled_report, tmp_path):
    path = tmp_path / "junit.xml"
    path.write_text(junit.render(bundled_report), encoding="utf-8")
    xml = JUnitXml.fromfile(str(path))
    cases = {(suite.name.split()[0], case.name): case for suite in xml for case in suite}
    expected = {(f.rule, s) for f in bundled_report.findings for s in f.subjects}
    quiet = {r.code for r in bundled_report.rules} - {f.rule for f in bundled_report.findings}
    assert set(cases) == expected | {(code, "all claims") for code in quiet}
    warned = {(f.rule, s) for f in bundled_report.findings if f.severity.value == "warning" for s in f.subjects}
    for key in warned:  # recorded as warnings, not failures (the run fails on errors only)
        assert cases[key].is_passed and "warning:" in cases[key].system_out


def test_junit_errors_are_failures(dataset_copy, tmp_path):
    bump_total(dataset_copy / "sources" / "ics-dec-2020-news.yaml")
    report = check([dataset_copy])
    xml = JUnitXml.fromstring(junit.render(report).split("\n", 1)[1])
    failed = {(suite.name.split()[0], case.name) for suite in xml for case in suite if not case.is_passed}
    assert failed == {(f.rule, s) for f in report.findings if f.severity.value == "error" for s in f.subjects}
    assert ("TOT01", "wave 2020-12") in failed


def test_hostile_claims_round_trip_as_text_in_junit(hostile):
    xml = JUnitXml.fromstring(junit.render(check([hostile])).split("\n", 1)[1])
    names = {case.name for suite in xml for case in suite}
    assert IMG in names  # the payload is a name, not markup


# -- GitHub annotations -----------------------------------------------------------------------------------


def test_annotations_point_at_the_claims_in_the_fact_files(dataset_copy, monkeypatch):
    bump_total(dataset_copy / "sources" / "ics-dec-2020-news.yaml")
    monkeypatch.chdir(dataset_copy.parent)
    report = check([Path("data")])
    notes = annotations(github.render(report))
    assert [n["level"] for n in notes] == ["error"] + ["warning"] * report.summary.warnings
    by_title = {n["title"]: n for n in notes}
    assert by_title["TOT01"]["file"] == "data/sources/ics-dec-2020-news.yaml"
    for note, f in zip(notes, [f for f in report.findings if f.severity.value != "info"]):
        lines = Path(unescape(note["file"])).read_text(encoding="utf-8").splitlines()
        claim = f.locations[0].claim_id.rsplit("/", 1)[-1]
        assert claim in lines[int(note["line"]) - 1], (note, claim)


def test_annotations_escape_claim_text_and_file_names(hostile, monkeypatch):
    monkeypatch.chdir(hostile.parent)
    text = github.render(check([Path("data")]))
    assert not any(line.startswith("::error::pwned") for line in text.splitlines())
    notes = annotations(text)
    hostile_file = [n for n in notes if "hostile" in n.get("file", "")]
    assert hostile_file and all(n["file"] == "data/sources/hostile%2Cnews%3A2021.yaml" for n in hostile_file)
    # The claim's line break is shown, not obeyed: a visible \n, and its % escaped as the runner requires.
    assert any("Essex\\n::error::pwned%250A" in n["message"] for n in notes)
    assert not any("%0A::error" in n["message"] for n in notes)


def test_at_most_ten_annotations_per_severity_and_the_rest_counted():
    from factcheck.checks.model import Finding, Report, Summary

    findings = [Finding(rule="X01", severity="error", message=f"m{i}", subjects=[f"s{i}"]) for i in range(13)]
    summary = Summary(verdict="fail", fail_on="error", errors=13, warnings=0, infos=0, sources=0, claims=0, rules_run=1, files=0, unusable_files=0)
    text = github.render(Report(summary=summary, dataset=[], checked_at="", rules=[], sources=[], findings=findings))
    assert len(annotations(text)) == 10
    assert "3 more errors" in text


# -- Markdown and the command line ------------------------------------------------------------------------


def test_markdown_links_each_finding_to_its_fact_file_line(bundled_report):
    text = markdown.render(bundled_report, link_base="https://github.com/o/r/blob/abc")
    for f in bundled_report.findings:
        loc = f.locations[0] if f.locations else None
        if loc:
            assert f"(https://github.com/o/r/blob/abc/{loc.fact_file}#L{loc.fact_line})" in text
    assert text.startswith("## factcheck: ✅ **PASS**")


def test_markdown_defuses_html_links_and_mentions(hostile):
    text = markdown.render(check([hostile]))
    assert "<img" not in text and "&lt;img src=x onerror=alert(1)&gt;" in text
    assert "\n::error" not in text


def test_one_run_writes_every_format(dataset_copy, tmp_path, monkeypatch):
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    out = {name: tmp_path / name for name in ("r.html", "j.xml", "m.md", "out.txt")}
    result = CliRunner().invoke(app, ["check", str(dataset_copy), "--html", str(out["r.html"]), "--junit", str(out["j.xml"]),
                                      "--markdown", str(out["m.md"]), "--format", "github", "--output", str(out["out.txt"])])
    assert result.exit_code == 0, result.output
    assert all(p.stat().st_size > 0 for p in out.values())
    assert annotations(out["out.txt"].read_text())
    assert summary.read_text().startswith("earlier step\n## factcheck:")
    assert JUnitXml.fromfile(str(out["j.xml"]))


def test_an_unwritable_report_path_is_exit_2_with_a_clear_message(tmp_path):
    result = CliRunner().invoke(app, ["check", "--html", str(tmp_path / "missing" / "r.html")])
    assert result.exit_code == 2
    assert "cannot write" in result.output and "r.html" in result.output


def test_json_carries_the_overview():
    result = CliRunner().invoke(app, ["check", "--format", "json"])
    data = json.loads(result.stdout)
    assert len(data["overview"]["entities"]) == 42


def test_no_view_prints_a_missing_expected_or_found_as_none(bundled_report):
    from factcheck.reports.junit import render as junit
    from factcheck.reports.text import render as text

    from factcheck.checks.model import Finding

    half = Finding(rule="TOT01", code="TOT-mergers", severity="error", message="m", subjects=["England"], expected="14")
    report = bundled_report.model_copy(update={"findings": [half]})
    for view in (text(report), junit(report)):
        assert "None" not in view


def test_unusable_input_is_never_called_a_pass(tmp_path):
    from factcheck.checks.engine import check
    from factcheck.reports.markdown import render as markdown
    from factcheck.reports.text import render as text

    report = check([tmp_path / "missing"])
    assert report.summary.verdict == "unusable" and report.load_errors
    assert "UNUSABLE INPUT" in text(report) and "PASS" not in text(report) and "UNUSABLE INPUT" in markdown(report)


def test_with_a_base_the_comparison_leads_the_page(bundled_report):
    from factcheck.reports.html import render

    compared = bundled_report.model_copy(update={"base": "git main (0123456789ab)"})
    page = render(compared)
    assert page.index('id="fixed"') < page.index('id="chart"') < page.index('id="findings"')


def test_a_designation_of_no_wave_is_drawn_as_such_not_a_failure_of_the_pictures(tmp_path):
    """Found by the fuzz test: a list meaning designation, with no wave, broke the overview (and, before
    that, the loader's placing of waves)."""
    import yaml

    doc = {"source": {"id": "s", "title": "t", "publisher": "p", "kind": "news", "text_file": "s.txt", "published": "2021-03-23"},
           "claims": [{"kind": "list", "id": "l", "title": "t", "means": "designation", "wave": None,
                       "items": [{"subject": "Dorset", "line": 1, "position": 1}], "evidence": {"line": 1, "quote": "Dorset"}}]}
    (tmp_path / "s.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")
    report = check([tmp_path])
    assert report.rule_failures == [] and report.load_errors == [] and report.summary.verdict == "pass"
    (dorset,) = [e for e in report.overview.entities if e.name == "Dorset"]
    assert [(m.what, m.label) for m in dorset.marks] == [("designated", "designated, no wave said")] and dorset.wave is None
