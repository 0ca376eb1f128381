"""Declarative expectations: what a rule asks of a frame, in a form both engines can run.

A rule kind that can be said this way gives ``checks(tables, params)``: frames, each with the
expectations its rows must meet, and ``report(tables, params, context, broken)``: findings made from
the rows that break them. The default engine evaluates the expectations with polars expressions;
``--engine gx`` hands the same expectations to great-expectations (``checks.gx_engine``). Either way
the same ``report`` turns broken rows into findings, so the two engines can only differ where they
evaluate an expectation differently, and a test holds them together.

Every frame carries a ``row`` column by which broken rows are named. As in GX, a null value breaks no
column expectation, and an expectation with a row condition (``where``) looks only at the rows it selects.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import polars as pl

from .model import Finding

Broken = dict[str, set[int]]  # expectation name -> the rows of its frame that break it


@dataclass(frozen=True)
class Expect:
    """One expectation on one column (or a pair of columns) of a frame."""

    name: str  # unique within the rule: how ``report`` asks for its broken rows
    kind: str  # in_set | not_in_set | unique | a_at_least_b
    column: str
    values: tuple[Any, ...] = ()
    other: str | None = None  # for a_at_least_b: column B
    where: tuple[str, Any] | None = None  # a row condition, (column, value): only rows where column == value

    def breaks(self) -> pl.Expr:
        """True on the rows that break the expectation (null values break nothing)."""
        applies = pl.col(self.where[0]) == self.where[1] if self.where else pl.lit(True)
        return (applies & self._breaks()).fill_null(False)

    def _breaks(self) -> pl.Expr:
        col = pl.col(self.column)
        if self.kind == "in_set":
            return col.is_not_null() & ~col.is_in(list(self.values))
        if self.kind == "not_in_set":
            return col.is_not_null() & col.is_in(list(self.values))
        if self.kind == "unique":
            return col.is_not_null() & col.is_duplicated()
        if self.kind == "a_at_least_b":
            other = pl.col(self.other)
            return col.is_not_null() & other.is_not_null() & (col < other)
        raise ValueError(f"unknown expectation kind {self.kind!r}")


@dataclass(frozen=True)
class Checked:
    """A frame and the expectations its rows must meet."""

    frame: pl.DataFrame  # with a ``row`` column
    expectations: tuple[Expect, ...]


def with_rows(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_row_index("row").with_columns(pl.col("row").cast(pl.Int64))


def evaluate(checked: Iterable[Checked]) -> Broken:
    """The default engine: every expectation as one polars expression over its frame."""
    broken: Broken = {}
    for c in checked:
        if not c.expectations:
            continue
        flags = c.frame.select("row", *[e.breaks().alias(e.name) for e in c.expectations])
        for e in c.expectations:
            broken[e.name] = set(flags["row"].filter(flags[e.name]).to_list())
    return broken


def rows(frame: pl.DataFrame, broken: set[int]) -> pl.DataFrame:
    return frame.filter(pl.col("row").is_in(sorted(broken)))


def polars_run(checks: Callable, report: Callable) -> Callable[..., Iterator[Finding]]:  # type: ignore[type-arg]
    """A rule kind's ``run`` on the default engine: evaluate its checks with polars, then report."""

    def run(tables, params, context):  # type: ignore[no-untyped-def]
        checked = checks(tables, params)
        return report(tables, params, context, checked, evaluate(checked))

    return run
