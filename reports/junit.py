"""The JUnit XML view of a Report: one test suite per rule, one test case per rule and subject.

Findings that fail the run are failures (``Finding.fails``: at or above the failing severity, and not
already there before); the others pass and are recorded with their severity as a property and their
message in ``system-out``. Rules without findings are one passing
case each. Untrusted text is made ``printable`` first, which also turns every character XML 1.0 cannot hold
(controls, lone surrogates, U+FFFE, U+FFFF) into a visible escape, and is then escaped by the XML writer:
the file always parses, and a CI tool that prints its cases prints no control character and no workflow
command.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict

from factcheck.checks.model import Finding, Report
from factcheck.facts.text import printable as _text


def _detail(f: Finding) -> str:
    """A finding as lines: the line breaks are factcheck's own, the text between them is printable."""
    lines = [f"{f.severity.value}: {_text(f.message)}"]
    said = [f"{name}: {_text(value)}" for name, value in (("expected", f.expected), ("found", f.found)) if value is not None]
    if said:
        lines.append("  ".join(said))
    if f.explanation:
        lines.append(f"why: {_text(f.explanation)}")
    lines += [f"{_text(loc.fact_file)}:{loc.line} ({_text(loc.source_id)}, text line {loc.source_line}): {_text(loc.quote)}" for loc in f.locations]
    if f.more_locations:
        lines.append(f"... and {f.more_locations} more claims")
    return "\n".join(lines)


def render(report: Report) -> str:
    fail_on = report.summary.fail_on
    by_case: dict[str, dict[str, list[Finding]]] = defaultdict(lambda: defaultdict(list))
    for f in report.findings:
        for subject in f.subjects or ["(no subject)"]:
            by_case[f.rule][subject].append(f)
    story = report.story
    told = "" if story is None else f" ({'the bundled example: ' if story.bundled else ''}{story.title})"
    root = ET.Element("testsuites", name=_text(f"factcheck{told}"))
    total = failed = 0
    for rule in report.rules:
        suite = ET.SubElement(root, "testsuite", name=_text(f"{rule.code} {rule.kind}"))
        cases = by_case.get(rule.code) or {"all claims": []}
        suite_failed = 0
        for subject, findings in sorted(cases.items()):
            case = ET.SubElement(suite, "testcase", classname=_text(f"factcheck.{rule.code}"), name=_text(subject))
            worst = max(findings, key=lambda f: f.severity.rank) if findings else None
            if worst is not None:
                props = ET.SubElement(case, "properties")
                ET.SubElement(props, "property", name="severity", value=worst.severity.value)
                ET.SubElement(props, "property", name="identity", value=worst.identity)
            failing = [f for f in findings if f.fails(fail_on)]  # what fails the run, and nothing else
            if failing:
                suite_failed += 1
                failure = ET.SubElement(case, "failure", type=failing[0].severity.value, message=_text(failing[0].message))
                failure.text = "\n\n".join(_detail(f) for f in failing)
            recorded = [f for f in findings if not f.fails(fail_on)]
            if recorded:
                ET.SubElement(case, "system-out").text = "\n\n".join(_detail(f) for f in recorded)
        suite.set("tests", str(len(cases)))
        suite.set("failures", str(suite_failed))
        suite.set("errors", "0")
        total += len(cases)
        failed += suite_failed
    root.set("tests", str(total))
    root.set("failures", str(failed))
    root.set("errors", "0")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
