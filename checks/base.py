"""What a rule kind is, the one registry of kinds, and helpers rules share.

A rule kind is one module of ``checks/kinds/``: a ``KIND`` with a code, a summary, a parameters model and a
``run(tables, params, context)`` that returns findings. It never prints, exits or reads files (the
evidence rule gets source texts through ``Context``), and reads each table as ``tables[name]`` (or
through ``tables.cached``): a service re-runs it only when one of the tables it read has changed
(``checks.memo``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
from pydantic import BaseModel, ConfigDict

from factcheck.facts.loader import in_time
from factcheck.facts.story import Vocabulary, active
from factcheck.facts.tables import CLAIM, Tables

from .base_words import GENERIC
from .model import MAX_LOCATIONS, Finding, Location, Severity


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    def for_story(self, words: Vocabulary) -> "Params":
        """The parameters with what the rules file leaves unset taken from the story's words (a kind
        whose defaults name the story's measures overrides this)."""
        return self


@dataclass(frozen=True)
class Context:
    """What a run knows beyond the tables: the folder of source texts, if given."""

    sources_dir: Path | None = None
    source_texts: dict[str, list[str]] = field(default_factory=dict)  # text_file -> lines (read by the engine)


@dataclass(frozen=True)
class RuleKind:
    name: str
    code: str
    summary: str
    doc: str
    params: type[Params]
    run: Callable[[Tables, Any, Context], Iterable[Finding]]
    # Kinds said as declarative expectations (``checks.expect``) also give these, so that another
    # engine can evaluate the expectations; ``run`` is then the polars evaluation of the same.
    checks: Callable[[Tables, Any], list] | None = None
    report: Callable[..., Iterable[Finding]] | None = None
    findings: tuple[FindingType, ...] = ()  # every kind of finding it emits, for the catalogue


class KindRegistry:
    """The rule kinds by name; registering a name or code twice is refused."""

    def __init__(self) -> None:
        self._kinds: dict[str, RuleKind] = {}
        self._origins: dict[str, str] = {}

    def add(self, kind: RuleKind, origin: str = "factcheck") -> None:
        """Register a kind; ``origin`` says where it comes from (factcheck, or a plugin's package)."""
        for other in self._kinds.values():
            if kind.name == other.name or kind.code == other.code:
                raise ValueError(f"rule kind {kind.name!r} ({kind.code}) of {origin} clashes with {other.name!r} ({other.code}) "
                                 f"of {self._origins[other.name]}")
        self._kinds[kind.name] = kind
        self._origins[kind.name] = origin

    def __getitem__(self, name: str) -> RuleKind:
        return self._kinds[name]

    def __contains__(self, name: object) -> bool:
        return name in self._kinds

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._kinds.values())


CLAIM_COLS = list(CLAIM)  # provenance columns every claim table starts with
PROVENANCE = ["source_id", "claim_id", "fact_file", "fact_line", "source_line", "quote"]


def locations(frame: pl.DataFrame) -> tuple[list[Location], int]:
    """The locations of the claims in ``frame`` (deduplicated, in file order), and how many were left off."""
    rows = frame.select(*PROVENANCE)
    total = None
    if rows.height > 4 * MAX_LOCATIONS:  # many claims: sort only the first few, count the rest
        total = rows.select(pl.struct("source_id", "claim_id").n_unique()).item()
        rows = rows.bottom_k(4 * MAX_LOCATIONS, by=["fact_file", "fact_line"])
    first: dict[tuple[str, str], tuple] = {}  # a few hundred rows at most: plain Python beats a query each
    for row in rows.iter_rows():
        first.setdefault((row[0], row[1]), row)
    ordered = sorted(first.values(), key=lambda row: (row[2], row[3]))
    listed = [Location(**dict(zip(PROVENANCE, row))) for row in ordered[:MAX_LOCATIONS]]
    return listed, max(0, (total if total is not None else len(ordered)) - len(listed))


def pick(frame: pl.DataFrame, *rows: dict, on: tuple[str, ...] = ("source_id", "claim_id")) -> pl.DataFrame:
    """The rows of ``frame`` that ``rows`` name by the columns ``on`` (by default: the claims they name)."""
    keys = pl.DataFrame([tuple(r[c] for c in on) for r in rows], schema=list(on), orient="row")
    return frame.join(keys, on=list(on), how="semi")


