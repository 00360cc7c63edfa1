"""Fine-tuning versus prompt context: what a shorter prompt is worth, and when fine-tuning pays back.

A task sends a long prompt (instructions and examples, ``finetune.long_prompt_tokens``) with every request.
Fine-tuning moves that knowledge into the weights and leaves a short prompt (``finetune.short_prompt_tokens``).
Five arms, each costed per request and per month (claim 10 of the reference sheet is the headline case):

``long``
    the long prompt on the closed API at list price;
``cached``
    the same with the provider's prompt caching (the shared prefix, ``finetune.cached_prefix_tokens``, read from the cache
    at a hit rate derived from the request rate within the cache lifetime) and its batch discount;
``managed_ft``
    a fine-tuned model with the short prompt at a managed provider: training billed per token, data
    preparation and evaluation hours, retraining every N months, serving at the base price plus a premium;
``selfhost_ft``
    a fine-tuned open model on the team's own GPUs: LoRA GPU-hours from training throughput, and a fleet
    sized for the short prompt (fewer prefill tokens, more requests per second per replica);
``selfhost_long``
    (reference) the self-hosted base model with the long prompt, the baseline where no API is permitted.

Each arm can carry a quality difference (a share of requests redone at a cost). Monthly running costs come
from the kit's cost model (`option_costs`) with the prompt length and prices of each arm, so engineering,
evaluation, compliance and fleet sizing are counted the same way as everywhere else in the kit.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import altair as alt
import numpy as np
import pandas as pd

from ._costs import DAYS_PER_MONTH, api_usage_usd_per_request, option_costs
from ._timeline import annuity_factor, monthly_discount_rate
from ._views import Markdown, pct, usd

__all__ = [
    "ARMS",
    "poisson_cache_hit_rate",
    "prompt_usd_per_request",
    "training_usd",
    "training_gpu_hours",
    "finetune_round_usd",
    "prefill_decode_cost_ratio",
    "prefill_scaled_requests_per_s",
    "redo_usd_per_month",
    "cumulative_cost_usd",
    "payback_months",
    "pv_cost_usd",
    "npv_usd",
    "finetune_arms",
    "finetune_from_scenario",
    "finetune_table",
    "finetune_view",
    "payback_table",
    "payback_view",
    "payback_sensitivity",
    "breakeven_redo_share",
    "winner_by_volume",
    "finetune_conclusion",
    "claim10_figures",
    "claim10_case",
    "finetune_cumulative_chart",
    "finetune_cost_per_request_chart",
    "payback_sensitivity_chart",
    "finetune_volume_chart",
]

ARMS = {
    "long": "long prompt, list price",
    "cached": "long prompt, cached",
    "managed_ft": "fine-tuned, managed",
    "selfhost_ft": "fine-tuned, self-hosted",
    "selfhost_long": "self-hosted base, long prompt",
}
"""Arm keys and display names. ``selfhost_long`` is the reference for the self-hosted fine-tune."""
LONG_ARMS = ("long", "cached", "selfhost_long")
FT_ARMS = ("managed_ft", "selfhost_ft")
_COLORS = alt.Scale(domain=list(ARMS.values()), range=["#4c78a8", "#72b7b2", "#f58518", "#54a24b", "#b279a2"])


def _a(x) -> np.ndarray:
    return np.asarray(x, float)


# ------------------------------------------------------------------------------------- pure formulas


def poisson_cache_hit_rate(requests_per_s, ttl_s, prefix_variants=1):
    """Share of requests that find their prompt prefix still in the provider's cache [fraction, 0-1].

    Parameters
    ----------
    requests_per_s : array_like
        Mean request rate of the task [requests/s].
    ttl_s : array_like
        Cache lifetime, refreshed on each hit [s] (300 for Anthropic's 5-minute cache).
    prefix_variants : array_like
        Distinct prefixes the traffic is spread over [count]; each sees ``requests_per_s / prefix_variants``.

    Returns
    -------
    ndarray
        ``1 - exp(-requests_per_s × ttl_s / prefix_variants)`` [fraction].

    Notes
    -----
    With Poisson arrivals at rate λ per prefix, the time since the previous request of the same prefix is
    exponential; a request hits when that gap is shorter than the TTL (each use refreshes the entry), so
    ``P(hit) = P(gap < T) = 1 - exp(-λT)``. Misses write the prefix to the cache (at the write price).
    Diurnal swings and bursts raise the hit rate above this at the same mean (requests cluster); cache
    eviction before the TTL and routing across provider servers lower it.

    Examples
    --------
    One request a minute against a 5-minute cache, and one a day:

    >>> round(float(poisson_cache_hit_rate(1 / 60, 300)), 4), round(float(poisson_cache_hit_rate(1 / 86_400, 300)), 4)
    (0.9933, 0.0035)
    """
    rate, ttl, n = _a(requests_per_s), _a(ttl_s), _a(prefix_variants)
    if np.any(rate < 0) or np.any(ttl < 0) or np.any(n < 1):
        raise ValueError(f"poisson_cache_hit_rate: requests_per_s {requests_per_s!r} and ttl_s {ttl_s!r} must be "
                         f">= 0 and prefix_variants {prefix_variants!r} >= 1")
    return -np.expm1(-rate * ttl / n)


def prompt_usd_per_request(
    prompt_tokens,
    output_tokens,
    input_usd_per_mtok,
    output_usd_per_mtok,
    cached_tokens=0.0,
    cache_hit_rate=0.0,
    cache_read_usd_per_mtok=0.0,
    cache_write_usd_per_mtok=0.0,
    batchable_share=0.0,
    batch_price_factor=1.0,
):
    """Token cost of one request with an optional cached prefix and batch discount [USD/request].

    Arm 1 is this at list price (``cached_tokens=0``); arm 2 caches the shared prefix; arm 3 is the short
    prompt at the fine-tuned model's prices.

    Parameters
    ----------
    prompt_tokens, output_tokens : array_like
        Prompt and answer [tokens/request].
    input_usd_per_mtok, output_usd_per_mtok : array_like
        List prices [USD per million tokens].
    cached_tokens : array_like
        Tokens of the prompt that are a shared prefix, served from the cache on a hit [tokens/request].
    cache_hit_rate : array_like
        Share of requests whose prefix is in the cache [fraction, 0-1]; a miss writes it.
    cache_read_usd_per_mtok, cache_write_usd_per_mtok : array_like
        Cache prices [USD per million tokens] (write = input price where the provider charges no premium).
    batchable_share : array_like
        Share of requests sent through the batch API [fraction, 0-1].
    batch_price_factor : array_like
        Batch price over list price [fraction].

    Returns
    -------
    ndarray
        ``[(P-C) p_in + C h p_read + C (1-h) p_write + O p_out] / 1e6 × (1 - b + b f)`` [USD/request],
        the same formula as `api_usage_usd_per_request` with the cacheable share C/P.

    Examples
    --------
    Claim 10 at 3 / 15 USD per million input / output tokens (Claude Sonnet 4.5 list price); cached: 4,500
    tokens read at 0.30:

    >>> float(prompt_usd_per_request(5_000, 200, 3.0, 15.0)), float(prompt_usd_per_request(500, 200, 3.0, 15.0))
    (0.018, 0.0045)
    >>> round(float(prompt_usd_per_request(5_000, 200, 3.0, 15.0, 4_500, 1.0, 0.3, 3.75)), 6)
    0.00585
    """
    p, c = _a(prompt_tokens), _a(cached_tokens)
    if np.any(c > p) or np.any(c < 0):
        raise ValueError(f"prompt_usd_per_request: cached_tokens {cached_tokens!r} must lie between 0 and "
                         f"prompt_tokens {prompt_tokens!r}")
    share = np.divide(c, p, out=np.zeros(np.broadcast(c, p).shape), where=p > 0)
    return api_usage_usd_per_request(p, output_tokens, input_usd_per_mtok, output_usd_per_mtok, cache_read_usd_per_mtok,
                                     cache_write_usd_per_mtok, share, cache_hit_rate, batchable_share, batch_price_factor)


def training_usd(dataset_tokens, epochs, eval_tokens, training_usd_per_mtok):
    """Bill of one managed fine-tuning run [USD].

    Parameters
    ----------
    dataset_tokens : array_like
        Tokens in the training set [tokens].
    epochs : array_like
        Passes over it [count].
    eval_tokens : array_like
        Validation tokens × evaluations per run [tokens].
    training_usd_per_mtok : array_like
        Price per million training tokens [USD/Mtok].

    Returns
    -------
    ndarray
        ``(dataset_tokens × epochs + eval_tokens) × training_usd_per_mtok / 1e6`` [USD].

    References
    ----------
    Together AI fine-tuning pricing docs (billed tokens); Fireworks pricing page 2024 (0.50 / 3.00 USD per
    million for bases up to 16B / 16-80B); OpenAI pricing (3 / 25 USD for gpt-4o-mini / gpt-4o). figures.md.

    Examples
    --------
    2 million tokens, 3 epochs, 0.6 million validation tokens at Fireworks' 3.00 USD per million:

    >>> round(float(training_usd(2e6, 3, 6e5, 3.0)), 2)
    19.8
    """
    return (_a(dataset_tokens) * _a(epochs) + _a(eval_tokens)) * _a(training_usd_per_mtok) / 1e6


def training_gpu_hours(dataset_tokens, epochs, eval_tokens, gpu_hours_per_mtok):
    """GPU-hours of one self-run fine-tuning job [GPU-hours].

    Parameters
    ----------
    dataset_tokens, epochs, eval_tokens : array_like
        As in `training_usd` [tokens, count, tokens].
    gpu_hours_per_mtok : array_like
        GPU-hours per million tokens processed [GPU-h/Mtok] = ``GPUs / (tokens_per_s × 3600 / 1e6)``.

    Returns
    -------
    ndarray
        ``(dataset_tokens × epochs + eval_tokens) / 1e6 × gpu_hours_per_mtok`` [GPU-hours]. Evaluation
        tokens (a forward pass only) are counted at the training rate, which errs high.

    References
    ----------
    torchtune README (Sep 2024): Llama 3.1 8B LoRA on one A6000 at 4,699 tokens/s (0.06 GPU-h per million);
    Llama 3.1 70B LoRA on 8 × A100 at 3,497 tokens/s (8 / (3,497 × 3,600 / 1e6) = 0.64). figures.md.

    Examples
    --------
    >>> round(float(training_gpu_hours(2e6, 3, 6e5, 8 / (3_497 * 3_600 / 1e6))), 2)
    4.19
    """
    return (_a(dataset_tokens) * _a(epochs) + _a(eval_tokens)) / 1e6 * _a(gpu_hours_per_mtok)


def finetune_round_usd(compute_usd, hours, loaded_usd_per_hour):
    """Cost of one (re)training round: compute plus people [USD].

    Parameters
    ----------
    compute_usd : array_like
        Training bill or GPU rental of the run [USD].
    hours : array_like
        Engineer hours for data preparation and evaluation of the round [hours].
    loaded_usd_per_hour : array_like
        Fully loaded labour rate [USD/hour].

    Returns
    -------
    ndarray
        ``compute_usd + hours × loaded_usd_per_hour`` [USD].

    Examples
    --------
    >>> round(float(finetune_round_usd(19.8, 80 + 16, 48)), 2)
    4627.8
    """
    return _a(compute_usd) + _a(hours) * _a(loaded_usd_per_hour)


def prefill_decode_cost_ratio(prompt_a, output_a, output_tokens_per_s_a, prompt_b, output_b, output_tokens_per_s_b):
    """GPU time of a prompt token relative to an output token, from two saturated-throughput measurements.

    Parameters
    ----------
    prompt_a, output_a : array_like
        Input and output lengths of the first measurement [tokens/request].
    output_tokens_per_s_a : array_like
        Its output throughput [tokens/s].
    prompt_b, output_b, output_tokens_per_s_b : array_like
        The same for the second shape.

    Returns
    -------
    ndarray
        ``r`` such that GPU time per request ∝ ``r × prompt + output`` fits both points [unitless].

    Notes
    -----
    Requests per second are ``tokens_per_s / output``, so GPU seconds per request are ``output / tokens_per_s``.
    Setting ``t = k (r P + O)`` for both shapes and dividing: ``(r P_b + O_b) / (r P_a + O_a) = t_b / t_a = q``
    gives ``r = (q O_a - O_b) / (P_b - q P_a)``. The linear model holds between the measured shapes; at very
    long contexts (20,000/2,000 in the same table) attention and KV-cache limits break it.

    Examples
    --------
    TensorRT-LLM, Llama 3.1 8B FP8, one H100: 15,245 output tokens/s at 1000/1000, 3,559 at 5000/500:

    >>> round(float(prefill_decode_cost_ratio(1000, 1000, 15_245, 5000, 500, 3_559)), 3)
    0.574
    """
    q = (_a(output_b) / _a(output_tokens_per_s_b)) / (_a(output_a) / _a(output_tokens_per_s_a))
    return (q * _a(output_a) - _a(output_b)) / (_a(prompt_b) - q * _a(prompt_a))


def prefill_scaled_requests_per_s(requests_per_s_ref, prompt_tokens_ref, prompt_tokens, output_tokens, prefill_decode_cost_ratio):
    """Requests per second of a replica at another prompt length, the answer length held [requests/s].

    Parameters
    ----------
    requests_per_s_ref : array_like
        Requests per second the replica serves at the reference prompt [requests/s].
    prompt_tokens_ref, prompt_tokens : array_like
        Reference and new prompt lengths [tokens/request].
    output_tokens : array_like
        Answer length [tokens/request].
    prefill_decode_cost_ratio : array_like
        GPU time of a prompt token over that of an output token [unitless] (see `prefill_decode_cost_ratio`).

    Returns
    -------
    ndarray
        ``requests_per_s_ref × (r P_ref + O) / (r P + O)`` [requests/s].

    Examples
    --------
    Claim 10: 5,000 → 500 prompt tokens for a 200-token answer, r = 0.574, raises requests per second 6.3×:

    >>> round(float(prefill_scaled_requests_per_s(1.0, 5000, 500, 200, 0.574)), 2)
    6.3
    """
    r, o = _a(prefill_decode_cost_ratio), _a(output_tokens)
    return _a(requests_per_s_ref) * (r * _a(prompt_tokens_ref) + o) / (r * _a(prompt_tokens) + o)


def redo_usd_per_month(requests_per_month, redo_share, redo_usd_per_request):
    """Cost of the requests an arm gets wrong and must redo or escalate [USD/month].

    Examples
    --------
    >>> float(redo_usd_per_month(1_000_000, 0.02, 0.5))
    10000.0
    """
    return _a(requests_per_month) * _a(redo_share) * _a(redo_usd_per_request)


def cumulative_cost_usd(months, upfront_usd, monthly_usd, retrain_usd=0.0, retrain_every_months=np.inf):
    """Cumulative cost of an arm after ``months`` months [USD].

    Parameters
    ----------
    months : array_like
        Time since the start [months].
    upfront_usd : array_like
        Paid at month 0 (first training, data preparation) [USD].
    monthly_usd : array_like
        Running cost [USD/month], accrued continuously.
    retrain_usd : array_like
        Paid at each retraining, at months N, 2N, ... [USD].
    retrain_every_months : array_like
        N [months]; ``inf`` for never.

    Returns
    -------
    ndarray
        ``upfront + floor(months / N) × retrain + months × monthly`` [USD].

    Examples
    --------
    >>> [float(cumulative_cost_usd(m, 1000, 100, 500, 6)) for m in (0, 5.9, 6, 12)]
    [1000.0, 1590.0, 2100.0, 3200.0]
    """
    m = _a(months)
    retrains = np.floor(m / _a(retrain_every_months))
    return _a(upfront_usd) + retrains * _a(retrain_usd) + m * _a(monthly_usd)


def payback_months(upfront_usd, monthly_saving_usd, retrain_usd=0.0, retrain_every_months=np.inf):
    """Months until cumulative savings first cover the upfront and retraining costs [months].

    Parameters
    ----------
    upfront_usd : array_like
        Extra cost at month 0 [USD], >= 0.
    monthly_saving_usd : array_like
        Running cost saved per month, Δ [USD/month].
    retrain_usd : array_like
        Extra cost at each retraining [USD], >= 0.
    retrain_every_months : array_like
        N [months]; ``inf`` for never.

    Returns
    -------
    ndarray
        The first m with ``cumulative_cost_usd(m, U, 0, R, N) <= m Δ`` [months]; ``inf`` when there is none
        (no saving, or retraining costs more than a period saves before the first payback).

    Notes
    -----
    In period k (kN <= m < (k+1)N) the gap ``U + kR - mΔ`` falls linearly and closes at ``m = (U + kR)/Δ``,
    inside the period when ``U + kR < (k+1) N Δ``, i.e. ``k (NΔ - R) > U - NΔ``. The first such k is 0 when
    ``U < NΔ``, else ``floor((U - NΔ) / (NΔ - R)) + 1`` provided ``NΔ > R`` (otherwise never). Payback is
    ``(U + kR) / Δ``. After it, a retraining can briefly put the cumulative cost back above the baseline.
    Payback in requests is this times the requests per month.

    Examples
    --------
    4,628 USD upfront saving 1,000 USD a month pays back in 4.6 months; with 1,000 USD retraining every 3
    months it takes one retraining more: (4,628 + 1,000) / 1,000 = 5.6 months.

    >>> float(payback_months(4628, 1000)), float(payback_months(4628, 1000, 1000, 3))
    (4.628, 5.628)
    >>> float(payback_months(4628, 1000, 3000, 3)), float(payback_months(100, -5))
    (inf, inf)
    """
    u, d, r, n = np.broadcast_arrays(_a(upfront_usd), _a(monthly_saving_usd), _a(retrain_usd), _a(retrain_every_months))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        per_period = np.where(np.isinf(n), np.inf, n * d)  # NΔ
        first = u < per_period
        k = np.where(first, 0.0, np.floor((u - per_period) / (per_period - r)) + 1)
        possible = (d > 0) & (first | (per_period > r))
        owed = u + np.where(r > 0, k * r, 0.0)
        out = np.where(possible, owed / np.where(d > 0, d, 1.0), np.inf)
    return np.where(u <= 0, 0.0, out)


def pv_cost_usd(upfront_usd, monthly_usd, horizon_months, discount_rate_per_year, retrain_usd=0.0, retrain_every_months=np.inf):
    """Present value of an arm's costs over a horizon [USD].

    Parameters
    ----------
    upfront_usd : array_like
        Paid at month 0 [USD].
    monthly_usd : array_like
        Running cost, paid at the end of each month [USD/month].
    horizon_months : array_like
        H [months].
    discount_rate_per_year : array_like
        Annual discount rate [fraction/year].
    retrain_usd : array_like
        Paid at months N, 2N, ... strictly before H [USD] (a retraining at H serves the next horizon).
    retrain_every_months : array_like
        N [months]; ``inf`` for never.

    Returns
    -------
    ndarray
        ``U + M a(H, i) + R Σ_{k=1..K} (1+i)^-kN`` with ``K = ceil(H/N) - 1`` and i the monthly rate [USD].

    Examples
    --------
    >>> round(float(pv_cost_usd(1000, 100, 24, 0.0, 500, 6)), 2)   # 1,000 + 2,400 + 3 retrainings
    4900.0
    """
    i = monthly_discount_rate(discount_rate_per_year)
    h, n = _a(horizon_months), _a(retrain_every_months)
    with np.errstate(divide="ignore", invalid="ignore"):
        k = np.maximum(np.ceil(h / n) - 1, 0.0)
        q = np.power(1 + i, -np.where(np.isinf(n), 0.0, n))
        geo = np.where(q < 1, q * -np.expm1(k * np.log(np.where(q > 0, q, 1.0))) / np.where(q < 1, 1 - q, 1.0), k)
    return _a(upfront_usd) + _a(monthly_usd) * annuity_factor(h, i) + _a(retrain_usd) * np.where(k > 0, geo, 0.0)


def npv_usd(upfront_usd, monthly_saving_usd, horizon_months, discount_rate_per_year, retrain_usd=0.0, retrain_every_months=np.inf):
    """Net present value of an investment that saves ``monthly_saving_usd`` a month [USD].

    ``-pv_cost_usd(U, -Δ, H, rate, R, N)``: savings at the end of each month, the upfront cost at month 0,
    retrainings at N, 2N, ... before H.

    Examples
    --------
    A constant 1,000 USD a month for 24 months at 12.68 % a year (1 % a month) is worth 21,243 USD; less
    5,000 upfront:

    >>> round(float(npv_usd(5000, 1000, 24, 1.01 ** 12 - 1)), 0)
    16243.0
    """
    return -pv_cost_usd(upfront_usd, -_a(monthly_saving_usd), horizon_months, discount_rate_per_year, retrain_usd, retrain_every_months)


# ------------------------------------------------------------------------------------- scenario bridge


def _components(option: Mapping[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    usage = option["tokens_usd"] + option["gpu_usd"] + option["power_usd"] + option["hosting_usd"] + option["egress_storage_usd"]
    ops = option["engineering_usd"] + option["evaluation_usd"] + option["upgrade_usd"] + option["compliance_usd"]
    return usage, ops


def finetune_arms(values: Mapping[str, Any], cache_hit_rate=None) -> dict[str, dict[str, Any]]:
    """Monthly, upfront and retraining costs of every arm, vectorized over array-valued inputs.

    Parameters
    ----------
    values : mapping
        ``Scenario.values`` (``"section.key" -> value``); any number may be a numpy array (broadcast).
    cache_hit_rate : array_like, optional
        Overrides the hit rate derived by `poisson_cache_hit_rate` for the cached arm [fraction, 0-1].

    Returns
    -------
    dict
        ``{arm: {"label", "permitted", "usage_usd", "operations_usd", "redo_usd", "running_usd" [USD/month],
        "upfront_usd", "retrain_usd" [USD], "retrain_every_months", "requests_per_month",
        "monthly_equivalent_usd" (running + retraining per month + upfront spread over the horizon),
        "usd_per_request" (monthly equivalent / requests), "pv_usd" (present value over the horizon),
        and per arm extras: "cache_hit_rate", "gpus", "replicas", "replica_requests_per_s"}}``.

    Notes
    -----
    Caching serves the long prompt's shared prefix (``finetune.cached_prefix_tokens``, at most the whole
    prompt); fine-tuning leaves ``finetune.short_prompt_tokens``. The two are separate assumptions, so a
    fine-tune that removes less of the prompt does not change what the cache could serve. The self-hosted fleet is
    sized for each prompt length by `option_costs` (the capacity model at that request shape).
    """
    v = dict(values)
    long_p, short_p = _a(v["finetune.long_prompt_tokens"]), _a(v["finetune.short_prompt_tokens"])
    if np.any(short_p > long_p):
        raise ValueError(f"finetune.short_prompt_tokens {v['finetune.short_prompt_tokens']!r} must not exceed "
                         f"finetune.long_prompt_tokens {v['finetune.long_prompt_tokens']!r}")
    out_tokens = _a(v["workload.output_tokens_per_request"])
    requests_per_month = _a(v["workload.requests_per_day"]) * DAYS_PER_MONTH
    labour = v["engineering.loaded_usd_per_hour"]
    hit = poisson_cache_hit_rate(_a(v["workload.requests_per_day"]) / 86_400.0, v["finetune.cache_ttl_s"],
                                 v["finetune.prefix_variants"]) if cache_hit_rate is None else _a(cache_hit_rate)
    base = v["finetune.managed_base"]
    premium = 1 + _a(v["finetune.serving_premium"])
    no_cache = {"workload.cacheable_prefix_share": 0.0, "workload.batchable_share": 0.0}

    def selfhost_at(prompt):  # the fleet is re-sized for this prompt by the capacity model (econ._fleet)
        return {"workload.input_tokens_per_request": prompt, **no_cache}

    variants = {
        "long": ("api", {"workload.input_tokens_per_request": long_p, **no_cache}),
        "cached": ("api", {"workload.input_tokens_per_request": long_p,
                           "workload.cacheable_prefix_share": np.minimum(_a(v["finetune.cached_prefix_tokens"]), long_p) / long_p,
                           "api.cache_hit_rate": hit}),
        "managed_ft": (base, {"workload.input_tokens_per_request": short_p, **no_cache,
                              f"{base}.input_usd_per_mtok": _a(v[f"{base}.input_usd_per_mtok"]) * premium,
                              f"{base}.output_usd_per_mtok": _a(v[f"{base}.output_usd_per_mtok"]) * premium}),
        "selfhost_ft": ("selfhost", selfhost_at(short_p)),
        "selfhost_long": ("selfhost", selfhost_at(long_p)),
    }
    d_tokens = (v["finetune.dataset_tokens"], v["finetune.epochs"], v["finetune.eval_tokens"])
    first_hours = _a(v["finetune.data_prep_hours"]) + v["finetune.eval_hours_per_training"]
    again_hours = _a(v["finetune.retrain_prep_hours"]) + v["finetune.eval_hours_per_training"]
    compute = {
        "managed_ft": training_usd(*d_tokens, v["finetune.training_usd_per_mtok"]),
        "selfhost_ft": training_gpu_hours(*d_tokens, v["finetune.training_gpu_hours_per_mtok"]) * v["finetune.training_usd_per_gpu_hour"],
    }
    redo_keys = {"long": "redo_share_long_prompt", "cached": "redo_share_cached", "managed_ft": "redo_share_managed_ft",
                 "selfhost_ft": "redo_share_selfhost_ft", "selfhost_long": "redo_share_long_prompt"}
    horizon, rate = v["horizon.months"], v["horizon.discount_rate_per_year"]
    every = _a(v["finetune.retrain_every_months"])
    arms: dict[str, dict[str, Any]] = {}
    for arm, (option, updates) in variants.items():
        c = option_costs({**v, **updates})[option]
        usage, ops = _components(c)
        redo = redo_usd_per_month(requests_per_month, v[f"finetune.{redo_keys[arm]}"], v["finetune.redo_usd_per_request"])
        running = usage + ops + redo
        if arm in compute:
            upfront = finetune_round_usd(compute[arm], first_hours, labour)
            retrain, n = finetune_round_usd(compute[arm], again_hours, labour), every
        else:
            upfront = retrain = np.zeros_like(running)
            n = np.full_like(running, np.inf)
        row = {
            "label": ARMS[arm], "permitted": bool(v[f"{option}.permitted"]), "usage_usd": usage, "operations_usd": ops,
            "redo_usd": redo, "running_usd": running, "upfront_usd": upfront, "retrain_usd": retrain,
            "retrain_every_months": n, "requests_per_month": requests_per_month,
            "monthly_equivalent_usd": running + retrain / n + upfront / _a(horizon),
            "pv_usd": pv_cost_usd(upfront, running, horizon, rate, retrain, n),
        }
        row["usd_per_request"] = row["monthly_equivalent_usd"] / requests_per_month
        if arm == "cached":
            row["cache_hit_rate"] = hit
        if option == "selfhost":
            row.update(gpus=c["gpus"], replicas=c["replicas"], replica_requests_per_s=c["replica_requests_per_s"])
        arms[arm] = row
    return arms


def _scalar(x):
    return float(x) if np.ndim(x) == 0 and not isinstance(x, (str, bool)) else x


def finetune_from_scenario(scenario) -> dict[str, Any]:
    """The fine-tuning comparison of a scenario, as plain numbers.

    Parameters
    ----------
    scenario : Scenario
        From `load_scenario`; API prices come from its values (genai-prices at its price date, or overrides).

    Returns
    -------
    dict
        ``{"requests_per_month", "requests_per_s", "horizon_months", "discount_rate_per_year",
        "arms": {arm: {...}}}`` (see `finetune_arms`), every number a float. Arms that need a provider the
        scenario forbids (``api.permitted: false``) carry ``permitted: False`` and their costs for reference.

    Examples
    --------
    >>> from econ import load_scenario, PARAMS_DIR
    >>> f = finetune_from_scenario(load_scenario(PARAMS_DIR / "regulated_on_prem.yaml"))
    >>> [a for a, r in f["arms"].items() if not r["permitted"]]
    ['long', 'cached']
    """
    v = scenario.values
    arms = finetune_arms(v)
    return {
        "requests_per_month": float(v["workload.requests_per_day"]) * DAYS_PER_MONTH,
        "requests_per_s": float(v["workload.requests_per_day"]) / 86_400.0,
        "horizon_months": float(v["horizon.months"]),
        "discount_rate_per_year": float(v["horizon.discount_rate_per_year"]),
        "arms": {a: {k: _scalar(x) for k, x in row.items()} for a, row in arms.items()},
    }


def finetune_table(scenario) -> pd.DataFrame:
    """One row per arm: cost per request and per month, upfront and retraining, present value, fleet.

    Columns: ``arm``, ``key``, ``permitted``, ``usd_per_request``, ``running_usd`` (per month),
    ``monthly_equivalent_usd``, ``upfront_usd``, ``retrain_usd``, ``retrain_every_months``, ``pv_usd``,
    ``usage_usd``, ``operations_usd``, ``redo_usd``, ``gpus``, ``cache_hit_rate``.
    """
    f = finetune_from_scenario(scenario)
    rows = []
    for key, r in f["arms"].items():
        rows.append({"arm": r["label"], "key": key, "permitted": r["permitted"],
                     **{c: r[c] for c in ("usd_per_request", "running_usd", "monthly_equivalent_usd", "upfront_usd",
                                          "retrain_usd", "retrain_every_months", "pv_usd", "usage_usd",
                                          "operations_usd", "redo_usd", "requests_per_month")},
                     "gpus": r.get("gpus", np.nan), "cache_hit_rate": r.get("cache_hit_rate", np.nan)})
    table = pd.DataFrame(rows)
    table.attrs["horizon_months"] = f["horizon_months"]
    return table


def finetune_view(table: pd.DataFrame, horizon_months: float | None = None) -> pd.DataFrame:
    """`finetune_table` formatted for reading (money as dollars); the horizon is the table's own by default."""
    horizon_months = table.attrs.get("horizon_months", 24) if horizon_months is None else horizon_months
    out = pd.DataFrame({"arm": table["arm"], "permitted": table["permitted"].map({True: "yes", False: "no"})})
    out["per request, all in"] = table["usd_per_request"].map(usd)
    out["running per month"] = table["running_usd"].map(usd)
    out["  of which usage"] = table["usage_usd"].map(usd)
    out["  operations"] = table["operations_usd"].map(usd)
    out["  redo"] = table["redo_usd"].map(usd)
    out["first training"] = table["upfront_usd"].map(lambda x: usd(x) if x else "")
    out["each retraining"] = [f"{usd(r)} every {n:g} months" if r else "" for r, n in
                              zip(table["retrain_usd"], table["retrain_every_months"])]
    out[f"present value over {horizon_months:g} months"] = table["pv_usd"].map(usd)
    out["GPUs"] = table["gpus"].map(lambda g: "" if np.isnan(g) else f"{g:.0f}")
    out["cache hit rate"] = table["cache_hit_rate"].map(lambda h: "" if np.isnan(h) else pct(h))
    return out.set_index("arm")


