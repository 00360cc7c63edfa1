"""The decision page (notebook 00): the recommendation first, what would flip it, capex and cash, then what it rests
on in words, the full assumption table last. Every figure is read from the scenario's decision (`econ.decide`)."""

from __future__ import annotations

import math

import altair as alt

from ._cashflow import cash_flow_table, payback_month, plan_cash_flows
from ._style import USD_AXIS, color_scale, finish
from ._views import (HTML, Markdown, assumptions_table, cost_only_text, fact, flip_words, html_table, md_text, noun, pct,
                     ratio, tokens, usd)

__all__ = ["decision_brief", "plans_view", "cash_flow_chart", "cash_flow_view", "rests_on", "assumptions_appendix"]


def _flip_text(f: dict, names: dict[str, str]) -> str:
    """One flip as the decision page states it: the assumption's label (its key in the tooltip and the appendix),
    the value that flips the plan, today's value, and the plan it flips to."""
    return f"{flip_words(f, unranged_note=True)} → {names.get(f['new_recommended'], 'no eligible plan')}"


def decision_brief(d) -> Markdown:
    """The decision in the terms of a sign-off: the plan, savings against the runner-up, confidence, what flips it,
    capex and opex, present cost over the horizon, and when to look again."""
    rec = d.options[d.recommended]
    names = {k: o.name for k, o in d.options.items()}
    w, h = d.workload, d.horizon
    lines = [f"**Recommended: the {fact('recommended', rec.name)}{noun(rec)}, "
             f"{fact(f'options.{rec.key}.monthly_usd', usd(rec.monthly_usd))} a month** "
             f"for {tokens(w['tokens_per_day'])} tokens a day ({w['requests_per_day']:,.0f} requests), all costs counted"
             + (f", among the plans that reach the quality floor of {d.quality_floor:.1%} acceptable answers."
                if d.quality_basis == "floor" else f". {cost_only_text(d)}.")]
    if rec.shares:  # the routed split: what it is, in one sentence
        parts = [f"{pct(x)}{' of the requests' if i == 0 else ''} to the {names[k]}"
                 for i, (k, x) in enumerate(sorted(rec.shares.items(), key=lambda kv: -kv[1]))]
        lines[0] += (f" The split sends {' and '.join(parts)}: a router scores each request's difficulty and sends the "
                     f"hardest to the {names['api']}.")
    bullets = []
    if d.runner_up:
        ru = d.options[d.runner_up]
        bullets.append(f"**Savings:** {usd(d.savings_usd_per_month)} a month, {usd(12 * d.savings_usd_per_month)} a year, "
                       f"against the runner-up, the {ru.name}{noun(ru)} at {fact(f'options.{ru.key}.monthly_usd', usd(ru.monthly_usd))}.")
    else:
        bullets.append("**Savings:** no other plan is eligible, so there is no runner-up to save against.")
    blind = d.unranged_flips
    bullets.append(f"**Confidence:** it stays the cheapest eligible plan in {fact('confidence', pct(d.confidence))} of "
                   f"{d.draws:,} joint draws of every assumption with a stated range"
                   + (f"; it leaves out {len(blind)} assumption{'s' if len(blind) > 1 else ''} without a range that "
                      f"flip{'' if len(blind) > 1 else 's'} the plan within ×2 (below): give "
                      f"{'them ranges' if len(blind) > 1 else 'it a range'} before relying on it." if blind else "."))
    flips = d.flips[:3] + [f for f in d.unranged_flips if f not in d.flips[:3]]  # the confidence names them all
    if flips:
        bullets.append("**What would flip it** (each alone, the others held; → the plan that then wins): "
                       + "; ".join(_flip_text(f, names) for f in flips) + ".")
    else:
        bullets.append("**What would flip it:** no single assumption, moved up to tenfold either way, changes the plan.")
    if rec.capex_usd > 0:
        bullets.append(f"**Capex and opex:** {usd(rec.capex_usd)} up front for {d.fleet.gpus:,} bought "
                       f"{d.fleet.gpu_name} GPUs, then {usd(rec.opex_usd_per_month)} a month.")
    else:
        bullets.append(f"**Capex and opex:** nothing up front; {usd(rec.opex_usd_per_month)} a month, all operating cost.")
    pv = f"**Over {h['months']} months** at a {pct(h['discount_rate_per_year'])} yearly discount rate: present cost {usd(rec.pv_usd)} (no one-off moving costs)"
    if d.runner_up:
        pb = payback_month(d)
        pv += (f" against {usd(d.options[d.runner_up].pv_usd)} for the {d.options[d.runner_up].name}"
               f"{noun(d.options[d.runner_up])}")
        if pb > 0:
            pv += (f"; its cash outlay passes below the runner-up's after {pb:.0f} months" if math.isfinite(pb)
                   else "; its cash outlay does not pass below the runner-up's within the horizon")
    bullets.append(pv + ".")
    vol = [f for f in d.flips if f["key"] == "workload.requests_per_day"]
    if vol:
        tpr = w["tokens_per_day"] / w["requests_per_day"]
        bounds = " or ".join(f"{'falls below' if f['direction'] == 'below' else 'rises above'} "
                             f"{tokens(f['flip_value'] * tpr)} tokens a day" for f in vol)
        bullets.append(f"**Next step:** look again if the volume {bounds}; before then, measure the real traffic "
                       "(its peak-to-mean ratio and token shape) and the quality of each model on it.")
    else:
        bullets.append("**Next step:** no volume between a tenth and ten times today's changes the plan; re-check the "
                       "prices (they drift) and measure the quality of each model on real traffic.")
    return Markdown(lines[0] + "\n\n" + "\n".join(f"- {b}" for b in bullets))