@dataclass(frozen=True)
class FindingType:
    """One kind of finding a rule kind emits: a stable code, its severity, and a message template that
    the finding's data fills (as frictionless' errors do). The wording lives here, once; tests and
    reports tell findings apart by ``code``, never by their text.

    >>> late = FindingType("DAT-late", "error", "{source} reports events of {event}.")
    >>> late(["s1"], source="s1", event="2021-04-01").message
    's1 reports events of 2021-04-01.'
    """

    code: str
    severity: Severity | str
    template: str
    title: str = ""

    def __call__(
        self,
        subjects: Iterable[str],
        claims: pl.DataFrame | None = None,
        *,
        expected: object = None,
        found: object = None,
        explanation: str | None = None,
        severity: Severity | str | None = None,
        **data: object,
    ) -> Finding:
        in_time(f"making {self.code} findings")  # a rule that makes very many findings stops with the check
        text = {k: _show(v) for k, v in data.items()}
        for name, value in (("expected", expected), ("found", found)):  # templates may name them too
            if value is not None:
                text.setdefault(name, _show(value))
        locs, more = locations(claims) if claims is not None and claims.height else ([], 0)
        return Finding(
            code=self.code,
            severity=Severity(severity or self.severity),
            message=self.template.format(**{**words(), **text}),
            data=text,
            subjects=sorted({s for s in subjects if s}),
            expected=None if expected is None else _show(expected),
            found=None if found is None else _show(found),
            explanation=explanation,
            locations=locs,
            more_locations=more,
        )


#: The words of the story whose tables the rules are running on (set by ``engine.run_rules``).
SPEAKING: ContextVar[Vocabulary | None] = ContextVar("factcheck_words", default=None)


def words() -> dict[str, str]:
    """The words templates may say (``{statuses}``, ``{whole}``, ...): those of the story whose tables
    the rules run on, else of the story in effect, else generic ones."""
    vocabulary = SPEAKING.get()
    if vocabulary is None:
        story = active()
        vocabulary = story.words if story is not None else None
    return GENERIC if vocabulary is None else vocabulary.fields()


def article(noun: str) -> str:
    """'an MP', 'a state', 'an entity': the indefinite article a noun takes, read from its first letter
    (an initialism whose letter is said with a vowel sound takes 'an')."""
    first = noun[:1]
    vowel = first.lower() in "aeiou" or (noun[:2].isupper() and first in "AEFHILMNORSX")
    return f"{'an' if vowel else 'a'} {noun}"


def _show(value: object) -> str:
    """A value as a message shows it: whole floats without '.0', lists joined."""
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, (list, tuple)):
        return ", ".join(_show(v) for v in value)
    return str(value)


def area_key() -> pl.Expr:
    """An area's identity: its registry code, or the name as written when it does not resolve."""
    return pl.coalesce(pl.col("area_code"), pl.lit("?") + pl.col("subject"))


def resolved() -> pl.Expr:
    """Rows whose area name resolves: the rules that reason about an area's identity keep only these
    (``names_resolve`` reports the others once)."""
    return pl.col("area_code").is_not_null()


def area_label() -> pl.Expr:
    return pl.coalesce(pl.col("area_name"), pl.col("subject"))


def fmt_count(lo: float, hi: float) -> str:
    return f"{lo:g}" if lo == hi else f"{lo:g}–{hi:g}"


def fmt_people(lo: float, hi: float | None = None) -> str:
    def one(x: float) -> str:
        return f"{x / 1e6:.2f} M" if x >= 1e5 else f"{x:,.0f}"

    return one(lo) if hi is None or one(lo) == one(hi) else f"{one(lo)}–{one(hi)}"


def some(names: list[str], noun: str = "source") -> str:
    """'a', 'a and b', 'a, b and c', or 'a, b, c and 4 more sources': a list fit for a message."""
    shown = sorted(names)[:3]
    more = len(names) - len(shown)
    if more:
        return f"{', '.join(shown)} and {more} more {noun}{'s' if more > 1 else ''}"
    return " and ".join(shown) if len(shown) < 3 else f"{shown[0]}, {shown[1]} and {shown[2]}"
