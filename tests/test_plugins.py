"""Rule kinds as plugins: a package installed beside factcheck declares a kind in the entry-point group
``factcheck.rules``; a rules file uses it like a kind of factcheck's own. A clash of names or codes is
refused with both origins named; a plugin that cannot be loaded is a rule failure, never silence."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from factcheck.facts.story import bundled_story_folder

PLUGIN = '''
from factcheck.checks.base import FindingType, Params, RuleKind

SAID = FindingType("TNY-sources", "warning", "{n} sources, counted by a plugin.")


class TinyParams(Params):
    pass


def run(tables, params, context):
    yield SAID(["sources"], n=tables["sources"].height)


KIND = RuleKind("tiny", "{code}", "Counts the sources (a plugin).", "A plugin's rule kind.", TinyParams, run, findings=(SAID,))
'''


def install(site: Path, code: str = "TNY", entry: str = "tinyplug:KIND") -> None:
    """Install the package 'tinyplug' into ``site`` as pip would: the module and its dist-info."""
    (site / "tinyplug").mkdir(parents=True)
    (site / "tinyplug" / "__init__.py").write_text(PLUGIN.replace("{code}", code), encoding="utf-8")
    info = site / "tinyplug-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: tinyplug\nVersion: 0.1\n", encoding="utf-8")
    (info / "entry_points.txt").write_text(f"[console_scripts]\nnot-this = x:y\n\n[factcheck.rules]\ntiny = {entry}\n", encoding="utf-8")


def check_with(site: Path, tmp: Path) -> subprocess.CompletedProcess:
    rules = tmp / "rules.yaml"
    rules.write_text((bundled_story_folder() / "rules.yaml").read_text(encoding="utf-8")
                     + "\n  - code: TNY01\n    kind: tiny\n    severity: warning\n    description: Count the sources.\n", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": f"{site}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    return subprocess.run([sys.executable, "-m", "factcheck.cli.main", "check", "--rules", str(rules), "--format", "json"],
                          capture_output=True, text=True, timeout=120, env=env)


def test_an_installed_plugin_kind_runs_like_a_kind_of_factchecks_own(tmp_path):
    install(tmp_path / "site")
    done = check_with(tmp_path / "site", tmp_path)
    report = json.loads(done.stdout)
    [tiny] = [f for f in report["findings"] if f["rule"] == "TNY01"]
    assert (tiny["code"], tiny["severity"], tiny["message"]) == ("TNY-sources", "warning", "5 sources, counted by a plugin.")
    assert done.returncode == 0 and not report["rule_failures"]


def test_a_plugin_whose_code_clashes_is_refused_naming_both_origins(tmp_path):
    install(tmp_path / "site", code="TOT")
    done = check_with(tmp_path / "site", tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    [failure] = json.loads(done.stdout)["rule_failures"]
    assert "package tinyplug (entry point tiny = tinyplug:KIND)" in failure and "'running_totals' (TOT) of factcheck" in failure


def test_a_plugin_that_cannot_be_loaded_is_a_rule_failure(tmp_path):
    install(tmp_path / "site", entry="tinyplug:MISSING")
    done = check_with(tmp_path / "site", tmp_path)
    assert done.returncode == 2 and "rule kind plugin package tinyplug" in done.stderr and "AttributeError" in done.stderr
