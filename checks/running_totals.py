"""Running totals: wave sizes add up to every total the sources state, mergers included.

The waves are walked in order. Each adds the areas it designates and removes the early ICSs that
merged into larger ones in it. Every stated total is a checkpoint: an ICS count ("the current 14",
"brings the total to 29"), a count of STPs left (ICSs of whole footprints + STPs = the footprints of
England), or the planned final total. All checkpoints must imply the same starting count; the ones
that do not are reported with the arithmetic. Counts of footprints ("out of an original 42") must
match the registry as of their date (44 in 2016, 42 from 2018).

Bad: "14 ICSs, 3 more join" then "now 18" with no mergers -> 14 + 3 = 17, and 17 + 4 = 21, not 18.
Good: "14 ICSs; 3 join; Bucks, Berkshire West and Cumbria merge into two of them; 28 STPs left"
-> 14 + 3 - 3 = 14, and 14 + 28 = 42.
"""

from __future__ import annotations

from collections import Counter
import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import NamedTuple
from functools import cached_property

import polars as pl

from factcheck.facts.dates import parse_date
from factcheck.facts.tables import Tables

from .base import Context, FindingType, Params, RuleKind, area_key, pick, some
from .expect import Broken, Checked, Expect, polars_run
from .model import Finding


class RunningTotalsParams(Params):
    ics: str = "ics"  # measure: ICSs in England after (or before) a wave
    stp: str = "stp"  # measure: STPs not yet ICSs after a wave
    new: str = "new_ics"  # measure: areas a wave designates (or, with an as_of period, all waves in it)
    footprints: str = "footprints"  # measure: STP footprints in England
    planned: str = "planned_ics"  # measure: the planned final number of ICSs
    national_total: int | None = None  # None: the registry's footprint count as of each date


WAVE_SIZE = FindingType("TOT-wave-size", "error", "Sources disagree on how many areas wave {wave} designated: {values}.")
FOOTPRINTS = FindingType("TOT-footprints", "error", "{what} in England: the source says {value}, England had {expected} footprints then.")
PERIOD = FindingType("TOT-period", "error", "Areas designated {period}: the waves add {added}, the source says {value}.")
TOTAL = FindingType("TOT-total", "error", "{what}: the waves add up to {expected}, the source says {value}.")
MERGERS = FindingType("TOT-mergers", "info", "Wave {wave}: {before} + {added} new − {absorbed} merged = {after} ICSs, not {naive}.")
CHAIN = FindingType("TOT-chain", "info", "Running totals agree with the waves at {n} stated totals: {chain}.")


def wave_sizes(tables: Tables, params: RunningTotalsParams) -> pl.DataFrame:
    """Per wave, in order: areas it adds (stated count, else distinct designated areas) and early ICSs
    it absorbs (distinct merger subjects)."""
    counts, designations, mergers = tables["counts"], tables["designations"], tables["mergers"]
    waves = sorted(
        set(designations["wave"].to_list())
        | set(counts.filter(pl.col("wave").is_not_null())["wave"].to_list())
        | set(mergers["wave"].to_list())
    )
    stated = (
        counts.filter((pl.col("measure") == params.new) & pl.col("wave").is_not_null() & (pl.col("lo") == pl.col("hi")))
        .group_by("wave")
        .agg(pl.col("lo").mode().min().alias("stated"))
    )
    listed = designations.group_by("wave").agg(area_key().n_unique().alias("designated"))
    absorbed = mergers.group_by("wave").agg(area_key().n_unique().alias("absorbed"))
    return (
        pl.DataFrame({"wave": waves}, schema={"wave": pl.String})
        .join(stated, on="wave", how="left")
        .join(listed, on="wave", how="left")
        .join(absorbed, on="wave", how="left")
        .with_columns(
            pl.coalesce(pl.col("stated"), pl.col("designated").cast(pl.Float64), pl.lit(0.0)).alias("added"),
            pl.col("absorbed").fill_null(0).cast(pl.Float64),
        )
        .with_columns((pl.col("added") - pl.col("absorbed")).cum_sum().alias("after"))
        .with_columns(pl.col("after").shift(1, fill_value=0.0).alias("before"))
        .with_row_index("order")
    )


