"""The pull-request gate: compare this run's findings with a git commit's or with a baseline file.

A finding is the same finding when its identity (rule, severity, subjects and the ids of its claims;
never line numbers) is the same. Findings absent before are *new* and may fail the run; the others are
*present* and never do; findings gone are *fixed*. A new finding is shown at the line that changed:
the first changed line inside the claim that changed, found by diffing the fact file with its base.
"""

from __future__ import annotations

import difflib
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path

import polars as pl
from pydantic import BaseModel, ValidationError

from factcheck.facts import git
from factcheck.facts.loader import Dataset, bundled_dataset, default_dataset, display_path, fact_files, load
from factcheck.facts.tables import CLAIM_TABLES, Tables

from .model import Finding, Known, Report, fails

MAX_BASELINE_BYTES = 16 * 1024 * 1024
BASELINE_VERSION = 1


class BaselineError(Exception):
    """A baseline file that cannot be used; the message names it."""


class Baseline(BaseModel):
    version: int
    findings: list[Known]


# -- comparing ----------------------------------------------------------------------------------------------


def compare(report: Report, before: list[Known], label: str) -> Report:
    """Mark each finding new or present against the findings known before; list the fixed ones."""
    known = {k.identity for k in before}
    findings = [f.model_copy(update={"status": "present" if f.identity in known else "new"}) for f in report.findings]
    now = {f.identity for f in findings}
    fixed = sorted((k for k in before if k.identity not in now), key=lambda k: (-k.severity.rank, k.rule, k.subjects))
    new = sum(1 for f in findings if f.status == "new")
    failing = fails(findings, report.summary.fail_on)
    summary = report.summary.model_copy(update={
        "new": new, "present": len(findings) - new, "fixed": len(fixed), "verdict": "unusable" if report.load_errors else "fail" if failing else "pass",
    })
    return report.model_copy(update={"findings": findings, "fixed": fixed, "summary": summary, "base": label})


@dataclass(frozen=True)
class Base:
    """The fact files at a git commit, and the findings the same rules give there."""

    label: str  # "git <ref> (<commit>)"
    findings: list[Known]
    tables: Tables | None  # None: the fact files did not exist at the commit
    texts: dict[str, list[str]]  # fact file (as the head names it) -> its lines at the commit
    same: bool = False  # the fact files are byte for byte those of the work tree: nothing was checked


def read_base(paths: list[Path] | None, ref: str, run) -> Base:  # type: ignore[no-untyped-def]
    """Load the fact files as they are at git ``ref`` and run the rules on them (``run(tables)``)."""
    targets = paths or [default_dataset()]
    root = git.repo_root(targets[0])
    commit = git.resolve(root, ref)
    label = f"git {ref} ({commit[:12]})"
    relative = [git.relative_to_root(root, p) for p in targets]
    with tempfile.TemporaryDirectory(prefix="factcheck-base-") as tmp:
        into = Path(tmp)
        git.export(root, commit, relative, into)
        base_paths = [into / r for r in relative if (into / r).exists()]
        files, _ = fact_files(base_paths) if base_paths else ([], [])
        if _same_files(files, into, fact_files(targets)[0], root):  # nothing changed: the head's findings are the base's
            return Base(label, [], None, {}, same=True)
        texts = {display_path(root / f.relative_to(into)): f.read_text(encoding="utf-8", errors="replace").splitlines() for f in files}
        dataset = load(base_paths) if base_paths else None  # unusable files at the base simply have no findings there
    findings = [Known.of(f) for f in run(dataset.tables)] if dataset else []
    return Base(label, findings, dataset.tables if dataset else None, texts)


def _same_files(base: list[Path], into: Path, head: list[Path], root: Path) -> bool:
    """Whether the commit's fact files are the work tree's, name for name and byte for byte."""
    named = {f.relative_to(into): f for f in base}
    here = {f.resolve().relative_to(root.resolve()): f for f in head}
    return named.keys() == here.keys() and all(named[k].read_bytes() == here[k].read_bytes() for k in named)


def against_commit(report: Report, head: Dataset, base: Base) -> Report:
    """Compare with the base; new findings are shown at the lines of the claims that changed."""
    if base.same:
        return compare(report, [Known.of(f) for f in report.findings], base.label)
    compared = compare(report, base.findings, base.label)
    changed = _changed_claims(head.tables, base.tables)
    new = [f for f in compared.findings if f.status == "new"]
    files = {loc.fact_file for f in new for loc in f.locations if (loc.source_id, loc.claim_id) in changed}
    lines = _changed_lines(files, base.texts)
    starts = _claim_starts(head.tables)
    return compared.model_copy(update={"findings": [_at_change(f, changed, lines, starts) for f in compared.findings]})


