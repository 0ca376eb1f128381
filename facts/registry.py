"""The reference registry: the 42 footprints, their names and aliases, the early ICSs that merged,
England's population on two bases, and how many footprints England had when.

Facts come from ``reference/`` (see ``reference/SOURCES.md``); names are resolved here, once per
distinct name, so that rules can join on registry codes.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import unicodedata
from dataclasses import dataclass
from functools import cache, cached_property
from importlib import resources

import polars as pl

from .dates import parse_date
from .yamlsafe import load_yaml_text

FOOTPRINTS_SOURCE = "ONS STP (April 2020) names and codes; ONS mid-2019 CCG population estimates summed to footprints; ONS ICB (July 2022) lookup"


def _read(name: str) -> str:
    return resources.files(__package__).joinpath("reference", name).read_text(encoding="utf-8")


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
    footprints: pl.DataFrame  # code, ods_code, name, nhs_region, population_mid2019, icb_code_2022, icb_name_2022, source
    early_ics: pl.DataFrame  # id, name, part_of, merged, how, nhs_region, source: entities of the past (early ICSs, 2016 footprints)
    aliases: pl.DataFrame  # key (normalised), entity, alias, kind (official | common | variant)
    england_population: pl.DataFrame  # basis, as_of, population, published, note
    footprint_totals: tuple[tuple[dt.date, dt.date, int], ...]  # (since at the earliest, since at the latest, total)
    normalise: Normaliser
    suggest_cutoff: float

    @cached_property
    def regions(self) -> frozenset[str]:
        return frozenset(self.footprints["nhs_region"].to_list())

    def footprint_total(self, on: dt.date) -> int:
        """How many footprints England had on a date (44 in 2016, 42 from 2018), each change taken at
        the earliest its sources allow: the count the running totals add up to."""
        total = self.footprint_totals[0][2]
        for since, _, count in self.footprint_totals:
            if on >= since:
                total = count
        return total

    def footprint_totals_between(self, first: dt.date, last: dt.date) -> tuple[int, int]:
        """The fewest and most footprints England can have had on some day from ``first`` to ``last``:
        a change dated only to a year (the North East merger of 2018) may have come on any day of it."""
        possible = [total for i, (since, _, total) in enumerate(self.footprint_totals)
                    if since <= last and (i + 1 == len(self.footprint_totals) or first < self.footprint_totals[i + 1][1])]
        return min(possible), max(possible)

    @cached_property
    def entities(self) -> pl.DataFrame:
        """Every entity a name may resolve to: footprints, early ICSs and footprints of the past, with
        official name and region (a past entity's own, else that of the footprint it became part of)."""
        early = self.early_ics.join(
            self.footprints.select(pl.col("code").alias("part_of"), pl.col("nhs_region").alias("region_of")), on="part_of", how="left"
        ).with_columns(pl.coalesce("nhs_region", "region_of").alias("nhs_region"))
        return pl.concat(
            [
                self.footprints.select(pl.col("code").alias("entity"), "name", "nhs_region", pl.lit(None, pl.String).alias("part_of")),
                early.select(pl.col("id").alias("entity"), "name", "nhs_region", "part_of"),
            ]
        )

    def resolve(self, names: pl.Series) -> pl.DataFrame:
        """Resolve names as written to registry entities.

        A name resolves exactly, through an alias, or through the normaliser (case, '&', 'The', endings
        such as 'ICS') — nothing else: a name that merely looks like a registry name is never taken for
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


def _aliases(footprints: pl.DataFrame, early: list[dict], spec: dict, normalise: Normaliser) -> pl.DataFrame:
    rows: list[tuple[str, str, str, str]] = []
    for code, name, icb in footprints.select("code", "name", "icb_name_2022").iter_rows():
        rows.append((code, name, "official"))
        rows.append((code, icb, "common"))
    for entry in early:
        rows.append((entry["id"], entry["name"], "official"))
        rows.extend((entry["id"], alias, "common") for alias in entry.get("aliases") or [])
    for code, kinds in spec.items():
        for kind, names in kinds.items():
            rows.extend((code, alias, kind) for alias in names)
    rank = {"official": 0, "common": 1, "former": 2, "variant": 3}
    seen: dict[str, tuple[str, str, str, str]] = {}
    for entity, alias, kind in sorted(rows, key=lambda r: rank[r[2]]):
        key = normalise(alias)
        if key in seen and seen[key][1] != entity:
            raise ValueError(f"registry alias {alias!r} names both {seen[key][1]} and {entity}")
        seen.setdefault(key, (key, entity, alias, kind))
    return pl.DataFrame(list(seen.values()), schema=["key", "entity", "alias", "kind"], orient="row")


def _part_of(entry: dict) -> str | None:
    """The footprint a past entity became part of (None when it was split between several)."""
    if "part_of" in entry:
        return entry["part_of"]
    into = entry.get("into") or []
    return into[0] if len(into) == 1 else None


@cache
def load_registry() -> Registry:
    """The bundled registry (cached: it is the same for every run)."""
    import io

    spec, _ = load_yaml_text(_read("registry.yaml"), "reference/registry.yaml")
    norm_spec = spec["normalise"]
    normalise = Normaliser(
        frozenset(norm_spec["drop_words"]),
        tuple(sorted(norm_spec["drop_endings"], key=len, reverse=True)),
        tuple(norm_spec["drop_prefixes"]),
    )
    footprints = pl.read_csv(io.StringIO(_read("footprints.csv")), schema_overrides={"population_mid2019": pl.Int64})
    footprints = footprints.with_columns(pl.lit(FOOTPRINTS_SOURCE).alias("source"))
    early = spec["early_ics"] + (spec.get("predecessors") or [])
    early_df = pl.DataFrame(
        [(e["id"], e["name"], _part_of(e), str(e.get("merged") or e.get("until")), e.get("how", "merged"), e.get("nhs_region"), e["source"])
         for e in early],
        schema={"id": pl.String, "name": pl.String, "part_of": pl.String, "merged": pl.String, "how": pl.String,
                "nhs_region": pl.String, "source": pl.String},
        orient="row",
    )
    population = pl.read_csv(io.StringIO(_read("england_population.csv")), try_parse_dates=True)
    totals = tuple(sorted((when.lo, when.hi, int(t["total"])) for t in spec["footprint_totals"] for when in [parse_date(t["since"])]))
    return Registry(
        footprints=footprints,
        early_ics=early_df,
        aliases=_aliases(footprints, early, spec["aliases"], normalise),
        england_population=population,
        footprint_totals=totals,
        normalise=normalise,
        suggest_cutoff=float(norm_spec["suggest_cutoff"]),
    )
