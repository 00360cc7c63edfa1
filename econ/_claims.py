"""The published rules of thumb (docs/claims.md), put to the test with the kit's own model.

Each ``claim_N`` returns a `Verdict`: the claim, its source, a verdict (holds / holds only when ... /
does not hold / contradicts itself / cannot be computed) and the arithmetic behind it, every figure computed
here from the catalogs, genai-prices and the scenario files, never typed in by hand.
"""

from __future__ import annotations

from dataclasses import dataclass

import altair as alt
import numpy as np
import pandas as pd

from ._breakeven import breakeven_tokens_per_day
from ._catalog import gpu_spec
from ._costs import DAYS_PER_MONTH, HOURS_PER_MONTH, effective_usd_per_mtok, option_costs
from ._params import PARAMS_DIR, load_scenario
from ._prices import api_price
from ._views import HTML, Markdown, pct, tokens, usd

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
    """Breakeven volume against the API's blended price, with claim 5's 5-10 million tokens/day band."""
    band = alt.Chart(pd.DataFrame({"lo": [5e6], "hi": [10e6]})).mark_rect(opacity=0.2, color="#e45756").encode(
        y=alt.Y("lo:Q"), y2="hi:Q")
    points = alt.Chart(table.dropna(subset=["breakeven_tokens_per_day"])).mark_point(filled=True, size=70).encode(
        x=alt.X("api_usd_per_mtok:Q", scale=alt.Scale(type="log"), title="API blended price (USD per million tokens)",
                axis=alt.Axis(format="$.2~f")),
        y=alt.Y("breakeven_tokens_per_day:Q", scale=alt.Scale(type="log"), title="breakeven volume (tokens per day)",
                axis=alt.Axis(format="~s")),
        tooltip=[alt.Tooltip("api:N", title="API"), alt.Tooltip("api_usd_per_mtok:Q", format="$.3f", title="USD/Mtok"),
                 alt.Tooltip("breakeven_tokens_per_day:Q", format=",.3~s", title="breakeven tokens/day")],
    )
    labels = points.mark_text(align="left", dx=6, fontSize=10).encode(text="api:N")
    return (band + points + labels).properties(
        title="Claim 5: one H100 breaks even at 5-10 million tokens/day (shaded band)?", width=560, height=320)


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
    """Claim 18's four volumes on one daily axis: phrases the claim pairs as equal sit far apart."""
    return alt.Chart(table).mark_circle(size=120).encode(
        y=alt.Y("figure:N", title=None, sort=None),
        x=alt.X("tokens_per_day:Q", scale=alt.Scale(type="log"), title="tokens per day (log scale)", axis=alt.Axis(format="~s")),
        tooltip=[alt.Tooltip("figure:N"), alt.Tooltip("tokens_per_day:Q", format=",.3~s", title="tokens/day"),
                 alt.Tooltip("tokens_per_month:Q", format=",.3~s", title="tokens/month")],
    ).properties(title="Claim 18: the volumes it pairs, on one axis", width=560, height=140)


# --------------------------------------------------------------------------------------------- claims

def claim_1(sc) -> Verdict:
    c5 = _claim5()
    costs = option_costs(c5.values)
    fixed = float(costs["selfhost"]["monthly_usd"])
    gpu_only = float(costs["selfhost"]["gpu_usd"])
    price = _blended_usd_per_mtok(c5)
    # self-hosted marginal token cost is ~0 (egress only); the price difference is the API's price
    formula_all_in = fixed / price * 1e6 / DAYS_PER_MONTH
    formula_gpu = gpu_only / price * 1e6 / DAYS_PER_MONTH
    numeric = breakeven_tokens_per_day(c5, "api", "selfhost").tokens_per_day
    return Verdict(1, "Breakeven monthly volume = monthly cost of a GPU deployment sized for peak ÷ per-token price difference.",
                   SOURCES["D"], "holds only when the deployment cost is all-in and one fleet size covers the range",
                   f"One H100 at the claim-5 scenario: all-in {usd(fixed)}/month ÷ {usd(price)}/Mtok = "
                   f"{tokens(formula_all_in)} tokens/day; the model's numeric breakeven (fleet growing in steps) is "
                   f"{tokens(numeric)}; with GPU rent only ({usd(gpu_only)}/month) the formula gives "
                   f"{tokens(formula_gpu)}, {formula_all_in / formula_gpu:.1f}× too low.")


