from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from factcheck.facts.loader import bundled_dataset, load

REPO = Path(__file__).resolve().parent.parent
SEEDS = Path(os.environ.get("FACTCHECK_SEEDS", REPO.parent / "shared" / "seeds"))


@pytest.fixture(scope="session")
def seeds() -> Path:
    if not SEEDS.is_dir():
        pytest.skip(f"source texts not found at {SEEDS} (set FACTCHECK_SEEDS)")
    return SEEDS


@pytest.fixture(scope="session")
def bundled():
    return load()


@pytest.fixture
def dataset_copy(tmp_path: Path) -> Path:
    """A writable copy of the bundled dataset (fact files and rules)."""
    target = tmp_path / "data"
    shutil.copytree(bundled_dataset(), target, ignore=shutil.ignore_patterns("__pycache__"))
    return target


@pytest.fixture
def hostile(dataset_copy: Path) -> Path:
    """The bundled dataset with hostile payloads in its claims (see ``helpers.make_hostile``)."""
    from helpers import make_hostile

    return make_hostile(dataset_copy)
