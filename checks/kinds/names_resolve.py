"""Names resolve: every area a claim names is one entity of the registry.

A name resolves exactly, through an alias, or through the registry's normaliser — never by
similarity. Official names, common short forms and former names ("Derbyshire", "Sussex", "Bucks")
pass quietly. A name the registry knows only as a non-official variant is a warning naming the
official form. A name that does not resolve (a misspelling, a county, a place the registry does not
hold) stays unresolved: a warning, with the closest registry name as a suggestion only, and the rules
that reason about an area's identity (unique designation, lists, region counts, populations of
areas, statuses) leave its claims out, said once as info. Severity: an unresolved name is a reading
the registry cannot confirm, not a contradiction between sources, so never an error.

Bad: "Lincolnshre" (warning: unresolved; did you mean Lincolnshire?); "Atlantis" (warning: unresolved).
Good: "Herefordshire & Worcestershire" ("&" for "and"); "The North East and North Cumbria" (common form).
"""

from __future__ import annotations

from collections.abc import Iterator

import polars as pl

from factcheck.facts.tables import Tables

from ..base import CLAIM_COLS, Context, FindingType, Params, RuleKind, some
from ..expect import Broken, Checked, Expect, polars_run, rows, with_rows
from ..model import Finding

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
        tables["extras"].select(*NAMED),
        mergers.select(*CLAIM_COLS, *[pl.col("into").alias("subject"), pl.col("into_name").alias("area_name"),
                                     pl.col("into_match").alias("name_match"), pl.lit(None, pl.String).alias("suggestion")]),
    ])


VARIANT = FindingType("NAM-variant", "warning", "'{name}' is not the official name; the registry calls it '{official}'.")
UNRESOLVED = FindingType("NAM-unresolved", "warning", "'{name}' names no area of the registry{hint}; its claims are left out of the rules that compare areas.")
LEFT_OUT = FindingType("NAM-left-out", "info", "{n} claims left out: names that do not resolve ({names}).")


def checks(tables: Tables, params: NamesResolveParams) -> list[Checked]:
    """Every name resolves, and resolves as an official, common or former name (warnings)."""
    return [Checked(with_rows(named_areas(tables)), (
        Expect("resolves", "not_in_set", "name_match", ("unknown",)),
        Expect("official", "in_set", "name_match", ("official", "common", "former", "unknown")),
    ))]


def report(tables: Tables, params: NamesResolveParams, context: Context, checked: list[Checked], broken: Broken) -> Iterator[Finding]:
    odd = rows(checked[0].frame, broken["resolves"] | broken["official"]).drop("row")
    for (subject, match), claims in odd.group_by("subject", "name_match", maintain_order=True):
        official, suggestion = claims["area_name"][0], claims["suggestion"][0]
        if match == "variant":
            yield VARIANT([official], claims, expected=official, found=subject, name=subject, official=official,
                          explanation="A known variant: it resolves, but the official form is better.")
        else:
            yield UNRESOLVED([subject], claims, expected=suggestion or "a registry name or alias", found=subject, name=subject,
                             hint=f" (did you mean '{suggestion}'?)" if suggestion else "",
                             explanation="Names resolve exactly, through an alias or the registry's normalisation; a similar name is never taken for another. "
                                         "Add the name to the registry's aliases if it is one.")
    unresolved = odd.filter(pl.col("name_match") == "unknown")
    if unresolved.height:
        names = sorted(unresolved["subject"].unique().to_list())
        yield LEFT_OUT(names[:10], unresolved, n=unresolved.select(pl.struct("source_id", "claim_id").n_unique()).item(),
                       names=some([f"'{n}'" for n in names], "name"),
                       explanation="Unique designation, lists, region counts, populations of areas and statuses leave these claims out.")


KIND = RuleKind("names_resolve", "NAM", "Each area name resolves to one registry entry; variants and unresolved names are warned.",
                __doc__ or "", NamesResolveParams, polars_run(checks, report), checks, report, (VARIANT, UNRESOLVED, LEFT_OUT))
