"""pandera models of the typed tables (polars backend), validated lazily: every failure at once.

Importing pandera costs more than half a second, so this module is imported only where tables are
validated (``factcheck tables``, tabular inputs, tests), never on the YAML check path, whose records
pydantic has already validated into the dtypes of ``facts.tables``.
"""

from __future__ import annotations

import polars as pl
import pandera.polars as pa
from pandera.api.polars.types import PolarsData

WAVE = r"^\d{4}-(0[1-9]|1[0-2])$"
SOME_WAVE = r"^(\d{4}(-(0[1-9]|1[0-2]))?|#\d{1,2})$"  # a month, a year, or '#3' (only the order is known)
MEANS = ["designation", "in", "out", "mention"]


class Claims(pa.DataFrameModel):
    """Provenance every claim row carries."""

    claim_id: str = pa.Field(str_length={"min_value": 1, "max_value": 400})
    source_id: str = pa.Field(str_length={"min_value": 1, "max_value": 80})
    kind: str
    quote: str = pa.Field(str_length={"min_value": 1, "max_value": 600})
    source_line: pl.Int32 = pa.Field(ge=1)
    fact_file: str
    fact_line: pl.Int32 = pa.Field(ge=1)

    class Config:
        strict = True
        coerce = False
        unique = ["source_id", "claim_id"]


class Areas(Claims):
    subject: str
    area_code: str = pa.Field(nullable=True)
    area_name: str = pa.Field(nullable=True)
    name_match: str = pa.Field(nullable=True, isin=["official", "common", "former", "variant", "unknown"])
    suggestion: str = pa.Field(nullable=True)


class Interval(pa.DataFrameModel):
    value: str
    lo: pl.Float64 = pa.Field(ge=0)
    hi: pl.Float64 = pa.Field(ge=0)

    @pa.dataframe_check
    def lo_not_above_hi(cls, data: PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col("lo") <= pl.col("hi"))


class AsOf(pa.DataFrameModel):
    as_of_lo: pl.Date = pa.Field(nullable=True)
    as_of_hi: pl.Date = pa.Field(nullable=True)


