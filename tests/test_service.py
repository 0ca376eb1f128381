"""factcheck serve, through its HTTP interface: the same Report as the command line for the same files,
problem+json with file:line for unusable input, bounded bodies, metrics, and warm stories."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="factcheck serve needs the 'serve' extra")
from fastapi.testclient import TestClient  # noqa: E402

from factcheck.checks.engine import check  # noqa: E402
from factcheck.cli.service import MAX_BODY, create_app  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
ICS, US = REPO / "examples" / "ics", REPO / "examples" / "us-states"
pytestmark = pytest.mark.no_story


@pytest.fixture(scope="module", autouse=True)
def _warm_only_here():
    """A service keeps parses and findings for the whole process; the other tests' checks start cold."""
    from factcheck.checks.memo import remember
    from factcheck.facts.loader import keep_parsed

    yield
    keep_parsed(False)
    remember(False)


@pytest.fixture(scope="module")
def client(tmp_path_factory) -> TestClient:
    return TestClient(create_app([ICS, US], db=f"sqlite:///{tmp_path_factory.mktemp('db')}/f.db", public=True))


def files(folder: Path, pattern: str = "*.yaml") -> list[dict]:
    return [{"name": p.name, "content": p.read_text(encoding="utf-8")} for p in sorted(folder.glob(pattern))]


def comparable(report: dict) -> list[tuple]:
    return sorted((f["rule"], f["code"], f["severity"], tuple(f["subjects"]), f["message"]) for f in report["findings"])


def test_a_check_over_http_gives_the_same_report_as_the_command_line(client, seeds):
    body = {"story": "ics", "facts": files(ICS / "sources"), "texts": files(seeds, "*.txt")}
    response = client.post("/v1/check", json=body)
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/json")
    served = response.json()
    local = json.loads(check([ICS], sources_dir=seeds).model_dump_json())
    assert comparable(served) == comparable(local) and served["summary"]["verdict"] == "pass"
    assert served["summary"]["warnings"] == 3 and served["story"]["title"] == local["story"]["title"]


def test_another_served_story_is_checked_with_its_own_registry(client):
    doc = US / "sources" / "s07-answers-oklahoma-statehood.yaml"
    body = {"story": "us-states", "facts": [{"name": doc.name, "content": doc.read_text(encoding="utf-8")}],
            "texts": files(US / "texts", "s07-*.txt")}
    report = client.post("/v1/check", json=body).json()
    assert report["summary"]["verdict"] == "fail"
    assert [(f["code"], f["subjects"]) for f in report["findings"] if f["severity"] == "error"] == [("TOT-registry", ["as of 1907-11-16"])]


def test_unusable_input_is_problem_json_at_its_file_and_line(client):
    text = (ICS / "sources" / "ics-dec-2020-news.yaml").read_text(encoding="utf-8").replace('value: "29"', 'value: "29 bananas"', 1)
    response = client.post("/v1/check", json={"facts": [{"name": "dec.yaml", "content": text}]})
    assert response.status_code == 422 and response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    line = next(i for i, l in enumerate(text.splitlines(), 1) if "29 bananas" in l)
    assert problem["title"] == "Unusable input" and problem["status"] == 422
    assert any(e.startswith(f"dec.yaml:{line}:") and "bananas" in e for e in problem["errors"]), problem["errors"]
    assert not any("factcheck-request-" in e for e in problem["errors"])  # the service's own folders are not shown


@pytest.mark.parametrize(("body", "status", "says"), [
    ({"facts": []}, 422, "facts"),
    ({"facts": [{"name": "../escape.yaml", "content": "x"}]}, 422, "facts.0.name"),
    ({"facts": [{"name": "a.yaml", "content": "x"}, {"name": "a.yaml", "content": "y"}]}, 422, "given twice"),
    ({"story": "nowhere", "facts": [{"name": "a.yaml", "content": "x"}]}, 404, "serves ics, us-states"),
    ({"facts": [{"name": "a.yaml", "content": "x"}], "colour": "blue"}, 422, "colour"),
])
def test_a_bad_request_is_problem_json_saying_what_is_wrong(client, body, status, says):
    response = client.post("/v1/check", json=body)
    assert response.status_code == status and response.headers["content-type"] == "application/problem+json"
    assert says in json.dumps(response.json())


