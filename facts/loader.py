"""Fact files in, typed tables out.

``load(paths)`` reads every fact file it is given (files or folders), validates each record, and builds
the tables of ``facts.tables``. A file that cannot be used is reported as ``LoadError``s naming its
file, line, column and field, and the other files still load: nothing is lost and nothing crashes.
"""

from __future__ import annotations

import datetime as dt
import os
import stat
import time
from collections import OrderedDict
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cache, lru_cache
from itertools import accumulate
from pathlib import Path
from typing import Any

import polars as pl
from pydantic import TypeAdapter, ValidationError

from . import models
from .dates import DateInterval, parse_date
from .registry import Registry
from .story import ACTIVE, STORY_FILE, Story, StoryError, active, bundled_story_folder, find_story, read_story
from .safepath import cut, inside, kind_of, shown
from .tables import AREA_TABLES, COLUMNS, Tables, month_wave
from .values import parse_value
from .yamlsafe import Positions, YamlError, load_yaml_bytes, read_yaml_bytes

FACT_SUFFIXES = (".yaml", ".yml", ".csv", ".parquet", ".ndjson", ".jsonl")  # tables: see facts.tabular
RULES_FILE = "rules.yaml"
MAX_FILES = 10_000
#: Bounds of the numbers a fact file says, checked where they are read (a claim beyond them is left
#: out with an error): a line of a source text, and an item's number in a numbered list.
MAX_LINE = 10_000_000
MAX_POSITION = 100_000
MAX_FILE_ERRORS = 50  # errors reported per file; the rest are counted in one line
MAX_RUN_ERRORS = 200  # errors reported per load; the rest are counted in one line


@dataclass(frozen=True)
class LoadError:
    """Why (part of) a fact file could not be used, and exactly where."""

    file: str  # "" for a line about the run ("… and 12 more errors")
    line: int | None
    column: int | None
    field: str | None
    message: str

    def __post_init__(self) -> None:  # a message that quotes a long value whole is cut (safepath.cut)
        if len(self.message) > 1000 or (self.field is not None and len(self.field) > 1000):
            object.__setattr__(self, "message", cut(self.message))
            object.__setattr__(self, "field", cut(self.field) if self.field is not None else None)

    def __str__(self) -> str:
        where = self.file + "".join(f":{n}" for n in (self.line, self.column) if n is not None)
        if not where:
            return self.message
        return f"{where}: {self.field + ': ' if self.field else ''}{self.message}"


def capped(errors: list[LoadError], limit: int, file: str = "") -> list[LoadError]:
    """The first ``limit`` errors and, when there were more, one line that counts the rest (of
    ``file``, or of the run when ``file`` is empty)."""
    if len(errors) <= limit:
        return errors
    more = len(errors) - limit
    where = " in this file" if file else ""
    return [*errors[:limit], LoadError(file, None, None, None, f"… and {more:,} more error{'s' if more > 1 else ''}{where}")]


@dataclass(frozen=True)
class Dataset:
    tables: Tables
    errors: tuple[LoadError, ...]
    files: tuple[str, ...]


def bundled_label() -> str:
    """How outputs name the bundled example's folder, wherever it is installed: ``examples/<story>``."""
    return "examples/" + bundled_story_folder().name


class TimeLimit(Exception):
    """A check ran past the time it was given (``DEADLINE``): stopped where it stood."""

    def __init__(self, limit: float, where: str) -> None:
        super().__init__(f"the check was stopped: it ran past its time limit of {limit:g} s ({where})")
        self.limit, self.where = limit, where


#: When the check in progress must end, as (``time.monotonic()`` at the end, its limit in seconds):
#: a service bounds each check's time. Looked at between fact files and between rules.
DEADLINE: ContextVar[tuple[float, float] | None] = ContextVar("deadline", default=None)


def in_time(where: str) -> None:
    """``TimeLimit`` when the check in progress has run past its deadline."""
    deadline = DEADLINE.get()
    if deadline is not None and time.monotonic() > deadline[0]:
        raise TimeLimit(deadline[1], where)


