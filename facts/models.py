"""The records of a fact file, validated with pydantic.

A fact file holds one ``source`` block and its ``claims``. Each claim has a ``kind`` that selects its
model below; every claim carries its evidence (the quoted span and the line of the source text where it
starts). The loader turns these records into typed tables (``facts.tables``).
"""

# Annotations here are objects, not strings (no ``from __future__ import annotations``): pydantic
# reads them as they are instead of evaluating strings, 1.3 % of a whole check.
from typing import Annotated, Any, Literal, Union

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, WithJsonSchema, field_validator, model_validator

from .dates import DateInterval, parse_date
from .story import status_word
from .values import parse_value

DATE = {
    "description": "a day (2021-03-23), a month (2021-03), a year (2021), 'March 2021', 'spring 2018', or {from, to, reason} for an interval",
    "anyOf": [
        {"type": "string"}, {"type": "integer", "minimum": 1000, "maximum": 9999},
        {"type": "object", "properties": {"from": {"type": ["string", "integer"]}, "to": {"type": ["string", "integer"]}, "reason": {"type": "string"}},
         "required": ["from", "to"], "additionalProperties": False},
    ],
}
VALUE = {"description": "a number as the source writes it: '11', 'the final 13', 'approximately 14.9 million', 'more than a third'",
         "type": ["string", "number"]}

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
Quote = Annotated[str, StringConstraints(min_length=1, max_length=600)]
Id = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,79}$")]
# A status as the story names it: its code (``member``, ``state``) or ``not_`` and its code.
StatusWord = Annotated[str, StringConstraints(pattern=r"^(not_)?[a-z][a-z0-9_]{0,40}$"), AfterValidator(status_word)]
Wave = Annotated[str, BeforeValidator(lambda v: str(v)), StringConstraints(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]
# A wave as a source may know it: its month, or only its year ("in 2019"); with ``wave_order`` alone,
# only its place in the sequence ("the third wave").
SomeWave = Annotated[str, BeforeValidator(lambda v: str(v)), StringConstraints(pattern=r"^\d{4}(-(0[1-9]|1[0-2]))?$"),
                     WithJsonSchema({"description": "the month the wave was announced (2020-12), or only its year (2019)",
                                     "anyOf": [{"type": "string", "pattern": r"^\d{4}(-(0[1-9]|1[0-2]))?$"}, {"type": "integer", "minimum": 1000, "maximum": 9999}]})]
Names = Annotated[list[Text], Field(max_length=50, description="areas counted beside the number, outside it")]
WaveOrder = Annotated[int, Field(ge=1, le=20, description="the wave's place in the sequence, as the source counts: 3 for 'the third wave'")]
When = Annotated[DateInterval, BeforeValidator(parse_date), WithJsonSchema(DATE)]


def _check_value(value: str) -> str:
    parse_value(value)  # raises with what was expected
    return value


Value = Annotated[str, BeforeValidator(lambda v: str(v)), StringConstraints(min_length=1, max_length=200), BeforeValidator(_check_value),
                  WithJsonSchema(VALUE)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True, defer_build=True)


class Evidence(Strict):
    quote: Quote = Field(description="the exact span of the source text that states the claim")
    line: int = Field(ge=1, description="the line of the source text where the quote starts")


def about(text: str, example: object = None) -> Any:
    """A field's description (and an example), shown in the JSON Schema editors complete fact files with."""
    return Field(description=text, examples=None if example is None else [example])


def about_default(default: object, text: str, example: object = None) -> Any:
    return Field(default, description=text, examples=None if example is None else [example])


class ClaimBase(Strict):
    id: Id = about("unique in its file: how findings and the PR gate name the claim", "total-29")
    evidence: Evidence = about("the quoted span of the source text that states the claim, and its line")


class Waved(ClaimBase):
    """A claim tied to a wave by its month, its year (``wave: 2019``) or only its order (``wave_order``)."""

    wave: SomeWave | None = about_default(None, "the wave: the month it was announced (2020-12), or only its year (2019) when the source gives no month", "2020-12")
    wave_order: WaveOrder | None = about_default(None, "the wave's place as the source counts it, when no date is given: 3 for 'the third wave'", 3)

    def wave_key(self) -> str | None:
        """The wave as the tables hold it: '2020-12', '2019', or '#3' when only the order is known."""
        if self.wave is not None:
            return self.wave
        return None if self.wave_order is None else f"#{self.wave_order}"


ANNOUNCED = "when the wave was announced, if the source says (default: the wave's month)"
EFFECTIVE = "when the designation takes effect, if the source says ('from 1 April 2021'); no default: rules say how they read a missing one"
AS_OF = "the date the claim is true as of (default: the source's publication date)"


class Designation(Waved):
    """An entity gains the story's status in a wave (the month the wave was announced)."""

    kind: Literal["designation"]
    subject: Text = about("the area as the source writes it; names resolve through the registry", "Cambridge & Peterborough")
    announced: When | None = about_default(None, ANNOUNCED, "2020-12-08")
    effective: When | None = about_default(None, EFFECTIVE, "2021-04-01")

    @model_validator(mode="after")
    def _has_a_wave(self) -> "Designation":
        if self.wave is None and self.wave_order is None:
            raise ValueError("a designation needs a 'wave' (2020-12, or a year) or a 'wave_order'")
        return self


class ListItem(Strict):
    subject: Text = about("the area as the source writes it", "Devon")
    line: int = Field(ge=1, description="the line of the source text the item is on (its name must be there)", examples=[41])
    position: int | None = Field(default=None, ge=1, description="the item's number in a numbered list (default: its place in the list)", examples=[11])
    quote: Quote | None = about_default(None, "the item's exact words, when they are more than its name")


class ListClaim(Waved):
    """A numbered or bulleted list of areas. ``means`` says what being on it claims: designated in
    ``wave`` (designation), holding the status after ``wave`` or as of ``as_of`` (the status's code),
    not (yet) holding it as of ``as_of`` (``not_`` and the code), or nothing more (mention)."""

    kind: Literal["list"]
    title: Text = about("the words that introduce the list", "The 11 new members are")
    means: Literal["designation", "mention"] | StatusWord = about_default(
        "mention", "what being on the list claims: designated in `wave` (designation), the story's status (its code: `member`, `state`) "
                   "or not yet (`not_` and the code) as of `as_of`, nothing (mention)")
    announced: When | None = about_default(None, ANNOUNCED)
    effective: When | None = about_default(None, EFFECTIVE)
    as_of: When | None = about_default(None, AS_OF)
    items: list[ListItem] = Field(min_length=1, max_length=10_000, description="the areas, each with the line it is on")


class Count(Waved):
    """A number of things: holders of the status after a wave, those left without it, entities new in
    a wave, all the entities... ``extras`` names entities the source counts beside the number, outside it ("29, besides
    Greater Manchester"): the total it states is the number plus the extras."""

    kind: Literal["count"]
    measure: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,40}$")] = about(
        "what is counted: the story's status code (holders), new_ and the code (added by the wave), the code of the status before "
        "(those left), the plural for an entity (all of them), planned_ and the code, or any other name", "member")
    subject: Text = about("what the source counts, in a few words", "members after the December 2020 wave")
    value: Value
    when: Literal["after", "before"] = about_default("after", "a total as it stands after the wave (default) or before it")
    as_of: When | None = about_default(None, "for a total not tied to a wave ('there are now 18'): the date it is true as of (default: publication)")
    list: Id | None = about_default(None, "the id of the list the count introduces ('the 11 new members are:')")
    extras: Names = []


