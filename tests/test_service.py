"""factcheck serve, through its HTTP interface: the same Report as the command line for the same files,
problem+json with file:line for unusable input, bounded bodies, metrics, and warm stories."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="factcheck serve needs the 'serve' extra")
from fastapi.testclient import TestClient  # noqa: E402

from factcheck.checks.engine import check  # noqa: E402
from factcheck.cli.service import MAX_BODY, create_app  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
ICS, US = REPO / "examples" / "ics", REPO / "examples" / "us-states"
pytestmark = pytest.mark.no_story


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app([ICS, US]))


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
    assert client.get("/healthz").json() == {"status": "ok", "stories": ["ics", "us-states"]}
    stories = client.get("/v1/stories").json()
    assert [(s["story"], s["words"]["statuses"]) for s in stories] == [("ics", "ICSs"), ("us-states", "states")]
    client.post("/v1/check", json={"story": "ics", "facts": files(ICS / "sources")})
    metrics = client.get("/metrics").text
    assert 'factcheck_requests_total{route="/v1/check",status="200"}' in metrics and "factcheck_checks_total" in metrics
    assert 'factcheck_findings_total{severity="warning"}' in metrics
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/v1/check", "/v1/stories", "/healthz", "/metrics"} <= set(paths)


def test_a_folder_without_a_story_is_refused_at_start(tmp_path):
    from factcheck.facts.story import StoryError

    with pytest.raises(StoryError, match="no factcheck.yaml"):
        create_app([tmp_path])
