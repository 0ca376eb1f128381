"""The pull-request gate, in a temporary git repository holding the bundled dataset."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from factcheck.cli.main import app
from factcheck.facts.story import bundled_story_folder

from helpers import annotations, commit, edit, facts_repo, git, unescape

DEC = Path("facts/sources/ics-dec-2020-news.yaml")
JUNE = Path("facts/sources/ics-june-2019-news.yaml")


@pytest.fixture
def repo(tmp_path: Path, monkeypatch) -> Path:
    root = tmp_path / "claims"
    facts_repo(root)
    monkeypatch.chdir(root)
    return root


def run(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, ["check", "facts", *args])


def report(*args: str) -> dict:
    result = run(*args, "--format", "json")
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


def line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if text in line)


def break_total(repo: Path) -> None:
    edit(repo / DEC, 'value: "29"', 'value: "31"')
    edit(repo / DEC, "ICSs to 29", "ICSs to 31")  # the quote changes with the value


def designate_twice(repo: Path) -> None:
    """Devon, designated in December 2020, designated again in the June 2019 wave."""
    edit(repo / JUNE, "claims:\n", "claims:\n  - id: devon-again\n    kind: designation\n    subject: Devon\n    wave: 2019-06\n"
         "    evidence: {line: 4, quote: \"Three further areas\"}\n\n")


@pytest.mark.parametrize(("breaking", "rule", "changed"), [
    (break_total, "TOT01", (DEC, 'value: "31"')),
    (designate_twice, "UNI01", (JUNE, "id: devon-again")),  # a new claim: its first line
])
def test_a_branch_that_breaks_the_facts_fails_at_the_changed_line(repo, breaking, rule, changed):
    git(repo, "checkout", "-q", "-b", "pr")
    breaking(repo)
    commit(repo, "edit")
    result = run("--base", "main", "--format", "github")
    assert result.exit_code == 1, result.output
    errors = [n for n in annotations(result.stdout) if n["level"] == "error"]
    assert [n["title"] for n in errors] == [rule] and errors[0]["message"].startswith("[new] ")
    path, text = changed
    assert unescape(errors[0]["file"]) == path.as_posix()
    assert int(errors[0]["line"]) == line_of(repo / path, text)  # exactly the line that changed


def test_known_findings_at_the_base_do_not_fail_an_unrelated_change(repo):
    break_total(repo)
    commit(repo, "a known problem on main")
    git(repo, "checkout", "-q", "-b", "pr")
    edit(repo / JUNE, "# ", "# Reviewed. ")  # a comment: nothing a rule reads
    commit(repo, "unrelated")
    data = report("--base", "main")
    assert data["summary"]["verdict"] == "pass" and data["summary"]["new"] == 0
    tot = [f for f in data["findings"] if f["rule"] == "TOT01" and f["severity"] == "error"]
    assert tot and all(f["status"] == "present" for f in tot)
    assert run("--base", "main").exit_code == 0


def test_a_branch_that_fixes_the_base_is_reported_as_fixed(repo):
    break_total(repo)
    commit(repo, "a known problem on main")
    git(repo, "checkout", "-q", "-b", "fix")
    edit(repo / DEC, 'value: "31"', 'value: "29"')
    edit(repo / DEC, "ICSs to 31", "ICSs to 29")
    commit(repo, "fix the total")
    data = report("--base", "main")
    assert run("--base", "main").exit_code == 0
    assert [(k["rule"], k["subjects"]) for k in data["fixed"]] == [("TOT01", ["wave 2020-12"])]
    assert data["summary"]["fixed"] == 1 and data["summary"]["new"] == 0


def test_the_work_tree_is_checked_and_left_untouched(repo):
    base = git(repo, "rev-parse", "HEAD")
    break_total(repo)  # not committed: the gate checks the files as they are
    before = (repo / DEC).read_bytes(), git(repo, "status", "--porcelain")
    result = run("--base", base)
    assert result.exit_code == 1
    assert ((repo / DEC).read_bytes(), git(repo, "status", "--porcelain")) == before


def test_an_unknown_ref_is_exit_2_with_what_to_do(repo):
    result = run("--base", "no-such-branch")
    assert result.exit_code == 2
    assert "unknown git ref 'no-such-branch'" in result.output and "git fetch" in result.output


def test_outside_git_is_exit_2(tmp_path, monkeypatch):
    shutil.copytree(bundled_story_folder(), tmp_path / "facts")
    monkeypatch.chdir(tmp_path)
    result = run("--base", "main")
    assert result.exit_code == 2 and "not inside a git work tree" in result.output


def test_a_shallow_clone_works_once_the_base_commit_is_fetched(repo, tmp_path, monkeypatch):
    base = git(repo, "rev-parse", "HEAD")
    git(repo, "checkout", "-q", "-b", "pr")
    break_total(repo)
    commit(repo, "break")
    clone = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth=1", "--branch", "pr", repo.as_uri(), str(clone)], check=True)
    monkeypatch.chdir(clone)
    assert run("--base", base).exit_code == 2  # not fetched yet: said, not crashed
    git(clone, "fetch", "-q", "--depth=1", "origin", base)
    result = run("--base", base, "--format", "github")
    assert result.exit_code == 1
    assert [n["title"] for n in annotations(result.stdout) if n["level"] == "error"] == ["TOT01"]


def test_base_and_baseline_together_is_a_usage_error(repo):
    assert run("--base", "main", "--baseline", "b.json").exit_code == 2


# -- baseline files -------------------------------------------------------------------------------------------


def test_a_baseline_fails_only_on_findings_not_in_it(repo):
    break_total(repo)
    result = CliRunner().invoke(app, ["baseline", "write", "baseline.json", "facts"])
    assert result.exit_code == 0, result.output
    assert run("--baseline", "baseline.json").exit_code == 0  # the known error is in the baseline
    designate_twice(repo)
    result = run("--baseline", "baseline.json", "--format", "github")
    assert result.exit_code == 1
    assert [n["title"] for n in annotations(result.stdout) if n["level"] == "error"] == ["UNI01"]


def test_a_baseline_is_stable_and_reviewable(repo):
    runner = CliRunner()
    runner.invoke(app, ["baseline", "write", "one.json", "facts"])
    runner.invoke(app, ["baseline", "write", "two.json", "facts"])
    one = Path("one.json").read_text(encoding="utf-8")
    assert one == Path("two.json").read_text(encoding="utf-8")  # no timestamps, same order
    entries = json.loads(one)["findings"]
    assert entries == sorted(entries, key=lambda e: (e["rule"], e["subjects"], e["identity"]))
    assert {"identity", "rule", "severity", "subjects", "claims", "message"} == set(entries[0])


@pytest.mark.parametrize("content", ["not json", '{"version": 1, "findings": [{"rule": "X"}]}', '{"version": 99, "findings": []}'])
def test_an_unusable_baseline_is_exit_2_naming_the_file(repo, content):
    Path("b.json").write_text(content, encoding="utf-8")
    result = run("--baseline", "b.json")
    assert result.exit_code == 2 and "b.json" in result.output


def test_every_view_marks_new_present_and_fixed(repo):
    from factcheck.checks.engine import check
    from factcheck.reports import html, markdown, text

    edit(repo / DEC, 'value: "29"', 'value: "31"')
    edit(repo / DEC, "ICSs to 29", "ICSs to 31")  # the quote changes with the value
    commit(repo, "a known problem on main")
    git(repo, "checkout", "-q", "-b", "pr")
    edit(repo / DEC, 'value: "31"', 'value: "29"')  # fixes it
    edit(repo / DEC, "ICSs to 31", "ICSs to 29")
    designate_twice(repo)  # and breaks something else
    report = check([Path("facts")], base="main")
    assert {f.status for f in report.findings} == {"new", "present"}
    page = html.render(report)
    assert page.count('class="status new"') == sum(1 for f in report.findings if f.status == "new")
    assert 'id="fixed"' in page and "wave 2020-12" in page.split('id="fixed"')[1].split("</section>")[0]
    md = markdown.render(report)
    assert "🆕 new" in md and "**Fixed** (1)" in md
    assert "[new]" in text.render(report) and "FIXED since git main" in text.render(report)


@pytest.mark.no_story
def test_without_paths_a_clone_of_this_repository_checks_its_own_facts(tmp_path, monkeypatch):
    """In a checkout that is a story (factcheck.yaml at its root), no PATH means its fact files, found
    upward from the working folder, so the gate sees the branch's change rather than the bundled example."""
    root = tmp_path / "clone"
    facts_repo(root, into=".")
    monkeypatch.chdir(root / "sources")  # found upward, as git finds .git
    edit(root / "sources" / DEC.name, 'value: "29"', 'value: "31"')
    edit(root / "sources" / DEC.name, "ICSs to 29", "ICSs to 31")  # the quote changes with the value
    result = CliRunner().invoke(app, ["check", "--base", "HEAD", "--format", "github"])
    assert result.exit_code == 1, result.output
    errors = [n for n in annotations(result.stdout) if n["level"] == "error"]
    assert [(n["title"], n["file"]) for n in errors] == [("TOT01", f"{DEC.name}")]


