"""`factcheck check` and `factcheck rules` as a user runs them: exit codes, JSON contract, bad input."""

from __future__ import annotations

import json
import subprocess
import sys

from typer.testing import CliRunner

from factcheck.cli.main import app

from helpers import bump_total

runner = CliRunner()


def test_check_on_the_bundled_facts_is_clean_and_json_has_the_contract_fields(seeds):
    result = runner.invoke(app, ["check", "--format", "json", "--sources", str(seeds)])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["summary"]["errors"] == 0 and report["summary"]["sources"] == 5
    finding = report["findings"][0]
    assert {"rule", "kind", "severity", "message", "subjects", "expected", "found", "explanation", "locations"} <= set(finding)
    assert {"source_id", "fact_file", "fact_line", "source_line", "quote"} <= set(finding["locations"][0])


def test_fail_on_warning_fails_on_the_seeds_warnings():
    assert runner.invoke(app, ["check", "--fail-on", "warning"]).exit_code == 1
    assert runner.invoke(app, ["check", "--fail-on", "never"]).exit_code == 0


def test_an_inconsistency_exits_1(dataset_copy):
    path = dataset_copy / "sources" / "ics-dec-2020-news.yaml"
    bump_total(path)
    result = runner.invoke(app, ["check", str(dataset_copy)])
    assert result.exit_code == 1 and "TOT01" in result.stdout and "FAIL" in result.stdout


def test_a_bad_file_exits_2_and_the_others_are_still_checked(dataset_copy):
    (dataset_copy / "sources" / "broken.yaml").write_text("source: {id: x\n", encoding="utf-8")
    path = dataset_copy / "sources" / "ics-dec-2020-news.yaml"
    bump_total(path)
    result = runner.invoke(app, ["check", str(dataset_copy), "--output", str(dataset_copy / "out.txt")])
    assert result.exit_code == 2
    assert "broken.yaml:" in result.stderr and "Traceback" not in result.output
    assert "TOT01" in (dataset_copy / "out.txt").read_text(encoding="utf-8")


def test_a_bad_rules_file_exits_2_naming_its_line(tmp_path):
    rules = tmp_path / "rules.yaml"
    rules.write_text("rules:\n  - code: TOT01\n    kind: running_totals\n    description: d\n  - code: X\n    kind: nope\n    description: d\n")
    result = runner.invoke(app, ["check", "--rules", str(rules)])
    assert result.exit_code == 2 and "rules.yaml:5" in result.stderr


def test_usage_errors_exit_2():
    assert runner.invoke(app, ["check", "--fail-on", "sometimes"]).exit_code == 2
    assert runner.invoke(app, ["check", "/no/such/folder"]).exit_code == 2


def test_rules_prints_the_catalogue_from_docstrings():
    result = runner.invoke(app, ["rules"])
    assert result.exit_code == 0
    for code in ("TOT", "UNI", "POP", "LST", "NAM", "STA", "QUO", "EVI", "DAT"):
        assert code in result.stdout
    assert "Bad:" in result.stdout and "Good:" in result.stdout


def console(*args: str) -> subprocess.CompletedProcess:
    """factcheck in a new process, through its entry point (which ends the process with os._exit)."""
    return subprocess.run([sys.executable, "-m", "factcheck.cli.main", *args], capture_output=True, text=True, timeout=120)


def test_the_console_entry_point_flushes_everything_before_it_exits(tmp_path):
    done = console("check", "--format", "json", "--json", str(tmp_path / "r.json"), "--html", str(tmp_path / "r.html"))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["summary"]["verdict"] == "pass"  # all of it reached the pipe
    assert json.loads((tmp_path / "r.json").read_text(encoding="utf-8")) == json.loads(done.stdout)
    assert (tmp_path / "r.html").read_text(encoding="utf-8").rstrip().endswith("</html>")


def test_the_console_entry_point_keeps_the_exit_codes():
    assert console("check", "--fail-on", "warning").returncode == 1
    unusable = console("check", "/no/such/folder")
    assert unusable.returncode == 2 and "/no/such/folder" in unusable.stderr and "Traceback" not in unusable.stderr
    assert console("bogus").returncode == 2


def test_the_first_line_says_what_was_checked_and_with_which_rules(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no dataset here: the bundled example, said so
    first = CliRunner().invoke(app, ["check"]).stdout.splitlines()[0]
    assert "(the bundled example, examples/ics/sources; rules: examples/ics/rules.yaml)" in first