def plans_view(d) -> HTML:
    """Every plan: eligible or why not, quality, monthly cost, cost per million tokens, capex and present cost."""
    rows = []
    for k, o in d.options.items():
        rows.append({"plan": o.name + (" (recommended)" if k == d.recommended else ""),
                     "eligible": "yes" if o.eligible else ("no: not permitted" if not o.permitted
                                                           else "no: below the quality floor"),
                     "quality": f"{o.quality:.1%}",
                     "USD a month": fact(f"options.{k}.monthly_usd", usd(o.monthly_usd)),
                     "USD per Mtok": usd(o.usd_per_mtok, price=True), "capex": usd(o.capex_usd) if o.capex_usd else "–",
                     f"present cost, {d.horizon['months']} months": usd(o.pv_usd)})
    return html_table(rows, "econ-table plans", tuple(list(rows[0])[2:]))


def cash_flow_chart(d) -> alt.Chart:
    """Cumulative cash of every plan, month by month over the horizon (capex at month 0, resale at the end)."""
    cf = plan_cash_flows(d)
    names = [o.name for o in d.options.values()]
    eligible = {o.name: "eligible" if o.eligible else "not eligible" for o in d.options.values()}
    cf = cf.assign(status=cf["name"].map(eligible))
    base = alt.Chart(cf).encode(
        x=alt.X("month:Q", title="month", scale=alt.Scale(domain=[0, int(d.horizon["months"])]),
                axis=alt.Axis(tickMinStep=6)),
        y=alt.Y("cumulative_usd:Q", title="cumulative cash paid (USD)", axis=USD_AXIS),
        color=alt.Color("name:N", title="plan", scale=color_scale(names),
                        legend=alt.Legend(orient="bottom", direction="horizontal")),
        strokeDash=alt.StrokeDash("status:N", title=None, scale=alt.Scale(domain=["eligible", "not eligible"],
                                                                        range=[[1, 0], [4, 3]]),
                                  legend=alt.Legend(orient="bottom")),
    )
    return finish(base.mark_line().properties(
        title=f"Cumulative cash over {d.horizon['months']} months (bought GPUs paid up front, sold at book value at the end)",
        width=560, height=110))


def cash_flow_view(d, every: int = 12) -> HTML:
    """The cumulative cash of every plan every ``every`` months, as a table [USD]."""
    t = cash_flow_table(d, every)
    rows = [{"month": int(m), **{c: usd(t.loc[m, c]) for c in t.columns}} for m in t.index]
    return html_table(rows, "econ-table cash", tuple(t.columns))


def _a(sc, key):
    return sc.assumptions[key]


def _short(source: str, limit: int = 70) -> str:
    """A source's first clause, for a sentence (the full source is in the appendix and every page's table)."""
    head = source.split("; ")[0].strip()
    while head.count("(") > head.count(")"):  # cut inside a parenthesis: end before it
        head = head[:head.rfind("(")].rstrip()
    return head if len(head) <= limit else head[:limit].rsplit(" ", 1)[0] + " …"


