"""Names resolve: every area a claim names is one entity of the registry.

Official names and common short forms ("Derbyshire", "Sussex", "Bucks") pass quietly. A name the
registry knows only as a non-official variant, or one that merely comes close to a registry name (a
misspelling), is a warning naming the official form. A name close to nothing is an error with the
closest suggestion.

Bad: "Lincolnshre" (warning: read as Lincolnshire); "Atlantis and Lyonesse" (error: unknown).
Good: "Herefordshire & Worcestershire" ("&" for "and"); "The North East and North Cumbria" (common form).
"""

from __future__ import annotations

from collections.abc import Iterator

import polars as pl

from factcheck.facts.tables import Tables

from .base import CLAIM_COLS, Context, Params, RuleKind, finding
from .expect import Broken, Checked, Expect, polars_run, rows, with_rows
from .model import Finding

NAMED = CLAIM_COLS + ["subject", "area_name", "name_match", "suggestion"]


class NamesResolveParams(Params):
    pass


def named_areas(tables: Tables) -> pl.DataFrame:
    """Every place a claim names an area, once (list items stand for the designations they imply)."""
    mergers = tables["mergers"]
    return pl.concat([
        tables["list_items"].select(*NAMED),
        tables["designations"].filter(pl.col("list_id").is_null()).select(*NAMED),
        tables["statuses"].filter(pl.col("list_id").is_null()).select(*NAMED),
        tables["populations"].filter(pl.col("scope") == "area").select(*NAMED),
        mergers.select(*NAMED),
        mergers.select(*CLAIM_COLS, *[pl.col("into").alias("subject"), pl.col("into_name").alias("area_name"),
                                     pl.col("into_match").alias("name_match"), pl.lit(None, pl.String).alias("suggestion")]),
    ])


def checks(tables: Tables, params: NamesResolveParams) -> list[Checked]:
    """Every name resolves (error), and resolves as an official or common name (warning)."""
    return [Checked(with_rows(named_areas(tables)), (
        Expect("resolves", "not_in_set", "name_match", ("unknown",)),
        Expect("official", "in_set", "name_match", ("official", "common", "unknown")),
    ))]


def report(tables: Tables, params: NamesResolveParams, context: Context, checked: list[Checked], broken: Broken) -> Iterator[Finding]:
    odd = rows(checked[0].frame, broken["resolves"] | broken["official"]).drop("row")
    for (subject, match), claims in odd.group_by("subject", "name_match", maintain_order=True):
        official, suggestion = claims["area_name"][0], claims["suggestion"][0]
        if match == "variant":
            yield finding("warning", f"'{subject}' is not the official name; the registry calls it '{official}'.", [official], claims,
                          expected=official, found=subject, explanation="A known variant: it resolves, but the official form is better.")
        elif match == "close":
            yield finding("warning", f"'{subject}' is not a registry name; read as '{official}', the closest one.", [official], claims,
                          expected=official, found=subject, explanation="No registry name or alias matches exactly; the closest is used for the other rules.")
        else:
            yield finding("error", f"'{subject}' names no area of the registry" + (f"; the closest is '{suggestion}'." if suggestion else "."),
                          [subject], claims, expected=suggestion or "a registry name", found=subject)


KIND = RuleKind("names_resolve", "NAM", "Each area name resolves to one registry entry; variants are warned, unknown names are errors.",
                __doc__ or "", NamesResolveParams, polars_run(checks, report), checks, report)
