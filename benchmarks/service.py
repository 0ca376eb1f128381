"""The service against the command line, in one run: a warm ``POST /v1/check`` of the bundled story to
a real ``factcheck serve`` (uvicorn, over TCP) against the cold ``factcheck check`` of the same files.

    python -m benchmarks.service [--requests N] [--runs N] [--json FILE]

The server is started once and warmed with one request; then N checks are timed one after another
from a client in this process (median and p99), and the cold command is timed in N fresh processes.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from benchmarks.cold import factcheck, timed

REPO = Path(__file__).resolve().parent.parent
SEEDS = Path(os.environ.get("FACTCHECK_SEEDS", REPO.parent / "shared" / "seeds"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request_body() -> dict:
    story = REPO / "examples" / "ics"
    read = lambda paths: [{"name": p.name, "content": p.read_text(encoding="utf-8")} for p in sorted(paths)]  # noqa: E731
    return {"story": "ics", "facts": read((story / "sources").glob("*.yaml")), "texts": read(SEEDS.glob("*.txt"))}


def warm(requests: int) -> list[float]:
    """Seconds per POST /v1/check to a server started here (the first, warming, request not counted)."""
    port = free_port()
    db = tempfile.mkdtemp(prefix="factcheck-bench-")
    server = subprocess.Popen([*factcheck(), "serve", str(REPO / "examples" / "ics"), "--port", str(port), "--public", "--db", f"sqlite:///{db}/f.db"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            for _ in range(200):  # up within 20 s
                try:
                    client.get("/healthz")
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            body = request_body()
            assert client.post("/v1/check", json=body).status_code == 200
            samples = []
            for _ in range(requests):
                start = time.perf_counter()
                response = client.post("/v1/check", json=body)
                samples.append(time.perf_counter() - start)
                assert response.status_code == 200 and response.json()["summary"]["verdict"] == "pass"
            return samples
    finally:
        server.terminate()
        server.wait(10)


def story_of(sources: int, into: Path) -> Path:
    """The bundled story with ``sources`` fact files: copies of its five, each under an id of its own."""
    import shutil

    story = into / "big"
    shutil.copytree(REPO / "examples" / "ics", story, ignore=shutil.ignore_patterns("sources", "factcheck.db*"))
    (story / "sources").mkdir()
    originals = sorted((REPO / "examples" / "ics" / "sources").glob("*.yaml"))
    for i in range(sources):
        path = originals[i % len(originals)]
        copy = f"{path.stem}-{i:04d}"
        (story / "sources" / f"{copy}.yaml").write_text(path.read_text(encoding="utf-8").replace(f"id: {path.stem}", f"id: {copy}", 1), encoding="utf-8")
    return story


def put_one(sources: int, writes: int) -> list[float]:
    """Seconds per PUT of one changed source (its re-check included) in a story of ``sources`` sources,
    served in this process (the first write, which reads every file once, not counted)."""
    from fastapi.testclient import TestClient

    from factcheck.cli.service import create_app
    from factcheck.cli.store import connect, create_token

    with tempfile.TemporaryDirectory() as tmp:
        story = story_of(sources, Path(tmp))
        db = f"sqlite:///{tmp}/f.db"
        client = TestClient(create_app([story], db=db))
        token = create_token(connect(db), "benchmark")
        name = "ics-dec-2020-news-0000"
        original = (story / "sources" / f"{name}.yaml").read_text(encoding="utf-8")
        samples = []
        for i in range(writes + 1):
            body = {"fact": {"name": f"{name}.yaml", "content": original.replace('value: "29"', f'value: "{29 + (i % 2)}"', 1)}}
            start = time.perf_counter()
            response = client.put(f"/v1/stories/big/sources/{name}", json=body,
                                  headers={"authorization": f"Bearer {token}", "if-match": f'"{name}-{i + 1}"'})
            elapsed = time.perf_counter() - start
            assert response.status_code == 200, response.text
            if i:
                samples.append(elapsed)
        return samples


def cold(runs: int) -> list[float]:
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [*factcheck(), "check", str(REPO / "examples" / "ics"), "--sources", str(SEEDS)]
        return [timed(cmd, Path(tmp))[0] for _ in range(runs)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5, help="cold processes")
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--sources", type=int, default=1000, help="sources of the story a PUT re-checks")
    parser.add_argument("--writes", type=int, default=10)
    args = parser.parse_args()
    if not SEEDS.is_dir():
        sys.exit(f"source texts not found at {SEEDS} (set FACTCHECK_SEEDS)")
    w, c = warm(args.requests), cold(args.runs)
    p = put_one(args.sources, args.writes)
    p99 = statistics.quantiles(w, n=100)[98] if len(w) >= 100 else max(w)
    result = {"warm_median_ms": statistics.median(w) * 1000, "warm_p99_ms": p99 * 1000, "requests": len(w),
              "cold_median_ms": statistics.median(c) * 1000, "cold_runs": len(c)}
    result["ratio"] = result["cold_median_ms"] / result["warm_median_ms"]
    result.update({"put_sources": args.sources, "put_median_ms": statistics.median(p) * 1000, "put_max_ms": max(p) * 1000, "writes": len(p)})
    print(f"warm POST /v1/check (bundled story, with its texts): median {result['warm_median_ms']:.1f} ms, p99 {result['warm_p99_ms']:.1f} ms "
          f"over {len(w)} requests")
    print(f"cold factcheck check, same files: median {result['cold_median_ms']:.0f} ms over {len(c)} processes; "
          f"the warm service is {result['ratio']:.1f}x faster")
    print(f"PUT of one changed source in a story of {args.sources:,} sources, re-check included: median {result['put_median_ms']:.0f} ms, "
          f"worst {result['put_max_ms']:.0f} ms over {len(p)} writes")
    if args.json:
        args.json.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
