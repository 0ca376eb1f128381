"""The command line against hostile input and a hostile world: forged CI commands, interrupted and
concurrent writes, Ctrl-C at any moment, and the small courtesies (--version, NO_COLOR, --quiet, a progress
line on a terminal only).

Assertions are on what a CI runner or a terminal would act on: lines that start a workflow command, raw
control characters, files left whole or not, exit codes.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from importlib.metadata import version
from pathlib import Path
from urllib.parse import unquote

import pytest
from typer.testing import CliRunner

from factcheck.cli.main import app
from factcheck.facts.text import printable
from factcheck.reports import markdown

from helpers import bump_total, edit

runner = CliRunner()

# What no output may carry raw: C0 controls but the line feed, DEL, C1, line and paragraph separators, bidi
# controls, and the legacy workflow-command prefix that the runner finds anywhere in a line.
RAW = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]|##\\[")
# factcheck's own annotations: a level, escaped properties, a message (see reports/github.py).
OWN_ANNOTATION = re.compile(r"^::(error|warning|notice) (file=[^,:]*,line=\d+,)?title=[^,:]*::.*$")


def test_printable_escapes_what_could_start_a_line_or_a_command():
    assert printable("a\nb\rc\td") == "a\\nb\\rc\\td"
    assert printable("\x1b[2J\x7f\x85\u2028\u2029\u202e\u2066") == "\\x1b[2J\\x7f\\x85\\u2028\\u2029\\u202e\\u2066"
    assert printable("::add-mask::secret") == "\\x3a:add-mask::secret"
    assert printable(" \u00a0\u3000::error::x").lstrip().startswith("\\x3a:")  # the runner trims Unicode white space
    assert printable("text ##[stop-commands]token") == "text #\\x23[stop-commands]token"
    assert printable("caf\udcc3") == "caf\\udcc3"  # a file name that is not UTF-8 can still be printed
    assert printable("Cambridge & Peterborough: 14.5 million (3:2)") == "Cambridge & Peterborough: 14.5 million (3:2)"
    for text in ("\n::error::x", "##[[", "::::", "\udcff\ufffe"):
        assert not RAW.search(printable(text)) and not printable(text).lstrip().startswith("::")


# -- 1. Forged CI commands ---------------------------------------------------------------------------------

FORGED_FILE = "forged\n::error file=README.md::owned\x1b[31m\u202e.yaml"


@pytest.fixture
def forged(dataset_copy: Path) -> Path:
    """The bundled dataset with workflow commands, line breaks, terminal and bidi controls planted in a file
    name, a key, claim ids and subjects: every place a fact file's text reaches an output."""
    original = dataset_copy / "sources" / "ics-mar-2021-news.yaml"
    path = original.rename(original.with_name(FORGED_FILE))
    edit(path, "  - id: final-13\n", '  - id: "final-13\\n::add-mask::secret"\n    "bad\\n::stop-commands::token\\u2028::error::x": 1\n')
    edit(path, "subject: Mid and South Essex,", 'subject: "Mid and South Essex\\n::error file=README.md::forged\\x1b[2J ##[add-mask]x",')
    edit(path, "subject: Northamptonshire,", 'subject: "Northants\\u2028::warning::forged\\u202e\\x85\\x7f\\x0b",')
    return dataset_copy


def assert_inert(text: str, channel: str, own_annotations: bool = False) -> None:
    for line in text.split("\n"):
        if own_annotations and OWN_ANNOTATION.match(line):
            continue
        assert not line.lstrip().startswith("::"), f"{channel}: a line reads as a workflow command: {line!r}"
    raw = RAW.search(text)
    assert raw is None, f"{channel}: raw {raw.group()!r} in {text[max(0, raw.start() - 60):raw.end() + 20]!r}"