def _baseline(arms: Mapping[str, Mapping[str, Any]]) -> tuple[np.ndarray, np.ndarray]:
    """Cheapest permitted long-prompt arm per element: (running cost, index into LONG_ARMS)."""
    allowed = [a for a in LONG_ARMS if arms[a]["permitted"]]
    if not allowed:
        raise ValueError("no long-prompt arm is permitted (api and selfhost both have permitted: false)")
    stack = np.stack(np.broadcast_arrays(*[_a(arms[a]["running_usd"]) for a in LONG_ARMS]))
    mask = np.array([arms[a]["permitted"] for a in LONG_ARMS]).reshape((-1,) + (1,) * (stack.ndim - 1))
    stack = np.where(mask, stack, np.inf)
    idx = np.argmin(stack, axis=0)
    return np.take_along_axis(stack, idx[None], 0)[0], idx


def _payback(arms, ft: str, base_running) -> np.ndarray:
    r = arms[ft]
    return payback_months(r["upfront_usd"], _a(base_running) - r["running_usd"], r["retrain_usd"], r["retrain_every_months"])


def payback_table(scenario) -> pd.DataFrame:
    """Payback and NPV of each permitted fine-tuned arm against each permitted long-prompt arm.

    Columns: ``finetuned``, ``against``, ``monthly_saving_usd``, ``upfront_usd``, ``retrain_usd``,
    ``payback_months`` (inf: never), ``payback_requests``, ``npv_usd`` over the horizon, ``baseline``
    (True for the cheapest permitted long-prompt arm, the one the conclusion uses).
    """
    f = finetune_from_scenario(scenario)
    arms, h, rate = f["arms"], f["horizon_months"], f["discount_rate_per_year"]
    allowed = [a for a in LONG_ARMS if arms[a]["permitted"]]
    best = min(allowed, key=lambda a: arms[a]["running_usd"]) if allowed else None
    rows = []
    for ft in FT_ARMS:
        if not arms[ft]["permitted"]:
            continue
        r = arms[ft]
        for base in allowed:
            saving = arms[base]["running_usd"] - r["running_usd"]
            months = float(_payback(arms, ft, arms[base]["running_usd"]))
            rows.append({"finetuned": r["label"], "against": arms[base]["label"], "monthly_saving_usd": saving,
                         "upfront_usd": r["upfront_usd"], "retrain_usd": r["retrain_usd"], "payback_months": months,
                         "payback_requests": months * f["requests_per_month"],
                         "npv_usd": float(npv_usd(r["upfront_usd"], saving, h, rate, r["retrain_usd"], r["retrain_every_months"])),
                         "baseline": base == best})
    table = pd.DataFrame(rows, columns=["finetuned", "against", "monthly_saving_usd", "upfront_usd", "retrain_usd",
                                        "payback_months", "payback_requests", "npv_usd", "baseline"])
    table.attrs["horizon_months"] = h
    return table


