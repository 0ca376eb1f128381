"""Rules files: the rule instances a check runs, as data.

A rules file is read as fact files are (``yamlsafe.load_yaml_file``: a regular file of bounded size; a
link to ``/dev/zero`` or a FIFO is refused, never read); at most ``MAX_FILE_ERRORS`` of its errors are
listed, then one line counts the rest, and found values are shown cut short (``safepath.shown``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from factcheck.facts.loader import MAX_FILE_ERRORS, LoadError, capped, display_path
from factcheck.facts.safepath import shown
from factcheck.facts.yamlsafe import YamlError, load_yaml_file

from .base import Params
from .catalogue import KINDS
from .model import Severity


class RuleSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(pattern=r"^[A-Z]{2,5}\d{2,3}$")
    kind: str
    severity: Severity = Severity.error
    description: str = Field(min_length=1, max_length=300)
    params: dict[str, Any] = Field(default_factory=dict)


def load_rules(path: Path) -> tuple[list[tuple[RuleSpec, Params]], list[LoadError]]:
    """Read a rules file; every rule instance with its validated parameters, and every error with its line."""
    label = display_path(path)
    try:
        data, positions = load_yaml_file(path)
    except YamlError as err:
        return [], [LoadError(label, err.line, err.column, None, err.message)]
    if not isinstance(data, dict) or not isinstance(data.get("rules"), list):
        return [], [LoadError(label, 1, 1, "rules", "expected a mapping with a list of 'rules'")]
    out, errors, codes = [], [], set()
    for i, raw in enumerate(data["rules"]):
        line, column = positions.get(("rules", i), (1, 1))
        try:
            spec = RuleSpec.model_validate(raw)
        except ValidationError as err:
            for e in err.errors():
                field = ".".join(map(str, ("rules", i, *e["loc"])))
                errors.append(LoadError(label, line, column, field, e["msg"] + (f", found {shown(e.get('input'))}" if not isinstance(e.get("input"), dict) else "")))
            continue
        if spec.kind not in KINDS:
            errors.append(LoadError(label, line, column, f"rules.{i}.kind", f"expected one of {', '.join(k.name for k in KINDS)}, found {shown(spec.kind)}"))
            continue
        if spec.code in codes:
            errors.append(LoadError(label, line, column, f"rules.{i}.code", f"code {shown(spec.code)} is used twice"))
            continue
        try:
            params = KINDS[spec.kind].params.model_validate(spec.params)
        except ValidationError as err:
            for e in err.errors():
                errors.append(LoadError(label, line, column, ".".join(map(str, ("rules", i, "params", *e["loc"]))), e["msg"]))
            continue
        codes.add(spec.code)
        out.append((spec, params))
    return out, capped(errors, MAX_FILE_ERRORS, label)
