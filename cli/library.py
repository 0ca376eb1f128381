"""The stories a service keeps: their sources, version by version, and the run of every change.

A write is validated first (the fact file alone, by the command line's loader: nothing is stored when
it is unusable), then stored as the next version of its source in the same transaction that checks
the version it replaces, and the story is re-checked over the newest version of every source, with the
warm story. The run is stored with its Report, its findings marked new, still present or fixed against
the run before, and the findings in their own table for queries across runs.
"""

from __future__ import annotations

import hashlib
import re
import tempfile
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from factcheck.checks.model import Known, Report, RunSettings
from factcheck.facts.loader import DEADLINE, SHOWN_AS, TimeLimit
from factcheck.facts.story import ACTIVE, Story

from .store import FindingRow, RunRow, SourceVersion, StoryRow, now

SOURCE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,79}$")


class Conflict(Exception):
    """The version a write names is not the newest (412), none was named for an existing source (428),
    or the write names a file that is another source's (409)."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status, self.detail = status, detail


class Unusable(Exception):
    """A fact file that cannot be used: each error at its file and line (422)."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class Written:
    version: SourceVersion
    run: RunRow
    report: Report
    created: bool


class Head(NamedTuple):
    """The newest version of a source, without its contents."""

    id: int
    source_id: str
    version: int
    deleted: bool
    fact_name: str
    text_name: str | None


def etag(version: SourceVersion) -> str:
    return f'"{version.source_id}-{version.version}"'


def matches(if_match: str, current: str | None) -> bool:
    """Whether an If-Match header holds for the current ETag (None: no current version), as RFC 9110
    says: "*" holds for any current version, a list of entity tags when one of them is it, compared
    strongly (a weak tag, W/"…", never holds)."""
    if current is None:
        return False
    tags = [t.strip() for t in if_match.split(",")]
    return "*" in tags or current in tags