def _disagreeing_wave_sizes(counts: pl.DataFrame, params: RunningTotalsParams) -> Iterator[Finding]:
    per_wave = counts.filter((pl.col("measure") == params.new) & pl.col("wave").is_not_null())
    for (wave,), group in per_wave.group_by("wave", maintain_order=True):
        if group["lo"].max() > group["hi"].min():
            said = group.group_by("value").agg(pl.col("source_id").unique()).sort("value")
            values = ", ".join(f"{v} ({some(sources)})" for v, sources in said.iter_rows())
            yield WAVE_SIZE([f"wave {wave}"], group, expected="one size for the wave", found=values, wave=wave, values=values)


class Checkpoint(NamedTuple):
    """A stated ICS, STP-left or planned total, as the starting count (before the first wave) it implies."""

    row: dict  # the statement: its values, and in "row" the indices of the count claims that make it
    cum: float  # ICSs the waves add up to at its point
    lo: float  # the starting count it implies, at least ...
    hi: float  # ... and at most
    label: str  # "after wave 2020-12", "the final total"
    order: int  # the wave order at its point
    total: int  # footprints of England then


@dataclass
class Walk:
    """The waves walked in order, and every stated total as the starting count it implies."""

    waves: pl.DataFrame  # wave_sizes()
    merges: pl.DataFrame  # mergers with their area key ("entity") and wave order
    checkpoints: list[Checkpoint]
    start: float | None  # ICSs before the first wave, as most exact checkpoints imply
    total_on: Callable[[dt.date], int]  # footprints of England on a date

    def separate_after(self, order: int) -> int:
        """Early ICSs still separate after the wave of this order (they merge in a later wave)."""
        return sum(1 for merged_at in self._merged_at if merged_at > order)

    @cached_property
    def _merged_at(self) -> list[int]:
        return self.merges.group_by("entity").agg(pl.col("order").min())["order"].to_list()


def walk(tables: Tables, params: RunningTotalsParams) -> Walk:
    """The walk for these tables and parameters (made once: the rule and the report's overview share it)."""
    return tables.cached(("walk", params), lambda: _walk(tables, params))


def _walk(tables: Tables, params: RunningTotalsParams) -> Walk:
    waves = wave_sizes(tables, params)
    merges = tables["mergers"].with_columns(area_key().alias("entity")).join(waves.select("wave", "order"), on="wave")

    def total_on(day: dt.date) -> int:
        return params.national_total or tables.registry.footprint_total(day)

    result = Walk(waves, merges, [], None, total_on)
    if waves.height:
        result.checkpoints = _checkpoints(tables["counts"], result, params)
        result.start = _start(result.checkpoints) if result.checkpoints else None
    return result


def _periods(tables: Tables, params: RunningTotalsParams) -> pl.DataFrame:
    """Counts of new ICSs over a period ("none since spring last year"), one per statement, with what
    the waves inside the period add."""
    def make() -> pl.DataFrame:
        waves = walk(tables, params).waves
        wave_start = (pl.col("wave") + "-01").str.to_date("%Y-%m-%d")
        periods = (
            tables["counts"].with_row_index("row").filter((pl.col("measure") == params.new) & pl.col("wave").is_null())
            .group_by("as_of_lo", "as_of_hi", "lo", "hi", maintain_order=True).agg(pl.col("row"), pl.col("value").first())
        )  # many sources saying "none since spring" are one statement, checked once
        inside = [waves.filter(wave_start.is_between(r["as_of_lo"], r["as_of_hi"])) for r in periods.iter_rows(named=True)]
        return periods.with_columns(
            pl.Series("added", [w["added"].sum() for w in inside], dtype=pl.Float64),
            pl.Series("waves", [w["wave"].to_list() for w in inside], dtype=pl.List(pl.String)),
        )
    return tables.cached(("periods", params), make)


def _between(prefix: str) -> tuple[Expect, Expect]:
    """``lo <= expected <= hi``, as two pair comparisons."""
    return (Expect(f"{prefix}_not_below", "a_at_least_b", "expected", other="lo"),
            Expect(f"{prefix}_not_above", "a_at_least_b", "hi", other="expected"))