def breakeven_redo_share(scenario, arm: str, against: str) -> float:
    """Share of requests a fine-tuned arm may get wrong (redone at ``finetune.redo_usd_per_request``) and still
    cost no more than ``against`` over the horizon, in present value [fraction; negative: not even at zero].

    Notes
    -----
    The present value is linear in the redo share s: ``PV(s) = PV(0) + s × requests/month ×
    redo_usd_per_request × a(H, i)``; solving ``PV_arm(s) = PV_against`` gives s.
    """
    if arm not in FT_ARMS or against not in ARMS:
        raise ValueError(f"breakeven_redo_share: arm {arm!r} must be one of {FT_ARMS} and against {against!r} one of {tuple(ARMS)}")
    f = finetune_from_scenario(scenario)
    a, b = f["arms"][arm], f["arms"][against]
    per_share = f["requests_per_month"] * float(scenario["finetune.redo_usd_per_request"]) * float(
        annuity_factor(f["horizon_months"], monthly_discount_rate(f["discount_rate_per_year"])))
    if per_share == 0:
        return np.inf if a["pv_usd"] <= b["pv_usd"] else -np.inf
    return float(scenario[f"finetune.redo_share_{arm}"]) + (b["pv_usd"] - a["pv_usd"]) / per_share


def _months(m: float) -> str:
    return "never" if not np.isfinite(m) else f"{m:.1f} months"


