"""The one explicit registry of rule kinds: factcheck's own (a module of ``checks/kinds/`` added here), then
those other packages declare in the entry-point group ``factcheck.rules`` (``checks.plugins``)."""

from __future__ import annotations

from .kinds import (
    evidence,
    list_counts,
    names_resolve,
    population_agreement,
    quote_fidelity,
    running_totals,
    source_dates,
    status_timeline,
    unique_designation,
)
from .base import KindRegistry
from .plugins import load_plugins

KINDS = KindRegistry()
for _module in (
    running_totals,
    unique_designation,
    population_agreement,
    list_counts,
    names_resolve,
    status_timeline,
    quote_fidelity,
    evidence,
    source_dates,
):
    KINDS.add(_module.KIND)
PLUGIN_PROBLEMS = load_plugins(KINDS)  # a plugin that cannot be loaded is a rule failure of every check
