"""Files named by input are read only inside their folder, only as regular files, and never past a cap.

A source's ``text_file`` (from YAML or from a ``*.sources.csv`` table), a symbolic link in the
``--sources`` folder or in a fact folder, a ``--rules`` or ``--baseline`` file that is a FIFO or a link
to ``/dev/zero``, and a symbolic link in the fact folder at the ``--base`` commit: each is refused with
a message that names the file, and nothing outside the folder is ever read or quoted.
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from typer.testing import CliRunner

from factcheck.checks.engine import check, read_source_texts
from factcheck.cli.main import app
from factcheck.facts.loader import load
from factcheck.facts.story import bundled_story_folder
from factcheck.facts.safepath import NotFound, UnsafeRead, read_capped, read_inside
from factcheck.facts.tables import COLUMNS
from factcheck.facts.tabular import DERIVED

from helpers import commit, edit, facts_repo, git

SECRET = "root:x:0:0:SECRET-LINE-7f3a:/root:/bin/bash"
DEC = "ics-dec-2020-news.yaml"
DEC_TEXT = "001_48238738c3d91010.txt"
FACTCHECK = Path(sys.executable).with_name("factcheck")

needs_posix = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs and /dev/zero are POSIX")


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    """A file outside every folder the check is given: its contents must never be read."""
    path = tmp_path / "outside" / "secret.txt"
    path.parent.mkdir()
    path.write_text(f"{SECRET}\n", encoding="utf-8")
    return path


@pytest.fixture
def texts(tmp_path: Path, seeds: Path) -> Path:
    """A writable copy of the source texts."""
    return Path(shutil.copytree(seeds, tmp_path / "texts"))


def _leaks(report) -> bool:  # type: ignore[no-untyped-def]
    return "SECRET-LINE" in report.model_dump_json()


# -- one function reads what a fact names ------------------------------------------------------------------


@needs_posix
def test_read_inside_refuses_every_way_out_of_the_folder_and_every_file_that_is_not_regular(tmp_path, secret):
    folder = tmp_path / "texts"
    (folder / "sub").mkdir(parents=True)
    (folder / "ok.txt").write_text("fine\n", encoding="utf-8")
    (folder / "sub" / "deep.txt").write_text("deep\n", encoding="utf-8")
    (folder / "out.txt").symlink_to(secret)
    (folder / "up").symlink_to(secret.parent, target_is_directory=True)
    (folder / "alias.txt").symlink_to("ok.txt")  # a link that stays inside is followed
    (folder / "zero.txt").symlink_to("/dev/zero")
    (folder / "dangling.txt").symlink_to("nowhere.txt")
    os.mkfifo(folder / "pipe.txt")
    assert read_inside(folder, "ok.txt", 100) == b"fine\n"
    assert read_inside(folder, "alias.txt", 100) == b"fine\n"
    assert read_inside(folder, "sub/deep.txt", 100) == b"deep\n"
    refused = {
        str(secret): "absolute path",
        "../outside/secret.txt": "'..'",
        "sub/../../outside/secret.txt": "'..'",
        "out.txt": "leads outside",
        "up/secret.txt": "leads outside",
        "zero.txt": "leads outside",
        "dangling.txt": "symbolic link to nothing",
        "pipe.txt": "FIFO",
        "sub": "a folder",
        "": "empty",
        "a\0b": "NUL",
        "sub\\deep.txt": "backslash",
    }
    for name, why in refused.items():
        with pytest.raises(UnsafeRead) as err:
            _within(lambda name=name: read_inside(folder, name, 100))
        assert why in err.value.message and not isinstance(err.value, NotFound), (name, err.value.message)
    with pytest.raises(NotFound):
        read_inside(folder, "absent.txt", 100)
    with pytest.raises(UnsafeRead, match="at most 3 bytes"):
        read_inside(folder, "ok.txt", 3)


@needs_posix
def test_read_capped_never_reads_a_device_or_waits_on_a_fifo(tmp_path):
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "zero").symlink_to("/dev/zero")
    for path, kind in ((Path("/dev/zero"), "character device"), (tmp_path / "zero", "character device"), (tmp_path / "pipe", "FIFO"),
                       (tmp_path, "a folder")):
        with pytest.raises(UnsafeRead, match=kind):
            _within(lambda path=path: read_capped(path, 1 << 20))


def _within(call, seconds: float = 10.0):  # type: ignore[no-untyped-def]
    """``call()`` in a thread that must finish in time: a read that blocks fails the test instead of hanging it."""
    out: dict = {}

    def target() -> None:
        try:
            out["value"] = call()
        except BaseException as err:  # noqa: BLE001 - handed back to the test
            out["error"] = err

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), "the read blocked"
    if "error" in out:
        raise out["error"]
    return out.get("value")


# -- source texts ----------------------------------------------------------------------------------------------


def test_a_link_in_the_sources_folder_that_leads_outside_is_not_followed(dataset_copy, texts, secret):
    (texts / "evil.txt").symlink_to(secret)
    path = dataset_copy / "sources" / DEC
    edit(path, f"text_file: {DEC_TEXT}", "text_file: evil.txt")
    edit(path, 'evidence: {line: 3, quote: "NHS England confirms 11 new integrated care systems"}',
         'evidence: {line: 1, quote: "root"}')
    tables = load([dataset_copy]).tables
    read, errors = read_source_texts(tables, texts)
    assert "evil.txt" not in read and DEC_TEXT not in read
    assert [(e.field, e.file.endswith(DEC)) for e in errors] == [("text_file", True)]
    assert "leads outside" in errors[0].message and "'evil.txt'" in errors[0].message
    report = check([dataset_copy], sources_dir=texts)
    assert any("evil.txt" in e and "leads outside" in e for e in report.load_errors)
    assert not _leaks(report)


def _as_tables(folder: Path) -> Path:
    """The bundled dataset as one CSV per typed table (derived columns left out)."""
    folder.mkdir()
    tables = load().tables
    for name in COLUMNS:
        tables[name].drop([c for c in DERIVED if c in tables[name].columns]).write_csv(folder / f"bundled.{name}.csv")
    shutil.copy(bundled_story_folder() / "rules.yaml", folder / "rules.yaml")
    return folder


@pytest.mark.parametrize("name", ["absolute", "../outside/secret.txt", "sub/../../outside/secret.txt"])
def test_a_table_that_names_a_file_outside_the_sources_folder_is_refused_at_its_line(tmp_path, texts, secret, name):
    folder = _as_tables(tmp_path / "tables")
    path = folder / "bundled.sources.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    row = next(i for i, line in enumerate(lines) if DEC_TEXT in line)
    lines[row] = lines[row].replace(DEC_TEXT, str(secret) if name == "absolute" else name)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = check([folder], sources_dir=texts)
    assert f"bundled.sources.csv:{row + 1}: text_file: expected the file name of the source text, without folders" in "\n".join(report.load_errors)
    assert not _leaks(report)


@pytest.mark.parametrize("name", ["absolute", "../outside/secret.txt"])
def test_source_texts_are_read_through_one_guard_whatever_the_tables_say(dataset_copy, texts, secret, name):
    """Even a text_file no loader checked (a table built in code) cannot lead out of the folder."""
    tables = load([dataset_copy]).tables
    sources = tables["sources"].with_columns(text_file=tables["sources"]["text_file"].replace(DEC_TEXT, str(secret) if name == "absolute" else name))
    hostile = tables.with_frames(sources=sources)
    read, errors = read_source_texts(hostile, texts)
    assert all(SECRET not in line for lines in read.values() for line in lines)
    assert len(errors) == 1 and errors[0].field == "text_file" and "expected a file name" in errors[0].message


# -- fact folders --------------------------------------------------------------------------------------------


def test_a_link_in_a_fact_folder_that_leads_outside_is_refused_not_loaded(dataset_copy, tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    moved = outside / DEC
    (dataset_copy / "sources" / DEC).rename(moved)
    (dataset_copy / "sources" / "linked.yaml").symlink_to(moved)
    (dataset_copy / "sources" / "inside.yaml").symlink_to("ics-june-2019-news.yaml")  # inside: followed (and a duplicate)
    (dataset_copy / "sources" / "more").symlink_to(outside, target_is_directory=True)
    dataset = load([dataset_copy])
    assert "ics-dec-2020-news" not in dataset.tables["sources"]["source_id"].to_list()
    messages = [str(e) for e in dataset.errors]
    assert any("linked.yaml: expected a fact file inside" in m and "leads outside" in m for m in messages), messages
    assert any("more: expected a folder inside" in m and "leads outside" in m for m in messages), messages
    assert any("inside.yaml" in m and "also used by" in m for m in messages), messages


@needs_posix
def test_a_fifo_in_a_fact_folder_is_refused_with_a_message(dataset_copy):
    os.mkfifo(dataset_copy / "sources" / "pipe.yaml")
    errors = _within(lambda: load([dataset_copy])).errors
    assert [e.file.endswith("pipe.yaml") and "FIFO" in e.message for e in errors] == [True]


# -- --rules and --baseline --------------------------------------------------------------------------------


def _limited() -> None:  # in the child: a read without a cap dies of MemoryError instead of taking the machine
    resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    try:
        return subprocess.run([str(FACTCHECK), *args], cwd=cwd, capture_output=True, text=True, timeout=90, preexec_fn=_limited)
    except subprocess.TimeoutExpired:
        pytest.fail(f"factcheck {' '.join(args)} hung")


@needs_posix
@pytest.mark.parametrize("option", ["--rules", "--baseline"])
@pytest.mark.parametrize("kind", ["dev-zero", "fifo"])
def test_rules_and_baseline_files_that_never_end_are_refused(tmp_path, dataset_copy, option, kind):
    target = tmp_path / "endless.yaml"
    if kind == "fifo":
        os.mkfifo(target)
    else:
        target.symlink_to("/dev/zero")
    done = _cli("check", str(dataset_copy), option, str(target), cwd=tmp_path)
    expected = "FIFO" if kind == "fifo" else "character device"
    assert done.returncode == 2, done.stderr[-2000:]
    assert "Traceback" not in done.stderr and "endless.yaml" in done.stderr and expected in done.stderr, done.stderr[-2000:]


def test_an_oversized_baseline_is_refused_without_trusting_its_size(tmp_path, dataset_copy, monkeypatch):
    from factcheck.checks import gate

    monkeypatch.setattr(gate, "MAX_BASELINE_BYTES", 10)
    baseline = tmp_path / "baseline.json"
    baseline.write_text('{"version": 1, "findings": []}\n', encoding="utf-8")
    with pytest.raises(gate.BaselineError, match="at most 10 bytes"):
        gate.read_baseline(baseline)


# -- --base ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("target", ["/etc/passwd", "../../../outside.yaml", "ics-june-2019-news.yaml"])
def test_a_link_in_the_fact_folder_at_the_base_commit_is_skipped_not_followed(tmp_path, monkeypatch, target):
    root = tmp_path / "claims"
    facts_repo(root)
    (tmp_path / "outside.yaml").write_text(f"# {SECRET}\n", encoding="utf-8")
    (root / "facts" / "sources" / "linked.yaml").symlink_to(target)
    commit(root, "a link among the fact files")
    git(root, "checkout", "-q", "-b", "pr")
    (root / "facts" / "sources" / "linked.yaml").unlink()
    commit(root, "the link removed")
    monkeypatch.chdir(root)
    result = CliRunner().invoke(app, ["check", "facts", "--base", "main", "--format", "json"])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code in (0, 1), result.output
    assert "SECRET-LINE" not in result.stdout and '"base": "git main' in result.stdout


def test_a_link_at_the_base_and_in_the_work_tree_is_an_error_of_the_work_tree_only(tmp_path, monkeypatch):
    root = tmp_path / "claims"
    facts_repo(root)
    (root / "facts" / "sources" / "linked.yaml").symlink_to("/etc/passwd")
    commit(root, "a link among the fact files")
    monkeypatch.chdir(root)
    result = CliRunner().invoke(app, ["check", "facts", "--base", "HEAD"])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "linked.yaml" in result.stderr and "leads outside" in result.stderr
