"""The HTML report in a real browser: headless Chromium, offline, over the DevTools protocol.

Screenshots at a laptop and a phone width are written to tests/artifacts/ (or $FACTCHECK_ARTIFACTS)
for people to look at.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from factcheck.checks.engine import check
from factcheck.reports import html

from browser import Browser, chromium
from helpers import IMG

ARTIFACTS = Path(os.environ.get("FACTCHECK_ARTIFACTS", Path(__file__).parent / "artifacts"))
SHOWN = "document.querySelectorAll('article.finding:not([hidden])').length"


@pytest.fixture(scope="module")
def browser():
    executable = chromium()
    if executable is None:
        pytest.skip("Chromium is not installed (apt-get install -y chromium); the report is not tested in a browser")
    b = Browser(executable)
    yield b
    b.close()


@pytest.fixture(scope="module")
def bundled_page(tmp_path_factory):
    report = check()
    path = tmp_path_factory.mktemp("html") / "report.html"
    path.write_text(html.render(report), encoding="utf-8")
    return path, report


def test_the_report_opens_offline_without_console_errors(browser, bundled_page):
    path, report = bundled_page
    browser.console.clear()
    browser.open(path, width=1366, height=900)
    assert browser.console == []
    assert browser.eval("document.querySelector('.verdict .word').textContent.trim()") == "Pass"
    assert browser.eval(SHOWN) == len(report.findings)
    assert browser.eval("document.querySelectorAll('svg.chart circle').length") == len(report.overview.stated)
    # Evidence side by side: the two quotes of the Stevens finding sit on one row at laptop width.
    tops = browser.eval(
        "Array.from(document.querySelectorAll('article.finding.warning[data-rule=QUO01] figure.quote'))"
        ".map(f => Math.round(f.getBoundingClientRect().top))")
    assert len(tops) == 2 and tops[0] == tops[1]
    browser.screenshot(ARTIFACTS / "report-laptop.png")
    browser.screenshot(ARTIFACTS / "report-laptop-full.png", full_page=True)


def test_the_report_fits_a_phone(browser, bundled_page):
    path, _ = bundled_page
    browser.console.clear()
    browser.open(path, width=390, height=844, mobile=True)
    assert browser.console == []
    assert browser.eval("document.documentElement.scrollWidth") <= 390
    browser.screenshot(ARTIFACTS / "report-phone.png")


def test_filters_change_what_is_visible_and_live_in_the_url(browser, bundled_page):
    path, report = bundled_page
    browser.open(path)
    count = {s: sum(1 for f in report.findings if f.severity.value == s) for s in ("error", "warning", "info")}
    browser.eval("(() => { const b = document.querySelector('input[name=sev][value=info]'); b.click(); })()")
    assert browser.eval(SHOWN) == count["error"] + count["warning"]
    assert "sev=error%2Cwarning" in browser.eval("location.hash")
    browser.eval("(() => { const s = document.getElementById('filter-rule'); s.value = 'QUO01';"
                 " s.dispatchEvent(new Event('input', {bubbles: true})); })()")
    assert browser.eval(SHOWN) == sum(1 for f in report.findings if f.rule == "QUO01" and f.severity.value != "info")
    # The state in the fragment comes back on load: a shared link shows the same view.
    browser.open(path, fragment="sev=warning,info&q=stevens")
    expected = [f for f in report.findings if f.severity.value != "error" and "stevens" in f.model_dump_json().lower()]
    assert browser.eval(SHOWN) == len(expected) > 0
    assert browser.eval("document.getElementById('filter-q').value") == "stevens"
    # A source filter keeps the findings with evidence from that source.
    browser.open(path, fragment="src=ics-dec-2020-news")
    assert browser.eval(SHOWN) == sum(1 for f in report.findings if any(l.source_id == "ics-dec-2020-news" for l in f.locations))
    # A link to one finding shows it even where the filters would hide it.
    target = next(f for f in report.findings if f.severity.value == "info")
    browser.open(path, fragment=f"sev=error&f={target.identity}")
    assert browser.eval(f"!document.getElementById('f-{target.identity}').hidden") is True


def test_hostile_claims_do_not_run_in_the_browser(browser, hostile, tmp_path):
    path = tmp_path / "hostile.html"
    path.write_text(html.render(check([hostile])), encoding="utf-8")
    browser.console.clear()
    browser.open(path)
    assert browser.eval("document.title").startswith("factcheck:")
    assert browser.eval("document.querySelectorAll('img, iframe, object, embed').length") == 0
    assert browser.eval("document.querySelectorAll('script').length") == 1
    assert browser.eval(f"document.body.textContent.includes({IMG!r})") is True
    assert browser.console == []


def test_info_findings_fold_what_backs_them_and_cards_name_their_source_once(browser, bundled_page):
    path, report = bundled_page
    browser.open(path, width=1366, height=900)
    infos = sum(1 for f in report.findings if f.severity.value == "info" and (f.locations or f.explanation))
    assert browser.eval("document.querySelectorAll('article.finding.info details.info-fold:not([open])').length") == infos
    assert browser.eval("document.querySelectorAll('article.finding.warning details.info-fold').length") == 0
    # a card links to its source, whose title, date and text file the Sources table gives once
    link = browser.eval("document.querySelector('figure.quote figcaption a').getAttribute('href')")
    assert link.startswith("#source-") and browser.eval(f"document.getElementById('{link[1:]}') !== null")
    height = browser.eval("document.documentElement.scrollHeight")
    assert height < 8_000, height  # 10,121 px before info findings folded and cards stopped repeating their source (7,714 after)