def _count(x: float) -> str:
    if not np.isfinite(x):
        return "never"
    for div, word in ((1e9, "billion"), (1e6, "million"), (1e3, "thousand")):
        if abs(x) >= div:
            return f"{x / div:,.3g} {word}"
    return f"{x:,.0f}"


def payback_view(table: pd.DataFrame, horizon_months: float | None = None) -> pd.DataFrame:
    """`payback_table` formatted for reading; the horizon is the table's own by default."""
    horizon_months = table.attrs.get("horizon_months", 24) if horizon_months is None else horizon_months
    out = pd.DataFrame({"fine-tuned arm": table["finetuned"], "against": table["against"]})
    out["saves per month"] = table["monthly_saving_usd"].map(usd)
    out["first training"] = table["upfront_usd"].map(usd)
    out["pays back after"] = table["payback_months"].map(_months)
    out["requests to payback"] = table["payback_requests"].map(_count)
    out[f"NPV over {horizon_months:g} months"] = table["npv_usd"].map(usd)
    out["cheapest long-prompt arm"] = table["baseline"].map({True: "yes", False: ""})
    return out.set_index(["fine-tuned arm", "against"])


SENSITIVITY_FACTORS = {
    "context_reduction": "context reduction (share of the prompt removed by fine-tuning)",
    "cache_hit_rate": "cache hit rate of the long prompt's prefix",
    "retrain_every_months": "retraining interval (months)",
}