def test_a_body_too_large_is_refused_before_it_is_read(client):
    response = client.post("/v1/check", content=b"{}", headers={"content-length": str(MAX_BODY + 1), "content-type": "application/json"})
    assert response.status_code == 413 and response.json()["title"] == "Request body too large"


def test_health_stories_metrics_and_the_openapi_page(client):
    health = client.get("/healthz").json()
    assert health["status"] == "ok" and health["stories"] == ["ics", "us-states"] and health["process"] > 0
    stories = client.get("/v1/stories").json()
    assert [(s["story"], s["words"]["statuses"]) for s in stories] == [("ics", "ICSs"), ("us-states", "states")]
    client.post("/v1/check", json={"story": "ics", "facts": files(ICS / "sources")})
    metrics = client.get("/metrics").text
    assert 'factcheck_requests_total{route="/v1/check",status="200"}' in metrics
    assert 'factcheck_request_duration_seconds_bucket{route="/v1/check",le="+Inf"}' in metrics
    checks = dict(re.findall(r'factcheck_checks_total\{asked="(\w+)"\} (\d+)', metrics))
    assert int(checks["request"]) >= 1 and int(checks["story"]) >= 2  # the request, and each story's import
    assert 'factcheck_findings_total{severity="warning"}' in metrics
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/v1/check", "/v1/stories", "/healthz", "/metrics"} <= set(paths)


def test_a_folder_without_a_story_is_refused_at_start(tmp_path):
    from factcheck.facts.story import StoryError

    with pytest.raises(StoryError, match="no factcheck.yaml"):
        create_app([tmp_path], db=f"sqlite:///{tmp_path}/f.db")


# ---- stored stories: versions, runs, tokens ----------------------------------------------------------

DEC = "ics-dec-2020-news"


@pytest.fixture(scope="session")
def postgres():
    from postgres import Postgres

    try:
        server = Postgres()
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as err:
        pytest.skip(f"PostgreSQL cannot start here: {err}")
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def stored(request, tmp_path) -> tuple[TestClient, str]:
    """A non-public service of the ICS story in its own database (SQLite, or a real PostgreSQL), and a write token."""
    from factcheck.cli.store import connect, create_token

    db = f"sqlite:///{tmp_path}/f.db" if request.param == "sqlite" else request.getfixturevalue("postgres").fresh()
    app = create_app([ICS], db=db)
    return TestClient(app), create_token(connect(db), "tests")


def auth(token: str, **more: str) -> dict:
    return {"authorization": f"Bearer {token}", **more}


def changed_dec(total: str) -> dict:
    text = (ICS / "sources" / f"{DEC}.yaml").read_text(encoding="utf-8")
    return {"fact": {"name": f"{DEC}.yaml", "content": text.replace('value: "29"', f'value: "{total}"', 1)}}


def test_reads_need_a_token_unless_public_and_writes_always_do(stored):
    client, token = stored
    assert client.get("/v1/stories").status_code == 401
    assert client.get("/v1/stories", headers=auth("fct_wrong")).status_code == 403
    assert client.get("/v1/stories", headers=auth(token)).status_code == 200
    response = client.put(f"/v1/stories/ics/sources/{DEC}", json=changed_dec("31"))
    assert response.status_code == 401 and response.headers["content-type"] == "application/problem+json"


