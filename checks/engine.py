"""Run rules over tables and assemble the one ``Report``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
from pydantic import TypeAdapter

from factcheck.facts.loader import MAX_RUN_ERRORS, Dataset, LoadError, TimeLimit, capped, display_path, in_time, load, story_of
from factcheck.facts.story import ACTIVE, STORY_FILE, Story, StoryError, active, read_story
from factcheck.facts.tables import Tables

from .base import Context, Params
from .catalogue import KINDS, PLUGIN_PROBLEMS
from .model import Finding, Overview, Report, RuleInfo, RunSettings, Severity, SourceInfo, Summary, fails
from .overview import overview
from .rules_file import RuleSpec, load_rules

MAX_TEXT_BYTES = 8 * 1024 * 1024


def rules_path(paths: list[Path] | None, rules: Path | None, story: Story) -> Path:
    """--rules, else a rules.yaml in the first folder checked, else the story's rules."""
    if rules is not None:
        return rules
    for path in paths or []:
        if path.is_dir() and (path / "rules.yaml").is_file():
            return path / "rules.yaml"
    return story.rules


def story_and_paths(paths: list[Path] | None, story_dir: Path | None) -> tuple[Story, list[Path]]:
    """The story of a run and the fact paths it checks: ``--story``, else the story in effect, else the
    one the first path belongs to (found upward), else the working folder's, else the bundled example.
    A story folder given as a path means its fact folder. ``StoryError`` when there is none."""
    if story_dir is not None:
        if not (story_dir / STORY_FILE).is_file():
            raise StoryError([f"{display_path(story_dir)}: no {STORY_FILE} in this folder (--story names a story folder)"])
        story = read_story(story_dir)
    elif paths and paths[0].is_dir() and (paths[0] / STORY_FILE).is_file():  # a story folder named: that story
        story = read_story(paths[0])
    else:
        story = active() or story_of(paths)
    given = paths or [story.facts]
    return story, [Path(story.facts) if p.is_dir() and (p / STORY_FILE).is_file() and p.resolve() == story.folder.resolve() else p for p in given]


def read_source_texts(tables: Tables, folder: Path) -> tuple[dict[str, list[str]], list[LoadError]]:
    """The lines of each source's text file, read only inside ``folder`` (``safepath.read_inside``: a
    plain relative name, no link out of the folder, a regular file, at most ``MAX_TEXT_BYTES``). A
    missing file is left to the evidence rule (a finding); a refused or unreadable one is an error at
    the fact file and line of the source that names it, ``text_file``. At most ``MAX_RUN_ERRORS``."""
    from factcheck.facts.loader import MAX_RUN_ERRORS, capped
    from factcheck.facts.safepath import NotFound, UnsafeRead, read_inside, shown

    texts: dict[str, list[str]] = {}
    errors: list[LoadError] = []
    named = tables["sources"].select("text_file", "fact_file", "fact_line").unique("text_file", keep="first").sort("text_file")
    for name, fact_file, fact_line in named.iter_rows():
        try:
            data = read_inside(folder, name, MAX_TEXT_BYTES)
        except NotFound:
            continue  # reported by the evidence rule as a finding
        except UnsafeRead as err:
            errors.append(LoadError(fact_file, fact_line, None, "text_file", f"{shown(name)} in {display_path(folder)}: {err.message}"))
            continue
        try:
            texts[name] = data.decode("utf-8").splitlines()
        except UnicodeDecodeError as err:
            errors.append(LoadError(fact_file, fact_line, None, "text_file", f"{shown(name)} in {display_path(folder)}: not UTF-8 text (byte {err.start})"))
    return texts, capped(errors, MAX_RUN_ERRORS)


def failure(what: str, err: BaseException) -> str:
    """A rule that crashed, in one line: what failed and why (never a traceback)."""
    cause = (str(err).strip().splitlines() or [""])[0][:200]
    return f"{what}: {type(err).__name__}" + (f": {cause}" if cause else "")


