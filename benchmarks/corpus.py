"""Precision and recall of factcheck over the corpus of real documents (``tests/corpus``).

Each document is added, on its own, to the bundled sources and checked with the source texts. Its
expected findings (``EXPECTED.yaml``, written from reading the documents and the reference data
before the checker ran on them) must be there: recall. The warnings and errors about the document's
claims should all be expected: precision. A document that does not load counts as wrong.

    python -m benchmarks.corpus [--seeds DIR]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml

from factcheck.checks.engine import check
from factcheck.checks.model import Finding, Report
from factcheck.facts.story import bundled_story_folder

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "corpus"


def expected() -> dict[str, dict]:
    return yaml.safe_load((CORPUS / "EXPECTED.yaml").read_text(encoding="utf-8"))["documents"]


def with_document(doc: str, seeds: Path, work: Path) -> Report:
    """The bundled sources plus one corpus document, checked against all their texts."""
    data, texts = work / "data", work / "texts"
    shutil.copytree(bundled_story_folder(), data)
    shutil.copy(CORPUS / "facts" / f"{doc}.yaml", data / "sources")
    shutil.copytree(seeds, texts)
    shutil.copy(CORPUS / "texts" / f"{doc}.txt", texts)
    return check([data], sources_dir=texts)


def matches(f: Finding, want: dict, doc: str) -> bool:
    """A finding is the expected one: its rule, severity and subject, about a claim of the document."""
    return (f.rule == want["rule"] and f.severity.value == want["severity"] and want["subject"] in f.subjects
            and any(loc.source_id == doc for loc in f.locations))


@dataclass
class Scored:
    doc: str
    wanted: int
    found: int  # expected findings present
    added: int  # warnings and errors about a claim of the document
    right: int  # of those, the expected ones
    errors_ok: bool  # the document loads, and has no error where none is allowed


def score(doc: str, want: dict, report: Report) -> Scored:
    added = [f for f in report.findings if f.severity.value != "info" and any(loc.source_id == doc for loc in f.locations)]
    found = sum(any(matches(f, w, doc) for f in report.findings) for w in want["findings"])
    right = sum(any(matches(f, w, doc) for w in want["findings"]) for f in added)
    usable = not report.load_errors and not report.rule_failures
    return Scored(doc, len(want["findings"]), found, len(added), right, usable and (want["errors_allowed"] or report.summary.errors == 0))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=Path, default=Path("../shared/seeds"), help="the bundled sources' texts")
    args = parser.parse_args()
    rows = []
    for doc, want in expected().items():
        with tempfile.TemporaryDirectory() as work:
            rows.append(score(doc, want, with_document(doc, args.seeds, Path(work))))
    for r in rows:
        print(f"{r.doc:45} expected {r.found}/{r.wanted}  added {r.right}/{r.added} expected  {'ok' if r.errors_ok else 'ERROR ON A CONSISTENT DOCUMENT'}")
    wanted, found = sum(r.wanted for r in rows), sum(r.found for r in rows)
    added, right = sum(r.added for r in rows), sum(r.right for r in rows)
    print(f"\n{len(rows)} documents: recall {found}/{wanted} = {found / max(wanted, 1):.0%}, precision {right}/{added} = {right / max(added, 1):.0%}, "
          f"consistent documents with an error: {sum(not r.errors_ok for r in rows)}")


if __name__ == "__main__":
    main()
