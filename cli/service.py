"""``factcheck serve``: the HTTP API over the same engine and the same Report as the command line.

The stories served are read once, at start: their registries, words and qualifiers stay warm between
requests, so a check costs the check, not Python's start-up. ``POST /v1/check`` is stateless: a
story's fact files in the request, the Report back, nothing stored. The stored routes keep each
story's sources in a database (``cli/store.py``): every version of every fact file and text, never
overwritten; each write re-checks the story and keeps the run, with its findings marked new, still
present or fixed against the run before (the pull-request gate's comparison). A write names the
version it replaces (``If-Match``: its ETag), so a concurrent writer gets 412, never a lost update.

Errors are RFC 9457 ``application/problem+json``, with the file and line where the input was at
fault. Writes need a bearer token (``factcheck token create``; only its hash is kept); reads are open
only when the service is ``--public``. Everything a request carries is untrusted: names are plain
names, bodies and files are bounded, and fact files are read by the command line's loader.
"""

from __future__ import annotations

import html
import json
import os
import re
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Literal

from fastapi import FastAPI, Query, Request
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, model_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from factcheck.checks.model import Report, RunSettings
from factcheck.facts.loader import RULES_FILE, TimeLimit
from factcheck.facts.story import ACTIVE, STORY_FILE, Story, StoryError, read_story

from .store import RunRow

MAX_BODY = 16 * 1024 * 1024  # bytes of a request body
MAX_ID = 2**31 - 1  # a run's id, a version's number: what the database's integers hold
Id = Annotated[int, PathParam(ge=1, le=MAX_ID)]
MAX_FILES = 2_000
def _not_the_storys(name: str) -> str:
    if name in (STORY_FILE, RULES_FILE):
        raise ValueError(f"{name} is a story's own file, not a source's: name the file otherwise")
    return name


FileName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,199}$"), AfterValidator(_not_the_storys)]
PROBLEM = "application/problem+json"


class File(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: FileName = Field(description="a plain file name (no folders): 'herald-2020.yaml', 'herald-2020.txt'")
    content: str = Field(max_length=8 * 1024 * 1024, description="the file's text")


Scalar = str | int | float | bool | None


def _known_tables(tables: dict[str, list]) -> dict[str, list]:
    from factcheck.facts.tables import COLUMNS

    unknown = sorted(set(tables) - set(COLUMNS))
    if unknown:
        raise ValueError(f"expected tables among {', '.join(COLUMNS)}; found {', '.join(map(repr, unknown[:5]))}")
    return tables


class CheckRequest(BaseModel):
    """A story's fact files, or its claim tables as JSON rows, and optionally the source texts their
    evidence is checked against."""

    model_config = ConfigDict(extra="forbid")
    story: str | None = Field(None, description="the served story to check against (its folder's name); none: the first served")
    facts: list[File] = Field([], max_length=MAX_FILES, description="fact files (YAML) or claim tables (CSV, NDJSON)")
    tables: Annotated[dict[str, list[dict[str, Scalar]]], AfterValidator(_known_tables)] = Field(
        {}, description="claim tables as JSON rows, {table: [row, …]}, with the columns `factcheck tables` lists; a row is read "
                        "as the line of the same number of tables.<table>.ndjson, and errors and findings name it so")
    texts: list[File] = Field([], max_length=MAX_FILES, description="source texts, named as the fact files' text_file")
    fail_on: Literal["error", "warning", "never"] = "error"

    @model_validator(mode="after")
    def _something_to_check(self) -> "CheckRequest":
        if not self.facts and not any(self.tables.values()):
            raise ValueError("nothing to check: send fact files (facts) or claim tables as rows (tables)")
        return self

    def fact_files(self) -> dict[str, str]:
        """The request's fact files, and each table of rows as an NDJSON file the loader reads."""
        rows = {f"tables.{name}.ndjson": "".join(json.dumps(row) + "\n" for row in table) for name, table in self.tables.items() if table}
        return {**{f.name: f.content for f in self.facts}, **rows}


BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)  # seconds: the latency histogram's upper bounds


