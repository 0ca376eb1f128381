"""Population agreement: population figures about the same thing agree, with the registry and with
each other, once read as intervals on a declared basis.

A figure is about an entity, a wave's entities, everything holding the status after a wave, or the
whole; a share of the whole ("more than a third") becomes people with the whole's measure at its date
(on the story's usual basis). The registry's figures are the story's measures, each of one day: a
figure is compared with the one nearest its date, and with none when ``registry_years`` says that one
is too far from it. Where the story counts people on a second basis that runs higher (GP lists above
residents), a figure of unstated basis that agrees only when read on it is a warning that says so.
A figure of the whole agrees when it matches the whole's measure on any of its bases at its date.
Two intervals agree when they overlap after the declared tolerance.

Severity: a figure no basis reconciles with the registry, or with another source's figure, is an
error; one that agrees only when read on the registered basis while its basis is unstated is a
warning that states that reading.

Bad: "about two million" for an area whose residents number 1.0 million.
Good: "14.5 million" for areas with 13.7 million residents: a warning, it is 5.7 % higher, as registered lists are.
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


REGISTERED_ONLY = FindingType("POP-basis", "warning", "Population of {topic}: {stated} agrees with the registry only on the registered basis ({ratio} on {residents} residents).")
REGISTRY = FindingType("POP-registry", "error", "Population of {topic}: the source says {stated}, the registry has {residents} residents.")
WHOLE = FindingType("POP-whole", "error", "Population of {whole} as of {as_of}: the source says {stated}; the registry has {figures}.")
CLAIMS = FindingType("POP-claims", "error", "Population of {topic}: {stated} disagrees with {others}.")


class PopulationAgreementParams(Params):
    registry_tolerance: float = Field(0.02, ge=0, le=1, description="relative slack against the registry's figures (they are of one date, claims of others)")
    claim_tolerance: float = Field(0.02, ge=0, le=1, description="relative slack between two claims' figures")
    registered_ratio: tuple[float, float] | None = Field(None, description="where the story counts people on a registered basis too (GP lists): how far "
                                                         "it runs above residents, at least and at most; none: no such basis")
    claim_years: float | None = Field(None, ge=0, le=1000, description="compare two claims' figures of one thing only when their dates are within so "
                                                                       "many years (a population of 1950 is not one of 2020); none: whatever their dates")
    registry_years: float | None = Field(None, ge=0, le=1000, description="compare a figure with the registry's measure nearest its date only within so many "
                                                                          "years of it; none: whatever the measure's date")


def whole_usual(tables: Tables, day: dt.date) -> float | None:
    """The whole's measure on its usual basis by the last figure on or before ``day`` (else the first; None without one)."""
    usual = tables.registry.usual_basis
    if usual is None:
        return None
    estimates = tables.cached("whole usual", lambda: sorted(
        tables.registry.whole_measure.filter(pl.col("basis") == usual).select("as_of", "value").iter_rows()
    ))
    if not estimates:
        return None
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
        .otherwise(pl.lit(tables.registry.words.whole)).alias("label"),
    ).filter(pl.col("topic").is_not_null())


Figure = tuple[dt.date, float, str]  # the day of a registry figure, the figure, and what it is


def _registry_figures(tables: Tables) -> dict[str, list[Figure]]:
    """The registry's figures per topic, one per measure of the story, where the registry can say:
    entities, complete waves, lists of holders."""
    return tables.cached("registry figures", lambda: _read_registry_figures(tables))


