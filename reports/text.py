"""The terminal view of a Report: findings grouped by severity, colour when writing to a terminal.

Everything a fact file can say (rule codes, subjects, messages, quotes, file names) goes through
``printable``, so that no claim can move the cursor, recolour the terminal or forge a CI workflow command.
"""

from __future__ import annotations

from factcheck.checks.model import Finding, Report, Severity
from factcheck.facts.text import printable as p

_COLOUR = {Severity.error: "\033[31m", Severity.warning: "\033[33m", Severity.info: "\033[36m"}
_RESET, _BOLD, _DIM = "\033[0m", "\033[1m", "\033[2m"


def _finding(f: Finding, colour: bool) -> list[str]:
    tag = f"{p(f.rule)} {p(f.code or f.kind)}" + {"new": " [new]", "present": " [still present]"}.get(f.status or "", "") + (f" [{p(f.engine)}]" if f.engine not in ("", "factcheck") else "")
    head = f"  {_BOLD if colour else ''}{tag}{_RESET if colour else ''}  {p(f.message)}"
    lines = [head]
    said = [f"{name}: {p(value)}" for name, value in (("expected", f.expected), ("found", f.found)) if value is not None]
    if said:
        lines.append("      " + "   ".join(said))
    if f.explanation:
        lines.append(f"      why: {p(f.explanation)}")
    for loc in f.locations[:6]:
        where = f"{p(loc.fact_file)}:{loc.line}"
        lines.append(f"      {_DIM if colour else ''}{where}  ({p(loc.source_id)}, text line {loc.source_line}): {p(repr(loc.quote[:90]))}{_RESET if colour else ''}")
    hidden = len(f.locations) - 6 + f.more_locations
    if hidden > 0:
        lines.append(f"      … and {hidden} more claims")
    return lines


def render(report: Report, colour: bool = False, list_errors: bool = True, quiet: bool = False) -> str:
    """The report for a terminal. ``quiet``: only the findings that fail the run, and the verdict line."""
    s = report.summary
    checked = "; ".join(p(d) for d in report.dataset)  # what was checked, and with which rules: never a silent default
    out = [] if quiet else [f"factcheck: {s.claims} claims from {s.sources} sources, {s.rules_run} rules ({checked})"]
    for severity in (Severity.error, Severity.warning, Severity.info):
        group = [f for f in report.findings if f.severity is severity and (not quiet or f.fails(s.fail_on))]
        if not group:
            continue
        title = f"{severity.value.upper()}S ({len(group)})"
        if out:
            out.append("")
        out.append(f"{_COLOUR[severity] if colour else ''}{title}{_RESET if colour else ''}")
        for f in group:
            out.extend(_finding(f, colour))
    if report.fixed and not quiet:
        out.append("")
        out.append(f"FIXED since {p(report.base)} ({len(report.fixed)})")
        out.extend(f"  {p(k.rule)}  {k.severity.value}  {p(', '.join(k.subjects))}: {p(k.message)}" for k in report.fixed)
    if report.load_errors and not quiet:
        out.append("")
        rest = "the rest was checked" if report.story is not None else "nothing was checked"
        if list_errors:
            out.append(f"UNUSABLE INPUT (left out of the check; {rest})")
            out.extend(f"  {p(e)}" for e in report.load_errors)
        else:
            n = len(report.load_errors)
            out.append(f"UNUSABLE INPUT: {n} error{'s' if n != 1 else ''} on standard error; what they name was left out, {rest}")
    if report.rule_failures:  # never quiet: the check is incomplete
        out.append("")
        out.append("RULES THAT FAILED (they reported nothing; the other rules' findings are above)")
        out.extend(f"  {p(e)}" for e in report.rule_failures)
    verdict = {"fail": "FAIL", "pass": "PASS"}.get(s.verdict, "RULE FAILED" if report.rule_failures and not report.load_errors else "UNUSABLE INPUT")
    if out:
        out.append("")
    out.append(f"{verdict}: {s.errors} errors, {s.warnings} warnings, {s.infos} info (failing at: {s.fail_on})")
    if report.base and not quiet:
        out.append(f"against {p(report.base)}: {s.new} new, {s.present} still present, {s.fixed} fixed; only new findings fail")
    return "\n".join(out)
