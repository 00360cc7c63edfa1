"""Chart builders for the cost model. Each returns an `alt.Chart`; the notebook shows it."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from ._breakeven import VOLUME_RANGE, breakeven_tokens_per_day, cost_vs_volume
from ._costs import COMPONENT_LABELS, COMPONENTS, HOURS_PER_MONTH, OPTIONS, effective_usd_per_mtok, option_costs
from ._style import USD_AXIS, color_scale, count_axis, finish, marked_rules, usd_axis

__all__ = ["cost_vs_volume_chart", "usd_per_mtok_vs_utilization_chart", "cost_components_chart"]

def _volume_frame(scenario, points: int = 161) -> pd.DataFrame:
    """Monthly cost of each option and of the decision's routed split at each volume (the fleet re-chosen and the
    split's router re-tuned to the quality floor at every volume, `econ.plan_costs`; NaN where it cannot reach it)."""
    from ._breakeven import _tokens_per_request
    from ._pipeline import PLAN_NAMES, _routed_split, plan_costs

    tokens = np.logspace(np.log10(VOLUME_RANGE[0]), np.log10(VOLUME_RANGE[1]), points)
    routed, _ = _routed_split(scenario)
    requests = tokens / _tokens_per_request(scenario)
    plans = plan_costs(scenario.replace({"workload.requests_per_day": requests}).values, routed)
    return pd.concat(
        [pd.DataFrame({"tokens_per_day": tokens, "option": PLAN_NAMES[k],
                       "monthly_usd": np.where(np.broadcast_to(p.get("eligible", True), tokens.shape) | (k != "routed"),
                                               np.broadcast_to(p["monthly_usd"], tokens.shape), np.nan)})
         for k, p in plans.items()],
        ignore_index=True,
    ).dropna(subset=["monthly_usd"])


def _short(x: float) -> str:
    """A daily volume as the axes write it: 93M, 1.2B."""
    for div, s in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if x >= div:
            return f"{x / div:.3g}{s}"
    return f"{x:.3g}"


def cost_vs_volume_chart(scenario) -> alt.Chart:
    """Monthly cost of each option against daily volume (log-log), with breakevens and today's volume.

    Crossovers are where the self-hosted option starts to cost less than each per-token option; each rule is
    labelled with its volume across the top of the plot, one row each.
    """
    data = _volume_frame(scenario)
    names = list(dict.fromkeys(data["option"]))
    lines = alt.Chart(data).mark_line().encode(
        x=alt.X("tokens_per_day:Q", scale=alt.Scale(type="log", domain=list(VOLUME_RANGE)),
                title="daily volume (tokens per day, input + output; log scale)", axis=count_axis()),
        y=alt.Y("monthly_usd:Q", scale=alt.Scale(type="log"), title="monthly cost (USD; log scale)", axis=USD_AXIS),
        color=alt.Color("option:N", scale=color_scale(names), title="option", sort=names,
                        legend=alt.Legend(orient="bottom", direction="horizontal")),
        tooltip=[alt.Tooltip("option:N"), alt.Tooltip("tokens_per_day:Q", format=",.3~s", title="tokens/day"),
                 alt.Tooltip("monthly_usd:Q", format="$,.0f", title="USD/month")],
    )
    today = float(scenario["workload.requests_per_day"]) * (
        scenario["workload.input_tokens_per_request"] + scenario["workload.output_tokens_per_request"]
    )
    marks = [(today, f"this scenario: {_short(today)} tokens/day")]
    for other in ("api", "managed"):
        be = breakeven_tokens_per_day(scenario, other, "selfhost")
        if np.isfinite(be.tokens_per_day):
            marks.append((be.tokens_per_day, f"self-hosting cheaper than the {OPTIONS[other]} above {_short(be.tokens_per_day)}"))
    rules = marked_rules(marks, "tokens_per_day", VOLUME_RANGE, log=True)
    routed = "routed split" in names
    subtitle = ("per-token options: tokens plus fixed monthly costs (engineering, evaluation), so flat at low volumes "
                "and rising with volume once tokens dominate; self-hosting in steps, one replica at a time"
                + ("; the routed split with its router re-tuned to the quality floor at each volume" if routed else ""))
    return finish(alt.layer(lines, rules).properties(
        title=alt.TitleParams("Monthly cost against daily volume", subtitle=subtitle), width=640, height=340))


