"""The ``factcheck`` command line: thin typer commands that call the library and never compute.

Heavy libraries (polars, pandera, Jinja2, great-expectations) are imported inside the commands that
need them, so that ``factcheck --help``, ``factcheck --version`` and the PR gate start fast.

Everything printed that comes from the input (file names, keys, claims, refs) goes through
``facts.text.printable``: no line break, terminal control or GitHub workflow command of its own.
"""

from __future__ import annotations

import os
import sys

try:  # the interpreter's own module, loaded before any of ours (``signal`` takes a millisecond to import)
    from _signal import SIGINT, signal as _on_signal
except ImportError:  # another Python
    from signal import SIGINT, signal as _on_signal


class Interrupted(SystemExit, KeyboardInterrupt):
    """Ctrl-C. To code that handles a KeyboardInterrupt (typer, pytest) it is one; to the interpreter, when
    nothing handles it, it is a SystemExit with code 130, so the process ends quietly: no traceback, even
    while the modules below are still being imported."""


_interrupts = 0


def _interrupted(signum: int, frame: object) -> None:
    global _interrupts
    _interrupts += 1
    if _interrupts > 1:  # a second Ctrl-C while the first is being handled: end now
        os._exit(130)
    raise Interrupted(130)


def _unraisable(hook, then=sys.unraisablehook) -> None:  # type: ignore[no-untyped-def]
    """Ctrl-C inside a finaliser or a weakref callback (the import system has some) cannot be raised; it
    still ends the process, quietly. Anything else goes to the hook this one replaced."""
    if isinstance(hook.exc_value, KeyboardInterrupt):
        os._exit(130)
    then(hook)


def _excepthook(kind, value, traceback, then=sys.excepthook) -> None:  # type: ignore[no-untyped-def]
    """An exception that nobody caught after a Ctrl-C is the interrupt's doing: code that it interrupts can
    turn it into another (Python 3.11 makes one raised while a class is created a RuntimeError). End
    quietly with 130; without a Ctrl-C, go to the hook this one replaced."""
    if _interrupts:
        os._exit(130)
    then(kind, value, traceback)


try:  # first, before the imports below (typer alone takes a tenth of a second)
    _on_signal(SIGINT, _interrupted)
except ValueError:  # imported outside the main thread, where no handler can be set: run() sets it
    pass
sys.unraisablehook, sys.excepthook = _unraisable, _excepthook

import gc  # noqa: E402
import stat  # noqa: E402
from enum import Enum  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Annotated, Callable, Optional  # noqa: E402

import typer  # noqa: E402
from typer.exceptions import TyperException  # noqa: E402  (usage errors: click's ClickException is one)

from factcheck.facts.text import printable  # noqa: E402

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
    typer.Argument(help="A story folder (holding factcheck.yaml), or fact files or folders of them inside one (default: the story of the working "
                        "folder, found upward; where there is none, the bundled example).", show_default=False),
]
StoryOption = Annotated[Optional[Path], typer.Option("--story", help="The story folder whose registry and words the fact files are checked with "
                                                                      "(default: the one the first path is in, found upward).")]


def _version(show: bool) -> None:
    """--version: the installed package's version, from its metadata (nothing else is imported)."""
    if not show:
        return
    from importlib.metadata import PackageNotFoundError, version

    try:
        typer.echo(f"factcheck {version('factcheck')}")
    except PackageNotFoundError:
        typer.echo("factcheck (not installed: no version)")
    raise typer.Exit(EXIT_CLEAN)


@app.callback()
def main(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")] = False,
) -> None:
    """Check that sources reporting the same events agree.

    Exit codes: 0 clean, 1 findings at or above --fail-on, 2 unusable input or usage, 130 interrupted.
    """


class TableFormat(str, Enum):
    text = "text"
    json = "json"


def _say_error(error: object) -> None:
    """One error on standard error, as one printable line."""
    typer.echo(f"error: {printable(error)}", err=True)


