"""The HTML view of a Report: one self-contained page a reviewer reads in a browser.

A pure function of the report. Jinja2 renders it with autoescaping on, so every name, quote and title
from a fact file is escaped, attributes included; links are made only from http(s) addresses. CSS and
JavaScript are inlined and pinned by hash in a Content-Security-Policy, so that the page fetches
nothing and no script but its own can run, even if some text were to slip through unescaped.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from factcheck.checks.base_words import GENERIC
from factcheck.checks.model import Finding, Overview, Report, Severity, SourceInfo

TEMPLATES = Path(__file__).parent / "templates"
#: Okabe–Ito colours, readable by people with colour-vision deficiencies.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
SHOWN_QUOTES = 6  # quotes shown side by side per finding; the rest fold away
SHOWN_SOURCES = 200  # rows of the sources table; a dataset of thousands lists them all in its JSON
MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


@lru_cache(maxsize=1)
def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["safe_url"] = safe_url
    return env


def safe_url(url: str | None) -> str | None:
    """The address if it is a plain http(s) link, else None (``javascript:`` and the like are never linked)."""
    if url and url.strip().lower().startswith(("https://", "http://")) and not any(c in url for c in "\"'<> \t\r\n"):
        return url.strip()
    return None


def _sha256(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")


def short_label(source: SourceInfo) -> str:
    """'The Agency, Mar 2021' / 'trade press, 8 Dec 2020': what a column header has room for."""
    who = source.publisher.split(";")[0].split("(")[0].strip() or source.source_id
    lo, _, hi = source.published.partition("..")
    a = dt.date.fromisoformat(lo)
    if not hi:
        when = f"{a.day} {MONTHS[a.month - 1]} {a.year}"
    else:
        b = dt.date.fromisoformat(hi)
        when = f"{MONTHS[a.month - 1]} {a.year}" if (a.year, a.month) == (b.year, b.month) else (
            str(a.year) if a.year == b.year else f"{a.year}–{b.year}")
    return f"{who}, {when}"


# -- the chart: running count of the status---------------------------------------------------------------


@dataclass(frozen=True)
class Frame:
    """Maps months and counts to SVG coordinates."""

    x0: int  # months since year 0 at the left edge
    x1: int
    top: float  # the largest count shown
    width: int = 760
    height: int = 320
    left: int = 44
    right: int = 16
    up: int = 20
    down: int = 50

    def x(self, months: float) -> float:
        return round(self.left + (months - self.x0) / (self.x1 - self.x0) * (self.width - self.left - self.right), 1)

    def y(self, count: float) -> float:
        return round(self.height - self.down - count / self.top * (self.height - self.up - self.down), 1)


def _ticks(top: float, most: int = 10) -> list[float]:
    """At most ``most`` round ticks from 0 to ``top`` (steps of 10, 20, 50, 100, ...): never a number of
    ticks that a stated total, however large, decides."""
    step = 10.0
    while top / step > most:
        step *= 2.5 if str(int(step))[0] == "2" else 2
    return [i * step for i in range(int(top // step) + 1)]


def _months(wave: str) -> int:
    year, month = wave.split("-")
    return int(year) * 12 + int(month) - 1


MAX_LABELLED_WAVES = 16  # beyond this many waves, the chart does not write each one's name and size


def chart(overview: Overview, colours: dict[str, str], labels: dict[str, str], words: dict[str, str] | None = None) -> dict | None:
    """The geometry of the running-count chart: the line the waves add up to (with the merger step),
    each stated total as a dot in its source's colour, axes and labels."""
    words = words or GENERIC
    if not overview.waves:
        return None
    first, last = _months(overview.waves[0].wave), _months(overview.waves[-1].wave)
    f = Frame(x0=first - 12, x1=last + 4, top=max(overview.national_total, *(s.held_hi for s in overview.stated), 1) * 1.08)
    step = 14.0  # px between a wave's step up and its merger's step down
    path = [f"M{f.x(f.x0)},{f.y(overview.waves[0].before)}"]
    merges, steps, labels_x = [], [], []
    for w in overview.waves:
        x = f.x(_months(w.wave))
        path += [f"L{x},{f.y(w.before)}", f"L{x},{f.y(w.before + w.added)}"]
        steps.append({"x": x, "y": f.y(w.before + w.added) - 8, "text": f"+{w.added:g}"})
        if w.absorbed:  # the drop is drawn apart, dashed in red
            path += [f"L{x + step},{f.y(w.before + w.added)}", f"M{x + step},{f.y(w.after)}"]
            merges.append({"x": x + step, "y1": f.y(w.before + w.added), "y2": f.y(w.after),
                           "text": f"−{w.absorbed:g} merged", "wave": w.wave})
        labels_x.append(x)
    path.append(f"L{f.x(f.x1)},{f.y(overview.waves[-1].after)}")
    dots, seen = [], defaultdict(int)
    for s in overview.stated:
        at = _months(s.wave)
        side = "before" if s.at.startswith("before") else "after"
        slot = seen[(side, s.wave)]
        seen[(side, s.wave)] += 1
        dx = -8 - 9 * slot if side == "before" else step + 8 + 9 * slot
        if overview.line == "registry":  # dated: each dot at its own day
            dx = f.x(at + (s.day_of_month - 1) / 31) - f.x(at) if s.day_of_month else 0.0
        dots.append({
            "x": f.x(at) + dx, "y": f.y((s.held_lo + s.held_hi) / 2), "y_lo": f.y(s.held_lo), "y_hi": f.y(s.held_hi),
            "colour": colours.get(s.source_id, "#555"), "agrees": s.agrees, "source": labels.get(s.source_id, s.source_id),
            "title": f"{labels.get(s.source_id, s.source_id)}{f' and {s.claims - 1} more claims' if s.claims > 1 else ''}: {s.value!r} ({s.measure}, {s.at}) → {s.held_lo:g}"
                     + (f"–{s.held_hi:g}" if s.held_hi != s.held_lo else "") + f" {words['statuses']}; the waves add up to {s.expected:g}",
            "value": f"{s.held_lo:g}" if s.held_lo == s.held_hi else f"{s.held_lo:g}–{s.held_hi:g}",
        })
    span = f.x1 // 12 - (f.x0 + 11) // 12
    every = next(n for n in (1, 2, 5, 10, 20, 25, 50, 100, 200, 500, 1000) if span // n <= 10)  # at most about 11 year ticks
    years = [y for y in range((f.x0 + 11) // 12, f.x1 // 12 + 1) if y % every == 0]
    if len(overview.waves) > MAX_LABELLED_WAVES:  # too many to name each: the steps speak through their titles
        steps, labels_x = [], []
    return {
        "width": f.width, "height": f.height, "left": f.left, "right": f.width - f.right,
        "top_y": f.up, "base_y": f.y(0),
        "path": " ".join(path), "steps": steps, "merges": merges, "dots": dots,
        "start": {"x": f.x(f.x0) + 4, "y": f.y(overview.waves[0].before) - 6, "text": f"{overview.waves[0].before:g} {words['statuses']} before {overview.waves[0].wave}"},
        "total": {"y": f.y(overview.national_total), "text": f"all {overview.national_total} {words['entities']}"},
        "yticks": [{"y": f.y(v), "text": f"{v:g}"} for v in _ticks(f.top)],
        "xticks": [{"x": f.x(year * 12), "text": str(year)} for year in years],
        "waves": [{"x": x, "text": w.wave, "row": i % 2 if any(abs(x - o) < 64 for o in labels_x if o != x) else 0}
                  for i, (x, w) in enumerate(zip(labels_x, overview.waves))],
    }


# -- the page --------------------------------------------------------------------------------------------


def _groups(report: Report) -> list[dict]:
    """Findings grouped by rule, the rules with the worst findings first."""
    info = {r.code: r for r in report.rules}
    by_rule: dict[str, list[Finding]] = defaultdict(list)
    for f in report.findings:
        by_rule[f.rule].append(f)
    groups = [
        {"code": code, "rule": info.get(code), "findings": sorted(fs, key=lambda f: -f.severity.rank),
         "worst": max(f.severity.rank for f in fs)}
        for code, fs in by_rule.items()
    ]
    return sorted(groups, key=lambda g: (-g["worst"], g["code"]))


def _filter_sources(report: Report) -> list[SourceInfo]:
    """The sources the source filter offers: all of a small dataset, else those some finding quotes."""
    if len(report.sources) <= SHOWN_SOURCES:
        return report.sources
    quoted = {loc.source_id for f in report.findings for loc in f.locations}
    return [s for s in report.sources if s.source_id in quoted]


def render(report: Report) -> str:
    env = _environment()
    css = (TEMPLATES / "report.css").read_text(encoding="utf-8")
    js = (TEMPLATES / "report.js").read_text(encoding="utf-8")
    swatch = {s.source_id: i % len(PALETTE) for i, s in enumerate(report.sources)}
    colours = {source_id: PALETTE[i] for source_id, i in swatch.items()}
    css += "".join(f'.swatch[data-colour="{i}"]{{background:{c}}}' for i, c in enumerate(PALETTE))
    labels = {s.source_id: short_label(s) for s in report.sources}
    sources = {s.source_id: s for s in report.sources}
    words = report.story.words if report.story and report.story.words else GENERIC
    return env.get_template("report.html.j2").render(
        report=report,
        s=report.summary,
        css=css,
        js=js,
        csp=f"default-src 'none'; style-src '{_sha256(css)}'; script-src '{_sha256(js)}'; img-src data:; base-uri 'none'; form-action 'none'",
        groups=_groups(report),
        counts={"error": report.summary.errors, "warning": report.summary.warnings, "info": report.summary.infos},
        severities=[s.value for s in sorted(Severity, key=lambda s: -s.rank)],
        rule_codes=sorted({f.rule for f in report.findings}),
        swatch=swatch,
        shown_quotes=SHOWN_QUOTES,
        shown_sources=SHOWN_SOURCES,
        filter_sources=_filter_sources(report),
        labels=labels,
        sources=sources,
        chart=chart(report.overview, colours, labels, words) if report.overview and report.overview.waves else None,
        entities=report.overview.entities if report.overview and any(r.marks for r in report.overview.entities) else [],
        w=words,
        story=report.story,
        by_source=report.overview.by_source if report.overview else True,
        checked_at=report.checked_at.replace("T", " ").replace("+00:00", " UTC"),
    )
