"""Helpers tests share: editing a fact file in place, and the payloads of a hostile fact file."""

from __future__ import annotations

from pathlib import Path

IMG = "<img src=x onerror=alert(1)>"
SCRIPT = "<script>document.title='pwned'</script>"


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    """Replace ``old`` by ``new`` in a file; the text must be there."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


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
