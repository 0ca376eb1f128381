"""Counts beside lists: a list introduced by a count holds that many items, and a count of areas in a
region matches the listed areas whose registry region it is.

Also: a numbered list has no gaps or repeated numbers, and names no area twice. A region count with no
list ("the first in London") must not be exceeded by the areas designated in that region so far.
Severity: a count a list contradicts is an error (the source contradicts itself). Items whose names do
not resolve have no known region: a region count is an error only when the
unresolved items could not make up the difference. A region the registry does not know is a warning.

Bad: "the final 13" above a list of 12; "three parts of London" beside a list holding two London areas.
Good: "the final 13" above 13 names; "three parts of London" beside North West, North Central and
North East London.
"""

from __future__ import annotations

from collections.abc import Iterator

import polars as pl

from factcheck.facts.tables import Tables, month_wave

from ..base import CLAIM_COLS, Context, FindingType, Params, RuleKind, area_key, area_label, fmt_count, pick, resolved, some
from ..expect import Broken, Checked, Expect, polars_run, rows, with_rows
from ..model import Finding


class ListCountsParams(Params):
    pass


def _regions(tables: Tables) -> pl.DataFrame:
    return tables.registry.entities.select(pl.col("entity").alias("area_code"), "group")


KEYED = ("source_id", "list_id")

SIZE = FindingType("LST-size", "error", "The list '{title}' holds {n} items; the count beside it says {value}.")
UNKNOWN_REGION = FindingType("LST-unknown-region", "warning", "'{region}' is not a {group} of the registry; its count is not checked.")
REGION_IN_LIST = FindingType("LST-region", "error", "{region}: the source says {value} of its listed areas, the list holds {n} ({names}).")
REGION_BY_WAVE = FindingType("LST-region-by-wave", "error", "{region}: the source says {value} by wave {wave}, but {n} of its areas were designated by then.")
NUMBERING = FindingType("LST-numbering", "error", "List '{list}' of {source} is numbered to {top} but holds {n} items{gap}.")
TWICE = FindingType("LST-twice", "error", "List '{list}' of {source} names the same area twice.")
FINDINGS = (SIZE, UNKNOWN_REGION, REGION_IN_LIST, REGION_BY_WAVE, NUMBERING, TWICE)


def checks(tables: Tables, params: ListCountsParams) -> list[Checked]:
    """A count beside a list is at most, and at least, the number of its items."""
    sized = tables["counts"].filter(pl.col("list_id").is_not_null()).join(
        tables["lists"].select(*KEYED, "title", "n_items"), on=list(KEYED), how="left"
    ).with_columns(pl.col("n_items").cast(pl.Float64))
    return [Checked(with_rows(sized), (
        Expect("not_fewer", "a_at_least_b", "n_items", other="lo"),
        Expect("not_more", "a_at_least_b", "hi", other="n_items"),
    ))]


def report(tables: Tables, params: ListCountsParams, context: Context, checked: list[Checked], broken: Broken) -> Iterator[Finding]:
    lists, counts = tables["lists"], tables["counts"]
    for row in rows(checked[0].frame, broken["not_fewer"] | broken["not_more"]).iter_rows(named=True):
        claims = pl.concat([
            pick(counts, row).select(*CLAIM_COLS),
            pick(lists, row, on=KEYED).select(*CLAIM_COLS),
        ])
        yield SIZE([row["title"]], claims, expected=fmt_count(row["lo"], row["hi"]), found=row["n_items"],
                   title=row["title"], n=row["n_items"], value=row["value"])
    for f in _regions_and_numbering(tables):  # not said as expectations: always the default engine
        yield f.model_copy(update={"engine": "factcheck"})


def _as_registry_regions(tables: Tables) -> pl.DataFrame:
    """Region counts with their region as the registry names it ("the South West", "North East &
    Yorkshire region" are the registry's regions; null: none), and as written in ``written``."""
    normalise = tables.registry.normalise
    words = tables.registry.words
    suffix, prefix = " " + normalise(words.group.singular).split(" ")[-1], normalise(words.whole) + " "
    fold = lambda name: normalise(name).removesuffix(suffix).removeprefix(prefix)  # noqa: E731
    names = {fold(r): r for r in tables.registry.groups}
    counts = tables["region_counts"]
    written = counts["region"].unique().to_list()
    mapping = pl.DataFrame({"written": written, "as_named": [names.get(fold(w)) for w in written]}, schema={"written": pl.String, "as_named": pl.String})
    return (counts.rename({"region": "written"}).join(mapping, on="written", how="left")
            .rename({"as_named": "region"}))


