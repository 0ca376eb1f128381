"""Real documents (tests/corpus), each added on its own to the bundled sources: the findings a careful
reader expects (EXPECTED.yaml, written before the checker ran on them) are there, each about a claim
of the document, and a document the reader calls consistent gets no error."""

from __future__ import annotations

import pytest

from benchmarks.corpus import expected, matches, with_document

EXPECTED = expected()
# Expected findings factcheck does not give yet, each a class of mistake still open (strict: fixing it fails here).
KNOWN_MISSES = {
    "c25-syics-about-2022": "names resolve without regard to the source's date: 'South Yorkshire' after July 2022 is the ICB without "
                            "Bassetlaw, not the 2020 footprint South Yorkshire and Bassetlaw",
}


@pytest.mark.parametrize("doc", [pytest.param(d, marks=pytest.mark.xfail(reason=KNOWN_MISSES[d], strict=True)) if d in KNOWN_MISSES else d
                                 for d in sorted(EXPECTED)])
def test_a_real_document_gets_the_verdict_a_careful_reader_gives(tmp_path, seeds, doc):
    want = EXPECTED[doc]
    report = with_document(doc, seeds, tmp_path)
    assert report.load_errors == []
    missing = [w for w in want["findings"] if not any(matches(f, w, doc) for f in report.findings)]
    assert not missing, [(f.rule, f.code, f.severity.value, f.subjects) for f in report.findings if f.severity.value != "info"]
    if not want["errors_allowed"]:
        assert report.summary.errors == 0, [f.message for f in report.findings if f.severity.value == "error"]
    assert (want["verdict"] == "conflicts") == want["errors_allowed"]


def test_the_corpus_holds_real_documents_with_their_addresses():
    assert len(EXPECTED) >= 12
    assert sum(w["verdict"] == "conflicts" for w in EXPECTED.values()) >= 4
    from benchmarks.corpus import CORPUS

    for doc in EXPECTED:
        text = (CORPUS / "texts" / f"{doc}.txt").read_text(encoding="utf-8")
        assert text.startswith("URL: http"), doc
        assert len(text) < 4000, f"{doc}: keep only the relevant paragraphs"