def usd_per_mtok_vs_utilization_chart(scenario) -> alt.Chart:
    """Cost per million tokens of self-hosting against utilization, beside the per-token options.

    Two self-hosted lines: GPU rent only for one replica (claim 12's formula), and every cost of the
    scenario's fleet spread over the tokens it serves at that utilization. Both axes are logarithmic, from half the
    scenario's own utilization (5 % at most) to 100 %, so that the scenario's point sits on the curves however low
    it is; it is marked and labelled.
    """
    v = scenario.values
    costs = option_costs(v)
    sh = costs["selfhost"]
    realized = float(sh["utilization"])
    util = np.geomspace(min(0.05, realized / 2), 1.0, 96)
    tokens_per_request = v["workload.input_tokens_per_request"] + v["workload.output_tokens_per_request"]
    replica_tokens_per_s = float(sh["replica_requests_per_s"]) * tokens_per_request
    replica_hourly = float(sh["gpu_usd"] + sh["power_usd"] + sh["hosting_usd"]) / float(sh["replicas"]) / HOURS_PER_MONTH
    fleet_tokens_per_s = replica_tokens_per_s * float(sh["serving_replicas"])
    all_in_hourly = float(sh["monthly_usd"]) / HOURS_PER_MONTH
    fleet, replica = "self-hosted, all costs of the fleet", "self-hosted, GPU cost of one replica"
    rows = [
        pd.DataFrame({"utilization": util, "option": fleet,
                      "usd_per_mtok": effective_usd_per_mtok(all_in_hourly, fleet_tokens_per_s, util)}),
        pd.DataFrame({"utilization": util, "option": replica,
                      "usd_per_mtok": effective_usd_per_mtok(replica_hourly, replica_tokens_per_s, util)}),
    ]
    for key in ("api", "managed"):
        c = costs[key]
        rows.append(pd.DataFrame({"utilization": util, "option": f"{OPTIONS[key]}, all costs",
                                  "usd_per_mtok": float(c["monthly_usd"] / (c["tokens_per_month"] / 1e6))}))
    data = pd.concat(rows, ignore_index=True)
    names = list(dict.fromkeys(data["option"]))
    colors = {fleet: "#59a14f", replica: "#59a14f", f"{OPTIONS['api']}, all costs": "#4e79a7",
              f"{OPTIONS['managed']}, all costs": "#f28e2b"}
    x = alt.X("utilization:Q", scale=alt.Scale(type="log", domain=[float(util[0]), 1.0], nice=False),
              title="utilization of the self-hosted capacity (log scale)", axis=alt.Axis(format=".0%"))
    legend = alt.Legend(orient="bottom", direction="vertical", title=None)
    lines = alt.Chart(data).mark_line().encode(
        x=x,
        y=alt.Y("usd_per_mtok:Q", scale=alt.Scale(type="log"), title="cost per million tokens (USD; log scale)",
                axis=USD_AXIS),
        color=alt.Color("option:N", scale=color_scale(names, colors), sort=names, legend=legend),
        strokeDash=alt.StrokeDash("option:N", sort=names, legend=legend, scale=alt.Scale(
            domain=names, range=[[1, 0], [6, 3], [1, 0], [1, 0]])),
        tooltip=[alt.Tooltip("option:N"), alt.Tooltip("utilization:Q", format=".1%"),
                 alt.Tooltip("usd_per_mtok:Q", format="$,.3f", title="USD per million tokens")],
    )
    here = float(effective_usd_per_mtok(all_in_hourly, fleet_tokens_per_s, realized))
    point = alt.Chart(pd.DataFrame({"utilization": [realized], "usd_per_mtok": [here]})).mark_point(
        filled=True, size=70, color="#333333").encode(x=x, y="usd_per_mtok:Q")
    from ._views import pct, usd

    rule = marked_rules([(realized, f"this scenario: {pct(realized)} utilization, {usd(here, price=True)} per million tokens")],
                        "utilization", (float(util[0]), 1.0), log=True)
    return finish(alt.layer(lines, rule, point).properties(
        title="Cost per million tokens against utilization", width=640, height=320))


def cost_components_chart(decision) -> alt.Chart:
    """Monthly cost of each option and plan broken into its components (stacked bars, each labelled with its
    total), from the decision."""
    rows = [{"option": o.name, "component": c, "monthly_usd": x}
            for o in decision.options.values() for c, x in o.components.items() if x > 0]
    long = pd.DataFrame(rows)
    order = COMPONENTS + sorted(set(long["component"]) - set(COMPONENTS))
    long = long.assign(rank=lambda d: d["component"].map(order.index),
                       component=lambda d: d["component"].map(lambda c: COMPONENT_LABELS.get(c, c)))
    labels = list(dict.fromkeys(long.sort_values("rank")["component"]))
    names = [o.name for o in decision.options.values()]
    from ._views import usd

    totals = pd.DataFrame({"option": names, "monthly_usd": [o.monthly_usd for o in decision.options.values()],
                           "label": [usd(o.monthly_usd) for o in decision.options.values()]})
    y = alt.Y("option:N", title=None, sort=names)
    bars = alt.Chart(long).mark_bar().encode(
        y=y,
        x=alt.X("monthly_usd:Q", title="monthly cost (USD)", axis=USD_AXIS),
        color=alt.Color("component:N", title="component", scale=color_scale(labels), sort=labels,
                        legend=alt.Legend(orient="bottom", columns=4)),
        order=alt.Order("rank:Q"),
        tooltip=[alt.Tooltip("option:N"), alt.Tooltip("component:N"), alt.Tooltip("monthly_usd:Q", format="$,.0f", title="USD/month")],
    )
    text = alt.Chart(totals).mark_text(align="left", dx=4).encode(y=y, x="monthly_usd:Q", text="label:N")
    return finish(alt.layer(bars, text).properties(title="What each option's monthly cost is made of", width=600,
                                                   height=30 * len(names)))