def payback_sensitivity(scenario, factor: str, grid=None) -> pd.DataFrame:
    """Payback months of each permitted fine-tuned arm as one factor varies, the rest of the scenario held.

    Parameters
    ----------
    scenario : Scenario
    factor : str
        ``"context_reduction"`` (1 - short/long prompt; baseline: the cheapest permitted long-prompt arm),
        ``"cache_hit_rate"`` (against the cached arm, or the cheapest permitted long-prompt arm when the API
        is not permitted) or ``"retrain_every_months"``.
    grid : array_like, optional
        Values of the factor; a sensible range by default.

    Returns
    -------
    DataFrame
        Long form: ``factor``, ``x``, ``arm``, ``payback_months`` (inf: never), ``scenario_x`` (the
        scenario's own value of the factor).
    """
    if factor not in SENSITIVITY_FACTORS:
        raise ValueError(f"payback_sensitivity: factor {factor!r} is not known; choose one of {', '.join(SENSITIVITY_FACTORS)}")
    v = dict(scenario.values)
    long_p = float(v["finetune.long_prompt_tokens"])
    hit = None
    if factor == "context_reduction":
        x = np.linspace(0.0, 0.98, 50) if grid is None else _a(grid)
        v["finetune.short_prompt_tokens"] = long_p * (1 - x)
        own = 1 - float(scenario["finetune.short_prompt_tokens"]) / long_p
    elif factor == "cache_hit_rate":
        x = np.linspace(0.0, 1.0, 51) if grid is None else _a(grid)
        hit = x
        own = float(finetune_from_scenario(scenario)["arms"]["cached"]["cache_hit_rate"])
    else:
        x = np.linspace(1.0, 24.0, 47) if grid is None else _a(grid)
        v["finetune.retrain_every_months"] = x
        own = float(scenario["finetune.retrain_every_months"])
    arms = finetune_arms(v, cache_hit_rate=hit)
    if factor == "cache_hit_rate" and arms["cached"]["permitted"]:
        base = np.broadcast_to(_a(arms["cached"]["running_usd"]), x.shape)
    else:
        base = _baseline(arms)[0]
    frames = [pd.DataFrame({"factor": factor, "x": x, "arm": ARMS[ft], "payback_months": np.broadcast_to(_payback(arms, ft, base), x.shape),
                            "scenario_x": own})
              for ft in FT_ARMS if arms[ft]["permitted"]]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["factor", "x", "arm", "payback_months", "scenario_x"])