def test_a_write_is_a_new_version_and_a_new_run_against_the_last(stored):
    client, token = stored
    (ics,) = client.get("/v1/stories", headers=auth(token)).json()
    assert ics["latest"]["verdict"] == "pass" and ics["latest"]["trigger"] == "import ics"
    current = client.get(f"/v1/stories/ics/sources/{DEC}", headers=auth(token))
    assert current.headers["etag"] == f'"{DEC}-1"'
    response = client.put(f"/v1/stories/ics/sources/{DEC}", json=changed_dec("31"), headers=auth(token, **{"if-match": current.headers["etag"]}))
    assert response.status_code == 200 and response.headers["etag"] == f'"{DEC}-2"'
    run = response.json()["run"]
    assert run["verdict"] == "fail" and run["trigger"] == f"put {DEC} v2" and run["new"] >= 1 and run["fixed"] == 0
    assert run["author"] == "tests"  # the name the token was created with
    assert client.get(f"/v1/stories/ics/sources/{DEC}", headers=auth(token)).json()["author"] == "tests"
    new = [f for f in response.json()["report"]["findings"] if f["status"] == "new" and f["severity"] == "error"]
    assert {f["code"] for f in new} >= {"TOT-total"}
    other = (ICS / "sources" / "ics-june-2019-news.yaml").read_text(encoding="utf-8") + "# a comment\n"
    unrelated = client.put("/v1/stories/ics/sources/ics-june-2019-news", json={"fact": {"name": "ics-june-2019-news.yaml", "content": other}},
                           headers=auth(token, **{"if-match": '"ics-june-2019-news-1"'}))
    assert unrelated.json()["run"]["verdict"] == "fail"  # the story is still inconsistent: its errors are still present, not new
    assert unrelated.json()["run"]["new"] == 0 and unrelated.json()["run"]["present"] >= 1
    back = client.put(f"/v1/stories/ics/sources/{DEC}", json=changed_dec("29"), headers=auth(token, **{"if-match": f'"{DEC}-2"'}))
    assert back.json()["run"]["verdict"] == "pass" and back.json()["run"]["fixed"] >= 1
    runs = client.get("/v1/stories/ics/runs?per_page=3", headers=auth(token)).json()["runs"]
    assert [r["trigger"] for r in runs] == [f"put {DEC} v3", "put ics-june-2019-news v2", f"put {DEC} v2"]
    diff = client.get(f"/v1/runs/{runs[0]['id']}/diff?against={runs[2]['id']}", headers=auth(token)).json()
    assert diff["new"] == [] and {k["rule"] for k in diff["fixed"]} >= {"TOT01"}
    assert client.get(f"/v1/runs/{runs[1]['id']}", headers=auth(token)).json()["report"]["summary"]["verdict"] == "fail"


def test_a_stale_or_missing_etag_never_loses_an_update(stored):
    client, token = stored
    first = client.put(f"/v1/stories/ics/sources/{DEC}", json=changed_dec("30"), headers=auth(token, **{"if-match": f'"{DEC}-1"'}))
    assert first.status_code == 200
    stale = client.put(f"/v1/stories/ics/sources/{DEC}", json=changed_dec("31"), headers=auth(token, **{"if-match": f'"{DEC}-1"'}))
    assert stale.status_code == 412 and f'"{DEC}-2"' in stale.json()["detail"]
    blind = client.put(f"/v1/stories/ics/sources/{DEC}", json=changed_dec("31"), headers=auth(token))
    assert blind.status_code == 428
    assert client.get(f"/v1/stories/ics/sources/{DEC}", headers=auth(token)).headers["etag"] == f'"{DEC}-2"'


def test_racing_writers_from_one_version_one_wins_the_other_gets_412(stored):
    from concurrent.futures import ThreadPoolExecutor

    client, token = stored
    put = lambda total: client.put(f"/v1/stories/ics/sources/{DEC}", json=changed_dec(total), headers=auth(token, **{"if-match": f'"{DEC}-1"'}))  # noqa: E731
    with ThreadPoolExecutor(2) as pool:
        statuses = sorted(r.status_code for r in pool.map(put, ["30", "31"]))
    assert statuses == [200, 412]
    assert client.get(f"/v1/stories/ics/sources/{DEC}", headers=auth(token)).headers["etag"] == f'"{DEC}-2"'


def test_an_unusable_write_stores_nothing_and_says_where(stored):
    client, token = stored
    bad = changed_dec("29 bananas")
    response = client.put(f"/v1/stories/ics/sources/{DEC}", json=bad, headers=auth(token, **{"if-match": f'"{DEC}-1"'}))
    assert response.status_code == 422 and response.json()["title"] == "Unusable fact file"
    line = next(i for i, l in enumerate(bad["fact"]["content"].splitlines(), 1) if "bananas" in l)
    assert any(e.startswith(f"{DEC}.yaml:{line}:") for e in response.json()["errors"]), response.json()["errors"]
    wrong_id = client.put("/v1/stories/ics/sources/another-id", json=changed_dec("29"), headers=auth(token))
    assert wrong_id.status_code == 422 and "source.id: expected 'another-id'" in wrong_id.json()["errors"][0]
    assert client.get(f"/v1/stories/ics/sources/{DEC}", headers=auth(token)).headers["etag"] == f'"{DEC}-1"'