def _regions_and_numbering(tables: Tables) -> Iterator[Finding]:
    items = tables["list_items"]
    regions = _regions(tables)
    regional = items.join(regions, on="area_code", how="left")
    known = tables.registry.groups
    region_counts = _as_registry_regions(tables)
    for rc in region_counts.filter(pl.col("region").is_null()).iter_rows(named=True):
        yield UNKNOWN_REGION([rc["written"]], pick(region_counts, rc), expected=" / ".join(sorted(known)), found=rc["written"], region=rc["written"])
    counted = region_counts.filter(pl.col("region").is_not_null())

    # Beside a list: the listed areas of that region, counted per list (all lists at once).
    in_list = regional.group_by("source_id", "list_id", pl.col("group").alias("region")).agg(pl.len().alias("n"))
    unknown = items.filter(~resolved()).group_by(*KEYED).agg(pl.len().alias("unknown"))
    beside = (counted.filter(pl.col("list_id").is_not_null()).join(in_list, on=["source_id", "list_id", "region"], how="left")
              .join(unknown, on=list(KEYED), how="left").with_columns(pl.col("n").fill_null(0), pl.col("unknown").fill_null(0)))
    for rc in beside.filter((pl.col("n") + pl.col("unknown") < pl.col("lo")) | (pl.col("n") > pl.col("hi"))).iter_rows(named=True):
        members = regional.filter((pl.col("source_id") == rc["source_id"]) & (pl.col("list_id") == rc["list_id"]) & (pl.col("group") == rc["region"]))
        names = ", ".join(members.select(area_label())["area_name"].to_list()) or "none"
        yield REGION_IN_LIST([rc["region"]], pl.concat([pick(region_counts, rc).select(*CLAIM_COLS), members.select(*CLAIM_COLS)]),
                             expected=fmt_count(rc["lo"], rc["hi"]), found=rc["n"], region=rc["region"], value=rc["value"], n=rc["n"], names=names,
                             explanation=f"The {tables.registry.words.group.plural} come from the registry.")

    # By a wave, with no list ("the first in London"): areas of the region designated by then.
    by_wave = counted.filter(pl.col("list_id").is_null() & month_wave())  # a year alone says too little to count by
    designated = tables["designations"].filter(month_wave()).join(regions, on="area_code")
    so_far_n: dict[tuple[str, str], int] = {}
    for region, wave in by_wave.select("region", "wave").unique().iter_rows():
        so_far_n[(region, wave)] = designated.filter((pl.col("wave") <= wave) & (pl.col("group") == region)).select(area_key()).n_unique()
    for rc in by_wave.iter_rows(named=True):
        n = so_far_n[(rc["region"], rc["wave"])]
        if n > rc["hi"]:
            so_far = designated.filter((pl.col("wave") <= rc["wave"]) & (pl.col("group") == rc["region"]))
            yield REGION_BY_WAVE([rc["region"]], pl.concat([pick(region_counts, rc).select(*CLAIM_COLS), so_far.select(*CLAIM_COLS)]),
                                 expected=f"at most {rc['hi']:g}", found=n, region=rc["region"], value=rc["value"], wave=rc["wave"], n=n)

    numbered = items.group_by(*KEYED).agg(
        pl.len().alias("n"), pl.col("position").max().alias("top"), pl.col("position").n_unique().alias("distinct"),
        pl.col("position").alias("positions"),
    )
    for row in numbered.filter((pl.col("top") != pl.col("n")) | (pl.col("distinct") != pl.col("n"))).iter_rows(named=True):
        present = set(row["positions"])
        missing = [p for p in range(1, min(row["top"], row["n"] + 100) + 1) if p not in present]  # bounded: a few are named
        gap = f" (missing {some([str(m) for m in missing][:5] + ([f'{len(missing) - 5} more'] if len(missing) > 5 else []), 'number')})" if missing else " (numbers repeat)"
        members = pick(items, row, on=KEYED)
        yield NUMBERING([row["list_id"]], members, expected=f"items numbered 1..{row['n']}", found=some([str(p) for p in sorted(present)], "number"),
                        list=row["list_id"], source=row["source_id"], top=row["top"], n=row["n"], gap=gap)
    named = items.filter(resolved()).with_columns(area_key().alias("area"))
    twice_in = named.filter(pl.col("area").is_duplicated().over(*KEYED))
    for (source_id, list_id), twice in twice_in.group_by(*KEYED, maintain_order=True):
        yield TWICE(twice.select(area_label())["area_name"].unique().to_list(), twice, expected="each area once", found=twice["subject"].to_list(),
                    list=list_id, source=source_id)


KIND = RuleKind("list_counts", "LST", "A count beside a list matches its items; region counts match the listed areas' regions.",
                __doc__ or "", ListCountsParams, polars_run(checks, report), checks, report, FINDINGS)
