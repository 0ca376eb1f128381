"""The records of a fact file, validated with pydantic.

A fact file holds one ``source`` block and its ``claims``. Each claim has a ``kind`` that selects its
model below; every claim carries its evidence (the quoted span and the line of the source text where it
starts). The loader turns these records into typed tables (``facts.tables``).
"""

# Annotations here are objects, not strings (no ``from __future__ import annotations``): pydantic
# reads them as they are instead of evaluating strings, 1.3 % of a whole check.
from typing import Annotated, Literal, Union

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, field_validator

from .dates import DateInterval, parse_date
from .values import parse_value

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
Quote = Annotated[str, StringConstraints(min_length=1, max_length=600)]
Id = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,79}$")]
Wave = Annotated[str, BeforeValidator(lambda v: str(v)), StringConstraints(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]
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


class Designation(ClaimBase):
    """An area becomes an ICS in a wave (the month the wave was announced)."""

    kind: Literal["designation"]
    subject: Text
    wave: Wave
    announced: When | None = None
    effective: When | None = None


class ListItem(Strict):
    subject: Text
    line: int = Field(ge=1)
    position: int | None = Field(default=None, ge=1)
    quote: Quote | None = None


class ListClaim(ClaimBase):
    """A numbered or bulleted list of areas. ``means`` says what being on it claims:
    designated in ``wave`` (designation), an ICS after ``wave`` (ics), or nothing more (mention)."""

    kind: Literal["list"]
    title: Text
    means: Literal["designation", "ics", "mention"] = "mention"
    wave: Wave | None = None
    announced: When | None = None
    effective: When | None = None
    as_of: When | None = None
    items: list[ListItem] = Field(min_length=1, max_length=10_000)


class Count(ClaimBase):
    """A number of things: ICSs after a wave, STPs remaining, areas new in a wave, footprints, CCGs..."""

    kind: Literal["count"]
    measure: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,40}$")]
    subject: Text
    value: Value
    wave: Wave | None = None
    when: Literal["after", "before"] = "after"
    as_of: When | None = None
    list: Id | None = None


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