class RegionCount(ClaimBase):
    """A number of entities in one group (a region), usually among the items of a list."""

    kind: Literal["region_count"]
    region: Text = about("the group (region) as the source names it", "London")
    subject: Text = about("what is counted, in a few words", "members in London")
    value: Value
    list: Id | None = about_default(None, "the id of the list whose items are counted")
    wave: SomeWave | None = about_default(None, "without a list: the wave by which the count holds ('the first in London'); a year when no month is given")
    as_of: When | None = about_default(None, AS_OF)


class Merger(ClaimBase):
    """An entity that held the status became part of a larger one."""

    kind: Literal["merger"]
    subject: Text = about("the entity that became part of another", "Bucks")
    into: Text = about("the entity it became part of", "Buckinghamshire, Oxfordshire and Berkshire West")
    wave: SomeWave | None = about_default(None, "the wave in which it merged (a year when no month is given); without one, the merger is "
                                          "recorded but cannot enter the running totals", "2019-06")


class Population(ClaimBase):
    """A population figure: of an entity, of a wave's entities, of the holders of the status after a wave, or of the whole."""

    kind: Literal["population"]
    scope: Literal["area", "wave", "covered", "whole"] = about(
        "area: one entity's people; wave: the people of a wave's entities; covered: everyone in the entities holding the status then; whole: the whole's people")
    subject: Text = about("the area (scope area), or what is counted in a few words", "South East London")
    value: Value
    basis: Literal["resident", "registered", "unstated"] = about_default(
        "unstated", "residents (ONS estimates) or GP-registered patients, if the source says; registered lists run 5-9 % higher")
    wave: Wave | None = about_default(None, "the wave the figure is about (scopes wave and covered)")
    as_of: When | None = about_default(None, AS_OF)


