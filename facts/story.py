"""A story: what a dataset is about, as data. Its folder holds ``factcheck.yaml``, which names

- the **entities** table (a CSV: code, name, group column, measures with their date and basis, the
  column of the date each entity entered the status, columns of other names),
- the **aliases** (a CSV of code, alias, kind) and the **history** (a YAML file: entities of the past,
  how many entities the whole had since when, more aliases),
- the **measure of the whole** (a CSV: basis, date, value: a country's population on named bases),
- the **vocabulary**: the status waves confer and the one before it, the words for an entity, the
  whole and a group,
- the rules file, the fact files, the source texts and the qualifiers that add to the bundled ones.

The engine reads every word it says from here: no story is built in. A story is found as git finds
``.git``: in the folder given, or the working folder and its parents; only where there is none is the
bundled example used, and every output says so.
"""

# Annotations here are objects, not strings (no ``from __future__ import annotations``): pydantic reads
# them as they are instead of evaluating strings, as in ``facts.models``.
import contextvars
import datetime as dt
import re
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, ValidationError, field_validator, model_validator

if TYPE_CHECKING:
    from .registry import Registry
    from .values import Qualifiers

STORY_FILE = "factcheck.yaml"
MAX_STORY_BYTES = 256 * 1024
MAX_TABLE_BYTES = 64 * 1024 * 1024

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
Code = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,40}$")]
Column = Annotated[str, StringConstraints(min_length=1, max_length=80)]
# A file or folder of the story, named from its folder: no absolute path, no '..' (read with
# ``safepath``, which also refuses links that lead out of the folder).
def _inside(name: str) -> str:
    parts = re.split(r"[/\\]", name)
    if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name) or ".." in parts or "\x00" in name:
        raise ValueError(f"expected a path inside the story folder (no absolute path, no '..'), found {name!r}")
    return name


