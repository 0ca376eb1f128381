"""The JUnit XML view of a Report: one test suite per rule, one test case per rule and subject.

Findings that fail the run are failures (``Finding.fails``: at or above the failing severity, and not
already there before); the others pass and are recorded with their severity as a property and their
message in ``system-out``. Rules without findings are one passing
case each. Untrusted text is escaped by the XML writer, and characters XML cannot hold are dropped.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import defaultdict

from factcheck.checks.model import Finding, Report

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _text(value: object) -> str:
    return _NOT_XML.sub("\ufffd", str(value))


def _detail(f: Finding) -> str:
    lines = [f"{f.severity.value}: {f.message}"]
    said = [f"{name}: {value}" for name, value in (("expected", f.expected), ("found", f.found)) if value is not None]
    if said:
        lines.append("  ".join(said))
    if f.explanation:
        lines.append(f"why: {f.explanation}")
    lines += [f"{loc.fact_file}:{loc.line} ({loc.source_id}, text line {loc.source_line}): {loc.quote}" for loc in f.locations]
    if f.more_locations:
        lines.append(f"... and {f.more_locations} more claims")
    return "\n".join(lines)


def render(report: Report) -> str:
    fail_on = report.summary.fail_on
    by_case: dict[str, dict[str, list[Finding]]] = defaultdict(lambda: defaultdict(list))
    for f in report.findings:
        for subject in f.subjects or ["(no subject)"]:
            by_case[f.rule][subject].append(f)
    root = ET.Element("testsuites", name="factcheck")
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
                failure.text = _text("\n\n".join(_detail(f) for f in failing))
            recorded = [f for f in findings if not f.fails(fail_on)]
            if recorded:
                ET.SubElement(case, "system-out").text = _text("\n\n".join(_detail(f) for f in recorded))
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
