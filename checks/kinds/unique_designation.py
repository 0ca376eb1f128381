"""Unique designation: no area is designated in two different waves.

Two sources reporting the same area in the same wave corroborate each other (reported as info, not
flagged); one area in two different waves is an error, whichever sources say so: an area becomes an
holder once, and so takes effect once: two effective dates of one area that cannot both be true (a
date given as a month, season or year is an interval; only intervals that do not meet conflict)
are an error too. A wave known only by its year conflicts with a designation in another year; one
known only by its order ("the third wave") is matched to the waves it can be, and a designation
outside them is a warning, since sources count waves differently. Names that do not resolve are
left out (``names_resolve`` says so): two unknown names are never taken for one area, nor an
unknown name for a registry area.

Bad: the December 2020 list and the March 2021 list both name Devon.
Good: two sources both list Devon among the final 13 of March 2021.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import polars as pl

from factcheck.facts.dates import DateInterval
from factcheck.facts.loader import wave_candidates
from factcheck.facts.tables import Tables, month_wave

from ..base import Context, FindingType, Params, RuleKind, area_key, area_label, pick, resolved, some
from ..expect import Broken, Checked, Expect, polars_run, rows, with_rows
from ..model import Finding


class UniqueDesignationParams(Params):
    pass


TWICE = FindingType("UNI-two-waves", "error", "{area} is designated in {n} different waves ({waves}).")
EFFECT_MONTH = FindingType("UNI-effect-month", "warning", "{area} is designated in wave {first} and in {later}; {later} may be the month its "
                                                         "designation took effect ({effective}), given as its wave.")
OTHER_YEAR = FindingType("UNI-other-year", "error", "{area} is designated in {vague} by {by}, but in wave {waves} by {others}.")
OTHER_ORDER = FindingType("UNI-other-order", "warning", "{area} is designated in the wave numbered {order} by {by}, but in wave {waves} by {others}, which is not among the first {order} waves known.")
EFFECTIVE = FindingType("UNI-effective", "error", "Wave {wave}: sources disagree on when its designations take effect: {dates}.")
REGISTRY_DATE = FindingType("UNI-registry-date", "error", "{area} gained the status on {registered} by the registry; the source says {effective}.")
CORROBORATED = FindingType("UNI-corroborated", "info", "Wave {wave}: {sources} sources report its designations ({areas} areas); corroboration, not duplication.")


def _designations(tables: Tables) -> pl.DataFrame:
    return tables["designations"].filter(resolved()).with_columns(area_key().alias("area"), area_label().alias("label"))


def checks(tables: Tables, params: UniqueDesignationParams) -> list[Checked]:
    """Each area appears once among the distinct (area, wave) pairs designated (waves known by month)."""
    pairs = _designations(tables).filter(month_wave()).select("area", "wave").unique().sort("area", "wave")
    return [Checked(with_rows(pairs), (Expect("one_wave", "unique", "area"),))]


def report(tables: Tables, params: UniqueDesignationParams, context: Context, checked: list[Checked], broken: Broken) -> Iterator[Finding]:
    designations = _designations(tables)
    twice = rows(checked[0].frame, broken["one_wave"]).group_by("area").agg(pl.col("wave").sort())
    labels = designations.group_by("area").agg(pl.col("label").first())
    for area, waves, label in twice.join(labels, on="area").sort("area").iter_rows():
        claims = designations.filter(pl.col("area") == area)
        said = "; ".join(f"{w}: {some(claims.filter(pl.col('wave') == w)['source_id'].unique().to_list())}" for w in waves)
        effective = _effect_months(claims.filter(pl.col("wave") == waves[0]))
        if all(w in effective for w in waves[1:]):  # a reading under which both are right: a warning that says it
            shown = ", ".join(sorted(effective[w] for w in waves[1:]))
            yield EFFECT_MONTH([label], claims, expected=f"wave {waves[0]}", found=said, area=label, first=waves[0],
                               later=" and ".join(waves[1:]), effective=shown,
                               explanation="A source may give the month a designation took effect as its wave; read so, the sources agree.")
            continue
        yield TWICE([label], claims, expected="one wave", found=said, area=label, n=len(waves), waves=waves)
    for f in (*_vague_waves(designations), *_effective_dates(designations), *_against_registry(tables, designations)):  # not expectations: the default engine
        yield f.model_copy(update={"engine": "factcheck"})
    per_wave = designations.group_by("wave").agg(
        pl.col("source_id").n_unique().alias("sources"), pl.col("area").n_unique().alias("areas")
    )
    for wave, sources, areas in per_wave.filter(pl.col("sources") > 1).sort("wave").iter_rows():
        claims = designations.filter(pl.col("wave") == wave)
        yield CORROBORATED([f"wave {wave}"], claims, wave=wave, sources=sources, areas=areas).model_copy(update={"engine": "factcheck"})  # not an expectation: the default engine


def _effect_months(claims: pl.DataFrame) -> dict[str, str]:
    """The months (as waves, '2021-04') that the effective dates these claims state fall in or span,
    each with the date as stated."""
    months: dict[str, str] = {}
    for lo, hi in claims.select("effective_lo", "effective_hi").drop_nulls().unique().iter_rows():
        day = lo
        while day <= hi and len(months) < 120:
            months.setdefault(f"{day.year}-{day.month:02d}", str(DateInterval(lo, hi)))
            day = (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    return months


def _vague_waves(designations: pl.DataFrame) -> Iterator[Finding]:
    """Designations whose wave is known only by its year or order, of areas other claims designate in a
    wave it cannot be (``facts.loader.place_waves`` has placed the ones it can be)."""
    known = sorted(designations.filter(month_wave())["wave"].unique().to_list())
    monthly = designations.filter(month_wave())
    for row in designations.filter(~month_wave()).iter_rows(named=True):
        others = monthly.filter(pl.col("area") == row["area"])
        if others.height == 0:
            continue
        waves = sorted(others["wave"].unique().to_list())
        if set(waves) & set(wave_candidates(row["wave"], known)):
            continue
        claims = pl.concat([pick(designations, row), others])
        said = dict(area=row["label"], by=row["source_id"], waves=" and ".join(waves), others=some(others["source_id"].unique().to_list()))
        if row["wave"].startswith("#"):
            yield OTHER_ORDER([row["label"]], claims, expected=f"one of the first {row['wave'][1:]} waves", found=", ".join(waves),
                              order=row["wave"][1:], **said, explanation="Waves are counted from the earliest wave the sources report; "
                              "a source that counts from a later wave would be right.")
        else:
            yield OTHER_YEAR([row["label"]], claims, expected=f"a wave in {row['wave']}", found=", ".join(waves), vague=row["wave"], **said)


def _effective_dates(designations: pl.DataFrame) -> Iterator[Finding]:
    """Areas given effective dates that cannot both be true, one finding per wave."""
    stated = designations.filter(pl.col("effective_lo").is_not_null())
    clash = (stated.group_by("area").agg(pl.col("effective_lo").max().alias("latest_start"), pl.col("effective_hi").min().alias("earliest_end"))
             .filter(pl.col("latest_start") > pl.col("earliest_end")))
    if clash.height == 0:
        return
    involved = stated.join(clash.select("area"), on="area")
    for (wave,), group in involved.group_by("wave", maintain_order=True):
        dates = (group.with_columns(pl.struct("effective_lo", "effective_hi").map_elements(
                    lambda d: str(DateInterval(d["effective_lo"], d["effective_hi"])), return_dtype=pl.String).alias("date"))
                 .group_by("date").agg(pl.col("source_id").unique().sort()).sort("date"))
        said = "; ".join(f"{d} ({some(s)})" for d, s in dates.iter_rows())
        yield EFFECTIVE(group["label"].unique().to_list(), group, expected="one effective date", found=said, wave=wave, dates=said,
                        explanation="An entity gains the status once; dates given as a month, season or year are intervals, "
                                    "and only intervals that do not meet conflict.")


def _against_registry(tables: Tables, designations: pl.DataFrame) -> Iterator[Finding]:
    """Effective dates against the day the registry dates an entity's entry, where it dates one (an
    admission day): a stated date that cannot contain it is an error."""
    entered = tables.registry.entered
    if entered.height == 0:
        return
    stated = (designations.filter(pl.col("effective_lo").is_not_null())
              .join(entered.rename({"entity": "area_code"}), on="area_code")
              .filter((pl.col("entered") < pl.col("effective_lo")) | (pl.col("entered") > pl.col("effective_hi"))))
    for row in stated.iter_rows(named=True):
        effective = str(DateInterval(row["effective_lo"], row["effective_hi"]))
        yield REGISTRY_DATE([row["label"]], pick(designations, row), expected=str(row["entered"]), found=effective, area=row["label"],
                            registered=str(row["entered"]), effective=effective,
                            explanation=f"The registry dates each entry ({tables.registry.current['source'][0]}); a date given as a month or a year "
                                        "is an interval, and only one that cannot contain the registry's day is wrong.")


KIND = RuleKind("unique_designation", "UNI", "No area is designated in two different waves; the same wave in two sources corroborates.",
                __doc__ or "", UniqueDesignationParams, polars_run(checks, report), checks, report,
                (TWICE, EFFECT_MONTH, OTHER_YEAR, OTHER_ORDER, EFFECTIVE, REGISTRY_DATE, CORROBORATED))