def test_no_channel_lets_a_fact_file_forge_a_workflow_command(forged, tmp_path, monkeypatch):
    monkeypatch.chdir(forged.parent)
    files = {name: tmp_path / name for name in ("report.md", "junit.xml", "report.json")}
    outputs = {}
    for fmt in ("text", "github", "markdown", "json"):
        result = runner.invoke(app, ["check", "data", "--format", fmt, "--markdown", str(files["report.md"]),
                                     "--junit", str(files["junit.xml"]), "--json", str(files["report.json"])])
        assert result.exit_code == 2, result.output  # the bad key and the bad id are unusable input
        outputs[fmt], outputs[f"stderr ({fmt})"] = result.stdout, result.stderr
    for channel, text in outputs.items():
        assert_inert(text, channel, own_annotations=channel == "github")
    for name in ("report.md", "junit.xml"):
        assert_inert(files[name].read_text(encoding="utf-8"), name)
    # Still there to read, as visible escapes; and the formats that escape by their own rules stay whole.
    assert "\\n::add-mask::secret" in outputs["stderr (text)"] and "\\n::stop-commands::token\\u2028" in outputs["stderr (text)"]
    assert "forged\\n::error file=README.md::owned\\x1b[31m\\u202e.yaml" in outputs["text"]
    assert json.loads(outputs["json"])["summary"]["verdict"] == "unusable"
    assert "##[" not in outputs["json"] and any(f["subjects"] == ["Mid and South Essex\n::error file=README.md::forged\x1b[2J ##[add-mask]x"]
                                                for f in json.loads(outputs["json"])["findings"])
    ET.fromstring(files["junit.xml"].read_text(encoding="utf-8").split("\n", 1)[1])  # XML 1.0 still parses


