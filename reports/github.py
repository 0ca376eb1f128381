"""GitHub workflow commands for a Report: one annotation per error and warning, at its fact-file line.

GitHub shows at most ten error and ten warning annotations per step, so the most important come first
and a last line says how many more there are. Messages and properties are escaped as the runner
requires, so claim text can never end a command early or start another one.
"""

from __future__ import annotations

from factcheck.checks.model import Finding, Report, Severity

LIMIT = 10  # annotations GitHub shows per severity and step
LEVEL = {Severity.error: "error", Severity.warning: "warning"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(f: Finding) -> str:
    props = []
    if f.locations:
        loc = f.locations[0]
        props += [f"file={escape_property(loc.fact_file)}", f"line={loc.fact_line}"]
    props.append(f"title={escape_property(f.rule)}")
    message = f"{', '.join(f.subjects)}: {f.message}" if f.subjects else f.message
    if f.explanation:
        message += f"\n{f.explanation}"
    return f"::{LEVEL[f.severity]} {','.join(props)}::{escape_data(message)}"


def render(report: Report) -> str:
    lines, left = [], []
    unusable = [f"::error title=unusable input::{escape_data(e)}" for e in report.load_errors]
    for severity in (Severity.error, Severity.warning):
        group = (unusable if severity is Severity.error else []) + [annotation(f) for f in report.findings if f.severity is severity]
        lines += group[:LIMIT]
        if len(group) > LIMIT:
            left.append(f"{len(group) - LIMIT} more {severity.value}s")
    s = report.summary
    lines.append(f"factcheck: {s.verdict.upper()}: {s.errors} errors, {s.warnings} warnings, {s.infos} info (failing at {s.fail_on})")
    if left:
        lines.append(f"Not annotated (GitHub shows {LIMIT} per severity): {' and '.join(left)}; see the step summary or the HTML report.")
    return "\n".join(lines)