def _read_registry_figures(tables: Tables) -> dict[str, list[Figure]]:
    out: dict[str, list[Figure]] = {}
    words = tables.registry.words
    for m in tables.registry.measures:
        said = f"{m.basis} figure of {m.as_of}"
        fp = tables.registry.current.select(pl.col("code").alias("area_code"), pl.col(m.column).alias("measure")).filter(pl.col("measure").is_not_null())
        for c, v in fp.iter_rows():
            out.setdefault(f"area:{c}", []).append((m.as_of, float(v), f"the registry's {said}"))
        des = tables["designations"].select("wave", "area_code").unique().join(fp, on="area_code")
        stated = tables["counts"].filter((pl.col("measure") == words.new) & pl.col("wave").is_not_null()).group_by("wave").agg(pl.col("lo").min(), pl.col("hi").max())
        waves = des.group_by("wave").agg(pl.len().alias("n"), pl.col("measure").sum()).join(stated, on="wave", how="left")
        for wave, n, total, lo, hi in waves.iter_rows():
            if lo is None or lo <= n <= hi:
                out.setdefault(f"wave:{wave}", []).append((m.as_of, float(total), f"the sum of the {said} of the {n} {words.entity.plural} it added"))
        held = tables["statuses"].filter((pl.col("status") == "in") & pl.col("wave").is_not_null()).select("wave", "area_code").unique().join(fp, on="area_code")
        for wave, n, total in held.group_by("wave").agg(pl.len(), pl.col("measure").sum()).iter_rows():
            out.setdefault(f"covered:{wave}", []).append((m.as_of, float(total), f"the sum of the {said} of the {n} {words.entity.plural} listed as {words.status.plural} then"))
    return out


def _reference(tables: Tables, params: PopulationAgreementParams, row: dict) -> tuple[float, str] | None:
    """The registry figure a statement is compared with: the one nearest its date, if near enough."""
    figures = _registry_figures(tables).get(row["topic"])
    if not figures:
        return None
    day = _day(row)
    when, value, what = min(figures, key=lambda f: (abs((f[0] - day).days), f[0]))
    if params.registry_years is not None and abs((when - day).days) > params.registry_years * 365.25:
        return None
    return value, what


def _day(row: dict) -> dt.date:
    return dt.date.fromisoformat(row["wave"] + "-01") if row["wave"] else row["as_of_lo"]


def _overlap(a: tuple[float, float], b: tuple[float, float]) -> bool:
    return a[0] <= b[1] and b[0] <= a[1]


def _statements(tables: Tables, params: PopulationAgreementParams) -> tuple[pl.DataFrame, list[dict]]:
    """The population claims, and one row per statement (the same figure about the same thing, however
    many sources give it) with the figure read as stated and as residents."""
    return tables.cached(("population statements", params), lambda: _read_statements(tables, params))


def _read_statements(tables: Tables, params: PopulationAgreementParams) -> tuple[pl.DataFrame, list[dict]]:
    claims = _topics(tables).with_row_index("row")
    statements = claims.group_by(
        "topic", "label", "scope", "value", "lo", "hi", "is_share", "basis", "wave", "as_of_lo", maintain_order=True
    ).agg(pl.col("row").alias("rows"))
    g_lo, g_hi = params.registered_ratio or (1.0, 1.0)
    rows = []
    for row in statements.iter_rows(named=True):
        whole = whole_usual(tables, _day(row))
        if row["is_share"] and whole is None:  # a share of a whole the story does not measure: nothing to compare
            continue
        if row["is_share"]:  # a share is basis-free: read it as a share of the whole on its usual basis
            resident = (row["lo"] * whole, row["hi"] * whole)
            as_stated = resident
        elif row["basis"] == "registered":
            resident = as_stated = (row["lo"] / g_hi, row["hi"] / g_lo)
        else:
            as_stated = (row["lo"], row["hi"])
            resident = (row["lo"] / g_hi, row["hi"]) if row["basis"] == "unstated" else as_stated
        rows.append({**row, "as_stated": as_stated, "resident": resident, "whole": whole})
    return claims, rows


def checks(tables: Tables, params: PopulationAgreementParams) -> list[Checked]:
    """Each figure, as stated, overlaps the registry's (± the tolerance) where the registry has one:
    a pair comparison each way."""
    _, rows = _statements(tables, params)
    tol = params.registry_tolerance
    compared = [
        (i, r["as_stated"][0], r["as_stated"][1], ref[0] * (1 - tol), ref[0] * (1 + tol))
        for i, r in enumerate(rows) if r["scope"] != "whole" for ref in [_reference(tables, params, r)] if ref is not None
    ]
    frame = pl.DataFrame(compared, schema={"row": pl.Int64, "stated_lo": pl.Float64, "stated_hi": pl.Float64, "ref_lo": pl.Float64, "ref_hi": pl.Float64}, orient="row")
    return [Checked(frame, (
        Expect("not_below", "a_at_least_b", "stated_hi", other="ref_lo"),
        Expect("not_above", "a_at_least_b", "ref_hi", other="stated_lo"),
    ))]


