"""The Markdown view of a Report: verdict, counts and a table of findings, fit for a pull-request comment
or a GitHub step summary.

Claim text is untrusted: it is made ``printable`` (no line breaks, terminal controls or workflow commands),
table cells escape Markdown and HTML, ``@`` is defused so that a name in a fact file never pings anyone,
and a link's target is percent-encoded whatever the file name holds.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from factcheck.checks.model import Finding, Report, Severity
from factcheck.facts.text import printable

MAX_ROWS = 50  # a PR comment holds 65,536 characters; the HTML report has the rest
ICON = {Severity.error: "🔴 error", Severity.warning: "🟠 warning", Severity.info: "🔵 info"}
_SPECIAL = re.compile(r"([\\`*_\[\]|~])")
_CODE = re.compile(r"[\w.-]+")


def cell(text: object) -> str:
    """Text as one inert Markdown table cell."""
    s = " ".join(printable(text).split())
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("@", "&#64;")
    return _SPECIAL.sub(r"\\\1", s)


def code(text: str) -> str:
    """A rule or finding code as inline code; one that holds anything else (a backtick would end the span,
    a pipe the table cell) is an escaped cell instead."""
    return f"`{text}`" if _CODE.fullmatch(text) else cell(text)


def link(fact_file: str, line: int, link_base: str | None) -> str:
    """A link to a fact-file line. The target is percent-encoded (only letters, digits, ``/``, ``_``, ``.``,
    ``-`` and ``~`` stay as they are), so no file name can close the link, open another or hold markup."""
    path = quote(printable(fact_file), safe="/")
    target = f"{link_base.rstrip('/')}/{path}" if link_base else path
    return f"[{cell(f'{fact_file}:{line}')}]({target}#L{line})"


STATUS = {"new": "🆕 new", "present": "still present", None: ""}


def _row(f: Finding, link_base: str | None, with_status: bool) -> str:
    where = ", ".join(link(loc.fact_file, loc.line, link_base) for loc in f.locations[:3])
    more = len(f.locations) - 3 + f.more_locations
    if more > 0:
        where += f" and {more} more"
    subjects = cell(", ".join(f.subjects))
    status = f" {STATUS[f.status]} |" if with_status else ""
    codes = f" {code(f.code)}" if f.code else ""
    return f"| {ICON[f.severity]} |{status} {code(f.rule)}{codes} | {subjects} | {cell(f.message)} | {where or '—'} |"


def render(report: Report, link_base: str | None = None) -> str:
    s = report.summary
    verdict = {"pass": "✅ **PASS**", "fail": "❌ **FAIL**"}.get(s.verdict, "⚠️ **UNUSABLE INPUT**")
    story = report.story
    told = f" — {'the bundled example: ' if story.bundled else ''}{cell(story.title)}" if story else ""
    out = [
        f"## factcheck: {verdict}{told}",
        "",
        f"**{s.errors} errors · {s.warnings} warnings · {s.infos} info** — {s.claims} claims from {s.sources} sources, "
        f"{s.rules_run} rules, failing at `{s.fail_on}`.",
    ]
    if report.load_errors:
        out += ["", f"**{len(report.load_errors)} unusable input** (not checked):", ""]
        out += [f"- {cell(e)}" for e in report.load_errors[:MAX_ROWS]]
    if report.rule_failures:
        out += ["", f"**{len(report.rule_failures)} rule{'s' if len(report.rule_failures) != 1 else ''} failed** (reported nothing):", ""]
        out += [f"- {cell(e)}" for e in report.rule_failures]
    if report.base:
        out += ["", f"Against {cell(report.base)}: **{s.new} new**, {s.present} still present, {s.fixed} fixed. Only new findings fail."]
    status = report.base is not None
    table = sorted((f for f in report.findings if f.severity is not Severity.info), key=lambda f: f.status == "present")
    infos = [f for f in report.findings if f.severity is Severity.info]
    header = ["", "| | Status | Rule | Subject | Finding | Where |" if status else "| | Rule | Subject | Finding | Where |",
              "|---|---|---|---|---|---|" if status else "|---|---|---|---|---|"]
    if table:
        out += header + [_row(f, link_base, status) for f in table[:MAX_ROWS]]
        if len(table) > MAX_ROWS:
            out += ["", f"… and {len(table) - MAX_ROWS} more findings: see the HTML report."]
    elif not report.load_errors:
        out += ["", "No errors or warnings."]
    if report.fixed:
        out += ["", f"**Fixed** ({len(report.fixed)}):", ""]
        out += [f"- ✅ {code(k.rule)} {cell(', '.join(k.subjects))}: {cell(k.message)}" for k in report.fixed[:MAX_ROWS]]
    if infos:
        out += ["", f"<details><summary>{len(infos)} info</summary>", *header, *(_row(f, link_base, status) for f in infos[:MAX_ROWS]), "", "</details>"]
    return "\n".join(out) + "\n"