@dataclass
class Metrics:
    """Counters for ``GET /metrics`` (Prometheus text format), of this process."""

    requests: Counter = field(default_factory=Counter)  # (route, status)
    latencies: dict = field(default_factory=dict)  # route -> [count per bucket (the last: +Inf), sum of seconds]
    checks: Counter = field(default_factory=Counter)  # what was checked: a request's files | a stored story
    findings: Counter = field(default_factory=Counter)  # severity
    lock: threading.Lock = field(default_factory=threading.Lock)

    def served(self, route: str, status: int, seconds: float) -> None:
        with self.lock:
            self.requests[(route, status)] += 1
            counts, total = self.latencies.setdefault(route, [[0] * (len(BUCKETS) + 1), 0.0])
            counts[next((i for i, b in enumerate(BUCKETS) if seconds <= b), len(BUCKETS))] += 1
            self.latencies[route][1] = total + seconds

    def checked(self, report: Report, asked: str) -> None:
        with self.lock:
            self.checks[asked] += 1
            self.findings.update(f.severity.value for f in report.findings)

    def text(self) -> str:
        lines = ["# HELP factcheck_requests_total Requests served, by route and status.", "# TYPE factcheck_requests_total counter"]
        lines += [f'factcheck_requests_total{{route="{r}",status="{s}"}} {n}' for (r, s), n in sorted(self.requests.items())]
        lines += ["# HELP factcheck_request_duration_seconds Time to serve a request, by route.", "# TYPE factcheck_request_duration_seconds histogram"]
        for route, (counts, total) in sorted(self.latencies.items()):
            running = 0
            for bound, n in zip([*map(str, BUCKETS), "+Inf"], counts):
                running += n
                lines.append(f'factcheck_request_duration_seconds_bucket{{route="{route}",le="{bound}"}} {running}')
            lines += [f'factcheck_request_duration_seconds_sum{{route="{route}"}} {total:.6f}',
                      f'factcheck_request_duration_seconds_count{{route="{route}"}} {running}']
        lines += ["# HELP factcheck_checks_total Checks run: of a request's files, or of a stored story (after a write, at import or restart).", "# TYPE factcheck_checks_total counter"]
        lines += [f'factcheck_checks_total{{asked="{a}"}} {self.checks[a]}' for a in ("request", "story")]
        lines += ["# HELP factcheck_findings_total Findings reported, by severity.", "# TYPE factcheck_findings_total counter"]
        lines += [f'factcheck_findings_total{{severity="{s}"}} {self.findings[s]}' for s in ("error", "warning", "info")]
        return "\n".join(lines) + "\n"


class BodyTooLarge(StarletteHTTPException):
    """A request body read past ``MAX_BODY`` bytes (an HTTP exception: FastAPI passes it on as it is)."""

    def __init__(self) -> None:
        super().__init__(413, f"a request body is at most {MAX_BODY:,} bytes")


class BoundedBody:
    """ASGI middleware: a request body is read at most ``limit`` bytes far, however it is sent (with a
    Content-Length or chunked without one); past it, reading stops and the request is 413."""

    def __init__(self, app, limit: int) -> None:  # type: ignore[no-untyped-def]
        self.app, self.limit = app, limit

    async def __call__(self, scope, receive, send) -> None:  # type: ignore[no-untyped-def]
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        seen = 0

        async def bounded():  # type: ignore[no-untyped-def]
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise BodyTooLarge()
            return message

        await self.app(scope, bounded, send)


def problem(status: int, title: str, detail: str, errors: list[str] | None = None) -> JSONResponse:
    """An RFC 9457 problem: what went wrong, and each error at its file and line."""
    body: dict = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    if errors:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=PROBLEM)


class SourceWrite(BaseModel):
    """A new version of one source: its fact file, and optionally its text."""

    model_config = ConfigDict(extra="forbid")
    fact: File
    text: File | None = None


TIME_LIMIT = 10.0  # seconds a check may take, by default