def test_a_new_source_is_201_and_a_deleted_one_leaves_history(stored):
    client, token = stored
    text = (ICS / "sources" / f"{DEC}.yaml").read_text(encoding="utf-8").replace(f"id: {DEC}", "id: a-copy", 1)
    created = client.put("/v1/stories/ics/sources/a-copy", json={"fact": {"name": "a-copy.yaml", "content": text}}, headers=auth(token))
    assert created.status_code == 201 and created.headers["etag"] == '"a-copy-1"' and created.json()["run"]["verdict"] == "pass"
    assert created.json()["report"]["summary"]["sources"] == 6
    renamed = client.put("/v1/stories/ics/sources/a-copy", json={"fact": {"name": "renamed.yaml", "content": text}},
                         headers=auth(token, **{"if-match": '"a-copy-1"'}))  # the old file is gone: no source twice
    assert renamed.json()["run"]["verdict"] == "pass" and renamed.json()["report"]["summary"]["sources"] == 6
    assert any(s["fact_file"].endswith("renamed.yaml") for s in renamed.json()["report"]["sources"])
    june = (ICS / "sources" / "ics-june-2019-news.yaml").read_text(encoding="utf-8").replace("id: ics-june-2019-news", "id: a-third", 1)
    taken = client.put("/v1/stories/ics/sources/a-third", json={"fact": {"name": "renamed.yaml", "content": june}}, headers=auth(token))
    assert taken.status_code == 409 and "renamed.yaml is the file of source a-copy" in taken.json()["detail"]  # it would hide a-copy
    gone = client.delete("/v1/stories/ics/sources/a-copy", headers=auth(token, **{"if-match": '"a-copy-2"'}))
    assert gone.status_code == 200 and gone.json()["source"] == {"source_id": "a-copy", "version": 3, "deleted": True}
    assert gone.json()["report"]["summary"]["sources"] == 5
    assert client.get("/v1/stories/ics/sources/a-copy", headers=auth(token)).status_code == 404
    assert [r["trigger"] for r in client.get("/v1/stories/ics/runs", headers=auth(token)).json()["runs"][:2]] == ["delete a-copy v3", "put a-copy v2"]


@pytest.mark.parametrize(("fmt", "media", "says"), [
    ("json", "application/json", '"verdict"'),
    ("html", "text/html", "Do the sources agree?"),
    ("markdown", "text/markdown", "## factcheck"),
    ("junit", "application/xml", "<testsuites"),
    ("claimreview", "application/ld+json", "["),
])
def test_the_latest_report_in_every_format(stored, fmt, media, says):
    client, token = stored
    response = client.get(f"/v1/stories/ics/report?format={fmt}", headers=auth(token))
    assert response.status_code == 200 and response.headers["content-type"].startswith(media) and says in response.text
    if fmt == "html":
        assert response.headers["content-security-policy"].startswith("default-src 'none'")


def test_the_command_line_creates_a_token_the_service_accepts_and_keeps_only_its_hash(tmp_path):
    from typer.testing import CliRunner

    from factcheck.cli.main import app

    db = f"sqlite:///{tmp_path}/f.db"
    result = CliRunner().invoke(app, ["token", "create", "newsroom", "--db", db])
    token = result.stdout.strip()
    assert result.exit_code == 0 and token.startswith("fct_") and len(token) > 40
    assert token.encode() not in (tmp_path / "f.db").read_bytes()  # only its hash is kept
    client = TestClient(create_app([ICS], db=db))
    assert client.get("/v1/stories", headers=auth(token)).status_code == 200


def test_serve_refuses_a_folder_without_a_story_before_listening(tmp_path):
    from typer.testing import CliRunner

    from factcheck.cli.main import app

    result = CliRunner().invoke(app, ["serve", str(tmp_path), "--db", f"sqlite:///{tmp_path}/f.db"])
    assert result.exit_code == 2 and "no factcheck.yaml in this folder" in result.stderr