class Sources(pa.DataFrameModel):
    source_id: str = pa.Field(unique=True, str_length={"min_value": 1, "max_value": 80})
    title: str
    publisher: str
    source_kind: str = pa.Field(isin=["news", "official"])
    text_file: str
    published_lo: pl.Date
    published_hi: pl.Date
    published_exact: bool
    date_reason: str = pa.Field(nullable=True)
    url: str = pa.Field(nullable=True)
    fact_file: str
    fact_line: pl.Int32 = pa.Field(ge=1)

    class Config:
        strict = True

    @pa.dataframe_check
    def dated_or_explained(cls, data: PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(
            (pl.col("published_lo") <= pl.col("published_hi"))
            & (pl.col("published_exact") | pl.col("date_reason").is_not_null())
        )


class Designations(Areas):
    wave: str = pa.Field(str_matches=SOME_WAVE)
    announced_lo: pl.Date
    announced_hi: pl.Date
    effective_lo: pl.Date = pa.Field(nullable=True)  # only when a claim states it
    effective_hi: pl.Date = pa.Field(nullable=True)
    list_id: str = pa.Field(nullable=True)


class Lists(Claims):
    list_id: str
    title: str
    means: str = pa.Field(isin=MEANS)
    wave: str = pa.Field(nullable=True, str_matches=SOME_WAVE)
    n_items: pl.Int32 = pa.Field(ge=1)


class ListItems(Areas):
    list_id: str
    position: pl.Int32 = pa.Field(ge=1)
    means: str = pa.Field(isin=MEANS)
    wave: str = pa.Field(nullable=True, str_matches=SOME_WAVE)


class Counts(Claims, Interval, AsOf):
    measure: str = pa.Field(str_matches=r"^[a-z][a-z0-9_]*$")
    subject: str
    wave: str = pa.Field(nullable=True, str_matches=SOME_WAVE)
    when: str = pa.Field(isin=["before", "after"])
    list_id: str = pa.Field(nullable=True)
    n_extras: pl.Int32 = pa.Field(nullable=True, ge=0, le=50)


class Extras(Areas):
    count_id: str
    measure: str = pa.Field(str_matches=r"^[a-z][a-z0-9_]*$")
    wave: str = pa.Field(nullable=True, str_matches=SOME_WAVE)
    when: str = pa.Field(isin=["before", "after"])


class RegionCounts(Claims, Interval, AsOf):
    region: str
    subject: str
    list_id: str = pa.Field(nullable=True)
    wave: str = pa.Field(nullable=True, str_matches=SOME_WAVE)


class Mergers(Areas):
    into: str
    into_code: str = pa.Field(nullable=True)
    into_name: str = pa.Field(nullable=True)
    into_match: str = pa.Field(nullable=True)
    wave: str = pa.Field(nullable=True, str_matches=SOME_WAVE)


class Populations(Areas, Interval, AsOf):
    scope: str = pa.Field(isin=["area", "wave", "covered", "whole"])
    is_share: bool
    basis: str = pa.Field(isin=["resident", "registered", "unstated"])
    wave: str = pa.Field(nullable=True, str_matches=WAVE)


class Statuses(Areas, AsOf):
    status: str = pa.Field(isin=["in", "out"])
    wave: str = pa.Field(nullable=True, str_matches=SOME_WAVE)
    list_id: str = pa.Field(nullable=True)


class Quotes(Claims):
    speaker: str
    role: str = pa.Field(nullable=True)
    occasion: str
    said_lo: pl.Date = pa.Field(nullable=True)
    said_hi: pl.Date = pa.Field(nullable=True)
    words: str = pa.Field(str_length={"min_value": 1, "max_value": 600})


class Registry(pa.DataFrameModel):
    """The story's entities: a code and an official name each, both unique; measure columns beside."""

    code: str = pa.Field(unique=True)
    name: str = pa.Field(unique=True)
    group: str = pa.Field(nullable=True)
    source: str


MODELS: dict[str, type[pa.DataFrameModel]] = {
    "sources": Sources,
    "designations": Designations,
    "lists": Lists,
    "list_items": ListItems,
    "counts": Counts,
    "extras": Extras,
    "region_counts": RegionCounts,
    "mergers": Mergers,
    "populations": Populations,
    "statuses": Statuses,
    "quotes": Quotes,
    "registry": Registry,
}


def validate(frames: dict[str, pl.DataFrame]) -> list[str]:
    """Validate every table that has a model; return one message per failure (empty when all pass)."""
    problems: list[str] = []
    for name, frame in frames.items():
        def say(line, column, field, message, name=name):  # type: ignore[no-untyped-def]
            problems.append(f"table {name}: column {field!r}: {message}" if field else f"table {name}: {message}")

        failures(name, frame, say)
    return problems


def failures(table: str, frame: pl.DataFrame, error, limit: int | None = None) -> list[int]:  # type: ignore[no-untyped-def]
    """Validate one table's rows with its model; report each failure (the first ``limit`` of them) through
    ``error(line, column, field, message)`` (the row's ``fact_line``) and return the failing row indices."""
    model = MODELS.get(table)
    if model is None:
        return []
    try:
        model.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as err:
        rows: list[int] = []
        for reported, case in enumerate(err.failure_cases.iter_rows(named=True)):
            index = case.get("index")
            if index is not None:
                rows.append(int(index))
            if limit is None or reported < limit:
                line = int(frame["fact_line"][index]) if index is not None and "fact_line" in frame.columns else None
                error(line, None, case.get("column"), f"{case.get('check')}: found {case.get('failure_case')!r}")
        return sorted(set(rows))
    except pa.errors.SchemaError as err:
        error(None, None, None, str(err).splitlines()[0])
        return list(range(frame.height))
    return []
