"""Running totals: wave sizes add up to every total the sources state, mergers included.

The waves are walked in order. Each adds the entities it gives the story's status and removes the
past entities that merged into larger ones in it. Every stated total is a checkpoint: a count of the
status's holders ("the current 14", "brings the total to 29", "the 49th state"), a count of those
left without it (holders + those left = the entities of the whole, from the registry's history), or
the planned final total. All checkpoints must imply the same starting count; the ones that do not are
reported with the arithmetic. Counts of all the entities ("out of an original 42") must match the
registry as of their date. A total as of a date, not a wave, must be what the waves add up to at that
date; where the registry dates every entity's entry, it is checked against those dates too.

Severity: totals the waves cannot add up to under any reading are errors (with the arithmetic); when
the totals before some waves agree among themselves and those after them too, the waves between are
blamed. A total that was true only before the source's date is a warning saying until when it was true
(the source may cite an old count); a count of a wave known only by its year or order that none of the
waves it can be bears out is a warning (the dataset may not know every wave).

Bad: "14 hold it, 3 more join" then "now 18" with no mergers -> 14 + 3 = 17, and 17 + 4 = 21, not 18.
Good: "14 hold it; 3 join; 3 small ones merge into two of them; 28 left" -> 14 + 3 - 3 = 14, and
14 + 28 = 42.
"""

from __future__ import annotations

from collections import Counter
import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import NamedTuple
from functools import cached_property

import polars as pl
from pydantic import Field

from factcheck.facts.dates import DateInterval, parse_date
from factcheck.facts.loader import wave_candidates
from factcheck.facts.story import Vocabulary
from factcheck.facts.tables import Tables, month_wave

from ..base import CLAIM_COLS, Context, FindingType, Params, RuleKind, area_key, fmt_count, pick, some
from ..expect import Broken, Checked, Expect, polars_run
from ..model import Finding


class RunningTotalsParams(Params):
    status_measure: str | None = Field(None, description="the measure of counts of the status's holders after (or before) a wave (none: the story's status code)")
    before_measure: str | None = Field(None, description="the measure of counts of entities left without the status (none: the story's `before` code)")
    new_measure: str | None = Field(None, description="the measure of counts of entities a wave adds, or with an as_of period all waves in it (none: new_<status>)")
    entities_measure: str | None = Field(None, description="the measure of counts of all the entities of the whole (none: the story's plural for an entity)")
    planned_measure: str | None = Field(None, description="the measure of the planned final number of holders (none: planned_<status>)")
    national_total: int | None = Field(None, ge=1, le=1_000_000, description="the number of entities in the whole; none: the registry's count as of each date")

    def for_story(self, words: Vocabulary) -> "RunningTotalsParams":
        """The measures the story's vocabulary names, where the rules file leaves them unset."""
        return self.model_copy(update={
            "status_measure": self.status_measure or words.status.code,
            "before_measure": self.before_measure or (words.before.code if words.before else "not_" + words.status.code),
            "new_measure": self.new_measure or words.new,
            "entities_measure": self.entities_measure or words.entities_code,
            "planned_measure": self.planned_measure or words.planned,
        })


