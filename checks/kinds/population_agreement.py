"""Population agreement: population figures about the same thing agree, with the registry and with
each other, once read as intervals on a declared basis.

A figure is about an area, a wave's areas, or everything covered by ICSs after a wave; a share of
England ("more than a third") becomes people with England's population at its date. The registry's
figures are residents (ONS, mid-2019); GP lists run several per cent higher, so a figure of unstated
basis that agrees only when read as registered patients is a warning that says so. Two intervals
agree when they overlap after the declared tolerance.

Severity: a figure no basis reconciles with the registry, or with another source's figure, is an
error; one that agrees only when read as GP-registered patients while its basis is unstated is a
warning that states that reading.

Bad: "about two million" for an area whose residents number 1.0 million.
Good: "14.5 million" for areas with 13.7 million residents: a warning, it is 5.7 % higher, as GP lists are.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import polars as pl
from pydantic import Field

from factcheck.facts.tables import Tables

from ..base import CLAIM_COLS, Context, FindingType, Params, RuleKind, fmt_people
from ..expect import Broken, Checked, Expect, polars_run
from ..model import Finding


REGISTERED_ONLY = FindingType("POP-basis", "warning", "Population of {topic}: {stated} agrees with the registry only as GP-registered patients ({ratio} on {residents} residents).")
REGISTRY = FindingType("POP-registry", "error", "Population of {topic}: the source says {stated}, the registry has {residents} residents.")
CLAIMS = FindingType("POP-claims", "error", "Population of {topic}: {stated} disagrees with {others}.")


class PopulationAgreementParams(Params):
    registry_tolerance: float = Field(0.02, ge=0, le=1, description="relative slack against the registry's figures (they are of one date, claims of others)")
    claim_tolerance: float = Field(0.02, ge=0, le=1, description="relative slack between two claims' figures")
    registered_ratio: tuple[float, float] = Field((1.05, 1.09), description="how far GP-registered lists run above residents, at least and at most "
                                                  "(SOURCES.md: +7.6 % in December 2020)")


def england_resident(tables: Tables, day: dt.date) -> float:
    """England's residents by the last ONS mid-year estimate on or before ``day`` (else the first)."""
    estimates = tables.cached("england residents", lambda: sorted(
        tables.registry.england_population.filter(pl.col("basis") == "ons_mid_year_estimate").select("as_of", "population").iter_rows()
    ))
    before = [people for as_of, people in estimates if as_of <= day]
    return float(before[-1] if before else estimates[0][1])


def _topics(tables: Tables) -> pl.DataFrame:
    p = tables["populations"]
    return p.with_columns(
        pl.when(pl.col("scope") == "area").then(pl.lit("area:") + pl.col("area_code"))
        .when(pl.col("wave").is_not_null()).then(pl.col("scope") + ":" + pl.col("wave"))
        .otherwise(pl.col("scope") + "@" + pl.col("as_of_lo").cast(pl.String)).alias("topic"),
        pl.when(pl.col("scope") == "area").then(pl.col("area_name"))
        .when(pl.col("scope") == "wave").then(pl.lit("wave ") + pl.col("wave"))
        .otherwise(pl.lit("England")).alias("label"),
    ).filter(pl.col("topic").is_not_null())


def _registry_figures(tables: Tables) -> dict[str, tuple[float, str]]:
    """Registry residents (mid-2019) per topic, where the registry can say: areas, complete waves, ICS lists."""
    return tables.cached("registry figures", lambda: _read_registry_figures(tables))


def _read_registry_figures(tables: Tables) -> dict[str, tuple[float, str]]:
    fp = tables.registry.footprints.select(pl.col("code").alias("area_code"), "population_mid2019")
    out = {f"area:{c}": (float(v), "the registry's mid-2019 residents") for c, v in fp.iter_rows()}
    des = tables["designations"].select("wave", "area_code").unique().join(fp, on="area_code")
    stated = tables["counts"].filter((pl.col("measure") == "new_ics") & pl.col("wave").is_not_null()).group_by("wave").agg(pl.col("lo").min(), pl.col("hi").max())
    waves = des.group_by("wave").agg(pl.len().alias("n"), pl.col("population_mid2019").sum()).join(stated, on="wave", how="left")
    for wave, n, total, lo, hi in waves.iter_rows():
        if lo is None or lo <= n <= hi:
            out[f"wave:{wave}"] = (float(total), f"the mid-2019 residents of the {n} areas designated in it")
    ics = tables["statuses"].filter((pl.col("status") == "ics") & pl.col("wave").is_not_null()).select("wave", "area_code").unique().join(fp, on="area_code")
    for wave, n, total in ics.group_by("wave").agg(pl.len(), pl.col("population_mid2019").sum()).iter_rows():
        out[f"covered:{wave}"] = (float(total), f"the mid-2019 residents of the {n} areas listed as ICSs then")
    return out


def _overlap(a: tuple[float, float], b: tuple[float, float]) -> bool:
    return a[0] <= b[1] and b[0] <= a[1]


def _statements(tables: Tables, params: PopulationAgreementParams) -> tuple[pl.DataFrame, list[dict]]:
    """The population claims, and one row per statement (the same figure about the same thing, however
    many sources give it) with the figure read as stated and as residents."""
    return tables.cached(("population statements", params), lambda: _read_statements(tables, params))


