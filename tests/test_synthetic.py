"""The synthetic dataset the benchmark uses: its injected faults are exactly the errors found."""

from __future__ import annotations

import json

from benchmarks.synthetic import generate
from factcheck.checks.engine import check


def test_every_injected_fault_is_found_and_nothing_else(tmp_path):
    made = generate(2000, tmp_path / "synthetic", seed=11)
    report = check([tmp_path / "synthetic"])
    assert report.load_errors == []
    assert report.summary.claims == made["claims"] == 2000 and report.summary.sources == made["sources"]
    injected = {(f["rule"], tuple(f["subjects"])) for f in json.loads((tmp_path / "synthetic" / "injected.json").read_text())}
    errors = {(f.rule, tuple(f.subjects)) for f in report.findings if f.severity.value == "error"}
    assert errors == injected
    assert len(injected) == made["faults"] == 6


def test_without_faults_the_copies_agree(tmp_path, monkeypatch):
    import benchmarks.synthetic as synthetic

    monkeypatch.setattr(synthetic, "inject", lambda tables, copies, rng: [])
    synthetic.generate(1000, tmp_path / "clean")
    report = check([tmp_path / "clean"])
    assert report.load_errors == [] and report.summary.errors == 0