def rests_on(scenario, d) -> Markdown:
    """The assumptions the decision rests on, in words, each with its source."""
    sc = scenario
    v = sc.values
    src = lambda k: f" <small>({md_text(_short(_a(sc, k).source))})</small>"  # noqa: E731
    w = d.workload
    f = d.fleet
    items = [
        f"**Volume:** {w['requests_per_day']:,.0f} requests a day of {w['input_tokens_per_request']:,.0f} tokens in and "
        f"{w['output_tokens_per_request']:,.0f} out" + src("workload.requests_per_day")
        + f"; the busiest hour carries {ratio(w['peak_to_mean']).rstrip('×')} times the mean load" + src("workload.peak_to_mean")
        + f"; {pct(v['workload.cacheable_prefix_share'])} of input tokens are a reusable prefix and "
        f"{pct(v['workload.batchable_share'])} of requests can wait for a batch API.",
    ]
    if d.quality_basis == "floor":
        items.append(f"**Quality:** {pct(v['routing.hard_share'])} of requests are hard" + src("routing.hard_share")
                     + f"; the open model answers {pct(v['routing.open_quality_easy'])} of easy and "
                     f"{pct(v['routing.open_quality_hard'])} of hard ones acceptably, the closed model "
                     f"{pct(v['routing.premium_quality_easy'])} and {pct(v['routing.premium_quality_hard'])}"
                     + src("routing.open_quality_hard") + f"; the floor keeps {pct(v['routing.recovered_fraction'])} of "
                     "the closed model's gain" + src("routing.recovered_fraction") + ".")
    for s in ("api", "managed"):
        if v[f"{s}.permitted"] or d.recommended == s:
            items.append(f"**{'Closed API' if s == 'api' else 'Managed open endpoint'}:** {md_text(v[f'{s}.model'])} at "
                         f"{usd(v[f'{s}.input_usd_per_mtok'], price=True)} per million input and "
                         f"{usd(v[f'{s}.output_usd_per_mtok'], price=True)} "
                         f"per million output tokens" + src(f"{s}.input_usd_per_mtok") + _caching_note(v, s) + ".")
    if v["selfhost.permitted"]:
        items.append(f"**Self-hosted:** {md_text(v['selfhost.model'])} at {str(v['selfhost.precision']).upper()} on "
                     f"{f.gpus:,} × {f.gpu_name} ({f.serving_replicas} serving + "
                     f"{'no spare' if not f.spare_replicas else f'{f.spare_replicas} spare'} replica{'s' if f.replicas > 1 else ''} of "
                     f"{f.tensor_parallel} GPU{'s' if f.tensor_parallel > 1 else ''}), {f.price_basis}, "
                     f"{usd(f.usd_per_gpu_hour, price=True)} per GPU-hour; each replica serves {f.replica_output_tokens_per_s:,.0f} "
                     + ("output tokens/s as the scenario states it, not checked against the latency targets "
                        if v["selfhost.replica_output_tokens_per_s"] is not None else
                        "output tokens/s within the latency targets ") + f"({md_text(f.throughput_note)}).")
        items.append(f"**People:** {v['selfhost.engineering_hours_per_month']:,.0f} engineer-hours a month to run the "
                     "self-hosted deployment" + src("selfhost.engineering_hours_per_month")
                     + f", at {usd(v['engineering.loaded_usd_per_hour'])} an hour fully loaded"
                     + src("engineering.loaded_usd_per_hour") + ".")
    items.append(f"**Horizon:** {d.horizon['months']} months at a {pct(d.horizon['discount_rate_per_year'])} yearly "
                 "discount rate" + src("horizon.discount_rate_per_year") + ".")
    return Markdown("\n".join(f"- {i}" for i in items))


def _caching_note(v, section: str) -> str:
    """When the reusable prefix is shorter than the provider's caching minimum, the cache discount is nil: say so."""
    from ._prices import cached_prefix_tokens

    minimum = float(v.get(f"{section}.min_cacheable_prefix_tokens") or 0)
    if v.get("workload.token_distribution") is not None or not minimum:
        return ""
    prefix = float(v["workload.cacheable_prefix_share"]) * float(v["workload.input_tokens_per_request"])
    if prefix <= 0 or cached_prefix_tokens(v["workload.input_tokens_per_request"], v["workload.cacheable_prefix_share"],
                                           minimum, v.get(f"{section}.cache_step_tokens") or 1) > 0:
        return ""
    return (f"; it caches only prefixes of at least {minimum:,.0f} tokens, so the {prefix:,.0f}-token reusable prefix "
            "earns no cache discount")


def assumptions_appendix(scenario) -> HTML:
    """Every assumption with its key, value, unit, source and checked date, folded (opens on click; not printed)."""
    t = assumptions_table(scenario, "all")
    rows = t.to_dict("records")
    return HTML(f'<details class="appendix"><summary>Appendix: all {len(rows)} assumptions, with their keys, units and '
                f'sources (click to open)</summary>{html_table(rows, "econ-table assumptions")}</details>')
