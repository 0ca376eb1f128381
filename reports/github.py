"""GitHub workflow commands for a Report: one annotation per error and warning, at its fact-file line.

GitHub shows at most ten error, ten warning and ten notice annotations per step, so the most important
come first (new before still present) and a last line says how many more there are. Untrusted text is made
``printable`` first (no line breaks or terminal controls of its own), then escaped as the runner requires, so claim
text can never end a command early or start another one.
"""

from __future__ import annotations

from factcheck.checks.model import Finding, Report, Severity
from factcheck.facts.text import printable as p

LIMIT = 10  # annotations GitHub shows per severity and step
LEVEL = {Severity.error: "error", Severity.warning: "warning", Severity.info: "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(level: str, title: str, message: str, where: tuple[str, int] | None = None) -> str:
    props = [f"file={escape_property(p(where[0]))}", f"line={where[1]}"] if where else []
    props.append(f"title={escape_property(p(title))}")
    return f"::{level} {','.join(props)}::{escape_data(message)}"


def annotation(f: Finding) -> str:
    """An error or warning at the finding's line, titled with its rule code; with --base or --baseline
    the message starts [new], and a finding already there before is a notice marked [still present],
    so that only new ones read as failures."""
    message = p(f"{', '.join(f.subjects)}: {f.message}" if f.subjects else f.message)
    if f.explanation:
        message += f"\n{p(f.explanation)}"  # a line break of factcheck's own: the annotation's second line
    if f.status == "present":
        return command("notice", f.rule, f"[still present] {f.severity.value}: {message}", f.line)
    return command(LEVEL[f.severity], f.rule, f"[new] {message}" if f.status == "new" else message, f.line)


def render(report: Report) -> str:
    lines, left = [], []
    if report.story is not None and report.story.bundled:  # never a silent default: the first line says what was checked
        lines.append(command("notice", "factcheck", p(f"checked {'; '.join(report.dataset)} (no story in the working folder or above it)")))
    unusable = [command("error", "unusable input", p(e)) for e in report.load_errors] + [
        command("error", "rule failed", p(e)) for e in report.rule_failures]
    shown = [f for f in report.findings if f.severity is not Severity.info]
    groups = {
        "errors": unusable + [annotation(f) for f in shown if f.severity is Severity.error and f.status != "present"],
        "warnings": [annotation(f) for f in shown if f.severity is Severity.warning and f.status != "present"],
        "notices": [annotation(f) for f in shown if f.status == "present"]
        + [command("notice", k.rule, p(f"[fixed] {', '.join(k.subjects)}: {k.message}")) for k in report.fixed],
    }
    for name, group in groups.items():
        lines += group[:LIMIT]
        if len(group) > LIMIT:
            left.append(f"{len(group) - LIMIT} more {name}")
    s = report.summary
    lines.append(f"factcheck: {'UNUSABLE INPUT' if s.verdict == 'unusable' else s.verdict.upper()}: {s.errors} errors, {s.warnings} warnings, {s.infos} info (failing at {s.fail_on})")
    if report.base:
        lines.append(f"Against {p(report.base)}: {s.new} new, {s.present} still present, {s.fixed} fixed; only new findings fail.")
    if left:
        lines.append(f"Not annotated (GitHub shows {LIMIT} per severity): {' and '.join(left)}; see the step summary or the HTML report.")
    return "\n".join(lines)