class Library:
    def __init__(self, engine: Engine, stories: dict[str, Story], time_limit: float | None = None,
                 observe: Callable[[Report], None] | None = None) -> None:
        self.engine, self.stories, self.time_limit = engine, stories, time_limit
        self.observe = observe  # told of every run's report (the service's metrics)
        # One working folder per story, its files rewritten only when they change, and one check of a
        # story at a time: unchanged fact files keep their names and bytes, so the loader does not read them again.
        self.work = {name: Path(tempfile.mkdtemp(prefix=f"factcheck-{name}-")) for name in stories}
        self.held: dict[str, dict[str, Head]] = {name: {} for name in stories}  # the version of each source its working folder holds
        self.last: dict[str, tuple[int, Report]] = {}  # each story's last run, as this process made it
        self.locks = {(name, what): threading.Lock() for name in stories for what in ("check", "write")}
        for name, story in stories.items():
            self._import(name, story)

    # -- reading ------------------------------------------------------------------------------------

    def story_id(self, session: Session, name: str) -> int:
        return session.scalar(select(StoryRow.id).where(StoryRow.name == name))  # type: ignore[return-value]

    def heads(self, session: Session, name: str) -> dict[str, "Head"]:
        """The newest version of each source of a story, without its contents (deleted ones included: they say so)."""
        story_id = self.story_id(session, name)
        newest = (select(SourceVersion.source_id, func.max(SourceVersion.version).label("v"))
                  .where(SourceVersion.story_id == story_id).group_by(SourceVersion.source_id).subquery())
        rows = session.execute(select(SourceVersion.id, SourceVersion.source_id, SourceVersion.version, SourceVersion.deleted,
                                      SourceVersion.fact_name, SourceVersion.text_name)
                               .join(newest, (SourceVersion.source_id == newest.c.source_id) & (SourceVersion.version == newest.c.v))
                               .where(SourceVersion.story_id == story_id))
        return {row.source_id: Head(*row) for row in rows}

    def newest(self, session: Session, name: str, source_id: str) -> SourceVersion | None:
        """The newest version of one source (a deletion included), or None."""
        return session.scalars(select(SourceVersion).where((SourceVersion.story_id == self.story_id(session, name))
                                                           & (SourceVersion.source_id == source_id))
                               .order_by(SourceVersion.version.desc()).limit(1)).first()

    def versions(self, session: Session, name: str, source_id: str) -> list[SourceVersion]:
        """Every version of one source, newest first (without loading their contents)."""
        from sqlalchemy.orm import defer

        return list(session.scalars(select(SourceVersion).options(defer(SourceVersion.fact), defer(SourceVersion.text))
                                    .where((SourceVersion.story_id == self.story_id(session, name)) & (SourceVersion.source_id == source_id))
                                    .order_by(SourceVersion.version.desc())))

    def version(self, session: Session, name: str, source_id: str, version: int) -> SourceVersion | None:
        return session.scalars(select(SourceVersion).where((SourceVersion.story_id == self.story_id(session, name))
                                                           & (SourceVersion.source_id == source_id) & (SourceVersion.version == version))).first()

    def last_run(self, session: Session, name: str, usable: bool = False) -> RunRow | None:
        """The story's newest run (``usable``: the newest whose check could be finished and used)."""
        query = select(RunRow).where(RunRow.story_id == self.story_id(session, name))
        if usable:
            query = query.where(RunRow.verdict != "unusable")
        return session.scalars(query.order_by(RunRow.id.desc()).limit(1)).first()

    # -- writing ------------------------------------------------------------------------------------

    def put(self, name: str, source_id: str, fact: tuple[str, str], text: tuple[str, str] | None, if_match: str | None, author: str) -> Written:
        """Store a new version of a source (validated first) and re-check the story."""
        if not fact[0].endswith((".yaml", ".yml")):
            raise Unusable([f"{fact[0]}: expected a YAML fact file (a stored source is one source; claim tables are for POST /v1/check)"])
        errors, said, text_file = _validate(self.stories[name], fact, self.time_limit)
        if errors:
            raise Unusable(errors)
        if said != source_id:
            raise Unusable([f"{fact[0]}: source.id: expected {source_id!r} (the source this request writes), found {said!r}"])
        if text is not None and text[0] != text_file:
            raise Unusable([f"{fact[0]}: source.text_file: expected {text[0]!r} (the text this request writes), found {text_file!r}"])
        return self._write(name, source_id, fact, text, if_match, author, deleted=False)

    def delete(self, name: str, source_id: str, if_match: str | None, author: str) -> Written:
        with Session(self.engine, expire_on_commit=False) as session:
            current = self.newest(session, name, source_id)
        if current is None or current.deleted:
            raise KeyError(source_id)
        return self._write(name, source_id, (current.fact_name, current.fact), None, if_match, author, deleted=True)

    def _write(self, name: str, source_id: str, fact: tuple[str, str], text: tuple[str, str] | None, if_match: str | None, author: str,
               deleted: bool) -> Written:
        with Session(self.engine) as session:
            before = self.newest(session, name, source_id)
        held = {before.fact_name, before.text_name} if before is not None and not before.deleted else set()
        # A write that gives its source a file name it does not hold yet may take another's: such writes
        # of a story are made one at a time, and each sees the names the others took.
        naming = not deleted and not {fact[0], *([text[0]] if text else [])} <= held
        with self._one_at_a_time(name, "write") if naming else nullcontext(), \
                Session(self.engine, expire_on_commit=False) as session, session.begin():
            current = self.newest(session, name, source_id)
            if not naming and (current.id if current else None) != (before.id if before else None):  # its names may have changed
                raise Conflict(412, f"{source_id} was written by someone else just now: read it again")
            live = current is not None and not current.deleted
            if live and if_match is None:
                raise Conflict(428, f"{source_id} exists: name the version you replace (If-Match: {etag(current)})")
            if if_match is not None and not matches(if_match, etag(current) if live else None):
                raise Conflict(412, f"{source_id} is at {etag(current)} now, not {if_match}: read it again and re-apply your change" if live
                               else f"{source_id} has no current version for If-Match {if_match} to name: write it without If-Match")
            if naming:  # a file is one source's: another's of the same name would hide it
                for other in self.heads(session, name).values():
                    if other.source_id != source_id and not other.deleted and (
                            other.fact_name == fact[0] or (text is not None and other.text_name == text[0])):
                        taken = fact[0] if other.fact_name == fact[0] else text[0]  # type: ignore[index]
                        raise Conflict(409, f"{taken} is the file of source {other.source_id}: give this source's file a name of its own")
            version = SourceVersion(
                story_id=self.story_id(session, name), source_id=source_id, version=(current.version + 1) if current else 1,
                fact_name=fact[0], fact=fact[1], text_name=text[0] if text else None, text=text[1] if text else None, deleted=deleted,
                sha256=hashlib.sha256(fact[1].encode("utf-8")).hexdigest(), author=author, created_at=now())
            session.add(version)
            try:
                session.flush()  # the unique (story, source, version) key: two writers from one version cannot both win
            except IntegrityError:
                raise Conflict(412, f"{source_id} was written by someone else just now: read it again") from None
        run, report = self.recheck(name, author, f"{'delete' if deleted else 'put'} {source_id} v{version.version}")
        return Written(version, run, report, created=current is None or current.deleted)

    def recheck(self, name: str, author: str, trigger: str) -> tuple[RunRow, Report]:
        """Check the newest version of every source of a story, and keep the run (one check of a story at a time)."""
        with self._one_at_a_time(name):
            return self._recheck(name, author, trigger)

    @contextmanager
    def _one_at_a_time(self, name: str, what: str = "check") -> Iterator[None]:
        """One check (or one write) of a story at a time, across this process's threads and the other
        worker processes of the service: a story's runs are made one after another, each over every
        version written before it began, so its newest run is never older than its newest write; and a
        write sees every write before it (no two new sources can take one file name). PostgreSQL: an
        advisory lock; SQLite: a lock file beside the database."""
        key = zlib.crc32(f"factcheck {what} {name}".encode())
        with self.locks[(name, what)]:
            if self.engine.dialect.name == "postgresql":
                with self.engine.connect() as connection:
                    connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": key})
                    try:
                        yield
                    finally:
                        connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
                        connection.commit()
            elif self.engine.url.database and self.engine.url.database != ":memory:":
                import fcntl

                with open(f"{self.engine.url.database}.{key:08x}.lock", "a+b") as lock:
                    fcntl.flock(lock, fcntl.LOCK_EX)
                    try:
                        yield
                    finally:
                        fcntl.flock(lock, fcntl.LOCK_UN)
            else:
                yield

    def _recheck(self, name: str, author: str, trigger: str) -> tuple[RunRow, Report]:
        from factcheck.checks.engine import run
        from factcheck.checks.gate import compare

        story = self.stories[name]
        started = time.perf_counter()
        with Session(self.engine, expire_on_commit=False) as session:
            sources = [h for h in self.heads(session, name).values() if not h.deleted]
            facts, texts = self._materialized(session, name, sources)  # the story's working folder holds exactly these sources now
            before = self.last_run(session, name, usable=True)  # what an unusable check found says nothing of what was fixed
        every_text = all(h.text_name is not None for h in sources)  # quotes are verified when every source has its text
        token, shown = ACTIVE.set(story), SHOWN_AS.set(shown_as(story, facts, self.work[name]))  # files by their own names
        limit = DEADLINE.set((time.monotonic() + self.time_limit, self.time_limit) if self.time_limit else None)
        try:
            report = run(RunSettings(paths=[facts], rules=story.rules, sources_dir=texts if every_text else None)) if sources else _empty(story)
        except TimeLimit as err:  # the write is kept; its run says the check could not be finished
            report = _empty(story, [str(err)])
        finally:
            DEADLINE.reset(limit)
            SHOWN_AS.reset(shown)
            ACTIVE.reset(token)
        previous = None
        if before is not None:  # the run before, as this process made it, else as stored
            made = self.last.get(name)
            previous = made[1] if made and made[0] == before.id else Report.model_validate_json(before.report)
        compared = compare(report, [Known.of(f) for f in previous.findings] if previous else [], f"run {before.id}" if before else "no earlier run")
        # Findings are marked new, still present or fixed, as the gate marks them; but a run's verdict is
        # the story's, as the command line gives it: an error still present still fails. A check that
        # could not be finished (stopped, or a rule failed) cannot show that a finding went away.
        unusable = report.summary.verdict == "unusable"
        report = compared.model_copy(update={"fixed": [] if unusable else compared.fixed, "summary": compared.summary.model_copy(
            update={"verdict": report.summary.verdict, **({"fixed": 0} if unusable else {})})})
        s = report.summary
        with Session(self.engine, expire_on_commit=False) as session, session.begin():
            row = RunRow(story_id=self.story_id(session, name), created_at=now(), author=author, trigger=trigger, verdict=s.verdict,
                         errors=s.errors, warnings=s.warnings, infos=s.infos, new=s.new or 0, present=s.present or 0, fixed=s.fixed or 0,
                         duration_ms=round((time.perf_counter() - started) * 1000), report=report.model_dump_json())
            session.add(row)
            session.flush()
            session.add_all(FindingRow(run_id=row.id, rule=f.rule, code=f.code, severity=f.severity.value, subjects=f.subjects,
                                       message=f.message, status=f.status) for f in report.findings)
        self.last[name] = (row.id, report)
        if self.observe is not None:
            self.observe(report)
        return row, report

    def _materialized(self, session: Session, name: str, sources: list["Head"]) -> tuple[Path, Path]:
        """The story's working folder holding exactly the newest fact file (and text) of ``sources``:
        only the versions it does not hold yet are read from the database and written, and a file no
        source names any more is removed. Unchanged files keep their bytes: the loader does not read
        them again."""
        facts, texts = self.work[name] / "facts", self.work[name] / "texts"
        facts.mkdir(exist_ok=True)
        texts.mkdir(exist_ok=True)
        held, wanted = self.held[name], {h.source_id: h for h in sources}
        for source_id in [s for s in held if wanted.get(s) != held[s]]:
            (facts / held.pop(source_id).fact_name).unlink(missing_ok=True)
        fetch = [h.id for h in sources if h.source_id not in held]
        for ids in (fetch[i:i + 500] for i in range(0, len(fetch), 500)):  # bounded IN lists
            for v in session.scalars(select(SourceVersion).where(SourceVersion.id.in_(ids))):
                (facts / v.fact_name).write_text(v.fact, encoding="utf-8")
                if v.text_name and v.text is not None:
                    (texts / v.text_name).write_text(v.text, encoding="utf-8")
                held[v.source_id] = wanted[v.source_id]
        named = {h.text_name for h in sources if h.text_name}
        for path in texts.iterdir():
            if path.name not in named:
                path.unlink()
        return facts, texts

    def _import(self, name: str, story: Story) -> None:
        """A story seen for the first time: its folder's fact files (and texts) become version 1, checked
        once. A story seen before whose newest write has no run after it (the process was killed between
        the two) is simply checked again."""
        with Session(self.engine, expire_on_commit=False) as session:
            story_id = self.story_id(session, name)
            if story_id is not None:
                newest = session.scalar(select(func.max(SourceVersion.created_at)).where(SourceVersion.story_id == story_id))
                last = self.last_run(session, name)
        if story_id is not None:
            if newest is not None and (last is None or newest > last.created_at):
                self.recheck(name, "restart", "re-check after an interrupted run")
            return
        with Session(self.engine, expire_on_commit=False) as session, session.begin():
            session.add(StoryRow(name=name, title=story.config.story))
            session.flush()
            story_id = self.story_id(session, name)
            for path in sorted(story.facts.glob("*.yaml")):
                fact = path.read_text(encoding="utf-8")
                said, text_name = _said(fact)
                text_path = story.texts / text_name if story.texts and text_name else None
                text = text_path.read_text(encoding="utf-8") if text_path and text_path.is_file() else None
                session.add(SourceVersion(story_id=story_id, source_id=said or path.stem, version=1, fact_name=path.name,
                                          fact=fact, text_name=text_name if text else None, text=text, deleted=False,
                                          sha256=hashlib.sha256(fact.encode("utf-8")).hexdigest(), author="import", created_at=now()))
        self.recheck(name, "import", f"import {story.folder.name}")


