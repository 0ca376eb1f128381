"""schema.org ``ClaimReview`` JSON-LD: the format search engines and fact-checkers exchange reviews in.

One review per claim that a warning or an error concerns (info findings say what was checked, not
that a claim is doubtful). ``itemReviewed`` is the claim (its source's publisher, date and address),
``claimReviewed`` the claim's words as its source has them, and ``reviewRating`` says the worst finding
about it: an error is "Contradicted by other sources" (1 of 3), a warning "Depends on a reading" (2 of
3); the explanation is the findings' messages. The reviewer is factcheck, and the review's date the
check's. Everything here comes from the report: JSON escapes it, and nothing is executed.
"""

from __future__ import annotations

import json
from collections import defaultdict

from factcheck.checks.model import Finding, Report, Severity, SourceInfo

RATINGS = {
    Severity.error: (1, "Contradicted by other sources"),
    Severity.warning: (2, "Depends on a reading"),
}
BEST, WORST = 3, 1  # 3 would be "consistent": a claim no finding concerns gets no review


def reviews(report: Report, url: str | None = None) -> list[dict]:
    """The ClaimReview objects of a report; ``url``: where the report is published (each review's
    ``url`` is it with the claim's anchor)."""
    about: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    quotes: dict[tuple[str, str], str] = {}
    for f in report.findings:
        if f.severity not in RATINGS:
            continue
        for loc in f.locations:
            about[(loc.source_id, loc.claim_id)].append(f)
            quotes.setdefault((loc.source_id, loc.claim_id), loc.quote)
    sources = {s.source_id: s for s in report.sources}
    day = report.checked_at[:10]
    out = []
    for (source_id, claim_id), findings in sorted(about.items()):
        worst = max(findings, key=lambda f: f.severity.rank).severity
        value, name = RATINGS[worst]
        review = {
            "@context": "https://schema.org",
            "@type": "ClaimReview",
            "datePublished": day,
            "author": {"@type": "Organization", "name": "factcheck"},
            "claimReviewed": quotes[(source_id, claim_id)],
            "itemReviewed": _claim(sources.get(source_id), source_id),
            "reviewRating": {
                "@type": "Rating", "ratingValue": value, "bestRating": BEST, "worstRating": WORST, "alternateName": name,
                "ratingExplanation": " ".join(dict.fromkeys(f"[{f.code}] {f.message}" for f in findings)),
            },
            "identifier": f"{source_id}:{claim_id}",
        }
        if url:
            review["url"] = f"{url}#claim-{source_id}-{claim_id}"
        out.append(review)
    return out


def _claim(source: SourceInfo | None, source_id: str) -> dict:
    """The claim reviewed: who published it, when, and where it appears."""
    if source is None:
        return {"@type": "Claim", "name": source_id}
    claim: dict = {"@type": "Claim", "author": {"@type": "Organization", "name": source.publisher},
                   "datePublished": source.published.partition("..")[0]}  # an undated source: the earliest it can be
    appearance = {"@type": "CreativeWork", "headline": source.title, **({"url": source.url} if source.url else {})}
    claim["appearance"] = appearance
    claim["firstAppearance"] = appearance
    return claim


def render(report: Report, url: str | None = None) -> str:
    """The reviews as JSON-LD, safe to embed in a page's ``<script type="application/ld+json">``: '<',
    '>' and '&' are escaped (they occur only inside strings, where the escape means the same)."""
    text = json.dumps(reviews(report, url), indent=1, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
