"""Evidence: every claim's quoted span occurs in its source text, at the line it states, and says
what the claim says.

The quote must hold every number of the claim's value, in digits or in words ("eleven" for 11, "a
third", "14.9m" for 14.9 million): a claim that says 43 beside a quote that says 42 is an error at the
claim's line, with or without the source texts. With the folder of source texts (``--sources DIR``),
each quote must also occur at its stated line (whitespace folded, nothing else forgiven), and the area
a claim names must be named on that line, as written or by another name of the same registry entity.
Without the texts, one info finding says the quotes were not compared with them.

Severity: every mismatch is an error at the claim's line: the claim and the words it cites disagree.
A line that names no area at all is read from its context, not a mismatch.

Bad: quote "leave 29 remaining" at line 9, where the text says "leave 28 remaining";
value "43" beside the quote "brings the total to 42".
Good: quote "leave 28 remaining" at line 9 of the text that says so there, for the value "28".
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import polars as pl

from factcheck.facts.loader import display_path
from factcheck.facts.mentions import numbers_said, unsaid
from factcheck.facts.tables import CLAIM, Tables
from factcheck.facts.text import fold_space

from ..base import Context, FindingType, Params, RuleKind, some
from ..model import Finding


NOT_VERIFIED = FindingType("EVI-not-verified", "info", "Evidence not verified: {n} quotes were not compared with their source texts (give --sources DIR).")
NO_TEXT = FindingType("EVI-no-text", "error", "The text of {source} ({file}) is not in {folder}.")
VERIFIED = FindingType("EVI-verified", "info", "Evidence verified: {verified} of {n} quotes occur in their source texts at their stated lines.")
MISPLACED = FindingType("EVI-misplaced", "error", "The quote of {claim} is not at line {line} of {file}: {where}.")


VALUE = FindingType("EVI-value", "error", "The claim says {value}; its quote says {said}.")
NAME = FindingType("EVI-name", "error", "The claim names '{name}'; line {line} of {file} names {others} instead.")


class EvidenceParams(Params):
    pass


def _said(quote: str) -> str:
    numbers = [min(m) for m in numbers_said(quote)]
    if not numbers:
        return "no number"
    shown = [f"{x / 1e6:g} million" if x >= 1e6 else f"{x:.0%}" if 0 < x < 1 else f"{x:g}" for x in numbers]
    return " and ".join(dict.fromkeys(shown))


def _values_unsaid(tables: Tables) -> Iterator[Finding]:
    """Claims whose value states a number their own quote does not."""
    for name in ("counts", "region_counts", "populations"):
        frame = tables[name]
        pairs = frame.select("value", "quote").unique()
        bad = [(v, q) for v, q in pairs.iter_rows() if unsaid(v, q)]
        if not bad:
            continue
        wrong = frame.join(pl.DataFrame(bad, schema={"value": pl.String, "quote": pl.String}, orient="row"), on=["value", "quote"], how="semi")
        for i, row in enumerate(wrong.iter_rows(named=True)):
            yield VALUE([row["source_id"]], wrong.slice(i, 1), expected=_said(row["quote"]), found=row["value"],
                        value=f"'{row['value']}'", said=_said(row["quote"]),
                        explanation="Each number of a claim's value must be said by its quote, in digits or in words; "
                                    "a transcription that changes a figure is caught here.")


def _named(tables: Tables) -> pl.DataFrame:
    """Each claim that names an area outside a list, with the name (``subject``) and its entity."""
    frames = [
        tables["designations"].filter(pl.col("list_id").is_null()),
        tables["statuses"].filter(pl.col("list_id").is_null()),
        tables["populations"].filter(pl.col("scope") == "area"),
        tables["mergers"],
    ]
    cols = [*CLAIM, "subject", "area_code"]
    into = tables["mergers"].select(*CLAIM, pl.col("into").alias("subject"), pl.col("into_code").alias("area_code"))
    return pl.concat([f.select(cols) for f in frames] + [into])


def _names_unsaid(tables: Tables, context: Context, sources: pl.DataFrame, misplaced: pl.DataFrame) -> Iterator[Finding]:
    """Claims whose quote's sentence names other entities of the registry and not theirs (by any of its
    names). The sentence is the quote and the words around it up to a full stop or a semicolon: a
    long line may mention another entity in passing ('... and Alaska natives'), which says nothing of
    the claim. A sentence that names no entity ('we joined') is read from its context, not a mismatch;
    claims whose quote is not at its line are reported as such already, and claims whose name does not
    resolve are left out (their area is unknown)."""
    registry = tables.registry
    normalise = registry.normalise
    keys_of: dict[str, list[str]] = {}
    for key, entity in registry.aliases.select("key", "entity").iter_rows():
        keys_of.setdefault(entity, []).append(key)
    official = dict(registry.entities.select("entity", "name").iter_rows())
    named = (_named(tables).filter(pl.col("area_code").is_not_null())  # an unresolved name cannot be told from another: names_resolve warns
             .join(sources, on="source_id").filter(pl.col("text_file").is_in(list(context.source_texts)))
             .join(misplaced, on=["source_id", "claim_id"], how="anti"))
    for i, row in enumerate(named.iter_rows(named=True)):
        lines = context.source_texts[row["text_file"]]
        if not 1 <= row["source_line"] <= len(lines):
            continue  # a line that does not exist is the quote's finding already
        line = f" {normalise.fold(_sentence(lines[row['source_line'] - 1], row['quote']))} "
        keys = {normalise(row["subject"]), *keys_of.get(row["area_code"] or "", [])}
        if any(f" {k} " in line for k in keys if k):
            continue
        others = sorted({official[e] for e, ks in keys_of.items() if e != row["area_code"] and any(f" {k} " in line for k in ks if k)})
        if others:
            yield NAME([row["source_id"]], named.slice(i, 1), expected=row["subject"], found=fold_space(lines[row["source_line"] - 1])[:200],
                       name=row["subject"], line=row["source_line"], file=row["text_file"], others=some([f"'{o}'" for o in others], "area"))


_SENTENCE_END = re.compile(r"[.!?;](?=\s)")


def _sentence(line: str, quote: str) -> str:
    """The sentence of ``line`` that holds ``quote`` (the whole line when the quote is not found in it)."""
    text, said = fold_space(line), fold_space(quote)
    at = text.find(said)
    if at < 0 or not said:
        return text
    start = max((m.end() for m in _SENTENCE_END.finditer(text, 0, at)), default=0)
    end = next((m.start() for m in _SENTENCE_END.finditer(text, at + len(said))), len(text))
    return text[start:end]


def _fold(col: str) -> pl.Expr:
    return pl.col(col).str.replace_all(r"\s+", " ").str.strip_chars()


def _first_lines(lines: pl.DataFrame, failing: pl.DataFrame) -> dict[tuple[str, str], int]:
    """The first line of its text where each misplaced quote does occur: one Aho-Corasick pass over
    each text for all its quotes (polars' ``extract_many``), so the time grows with the text plus the
    quotes, never with their product."""
    out: dict[tuple[str, str], int] = {}
    for (text_file,), group in failing.group_by("text_file"):
        patterns = [q for q in group["q"].unique().to_list() if q]
        if not patterns:
            continue
        hits = (lines.filter(pl.col("text_file") == text_file)
                .select("source_line", _fold("text").str.extract_many(patterns, overlapping=True).alias("q"))
                .explode("q").drop_nulls("q").group_by("q").agg(pl.col("source_line").min()))
        out.update({(text_file, q): line for q, line in hits.iter_rows()})
    return out


def run(tables: Tables, params: EvidenceParams, context: Context) -> Iterator[Finding]:
    yield from _values_unsaid(tables)
    if context.sources_dir is None:
        yield NOT_VERIFIED(["evidence"], n=tables.quote_count)
        return
    claims = tables.all_claims()
    sources = tables["sources"].select("source_id", "text_file")
    missing = sources.filter(~pl.col("text_file").is_in(list(context.source_texts)))
    for source_id, text_file in missing.iter_rows():
        yield NO_TEXT([source_id], claims.filter(pl.col("source_id") == source_id), expected=text_file, found="no such file",
                      source=source_id, file=text_file, folder=display_path(context.sources_dir))
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
    yield from _names_unsaid(tables, context, sources, checked.select("source_id", "claim_id"))
    verified = with_text.height - checked.height
    yield VERIFIED(["evidence"], verified=verified, n=claims.height)
    first_line = _first_lines(lines, checked)
    for i, row in enumerate(checked.iter_rows(named=True)):
        elsewhere = first_line.get((row["text_file"], row["q"]))
        where = f"it occurs at line {elsewhere} instead" if elsewhere else "it does not occur in the text"
        yield MISPLACED([row["source_id"]], checked.slice(i, 1), expected=f"line {row['source_line']}: {row['q']!r}",
                        found=f"line {elsewhere}" if elsewhere else (row["t"][:200] or "no such line"),
                        claim=row["claim_id"], line=row["source_line"], file=row["text_file"], where=where)


KIND = RuleKind("evidence", "EVI", "Each claim's quote occurs in its source text at the stated line (with --sources).",
                __doc__ or "", EvidenceParams, run, findings=(NOT_VERIFIED, NO_TEXT, VERIFIED, MISPLACED, VALUE, NAME))