def checks(tables: Tables, params: RunningTotalsParams) -> list[Checked]:
    """Stated totals lie around what the registry and the waves say: footprint and planned totals
    around the registry's footprint count, period counts around what their waves add, and each
    checkpoint's implied starting count around the one most stated totals imply."""
    walked = walk(tables, params)
    counts = tables["counts"].with_row_index("row").with_columns(pl.col("row").cast(pl.Int64))
    registry = counts.filter(pl.col("measure").is_in([params.footprints, params.planned]))
    totals = {day: float(walked.total_on(day)) for day in registry["as_of_hi"].unique().to_list()}
    registry = registry.select("row", "lo", "hi", pl.col("as_of_hi").replace_strict(totals, return_dtype=pl.Float64).alias("expected"))
    periods = _periods(tables, params) if walked.waves.height else pl.DataFrame()
    periods = (periods.with_row_index("i").select(pl.col("i").cast(pl.Int64).alias("row"), "lo", "hi", pl.col("added").alias("expected"))
               if periods.height else pl.DataFrame(schema={"row": pl.Int64, "lo": pl.Float64, "hi": pl.Float64, "expected": pl.Float64}))
    points = pl.DataFrame(
        [(i, c.lo, c.hi, walked.start) for i, c in enumerate(walked.checkpoints)] if walked.start is not None else [],
        schema={"row": pl.Int64, "lo": pl.Float64, "hi": pl.Float64, "expected": pl.Float64}, orient="row",
    )
    return [Checked(registry, _between("registry")), Checked(periods, _between("period")), Checked(points, _between("start"))]


def report(tables: Tables, params: RunningTotalsParams, context: Context, checked: list[Checked], broken: Broken) -> Iterator[Finding]:
    counts = tables["counts"]
    for f in _disagreeing_wave_sizes(counts, params):  # sources against sources: the default engine
        yield f.model_copy(update={"engine": "factcheck"})
    walked = walk(tables, params)
    waves, merge_order, total_on = walked.waves, walked.merges, walked.total_on

    # Footprint and planned totals against the registry.
    for row in counts[sorted(broken["registry_not_below"] | broken["registry_not_above"])].iter_rows(named=True):
        what = "STP footprints" if row["measure"] == params.footprints else "planned ICSs"
        expected = total_on(row["as_of_hi"])
        yield FOOTPRINTS(["England"], pick(counts, row), expected=expected, found=row["value"], what=what[0].upper() + what[1:], value=row["value"],
                      explanation="The registry counts 44 STP footprints from 2016 and 42 from 2018, when three in the North East and Cumbria became one.")
    if waves.height == 0:
        return
    last = waves.row(-1, named=True)
    periods = _periods(tables, params)
    for i in sorted(broken["period_not_below"] | broken["period_not_above"]):
        row = periods.row(i, named=True)
        yield PERIOD([f"wave {w}" for w in row["waves"]] or ["England"], claims_of(counts, row), expected=row["added"], found=row["value"],
                     period=f"{row['as_of_lo']}..{row['as_of_hi']}", added=row["added"], value=row["value"])

    checkpoints, start, separate_after = walked.checkpoints, walked.start, walked.separate_after
    if start is None:
        return
    chain = _chain(waves, start, merge_order)
    for i in sorted(broken["start_not_below"] | broken["start_not_above"]):
        row, cum, lo, hi, label, order, total = checkpoints[i]
        ics_expected = start + cum
        if row["measure"] == params.stp:
            expected = total - ics_expected + separate_after(order)
            what = f"STPs left {label}"
        else:
            expected, what = ics_expected, f"ICSs {label}"
        yield TOTAL([f"wave {last['wave']}" if row["measure"] == params.planned else f"wave {row['wave']}"], claims_of(counts, row),
                    expected=expected, found=row["value"], explanation=chain, what=what[0].upper() + what[1:], value=row["value"])
    for f in _explained(tables, params, walked, chain):
        yield f.model_copy(update={"engine": "factcheck"})