def _say_errors(errors) -> None:  # type: ignore[no-untyped-def]
    for error in errors:
        _say_error(error)


@app.command(epilog="Example: factcheck tables --format json > tables.json")
def tables(
    paths: Paths = None,
    story: StoryOption = None,
    format: Annotated[TableFormat, typer.Option("--format", "-f", help="text: names, row counts and first rows; json: every row.")] = TableFormat.text,
    rows: Annotated[int, typer.Option(help="Rows shown per table in text format.", min=0)] = 5,
) -> None:
    """Load fact files into typed tables, validate them, and show them."""
    from factcheck.checks.engine import story_and_paths
    from factcheck.facts import schemas
    from factcheck.facts.loader import load
    from factcheck.facts.story import StoryError
    from factcheck.reports.tables import tables_json, tables_text

    try:
        found, paths = story_and_paths(paths, story)
        with _Progress(paths):
            dataset = load(paths, found)
    except StoryError as err:
        _say_errors(err.problems)
        raise typer.Exit(EXIT_UNUSABLE) from None
    with _Progress(paths):
        problems = schemas.validate(dataset.tables.frames)
    if format is TableFormat.json:
        typer.echo(_json_safe(tables_json(dataset.tables)))
    else:  # polars' table layout: no control character in it is factcheck's own
        typer.echo("\n".join(printable(line) for line in tables_text(dataset.tables, rows).split("\n")))
    _say_errors(dataset.errors)
    _say_errors(problems)
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
    story: StoryOption = None,
    rules: Annotated[Optional[Path], typer.Option("--rules", help="Rules file (default: rules.yaml of the first folder given, else the story's).")] = None,
    sources: Annotated[Optional[Path], typer.Option("--sources", help="Folder of source texts: verify that every quote occurs at its line.")] = None,
    format: Annotated[Format, typer.Option("--format", "-f", help="Output format: text, json, github (workflow annotations) or markdown.")] = Format.text,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write the output here instead of standard output.")] = None,
    html: Annotated[Optional[Path], typer.Option("--html", help="Also write the self-contained HTML report here.")] = None,
    junit: Annotated[Optional[Path], typer.Option("--junit", help="Also write JUnit XML here (one test case per rule and subject).")] = None,
    markdown: Annotated[Optional[Path], typer.Option("--markdown", help="Also write a Markdown summary here (for a pull-request comment).")] = None,
    json_file: Annotated[Optional[Path], typer.Option("--json", help="Also write the JSON report here.")] = None,
    claimreview: Annotated[Optional[Path], typer.Option("--claimreview", help="Also write schema.org ClaimReview JSON-LD here: one review per claim a warning or error concerns.")] = None,
    fail_on: Annotated[FailOn, typer.Option("--fail-on", help="Exit 1 when a finding is at or above this severity.")] = FailOn.error,
    base: Annotated[Optional[str], typer.Option("--base", help="Git ref to compare with (e.g. origin/main): fail only on findings new since then.")] = None,
    baseline: Annotated[Optional[Path], typer.Option("--baseline", help="Baseline file (factcheck baseline write): fail only on findings not in it.")] = None,
    engine: Annotated[Engine, typer.Option("--engine", help="factcheck, or gx: the rules said as expectations run on great-expectations.")] = Engine.factcheck,
    gx_docs: Annotated[Optional[Path], typer.Option("--gx-docs", help="With --engine gx: build GX Data Docs in this folder.")] = None,
    accept_rule_changes: Annotated[bool, typer.Option("--accept-rule-changes", help="With --base: accept changes to the rules file (otherwise a change to the rules is itself a failing finding)")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Text format: print only the findings that fail the run, and the verdict line.")] = False,
    no_color: Annotated[bool, typer.Option("--no-color", help="Text format: no colour, even on a terminal (as does a non-empty NO_COLOR).")] = False,
) -> None:
    """Run the rules over the fact files and report discrepancies."""
    report = _run_check(paths=paths, story=story, rules=rules, sources_dir=sources, fail_on=fail_on.value, base=base, baseline=baseline,
                        engine=engine.value, gx_docs=gx_docs, accept_rule_changes=accept_rule_changes)
    colour = output is None and not no_color and not os.environ.get("NO_COLOR") and sys.stdout.isatty()
    text = _render(report, format.value, colour=colour, errors_said=output is None, quiet=quiet)
    files = [(output, lambda: text)] + [(path, lambda f=f: _render(report, f)) for path, f in
                                        ((html, "html"), (junit, "junit"), (markdown, "markdown"), (json_file, "json"),
                                         (claimreview, "claimreview"))]
    written = _write(files)
    if output is None:
        typer.echo(text)
    if format is Format.github and os.environ.get("GITHUB_STEP_SUMMARY"):
        written &= _write([(Path(os.environ["GITHUB_STEP_SUMMARY"]), lambda: _render(report, "markdown"))], append=True)
    _say_errors(report.load_errors)
    _say_errors([f"rule failed: {failure}" for failure in report.rule_failures])
    if report.load_errors or report.rule_failures or not written:
        raise typer.Exit(EXIT_UNUSABLE)
    raise typer.Exit(EXIT_FINDINGS if report.fails(fail_on.value) else EXIT_CLEAN)


