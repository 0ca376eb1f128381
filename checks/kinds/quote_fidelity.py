"""Quote fidelity: the same speaker on the same occasion, quoted by two sources, says the same words.

Occasions are matched by meaning, not by spelling: two occasion names are one occasion when the
words of one (case, punctuation and small words such as 'the', 'at' folded) are all in the other, or
most of them are shared, and the dates the words were said (``said``), where both are given, meet.

Severity: quotations are compared word by word (case, punctuation and typographic quotes folded). Identical
words, or one quotation contained in the other (a shorter excerpt), agree. Words that differ only in
wording are a warning showing the word-level difference; a difference in a number or a negation
("not", "never") is an error: the sources contradict each other. Quotations too unlike to be the
same sentence are different sentences, not a finding.

Bad: "will not help" in one source, "will help" in the other.
Good: "a great achievement" in one source, "This milestone is a great achievement, ..." in the other.
"""

from __future__ import annotations

import difflib
from collections import Counter
import re
from collections.abc import Iterator
from itertools import combinations

import polars as pl
from pydantic import Field

from factcheck.facts.tables import Tables

from ..base import Context, FindingType, Params, RuleKind, some
from ..model import Finding

HONORIFICS = {"sir", "dame", "dr", "prof", "professor", "lord", "lady", "mr", "mrs", "ms", "baroness"}
NEGATIONS = {"not", "no", "never", "nor", "cannot", "won't", "don't", "isn't", "aren't", "wasn't", "shouldn't", "without"}


REWORDED = FindingType("QUO-reworded", "warning", "{speaker} ({occasion}) is quoted in different words by {a} and {b}.")
CONTRADICTED = FindingType("QUO-contradicted", "error", "{speaker} ({occasion}) is quoted with contradicting words by {a} and {b}.")
AGREE = FindingType("QUO-agree", "info", "{speaker} ({occasion}): {n} quotations from {sources} sources agree.")


