"""Run rules over tables and assemble the one ``Report``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
from pydantic import TypeAdapter

from factcheck.facts.loader import Dataset, LoadError, default_dataset, display_path, load
from factcheck.facts.tables import Tables

from .base import Context, Params
from .catalogue import KINDS
from .model import Finding, Overview, Report, RuleInfo, Severity, SourceInfo, Summary, fails
from .overview import overview
from .rules_file import RuleSpec, load_rules

MAX_TEXT_BYTES = 8 * 1024 * 1024


def rules_path(paths: list[Path] | None, rules: Path | None) -> Path:
    """--rules, else a rules.yaml in the first folder checked, else the bundled rules."""
    if rules is not None:
        return rules
    for path in paths or []:
        if path.is_dir() and (path / "rules.yaml").is_file():
            return path / "rules.yaml"
    return default_dataset() / "rules.yaml"


def read_source_texts(tables: Tables, folder: Path) -> tuple[dict[str, list[str]], list[LoadError]]:
    texts, errors = {}, []
    for name in sorted(set(tables["sources"]["text_file"].to_list())):
        path = folder / name
        if not path.is_file():
            continue  # reported by the evidence rule as a finding
        if path.stat().st_size > MAX_TEXT_BYTES:
            errors.append(LoadError(str(path), None, None, None, f"source text larger than {MAX_TEXT_BYTES} bytes"))
            continue
        try:
            texts[name] = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as err:
            errors.append(LoadError(str(path), None, None, None, f"cannot be read as UTF-8 text: {err}"))
    return texts, errors


def run_rules(tables: Tables, rules: list[tuple[RuleSpec, Params]], context: Context, gx=None) -> tuple[list[Finding], list[LoadError]]:  # type: ignore[no-untyped-def]
    """Every rule instance over the tables; with ``gx`` (a ``gx_engine.GX``), the kinds said as
    expectations are evaluated by great-expectations, the others by the default engine."""
    findings: list[Finding] = []
    errors: list[LoadError] = []
    for spec, params in rules:
        kind = KINDS[spec.kind]
        try:
            if gx is not None and kind.checks is not None:
                from . import gx_engine

                produced = list(gx_engine.run(kind, tables, params, context, gx, spec.code))
            else:
                produced = list(kind.run(tables, params, context))
        except Exception as err:  # a rule must never take the others down with it
            errors.append(LoadError(spec.code, None, None, None, f"rule {spec.code} ({spec.kind}) failed: {type(err).__name__}: {err}"))
            continue
        for f in produced:
            severity = f.severity if f.severity.rank <= spec.severity.rank else spec.severity
            findings.append(f.model_copy(update={"rule": spec.code, "kind": spec.kind, "severity": severity, "engine": f.engine or "factcheck"}))
    findings.sort(key=lambda f: (-f.severity.rank, f.rule, f.subjects, f.message))
    return findings, errors


def check(
    paths: list[Path] | None = None,
    rules: Path | None = None,
    sources_dir: Path | None = None,
    fail_on: str = "error",
    base: str | None = None,
    baseline: Path | None = None,
    engine: str = "factcheck",
    gx_docs: Path | None = None,
) -> Report:
    """Load fact files, run the rules, and report. Unusable input is listed in ``load_errors``.

    With ``base`` (a git ref) or ``baseline`` (a file), findings are marked new or present and the
    run fails on new ones only; a ref or baseline that cannot be used raises ``git.GitError`` or
    ``gate.BaselineError``. With ``engine="gx"`` the rules said as expectations run on
    great-expectations (``gx_docs``: build its Data Docs there); the base of a comparison is always
    checked by the default engine, which gives the same findings."""
    rule_file = rules_path(paths, rules)
    specs, errors = load_rules(rule_file)
    if sources_dir is not None and not sources_dir.is_dir():
        errors.append(LoadError(str(sources_dir), None, None, "--sources", "not a folder of source texts"))
        sources_dir = None

    def run(tables: Tables, gx=None) -> tuple[list[Finding], list[LoadError]]:  # type: ignore[no-untyped-def]
        texts, text_errors = read_source_texts(tables, sources_dir) if sources_dir else ({}, [])
        findings, failures = run_rules(tables, specs, Context(sources_dir, texts), gx)
        return findings, text_errors + failures

    def head() -> tuple[Dataset, Report]:
        dataset = load(paths)
        gx = None
        if engine == "gx":
            from .gx_engine import GX

            gx = GX(gx_docs)
        findings, run_errors = run(dataset.tables, gx)
        if gx is not None:
            gx.build_docs()
        all_errors = list(dataset.errors) + errors + run_errors
        return dataset, build_report(dataset.tables, specs, findings, all_errors, dataset.files, paths, fail_on, rule_file)

    if base is not None:
        from concurrent.futures import ThreadPoolExecutor

        from . import gate

        with ThreadPoolExecutor(max_workers=1) as pool:  # the commit's files are checked while the work tree's are
            pending = pool.submit(gate.read_base, paths, base, lambda tables: run(tables)[0])
            dataset, report = head()
            return gate.against_commit(report, dataset, pending.result())
    dataset, report = head()
    if baseline is not None:
        from . import gate

        return gate.against_baseline(report, baseline)
    return report


_SOURCES = TypeAdapter(list[SourceInfo])


def build_report(tables: Tables, specs, findings, errors, files, paths, fail_on, rule_file) -> Report:  # type: ignore[no-untyped-def]
    count = {s: sum(1 for f in findings if f.severity is s) for s in Severity}
    failing = fails(findings, fail_on)
    lo, hi = pl.col("published_lo").cast(pl.String), pl.col("published_hi").cast(pl.String)
    rows = tables["sources"].sort("published_lo", "source_id").select(
        "source_id", "title", "publisher", pl.col("source_kind").alias("kind"),
        pl.when(pl.col("published_exact")).then(lo).otherwise(lo + ".." + hi).alias("published"),
        "date_reason", "fact_file", "text_file", "url",
    )
    sources = _SOURCES.validate_python(rows.to_dicts())  # in one call: a dataset may have many thousand sources
    unusable = len({e.file for e in errors})
    totals = next((p for s, p in specs if s.kind == "running_totals"), None)
    params = {s.code: p.model_dump(mode="json") for s, p in specs}
    return Report(
        summary=Summary(
            verdict="unusable" if errors else "fail" if failing else "pass", fail_on=fail_on, errors=count[Severity.error],
            warnings=count[Severity.warning], infos=count[Severity.info], sources=len(sources),
            claims=tables.claim_count, rules_run=len(specs), files=len(files), unusable_files=unusable,
        ),
        dataset=[display_path(p) for p in (paths or [default_dataset()])] + [f"rules: {display_path(rule_file)}"],
        checked_at=dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat(),
        rules=[RuleInfo(code=s.code, kind=s.kind, severity=s.severity, description=s.description, params=params[s.code]) for s, _ in specs],
        sources=sources,
        findings=findings,
        load_errors=[str(e) for e in errors],
        settings={code: values for code, values in params.items() if values},
        overview=_overview(tables, totals),
    )


def _overview(tables: Tables, totals: Params | None) -> Overview | None:
    """The report's pictures; on data the running-totals rule itself could not walk (reported as that
    rule's failure), the report goes without them."""
    try:
        return overview(tables, totals)  # type: ignore[arg-type]
    except Exception:  # noqa: BLE001
        return None