def test_the_served_page_shows_the_last_runs_each_linking_to_its_report(stored):
    client, token = stored
    client.put(f"/v1/stories/ics/sources/{DEC}", json=changed_dec("31"), headers=auth(token, **{"if-match": f'"{DEC}-1"'}))
    page = client.get("/v1/stories/ics/report?format=html", headers=auth(token)).text
    import re

    strip = re.findall(r'<li class="(\w+)( current)?"><a href="(/v1/runs/(\d+)/report\?format=html)"', page)
    assert [(verdict, bool(current)) for verdict, current, _, _ in strip] == [("pass", False), ("fail", True)]
    first = client.get(strip[0][2], headers=auth(token))
    assert first.status_code == 200 and '<li class="pass current">' in first.text  # the first run's own page
    assert "history" not in client.get("/v1/stories/ics/report?format=json", headers=auth(token)).json() or \
        client.get("/v1/stories/ics/report?format=json", headers=auth(token)).json()["history"] == []


def test_a_write_whose_check_was_interrupted_is_checked_again_at_start(tmp_path):
    from sqlalchemy import delete, select
    from sqlalchemy.orm import Session

    from factcheck.cli.store import FindingRow, RunRow, connect, create_token

    db = f"sqlite:///{tmp_path}/f.db"
    client = TestClient(create_app([ICS], db=db))
    token = create_token(connect(db), "tests")
    assert client.put(f"/v1/stories/ics/sources/{DEC}", json=changed_dec("31"), headers=auth(token, **{"if-match": f'"{DEC}-1"'})).status_code == 200
    engine = connect(db)
    with Session(engine) as session, session.begin():  # as if the process had died before the run was stored
        last = session.scalars(select(RunRow).order_by(RunRow.id.desc()).limit(1)).one()
        session.execute(delete(FindingRow).where(FindingRow.run_id == last.id))
        session.delete(last)
    again = TestClient(create_app([ICS], db=db))
    runs = again.get("/v1/stories/ics/runs", headers=auth(token)).json()["runs"]
    assert runs[0]["trigger"] == "re-check after an interrupted run" and runs[0]["verdict"] == "fail"
    assert [r["trigger"] for r in runs] == ["re-check after an interrupted run", "import ics"]


def test_a_check_past_its_time_limit_is_stopped_and_a_write_is_kept_with_a_run_that_says_so(tmp_path, monkeypatch):
    from factcheck.cli import library
    from factcheck.cli.store import connect, create_token

    db = f"sqlite:///{tmp_path}/f.db"
    client = TestClient(create_app([ICS], db=db, public=True, time_limit=1e-9))  # past it before the first file is read
    response = client.post("/v1/check", json={"story": "ics", "facts": files(ICS / "sources")})
    assert response.status_code == 503 and response.headers["content-type"] == "application/problem+json"
    assert "time limit of 1e-09 s (reading ics-" in response.json()["detail"]
    token = create_token(connect(db), "tests")
    refused = client.put(f"/v1/stories/ics/sources/{DEC}", json=changed_dec("31"), headers=auth(token, **{"if-match": f'"{DEC}-1"'}))
    assert refused.status_code == 503 and "nothing was stored" in refused.json()["detail"]  # its validation ran past the limit
    validate = library._validate
    monkeypatch.setattr(library, "_validate", lambda story, fact, limit=None: validate(story, fact))  # validated in time; checked too late
    written = client.put(f"/v1/stories/ics/sources/{DEC}", json=changed_dec("31"), headers=auth(token, **{"if-match": f'"{DEC}-1"'}))
    assert written.status_code == 200 and written.json()["source"]["version"] == 2  # kept
    assert written.json()["run"]["verdict"] == "unusable"
    assert written.json()["report"]["load_errors"][0].startswith("the check was stopped: it ran past its time limit")
    assert client.get(f"/v1/stories/ics/sources/{DEC}").json()["fact"]["content"] == changed_dec("31")["fact"]["content"]
    assert written.json()["run"]["fixed"] == 0 and written.json()["report"]["fixed"] == []  # a stopped check shows nothing went away