def report(tables: Tables, params: PopulationAgreementParams, context: Context, checked: list[Checked], broken: Broken) -> Iterator[Finding]:
    claims, rows = _statements(tables, params)
    g_lo, g_hi = params.registered_ratio or (1.0, 1.0)
    whole_name = tables.registry.words.whole

    def claim_frame(*picked: dict) -> pl.DataFrame:
        return claims.filter(pl.col("row").is_in([i for r in picked for i in r["rows"]])).select(*CLAIM_COLS)

    def shown(r: dict) -> str:
        return f"'{r['value']}' ({fmt_people(*r['as_stated'])}{f', share of {whole_name}' if r['is_share'] else ''})"

    tol = params.registry_tolerance
    for i in sorted(broken["not_below"] | broken["not_above"]):
        r = rows[i]
        value, what = _reference(tables, params, r)  # type: ignore[misc]
        ref = (value * (1 - tol), value * (1 + tol))
        if params.registered_ratio and _overlap(r["resident"], ref) and not r["is_share"]:
            ratio = (r["lo"] + r["hi"]) / 2 / value - 1
            yield REGISTERED_ONLY([r["label"]], claim_frame(r), expected=f"{fmt_people(*ref)} residents", found=r["value"],
                                  topic=r["label"], stated=shown(r), ratio=f"{ratio:+.1%}", residents=fmt_people(value),
                          explanation=f"The registry figure is {what}. The source does not state its basis; registered lists run {g_lo - 1:.0%}–{g_hi - 1:.0%} "
                                      "above residents, so the figure agrees on the registered basis, not the resident one.")
            continue
        yield REGISTRY([r["label"]], claim_frame(r), expected=f"{fmt_people(*ref)} (±{tol:.0%})", found=r["value"],
                       topic=r["label"], stated=shown(r), residents=fmt_people(value),
                      explanation=f"The registry figure is {what}; the source's basis is {r['basis']}"
                                  + (f", and a share is read against {whole_name}'s {fmt_people(r['whole'])}." if r["is_share"] else "."))
    for f in _whole(tables, params, rows, claim_frame, shown):  # the whole against its measure on any basis
        yield f.model_copy(update={"engine": "factcheck"})
    witnesses = {id(r) for r in rows if _borne_out(tables, params, r)}  # a figure the registry bears out is never the odd one
    doubted = {r["topic"] for r in rows if id(r) not in witnesses}
    for f in _disagreeing([r for r in rows if r["topic"] in doubted], params, claim_frame, shown, witnesses):  # claims against claims: not said as expectations
        yield f.model_copy(update={"engine": "factcheck"})


def _borne_out(tables: Tables, params: PopulationAgreementParams, r: dict) -> bool:
    """Whether the registry bears a figure out: its own figure (± the tolerance) for the topic at the
    figure's date, or, for the whole, its measure on any basis at that date."""
    tol = params.registry_tolerance
    if r["scope"] == "whole" and not r["is_share"]:
        years = params.registry_years or 0.0
        day = _day(r)
        return any(_overlap(r["as_stated"], (v * (1 - tol), v * (1 + tol)))
                   for _, d, v in tables.registry.whole_measure.iter_rows() if abs((d - day).days) <= years * 365.25)
    ref = _reference(tables, params, r) if r["scope"] != "whole" else None
    return ref is not None and _overlap(r["resident"] if params.registered_ratio else r["as_stated"], (ref[0] * (1 - tol), ref[0] * (1 + tol)))