def winner_by_volume(scenario, requests_per_day=None) -> pd.DataFrame:
    """Present value of each permitted arm's costs over the horizon at other daily volumes, and the cheapest.

    Parameters
    ----------
    scenario : Scenario
    requests_per_day : array_like, optional
        Volumes [requests/day]; by default 241 points from 100 to 10 million a day (5 % apart).

    Returns
    -------
    DataFrame
        Long form: ``requests_per_day``, ``arm``, ``pv_usd``, ``winner`` (label of the cheapest permitted arm
        at that volume). Only permitted arms.
    """
    x = np.logspace(2, 7, 241) if requests_per_day is None else _a(requests_per_day)
    arms = finetune_arms(scenario.replace({"workload.requests_per_day": x}).values)
    keys = [a for a in ARMS if arms[a]["permitted"]]
    if not keys:
        raise ValueError(f"{scenario.path}: no arm is permitted")
    pv = np.stack([np.broadcast_to(_a(arms[a]["pv_usd"]), x.shape) for a in keys])
    winner = np.array([ARMS[keys[i]] for i in np.argmin(pv, axis=0)])
    return pd.concat([pd.DataFrame({"requests_per_day": x, "arm": ARMS[a], "pv_usd": pv[j], "winner": winner})
                      for j, a in enumerate(keys)], ignore_index=True)


def _segments(frame: pd.DataFrame) -> list[tuple[str, float, float]]:
    """(winner, from, to) runs along the volume grid; boundaries at the geometric midpoint of grid points."""
    w = frame.drop_duplicates("requests_per_day")[["requests_per_day", "winner"]].to_numpy()
    segs, start = [], 0
    for i in range(1, len(w) + 1):
        if i == len(w) or w[i][1] != w[start][1]:
            lo = w[start][0] if start == 0 else np.sqrt(w[start - 1][0] * w[start][0])
            hi = w[i - 1][0] if i == len(w) else np.sqrt(w[i - 1][0] * w[i][0])
            segs.append((w[start][1], float(lo), float(hi)))
            start = i
    return segs


def _round2(x: float) -> str:
    return f"{float(f'{x:.2g}'):,.0f}" if x >= 10 else f"{x:.2g}"


def finetune_conclusion(scenario) -> Markdown:
    """Which arm costs least over the horizon for the scenario, when fine-tuning pays back, and at what
    daily volume the cheapest arm changes, every figure computed."""
    f = finetune_from_scenario(scenario)
    arms, h = f["arms"], f["horizon_months"]
    allowed = {a: r for a, r in arms.items() if r["permitted"]}
    if not allowed:
        return Markdown("No arm is permitted in this scenario.")
    ranked = sorted(allowed, key=lambda a: allowed[a]["pv_usd"])
    best, rpd = ranked[0], float(scenario["workload.requests_per_day"])
    lines = [f"At {rpd:,.0f} requests a day, **{ARMS[best]}** costs least over {h:g} months: present value "
             f"{usd(allowed[best]['pv_usd'])} ({usd(allowed[best]['usd_per_request'])} per request, all in)"]
    if len(ranked) > 1:
        lines[0] += f", against {usd(allowed[ranked[1]]['pv_usd'])} for {ARMS[ranked[1]]}."
    else:
        lines[0] += "."
    forbidden = [ARMS[a] for a in arms if not arms[a]["permitted"]]
    if forbidden:
        lines.append(f"Not permitted here (shown for reference only): {', '.join(forbidden)}.")
    pay = payback_table(scenario)
    key_of = {lab: k for k, lab in ARMS.items()}
    for _, r in pay[pay["baseline"]].iterrows():
        head = f"Against the cheapest long-prompt arm ({r['against']}), {r['finetuned']}"
        if np.isfinite(r["payback_months"]):
            lines.append(f"{head} pays back after {r['payback_months']:.1f} months ({_count(r['payback_requests'])} "
                         f"requests); NPV over {h:g} months {usd(r['npv_usd'])}.")
        else:
            what = (f"it saves {usd(r['monthly_saving_usd'])} a month" if r["monthly_saving_usd"] > 0
                    else f"it costs {usd(-r['monthly_saving_usd'])} a month more to run")
            lines.append(f"{head} never pays back ({what}); NPV over {h:g} months {usd(r['npv_usd'])}.")
        ft_key = key_of[r["finetuned"]]
        ft_arm, base_arm = arms[ft_key], arms[key_of[r["against"]]]
        if ft_arm["redo_usd"] > base_arm["redo_usd"]:
            share = float(scenario[f"finetune.redo_share_{ft_key}"])
            limit = breakeven_redo_share(scenario, ft_key, key_of[r["against"]])
            lines.append(f"Redone requests ({pct(share)} of them) cost it {usd(ft_arm['redo_usd'] - base_arm['redo_usd'])} a month; "
                         + (f"it costs less over {h:g} months only if it redoes fewer than {limit:.1%} of requests."
                            if limit > 0 else f"even with none redone it would cost more over {h:g} months."))
    segs = _segments(winner_by_volume(scenario))
    if len(segs) == 1:
        lines.append(f"{segs[0][0].capitalize()} stays cheapest from {_round2(segs[0][1])} to {_round2(segs[0][2])} requests a day.")
    else:
        parts = []
        for i, (w, lo, hi) in enumerate(segs):
            if i == 0:
                parts.append(f"**{w}** below about {_round2(hi)}")
            elif i == len(segs) - 1:
                parts.append(f"**{w}** above about {_round2(lo)}")
            else:
                parts.append(f"**{w}** from about {_round2(lo)} to {_round2(hi)}")
        lines.append("With volume the cheapest arm changes: " + "; ".join(parts) + " requests a day "
                     f"(present value over {h:g} months, the rest of the scenario held).")
    return Markdown(" ".join(lines))