def _run_check(**options):  # type: ignore[no-untyped-def]
    """The engine's report for the run the options describe (one ``RunSettings``); settings that do not
    go together, or a git ref, baseline or engine that cannot be used, are exit 2 with what to do."""
    from pydantic import ValidationError

    from factcheck.checks.engine import run
    from factcheck.checks.model import RunSettings

    try:
        settings = RunSettings(**options)
    except ValidationError as err:
        for e in err.errors():
            _say_error(e["msg"].removeprefix("Value error, "))
        raise typer.Exit(EXIT_UNUSABLE) from None
    base, baseline, engine, paths = settings.base, settings.baseline, settings.engine, settings.paths
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
        with _Progress(paths):
            return run(settings)
    except unusable as err:
        _say_error(err)
        raise typer.Exit(EXIT_UNUSABLE) from None


class _Progress:
    """'factcheck: checking N fact files… 3 s' on standard error, rewritten in place each second once a
    run has taken one, and wiped when it ends; nothing at all when standard error is not a terminal (a CI
    log, a pipe, a file), so no log ever holds it."""

    def __init__(self, paths: list[Path] | None) -> None:
        self.paths = paths
        self.thread = self.done = None  # type: ignore[var-annotated]
        self.width = 0

    def __enter__(self) -> "_Progress":
        if sys.stderr.isatty():
            import threading

            self.done = threading.Event()
            self.thread = threading.Thread(target=self._show, name="factcheck-progress", daemon=True)
            self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.thread is None:
            return
        self.done.set()
        self.thread.join()
        if self.width:
            sys.stderr.write("\r" + " " * self.width + "\r")
            sys.stderr.flush()

    def _show(self) -> None:
        what, seconds = "", 0
        while not self.done.wait(1.0):
            seconds += 1
            what = what or self._files()
            line = f"factcheck: checking {what}… {seconds} s"
            sys.stderr.write("\r" + line)
            sys.stderr.flush()
            self.width = len(line)

    def _files(self) -> str:
        from factcheck.facts.loader import fact_files

        try:
            from factcheck.facts.loader import story_facts, story_of

            n = len(fact_files([story_facts(p) for p in self.paths] if self.paths else [story_of(None).facts])[0])
        except Exception:  # a count for the eye only; in this thread an error would print a traceback
            return "the fact files"
        return f"{n} fact file{'s' if n != 1 else ''}"


baseline_app = typer.Typer(help="Record today's findings, so that checks fail only on new ones.", no_args_is_help=True)
app.add_typer(baseline_app, name="baseline")