def _disagreeing(rows: list[dict], params: PopulationAgreementParams, claim_frame, shown, witnesses: set[int] = frozenset()) -> Iterator[Finding]:  # type: ignore[no-untyped-def]
    """Figures about the same thing that cannot all be true: the ones outside the span most share. A
    figure the registry bears out (``witnesses``) is never the odd one, and outweighs any other."""
    ctol = params.claim_tolerance
    by_topic: dict[str, list[dict]] = {}
    for r in rows:
        by_topic.setdefault(r["topic"], []).append(r)
    for statements in by_topic.values():
        for group in _of_a_time(statements, params.claim_years):
            yield from _odd_ones(group, ctol, claim_frame, shown, witnesses)


def _odd_ones(group: list[dict], ctol: float, claim_frame, shown, witnesses: set[int]) -> Iterator[Finding]:  # type: ignore[no-untyped-def]
    """The statements of one group outside the span most of them share."""
    if len(group) < 2:  # one statement: nothing to compare it with
        return
    spans = [(r["resident"][0] * (1 - ctol), r["resident"][1] * (1 + ctol)) for r in group]
    weight = [len(r["rows"]) + (10**9 if id(r) in witnesses else 0) for r in group]  # a statement counts as often as it is made
    best = max((lo for lo, _ in spans), key=lambda x: sum(w for (a, b), w in zip(spans, weight) if a <= x <= b))
    agree = [r for r, (a, b) in zip(group, spans) if a <= best <= b]
    for r, (a, b) in zip(group, spans):
        if not a <= best <= b and id(r) not in witnesses:
            yield CLAIMS([r["label"]], claim_frame(r, *agree), expected=f"about {fmt_people(best)}", found=r["value"],
                         topic=r["label"], stated=shown(r), others=", ".join(shown(o) for o in agree),
                         explanation=f"Read as residents (a share of the whole; an unstated basis either way), within ±{ctol:.0%}, "
                                     "the other figures can all be true, this one cannot.")


def _of_a_time(rows: list[dict], years: float | None) -> list[list[dict]]:
    """Statements of one thing, in groups whose dates lie within ``years`` of the group's first
    (all of them together when ``years`` is None)."""
    if years is None:
        return [rows]
    groups: list[list[dict]] = []
    for r in sorted(rows, key=_day):
        if groups and (_day(r) - _day(groups[-1][0])).days <= years * 365.25:
            groups[-1].append(r)
        else:
            groups.append([r])
    return groups


def _whole(tables: Tables, params: PopulationAgreementParams, rows: list[dict], claim_frame, shown) -> Iterator[Finding]:  # type: ignore[no-untyped-def]
    """Figures of the whole against its measure: agreeing on any of its bases, at the figure's date
    (within ``registry_years``, else the same day), is agreeing; no figure there is nothing to compare."""
    measure = tables.registry.whole_measure
    tol = params.registry_tolerance
    years = params.registry_years if params.registry_years is not None else 0.0
    for r in rows:
        if r["scope"] != "whole" or r["is_share"]:
            continue
        day = _day(r)
        near = [(b, d, v) for b, d, v in measure.iter_rows() if abs((d - day).days) <= max(years * 365.25, 0)]
        if not near:
            continue
        if any(_overlap(r["as_stated"], (v * (1 - tol), v * (1 + tol))) for _, _, v in near):
            continue
        figures = ", ".join(f"{fmt_people(v)} ({b}, {d})" for b, d, v in near[:4])
        yield WHOLE([tables.registry.words.whole], claim_frame(r), expected=f"one of {figures}", found=r["value"],
                    as_of=str(r["as_of_lo"]), stated=shown(r), figures=figures,
                    explanation=f"Within ±{tol:.0%}, the figure matches the whole's measure on none of its bases at its date.")


KIND = RuleKind("population_agreement", "POP", "Population figures agree with the registry and each other as intervals, on a declared basis.",
                __doc__ or "", PopulationAgreementParams, polars_run(checks, report), checks, report,
                (REGISTERED_ONLY, REGISTRY, WHOLE, CLAIMS))
