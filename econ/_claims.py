"""The published rules of thumb (docs/claims.md), put to the test with the kit's own model.

Each ``claim_N(scenario, decision)`` returns a `Verdict`: the claim, its source, a verdict (holds / holds only
when ... / does not hold / contradicts itself / cannot be computed) and the arithmetic behind it, every figure
computed here from the catalogs, genai-prices, the capacity model and the scenario files, never typed in by hand.
Where a claim concerns the scenario's own situation, its figures come from the scenario's decision
(`econ.decide`): the fleet, each option's cost, the routed split and the breakeven intervals.
"""

from __future__ import annotations

from dataclasses import dataclass

import altair as alt
import numpy as np
import pandas as pd

from ._breakeven import breakeven_tokens_per_day
from ._catalog import gpu_spec
from ._costs import DAYS_PER_MONTH, HOURS_PER_MONTH, OPTIONS, effective_usd_per_mtok, option_costs
from ._params import PARAMS_DIR, load_scenario
from ._pipeline import PLAN_NAMES
from ._prices import api_price
from ._style import count_axis, finish
from ._views import HTML, Markdown, _plural, html_table, pct, ratio, tokens, usd

__all__ = ["Verdict", "claims_audit", "claims_view", "claims_summary", "claim5_breakeven_by_api", "claim5_chart", "claim18_volumes", "claim18_chart"]

CLAIM5_FILE = PARAMS_DIR / "one_h100_vs_mid_tier.yaml"
API_TIERS = [  # (provider, model) spanning the price range in genai-prices: frontier to budget
    ("anthropic", "claude-opus-4-1"), ("anthropic", "claude-opus-4-5"), ("anthropic", "claude-sonnet-4-5"),
    ("openai", "gpt-4.1"), ("openai", "gpt-5"), ("anthropic", "claude-haiku-4-5"), ("google", "gemini-2.5-flash"),
    ("openai", "gpt-5-mini"), ("openai", "gpt-4.1-mini"),
]
SOURCES = {
    "D": "DeployCue 2026-06-20", "L": "Lyceum Technology 2026-06-01", "O": "L. Ortiz 2026-04-10",
    "T": "cost-per-task article, June 2026", "C": "CostLens 2026",
}


@dataclass(frozen=True)
class Verdict:
    number: int
    claim: str
    source: str
    verdict: str
    arithmetic: str


def _claim5():
    return load_scenario(CLAIM5_FILE)


def _blended_usd_per_mtok(sc, prefix: str = "api") -> float:
    c = option_costs(sc.values)[prefix]
    return float(c["tokens_usd"] / (c["tokens_per_month"] / 1e6))


def _with_api(sc, provider: str, model: str):
    p = api_price(provider, model, sc["prices.price_date"], sc["workload.input_tokens_per_request"])
    return sc.replace({"api.input_usd_per_mtok": p.input, "api.output_usd_per_mtok": p.output,
                       "api.cache_read_usd_per_mtok": p.cache_read if p.cache_read is not None else p.input,
                       "api.cache_write_usd_per_mtok": p.cache_write if p.cache_write is not None else p.input},
                      source=p.source)


def claim5_breakeven_by_api() -> pd.DataFrame:
    """Breakeven volume of one self-hosted H100 (claim 5's case) against APIs across price tiers [tokens/day]."""
    base = _claim5()
    rows = []
    for provider, model in API_TIERS:
        sc = _with_api(base, provider, model)
        be = breakeven_tokens_per_day(sc, "api", "selfhost")
        rows.append({"api": f"{provider}/{model}", "api_usd_per_mtok": _blended_usd_per_mtok(sc),
                     "breakeven_tokens_per_day": be.tokens_per_day, "note": be.note})
    return pd.DataFrame(rows).sort_values("api_usd_per_mtok").reset_index(drop=True)


def claim5_chart(table: pd.DataFrame) -> alt.Chart:
    """Breakeven volume against each API, one row per API from the cheapest to the dearest (its blended price in
    the label), with claim 5's 5-10 million tokens/day band shaded."""
    t = table.dropna(subset=["breakeven_tokens_per_day"]).sort_values("api_usd_per_mtok")
    t = t.assign(row=[f"{a} (${p:,.2f} per million tokens)" for a, p in zip(t["api"], t["api_usd_per_mtok"])],
                 value=t["breakeven_tokens_per_day"].map(lambda x: tokens(x) + " a day"))
    lo = min(2e6, float(t["breakeven_tokens_per_day"].min()) / 2) if len(t) else 2e6
    hi = max(2e8, float(t["breakeven_tokens_per_day"].max()) * 4) if len(t) else 2e8
    x = alt.X("breakeven_tokens_per_day:Q", scale=alt.Scale(type="log", domain=[lo, hi], nice=False),
              title="breakeven volume of one H100 against this API (tokens per day; log scale)", axis=count_axis())
    y = alt.Y("row:N", sort=list(t["row"]), title=None, axis=alt.Axis(labelLimit=420))
    band = alt.Chart(pd.DataFrame({"breakeven_tokens_per_day": [5e6], "hi": [10e6],
                                   "label": ["claim 5: 5-10 million"]})).mark_rect(opacity=0.2, color="#e15759").encode(
        x=x, x2="hi:Q")
    band_label = alt.Chart(pd.DataFrame({"breakeven_tokens_per_day": [10e6], "label": ["claim 5: 5-10 million"]})
                           ).mark_text(align="left", baseline="top", dx=4, dy=4, color="#e15759").encode(
        x="breakeven_tokens_per_day:Q", y=alt.value(0), text="label:N")
    points = alt.Chart(t).mark_point(filled=True, size=70, color="#4e79a7").encode(
        x=x, y=y,
        tooltip=[alt.Tooltip("api:N", title="API"), alt.Tooltip("api_usd_per_mtok:Q", format="$.3f", title="USD/Mtok"),
                 alt.Tooltip("breakeven_tokens_per_day:Q", format=",.3~s", title="breakeven tokens/day")],
    )
    labels = points.mark_text(align="left", dx=8, fontSize=11, color="#333333").encode(text="value:N")
    return finish(alt.layer(band, points, labels, band_label).properties(
        title=alt.TitleParams("Claim 5: one H100 breaks even at 5-10 million tokens/day (shaded band)?",
                              subtitle="each API with its blended price, cheapest first"), width=420,
        height=alt.Step(24)))