def test_a_branch_that_leaves_the_facts_alone_reports_every_finding_as_still_present(repo):
    break_total(repo)
    commit(repo, "a known problem on main")
    git(repo, "checkout", "-q", "-b", "docs")
    (repo / "NOTES.md").write_text("notes\n", encoding="utf-8")  # not a fact file
    commit(repo, "docs only")
    data = report("--base", "main")
    assert data["summary"]["verdict"] == "pass"
    assert data["summary"]["new"] == 0 and data["summary"]["fixed"] == 0
    assert data["summary"]["present"] == len(data["findings"]) > 0


def test_junit_fails_only_the_findings_that_fail_the_run(repo):
    """A finding already at the base is recorded in JUnit, not failed: the run passes, and so must CI's test view."""
    from junitparser import JUnitXml

    break_total(repo)
    commit(repo, "a known problem on main")
    git(repo, "checkout", "-q", "-b", "pr")
    designate_twice(repo)
    commit(repo, "a new problem")
    result = run("--base", "main", "--junit", "j.xml")
    assert result.exit_code == 1
    xml = JUnitXml.fromfile("j.xml")
    failed = {(suite.name.split()[0], case.name) for suite in xml for case in suite if not case.is_passed}
    assert ("UNI01", "Devon") in failed  # new: fails
    assert not any(rule == "TOT01" for rule, _ in failed)  # still present: recorded only
    assert any(suite.name.startswith("TOT01") and "error:" in (case.system_out or "") for suite in xml for case in suite)


