"""Status over time: a status is true as of a date, and contradicts only designations on the other
side of that date.

"Not yet holding the status" as of a date contradicts a designation effective before it; "holding
it" as of a date contradicts an entity whose designation takes effect only after it. Dates are intervals, and only a
status on the other side of every date the designation can take effect is an error. Where no claim
states when a designation takes effect, it is read as taking effect between its announcement and
``effective_within_months`` later (designations have taken effect within four months of their
announcement: December 2020 to April 2021).

Bad: "Devon has not been accredited" (June 2019) beside Devon designated effective April 2019.
Good: "Devon has not been accredited" (June 2019) beside Devon designated effective April 2021.
"""

from __future__ import annotations

from collections.abc import Iterator

import polars as pl
from pydantic import Field

from factcheck.facts.dates import DateInterval
from factcheck.facts.tables import Tables

from ..base import CLAIM_COLS, Context, FindingType, Params, RuleKind, area_key, area_label, article, pick, resolved
from ..expect import Broken, Checked, Expect, polars_run, rows, with_rows
from ..model import Finding


class StatusTimelineParams(Params):
    effective_within_months: int = Field(default=6, ge=0, le=60, description="how long after its announcement a designation "
                                         "whose effective date no claim states may take effect")


NOT_YET = FindingType("STA-not-yet", "error", "{area} is not {a_status} as of {as_of}, but its designation takes effect {effective}.")
ALREADY = FindingType("STA-already", "error", "{area} is {a_status} as of {as_of}, but its designation takes effect {effective}.")


def checks(tables: Tables, params: StatusTimelineParams) -> list[Checked]:
    """Statuses beside the first designation of their entity: not holding it as of a date no later than
    the designation takes effect, holding it as of a date no earlier."""
    statuses = tables["statuses"].filter(resolved()).with_columns(area_key().alias("area"), area_label().alias("label"))
    lag = f"{params.effective_within_months}mo"
    first = tables["designations"].filter(resolved()).with_columns(
        area_key().alias("area"),
        pl.coalesce("effective_lo", "announced_lo").alias("eff_lo"),
        pl.coalesce("effective_hi", pl.col("announced_hi").dt.offset_by(lag)).alias("eff_hi"),
    ).group_by("area").agg(pl.col("eff_lo").min().alias("first_lo"), pl.col("eff_hi").min().alias("first_hi"))
    return [Checked(with_rows(statuses.join(first, on="area", how="inner")), (
        Expect("not_yet", "a_at_least_b", "first_hi", other="as_of_lo", where=("status", "out")),
        Expect("already", "a_at_least_b", "as_of_hi", other="first_lo", where=("status", "in")),
    ))]


def report(tables: Tables, params: StatusTimelineParams, context: Context, checked: list[Checked], broken: Broken) -> Iterator[Finding]:
    statuses, joined = tables["statuses"], checked[0].frame
    designations = tables["designations"].with_columns(area_key().alias("area"))
    for name, kind in (("not_yet", NOT_YET), ("already", ALREADY)):
        for row in rows(joined, broken[name]).iter_rows(named=True):
            status_claim = pick(statuses, row)
            effective = designations.filter(pl.col("area") == row["area"])
            claims = pl.concat([status_claim.select(*CLAIM_COLS), effective.select(*CLAIM_COLS)])
            as_of = str(DateInterval(row["as_of_lo"], row["as_of_hi"]))
            effective = str(DateInterval(row["first_lo"], row["first_hi"]))
            said = {"in": tables.registry.words.status.code, "out": "not_" + tables.registry.words.status.code}
            yield kind([row["label"]], claims, expected=f"a status consistent with designation effective {effective}",
                       found=f"{said[row['status']]} as of {as_of}", area=row["label"], as_of=as_of, effective=effective, a_status=article(tables.registry.words.status.singular),
                       explanation="A status is true as of its date: it contradicts only designations effective on the other side of it.")


KIND = RuleKind("status_timeline", "STA", "A status as of a date contradicts only designations effective on the other side of it.",
                __doc__ or "", StatusTimelineParams, polars_run(checks, report), checks, report, (NOT_YET, ALREADY))