# ------------------------------------------------------------------------------------- claim 10


def claim10_figures(input_usd_per_mtok=3.0, output_usd_per_mtok=15.0, cache_read_usd_per_mtok=0.3,
                    prefill_decode_cost_ratio=0.574, long_prompt_tokens=5000, short_prompt_tokens=500, output_tokens=200) -> dict:
    """The arithmetic of claim 10 (5,000-token prompt cut to 500 for a 200-token answer) at given prices.

    Returns
    -------
    dict
        ``long_usd``, ``short_usd``, ``cached_usd`` (prefix long - short read from the cache on every request)
        [USD/request]; ``saving_usd``, ``saving_share`` (short vs long), ``cached_saving_share``;
        ``input_cut_share`` and ``token_cut_share`` (input, and input + output); ``throughput_ratio``
        (requests per second per GPU, short over long, by `prefill_scaled_requests_per_s`).

    Examples
    --------
    >>> c = claim10_figures()
    >>> round(c["long_usd"], 4), round(c["short_usd"], 4), round(c["saving_share"], 3), round(c["throughput_ratio"], 2)
    (0.018, 0.0045, 0.75, 6.3)
    """
    long_usd = float(prompt_usd_per_request(long_prompt_tokens, output_tokens, input_usd_per_mtok, output_usd_per_mtok))
    short_usd = float(prompt_usd_per_request(short_prompt_tokens, output_tokens, input_usd_per_mtok, output_usd_per_mtok))
    cached_usd = float(prompt_usd_per_request(long_prompt_tokens, output_tokens, input_usd_per_mtok, output_usd_per_mtok,
                                              long_prompt_tokens - short_prompt_tokens, 1.0, cache_read_usd_per_mtok, 0.0))
    return {
        "long_usd": long_usd, "short_usd": short_usd, "cached_usd": cached_usd,
        "saving_usd": long_usd - short_usd, "saving_share": 1 - short_usd / long_usd,
        "cached_saving_share": 1 - cached_usd / long_usd,
        "input_cut_share": 1 - short_prompt_tokens / long_prompt_tokens,
        "token_cut_share": 1 - (short_prompt_tokens + output_tokens) / (long_prompt_tokens + output_tokens),
        "throughput_ratio": float(prefill_scaled_requests_per_s(1.0, long_prompt_tokens, short_prompt_tokens, output_tokens,
                                                                prefill_decode_cost_ratio)),
    }


def claim10_case(scenario=None) -> Markdown:
    """Claim 10 reproduced with its arithmetic: token cost per request, the caching alternative, and the
    requests per second one GPU serves, at the scenario's closed-API list price (Claude Sonnet 4.5's
    3 / 15 / 0.30 USD per million input / output / cache-read tokens without a scenario).

    Examples
    --------
    >>> print(claim10_case().splitlines()[2])
    - 5,000-token prompt: 5,000 × $3.00/M + 200 × $15.00/M = $0.0150 + $0.0030 = **$0.0180** per request.
    """
    if scenario is None:
        p_in, p_out, p_read, r, where = 3.0, 15.0, 0.3, 0.574, "Claude Sonnet 4.5 list prices"
        note = ""
    else:
        v = scenario.values
        p_in, p_out, p_read = (float(v[f"api.{k}_usd_per_mtok"]) for k in ("input", "output", "cache_read"))
        r = float(v["finetune.prefill_decode_cost_ratio"])
        where = f"the scenario's closed-API list prices ({v['api.provider']}/{v['api.model']})"
        note = "" if v["api.permitted"] else " The closed API is not permitted in this scenario: its prices serve the arithmetic only."
    c = claim10_figures(p_in, p_out, p_read, r)
    L, S, O = 5000, 500, 200

    def line(prompt, total):
        return (f"{prompt:,} × ${p_in:.2f}/M + {O} × ${p_out:.2f}/M = {usd(prompt * p_in / 1e6)} + {usd(O * p_out / 1e6)} "
                f"= **{usd(total)}** per request")

    gpu_long, gpu_short = r * L + O, r * S + O
    return Markdown("\n".join([
        f"Claim 10: a 5,000-token prompt cut to 500 by fine-tuning, for a 200-token answer, at {where}.{note}",
        "",
        f"- 5,000-token prompt: {line(L, c['long_usd'])}.",
        f"- 500-token prompt: {line(S, c['short_usd'])}; saving {usd(c['saving_usd'])} per request, "
        f"**{pct(c['saving_share'])}**, at the same price per token.",
        f"- Input tokens fall {pct(c['input_cut_share'])}, all tokens {pct(c['token_cut_share'])} (5,200 → 700); the cost "
        f"falls less than 90 % because the answer is not shortened.",
        f"- The same 4,500-token prefix from the provider's cache instead (every request a hit at ${p_read:.2f}/M): "
        f"500 × ${p_in:.2f}/M + 4,500 × ${p_read:.2f}/M + 200 × ${p_out:.2f}/M = **{usd(c['cached_usd'])}**, "
        f"{pct(c['cached_saving_share'])} less than the long prompt with no training at all.",
        f"- Requests per second on one GPU: GPU time per request ∝ {r:.3g} × prompt + answer "
        f"(a prompt token costs {r:.3g} of an output token, fitted to TensorRT-LLM's Llama 3.1 8B H100 runs), "
        f"so {r:.3g} × 5,000 + 200 = {gpu_long:,.0f} against {r:.3g} × 500 + 200 = {gpu_short:,.0f}: "
        f"**{c['throughput_ratio']:.1f}×** the requests per second per GPU.",
        "",
        "The claim holds in direction: the shorter prompt cuts the token bill by about three quarters and multiplies what one "
        "GPU serves. Prompt caching captures most of the token saving without training, so fine-tuning has to beat the "
        "cached arm, not the list price, to pay back.",
    ]))


# ------------------------------------------------------------------------------------- charts


def _cumulative_frame(scenario) -> tuple[pd.DataFrame, pd.DataFrame]:
    f = finetune_from_scenario(scenario)
    arms, h, rpm = f["arms"], f["horizon_months"], f["requests_per_month"]
    every = float(scenario["finetune.retrain_every_months"])
    steps = np.arange(1, np.ceil(h / every) + 1) * every
    # cumulative costs are straight between retrainings: the break points draw them exactly
    steps = steps[steps < h]  # a retraining at the horizon serves the next one (as in pv_cost_usd)
    months = np.unique(np.concatenate([[0.0, h - 1e-6], steps, steps - 1e-6]))
    months = months[months >= 0]
    rows = []
    for key, r in arms.items():
        if not r["permitted"]:
            continue
        cost = cumulative_cost_usd(months, r["upfront_usd"], r["running_usd"], r["retrain_usd"], r["retrain_every_months"])
        rows.append(pd.DataFrame({"months": months, "requests": months * rpm, "cumulative_usd": cost, "arm": r["label"]}))
    pay = payback_table(scenario)
    pay = pay[pay["baseline"] & np.isfinite(pay["payback_months"]) & (pay["payback_months"] <= h)]
    marks = []
    for _, p in pay.iterrows():
        key = next(k for k, lab in ARMS.items() if lab == p["finetuned"])
        r = arms[key]
        m = p["payback_months"]
        marks.append({"months": m, "requests": m * rpm, "arm": p["finetuned"],
                      "cumulative_usd": float(cumulative_cost_usd(m, r["upfront_usd"], r["running_usd"], r["retrain_usd"], r["retrain_every_months"])),
                      "label": f"payback vs {p['against']}: {m:.1f} months"})
    return pd.concat(rows, ignore_index=True), pd.DataFrame(marks, columns=["months", "requests", "arm", "cumulative_usd", "label"])


