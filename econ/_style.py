"""One look for every chart: the colour of each option, plan, component and series, the number formats, and the
settings that keep text apart.

Colours are fixed by key (the name a chart shows), never by order of appearance, so that the closed API,
engineering time or the GPUs have the same colour on every page of every scenario. The palette is Tableau 20: an
option's own colour in full, its variants (the arms of the fine-tuning page, a routed split's shares) in the paler
shade of the same hue. Every chart builder of the kit colours by `color_scale` and ends with `finish`.
"""

from __future__ import annotations

import math
import textwrap

import altair as alt
import pandas as pd

__all__ = ["OPTION_COLORS", "COMPONENT_COLORS", "SERIES_COLORS", "PALETTE", "color_scale", "finish", "marked_rules",
           "wrap_lines", "TITLE_LINE_CHARS",
           "usd_axis", "count_axis", "USD_AXIS", "TOKENS_AXIS", "USD_LABEL", "COUNT_LABEL"]

_BLUE, _BLUE2 = "#4e79a7", "#a0cbe8"
_ORANGE, _ORANGE2 = "#f28e2b", "#ffbe7d"
_GREEN, _GREEN2 = "#59a14f", "#8cd17d"
_RED, _RED2 = "#e15759", "#ff9d9a"
_TEAL, _TEAL2 = "#499894", "#86bcb6"
_OLIVE, _YELLOW = "#b6992d", "#f1ce63"
_PURPLE, _PURPLE2 = "#b07aa1", "#d4a6c8"
_BROWN, _BROWN2 = "#9d7660", "#d7b5a6"
_PINK = "#d37295"
_GREY, _GREY2, _INK = "#79706e", "#bab0ac", "#333333"

OPTION_COLORS = {
    # the options and the routed split (econ.OPTIONS, the decision's plans)
    "closed API": _BLUE,
    "managed open endpoint": _ORANGE,
    "self-hosted": _GREEN,
    "routed split": _PURPLE,
    # which option a Monte Carlo draw finds cheaper
    "self-hosted cheaper": _GREEN,
    "closed API cheaper": _BLUE,
    "managed open endpoint cheaper": _ORANGE,
    # self-hosting's price bases over time (econ._timeline.TIMELINE_OPTIONS)
    "self-hosted, on-demand GPUs": _GREEN2,
    "self-hosted, 1-year commitment": _GREEN,
    "self-hosted, 3-year commitment": _TEAL,
    "self-hosted, bought GPUs": _BROWN,
    # the arms of the fine-tuning page (econ._finetune.ARMS): the option's hue, paler for the variant
    "closed API, long prompt": _BLUE,
    "closed API, long prompt, cached": _BLUE2,
    "managed base, long prompt": _ORANGE2,
    "fine-tuned, managed": _ORANGE,
    "self-hosted base, long prompt": _GREEN2,
    "fine-tuned, self-hosted": _GREEN,
}
"""Colour of each option, plan and arm, by its display name."""

COMPONENT_COLORS = {
    # the cost model's components (their names: econ._costs.COMPONENT_LABELS)
    "tokens": _BLUE,
    "GPUs": _GREEN,
    "power": _YELLOW,
    "hosting": _TEAL2,
    "engineering": _RED,
    "evaluation": _RED2,
    "upgrades": _PINK,
    "egress and storage": _BROWN,
    "compliance": _GREY,
    "router": _PURPLE,
    # a routed split's parts: the destination's hue, paler (its tokens or GPUs are counted inside)
    "routed to the closed API": _BLUE2,
    "routed to the managed open endpoint": _ORANGE2,
    "routed to the self-hosted fleet": _GREEN2,
    # the provisioning page's parts of the GPU bill (econ._traffic)
    "GPUs committed or owned": _GREEN,
    "GPUs on demand": _GREEN2,
    "power of the GPUs run": _YELLOW,
    "overflow to the API": _BLUE,
    # the routing page's requests by where they were served (econ._routing.OVERFLOW_COMPONENTS)
    "self-hosted, failed and re-sent": _RED,
    "overflow to API": _BLUE,
    # the fine-tuning page's parts of a request's cost (econ._finetune)
    "tokens or GPUs": _BLUE,
    "operations": _RED,
    "fine-tuning": _OLIVE,
    "redone requests": _PINK,
    # steps of a saving
    "running cost": _GREY2,
    "saving": _GREEN,
    "extra cost": _RED,
}
"""Colour of each cost component and part of a bill, by its label."""