WAVE_SIZE = FindingType("TOT-wave-size", "error", "Sources disagree on how many {entities} wave {wave} added: {values}.")
WHOLE = FindingType("TOT-whole", "error", "{what} in {whole}: the source says {value}, {whole} had {expected} {entities} then.")
PERIOD = FindingType("TOT-period", "error", "Areas designated {period}: the waves add {added}, the source says {value}.")
TOTAL = FindingType("TOT-total", "error", "{what}: the waves add up to {expected}, the source says {value}.")
GAP = FindingType("TOT-gap", "error", "From {first} to {last} the stated totals grow by {grew}, but the waves between add {added} ({sizes}).")
STALE = FindingType("TOT-stale", "warning", "{what} as of {as_of}: the source says {value}, the count {until}; the waves add up to {expected} by then.")
AS_OF = FindingType("TOT-as-of", "error", "{what} as of {as_of}: the source says {value}; the waves add up to {expected} then, and the count was never {value} before.")
UNCHECKED = FindingType("TOT-vague-unchecked", "warning", "{value} new {statuses} in {vague}: no wave the sources date can be it, so the count is not checked.")
VAGUE = FindingType("TOT-vague-wave", "warning", "{value} new {statuses} in {vague}: no wave it can be ({candidates}) holds that many, nor all of them together.")
UNPLACED = FindingType("TOT-unplaced", "info", "{n} claims are left out of the running totals: {why}.")
DOUBLE = FindingType("TOT-double-count", "error", "{area} is counted beside the {value} {what}, but it is one of them: designated in wave {wave}.")
MERGERS = FindingType("TOT-mergers", "info", "Wave {wave}: {before} + {added} new − {absorbed} merged = {after} {statuses}, not {naive}.")
CHAIN = FindingType("TOT-chain", "info", "Running totals agree with the waves at {n} stated totals: {chain}.")


def wave_sizes(tables: Tables, params: RunningTotalsParams) -> pl.DataFrame:
    """Per wave, in order: entities it adds (stated count, else distinct designated entities) and past entities
    it absorbs (distinct merger subjects)."""
    counts, designations, mergers = (tables[t].filter(month_wave()) for t in ("counts", "designations", "mergers"))
    waves = sorted(
        set(designations["wave"].to_list())
        | set(counts.filter(pl.col("wave").is_not_null())["wave"].to_list())
        | set(mergers["wave"].to_list())
    )
    stated = (
        counts.filter((pl.col("measure") == params.new_measure) & pl.col("wave").is_not_null() & (pl.col("lo") == pl.col("hi")))
        .group_by("wave")
        .agg(pl.col("lo").mode().min().alias("stated"))
    )
    # An entity gains the status once: counted at the first wave that gives it (a second wave is
    # unique_designation's finding, not a second holder).
    first = designations.with_columns(area_key().alias("area")).group_by("area").agg(pl.col("wave").min())
    listed = first.group_by("wave").agg(pl.len().alias("designated"))
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
    per_wave = counts.filter((pl.col("measure") == params.new_measure) & month_wave())
    for (wave,), group in per_wave.group_by("wave", maintain_order=True):
        if group["lo"].max() > group["hi"].min():
            said = group.group_by("value").agg(pl.col("source_id").unique()).sort("value")
            values = ", ".join(f"{v} ({some(sources)})" for v, sources in said.iter_rows())
            yield WAVE_SIZE([f"wave {wave}"], group, expected="one size for the wave", found=values, wave=wave, values=values)


class Checkpoint(NamedTuple):
    """A stated total of holders, of those left, or planned, as the starting count (before the first wave) it implies."""

    row: dict  # the statement: its values, and in "row" the indices of the count claims that make it
    cum: float  # holders the waves add up to at its point
    lo: float  # the starting count it implies, at least ...
    hi: float  # ... and at most
    label: str  # "after wave 2020-12", "the final total"
    order: int  # the wave order at its point
    total: int  # entities of the whole then


@dataclass
class Walk:
    """The waves walked in order, and every stated total as the starting count it implies."""

    waves: pl.DataFrame  # wave_sizes()
    merges: pl.DataFrame  # mergers with their area key ("entity") and wave order
    checkpoints: list[Checkpoint]
    start: float | None  # holders before the first wave, as most exact checkpoints imply
    total_on: Callable[[dt.date], int]  # entities of the whole on a date
    totals_between: Callable[[dt.date, dt.date], tuple[int, int]]  # the fewest and most entities some day between two dates

    def separate_after(self, order: int) -> int:
        """Past entities still separate after the wave of this order (they merge in a later wave)."""
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
        return params.national_total or tables.registry.entity_total(day)

    def totals_between(first: dt.date, last: dt.date) -> tuple[int, int]:
        if params.national_total:
            return params.national_total, params.national_total
        return tables.registry.entity_totals_between(first, last)

    result = Walk(waves, merges, [], None, total_on, totals_between)
    if waves.height:
        result.checkpoints = _checkpoints(tables["counts"], result, params)
        result.start = _start(result.checkpoints) if result.checkpoints else None
    return result