#: Folders whose files outputs name otherwise, as (folder, prefix) pairs: a service names the files of
#: its private working folders as the request (or the stored source) named them, never by its own paths.
SHOWN_AS: ContextVar[tuple[tuple[str, str], ...]] = ContextVar("shown_as", default=())


def display_path(path: Path) -> str:
    """A path as people and CI annotations want it: relative to the working folder where possible;
    the bundled example's files by their place in the repository (``examples/<story>/...``); the files
    of a folder in ``SHOWN_AS`` by their names in it."""
    name = str(path)
    for folder, prefix in SHOWN_AS.get():
        if name == folder:
            return prefix + Path(folder).name
        if name.startswith(folder + os.sep):
            return prefix + name[len(folder) + 1:].replace(os.sep, "/")
    return _display(name, os.getcwd())


@lru_cache(maxsize=4096)  # a service names the same files at every check
def _display(name: str, cwd: str) -> str:
    path = Path(name)
    resolved = path.resolve()
    try:
        relative = os.path.relpath(resolved)
    except ValueError:  # another drive
        return str(path)
    if not relative.startswith(".."):
        return relative.replace(os.sep, "/")
    bundled = _bundled_resolved()
    if resolved.is_relative_to(bundled):
        return (bundled_label() + "/" + resolved.relative_to(bundled).as_posix()).removesuffix("/.")
    return str(path)


@cache
def _bundled_resolved() -> Path:
    from .story import bundled_story_folder

    return bundled_story_folder().resolve()


def fact_files(paths: list[Path]) -> tuple[list[Path], list[LoadError]]:
    """The fact files under ``paths`` (folders are searched recursively), sorted, rules files excluded.

    Inside a folder, a symbolic link that leads out of the folder (to a fact file or to a folder) is
    refused, not followed, and so is anything with a fact file's name that is not a regular file (a
    FIFO, a device, a socket): each is an error that says so. Links to folders are never searched."""
    found: list[Path] = []
    errors: list[LoadError] = []
    for path in paths:
        if path.is_dir():
            before = len(found) + len(errors)
            for p in sorted(path.rglob("*")):
                if (p.suffix not in FACT_SUFFIXES or p.name == RULES_FILE) and not p.is_symlink():
                    continue
                refused = _refused(path, p)
                if refused is None:
                    found.append(p)
                elif refused:
                    errors.append(LoadError(str(p), None, None, None, refused))
            if len(found) + len(errors) == before:  # nothing to check is not a pass
                errors.append(LoadError(display_path(path), None, None, None,
                                        f"no fact files in this folder (looked for {', '.join('*' + s for s in FACT_SUFFIXES)} in it and below, {RULES_FILE} aside)"))
        elif path.is_file():
            found.append(path)
        elif path.exists():
            errors.append(LoadError(str(path), None, None, None, f"expected a fact file or a folder, found {kind_of(path.stat().st_mode)}"))
        else:
            errors.append(LoadError(str(path), None, None, None, "no such file or folder"))
    if len(found) > MAX_FILES:
        errors.append(LoadError(str(paths[0]), None, None, None, f"more than {MAX_FILES} fact files; split the dataset"))
        found = found[:MAX_FILES]
    return found, errors


def _refused(folder: Path, path: Path) -> str | None:
    """Why an entry found in ``folder`` is not read as a fact file: a message, or "" when it is passed
    over in silence (not a fact file's name, a folder); None when it is read."""
    fact_name = path.suffix in FACT_SUFFIXES and path.name != RULES_FILE
    link = path.is_symlink()
    try:
        mode = path.stat().st_mode  # through links
    except OSError:
        if not fact_name:
            return ""
        return "expected a fact file, found a symbolic link to nothing" if link else "cannot be read"
    if link and not inside(folder, path) and (fact_name or stat.S_ISDIR(mode)):
        what = "folder" if stat.S_ISDIR(mode) else "fact file"
        return f"expected a {what} inside {folder}, found a symbolic link that leads outside it (not followed)"
    if not fact_name or stat.S_ISDIR(mode):
        return ""
    if not stat.S_ISREG(mode):
        return f"expected a regular fact file, found {kind_of(mode)}"
    return None


