"""The JSON Schema of a fact file (``factcheck schema``): generated from the loader's models, committed
where the bundled fact files name it, and validating them; a bad record fails it as it fails the loader."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml
from typer.testing import CliRunner

from factcheck.cli.main import app
from factcheck.facts.story import bundled_story_folder

REPO = Path(__file__).resolve().parent.parent
COMMITTED = REPO / "facts" / "factfile.schema.json"
FACT_FILES = sorted((REPO / "examples").glob("*/sources/*.yaml")) + sorted((REPO / "tests" / "corpus" / "facts").glob("*.yaml"))


@pytest.fixture(scope="module")
def schema() -> dict:
    result = CliRunner().invoke(app, ["schema"])
    assert result.exit_code == 0
    return json.loads(result.stdout)


def as_json(path: Path) -> object:
    """A fact file as JSON sees it (YAML dates become strings)."""
    return json.loads(json.dumps(yaml.safe_load(path.read_text(encoding="utf-8")), default=str))


def test_the_committed_schema_is_the_one_factcheck_prints(schema):
    assert json.loads(COMMITTED.read_text(encoding="utf-8")) == schema, "run: factcheck schema > facts/factfile.schema.json"


@pytest.mark.parametrize("path", FACT_FILES, ids=lambda p: p.name)
def test_every_bundled_and_corpus_fact_file_validates_and_names_the_schema(schema, path):
    jsonschema.Draft202012Validator(schema).validate(as_json(path))
    first = path.read_text(encoding="utf-8").splitlines()[0]
    named = (path.parent / first.removeprefix("# yaml-language-server: $schema=")).resolve()
    assert first.startswith("# yaml-language-server: $schema=") and named == COMMITTED.resolve()


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (lambda d: d["claims"][0].update(colour="red"), "colour"),  # an unknown field
        (lambda d: d["claims"][0].update(kind="rumour"), "rumour"),  # no such kind
        (lambda d: d["source"].pop("published"), "published"),  # a required field missing
        (lambda d: d["claims"][0]["evidence"].update(line=0), "line"),  # a line before the first
    ],
)
def test_a_bad_record_fails_the_schema(schema, change, where):
    data = as_json(bundled_story_folder() / "sources" / "ics-dec-2020-news.yaml")
    change(data)
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(data))
    assert errors and any(where in (e.message + json.dumps(list(e.absolute_path))) for e in errors)