def claim_2(sc) -> Verdict:
    v = sc.values
    c = option_costs(v)
    tpr = v["workload.input_tokens_per_request"] + v["workload.output_tokens_per_request"]
    fleet_tok_s = float(c["selfhost"]["replica_requests_per_s"] * tpr * c["selfhost"]["serving_replicas"])
    hourly = float(c["selfhost"]["monthly_usd"]) / HOURS_PER_MONTH
    at20 = float(effective_usd_per_mtok(hourly, fleet_tok_s, 0.2))
    api = float(c["api"]["monthly_usd"] / (c["api"]["tokens_per_month"] / 1e6))
    match = hourly / (fleet_tok_s * 3600 / 1e6 * api)
    verdict = "holds" if at20 > api else "does not hold for this scenario"
    return Verdict(2, "A self-hosted cluster at 20 % utilization can cost more per useful token than the API it replaced.",
                   SOURCES["D"], verdict,
                   f"This scenario's fleet ({sc.title}: {float(c['selfhost']['gpus']):.0f} GPU(s), all costs "
                   f"{usd(hourly)}/hour, {tokens(fleet_tok_s)} tokens/s at full load) costs {usd(at20)} per million "
                   f"tokens at 20 % utilization against {usd(api)} for the closed API, all costs counted; the two are "
                   f"equal at {pct(match)} utilization.")


def claim_3(sc) -> Verdict:
    c = option_costs(sc.values)["selfhost"]
    total = float(c["monthly_usd"])
    gpu = float(c["gpu_usd"] + c["power_usd"] + c["hosting_usd"])
    people = float(c["engineering_usd"] + c["evaluation_usd"] + c["upgrade_usd"])
    return Verdict(3, "Four miscalculations: GPU rent only; peak instead of average utilization; egress and storage ignored; free upgrades undervalued.",
                   SOURCES["D"], "holds",
                   f"In this scenario ({sc.title}) hardware is {pct(gpu / total)} of the self-hosted {usd(total)}/month; "
                   f"engineering, evaluation and upgrades {pct(people / total)}; egress and storage "
                   f"{pct(float(c['egress_storage_usd']) / total)}. The fleet runs at {pct(float(c['utilization']))} "
                   f"average utilization against a peak {sc['workload.peak_to_mean']:g}× the mean.")


def claim_4(sc) -> Verdict:
    volumes = np.logspace(5, 10, 201)
    tpr = sc["workload.input_tokens_per_request"] + sc["workload.output_tokens_per_request"]
    costs = option_costs(sc.replace({"workload.requests_per_day": volumes / tpr}).values)
    names = list(costs)
    cheapest = np.array(names)[np.argmin(np.vstack([costs[k]["monthly_usd"] for k in names]), axis=0)]
    managed = volumes[cheapest == "managed"]
    if managed.size:
        return Verdict(4, "A managed open-weight endpoint can be the cheapest option at moderate scale.", "D, O, T",
                       "holds", f"In this scenario ({sc.title}) the managed endpoint is the cheapest of the three from "
                       f"{tokens(managed.min())} to {tokens(managed.max())} tokens/day.")
    return Verdict(4, "A managed open-weight endpoint can be the cheapest option at moderate scale.", "D, O, T",
                   "does not hold here", f"In this scenario ({sc.title}) the managed endpoint is never the cheapest "
                   "between 100 thousand and 10 billion tokens/day.")


