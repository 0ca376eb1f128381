"""Limits factcheck owns: YAML nesting (whatever PyYAML is installed), the numbers a fact file says
(bounded where they are read), and the error text a run prints (per file, per run, per value)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from factcheck.checks.rules_file import load_rules
from factcheck.cli.main import app
from factcheck.facts import yamlsafe
from factcheck.facts.loader import MAX_FILE_ERRORS, MAX_LINE, MAX_POSITION, MAX_RUN_ERRORS, load
from factcheck.facts.story import bundled_story_folder
from factcheck.facts.safepath import shown
from factcheck.facts.tables import COLUMNS
from factcheck.facts.tabular import DERIVED, MAX_ERRORS

from helpers import edit

SOURCE = "source:\n  id: {id}\n  title: t\n  publisher: p\n  kind: news\n  text_file: a.txt\n  published: 2020-01-01\nclaims:\n"
STATUS = "  - {{id: s{i}, kind: status, subject: Devon, status: {status}, as_of: 2019-06, evidence: {{line: {line}, quote: q}}}}\n"
MORE = re.compile(r"… and ([\d,]+) more errors?( in this file)?$")


def _fact_file(folder: Path, name: str, body: str, source_id: str = "a") -> Path:
    (folder / "sources").mkdir(parents=True, exist_ok=True)
    path = folder / "sources" / name
    path.write_text(SOURCE.format(id=source_id) + body, encoding="utf-8")
    return path


# -- YAML nesting: factcheck's message on any PyYAML 6.x -------------------------------------------------------


DEEP = "source: " + "[" * 500_000 + "]" * 500_000 + "\n"


def _like_pyyaml_604(real):  # type: ignore[no-untyped-def]
    """PyYAML 6.0.4's libyaml: a scanner that looks ahead of the events and refuses flow nesting deeper
    than 1000 with its own words, before an event-by-event check at 32 levels can see it."""

    def parse(stream, Loader=yaml.Loader):  # type: ignore[no-untyped-def]  # noqa: N803 - PyYAML's name
        if isinstance(stream, str) and "[" * 1001 in stream:
            at = stream.index("[" * 1001) + 1000
            mark = yaml.Mark("<unicode string>", at, 0, at, stream, at)
            raise yaml.scanner.ScannerError("while increasing flow level", mark, "exceeded maximum nesting depth", mark)
        return real(stream, Loader=Loader)

    return parse


@pytest.mark.parametrize("pyyaml", ["installed", "6.0.4"])
def test_deep_nesting_is_refused_in_factchecks_words_on_any_pyyaml(tmp_path, monkeypatch, pyyaml):
    if pyyaml == "6.0.4":
        monkeypatch.setattr(yaml, "parse", _like_pyyaml_604(yaml.parse))
    (tmp_path / "sources").mkdir()
    (tmp_path / "sources" / "deep.yaml").write_text(DEEP, encoding="utf-8")
    errors = load([tmp_path]).errors
    assert len(errors) == 1 and errors[0].line == 1 and errors[0].column is not None
    assert errors[0].message == f"not valid YAML: nesting deeper than {yamlsafe.MAX_DEPTH} levels"


def test_block_nesting_is_refused_too():
    text = "".join("  " * i + "k:\n" for i in range(40)) + "  " * 40 + "v\n"
    with pytest.raises(yamlsafe.YamlError, match="nesting deeper than"):
        yamlsafe.load_yaml_text(text, "deep.yaml")


@pytest.mark.parametrize(("scalar", "expected"), [
    ("2021-02-30", "expected a real date (YYYY-MM-DD), found '2021-02-30'"),
    ("1" * 5000, "expected a whole number, found '1111"),
    ("!!int x", "expected a whole number, found 'x'"),
    ("0x_", "expected a whole number, found '0x_'"),
])
def test_a_scalar_yaml_cannot_construct_is_an_error_at_its_place_not_a_traceback(scalar, expected):
    with pytest.raises(yamlsafe.YamlError) as err:
        yamlsafe.load_yaml_text(f"source:\n  published: {scalar}\n", "a.yaml")
    assert (err.value.line, err.value.column) == (2, 14) and expected in err.value.message and len(err.value.message) < 300


# -- numbers bounded where they are read -------------------------------------------------------------------


@pytest.mark.parametrize(("claim", "field", "limit"), [
    ("{id: x, kind: status, subject: Devon, status: ics, as_of: 2019-06, evidence: {line: 2147483648, quote: q}}", "evidence.line", MAX_LINE),
    ("{id: x, kind: status, subject: Devon, status: ics, as_of: 2019-06, evidence: {line: 10000001, quote: q}}", "evidence.line", MAX_LINE),
    ("{id: x, kind: list, title: t, means: designation, wave: 2020-12, evidence: {line: 1, quote: q},"
     " items: [{subject: Devon, line: 2147483648}]}", "items.0.line", MAX_LINE),
    ("{id: x, kind: list, title: t, means: designation, wave: 2020-12, evidence: {line: 1, quote: q},"
     " items: [{subject: Devon, line: 1, position: 2147483647}]}", "items.0.position", MAX_POSITION),
    ("{id: x, kind: list, title: t, means: designation, wave: 2020-12, evidence: {line: 1, quote: q},"
     " items: [{subject: Devon, line: 1, position: 1}, {subject: Kent, line: 1, position: 100001}]}", "items.1.position", MAX_POSITION),
])
def test_a_number_beyond_its_bound_leaves_its_claim_out_with_an_error_at_its_line(tmp_path, claim, field, limit):
    _fact_file(tmp_path, "a.yaml", f"  - {claim}\n" + STATUS.format(i=1, status="ics", line=3))
    dataset = load([tmp_path])
    assert [(e.line, e.field) for e in dataset.errors] == [(9, f"claims.0.{field}")]
    assert f"expected at most {limit:,}" in dataset.errors[0].message
    assert dataset.tables.all_claims()["claim_id"].to_list() == ["s1"]  # the other claim is kept


def test_a_huge_line_through_the_command_line_is_exit_2_not_a_traceback(dataset_copy):
    edit(dataset_copy / "sources" / "ics-dec-2020-news.yaml", "evidence: {line: 12,", "evidence: {line: 2147483648,")
    result = CliRunner().invoke(app, ["check", str(dataset_copy)])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code == 2 and "expected at most 10,000,000" in result.stderr


def _as_csv_tables(folder: Path) -> Path:
    folder.mkdir()
    tables = load().tables
    for name in COLUMNS:
        tables[name].drop([c for c in DERIVED if c in tables[name].columns]).write_csv(folder / f"bundled.{name}.csv")
    (folder / "rules.yaml").write_bytes((bundled_story_folder() / "rules.yaml").read_bytes())
    return folder


@pytest.mark.parametrize(("column", "value", "expected"), [
    ("position", "2147483647", f"expected at most {MAX_POSITION:,}, found 2147483647"),
    ("source_line", "99999999", f"expected at most {MAX_LINE:,}, found 99999999"),
    ("source_line", "2147483648", "expected a whole number, found '2147483648'"),
])
def test_a_table_number_beyond_its_bound_is_an_error_of_its_row(tmp_path, column, value, expected):
    folder = _as_csv_tables(tmp_path / "tables")
    path = folder / "bundled.list_items.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    cells = lines[1].split(",")
    cells[header.index(column)] = value
    lines[1] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    dataset = load([folder])
    assert [str(e) for e in dataset.errors] == [f"{path}:2: {column}: {expected}".replace(str(path), dataset.errors[0].file)]
    assert dataset.tables["list_items"].height == load().tables["list_items"].height - 1


# -- error text: per value, per file, per run ----------------------------------------------------------------


def test_a_long_value_is_shown_cut_with_its_length():
    assert shown("x" * 1_048_576) == repr("x" * 120) + "… (1,048,576 characters)"
    assert shown("short") == "'short'"
    assert shown(10**5000).startswith("a number of about 5,000 digits")  # repr itself refuses above 4,300 digits


def _with_rows(path: Path, changes: list[dict[str, str]], replace_first: bool = False) -> None:
    """Copies of a CSV table's first row with some cells changed: added to the table, or in place of that row."""
    lines = path.read_text(encoding="utf-8").splitlines()
    header, template = lines[0].split(","), lines[1].split(",")
    rows = [",".join(change.get(column, cell) for column, cell in zip(header, template)) for change in changes]
    lines = [lines[0], *rows, *lines[2:]] if replace_first else [*lines, *rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_a_megabyte_cell_is_shown_short_in_its_error(tmp_path):
    folder = _as_csv_tables(tmp_path / "tables")
    _with_rows(folder / "bundled.list_items.csv", [{"position": "9" * 1_048_576}], replace_first=True)
    errors = load([folder]).errors
    assert len(errors) == 1 and len(str(errors[0])) < 400 and "(1,048,576 characters)" in str(errors[0])


def test_a_megabyte_yaml_value_is_shown_short_in_its_error(tmp_path):
    _fact_file(tmp_path, "a.yaml", STATUS.format(i=1, status="x" * 1_048_576, line=1))
    errors = load([tmp_path]).errors
    assert len(errors) == 1 and len(str(errors[0])) < 400 and "(1,048,576 characters)" in str(errors[0])


def test_a_table_file_reports_at_most_its_share_of_errors_then_counts_the_rest(tmp_path):
    folder = _as_csv_tables(tmp_path / "tables")
    _with_rows(folder / "bundled.counts.csv", [{"claim_id": f"bad-{i}", "value": f"lots{i}"} for i in range(1000)])  # none readable
    errors = [e for e in load([folder]).errors if e.file.endswith("bundled.counts.csv")]
    assert len(errors) == MAX_ERRORS + 1
    assert MORE.search(errors[-1].message) and int(MORE.search(errors[-1].message).group(1).replace(",", "")) == 1000 - MAX_ERRORS


def test_a_yaml_file_reports_at_most_its_share_of_errors_then_counts_the_rest(tmp_path):
    _fact_file(tmp_path, "a.yaml", "".join(STATUS.format(i=i, status="maybe", line=1) for i in range(300)))
    errors = load([tmp_path]).errors
    assert len(errors) == MAX_FILE_ERRORS + 1
    assert errors[-1].message == f"… and {300 - MAX_FILE_ERRORS} more errors in this file"


def test_a_run_reports_at_most_its_share_of_errors_then_one_line(tmp_path):
    for n in range(6):
        _fact_file(tmp_path, f"f{n}.yaml", "".join(STATUS.format(i=i, status="maybe", line=1) for i in range(60)), source_id=f"s{n}")
    errors = load([tmp_path]).errors
    assert len(errors) == MAX_RUN_ERRORS + 1
    assert str(errors[-1]) == f"… and {6 * (MAX_FILE_ERRORS + 1) - MAX_RUN_ERRORS} more errors"
    result = CliRunner().invoke(app, ["check", str(tmp_path)])
    assert result.exit_code == 2 and len(result.stderr.splitlines()) < MAX_RUN_ERRORS + 20


def test_a_rules_file_reports_at_most_its_share_of_errors(tmp_path):
    path = tmp_path / "rules.yaml"
    path.write_text("rules:\n" + "".join(f"  - {{code: X{i:03d}, kind: nonsense, description: d}}\n" for i in range(300)), encoding="utf-8")
    _specs, errors = load_rules(path)
    assert len(errors) == MAX_FILE_ERRORS + 1 and MORE.search(errors[-1].message)