def test_a_usage_error_quotes_what_was_typed_as_printable_text():
    done = subprocess.run([sys.executable, "-m", "factcheck.cli.main", "check", "--fail-on", "x\n::add-mask::secret"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "Invalid value" in done.stderr
    assert_inert(done.stderr, "usage error")


@pytest.mark.parametrize("name", ["a](javascript:alert(1)) `x`|<img src=x>[b].yaml", "sp ace (1)\\|.yaml", "%41%.yaml"])
def test_markdown_links_escape_everything_a_file_name_can_hold(name):
    line = f"| {markdown.link(f'facts/{name}', 7, 'https://github.com/o/r/blob/abc')} |"
    text, target = re.fullmatch(r"\| \[(.*)\]\((\S*)\) \|", line).groups()
    assert re.fullmatch(r"[A-Za-z0-9_/.~%:#-]+", target), target  # percent-encoded: nothing that could end the link
    assert target.startswith("https://github.com/o/r/blob/abc/facts/") and target.endswith("#L7")
    assert "<" not in text and ">" not in text
    assert not re.search(r"(?<!\\)[\[\]`|]", text), text  # every bracket, backtick and pipe of the text escaped
    assert unquote(target.removesuffix("#L7")).endswith(name)  # and the link still points at the file


def test_a_table_row_keeps_its_cells_whatever_the_names_hold(forged, tmp_path, monkeypatch):
    monkeypatch.chdir(forged.parent)
    odd = forged / "sources" / "ics-dec-2020-news.yaml"
    odd.rename(odd.with_name("dec | `2020` [news](x) <b>.yaml"))
    result = runner.invoke(app, ["check", "data", "--format", "markdown"])
    rows = [line for line in result.stdout.splitlines() if line.startswith("| ")]
    cells = {len(re.findall(r"(?<!\\)\|", row)) for row in rows}
    assert len(rows) > 3 and len(cells) == 1, cells  # no name adds or closes a cell


# -- 2. Atomic outputs -------------------------------------------------------------------------------------


def test_a_report_is_replaced_whole_or_not_at_all(dataset_copy, tmp_path, monkeypatch):
    """The new text goes to a temporary file beside the old one and is renamed over it: when the rename
    fails, the old report is still there, whole, and no temporary file is left."""
    out = tmp_path / "out"
    out.mkdir()
    old = {name: f"the old {name}\n" for name in ("r.txt", "r.html", "j.xml", "m.md", "r.json")}
    for name, text in old.items():
        (out / name).write_text(text, encoding="utf-8")

    def refuse(src, dst):  # type: ignore[no-untyped-def]
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", refuse)
    result = runner.invoke(app, ["check", str(dataset_copy), "--output", str(out / "r.txt"), "--html", str(out / "r.html"),
                                 "--junit", str(out / "j.xml"), "--markdown", str(out / "m.md"), "--json", str(out / "r.json")])
    assert result.exit_code == 2 and result.stderr.count("cannot write") == 5 and "No space left on device" in result.stderr
    assert {p.name: p.read_text(encoding="utf-8") for p in out.iterdir()} == old


def test_an_interrupted_write_leaves_the_old_file(dataset_copy, tmp_path, monkeypatch):
    report = tmp_path / "report.html"
    report.write_text("the old report\n", encoding="utf-8")

    def interrupted(fd):  # type: ignore[no-untyped-def]
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupted)
    result = runner.invoke(app, ["check", str(dataset_copy), "--html", str(report)])
    assert result.exit_code == 130
    assert report.read_text(encoding="utf-8") == "the old report\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "report.html"]  # the temporary file removed


def test_baseline_write_replaces_its_file(dataset_copy, tmp_path, monkeypatch):
    baseline = tmp_path / "baseline.json"
    baseline.write_text("[]\n", encoding="utf-8")
    def refuse(src, dst):  # type: ignore[no-untyped-def]
        raise OSError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", refuse)
    result = runner.invoke(app, ["baseline", "write", str(baseline), str(dataset_copy)])
    assert result.exit_code == 2 and baseline.read_text(encoding="utf-8") == "[]\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_a_written_report_keeps_its_permissions_and_its_link(dataset_copy, tmp_path):
    real = tmp_path / "reports" / "r.json"
    real.parent.mkdir()
    real.write_text("{}\n", encoding="utf-8")
    real.chmod(0o640)
    link = tmp_path / "latest.json"
    link.symlink_to(real)
    assert runner.invoke(app, ["check", str(dataset_copy), "--json", str(link)]).exit_code == 0
    assert link.is_symlink() and json.loads(real.read_text(encoding="utf-8"))["summary"]["verdict"] == "pass"
    assert real.stat().st_mode & 0o777 == 0o640


def test_a_report_to_a_device_is_written_in_place(dataset_copy):
    assert runner.invoke(app, ["check", str(dataset_copy), "--html", os.devnull]).exit_code == 0


def test_two_runs_writing_one_output_leave_one_whole_file(dataset_copy, tmp_path):
    """Two runs at once, one writing JSON and one text to the same --output: the file is one of them, whole."""
    out = tmp_path / "report"
    for _ in range(3):
        runs = [subprocess.Popen([sys.executable, "-m", "factcheck.cli.main", "check", str(dataset_copy), "--format", fmt, "--output", str(out)],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) for fmt in ("json", "text")]
        for run in runs:
            assert run.communicate(timeout=120)[1] == "" and run.returncode == 0
        text = out.read_text(encoding="utf-8")
        if text.startswith("{"):
            assert json.loads(text)["summary"]["verdict"] == "pass"
        else:
            assert text.startswith("factcheck: ") and text.rstrip().splitlines()[-1].startswith("PASS: ") and "{" not in text
        assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "report"]  # no temporary file left


# -- 3. Ctrl-C ---------------------------------------------------------------------------------------------

# Runs factcheck's entry point as the console script does, and sends the process SIGINT the moment a given
# module is first imported: an interrupt at an exact point, however fast or slow the machine.
TRIP = """
import os, signal, sys
module = sys.argv[1]

class Trip:
    def find_spec(self, name, path=None, target=None):
        if name == module:
            sys.meta_path.remove(self)
            os.kill(os.getpid(), signal.SIGINT)
        return None

sys.meta_path.insert(0, Trip())
sys.argv = ["factcheck", *sys.argv[2:]]
from factcheck.cli.main import run
run()
"""