def claim_5(sc) -> Verdict:
    t = claim5_breakeven_by_api()
    inside = t[(t["breakeven_tokens_per_day"] >= 5e6) & (t["breakeven_tokens_per_day"] <= 10e6)]
    c5 = _claim5()
    fixed = float(option_costs(c5.values)["selfhost"]["monthly_usd"])
    needed = [fixed / (v * DAYS_PER_MONTH) * 1e6 for v in (10e6, 5e6)]
    mid = t.iloc[(t["api"] == "openai/gpt-4.1-mini").to_numpy().nonzero()[0][0]]
    verdict = "holds" if len(inside) == len(t) else (
        f"holds only when the API costs {usd(needed[0])}-{usd(needed[1])} per million tokens")
    return Verdict(5, "Self-hosting breaks even between 5 and 10 million tokens per day.", SOURCES["L"], verdict,
                   f"One H100 costs {usd(fixed)}/month all in (claim-5 scenario); against the mid-tier "
                   f"{mid['api']} ({usd(mid['api_usd_per_mtok'])}/Mtok) it breaks even at "
                   f"{tokens(mid['breakeven_tokens_per_day'])} tokens/day. Breaking even at 5-10 million tokens/day "
                   f"takes an API at {usd(needed[0])}-{usd(needed[1])} per million tokens; {len(inside)} of the "
                   f"{len(t)} APIs checked fall in that band.")


def claim_6(sc) -> Verdict:
    c = option_costs(sc.values)["selfhost"]
    rate = sc["engineering.loaded_usd_per_hour"]
    return Verdict(6, "Keeping an inference server running takes 10-20 engineer-hours per month.", SOURCES["L"],
                   "cannot be computed (an input, not a result)",
                   f"The kit takes it as an assumption (default 15 h). At {usd(rate)}/hour, 10-20 h is "
                   f"{usd(10 * rate)}-{usd(20 * rate)}/month, against {usd(float(c['gpu_usd']))}/month of GPUs in "
                   f"this scenario ({sc.title}).")


def claim_7(sc) -> Verdict:
    return Verdict(7, "Batching and quantization double or triple one GPU's throughput; one H100 serves thousands of tokens/s.",
                   SOURCES["L"], "holds in part",
                   "NVIDIA's TensorRT-LLM overview (docs/figures.md) reports 15,245 output tokens/s for Llama 3.1 8B FP8 "
                   "on one H100 at 1000/1000 tokens (saturated, upper bound): thousands, yes. The 2-3× factor needs "
                   "the capacity model (throughput against batch), which is not in the kit yet.")


def claim_8(sc) -> Verdict:
    from ._capacity import gpus_for_model, weight_bytes

    ctx = float(sc["workload.input_tokens_per_request"] + sc["workload.output_tokens_per_request"])
    out = []
    for precision in ("bf16", "fp8", "int4"):
        need = {g: gpus_for_model("llama-3.1-70b", g, precision, ctx, 16) for g in ("H100-SXM", "A100-80GB", "L40S")}
        out.append(f"{precision.upper()}: {weight_bytes('llama-3.1-70b', precision) / 1e9:,.0f} GB of weights, "
                   + ", ".join(f"{n} × {g}" for g, n in need.items()))
    return Verdict(8, "A 70B model needs an A100 80GB or an H100.", SOURCES["L"],
                   "holds in part: one 80 GB GPU holds a 70B model at FP8 (with a small KV cache) or at 4-bit; at BF16 it takes two or more",
                   "; ".join(out) + f" (capacity model: weights plus the KV cache of 16 requests of {ctx:,.0f} tokens; "
                   "A100 has no FP8 arithmetic but can hold FP8 weights).")


