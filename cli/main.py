"""The ``factcheck`` command line: thin typer commands that call the library and never compute.

Heavy libraries (polars, pandera, Jinja2, great-expectations) are imported inside the commands that
need them, so that ``factcheck --help`` and the PR gate start fast.
"""

from __future__ import annotations

import gc
import os
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Callable, Optional

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
    typer.Argument(help="Fact files or folders of them (default: facts/data of the working folder if it holds a dataset, else the bundled dataset).", show_default=False),
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
    github = "github"
    markdown = "markdown"


class Engine(str, Enum):
    factcheck = "factcheck"
    gx = "gx"


class FailOn(str, Enum):
    error = "error"
    warning = "warning"
    never = "never"


@app.command(epilog="Example: factcheck check --sources ../shared/seeds --html report.html --junit junit.xml --format github")
def check(
    paths: Paths = None,
    rules: Annotated[Optional[Path], typer.Option("--rules", help="Rules file (default: rules.yaml of the first folder given, else of the default dataset).")] = None,
    sources: Annotated[Optional[Path], typer.Option("--sources", help="Folder of source texts: verify that every quote occurs at its line.")] = None,
    format: Annotated[Format, typer.Option("--format", "-f", help="Output format: text, json, github (workflow annotations) or markdown.")] = Format.text,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write the output here instead of standard output.")] = None,
    html: Annotated[Optional[Path], typer.Option("--html", help="Also write the self-contained HTML report here.")] = None,
    junit: Annotated[Optional[Path], typer.Option("--junit", help="Also write JUnit XML here (one test case per rule and subject).")] = None,
    markdown: Annotated[Optional[Path], typer.Option("--markdown", help="Also write a Markdown summary here (for a pull-request comment).")] = None,
    json_file: Annotated[Optional[Path], typer.Option("--json", help="Also write the JSON report here.")] = None,
    fail_on: Annotated[FailOn, typer.Option("--fail-on", help="Exit 1 when a finding is at or above this severity.")] = FailOn.error,
    base: Annotated[Optional[str], typer.Option("--base", help="Git ref to compare with (e.g. origin/main): fail only on findings new since then.")] = None,
    baseline: Annotated[Optional[Path], typer.Option("--baseline", help="Baseline file (factcheck baseline write): fail only on findings not in it.")] = None,
    engine: Annotated[Engine, typer.Option("--engine", help="factcheck, or gx: the rules said as expectations run on great-expectations.")] = Engine.factcheck,
    gx_docs: Annotated[Optional[Path], typer.Option("--gx-docs", help="With --engine gx: build GX Data Docs in this folder.")] = None,
) -> None:
    """Run the rules over the fact files and report discrepancies."""
    if base is not None and baseline is not None:
        typer.echo("error: give --base or --baseline, not both", err=True)
        raise typer.Exit(EXIT_UNUSABLE)
    if gx_docs is not None and engine is not Engine.gx:
        typer.echo("error: --gx-docs needs --engine gx", err=True)
        raise typer.Exit(EXIT_UNUSABLE)
    report = _run_check(paths, rules, sources, fail_on.value, base, baseline, engine.value, gx_docs)
    text = _render(report, format.value, colour=output is None and sys.stdout.isatty(), errors_said=output is None)
    files = [(output, lambda: text)] + [(path, lambda f=f: _render(report, f)) for path, f in
                                        ((html, "html"), (junit, "junit"), (markdown, "markdown"), (json_file, "json"))]
    written = _write(files)
    if output is None:
        typer.echo(text)
    if format is Format.github and os.environ.get("GITHUB_STEP_SUMMARY"):
        written &= _write([(Path(os.environ["GITHUB_STEP_SUMMARY"]), lambda: _render(report, "markdown"))], append=True)
    _say_errors(report.load_errors)
    if report.load_errors or not written:
        raise typer.Exit(EXIT_UNUSABLE)
    raise typer.Exit(EXIT_FINDINGS if report.fails(fail_on.value) else EXIT_CLEAN)


def _run_check(paths, rules, sources, fail_on, base=None, baseline=None, engine="factcheck", gx_docs=None):  # type: ignore[no-untyped-def]
    """The engine's report; a git ref, baseline or engine that cannot be used is exit 2 with what to do."""
    from factcheck.checks.engine import check as run_check

    unusable: tuple[type[Exception], ...] = ()  # what each option can raise, imported only when it is given
    if base is not None:
        from factcheck.facts.git import GitError

        unusable += (GitError,)
    if baseline is not None:
        from factcheck.checks.gate import BaselineError

        unusable += (BaselineError,)
    if engine == "gx":
        from factcheck.checks.gx_engine import GXUnavailable

        unusable += (GXUnavailable,)
    try:
        return run_check(paths, rules, sources, fail_on, base=base, baseline=baseline, engine=engine, gx_docs=gx_docs)
    except unusable as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(EXIT_UNUSABLE) from None