def claim18_volumes() -> pd.DataFrame:
    """Claim 18's volumes, each stated per day and converted to per month (and back), side by side."""
    stated = [("cheaper above (per day)", 2e6, "day"), ("premium models (per month)", 11e9, "month"),
              ("APIs cheaper below (per day)", 50e6, "day"), ("APIs cheaper below (per month)", 11e9, "month")]
    rows = []
    for label, value, per in stated:
        per_day = value if per == "day" else value / DAYS_PER_MONTH
        rows.append({"figure": label, "as_stated": value, "per": per, "tokens_per_day": per_day,
                     "tokens_per_month": per_day * DAYS_PER_MONTH})
    return pd.DataFrame(rows)


def claim18_chart(table: pd.DataFrame) -> alt.Chart:
    """Claim 18's four volumes on one daily axis, each labelled: phrases the claim pairs as equal sit far apart."""
    t = table.assign(value=[f"{tokens(d)} a day" + (f" ({tokens(m)} a month)" if per == "month" else "")
                            for d, m, per in zip(table["tokens_per_day"], table["tokens_per_month"], table["per"])])
    x = alt.X("tokens_per_day:Q", scale=alt.Scale(type="log", domain=[1e6, 1e10], nice=False),
              title="tokens per day (log scale)", axis=count_axis())
    y = alt.Y("figure:N", title=None, sort=None)
    points = alt.Chart(t).mark_circle(size=120, color="#4e79a7").encode(
        y=y, x=x,
        tooltip=[alt.Tooltip("figure:N"), alt.Tooltip("tokens_per_day:Q", format=",.3~s", title="tokens/day"),
                 alt.Tooltip("tokens_per_month:Q", format=",.3~s", title="tokens/month")],
    )
    labels = points.mark_text(align="left", dx=10, fontSize=11, color="#333333").encode(text="value:N")
    return finish((points + labels).properties(title="Claim 18: the volumes it pairs, on one axis", width=560,
                                               height=alt.Step(32)))


# --------------------------------------------------------------------------------------------- helpers


def _fleet_words(values) -> str:
    """The cheapest fleet at these values, in words: ``2 × H100-SXM``."""
    from ._fleet import size_fleet

    f = size_fleet(values)
    return f"{int(f['gpus'])} × {f['candidates'].gpu[int(f['candidate'])]}"


def _per_mtok(option: dict) -> float:
    return float(option["monthly_usd"] / (option["tokens_per_month"] / 1e6))


def _intersect(lists: list[list[tuple[float, float]]]) -> list[tuple[float, float]]:
    """Intervals common to every list of (from, to) intervals."""
    out = lists[0] if lists else []
    for other in lists[1:]:
        out = [(max(a, c), min(b, d)) for a, b in out for c, d in other if max(a, c) < min(b, d)]
    return out


def _range(lo: float, hi: float, fmt=usd) -> str:
    return f"{fmt(lo)}-{fmt(hi)}"


CLAIM2_UTILIZATION = 0.20
CLAIM6_HOURS = (10, 20)
CLAIM7_FACTORS = (2, 3)
CLAIM9_OPEN_SHARE = (0.80, 0.90)
CLAIM11_UTILIZATION = (0.10, 0.80)
CLAIM15_PURCHASE_USD, CLAIM15_RENT_USD_PER_HOUR = (30_000, 40_000), 2.50
CLAIM16_FTE, CLAIM16_FTE_USD, CLAIM16_TOTAL_USD = (0.5, 1.0), (75_000, 100_000), (125_000, 190_000)
CLAIM19_SAVINGS, CLAIM19_FINTECH = (0.30, 0.50), 0.83
CLAIM20_MS = 10.0
"""The claims' own figures (docs/claims.md), in one place."""


# --------------------------------------------------------------------------------------------- claims

def claim_1(sc, d) -> Verdict:
    c5 = _claim5()
    costs = option_costs(c5.values)
    fixed = float(costs["selfhost"]["monthly_usd"])
    gpu_only = float(costs["selfhost"]["gpu_usd"])
    price = _blended_usd_per_mtok(c5)
    # self-hosted marginal token cost is ~0 (egress only); the price difference is the API's price
    formula_all_in = fixed / price * 1e6 / DAYS_PER_MONTH
    formula_gpu = gpu_only / price * 1e6 / DAYS_PER_MONTH
    be = breakeven_tokens_per_day(c5, "api", "selfhost")
    numeric = be.tokens_per_day
    off = abs(formula_all_in / numeric - 1) if np.isfinite(numeric) else np.inf
    steps = len(be.intervals) > 2
    verdict = ("holds with the deployment's all-in cost" if off < 0.05 and not steps else
               "holds only when the deployment cost is all-in and one fleet size covers the range")
    return Verdict(1, "Breakeven monthly volume = monthly cost of a GPU deployment sized for peak ÷ per-token price difference.",
                   SOURCES["D"], verdict,
                   f"The claim-5 scenario's fleet ({_fleet_words(c5.values)}): all-in {usd(fixed)}/month ÷ {usd(price, price=True)}/Mtok = "
                   f"{tokens(formula_all_in)} tokens/day; the model's numeric breakeven, the fleet re-sized at every "
                   f"volume, is {tokens(numeric)} ({pct(off)} away; {be.note}); with GPU rent only "
                   f"({usd(gpu_only)}/month) the formula gives {tokens(formula_gpu)}, {formula_all_in / formula_gpu:.1f}× too low.")