def shown_as(story: Story, *private: Path) -> tuple[tuple[str, str], ...]:
    """How a service's outputs name folders (``loader.SHOWN_AS``): the files of its private folders by
    their names in them, the story's own files from the story's folder ('rules.yaml', 'texts')."""
    return (*((str(p), "") for p in private), (str(story.folder.resolve()), ""), (str(story.folder), ""))


def _said(fact: str) -> tuple[str | None, str | None]:
    """The ``source.id`` and ``source.text_file`` a fact file gives (None where it cannot be read: the loader says why)."""
    from factcheck.facts.yamlsafe import YamlError, load_yaml_text

    try:
        data, _ = load_yaml_text(fact, "fact file")
    except YamlError:
        return None, None
    source = data.get("source") if isinstance(data, dict) else None
    if not isinstance(source, dict):
        return None, None
    found, text = source.get("id"), source.get("text_file")
    return (str(found) if found is not None and SOURCE_ID.match(str(found)) else None), (str(text) if isinstance(text, str) else None)


def _validate(story: Story, fact: tuple[str, str], time_limit: float | None = None) -> tuple[list[str], str | None, str | None]:
    """The errors of one fact file on its own, as the command line's loader gives them, and the source id
    and text file it gives (within the time limit: ``TimeLimit`` past it)."""
    from factcheck.facts.loader import load

    with tempfile.TemporaryDirectory(prefix="factcheck-write-") as tmp:
        (Path(tmp) / fact[0]).write_text(fact[1], encoding="utf-8")
        shown = SHOWN_AS.set(((tmp, ""),))
        limit = DEADLINE.set((time.monotonic() + time_limit, time_limit) if time_limit else None)
        try:
            dataset = load([Path(tmp)], story)
        finally:
            DEADLINE.reset(limit)
            SHOWN_AS.reset(shown)
        said = dataset.tables["sources"].select("source_id", "text_file").rows()
        return [str(e).replace(tmp + "/", "") for e in dataset.errors], *(said[0] if said else (None, None))


