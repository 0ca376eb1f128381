"""The terminal view of a Report: findings grouped by severity, colour when writing to a terminal."""

from __future__ import annotations

from factcheck.checks.model import Finding, Report, Severity

_COLOUR = {Severity.error: "\033[31m", Severity.warning: "\033[33m", Severity.info: "\033[36m"}
_RESET, _BOLD, _DIM = "\033[0m", "\033[1m", "\033[2m"


def _finding(f: Finding, colour: bool) -> list[str]:
    tag = f"{f.rule} {f.code or f.kind}" + {"new": " [new]", "present": " [still present]"}.get(f.status or "", "") + (f" [{f.engine}]" if f.engine not in ("", "factcheck") else "")
    head = f"  {_BOLD if colour else ''}{tag}{_RESET if colour else ''}  {f.message}"
    lines = [head]
    said = [f"{name}: {value}" for name, value in (("expected", f.expected), ("found", f.found)) if value is not None]
    if said:
        lines.append("      " + "   ".join(said))
    if f.explanation:
        lines.append(f"      why: {f.explanation}")
    for loc in f.locations[:6]:
        where = f"{loc.fact_file}:{loc.line}"
        lines.append(f"      {_DIM if colour else ''}{where}  ({loc.source_id}, text line {loc.source_line}): {loc.quote[:90]!r}{_RESET if colour else ''}")
    hidden = len(f.locations) - 6 + f.more_locations
    if hidden > 0:
        lines.append(f"      … and {hidden} more claims")
    return lines


def render(report: Report, colour: bool = False, list_errors: bool = True) -> str:
    s = report.summary
    out = [
        f"factcheck: {s.claims} claims from {s.sources} sources, {s.rules_run} rules",
    ]
    for severity in (Severity.error, Severity.warning, Severity.info):
        group = [f for f in report.findings if f.severity is severity]
        if not group:
            continue
        title = f"{severity.value.upper()}S ({len(group)})"
        out.append("")
        out.append(f"{_COLOUR[severity] if colour else ''}{title}{_RESET if colour else ''}")
        for f in group:
            out.extend(_finding(f, colour))
    if report.fixed:
        out.append("")
        out.append(f"FIXED since {report.base} ({len(report.fixed)})")
        out.extend(f"  {k.rule}  {k.severity.value}  {', '.join(k.subjects)}: {k.message}" for k in report.fixed)
    if report.load_errors:
        out.append("")
        if list_errors:
            out.append("UNUSABLE INPUT (left out of the check; the rest was checked)")
            out.extend(f"  {e}" for e in report.load_errors)
        else:
            n = len(report.load_errors)
            out.append(f"UNUSABLE INPUT: {n} error{'s' if n != 1 else ''} on standard error; what they name was left out, the rest was checked")
    verdict = {"fail": "FAIL", "pass": "PASS"}.get(s.verdict, "UNUSABLE INPUT")
    out.append("")
    out.append(f"{verdict}: {s.errors} errors, {s.warnings} warnings, {s.infos} info (failing at: {s.fail_on})")
    if report.base:
        out.append(f"against {report.base}: {s.new} new, {s.present} still present, {s.fixed} fixed; only new findings fail")
    return "\n".join(out)
