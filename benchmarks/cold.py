"""Cold start-up of the command the PR gate runs: new processes, timed from outside.

    python -m benchmarks.cold [--runs N] [--json FILE]

Times ``factcheck check`` on the bundled dataset, and ``factcheck check --base`` in a temporary git
repository holding the bundled dataset with one claim changed on a branch (what a pull request runs).
Each case runs N times in fresh processes; the table gives the median and the worst wall time and
the peak memory (max RSS) of the process. The package's bytecode is compiled first, as a regular
``pip install`` does (an editable install under PYTHONDONTWRITEBYTECODE would otherwise recompile
every module on every run).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def factcheck() -> list[str]:
    exe = Path(sys.executable).with_name("factcheck")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "factcheck.cli.main"]


def timed(cmd: list[str], cwd: Path) -> tuple[float, int, int]:
    """Wall seconds, max RSS in MiB, and the exit code of one fresh process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    return wall, usage.ru_maxrss // 1024, os.waitstatus_to_exitcode(status)


def instructions(cmd: list[str], cwd: Path) -> int | None:
    """Instructions one fresh process executes, counted by valgrind's callgrind: the same count run after
    run, whatever else the machine is doing (wall time here swings up to 2x). None without valgrind."""
    if shutil.which("valgrind") is None:
        return None
    done = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *cmd], cwd=cwd, capture_output=True, text=True)
    found = re.search(r"refs:\s+([\d,]+)", done.stderr)
    return int(found.group(1).replace(",", "")) if found else None


def gate_repo(into: Path) -> Path:
    """A git repository with the bundled facts on main and a branch that changes one total."""
    from factcheck.facts.story import bundled_story_folder

    repo = into / "claims"
    shutil.copytree(bundled_story_folder(), repo / "facts", ignore=shutil.ignore_patterns("__pycache__"))

    def git(*args: str) -> None:
        subprocess.run(["git", "-C", str(repo), "-c", "user.name=b", "-c", "user.email=b@example.org", *args], check=True, capture_output=True)

    git("init", "-q", "-b", "main")
    git("add", "-A")
    git("commit", "-q", "-m", "base")
    git("checkout", "-q", "-b", "pr")
    path = repo / "facts" / "sources" / "ics-dec-2020-news.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace('value: "29"', 'value: "31"', 1), encoding="utf-8")
    git("commit", "-q", "-am", "change a total")
    return repo


def compile_package() -> None:
    import compileall

    import factcheck.checks
    import factcheck.cli
    import factcheck.facts
    import factcheck.reports

    for package in (factcheck.checks, factcheck.cli, factcheck.facts, factcheck.reports):
        compileall.compile_dir(Path(package.__file__).parent, quiet=1)


def summary(case: str, samples: list[tuple[float, int, int]], **extra: object) -> dict:
    walls = [s[0] for s in samples]
    return {"case": case, "runs": len(samples), "median_s": round(statistics.median(walls), 3), "max_s": round(max(walls), 3),
            "peak_mib": max(s[1] for s in samples), "exit_codes": sorted({s[2] for s in samples}), **extra}


def measure(runs: int, count: bool = False, gx: bool = False) -> list[dict]:
    """Each case ``runs`` times, the cases taking turns, so that a slower spell of the machine falls on
    all of them alike; with ``gx``, also the check with ``--engine gx``; with ``count``, also each
    case's instructions (``instructions()``)."""
    compile_package()
    with tempfile.TemporaryDirectory(prefix="factcheck-bench-") as tmp:
        repo = gate_repo(Path(tmp))
        cases = [("check, bundled dataset", factcheck() + ["check"], Path(tmp), {})]
        if gx:
            cases.append(("check --engine gx, bundled dataset", factcheck() + ["check", "--engine", "gx"], Path(tmp), {"engine": "gx"}))
        cases.append(("check --base main (PR gate)", factcheck() + ["check", "facts", "--base", "main", "--format", "github"], repo, {}))
        for _, cmd, cwd, _ in cases:
            timed(cmd, cwd)  # warm the OS file cache: "cold" means a new process, not a cold disk
        samples: dict[str, list[tuple[float, int, int]]] = {name: [] for name, *_ in cases}
        for _ in range(runs):
            for name, cmd, cwd, _ in cases:
                samples[name].append(timed(cmd, cwd))
        return [summary(name, samples[name], **extra, **({"instructions": instructions(cmd, cwd)} if count else {}))
                for name, cmd, cwd, extra in cases]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--instructions", action="store_true", help="also count each case's instructions with valgrind (slow)")
    args = parser.parse_args()
    results = measure(args.runs, args.instructions)
    print(f"{'case':32} {'median':>8} {'worst':>8} {'peak':>9}  exit")
    for r in results:
        count = f"  {r['instructions'] / 1e6:,.0f} M instructions" if r.get("instructions") else ""
        print(f"{r['case']:32} {r['median_s']:>7.3f}s {r['max_s']:>7.3f}s {r['peak_mib']:>6} MiB  {r['exit_codes']}{count}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
