"""Chart builders for the cost model. Each returns an `alt.Chart`; the notebook shows it."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from ._breakeven import VOLUME_RANGE, breakeven_tokens_per_day, cost_vs_volume
from ._costs import COMPONENTS, HOURS_PER_MONTH, OPTIONS, effective_usd_per_mtok, option_costs

__all__ = ["cost_vs_volume_chart", "usd_per_mtok_vs_utilization_chart", "cost_components_chart"]

OPTION_COLORS = alt.Scale(domain=list(OPTIONS.values()), range=["#4c78a8", "#f58518", "#54a24b"])
COMPONENT_LABELS = {c: c.removesuffix("_usd").replace("_", " and " if c == "egress_storage_usd" else " ") for c in COMPONENTS}


def _volume_frame(scenario, points: int = 161) -> pd.DataFrame:
    tokens = np.logspace(np.log10(VOLUME_RANGE[0]), np.log10(VOLUME_RANGE[1]), points)
    costs = cost_vs_volume(scenario, tokens)
    return pd.concat(
        [pd.DataFrame({"tokens_per_day": tokens, "monthly_usd": c, "option": OPTIONS[k]}) for k, c in costs.items()],
        ignore_index=True,
    )


def cost_vs_volume_chart(scenario) -> alt.Chart:
    """Monthly cost of each option against daily volume (log-log), with breakevens and today's volume.

    Crossovers are where the self-hosted option starts to cost less than each per-token option.
    """
    data = _volume_frame(scenario)
    base = alt.Chart(data).encode(
        x=alt.X("tokens_per_day:Q", scale=alt.Scale(type="log"), title="daily volume (tokens per day, input + output)",
                axis=alt.Axis(format="~s")),
        y=alt.Y("monthly_usd:Q", scale=alt.Scale(type="log"), title="monthly cost (USD)", axis=alt.Axis(format="$~s")),
        color=alt.Color("option:N", scale=OPTION_COLORS, title=None),
    )
    lines = base.mark_line().encode(
        tooltip=[alt.Tooltip("option:N"), alt.Tooltip("tokens_per_day:Q", format=",.3~s", title="tokens/day"),
                 alt.Tooltip("monthly_usd:Q", format="$,.0f", title="USD/month")]
    )
    today = float(scenario["workload.requests_per_day"]) * (
        scenario["workload.input_tokens_per_request"] + scenario["workload.output_tokens_per_request"]
    )
    marks = [{"tokens_per_day": today, "label": "this scenario"}]
    for other in ("api", "managed"):
        be = breakeven_tokens_per_day(scenario, other, "selfhost")
        if np.isfinite(be.tokens_per_day):
            marks.append({"tokens_per_day": be.tokens_per_day, "label": f"breakeven vs {OPTIONS[other]}"})
    rules = alt.Chart(pd.DataFrame(marks)).mark_rule(strokeDash=[4, 3], color="gray").encode(
        x="tokens_per_day:Q",
        tooltip=[alt.Tooltip("label:N", title="mark"), alt.Tooltip("tokens_per_day:Q", format=",.3~s", title="tokens/day")],
    )
    labels = rules.mark_text(angle=270, align="left", dx=4, dy=-4, baseline="bottom", color="gray").encode(
        text="label:N", y=alt.value(4)
    )
    return (lines + rules + labels).properties(
        title="Monthly cost against daily volume", width=560, height=320
    )


def usd_per_mtok_vs_utilization_chart(scenario) -> alt.Chart:
    """Cost per million tokens of self-hosting against utilization, beside the per-token options.

    Two self-hosted lines: GPU rent only for one replica (claim 12's formula), and every cost of the
    scenario's fleet spread over the tokens it serves at that utilization.
    """
    v = scenario.values
    costs = option_costs(v)
    sh = costs["selfhost"]
    util = np.linspace(min(0.05, float(sh["utilization"]) / 2), 1.0, 96)
    tokens_per_request = v["workload.input_tokens_per_request"] + v["workload.output_tokens_per_request"]
    replica_tokens_per_s = float(sh["replica_requests_per_s"]) * tokens_per_request
    replica_hourly = float(sh["gpu_usd"] + sh["power_usd"] + sh["hosting_usd"]) / float(sh["replicas"]) / HOURS_PER_MONTH
    fleet_tokens_per_s = replica_tokens_per_s * float(sh["serving_replicas"])
    all_in_hourly = float(sh["monthly_usd"]) / HOURS_PER_MONTH
    rows = [
        pd.DataFrame({"utilization": util, "option": "self-hosted, GPU cost of one replica",
                      "usd_per_mtok": effective_usd_per_mtok(replica_hourly, replica_tokens_per_s, util)}),
        pd.DataFrame({"utilization": util, "option": "self-hosted, all costs of the fleet",
                      "usd_per_mtok": effective_usd_per_mtok(all_in_hourly, fleet_tokens_per_s, util)}),
    ]
    for key in ("api", "managed"):
        c = costs[key]
        rows.append(pd.DataFrame({"utilization": util, "option": OPTIONS[key],
                                  "usd_per_mtok": float(c["monthly_usd"] / (c["tokens_per_month"] / 1e6))}))
    data = pd.concat(rows, ignore_index=True)
    lines = alt.Chart(data).mark_line().encode(
        x=alt.X("utilization:Q", title="utilization of self-hosted capacity", axis=alt.Axis(format="%")),
        y=alt.Y("usd_per_mtok:Q", scale=alt.Scale(type="log"), title="cost per million tokens (USD)", axis=alt.Axis(format="$.2~f")),
        color=alt.Color("option:N", title=None),
        strokeDash=alt.StrokeDash("option:N", legend=None),
        tooltip=[alt.Tooltip("option:N"), alt.Tooltip("utilization:Q", format=".0%"),
                 alt.Tooltip("usd_per_mtok:Q", format="$,.3f", title="USD per million tokens")],
    )
    realized = alt.Chart(pd.DataFrame({"utilization": [float(sh["utilization"])], "label": ["this scenario"]})).mark_rule(
        strokeDash=[4, 3], color="gray"
    ).encode(x="utilization:Q", tooltip=[alt.Tooltip("utilization:Q", format=".1%", title="realized utilization")])
    return (lines + realized).properties(title="Cost per million tokens against utilization", width=560, height=320)


def cost_components_chart(decision) -> alt.Chart:
    """Monthly cost of each option and plan broken into its components (stacked bars), from the decision."""
    rows = [{"option": o.name, "component": c, "monthly_usd": x}
            for o in decision.options.values() for c, x in o.components.items() if x > 0]
    long = pd.DataFrame(rows)
    order = COMPONENTS + sorted(set(long["component"]) - set(COMPONENTS))
    long = long.assign(rank=lambda d: d["component"].map(order.index),
                       component=lambda d: d["component"].map(lambda c: COMPONENT_LABELS.get(c, _plan_part(c))))
    return alt.Chart(long).mark_bar().encode(
        y=alt.Y("option:N", title=None, sort=[o.name for o in decision.options.values()]),
        x=alt.X("monthly_usd:Q", title="monthly cost (USD)", axis=alt.Axis(format="$~s")),
        color=alt.Color("component:N", title="component"),
        order=alt.Order("rank:Q"),
        tooltip=[alt.Tooltip("option:N"), alt.Tooltip("component:N"), alt.Tooltip("monthly_usd:Q", format="$,.0f", title="USD/month")],
    ).properties(title="What each option's monthly cost is made of", width=560, height=140)


def _plan_part(component: str) -> str:
    """Label of a routed split's part: ``api_usd`` → "share on the closed API", ``router_usd`` → "router"."""
    key = component.removesuffix("_usd")
    return "router" if key == "router" else f"share on the {OPTIONS.get(key, key)}"
