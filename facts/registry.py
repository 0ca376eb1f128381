"""The registry of a story: its entities (codes, names, groups, measures), their aliases, the entities
of the past that became part of others, the measure of the whole on named bases, and how many entities
the whole had since when. It is read from the story folder (``facts.story``), each file inside it.

Names are resolved here, once per distinct name, so that rules can join on registry codes.
"""

from __future__ import annotations

import datetime as dt
import difflib
import io
import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import polars as pl

from .dates import parse_date
from .yamlsafe import YamlError, load_yaml_text

if TYPE_CHECKING:
    from .story import Measure, Story, Vocabulary

@dataclass(frozen=True)
class Normaliser:
    drop_words: frozenset[str]
    drop_endings: tuple[str, ...]
    drop_prefixes: tuple[str, ...]

    def __call__(self, name: str) -> str:
        """Fold a name so that typography does not matter: case, '&', hyphens, 'The', punctuation,
        a bracketed remark, and endings such as 'Health and Care Partnership'."""
        text = self.fold(re.sub(r"\([^)]*\)", " ", name), keep_small_words=True)
        changed = True
        while changed:
            changed = False
            for ending in self.drop_endings:
                if text.endswith(" " + ending):
                    text, changed = text[: -len(ending) - 1], True
            for prefix in self.drop_prefixes:
                if text.startswith(prefix + " "):
                    text, changed = text[len(prefix) + 1 :], True
        words = [w for w in text.split() if w not in self.drop_words]
        return " ".join(words)

    def fold(self, text: str, keep_small_words: bool = False) -> str:
        """Fold running text as names are folded (case, '&', hyphens, punctuation, small words), so
        that a folded name can be looked for in it."""
        text = unicodedata.normalize("NFKC", text).lower().replace("&", " and ")
        text = re.sub(r"[\u2010-\u2015\-/]", " ", text)
        text = " ".join(re.sub(r"[^\w\s]", " ", text).split())
        return text if keep_small_words else " ".join(w for w in text.split() if w not in self.drop_words)


@dataclass(frozen=True)
class Registry:
    current: pl.DataFrame  # code, name, group, one column per measure, source: the entities as they are
    past: pl.DataFrame  # id, name, part_of, merged, how, group, source: entities of the past (merged, split, renamed)
    aliases: pl.DataFrame  # key (normalised), entity, alias, kind (official | common | former | variant)
    whole_measure: pl.DataFrame  # basis, as_of, value: the measure of the whole on named bases
    usual_basis: str | None  # the basis a figure that does not say its basis is read on
    measures: tuple[Measure, ...]  # the measure columns of ``current``, each with its day and basis
    entered: pl.DataFrame  # entity, entered (date): when each entity entered the status, where the registry knows it
    entity_totals: tuple[tuple[dt.date, dt.date, int], ...]  # (since at the earliest, since at the latest, total)
    normalise: Normaliser
    suggest_cutoff: float
    words: Vocabulary

    @cached_property
    def groups(self) -> frozenset[str]:
        return frozenset(self.current["group"].drop_nulls().to_list())

    def entity_total(self, on: dt.date) -> int:
        """How many entities the whole had on a date, each change taken at the earliest its sources
        allow: the count the running totals add up to."""
        total = self.entity_totals[0][2]
        for since, _, count in self.entity_totals:
            if on >= since:
                total = count
        return total

    def entity_totals_between(self, first: dt.date, last: dt.date) -> tuple[int, int]:
        """The fewest and most entities the whole can have had on some day from ``first`` to ``last``:
        a change dated only to a year may have come on any day of it."""
        possible = [total for i, (since, _, total) in enumerate(self.entity_totals)
                    if since <= last and (i + 1 == len(self.entity_totals) or first < self.entity_totals[i + 1][1])]
        return min(possible), max(possible)

    def entered_between(self, first: dt.date, last: dt.date) -> tuple[int, int] | None:
        """How many entities had entered the status by some day from ``first`` to ``last``, as the
        registry dates them (before ``first`` at the fewest, by the end of ``last`` at the most); None
        when the registry does not date every entity's entry."""
        if self.entered.height == 0 or self.entered.height < self.current.height:
            return None
        days = self.entered["entered"]
        return int((days < first).sum()), int((days <= last).sum())

    @cached_property
    def entities(self) -> pl.DataFrame:
        """Every entity a name may resolve to, with official name and group (a past entity's own, else
        that of the entity it became part of)."""
        past = self.past.join(
            self.current.select(pl.col("code").alias("part_of"), pl.col("group").alias("group_of")), on="part_of", how="left"
        ).with_columns(pl.coalesce("group", "group_of").alias("group"))
        return pl.concat(
            [
                self.current.select(pl.col("code").alias("entity"), "name", "group", pl.lit(None, pl.String).alias("part_of")),
                past.select(pl.col("id").alias("entity"), "name", "group", "part_of"),
            ]
        )

    def resolve(self, names: pl.Series) -> pl.DataFrame:
        """Resolve names as written to registry entities.

        A name resolves exactly, through an alias, or through the normaliser (case, '&', 'The', endings
        of the story's normaliser) — nothing else: a name that merely looks like a registry name is never taken for
        it. Returns one row per distinct name: ``subject``, ``area_code`` (entity id, null when the name
        does not resolve), ``area_name`` (its official name), ``name_match`` (official, common, former,
        variant or unknown) and ``suggestion`` (the official form of a variant; for an unknown name, the
        closest registry name when one is close, offered to the user and never used).
        """
        distinct = names.drop_nulls().unique().to_list()
        by_key = self._by_key
        official = self._official
        rows = []
        for name in distinct:
            key = self.normalise(name)
            hit = by_key.get(key)
            if hit is not None:
                entity, match = hit
                rows.append((name, entity, official[entity], match, official[entity] if match == "variant" else None))
                continue
            close = difflib.get_close_matches(key, by_key, n=1, cutoff=self.suggest_cutoff)
            rows.append((name, None, None, "unknown", official[by_key[close[0]][0]] if close else None))
        return pl.DataFrame(
            rows,
            schema={"subject": pl.String, "area_code": pl.String, "area_name": pl.String, "name_match": pl.String, "suggestion": pl.String},
            orient="row",
        )

    @cached_property
    def _by_key(self) -> dict[str, tuple[str, str]]:
        return {key: (entity, kind) for key, entity, kind in self.aliases.select("key", "entity", "kind").iter_rows()}

    @cached_property
    def _official(self) -> dict[str, str]:
        return dict(self.entities.select("entity", "name").iter_rows())