def create_app(folders: list[Path], db: str | None = None, public: bool = False, time_limit: float | None = TIME_LIMIT) -> FastAPI:
    """The API for the stories in ``folders`` (each read now: an unusable one is ``StoryError``),
    kept in the database at ``db`` (a SQLAlchemy URL; none: a private SQLite file for this process).
    ``public``: reads need no token. ``time_limit``: the seconds a check may take (looked at between
    fact files and between rules); a check past it is stopped: 503 for a request, an unusable run
    for a write (the write is kept)."""
    from .library import Conflict, Library, Unusable, etag
    from .store import connect, token_owner

    stories: dict[str, Story] = {}
    for folder in folders:
        if not (folder / STORY_FILE).is_file():
            raise StoryError([f"{folder}: no {STORY_FILE} in this folder (serve names story folders)"])
        story = read_story(folder)
        story.registry, story.qualifiers  # noqa: B018 - warm: read once, for every request
        stories[folder.resolve().name] = story
    from factcheck.checks.memo import remember
    from factcheck.facts.loader import keep_parsed

    keep_parsed()  # a long-running process: unchanged fact files are not read again,
    remember()  # and a rule runs again only when a table it reads has changed
    if db is None:
        db = f"sqlite:///{tempfile.mkdtemp(prefix='factcheck-db-')}/factcheck.db"
    metrics = Metrics()
    library = Library(connect(db), stories, time_limit, observe=lambda report: metrics.checked(report, "story"))
    app = FastAPI(title="factcheck", summary="Checks that sources reporting the same events agree.", version="1")
    app.add_middleware(BoundedBody, limit=MAX_BODY)

    def allowed(request: Request, write: bool) -> Response | None:
        """None when the request may go on; else 401 (no token) or 403 (an unknown one)."""
        if public and not write:
            return None
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            return problem(401, "Token needed", "send Authorization: Bearer <token> (factcheck token create)"
                           + ("" if write else "; reads are open only on a --public service"))
        owner = token_owner(library.engine, token.strip())
        if owner is None:
            return problem(403, "Unknown token", "this token is not one of this service's")
        request.state.who = owner  # a run says whose write it checked
        return None

    def story_or_404(name: str) -> Response | None:
        return None if name in stories else problem(404, "No such story", f"this service serves {', '.join(sorted(stories))}")

    def fetched(http: Request, story: str, fetch):  # type: ignore[no-untyped-def]
        """A read of a served story, once allowed: what ``fetch(session)`` finds, or the refusal (a Response)."""
        refused = allowed(http, write=False) or story_or_404(story)
        if refused:
            return refused
        with Session(library.engine) as session:
            return fetch(session)

    def run_or_404(run_id: int) -> "RunRow | Response":
        with Session(library.engine) as session:
            row = session.get(RunRow, run_id)
        return row if row is not None else problem(404, "No such run", f"there is no run {run_id}")

    def page(row: RunRow, format: str) -> Response:
        """A stored run's report in a format; its HTML page with the story's runs up to it."""
        with Session(library.engine) as session:
            history = _history(session, row) if format == "html" else []
        return _rendered(Report.model_validate_json(row.report).model_copy(update={"history": history}), format)

    def write(http: Request, story: str, source_id: str, do) -> Response:  # type: ignore[no-untyped-def]
        """A write, once allowed: the new version and the run (201 for a new source), or the problem."""
        refused = allowed(http, write=True) or story_or_404(story)
        if refused:
            return refused
        try:
            return _written(do(), etag)
        except Unusable as err:
            return problem(422, "Unusable fact file", "nothing was stored", err.errors)
        except KeyError:
            return problem(404, "No such source", f"{story} has no source {source_id}")
        except TimeLimit as err:
            return problem(503, "Check time limit reached", f"{err}; nothing was stored")
        except Conflict as err:
            return problem(err.status, {409: "File of another source", 412: "Precondition failed"}.get(err.status, "Precondition required"), err.detail)

    @app.middleware("http")
    async def bounded_and_counted(request: Request, call_next):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY):
            response: Response = problem(413, "Request body too large", f"a request body is at most {MAX_BODY:,} bytes")
        else:
            response = await call_next(request)
        metrics.served(getattr(request.scope.get("route"), "path", "other"), response.status_code, time.perf_counter() - started)
        return response

    @app.exception_handler(BodyTooLarge)
    async def too_large(request: Request, err: BodyTooLarge) -> JSONResponse:
        return problem(413, "Request body too large", str(err.detail))

    @app.exception_handler(StarletteHTTPException)
    async def http_problem(request: Request, err: StarletteHTTPException) -> JSONResponse:
        from http import HTTPStatus

        return problem(err.status_code, HTTPStatus(err.status_code).phrase, str(err.detail))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, err: RequestValidationError) -> JSONResponse:
        errors = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in err.errors()]
        return problem(422, "Invalid request", "the request does not have the shape of a check request", errors)

    @app.get("/healthz", summary="Whether the service is up, and the stories it serves")
    def healthz() -> dict:
        return {"status": "ok", "stories": sorted(stories), "process": os.getpid()}

    @app.get("/metrics", response_class=PlainTextResponse, summary="Prometheus metrics: requests, latencies, checks, findings by severity")
    def prometheus() -> str:
        with metrics.lock:
            return metrics.text()

    @app.get("/v1/stories", summary="The stories served, each with its title, words and latest verdict")
    def list_stories(http: Request) -> Response:
        refused = allowed(http, write=False)
        if refused:
            return refused
        out = []
        with Session(library.engine) as session:
            for name, s in sorted(stories.items()):
                last = library.last_run(session, name)
                out.append({"story": name, "title": s.config.story, "words": s.words.fields(), "latest": _run_summary(last) if last else None})
        return JSONResponse(out)

    @app.put("/v1/stories/{story}/sources/{source_id}", summary="Store a new version of a source (validated first) and re-check the story",
             responses={201: {"description": "a new source"}, 412: {"description": "If-Match names a version that is not the newest"},
                        428: {"description": "an existing source needs If-Match"}, 422: {"description": "unusable fact file, at file:line"},
                        409: {"description": "the file name is another source's"}})
    def put_source(story: str, source_id: str, body: SourceWrite, http: Request) -> Response:
        text = (body.text.name, body.text.content) if body.text else None
        return write(http, story, source_id, lambda: library.put(story, source_id, (body.fact.name, body.fact.content), text,
                                                                  http.headers.get("if-match"), author=_author(http)))

    @app.delete("/v1/stories/{story}/sources/{source_id}", summary="Remove a source (a version of its own: the history keeps it) and re-check")
    def delete_source(story: str, source_id: str, http: Request) -> Response:
        return write(http, story, source_id, lambda: library.delete(story, source_id, http.headers.get("if-match"), author=_author(http)))

    @app.get("/v1/stories/{story}/sources", summary="The story's sources: the newest version of each, with its ETag")
    def list_sources(story: str, http: Request) -> Response:
        heads = fetched(http, story, lambda session: sorted(h for h in library.heads(session, story).values() if not h.deleted))
        if isinstance(heads, Response):
            return heads
        return JSONResponse({"story": story, "sources": [{"source_id": h.source_id, "version": h.version, "fact": h.fact_name, "text": h.text_name,
                                                          "etag": f'"{h.source_id}-{h.version}"'} for h in heads]})

    @app.get("/v1/stories/{story}/sources/{source_id}", summary="The newest version of a source, with its ETag")
    def get_source(story: str, source_id: str, http: Request) -> Response:
        v = fetched(http, story, lambda session: library.newest(session, story, source_id))
        if isinstance(v, Response):
            return v
        if v is None or v.deleted:
            return problem(404, "No such source", f"{story} has no source {source_id}")
        return _version(v)

    @app.get("/v1/stories/{story}/sources/{source_id}/versions", summary="Every version of a source, newest first (deletions included)")
    def source_versions(story: str, source_id: str, http: Request) -> Response:
        versions = fetched(http, story, lambda session: library.versions(session, story, source_id))
        if isinstance(versions, Response):
            return versions
        if not versions:
            return problem(404, "No such source", f"{story} never had a source {source_id}")
        return JSONResponse({"source_id": source_id, "versions": [
            {"version": v.version, "deleted": v.deleted, "fact": v.fact_name, "text": v.text_name, "sha256": v.sha256, "author": v.author,
             "created_at": v.created_at.isoformat()} for v in versions]})

    @app.get("/v1/stories/{story}/sources/{source_id}/versions/{version}", summary="One version of a source, as it was written")
    def source_version(story: str, source_id: str, version: Id, http: Request) -> Response:
        v = fetched(http, story, lambda session: library.version(session, story, source_id, version))
        if isinstance(v, Response):
            return v
        if v is None or v.deleted:
            return problem(404, "No such version", f"{source_id} has no version {version}" + (" (it is a deletion)" if v else ""))
        return _version(v)

    @app.get("/v1/stories/{story}/report", summary="The latest run's report: json, html, markdown, junit or claimreview")
    def latest_report(story: str, http: Request, format: Literal["json", "html", "markdown", "junit", "claimreview"] = "json") -> Response:
        return fetched(http, story, lambda session: page(library.last_run(session, story), format))

    @app.get("/v1/runs/{run_id}/report", summary="One run's report: json, html (with the story's runs around it), markdown, junit or claimreview")
    def run_report(run_id: Id, http: Request, format: Literal["json", "html", "markdown", "junit", "claimreview"] = "json") -> Response:
        row = allowed(http, write=False) or run_or_404(run_id)
        return row if isinstance(row, Response) else page(row, format)

    @app.get("/v1/stories/{story}/runs", summary="The story's runs, newest first, a page at a time")
    def runs(story: str, http: Request, page: int = Query(1, ge=1, le=100_000), per_page: int = Query(20, ge=1, le=200)) -> Response:
        rows = fetched(http, story, lambda session: session.scalars(select(RunRow).where(RunRow.story_id == library.story_id(session, story))
                                                                    .order_by(RunRow.id.desc()).offset((page - 1) * per_page).limit(per_page)).all())
        if isinstance(rows, Response):
            return rows
        return JSONResponse({"page": page, "per_page": per_page, "runs": [_run_summary(r) for r in rows]})

    @app.get("/v1/runs/{run_id}", summary="One run: what changed, its verdict and its report")
    def one_run(run_id: Id, http: Request) -> Response:
        row = allowed(http, write=False) or run_or_404(run_id)
        return row if isinstance(row, Response) else JSONResponse({**_run_summary(row), "report": json.loads(row.report)})

    @app.get("/v1/runs/{run_id}/diff", summary="The findings of a run against another's: new, still present, fixed")
    def diff(run_id: Id, http: Request, against: int = Query(..., ge=1, le=MAX_ID)) -> Response:
        refused = allowed(http, write=False)
        if refused:
            return refused
        from factcheck.checks.gate import compare
        from factcheck.checks.model import Known

        with Session(library.engine) as session:
            row, other = session.get(RunRow, run_id), session.get(RunRow, against)
        if row is None or other is None:
            return problem(404, "No such run", f"there is no run {run_id if row is None else against}")
        compared = compare(Report.model_validate_json(row.report), [Known.of(f) for f in Report.model_validate_json(other.report).findings], f"run {against}")
        return JSONResponse({"run": run_id, "against": against, "new": [_brief(f) for f in compared.findings if f.status == "new"],
                             "present": [_brief(f) for f in compared.findings if f.status == "present"],
                             "fixed": [k.model_dump(mode="json") for k in compared.fixed]})

    @app.post("/v1/check", response_model=Report, summary="Check fact files sent in the request against a served story; nothing is stored",
              responses={422: {"description": "unusable input, each error at its file and line (problem+json)"},
                         404: {"description": "no such story (problem+json)"}})
    def check(request: CheckRequest, http: Request) -> Response:
        refused = allowed(http, write=False)
        if refused:
            return refused
        name = request.story or next(iter(sorted(stories)), None)
        story = stories.get(name or "")
        if story is None:
            return problem(404, "No such story", f"this service serves {', '.join(sorted(stories)) or 'no story'}")
        clash = _duplicate([f.name for f in request.facts] + [f"tables.{t}.ndjson" for t, rows in request.tables.items() if rows]) or _duplicate(
            [f.name for f in request.texts])
        if clash:
            return problem(422, "Invalid request", f"the file name {clash!r} is given twice")
        try:
            report = _check(story, request, time_limit)
        except TimeLimit as err:
            return problem(503, "Check time limit reached", f"{err}; send fewer files at a time")
        metrics.checked(report, "request")
        if report.summary.verdict == "unusable":
            return problem(422, "Unusable input", "some input could not be used: see errors (file:line: field: what was expected)",
                           [_inside_request(e) for e in report.load_errors] + [f"rule failed: {e}" for e in report.rule_failures])
        return Response(report.model_dump_json(), media_type="application/json")

    return app


