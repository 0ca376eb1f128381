"""The one result of a check run: a pydantic ``Report``. Every output format is a view of it."""

# Annotations here are objects, not strings (no ``from __future__ import annotations``): pydantic
# reads them as they are instead of evaluating strings, 1.3 % of a whole check.
import hashlib
from enum import Enum
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field, model_validator

MAX_LOCATIONS = 60


class Severity(str, Enum):
    info = "info"
    warning = "warning"
    error = "error"

    @property
    def rank(self) -> int:
        return {"info": 0, "warning": 1, "error": 2}[self.value]


class Location(BaseModel):
    """One claim behind a finding: where it is in the fact file and in the source text."""

    source_id: str
    claim_id: str
    fact_file: str
    fact_line: int
    source_line: int
    quote: str
    changed_line: int | None = None  # with --base: the line of the claim that changed, where a new finding is shown

    @property
    def line(self) -> int:
        """The fact-file line shown for this claim: the line that changed, else where the claim starts."""
        return self.changed_line or self.fact_line


class Finding(BaseModel):
    rule: str = ""  # the rule instance's code, e.g. TOT01
    kind: str = ""  # the rule kind, e.g. running_totals
    code: str = ""  # the kind of finding, e.g. TOT-total: one per message template (``FindingType``)
    severity: Severity
    message: str  # the template of ``code`` filled with ``data``
    data: dict[str, str] = Field(default_factory=dict)  # what fills the template
    subjects: list[str]
    expected: str | None = None
    found: str | None = None
    explanation: str | None = None
    locations: list[Location] = Field(default_factory=list)
    more_locations: int = 0  # claims involved beyond the locations listed
    engine: str = ""  # the engine that produced it ("factcheck" or "gx"); set by the engine that ran the rule
    status: Literal["new", "present"] | None = None  # with --base or --baseline: new, or already there before

    @property
    def line(self) -> tuple[str, int] | None:
        """Where the finding is shown: its first claim's file and shown line."""
        if not self.locations:
            return None
        return self.locations[0].fact_file, self.locations[0].line

    def fails(self, fail_on: str) -> bool:
        """Whether this finding fails the run: at or above the failing severity ('never' never fails),
        and not already there before (status 'present', with --base or --baseline)."""
        return fail_on != "never" and self.severity.rank >= Severity(fail_on).rank and self.status != "present"

    @computed_field  # type: ignore[prop-decorator]
    @property
    def identity(self) -> str:
        """What makes a finding the same finding across versions of the data: rule, subjects and the
        ids of the claims involved; never line numbers."""
        claims = sorted({f"{loc.source_id}:{loc.claim_id}" for loc in self.locations})
        text = "\x1f".join([self.rule, self.severity.value, *sorted(self.subjects), "|", *claims])
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


class Known(BaseModel):
    """A finding as a baseline records it, and as a fixed finding is listed: enough to recognise it."""

    identity: str
    rule: str
    severity: Severity
    subjects: list[str]
    claims: list[str]  # "source_id:claim_id" of the claims involved
    message: str

    @classmethod
    def of(cls, f: Finding) -> "Known":
        return cls(identity=f.identity, rule=f.rule, severity=f.severity, subjects=f.subjects,
                   claims=sorted({f"{loc.source_id}:{loc.claim_id}" for loc in f.locations}), message=f.message)


class RuleInfo(BaseModel):
    code: str
    kind: str
    severity: Severity
    description: str
    params: dict[str, Any] = Field(default_factory=dict)


class SourceInfo(BaseModel):
    source_id: str
    title: str
    publisher: str
    kind: str
    published: str
    date_reason: str | None
    fact_file: str
    text_file: str
    url: str | None = None


class Summary(BaseModel):
    verdict: str  # "pass" or "fail" at the failing severity; "unusable" when input could not all be used (exit 2)
    fail_on: str
    errors: int
    warnings: int
    infos: int
    sources: int
    claims: int
    rules_run: int
    files: int
    unusable_files: int
    rule_failures: int = 0  # rules (or the report's pictures) that crashed: exit 2, the other findings kept
    new: int | None = None  # with --base or --baseline
    present: int | None = None
    fixed: int | None = None


class WaveStep(BaseModel):
    """One wave as the waves add up: holders before it, entities it adds, past holders it absorbs, holders after."""

    wave: str
    before: float
    added: float
    absorbed: float
    after: float


class StatedTotal(BaseModel):
    """A total a source states, as the number of holders it implies at that point of the waves."""

    source_id: str
    claim_id: str
    value: str  # as written
    measure: str
    at: str  # "before 2019-06", "after 2020-12", "final"
    wave: str
    held_lo: float  # holders of the status the statement means, at its point
    held_hi: float
    expected: float  # what the waves add up to at that point
    fact_file: str
    fact_line: int
    quote: str
    claims: int = 1  # claims stating this total at this point (from the first source, by order of the fact files)
    day_of_month: int | None = None  # a total as of a day: its day, to draw it there

    @property
    def agrees(self) -> bool:
        return self.held_lo <= self.expected <= self.held_hi