def _volume_at_utilization(sc, target: float) -> tuple[float, float]:
    """The lowest daily volume [requests/day] at which the scenario's cheapest fleet runs at ``target`` utilization
    (NaN if none between 100 thousand and 10 billion tokens a day), and the highest utilization reached there."""
    from ._breakeven import VOLUME_RANGE

    v = sc.values
    tpr = float(v["workload.input_tokens_per_request"] + v["workload.output_tokens_per_request"])
    rpd = np.geomspace(VOLUME_RANGE[0] / tpr, VOLUME_RANGE[1] / tpr, 4_000)
    u = option_costs({**v, "workload.requests_per_day": rpd})["selfhost"]["utilization"]
    up = np.nonzero((u[:-1] < target) & (u[1:] >= target))[0]
    for i in up:  # within one fleet utilization is proportional to volume: scale to the target, check the fleet held
        x = rpd[i] * target / u[i]
        if abs(float(option_costs({**v, "workload.requests_per_day": x})["selfhost"]["utilization"]) - target) < 1e-9:
            return float(x), float(u.max())
    return float("nan"), float(u.max())


def claim_2(sc, d) -> Verdict:
    v = sc.values
    target = CLAIM2_UTILIZATION
    tpr = float(v["workload.input_tokens_per_request"] + v["workload.output_tokens_per_request"])
    x, top = _volume_at_utilization(sc, target)
    own = (f"At the scenario's own volume ({tokens(d.workload['tokens_per_day'])} tokens/day) the fleet runs at "
           f"{pct(d.fleet.utilization)} and costs {usd(d.options['selfhost'].usd_per_mtok, price=True)}/Mtok against "
           f"{usd(d.options['api'].usd_per_mtok, price=True)} for the closed API.")
    claim = "A self-hosted cluster at 20 % utilization can cost more per useful token than the API it replaced."
    if not np.isfinite(x):
        return Verdict(2, claim, SOURCES["D"], f"cannot be tested here: the fleet never runs at {pct(target)} utilization",
                       f"Between 100 thousand and 10 billion tokens/day this scenario's cheapest fleet reaches at most "
                       f"{pct(top)} utilization (peak {ratio(v['workload.peak_to_mean'])} the mean, replicas sized to "
                       f"{pct(v['selfhost.max_utilization'])} of capacity at the peak). " + own)
    c = option_costs({**v, "workload.requests_per_day": x})
    sh, api = _per_mtok(c["selfhost"]), _per_mtok(c["api"])
    verdict = "holds" if sh > api else "does not hold for this scenario"
    return Verdict(2, claim, SOURCES["D"], verdict,
                   f"The scenario's fleet first runs at {pct(target)} utilization at {tokens(x * tpr)} tokens/day "
                   f"({_fleet_words({**v, 'workload.requests_per_day': x})}); at that volume it costs {usd(sh, price=True)} per million "
                   f"tokens all in, against {usd(api)} for the closed API at the same volume. " + own)


def claim_3(sc, d) -> Verdict:
    o = d.options["selfhost"]
    c, total = o.components, o.monthly_usd
    gpu = c["gpu_usd"] + c["power_usd"] + c["hosting_usd"]
    people = c["engineering_usd"] + c["evaluation_usd"] + c["upgrade_usd"]
    left_out = 1 - c["gpu_usd"] / total
    return Verdict(3, "Four miscalculations: GPU rent only; peak instead of average utilization; egress and storage ignored; free upgrades undervalued.",
                   SOURCES["D"], f"holds: GPU rent or depreciation alone leaves out {pct(left_out)} of the self-hosted cost here",
                   f"In this scenario ({sc.title}) hardware is {pct(gpu / total)} of the self-hosted {usd(total)}/month; "
                   f"engineering, evaluation and upgrades {pct(people / total)}; egress and storage "
                   f"{pct(c['egress_storage_usd'] / total)}. The fleet runs at {pct(d.fleet.utilization)} "
                   f"average utilization against a peak {ratio(d.workload['peak_to_mean'])} the mean.")


def claim_4(sc, d) -> Verdict:
    claim = "A managed open-weight endpoint can be the cheapest option at moderate scale."
    if "managed" not in d.options or not d.options["managed"].permitted:
        return Verdict(4, claim, "D, O, T", "cannot be tested here: the managed endpoint is not permitted",
                       f"managed.permitted is false in this scenario ({sc.title}).")
    pairs = [b for b in d.breakevens if "managed" in (b["a"], b["b"])]
    wins = _intersect([[(iv["from_tokens_per_day"], iv["to_tokens_per_day"]) for iv in b["intervals"]
                        if iv["cheaper"] == "managed"] for b in pairs])
    rivals = ", ".join(OPTIONS[b["a"] if b["b"] == "managed" else b["b"]] for b in pairs)
    m = d.options["managed"]
    if not wins:
        return Verdict(4, claim, "D, O, T", "does not hold here",
                       f"In this scenario ({sc.title}) the managed endpoint never costs less than every other permitted "
                       f"option ({rivals}) between 100 thousand and 10 billion tokens/day.")
    where = " and ".join(f"from {tokens(a)} to {tokens(b)}" for a, b in wins)
    here = any(a <= d.workload["tokens_per_day"] <= b for a, b in wins)
    text = (f"In this scenario ({sc.title}) the managed endpoint costs less than every other permitted option ({rivals}) "
            f"{where} tokens/day" + (f", this scenario's {tokens(d.workload['tokens_per_day'])} included" if here else "")
            + f". The decision recommends the {d.options[d.recommended].name}.")
    if d.quality_basis == "floor" and not m.meets_floor:
        return Verdict(4, claim, "D, O, T", "holds on cost only: the open model misses this scenario's quality floor",
                       text + f" The open model reaches {m.quality:.1%} acceptable answers against a floor of "
                       f"{d.quality_floor:.1%}, so the managed endpoint alone is not eligible.")
    return Verdict(4, claim, "D, O, T", "holds", text)