@baseline_app.command("write", epilog="Example: factcheck baseline write .factcheck-baseline.json facts/")
def baseline_write(
    file: Annotated[Path, typer.Argument(help="The baseline file to write (JSON, sorted, one entry per finding).")],
    paths: Paths = None,
    story: StoryOption = None,
    rules: Annotated[Optional[Path], typer.Option("--rules", help="Rules file (as for check).")] = None,
    sources: Annotated[Optional[Path], typer.Option("--sources", help="Folder of source texts (as for check).")] = None,
) -> None:
    """Write the current findings to FILE; 'check --baseline FILE' then fails only on findings not in it."""
    from factcheck.checks.gate import baseline_text

    report = _run_check(paths=paths, story=story, rules=rules, sources_dir=sources, fail_on="never")
    _say_errors(report.load_errors)
    _say_errors([f"rule failed: {failure}" for failure in report.rule_failures])
    if report.load_errors or report.rule_failures:  # a baseline of a partial check would hide what it missed
        raise typer.Exit(EXIT_UNUSABLE)
    if not _write([(file, lambda: baseline_text(report))]):
        raise typer.Exit(EXIT_UNUSABLE)
    typer.echo(f"wrote {len(report.findings)} findings to {printable(file)}")


def _json_safe(text: str) -> str:
    """The same JSON, inert on a terminal and in a CI log. JSON escapes the C0 controls itself; here DEL,
    the C1 controls, the line separators and the bidi controls become ``\\uXXXX`` too, and every ``##[``
    ``#\\u0023[``, which the runner would read as a legacy workflow command anywhere in a line. All of
    them can only be inside JSON strings, where an escape means the same character."""
    import re

    text = re.sub("[\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]", lambda m: f"\\u{ord(m.group()):04x}", text)
    return text.replace("##[", "#\\u0023[")


def _render(report, format: str, colour: bool = False, errors_said: bool = False, quiet: bool = False) -> str:  # type: ignore[no-untyped-def]
    """The report in one format; each renderer is imported only when asked for. ``errors_said``: the
    load errors go to standard error too, so the text on standard output counts them instead of
    printing each a second time. ``quiet``: the text shows only failing findings and the verdict."""
    if format == "json":
        return _json_safe(report.model_dump_json(indent=1))
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
    if format == "claimreview":
        from factcheck.reports.claimreview import render as claimreview

        return _json_safe(claimreview(report))
    from factcheck.reports.text import render as text

    return text(report, colour=colour, list_errors=not errors_said, quiet=quiet)