def _read_statements(tables: Tables, params: PopulationAgreementParams) -> tuple[pl.DataFrame, list[dict]]:
    claims = _topics(tables).with_row_index("row")
    statements = claims.group_by(
        "topic", "label", "value", "lo", "hi", "is_share", "basis", "wave", "as_of_lo", maintain_order=True
    ).agg(pl.col("row").alias("rows"))
    g_lo, g_hi = params.registered_ratio
    rows = []
    for row in statements.iter_rows(named=True):
        day = dt.date.fromisoformat(row["wave"] + "-01") if row["wave"] else row["as_of_lo"]
        england = england_resident(tables, day)
        if row["is_share"]:  # a share is basis-free: read it as a share of residents
            resident = (row["lo"] * england, row["hi"] * england)
            as_stated = resident
        elif row["basis"] == "registered":
            resident = as_stated = (row["lo"] / g_hi, row["hi"] / g_lo)
        else:
            as_stated = (row["lo"], row["hi"])
            resident = (row["lo"] / g_hi, row["hi"]) if row["basis"] == "unstated" else as_stated
        rows.append({**row, "as_stated": as_stated, "resident": resident, "england": england})
    return claims, rows


def checks(tables: Tables, params: PopulationAgreementParams) -> list[Checked]:
    """Each figure, as stated, overlaps the registry's (± the tolerance) where the registry has one:
    a pair comparison each way."""
    _, rows = _statements(tables, params)
    reference = _registry_figures(tables)
    tol = params.registry_tolerance
    compared = [
        (i, r["as_stated"][0], r["as_stated"][1], reference[r["topic"]][0] * (1 - tol), reference[r["topic"]][0] * (1 + tol))
        for i, r in enumerate(rows) if r["topic"] in reference
    ]
    frame = pl.DataFrame(compared, schema={"row": pl.Int64, "stated_lo": pl.Float64, "stated_hi": pl.Float64, "ref_lo": pl.Float64, "ref_hi": pl.Float64}, orient="row")
    return [Checked(frame, (
        Expect("not_below", "a_at_least_b", "stated_hi", other="ref_lo"),
        Expect("not_above", "a_at_least_b", "ref_hi", other="stated_lo"),
    ))]


def report(tables: Tables, params: PopulationAgreementParams, context: Context, checked: list[Checked], broken: Broken) -> Iterator[Finding]:
    claims, rows = _statements(tables, params)
    g_lo, g_hi = params.registered_ratio

    def claim_frame(*picked: dict) -> pl.DataFrame:
        return claims.filter(pl.col("row").is_in([i for r in picked for i in r["rows"]])).select(*CLAIM_COLS)

    def shown(r: dict) -> str:
        return f"'{r['value']}' ({fmt_people(*r['as_stated'])}{', share of England' if r['is_share'] else ''})"

    reference = _registry_figures(tables)
    tol = params.registry_tolerance
    for i in sorted(broken["not_below"] | broken["not_above"]):
        r = rows[i]
        value, what = reference[r["topic"]]
        ref = (value * (1 - tol), value * (1 + tol))
        if _overlap(r["resident"], ref) and not r["is_share"]:
            ratio = (r["lo"] + r["hi"]) / 2 / value - 1
            yield REGISTERED_ONLY([r["label"]], claim_frame(r), expected=f"{fmt_people(*ref)} residents", found=r["value"],
                                  topic=r["label"], stated=shown(r), ratio=f"{ratio:+.1%}", residents=fmt_people(value),
                          explanation=f"The registry figure is {what}. The source does not state its basis; GP lists run {g_lo - 1:.0%}–{g_hi - 1:.0%} above residents, "
                                      "so the figure agrees on the registered-patient basis, not the resident one.")
            continue
        yield REGISTRY([r["label"]], claim_frame(r), expected=f"{fmt_people(*ref)} (±{tol:.0%})", found=r["value"],
                       topic=r["label"], stated=shown(r), residents=fmt_people(value),
                      explanation=f"The registry figure is {what}; the source's basis is {r['basis']}"
                                  + (f", and a share is read against England's {fmt_people(r['england'])} residents." if r["is_share"] else "."))
    for f in _disagreeing(rows, params, claim_frame, shown):  # claims against claims: not said as expectations
        yield f.model_copy(update={"engine": "factcheck"})


def _disagreeing(rows: list[dict], params: PopulationAgreementParams, claim_frame, shown) -> Iterator[Finding]:  # type: ignore[no-untyped-def]
    """Figures about the same thing that cannot all be true: the ones outside the most-stated span."""
    ctol = params.claim_tolerance
    by_topic: dict[str, list[dict]] = {}
    for r in rows:
        by_topic.setdefault(r["topic"], []).append(r)
    for topic, group in by_topic.items():
        if len(group) < 2:  # one statement: nothing to compare it with
            continue
        spans = [(r["resident"][0] * (1 - ctol), r["resident"][1] * (1 + ctol)) for r in group]
        weight = [len(r["rows"]) for r in group]  # a statement counts as often as it is made
        best = max((lo for lo, _ in spans), key=lambda x: sum(w for (a, b), w in zip(spans, weight) if a <= x <= b))
        odd = [r for r, (a, b) in zip(group, spans) if not a <= best <= b]
        agree = [r for r, (a, b) in zip(group, spans) if a <= best <= b]
        for r in odd:
            yield CLAIMS([r["label"]], claim_frame(r, *agree), expected=f"about {fmt_people(best)}", found=r["value"],
                         topic=r["label"], stated=shown(r), others=", ".join(shown(o) for o in agree),
                          explanation=f"Read as residents (a share of England's residents; an unstated basis either way), within ±{ctol:.0%}, the other figures can all be true, this one cannot.")


KIND = RuleKind("population_agreement", "POP", "Population figures agree with the registry and each other as intervals, on a declared basis.",
                __doc__ or "", PopulationAgreementParams, polars_run(checks, report), checks, report,
                (REGISTERED_ONLY, REGISTRY, CLAIMS))