def finetune_cumulative_chart(scenario) -> alt.Chart:
    """Cumulative cost of every permitted arm against cumulative requests over the horizon, with the payback
    points of the fine-tuned arms against the cheapest long-prompt arm (steps: retrainings)."""
    data, marks = _cumulative_frame(scenario)
    tip = [alt.Tooltip("arm:N"), alt.Tooltip("months:Q", format=".1f"), alt.Tooltip("requests:Q", format=",.3~s"),
           alt.Tooltip("cumulative_usd:Q", format="$,.0f", title="cumulative cost (USD)")]
    lines = alt.Chart(data).mark_line().encode(
        x=alt.X("requests:Q", title="cumulative requests", axis=alt.Axis(format="~s")),
        y=alt.Y("cumulative_usd:Q", title="cumulative cost (USD)", axis=alt.Axis(format="$~s")),
        color=alt.Color("arm:N", scale=_COLORS, title=None), tooltip=tip,
    )
    points = alt.Chart(marks).mark_point(size=90, filled=True, color="black").encode(
        x="requests:Q", y="cumulative_usd:Q", tooltip=[alt.Tooltip("label:N", title="payback"), *tip[1:]])
    text = points.mark_text(align="left", dx=8, dy=-8, fontSize=11).encode(text="label:N")
    layers = [lines, points, text] if len(marks) else [lines]  # no payback: no points (an empty layer makes Vega warn)
    return alt.layer(*layers).properties(title="Cumulative cost against cumulative requests", width=560, height=320)


def finetune_cost_per_request_chart(table: pd.DataFrame, horizon_months: float | None = None) -> alt.Chart:
    """Cost per request of each arm (from `finetune_table`), stacked: usage, operations, fine-tuning
    (first training over the horizon plus retraining), redo."""
    horizon_months = table.attrs.get("horizon_months", 24) if horizon_months is None else horizon_months
    t = table.assign(finetuning_usd=table["upfront_usd"] / horizon_months + table["retrain_usd"] / table["retrain_every_months"])
    per_month = t["requests_per_month"]
    parts = {"usage_usd": "tokens or GPUs", "operations_usd": "operations", "finetuning_usd": "fine-tuning", "redo_usd": "redo"}
    rows = []
    for col, name in parts.items():
        rows.append(pd.DataFrame({"arm": t["arm"] + np.where(t["permitted"], "", " (not permitted)"),
                                  "component": name, "rank": list(parts).index(col),
                                  "usd_per_request": t[col] / per_month}))
    data = pd.concat(rows, ignore_index=True)
    data = data[data["usd_per_request"] > 0]
    return alt.Chart(data).mark_bar().encode(
        y=alt.Y("arm:N", title=None, sort=None),
        x=alt.X("usd_per_request:Q", title="cost per request, all in (USD)", axis=alt.Axis(format="$.3~f")),
        color=alt.Color("component:N", title="component", sort=list(parts.values())),
        order=alt.Order("rank:Q"),
        tooltip=[alt.Tooltip("arm:N"), alt.Tooltip("component:N"), alt.Tooltip("usd_per_request:Q", format="$,.5f", title="USD/request")],
    ).properties(title="Cost per request by arm", width=560, height=170)


def payback_sensitivity_chart(scenario, factor: str) -> alt.Chart:
    """Payback months against one factor (see `payback_sensitivity`); gaps where fine-tuning never pays back,
    a dashed line at the scenario's own value and a dotted one at the horizon."""
    data = payback_sensitivity(scenario, factor)
    h = float(scenario["horizon.months"])
    data = data.assign(payback_months=data["payback_months"].where(np.isfinite(data["payback_months"]) & (data["payback_months"] <= 4 * h)))
    pct_axis = factor != "retrain_every_months"
    x = alt.X("x:Q", title=SENSITIVITY_FACTORS[factor], axis=alt.Axis(format="%" if pct_axis else "~g"))
    lines = alt.Chart(data.dropna(subset=["payback_months"])).mark_line(point=False).encode(
        x=x, y=alt.Y("payback_months:Q", title="payback (months)"),
        color=alt.Color("arm:N", scale=_COLORS, title=None),
        tooltip=[alt.Tooltip("arm:N"), alt.Tooltip("x:Q", format=".0%" if pct_axis else ".1f", title="value"),
                 alt.Tooltip("payback_months:Q", format=".1f", title="payback (months)")],
    )
    own = float(data["scenario_x"].iloc[0]) if len(data) else 0.0
    rule = alt.Chart(pd.DataFrame({"x": [own], "label": ["this scenario"]})).mark_rule(strokeDash=[4, 3], color="gray").encode(
        x="x:Q", tooltip=[alt.Tooltip("label:N"), alt.Tooltip("x:Q", format=".2f")])
    horizon = alt.Chart(pd.DataFrame({"y": [h], "label": ["horizon"]})).mark_rule(strokeDash=[1, 3], color="gray").encode(
        y="y:Q", tooltip=[alt.Tooltip("label:N"), alt.Tooltip("y:Q", title="months")])
    layers = [lines, rule, horizon] if data["payback_months"].notna().any() else [rule, horizon]
    never = sorted(set(data["arm"]) - set(data.dropna(subset=["payback_months"])["arm"]))
    if never:  # say so in the chart rather than leave an empty plot
        note = alt.Chart(pd.DataFrame({"text": [f"never pays back within {4 * h:g} months anywhere in this range: {', '.join(never)}"]})
                         ).mark_text(align="left", baseline="top", x=6, y=6, color="gray").encode(text="text:N")
        layers.append(note)
    return alt.layer(*layers).properties(title=f"Payback against {SENSITIVITY_FACTORS[factor].split(' (')[0]}",
                                         width=560, height=240)


def finetune_volume_chart(scenario) -> alt.Chart:
    """Present value of each permitted arm's costs over the horizon against daily volume (log-log), with the
    scenario's volume marked."""
    data = winner_by_volume(scenario, np.logspace(2, 7, 121))
    lines = alt.Chart(data).mark_line().encode(
        x=alt.X("requests_per_day:Q", scale=alt.Scale(type="log"), title="daily volume (requests per day)", axis=alt.Axis(format="~s")),
        y=alt.Y("pv_usd:Q", scale=alt.Scale(type="log"), title="present value of costs over the horizon (USD)", axis=alt.Axis(format="$~s")),
        color=alt.Color("arm:N", scale=_COLORS, title=None),
        tooltip=[alt.Tooltip("arm:N"), alt.Tooltip("requests_per_day:Q", format=",.3~s", title="requests/day"),
                 alt.Tooltip("pv_usd:Q", format="$,.0f", title="present value (USD)"), alt.Tooltip("winner:N", title="cheapest")],
    )
    rule = alt.Chart(pd.DataFrame({"requests_per_day": [float(scenario["workload.requests_per_day"])], "label": ["this scenario"]})
                     ).mark_rule(strokeDash=[4, 3], color="gray").encode(x="requests_per_day:Q", tooltip=["label:N"])
    return (lines + rule).properties(title="Cost over the horizon against daily volume", width=560, height=320)
