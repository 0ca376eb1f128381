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
from collections import Counter
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
    parser.add_argument("--load", action="store_true", help="instead: many clients reading and writing, on SQLite (and --postgres URL)")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--postgres", default=None, help="a PostgreSQL URL to run the load on too ('auto': start one)")
    parser.add_argument("--kill", action="store_true", help="kill -9 the server half-way, start it again, and check nothing acknowledged was lost")
    args = parser.parse_args()
    if args.load:
        server = None
        if args.postgres == "auto":  # a PostgreSQL of its own, as the tests start one
            sys.path.insert(0, str(REPO / "tests"))
            from postgres import Postgres

            server = Postgres()
            args.postgres = server.fresh()
        dbs = [("sqlite", f"sqlite:///{tempfile.mkdtemp(prefix='factcheck-load-')}/f.db")] + ([("postgresql", args.postgres)] if args.postgres else [])
        try:
            results = {name: load(url, args.clients, args.seconds, args.kill) for name, url in dbs}
        finally:
            if server is not None:
                server.stop()
        for name, r in results.items():
            print(f"{name}: {r['clients']} clients for {r['seconds']:.0f} s{' (killed -9 half-way)' if r['killed'] else ''}: {r['rps']:.0f} requests/s; "
                  f"reads p50 {r.get('read_p50_ms', 0):.0f} ms p99 {r.get('read_p99_ms', 0):.0f} ms; writes p50 {r.get('write_p50_ms', 0):.0f} ms "
                  f"p99 {r.get('write_p99_ms', 0):.0f} ms; {r['statuses']}; {r['acknowledged_writes']} acknowledged writes, "
                  f"{r['lost_writes']} lost, {r['sources_with_gaps_or_doubles']} sources with a gap or a double, database sound: {r['database_sound']}")
        if args.json:
            args.json.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
        return
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



# ---- load: many clients, reads and writes, and a kill -9 in the middle ---------------------------------

def load(db: str, clients: int, seconds: float, kill: bool) -> dict:
    """``clients`` threads for ``seconds``: four reads to each write (a PUT of one of the bundled sources,
    with If-Match from a fresh read). With ``kill``, the server is killed (SIGKILL) half-way and started
    again. Then every write that got a 2xx must be in the database, once, with its bytes, and the
    versions of each source must run 1, 2, 3 … without a gap or a double."""
    import random
    import signal
    import threading

    from factcheck.cli.store import connect, create_token

    story = REPO / "examples" / "ics"
    names = [p.stem for p in sorted((story / "sources").glob("*.yaml"))]
    originals = {n: (story / "sources" / f"{n}.yaml").read_text(encoding="utf-8") for n in names}
    token = create_token(connect(db), "load")
    port = free_port()
    cmd = [*factcheck(), "serve", str(story), "--port", str(port), "--public", "--db", db]
    start_server = lambda: subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: E731
    server = start_server()
    base = f"http://127.0.0.1:{port}"

    def up() -> None:
        for _ in range(300):
            try:
                httpx.get(base + "/healthz", timeout=2)
                return
            except httpx.TransportError:
                time.sleep(0.1)
        raise RuntimeError("the server did not come up")

    up()
    lock = threading.Lock()
    latencies: dict[str, list[float]] = {"read": [], "write": []}
    statuses: Counter = Counter()
    written: list[tuple[str, int, str]] = []  # source, version, text of every write that got a 2xx
    stop = time.monotonic() + seconds
    down = threading.Event()

    def client(k: int) -> None:
        rng = random.Random(k)
        with httpx.Client(base_url=base, timeout=60, headers={"authorization": f"Bearer {token}"}) as http:
            n = 0
            while time.monotonic() < stop:
                n += 1
                name = rng.choice(names)
                started = time.perf_counter()
                try:
                    if rng.random() < 0.8:
                        kind = "read"
                        response = http.get(rng.choice(["/v1/stories", "/v1/stories/ics/report", f"/v1/stories/ics/sources/{name}"]))
                    else:
                        kind = "write"
                        current = http.get(f"/v1/stories/ics/sources/{name}")
                        text = originals[name] + f"# write {n} of client {k}\n"
                        response = http.put(f"/v1/stories/ics/sources/{name}", json={"fact": {"name": f"{name}.yaml", "content": text}},
                                            headers={"if-match": current.headers.get("etag", '"none"')})
                except httpx.TransportError:
                    if not down.is_set():
                        with lock:
                            statuses["transport error"] += 1
                    time.sleep(0.05)
                    continue
                elapsed = time.perf_counter() - started
                with lock:
                    statuses[f"{kind} {response.status_code}"] += 1
                    latencies[kind].append(elapsed)
                    if kind == "write" and response.status_code in (200, 201):
                        written.append((name, response.json()["source"]["version"], text))

    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    began = time.monotonic()
    for t in threads:
        t.start()
    if kill:
        time.sleep(seconds / 2)
        down.set()
        server.send_signal(signal.SIGKILL)
        server.wait()
        server = start_server()
        up()
        down.clear()
    for t in threads:
        t.join()
    took = time.monotonic() - began
    server.terminate()
    server.wait(10)
    return {"statuses": dict(statuses), "rps": sum(len(v) for v in latencies.values()) / took, **_quantiles(latencies), **_verified(db, written),
            "clients": clients, "seconds": seconds, "killed": kill}


def _quantiles(latencies: dict[str, list[float]]) -> dict:
    out = {}
    for kind, xs in latencies.items():
        if len(xs) >= 2:
            q = statistics.quantiles(xs, n=100)
            out[f"{kind}_p50_ms"], out[f"{kind}_p99_ms"] = q[49] * 1000, q[98] * 1000
    return out


def _verified(db: str, written: list[tuple[str, int, str]]) -> dict:
    """Every acknowledged write is stored once with its bytes; each source's versions run 1..n; the database is sound."""
    from sqlalchemy import select, text
    from sqlalchemy.orm import Session

    from factcheck.cli.store import SourceVersion, connect

    engine = connect(db)
    with Session(engine) as session:
        rows = session.execute(select(SourceVersion.source_id, SourceVersion.version, SourceVersion.fact)).all()
        sound = session.execute(text("PRAGMA integrity_check")).scalar() == "ok" if engine.dialect.name == "sqlite" else True
    stored = {(s, v): fact for s, v, fact in rows}
    lost = [(s, v) for s, v, t in written if stored.get((s, v)) != t]
    versions: dict[str, list[int]] = {}
    for s, v in stored:
        versions.setdefault(s, []).append(v)
    gaps = [s for s, vs in versions.items() if sorted(vs) != list(range(1, len(vs) + 1))]
    return {"acknowledged_writes": len(written), "lost_writes": len(lost), "sources_with_gaps_or_doubles": len(gaps), "database_sound": sound}


if __name__ == "__main__":
    main()