def claim_5(sc, d) -> Verdict:
    t = claim5_breakeven_by_api()
    inside = t[(t["breakeven_tokens_per_day"] >= 5e6) & (t["breakeven_tokens_per_day"] <= 10e6)]
    c5 = _claim5()
    fixed = float(option_costs(c5.values)["selfhost"]["monthly_usd"])
    needed = [fixed / (v * DAYS_PER_MONTH) * 1e6 for v in (10e6, 5e6)]
    mid = t.iloc[(t["api"] == "openai/gpt-4.1-mini").to_numpy().nonzero()[0][0]]
    verdict = "holds" if len(inside) == len(t) else (
        f"holds only when the API costs {usd(needed[0], price=True)}-{usd(needed[1], price=True)} per million tokens")
    return Verdict(5, "Self-hosting breaks even between 5 and 10 million tokens per day.", SOURCES["L"], verdict,
                   f"The claim-5 scenario's fleet ({_fleet_words(c5.values)}) costs {usd(fixed)}/month all in; against the "
                   f"mid-tier {mid['api']} ({usd(mid['api_usd_per_mtok'], price=True)}/Mtok) it breaks even at "
                   f"{tokens(mid['breakeven_tokens_per_day'])} tokens/day. Breaking even at 5-10 million tokens/day "
                   f"takes an API at {usd(needed[0], price=True)}-{usd(needed[1], price=True)} per million tokens; {len(inside)} of the "
                   f"{len(t)} APIs checked fall in that band.")


def claim_6(sc, d) -> Verdict:
    rate = sc["engineering.loaded_usd_per_hour"]
    lo, hi = CLAIM6_HOURS
    return Verdict(6, "Keeping an inference server running takes 10-20 engineer-hours per month.", SOURCES["L"],
                   "cannot be computed (an input, not a result)",
                   f"The kit takes it as an assumption (this scenario: {sc['selfhost.engineering_hours_per_month']:g} h a "
                   f"month). At {usd(rate, price=True)}/hour, {lo}-{hi} h is {usd(lo * rate)}-{usd(hi * rate)}/month, against "
                   f"{usd(d.fleet.fleet_usd_per_month)}/month for the fleet in this scenario ({sc.title}).")


def claim_7(sc, d) -> Verdict:
    from ._capacity import capacity_from_scenario, model_spec, serving_capacity

    kw = capacity_from_scenario(sc)
    c = serving_capacity(**kw)
    one = serving_capacity(**kw, max_batch=1)
    batching = c.output_tokens_per_s / one.output_tokens_per_s
    best = {p: serving_capacity(**{**kw, "precision": p, "tensor_parallel": None}) for p in ("bf16", "fp8")}
    quant = best["fp8"].output_tokens_per_s_per_gpu / best["bf16"].output_tokens_per_s_per_gpu
    small = serving_capacity("llama-3.1-8b", "H100-SXM", kw["input_tokens"], kw["output_tokens"], "fp8", 1,
                             kw["ttft_slo_s"], kw["tpot_slo_s"])
    lo, hi = CLAIM7_FACTORS
    thousands = small.output_tokens_per_s >= 1000
    if batching >= lo and thousands:
        verdict = "holds" + (f", and understates batching ({batching:.0f}× here)" if batching > hi else "")
    else:
        verdict = "holds in part" if batching >= lo or thousands else "does not hold here"
    name = model_spec(kw["model"])["name"]
    return Verdict(7, "Batching and quantization double or triple one GPU's throughput; one H100 serves thousands of tokens/s.",
                   SOURCES["L"], verdict,
                   f"Capacity model, {kw['input_tokens']:,.0f} tokens in and {kw['output_tokens']:,.0f} out, TPOT ≤ "
                   f"{kw['tpot_slo_s'] * 1e3:,.0f} ms: {name} at {kw['precision'].upper()} on {c.gpus}× {c.gpu} (this "
                   f"scenario's fleet) serves {one.output_tokens_per_s:,.0f} output tokens/s one request at a time and "
                   f"{c.output_tokens_per_s:,.0f} at the batch the targets allow ({c.batch}): {batching:.1f}× from batching. "
                   f"FP8 weights against BF16, each at its best tensor-parallel degree: {best['fp8'].output_tokens_per_s_per_gpu:,.0f} "
                   f"against {best['bf16'].output_tokens_per_s_per_gpu:,.0f} tokens/s per GPU, {quant:.1f}×. One H100 serves "
                   f"Llama 3.1 8B at FP8 at {small.output_tokens_per_s:,.0f} output tokens/s within the same targets "
                   f"(saturated: {small.saturated_output_tokens_per_s:,.0f}).")


