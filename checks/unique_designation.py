"""Unique designation: no area is designated in two different waves.

Two sources reporting the same area in the same wave corroborate each other (reported as info, not
flagged); one area in two different waves is an error, whichever sources say so.

Bad: the December 2020 list and the March 2021 list both name Devon.
Good: two sources both list Devon among the final 13 of March 2021.
"""

from __future__ import annotations

from collections.abc import Iterator

import polars as pl

from factcheck.facts.tables import Tables

from .base import Context, Params, RuleKind, area_key, area_label, finding
from .model import Finding


class UniqueDesignationParams(Params):
    pass


def run(tables: Tables, params: UniqueDesignationParams, context: Context) -> Iterator[Finding]:
    designations = tables["designations"].with_columns(area_key().alias("area"), area_label().alias("label"))
    per_area = designations.group_by("area").agg(pl.col("wave").unique().sort().alias("waves"), pl.col("label").first())
    for area, waves, label in per_area.filter(pl.col("waves").list.len() > 1).sort("area").iter_rows():
        claims = designations.filter(pl.col("area") == area)
        said = "; ".join(f"{w}: {', '.join(sorted(set(claims.filter(pl.col('wave') == w)['source_id'])))}" for w in waves)
        yield finding("error", f"{label} is designated in {len(waves)} different waves ({', '.join(waves)}).", [label], claims,
                      expected="one wave", found=said)
    per_wave = designations.group_by("wave").agg(
        pl.col("source_id").n_unique().alias("sources"), pl.col("area").n_unique().alias("areas")
    )
    for wave, sources, areas in per_wave.filter(pl.col("sources") > 1).sort("wave").iter_rows():
        claims = designations.filter(pl.col("wave") == wave)
        yield finding("info", f"Wave {wave}: {sources} sources report its designations ({areas} areas); corroboration, not duplication.",
                      [f"wave {wave}"], claims)


KIND = RuleKind("unique_designation", "UNI", "No area is designated in two different waves; the same wave in two sources corroborates.",
                __doc__ or "", UniqueDesignationParams, run)