baseline_app = typer.Typer(help="Record today's findings, so that checks fail only on new ones.", no_args_is_help=True)
app.add_typer(baseline_app, name="baseline")


@baseline_app.command("write", epilog="Example: factcheck baseline write .factcheck-baseline.json facts/")
def baseline_write(
    file: Annotated[Path, typer.Argument(help="The baseline file to write (JSON, sorted, one entry per finding).")],
    paths: Paths = None,
    rules: Annotated[Optional[Path], typer.Option("--rules", help="Rules file (as for check).")] = None,
    sources: Annotated[Optional[Path], typer.Option("--sources", help="Folder of source texts (as for check).")] = None,
) -> None:
    """Write the current findings to FILE; 'check --baseline FILE' then fails only on findings not in it."""
    from factcheck.checks.gate import baseline_text

    report = _run_check(paths, rules, sources, "never")
    for error in report.load_errors:
        typer.echo(f"error: {error}", err=True)
    if report.load_errors:
        raise typer.Exit(EXIT_UNUSABLE)
    if not _write([(file, lambda: baseline_text(report))]):
        raise typer.Exit(EXIT_UNUSABLE)
    typer.echo(f"wrote {len(report.findings)} findings to {file}")


def _render(report, format: str, colour: bool = False, errors_said: bool = False) -> str:  # type: ignore[no-untyped-def]
    """The report in one format; each renderer is imported only when asked for. ``errors_said``: the
    load errors go to standard error too, so the text on standard output counts them instead of
    printing each a second time."""
    if format == "json":
        return report.model_dump_json(indent=1)
    if format == "github":
        from factcheck.reports.github import render as github

        return github(report)
    if format == "markdown":
        from factcheck.reports.markdown import render as markdown

        return markdown(report, link_base=_link_base())
    if format == "html":
        from factcheck.reports.html import render as html

        return html(report)
    if format == "junit":
        from factcheck.reports.junit import render as junit

        return junit(report)
    from factcheck.reports.text import render as text

    return text(report, colour=colour, list_errors=not errors_said)


def _link_base() -> str | None:
    """On GitHub Actions, fact-file links point at the commit checked; elsewhere they are relative."""
    env = os.environ
    if all(env.get(k) for k in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_SHA")):
        return f"{env['GITHUB_SERVER_URL']}/{env['GITHUB_REPOSITORY']}/blob/{env['GITHUB_SHA']}"
    return None


def _write(targets: list[tuple[Optional[Path], Callable[[], str]]], append: bool = False) -> bool:
    """Write each (path, text made on demand); a path that cannot be written is said, not raised."""
    ok = True
    for path, make in targets:
        if path is None:
            continue
        text = make()
        try:
            with open(path, "a" if append else "w", encoding="utf-8") as out:
                out.write(text if text.endswith("\n") else text + "\n")
        except OSError as err:
            typer.echo(f"error: cannot write {path}: {err.strerror or err}", err=True)
            ok = False
    return ok


@app.command(epilog="Example: factcheck schema > factfile.schema.json; then '# yaml-language-server: $schema=factfile.schema.json' atop a fact file")
def schema() -> None:
    """Print the JSON Schema of a fact file (from the models the loader validates with), for editors."""
    import json

    from factcheck.facts.models import fact_file_schema

    typer.echo(json.dumps(fact_file_schema(), indent=1, ensure_ascii=False))


@app.command()
def rules() -> None:
    """Print the catalogue of rule kinds, from their docstrings."""
    from factcheck.checks.catalogue import KINDS
    from factcheck.checks.model import Severity

    for kind in KINDS:
        typer.echo(f"{kind.code}  {kind.name}\n    {kind.summary}\n")
        typer.echo("    " + kind.doc.strip().replace("\n", "\n    ") + "\n")
        for t in kind.findings:
            typer.echo(f"    {t.code:<22} {Severity(t.severity).value:<8} {t.template}")
        typer.echo("")


def run() -> None:
    """Console entry point: usage errors exit 2, and no traceback ever reaches the user.

    Two costs of a short-lived process are left out. The cycle collector is off: reference counting
    frees nearly everything (the collector ran 600 times in a check of the bundled facts, taking 40 ms
    of 0.5 s, to find 1,449 objects; at 1M claims it took 0.8 s to find 10,614). And once the output
    is flushed the process ends at once (``os._exit``): every file is closed by then, and tearing down
    the modules of polars and pydantic took another 40 ms."""
    gc.disable()
    try:
        app()
        code = EXIT_CLEAN
    except SystemExit as stop:
        code = stop.code
    except KeyboardInterrupt:
        code = 130
    if code is None:
        code = EXIT_CLEAN
    elif not isinstance(code, int):
        print(code, file=sys.stderr)
        code = EXIT_FINDINGS
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a reader that left early (factcheck check | head), or a closed stream
            pass
    os._exit(code)


if __name__ == "__main__":  # python -m factcheck.cli.main
    run()