def _link_base() -> str | None:
    """On GitHub Actions, fact-file links point at the commit checked; elsewhere they are relative."""
    env = os.environ
    if all(env.get(k) for k in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_SHA")):
        return f"{env['GITHUB_SERVER_URL']}/{env['GITHUB_REPOSITORY']}/blob/{env['GITHUB_SHA']}"
    return None


def _write(targets: list[tuple[Optional[Path], Callable[[], str]]], append: bool = False) -> bool:
    """Write each (path, text made on demand), whole (``_replace``) or, with ``append``, at the end; a path
    that cannot be written is said, not raised."""
    ok = True
    for path, make in targets:
        if path is None:
            continue
        text = make()
        text = text if text.endswith("\n") else text + "\n"
        try:
            if append:
                with open(path, "a", encoding="utf-8") as out:
                    out.write(text)
            else:
                _replace(path, text)
        except OSError as err:
            _say_error(f"cannot write {path}: {err.strerror or err}")
            ok = False
    return ok


def _replace(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` whole or not at all: into a new file beside it, flushed and synced to
    disk, then renamed over it (``os.replace``, atomic). A reader, a crash or a kill -9 finds the old file
    or the new one, never a truncated one, and two runs writing one file leave one of them whole. Through
    a symbolic link the file it points to is replaced; a path that is not a regular file (``/dev/stdout``,
    a named pipe) cannot be replaced and is written as it is."""
    target = Path(os.path.realpath(path))
    try:
        mode: int | None = os.stat(target).st_mode
    except FileNotFoundError:
        mode = None
    if mode is not None and not stat.S_ISREG(mode):
        with open(target, "w", encoding="utf-8") as out:
            out.write(text)
        return
    from secrets import token_hex

    temp = target.with_name(f".{target.name}.{token_hex(6)}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # new, never another's; the umask applies
    try:
        with open(fd, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        if mode is not None:
            os.chmod(temp, stat.S_IMODE(mode))  # the file keeps its permissions
        os.replace(temp, target)
    except BaseException:  # an error, or Ctrl-C: the old file stays, and no half-written one is left
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise


class SchemaOf(str, Enum):
    fact = "fact"
    story = "story"


@app.command(epilog="Example: factcheck schema > factfile.schema.json; then '# yaml-language-server: $schema=factfile.schema.json' atop a fact file")
def schema(what: Annotated[SchemaOf, typer.Argument(help="fact: a fact file; story: a story's factcheck.yaml")] = SchemaOf.fact) -> None:
    """Print the JSON Schema of a fact file or of a story's factcheck.yaml (from the models the loader validates with), for editors."""
    import json

    if what is SchemaOf.story:
        from factcheck.facts.story import story_schema

        typer.echo(json.dumps(story_schema(), indent=1, ensure_ascii=False))
        return
    from factcheck.facts.models import fact_file_schema

    typer.echo(json.dumps(fact_file_schema(), indent=1, ensure_ascii=False))


@app.command(epilog="Example: factcheck serve my-story other-story --port 8000; then curl localhost:8000/v1/stories")
def serve(
    stories: Annotated[Optional[list[Path]], typer.Argument(help="Story folders to serve (default: the working folder's story, else the bundled example).", show_default=False)] = None,
    host: Annotated[str, typer.Option("--host", help="The address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="The port to listen on.", min=1, max=65535)] = 8000,
    db: Annotated[Optional[str], typer.Option("--db", help="Database URL (default: a SQLite file, factcheck.db, beside the first story; postgresql://... for a team).")] = None,
    public: Annotated[bool, typer.Option("--public", help="Reads need no token (writes always do).")] = False,
    workers: Annotated[int, typer.Option("--workers", help="Worker processes, each with its own warm stories, over the one database.", min=1, max=64)] = 1,
    time_limit: Annotated[float, typer.Option("--time-limit", help="Seconds a check may take; past it, it is stopped (503 for a request; a write is kept, its run says so).", min=0.1, max=3600)] = 10.0,
) -> None:
    """Serve the HTTP API: the same Report as check, stories and sources kept in a database with the history of every check."""
    try:
        from .service import serve as run_service
    except ImportError as err:
        _say_error(f"factcheck serve needs the 'serve' extra (pip install 'factcheck[serve]'): {err}")
        raise typer.Exit(EXIT_UNUSABLE) from None
    from factcheck.facts.loader import story_of
    from factcheck.facts.story import StoryError

    try:
        folders = list(stories or [story_of(None).folder])
        run_service(folders, host, port, db, public, workers, time_limit)
    except StoryError as err:
        _say_errors(err.problems)
        raise typer.Exit(EXIT_UNUSABLE) from None


token_app = typer.Typer(help="Tokens that may write to a factcheck service.", no_args_is_help=True)
app.add_typer(token_app, name="token")


@token_app.command("create", epilog="Example: factcheck token create newsroom --db sqlite:///my-story/factcheck.db")
def token_create(
    name: Annotated[str, typer.Argument(help="Whose token it is (kept beside its hash).")],
    db: Annotated[Optional[str], typer.Option("--db", help="The service's database URL (default: factcheck.db beside the working folder's story).")] = None,
) -> None:
    """Create a write token and print it once; only its hash is kept."""
    try:
        from .service import default_db
        from .store import connect, create_token
    except ImportError as err:
        _say_error(f"factcheck token needs the 'serve' extra (pip install 'factcheck[serve]'): {err}")
        raise typer.Exit(EXIT_UNUSABLE) from None
    from factcheck.facts.loader import story_of

    typer.echo(create_token(connect(db or default_db([story_of(None).folder])), name))


@app.command(epilog="Example: factcheck init my-story && factcheck check my-story")
def init(folder: Annotated[Path, typer.Argument(help="The folder to write the story into (created if need be; nothing in it is overwritten).")]) -> None:
    """Write a minimal working story (three entities, two sources that agree, rules), with comments that teach the format."""
    from .init_story import write_story

    try:
        written = write_story(folder)
    except (FileExistsError, OSError) as err:
        _say_error(err)
        raise typer.Exit(EXIT_UNUSABLE) from None
    shown = printable(str(folder))
    typer.echo(f"factcheck: wrote a story of {len(written)} files in {shown}; check it with: factcheck check {shown}")


@app.command()
def rules() -> None:
    """Print the catalogue of rule kinds, from their docstrings."""
    from factcheck.checks.catalogue import KINDS
    from factcheck.checks.model import Severity

    for kind in KINDS:
        typer.echo(f"{kind.code}  {kind.name}\n    {kind.summary}\n")
        typer.echo("    " + kind.doc.strip().replace("\n", "\n    ") + "\n")
        for name, field in kind.params.model_fields.items():
            default = field.default if field.default is not None else "none"
            typer.echo(f"    param {name} (default {default}): {field.description or ''}")
        for t in kind.findings:
            typer.echo(f"    {t.code:<22} {Severity(t.severity).value:<8} {t.template}")
        typer.echo("")


def run() -> None:
    """Console entry point: usage errors exit 2, Ctrl-C exits 130, and no traceback ever reaches the user.

    Ctrl-C is handled from the first instruction (and, before that, from the top of this module, while
    it imports): it raises ``Interrupted``, which unwinds like a KeyboardInterrupt (files being written
    are left as they were), and once there has been one the process ends with 130 whatever became of
    it; a second Ctrl-C ends it at once. Usage errors name what was typed, so they are printed
    ``printable`` too.

    Two costs of a short-lived process are left out (``serve`` is long-lived: it turns the collector on
    again). The cycle collector is off: reference counting
    frees nearly everything (the collector ran 600 times in a check of the bundled facts, taking 40 ms
    of 0.5 s, to find 1,449 objects; at 1M claims it took 0.8 s to find 10,614). And once the output
    is flushed the process ends at once (``os._exit``): every file is closed by then, and tearing down
    the modules of polars and pydantic took another 40 ms. Pydantic's plugins (third-party hooks found
    through package metadata at the first schema build, 1 % of a check) are not looked for, unless
    ``PYDANTIC_DISABLE_PLUGINS`` says otherwise."""
    _on_signal(SIGINT, _interrupted)
    gc.disable()
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    code: object
    try:
        code = app(standalone_mode=False)
    except typer.Abort:  # end of input at a prompt
        print("Aborted!", file=sys.stderr)
        code = EXIT_FINDINGS
    except TyperException as usage:
        code = _say_usage(usage)
    except SystemExit as stop:
        code = stop.code
    except KeyboardInterrupt:
        code = 130
    except Exception:
        if not _interrupts:
            raise
    if _interrupts:  # interrupted, even if what it interrupted swallowed it or turned it into another error
        code = 130
    _exit(code)


def _say_usage(error) -> int:  # type: ignore[no-untyped-def]
    """A usage error as click says it (usage line, hint, what was wrong), each line printable: it quotes
    what was typed."""
    import io

    said = io.StringIO()
    if hasattr(error, "show"):
        error.show(file=said)
    else:
        said.write(f"Error: {error.format_message()}\n")
    sys.stderr.write("".join(printable(line) + "\n" for line in said.getvalue().splitlines()))
    return int(getattr(error, "exit_code", EXIT_UNUSABLE))


def _exit(code: object) -> None:
    if code is None:
        code = EXIT_CLEAN
    elif not isinstance(code, int):
        print(printable(code), file=sys.stderr)
        code = EXIT_FINDINGS
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a reader that left early (factcheck check | head), or a closed stream
            pass
    os._exit(code)


if __name__ == "__main__":  # python -m factcheck.cli.main
    run()
