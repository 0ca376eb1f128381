"""Claims as tables: CSV, Parquet and NDJSON files give the same findings as the same claims in YAML,
and a bad row is named by file, line and column while the other rows are used."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from factcheck.checks.engine import check
from factcheck.cli.main import app
from factcheck.facts.loader import load
from factcheck.facts.story import bundled_story_folder
from factcheck.facts.tables import COLUMNS
from factcheck.facts.tabular import DERIVED

WRITERS = {
    "parquet": lambda frame, path: frame.write_parquet(path),
    "csv": lambda frame, path: frame.write_csv(path),
    "ndjson": lambda frame, path: frame.write_ndjson(path),
}


def as_tables(folder: Path, form: str) -> Path:
    """The bundled dataset written as one table file per typed table (derived columns left out)."""
    folder.mkdir()
    tables = load().tables
    for name in COLUMNS:
        frame = tables[name].drop([c for c in DERIVED if c in tables[name].columns])
        WRITERS[form](frame, folder / f"bundled.{name}.{form}")
    shutil.copy(bundled_story_folder() / "rules.yaml", folder / "rules.yaml")
    return folder


def verdict(report) -> list[tuple]:  # type: ignore[no-untyped-def]
    return sorted((f.rule, f.severity.value, tuple(f.subjects), f.identity) for f in report.findings)


@pytest.fixture(scope="module")
def yaml_verdict():
    return verdict(check())


@pytest.mark.parametrize("form", sorted(WRITERS))
def test_tables_give_the_same_findings_as_yaml(tmp_path, form, yaml_verdict):
    report = check([as_tables(tmp_path / form, form)])
    assert report.load_errors == []
    assert report.summary.claims == check().summary.claims
    assert verdict(report) == yaml_verdict


def test_a_finding_on_a_table_row_points_at_its_csv_line(tmp_path):
    folder = as_tables(tmp_path / "csv", "csv")
    path = folder / "bundled.counts.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    row = next(i for i, line in enumerate(lines) if line.startswith("total-29,"))
    lines[row] = lines[row].replace(",29,2020-12,", ",31,2020-12,")
    assert lines[row] != path.read_text(encoding="utf-8").splitlines()[row]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = check([folder])
    tot = [f for f in report.findings if f.rule == "TOT01" and f.severity.value == "error"]
    assert [(loc.fact_file.endswith("bundled.counts.csv"), loc.fact_line) for f in tot for loc in f.locations] == [(True, row + 1)]


def test_bad_rows_are_named_and_the_other_rows_are_used(tmp_path):
    folder = as_tables(tmp_path / "csv", "csv")
    path = folder / "bundled.designations.csv"
    frame = pl.read_csv(path, infer_schema=False)  # the second row gets a date that is not one
    frame = frame.with_columns(pl.when(pl.int_range(pl.len()) == 1).then(pl.lit("2020-13-45")).otherwise(pl.col("announced_lo")).alias("announced_lo"))
    frame.write_csv(path)
    dataset = load([folder])
    assert [(e.line, e.field) for e in dataset.errors] == [(3, "announced_lo")]
    assert "expected a date (YYYY-MM-DD), found '2020-13-45'" in dataset.errors[0].message
    assert dataset.tables["designations"].height == load().tables["designations"].height - 1


@pytest.mark.parametrize(("name", "content", "expected"), [
    ("x.designations.csv", "claim_id,source_id\na,b\n", "missing columns"),
    ("x.quotes.csv", "claim_id,source_id,kind,quote,source_line,speaker,role,occasion,words,colour\n", "unknown column colour"),
    ("x.counts.parquet", "not parquet at all", "cannot be read as parquet"),
    ("x.things.csv", "a,b\n1,2\n", "named <name>.<table>.csv"),
])
def test_unusable_table_files_say_why(tmp_path, name, content, expected):
    (tmp_path / name).write_text(content, encoding="utf-8")
    errors = load([tmp_path]).errors
    assert len(errors) == 1 and expected in errors[0].message and errors[0].file.endswith(name)


def test_claims_of_an_unknown_source_are_named(tmp_path):
    folder = as_tables(tmp_path / "parquet", "parquet")
    quotes = pl.read_parquet(folder / "bundled.quotes.parquet")
    quotes.with_columns(pl.lit("nobody").alias("source_id")).head(1).write_parquet(folder / "extra.quotes.parquet")
    errors = load([folder]).errors
    assert [(e.line, e.field) for e in errors] == [(1, "source_id")] and "no source 'nobody'" in errors[0].message


def test_check_on_tables_exits_2_on_bad_rows_and_names_them(tmp_path):
    folder = as_tables(tmp_path / "ndjson", "ndjson")
    path = folder / "bundled.populations.ndjson"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    rows[1]["source_line"] = "twelve"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    result = CliRunner().invoke(app, ["check", str(folder)])
    assert result.exit_code == 2
    assert "bundled.populations.ndjson:2: source_line: expected a whole number, found 'twelve'" in result.output


def test_a_status_in_a_table_is_said_in_the_storys_words(tmp_path):
    folder = as_tables(tmp_path / "csv", "csv")
    path = folder / "bundled.statuses.csv"
    frame = pl.read_csv(path, infer_schema=False)
    said = frame.with_columns(pl.col("status").replace({"in": "ics", "out": "not_ics"}))  # as a user writes it
    said.with_columns(pl.when(pl.int_range(pl.len()) == 0).then(pl.lit("state")).otherwise(pl.col("status")).alias("status")).write_csv(path)
    dataset = load([folder])
    assert [(e.line, e.field) for e in dataset.errors] == [(2, "status")]
    assert "expected 'ics' or 'not_ics' or 'in' or 'out', found 'state'" in dataset.errors[0].message
    assert dataset.tables["statuses"].height == load().tables["statuses"].height - 1
    assert set(dataset.tables["statuses"]["status"]) <= {"in", "out"}
