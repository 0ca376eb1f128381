"""``factcheck serve``: the HTTP API over the same engine and the same Report as the command line.

The stories served are read once, at start: their registries, words and qualifiers stay warm between
requests, so a check costs the check, not Python's start-up. This first part of the service is
stateless: ``POST /v1/check`` takes a story's fact files (and source texts) in the request and
returns the Report; nothing is stored. Errors are RFC 9457 ``application/problem+json``, with the
file and line where the input was at fault. Everything a request carries is untrusted: file names are
plain names, bodies and files are bounded, and the fact files are read by the same loader as on the
command line (safe YAML, bounded numbers, files only inside the request's folder).
"""

from __future__ import annotations

import re
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Literal

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from factcheck.checks.model import Report, RunSettings
from factcheck.facts.story import ACTIVE, STORY_FILE, Story, StoryError, read_story

MAX_BODY = 16 * 1024 * 1024  # bytes of a request body
MAX_FILES = 2_000
FileName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,199}$")]
PROBLEM = "application/problem+json"


class File(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: FileName = Field(description="a plain file name (no folders): 'herald-2020.yaml', 'herald-2020.txt'")
    content: str = Field(max_length=8 * 1024 * 1024, description="the file's text")


class CheckRequest(BaseModel):
    """A story's fact files, and optionally the source texts their evidence is checked against."""

    model_config = ConfigDict(extra="forbid")
    story: str | None = Field(None, description="the served story to check against (its folder's name); none: the first served")
    facts: list[File] = Field(min_length=1, max_length=MAX_FILES, description="fact files (YAML) or claim tables (CSV, NDJSON)")
    texts: list[File] = Field([], max_length=MAX_FILES, description="source texts, named as the fact files' text_file")
    fail_on: Literal["error", "warning", "never"] = "error"


@dataclass
class Metrics:
    """Counters for ``GET /metrics`` (Prometheus text format)."""

    requests: Counter = field(default_factory=Counter)  # (route, status)
    seconds: Counter = field(default_factory=Counter)  # route -> total seconds
    checks: int = 0
    findings: Counter = field(default_factory=Counter)  # severity
    lock: threading.Lock = field(default_factory=threading.Lock)

    def text(self) -> str:
        lines = ["# HELP factcheck_requests_total Requests served, by route and status.", "# TYPE factcheck_requests_total counter"]
        lines += [f'factcheck_requests_total{{route="{r}",status="{s}"}} {n}' for (r, s), n in sorted(self.requests.items())]
        lines += ["# HELP factcheck_request_seconds_total Time spent serving requests, by route.", "# TYPE factcheck_request_seconds_total counter"]
        lines += [f'factcheck_request_seconds_total{{route="{r}"}} {t:.6f}' for r, t in sorted(self.seconds.items())]
        lines += ["# HELP factcheck_checks_total Checks run.", "# TYPE factcheck_checks_total counter", f"factcheck_checks_total {self.checks}"]
        lines += ["# HELP factcheck_findings_total Findings reported, by severity.", "# TYPE factcheck_findings_total counter"]
        lines += [f'factcheck_findings_total{{severity="{s}"}} {self.findings[s]}' for s in ("error", "warning", "info")]
        return "\n".join(lines) + "\n"


def problem(status: int, title: str, detail: str, errors: list[str] | None = None) -> JSONResponse:
    """An RFC 9457 problem: what went wrong, and each error at its file and line."""
    body: dict = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    if errors:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=PROBLEM)


