"""Any story, not only the bundled one: the domain is data (factcheck.yaml), the code knows no story's
words, ``factcheck init`` writes a story that works, and there is no silent fallback."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml
from typer.testing import CliRunner

from factcheck.cli.main import app
from factcheck.facts.story import bundled_story_folder

REPO = Path(__file__).resolve().parent.parent
runner = CliRunner()
pytestmark = pytest.mark.no_story  # each test finds its story as a fresh process does

# The words of the first story. The code of the package must not know them: a story brings its words.
FIRST_STORY = re.compile(r"(?<![a-z])(ics|icss|stp|stps|nhs|england|english|footprints?|ccgs?|icbs?)(?![a-z])")


def code_files() -> list[Path]:
    return sorted(p for room in ("facts", "checks", "reports", "cli") for p in (REPO / room).rglob("*")
                  if p.suffix in (".py", ".j2", ".js", ".css") and "__pycache__" not in p.parts)


def test_the_code_holds_no_word_of_the_first_story():
    said = [f"{p.relative_to(REPO)}:{i}: {line.strip()}" for p in code_files()
            for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
            if FIRST_STORY.search(line.lower().replace("_", " "))]
    assert len(code_files()) > 30 and said == []


def test_the_word_test_would_catch_a_word_in_an_identifier():
    assert FIRST_STORY.search("params.new_ics".replace("_", " ")) and FIRST_STORY.search("total of footprints")
    assert not FIRST_STORY.search("metrics, physics and topics")


@pytest.fixture
def story(tmp_path: Path) -> Path:
    folder = tmp_path / "league"
    result = runner.invoke(app, ["init", str(folder)])
    assert result.exit_code == 0, result.output
    return folder


def test_init_writes_a_story_that_passes(story):
    result = runner.invoke(app, ["check", str(story), "--format", "json"])
    report = json.loads(result.stdout)
    assert result.exit_code == 0 and report["summary"]["verdict"] == "pass"
    assert report["summary"]["sources"] == 2 and report["summary"]["claims"] >= 6 and report["summary"]["rules_run"] == 9
    assert report["story"]["title"] == "The League of Districts" and report["story"]["bundled"] is False
    assert [f["code"] for f in report["findings"] if f["severity"] != "info"] == []


def test_one_changed_number_fails_at_its_line(story):
    facts = story / "sources" / "gazette-2021.yaml"
    lines = facts.read_text(encoding="utf-8").splitlines()
    at = next(i for i, line in enumerate(lines, 1) if line.strip() == 'value: "3"')
    lines[at - 1] = lines[at - 1].replace('"3"', '"4"')
    facts.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["check", str(story), "--format", "github"])
    assert result.exit_code == 1
    errors = re.findall(r"^::error file=([^,]+),line=(\d+),title=(\w+)::(.*)$", result.stdout, re.M)
    total = [e for e in errors if e[2] == "TOT01"]
    assert total and total[0][0].endswith("sources/gazette-2021.yaml") and lines[int(total[0][1]) - 1].strip() == "- id: total-three"
    assert "Members after wave 2021-06: the waves add up to 3, the source says 4." in total[0][3]


def test_init_does_not_overwrite(story):
    result = runner.invoke(app, ["init", str(story)])
    assert result.exit_code == 2 and "exists" in result.stderr


def test_a_folder_without_a_story_is_exit_2_naming_what_was_looked_for(tmp_path, monkeypatch):
    empty = tmp_path / "empty"
    empty.mkdir()
    result = runner.invoke(app, ["check", str(empty)])
    assert result.exit_code == 2
    assert f"no story: looked for factcheck.yaml in {empty} and the folders above it" in result.stderr
    assert "UNUSABLE INPUT" in result.stdout and "nothing was checked" in result.stdout and "PASS" not in result.stdout
    fact_files = tmp_path / "facts"  # fact files of the bundled story, copied where no story is: still no fallback
    fact_files.mkdir()
    (fact_files / "a.yaml").write_bytes((bundled_story_folder() / "sources" / "ics-dec-2020-news.yaml").read_bytes())
    result = runner.invoke(app, ["check", str(fact_files)])
    assert result.exit_code == 2 and "no story" in result.stderr
    named = runner.invoke(app, ["check", str(fact_files), "--story", str(bundled_story_folder()), "--format", "json"])
    assert named.exit_code == 0 and json.loads(named.stdout)["summary"]["sources"] == 1


def test_without_a_path_the_working_folders_story_is_found_upward(story, monkeypatch):
    monkeypatch.chdir(story / "texts")
    report = json.loads(runner.invoke(app, ["check", "--format", "json"]).stdout)
    assert report["story"]["title"] == "The League of Districts" and not report["dataset"][0].startswith("the bundled example")


def test_the_bundled_example_heads_the_junit_and_html_reports_as_such(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert runner.invoke(app, ["check", "--junit", "j.xml", "--html", "r.html"]).exit_code == 0
    assert '<testsuites name="factcheck (the bundled example: ' in (tmp_path / "j.xml").read_text(encoding="utf-8")
    assert "The bundled example: " in (tmp_path / "r.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("fmt", ["text", "json", "markdown", "github"])
def test_the_bundled_example_says_so_in_the_first_line_of_every_output(tmp_path, monkeypatch, fmt):
    monkeypatch.chdir(tmp_path)  # no story here or above
    result = runner.invoke(app, ["check", "--format", fmt])
    if fmt == "json":  # its first member: what was checked
        report = json.loads(result.stdout)
        assert next(iter(report)) == "dataset" and report["dataset"][0].startswith("the bundled example, ")
        assert report["story"]["bundled"] is True
        return
    first = next(line for line in result.stdout.splitlines() if line.strip())
    assert "the bundled example" in first, first


def test_a_made_up_story_never_resolves_a_name_to_another_storys_entity_nor_says_its_words(story, tmp_path):
    facts = story / "sources" / "herald-2020.yaml"
    text = facts.read_text(encoding="utf-8").replace("subject: Northvale\n    value: about", "subject: Northamptonshire\n    value: about")
    facts.write_text(text, encoding="utf-8")
    outputs = {fmt: runner.invoke(app, ["check", str(story), "--format", fmt]) for fmt in ("text", "json", "markdown", "github")}
    html = tmp_path / "r.html"
    junit = tmp_path / "r.xml"
    assert runner.invoke(app, ["check", str(story), "--html", str(html), "--junit", str(junit)]).exit_code == 0
    report = json.loads(outputs["json"].stdout)
    unresolved = [f for f in report["findings"] if f["code"] == "NAM-unresolved"]
    assert [f["subjects"] for f in unresolved] == [["Northamptonshire"]] and "closest" not in unresolved[0]["message"]
    said = "\n".join(o.stdout for o in outputs.values()) + html.read_text(encoding="utf-8") + junit.read_text(encoding="utf-8")
    assert not FIRST_STORY.search(said.lower()), FIRST_STORY.search(said.lower())
    assert "members" in html.read_text(encoding="utf-8") and "districts" in html.read_text(encoding="utf-8")


def test_a_bad_story_file_is_exit_2_at_its_file_and_line(story):
    config = story / "factcheck.yaml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("  whole: the League\n", "  whole: the League\n  colour: blue\n"), encoding="utf-8")
    line = next(i for i, l in enumerate(config.read_text(encoding="utf-8").splitlines(), 1) if l.strip() == "colour: blue")
    result = runner.invoke(app, ["check", str(story)])
    assert result.exit_code == 2 and f"factcheck.yaml line {line}: vocabulary.colour: Extra inputs are not permitted" in result.stderr


@pytest.mark.parametrize("where", ["../outside.csv", "/etc/passwd"])
def test_a_story_names_no_file_outside_its_folder(story, where):
    config = story / "factcheck.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("file: entities.csv", f"file: {where}"), encoding="utf-8")
    result = runner.invoke(app, ["check", str(story)])
    assert result.exit_code == 2 and "expected a path inside the story folder" in result.stderr


def test_a_registry_table_without_a_named_column_is_exit_2_naming_it(story):
    (story / "entities.csv").write_text("code,title\nD1,Northvale\n", encoding="utf-8")
    result = runner.invoke(app, ["check", str(story)])
    assert result.exit_code == 2 and "entities.csv: no column 'name'" in result.stderr


def test_the_story_schema_is_committed_and_validates_the_bundled_stories():
    printed = json.loads(runner.invoke(app, ["schema", "story"]).stdout)
    assert json.loads((REPO / "facts" / "story.schema.json").read_text(encoding="utf-8")) == printed, "run: factcheck schema story > facts/story.schema.json"
    listed = yaml.safe_load((REPO / "examples" / "stories.yaml").read_text(encoding="utf-8"))
    assert listed["default"] in listed["stories"] and len(listed["stories"]) >= 2
    for name in listed["stories"]:
        config = yaml.safe_load((REPO / "examples" / name / "factcheck.yaml").read_text(encoding="utf-8"))
        jsonschema.Draft202012Validator(printed).validate(json.loads(json.dumps(config, default=str)))