_FIELD_HINTS = {
    "wave": "the month the wave was announced, e.g. 2020-12",
    "id": "an id of letters, digits, '.', '_' or '-' (at most 80)",
    "list": "the id of a list claim of the same file",
    "measure": "a lower-case name: the story's status code, new_ and its code, the code of those before it, or any other",
    "text_file": "the file name of the source text, without folders",
}


def _pydantic_errors(err: ValidationError, file: str, base: tuple, positions: Positions, fallback: tuple[int, int]) -> list[LoadError]:
    out = []
    for e in err.errors():
        loc = tuple(e["loc"])
        if loc and loc[0] in models.CLAIM_KINDS and base and base[0] == "claims":
            loc = loc[1:]  # drop the discriminator tag pydantic puts first
        line, column = positions.get((*base, *loc), positions.get(base, fallback))
        field = ".".join(str(p) for p in (*base, *loc))
        message = e["msg"].removeprefix("Value error, ")
        last = next((p for p in reversed(loc) if isinstance(p, str)), None)
        if e["type"] == "string_pattern_mismatch" and last in _FIELD_HINTS:
            message = f"expected {_FIELD_HINTS[last]}"
        elif e["type"] == "missing":
            message = "required field is missing"
        elif e["type"] == "extra_forbidden":
            message = "unknown field"
        if e["type"] != "missing" and "input" in e and not isinstance(e["input"], (dict, list)):
            message += f", found {shown(e['input'])}"
        out.append(LoadError(file, line, column, field, message))
    return out


_CLAIM = TypeAdapter(models.Claim)


#: Fact files already validated, by their name, the story they were read for and their bytes: a
#: service checks a story again after each change, and a file whose bytes did not change is not read
#: again. Bounded: at most MAX_PARSED parses, of files no larger than MAX_PARSED_BYTES. Kept only by a
#: long-running process that asks for it (``keep_parsed``): a single check reads each file once anyway.
Parsed = tuple[models.Source | None, list[tuple[Any, int]], list[LoadError]]
_PARSED: "OrderedDict[tuple[str, str, bytes], Parsed]" = OrderedDict()  # (label, story, bytes) -> the parse
MAX_PARSED = 2048
MAX_PARSED_BYTES = 128 * 1024
MAX_PARSED_TOTAL = 32 * 1024 * 1024  # bytes of the files whose parses are kept, all together
_PARSED_TOTAL = 0
_KEEP_PARSED = False


def keep_parsed(keep: bool = True) -> None:
    """Keep the parse and the table rows of the fact files read, for the checks to come (the service)."""
    global _KEEP_PARSED, _PARSED_TOTAL
    _KEEP_PARSED = keep
    if not keep:
        _PARSED.clear()
        _PARSED_TOTAL = 0
        _FRAMES.clear()
        _JOINED.clear()
        _RESOLVED.clear()


def _parse_file(path: Path, label: str) -> tuple[Parsed, bool]:
    """Validate one fact file: its source and its claims, each with the fact-file line where it starts
    (a file read before with the same bytes, for the same story, is not read again); and whether its
    parse is kept."""
    global _PARSED_TOTAL
    try:
        data = read_yaml_bytes(path)
    except YamlError as err:
        return (None, [], [LoadError(label, err.line, err.column, None, err.message)]), False
    if not _KEEP_PARSED or len(data) > MAX_PARSED_BYTES:
        return _parse_bytes(data, label), False
    story = active()
    key = (label, story.fingerprint if story else "", data)
    hit = _PARSED.get(key)
    if hit is not None:
        _PARSED.move_to_end(key)
        return hit, True
    parsed = _PARSED[key] = _parse_bytes(data, label)
    _PARSED_TOTAL += len(data)
    while len(_PARSED) > MAX_PARSED or _PARSED_TOTAL > MAX_PARSED_TOTAL:
        (_, _, gone), _ = _PARSED.popitem(last=False)
        _PARSED_TOTAL -= len(gone)
    return parsed, True