def _changed_claims(head: Tables, base: Tables | None) -> set[tuple[str, str]]:
    """The (source, claim) ids of the head whose rows differ from the base's in any table, their place
    in the fact file aside."""
    changed: set[tuple[str, str]] = set()
    for name in CLAIM_TABLES:
        now = _hashed(head[name])
        if now.height:
            before = _hashed(base[name]) if base is not None else now.clear()
            changed.update(now.join(before, on=["source_id", "claim_id", "hash"], how="anti").select("source_id", "claim_id").iter_rows())
    return changed


def _hashed(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.select("source_id", "claim_id", frame.drop("fact_file", "fact_line").hash_rows(seed=7).alias("hash"))


def _changed_lines(files: set[str], base_texts: dict[str, list[str]]) -> dict[str, list[int]]:
    """Per head fact file, the (1-based) lines that differ from the base's version of the file."""
    out: dict[str, list[int]] = {}
    for label in files:
        path = Path(label)
        if not path.exists() and label.startswith("facts/data/"):  # a bundled file, shown by its place in the repository
            path = bundled_dataset() / label.removeprefix("facts/data/")
        try:
            now = path.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            continue
        changed: set[int] = set()
        for tag, _i1, _i2, j1, j2 in difflib.SequenceMatcher(None, base_texts.get(label, []), now, autojunk=False).get_opcodes():
            if tag in ("replace", "insert"):
                changed.update(range(j1 + 1, j2 + 1))
            elif tag == "delete" and j1 < len(now):
                changed.add(j1 + 1)
        out[label] = sorted(changed)
    return out


def _at_change(f: Finding, changed: set[tuple[str, str]], lines: dict[str, list[int]], starts: dict[str, list[int]]) -> Finding:
    """A new finding, its changed claims first, each at the first changed line inside the claim
    (``starts``: the first line of every claim, per fact file)."""
    if f.status != "new" or not f.locations:
        return f
    located = []
    for loc in f.locations:
        if (loc.source_id, loc.claim_id) not in changed:
            located.append(loc)
            continue
        end = next((s for s in starts.get(loc.fact_file, []) if s > loc.fact_line), None)
        inside = [n for n in lines.get(loc.fact_file, []) if loc.fact_line <= n and (end is None or n < end)]
        located.append(loc.model_copy(update={"changed_line": inside[0] if inside else loc.fact_line}))
    located.sort(key=lambda loc: loc.changed_line is None)  # stable: changed claims first, in file order
    return f.model_copy(update={"locations": located})


def _claim_starts(tables: Tables) -> dict[str, list[int]]:
    rows = tables.all_claims().group_by("fact_file").agg(pl.col("fact_line").unique().sort())
    return dict(rows.iter_rows())


# -- baseline files -------------------------------------------------------------------------------------------


def baseline_text(report: Report) -> str:
    """A baseline of the report's findings: sorted, one entry per finding, no timestamps."""
    entries = sorted((Known.of(f) for f in report.findings), key=lambda k: (k.rule, k.subjects, k.identity))
    return json.dumps({"version": BASELINE_VERSION, "findings": [k.model_dump(mode="json") for k in entries]}, indent=2, ensure_ascii=False) + "\n"


def read_baseline(path: Path) -> list[Known]:
    try:
        if path.stat().st_size > MAX_BASELINE_BYTES:
            raise BaselineError(f"{path}: larger than {MAX_BASELINE_BYTES} bytes; not a baseline")
        baseline = Baseline.model_validate_json(path.read_bytes())
    except OSError as err:
        raise BaselineError(f"{path}: cannot be read: {err.strerror or err}") from None
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "the file"
        raise BaselineError(f"{path}: not a factcheck baseline ({where}: {first['msg']}); write one with 'factcheck baseline write'") from None
    if baseline.version != BASELINE_VERSION:
        raise BaselineError(f"{path}: baseline version {baseline.version}, this factcheck reads version {BASELINE_VERSION}")
    return baseline.findings


def against_baseline(report: Report, path: Path) -> Report:
    return compare(report, read_baseline(path), f"baseline {path}")
