"""The one explicit registry of rule kinds. A new kind is a module of ``checks/`` added here."""

from __future__ import annotations

from . import (
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
