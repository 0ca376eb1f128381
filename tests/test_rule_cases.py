"""Rule cases as data: tests/rules/<CODE>.yaml lists small datasets and the findings each must give.

Warnings and errors of the rule under test must match exactly, each pinned by what it says: its code,
severity, subjects, ``expected``, ``found`` and the claims it points at ("s0:claim-id"). Info findings
listed must be present (pinned by the same fields, as far as the case gives them). A case may lower a
rule's severity cap (``severity: {LST01: warning}``): the findings must then be capped.
"""

from __future__ import annotations

import copy
from collections import Counter
from pathlib import Path

import pytest
import yaml

from factcheck.checks.engine import check
from factcheck.facts.story import bundled_story_folder

CASES = Path(__file__).parent / "rules"


def _cases():
    for path in sorted(CASES.glob("*.yaml")):
        for case in yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]:
            yield pytest.param(path.stem, case, id=f"{path.stem}: {case['name']}")


def _fill(claim: dict) -> dict:
    claim = copy.deepcopy(claim)
    claim.setdefault("evidence", {"line": 1, "quote": "q"})
    for item in claim.get("items", []):
        item.setdefault("line", 1)
    return claim


def _write(tmp_path: Path, case: dict) -> tuple[Path, Path | None]:
    data = tmp_path / "data"
    (data / "sources").mkdir(parents=True)
    if "severity" in case:  # the bundled rules with some severity caps changed
        rules = yaml.safe_load((bundled_story_folder() / "rules.yaml").read_text(encoding="utf-8"))
        for rule in rules["rules"]:
            rule["severity"] = case["severity"].get(rule["code"], rule["severity"])
        (data / "rules.yaml").write_text(yaml.safe_dump(rules), encoding="utf-8")
    for i, source in enumerate(case["sources"]):
        doc = {
            "source": {"id": f"s{i}", "title": "t", "publisher": "p", "kind": "news", "text_file": f"s{i}.txt",
                       "published": source.get("published", "2021-06-30")},
            "claims": [_fill(c) for c in source["claims"]],
        }
        (data / "sources" / f"s{i}.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    texts = None
    if "texts" in case:
        texts = tmp_path / "texts"
        texts.mkdir()
        for name, text in case["texts"].items():
            (texts / name).write_text(text, encoding="utf-8")
    return data, texts


PINNED = ("code", "severity", "subjects", "expected", "found", "claims")


def said(f) -> dict:  # type: ignore[no-untyped-def]
    """What a finding says, in the fields a case pins."""
    return {"code": f.code, "severity": f.severity.value, "subjects": sorted(f.subjects), "expected": f.expected, "found": f.found,
            "claims": sorted({f"{loc.source_id}:{loc.claim_id}" for loc in f.locations})}


@pytest.mark.parametrize(("code", "case"), list(_cases()))
def test_rule_case(tmp_path, code, case):
    data, texts = _write(tmp_path, case)
    story = bundled_story_folder().parent / case["story"] if "story" in case else None  # another bundled story's registry and rules
    report = check([data], sources_dir=texts, story=story)
    assert report.load_errors == []
    mine = [said(f) for f in report.findings if f.rule.startswith(code)]
    wanted = [{**e, "subjects": sorted(e["subjects"]), **({"claims": sorted(e["claims"])} if "claims" in e else {})} for e in case["expect"]]
    for e in wanted:
        if e["severity"] != "info":
            missing = [k for k in ("code", "claims") if k not in e]
            assert not missing, f"a case pins what a warning or error says; missing {missing}"
    shown = lambda f: tuple(str(f.get(k)) for k in PINNED)  # noqa: E731
    found = Counter(shown(f) for f in mine if f["severity"] != "info")
    expected = Counter(shown({k: e.get(k) for k in PINNED}) for e in wanted if e["severity"] != "info")
    assert found == expected, [f for f in mine if f["severity"] != "info"]
    for e in (e for e in wanted if e["severity"] == "info"):
        assert any(all(f[k] == e[k] for k in PINNED if k in e) for f in mine), (e, mine)


def test_every_rule_kind_has_cases_that_pass_and_fail():
    from factcheck.checks.catalogue import KINDS

    for kind in KINDS:
        cases = yaml.safe_load((CASES / f"{kind.code}.yaml").read_text(encoding="utf-8"))["cases"]
        assert any(not [e for e in c["expect"] if e["severity"] != "info"] for c in cases), kind.code
        assert any(e["severity"] != "info" for c in cases for e in c["expect"]), kind.code
        shown = {e["code"] for c in cases for e in c["expect"] if "code" in e}
        assert not {t.code for t in kind.findings if t.severity != "info"} - shown, f"{kind.code}: a kind of finding never shown firing"


def test_the_kind_registry_refuses_a_duplicate_name_or_code():
    from dataclasses import replace

    from factcheck.checks.base import KindRegistry
    from factcheck.checks.catalogue import KINDS

    registry = KindRegistry()
    tot = KINDS["running_totals"]
    registry.add(tot)
    with pytest.raises(ValueError, match="clashes"):
        registry.add(replace(tot, code="NEW"))
    with pytest.raises(ValueError, match="clashes"):
        registry.add(replace(tot, name="another"))
