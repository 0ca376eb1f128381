"""The service against the command line, in one run.

    python -m benchmarks.service [--requests N] [--runs N] [--sources N] [--writes N] [--json FILE]
    python -m benchmarks.service --load [--clients N] [--seconds S] [--kill] [--postgres URL|auto]

Against a real ``factcheck serve`` (uvicorn, over TCP), started once and warmed with one request:
``POST /v1/check`` of the bundled story with its texts, N times the same request and N times with one
figure changed (a new value each time: the rules that read it run again), timed one after another
(median and p99), against the cold ``factcheck check`` of the same files in fresh processes. Then a
server of a story of many sources: PUT of one changed source, timed whole and by its re-check as the
run records it. ``--load``: many clients reading and writing, with a kill -9 half-way.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
from collections import Counter
from contextlib import contextmanager
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


@contextmanager
def serving(folder: Path, db: str, token: bool = False):  # type: ignore[no-untyped-def]
    """A real ``factcheck serve`` of ``folder`` (uvicorn, over TCP), up; yields an httpx client of it
    (with a write token when asked)."""
    headers = {}
    if token:
        from factcheck.cli.store import connect, create_token

        headers["authorization"] = f"Bearer {create_token(connect(db), 'benchmark')}"
    port = free_port()
    server = subprocess.Popen([*factcheck(), "serve", str(folder), "--port", str(port), "--public", "--db", db],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120, headers=headers) as client:
            for _ in range(1200):  # up within 120 s (a story of many sources is imported and checked first)
                try:
                    client.get("/healthz")
                    break
                except httpx.TransportError:
                    if server.poll() is not None:
                        raise RuntimeError(f"the server stopped: {server.stderr.read().decode()[-2000:]}") from None
                    time.sleep(0.1)
            yield client
    finally:
        server.terminate()
        server.wait(10)


def with_figure(body: dict, n: int) -> dict:
    """The request with one figure of one source changed (a new value each time): every rule that reads
    the counts runs again, as after a user's edit."""
    facts = list(body["facts"])
    i = next(k for k, f in enumerate(facts) if 'value: "29"' in f["content"])
    facts[i] = {**facts[i], "content": facts[i]["content"].replace('value: "29"', f'value: "{1000 + n}"', 1)}
    return {**body, "facts": facts}


def warm(requests: int) -> dict[str, list[float]]:
    """Seconds per POST /v1/check to a real server, the same request each time and one with a figure
    changed each time (the first, warming, request not counted)."""
    samples: dict[str, list[float]] = {"same": [], "changed": []}
    with tempfile.TemporaryDirectory() as db, serving(REPO / "examples" / "ics", f"sqlite:///{db}/f.db") as client:
        body = request_body()
        assert client.post("/v1/check", json=body).status_code == 200
        for kind in samples:
            for n in range(requests):
                sent = body if kind == "same" else with_figure(body, n)
                start = time.perf_counter()
                response = client.post("/v1/check", json=sent)
                samples[kind].append(time.perf_counter() - start)
                verdict = response.json()["summary"]["verdict"] if response.status_code == 200 else response.text
                assert verdict == ("pass" if kind == "same" else "fail"), verdict
    return samples


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


