"""The pull-request gate: compare this run's findings with a git commit's or with a baseline file.

A pull request must not be able to weaken its own gate: with ``--base``, both versions are checked with
the rules file as it is at the base commit, and every change to the rules is itself a finding at the
rules file's line (an error, so the gate fails, unless ``--accept-rule-changes`` says it is reviewed).

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
from factcheck.facts.loader import Dataset, bundled_label, display_path, fact_files, load
from factcheck.facts.story import STORY_FILE, Story, bundled_story_folder, read_story
from factcheck.facts.tables import CLAIM_TABLES, Tables

from .base import FindingType, Params
from .model import Finding, Known, Location, Report, fails
from .rules_file import RuleSpec, load_rules

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
        "new": new, "present": len(findings) - new, "fixed": len(fixed), "verdict": "unusable" if report.load_errors or report.rule_failures else "fail" if failing else "pass",
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
    targets = paths or []
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
        if not path.exists() and label.startswith(bundled_label() + "/"):  # a bundled file, shown by its place in the repository
            path = bundled_story_folder() / label.removeprefix(bundled_label() + "/")
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


# -- the rules at the base ------------------------------------------------------------------------------------

RULE_CHANGED = FindingType("GATE-rule-changed", "error", "Rule {code} {change} since {base}: {old} → {new}.")


def rules_at(paths: list[Path] | None, ref: str, rule_file: Path) -> list[tuple[RuleSpec, Params]] | None:
    """The rules file as it is at git ``ref`` (None when the commit has no such file, or the file is
    outside the repository: then there is nothing a change could have weakened)."""
    root = git.repo_root((paths or [Path(".")])[0])
    commit = git.resolve(root, ref)
    try:
        relative = git.relative_to_root(root, rule_file)
    except (ValueError, git.GitError):
        return None
    with tempfile.TemporaryDirectory(prefix="factcheck-rules-") as tmp:
        git.export(root, commit, [relative], Path(tmp))
        exported = Path(tmp) / relative
        if not exported.is_file():
            return None
        specs, errors = load_rules(exported)
    return None if errors else specs


STORY_CHANGED = FindingType("GATE-story-changed", "error", "{file} changed since {base}: the gate checks with the base's story (registry, words, qualifiers).")


def story_at(paths: list[Path], ref: str, story: Story) -> Story | None:
    """The story as it is at git ``ref`` when a file of it changed since, its registry and qualifiers
    read (None when nothing changed, or the story is outside the repository, new at the head or unusable
    at the base: nothing a change could have weakened)."""
    root = git.repo_root(paths[0] if paths else story.folder)
    commit = git.resolve(root, ref)
    try:
        relative = git.relative_to_root(root, story.folder)
    except (ValueError, git.GitError):
        return None
    with tempfile.TemporaryDirectory(prefix="factcheck-story-") as tmp:
        git.export(root, commit, [relative / name for name in story_files(story)], Path(tmp))
        folder = Path(tmp) / relative
        changed = [name for name in story_files(story) if _bytes(folder / name) != _bytes(story.folder / name)]
        if not changed or not (folder / STORY_FILE).is_file():  # the same story (the usual pull request), or a new one
            return None
        try:
            at_base = read_story(folder)
            at_base.registry, at_base.qualifiers  # noqa: B018 - read while the files are there
        except Exception:  # an unusable story at the base: the head's is checked, and its own errors said  # noqa: BLE001
            return None
        at_base.__dict__["changed"] = changed
    return at_base


def story_files(story: Story) -> list[str]:
    """The files that make a story's registry, words and qualifiers (the rules and facts aside: they have their own gate)."""
    c = story.config
    named = [STORY_FILE, c.entities.file, c.aliases, c.history, c.whole_measure.file if c.whole_measure else None, c.qualifiers]
    return [n for n in dict.fromkeys(named) if n]


