"""The records of a fact file, validated with pydantic.

A fact file holds one ``source`` block and its ``claims``. Each claim has a ``kind`` that selects its
model below; every claim carries its evidence (the quoted span and the line of the source text where it
starts). The loader turns these records into typed tables (``facts.tables``).
"""

# Annotations here are objects, not strings (no ``from __future__ import annotations``): pydantic
# reads them as they are instead of evaluating strings, 1.3 % of a whole check.
from typing import Annotated, Literal, Union

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, field_validator, model_validator

from .dates import DateInterval, parse_date
from .values import parse_value

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
Quote = Annotated[str, StringConstraints(min_length=1, max_length=600)]
Id = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,79}$")]
Wave = Annotated[str, BeforeValidator(lambda v: str(v)), StringConstraints(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]
# A wave as a source may know it: its month, or only its year ("in 2019"); with ``wave_order`` alone,
# only its place in the sequence ("the third wave").
SomeWave = Annotated[str, BeforeValidator(lambda v: str(v)), StringConstraints(pattern=r"^\d{4}(-(0[1-9]|1[0-2]))?$")]
Names = Annotated[list[Text], Field(max_length=50, description="areas counted beside the number, outside it")]
WaveOrder = Annotated[int, Field(ge=1, le=20, description="the wave's place in the sequence, as the source counts: 3 for 'the third wave'")]
When = Annotated[DateInterval, BeforeValidator(parse_date)]


def _check_value(value: str) -> str:
    parse_value(value)  # raises with what was expected
    return value


Value = Annotated[str, BeforeValidator(lambda v: str(v)), StringConstraints(min_length=1, max_length=200), BeforeValidator(_check_value)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True, defer_build=True)


class Evidence(Strict):
    quote: Quote = Field(description="the exact span of the source text that states the claim")
    line: int = Field(ge=1, description="the line of the source text where the quote starts")


class ClaimBase(Strict):
    id: Id
    evidence: Evidence


class Waved(ClaimBase):
    """A claim tied to a wave by its month, its year (``wave: 2019``) or only its order (``wave_order``)."""

    wave: SomeWave | None = None
    wave_order: WaveOrder | None = None

    def wave_key(self) -> str | None:
        """The wave as the tables hold it: '2020-12', '2019', or '#3' when only the order is known."""
        if self.wave is not None:
            return self.wave
        return None if self.wave_order is None else f"#{self.wave_order}"


class Designation(Waved):
    """An area becomes an ICS in a wave (the month the wave was announced)."""

    kind: Literal["designation"]
    subject: Text
    announced: When | None = None
    effective: When | None = None

    @model_validator(mode="after")
    def _has_a_wave(self) -> "Designation":
        if self.wave is None and self.wave_order is None:
            raise ValueError("a designation needs a 'wave' (2020-12, or a year) or a 'wave_order'")
        return self


class ListItem(Strict):
    subject: Text
    line: int = Field(ge=1)
    position: int | None = Field(default=None, ge=1)
    quote: Quote | None = None


class ListClaim(Waved):
    """A numbered or bulleted list of areas. ``means`` says what being on it claims: designated in
    ``wave`` (designation), an ICS after ``wave`` or as of ``as_of`` (ics), not (yet) an ICS as of
    ``as_of`` (not_ics), or nothing more (mention)."""

    kind: Literal["list"]
    title: Text
    means: Literal["designation", "ics", "not_ics", "mention"] = "mention"
    announced: When | None = None
    effective: When | None = None
    as_of: When | None = None
    items: list[ListItem] = Field(min_length=1, max_length=10_000)


class Count(Waved):
    """A number of things: ICSs after a wave, STPs remaining, areas new in a wave, footprints, CCGs...
    ``extras`` names areas the source counts beside the number, outside it ("29 ICSs, besides
    Greater Manchester"): the total it states is the number plus the extras."""

    kind: Literal["count"]
    measure: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,40}$")]
    subject: Text
    value: Value
    when: Literal["after", "before"] = "after"
    as_of: When | None = None
    list: Id | None = None
    extras: Names = []


class RegionCount(ClaimBase):
    """A number of areas in one NHS region, usually among the items of a list."""

    kind: Literal["region_count"]
    region: Text
    subject: Text
    value: Value
    list: Id | None = None
    wave: Wave | None = None
    as_of: When | None = None


class Merger(ClaimBase):
    """An early ICS became part of a larger one."""

    kind: Literal["merger"]
    subject: Text
    into: Text
    wave: Wave


class Population(ClaimBase):
    """A population figure: of an area, of a wave's areas, or of everything covered by ICSs after a wave."""

    kind: Literal["population"]
    scope: Literal["area", "wave", "covered"]
    subject: Text
    value: Value
    basis: Literal["resident", "registered", "unstated"] = "unstated"
    wave: Wave | None = None
    as_of: When | None = None


class Status(ClaimBase):
    """An area is (ics) or is not (not_ics) an ICS as of a date."""

    kind: Literal["status"]
    subject: Text
    status: Literal["ics", "not_ics"]
    as_of: When


class QuoteClaim(ClaimBase):
    """Words a person said on an occasion."""

    kind: Literal["quote"]
    speaker: Text
    role: Text | None = None
    occasion: Text
    said: When | None = None
    words: Quote


Claim = Annotated[
    Union[Designation, ListClaim, Count, RegionCount, Merger, Population, Status, QuoteClaim],
    Field(discriminator="kind"),
]
CLAIM_KINDS = ("designation", "list", "count", "region_count", "merger", "population", "status", "quote")


class Source(Strict):
    id: Id
    title: Text
    publisher: Text
    kind: Literal["news", "official"]
    text_file: Annotated[str, StringConstraints(pattern=r"^[^/\\]{1,200}$")]
    published: When
    url: Text | None = None

    @field_validator("published")
    @classmethod
    def _interval_needs_reason(cls, published: DateInterval) -> DateInterval:
        if not published.exact and not published.reason:
            raise ValueError("a publication date that is an interval needs a 'reason' (why the source is dated so)")
        return published