SERIES_COLORS = {
    # traffic and provisioning policies (econ._traffic.POLICIES)
    "demand": _INK,
    "fixed fleet (the decision's)": _GREEN,
    "autoscaling": _TEAL,
    "scale to zero": _OLIVE,
    # the capacity model's measurements
    "calibration": _GREY2,
    "validation": _PINK,
    "decode": _TEAL,
    "latency": _OLIVE,
    "saturated": _PINK,
    "prefill": _BROWN,
    # one assumption at a time; Sobol indices
    "assumption at its low end": _TEAL2,
    "assumption at its high end": _TEAL,
    "first-order (alone)": _TEAL2,
    "total (with interactions)": _TEAL,
    # routers
    "no router": _GREY,
    "best path": _INK,
}
"""Colour of the other series the pages draw (policies, measurement sets, ends of a range), by their name."""


def _merge(*dicts: dict[str, str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for d in dicts:
        for k, v in d.items():
            if out.setdefault(k, v) != v:
                raise ValueError(f"{k!r} has two colours in econ._style: {out[k]} and {v}")
    return out


PALETTE = _merge(OPTION_COLORS, COMPONENT_COLORS, SERIES_COLORS)
"""Every name with its colour: one colour per name on every page and scenario."""


def color_scale(names, colors: dict[str, str] = PALETTE) -> alt.Scale:
    """An Altair colour scale giving each of ``names`` its fixed colour (grey for a name with none).

    Examples
    --------
    >>> s = color_scale(["self-hosted", "closed API"]).to_dict()
    >>> s["domain"], s["range"]
    (['self-hosted', 'closed API'], ['#59a14f', '#4e79a7'])
    """
    names = list(dict.fromkeys(names))
    return alt.Scale(domain=names, range=[colors.get(n, _GREY2) for n in names])


def _label_expr(money: bool) -> str:
    """A Vega expression writing a number in k, M, B (d3's SI prefixes, its 'G' read as B), with a dollar sign when
    ``money``; below 1,000 as a plain number; empty labels (a log axis thins its ticks) stay empty."""
    cur = "$" if money else ""
    return (f"datum.label == '' ? '' : abs(datum.value) >= 1000 ? "
            f"replace(format(datum.value, '{cur},.3~s'), 'G', 'B') : format(datum.value, '{cur},.4~g')")


USD_LABEL = _label_expr(True)
"""Vega expression for dollars: $0.25, $12, $450, $12k, $3.4M, $1.2B."""
COUNT_LABEL = _label_expr(False)
"""Vega expression for counts: 0.5, 12, 450, 100k, 10M, 1B."""


def usd_axis(**kw) -> alt.Axis:
    """An axis in dollars, thousands as k, millions as M, billions as B (``kw``: other `alt.Axis` settings)."""
    return alt.Axis(labelExpr=USD_LABEL, **kw)


def count_axis(**kw) -> alt.Axis:
    """An axis of counts (tokens, requests), thousands as k, millions as M, billions as B."""
    return alt.Axis(labelExpr=COUNT_LABEL, **kw)


USD_AXIS = usd_axis()
"""Dollars in thousands, millions, billions: $12k, $3.4M, $1.2B."""
TOKENS_AXIS = count_axis()
"""Counts in thousands, millions, billions: 100k, 10M, 1B."""

LABEL_GAP_PX = 6
"""Least space between two axis labels: closer ones are thinned (a log axis's "100k200k")."""


TITLE_LINE_CHARS = 90
"""Longest line of a chart's title or subtitle, in characters: longer text is wrapped onto more lines, so that a
title never makes a chart wider than its plot and axes (a page then shrinks the whole chart to fit)."""


def wrap_lines(text, chars: int = TITLE_LINE_CHARS):
    """A title or subtitle as lines of at most ``chars`` characters (split at spaces; a single word longer than that
    stays whole): a string when it fits on one line, else a list of lines (Vega-Lite draws one line per item).

    Examples
    --------
    >>> wrap_lines("Monthly cost against daily volume")
    'Monthly cost against daily volume'
    >>> wrap_lines("per-token options: tokens plus fixed monthly costs, so flat at low volumes", chars=40)
    ['per-token options: tokens plus fixed', 'monthly costs, so flat at low volumes']
    >>> wrap_lines(["a first line", "a second line"], chars=8)
    ['a first', 'line', 'a second', 'line']
    """
    if not isinstance(text, (str, list, tuple)):
        return text
    parts = [text] if isinstance(text, str) else list(text)
    lines = [line for part in parts for line in (textwrap.wrap(str(part), chars, break_long_words=False,
                                                               break_on_hyphens=False) or [""])]
    return lines[0] if len(lines) == 1 else lines


def _wrap_titles(chart, chars: int = TITLE_LINE_CHARS):
    """``chart`` with its title and subtitle, and those of the charts it layers or concatenates, wrapped by
    `wrap_lines` (in place; returns the chart)."""
    title = getattr(chart, "title", alt.Undefined)
    if isinstance(title, (str, list)):
        chart.title = wrap_lines(title, chars)
    elif isinstance(title, alt.TitleParams):
        title.text = wrap_lines(title.text, chars)
        if title.subtitle is not alt.Undefined:
            title.subtitle = wrap_lines(title.subtitle, chars)
    elif isinstance(title, dict):
        chart.title = {**title, **{k: wrap_lines(title[k], chars) for k in ("text", "subtitle") if k in title}}
    for attr in ("layer", "hconcat", "vconcat", "concat"):
        for sub in getattr(chart, attr, None) or ():
            if isinstance(sub, alt.TopLevelMixin) or hasattr(sub, "title"):
                _wrap_titles(sub, chars)
    spec = getattr(chart, "spec", alt.Undefined)  # a facet's or a repeat's inner chart
    if spec is not alt.Undefined and hasattr(spec, "title"):
        _wrap_titles(spec, chars)
    return chart


def finish(chart):
    """The settings every chart of the kit shares: titles and subtitles wrapped to lines of at most
    `TITLE_LINE_CHARS` characters (fewer on a plot narrower than 550 px: no wider than the plot and its axis), axis labels thinned to keep ``LABEL_GAP_PX`` apart, legends and titles never cut
    short, titles at the left. Returns the configured chart (top level: configure last)."""
    width = getattr(chart, "width", alt.Undefined)
    chars = (min(TITLE_LINE_CHARS, max(40, round((width + 40) / 6.5))) if isinstance(width, (int, float))
             else TITLE_LINE_CHARS)  # about 6.5 px a character of a 12-px subtitle, beside the y axis's 40 px
    return (_wrap_titles(chart, chars)
            .configure_axis(labelSeparation=LABEL_GAP_PX, labelLimit=320, titleFontWeight="normal",
                            titleFontSize=12, labelFontSize=11)
            .configure_legend(labelLimit=0, titleLimit=0, titleFontWeight="normal", labelFontSize=11)
            .configure_title(anchor="start", fontSize=14, subtitleFontSize=12, subtitleColor="#555", limit=0))


def marked_rules(marks, field: str, domain: tuple[float, float], log: bool = False, color: str = _GREY,
                 dash=(4, 3), row_px: int = 15):
    """Vertical rules at ``marks`` (``[(x, label), ...]``) with their labels written across the top of the plot,
    one row per label from left to right, so that labels of nearby rules never overprint; a label starts at its
    rule and runs right, or ends at it in the right 40 % of ``domain``. ``field`` is the x field of the chart the
    rules go on (so they share its scale and axis title). Give at least one mark (an empty layer makes Vega warn).
    """
    lo, hi = (math.log10(domain[0]), math.log10(domain[1])) if log else domain
    pos = lambda x: ((math.log10(x) if log else x) - lo) / (hi - lo) if hi > lo else 0.5  # noqa: E731
    rows = sorted(((float(x), str(text)) for x, text in marks if x is not None and math.isfinite(float(x))),
                  key=lambda r: r[0])
    data = pd.DataFrame([{field: x, "label": text, "y": 2 + row_px * i, "right": pos(x) > 0.6}
                         for i, (x, text) in enumerate(rows)], columns=[field, "label", "y", "right"])
    layers = [alt.Chart(data).mark_rule(strokeDash=list(dash), color=color).encode(x=alt.X(f"{field}:Q"))]
    for right, part in data[data["label"] != ""].groupby("right"):  # no empty layer: Vega warns of its extent
        layers.append(alt.Chart(part).mark_text(align="right" if right else "left", baseline="top", dx=-4 if right else 4,
                                                color=color).encode(
            x=alt.X(f"{field}:Q"), y=alt.Y("y:Q", scale=None), text="label:N"))
    return alt.layer(*layers)