def _parse_bytes(raw: bytes, label: str) -> Parsed:
    try:
        data, positions = load_yaml_bytes(raw, label)
    except YamlError as err:
        return None, [], [LoadError(label, err.line, err.column, None, err.message)]
    if not isinstance(data, dict) or "source" not in data or "claims" not in data:
        return None, [], [LoadError(label, 1, 1, None, "expected a mapping with 'source' and 'claims'")]
    errors: list[LoadError] = []
    unknown = set(data) - {"source", "claims"}
    for key in sorted(map(str, unknown)):
        errors.append(LoadError(label, *positions.get((key,), (1, 1)), key, "unknown top-level field"))
    source = None
    try:
        source = models.Source.model_validate(data["source"])
    except ValidationError as err:
        errors.extend(_pydantic_errors(err, label, ("source",), positions, positions.get(("source",), (1, 1))))
    raw_claims = data["claims"]
    if not isinstance(raw_claims, list):
        return source, [], [*errors, LoadError(label, *positions.get(("claims",), (1, 1)), "claims", "expected a list of claims")]
    claims: list[tuple[Any, int]] = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(raw_claims):
        line, column = positions.get(("claims", i), (1, 1))
        kind = raw.get("kind") if isinstance(raw, dict) else None
        if kind not in models.CLAIM_KINDS:
            where = positions.get(("claims", i, "kind"), (line, column))
            found = "no kind" if kind is None else shown(kind)
            errors.append(LoadError(label, *where, f"claims.{i}.kind", f"expected one of {', '.join(models.CLAIM_KINDS)}, found {found}"))
            continue
        try:
            claim = _CLAIM.validate_python(raw)
        except ValidationError as err:
            errors.extend(_pydantic_errors(err, label, ("claims", i), positions, (line, column)))
            continue
        too_big = _beyond_bounds(claim, i, positions, (line, column))
        if too_big:
            errors.extend(LoadError(label, *where, field, message) for where, field, message in too_big)
            continue
        if claim.id in seen:
            errors.append(LoadError(label, line, column, f"claims.{i}.id", f"id {claim.id!r} is used twice (first at line {seen[claim.id]})"))
            continue
        seen[claim.id] = line
        item_lines = [positions.get(("claims", i, "items", j), (line, column))[0] for j in range(len(getattr(claim, "items", [])))]
        claims.append((claim, line, item_lines))
    list_ids = {c.id for c, _, _ in claims if c.kind == "list"}
    dangling = [(claim, line) for claim, line, _ in claims if getattr(claim, "list", None) not in (None, *list_ids)]
    for claim, line in dangling:
        errors.append(LoadError(label, line, None, "list", f"expected the id of a list claim in this file, found {shown(claim.list)}"))
    left_out = {claim.id for claim, _ in dangling}
    return source, [c for c in claims if c[0].id not in left_out], capped(errors, MAX_FILE_ERRORS, label)


def _beyond_bounds(claim: Any, i: int, positions: Positions, fallback: tuple[int, int]) -> list[tuple[tuple[int, int], str, str]]:
    """The numbers of a validated claim beyond ``MAX_LINE`` or ``MAX_POSITION``: (place, field, message) each."""
    out = []
    numbers: list[tuple[tuple[str | int, ...], int | None, int, str]] = [
        (("evidence", "line"), claim.evidence.line, MAX_LINE, "a line of the source text"),
    ]
    for j, item in enumerate(getattr(claim, "items", None) or []):
        numbers.append((("items", j, "line"), item.line, MAX_LINE, "a line of the source text"))
        numbers.append((("items", j, "position"), item.position, MAX_POSITION, "an item's number in its list"))
    for path, value, limit, what in numbers:
        if value is not None and value > limit:
            where = positions.get(("claims", i, *path), fallback)
            field = ".".join(map(str, ("claims", i, *path)))
            out.append((where, field, f"expected at most {limit:,} ({what}), found {shown(value)}"))
    return out


EARLIEST = dt.date(1000, 1, 1)  # the earliest a wave known only by its order can have been


def count_bounds(text: str) -> tuple[float, float]:
    """The interval a count's value states. "one of 14" says its subject is one of 14 things: the count
    is of the 14; otherwise the value's own interval ("three of the 42": three)."""
    v = parse_value(text)
    whole = getattr(v, "of", None)
    if whole is not None and v.number == 1 and not getattr(v, "parts", ()):
        return float(whole), float(whole)
    return v.lo, v.hi