def _aliases(current: pl.DataFrame, other_names: list[str], past: list[dict], spec: dict, csv_rows: list[tuple[str, str, str]],
             normalise: Normaliser) -> pl.DataFrame:
    rows: list[tuple[str, str, str]] = []
    for code, name in current.select("code", "name").iter_rows():
        rows.append((code, name, "official"))
    for column in other_names:
        rows.extend((code, other, "common") for code, other in current.select("code", column).iter_rows() if other)
    for entry in past:
        rows.append((entry["id"], entry["name"], "official"))
        rows.extend((entry["id"], alias, "common") for alias in entry.get("aliases") or [])
    for code, kinds in spec.items():
        for kind, names in kinds.items():
            rows.extend((code, alias, kind) for alias in names)
    rows.extend(csv_rows)
    rank = {"official": 0, "common": 1, "former": 2, "variant": 3}
    seen: dict[str, tuple[str, str, str, str]] = {}
    for entity, alias, kind in sorted(rows, key=lambda r: rank[r[2]]):
        key = normalise(alias)
        if key in seen and seen[key][1] != entity:
            raise ValueError(f"the alias {alias!r} names both {seen[key][1]} and {entity}")
        seen.setdefault(key, (key, entity, alias, kind))
    return pl.DataFrame(list(seen.values()), schema=["key", "entity", "alias", "kind"], orient="row")


def _part_of(entry: dict) -> str | None:
    """The entity a past entity became part of (None when it was split between several)."""
    if "part_of" in entry:
        return entry["part_of"]
    into = entry.get("into") or []
    return into[0] if len(into) == 1 else None


KINDS = ("official", "common", "former", "variant")


Columns = dict[str, list[str | None]]


def _csv(story: Story, name: str, columns: list[str]) -> Columns:
    """A CSV of the story as columns of text (an empty cell is None), with the columns ``columns``
    required. Registry tables are small: Python's csv reader beats a DataFrame's start-up on them."""
    import csv

    from .story import StoryError

    rows = list(csv.reader(io.StringIO(story.read(name), newline="")))
    if not rows:
        raise StoryError([f"{story.folder / name}: an empty table (expected a header line)"])
    header, body = rows[0], rows[1:]
    missing = [c for c in columns if c not in header]
    if missing:
        raise StoryError([f"{story.folder / name}: no column {', '.join(map(repr, missing))} (it has {', '.join(header)})"])
    ragged = next((i for i, row in enumerate(body, 2) if len(row) != len(header)), None)
    if ragged is not None:
        raise StoryError([f"{story.folder / name} line {ragged}: expected {len(header)} cells, as the header has"])
    return {c: [row[i] or None for row in body] for i, c in enumerate(header)}


def _numbers(story: Story, name: str, table: Columns, column: str) -> list[float | None]:
    from .story import StoryError

    out: list[float | None] = []
    for line, cell in enumerate(table[column], 2):
        try:
            value = None if cell is None else float(cell.replace(",", ""))
        except ValueError:
            value = -1.0
        if value is not None and not 0 <= value <= 1e12:
            raise StoryError([f"{story.folder / name} line {line}: {column}: expected a number from 0 to 10^12, found {cell!r}"])
        out.append(value)
    return out


def _day(story: Story, name: str, text: str, column: str) -> dt.date:
    from .story import StoryError

    try:
        return parse_date(text).lo
    except (ValueError, TypeError) as err:
        raise StoryError([f"{story.folder / name}: {column}: {text!r} is not a date ({err})"]) from None


