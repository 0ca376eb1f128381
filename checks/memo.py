"""Findings kept between checks, for a long-running process (the service): a rule runs again only when
something it reads has changed.

A rule is a function of its instance (code, kind, severity, parameters), the story and its registry,
the source texts and the tables it reads (``checks.base``: it reads nothing else). While it runs, the tables it
reads are noted (``Tables.noting``; what it takes from ``Tables.cached`` notes what the making read);
its findings are kept with a digest of each of those tables. A later check of the same instance, over
the same registry and texts, whose noted tables have the same digests, is given the same findings
without running the rule. A rule that fails is never kept: it runs again, and fails or not, each time.
The report's pictures are kept the same way.

Bounded: at most ``VARIANTS`` results for each of at most ``SIZE`` rule instances, and ``WEIGHT``
findings in all, the least recently used dropped first.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from factcheck.facts.story import active
from factcheck.facts.tables import Tables

from .base import Context
from .model import Finding

SIZE = 512  # rule instances (and pictures) kept
VARIANTS = 4  # results kept for each: several clients may send different versions of a story in turn
WEIGHT = 20_000  # findings kept in all (a list of sources or a picture weighs one): memory is bounded, not only entries
T = TypeVar("T")


@dataclass(frozen=True)
class Kept:
    registry: object  # kept alive: the key names it by its identity
    read: tuple[tuple[str, bytes], ...]  # (table, digest) of every table the making read
    value: Any

    @property
    def weight(self) -> int:
        return len(self.value) if isinstance(self.value, tuple) else 1


class RuleMemo:
    def __init__(self, size: int = SIZE, variants: int = VARIANTS, weight: int = WEIGHT) -> None:
        self.size, self.variants, self.most = size, variants, weight
        self.kept: OrderedDict[tuple, list[Kept]] = OrderedDict()  # key -> its variants, the most recently used last
        self.weight = 0  # of everything kept
        self.hits = self.misses = 0

    def made(self, what: str, tables: Tables, context: Context | None, make: Callable[[], T]) -> T:
        """What ``make()`` makes of ``tables`` (``what``: all else it depends on, said in full: for a
        rule, its code, kind, severity and parameters): a kept value when nothing it read has changed."""
        story = active()
        key = (what, id(tables.registry), story.fingerprint if story else "", _texts_digest(context) if context else b"")
        variants = self.kept.setdefault(key, [])
        self.kept.move_to_end(key)
        for i, kept in enumerate(variants):
            if kept.registry is tables.registry and all(tables.fingerprint(t) == d for t, d in kept.read):
                variants.append(variants.pop(i))
                self.hits += 1
                return kept.value
        self.misses += 1
        with tables.noting() as read:
            value = make()
        made = Kept(tables.registry, tuple((t, tables.fingerprint(t)) for t in sorted(read)), value)
        if made.weight > self.most // 4:
            return value  # too much to keep
        variants.append(made)
        self.weight += made.weight
        while len(variants) > self.variants:
            self.weight -= variants.pop(0).weight
        while len(self.kept) > self.size or self.weight > self.most:  # the least recently used first
            _, dropped = self.kept.popitem(last=False)
            self.weight -= sum(k.weight for k in dropped)
        return value

    def findings(self, instance: str, tables: Tables, context: Context, run: Callable[[], list[Finding]]) -> list[Finding]:
        """A rule instance's findings over ``tables`` (``instance``: its code, kind, severity and parameters)."""
        return list(self.made(instance, tables, context, lambda: tuple(run())))


def _texts_digest(context: Context) -> bytes:
    """A digest of the texts folder and every text, line by line (``repr``: no two different texts say the same)."""
    digest = hashlib.blake2b(repr(str(context.sources_dir)).encode(), digest_size=16)
    for name in sorted(context.source_texts):
        digest.update(repr((name, context.source_texts[name])).encode("utf-8", "surrogatepass"))
    return digest.digest()


#: Kept by a process that asks (``remember``); a single check keeps nothing.
MEMO: RuleMemo | None = None


def remember(keep: bool = True) -> RuleMemo | None:
    """Keep rules' findings between the checks of this process (the service), or stop keeping them."""
    global MEMO
    MEMO = RuleMemo() if keep else None
    return MEMO