def _lohi(interval: DateInterval | None) -> tuple[Any, Any]:
    return (interval.lo, interval.hi) if interval else (None, None)


class _Rows:
    """Accumulates table rows; knows the provenance columns every claim row carries."""

    def __init__(self) -> None:
        self.rows: dict[str, list[dict[str, Any]]] = {name: [] for name in COLUMNS}

    def add(self, table: str, base: dict[str, Any], **values: Any) -> None:
        self.rows[table].append({**base, **values})


_FRAMES: "OrderedDict[int, tuple[Parsed, dict[str, pl.DataFrame]]]" = OrderedDict()


def _file_frames(source: models.Source, claims: list, label: str) -> dict[str, pl.DataFrame]:
    """The tables of one valid fact file, as frames of its rows alone (made once per file read: an
    unchanged file read again from the parse cache gives the same frames, and a story of many files
    is the concatenation of its files' frames)."""
    key = id(claims)
    hit = _FRAMES.get(key)
    if hit is not None and hit[0][1] is claims:  # the same parse (its claims list is kept alive by the entry)
        return hit[1]
    made = _frames_of(source, claims, label)
    _FRAMES[key] = ((source, claims, []), made)
    if len(_FRAMES) > MAX_PARSED:
        _FRAMES.popitem(last=False)
    return made


_JOINED: dict[str, list[tuple[list[pl.DataFrame], pl.DataFrame]]] = {}  # table -> its last joins, newest last
JOINS_KEPT = 4  # per table: a service may check a few stories, or a story and requests, in turn
SPLICED = 16  # at most this many files changed, and a table is spliced rather than joined again


def _joined(table: str, parts: list[pl.DataFrame]) -> pl.DataFrame:
    """One table of many files: their frames, in order, as one. A join of the same frames is reused,
    and one that differs from a kept join in a few files only is spliced from it: re-checking a story
    after one file changed costs the rows of that file, not a join of every file."""
    kept = _JOINED.setdefault(table, [])
    for i, (before, joined) in enumerate(kept):
        if len(before) != len(parts):
            continue
        changed = [j for j, (a, b) in enumerate(zip(before, parts)) if a is not b]
        if len(changed) > SPLICED:
            continue
        if changed:
            starts = [0, *accumulate(f.height for f in before)]
            pieces, at = [], 0
            for j in changed:
                pieces += [joined.slice(at, starts[j] - at), parts[j]]
                at = starts[j + 1]
            joined = pl.concat([*pieces, joined.slice(at)], rechunk=True)
        del kept[i]
        kept.append((parts, joined))
        return joined
    joined = pl.concat(parts, rechunk=True)
    kept.append((parts, joined))
    del kept[:-JOINS_KEPT]
    return joined


def _frames_of(source: models.Source, claims: list, label: str) -> dict[str, pl.DataFrame]:
    return {table: _frame(table, added) for table, added in _rows_of(source, claims, label).items()}


def _rows_of(source: models.Source, claims: list, label: str) -> dict[str, list[dict[str, Any]]]:
    rows = _Rows()
    p = source.published
    rows.add("sources", {}, source_id=source.id, title=source.title, publisher=source.publisher, source_kind=source.kind,
             text_file=source.text_file, published_lo=p.lo, published_hi=p.hi, published_exact=p.exact,
             date_reason=p.reason, url=source.url, fact_file=label, fact_line=1)
    for claim, line, item_lines in claims:
        _claim_rows(rows, source, label, claim, line, item_lines)
    return {table: added for table, added in rows.rows.items() if added}