def claim_9(sc) -> Verdict:
    prem = _blended_usd_per_mtok(sc, "api")
    opn = _blended_usd_per_mtok(sc, "managed")
    s = [1 - (f * opn + (1 - f) * prem) / prem for f in (0.8, 0.9)]
    return Verdict(9, "Hybrid: 80-90 % of traffic on self-hosted open models, 10-20 % on premium APIs.", SOURCES["L"],
                   "cannot be computed without quality data; the cost side is shown",
                   f"At this scenario's prices (premium {usd(prem)}/Mtok, open {usd(opn)}/Mtok per token) an 80-90 % "
                   f"open split saves {pct(s[0])}-{pct(s[1])} of the token bill, before the fixed costs of running "
                   "the open model; whether 80-90 % of requests can go to it depends on quality, which the kit "
                   "does not measure yet.")


def claim_10(sc) -> Verdict:
    p = api_price(sc["api.provider"], sc["api.model"], sc["prices.price_date"])
    long, short = 5000 * p.input + 200 * p.output, 500 * p.input + 200 * p.output
    return Verdict(10, "Fine-tuning cuts a 5,000-token prompt to 500 (200-token answer), raising requests/s per GPU.",
                   SOURCES["L"], "holds (arithmetic)",
                   f"At {p.provider}/{p.model} list prices ({usd(p.input)} in, {usd(p.output)} out per Mtok): "
                   f"5,000 × {p.input:g} + 200 × {p.output:g} = {long:,.0f} µUSD against 500 × {p.input:g} + 200 × "
                   f"{p.output:g} = {short:,.0f} µUSD per request, {pct(1 - short / long)} less; tokens processed per "
                   f"request fall from 5,200 to 700 ({5200 / 700:.1f}× fewer).")


def claim_11(sc) -> Verdict:
    ratio = float(effective_usd_per_mtok(1.0, 1.0, 0.1) / effective_usd_per_mtok(1.0, 1.0, 0.8))
    return Verdict(11, "An H100 at 10 % utilization wastes capital; 80 % through batching drastically lowers cost per token.",
                   SOURCES["L"], "holds (arithmetic)",
                   f"Cost per token is inversely proportional to utilization: 10 % costs {ratio:.0f}× as much per "
                   "token as 80 %. The scale-to-zero part needs a traffic profile, not in the kit yet.")


def claim_12(sc) -> Verdict:
    c = option_costs(sc.replace({"selfhost.egress_usd_per_gb": 0.0, "selfhost.storage_usd_per_month": 0.0}).values)["selfhost"]
    v = sc.values
    tpr = v["workload.input_tokens_per_request"] + v["workload.output_tokens_per_request"]
    tok_s = float(c["replica_requests_per_s"] * tpr * c["serving_replicas"])
    formula = float(effective_usd_per_mtok(float(c["monthly_usd"]) / HOURS_PER_MONTH, tok_s, float(c["utilization"])))
    direct = float(c["monthly_usd"] / (c["tokens_per_month"] / 1e6))
    return Verdict(12, "Effective cost per million tokens = GPU cost per hour ÷ million tokens served per hour.", SOURCES["T"],
                   "holds (it is the kit's formula), with all costs in the hourly figure",
                   f"This scenario ({sc.title}): {usd(formula)}/Mtok by the formula, {usd(direct)}/Mtok from the "
                   "monthly model (egress and storage left out of both).")


def claim_13(sc) -> Verdict:
    when = sc["prices.price_date"]
    frontier = api_price("anthropic", "claude-opus-4-1", when)
    workhorses = [api_price("together", "meta-llama/Llama-3.3-70B-Instruct-Turbo", when),
                  api_price("groq", "llama-3.1-8b-instant", when)]
    parts = [f"{w.model} {frontier.output / w.output:,.0f}× on output, {frontier.input / w.input:,.0f}× on input"
             for w in workhorses]
    return Verdict(13, "The price gap between a frontier model and a capable open workhorse is two orders of magnitude.",
                   SOURCES["T"], "holds only for the dearest frontier model against a small or mid open model",
                   f"claude-opus-4-1 ({usd(frontier.output)}/Mtok out) against " + "; ".join(parts)
                   + f". The newer claude-opus-4-5 is {api_price('anthropic', 'claude-opus-4-5', when).output:g} USD/Mtok out.")