def create_app(folders: list[Path]) -> FastAPI:
    """The API for the stories in ``folders`` (each read now: an unusable one is ``StoryError``)."""
    stories: dict[str, Story] = {}
    for folder in folders:
        if not (folder / STORY_FILE).is_file():
            raise StoryError([f"{folder}: no {STORY_FILE} in this folder (serve names story folders)"])
        story = read_story(folder)
        story.registry, story.qualifiers  # noqa: B018 - warm: read once, for every request
        stories[folder.resolve().name] = story
    metrics = Metrics()
    app = FastAPI(title="factcheck", summary="Checks that sources reporting the same events agree.", version="1")

    @app.middleware("http")
    async def bounded_and_counted(request: Request, call_next):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY):
            response: Response = problem(413, "Request body too large", f"a request body is at most {MAX_BODY:,} bytes")
        else:
            response = await call_next(request)
        route = request.scope.get("route")
        name = getattr(route, "path", "other")
        with metrics.lock:
            metrics.requests[(name, response.status_code)] += 1
            metrics.seconds[name] += time.perf_counter() - started
        return response

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, err: RequestValidationError) -> JSONResponse:
        errors = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in err.errors()]
        return problem(422, "Invalid request", "the request does not have the shape of a check request", errors)

    @app.get("/healthz", summary="Whether the service is up, and the stories it serves")
    def healthz() -> dict:
        return {"status": "ok", "stories": sorted(stories)}

    @app.get("/metrics", response_class=PlainTextResponse, summary="Prometheus metrics: requests, latencies, checks, findings by severity")
    def prometheus() -> str:
        with metrics.lock:
            return metrics.text()

    @app.get("/v1/stories", summary="The stories served, with their titles and words")
    def list_stories() -> list[dict]:
        return [{"story": name, "title": s.config.story, "words": s.words.fields()} for name, s in sorted(stories.items())]

    @app.post("/v1/check", response_model=Report, summary="Check fact files sent in the request against a served story; nothing is stored",
              responses={422: {"description": "unusable input, each error at its file and line (problem+json)"},
                         404: {"description": "no such story (problem+json)"}})
    def check(request: CheckRequest) -> Response:
        name = request.story or next(iter(sorted(stories)), None)
        story = stories.get(name or "")
        if story is None:
            return problem(404, "No such story", f"this service serves {', '.join(sorted(stories)) or 'no story'}")
        clash = _duplicate([f.name for f in request.facts]) or _duplicate([f.name for f in request.texts])
        if clash:
            return problem(422, "Invalid request", f"the file name {clash!r} is given twice")
        report = _check(story, request)
        with metrics.lock:
            metrics.checks += 1
            metrics.findings.update(f.severity.value for f in report.findings)
        if report.summary.verdict == "unusable":
            return problem(422, "Unusable input", "some input could not be used: see errors (file:line: field: what was expected)",
                           [_inside_request(e) for e in report.load_errors] + [f"rule failed: {e}" for e in report.rule_failures])
        return Response(report.model_dump_json(), media_type="application/json")

    return app


def _duplicate(names: list[str]) -> str | None:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            return name
        seen.add(name)
    return None


def _check(story: Story, request: CheckRequest) -> Report:
    """One check of the request's files, written to a private folder and read by the usual loader."""
    from factcheck.checks.engine import run

    with tempfile.TemporaryDirectory(prefix="factcheck-request-") as tmp:
        facts, texts = Path(tmp) / "facts", Path(tmp) / "texts"
        facts.mkdir()
        texts.mkdir()
        for f in request.facts:
            (facts / f.name).write_text(f.content, encoding="utf-8")
        for f in request.texts:
            (texts / f.name).write_text(f.content, encoding="utf-8")
        token = ACTIVE.set(story)  # the warm story: its registry is not read again
        try:
            report = run(RunSettings(paths=[facts], rules=story.rules, sources_dir=texts if request.texts else story.texts,
                                     fail_on=request.fail_on))
        finally:
            ACTIVE.reset(token)
        return report.model_copy(update={"load_errors": [_inside_request(e, tmp) for e in report.load_errors]})


def _inside_request(error: str, folder: str | None = None) -> str:
    """An error as the request names its files: 'herald.yaml:12: …', not the service's private folder."""
    if folder:
        error = error.replace(folder + "/facts/", "").replace(folder + "/texts/", "").replace(folder, "")
    return re.sub(r"/tmp/factcheck-request-[^/\s]+/(facts|texts)/", "", error)


def serve(folders: list[Path], host: str, port: int) -> None:
    """Run the API with uvicorn, one process (a story that cannot be read is ``StoryError``, before listening)."""
    import uvicorn

    uvicorn.run(create_app(folders), host=host, port=port, log_level="warning")


__all__ = ["create_app", "serve", "StoryError"]
