"""Claims at scale, as tables: CSV, Parquet or NDJSON files with the columns of the typed tables.

A file says which table it holds by its name, ``<anything>.<table>.<ext>``: ``claims.designations.parquet``,
``press.sources.csv``. Its columns are those of ``facts.tables`` for that table; the columns the loader
derives (area resolution, the bounds of a hedged value, the file and line) may be left out. Polars
reads the file lazily, every value is cast to its declared dtype, and the same pandera models that
describe the typed tables validate the rows, all at once. A row that fails is reported with its file,
line (CSV and NDJSON) or row (Parquet), column and what was expected, and is left out; the other rows
and files are used.

Bounds are checked where the values are read: a ``source_line`` above ``loader.MAX_LINE``, a
``position`` or ``n_items`` above ``loader.MAX_POSITION``, and a ``text_file`` that is not a plain file
name (an absolute path, a folder, ``..``) are errors of their row. At most ``MAX_ERRORS`` errors are
reported per file, then one line counts the rest; found values are shown cut short (``safepath.shown``).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from .loader import MAX_LINE, MAX_POSITION, LoadError  # loader imports this module only inside load(), so no cycle at import
from .safepath import UnsafeRead, regular_size, shown
from .tables import COLUMNS
from .values import parse_value

SUFFIXES = {".csv": "csv", ".parquet": "parquet", ".ndjson": "ndjson", ".jsonl": "ndjson"}
#: Columns the loader fills in; a table file may leave them out (given, they are recomputed).
DERIVED = frozenset({
    "area_code", "area_name", "name_match", "suggestion", "into_code", "into_name", "into_match",
    "fact_file", "fact_line", "lo", "hi", "is_share",
})
#: Columns a table file may leave out (left empty): what only some claims say.
OPTIONAL = frozenset({"n_extras", "said_lo", "said_hi", "effective_lo", "effective_hi"})
MAX_BYTES = 1 << 30
MAX_ERRORS = 50  # reported per file; the rest are counted
#: The most a whole-number column may say (a bigger number is an error of its row).
INT_BOUNDS = {"source_line": MAX_LINE, "position": MAX_POSITION, "n_items": MAX_POSITION}
#: A source's text file: a plain file name, as in a YAML fact file (no folder, no '..').
TEXT_FILE = r"^[^/\\]{1,200}$"


def table_of(path: Path) -> str | None:
    """The typed table a file holds, from its name, or None if it is not a table file."""
    if path.suffix.lower() not in SUFFIXES:
        return None
    table = path.stem.rsplit(".", 1)[-1]
    return table if "." in path.stem and table in COLUMNS else None


def _scan(path: Path, form: str) -> pl.LazyFrame:
    if form == "csv":
        return pl.scan_csv(path, infer_schema=False)  # every column as text; cast below, with errors named
    if form == "parquet":
        return pl.scan_parquet(path)
    return pl.scan_ndjson(path, infer_schema_length=1000)


def _cast(column: str, dtype: pl.DataType, given: pl.DataType) -> pl.Expr:
    col = pl.col(column)
    if dtype == pl.Date and given == pl.String:
        return col.str.to_date("%Y-%m-%d", strict=False)
    if dtype == pl.Boolean and given == pl.String:
        return col.str.to_lowercase().replace_strict({"true": True, "false": False}, default=None, return_dtype=pl.Boolean)
    return col.cast(dtype, strict=False)


def read_table(path: Path, label: str, error: _FileErrors) -> tuple[str, pl.DataFrame] | None:
    """One table file as a frame of its table's dtypes (rows that fail are reported through ``error``
    as ``error(line, column, field, message)`` and left out; ``error.more(n)`` counts ``n`` it does not
    show), or None when the file is unusable."""
    table, form = table_of(path), SUFFIXES[path.suffix.lower()]
    if table is None:
        return None
    try:
        size = regular_size(path)  # a FIFO or a device is refused before polars opens it
    except UnsafeRead as err:
        error(None, None, None, err.message)
        return None
    if size > MAX_BYTES:
        error(None, None, None, f"file is larger than {MAX_BYTES} bytes")
        return None
    if form == "ndjson" and size == 0:  # no rows: polars cannot scan an empty NDJSON file
        return table, pl.DataFrame(schema=COLUMNS[table])
    try:
        lazy = _scan(path, form)
        given = lazy.collect_schema()
    except (pl.exceptions.PolarsError, OSError) as err:
        error(None, None, None, f"cannot be read as {form}: {str(err).splitlines()[0]}")
        return None
    schema = COLUMNS[table]
    required = [c for c in schema if c not in DERIVED and (c in given or c not in OPTIONAL)]
    missing = [c for c in required if c not in given]
    unknown = [c for c in given if c not in schema]
    if missing or unknown:
        what = "; ".join(s for s in (
            f"missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)}" if missing else "",
            f"unknown column{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}" if unknown else "",
        ) if s)
        error(1 if form == "csv" else None, None, None, f"{what} (a {table} table has {', '.join(required)})")
        return None
    # Line of each row in the file: CSV has a header line; NDJSON is a row a line; Parquet counts rows.
    first = {"csv": 2, "ndjson": 1, "parquet": 1}[form]
    try:
        frame = (
            lazy.select(required)
            .with_row_index("fact_line", offset=first)
            .with_columns(pl.col("fact_line").cast(pl.Int32))
            .with_columns([_cast(c, schema[c], given[c]).alias(f"{c}__typed") for c in required])
            .collect()
        )
    except pl.exceptions.PolarsError as err:
        error(None, None, None, f"cannot be read as {form}: {str(err).splitlines()[0]}")
        return None
    bad = pl.lit(False)
    for c in required:
        typed = pl.col(f"{c}__typed")
        checks = [(pl.col(c).is_not_null() & typed.is_null(), f"expected {_describe(schema[c])}", c)]  # a value its dtype cannot hold
        if c in INT_BOUNDS:
            checks.append((typed > INT_BOUNDS[c], f"expected at most {INT_BOUNDS[c]:,}", f"{c}__typed"))
        if table == "sources" and c == "text_file":
            checks.append((~typed.str.contains(TEXT_FILE) | typed.is_in([".", ".."]), "expected the file name of the source text, without folders", c))
        for wrong, expected, shows in checks:
            failed = frame.filter(wrong.fill_null(False))
            for line, value in failed.select("fact_line", shows).head(MAX_ERRORS).iter_rows():
                error(line, None, c, f"{expected}, found {shown(value)}")
            if failed.height > MAX_ERRORS:
                error.more(failed.height - MAX_ERRORS)
            bad = bad | wrong.fill_null(False)
    frame = frame.filter(~bad).select("fact_line", *[pl.col(f"{c}__typed").alias(c) for c in required])
    if table in SIDES:
        frame = _sides(frame, SIDES[table], error)
    if "value" in schema:
        frame = _with_bounds(frame, error, counts=table == "counts")
    frame = frame.with_columns(pl.lit(label).alias("fact_file")) if "fact_file" in schema else frame.drop("fact_line")
    filled = [pl.col(c) if c in frame.columns else pl.lit(None, dtype).alias(c) for c, dtype in schema.items()]
    return table, frame.select(filled)


def _with_bounds(frame: pl.DataFrame, error, counts: bool = False) -> pl.DataFrame:  # type: ignore[no-untyped-def]
    """Bounds of each hedged value ('nearly 14.5 million'), parsed once per distinct value (a count's
    as the loader reads it: ``loader.count_bounds``). A value that cannot be read is an error (its
    message cut short: ``safepath.cut`` through ``LoadError``)."""
    from .loader import count_bounds

    bounds, bad = [], set()
    for value in frame["value"].drop_nulls().unique().to_list():
        try:
            v = parse_value(value)
            lo, hi = count_bounds(value) if counts else (v.lo, v.hi)
            bounds.append((value, lo, hi, v.share))
        except ValueError as err:
            bad.add(value)
            line = frame.filter(pl.col("value") == value)["fact_line"][0]
            error(line, None, "value", str(err))
    parsed = pl.DataFrame(bounds, schema={"value": pl.String, "lo": pl.Float64, "hi": pl.Float64, "is_share": pl.Boolean}, orient="row")
    return frame.filter(~pl.col("value").is_in(list(bad))).join(parsed, on="value", how="left")


SIDES = {"statuses": "status", "lists": "means", "list_items": "means"}  # columns that say the story's status


def _sides(frame: pl.DataFrame, column: str, error) -> pl.DataFrame:  # type: ignore[no-untyped-def]
    """The story's status words as tables hold them: ``<code>`` is 'in', ``not_<code>`` is 'out', and
    'in' and 'out' themselves, as ``factcheck tables`` prints them (a list's ``means`` may also be
    designation or mention); any other word is an error at its row."""
    from .story import active

    story = active()
    if story is None:
        return frame
    code = story.words.status.code
    sides = {code: "in", f"not_{code}": "out", "in": "in", "out": "out", **({"designation": "designation", "mention": "mention"} if column == "means" else {})}
    mapped = pl.col(column).replace_strict(sides, default=None, return_dtype=pl.String)
    wrong = frame.filter(pl.col(column).is_not_null() & mapped.is_null())
    for line, value in wrong.select("fact_line", column).head(MAX_ERRORS).iter_rows():
        error(line, None, column, f"expected {' or '.join(repr(w) for w in sides)}, found {shown(value)}")
    if wrong.height > MAX_ERRORS:
        error.more(wrong.height - MAX_ERRORS)
    return frame.filter(pl.col(column).is_null() | mapped.is_not_null()).with_columns(mapped.alias(column))


def _describe(dtype: pl.DataType) -> str:
    return {pl.Date: "a date (YYYY-MM-DD)", pl.Int32: "a whole number", pl.Float64: "a number", pl.Boolean: "true or false"}.get(dtype, str(dtype))


def load_tables(files: list[tuple[Path, str]], frames: dict[str, pl.DataFrame], errors: list[LoadError]) -> dict[str, pl.DataFrame]:
    """Add the rows of every table file to ``frames`` (those of the YAML files), validated; problems go
    to ``errors``. Claims must name a source of the dataset, and a claim id is used once per source."""
    from .schemas import failures

    parts: dict[str, list[pl.DataFrame]] = {name: [frame] for name, frame in frames.items()}
    for path, label in files:
        error = _FileErrors(label, errors)
        if table_of(path) is None:
            error(None, None, None, f"a table file is named <name>.<table>{path.suffix}, with <table> one of {', '.join(COLUMNS)}")
            continue
        read = read_table(path, label, error)
        if read is not None:
            table, frame = read
            budget = max(error.left, 0)
            bad_rows = failures(table, frame, error, budget)
            error.more(max(len(bad_rows) - budget, 0))  # rows beyond the budget: counted, not shown
            parts[table].append(frame.filter(~pl.int_range(pl.len()).is_in(bad_rows)) if bad_rows else frame)
        error.close()
    out = {name: pl.concat(group, how="vertical") for name, group in parts.items()}
    known = out["sources"]["source_id"].implode()
    for name, frame in out.items():
        if name == "sources" or "source_id" not in frame.columns or frame.height == 0:
            continue
        marked = frame.with_columns(
            pl.col("source_id").is_in(known).alias("_known"), pl.struct("source_id", "claim_id").is_first_distinct().alias("_first"),
        )
        for fact_file, line, source in marked.filter(~pl.col("_known")).select("fact_file", "fact_line", "source_id").head(MAX_ERRORS).iter_rows():
            errors.append(LoadError(fact_file, line, None, "source_id", f"no source {shown(source)} in the dataset's sources"))
        for fact_file, line, claim in marked.filter(~pl.col("_first")).select("fact_file", "fact_line", "claim_id").head(MAX_ERRORS).iter_rows():
            errors.append(LoadError(fact_file, line, None, "claim_id", f"claim id {shown(claim)} is used twice for its source"))
        out[name] = marked.filter(pl.col("_known") & pl.col("_first")).drop("_known", "_first")
    return out


class _FileErrors:
    """The errors of one table file: the first ``MAX_ERRORS`` go to ``errors``, the rest are counted and
    said in one line when the file is done. Called as ``error(line, column, field, message)``."""

    def __init__(self, label: str, errors: list[LoadError]) -> None:
        self.label, self.errors, self.listed, self.hidden = label, errors, 0, 0

    @property
    def left(self) -> int:
        return MAX_ERRORS - self.listed

    def __call__(self, line: int | None, column: int | None, field: str | None, message: str) -> None:
        if self.listed < MAX_ERRORS:
            self.errors.append(LoadError(self.label, line, column, field, message))
            self.listed += 1
        else:
            self.hidden += 1

    def more(self, n: int) -> None:
        self.hidden += n

    def close(self) -> None:
        if self.hidden:
            self.errors.append(LoadError(self.label, None, None, None, f"… and {self.hidden:,} more error{'s' if self.hidden > 1 else ''} in this file"))