def _claim_rows(rows: _Rows, source: models.Source, label: str, claim: Any, line: int, item_lines: list[int]) -> None:
    base = {
        "claim_id": claim.id, "source_id": source.id, "kind": claim.kind, "quote": claim.evidence.quote,
        "source_line": claim.evidence.line, "fact_file": label, "fact_line": line,
    }
    published = source.published
    as_of = _lohi(getattr(claim, "as_of", None) or published)
    wave = claim.wave_key() if isinstance(claim, models.Waved) else getattr(claim, "wave", None)
    # When the wave was announced: as the claim says, else its wave's month or year; a wave known only
    # by its order was announced at some time before the source. The effective date is only ever what
    # a claim states (null otherwise): the rules say how they read a missing one.
    announced = getattr(claim, "announced", None) or (parse_date(claim.wave) if getattr(claim, "wave", None) else DateInterval(EARLIEST, published.hi))
    effective = _lohi(getattr(claim, "effective", None))
    match claim.kind:
        case "designation":
            rows.add("designations", base, subject=claim.subject, wave=wave, announced_lo=announced.lo,
                     announced_hi=announced.hi, effective_lo=effective[0], effective_hi=effective[1], list_id=None)
        case "list":
            means = _side(claim.means)
            rows.add("lists", base, list_id=claim.id, title=claim.title, means=means, wave=wave, n_items=len(claim.items))
            for position, (item, item_line) in enumerate(zip(claim.items, item_lines), start=1):
                item_base = {**base, "claim_id": f"{claim.id}/{item.subject}", "kind": "list_item",
                             "quote": item.quote or item.subject, "source_line": item.line, "fact_line": item_line}
                rows.add("list_items", item_base, subject=item.subject, list_id=claim.id,
                         position=item.position or position, means=means, wave=claim.wave)
                if means == "designation":
                    rows.add("designations", {**item_base, "kind": "designation"}, subject=item.subject, wave=wave,
                             announced_lo=announced.lo, announced_hi=announced.hi, effective_lo=effective[0],
                             effective_hi=effective[1], list_id=claim.id)
                elif means in ("in", "out"):
                    rows.add("statuses", {**item_base, "kind": "status"}, subject=item.subject, status=means,
                             as_of_lo=as_of[0], as_of_hi=as_of[1], wave=wave, list_id=claim.id)
        case "count":
            lo, hi = count_bounds(claim.value)
            rows.add("counts", base, measure=claim.measure, subject=claim.subject, value=claim.value, lo=lo, hi=hi,
                     wave=wave, when=claim.when, as_of_lo=as_of[0], as_of_hi=as_of[1], list_id=claim.list,
                     n_extras=len(claim.extras))
            for extra in claim.extras:
                rows.add("extras", {**base, "claim_id": f"{claim.id}/{extra}", "kind": "extra"}, subject=extra, count_id=claim.id,
                         measure=claim.measure, wave=wave, when=claim.when)
        case "region_count":
            v = parse_value(claim.value)
            rows.add("region_counts", base, region=claim.region, subject=claim.subject, value=claim.value, lo=v.lo,
                     hi=v.hi, list_id=claim.list, wave=claim.wave, as_of_lo=as_of[0], as_of_hi=as_of[1])
        case "merger":
            rows.add("mergers", base, subject=claim.subject, into=claim.into, wave=claim.wave)
        case "population":
            v = parse_value(claim.value)
            rows.add("populations", base, subject=claim.subject, scope=claim.scope, value=claim.value, lo=v.lo, hi=v.hi,
                     is_share=v.share, basis=claim.basis, wave=claim.wave, as_of_lo=as_of[0], as_of_hi=as_of[1])
        case "status":
            rows.add("statuses", base, subject=claim.subject, status=_side(claim.status), as_of_lo=as_of[0], as_of_hi=as_of[1],
                     wave=None, list_id=None)
        case "quote":
            said = _lohi(claim.said)
            rows.add("quotes", base, speaker=claim.speaker, role=claim.role, occasion=claim.occasion, said_lo=said[0], said_hi=said[1],
                     words=claim.words)


def _frame(name: str, rows: list[dict[str, Any]]) -> pl.DataFrame:
    schema = COLUMNS[name]
    return pl.DataFrame([{c: r.get(c) for c in schema} for r in rows], schema=schema, orient="row") if rows else pl.DataFrame(schema=schema)


AREA_COLUMNS = ["area_code", "area_name", "name_match", "suggestion"]
_RESOLVED: dict[str, list[tuple[pl.DataFrame, Registry, pl.DataFrame]]] = {}  # table -> its last resolutions (a service's)


