"""The typed tables: their columns and dtypes, and the ``Tables`` bundle the rules read.

This module is the single statement of each table's columns. The loader builds frames with exactly
these dtypes; ``facts.schemas`` states the same columns as pandera models with their checks, and a
test holds the two together.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

import polars as pl

T = TypeVar("T")
S, I, F, D, B = pl.String, pl.Int32, pl.Float64, pl.Date, pl.Boolean

#: Columns every claim row carries: where it comes from, in the fact file and in the source text.
CLAIM = {
    "claim_id": S, "source_id": S, "kind": S, "quote": S, "source_line": I, "fact_file": S, "fact_line": I,
}
AREA = {"subject": S, "area_code": S, "area_name": S, "name_match": S, "suggestion": S}
AS_OF = {"as_of_lo": D, "as_of_hi": D}
VALUE = {"value": S, "lo": F, "hi": F}

COLUMNS: dict[str, dict[str, pl.DataType]] = {
    "sources": {
        "source_id": S, "title": S, "publisher": S, "source_kind": S, "text_file": S, "published_lo": D,
        "published_hi": D, "published_exact": B, "date_reason": S, "url": S, "fact_file": S, "fact_line": I,
    },
    "designations": {
        **CLAIM, **AREA, "wave": S, "announced_lo": D, "announced_hi": D, "effective_lo": D, "effective_hi": D,
        "list_id": S,
    },
    "lists": {**CLAIM, "list_id": S, "title": S, "means": S, "wave": S, "n_items": I},
    "list_items": {**CLAIM, **AREA, "list_id": S, "position": I, "means": S, "wave": S},
    "counts": {
        **CLAIM, "measure": S, "subject": S, **VALUE, "wave": S, "when": S, **AS_OF, "list_id": S, "n_extras": I,
    },
    # Areas a count names beside its number, outside it ("29, besides Greater Manchester").
    "extras": {**CLAIM, **AREA, "count_id": S, "measure": S, "wave": S, "when": S},
    "region_counts": {**CLAIM, "region": S, "subject": S, **VALUE, "list_id": S, "wave": S, **AS_OF},
    "mergers": {
        **CLAIM, **AREA, "into": S, "into_code": S, "into_name": S, "into_match": S, "wave": S,
    },
    "populations": {
        **CLAIM, **AREA, "scope": S, **VALUE, "is_share": B, "basis": S, "wave": S, **AS_OF,
    },
    "statuses": {**CLAIM, **AREA, "status": S, **AS_OF, "wave": S, "list_id": S},
    "quotes": {**CLAIM, "speaker": S, "role": S, "occasion": S, "said_lo": D, "said_hi": D, "words": S},
}

#: Claim tables whose ``subject`` names an area of the registry.
AREA_TABLES = ("designations", "list_items", "mergers", "populations", "statuses", "extras")
CLAIM_TABLES = tuple(name for name in COLUMNS if name != "sources")


def month_wave(column: str = "wave") -> pl.Expr:
    """Rows whose wave is known by its month (not only by its year, '2019', or its order, '#3')."""
    return pl.col(column).str.contains(r"^\d{4}-\d{2}$").fill_null(False)


def empty(name: str) -> pl.DataFrame:
    return pl.DataFrame(schema=COLUMNS[name])


#: While a rule runs under ``Tables.noting``: the names of the tables it has read.
_NOTED: ContextVar[set[str] | None] = ContextVar("noted", default=None)


class Tables:
    """Every table of one dataset, plus the reference registry it was resolved against."""

    def __init__(self, frames: dict[str, pl.DataFrame], registry: "object") -> None:
        self._frames = frames
        self.registry = registry  # facts.registry.Registry
        self._cache: dict = {}  # what ``cached`` made, with the tables the making read
        self._prints: dict[str, bytes] = {}  # ``fingerprint`` of each table

    def __getitem__(self, name: str) -> pl.DataFrame:
        noted = _NOTED.get()
        if noted is not None:
            noted.add(name)
        return self._frames[name]

    @property
    def frames(self) -> dict[str, pl.DataFrame]:
        """Every table by its name (what reads them all this way is noted as reading every table)."""
        noted = _NOTED.get()
        if noted is not None:
            noted.update(self._frames)
        return self._frames

    @property
    def claim_count(self) -> int:
        """Claims as written: list items count one each, a list itself does not (nor a count's extras)."""
        return sum(self[n].height for n in CLAIM_TABLES if n not in ("designations", "statuses", "lists", "extras")) + sum(
            self[n].filter(pl.col("list_id").is_null()).height for n in ("designations", "statuses")
        )

    @property
    def quote_count(self) -> int:
        """Quoted spans: every claim, and each list's own heading (the rows of ``all_claims``)."""
        return self.claim_count + self["lists"].height

    def cached(self, key: object, make: "Callable[[], T]") -> "T":
        """``make()``, made once for these tables: what several rules (or a rule and the report) derive
        from the same tables is derived once per run. Each use notes the tables the making read."""
        if key not in self._cache:
            with self.noting() as read:
                value = make()
            self._cache[key] = (value, read)
        value, read = self._cache[key]
        noted = _NOTED.get()
        if noted is not None:
            noted |= read
        return value

    @contextmanager
    def noting(self) -> Iterator[set[str]]:
        """The names of the tables read inside the block (within an outer block, its reads too)."""
        outer = _NOTED.get()
        read: set[str] = set()
        token = _NOTED.set(read)
        try:
            yield read
        finally:
            _NOTED.reset(token)
            if outer is not None:
                outer |= read

    def fingerprint(self, name: str) -> bytes:
        """A digest of one table's schema and rows, in order (made once per table)."""
        if name not in self._prints:
            import hashlib

            frame = self._frames[name]
            digest = hashlib.blake2b(f"{frame.schema}\0{frame.height}".encode(), digest_size=16)
            if frame.height:
                digest.update(frame.hash_rows(seed=0).to_numpy().tobytes())
            self._prints[name] = digest.digest()
        return self._prints[name]

    def all_claims(self) -> pl.DataFrame:
        """The provenance columns of every claim row of every table (rows listed in two tables once)."""
        return self.cached("all_claims", lambda: pl.concat([self[n].select(*CLAIM) for n in CLAIM_TABLES]).unique(
            subset=["source_id", "claim_id"], keep="first", maintain_order=True
        ))

    def with_frames(self, **frames: pl.DataFrame) -> "Tables":
        return Tables({**self._frames, **frames}, self.registry)
