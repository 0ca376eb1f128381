"""Rule kinds from other packages, without a fork: a package declares its kinds in the entry-point
group ``factcheck.rules`` (``name = module:KIND``, or a module with a ``KIND``), and they join the
catalogue beside factcheck's own. A name or code that clashes is refused, naming both origins.

The installed distributions are scanned directly (their ``entry_points.txt``): importlib.metadata
would cost a cold check some 30 ms, the scan under 2 ms.
"""

from __future__ import annotations

import os
import sys
from importlib import import_module

from .base import RuleKind

GROUP = "factcheck.rules"


def declared() -> list[tuple[str, str, str]]:
    """(distribution, entry-point name, 'module:attribute') for every kind declared on sys.path."""
    found = []
    for entry in sys.path:
        try:
            listing = os.scandir(entry or ".")
        except OSError:
            continue
        with listing:
            for dist in sorted((d for d in listing if d.name.endswith((".dist-info", ".egg-info"))), key=lambda d: d.name):
                try:
                    with open(os.path.join(dist.path, "entry_points.txt"), encoding="utf-8") as text:
                        lines = text.read().splitlines()
                except OSError:
                    continue
                section = None
                for line in lines:
                    line = line.strip()
                    if line.startswith("["):
                        section = line.strip("[]").strip()
                    elif section == GROUP and "=" in line and not line.startswith(("#", ";")):
                        name, _, target = line.partition("=")
                        found.append((dist.name.rsplit(".", 1)[0].rsplit("-", 1)[0], name.strip(), target.strip()))
    return found


def load_plugins(registry) -> list[str]:  # type: ignore[no-untyped-def]
    """Add every declared kind to ``registry``; return one line per plugin that could not be added."""
    problems = []
    for dist, name, target in declared():
        origin = f"package {dist} (entry point {name} = {target})"
        try:
            module, _, attribute = target.partition(":")
            obj = import_module(module.strip())
            for part in filter(None, attribute.strip().split(".")):
                obj = getattr(obj, part)
            kind = getattr(obj, "KIND", obj)
            if not isinstance(kind, RuleKind):
                raise TypeError(f"expected a factcheck RuleKind, found {type(kind).__name__}")
            registry.add(kind, origin)
        except Exception as err:  # noqa: BLE001 - a broken plugin must not take factcheck down: it is reported
            problems.append(f"rule kind plugin {origin}: {type(err).__name__}: {(str(err).splitlines() or [''])[0][:300]}")
    return problems