def claim_8(sc, d) -> Verdict:
    from ._capacity import MEMORY_UTILIZATION, gpus_for_model, weight_bytes

    ctx = float(sc["workload.input_tokens_per_request"] + sc["workload.output_tokens_per_request"])
    gpus = ("H100-SXM", "A100-80GB", "L40S")
    need = {p: {g: gpus_for_model("llama-3.1-70b", g, p, ctx, 16) for g in gpus} for p in ("bf16", "fp8", "int4")}
    out = [f"{p.upper()}: {weight_bytes('llama-3.1-70b', p) / 1e9:,.0f} GB of weights, "
           + ", ".join(f"{n} × {g}" for g, n in need[p].items()) for p in need]
    one_80 = [p.upper() for p in need if need[p]["H100-SXM"] == 1 and need[p]["A100-80GB"] == 1]
    more_80 = [f"at {p.upper()} it takes {need[p]['H100-SXM']}" for p in need if need[p]["H100-SXM"] > 1]
    small = [p.upper() for p in need if need[p]["L40S"] == 1]
    parts = []
    if one_80:
        parts.append(f"one 80 GB GPU holds a 70B model at {' or '.join(one_80)}")
    if more_80:
        parts.extend(more_80)
    parts.append(f"a {gpu_spec('L40S')['memory_gb']:g} GB L40S alone suffices at {' or '.join(small)}" if small else
                 f"no {gpu_spec('L40S')['memory_gb']:g} GB L40S alone suffices at any precision")
    holds = one_80 and not small
    verdict = ("holds" if holds and not more_80 else "holds in part") + ": " + "; ".join(parts)
    return Verdict(8, "A 70B model needs an A100 80GB or an H100.", SOURCES["L"], verdict,
                   "; ".join(out) + f" (capacity model at vLLM's defaults: {pct(MEMORY_UTILIZATION)} of each GPU for the "
                   f"weights, the engine's reserves and the KV cache of 16 requests of {ctx:,.0f} tokens; A100 has no "
                   "FP8 arithmetic but can hold FP8 weights).")


def _no_split_reason(v, d) -> str:
    """Why the decision has no routed split between the closed API and an open model, in one sentence."""
    rec = PLAN_NAMES.get(d.recommended, d.recommended)
    if not v["api.permitted"]:
        return "The closed API is not permitted for this workload, so no request can be routed to it."
    if d.quality_basis == "cost only":
        return (f"The decision has no routed split: this scenario asks for no quality above the open model's own "
                f"(the floor recovers {pct(float(v['routing.recovered_fraction']))} of the closed API's gain), so it "
                f"compares costs only and no request needs the closed API for quality; the {rec} alone costs least.")
    return f"The decision has no routed split: the {rec} alone is the cheapest plan that meets the quality floor."


def claim_9(sc, d) -> Verdict:
    from ._routing import call_performance_threshold

    v = sc.values
    q = {k: float(v[f"routing.{k}"]) for k in ("open_quality_easy", "open_quality_hard", "premium_quality_easy",
                                               "premium_quality_hard")}
    x, h, auc = (float(v[f"routing.{k}"]) for k in ("recovered_fraction", "hard_share", "router_auc"))
    perfect = float(call_performance_threshold(x, h, 1.0, *q.values()))
    at_auc = float(call_performance_threshold(x, h, auc, *q.values()))
    routed = d.options.get("routed")
    lo, hi = CLAIM9_OPEN_SHARE
    claim = "Hybrid: 80-90 % of traffic on self-hosted open models, 10-20 % on premium APIs."
    if routed is not None and "api" in routed.shares:
        premium = routed.shares["api"]
        opens = ", ".join(f"{pct(s)} to the {OPTIONS[k]}" for k, s in routed.shares.items() if k != "api")
        head = (f"The decision's routed split, the cheapest plan meeting the quality floor of {d.quality_floor:.1%} "
                f"with this scenario's router (AUC {auc:.2f}, {pct(h)} hard requests), sends {pct(premium)} of requests "
                f"to the closed API and {opens}.")
    else:
        premium = at_auc
        head = _no_split_reason(v, d) + (
            f" At that floor, {pct(premium)} of requests would need the closed API." if d.quality_basis == "cost only" and
            v["api.permitted"] else
            f" This scenario's quality data (router AUC {auc:.2f}, {pct(h)} hard requests, a floor recovering {pct(x)} of "
            f"the closed API's quality gain) would need {pct(premium)} of requests on the closed API.")
    if not v["api.permitted"]:  # as claim 19: the split the claim describes cannot exist here
        verdict = "cannot be tested here: the closed API is not permitted"
    elif premium <= 1 - lo + 1e-6:
        verdict = "holds for this scenario"
    elif perfect <= 1 - lo + 1e-6:
        verdict = "holds only with a better router than this scenario's"
    else:
        verdict = "does not hold for this scenario, even with a perfect router"
    return Verdict(9, claim, SOURCES["L"], verdict,
                   head + f" {pct(lo)}-{pct(hi)} on open models leaves at most {pct(1 - lo)} for the closed API; a perfect router would need "
                   f"{pct(perfect)} (RouteLLM's call-performance threshold; notebook 05 maps the hard shares and AUCs "
                   "where the claim holds).")


def claim_10(sc, d) -> Verdict:
    from ._finetune import CLAIM10_SHAPE, claim10_figures, payback_table

    L, S, O = CLAIM10_SHAPE
    c = claim10_figures(sc.values, L, S, O)
    base = sc["finetune.managed_base"]
    lo, sh = c["long_capacity"], c["short_capacity"]
    pay = payback_table(sc)
    paid = "; ".join(f"{r['finetuned']} {'pays back after ' + format(r['payback_months'], '.1f') + ' months' if np.isfinite(r['payback_months']) else 'never pays back'} "
                     f"against {r['against']}" for _, r in pay.iterrows())
    holds = c["saving_share"] > 0 and c["throughput_ratio"] > 1
    return Verdict(10, "Fine-tuning cuts a 5,000-token prompt to 500 (200-token answer), raising requests/s per GPU.",
                   SOURCES["L"], "holds on one model" if holds else "does not hold here",
                   f"On the fine-tune's base model, {sc[f'{base}.provider']}/{sc[f'{base}.model']} "
                   f"({usd(c['input_usd_per_mtok'], price=True)} in, {usd(c['output_usd_per_mtok'], price=True)} out per Mtok): {L:,} + {O} tokens "
                   f"cost {usd(c['long_usd'])} against {usd(c['short_usd'])} for {S:,} + {O}, {pct(c['saving_share'])} less "
                   f"at the same model. The capacity model serves {lo.requests_per_s / lo.gpus:,.2f} against "
                   f"{sh.requests_per_s / sh.gpus:,.2f} requests/s per GPU ({lo.gpus}× {lo.gpu}, this scenario's "
                   f"self-hosted model and targets), {c['throughput_ratio']:.1f}×. In this scenario, against the same "
                   f"model with the long prompt: " + (paid or "no fine-tuned arm is permitted") + ".")