def run_rules(tables: Tables, rules: list[tuple[RuleSpec, Params]], context: Context, gx=None) -> tuple[list[Finding], list[str]]:  # type: ignore[no-untyped-def]
    """Every rule instance over the tables; with ``gx`` (a ``gx_engine.GX``), the kinds said as
    expectations are evaluated by great-expectations, the others by the default engine. A rule that
    raises is a rule failure (returned, one line each); the other rules still run."""
    from .base import SPEAKING

    token = SPEAKING.set(tables.registry.words)  # findings say the words of the story the tables are of
    try:
        return _run_rules(tables, [(s, p.for_story(tables.registry.words)) for s, p in rules], context, gx)
    finally:
        SPEAKING.reset(token)


def _run_rules(tables: Tables, rules: list[tuple[RuleSpec, Params]], context: Context, gx=None) -> tuple[list[Finding], list[str]]:  # type: ignore[no-untyped-def]
    from .memo import MEMO

    findings: list[Finding] = []
    failures: list[str] = []
    for spec, params in rules:
        in_time(f"before rule {spec.code}")  # a rule is not interrupted; the check stops between rules
        kind = KINDS[spec.kind]
        try:
            if gx is not None and kind.checks is not None:
                from . import gx_engine

                produced = list(gx_engine.run(kind, tables, params, context, gx, spec.code))
            elif MEMO is not None:  # a service: the rule runs again only when what it read has changed
                instance = f"{spec.model_dump_json()}\0{params.model_dump_json()}\0{id(kind)}"  # KINDS keeps the kind alive
                produced = MEMO.findings(instance, tables, context, lambda: list(kind.run(tables, params, context)))  # noqa: B023
            else:
                produced = list(kind.run(tables, params, context))
        except TimeLimit:
            raise  # the whole check stops: never one rule's failure
        except Exception as err:  # a rule must never take the others down with it
            failures.append(failure(f"rule {spec.code} ({spec.kind})", err))
            continue
        for f in produced:
            severity = f.severity if f.severity.rank <= spec.severity.rank else spec.severity
            findings.append(f.model_copy(update={"rule": spec.code, "kind": spec.kind, "severity": severity, "engine": f.engine or "factcheck"}))
    findings.sort(key=lambda f: (-f.severity.rank, f.rule, f.subjects, f.message))
    return findings, failures


def check(paths: list[Path] | None = None, rules: Path | None = None, sources_dir: Path | None = None, fail_on: str = "error",
          **options: object) -> Report:
    """Load fact files, run the rules, and report: ``run`` with the settings these keywords name
    (``RunSettings``; an inconsistent combination raises pydantic's ValidationError)."""
    return run(RunSettings(paths=paths, rules=rules, sources_dir=sources_dir, fail_on=fail_on, **options))  # type: ignore[arg-type]


def run(settings: RunSettings) -> Report:
    """One check run. Unusable input is listed in ``load_errors``, crashed rules in ``rule_failures``.

    With ``base`` (a git ref) or ``baseline`` (a file), findings are marked new or present and the
    run fails on new ones only; a ref or baseline that cannot be used raises ``git.GitError`` or
    ``gate.BaselineError``. With engine ``gx`` the rules said as expectations run on
    great-expectations (``gx_docs``: build its Data Docs there); the base of a comparison is always
    checked by the default engine, which gives the same findings. With ``base``, both versions are
    checked with the rules as they are at the base (a pull request cannot weaken its own gate), and
    every change to the rules is a failing finding unless ``accept_rule_changes``."""
    try:
        story, paths = story_and_paths(settings.paths, settings.story)
        story.registry  # noqa: B018 - read now: an unusable story is reported before anything is checked
        story.qualifiers  # noqa: B018
    except StoryError as err:
        return unusable(settings, err.problems)
    except Exception as err:  # a registry table the story's words do not fit  # noqa: BLE001
        from .model import Report  # noqa: F401

        return unusable(settings, [f"{settings.story or (settings.paths or ['.'])[0]}: the story cannot be read: {failure('it', err)}"])
    story_changes: list[Finding] = []
    if settings.base is not None:  # a pull request cannot change what its own gate checks against
        from factcheck.facts.git import GitError

        from . import gate

        try:
            at_base = gate.story_at(paths, settings.base, story)
        except GitError:
            at_base = None  # an unusable ref is said once, by the comparison itself
        if at_base is not None:
            story_changes = gate.story_changes(at_base, story, f"git {settings.base}", settings.accept_rule_changes)
            if story_changes and not settings.accept_rule_changes:
                story = at_base.used_for(story)
    token = ACTIVE.set(story)
    try:
        return _run(settings, story, paths, story_changes)
    finally:
        ACTIVE.reset(token)