HISTORY = 20  # runs in a served page's history strip


def _history(session: Session, row: "RunRow") -> list:
    """The story's runs up to ``row`` (the last ``HISTORY``), oldest first, each linking to its page."""
    from factcheck.checks.model import Past

    rows = session.scalars(select(RunRow).where((RunRow.story_id == row.story_id) & (RunRow.id <= row.id))
                           .order_by(RunRow.id.desc()).limit(HISTORY)).all()
    return [Past(run=r.id, at=r.created_at.isoformat(timespec="seconds"), verdict=r.verdict, errors=r.errors, warnings=r.warnings,
                 link=f"/v1/runs/{r.id}/report?format=html", current=r.id == row.id) for r in reversed(rows)]


def _run_summary(row: "RunRow") -> dict:
    return {"id": row.id, "at": row.created_at.isoformat(), "author": row.author, "trigger": row.trigger, "verdict": row.verdict,
            "errors": row.errors, "warnings": row.warnings, "infos": row.infos, "new": row.new, "present": row.present, "fixed": row.fixed,
            "duration_ms": row.duration_ms}


def _brief(f) -> dict:  # type: ignore[no-untyped-def]
    return {"rule": f.rule, "code": f.code, "severity": f.severity.value, "subjects": f.subjects, "message": f.message}


