"""Evidence: every claim's quoted span occurs in its source text, at the line it states.

Needs the folder of source texts (``--sources DIR``). Without it, one info finding says the evidence
was not verified. Whitespace is folded (a non-breaking space is a space); nothing else is forgiven.

Bad: quote "leave 29 STPs remaining" at line 9, where the text says "leave 28 STPs remaining".
Good: quote "leave 28 STPs remaining" at line 9 of the text that says so there.
"""

from __future__ import annotations

from collections.abc import Iterator

import polars as pl

from factcheck.facts.tables import Tables
from factcheck.facts.text import fold_space

from .base import Context, FindingType, Params, RuleKind, pick
from .model import Finding


NOT_VERIFIED = FindingType("EVI-not-verified", "info", "Evidence not verified: {n} quotes were not compared with their source texts (give --sources DIR).")
NO_TEXT = FindingType("EVI-no-text", "error", "The text of {source} ({file}) is not in {folder}.")
VERIFIED = FindingType("EVI-verified", "info", "Evidence verified: {verified} of {n} quotes occur in their source texts at their stated lines.")
MISPLACED = FindingType("EVI-misplaced", "error", "The quote of {claim} is not at line {line} of {file}: {where}.")


class EvidenceParams(Params):
    pass


def _fold(col: str) -> pl.Expr:
    return pl.col(col).str.replace_all(r"\s+", " ").str.strip_chars()


def run(tables: Tables, params: EvidenceParams, context: Context) -> Iterator[Finding]:
    if context.sources_dir is None:
        yield NOT_VERIFIED(["evidence"], n=tables.quote_count)
        return
    claims = tables.all_claims()
    sources = tables["sources"].select("source_id", "text_file")
    missing = sources.filter(~pl.col("text_file").is_in(list(context.source_texts)))
    for source_id, text_file in missing.iter_rows():
        yield NO_TEXT([source_id], claims.filter(pl.col("source_id") == source_id), expected=text_file, found="no such file",
                      source=source_id, file=text_file, folder=context.sources_dir)
    lines = pl.DataFrame(
        [(name, i, line) for name, text in context.source_texts.items() for i, line in enumerate(text, start=1)],
        schema={"text_file": pl.String, "source_line": pl.Int32, "text": pl.String}, orient="row",
    )
    with_text = claims.join(sources, on="source_id").filter(pl.col("text_file").is_in(list(context.source_texts)))
    checked = (
        with_text.join(lines, on=["text_file", "source_line"], how="left")
        .with_columns(_fold("quote").alias("q"), _fold("text").fill_null("").alias("t"))
        .filter(~pl.col("t").str.contains(pl.col("q"), literal=True))
    )
    verified = with_text.height - checked.height
    yield VERIFIED(["evidence"], verified=verified, n=claims.height)
    for row in checked.iter_rows(named=True):
        text = context.source_texts[row["text_file"]]
        elsewhere = [i for i, line in enumerate(text, start=1) if row["q"] in fold_space(line)]
        where = f"it occurs at line {elsewhere[0]} instead" if elsewhere else "it does not occur in the text"
        claim = pick(checked, row)
        yield MISPLACED([row["source_id"]], claim, expected=f"line {row['source_line']}: {row['q']!r}",
                        found=f"line {elsewhere[0]}" if elsewhere else (row["t"][:200] or "no such line"),
                        claim=row["claim_id"], line=row["source_line"], file=row["text_file"], where=where)


KIND = RuleKind("evidence", "EVI", "Each claim's quote occurs in its source text at the stated line (with --sources).",
                __doc__ or "", EvidenceParams, run, findings=(NOT_VERIFIED, NO_TEXT, VERIFIED, MISPLACED))