def put_one(sources: int, writes: int) -> tuple[list[float], list[float]]:
    """Per PUT of one changed source in a story of ``sources`` sources, to a real server: the seconds
    of the whole request and of its re-check as the run records it (the first write not counted)."""
    with tempfile.TemporaryDirectory() as tmp:
        story = story_of(sources, Path(tmp))
        with serving(story, f"sqlite:///{tmp}/f.db", token=True) as client:
            name = "ics-dec-2020-news-0000"
            original = (story / "sources" / f"{name}.yaml").read_text(encoding="utf-8")
            requests, rechecks = [], []
            for i in range(writes + 1):
                body = {"fact": {"name": f"{name}.yaml", "content": original.replace('value: "29"', f'value: "{1000 + i}"', 1)}}
                start = time.perf_counter()
                response = client.put(f"/v1/stories/big/sources/{name}", json=body, headers={"if-match": f'"{name}-{i + 1}"'})
                elapsed = time.perf_counter() - start
                assert response.status_code == 200, response.text
                if i:
                    requests.append(elapsed)
                    rechecks.append(response.json()["run"]["duration_ms"] / 1000)
            return requests, rechecks


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
    parser.add_argument("--workers", type=int, default=1, help="worker processes of the server under load")
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
            results = {name: load(url, args.clients, args.seconds, args.kill, args.workers) for name, url in dbs}
        finally:
            if server is not None:
                server.stop()
        for name, r in results.items():
            print(f"{name}, {r['workers']} worker(s): {r['clients']} clients for {r['seconds']:.0f} s{' (killed -9 half-way)' if r['killed'] else ''}: "
                  f"{r['rps']:.0f} requests/s; "
                  f"reads p50 {r.get('read_p50_ms', 0):.0f} ms p99 {r.get('read_p99_ms', 0):.0f} ms; writes p50 {r.get('write_p50_ms', 0):.0f} ms "
                  f"p99 {r.get('write_p99_ms', 0):.0f} ms; {r['statuses']}; {r['acknowledged_writes']} acknowledged writes, "
                  f"{r['lost_writes']} lost, {r['sources_with_gaps_or_doubles']} sources with a gap or a double, database sound: {r['database_sound']}")
        if args.json:
            args.json.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
        return
    if not SEEDS.is_dir():
        sys.exit(f"source texts not found at {SEEDS} (set FACTCHECK_SEEDS)")
    w, c = warm(args.requests), cold(args.runs)
    p, r = put_one(args.sources, args.writes)
    ms = lambda xs, q: (statistics.quantiles(xs, n=100)[q - 1] if len(xs) >= 100 else max(xs)) * 1000  # noqa: E731
    result = {"requests": args.requests, "cold_runs": len(c), "cold_median_ms": statistics.median(c) * 1000}
    for kind, xs in w.items():
        result[f"warm_{kind}_median_ms"], result[f"warm_{kind}_p99_ms"] = statistics.median(xs) * 1000, ms(xs, 99)
        result[f"ratio_{kind}"] = result["cold_median_ms"] / result[f"warm_{kind}_median_ms"]
    result.update({"put_sources": args.sources, "writes": len(p), "put_median_ms": statistics.median(p) * 1000, "put_max_ms": max(p) * 1000,
                   "recheck_median_ms": statistics.median(r) * 1000, "recheck_max_ms": max(r) * 1000})
    print(f"cold factcheck check of the bundled story with its texts: median {result['cold_median_ms']:.0f} ms over {len(c)} processes")
    for kind, what in (("same", "the same request each time"), ("changed", "one figure changed each time")):
        print(f"warm POST /v1/check, {what}: median {result[f'warm_{kind}_median_ms']:.1f} ms, p99 {result[f'warm_{kind}_p99_ms']:.1f} ms "
              f"over {args.requests} requests ({result[f'ratio_{kind}']:.0f}x faster than cold)")
    print(f"PUT of one changed source in a story of {args.sources:,} sources: re-check median {result['recheck_median_ms']:.0f} ms, "
          f"worst {result['recheck_max_ms']:.0f} ms; whole request median {result['put_median_ms']:.0f} ms, worst {result['put_max_ms']:.0f} ms "
          f"over {len(p)} writes")
    if args.json:
        args.json.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")



# ---- load: many clients, reads and writes, and a kill -9 in the middle ---------------------------------

def load(db: str, clients: int, seconds: float, kill: bool, workers: int = 1) -> dict:
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
    cmd = [*factcheck(), "serve", str(story), "--port", str(port), "--public", "--db", db, "--workers", str(workers)]
    start_server = lambda: subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)  # noqa: E731
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
        os.killpg(server.pid, signal.SIGKILL)  # the server and its workers at once, as a crash would
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
            "clients": clients, "seconds": seconds, "killed": kill, "workers": workers}


def _quantiles(latencies: dict[str, list[float]]) -> dict:
    out = {}
    for kind, xs in latencies.items():
        if len(xs) >= 2:
            q = statistics.quantiles(xs, n=100)
            out[f"{kind}_p50_ms"], out[f"{kind}_p99_ms"] = q[49] * 1000, q[98] * 1000
    return out


def _verified(db: str, written: list[tuple[str, int, str]]) -> dict:
    """Every acknowledged write is stored once with its bytes; each source's versions run 1..n; the database is sound."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from factcheck.cli.store import SourceVersion, connect

    engine = connect(db)
    with Session(engine) as session:
        rows = session.execute(select(SourceVersion.source_id, SourceVersion.version, SourceVersion.fact)).all()
        sound = _sound(session, engine.dialect.name)
    stored = {(s, v): fact for s, v, fact in rows}
    lost = [(s, v) for s, v, t in written if stored.get((s, v)) != t]
    versions: dict[str, list[int]] = {}
    for s, v in stored:
        versions.setdefault(s, []).append(v)
    gaps = [s for s, vs in versions.items() if sorted(vs) != list(range(1, len(vs) + 1))]
    return {"acknowledged_writes": len(written), "lost_writes": len(lost), "sources_with_gaps_or_doubles": len(gaps), "database_sound": sound}


def _sound(session, dialect: str) -> bool | str:  # type: ignore[no-untyped-def]
    """The database's own integrity check: SQLite's integrity_check; on PostgreSQL, amcheck's
    bt_index_check of every index of the service's tables, with every row of the table found in it."""
    from sqlalchemy import text

    if dialect == "sqlite":
        return session.execute(text("PRAGMA integrity_check")).scalar() == "ok"
    try:
        session.execute(text("CREATE EXTENSION IF NOT EXISTS amcheck"))
        indexes = session.execute(text(
            "SELECT c.oid::regclass::text FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE a.amname = 'btree' AND n.nspname = 'public'")).scalars().all()
        for index in indexes:
            session.execute(text("SELECT bt_index_check(CAST(:index AS regclass), true)"), {"index": index})
        return bool(indexes)
    except Exception as err:  # noqa: BLE001 - no amcheck here: said, not assumed
        return f"not checked ({type(err).__name__})"


if __name__ == "__main__":
    main()
