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


class Format(str, Enum):
    text = "text"
    json = "json"


class FailOn(str, Enum):
    error = "error"
    warning = "warning"
    never = "never"


@app.command(epilog="Example: factcheck check --sources ../shared/seeds --fail-on warning")
def check(
    paths: Paths = None,
    rules: Annotated[Optional[Path], typer.Option("--rules", help="Rules file (default: rules.yaml of the first folder given, else the bundled rules).")] = None,
    sources: Annotated[Optional[Path], typer.Option("--sources", help="Folder of source texts: verify that every quote occurs at its line.")] = None,
    format: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.text,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write the output here instead of standard output.")] = None,
    fail_on: Annotated[FailOn, typer.Option("--fail-on", help="Exit 1 when a finding is at or above this severity.")] = FailOn.error,
) -> None:
    """Run the rules over the fact files and report discrepancies."""
    from factcheck.checks.engine import check as run_check

    report = run_check(paths, rules, sources, fail_on.value)
    if format is Format.json:
        text = report.model_dump_json(indent=1)
    else:
        from factcheck.reports.text import render

        text = render(report, colour=output is None and sys.stdout.isatty())
    if output is None:
        typer.echo(text)
    else:
        output.write_text(text + "\n", encoding="utf-8")
    for error in report.load_errors:
        typer.echo(f"error: {error}", err=True)
    if report.load_errors:
        raise typer.Exit(EXIT_UNUSABLE)
    raise typer.Exit(EXIT_FINDINGS if report.fails(fail_on.value) else EXIT_CLEAN)


@app.command()
def rules() -> None:
    """Print the catalogue of rule kinds, from their docstrings."""
    from factcheck.checks.catalogue import KINDS

    for kind in KINDS:
        typer.echo(f"{kind.code}  {kind.name}\n    {kind.summary}\n")
        typer.echo("    " + kind.doc.strip().replace("\n", "\n    ") + "\n")


def run() -> None:
    """Console entry point: usage errors exit 2, and no traceback ever reaches the user."""
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
