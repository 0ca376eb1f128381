from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from factcheck.facts.loader import load
from factcheck.facts.story import ACTIVE, bundled_story_folder, read_story

REPO = Path(__file__).resolve().parent.parent
SEEDS = Path(os.environ.get("FACTCHECK_SEEDS", REPO.parent / "shared" / "seeds"))


@pytest.fixture(scope="session")
def seeds() -> Path:
    if not SEEDS.is_dir():
        pytest.skip(f"source texts not found at {SEEDS} (set FACTCHECK_SEEDS)")
    return SEEDS


@pytest.fixture(scope="session")
def ics_story():
    return read_story(bundled_story_folder(), bundled=True)


@pytest.fixture(autouse=True)
def _ics_story_in_effect(request, ics_story):
    """Most tests check pieces of the ICS story's data outside its folder (a few claims in a temporary
    folder): the bundled story is in effect for them, as ``--story examples/ics`` would make it. A test
    marked ``no_story`` runs as a fresh process does, finding its story (or none) from its paths."""
    if request.node.get_closest_marker("no_story"):
        yield
        return
    token = ACTIVE.set(ics_story)
    yield
    ACTIVE.reset(token)


@pytest.fixture(scope="session")
def bundled():
    return load()


@pytest.fixture
def dataset_copy(tmp_path: Path) -> Path:
    """A writable copy of the bundled dataset (fact files and rules)."""
    target = tmp_path / "data"
    shutil.copytree(bundled_story_folder(), target, ignore=shutil.ignore_patterns("__pycache__"))
    return target


@pytest.fixture
def hostile(dataset_copy: Path) -> Path:
    """The bundled dataset with hostile payloads in its claims (see ``helpers.make_hostile``)."""
    from helpers import make_hostile

    return make_hostile(dataset_copy)
