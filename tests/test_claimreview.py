"""ClaimReview JSON-LD (``--claimreview FILE``): one review per claim a warning or error concerns, in
the schema.org vocabulary, with the properties Google's fact-check markup requires."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from factcheck.cli.main import app

REPO = Path(__file__).resolve().parent.parent
US = REPO / "examples" / "us-states"

# The schema.org vocabulary the reviews may use: each type's properties (its own and those it inherits
# from Review, CreativeWork and Thing), as https://schema.org/ClaimReview, /Claim, /Rating,
# /Organization and /CreativeWork list them.
THING = {"@type", "@context", "name", "alternateName", "identifier", "url", "description"}
CREATIVE_WORK = THING | {"author", "datePublished", "headline", "dateCreated", "publisher"}
VOCABULARY = {
    "ClaimReview": CREATIVE_WORK | {"claimReviewed", "itemReviewed", "reviewRating", "reviewBody"},
    "Claim": CREATIVE_WORK | {"appearance", "firstAppearance", "claimInterpreter"},
    "Rating": THING | {"ratingValue", "bestRating", "worstRating", "ratingExplanation", "reviewAspect", "author"},
    "Organization": THING,
    "CreativeWork": CREATIVE_WORK,
}
# Google's ClaimReview markup: required claimReviewed, reviewRating with alternateName (and the numbers
# when a numeric rating is given), author; itemReviewed a Claim with its author, date and appearance.
REQUIRED = {
    "ClaimReview": {"claimReviewed", "reviewRating", "author", "itemReviewed", "datePublished"},
    "Rating": {"alternateName", "ratingValue", "bestRating", "worstRating"},
    "Claim": {"author", "datePublished", "appearance"},
    "Organization": {"name"},
}


def conforms(node: object, where: str = "$") -> list[str]:
    """What is wrong with a JSON-LD node: unknown types, properties outside the vocabulary, missing required ones."""
    if isinstance(node, list):
        return [p for i, n in enumerate(node) for p in conforms(n, f"{where}[{i}]")]
    if not isinstance(node, dict):
        return []
    kind = node.get("@type")
    if kind not in VOCABULARY:
        return [f"{where}: type {kind!r} is not one of {sorted(VOCABULARY)}"]
    problems = [f"{where}.{k}: not a property of {kind}" for k in node if k not in VOCABULARY[kind]]
    problems += [f"{where}: {kind} needs {k}" for k in sorted(REQUIRED.get(kind, set()) - node.keys())]
    return problems + [p for k, v in node.items() for p in conforms(v, f"{where}.{k}")]


@pytest.fixture(scope="module")
def us_reviews(tmp_path_factory) -> tuple[list[dict], dict]:
    out = tmp_path_factory.mktemp("cr")
    result = CliRunner().invoke(app, ["check", str(US), "--claimreview", str(out / "cr.json"), "--json", str(out / "r.json")])
    assert result.exit_code == 1
    return json.loads((out / "cr.json").read_text(encoding="utf-8")), json.loads((out / "r.json").read_text(encoding="utf-8"))


@pytest.mark.no_story
def test_every_review_is_in_the_schema_org_vocabulary_with_the_required_properties(us_reviews):
    reviews, _ = us_reviews
    assert reviews and all(r["@context"] == "https://schema.org" for r in reviews)
    assert conforms(reviews) == []


@pytest.mark.no_story
def test_one_review_per_claim_a_warning_or_error_concerns_rated_by_the_worst(us_reviews):
    reviews, report = us_reviews
    concerned: dict[str, str] = {}
    for f in report["findings"]:
        if f["severity"] in ("error", "warning"):
            for loc in f["locations"]:
                key = f"{loc['source_id']}:{loc['claim_id']}"
                concerned[key] = "error" if "error" in (f["severity"], concerned.get(key)) else "warning"
    assert sorted(r["identifier"] for r in reviews) == sorted(concerned)
    michigan = next(r for r in reviews if r["identifier"] == "s08-roark-admission-dates:michigan-admitted")
    assert michigan["reviewRating"]["ratingValue"] == 1 and michigan["reviewRating"]["alternateName"] == "Contradicted by other sources"
    assert "[UNI-registry-date] Michigan gained the status on 1837-01-26" in michigan["reviewRating"]["ratingExplanation"]
    assert michigan["claimReviewed"] and michigan["itemReviewed"]["datePublished"] == "2016-01-01"
    assert michigan["itemReviewed"]["appearance"]["url"].startswith("http")


@pytest.mark.no_story
def test_a_clean_check_reviews_nothing_and_hostile_words_stay_inert(tmp_path):
    story = tmp_path / "league"
    assert CliRunner().invoke(app, ["init", str(story)]).exit_code == 0
    assert CliRunner().invoke(app, ["check", str(story), "--claimreview", str(tmp_path / "clean.json")]).exit_code == 0
    assert json.loads((tmp_path / "clean.json").read_text(encoding="utf-8")) == []
    facts = story / "sources" / "herald-2020.yaml"
    facts.write_text(facts.read_text(encoding="utf-8").replace("publisher: The Example Herald", 'publisher: "</script><b>x</b> & co"')
                     .replace("value: about 120,000", "value: about 900,000"), encoding="utf-8")
    CliRunner().invoke(app, ["check", str(story), "--claimreview", str(tmp_path / "cr.json")])
    text = (tmp_path / "cr.json").read_text(encoding="utf-8")
    assert "</script>" not in text and "<b>" not in text and "\\u003c/script\\u003e" in text
    (review,) = [r for r in json.loads(text) if r["identifier"].endswith("northvale-people")]
    assert review["itemReviewed"]["author"]["name"] == "</script><b>x</b> & co"  # the same words, once parsed