def resolve_areas(frames: dict[str, pl.DataFrame], registry: Registry) -> dict[str, pl.DataFrame]:
    """Fill the area columns of every table whose subject names an area, and the merged-into columns of
    mergers (a name is resolved on its own: one resolution per distinct name of each table). A service
    keeps the last resolutions of each table: a table that did not change is not resolved again."""
    out = dict(frames)
    for table in AREA_TABLES:
        frame = frames[table]
        kept = _RESOLVED.setdefault(table, []) if _KEEP_PARSED else []
        hit = next((i for i, (given, by, _) in enumerate(kept) if given is frame and by is registry), None)
        if hit is None:
            kept.append((frame, registry, _resolved(table, frame, registry)))
            del kept[:-JOINS_KEPT]
        else:
            kept.append(kept.pop(hit))
        out[table] = kept[-1][2]
    return out


def _resolved(table: str, frame: pl.DataFrame, registry: Registry) -> pl.DataFrame:
    area = pl.col("scope") == "area"  # a population of a wave or of the whole names no area: nothing to resolve
    names = frame.filter(area)["subject"] if table == "populations" else frame["subject"]
    done = frame.drop(AREA_COLUMNS).join(registry.resolve(names), on="subject", how="left").select(frame.columns)
    if table == "populations":
        done = done.with_columns([pl.when(~area).then(None).otherwise(pl.col(c)).alias(c) for c in AREA_COLUMNS])
    if table == "mergers":
        into = registry.resolve(frame["into"]).select(pl.col("subject").alias("into"), pl.col("area_code").alias("into_code"),
                                                      pl.col("area_name").alias("into_name"), pl.col("name_match").alias("into_match"))
        done = done.drop("into_code", "into_name", "into_match").join(into, on="into", how="left").select(frame.columns)
    return done


def load(paths: list[Path] | None = None, story: Story | None = None) -> Dataset:
    """Load fact files into typed tables, names resolved against the registry of ``story`` (default:
    the story in effect, ``story.active()``; then the story of the first path, found upward); collect
    every error. Without paths: the story's fact folder. ``StoryError`` when there is no usable story."""
    if story is None and paths and paths[0].is_dir() and (paths[0] / STORY_FILE).is_file():  # a story folder named: that story
        story = read_story(paths[0])
    story = story or active() or story_of(paths)
    registry = story.registry
    token = ACTIVE.set(story)  # values read with the story's qualifiers
    try:
        return _load([story_facts(p) for p in paths] if paths else [story.facts], registry)
    finally:
        ACTIVE.reset(token)


def story_facts(path: Path) -> Path:
    """A path to check: a story folder means the fact folder its ``factcheck.yaml`` names."""
    if path.is_dir() and (path / STORY_FILE).is_file():
        try:
            return read_story(path).facts
        except StoryError:
            return path
    return path


def _side(word: str) -> str:
    """A status or list meaning as tables hold it: 'in' (the story's status), 'out' (not yet), or as written."""
    story = active()
    return (story.words.side(word) if story else None) or word


def story_of(paths: list[Path] | None) -> Story:
    """The story that ``paths`` belong to: the nearest ``factcheck.yaml`` from the first one upward."""
    if not paths:
        here = find_story(Path.cwd())
        return read_story(here) if here else read_story(bundled_story_folder(), bundled=True)
    first = paths[0]
    start = first if first.is_dir() else first.parent
    folder = find_story(start)
    if folder is None:
        raise StoryError([f"{display_path(first)}: no story: looked for {STORY_FILE} in {display_path(start)} and the folders above it "
                          f"(write one with `factcheck init DIR`, or name one with --story)"])
    return read_story(folder)


