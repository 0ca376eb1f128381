"""What a report's pictures show, computed once from the tables: the running count of the story's
status as the waves add it up and as each source states it, and every entity with what each source
says of it.

It is data in the ``Report`` (``Report.overview``), so that the HTML view stays a pure function of the
report and the JSON carries the same numbers.
"""

from __future__ import annotations

from collections import Counter, defaultdict
import datetime as dt

import polars as pl

from factcheck.facts.tables import Tables

from .model import EntityRow, Mark, Overview, StatedTotal, WaveStep
from .kinds.running_totals import RunningTotalsParams, dated, walk

MAX_SOURCE_COLUMNS = 12  # beyond this many sources, the entity table counts claims instead of a column each


def overview(tables: Tables, params: RunningTotalsParams | None = None) -> Overview:
    params = params or RunningTotalsParams().for_story(tables.registry.words)
    by_source = tables["sources"].height <= MAX_SOURCE_COLUMNS
    if dated(tables):  # the registry dates every entry: the line is the registry's, the dots what sources state
        return _dated(tables, params, by_source)
    walked = walk(tables, params)
    start = walked.start or 0.0
    waves = [
        WaveStep(wave=w["wave"], before=start + w["before"], added=w["added"], absorbed=w["absorbed"], after=start + w["after"])
        for w in walked.waves.iter_rows(named=True)
    ]
    stated = []
    for c in walked.checkpoints:
        row = c.row
        stated.append(StatedTotal(
            source_id=row["source_id"], claim_id=row["claim_id"], value=row["value"], measure=row["measure"],
            at="final" if row["measure"] == params.planned_measure else c.label.replace(" wave", ""),
            wave=waves[-1].wave if row["measure"] == params.planned_measure else row["wave"],
            held_lo=c.lo + c.cum, held_hi=c.hi + c.cum, expected=start + c.cum,
            fact_file=row["fact_file"], fact_line=row["fact_line"], quote=row["quote"], claims=len(row["row"]),
        ))
    by_source = tables["sources"].height <= MAX_SOURCE_COLUMNS
    return Overview(
        national_total=walked.total_on(dt.date.max),
        by_source=by_source, waves=waves, stated=stated, entities=entity_rows(tables, by_source),
    )


def _dated(tables: Tables, params: RunningTotalsParams, by_source: bool) -> Overview:
    """The overview of a story whose registry dates every entry: one step per month with entries, and
    each count of holders a source states at its date, against the registry's count then."""
    entered = tables.registry.entered.with_columns(pl.col("entered").dt.strftime("%Y-%m").alias("wave"))
    months = entered.group_by("wave").agg(pl.len().alias("added")).sort("wave")
    waves, held = [], 0
    for wave, added in months.iter_rows():
        waves.append(WaveStep(wave=wave, before=held, added=added, absorbed=0, after=held + added))
        held += added
    stated = []
    counts = tables["counts"].filter((pl.col("measure") == params.status_measure) & pl.col("as_of_lo").is_not_null())
    for row in counts.iter_rows(named=True):
        day = row["as_of_hi"]
        fewest, most = int((entered["entered"] < row["as_of_lo"]).sum()), int((entered["entered"] <= day).sum())
        expected = min(max(row["lo"], fewest), most) if row["hi"] >= fewest else fewest  # the registry's count nearest the statement
        stated.append(StatedTotal(
            source_id=row["source_id"], claim_id=row["claim_id"], value=row["value"], measure=row["measure"], at=f"as of {day}",
            wave=f"{day.year}-{day.month:02d}", held_lo=row["lo"], held_hi=row["hi"], expected=expected,
            fact_file=row["fact_file"], fact_line=row["fact_line"], quote=row["quote"], day_of_month=day.day,
        ))
    return Overview(national_total=tables.registry.entity_total(dt.date.max), line="registry", by_source=by_source, waves=waves, stated=stated,
                    entities=entity_rows(tables, by_source))


def _marks(tables: Tables) -> pl.DataFrame:
    """One row per statement about an entity: designations, statuses, and past entities merging into it.
    ``row`` is the entity's code (a past entity counts under the one it became part of)."""
    no_wave = pl.lit(None, pl.String).alias("wave")
    words = tables.registry.words
    held = pl.when(pl.col("status") == "in").then(pl.lit(words.status.singular)).otherwise(pl.lit(f"not {words.status.singular}"))
    designated = tables["designations"].select(
        "area_code", "subject", "source_id", pl.lit("designated").alias("what"),
        pl.coalesce("wave", pl.lit("designated, no wave said")).alias("label"),
        "fact_file", "fact_line", "wave",
    )
    statuses = tables["statuses"].select(
        "area_code", "subject", "source_id", pl.col("status").alias("what"),
        pl.coalesce(held + " by " + pl.col("as_of_hi").dt.strftime("%Y-%m"), held).alias("label"),  # "<status> by 2021-04", or undated
        "fact_file", "fact_line", no_wave,
    )
    merged = tables["mergers"].select(
        pl.col("into_code").alias("area_code"), pl.col("into").alias("subject"), "source_id", pl.lit("merged").alias("what"),
        (pl.lit("merged: ") + pl.coalesce("area_name", "subject")).alias("label"),
        "fact_file", "fact_line", no_wave,
    )
    early = tables.registry.past.select(pl.col("id").alias("area_code"), "part_of")
    row = pl.coalesce("part_of", "area_code", pl.lit("?") + pl.col("subject")).alias("row")
    return (
        pl.concat([designated, statuses, merged])
        .join(early, on="area_code", how="left")
        .select(row, "source_id", "what", "label", "fact_file", "fact_line", "wave")
    )


def entity_rows(tables: Tables, by_source: bool = True) -> list[EntityRow]:
    """The entities of the story (and any name that resolves to none), ordered by the wave most sources
    designate them in; each with what every source says of it (``by_source``), or what is said of it
    and by how many claims."""
    marks = _marks(tables)
    if not by_source:
        marks = marks.group_by("row", "what", "label", maintain_order=True).agg(
            pl.lit("").alias("source_id"), pl.col("fact_file").first(), pl.col("fact_line").first(), pl.col("wave").first(), pl.len().alias("claims"))
    else:
        marks = marks.sort("fact_file", "fact_line").with_columns(pl.lit(1).alias("claims"))
    by_row: dict[str, list[dict]] = defaultdict(list)
    for mark in marks.iter_rows(named=True):
        by_row[mark["row"]].append(mark)
    rows = []
    entities = tables.registry.current.select("code", "name", "group").iter_rows()
    unknown = [(key, key[1:], None) for key in by_row if key.startswith("?")]
    for code, name, region in [*entities, *unknown]:
        marks = by_row.get(code, [])
        waves: Counter[str] = Counter()
        for m in marks:
            if m["wave"]:
                waves[m["wave"]] += m["claims"]
        wave = max(waves, key=lambda w: (waves[w], w)) if waves else None
        rows.append(EntityRow(
            code=None if code.startswith("?") else code, name=name, group=region, wave=wave,
            marks=[Mark(**{k: m[k] for k in ("source_id", "what", "label", "fact_file", "fact_line", "claims")}) for m in marks],
        ))
    rows.sort(key=lambda r: (r.wave or "9999", r.name.lower()))
    return rows
