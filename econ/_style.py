"""One look for every chart: the colour of each option, plan and cost component, and the number formats.

Colours are fixed by key, never by order of appearance, so that the closed API, engineering time or the GPUs have
the same colour on every page of every scenario. The palette is Tableau 10 (Altair's default), assigned once here.
"""

from __future__ import annotations

import altair as alt

__all__ = ["OPTION_COLORS", "COMPONENT_COLORS", "color_scale", "USD_AXIS", "TOKENS_AXIS"]

OPTION_COLORS = {
    "closed API": "#4e79a7",
    "managed open endpoint": "#f28e2b",
    "self-hosted": "#59a14f",
    "routed split": "#b07aa1",
}
"""Colour of each option and plan, by its display name."""

COMPONENT_COLORS = {
    "tokens": "#4e79a7",
    "gpu": "#59a14f",
    "power": "#8cd17d",
    "hosting": "#86bcb6",
    "engineering": "#e15759",
    "evaluation": "#ff9d9a",
    "upgrade": "#f1ce63",
    "egress and storage": "#9d7660",
    "compliance": "#79706e",
    "router": "#b07aa1",
    "share on the closed API": "#4e79a7",
    "share on the managed open endpoint": "#f28e2b",
    "share on the self-hosted": "#59a14f",
}
"""Colour of each cost component, by its label (`econ._charts.COMPONENT_LABELS` and the routed split's parts)."""

USD_AXIS = alt.Axis(format="$,.3~s", labelExpr="replace(datum.label, 'G', 'B')")
"""Dollars in thousands, millions, billions: $12k, $3.4M, $1.2B (d3's SI 'G' read as B)."""
TOKENS_AXIS = alt.Axis(format=",.2~s", labelExpr="replace(datum.label, 'G', 'B')")
"""Counts in thousands, millions, billions: 100k, 10M, 1B."""


def color_scale(names, colors: dict[str, str] = OPTION_COLORS) -> alt.Scale:
    """An Altair colour scale giving each of ``names`` its fixed colour (grey for a name with none)."""
    names = list(dict.fromkeys(names))
    return alt.Scale(domain=names, range=[colors.get(n, "#bab0ac") for n in names])