class QuoteFidelityParams(Params):
    same_sentence: float = Field(0.6, ge=0, le=1, description="word similarity above which two quotations are taken as one sentence said differently")


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+(?:'[a-z]+)?", text.lower().replace("\u2019", "'").replace("\u2018", "'"))


def speaker_key(name: str) -> str:
    """The speaker's surname, honorifics dropped: 'Sir Simon Stevens', 'Simon Stevens', 'Sir Stevens' are one."""
    parts = [w for w in words(name) if w not in HONORIFICS]
    return parts[-1] if parts else name.lower()


def plain_name(name: str) -> str:
    """A speaker's name without honorifics, as written otherwise: 'Sir Simon Stevens' -> 'Simon Stevens'."""
    kept = [w for w in name.split() if w.lower().strip(".,") not in HONORIFICS]
    return " ".join(kept) or name


def _contains(longer: list[str], shorter: list[str]) -> bool:
    n = len(shorter)
    return any(longer[i : i + n] == shorter for i in range(len(longer) - n + 1))


def similarity(a: list[str], b: list[str]) -> float:
    """Word similarity; a shorter quotation is compared with the best-matching stretch of the longer."""
    short, long_ = sorted((a, b), key=len)
    windows = [long_[i : i + len(short)] for i in range(len(long_) - len(short) + 1)] or [long_]
    best = 0.0
    for window in windows:  # the quick upper bounds first, as difflib.get_close_matches does
        matcher = difflib.SequenceMatcher(None, short, window, autojunk=False)
        if matcher.real_quick_ratio() > best and matcher.quick_ratio() > best:
            best = max(best, matcher.ratio())
    return best


def word_diff(a: list[str], b: list[str]) -> str:
    out = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(" ".join(a[i1:i2]) if i2 - i1 <= 6 else f"{' '.join(a[i1:i1 + 3])} … {' '.join(a[i2 - 3:i2])}")
        else:
            if i2 > i1:
                out.append("[-" + " ".join(a[i1:i2]) + "]")
            if j2 > j1:
                out.append("[+" + " ".join(b[j1:j2]) + "]")
    return " ".join(out)


SMALL_WORDS = {"the", "a", "an", "of", "on", "at", "in", "for", "and", "to", "with", "by", "s", "its", "his", "her"}


def occasion_words(occasion: str) -> frozenset[str]:
    return frozenset(w.removesuffix("'s") for w in words(occasion) if w not in SMALL_WORDS)


def same_occasion(a: tuple, b: tuple) -> bool:
    """Two (words, said_lo, said_hi) describe one occasion: the words of one are in the other, or at
    least half of all are shared; and the dates, where both are given, meet."""
    (wa, lo_a, hi_a), (wb, lo_b, hi_b) = a, b
    if None not in (lo_a, lo_b) and (hi_a < lo_b or hi_b < lo_a):
        return False
    if not wa or not wb:
        return wa == wb
    return wa <= wb or wb <= wa or len(wa & wb) * 2 >= len(wa | wb)


def occasions(quotes: pl.DataFrame) -> pl.DataFrame:
    """Each speaker's distinct (occasion, said) as one occasion key per group of matching ones."""
    distinct = quotes.select("who", "occasion", "said_lo", "said_hi").unique().sort("who", "occasion", "said_lo", nulls_last=True)
    rows = list(distinct.iter_rows())
    parent = list(range(len(rows)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    described = [(occasion_words(o), lo, hi) for _, o, lo, hi in rows]
    for i, j in combinations(range(len(rows)), 2):
        if rows[i][0] == rows[j][0] and same_occasion(described[i], described[j]):
            parent[root(j)] = root(i)
    return distinct.with_columns(pl.Series("when", [root(i) for i in range(len(rows))], dtype=pl.Int64))


def run(tables: Tables, params: QuoteFidelityParams, context: Context) -> Iterator[Finding]:
    # One row per wording: many sources quoting the same words are one wording with many witnesses,
    # so the pairwise comparison below grows with the wordings, not with the sources.
    # Speaker keys and word sequences are worked out once per distinct name and wording, then joined.
    q = tables["quotes"]
    speakers = q["speaker"].unique()
    keys = pl.DataFrame({"speaker": speakers, "who": [speaker_key(s) for s in speakers]}, schema={"speaker": pl.String, "who": pl.String})
    texts = q.select("words").unique().with_columns(
        pl.col("words").str.to_lowercase().str.replace_all("[\u2018\u2019]", "'")
        .str.extract_all(r"[a-z0-9]+(?:'[a-z]+)?").list.join(" ").alias("norm"),
    )
    quotes = (
        q.join(keys, on="speaker", how="left", maintain_order="left")
        .join(texts, on="words", how="left", maintain_order="left")
    )
    quotes = quotes.join(occasions(quotes), on=["who", "occasion", "said_lo", "said_hi"], how="left", nulls_equal=True, maintain_order="left")
    wordings = (
        quotes.group_by("who", "when", "norm", maintain_order=True)
        .agg(pl.col("speaker").first(), pl.col("occasion").first(), pl.col("words").first(), pl.col("source_id").unique().sort().alias("sources"))
    )
    for (who, when), group in wordings.group_by("who", "when", maintain_order=True):
        if len({s for sources in group["sources"] for s in sources}) < 2:
            continue
        rows = list(group.sort("norm").iter_rows(named=True))
        said = quotes.filter((pl.col("who") == who) & (pl.col("when") == when)).sort("source_id", "claim_id")
        names = Counter(plain_name(n) for n in said["speaker"].to_list())  # the name most claims write, the first on a tie
        speaker = max(names, key=names.__getitem__)  # a Counter keeps first-seen order, and max the first of equals

        def claims_of(*norms: str, said: pl.DataFrame = said) -> pl.DataFrame:
            return said.filter(pl.col("norm").is_in(list(norms)))
        agreeing = [r["norm"] for r in rows if len(r["sources"]) > 1]  # the same words from several sources
        for a, b in combinations(rows, 2):
            if a["sources"] == b["sources"] and len(a["sources"]) == 1:
                continue  # one source quoting two sentences
            wa, wb = a["norm"].split(), b["norm"].split()
            if _contains(wa, wb) or _contains(wb, wa):
                agreeing += [a["norm"], b["norm"]]
                continue
            if similarity(wa, wb) < params.same_sentence:
                continue
            changed = set(wa) ^ set(wb)
            claims = claims_of(a["norm"], b["norm"])
            kind = CONTRADICTED if changed & NEGATIONS or any(w.isdigit() for w in changed) else REWORDED
            yield kind([speaker], claims, expected=a["words"], found=b["words"], speaker=speaker, occasion=a["occasion"],
                       a=some(a["sources"]), b=some(b["sources"]), explanation=f"Word-level difference: {word_diff(wa, wb)}")
        if agreeing:
            claims = claims_of(*agreeing)
            yield AGREE([speaker], claims, speaker=speaker, occasion=rows[0]["occasion"], n=claims.height, sources=claims["source_id"].n_unique())


KIND = RuleKind("quote_fidelity", "QUO", "The same speaker on the same occasion is quoted in the same words by every source.",
                __doc__ or "", QuoteFidelityParams, run, findings=(REWORDED, CONTRADICTED, AGREE))
