"""Helpers tests share: editing a fact file in place, the payloads of a hostile fact file, git, and reading
GitHub workflow commands."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

IMG = "<img src=x onerror=alert(1)>"
SCRIPT = "<script>document.title='pwned'</script>"


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    """Replace ``old`` by ``new`` in a file; the text must be there."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def bump_total(path: Path) -> None:
    """The December 2020 news says 31 ICSs instead of 29, in its value and its quote alike (as a real
    edit would): the running totals break, the evidence still holds."""
    edit(path, 'value: "29"', 'value: "31"')
    edit(path, "ICSs to 29", "ICSs to 31")


def make_hostile(dataset: Path) -> Path:
    """Plant script, event-handler, javascript: and command-injection payloads in a dataset's claims, in a
    fact file whose name needs escaping in annotation properties."""
    original = dataset / "sources" / "ics-mar-2021-news.yaml"
    path = original.with_name("hostile,news:2021.yaml")
    original.rename(path)
    edit(path, "title: Final 13 areas to become ICSs from April", f'title: "{SCRIPT}"')
    edit(path, "published: 2021-03-23", 'published: 2021-03-23\n  url: "javascript:alert(1)"')
    edit(path, "subject: Cambridge & Peterborough,", f'subject: "{IMG}",')
    edit(path, "subject: Mid and South Essex,", 'subject: "Mid and South Essex\\n::error::pwned%0A",')
    return dataset


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True).stdout.strip()


def commit(repo: Path, message: str) -> str:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD")


def facts_repo(root: Path, into: str = "facts") -> str:
    """A git repository at ``root`` with the bundled dataset in ``into`` committed on main; its commit."""
    from factcheck.facts.story import bundled_story_folder

    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    shutil.copytree(bundled_story_folder(), root / into, ignore=shutil.ignore_patterns("__pycache__"))
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.email", "analyst@example.org")
    git(root, "config", "user.name", "Analyst")
    return commit(root, "the bundled facts")


def annotations(text: str) -> list[dict]:
    """The GitHub workflow commands in ``text``: level, properties (still escaped) and message."""
    found = []
    for line in text.splitlines():
        m = re.match(r"^::(error|warning|notice)(?: ([^:]*))?::(.*)$", line)
        if m:
            props = dict(p.split("=", 1) for p in (m.group(2) or "").split(",") if p)
            found.append({"level": m.group(1), **props, "message": m.group(3)})
    return found


def unescape(value: str) -> str:
    """A property value as GitHub reads it."""
    for code, char in (("%2C", ","), ("%3A", ":"), ("%0A", "\n"), ("%0D", "\r"), ("%25", "%")):
        value = value.replace(code, char)
    return value