Inside = Annotated[str, StringConstraints(min_length=1, max_length=200), AfterValidator(_inside)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class Words(Strict):
    singular: Text = Field(description="the word for one: 'district', 'state'")
    plural: Text = Field(description="the word for several: 'districts', 'states'")


class Status(Words):
    code: Code = Field(description="how fact files name it: a count's `measure`, a status claim's `status`, a list's `means` ('member', 'state')")


class Vocabulary(Strict):
    """The words of the story. Counts in fact files name a status by its code: ``measure: <status>``
    (holders after a wave), ``new_<status>`` (those a wave adds), ``planned_<status>``, ``<before>``
    (those not yet holding it), ``<entity plural>`` (all entities)."""

    status: Status = Field(description="the status waves confer: {code: member, singular: member, plural: members}")
    before: Status | None = Field(None, description="the status entities hold before it, if the sources count those left: {code: candidate, ...}")
    entity: Words = Field(description="what the registry lists: {singular: district, plural: districts}")
    whole: Text = Field(description="the whole the entities make up, as sources name it: 'the Union', 'the League'")
    group: Words = Field(default_factory=lambda: Words(singular="group", plural="groups"), description="what the entities are grouped by: {singular: region, plural: regions}")
    measure: Text = Field("population", description="the measure population claims are about, as the reports name it")

    @property
    def new(self) -> str:
        return f"new_{self.status.code}"

    @property
    def planned(self) -> str:
        return f"planned_{self.status.code}"

    @property
    def entities_code(self) -> str:
        return re.sub(r"[^a-z0-9_]", "_", self.entity.plural.lower())

    def side(self, word: str) -> str | None:
        """A status as a fact file says it: ``<status>`` is 'in', ``not_<status>`` is 'out' (None: neither)."""
        return {self.status.code: "in", "not_" + self.status.code: "out"}.get(word)

    def fields(self) -> dict[str, str]:
        """The words message templates use: ``{status}``, ``{statuses}``, ``{before}``, ``{befores}``,
        ``{entity}``, ``{entities}``, ``{whole}``, ``{group}``, ``{groups}``, ``{measure}``."""
        before = self.before or Status(code="not_" + self.status.code, singular="not " + self.status.singular, plural="not " + self.status.plural)
        return {"status": self.status.singular, "statuses": self.status.plural, "before": before.singular, "befores": before.plural,
                "entity": self.entity.singular, "entities": self.entity.plural, "whole": self.whole,
                "group": self.group.singular, "groups": self.group.plural, "measure": self.measure}


class Measure(Strict):
    column: Column = Field(description="the entities table's column that holds it")
    as_of: dt.date = Field(description="the day it is true as of (a census day, a mid-year estimate's 30 June)")
    basis: Code = Field(description="how it was counted: 'resident', 'census_count'")


class Entities(Strict):
    file: Inside = Field(description="the CSV, inside the story folder")
    code: Column = Field("code", description="the column of each entity's unique code")
    name: Column = Field("name", description="the column of its official name")
    group: Column | None = Field(None, description="the column of its group (region, division)")
    other_names: list[Column] = Field([], max_length=10, description="columns of other names that resolve silently (a later official name)")
    entered: Column | None = Field(None, description="the column of the day it entered the status, where the registry knows it (an admission date)")
    measures: list[Measure] = Field([], max_length=20, description="columns of measures (population), each with its day and basis")
    source: Text = Field(description="where the table comes from (SOURCES.md says more)")


class WholeMeasure(Strict):
    """The measure of the whole on several bases and dates (residents by year, the census count)."""

    file: Inside = Field(description="the CSV, inside the story folder")
    basis: Column = Field("basis", description="the column naming each row's basis")
    as_of: Column = Field("as_of", description="the column of the day each figure is for")
    value: Column = Field("value", description="the column of the figure")
    usual: Code = Field(description="the basis a figure that does not say its basis is read on ('ons_mid_year_estimate', 'census_count')")


class Normalise(Strict):
    drop_words: list[Text] = Field(["the", "and", "of"], description="words dropped anywhere in a name before names are compared")
    drop_endings: list[Text] = Field([], description="endings dropped (repeatedly) from a name: 'integrated care system', 'county council'")
    drop_prefixes: list[Text] = Field([], description="prefixes dropped from a name")
    suggest_cutoff: float = Field(0.75, ge=0.5, le=1.0, description="how close an unknown name must be to a registry name to be suggested (never used)")


class StoryConfig(Strict):
    """``factcheck.yaml``: what a story folder holds and how its words go."""

    story: Text = Field(description="the story's title, as reports head it")
    about: Text | None = Field(None, description="one line on what it covers")
    entities: Entities
    aliases: Inside | None = Field(None, description="a CSV of code, alias, kind (official | common | former | variant)")
    history: Inside | None = Field(None, description="a YAML file: past entities, totals of the whole since a date, more aliases")
    whole_measure: WholeMeasure | None = Field(None, description="the measure of the whole, on named bases")
    normalise: Normalise = Field(default_factory=lambda: Normalise())
    vocabulary: Vocabulary
    qualifiers: Inside | None = Field(None, description="a YAML file of words added to the bundled qualifiers (units, fillers, wholes)")
    rules: Inside = Field("rules.yaml", description="the rules file")
    facts: Inside = Field("sources", description="the folder of fact files")
    texts: Inside | None = Field(None, description="the folder of source texts (else give --sources)")

    @field_validator("normalise")
    @classmethod
    def _lower(cls, n: Normalise) -> Normalise:
        return n.model_copy(update={k: [w.lower() for w in getattr(n, k)] for k in ("drop_words", "drop_endings", "drop_prefixes")})

    @model_validator(mode="after")
    def _distinct_codes(self) -> "StoryConfig":
        v = self.vocabulary
        codes = [v.status.code, v.new, v.planned, v.entities_code] + ([v.before.code] if v.before else [])
        if len(set(codes)) != len(codes):
            raise ValueError(f"the vocabulary's codes must differ: {', '.join(codes)}")
        return self


class StoryError(Exception):
    """A story folder that cannot be used; ``problems`` are lines of file:line: field: what is wrong."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Story:
    folder: Path
    config: StoryConfig
    bundled: bool = False

    @property
    def words(self) -> Vocabulary:
        return self.config.vocabulary

    def path(self, inside: str) -> Path:
        return self.folder / inside

    @property
    def rules(self) -> Path:
        return self.path(self.config.rules)

    @property
    def facts(self) -> Path:
        return self.path(self.config.facts)

    @property
    def texts(self) -> Path | None:
        return None if self.config.texts is None else self.path(self.config.texts)

    def read(self, inside: str, limit: int = MAX_TABLE_BYTES) -> str:
        """A file of the story, read only inside its folder (``safepath.read_inside``)."""
        from .safepath import UnsafeRead, read_inside

        try:
            return read_inside(self.folder, inside, limit).decode("utf-8")
        except UnsafeRead as err:
            raise StoryError([f"{self.folder / STORY_FILE}: {inside}: {err.message}"]) from None
        except UnicodeDecodeError as err:
            raise StoryError([f"{self.folder / inside}: not UTF-8 text (byte {err.start})"]) from None

    def used_for(self, head: "Story") -> "Story":
        """This story's registry, words and qualifiers, at the head's folder (its facts, rules and texts):
        the story a gate checks a pull request with when the pull request changed the story."""
        used = Story(head.folder, head.config.model_copy(update={"vocabulary": self.config.vocabulary}), head.bundled)
        used.__dict__.update(registry=self.registry, qualifiers=self.qualifiers)
        return used

    @cached_property
    def fingerprint(self) -> str:
        """What reading a fact file depends on: the story's folder, its configuration (words) and its
        qualifiers file, as one key."""
        said = f"{self.folder.resolve()}\0{self.config.model_dump_json()}"
        if self.config.qualifiers:
            said += "\0" + self.read(self.config.qualifiers, 1024 * 1024)
        return said

    @cached_property
    def registry(self) -> "Registry":
        from .registry import registry_of

        return registry_of(self)

    @cached_property
    def qualifiers(self) -> "Qualifiers":
        from .values import story_qualifiers

        return story_qualifiers(self)


def read_story(folder: Path, bundled: bool = False) -> "Story":
    """The story of ``folder`` (its ``factcheck.yaml``, validated); ``StoryError`` says what is wrong, at file:line."""
    from .safepath import UnsafeRead, read_capped
    from .values import _problems
    from .yamlsafe import YamlError, load_yaml_text

    file = folder / STORY_FILE
    try:
        text = read_capped(file, MAX_STORY_BYTES).decode("utf-8")
        data, positions = load_yaml_text(text, str(file))
    except UnsafeRead as err:
        raise StoryError([f"{file}: {err.message}"]) from None
    except UnicodeDecodeError as err:
        raise StoryError([f"{file}: not UTF-8 text (byte {err.start})"]) from None
    except YamlError as err:
        raise StoryError([f"{file}{f' line {err.line}' if err.line else ''}: {err.message}"]) from None
    try:
        config = StoryConfig.model_validate(data)
    except ValidationError as err:
        raise StoryError(_problems(err, data, positions, str(file)).splitlines()) from None
    return Story(folder, config, bundled)


def find_story(start: Path) -> Path | None:
    """The nearest folder from ``start`` upward that holds a ``factcheck.yaml`` (as git finds ``.git``)."""
    here = start.resolve()
    for folder in (here, *here.parents):
        if (folder / STORY_FILE).is_file():
            return folder
    return None


EXAMPLES = Path(__file__).resolve().parents[1] / "examples"  # in the repository, or beside the installed package


@cache
def bundled_story_folder() -> Path:
    """The bundled example checked where the working folder has no story: the ``default`` of
    ``examples/stories.yaml`` (data, like the stories themselves)."""
    from .yamlsafe import load_yaml_text

    listed, _ = load_yaml_text((EXAMPLES / "stories.yaml").read_text(encoding="utf-8"), "examples/stories.yaml")
    return EXAMPLES / listed["default"]


def story_schema() -> dict[str, Any]:
    """The JSON Schema of ``factcheck.yaml`` (``factcheck schema story``)."""
    schema = StoryConfig.model_json_schema()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": "factcheck story (factcheck.yaml)", **schema}


#: The story of the run in progress: the engine sets it, so that values read with the story's
#: qualifiers and findings say the story's words (a run checks one story).
ACTIVE: "contextvars.ContextVar[Story | None]" = contextvars.ContextVar("factcheck_story", default=None)


def active() -> "Story | None":
    return ACTIVE.get()


def status_word(word: str) -> str:
    """A fact file's status word, checked against the story in effect: ``<status>`` or ``not_<status>``."""
    story = active()
    if story is not None and story.words.side(word) is None:
        code = story.words.status.code
        raise ValueError(f"expected {code!r} or 'not_{code}' (this story's status), found {word!r}")
    return word