def _load(paths: list[Path], registry: Registry) -> Dataset:
    files, errors = fact_files(paths)
    rows = _Rows()
    kept: dict[str, list[pl.DataFrame]] = {name: [] for name in COLUMNS}
    labels: list[str] = []
    source_files: dict[str, str] = {}
    tables: list[tuple[Path, str]] = []
    for path in files:
        in_time(f"reading {path.name}")
        label = display_path(path)
        labels.append(label)
        if path.suffix.lower() not in (".yaml", ".yml"):
            tables.append((path, label))
            continue
        (source, claims, file_errors), kept_parse = _parse_file(path, label)
        if source is not None and source.id in source_files:
            file_errors = [*file_errors, LoadError(label, None, None, "source.id", f"source id {source.id!r} is also used by {source_files[source.id]}")]  # a kept parse is never changed
        errors.extend(file_errors)  # a bad claim is left out; the file's other claims are still checked
        if source is None or any(e.field and e.field.startswith("source") for e in file_errors):
            continue
        source_files[source.id] = label
        if _KEEP_PARSED:  # a service: each file's frames (kept with a kept parse), joined
            made = _file_frames(source, claims, label) if kept_parse else _frames_of(source, claims, label)
            for table, frame in made.items():
                kept[table].append(frame)
        else:
            for table, added in _rows_of(source, claims, label).items():
                rows.rows[table].extend(added)
    frames = {name: _joined(name, kept[name]) if kept[name] else _frame(name, r) for name, r in rows.rows.items()}
    if tables:
        from .tabular import load_tables  # polars scans and pandera: only when there are table files

        frames = load_tables(tables, frames, errors)
        frames["sources"] = _one_row_per_source(frames["sources"], errors)
    frames = place_waves(resolve_areas(frames, registry))
    frames |= reference_frames(registry)
    return Dataset(Tables(frames, registry), tuple(capped(errors, MAX_RUN_ERRORS)), tuple(labels))


def _one_row_per_source(sources: pl.DataFrame, errors: list[LoadError]) -> pl.DataFrame:
    """A source id is one source's: a table row giving an id that a fact file or an earlier row gave is
    an error at its line, and is left out (two fact files with one id are refused as they are read)."""
    if sources["source_id"].n_unique() == sources.height:
        return sources
    first: dict[str, str] = {}
    keep: list[bool] = []
    for source_id, file, line in sources.select("source_id", "fact_file", "fact_line").iter_rows():
        keep.append(source_id not in first)
        if keep[-1]:
            first[source_id] = file if file.endswith((".yaml", ".yml")) else f"{file}:{line}"
        else:
            errors.append(LoadError(file, line, None, "source_id", f"source id {source_id!r} is also used by {first[source_id]}"))
    return sources.filter(pl.Series(keep))


def wave_candidates(vague: str, known: list[str]) -> list[str]:
    """The waves known by their month that a wave known only by its year ('2019') or by its order
    ('#3': the third wave, as the source counts) can be. Known waves may not be all the waves there
    were, so the third wave is one of the first three known."""
    if vague.startswith("#"):
        return known[: int(vague[1:])]
    return [w for w in known if w[:4] == vague]


def place_waves(frames: dict[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    """Give a designation whose wave is known only by its year or order the month of the wave other
    claims designate its area in, when that is one of the waves it can be. Nothing else is guessed: what
    cannot be placed keeps its year or order, and the rules say what they make of it."""
    des = frames["designations"]
    monthly = pl.concat([frames[t].filter(month_wave())["wave"] for t in ("designations", "counts", "mergers")])
    known = sorted(monthly.unique().to_list())
    vague = des.filter(~month_wave())["wave"].drop_nulls().unique().to_list()  # a designation of no wave is not placed
    if not vague:
        return frames
    candidates = {v: wave_candidates(v, known) for v in vague}
    by_area: dict[str, set[str]] = {}
    for area, wave in des.filter(month_wave() & pl.col("area_code").is_not_null()).select("area_code", "wave").iter_rows():
        by_area.setdefault(area, set()).add(wave)

    def placed(wave: str, area: str | None) -> str:
        fits = sorted(by_area.get(area or "", set()) & set(candidates.get(wave, ())))
        return fits[0] if len(fits) == 1 else wave

    waves = [placed(w, a) for w, a in des.select("wave", "area_code").iter_rows()]
    return {**frames, "designations": des.with_columns(pl.Series("wave", waves, dtype=pl.String))}


def reference_frames(registry: Registry) -> dict[str, pl.DataFrame]:
    return {
        "registry": registry.current,
        "aliases": registry.aliases,
        "past": registry.past,
        "whole_measure": registry.whole_measure,
    }