def registry_of(story: Story) -> Registry:
    """The registry of a story, read from the files its ``factcheck.yaml`` names (``StoryError`` when one is unusable)."""
    from .story import StoryError

    config = story.config
    spec_e = config.entities
    columns = [spec_e.code, spec_e.name] + ([spec_e.group] if spec_e.group else []) + spec_e.other_names \
        + [m.column for m in spec_e.measures] + ([spec_e.entered] if spec_e.entered else [])
    table = _csv(story, spec_e.file, columns)
    codes = table[spec_e.code]
    if len(set(codes)) != len(codes) or None in codes:
        raise StoryError([f"{story.folder / spec_e.file}: {spec_e.code}: every entity needs a code of its own"])
    current = pl.DataFrame(
        {"code": codes, "name": table[spec_e.name], "group": table[spec_e.group] if spec_e.group else [None] * len(codes),
         **{c: table[c] for c in spec_e.other_names if c not in (spec_e.code, spec_e.name)},
         "source": [spec_e.source] * len(codes),
         **{m.column: _numbers(story, spec_e.file, table, m.column) for m in spec_e.measures}},
        schema={"code": pl.String, "name": pl.String, "group": pl.String, **{c: pl.String for c in spec_e.other_names if c not in (spec_e.code, spec_e.name)},
                "source": pl.String, **{m.column: pl.Float64 for m in spec_e.measures}},
    )
    entered = pl.DataFrame(schema={"entity": pl.String, "entered": pl.Date})
    if spec_e.entered:
        entered = pl.DataFrame([(c, _day(story, spec_e.file, d, spec_e.entered)) for c, d in zip(codes, table[spec_e.entered]) if d],
                               schema={"entity": pl.String, "entered": pl.Date}, orient="row")
    spec: dict = {}
    if config.history:
        try:
            spec, _ = load_yaml_text(story.read(config.history, 4 * 1024 * 1024), str(story.folder / config.history))
        except YamlError as err:
            raise StoryError([f"{err.file}{f' line {err.line}' if err.line else ''}: {err.message}"]) from None
        if not isinstance(spec, dict) or set(spec) - {"aliases", "past", "totals"}:
            raise StoryError([f"{story.folder / config.history}: expected a mapping of aliases, past and totals"])
    past = spec.get("past") or []
    past_df = pl.DataFrame(
        [(e["id"], e["name"], _part_of(e), str(e.get("merged") or e.get("until")), e.get("how", "merged"), e.get("group"), e["source"])
         for e in past],
        schema={"id": pl.String, "name": pl.String, "part_of": pl.String, "merged": pl.String, "how": pl.String,
                "group": pl.String, "source": pl.String},
        orient="row",
    )
    csv_rows: list[tuple[str, str, str]] = []
    if config.aliases:
        aliases = _csv(story, config.aliases, ["code", "alias", "kind"])
        for i, (code, alias, kind) in enumerate(zip(aliases["code"], aliases["alias"], aliases["kind"]), start=2):
            if kind not in KINDS or not alias:
                raise StoryError([f"{story.folder / config.aliases} line {i}: kind: expected one of {', '.join(KINDS)}, found {kind!r}"])
            csv_rows.append((code, alias, kind))
    whole = pl.DataFrame(schema={"basis": pl.String, "as_of": pl.Date, "value": pl.Float64})
    usual = None
    if config.whole_measure:
        w = config.whole_measure
        frame = _csv(story, w.file, [w.basis, w.as_of, w.value])
        whole = pl.DataFrame({"basis": frame[w.basis], "as_of": [_day(story, w.file, d, w.as_of) for d in frame[w.as_of]],
                              "value": _numbers(story, w.file, frame, w.value)},
                             schema={"basis": pl.String, "as_of": pl.Date, "value": pl.Float64})
        usual = w.usual
    if spec.get("totals"):
        totals = tuple(sorted((when.lo, when.hi, int(t["total"])) for t in spec["totals"] for when in [parse_date(t["since"])]))
    else:  # the whole is the entities the table lists, at any date
        totals = ((dt.date(1, 1, 1), dt.date(1, 1, 1), current.height),)
    n = config.normalise
    normalise = Normaliser(frozenset(n.drop_words), tuple(sorted(n.drop_endings, key=len, reverse=True)), tuple(n.drop_prefixes))
    try:
        alias_frame = _aliases(current, [c for c in spec_e.other_names], past, spec.get("aliases") or {}, csv_rows, normalise)
    except ValueError as err:
        raise StoryError([f"{story.folder}: {err}"]) from None
    return Registry(
        current=current,
        past=past_df,
        aliases=alias_frame,
        whole_measure=whole,
        usual_basis=usual,
        measures=tuple(spec_e.measures),
        entered=entered,
        entity_totals=totals,
        normalise=normalise,
        suggest_cutoff=n.suggest_cutoff,
        words=config.vocabulary,
    )