def claim_11(sc, d) -> Verdict:
    from ._traffic import POLICIES, provisioning_table, traffic_from_scenario

    lo, hi = CLAIM11_UTILIZATION
    ratio = float(effective_usd_per_mtok(1.0, 1.0, lo) / effective_usd_per_mtok(1.0, 1.0, hi))
    kw = traffic_from_scenario(sc)
    profile = kw["profile"]
    t = provisioning_table(**kw).set_index("policy")
    auto, zero = t.loc["autoscale", "total_usd_per_month"], t.loc["scale_to_zero", "total_usd_per_month"]
    idle = float(np.mean(np.nan_to_num(profile["requests"].to_numpy(float)) <= 0))
    step = f"{(profile.index[1] - profile.index[0]).total_seconds() / 60:g}-minute"
    saves = auto - zero
    verdict = ("holds: the arithmetic, and scale-to-zero lowers this scenario's GPU bill" if saves > 0.5 else
               "holds in part: the arithmetic holds; scale-to-zero helps only traffic with idle periods, and this "
               "scenario's has none")
    return Verdict(11, "An H100 at 10 % utilization wastes capital; 80 % through batching drastically lowers cost per token; "
                   "scale-to-zero lowers the breakeven for bursty traffic.", SOURCES["L"], verdict,
                   f"Cost per token is inversely proportional to utilization: {pct(lo)} costs {ratio:.0f}× as much per "
                   f"token as {pct(hi)}; this scenario's fleet runs at {pct(d.fleet.utilization)}. Over its traffic profile "
                   f"({sc['traffic.profile']}, {step} steps, {pct(idle)} of them idle), GPUs cost "
                   + ", ".join(f"{usd(t.loc[k, 'total_usd_per_month'])}/month with {POLICIES[k]}" for k in t.index)
                   + (f": scale-to-zero saves {usd(saves)}/month over autoscaling, which lowers the self-hosted cost and so "
                      "the breakeven." if saves > 0.5 else
                      ": scale-to-zero saves nothing over autoscaling when no step is idle, so the breakeven does not move."))


def claim_12(sc, d) -> Verdict:
    c = option_costs(sc.replace({"selfhost.egress_usd_per_gb": 0.0, "selfhost.storage_usd_per_month": 0.0}).values)["selfhost"]
    v = sc.values
    tpr = v["workload.input_tokens_per_request"] + v["workload.output_tokens_per_request"]
    tok_s = float(c["replica_requests_per_s"] * tpr * c["serving_replicas"])
    formula = float(effective_usd_per_mtok(float(c["monthly_usd"]) / HOURS_PER_MONTH, tok_s, float(c["utilization"])))
    direct = float(c["monthly_usd"] / (c["tokens_per_month"] / 1e6))
    same = abs(formula / direct - 1) < 1e-9
    return Verdict(12, "Effective cost per million tokens = GPU cost per hour ÷ million tokens served per hour.", SOURCES["T"],
                   "holds (it is the kit's formula), with all costs in the hourly figure" if same else "does not hold here",
                   f"This scenario ({sc.title}): {usd(formula, price=True)}/Mtok by the formula at {pct(float(c['utilization']))} "
                   f"utilization, {usd(direct, price=True)}/Mtok from the monthly model (egress and storage left out of both). With "
                   f"the GPUs' cost alone in the hourly figure it gives {usd(d.fleet.gpu_only_usd_per_mtok, price=True)}/Mtok.")


def claim_13(sc, d) -> Verdict:
    when = sc["prices.price_date"]
    n_in, n_out = float(sc["workload.input_tokens_per_request"]), float(sc["workload.output_tokens_per_request"])
    frontier = [api_price("anthropic", m, when, n_in) for m in ("claude-opus-4-1", "claude-opus-4-5")]
    workhorses = [api_price("together", "meta-llama/Llama-3.3-70B-Instruct-Turbo", when, n_in),
                  api_price("groq", "llama-3.1-8b-instant", when, n_in)]
    per_request = lambda p: n_in * p.input + n_out * p.output  # noqa: E731
    ratios = {(f.model, w.model): per_request(f) / per_request(w) for f in frontier for w in workhorses}
    big = [pair for pair, r in ratios.items() if r >= 100]
    if len(big) == len(ratios):
        verdict = "holds"
    elif big:
        verdict = "holds only for " + "; ".join(f"{f} against {w}" for f, w in big)
    else:
        verdict = "does not hold: the gap is one order of magnitude"
    return Verdict(13, "The price gap between a frontier model and a capable open workhorse is two orders of magnitude.",
                   SOURCES["T"], verdict,
                   f"Per request of this scenario ({n_in:,.0f} tokens in, {n_out:,.0f} out), at genai-prices of {when}: "
                   + "; ".join(f"{f} {r:,.0f}× {w}" for (f, w), r in ratios.items()) + ".")


def claim_14(sc, d) -> Verdict:
    p = d.workload["peak_to_mean"]
    u = d.fleet.utilization
    return Verdict(14, "Traffic is diurnal and bursty: sizing for peak means paying for peak around the clock.", SOURCES["T"],
                   "holds" if u <= 1 / p + 1e-9 else "does not hold here",
                   f"With a peak {ratio(p)} the mean (this scenario), a fleet sized for the peak is at most "
                   f"{pct(1 / p)} busy on average, before head-room and spares; the decision's fleet "
                   f"({d.fleet.gpus} × {d.fleet.gpu}) runs at {pct(u)}.")


