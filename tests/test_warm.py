"""A warm check (as the service makes it: parses, frames, joins and rules' findings kept between checks)
gives the report a cold check gives, after any sequence of edits: the law the service's speed rests on.
And what is kept is used: a rule none of whose tables changed is not run again."""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from factcheck.checks import memo
from factcheck.checks.engine import check
from factcheck.facts import loader
from factcheck.facts.story import bundled_story_folder

SOURCES = sorted((bundled_story_folder() / "sources").glob("*.yaml"))
NUMBER = re.compile(r'value: "(\d+)"')


@pytest.fixture
def warm():
    loader.keep_parsed()
    kept = memo.remember()
    yield kept
    loader.keep_parsed(False)
    memo.remember(False)


def cold(folder: Path, seeds: Path) -> dict:
    """The check a fresh process makes: nothing kept, nothing reused."""
    keep, kept = loader._KEEP_PARSED, memo.MEMO
    loader._KEEP_PARSED, memo.MEMO = False, None
    try:
        return comparable(check([folder], sources_dir=seeds))
    finally:
        loader._KEEP_PARSED, memo.MEMO = keep, kept


def comparable(report) -> dict:  # type: ignore[no-untyped-def]
    out = json.loads(report.model_dump_json())
    out.pop("checked_at")
    return out


def edit(folder: Path, op: str, which: int, number: int) -> None:
    """One edit a user makes: a figure changed, a source removed or put back, a copy under a new id."""
    original = SOURCES[which % len(SOURCES)]
    path = folder / original.name
    if op == "figure" and path.exists():
        path.write_text(NUMBER.sub(f'value: "{number}"', path.read_text(encoding="utf-8"), count=1), encoding="utf-8")
    elif op == "remove":
        path.unlink(missing_ok=True)
    elif op == "restore":
        shutil.copy(original, path)
    elif op == "twin":  # the same source id in a second file: an error of that file, never kept past it
        shutil.copy(original, folder / f"twin-{number}.yaml")
    elif op == "copy":
        text = original.read_text(encoding="utf-8").replace(f"id: {original.stem}", f"id: copy-{number}", 1)
        (folder / f"copy-{number}.yaml").write_text(text, encoding="utf-8")


edits = st.lists(st.tuples(st.sampled_from(["figure", "remove", "restore", "copy", "twin"]), st.integers(0, 9), st.integers(0, 60)),
                 min_size=1, max_size=4)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=edits)
def test_after_any_edits_a_warm_check_gives_the_cold_checks_report(warm, seeds, steps):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "sources"
        shutil.copytree(bundled_story_folder() / "sources", folder)
        check([folder], sources_dir=seeds)
        for step in steps:
            edit(folder, *step)
            if not any(folder.glob("*.yaml")):
                continue
            assert comparable(check([folder], sources_dir=seeds)) == cold(folder, seeds), step
        if any(folder.glob("*.yaml")) and not any(folder.glob("twin-*")):  # nothing changed since: every rule's findings are kept ones
            hits = warm.hits
            check([folder], sources_dir=seeds)
            assert warm.hits - hits >= 9


def test_a_rule_runs_again_only_when_a_table_it_reads_has_changed(warm, seeds, tmp_path):
    folder = tmp_path / "sources"
    shutil.copytree(bundled_story_folder() / "sources", folder)
    check([folder], sources_dir=seeds)
    kept = {key[0].split('"')[3]: entry[-1] for key, entry in warm.kept.items() if key[0].startswith("{")}
    assert [t for t, _ in kept["UNI01"].read] == ["designations"]  # what unique_designation reads
    assert "counts" in [t for t, _ in kept["TOT01"].read]

    dec = folder / "ics-dec-2020-news.yaml"
    dec.write_text(dec.read_text(encoding="utf-8").replace('value: "29"', 'value: "30"', 1), encoding="utf-8")  # a count
    report = check([folder], sources_dir=seeds)
    again = {key[0].split('"')[3]: entry[-1] for key, entry in warm.kept.items() if key[0].startswith("{")}
    assert again["UNI01"] is kept["UNI01"]  # its table did not change: not run again
    assert again["TOT01"] is not kept["TOT01"]  # the count it reads did: run again, and it says so
    assert any(f.rule == "TOT01" and f.severity.value == "error" for f in report.findings)


