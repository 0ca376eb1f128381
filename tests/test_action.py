"""The composite GitHub Action and the pre-commit hook, run locally.

The action's shell steps run in order with a fake GITHUB_OUTPUT and GITHUB_STEP_SUMMARY, in a shallow
clone of a repository whose pull-request branch breaks a total; the steps that use other actions
(setup-python, upload-artifact) are GitHub's and are only inspected.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml


from helpers import annotations, commit, facts_repo, git
from test_gate import DEC, line_of

REPO = Path(__file__).resolve().parent.parent
ACTION = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
EXPRESSION = re.compile(r"^\$\{\{\s*([\w.-]+)\s*\}\}$")


def evaluate(value: str, context: dict[str, str]) -> str:
    """The value of a `${{ name }}` expression from ``context`` (the only kind the action uses in env)."""
    match = EXPRESSION.match(str(value))
    return context[match.group(1)] if match else str(value)


def test_no_input_is_substituted_into_a_script():
    for step in ACTION["runs"]["steps"]:
        assert "${{" not in step.get("run", ""), f"step {step.get('name')!r} puts an expression into its script"


def test_the_report_is_uploaded_even_when_the_check_fails():
    upload = next(s for s in ACTION["runs"]["steps"] if s.get("uses", "").startswith("actions/upload-artifact"))
    assert upload["if"] == "always()" and upload["with"]["path"] == "${{ inputs.html }}"


@pytest.fixture
def pull_request(tmp_path: Path) -> tuple[Path, str]:
    """A shallow clone of a pull-request branch that breaks a total, without its base commit."""
    origin = tmp_path / "origin"
    base = facts_repo(origin)
    git(origin, "checkout", "-q", "-b", "pr")
    path = origin / DEC
    path.write_text(path.read_text(encoding="utf-8").replace('value: "29"', 'value: "31"').replace("ICSs to 29", "ICSs to 31"), encoding="utf-8")
    commit(origin, "change a total")
    clone = tmp_path / "workspace"
    subprocess.run(["git", "clone", "-q", "--depth=1", "--branch", "pr", origin.as_uri(), str(clone)], check=True)
    return clone, base


def step_outputs(text: str) -> dict[str, str]:
    """GITHUB_OUTPUT read as the runner reads it: ``name=value`` lines, and ``name<<DELIMITER`` … ``DELIMITER``
    blocks (whichever of ``=`` and ``<<`` comes first in a line decides). The action must write only blocks,
    each with a delimiter of its own that is not a plain word."""
    outputs, lines, delimiters = {}, iter(text.splitlines()), set()
    for line in lines:
        equals, heredoc = line.find("="), line.find("<<")
        assert heredoc >= 0 and (equals < 0 or heredoc < equals), f"an output not in the heredoc form: {line!r}"
        name, delimiter = line.split("<<", 1)
        assert re.fullmatch(r"ghadelimiter_[0-9a-f]{32}", delimiter) and delimiter not in delimiters, delimiter
        delimiters.add(delimiter)
        value = []
        for body in lines:
            if body == delimiter:
                break
            value.append(body)
        else:
            raise AssertionError(f"output {name!r} never ends")
        outputs[name] = "\n".join(value)
    return outputs


def run_action(workspace: Path, tmp: Path, inputs: dict[str, str], github: dict[str, str],
               factcheck: str | None = None) -> tuple[list[subprocess.CompletedProcess], dict]:
    """Run the action's shell steps as a runner would: each step's env, the outputs file, the summary.
    ``factcheck``: a shell script to run instead of factcheck (to see the arguments it is given)."""
    fake = tmp / "bin"
    fake.mkdir()
    if factcheck is not None:
        (fake / "factcheck").write_text(f"#!/bin/sh\n{factcheck}\n")
        (fake / "factcheck").chmod(0o755)
    pip_log = tmp / "pip.log"
    # `python -m pip ...` is recorded (the package is already installed here); anything else is Python.
    (fake / "python").write_text(
        f'#!/bin/sh\nif [ "$1" = "-m" ] && [ "$2" = "pip" ]; then echo "$@" >> "{pip_log}"; exit 0; fi\nexec "{sys.executable}" "$@"\n')
    (fake / "python").chmod(0o755)
    files = {"GITHUB_OUTPUT": tmp / "output", "GITHUB_STEP_SUMMARY": tmp / "summary.md"}
    for f in files.values():
        f.write_text("", encoding="utf-8")
    context = {f"inputs.{name}": str(spec.get("default", "")) for name, spec in ACTION["inputs"].items()}
    context |= github
    context |= {k: evaluate(v, context) for k, v in context.items() if k.startswith("inputs.")}
    context |= {f"inputs.{k}": v for k, v in inputs.items()}
    results = []
    for step in ACTION["runs"]["steps"]:
        if "run" not in step:
            continue
        env = {**os.environ, "PATH": f"{fake}{os.pathsep}{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
               "RUNNER_TEMP": str(tmp), **{k: str(v) for k, v in files.items()},
               **{k: evaluate(v, context) for k, v in step.get("env", {}).items()}}
        result = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", step["run"]], cwd=workspace, env=env,
                                capture_output=True, text=True, timeout=120)
        results.append(result)
        if result.returncode != 0:
            break
    outputs = step_outputs(files["GITHUB_OUTPUT"].read_text(encoding="utf-8"))
    outputs["pip"] = pip_log.read_text() if pip_log.exists() else ""
    outputs["summary"] = files["GITHUB_STEP_SUMMARY"].read_text()
    return results, outputs


def test_the_action_fails_the_pull_request_at_the_changed_line(pull_request, tmp_path):
    workspace, base = pull_request
    github = {"github.action_path": str(REPO), "github.event.pull_request.base.sha": base}
    results, outputs = run_action(workspace, tmp_path, {"paths": "facts"}, github)
    assert len(results) == 3, [(r.returncode, r.stdout, r.stderr) for r in results]
    install, fetch, check = results
    assert install.returncode == 0 and f"install --quiet -c {REPO}/constraints.txt {REPO}" in outputs["pip"]
    assert fetch.returncode == 0  # fetched the base commit the shallow clone lacked
    assert check.returncode == 1, check.stderr
    errors = [n for n in annotations(check.stdout) if n["level"] == "error"]
    assert [(n["title"], n["file"], int(n["line"])) for n in errors] == [("TOT01", DEC.as_posix(), line_of(workspace / DEC, 'value: "31"'))]
    assert outputs["verdict"] == "fail" and outputs["new"] == "1"
    assert (workspace / outputs["report"]).stat().st_size > 0
    assert "## factcheck: ❌ **FAIL**" in outputs["summary"] and "1 new" in outputs["summary"]


def test_the_action_passes_without_a_base_on_good_facts(pull_request, tmp_path):
    workspace, base = pull_request
    git(workspace, "checkout", "-q", "HEAD~0")
    (workspace / DEC).write_text((workspace / DEC).read_text(encoding="utf-8").replace('value: "31"', 'value: "29"').replace("ICSs to 31", "ICSs to 29"), encoding="utf-8")
    github = {"github.action_path": str(REPO), "github.event.pull_request.base.sha": ""}  # a push, not a pull request
    results, outputs = run_action(workspace, tmp_path, {"paths": "facts"}, github)
    assert [r.returncode for r in results] == [0, 0, 0], results[-1].stderr
    assert outputs["verdict"] == "pass" and outputs["new"] == ""


def test_a_base_cannot_pass_for_an_option_of_git(pull_request, tmp_path):
    """--upload-pack=… is a git option that runs a command; given as the base, it must be a ref, not an option."""
    workspace, base = pull_request
    marker = tmp_path / "pwned"
    github = {"github.action_path": str(REPO), "github.event.pull_request.base.sha": f"--upload-pack=touch {marker};git-upload-pack"}
    results, outputs = run_action(workspace, tmp_path, {"paths": "facts"}, github)
    assert not marker.exists()
    assert results[1].returncode != 0 and "invalid refspec" in results[1].stderr  # the fetch step refuses it


def test_paths_are_read_one_per_line_and_rule_changes_refused_unless_accepted(pull_request, tmp_path):
    workspace, base = pull_request
    log = tmp_path / "args"
    record = f'printf "%s\\n" "$@" > "{log}"'
    github = {"github.action_path": str(REPO), "github.event.pull_request.base.sha": ""}
    paths = "facts/\n  my facts/with spaces \n\n-looks-like-an-option.yaml\n"
    results, outputs = run_action(workspace, tmp_path, {"paths": paths}, github, factcheck=record)
    assert [r.returncode for r in results] == [0, 0, 0], results[-1].stderr
    args = log.read_text().splitlines()
    assert args[args.index("--"):] == ["--", "facts/", "my facts/with spaces", "-looks-like-an-option.yaml"]
    assert "--accept-rule-changes" not in args and ACTION["inputs"]["accept-rule-changes"]["default"] == "false"
    assert outputs["verdict"] == "unusable"  # the stand-in wrote no report

    (tmp_path / "bin").rename(tmp_path / "bin-1")
    run_action(workspace, tmp_path, {"paths": "facts", "accept-rule-changes": "true"}, github, factcheck=record)
    args = log.read_text().splitlines()
    assert "--accept-rule-changes" in args[:args.index("--")] and args[args.index("--"):] == ["--", "facts"]


def test_outputs_are_written_with_random_delimiters_so_a_value_cannot_set_another(pull_request, tmp_path):
    workspace, base = pull_request
    github = {"github.action_path": str(REPO), "github.event.pull_request.base.sha": base}
    html = "report.html\nverdict=pass\npwned=1"
    results, outputs = run_action(workspace, tmp_path, {"paths": "facts", "html": html}, github)
    assert results[-1].returncode == 1, results[-1].stderr
    assert outputs["report"] == html and outputs["verdict"] == "fail" and "pwned" not in outputs
    assert (workspace / html).stat().st_size > 0


# -- pre-commit ---------------------------------------------------------------------------------------------


def test_the_pre_commit_hook_checks_the_fact_files_of_the_commit(tmp_path):
    """pre-commit installs this repository's hook from a local copy (no network beyond the package
    registry it installs dependencies from) and runs it on a sample repository."""
    if shutil.which("pre-commit") is None and not (Path(sys.executable).parent / "pre-commit").exists():
        pytest.skip("pre-commit is not installed")
    pre_commit = shutil.which("pre-commit") or str(Path(sys.executable).parent / "pre-commit")
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert [h["id"] for h in hooks] == ["factcheck"]
    sample = tmp_path / "sample"
    facts_repo(sample)
    env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}

    def try_repo() -> subprocess.CompletedProcess:
        return subprocess.run([pre_commit, "try-repo", str(REPO), "factcheck", "--all-files"], cwd=sample, env=env,
                              capture_output=True, text=True, timeout=600)

    good = try_repo()
    assert good.returncode == 0, good.stdout + good.stderr
    (sample / DEC).write_text((sample / DEC).read_text(encoding="utf-8").replace('value: "29"', 'value: "31"').replace("ICSs to 29", "ICSs to 31"), encoding="utf-8")
    git(sample, "add", "-A")
    bad = try_repo()
    assert bad.returncode == 1 and "TOT01" in bad.stdout