def claim_15(sc, d) -> Verdict:
    h = gpu_spec("H100-SXM")
    buy, rent_listed = h["purchase_usd_per_gpu"], h["rent_usd_per_gpu_hour"]
    (buy_lo, buy_hi), rent = CLAIM15_PURCHASE_USD, CLAIM15_RENT_USD_PER_HOUR
    months = (buy_lo / (rent * HOURS_PER_MONTH), buy_hi / (rent * HOURS_PER_MONTH))
    buy_ok = buy["low"] <= buy_hi and buy["high"] >= buy_lo
    rent_ok = rent_listed["low"] < rent
    verdict = ("holds" if buy_ok and rent_ok else
               f"holds only for the purchase price: no listed on-demand rent is under {usd(rent, price=True)}/hour" if buy_ok else
               "does not hold at the catalog's prices")
    return Verdict(15, "H100: $30,000-40,000 to buy, under $2.50 per hour to rent from specialist clouds.", SOURCES["C"],
                   verdict,
                   f"Catalog: purchase {_range(buy['low'], buy['high'])} ({buy['checked']}); listed on-demand rent "
                   f"{_range(rent_listed['low'], rent_listed['high'])}/hour ({rent_listed['checked']}), the kit's point price "
                   f"{usd(rent_listed['value'], price=True)}. At {usd(rent, price=True)}/hour the purchase price equals "
                   f"{months[0]:.0f}-{months[1]:.0f} months of round-the-clock rent, before power and hosting.")


def claim_16(sc, d) -> Verdict:
    (f_lo, f_hi), (s_lo, s_hi), (c_lo, c_hi) = CLAIM16_FTE, CLAIM16_FTE_USD, CLAIM16_TOTAL_USD
    from ._capacity import feasible_tensor_parallel

    rent = gpu_spec("H100-SXM")["rent_usd_per_gpu_hour"]
    kv = {} if sc["selfhost.kv_precision"] is None else {"kv_precision": sc["selfhost.kv_precision"]}
    per_replica = feasible_tensor_parallel(sc["selfhost.model"], "H100-SXM", sc["selfhost.precision"], **kv)[:1] or [8]
    replicas = sc["selfhost.min_replicas"] + sc["selfhost.redundancy_replicas"]
    gpus = int(replicas * per_replica[0])  # the smallest H100 fleet for the scenario's model: N + spares
    hw = (gpus * rent["low"] * 8760, gpus * rent["high"] * 8760)
    staff = (f_lo * s_lo, f_hi * s_hi)
    total = (staff[0] + hw[0], staff[1] + hw[1])
    lo, hi = max(total[0], c_lo), min(total[1], c_hi)
    if total[0] >= c_lo and total[1] <= c_hi:
        verdict = "holds: the computed range lies within the claimed one"
    elif lo < hi:
        verdict = "holds in part: the ranges overlap"
    else:
        verdict = "does not hold: the ranges do not overlap"
    overlap = (f"they overlap from {usd(lo)} to {usd(hi)}, {pct((hi - lo) / (c_hi - c_lo))} of the claimed range"
               if lo < hi else "they do not overlap")
    return Verdict(16, "Self-hosting needs 0.5-1 FTE ($75,000-100,000/year); a minimal deployment runs $125,000-190,000/year.",
                   SOURCES["C"], verdict,
                   f"{f_lo:g}-{f_hi:g} FTE at {_range(s_lo, s_hi)} a year is {_range(*staff)}/year; "
                   f"{_plural(gpus, 'H100')} (the smallest fleet for this scenario's {sc['selfhost.model']} at "
                   f"{str(sc['selfhost.precision']).upper()}: {_plural(sc['selfhost.min_replicas'], 'replica')} and "
                   f"{_plural(sc['selfhost.redundancy_replicas'], 'spare')} of {_plural(per_replica[0], 'GPU')}) at the catalog's listed rent "
                   f"({_range(rent['low'], rent['high'])}/hour) add {_range(*hw)}/year: {_range(*total)} in all against the "
                   f"claimed {_range(c_lo, c_hi)}; {overlap}.")


def claim_17(sc, d) -> Verdict:
    cloud, own = 860_000, 345_000
    actual = 1 - own / cloud
    return Verdict(17, "Over 18 months: cloud AI $860,000 versus self-hosted $345,000, 'a 55 % TCO reduction'.",
                   SOURCES["C"], "contradicts itself",
                   f"1 − 345,000 / 860,000 = {pct(actual)}, not 55 %; a 55 % reduction from $860,000 would leave "
                   f"{usd(cloud * 0.45)}. Per month: {usd(cloud / 18)} against {usd(own / 18)}.")


def claim_18(sc, d) -> Verdict:
    t = claim18_volumes()
    dd = dict(zip(t["figure"], t["tokens_per_day"]))
    return Verdict(18, "Cheaper above 2 million tokens/day 'or around 11 billion/month for premium models'; below '50 million/day or ~11 billion/month' APIs are cheaper.",
                   SOURCES["C"], "contradicts itself",
                   f"2 million/day is {tokens(2e6 * DAYS_PER_MONTH)}/month, not 11 billion; 11 billion/month is "
                   f"{tokens(dd['premium models (per month)'])}/day; 50 million/day is {tokens(50e6 * DAYS_PER_MONTH)}/month. "
                   "The claim pairs figures {:.0f}× and {:.0f}× apart.".format(
                       dd["premium models (per month)"] / 2e6, dd["APIs cheaper below (per month)"] / 50e6))


