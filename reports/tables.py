"""Views of the typed tables (``factcheck tables``)."""

from __future__ import annotations

import json

import polars as pl

from factcheck.facts.tables import Tables


def _jsonable(value: object) -> object:
    return value.isoformat() if hasattr(value, "isoformat") else value


def tables_json(tables: Tables) -> str:
    """One object: table name -> list of row objects (dates as ISO strings)."""
    out = {
        name: [{k: _jsonable(v) for k, v in row.items()} for row in frame.iter_rows(named=True)]
        for name, frame in tables.frames.items()
    }
    return json.dumps(out, ensure_ascii=False, indent=1)


def tables_text(tables: Tables, rows: int = 5) -> str:
    """Each table's name, row count and first rows."""
    parts = []
    with pl.Config(tbl_rows=rows, tbl_cols=8, fmt_str_lengths=40, tbl_width_chars=160, tbl_hide_dataframe_shape=True):
        for name, frame in tables.frames.items():
            parts.append(f"{name}: {frame.height} rows\n{frame.head(rows)}\n")
    parts.append(f"{tables.claim_count} claims from {tables['sources'].height} sources")
    return "\n".join(parts)