class Status(ClaimBase):
    """An entity holds (the status's code) or does not hold (``not_`` and the code) the status as of a date."""

    kind: Literal["status"]
    subject: Text = about("the area as the source writes it", "Devon")
    status: StatusWord = about("the story's status code (`member`, `state`): it holds the status; `not_` and the code: it does not (yet)", "member")
    as_of: When | None = about_default(None, AS_OF, "2019-06")


class QuoteClaim(ClaimBase):
    """Words a person said on an occasion."""

    kind: Literal["quote"]
    speaker: Text = about("who said it, as the source names them (honorifics are ignored)", "Sir Simon Stevens")
    role: Text | None = about_default(None, "their role, as the source gives it")
    occasion: Text = about("where or why they said it; matched by its words, not by the exact string", "annual conference, June 2019")
    said: When | None = about_default(None, "when the words were said; quotations on dates that cannot meet are different occasions")
    words: Quote = about("the words as the source quotes them (compared word by word across sources)")


Claim = Annotated[
    Union[Designation, ListClaim, Count, RegionCount, Merger, Population, Status, QuoteClaim],
    Field(discriminator="kind"),
]
CLAIM_KINDS = ("designation", "list", "count", "region_count", "merger", "population", "status", "quote")


class Source(Strict):
    id: Id = about("the source's id, unique in the dataset", "herald-2020-12")
    title: Text = about("its title or headline")
    publisher: Text = about("who published it")
    kind: Literal["news", "official"] = about("news, or an official page or release")
    text_file: Annotated[str, StringConstraints(pattern=r"^[^/\\]{1,200}$")] = about(
        "the file of its text in the folder given with --sources (a name, no folders)", "001_48238738c3d91010.txt")
    published: When = about("its publication date; undated: {from, to, reason}, the interval it must have appeared in and why", "2020-12-08")
    url: Text | None = about_default(None, "where it was published")

    @field_validator("published")
    @classmethod
    def _interval_needs_reason(cls, published: DateInterval) -> DateInterval:
        if not published.exact and not published.reason:
            raise ValueError("a publication date that is an interval needs a 'reason' (why the source is dated so)")
        return published


class FactFile(Strict):
    """One fact file: the source it transcribes and the claims read from it."""

    source: Source
    claims: list[Claim] = Field(max_length=100_000)


def fact_file_schema() -> dict:
    """The JSON Schema of a fact file, from these models: editors validate and complete fact files
    with it (``factcheck schema``)."""
    from pydantic import TypeAdapter

    schema = TypeAdapter(FactFile).json_schema()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": "factcheck fact file", **schema}