def _periods(tables: Tables, params: RunningTotalsParams) -> pl.DataFrame:
    """Counts of new holders over a period ("none since spring last year"), one per statement, with what
    the waves inside the period add."""
    def make() -> pl.DataFrame:
        waves = walk(tables, params).waves
        wave_start = (pl.col("wave") + "-01").str.to_date("%Y-%m-%d")
        periods = (
            tables["counts"].with_row_index("row").filter((pl.col("measure") == params.new_measure) & pl.col("wave").is_null())
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
    """Stated totals lie around what the registry and the waves say: totals of all the entities and planned totals
    around the registry's count, period counts around what their waves add, and each
    checkpoint's implied starting count around the one most stated totals imply."""
    walked = walk(tables, params)
    counts = tables["counts"].with_row_index("row").with_columns(pl.col("row").cast(pl.Int64))
    registry = counts.filter(pl.col("measure").is_in([params.entities_measure, params.planned_measure]))
    spans = {days: walked.totals_between(*days) for days in registry.select("as_of_lo", "as_of_hi").unique().iter_rows()}
    registry = registry.with_columns(
        pl.struct("as_of_lo", "as_of_hi").map_elements(lambda d: float(spans[(d["as_of_lo"], d["as_of_hi"])][0]), return_dtype=pl.Float64).alias("fewest"),
        pl.struct("as_of_lo", "as_of_hi").map_elements(lambda d: float(spans[(d["as_of_lo"], d["as_of_hi"])][1]), return_dtype=pl.Float64).alias("most"),
    ).select("row", "lo", "hi", "fewest", "most")
    periods = _periods(tables, params) if walked.waves.height and not dated(tables) else pl.DataFrame()
    periods = (periods.with_row_index("i").select(pl.col("i").cast(pl.Int64).alias("row"), "lo", "hi", pl.col("added").alias("expected"))
               if periods.height else pl.DataFrame(schema={"row": pl.Int64, "lo": pl.Float64, "hi": pl.Float64, "expected": pl.Float64}))
    points = pl.DataFrame(
        [(i, c.lo, c.hi, walked.start) for i, c in enumerate(walked.checkpoints)] if walked.start is not None and not dated(tables) else [],
        schema={"row": pl.Int64, "lo": pl.Float64, "hi": pl.Float64, "expected": pl.Float64}, orient="row",
    )
    overlaps = (Expect("registry_not_below", "a_at_least_b", "hi", other="fewest"), Expect("registry_not_above", "a_at_least_b", "most", other="lo"))
    return [Checked(registry, overlaps), Checked(periods, _between("period")), Checked(points, _between("start"))]


def report(tables: Tables, params: RunningTotalsParams, context: Context, checked: list[Checked], broken: Broken) -> Iterator[Finding]:
    counts = tables["counts"]
    for f in _disagreeing_wave_sizes(counts, params):  # sources against sources: the default engine
        yield f.model_copy(update={"engine": "factcheck"})
    walked = walk(tables, params)
    waves, merge_order = walked.waves, walked.merges

    # Totals of all the entities, and planned totals, against the registry.
    w = tables.registry.words
    for row in counts[sorted(broken["registry_not_below"] | broken["registry_not_above"])].iter_rows(named=True):
        what = w.entity.plural if row["measure"] == params.entities_measure else f"planned {w.status.plural}"
        expected = fmt_count(*walked.totals_between(row["as_of_lo"], row["as_of_hi"]))
        yield WHOLE([w.whole], pick(counts, row), expected=expected, found=row["value"], what=what[0].upper() + what[1:], value=row["value"],
                    explanation=f"The registry counts {history(tables)}.")
    if dated(tables):  # the registry dates every entry: it, not the waves the sources report, is what totals add up to
        for f in _against_entries(tables, params):
            yield f.model_copy(update={"engine": "factcheck"})
        return
    if waves.height == 0:
        return
    last = waves.row(-1, named=True)
    periods = _periods(tables, params)
    for i in sorted(broken["period_not_below"] | broken["period_not_above"]):
        row = periods.row(i, named=True)
        yield PERIOD([f"wave {w}" for w in row["waves"]] or [tables.registry.words.whole], claims_of(counts, row), expected=row["added"], found=row["value"],
                     period=f"{row['as_of_lo']}..{row['as_of_hi']}", added=row["added"], value=row["value"])

    for f in (*_vague_counts(tables, params, walked), *_unplaced(tables, params, walked), *_double_counted(tables, params, walked)):  # not expectations
        yield f.model_copy(update={"engine": "factcheck"})
    checkpoints, start, separate_after = walked.checkpoints, walked.start, walked.separate_after
    if start is None:
        return
    chain = _chain(waves, start, merge_order)
    wrong = sorted(broken["start_not_below"] | broken["start_not_above"])
    gap = _gap(checkpoints)
    if gap is not None and wrong:  # the totals before some waves and after them agree among themselves: those waves are wrong
        before, after = gap
        between = waves.filter(pl.col("order").is_between(before[-1].order + 1, after[0].order))
        stated = (after[0].lo + after[0].cum) - (before[-1].lo + before[-1].cum)
        added = after[0].cum - before[-1].cum
        sizes = ", ".join(f"{w}: +{a:g}" + (f" −{m:g} merged" if m else "") for w, a, m in between.select("wave", "added", "absorbed").iter_rows())
        claims = pl.concat([claims_of(counts, before[-1].row).select(*CLAIM_COLS), claims_of(counts, after[0].row).select(*CLAIM_COLS),
                            tables["designations"].filter(pl.col("wave").is_in(between["wave"].implode())).select(*CLAIM_COLS)])
        yield GAP([f"wave {w}" for w in between["wave"]], claims, expected=stated, found=added, grew=stated, added=added, sizes=sizes,
                  first=before[-1].label, last=after[0].label,
                  explanation=f"The totals up to {before[-1].label} agree with each other, and so do those from {after[0].label} on; "
                              "the waves between them do not add what separates them.")
        wrong = [i for i in wrong if checkpoints[i] not in (*before, *after)]
    for i in wrong:
        row, cum, lo, hi, label, order, total = checkpoints[i]
        holders = start + cum
        if row["measure"] == params.before_measure:
            expected = total - holders + separate_after(order)
            what = f"{w.before.plural if w.before else 'entities without the status'} left {label}"
        else:
            expected, what = holders, f"{w.status.plural} {label}"
        extras = row["n_extras"] or 0 if row["measure"] != params.before_measure else 0
        value = row["value"] + (f" and {extras} named beside it" if extras else "")
        yield TOTAL([f"wave {last['wave']}" if row["measure"] == params.planned_measure else f"wave {row['wave']}"], claims_of(counts, row),
                    expected=expected, found=value, explanation=chain, what=what[0].upper() + what[1:], value=value)
    for f in (*_as_of_totals(tables, params, walked), *_explained(tables, params, walked, chain)):
        yield f.model_copy(update={"engine": "factcheck"})


def _as_of_totals(tables: Tables, params: RunningTotalsParams, walked: "Walk") -> Iterator[Finding]:
    """Totals of holders or of those left stated as of a date, not of a wave ("there are now 18"): the
    count the waves add up to at some time in that date is right; one that was right only before it is
    stale (a warning saying until when it was true); one that never was is an error."""
    w = tables.registry.words
    counts = (tables["counts"].filter(pl.col("measure").is_in([params.status_measure, params.before_measure]) & pl.col("wave").is_null() & pl.col("as_of_lo").is_not_null())
              .join(tables["sources"].select("source_id", "published_hi"), on="source_id", how="left"))
    if counts.height == 0 or walked.start is None:
        return
    waves = walked.waves.with_columns((pl.col("wave") + "-01").str.to_date("%Y-%m-%d").alias("since"))
    since, after, orders = waves["since"].to_list(), waves["after"].to_list(), waves["order"].to_list()
    for row in counts.iter_rows(named=True):
        known = row["published_hi"] or row["as_of_hi"]  # a forecast ('29 from April') knows the waves announced by its source's date
        first = sum(1 for s in since if s <= min(row["as_of_lo"], known)) - 1  # the last wave announced by then (-1: none yet)
        last = sum(1 for s in since if s <= min(row["as_of_hi"], known)) - 1

        def count_at(i: int) -> float:  # the stated measure after wave i (-1: before the first)
            held = walked.start + (after[i] if i >= 0 else 0.0)
            if row["measure"] == params.status_measure:
                return held
            return walked.total_on(row["as_of_hi"]) - held + walked.separate_after(orders[i] if i >= 0 else -1)

        extras = row["n_extras"] or 0 if row["measure"] == params.status_measure else 0
        says = lambda x: row["lo"] + extras <= x <= row["hi"] + extras  # noqa: E731
        if any(says(count_at(i)) for i in range(first, last + 1)):
            continue
        what = f"{w.status.plural} in {w.whole}" if row["measure"] == params.status_measure else f"{w.before.plural if w.before else 'those without the status'} left"
        as_of = str(DateInterval(row["as_of_lo"], row["as_of_hi"]))
        now = fmt_count(min(count_at(first), count_at(last)), max(count_at(first), count_at(last)))
        earlier = [i for i in range(-1, first) if says(count_at(i))]
        claim = pick(tables["counts"], row, on=("source_id", "claim_id"))
        if earlier:
            ended = waves["wave"][earlier[-1] + 1]  # the wave that made the figure untrue
            yield STALE([w.whole], claim, expected=now, found=row["value"], what=what, as_of=as_of, value=row["value"],
                        until=f"until wave {ended}",
                        explanation=f"A figure that was true before the source's date: the source may cite a count from before wave "
                                    f"{ended}, or count only {w.status.plural} already in effect.")
        else:
            yield AS_OF([w.whole], claim, expected=now, found=row["value"], what=what, as_of=as_of, value=row["value"])


def _vague_counts(tables: Tables, params: RunningTotalsParams, walked: "Walk") -> Iterator[Finding]:
    """Counts of new holders in a wave known only by its year or order, against the waves it can be: the
    size of one of them, or of all of them together, is right; anything else is a warning, since the
    dataset may not know every wave there was."""
    counts = tables["counts"].filter((pl.col("measure") == params.new_measure) & pl.col("wave").is_not_null() & ~month_wave())
    known = walked.waves["wave"].to_list()
    sizes = dict(zip(known, walked.waves["added"].to_list()))
    for row in counts.iter_rows(named=True):
        candidates = wave_candidates(row["wave"], known)
        possible = [sizes[w] for w in candidates] + [sum(sizes[w] for w in candidates)]
        vague = f"the wave numbered {row['wave'][1:]}" if row["wave"].startswith("#") else row["wave"]
        if not candidates:
            yield UNCHECKED([f"wave {row['wave']}"], pick(tables["counts"], row), found=row["value"], value=row["value"], vague=vague,
                            explanation="A wave known only by its year or order is checked against the waves the sources date; "
                                        "the dataset may not know every wave there was.")
            continue
        if any(row["lo"] <= x <= row["hi"] for x in possible):
            continue
        yield VAGUE([f"wave {w}" for w in candidates], pick(tables["counts"], row), expected=" or ".join(f"{x:g}" for x in dict.fromkeys(possible)),
                    found=row["value"], value=row["value"], vague=vague, candidates=", ".join(f"{w}: {sizes[w]:g}" for w in candidates),
                    explanation="A wave known only by its year or order is matched to the waves the sources report that it can be.")


def _unplaced(tables: Tables, params: RunningTotalsParams, walked: "Walk") -> Iterator[Finding]:
    """Once: the claims the running totals cannot use, because their wave is known only by a year or
    order that no wave the sources date can be (or, for a merger, not at all)."""
    known = walked.waves["wave"].to_list()
    vague = lambda frame: frame.filter(pl.col("wave").is_null() | ~month_wave())  # noqa: E731
    counts = tables["counts"].filter(pl.col("wave").is_not_null())
    left = pl.concat([  # counts of new holders in a year are _vague_counts' own
        vague(tables["designations"]).select(*CLAIM_COLS, "wave", pl.lit(False).alias("checked")),
        vague(counts.filter(pl.col("measure").is_in([params.status_measure, params.before_measure]))).select(*CLAIM_COLS, "wave", pl.lit(False).alias("checked")),
        vague(tables["mergers"]).select(*CLAIM_COLS, "wave", pl.lit(False).alias("checked")),
    ])
    if left.height == 0:
        return
    placeable = pl.col("wave").is_not_null() & pl.col("wave").map_elements(lambda w: bool(wave_candidates(w, known)), return_dtype=pl.Boolean)
    nowhere = left.filter(~placeable)
    several = left.filter(placeable & ~pl.col("checked"))
    for claims, why in ((nowhere, "their wave is known only by a year or order that no wave the sources date can be, or not at all"),
                        (several, "their wave is known only by a year or order that more than one dated wave can be")):
        if claims.height:
            waves = sorted({w or "no wave" for w in claims["wave"].to_list()})
            yield UNPLACED([tables.registry.words.whole], claims, n=claims.height, why=f"{why} ({', '.join(waves[:5])})",
                           explanation="A designation, merger or total is placed in the walk only at a wave known by its month, or one "
                                       "that other claims designate its area in.")


def _double_counted(tables: Tables, params: RunningTotalsParams, walked: "Walk") -> Iterator[Finding]:
    """An area named beside a total, outside it, that the waves already count in it."""
    extras = tables["extras"].filter(pl.col("area_code").is_not_null() & pl.col("measure").is_in([params.status_measure, params.planned_measure]))
    if extras.height == 0:
        return
    designated = (tables["designations"].filter(month_wave() & pl.col("area_code").is_not_null())
                  .group_by("area_code").agg(pl.col("wave").min().alias("designated")))
    counts = tables["counts"].select("source_id", pl.col("claim_id").alias("count_id"), "value")
    joined = extras.join(designated, on="area_code").join(counts, on=["source_id", "count_id"])
    for row in joined.iter_rows(named=True):
        point, wave = row["wave"], row["designated"]
        inside = point is None or row["measure"] == params.planned_measure or wave < point or (wave == point and row["when"] == "after")
        if inside:
            claims = pl.concat([pick(tables["counts"], {"source_id": row["source_id"], "claim_id": row["count_id"]}).select(*CLAIM_COLS),
                                tables["designations"].filter(pl.col("area_code") == row["area_code"]).select(*CLAIM_COLS)])
            yield DOUBLE([row["area_name"]], claims, expected=f"{row['area_name']} inside the {row['value']}", found="named beside it",
                         area=row["area_name"], value=row["value"], what=tables.registry.words.status.plural, wave=wave)


def _explained(tables: Tables, params: RunningTotalsParams, walked: "Walk", chain: str) -> Iterator[Finding]:
    """Information: the merger arithmetic of each wave that absorbed past entities, and the whole chain."""
    waves, merge_order, start, counts = walked.waves, walked.merges, walked.start, tables["counts"]
    words = tables.registry.words
    for w in waves.filter(pl.col("absorbed") > 0).iter_rows(named=True):
        group = merge_order.filter(pl.col("wave") == w["wave"])
        names = ", ".join(sorted({f"{a} into {b}" for a, b in group.select(pl.coalesce("area_name", "subject"), pl.coalesce("into_name", "into")).iter_rows()}))
        before, after = start + w["before"], start + w["after"]
        yield MERGERS([f"wave {w['wave']}"], group, wave=w["wave"], before=before, added=w["added"], absorbed=w["absorbed"], after=after,
                      naive=before + w["added"], explanation=f"Earlier {words.status.plural} became part of larger ones in this wave: {names}.")
    stated = sum(len(c.row["row"]) for c in walked.checkpoints)
    w = words
    yield CHAIN([w.whole], counts.filter(pl.col("measure").is_in([params.status_measure, params.before_measure, params.planned_measure])), n=stated, chain=chain,
                  explanation=f"Each wave adds the {w.entity.plural} it gives the status and removes the earlier {w.status.plural} merged into "
                              f"larger ones; {w.status.plural} plus {w.before.plural if w.before else 'those without the status'} left make "
                              f"the {w.entity.plural} of {w.whole}.")


def _checkpoints(counts: pl.DataFrame, walked: Walk, params: RunningTotalsParams) -> list[Checkpoint]:
    """Every stated total of holders, of those left, or planned, as the starting count it implies (an interval)."""
    waves, total_on, separate_after = walked.waves, walked.total_on, walked.separate_after
    by_wave = {row["wave"]: row for row in waves.iter_rows(named=True)}
    last = waves.row(-1, named=True)
    checkpoints = []
    # One checkpoint per statement (the same total at the same point, from however many sources);
    # "rows" lists the claims that make it.
    statements = (
        counts.with_row_index("row").filter(pl.col("measure").is_in([params.status_measure, params.before_measure, params.planned_measure]))
        .group_by("measure", "wave", "when", "lo", "hi", maintain_order=True)
        .agg(pl.col("row"), pl.exclude("row", "measure", "wave", "when", "lo", "hi").first())
    )
    for row in statements.iter_rows(named=True):
        if row["measure"] == params.planned_measure:
            wave, cum, label = last, last["after"], "the final total"
        elif row["wave"] is None or row["wave"] not in by_wave:
            continue
        else:
            wave = by_wave[row["wave"]]
            cum = wave["after"] if row["when"] == "after" else wave["before"]
            label = f"{row['when']} wave {row['wave']}"
        order = wave["order"] if row["when"] == "after" or row["measure"] == params.planned_measure else wave["order"] - 1
        total = total_on(parse_date(wave["wave"]).hi)
        if row["measure"] == params.before_measure:  # those left -> holders: entities without the status, plus past holders not yet merged
            lo, hi = total - row["hi"] + separate_after(order), total - row["lo"] + separate_after(order)
        else:  # a total with named extras beside it counts them too ("14, plus Greater Manchester")
            extras = row["n_extras"] or 0
            lo, hi = row["lo"] + extras, row["hi"] + extras
        checkpoints.append(Checkpoint(row, cum, lo - cum, hi - cum, label, order, total))
    return checkpoints


def _gap(checkpoints: list[Checkpoint]) -> tuple[list[Checkpoint], list[Checkpoint]] | None:
    """The stated totals, split where they stop agreeing: those before some waves all imply one
    starting count and those after them all imply another, each said by at least two claims. Then
    what is wrong is the waves between (a size, a designation too many or too few), not the totals."""
    ordered = sorted(checkpoints, key=lambda c: c.order)

    def common(group: list[Checkpoint]) -> tuple[float, float] | None:
        lo, hi = max(c.lo for c in group), min(c.hi for c in group)
        return (lo, hi) if lo <= hi else None

    for k in range(1, len(ordered)):
        before, after = ordered[:k], ordered[k:]
        if before[-1].order == after[0].order:
            continue
        left, right = common(before), common(after)
        said = lambda group: sum(len(c.row["row"]) for c in group)  # noqa: E731
        if left and right and (left[1] < right[0] or right[1] < left[0]) and said(before) >= 2 and said(after) >= 2:
            return before, after
    return None


def _start(checkpoints: list[Checkpoint]) -> float:
    """The count of holders before the first wave that most exact claims imply (earliest first on ties)."""
    exact: Counter[float] = Counter()
    for c in sorted(checkpoints, key=lambda c: c.order):
        if c.lo == c.hi:
            exact[c.lo] += len(c.row["row"])
    return exact.most_common(1)[0][0] if exact else checkpoints[0].lo


REGISTRY_TOTAL = FindingType("TOT-registry", "error", "{what} {when}: the source says {value}; by the registry's dates it was {expected}.")


def dated(tables: Tables) -> bool:
    """Whether the registry dates every entity's entry (an admission day each)."""
    return tables.registry.entered_between(dt.date.min, dt.date.max) is not None


def _against_entries(tables: Tables, params: RunningTotalsParams) -> Iterator[Finding]:
    """Totals against the registry's entry dates. A total after a wave, or as of a date, lies between
    the entries before its first day and those by its last (several entries on one day, or in one
    month, make an interval: 'the 39th' and 'the 40th' of one day both fit); a count of new holders in
    a wave or a period is the entries inside it."""
    reg, w = tables.registry, tables.registry.words
    counts = tables["counts"].filter(pl.col("measure").is_in([params.status_measure, params.new_measure]))
    for row in counts.iter_rows(named=True):
        if row["wave"] is not None and not row["wave"].startswith("#"):
            span = parse_date(row["wave"])
            when = f"{row['when']} wave {row['wave']}"
        elif row["as_of_lo"] is not None:
            span = DateInterval(row["as_of_lo"], row["as_of_hi"])
            when = f"as of {span}"
        else:
            continue
        if row["measure"] == params.status_measure:
            before, by_end = reg.entered_between(span.lo, span.hi)  # type: ignore[misc]
            fewest, most = (before, before) if row["when"] == "before" and row["wave"] else (before, by_end)
            what = w.status.plural.capitalize()
        else:
            inside = int(reg.entered["entered"].is_between(span.lo, span.hi).sum())
            fewest = most = inside
            what = f"New {w.status.plural}"
        extras = row["n_extras"] or 0
        if row["hi"] + extras < fewest or row["lo"] + extras > most:
            yield REGISTRY_TOTAL([when], pick(tables["counts"], row), expected=fmt_count(fewest, most), found=row["value"],
                                 what=what, when=when, value=row["value"],
                                 explanation=f"The registry dates every entry ({reg.current['source'][0]}); a total as of a day on which "
                                             "several entered may be any count of that day.")


def history(tables: Tables) -> str:
    """The registry's totals of the whole, as a message says them: '44 entities from 2016-03-01, 42 from 2018'."""
    totals = tables.registry.entity_totals
    noun = tables.registry.words.entity.plural
    if len(totals) == 1:
        return f"{totals[0][2]} {noun}"
    parts = [f"{t} from {lo}" if lo == hi else f"{t} from {lo.year}" for lo, hi, t in totals]
    return f"{parts[0].split(' ', 1)[0]} {noun} {parts[0].split(' ', 1)[1]}, " + ", ".join(parts[1:])


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
    summary="Wave sizes add up to every stated total, mergers included; holders plus those left make the whole.",
    doc=__doc__ or "",
    params=RunningTotalsParams,
    run=polars_run(checks, report),
    checks=checks,
    report=report,
    findings=(WAVE_SIZE, WHOLE, REGISTRY_TOTAL, PERIOD, TOTAL, GAP, STALE, AS_OF, VAGUE, UNCHECKED, UNPLACED, DOUBLE, MERGERS, CHAIN),
)
