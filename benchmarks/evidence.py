"""The evidence check at scale: N quotes that are not at their stated lines, against one large source
text. Each text is indexed once (one Aho-Corasick pass for all its misplaced quotes), so the time grows
with the text plus the quotes, not with their product.

    python -m benchmarks.evidence [--mb 8] [--quotes 1000]
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

import yaml

WORDS = "integrated care system partnership designated wave area footprint population million england region".split()


def build(folder: Path, megabytes: float, quotes: int, seed: int = 7) -> Path:
    """A dataset of one source whose text is ``megabytes`` of lines, and ``quotes`` status claims whose
    quotes are misplaced: half occur at another line, half nowhere."""
    rng = random.Random(seed)
    lines, size = [], 0
    while True:
        line = " ".join(rng.choice(WORDS) for _ in range(14)) + f" {len(lines)}"
        if size + len(line) + 1 > megabytes * 1024 * 1024:  # at most the size asked for (8 MB is the loader's cap)
            break
        lines.append(line)
        size += len(line) + 1
    texts, data = folder / "texts", folder / "data" / "sources"
    texts.mkdir(parents=True)
    data.mkdir(parents=True)
    (texts / "big.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    claims = []
    for i in range(quotes):
        at = rng.randrange(1, len(lines))
        quote = lines[at - 1][-40:] if i % 2 else f"words that appear nowhere {i}"
        claims.append({"id": f"q{i}", "kind": "status", "subject": "Devon", "status": "not_ics", "as_of": "2019-06",
                       "evidence": {"line": at % len(lines) + 1, "quote": quote}})
    source = {"id": "big", "title": "t", "publisher": "p", "kind": "news", "text_file": "big.txt", "published": "2021-06-30"}
    (data / "big.yaml").write_text(yaml.safe_dump({"source": source, "claims": claims}), encoding="utf-8")
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=8.0)
    parser.add_argument("--quotes", type=int, default=1000)
    args = parser.parse_args()
    from factcheck.checks.engine import check

    with tempfile.TemporaryDirectory() as tmp:
        folder = build(Path(tmp), args.mb, args.quotes)
        start = time.perf_counter()
        report = check([folder / "data"], sources_dir=folder / "texts")
        took = time.perf_counter() - start
    if report.load_errors:
        raise SystemExit(f"unusable: {report.load_errors[:3]}")
    misplaced = sum(1 for f in report.findings if f.code == "EVI-misplaced")
    print(f"{args.quotes} misplaced quotes against {args.mb:g} MB: {took:.2f} s for the whole check, {misplaced} findings")


if __name__ == "__main__":
    main()