def claim_19(sc, d) -> Verdict:
    (lo, hi), fintech = CLAIM19_SAVINGS, CLAIM19_FINTECH
    prem = _blended_usd_per_mtok(sc, "api")
    opn = _blended_usd_per_mtok(sc, "managed")
    need = fintech / (1 - opn / prem)
    reach = (f"an {pct(fintech)} cut needs {pct(need)} of traffic on the open model at this scenario's token prices "
             "(token bill only)" if need <= 1 else
             f"an {pct(fintech)} cut is out of reach on the token bill (the open model costs {pct(opn / prem)} of the "
             "closed API's price per token)")
    claim = "A fintech cut AI spend by 83 % with hybrid self-hosting; hybrid routing generally cuts costs by 30-50 %."
    routed, api = d.options.get("routed"), d.options.get("api")
    if routed is None or api is None or not api.permitted:
        return Verdict(19, claim, SOURCES["C"], "cannot be tested here: no routed split with the closed API",
                       f"{_no_split_reason(sc.values, d)} Instead: {reach}.")
    saving = 1 - routed.monthly_usd / api.monthly_usd
    verdict = ("holds for this scenario" if lo <= saving <= hi else
               "is exceeded in this scenario" if saving > hi else "does not hold for this scenario")
    return Verdict(19, claim, SOURCES["C"], verdict,
                   f"The decision's routed split costs {usd(routed.monthly_usd)}/month against {usd(api.monthly_usd)} "
                   f"for the closed API alone, " + (f"{pct(saving)} less" if saving >= 0 else f"{pct(-saving)} more")
                   + f", all costs counted and at the quality floor; {reach}.")


def claim_20(sc, d) -> Verdict:
    from ._capacity import decode_step_seconds, prefill_seconds, weight_bytes

    n_in, n_out = float(sc["workload.input_tokens_per_request"]), float(sc["workload.output_tokens_per_request"])
    h = gpu_spec("H100-SXM")
    step = float(decode_step_seconds("llama-3.1-8b", "H100-SXM", 1, n_in + n_out / 2, "bf16", 1))
    first = float(prefill_seconds("llama-3.1-8b", "H100-SXM", n_in, "bf16", 1, 1)) + step
    whole = first + (n_out - 1) * step
    limit = CLAIM20_MS / 1e3
    verdict = ("holds" if whole <= limit else "does not hold for a whole answer"
               + (", nor for its first token" if first > limit else ""))
    return Verdict(20, "API network latency is 50-200 ms; a local model can answer in under 10 ms.", SOURCES["C"], verdict,
                   f"Capacity model, Llama 3.1 8B at BF16 ({weight_bytes('llama-3.1-8b', 'bf16') / 1e9:,.0f} GB of weights) "
                   f"alone on an H100 ({h['bandwidth_tb_s']} TB/s), one request of this scenario's shape: the first token "
                   f"after {first * 1e3:,.1f} ms ({n_in:,.0f}-token prompt), then {step * 1e3:,.1f} ms per token, the "
                   f"{n_out:,.0f}-token answer after {whole:,.2f} s. The 50-200 ms network figure is not computable here.")


CLAIMS = [claim_1, claim_2, claim_3, claim_4, claim_5, claim_6, claim_7, claim_8, claim_9, claim_10,
          claim_11, claim_12, claim_13, claim_14, claim_15, claim_16, claim_17, claim_18, claim_19, claim_20]


def claims_audit(scenario, decision=None) -> pd.DataFrame:
    """Every claim in docs/claims.md with its verdict and the arithmetic behind it.

    Parameters
    ----------
    scenario : Scenario
    decision : Decision, optional
        The scenario's decision (`econ.decision`; computed by `econ.decide` when omitted). Claims about the
        scenario's own situation (2, 3, 4, 6, 9, 11, 12, 14, 19) read its fleet, options and routed split from it;
        claims that state their own case use the claim-5 scenario (``params/one_h100_vs_mid_tier.yaml``), the
        capacity model or the article's own figures.

    Examples
    --------
    >>> from econ import load_scenario, PARAMS_DIR, decide
    >>> sc = load_scenario(PARAMS_DIR / "enterprise_steady.yaml")
    >>> t = claims_audit(sc, decide(sc, draws=1_000))
    >>> len(t), t.loc[t["number"] == 17, "verdict"].item()
    (20, 'contradicts itself')
    """
    if decision is None:
        from ._pipeline import decide

        decision = decide(scenario)
    return pd.DataFrame([vars(f(scenario, decision)) for f in CLAIMS])


def claims_view(audit: pd.DataFrame) -> HTML:
    """The audit as an HTML table (text escaped)."""
    rows = [{"#": str(r["number"]), "claim": r["claim"], "source": r["source"], "verdict": r["verdict"],
             "the numbers behind it": r["arithmetic"]} for r in audit.to_dict("records")]
    return html_table(rows, "econ-table claims", ("#",))


def claims_summary(audit: pd.DataFrame) -> Markdown:
    """How many claims hold, hold only under conditions, fail or contradict themselves, from the audit."""
    v = audit["verdict"]
    conditional = v.str.startswith(("holds only", "holds in part", "holds on cost only"))
    groups = {  # (singular, plural): mask
        ("holds", "hold"): v.str.startswith("holds") & ~conditional,
        ("holds only under conditions or in part", "hold only under conditions or in part"): conditional,
        ("does not hold", "do not hold"): v.str.startswith("does not hold"),
        ("is exceeded", "are exceeded"): v.str.startswith("is exceeded"),
        ("contradicts itself", "contradict themselves"): v.str.startswith("contradicts"),
        ("cannot be computed or tested here", "cannot be computed or tested here"): v.str.startswith("cannot"),
    }
    parts = [f"{int(m.sum())} {name[int(m.sum()) != 1]} ({', '.join(str(n) for n in audit.loc[m, 'number'])})"
             for name, m in groups.items() if m.any()]
    return Markdown(f"Of the {len(audit)} claims, " + "; ".join(parts) + ".")
