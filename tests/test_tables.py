"""The typed tables of the bundled dataset, the loader's errors, and the `tables` command."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from factcheck.cli.main import app
from factcheck.facts import schemas
from factcheck.facts.loader import load
from factcheck.facts.tables import AREA_TABLES, COLUMNS
from factcheck.facts.text import fold_space

runner = CliRunner()


def test_bundled_dataset_loads_without_errors(bundled):
    assert bundled.errors == ()
    assert bundled.tables["sources"].height == 5
    assert bundled.tables.claim_count > 100


def test_registry_has_42_footprints_with_unique_codes(bundled):
    registry = bundled.tables["registry"]
    assert registry.height == 42
    assert registry["code"].n_unique() == 42
    assert registry["code"].str.contains(r"^E54\d{6}$").all()
    assert registry["population_mid2019"].sum() == 56_286_961  # England mid-2019 (SOURCES.md)


def test_every_quote_occurs_in_its_source_text_at_its_line(bundled, seeds):
    sources = dict(bundled.tables["sources"].select("source_id", "text_file").iter_rows())
    texts = {sid: (seeds / name).read_text(encoding="utf-8").splitlines() for sid, name in sources.items()}
    misplaced = [
        (row["source_id"], row["claim_id"], row["source_line"])
        for row in bundled.tables.all_claims().iter_rows(named=True)
        if fold_space(row["quote"]) not in fold_space(texts[row["source_id"]][row["source_line"] - 1])
    ]
    assert misplaced == []


def test_every_area_name_resolves_to_the_registry(bundled):
    unresolved = []
    for name in AREA_TABLES:
        frame = bundled.tables[name]
        if name == "populations":
            frame = frame.filter(pl.col("scope") == "area")
        unresolved += frame.filter(pl.col("area_code").is_null() | pl.col("name_match").is_in(["close", "unknown"]))["subject"].to_list()
    merged_into = bundled.tables["mergers"]["into_code"]
    assert unresolved == [] and merged_into.null_count() == 0


def test_loader_builds_exactly_the_declared_dtypes(bundled):
    for name, columns in COLUMNS.items():
        assert dict(bundled.tables[name].schema) == columns, name


def test_pandera_models_state_the_same_columns_as_the_tables():
    for name, model in schemas.MODELS.items():
        if name in COLUMNS:
            assert set(model.to_schema().columns) == set(COLUMNS[name]), name


def test_pandera_accepts_the_bundled_tables(bundled):
    assert schemas.validate(bundled.tables.frames) == []


def test_pandera_rejects_a_broken_table_with_every_failure(bundled):
    counts = bundled.tables["counts"].with_columns(
        pl.lit(-1.0).alias("lo"), pl.lit(0, dtype=pl.Int32).alias("fact_line")
    )
    problems = schemas.validate({"counts": counts})
    assert any("'lo'" in p for p in problems) and any("'fact_line'" in p for p in problems)
    duplicated = pl.concat([bundled.tables["quotes"], bundled.tables["quotes"].head(1)])
    assert any("claim_id" in p or "source_id" in p for p in schemas.validate({"quotes": duplicated}))


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / "sources" / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_broken_claim_is_reported_at_its_line_and_only_that_claim_is_left_out(dataset_copy):
    target = dataset_copy / "sources" / "ics-dec-2020-news.yaml"
    lines = target.read_text(encoding="utf-8").splitlines()
    at = next(i for i, l in enumerate(lines) if l.strip() == "wave: 2020-12")
    lines[at] = lines[at].replace("2020-12", "December")
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    dataset = load([dataset_copy])
    assert len(dataset.errors) == 1
    error = dataset.errors[0]
    assert error.file.endswith("ics-dec-2020-news.yaml") and error.line == at + 1
    assert error.field.endswith(".wave") and "2020-12" in error.message and "'December'" in error.message
    assert dataset.tables["sources"].height == 5  # the file is still checked ...
    claim_of_line = lambda l: max((i for i, t in enumerate(lines[:l + 1]) if t.startswith("  - id: ")))  # noqa: E731
    left_out = lines[claim_of_line(at)].removeprefix("  - id: ")
    kept = dataset.tables.all_claims().filter(pl.col("source_id") == "ics-dec-2020-news")["claim_id"].to_list()
    assert left_out not in kept and len(kept) > 10  # ... less the one bad claim


def test_a_bad_source_block_leaves_the_file_out_and_the_others_load(dataset_copy):
    target = dataset_copy / "sources" / "ics-dec-2020-news.yaml"
    target.write_text(target.read_text(encoding="utf-8").replace("kind: news", "kind: rumour", 1), encoding="utf-8")
    dataset = load([dataset_copy])
    assert [e.field for e in dataset.errors] == ["source.kind"]
    assert set(dataset.tables["sources"]["source_id"]) == {
        "ics-june-2019-news", "nhse-ics-page-2020", "ics-mar-2021-news", "nhse-final-13-2021"
    }


@pytest.mark.parametrize(
    ("claim", "field", "expected"),
    [
        ("{id: x, kind: rumour, evidence: {line: 1, quote: q}}", "kind", "expected one of designation"),
        ("{id: x, kind: status, subject: Devon, status: ics, as_of: 2019-06, evidence: {line: 1}}", "evidence.quote", "missing"),
        ("{id: x, kind: status, subject: Devon, status: ics, as_of: 2019-13, evidence: {line: 1, quote: q}}", "as_of", "real date"),
        ("{id: x, kind: count, measure: ics, subject: s, value: lots, evidence: {line: 1, quote: q}}", "value", "expected a number"),
    ],
)
def test_a_bad_claim_is_an_error_of_its_file(tmp_path, claim, field, expected):
    (tmp_path / "sources").mkdir()
    _write(tmp_path, "a.yaml", f"source:\n  id: a\n  title: t\n  publisher: p\n  kind: news\n  text_file: a.txt\n  published: 2020-01-01\nclaims:\n  - {claim}\n")
    errors = load([tmp_path]).errors
    assert len(errors) == 1 and errors[0].line == 9
    assert errors[0].field.endswith(field) and expected in errors[0].message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a: &x [1]\nb: *x\n", "aliases"),
        ("a: &x one\nb: *x\n", "aliases"),
        ("source: " + "[" * 500_000 + "]" * 500_000 + "\n", "nesting deeper than"),  # would crash a recursive parser
        ("source: 1\n---\nsource: 2\n", "one YAML document"),
        ("source: 1\nsource: 2\n", "appears twice"),
        ("source: !!python/object/apply:os.system ['echo owned']\nclaims: []\n", "not valid YAML"),
        ("source: [unclosed\n", "not valid YAML"),
        ("- just a list\n", "expected a mapping"),
    ],
)
def test_unsafe_or_malformed_yaml_is_refused_with_its_place(tmp_path, text, expected):
    (tmp_path / "sources").mkdir()
    _write(tmp_path, "bad.yaml", text)
    errors = load([tmp_path]).errors
    assert len(errors) == 1 and expected in errors[0].message and errors[0].line is not None


def test_oversized_files_are_refused(tmp_path, monkeypatch):
    from factcheck.facts import yamlsafe

    monkeypatch.setattr(yamlsafe, "MAX_BYTES", 100)
    (tmp_path / "sources").mkdir()
    _write(tmp_path, "big.yaml", "# " + "x" * 200 + "\n")
    errors = load([tmp_path]).errors
    assert len(errors) == 1 and errors[0].file.endswith("big.yaml") and "100" in errors[0].message


def test_tables_json_contract():
    result = runner.invoke(app, ["tables", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert len(data["sources"]) == 5 and {"source_id", "text_file"} <= set(data["sources"][0])
    assert len({row["code"] for row in data["registry"]}) == 42
    claim_rows = [row for name in ("designations", "counts", "quotes", "populations") for row in data[name]]
    for row in claim_rows:
        assert {"source_id", "quote", "source_line", "fact_file", "fact_line"} <= set(row)


def test_fact_line_points_at_the_claim(bundled):
    for row in bundled.tables.all_claims().sample(40, seed=1).iter_rows(named=True):
        lines = Path(row["fact_file"]).read_text(encoding="utf-8").splitlines()
        text = lines[row["fact_line"] - 1]
        assert row["claim_id"].split("/")[-1] in text or row["claim_id"] in text, (row["claim_id"], text)


def test_tables_exits_2_and_names_the_file_on_bad_input(tmp_path):
    (tmp_path / "sources").mkdir()
    _write(tmp_path, "bad.yaml", "source: [unclosed\n")
    result = runner.invoke(app, ["tables", str(tmp_path)])
    assert result.exit_code == 2 and "bad.yaml:" in result.stderr and "Traceback" not in result.output


def test_a_folder_with_no_fact_files_is_unusable_input_not_a_pass(tmp_path):
    from factcheck.checks.engine import check

    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "readme.txt").write_text("nothing to check", encoding="utf-8")
    report = check([tmp_path])
    assert report.summary.verdict == "unusable" and len(report.load_errors) == 1
    assert "no fact files in this folder (looked for *.yaml" in report.load_errors[0]