def weaken_every_rule(repo: Path) -> None:
    rules = repo / "facts" / "rules.yaml"
    rules.write_text(rules.read_text(encoding="utf-8").replace("severity: error", "severity: info"), encoding="utf-8")


def test_a_pull_request_cannot_switch_its_own_gate_off(repo):
    git(repo, "checkout", "-q", "-b", "pr")
    weaken_every_rule(repo)
    break_total(repo)
    commit(repo, "lower every rule to info, and break a total")
    result = run("--base", "main", "--format", "github")
    assert result.exit_code == 1, result.output
    errors = [n for n in annotations(result.stdout) if n["level"] == "error"]
    assert "TOT01" in [n["title"] for n in errors]  # checked with the base's rules: still an error
    changed = [n for n in errors if n["title"] == "GATE"]
    assert len(changed) == 9  # every rule, each at its line of the rules file
    tot = next(n for n in changed if "TOT01" in unescape(n["message"]))
    assert unescape(tot["file"]) == "facts/rules.yaml" and int(tot["line"]) == line_of(repo / "facts" / "rules.yaml", "code: TOT01")
    assert "severity error → severity info" in unescape(tot["message"])


def test_accepted_rule_changes_are_used_and_said(repo):
    git(repo, "checkout", "-q", "-b", "pr")
    weaken_every_rule(repo)
    break_total(repo)
    commit(repo, "lower every rule to info, reviewed")
    data = report("--base", "main", "--accept-rule-changes")
    assert data["summary"]["verdict"] == "pass" and data["summary"]["errors"] == 0
    gate = [f for f in data["findings"] if f["rule"] == "GATE"]
    assert len(gate) == 9 and {f["severity"] for f in gate} == {"info"} and gate[0]["code"] == "GATE-rule-changed"


def test_an_unchanged_rules_file_adds_nothing(repo):
    git(repo, "checkout", "-q", "-b", "pr")
    break_total(repo)
    commit(repo, "break a total")
    data = report("--base", "main")
    assert not [f for f in data["findings"] if f["rule"] == "GATE"]


def test_a_pull_request_cannot_change_the_story_its_gate_checks_with(repo):
    """The registry decides what a name means: a branch that changes it is checked with the base's story,
    and the change itself fails until it is accepted."""
    git(repo, "checkout", "-q", "-b", "pr")
    edit(repo / "facts" / "reference" / "registry.yaml", "{common: [Cambs and Peterborough], variant: [Cambridge and Peterborough]}",
         "{common: [Cambs and Peterborough, Cambridge and Peterborough]}")  # silence a warning by the registry
    commit(repo, "call a variant name common")
    data = report("--base", "main")
    assert data["summary"]["verdict"] == "fail"
    gate = [(f["code"], f["severity"], f["locations"][0]["fact_file"]) for f in data["findings"] if f["rule"] == "GATE"]
    assert gate == [("GATE-story-changed", "error", "facts/reference/registry.yaml")]
    assert [f["subjects"] for f in data["findings"] if f["code"] == "NAM-variant"] == [["Cambridgeshire and Peterborough"]]  # the base's registry
    accepted = report("--base", "main", "--accept-rule-changes")
    assert accepted["summary"]["verdict"] == "pass"
    assert [(f["code"], f["severity"]) for f in accepted["findings"] if f["rule"] == "GATE"] == [("GATE-story-changed", "info")]
    assert not [f for f in accepted["findings"] if f["code"] == "NAM-variant"]  # the head's registry, as accepted