@pytest.mark.parametrize("module", [
    "typer",  # while the entry point's module is still importing, before run() is even defined
    "factcheck.checks.engine",  # in the command, loading the checker
    "factcheck.reports.text",  # with the report made, about to print it
])
def test_ctrl_c_at_an_exact_moment_exits_130_without_a_traceback(module, tmp_path):
    done = subprocess.run([sys.executable, "-c", TRIP, module, "check", "--output", str(tmp_path / "r.txt")],
                          capture_output=True, text=True, timeout=120)
    assert (done.returncode, done.stderr) == (130, "")
    assert not (tmp_path / "r.txt").exists() and list(tmp_path.iterdir()) == []


REPO = Path(__file__).resolve().parent.parent
FRAME = re.compile(r'File "([^"]+)", line (\d+)')


def before_factcheck(stderr: str) -> bool:
    """Whether a traceback comes from before factcheck's handler was set: Python starting (site, the import
    system, compiling the entry module) or the lines of cli/main.py above the handler. No program can
    catch an interrupt there; from the handler on, there must be no traceback at all."""
    install = next(n for n, line in enumerate((REPO / "cli" / "main.py").read_text(encoding="utf-8").splitlines(), 1)
                   if line.strip().startswith("_on_signal(SIGINT"))
    ours = [(Path(f), int(n)) for f, n in FRAME.findall(stderr) if Path(f).is_relative_to(REPO) and ".venv" not in Path(f).parts]
    return all(f == REPO / "cli" / "main.py" and n < install for f, n in ours)


def test_ctrl_c_sent_to_the_console_script_right_after_start_exits_130(tmp_path):
    """A real SIGINT from outside, at delays from the first milliseconds (Python still starting, then the
    entry point importing typer, polars and pydantic) to the middle of the check."""
    script = Path(sys.executable).parent / "factcheck"
    if not script.exists():
        pytest.skip("the factcheck console script is not installed beside this Python")
    landed = []
    for delay in (0.0, 0.01, 0.02, 0.03, 0.04, 0.06, 0.08, 0.1, 0.15, 0.2, 0.3, 0.45):
        run = subprocess.Popen([str(script), "check", "--html", str(tmp_path / "r.html")], cwd=REPO,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(delay)
        run.send_signal(signal.SIGINT)
        stdout, stderr = run.communicate(timeout=120)
        if run.returncode == -signal.SIGINT and not stderr:  # before Python had set any handler: killed, as the shell's 130
            continue
        if run.returncode == 0 and not stderr:  # it had finished
            continue
        if "Traceback" in stderr and before_factcheck(stderr):
            continue
        landed.append(delay)
        assert (run.returncode, stderr) == (130, ""), (delay, stderr)
    assert len(landed) >= 4, landed
    assert [p.name for p in tmp_path.iterdir() if p.name != "r.html"] == []  # no temporary file left behind


# -- 4. --version, colour, --quiet, progress ------------------------------------------------------------


def test_version_comes_from_the_package_metadata_and_imports_nothing_heavy():
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "factcheck.cli.main", "--version"], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0 and done.stdout == f"factcheck {version('factcheck')}\n"
    imported = {line.split("|")[-1].strip().split(".")[0] for line in done.stderr.splitlines() if line.startswith("import time:")}
    assert not imported & {"polars", "pydantic", "pandera", "jinja2", "yaml", "great_expectations"}


def on_terminal(args: list[str], stream: str, env: dict[str, str] | None = None, code: str | None = None) -> tuple[int, str]:
    """Run factcheck with ``stream`` (stdout or stderr) on a pseudo-terminal and the other to /dev/null; its
    exit code and what the terminal received."""
    master, slave = os.openpty()
    with open(os.devnull, "wb") as other:
        cmd = [sys.executable, "-c", code, *args] if code else [sys.executable, "-m", "factcheck.cli.main", *args]
        run = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=slave if stream == "stdout" else other,
                               stderr=slave if stream == "stderr" else other, env={**os.environ, **(env or {})})
        os.close(slave)
        received = b""
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the other end closed
                break
            if not chunk:
                break
            received += chunk
        os.close(master)
        return run.wait(timeout=120), received.decode("utf-8", "replace")


