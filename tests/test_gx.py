"""The great-expectations engine gives the same findings as the default engine, and costs nothing
when it is not asked for."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter

import pytest
from typer.testing import CliRunner

from factcheck.checks.engine import check
from factcheck.cli.main import app

from test_seeds import MUTATIONS, mutate

gx = pytest.importorskip("great_expectations", reason="great-expectations is not installed (pip install -e '.[gx]')")

GX_KINDS = {"names_resolve", "unique_designation", "list_counts", "population_agreement", "status_timeline", "source_dates", "running_totals"}  # the kinds said as expectations


def verdict(report) -> Counter:  # type: ignore[no-untyped-def]
    return Counter((f.rule, f.severity.value, tuple(f.subjects)) for f in report.findings)


def test_both_engines_agree_on_the_seeds(seeds):
    default, on_gx = check(sources_dir=seeds), check(sources_dir=seeds, engine="gx")
    assert on_gx.load_errors == []
    assert verdict(on_gx) == verdict(default)
    engines = {(f.kind, f.engine) for f in on_gx.findings}
    assert ("names_resolve", "gx") in engines  # the variant name was found by GX
    assert all(engine == "factcheck" for kind, engine in engines if kind not in GX_KINDS)


# Findings of GX kinds that compare claims with each other, not said as expectations: the default engine's.
NOT_EXPECTATIONS = {"UNI-effective", "UNI-other-year", "UNI-other-order", "TOT-double-count", "TOT-stale", "TOT-as-of", "TOT-vague-wave",
                    "TOT-wave-size", "LST-numbering", "LST-twice", "LST-region", "LST-region-by-wave", "POP-claims"}


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_both_engines_agree_on_mutated_seeds(dataset_copy, seeds, name):
    rule, severity, subject, *_ = mutate(dataset_copy, name)
    default = check([dataset_copy], sources_dir=seeds)
    on_gx = check([dataset_copy], sources_dir=seeds, engine="gx")
    assert verdict(on_gx) == verdict(default)
    caught = [f for f in on_gx.findings if f.rule == rule and f.severity.value == severity and subject in f.subjects]
    assert caught
    if caught[0].kind in GX_KINDS:
        assert caught[0].engine == ("factcheck" if caught[0].code in NOT_EXPECTATIONS else "gx")


def test_gx_data_docs_are_built(tmp_path):
    result = CliRunner().invoke(app, ["check", "--engine", "gx", "--gx-docs", str(tmp_path / "docs")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "docs" / "index.html").stat().st_size > 0
    assert list((tmp_path / "docs" / "validations").rglob("*.html"))


def test_the_default_engine_never_imports_gx():
    code = "import sys; sys.argv = ['factcheck', 'check']\nfrom factcheck.cli.main import app\ntry:\n    app()\nexcept SystemExit:\n    pass\n" \
           "print('great_expectations' in sys.modules, 'pandas' in sys.modules, file=sys.stderr)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.stderr.strip().splitlines()[-1] == "False False"


def test_without_gx_installed_the_gx_engine_is_exit_2_with_what_to_do():
    code = "import sys; sys.modules['great_expectations'] = None; sys.argv = ['factcheck', 'check', '--engine', 'gx']\n" \
           "from factcheck.cli.main import run\nrun()"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "pip install 'factcheck[gx]'" in done.stderr


def test_each_expectation_breaks_the_same_rows_on_both_engines():
    """The vocabulary itself, on a frame with nulls, duplicates and a row condition: polars and GX
    name the same broken rows (a null breaks nothing; a row condition limits the rows looked at)."""
    import polars as pl

    from factcheck.checks.expect import Checked, Expect, evaluate, with_rows
    from factcheck.checks.gx_engine import GX

    frame = with_rows(pl.DataFrame({
        "name": ["a", "b", None, "b", "z"],
        "status": ["ics", "not_ics", "ics", "ics", "not_ics"],
        "lo": [1.0, 5.0, None, 2.0, 3.0],
        "hi": [2.0, 4.0, 1.0, 1.5, 1.0],
    }))
    expectations = (
        Expect("known", "in_set", "name", ("a", "b")),
        Expect("not_z", "not_in_set", "name", ("z",)),
        Expect("once", "unique", "name"),
        Expect("ordered", "a_at_least_b", "hi", other="lo"),
        Expect("ordered_ics", "a_at_least_b", "hi", other="lo", where=("status", "ics")),
    )
    checked = [Checked(frame, expectations)]
    by_polars = evaluate(checked)
    assert by_polars == {"known": {4}, "not_z": {4}, "once": {1, 3}, "ordered": {1, 3, 4}, "ordered_ics": {3}}
    assert GX().validate("vocabulary", checked) == by_polars