def _author(request: Request) -> str:
    """Who wrote: the name of the token the write was made with."""
    return getattr(request.state, "who", "unknown")


def _version(v) -> Response:  # type: ignore[no-untyped-def]
    """One stored version of a source: its fact file, its text, who wrote it and when; its ETag."""
    from .library import etag

    return JSONResponse({"source_id": v.source_id, "version": v.version, "fact": {"name": v.fact_name, "content": v.fact},
                         "text": {"name": v.text_name, "content": v.text} if v.text_name else None, "author": v.author,
                         "created_at": v.created_at.isoformat()}, headers={"ETag": etag(v)})


def _written(written, etag) -> Response:  # type: ignore[no-untyped-def]
    body = {"source": {"source_id": written.version.source_id, "version": written.version.version, "deleted": written.version.deleted},
            "run": _run_summary(written.run), "report": json.loads(written.report.model_dump_json())}
    return JSONResponse(body, status_code=201 if written.created else 200, headers={"ETag": etag(written.version)})


def _rendered(report: Report, format: str) -> Response:
    """A stored report in the format asked for; HTML with a Content-Security-Policy that allows only its own style and script."""
    if format == "json":
        return Response(report.model_dump_json(), media_type="application/json")
    if format == "html":
        from factcheck.reports.html import render

        page = render(report)
        policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page)
        return Response(page, media_type="text/html; charset=utf-8",
                        headers={"Content-Security-Policy": html.unescape(policy.group(1)) if policy else "default-src 'none'",
                                 "X-Content-Type-Options": "nosniff"})
    if format == "markdown":
        from factcheck.reports.markdown import render as markdown

        return Response(markdown(report), media_type="text/markdown; charset=utf-8")
    if format == "junit":
        from factcheck.reports.junit import render as junit

        return Response(junit(report), media_type="application/xml")
    from factcheck.reports.claimreview import render as claimreview

    return Response(claimreview(report), media_type="application/ld+json")


