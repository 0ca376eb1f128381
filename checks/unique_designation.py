"""Unique designation: no area is designated in two different waves.

Two sources reporting the same area in the same wave corroborate each other (reported as info, not
flagged); one area in two different waves is an error, whichever sources say so: an area becomes an
ICS once. Names that do not resolve are left out (``names_resolve`` says so): two unknown names are
never taken for one area, nor an unknown name for a registry area.

Bad: the December 2020 list and the March 2021 list both name Devon.
Good: two sources both list Devon among the final 13 of March 2021.
"""

from __future__ import annotations

from collections.abc import Iterator

import polars as pl

from factcheck.facts.tables import Tables

from .base import Context, FindingType, Params, RuleKind, area_key, area_label, resolved, some
from .expect import Broken, Checked, Expect, polars_run, rows, with_rows
from .model import Finding


class UniqueDesignationParams(Params):
    pass


TWICE = FindingType("UNI-two-waves", "error", "{area} is designated in {n} different waves ({waves}).")
CORROBORATED = FindingType("UNI-corroborated", "info", "Wave {wave}: {sources} sources report its designations ({areas} areas); corroboration, not duplication.")


def _designations(tables: Tables) -> pl.DataFrame:
    return tables["designations"].filter(resolved()).with_columns(area_key().alias("area"), area_label().alias("label"))


def checks(tables: Tables, params: UniqueDesignationParams) -> list[Checked]:
    """Each area appears once among the distinct (area, wave) pairs designated."""
    pairs = _designations(tables).select("area", "wave").unique().sort("area", "wave")
    return [Checked(with_rows(pairs), (Expect("one_wave", "unique", "area"),))]


def report(tables: Tables, params: UniqueDesignationParams, context: Context, checked: list[Checked], broken: Broken) -> Iterator[Finding]:
    designations = _designations(tables)
    twice = rows(checked[0].frame, broken["one_wave"]).group_by("area").agg(pl.col("wave").sort())
    labels = designations.group_by("area").agg(pl.col("label").first())
    for area, waves, label in twice.join(labels, on="area").sort("area").iter_rows():
        claims = designations.filter(pl.col("area") == area)
        said = "; ".join(f"{w}: {some(claims.filter(pl.col('wave') == w)['source_id'].unique().to_list())}" for w in waves)
        yield TWICE([label], claims, expected="one wave", found=said, area=label, n=len(waves), waves=waves)
    per_wave = designations.group_by("wave").agg(
        pl.col("source_id").n_unique().alias("sources"), pl.col("area").n_unique().alias("areas")
    )
    for wave, sources, areas in per_wave.filter(pl.col("sources") > 1).sort("wave").iter_rows():
        claims = designations.filter(pl.col("wave") == wave)
        yield CORROBORATED([f"wave {wave}"], claims, wave=wave, sources=sources, areas=areas).model_copy(update={"engine": "factcheck"})  # not an expectation: the default engine


KIND = RuleKind("unique_designation", "UNI", "No area is designated in two different waves; the same wave in two sources corroborates.",
                __doc__ or "", UniqueDesignationParams, polars_run(checks, report), checks, report, (TWICE, CORROBORATED))