def unusable(settings: RunSettings, problems: list[str]) -> Report:
    """The report of a run that has no usable story: nothing checked, exit 2, every problem said."""
    return Report(
        summary=Summary(verdict="unusable", fail_on=settings.fail_on, errors=0, warnings=0, infos=0, sources=0, claims=0, rules_run=0,
                        files=0, unusable_files=1, rule_failures=0),
        dataset=[display_path(p) for p in settings.paths or []] or ["no story"],
        checked_at=dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat(),
        rules=[], sources=[], findings=[], load_errors=problems, settings={}, overview=None, rule_failures=[],
    )


def _run(settings: RunSettings, story: Story, paths: list[Path], story_changes: list[Finding] = ()) -> Report:  # type: ignore[assignment]
    rules, fail_on = settings.rules, settings.fail_on
    sources_dir = settings.sources_dir or story.texts
    base, baseline, engine, gx_docs = settings.base, settings.baseline, settings.engine, settings.gx_docs
    accept_rule_changes = settings.accept_rule_changes
    rule_file = rules_path(paths, rules, story)
    specs, errors = load_rules(rule_file)
    specs = [(s, p.for_story(story.words)) for s, p in specs]
    changes: list[Finding] = list(story_changes)
    if base is not None:
        from . import gate

        base_specs = gate.rules_at(paths, base, rule_file)
        if base_specs is not None:
            base_specs = [(s, p.for_story(story.words)) for s, p in base_specs]
            changes += gate.rule_changes(base_specs, specs, rule_file, f"git {base}", accept_rule_changes)
            if not accept_rule_changes:
                specs = base_specs
    if sources_dir is not None and not sources_dir.is_dir():
        errors.append(LoadError(str(sources_dir), None, None, "--sources", "not a folder of source texts"))
        sources_dir = None

    def run_on(tables: Tables, gx=None) -> tuple[list[Finding], list[LoadError], list[str]]:  # type: ignore[no-untyped-def]
        texts, text_errors = read_source_texts(tables, sources_dir) if sources_dir else ({}, [])
        findings, failures = run_rules(tables, specs, Context(sources_dir, texts), gx)
        return findings, text_errors, failures

    def head() -> tuple[Dataset, Report]:
        dataset = load(paths, story)
        gx = None
        if engine == "gx":
            from .gx_engine import GX

            gx = GX(gx_docs)
        findings, text_errors, failures = run_on(dataset.tables, gx)
        failures = PLUGIN_PROBLEMS + failures
        if gx is not None:
            gx.build_docs()
        all_errors = capped(list(dataset.errors) + errors + text_errors, MAX_RUN_ERRORS)  # a run lists at most so many
        return dataset, build_report(dataset.tables, specs, findings, all_errors, dataset.files, paths, fail_on, rule_file, failures, story,
                                     given=settings.paths)

    if base is not None:
        from concurrent.futures import ThreadPoolExecutor

        from . import gate

        with ThreadPoolExecutor(max_workers=1) as pool:  # the commit's files are checked while the work tree's are
            import contextvars

            pending = pool.submit(contextvars.copy_context().run, gate.read_base, paths, base, lambda tables: run_on(tables)[0])
            dataset, report = head()
            compared = gate.against_commit(report, dataset, pending.result())
        if not changes:
            return compared
        findings = sorted([*changes, *compared.findings], key=lambda f: (-f.severity.rank, f.rule, f.subjects, f.message))
        new = [f for f in changes if f.status == "new"]
        summary = compared.summary.model_copy(update={
            "errors": compared.summary.errors + len(new), "infos": compared.summary.infos + len(changes) - len(new),
            "new": (compared.summary.new or 0) + len(new),
            "verdict": "unusable" if compared.load_errors or compared.rule_failures else "fail" if fails(findings, fail_on) else "pass"})
        return compared.model_copy(update={"findings": findings, "summary": summary})
    dataset, report = head()
    if baseline is not None:
        from . import gate

        return gate.against_baseline(report, baseline)
    return report