def write_exactly(folder: Path, files: dict[str, str]) -> None:
    """Make ``folder`` hold exactly ``files`` (name -> text): a file is written only when its bytes
    change, so an unchanged one keeps its name and bytes and the loader does not read it again."""
    folder.mkdir(parents=True, exist_ok=True)
    for path in folder.iterdir():
        if path.name not in files:
            path.unlink()
    for name, content in files.items():
        path, data = folder / name, content.encode("utf-8")
        if not path.is_file() or path.read_bytes() != data:
            path.write_bytes(data)


def _empty(story: Story, problems: list[str] = ()) -> Report:  # type: ignore[assignment]
    """The report of a story with no source left (nothing to check, nothing wrong), or of a check that
    could not be finished (``problems``: why; unusable)."""
    import datetime as dt

    from factcheck.checks.model import StoryInfo, Summary

    return Report(dataset=[], story=StoryInfo(title=story.config.story, folder=story.folder.name, words=story.words.fields()),
                  summary=Summary(verdict="unusable" if problems else "pass", fail_on="error", errors=0, warnings=0, infos=0, sources=0,
                                  claims=0, rules_run=0, files=0, unusable_files=0, rule_failures=0), load_errors=list(problems),
                  checked_at=dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat(), rules=[], sources=[], findings=[])
