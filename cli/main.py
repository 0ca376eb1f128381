"""The ``factcheck`` command line: thin typer commands that call the library and never compute.

Heavy libraries (polars, pandera, Jinja2, great-expectations) are imported inside the commands that
need them, so that ``factcheck --help`` and the PR gate start fast.
"""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

app = typer.Typer(
    name="factcheck",
    help="Check that sources reporting the same events agree: typed claim tables, declarative rules, discrepancy reports.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

EXIT_CLEAN, EXIT_FINDINGS, EXIT_UNUSABLE = 0, 1, 2

Paths = Annotated[
    Optional[list[Path]],
    typer.Argument(help="Fact files or folders of them (default: the bundled dataset).", show_default=False),
]


@app.callback()
def main() -> None:
    """Check that sources reporting the same events agree.

    Exit codes: 0 clean, 1 findings at or above --fail-on, 2 unusable input or usage.
    """


class TableFormat(str, Enum):
    text = "text"
    json = "json"


def _say_errors(errors) -> None:  # type: ignore[no-untyped-def]
    for error in errors:
        typer.echo(f"error: {error}", err=True)


@app.command(epilog="Example: factcheck tables --format json > tables.json")
def tables(
    paths: Paths = None,
    format: Annotated[TableFormat, typer.Option("--format", "-f", help="text: names, row counts and first rows; json: every row.")] = TableFormat.text,
    rows: Annotated[int, typer.Option(help="Rows shown per table in text format.", min=0)] = 5,
) -> None:
    """Load fact files into typed tables, validate them, and show them."""
    from factcheck.facts import schemas
    from factcheck.facts.loader import load
    from factcheck.reports.tables import tables_json, tables_text

    dataset = load(paths)
    problems = schemas.validate(dataset.tables.frames)
    typer.echo(tables_json(dataset.tables) if format is TableFormat.json else tables_text(dataset.tables, rows))
    _say_errors(dataset.errors)
    for problem in problems:
        typer.echo(f"error: {problem}", err=True)
    raise typer.Exit(EXIT_UNUSABLE if dataset.errors or problems else EXIT_CLEAN)


def run() -> None:
    """Console entry point: usage errors exit 2, and no traceback ever reaches the user."""
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
