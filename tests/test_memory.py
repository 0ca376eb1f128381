"""The hostile set under a 2 GB address-space limit (``ulimit -v``): no input kills the process, each
ends with an exit code of its own (0, 1 or 2) and no traceback."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

LIMIT = 2 * 1024**3
SOURCE = "source: {id: s, title: t, publisher: p, kind: news, text_file: s.txt, published: 2021-01-01}\n"


def hostile_sets(root: Path) -> dict[str, tuple[list[str], Path]]:
    """Each hostile input as (extra arguments, fact folder)."""
    sets: dict[str, tuple[list[str], Path]] = {}

    def folder(name: str, files: dict[str, str]) -> Path:
        path = root / name / "sources"
        path.mkdir(parents=True)
        for file, text in files.items():
            (path / file).write_text(text, encoding="utf-8")
        return path.parent

    claim = "claims:\n  - {{id: c, kind: {kind}, evidence: {{line: {line}, quote: q}}{rest}}}\n"
    sets["a total of 23 digits"] = ([], folder("total", {"s.yaml": SOURCE + claim.format(
        kind="count", line=1, rest=", measure: ics, subject: s, value: '99999999999999999999999', wave: 2020-12")}))
    sets["a list position of 2**31 - 1"] = ([], folder("position", {"s.yaml": SOURCE + claim.format(
        kind="list", line=1, rest=", title: t, items: [{subject: Devon, line: 1, position: 2147483647}]")}))
    sets["a line of 2**31"] = ([], folder("line", {"s.yaml": SOURCE + claim.format(
        kind="status", line=2**31, rest=", subject: Devon, status: ics, as_of: 2020-06")}))
    sets["nesting 200,000 deep"] = ([], folder("nesting", {"s.yaml": "source: " + "[" * 200_000 + "]" * 200_000 + "\n"}))
    cells = "\n".join(f"s,c{i},designation,q,1,Devon,2020-13,{'x' * 10_000},2020-12-31," for i in range(2_000))
    sets["2,000 bad cells of 10 kB"] = ([], folder("cells", {"s.yaml": SOURCE + "claims: []\n", "t.designations.csv":
                                                              "source_id,claim_id,kind,quote,source_line,subject,wave,announced_lo,announced_hi,list_id\n" + cells}))
    (root / "zero.yaml").symlink_to("/dev/zero")
    sets["--rules /dev/zero"] = (["--rules", str(root / "zero.yaml")], folder("rules", {"s.yaml": SOURCE + "claims: []\n"}))
    texts = root / "texts"
    texts.mkdir()
    (texts / "s.txt").write_text(("words of a long text " * 20 + "\n") * 19_000, encoding="utf-8")  # about 8 MB
    misplaced = "".join(f"  - {{id: q{i}, kind: status, subject: Devon, status: ics, as_of: 2020-06, evidence: {{line: 1, quote: 'nowhere {i}'}}}}\n"
                        for i in range(1_000))
    sets["1,000 misplaced quotes against 8 MB"] = (["--sources", str(texts)], folder("quotes", {"s.yaml": SOURCE + "claims:\n" + misplaced}))
    return sets


def _limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (LIMIT, LIMIT))


@pytest.mark.skipif(sys.platform != "linux", reason="RLIMIT_AS is Linux's")
def test_no_hostile_input_kills_the_process_under_a_2_gb_limit(tmp_path):
    failures = []
    for name, (extra, folder) in hostile_sets(tmp_path).items():
        done = subprocess.run([sys.executable, "-m", "factcheck.cli.main", "check", str(folder), *extra, "--html", str(tmp_path / "r.html")],
                              capture_output=True, text=True, timeout=300, preexec_fn=_limited, env={**os.environ, "POLARS_MAX_THREADS": "2"})
        if done.returncode not in (0, 1, 2) or "Traceback" in done.stderr:
            failures.append((name, done.returncode, done.stderr[-500:]))
    assert not failures
