"""Rule cases as data: tests/rules/<CODE>.yaml lists small datasets and the findings each must give.

Warnings and errors of the rule under test must match exactly; info findings listed must be present.
"""

from __future__ import annotations

import copy
from collections import Counter
from pathlib import Path

import pytest
import yaml

from factcheck.checks.engine import check

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


@pytest.mark.parametrize(("code", "case"), list(_cases()))
def test_rule_case(tmp_path, code, case):
    data, texts = _write(tmp_path, case)
    report = check([data], sources_dir=texts)
    assert report.load_errors == []
    mine = [f for f in report.findings if f.rule.startswith(code)]
    key = lambda f: (f["rule"], f["severity"], tuple(sorted(f["subjects"])))  # noqa: E731
    found = Counter(key(f.model_dump(mode="json")) for f in mine if f.severity.value != "info")
    wanted = Counter(key(e) for e in case["expect"] if e["severity"] != "info")
    assert found == wanted, [f.message for f in mine]
    infos = {key(f.model_dump(mode="json")) for f in mine if f.severity.value == "info"}
    assert {key(e) for e in case["expect"] if e["severity"] == "info"} <= infos


def test_every_rule_kind_has_cases_that_pass_and_fail():
    from factcheck.checks.catalogue import KINDS

    for kind in KINDS:
        cases = yaml.safe_load((CASES / f"{kind.code}.yaml").read_text(encoding="utf-8"))["cases"]
        assert any(not [e for e in c["expect"] if e["severity"] != "info"] for c in cases), kind.code
        assert any(e["severity"] == "error" for c in cases for e in c["expect"]), kind.code


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