@settings(max_examples=60, deadline=None)
@given(sizes=st.lists(st.integers(0, 4), min_size=1, max_size=30), changes=st.lists(st.tuples(st.integers(0, 29), st.integers(0, 4)), max_size=20))
def test_a_table_spliced_from_the_last_join_is_the_join_of_its_parts(sizes, changes):
    loader._JOINED.clear()
    parts = [pl.DataFrame({"file": [i] * n, "row": list(range(n))}, schema={"file": pl.Int64, "row": pl.Int64}) for i, n in enumerate(sizes)]
    first = loader._joined("t", parts)
    assert first.equals(pl.concat(parts))
    changed = list(parts)
    for at, n in changes:
        if at < len(changed):
            changed[at] = pl.DataFrame({"file": [100 + at] * n, "row": list(range(n))}, schema={"file": pl.Int64, "row": pl.Int64})
    assert loader._joined("t", changed).equals(pl.concat(changed))
    assert loader._joined("t", parts).equals(first)  # an earlier join, kept
    loader._JOINED.clear()


def test_a_rule_that_reads_every_table_at_once_depends_on_every_table(warm, tmp_path):
    """A rule (a plugin's, say) may read ``tables.frames`` itself: it is run again when any table changes."""
    from factcheck.checks.base import Context
    from factcheck.facts.loader import load

    folder = tmp_path / "sources"
    shutil.copytree(bundled_story_folder() / "sources", folder)
    count = lambda t: len(t.frames["counts"])  # noqa: E731
    first = load([folder]).tables
    assert warm.made("counting", first, Context(), lambda: count(first)) == first["counts"].height
    (folder / SOURCES[0].name).unlink()
    second = load([folder]).tables
    assert warm.made("counting", second, Context(), lambda: count(second)) == second["counts"].height != first["counts"].height


def test_texts_that_differ_never_share_a_digest():
    """Names and lines are not joined with a separator a text could hold."""
    from factcheck.checks.base import Context
    from factcheck.checks.memo import _texts_digest

    one = Context(Path("t"), {"a.txt": ["x\0\0b.txt\0y"]})
    two = Context(Path("t"), {"a.txt": ["x"], "b.txt": ["y"]})
    assert _texts_digest(one) != _texts_digest(two)
    assert _texts_digest(Context(Path("t"), {"a.txt": ["x", "y"]})) != _texts_digest(Context(Path("t"), {"a.txt": ["x\0y"]}))


def test_what_a_service_keeps_of_fact_files_is_bounded_in_bytes(warm, tmp_path, monkeypatch):
    """A file over MAX_PARSED_BYTES is read afresh each time, its parse and its frames not kept; the
    kept parses' files stay under MAX_PARSED_TOTAL bytes together."""
    folder = tmp_path / "sources"
    shutil.copytree(bundled_story_folder() / "sources", folder)
    sizes = sorted(p.stat().st_size for p in folder.glob("*.yaml"))
    monkeypatch.setattr(loader, "MAX_PARSED_BYTES", sizes[1])  # the two smallest files are kept
    monkeypatch.setattr(loader, "MAX_PARSED_TOTAL", sizes[0] + sizes[1])
    loader.keep_parsed(False)
    loader.keep_parsed()
    for _ in range(3):
        check([folder])
    assert len(loader._PARSED) == 2 and loader._PARSED_TOTAL <= sizes[0] + sizes[1]
    assert len(loader._FRAMES) == 2  # frames only of kept parses


def test_the_findings_a_service_keeps_are_bounded_in_number(warm, seeds, tmp_path):
    from factcheck.checks.memo import RuleMemo

    small = memo.MEMO = RuleMemo(weight=40)
    for n in range(6):  # six versions of the story: their findings cannot all be kept
        folder = tmp_path / f"v{n}"
        shutil.copytree(bundled_story_folder() / "sources", folder)
        dec = folder / "ics-dec-2020-news.yaml"
        dec.write_text(NUMBER.sub(f'value: "{30 + n}"', dec.read_text(encoding="utf-8"), count=1), encoding="utf-8")
        assert comparable(check([folder], sources_dir=seeds)) == cold(folder, seeds)
        assert small.weight == sum(k.weight for variants in small.kept.values() for k in variants) <= 40