@pytest.fixture
def no_colour_env(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)


needs_a_terminal = pytest.mark.skipif(not hasattr(os, "openpty"), reason="no pseudo-terminals here")


@needs_a_terminal
def test_colour_on_a_terminal_unless_no_color(no_colour_env):
    assert "\x1b[" in on_terminal(["check"], "stdout")[1]  # a terminal gets colour
    assert "\x1b[" in on_terminal(["check"], "stdout", {"NO_COLOR": ""})[1]  # an empty NO_COLOR is no NO_COLOR
    for code, said in (on_terminal(["check"], "stdout", {"NO_COLOR": "1"}), on_terminal(["check", "--no-color"], "stdout")):
        assert code == 0 and "PASS:" in said and "\x1b" not in said


def test_quiet_prints_only_the_failing_findings_and_the_verdict(dataset_copy):
    clean = runner.invoke(app, ["check", str(dataset_copy), "--quiet"])
    assert clean.exit_code == 0 and clean.stdout.strip().splitlines() == [clean.stdout.strip()] and clean.stdout.startswith("PASS: ")
    bump_total(dataset_copy / "sources" / "ics-dec-2020-news.yaml")
    loud = runner.invoke(app, ["check", str(dataset_copy)]).stdout
    failed = runner.invoke(app, ["check", str(dataset_copy), "--quiet"])
    assert failed.exit_code == 1 and "TOT01" in failed.stdout and failed.stdout.rstrip().splitlines()[-1].startswith("FAIL: ")
    assert "WARNINGS" in loud and "WARNINGS" not in failed.stdout and "INFOS" not in failed.stdout and "claims from" not in failed.stdout
    assert len(failed.stdout) < len(loud) / 3


def test_the_pre_commit_hook_is_quiet():
    import yaml

    hooks = yaml.safe_load((Path(__file__).resolve().parent.parent / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert hooks[0]["entry"].split() == ["factcheck", "check", "--quiet"]


SLOW = """
import sys, time
import factcheck.checks.engine as engine
quick = engine.run

def slow(settings):
    time.sleep(1.6)
    return quick(settings)

engine.run = slow
sys.argv = ["factcheck", *sys.argv[1:]]
from factcheck.cli.main import run
run()
"""


@needs_a_terminal
def test_a_slow_check_shows_its_progress_on_a_terminal_only(dataset_copy):
    code, said = on_terminal(["check", str(dataset_copy)], "stderr", code=SLOW)
    assert code == 0 and "\rfactcheck: checking 5 fact files… 1 s" in said
    assert said.endswith("\r"), said  # and wiped when done
    piped = subprocess.run([sys.executable, "-c", SLOW, "check", str(dataset_copy)], capture_output=True, text=True, timeout=120)
    assert piped.returncode == 0 and piped.stderr == ""  # a log or a pipe gets nothing


# -- 5. --accept-rule-changes reaches the engine ---------------------------------------------------------


def test_the_options_reach_the_engine_as_one_settings_object_and_inconsistent_ones_are_refused(monkeypatch):
    import factcheck.checks.engine as engine

    seen: list = []
    real = engine.run
    monkeypatch.setattr(engine, "run", lambda settings: seen.append(settings) or real(settings))
    assert runner.invoke(app, ["check", "--fail-on", "never"]).exit_code == 0
    assert (seen[-1].fail_on, seen[-1].accept_rule_changes, seen[-1].base) == ("never", False, None)
    refused = runner.invoke(app, ["check", "--accept-rule-changes"])  # accepting rule changes means nothing without --base
    assert refused.exit_code == 2 and "--accept-rule-changes needs --base" in refused.stderr and len(seen) == 1
    assert "--accept-rule-changes" in runner.invoke(app, ["check", "--help"]).stdout
