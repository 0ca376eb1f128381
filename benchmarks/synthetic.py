"""A synthetic dataset of N claims with known inconsistencies, for measuring factcheck at scale.

    python -m benchmarks.synthetic --claims 1000000 --out DIR [--seed 7]

The sources are many copies of the five bundled ones, each under its own id (a copy of a consistent
source is consistent: that is one of the laws the tests hold), so the dataset has many sources, every
wave, area, population and quote of the real story, and no inconsistency but the injected ones. The
bulk is written as Parquet, one file per typed table (``synthetic.<table>.parquet``), with the bundled
rules beside them. A handful of copies then get one fault each, chosen with the seed; ``DIR/injected.json``
lists them as ``{"rule": code, "subjects": [...]}``, exactly as the report's error findings name them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import random
import shutil
from pathlib import Path

import polars as pl

from factcheck.facts.loader import load
from factcheck.facts.story import bundled_story_folder
from factcheck.facts.tables import COLUMNS
from factcheck.facts.tabular import DERIVED


JUNE_2019 = (dt.date(2019, 6, 1), dt.date(2019, 6, 30))


def _copies(frame: pl.DataFrame, copies: int) -> pl.DataFrame:
    """Every row once per copy; copy k of source s becomes source 's-k'."""
    index = pl.DataFrame({"copy": pl.arange(0, copies, eager=True).cast(pl.UInt32)})
    return (
        frame.join(index, how="cross")
        .with_columns((pl.col("source_id") + "-" + pl.col("copy").cast(pl.String).str.zfill(7)).alias("source_id"))
        .drop("copy")
    )


def _set(frame: pl.DataFrame, where: pl.Expr, **values: object) -> pl.DataFrame:
    return frame.with_columns(
        [pl.when(where).then(pl.lit(v, dtype=frame.schema[c])).otherwise(pl.col(c)).alias(c) for c, v in values.items()]
    )


def _row(frame: pl.DataFrame, of: tuple[str, str], **values: object) -> pl.DataFrame:
    """A copy of one row of ``frame`` (``of``: its source and claim ids) with some values changed."""
    row = frame.filter((pl.col("source_id") == of[0]) & (pl.col("claim_id") == of[1])).head(1)
    return _set(row, pl.lit(True), **values)


def inject(tables: dict[str, pl.DataFrame], copies: int, rng: random.Random) -> list[dict]:
    """One fault in each of a few copies; returns the findings they must produce."""
    chosen = iter(rng.sample(range(copies), k=min(copies, 8)))

    def src(name: str) -> str:
        return f"{name}-{next(chosen):07d}"

    faults: list[dict] = []
    t = tables

    # A running total that the waves do not add up to.
    s = src("ics-dec-2020-news")
    t["counts"] = _set(t["counts"], (pl.col("source_id") == s) & (pl.col("claim_id") == "total-29"), value="31",
                       quote="This brings the total number of ICSs to 31")  # the quote says it too: a wrong source, not a bad transcription
    faults.append({"rule": "TOT01", "subjects": ["wave 2020-12"]})

    # An area designated in two waves (Northamptonshire, of March 2021, also in June 2019).
    s = src("ics-june-2019-news")
    extra = _row(t["designations"], ("ics-mar-2021-news-0000000", "new-13/Northamptonshire"),
                 source_id=s, claim_id="injected-northants", wave="2019-06", list_id=None,
                 announced_lo=JUNE_2019[0], announced_hi=JUNE_2019[1], effective_lo=JUNE_2019[0], effective_hi=JUNE_2019[1])
    t["designations"] = pl.concat([t["designations"], extra])
    faults.append({"rule": "UNI01", "subjects": ["Northamptonshire"]})

    # A population far from the registry's.
    s = src("ics-june-2019-news")
    t["populations"] = _set(t["populations"], (pl.col("source_id") == s) & (pl.col("claim_id") == "sel-population"),
                            value="about nine million", quote="covering about nine million people")
    faults.append({"rule": "POP01", "subjects": ["Our Healthier South East London"]})

    # A quotation that says the opposite.
    s = src("ics-june-2019-news")
    words = "every NHS organisation will not need to intensify partnership working with others"
    t["quotes"] = _set(t["quotes"], (pl.col("source_id") == s) & (pl.col("claim_id") == "stevens-partnership"), words=words)
    faults.append({"rule": "QUO01", "subjects": ["Simon Stevens"]})

    # A dated source that reports events after its date (December 2020 news dated November).
    s = src("ics-dec-2020-news")
    t["sources"] = _set(t["sources"], pl.col("source_id") == s, published_lo=dt.date(2020, 11, 1), published_hi=dt.date(2020, 11, 1))
    faults.append({"rule": "DAT01", "subjects": [s]})

    # A status that contradicts the designations: Devon holding the status in June 2019.
    s = src("ics-june-2019-news")
    t["statuses"] = _set(t["statuses"], (pl.col("source_id") == s) & (pl.col("claim_id") == "devon-not-accredited"), status="in")
    faults.append({"rule": "STA01", "subjects": ["Devon"]})
    return faults


INJECTED_CLAIMS = 1  # the faults that add a claim (an area in a second wave)
FILLER = "ics-mar-2021-news"  # whose quotations make up the last few claims, a source at a time


def _filler(bundled, count: int) -> dict[str, pl.DataFrame]:  # type: ignore[no-untyped-def]
    """``count`` more claims: sources that give only some of one source's quotations (in the same words,
    so they agree with every copy)."""
    quotes = bundled["quotes"].filter(pl.col("source_id") == FILLER).drop([c for c in DERIVED if c in bundled["quotes"].columns])
    source = bundled["sources"].filter(pl.col("source_id") == FILLER).drop([c for c in DERIVED if c in bundled["sources"].columns])
    parts: dict[str, list[pl.DataFrame]] = {"sources": [], "quotes": []}
    for j in range(math.ceil(count / quotes.height)):
        take = min(quotes.height, count - j * quotes.height)
        sid = pl.lit(f"{FILLER}-part-{j:05d}")
        parts["sources"].append(source.with_columns(sid.alias("source_id")))
        parts["quotes"].append(quotes.head(take).with_columns(sid.alias("source_id")))
    return {name: pl.concat(frames) for name, frames in parts.items() if frames}


def generate(claims: int, out: Path, seed: int = 7) -> dict:
    """Write about ``claims`` claims to ``out`` (exactly that many from 8 copies' worth up); return counts."""
    bundled = load().tables
    per_copy = bundled.claim_count
    copies = max(8, (claims - INJECTED_CLAIMS) // per_copy)
    tables = {}
    for name in COLUMNS:
        frame = bundled[name]
        tables[name] = _copies(frame.drop([c for c in DERIVED if c in frame.columns]), copies)
    rest = claims - INJECTED_CLAIMS - copies * per_copy
    if rest > 0:
        for name, frame in _filler(bundled, rest).items():
            tables[name] = pl.concat([tables[name], frame])
    faults = inject(tables, copies, random.Random(seed))
    code = bundled.registry.words.status.code  # tables say the story's words, as a user's tables do
    said = {"in": code, "out": f"not_{code}"}
    for name, column in (("statuses", "status"), ("lists", "means"), ("list_items", "means")):
        tables[name] = tables[name].with_columns(pl.col(column).replace(said))
    # A story folder: the bundled story's registry, words and rules, with the synthetic tables as its facts.
    shutil.copytree(bundled_story_folder(), out, ignore=shutil.ignore_patterns("sources", "__pycache__"), dirs_exist_ok=True)
    config = out / "factcheck.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("\nfacts: sources\n", "\nfacts: facts\n"), encoding="utf-8")
    (out / "facts").mkdir(exist_ok=True)
    for name, frame in tables.items():
        frame.write_parquet(out / "facts" / f"synthetic.{name}.parquet", statistics=False)
    (out / "injected.json").write_text(json.dumps(faults, indent=2) + "\n", encoding="utf-8")
    made = per_copy * copies + INJECTED_CLAIMS + max(rest, 0)
    return {"claims": made, "sources": tables["sources"].height, "copies": copies, "faults": len(faults)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--claims", type=int, required=True, help="how many claims (at least 8 copies of the five sources: 1,018)")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    made = generate(args.claims, args.out, args.seed)
    print(f"wrote {made['claims']} claims from {made['sources']} sources, {made['faults']} injected faults, to {args.out}")


if __name__ == "__main__":
    main()