def _explained(tables: Tables, params: RunningTotalsParams, walked: "Walk", chain: str) -> Iterator[Finding]:
    """Information: the merger arithmetic of each wave that absorbed early ICSs, and the whole chain."""
    waves, merge_order, start, counts = walked.waves, walked.merges, walked.start, tables["counts"]
    for w in waves.filter(pl.col("absorbed") > 0).iter_rows(named=True):
        group = merge_order.filter(pl.col("wave") == w["wave"])
        names = ", ".join(sorted({f"{a} into {b}" for a, b in group.select(pl.coalesce("area_name", "subject"), pl.coalesce("into_name", "into")).iter_rows()}))
        before, after = start + w["before"], start + w["after"]
        yield MERGERS([f"wave {w['wave']}"], group, wave=w["wave"], before=before, added=w["added"], absorbed=w["absorbed"], after=after,
                      naive=before + w["added"], explanation=f"Early ICSs became part of larger ones in this wave: {names}.")
    stated = sum(len(c.row["row"]) for c in walked.checkpoints)
    yield CHAIN(["England"], counts.filter(pl.col("measure").is_in([params.ics, params.stp, params.planned])), n=stated, chain=chain,
                  explanation="Each wave adds the areas it designates and removes the early ICSs merged into larger ones; "
                              "ICSs of whole footprints plus STPs left make the footprints of England.")


def _checkpoints(counts: pl.DataFrame, walked: Walk, params: RunningTotalsParams) -> list[Checkpoint]:
    """Every stated ICS, STP-left or planned total, as the starting count it implies (an interval)."""
    waves, total_on, separate_after = walked.waves, walked.total_on, walked.separate_after
    by_wave = {row["wave"]: row for row in waves.iter_rows(named=True)}
    last = waves.row(-1, named=True)
    checkpoints = []
    # One checkpoint per statement (the same total at the same point, from however many sources);
    # "rows" lists the claims that make it.
    statements = (
        counts.with_row_index("row").filter(pl.col("measure").is_in([params.ics, params.stp, params.planned]))
        .group_by("measure", "wave", "when", "lo", "hi", maintain_order=True)
        .agg(pl.col("row"), pl.exclude("row", "measure", "wave", "when", "lo", "hi").first())
    )
    for row in statements.iter_rows(named=True):
        if row["measure"] == params.planned:
            wave, cum, label = last, last["after"], "the final total"
        elif row["wave"] is None or row["wave"] not in by_wave:
            continue
        else:
            wave = by_wave[row["wave"]]
            cum = wave["after"] if row["when"] == "after" else wave["before"]
            label = f"{row['when']} wave {row['wave']}"
        order = wave["order"] if row["when"] == "after" or row["measure"] == params.planned else wave["order"] - 1
        total = total_on(parse_date(wave["wave"]).hi)
        if row["measure"] == params.stp:  # STPs left -> ICSs: footprints not yet ICSs, plus early ICSs not yet merged
            lo, hi = total - row["hi"] + separate_after(order), total - row["lo"] + separate_after(order)
        else:
            lo, hi = row["lo"], row["hi"]
        checkpoints.append(Checkpoint(row, cum, lo - cum, hi - cum, label, order, total))
    return checkpoints


def _start(checkpoints: list[Checkpoint]) -> float:
    """The ICS count before the first wave that most exact claims imply (earliest first on ties)."""
    exact: Counter[float] = Counter()
    for c in sorted(checkpoints, key=lambda c: c.order):
        if c.lo == c.hi:
            exact[c.lo] += len(c.row["row"])
    return exact.most_common(1)[0][0] if exact else checkpoints[0].lo


def claims_of(counts: pl.DataFrame, statement: dict) -> pl.DataFrame:
    """The count claims that make a checkpoint's statement."""
    return counts.filter(pl.int_range(pl.len()).is_in(statement["row"]))


def _chain(waves: pl.DataFrame, start: float, merges: pl.DataFrame) -> str:
    steps = [f"{start:g} before {waves['wave'][0]}"]
    for w in waves.iter_rows(named=True):
        change = f"+{w['added']:g}" + (f" −{w['absorbed']:g} merged" if w["absorbed"] else "")
        steps.append(f"{w['wave']}: {change} = {start + w['after']:g}")
    return "; ".join(steps)


KIND = RuleKind(
    name="running_totals",
    code="TOT",
    summary="Wave sizes add up to every stated total, mergers included; ICSs plus STPs left make the national total.",
    doc=__doc__ or "",
    params=RunningTotalsParams,
    run=polars_run(checks, report),
    checks=checks,
    report=report,
    findings=(WAVE_SIZE, FOOTPRINTS, PERIOD, TOTAL, MERGERS, CHAIN),
)