def claim_14(sc) -> Verdict:
    p = sc["workload.peak_to_mean"]
    return Verdict(14, "Traffic is diurnal and bursty: sizing for peak means paying for peak around the clock.", SOURCES["T"],
                   "holds", f"With a peak {p:g}× the mean (this scenario), a fleet sized for the peak is at most "
                   f"{pct(1 / p)} busy on average, before headroom and spares; the model's fleet here runs at "
                   f"{pct(float(option_costs(sc.values)['selfhost']['utilization']))}.")


def claim_15(sc) -> Verdict:
    h = gpu_spec("H100-SXM")
    months = (h["purchase_usd_per_gpu"]["low"] / (2.50 * HOURS_PER_MONTH), h["purchase_usd_per_gpu"]["high"] / (2.50 * HOURS_PER_MONTH))
    return Verdict(15, "H100: $30,000-40,000 to buy, under $2.50 per hour to rent from specialist clouds.", SOURCES["C"],
                   "holds only for market-index and spot prices",
                   f"Catalog: purchase {usd(h['purchase_usd_per_gpu']['low'])}-{usd(h['purchase_usd_per_gpu']['high'])}; listed on-demand "
                   f"rent {usd(h['rent_usd_per_gpu_hour']['low'])}-{usd(h['rent_usd_per_gpu_hour']['high'])}/hour, not under "
                   f"$2.50 (the SemiAnalysis index, 1.70-2.35, is). At $2.50/hour the purchase price equals "
                   f"{months[0]:.0f}-{months[1]:.0f} months of round-the-clock rent, before power and hosting.")


def claim_16(sc) -> Verdict:
    fte = (0.5 * 75_000, 1.0 * 100_000)
    h100 = 2 * 2.50 * 8760
    return Verdict(16, "Self-hosting needs 0.5-1 FTE ($75,000-100,000/year); a minimal deployment runs $125,000-190,000/year.",
                   SOURCES["C"], "holds only with several GPUs",
                   f"0.5-1 FTE is {usd(fte[0])}-{usd(fte[1])}/year; two H100s (N+1) at $2.50/hour add {usd(h100)}/year: "
                   f"{usd(fte[0] + h100)}-{usd(fte[1] + h100)} in all, under the claimed $125,000-190,000 unless the "
                   "deployment has more GPUs or staff.")


def claim_17(sc) -> Verdict:
    cloud, own = 860_000, 345_000
    actual = 1 - own / cloud
    return Verdict(17, "Over 18 months: cloud AI $860,000 versus self-hosted $345,000, 'a 55 % TCO reduction'.",
                   SOURCES["C"], "contradicts itself",
                   f"1 − 345,000 / 860,000 = {pct(actual)}, not 55 %; a 55 % reduction from $860,000 would leave "
                   f"{usd(cloud * 0.45)}. Per month: {usd(cloud / 18)} against {usd(own / 18)}.")


def claim_18(sc) -> Verdict:
    t = claim18_volumes()
    d = dict(zip(t["figure"], t["tokens_per_day"]))
    return Verdict(18, "Cheaper above 2 million tokens/day 'or around 11 billion/month for premium models'; below '50 million/day or ~11 billion/month' APIs are cheaper.",
                   SOURCES["C"], "contradicts itself",
                   f"2 million/day is {tokens(2e6 * DAYS_PER_MONTH)}/month, not 11 billion; 11 billion/month is "
                   f"{tokens(d['premium models (per month)'])}/day; 50 million/day is {tokens(50e6 * DAYS_PER_MONTH)}/month. "
                   "The claim pairs figures {:.0f}× and {:.0f}× apart.".format(
                       d["premium models (per month)"] / 2e6, d["APIs cheaper below (per month)"] / 50e6))