def _bytes(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def story_changes(at_base: Story, story: Story, label: str, accepted: bool) -> list[Finding]:
    """One finding per file of the story changed since the base, at its first line; info when accepted."""
    findings = []
    for name in at_base.__dict__.get("changed", []):
        where = display_path(story.folder / name)
        at = Location(source_id="story", claim_id=name, fact_file=where, fact_line=1, source_line=1, quote=name)
        f = STORY_CHANGED([where], None, expected="as at the base", found="changed", severity="info" if accepted else None, file=where, base=label,
                          explanation="Accepted with --accept-rule-changes: the story of the head was used." if accepted else
                                      "A story's registry decides what names mean and which figures are right; a pull request that changes "
                                      "it fails until the change is accepted (--accept-rule-changes) by whoever reviews it.")
        findings.append(_gate_finding(f, at, accepted))
    return findings


def _gate_finding(f: Finding, at: Location, accepted: bool) -> Finding:
    """A change to what the gate checks with, as a finding of the gate: at its place, new unless accepted."""
    return f.model_copy(update={"rule": "GATE", "kind": "gate", "locations": [at], "engine": "factcheck", "status": None if accepted else "new"})


def rule_changes(before: list[tuple[RuleSpec, Params]], after: list[tuple[RuleSpec, Params]], rule_file: Path, label: str,
                 accepted: bool) -> list[Finding]:
    """One finding per rule added, removed or changed (kind, severity, description or parameters), at
    the rules file's line of the rule; info when the changes are accepted."""
    old = {spec.code: (spec, params) for spec, params in before}
    new = {spec.code: (spec, params) for spec, params in after}
    where = display_path(rule_file)
    lines = _rule_lines(rule_file)
    findings = []
    for code in sorted(old.keys() | new.keys()):
        was, now = (_setting(*old[code]) if code in old else None), (_setting(*new[code]) if code in new else None)
        if was == now:
            continue
        change = "added" if was is None else "removed" if now is None else "changed"
        diff = {k for k in (was or {}) | (now or {}) if (was or {}).get(k) != (now or {}).get(k)}
        shown = lambda setting: "absent" if setting is None else "; ".join(f"{k} {setting.get(k)}" for k in sorted(diff))  # noqa: E731
        at = Location(source_id="rules", claim_id=code, fact_file=where, fact_line=lines.get(code, 1), source_line=1, quote=f"code: {code}")
        f = RULE_CHANGED([code], None, expected=shown(was), found=shown(now), severity="info" if accepted else None,
                         code=code, change=change, base=label, old=shown(was), new=shown(now),
                         explanation="Accepted with --accept-rule-changes: the rules of the head were used." if accepted else
                                     "The gate checks with the base's rules; a pull request that changes them fails until the change is "
                                     "accepted (--accept-rule-changes) by whoever reviews it.")
        findings.append(_gate_finding(f, at, accepted))
    return findings


def _setting(spec: RuleSpec, params: Params) -> dict[str, str]:
    return {"kind": spec.kind, "severity": spec.severity.value, "description": spec.description,
            **{f"params.{k}": json.dumps(v, sort_keys=True) for k, v in params.model_dump(mode="json").items()}}


def _rule_lines(rule_file: Path) -> dict[str, int]:
    """The line of each rule's code in a rules file."""
    try:
        text = rule_file.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return {}
    lines: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        key, _, value = line.strip().removeprefix("- ").partition(":")
        if key.strip() == "code":
            lines.setdefault(value.strip().strip("'\""), number)
    return lines


# -- baseline files -------------------------------------------------------------------------------------------


def baseline_text(report: Report) -> str:
    """A baseline of the report's findings: sorted, one entry per finding, no timestamps."""
    entries = sorted((Known.of(f) for f in report.findings), key=lambda k: (k.rule, k.subjects, k.identity))
    return json.dumps({"version": BASELINE_VERSION, "findings": [k.model_dump(mode="json") for k in entries]}, indent=2, ensure_ascii=False) + "\n"


def read_baseline(path: Path) -> list[Known]:
    """The findings a baseline file lists. It is read as a regular file of at most
    ``MAX_BASELINE_BYTES``, counted while reading (a FIFO, a device or a link to ``/dev/zero`` is
    refused, never read); anything else is a ``BaselineError`` that names the file."""
    from factcheck.facts.safepath import UnsafeRead, read_capped

    try:
        baseline = Baseline.model_validate_json(read_capped(path, MAX_BASELINE_BYTES))
    except UnsafeRead as err:
        raise BaselineError(f"{path}: {err.message}; not a baseline") from None
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "the file"
        raise BaselineError(f"{path}: not a factcheck baseline ({where}: {first['msg']}); write one with 'factcheck baseline write'") from None
    if baseline.version != BASELINE_VERSION:
        raise BaselineError(f"{path}: baseline version {baseline.version}, this factcheck reads version {BASELINE_VERSION}")
    return baseline.findings


def against_baseline(report: Report, path: Path) -> Report:
    return compare(report, read_baseline(path), f"baseline {path}")
