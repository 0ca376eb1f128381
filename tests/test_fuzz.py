"""Hostile input end to end: hypothesis builds fact files from any structure, numbers at every limit,
strings with control characters and paths, and ``factcheck check`` meets them beside a good file. It
never raises, never loses the good file's findings, and says what it could not use."""

from __future__ import annotations

import string

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from factcheck.checks.engine import check
from factcheck.facts.story import bundled_story_folder

GOOD = {
    "source": {"id": "good", "title": "t", "publisher": "p", "kind": "news", "text_file": "good.txt", "published": "2021-03-23"},
    "claims": [
        {"id": "twice-a", "kind": "designation", "subject": "Devon", "wave": "2020-12", "evidence": {"line": 1, "quote": "Devon"}},
        {"id": "twice-b", "kind": "designation", "subject": "Devon", "wave": "2021-03", "evidence": {"line": 1, "quote": "Devon"}},
    ],
}

LIMITS = [0, 1, -1, 2**31 - 1, 2**31, 2**63, 10**30, 1e308, float("inf"), float("nan"), 0.5]
texty = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40) | st.sampled_from(
    ["../../etc/passwd", "/etc/passwd", "/dev/zero", "::error file=README.md::forged", "a\nb", "\x1b[31mred", "\u202eevil", "NUL\x00",
     "2021-02-30", "2020-13", "spring 2018", "99999999999999999999999", "three of the 42", "", " "])
scalars = st.one_of(texty, st.sampled_from(LIMITS), st.integers(), st.booleans(), st.none(), st.dates())
FIELDS = ["id", "kind", "subject", "wave", "wave_order", "value", "measure", "when", "as_of", "list", "items", "line", "position",
          "quote", "evidence", "region", "into", "scope", "basis", "status", "speaker", "occasion", "said", "words", "extras",
          "effective", "announced", "means", "title", "text_file", "published"]
KINDS = ["designation", "list", "count", "region_count", "merger", "population", "status", "quote"]


TEMPLATES = [
    {"kind": "designation", "subject": "Devon", "wave": "2020-12", "effective": "2021-04-01"},
    {"kind": "list", "title": "t", "means": "designation", "wave": "2020-12", "items": [{"subject": "Dorset", "line": 1, "position": 1}]},
    {"kind": "count", "measure": "ics", "subject": "s", "value": "29", "wave": "2020-12", "extras": ["Surrey Heartlands"]},
    {"kind": "region_count", "region": "London", "subject": "s", "value": "3", "wave": "2020-12"},
    {"kind": "merger", "subject": "Bucks", "into": "BOB", "wave": "2019-06"},
    {"kind": "population", "scope": "area", "subject": "Devon", "value": "about 1.2 million", "as_of": "2020-06"},
    {"kind": "status", "subject": "Devon", "status": "not_ics", "as_of": "2019-06"},
    {"kind": "quote", "speaker": "A B", "occasion": "o", "words": "w", "said": "2021-03"},
]


@st.composite
def nearly_valid_claim(draw) -> dict:  # type: ignore[no-untyped-def]
    """A valid claim of some kind with one or two of its fields (or a list item's) set to something hostile."""
    claim = {**draw(st.sampled_from(TEMPLATES)), "id": draw(texty), "evidence": {"line": 1, "quote": "Devon"}}
    for _ in range(draw(st.integers(1, 2))):
        field = draw(st.sampled_from([*claim, "line", "position", "wave_order", "as_of"]))
        value = draw(scalars)
        items, evidence = claim.get("items"), claim.get("evidence")
        if field in ("line", "position") and isinstance(items, list) and items and isinstance(items[0], dict):
            claim["items"] = [{**items[0], field: value}]
        elif field == "line" and isinstance(evidence, dict):
            claim["evidence"] = {**evidence, "line": value}
        else:
            claim[field] = value
    return claim


def claim_like() -> st.SearchStrategy:
    values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(FIELDS), inner, max_size=4),
                          max_leaves=12)
    return st.fixed_dictionaries({"id": texty, "kind": st.sampled_from(KINDS) | texty}, optional={f: values for f in FIELDS if f not in ("id", "kind")})


documents = st.one_of(
    st.fixed_dictionaries({"source": st.fixed_dictionaries({**{k: st.just(v) for k, v in GOOD["source"].items()}, "id": st.just("hostile"),
                                                             "published": st.just("2021-03-23") | scalars, "text_file": st.just("good.txt") | texty}),
                           "claims": st.lists(nearly_valid_claim() | claim_like(), max_size=6)}),
    st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(texty, inner, max_size=3), max_leaves=10),
)


def _dump(doc: object) -> str:
    try:
        return yaml.safe_dump(doc, allow_unicode=True)
    except (yaml.YAMLError, ValueError):
        return repr(doc)  # not even YAML: it must be refused all the same


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(doc=documents, raw=st.text(alphabet=string.printable + "\x00\x1b\u2028", max_size=200))
def test_hostile_fact_files_never_crash_the_check_nor_hide_a_good_files_findings(tmp_path_factory, doc, raw):
    folder = tmp_path_factory.mktemp("fuzz")
    (folder / "sources").mkdir()
    (folder / "sources" / "good.yaml").write_text(yaml.safe_dump(GOOD), encoding="utf-8")
    (folder / "sources" / "hostile.yaml").write_text(_dump(doc), encoding="utf-8")
    (folder / "sources" / "raw.yaml").write_text(raw, encoding="utf-8")
    texts = folder / "texts"
    texts.mkdir()
    (texts / "good.txt").write_text("Devon\n", encoding="utf-8")
    report = check([folder], sources_dir=texts)
    twice = [f for f in report.findings if f.code == "UNI-two-waves" and "Devon" in f.subjects]
    assert twice, [f.message for f in report.findings]  # the good file's finding survives whatever sits beside it
    assert not report.rule_failures, report.rule_failures
    for error in report.load_errors:
        assert "Traceback" not in error and len(error) < 2_000


def test_a_hostile_file_through_the_command_line_exits_2_without_a_traceback(tmp_path):
    import subprocess
    import sys

    (tmp_path / "sources").mkdir()
    (tmp_path / "sources" / "bad.yaml").write_text(
        "source: {id: s, title: t, publisher: p, kind: news, text_file: s.txt, published: 2021-01-01}\n"
        "claims:\n  - {id: c, kind: list, title: t, items: [{subject: Devon, line: 99999999999999, position: 2147483647}],"
        " evidence: {line: 1, quote: q}}\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "factcheck.cli.main", "check", str(tmp_path), "--story", str(bundled_story_folder())], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "Traceback" not in done.stderr and "bad.yaml" in done.stderr