def claim_19(sc) -> Verdict:
    prem = _blended_usd_per_mtok(sc, "api")
    opn = _blended_usd_per_mtok(sc, "managed")
    ratio = opn / prem
    need = {s: s / (1 - ratio) for s in (0.30, 0.50, 0.83)}
    txt = "; ".join(f"{pct(s)} needs {pct(f)} of traffic on the open model" if f <= 1 else f"{pct(s)} is out of reach"
                    for s, f in need.items())
    return Verdict(19, "A fintech cut AI spend by 83 % with hybrid self-hosting; hybrid routing generally cuts costs by 30-50 %.",
                   SOURCES["C"], "holds only when the open model takes a large share at a small fraction of the price",
                   f"At this scenario's token prices the open model costs {pct(ratio)} of the premium one per token; "
                   f"savings of {txt} (token bill only, before fixed costs and the router).")


def claim_20(sc) -> Verdict:
    h = gpu_spec("H100-SXM")
    per_token_s = 8e9 * 2 / (h["bandwidth_tb_s"] * 1e12)
    return Verdict(20, "API network latency is 50-200 ms; a local model can answer in under 10 ms.", SOURCES["C"],
                   "does not hold for a whole answer",
                   f"Reading an 8B model's BF16 weights once per output token on an H100 takes at least "
                   f"{per_token_s * 1e3:.1f} ms (16 GB ÷ {h['bandwidth_tb_s']} TB/s), so a 200-token answer needs "
                   f"{per_token_s * 200:.2f} s or more; under 10 ms fits only the first token of a short prompt. "
                   "The 50-200 ms network figure is not computable here.")


CLAIMS = [claim_1, claim_2, claim_3, claim_4, claim_5, claim_6, claim_7, claim_8, claim_9, claim_10,
          claim_11, claim_12, claim_13, claim_14, claim_15, claim_16, claim_17, claim_18, claim_19, claim_20]


def claims_audit(scenario) -> pd.DataFrame:
    """Every claim in docs/claims.md with its verdict and the arithmetic behind it.

    Claims about a scenario's own situation (3, 4, 6, 9, 12, 14, 19) use ``scenario``; claims that state their
    own case use the claim-5 scenario (``params/one_h100_vs_mid_tier.yaml``) or the article's own figures.

    Examples
    --------
    >>> from econ import load_scenario, PARAMS_DIR
    >>> t = claims_audit(load_scenario(PARAMS_DIR / "enterprise_steady.yaml"))
    >>> len(t), t.loc[t["number"] == 17, "verdict"].item()
    (20, 'contradicts itself')
    """
    return pd.DataFrame([vars(f(scenario)) for f in CLAIMS])


def claims_view(audit: pd.DataFrame) -> HTML:
    """The audit as an HTML table (text escaped)."""
    return HTML(audit.rename(columns={"number": "#"}).to_html(index=False, escape=True, border=0, classes="claims"))


def claims_summary(audit: pd.DataFrame) -> Markdown:
    """How many claims hold, hold only under conditions, fail or contradict themselves, from the audit."""
    v = audit["verdict"]
    groups = {
        "hold": v.str.startswith("holds") & ~v.str.startswith("holds only") & ~v.str.startswith("holds in part"),
        "hold only under conditions or in part": v.str.startswith("holds only") | v.str.startswith("holds in part"),
        "do not hold": v.str.startswith("does not hold"),
        "contradict themselves": v.str.startswith("contradicts"),
        "cannot be computed by the kit": v.str.startswith("cannot"),
    }
    parts = [f"{int(m.sum())} {name} ({', '.join(str(n) for n in audit.loc[m, 'number'])})"
             for name, m in groups.items() if m.any()]
    return Markdown(f"Of the {len(audit)} claims, " + "; ".join(parts) + ".")
