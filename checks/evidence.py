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

from .base import Context, Params, RuleKind, finding, pick
from .model import Finding


class EvidenceParams(Params):
    pass


def _fold(col: str) -> pl.Expr:
    return pl.col(col).str.replace_all(r"\s+", " ").str.strip_chars()


def run(tables: Tables, params: EvidenceParams, context: Context) -> Iterator[Finding]:
    if context.sources_dir is None:
        yield finding("info", f"Evidence not verified: {tables.quote_count} quotes were not compared with their source texts (give --sources DIR).",
                      ["evidence"], None)
        return
    claims = tables.all_claims()
    sources = tables["sources"].select("source_id", "text_file")
    missing = sources.filter(~pl.col("text_file").is_in(list(context.source_texts)))
    for source_id, text_file in missing.iter_rows():
        yield finding("error", f"The text of {source_id} ({text_file}) is not in {context.sources_dir}.", [source_id],
                      claims.filter(pl.col("source_id") == source_id), expected=text_file, found="no such file")
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
    yield finding("info", f"Evidence verified: {verified} of {claims.height} quotes occur in their source texts at their stated lines.", ["evidence"], None)
    for row in checked.iter_rows(named=True):
        text = context.source_texts[row["text_file"]]
        elsewhere = [i for i, line in enumerate(text, start=1) if row["q"] in fold_space(line)]
        where = f"it occurs at line {elsewhere[0]} instead" if elsewhere else "it does not occur in the text"
        claim = pick(checked, row)
        yield finding("error", f"The quote of {row['claim_id']} is not at line {row['source_line']} of {row['text_file']}: {where}.",
                      [row["source_id"]], claim, expected=f"line {row['source_line']}: {row['q']!r}",
                      found=f"line {elsewhere[0]}" if elsewhere else (row["t"][:200] or "no such line"))


KIND = RuleKind("evidence", "EVI", "Each claim's quote occurs in its source text at the stated line (with --sources).",
                __doc__ or "", EvidenceParams, run)
