"""Dates: a source cannot report what happened after it was published.

Each source's publication date is exact or an interval with its reason. Every event a claim reports
as past (a wave announced, a merger, a wave's population) must fall no later than the latest day the
source can have been published. A count or status as of a later date is a forecast ("a member from 1
April 2021", written in December 2020), not a reported event. For an undated source the inferred interval
is stated as info, with the latest event it reports (the earliest it can have been published).
Severity: a dated source reporting later events is an error; for an undated source the interval is a
reading, so events past it are a warning that the inferred date is wrong.

Bad: a page dated "January to March 2020" that reports designations "in May 2020".
Good: a page dated "May to December 2020" that reports May 2020 designations.
"""

from __future__ import annotations

from collections.abc import Iterator

import polars as pl

from factcheck.facts.tables import Tables

from ..base import CLAIM_COLS, Context, FindingType, Params, RuleKind, some
from ..expect import Broken, Checked, Expect, polars_run, rows, with_rows
from ..model import Finding


MAX_SUBJECTS = 10  # sources named as a finding's subjects; the message counts them all

LATE = FindingType("DAT-late", "error", "{source} is dated no later than {published} but reports events of {event}.")
UNDATED = FindingType("DAT-undated", "info", "{who} {verb} undated: published {published}{bound}.")


class SourceDatesParams(Params):
    pass


def _wave_start() -> pl.Expr:
    return (pl.col("wave") + "-01").str.to_date("%Y-%m-%d", strict=False)


def reported_events(tables: Tables) -> pl.DataFrame:
    """The earliest day each claim's reported event can have happened (claims with no such date left out).
    A state as of a date after the source's ("a member from 1 April 2021", in December 2020) is a
    forecast, not a reported event: left out."""
    def make() -> pl.DataFrame:
        counts = tables["counts"].lazy()
        published = tables["sources"].lazy().select("source_id", "published_hi")

        def as_of(frame: pl.LazyFrame, event: pl.Expr) -> pl.LazyFrame:
            return (frame.join(published, on="source_id", how="left").filter(pl.col("as_of_lo") <= pl.col("published_hi"))
                    .select(*CLAIM_COLS, event.alias("event")))

        frames = [
            tables["designations"].lazy().select(*CLAIM_COLS, pl.col("announced_lo").alias("event")),
            counts.filter(pl.col("wave").is_not_null() & (pl.col("when") == "after")).select(*CLAIM_COLS, _wave_start().alias("event")),
            as_of(counts, pl.col("as_of_lo")),
            as_of(tables["region_counts"].lazy(), pl.col("as_of_lo")),
            as_of(tables["statuses"].lazy(), pl.col("as_of_lo")),
            tables["populations"].lazy().filter(_wave_start().is_not_null()).select(*CLAIM_COLS, _wave_start().alias("event")),
            as_of(tables["populations"].lazy().filter(_wave_start().is_null()), pl.col("as_of_lo")),
            tables["mergers"].lazy().select(*CLAIM_COLS, _wave_start().alias("event")),
        ]
        return pl.concat(frames).drop_nulls("event").collect()  # one query, not one per table
    return tables.cached("reported events", make)


def _latest(tables: Tables) -> pl.DataFrame:
    """Each source with its publication date and the latest event it reports (null: none dated)."""
    def make() -> pl.DataFrame:
        latest = reported_events(tables).group_by("source_id").agg(pl.col("event").max().alias("latest"))
        return tables["sources"].select("source_id", "title", "published_lo", "published_hi", "published_exact", "date_reason").join(
            latest, on="source_id", how="left")
    return tables.cached("latest events", make)


def checks(tables: Tables, params: SourceDatesParams) -> list[Checked]:
    """Each source is published no earlier than the latest event it reports."""
    return [Checked(with_rows(_latest(tables)), (Expect("after_events", "a_at_least_b", "published_hi", other="latest"),))]


def report(tables: Tables, params: SourceDatesParams, context: Context, checked: list[Checked], broken: Broken) -> Iterator[Finding]:
    if broken["after_events"]:
        yield from _late(tables, rows(checked[0].frame, broken["after_events"]))
    for f in _undated(_latest(tables)):  # information, not an expectation: always the default engine
        yield f.model_copy(update={"engine": "factcheck"})


def _late(tables: Tables, late_sources: pl.DataFrame) -> Iterator[Finding]:
    """For each source dated before what it reports, the claims reporting the later events."""
    events = reported_events(tables).filter(pl.col("source_id").is_in(late_sources["source_id"].implode()))
    late = events.join(late_sources.drop("row", "latest"), on="source_id").filter(pl.col("event") > pl.col("published_hi"))
    for (source_id,), claims in late.group_by("source_id", maintain_order=True):
        s = claims.row(0, named=True)
        last_event = claims["event"].max()
        inferred = not s["published_exact"]
        yield LATE([source_id], claims, expected=f"events up to {s['published_hi']}", found=f"events as late as {last_event}",
                   severity="warning" if inferred else "error", source=source_id, published=s["published_hi"], event=last_event,
                   explanation=(f"Publication date given as {s['published_lo']}..{s['published_hi']}" + (f" ({s['date_reason']})" if s["date_reason"] else "")
                                + ("; the source is undated, so the inferred date, not the source, may be wrong." if inferred else ".")))


def _undated(latest: pl.DataFrame) -> Iterator[Finding]:
    undated = (
        latest.filter(~pl.col("published_exact"))
        .group_by("published_lo", "published_hi", "latest", "date_reason", maintain_order=True)
        .agg(pl.col("source_id").sort())
    )  # sources dated alike are one finding, however many there are
    for s in undated.iter_rows(named=True):
        ids = s["source_id"]
        who = ids[0] if len(ids) == 1 else f"{len(ids)} sources ({some(ids)})"
        bound = f"; the latest event it reports is {s['latest']}, so it was published no earlier" if s["latest"] else ""
        yield UNDATED(ids[:MAX_SUBJECTS], None, who=who, verb="is" if len(ids) == 1 else "are", published=f"{s['published_lo']}..{s['published_hi']}",
                      bound=bound, explanation=s["date_reason"])


KIND = RuleKind("source_dates", "DAT", "A source reports no event later than it can have been published; undated sources say why.",
                __doc__ or "", SourceDatesParams, polars_run(checks, report), checks, report, (LATE, UNDATED))
