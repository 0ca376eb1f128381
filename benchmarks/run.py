"""The benchmark: cold start-up and claims at scale, with recall and precision on injected faults.

    python -m benchmarks.run [--sizes 10000 100000 1000000] [--runs 5] [--json FILE] [--instructions]

(a) cold ``factcheck check`` on the bundled dataset, on the default engine and with ``--engine gx``,
and the PR gate (``benchmarks.cold``), the three taking turns so that the machine's slower spells fall on
all of them alike;
(b) ``factcheck check`` on synthetic datasets of each size (``benchmarks.synthetic``) on both engines,
each in a fresh process: wall time, peak memory (max RSS), and against ``injected.json`` the recall
(injected faults found as error findings, by rule and subjects) and the precision (error findings that
were injected).
Prints a table and writes the numbers as JSON (benchmarks/results.json unless --json says elsewhere).
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from benchmarks.cold import factcheck, measure, summary, timed
from benchmarks.synthetic import generate


def scored(report: Path, injected: Path) -> tuple[float, float, int]:
    """Recall and precision of the report's error findings against the injected faults."""
    found = {(f["rule"], tuple(f["subjects"])) for f in json.loads(report.read_text())["findings"] if f["severity"] == "error"}
    wanted = {(f["rule"], tuple(f["subjects"])) for f in json.loads(injected.read_text())}
    recall = len(found & wanted) / len(wanted) if wanted else 1.0
    precision = len(found & wanted) / len(found) if found else 1.0
    return recall, precision, len(found)


def at_scale(sizes: list[int], runs: int, gx_up_to: int) -> list[dict]:
    results = []
    with tempfile.TemporaryDirectory(prefix="factcheck-scale-") as tmp:
        for size in sizes:
            data = Path(tmp) / f"claims-{size}"
            made = generate(size, data)
            for engine in ("factcheck", "gx"):
                if engine == "gx" and size > gx_up_to:
                    continue
                out = Path(tmp) / f"report-{size}-{engine}.json"
                cmd = factcheck() + ["check", str(data), "--engine", engine, "--format", "json", "--output", str(out)]
                samples = [timed(cmd, Path(tmp)) for _ in range(runs)]
                recall, precision, errors = scored(out, data / "injected.json")
                name = f"check{' --engine gx' if engine == 'gx' else ''}, {made['claims']:,} claims"
                results.append(summary(name, samples, engine=engine, claims=made["claims"], sources=made["sources"],
                                       recall=recall, precision=precision, error_findings=errors))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--runs", type=int, default=3, help="fresh processes per case (the median is reported)")
    parser.add_argument("--gx-up-to", type=int, default=1_000_000, help="run --engine gx on sizes up to this")
    parser.add_argument("--json", type=Path, default=Path(__file__).with_name("results.json"), help="where to write the results (default: benchmarks/results.json)")
    parser.add_argument("--instructions", action="store_true", help="also count the cold cases' instructions with valgrind (a few minutes)")
    args = parser.parse_args()
    cold = measure(max(args.runs, 5), args.instructions, gx=True)
    results = cold + at_scale(args.sizes, args.runs, args.gx_up_to)
    print(f"| {'case':40} | median | worst | peak memory | recall | precision |")
    print(f"|{'-' * 42}|-------:|------:|------------:|-------:|----------:|")
    for r in results:
        quality = f"{r['recall']:.0%} | {r['precision']:.0%}" if "recall" in r else "– | –"
        print(f"| {r['case']:40} | {r['median_s']:.2f} s | {r['max_s']:.2f} s | {r['peak_mib']:>7} MiB | {quality} |")
    print(f"cold, bundled dataset: the default engine is {cold[1]['median_s'] / cold[0]['median_s']:.1f}x faster than --engine gx")
    if cold[0].get("instructions") and cold[1].get("instructions"):
        print(f"  in instructions: {cold[0]['instructions'] / 1e6:,.0f} M against {cold[1]['instructions'] / 1e6:,.0f} M,"
              f" {cold[1]['instructions'] / cold[0]['instructions']:.1f}x")
    for engine in ("factcheck", "gx"):
        scale = [r for r in results if r.get("engine") == engine and "claims" in r]
        for small, large in zip(scale, scale[1:]):
            print(f"{engine}: {large['claims'] / small['claims']:.0f}x claims, {large['median_s'] / small['median_s']:.1f}x time")
    args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