def _duplicate(names: list[str]) -> str | None:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            return name
        seen.add(name)
    return None


class Slots:
    """Private working folders for requests, one per request at a time. The folder last given back is
    given out first, so requests one after another use the same folder: a file whose bytes did not
    change is not rewritten, nor read again by the loader."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="factcheck-request-"))
        self.free: list[Path] = []
        self.made = 0
        self.lock = threading.Lock()

    @contextmanager
    def slot(self) -> Iterator[Path]:
        with self.lock:
            if not self.free:
                self.made += 1
                self.free.append(self.root / str(self.made))
            folder = self.free.pop()
        try:
            yield folder
        finally:
            with self.lock:
                self.free.append(folder)


_SLOTS = Slots()


def _check(story: Story, request: CheckRequest, time_limit: float | None = None) -> Report:
    """One check of the request's files, written to a private folder and read by the usual loader with
    the warm story; outputs name the files as the request named them."""
    from factcheck.checks.engine import run
    from factcheck.facts.loader import DEADLINE, SHOWN_AS

    from .library import shown_as, write_exactly

    started = time.monotonic()
    with _SLOTS.slot() as tmp:
        facts, texts = tmp / "facts", tmp / "texts"
        write_exactly(facts, request.fact_files())
        write_exactly(texts, {f.name: f.content for f in request.texts})
        story_token, shown_token = ACTIVE.set(story), SHOWN_AS.set(shown_as(story, facts, tmp))
        limit_token = DEADLINE.set((started + time_limit, time_limit) if time_limit else None)  # writing the files counts too
        try:
            report = run(RunSettings(paths=[facts], rules=story.rules, sources_dir=texts if request.texts else story.texts,
                                     fail_on=request.fail_on))
        finally:
            DEADLINE.reset(limit_token)
            SHOWN_AS.reset(shown_token)
            ACTIVE.reset(story_token)
        return report.model_copy(update={"load_errors": [_inside_request(e, str(tmp)) for e in report.load_errors]})


def _inside_request(error: str, folder: str | None = None) -> str:
    """An error as the request names its files, never by the service's private folder (a message that
    quotes a path the loader did not name)."""
    if folder:
        error = error.replace(folder + "/facts/", "").replace(folder + "/texts/", "").replace(folder, "")
    return re.sub(r"/tmp/factcheck-request-[^/\s]+/(\d+/)?(facts|texts)/", "", error)


def default_db(folders: list[Path]) -> str:
    """The embedded default: a SQLite file beside the first story."""
    return f"sqlite:///{(folders[0] / 'factcheck.db').resolve()}"


_SETTINGS = "FACTCHECK_SERVE_SETTINGS"  # how serve --workers passes its settings to each worker process


def serve(folders: list[Path], host: str, port: int, db: str | None, public: bool, workers: int = 1,
          time_limit: float | None = TIME_LIMIT) -> None:
    """Run the API with uvicorn (a story that cannot be read is ``StoryError``, before listening). With
    several workers, each is a process with its own warm stories, over the one database; the stories
    are read, the database brought up to date and new stories imported once, here, before they start."""
    import gc

    import uvicorn

    gc.enable()  # the command line turns the cycle collector off for a short-lived check; a server lives long
    db = db or default_db(folders)
    app = create_app(folders, db, public, time_limit)
    if workers <= 1:
        uvicorn.run(app, host=host, port=port, log_level="warning")
        return
    os.environ[_SETTINGS] = json.dumps({"folders": [str(f.resolve()) for f in folders], "db": db, "public": public, "time_limit": time_limit})
    uvicorn.run("factcheck.cli.service:from_environment", factory=True, workers=workers, host=host, port=port, log_level="warning")


def from_environment() -> FastAPI:
    """The app of one worker process of ``serve --workers``: the settings its parent passed on."""
    settings = json.loads(os.environ[_SETTINGS])
    return create_app([Path(f) for f in settings["folders"]], settings["db"], settings["public"], settings["time_limit"])


__all__ = ["create_app", "from_environment", "serve", "StoryError"]