_SOURCES = TypeAdapter(list[SourceInfo])


def build_report(tables: Tables, specs, findings, errors, files, paths, fail_on, rule_file, failures=(), story=None, given=None) -> Report:  # type: ignore[no-untyped-def]
    count = {s: sum(1 for f in findings if f.severity is s) for s in Severity}
    failing = fails(findings, fail_on)
    sources = _source_infos(tables)
    unusable = len({e.file for e in errors})
    totals = next((p for s, p in specs if s.kind == "running_totals"), None)
    failures = list(failures)
    pictures = _overview(tables, totals, failures)
    params = {s.code: p.model_dump(mode="json") for s, p in specs}
    return Report(
        summary=Summary(
            verdict="unusable" if errors or failures else "fail" if failing else "pass", fail_on=fail_on, errors=count[Severity.error],
            warnings=count[Severity.warning], infos=count[Severity.info], sources=len(sources),
            claims=tables.claim_count, rules_run=len(specs), files=len(files), unusable_files=unusable, rule_failures=len(failures),
        ),
        dataset=_shown(given, paths, story) + [f"rules: {display_path(rule_file)}"],
        story=_story_info(story),
        checked_at=dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat(),
        rules=[RuleInfo(code=s.code, kind=s.kind, severity=s.severity, description=s.description, params=params[s.code]) for s, _ in specs],
        sources=sources,
        findings=findings,
        load_errors=[str(e) for e in errors],
        settings={code: values for code, values in params.items() if values},
        overview=pictures,
        rule_failures=failures,
    )


def _source_infos(tables: Tables) -> list[SourceInfo]:
    """The report's list of sources, by date (a service makes it again only when the sources changed)."""
    from .memo import MEMO

    def make() -> list[SourceInfo]:
        lo, hi = pl.col("published_lo").cast(pl.String), pl.col("published_hi").cast(pl.String)
        rows = tables["sources"].sort("published_lo", "source_id").select(
            "source_id", "title", "publisher", pl.col("source_kind").alias("kind"),
            pl.when(pl.col("published_exact")).then(lo).otherwise(lo + ".." + hi).alias("published"),
            "date_reason", "fact_file", "text_file", "url",
        )
        return _SOURCES.validate_python(rows.to_dicts())  # in one call: a dataset may have many thousand sources

    return MEMO.made("the report's sources", tables, None, make) if MEMO is not None else make()


def _shown(given: list[Path] | None, paths: list[Path], story: Story | None) -> list[str]:
    """What was checked, as the report names it: the paths given, else the story's facts, the bundled
    example said as such."""
    shown = [display_path(p) for p in paths]
    if story is not None and story.bundled and not given:
        return [f"the bundled example, {shown[0]}", *shown[1:]]
    return shown


def _story_info(story: Story | None):  # type: ignore[no-untyped-def]
    from .model import StoryInfo

    if story is None:
        return None
    return StoryInfo(title=story.config.story, folder=display_path(story.folder), bundled=story.bundled, words=story.words.fields())


def _overview(tables: Tables, totals: Params | None, failures: list[str]) -> Overview | None:
    """The report's pictures; when they cannot be drawn, the report goes without them and says why
    among the rule failures (never silently)."""
    from .memo import MEMO

    try:
        if MEMO is not None:  # a service: drawn again only when a table they show has changed
            return MEMO.made(f"overview\0{totals.model_dump_json() if totals else ''}", tables, None, lambda: overview(tables, totals))  # type: ignore[arg-type]
        return overview(tables, totals)  # type: ignore[arg-type]
    except Exception as err:  # noqa: BLE001 - the findings are kept whatever the pictures do
        failures.append(failure("the report's overview (its pictures)", err))
        return None