class Mark(BaseModel):
    """What a source says about one entity: designated in a wave, holding the status as of a date, a merger.
    With many sources, one mark stands for all the claims that say the same (``source_id`` empty)."""

    source_id: str
    what: str  # designated | in | out | merged
    label: str
    fact_file: str
    fact_line: int
    claims: int = 1


class EntityRow(BaseModel):
    code: str | None  # None: a name that resolves to no entity
    name: str
    group: str | None
    wave: str | None  # the wave most sources designate it in
    marks: list[Mark] = Field(default_factory=list)


class Overview(BaseModel):
    """What the pictures of a report show: the running count of the status and the entities by source."""

    national_total: int
    line: Literal["waves", "registry"] = "waves"  # what the line is: the waves the sources report, or the registry's entry dates
    by_source: bool = True  # marks per source (few sources), else per statement with a count
    waves: list[WaveStep] = Field(default_factory=list)
    stated: list[StatedTotal] = Field(default_factory=list)
    entities: list[EntityRow] = Field(default_factory=list)


class StoryInfo(BaseModel):
    """The story a run checked: its title, its folder, whether it is the bundled example, and the words
    reports say things in (``{status}``, ``{statuses}``, ``{entities}``, ``{whole}``, ``{group}`` ...)."""

    title: str
    folder: str
    bundled: bool = False
    words: dict[str, str] = Field(default_factory=dict)


class Past(BaseModel):
    """An earlier run of a served story, as the report's history strip shows it."""

    run: int
    at: str
    verdict: str
    errors: int
    warnings: int
    link: str  # the run's report, relative to the page
    current: bool = False


class Report(BaseModel):
    dataset: list[str]  # what was checked, first: the bundled example says so here
    story: StoryInfo | None = None
    summary: Summary
    checked_at: str
    rules: list[RuleInfo]
    sources: list[SourceInfo]
    findings: list[Finding]
    load_errors: list[str] = Field(default_factory=list)
    rule_failures: list[str] = Field(default_factory=list)  # "rule TOT01 (running_totals): KeyError: 'wave'", one line each
    settings: dict[str, Any] = Field(default_factory=dict)
    overview: Overview | None = None
    base: str | None = None  # what the findings were compared with: "git <ref> (<commit>)" or "baseline <file>"
    fixed: list[Known] = Field(default_factory=list)  # findings there before and gone now
    history: list[Past] = Field(default_factory=list)  # served: the story's last runs, oldest first (the page's history strip)

    def fails(self, fail_on: str) -> bool:
        return fails(self.findings, fail_on)


def fails(findings: list[Finding], fail_on: str) -> bool:
    """Whether any finding fails the run (``Finding.fails``)."""
    return any(f.fails(fail_on) for f in findings)


class RunSettings(BaseModel):
    """The settings of one check run, validated once and passed as one object (the command line
    builds it from its options; ``engine.check`` from its keywords)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    paths: list[Path] | None = Field(None, description="fact files or folders, or a story folder (none: the story of the working folder, else the bundled example)")
    story: Path | None = Field(None, description="the story folder (factcheck.yaml) whose registry and words the facts are checked with (none: found upward from the first path)")
    rules: Path | None = Field(None, description="the rules file (none: rules.yaml of the first folder, else the story's)")
    sources_dir: Path | None = Field(None, description="the folder of source texts, to verify every quote (none: the story's texts, if it names them)")
    fail_on: Literal["error", "warning", "never"] = Field("error", description="the severity at or above which a finding fails the run")
    base: str | None = Field(None, description="a git ref to compare with: only new findings fail, checked with the base's rules")
    baseline: Path | None = Field(None, description="a baseline file to compare with: only findings not in it fail")
    engine: Literal["factcheck", "gx"] = Field("factcheck", description="factcheck, or gx: the rules said as expectations run on great-expectations")
    gx_docs: Path | None = Field(None, description="with engine gx: build GX Data Docs in this folder")
    accept_rule_changes: bool = Field(False, description="with base: check with the head's rules, listing their changes as info")

    @model_validator(mode="after")
    def _consistent(self) -> "RunSettings":
        if self.base is not None and self.baseline is not None:
            raise ValueError("give --base or --baseline, not both")
        if self.gx_docs is not None and self.engine != "gx":
            raise ValueError("--gx-docs needs --engine gx")
        if self.accept_rule_changes and self.base is None:
            raise ValueError("--accept-rule-changes needs --base (it accepts changes to the rules since the base)")
        return self