def test_several_worker_processes_share_one_database_and_the_newest_run_checks_every_write(tmp_path):
    import shutil
    import socket
    import sys
    import threading
    import time

    import httpx

    from factcheck.cli.store import connect, create_token

    story = tmp_path / "ics"
    shutil.copytree(ICS, story, ignore=shutil.ignore_patterns("factcheck.db*"))
    db = f"sqlite:///{tmp_path}/f.db"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    exe = Path(sys.executable).with_name("factcheck")
    server = subprocess.Popen([str(exe), "serve", str(story), "--workers", "2", "--port", str(port), "--db", db, "--public"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                httpx.get(base + "/healthz", timeout=2)
                break
            except httpx.TransportError:
                assert server.poll() is None, server.stderr.read().decode()
                time.sleep(0.1)
        seen = {httpx.get(base + "/healthz", timeout=5).json()["process"] for _ in range(60)}
        assert len(seen) == 2, seen  # each request on a new connection: both workers answer
        token = create_token(connect(db), "tests")
        others = [p.stem for p in sorted((ICS / "sources").glob("*.yaml")) if p.stem != DEC][:2]

        def writes(source: str, last: str | None) -> None:
            original = (ICS / "sources" / f"{source}.yaml").read_text(encoding="utf-8")
            with httpx.Client(base_url=base, timeout=60, headers=auth(token)) as http:
                for n in range(4):
                    text = original.replace('value: "29"', f'value: "{last}"', 1) if last and n == 3 else original + f"# write {n}\n"
                    while True:  # from the newest version, however many others wrote meanwhile
                        tag = http.get(f"/v1/stories/ics/sources/{source}").headers["etag"]
                        put = http.put(f"/v1/stories/ics/sources/{source}", json={"fact": {"name": f"{source}.yaml", "content": text}},
                                       headers={"if-match": tag})
                        if put.status_code != 412:
                            assert put.status_code == 200, put.text
                            break

        threads = [threading.Thread(target=writes, args=(DEC, "31")), *(threading.Thread(target=writes, args=(o, None)) for o in others)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        latest = httpx.get(base + "/v1/stories/ics/report", timeout=10).json()
        assert latest["summary"]["verdict"] == "fail"  # DEC's last write (a total of 31) is in the newest run
        assert any(f["code"] == "TOT-total" and f["severity"] == "error" for f in latest["findings"])
        runs = httpx.get(base + "/v1/stories/ics/runs?per_page=200", timeout=10).json()["runs"]
        assert len(runs) == 1 + 12 and {r["author"] for r in runs[:12]} == {"tests"}  # the import, then one run per write
    finally:
        server.terminate()
        server.wait(20)


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_one_check_of_a_story_at_a_time_across_worker_processes(request, tmp_path, database):
    """Two libraries over one database, as two worker processes have: while one checks a story, the
    other's check of it waits (a lock file beside SQLite; an advisory lock on PostgreSQL)."""
    import threading

    from factcheck.cli.library import Library
    from factcheck.cli.store import connect
    from factcheck.facts.story import read_story

    db = f"sqlite:///{tmp_path}/f.db" if database == "sqlite" else request.getfixturevalue("postgres").fresh()
    first, second = Library(connect(db), {"ics": read_story(ICS)}), Library(connect(db), {"ics": read_story(ICS)})
    text = (ICS / "sources" / f"{DEC}.yaml").read_text(encoding="utf-8").replace(f"id: {DEC}", "id: new", 1)
    with first._one_at_a_time("ics", "write"):  # writes too: no two new sources can take one file name
        waiting = threading.Thread(target=second.put, args=("ics", "new", ("new.yaml", text), None, None, "tests"))
        waiting.start()
        waiting.join(1.0)
        assert waiting.is_alive()
    waiting.join(60)
    assert not waiting.is_alive()
    with first._one_at_a_time("ics"):
        waiting = threading.Thread(target=second.recheck, args=("ics", "tests", "a check that must wait"))
        waiting.start()
        waiting.join(1.0)
        assert waiting.is_alive()  # the other process's check waits for this one
    waiting.join(60)
    assert not waiting.is_alive()


def test_no_output_names_the_services_own_folders(tmp_path):
    """A text refused in a stored story's run, and the story's own texts folder in a request's check, are
    named as the story names them ('texts'), never by the service's private or installed paths."""
    from factcheck.cli.store import connect, create_token

    db = f"sqlite:///{tmp_path}/f.db"
    client = TestClient(create_app([US], db=db, public=True))
    token = create_token(connect(db), "tests")
    fact = "source:\n  id: probe\n  title: t\n  publisher: p\n  kind: news\n  text_file: '..'\n  published: 2001-01-01\nclaims: []\n"
    wrong = client.put("/v1/stories/us-states/sources/probe", headers=auth(token),
                       json={"fact": {"name": "probe.yaml", "content": fact}, "text": {"name": "probe.txt", "content": "hello\n"}})
    assert wrong.status_code == 422 and "source.text_file: expected 'probe.txt' (the text this request writes), found '..'" in wrong.json()["errors"][0]
    client.put("/v1/stories/us-states/sources/probe", headers=auth(token), json={"fact": {"name": "probe.yaml", "content": fact}})
    checked = client.post("/v1/check", json={"story": "us-states", "facts": [{"name": "probe.yaml", "content": fact}]})
    stored = client.get("/v1/stories/us-states/report").json()
    for said in (checked.text, json.dumps(stored)):
        assert "/tmp/" not in said and str(REPO) not in said and "factcheck-" not in said
    assert "'..' in texts:" in checked.json()["errors"][0]


@pytest.mark.parametrize("name", ["factcheck.yaml", "rules.yaml"])
def test_a_request_cannot_bring_its_own_story_or_rules(client, name):
    body = {"story": "ics", "facts": [{"name": name, "content": "story: A story the client wrote\n"}, *files(ICS / "sources")]}
    response = client.post("/v1/check", json=body)
    assert response.status_code == 422 and f"{name} is a story's own file, not a source's" in response.json()["errors"][0]


def test_claim_tables_sent_as_json_rows_are_checked_like_fact_files(client, seeds):
    from factcheck.facts.loader import load
    from factcheck.facts.tabular import DERIVED
    from factcheck.facts.tables import COLUMNS
    from factcheck.facts.story import read_story

    tables = load([ICS / "sources"], read_story(ICS)).tables
    rows = {name: [json.loads(line) for line in tables[name].drop([c for c in DERIVED if c in tables[name].columns]).write_ndjson().splitlines()]
            for name in COLUMNS if tables[name].height}
    as_rows = client.post("/v1/check", json={"story": "ics", "tables": rows, "texts": files(seeds, "*.txt")})
    as_files = client.post("/v1/check", json={"story": "ics", "facts": files(ICS / "sources"), "texts": files(seeds, "*.txt")})
    assert as_rows.status_code == 200 and comparable(as_rows.json()) == comparable(as_files.json())

    at = next(i for i, r in enumerate(rows["counts"]) if r["value"] == "29")
    rows["counts"][at]["value"] = "31"
    changed = client.post("/v1/check", json={"story": "ics", "tables": rows}).json()
    tot = [loc for f in changed["findings"] if f["rule"] == "TOT01" and f["severity"] == "error" for loc in f["locations"]]
    assert ("tables.counts.ndjson", at + 1) in [(loc["fact_file"], loc["fact_line"]) for loc in tot]  # the row, by its number

    rows["designations"][1]["announced_lo"] = "2020-13-45"
    bad = client.post("/v1/check", json={"story": "ics", "tables": rows})
    assert bad.status_code == 422 and any(e.startswith("tables.designations.ndjson:2: announced_lo: expected a date") for e in bad.json()["errors"]), bad.json()
    assert client.post("/v1/check", json={"story": "ics", "tables": {"gossip": [{"a": 1}]}}).status_code == 422
    assert client.post("/v1/check", json={"story": "ics"}).json()["errors"] == ["body: Value error, nothing to check: send fact files (facts) or claim tables as rows (tables)"]


def test_every_version_of_a_source_is_kept_and_can_be_read(stored):
    client, token = stored
    listed = client.get("/v1/stories/ics/sources", headers=auth(token)).json()["sources"]
    assert [s["source_id"] for s in listed] == sorted(p.stem for p in (ICS / "sources").glob("*.yaml"))
    assert {s["etag"] for s in listed if s["source_id"] == DEC} == {f'"{DEC}-1"'}
    client.put(f"/v1/stories/ics/sources/{DEC}", json=changed_dec("31"), headers=auth(token, **{"if-match": f'"{DEC}-1"'}))
    versions = client.get(f"/v1/stories/ics/sources/{DEC}/versions", headers=auth(token)).json()["versions"]
    assert [(v["version"], v["author"], v["deleted"]) for v in versions] == [(2, "tests", False), (1, "import", False)]
    first = client.get(f"/v1/stories/ics/sources/{DEC}/versions/1", headers=auth(token))
    assert first.headers["etag"] == f'"{DEC}-1"' and first.json()["fact"]["content"] == (ICS / "sources" / f"{DEC}.yaml").read_text(encoding="utf-8")
    assert client.get(f"/v1/stories/ics/sources/{DEC}/versions/3", headers=auth(token)).status_code == 404
    assert client.get("/v1/stories/ics/sources/never/versions", headers=auth(token)).status_code == 404


@pytest.mark.parametrize("path", ["/v1/runs/99999999999999", "/v1/runs/1/diff?against=99999999999999", "/v1/runs/0/report",
                                  f"/v1/stories/ics/sources/{DEC}/versions/99999999999999"])
def test_a_number_beyond_what_the_database_holds_is_a_422_not_a_server_error(stored, path):
    client, token = stored
    response = client.get(path, headers=auth(token))
    assert response.status_code == 422 and response.headers["content-type"] == "application/problem+json"


def test_if_match_holds_as_rfc_9110_says(stored):
    client, token = stored
    put = lambda sid, match: client.put(f"/v1/stories/ics/sources/{sid}", headers=auth(token, **({"if-match": match} if match else {})),  # noqa: E731
                                        json={"fact": {"name": f"{sid}.yaml", "content": (ICS / "sources" / f"{DEC}.yaml").read_text(encoding="utf-8")
                                                       .replace(f"id: {DEC}", f"id: {sid}", 1)}})
    assert put("nobody", '"nobody-7"').status_code == 412 and put("nobody", "*").status_code == 412  # no current version to match
    assert put(DEC, f'"elsewhere-1", "{DEC}-1"').status_code == 200  # one of a list
    assert put(DEC, f'W/"{DEC}-2"').status_code == 412  # a weak tag never matches
    assert put(DEC, "*").status_code == 200  # any current version
    assert client.delete(f"/v1/stories/ics/sources/{DEC}", headers=auth(token, **{"if-match": f'"{DEC}-3"'})).status_code == 200
    assert put(DEC, "*").status_code == 412 and put(DEC, None).status_code == 201  # deleted: created anew, without If-Match


def test_a_body_sent_without_its_length_is_bounded_too(client):
    def chunks():  # 17 MiB in pieces: no Content-Length, chunked
        for _ in range(17):
            yield b"x" * (1 << 20)

    response = client.post("/v1/check", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413 and response.headers["content-type"] == "application/problem+json"


def test_http_errors_are_problem_json_too(client):
    for response, status in ((client.get("/v1/nothing-here"), 404), (client.delete("/v1/stories"), 405),
                             (client.post("/v1/check", content=b"{not json", headers={"content-type": "application/json"}), 422),
                             (client.post("/v1/check", content=b"[" * 100_000, headers={"content-type": "application/json"}), 400)):
        assert response.status_code == status and response.headers["content-type"] == "application/problem+json"
        assert response.json()["status"] == status and response.json()["title"]


def test_a_stored_source_is_one_yaml_fact_file_and_a_table_cannot_take_another_sources_id(stored):
    client, token = stored
    table = "source_id,title,publisher,source_kind,text_file,published_lo,published_hi,published_exact,date_reason,url\n" \
            f"zz,t,p,news,zz.txt,2020-12-08,2020-12-08,true,,\n{DEC},EVIL,EVIL,news,x.txt,2020-12-08,2020-12-08,true,,https://evil.example/\n"
    put = client.put("/v1/stories/ics/sources/zz", headers=auth(token), json={"fact": {"name": "zz.sources.csv", "content": table}})
    assert put.status_code == 422 and "expected a YAML fact file" in put.json()["errors"][0]
    checked = client.post("/v1/check", headers=auth(token), json={"story": "ics", "facts": [*files(ICS / "sources"), {"name": "zz.sources.csv", "content": table}]})
    assert checked.status_code == 422
    assert f"zz.sources.csv:3: source_id: source id '{DEC}' is also used by {DEC}.yaml" in checked.json()["errors"]


def test_serve_turns_the_cycle_collector_back_on(monkeypatch, tmp_path):
    """The command line turns it off for a short check; a server left so grew by megabytes a request."""
    import gc

    import uvicorn

    from factcheck.cli import service

    seen: dict = {}
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: seen.setdefault("collecting", gc.isenabled()))
    gc.disable()
    try:
        service.serve([ICS], "127.0.0.1", 8000, f"sqlite:///{tmp_path}/f.db", False)
    finally:
        gc.enable()
    assert seen == {"collecting": True}
