"""Fine-tuning versus prompt context: what a shorter prompt is worth, and when fine-tuning pays back.

A task sends a long prompt (instructions and examples, ``finetune.long_prompt_tokens``) with every request.
Fine-tuning moves that knowledge into the weights and leaves a short prompt (``finetune.short_prompt_tokens``).
Six arms, each costed per request and per month (claim 10 of the reference sheet is the headline case):

``long``
    the long prompt on the premium closed API at list price;
``cached``
    the same with the provider's prompt caching (the shared prefix, ``finetune.cached_prefix_tokens``, read from the cache
    at a hit rate derived from the request rate within the cache lifetime) and its batch discount;
``managed_long``
    the fine-tune's base model (``finetune.managed_base``: the managed open endpoint by default) with the long
    prompt, at its list price: the same model as ``managed_ft`` before fine-tuning;
``managed_ft``
    that model fine-tuned, with the short prompt: training billed per token, data preparation and evaluation
    hours, retraining every N months, serving at the base price plus a premium;
``selfhost_long``
    the self-hosted open model with the long prompt: the same model as ``selfhost_ft`` before fine-tuning;
``selfhost_ft``
    that model fine-tuned (LoRA GPU-hours from training throughput) and served with the short prompt, on a fleet
    sized for it (fewer prefill tokens, more requests per second per replica).

A fine-tune's payback is measured against the same model with the long prompt (`SAME_MODEL`), so that it counts
the fine-tune alone; the switch from the closed API to the open model is counted apart (a saving or a cost), and
`finetune_decomposition` shows the two side by side. Each arm can carry a quality difference (a share of
requests redone at a cost). Monthly running costs come from the kit's cost model (`option_costs`) with the prompt
length and prices of each arm, so engineering, evaluation, compliance and fleet sizing are counted the same way
as everywhere else in the kit.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import altair as alt
import numpy as np
import pandas as pd

from ._cashflow import present_cost_usd
from ._costs import DAYS_PER_MONTH, api_usage_usd_per_request, option_costs
from ._timeline import annuity_factor, monthly_discount_rate
from ._style import USD_AXIS, color_scale, count_axis, finish, marked_rules
from ._views import HTML, Markdown, _esc, html_table, pct, usd, usd_column

__all__ = [
    "ARMS",
    "SAME_MODEL",
    "poisson_cache_hit_rate",
    "prompt_usd_per_request",
    "training_usd",
    "training_gpu_hours",
    "finetune_round_usd",
    "redo_usd_per_month",
    "cumulative_cost_usd",
    "payback_months",
    "pv_cost_usd",
    "npv_usd",
    "finetune_arms",
    "finetune_from_scenario",
    "arm_eligibility",
    "finetune_table",
    "finetune_view",
    "payback_table",
    "payback_view",
    "finetune_decomposition",
    "model_switch_quality",
    "decomposition_view",
    "payback_sensitivity",
    "breakeven_redo_share",
    "winner_by_volume",
    "finetune_conclusion",
    "claim10_figures",
    "claim10_case",
    "finetune_cumulative_chart",
    "finetune_cost_per_request_chart",
    "finetune_decomposition_chart",
    "payback_sensitivity_chart",
    "finetune_volume_chart",
]

ARMS = {
    "long": "closed API, long prompt",
    "cached": "closed API, long prompt, cached",
    "managed_long": "managed base, long prompt",
    "managed_ft": "fine-tuned, managed",
    "selfhost_long": "self-hosted base, long prompt",
    "selfhost_ft": "fine-tuned, self-hosted",
}
"""Arm keys and display names."""
SAME_MODEL = {"managed_ft": "managed_long", "selfhost_ft": "selfhost_long"}
"""Each fine-tuned arm and the same model with the long prompt, the baseline of its payback."""
PREMIUM_ARMS = ("long", "cached")
FT_ARMS = tuple(SAME_MODEL)


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

    The long-prompt arms are this at list price (``cached_tokens=0``); the cached arm caches the shared prefix;
    the fine-tuned arms send the short prompt at the fine-tuned model's prices.

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


def pv_cost_usd(upfront_usd, monthly_usd, horizon_months, discount_rate_per_year, retrain_usd=0.0, retrain_every_months=np.inf,
                capex_usd=0.0, life_months=np.inf, resale_share=0.0):
    """Present value of an arm's costs over a horizon [USD]: the kit's one cash method (`econ.present_cost_usd`,
    as the decision's ``pv_usd``) plus the fine-tune's training rounds.

    Parameters
    ----------
    upfront_usd : array_like
        Paid at month 0 [USD].
    monthly_usd : array_like
        Running cost paid at the end of each month, without the depreciation of bought GPUs (opex) [USD/month].
    horizon_months : array_like
        H [months].
    discount_rate_per_year : array_like
        Annual discount rate [fraction/year].
    retrain_usd : array_like
        Paid at months N, 2N, ... strictly before H [USD] (a retraining at H serves the next horizon).
    retrain_every_months : array_like
        N [months]; ``inf`` for never.
    capex_usd, life_months, resale_share : array_like
        Bought GPUs: paid at month 0 [USD] and sold at their book value at month H (straight line over
        ``life_months`` [months] to ``resale_share`` of the price [fraction]), as `econ.present_cost_usd`.

    Returns
    -------
    ndarray
        ``U + present_cost_usd(C, M, H, ...) + R Σ_{k=1..K} (1+i)^-kN`` with ``K = ceil(H/N) - 1`` and i the
        monthly rate [USD]; without capex, ``U + M a(H, i) + ...``.

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
    cash = present_cost_usd(capex_usd, monthly_usd, h, discount_rate_per_year, life_months, resale_share)
    return _a(upfront_usd) + cash + _a(retrain_usd) * np.where(k > 0, geo, 0.0)


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


def finetune_arms(values: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Monthly, upfront and retraining costs of every arm, vectorized over array-valued inputs.

    Parameters
    ----------
    values : mapping
        ``Scenario.values`` (``"section.key" -> value``); any number may be a numpy array (broadcast).

    Returns
    -------
    dict
        ``{arm: {"label", "option" (the kit's option it runs on), "permitted", "usage_usd", "operations_usd", "redo_usd", "running_usd" [USD/month],
        "upfront_usd", "retrain_usd" [USD], "retrain_every_months", "requests_per_month",
        "monthly_equivalent_usd" (running + retraining per month + upfront spread over the horizon),
        "usd_per_request" (monthly equivalent / requests), "pv_usd" (present value over the horizon),
        and per arm extras: "cache_hit_rate", "gpus", "replicas", "replica_requests_per_s"}}``.

    Notes
    -----
    Caching serves the long prompt's shared prefix (``finetune.cached_prefix_tokens``, at most the whole
    prompt) at the hit rate of `poisson_cache_hit_rate`; fine-tuning leaves ``finetune.short_prompt_tokens``. The two
    are separate assumptions, so a fine-tune that removes less of the prompt does not change what the cache could
    serve. Each fine-tuned arm and its same-model long-prompt arm (`SAME_MODEL`) differ only in the prompt, the
    fine-tuning costs, the serving premium (managed) and the redo share: the same option, prices, batch share (none)
    and operations. The self-hosted fleet is sized for each prompt length by `option_costs` (the capacity model at
    that request shape, `econ._fleet`).
    """
    v = dict(values)
    long_p, short_p = _a(v["finetune.long_prompt_tokens"]), _a(v["finetune.short_prompt_tokens"])
    if np.any(short_p > long_p):
        raise ValueError(f"finetune.short_prompt_tokens {v['finetune.short_prompt_tokens']!r} must not exceed "
                         f"finetune.long_prompt_tokens {v['finetune.long_prompt_tokens']!r}")
    requests_per_month = _a(v["workload.requests_per_day"]) * DAYS_PER_MONTH
    labour = v["engineering.loaded_usd_per_hour"]
    hit = poisson_cache_hit_rate(_a(v["workload.requests_per_day"]) / 86_400.0, v["finetune.cache_ttl_s"],
                                 v["finetune.prefix_variants"])
    base = v["finetune.managed_base"]
    premium = 1 + _a(v["finetune.serving_premium"])
    no_cache = {"workload.cacheable_prefix_share": 0.0, "workload.batchable_share": 0.0}

    def at(prompt, **more):  # the self-hosted fleet is re-sized for this prompt by the capacity model (econ._fleet)
        return {"workload.input_tokens_per_request": prompt, **no_cache, **more}

    variants = {
        "long": ("api", at(long_p)),
        "cached": ("api", {"workload.input_tokens_per_request": long_p,
                           "workload.cacheable_prefix_share": np.minimum(_a(v["finetune.cached_prefix_tokens"]), long_p) / long_p,
                           "api.cache_hit_rate": hit}),
        "managed_long": (base, at(long_p)),
        "managed_ft": (base, at(short_p, **{f"{base}.input_usd_per_mtok": _a(v[f"{base}.input_usd_per_mtok"]) * premium,
                                            f"{base}.output_usd_per_mtok": _a(v[f"{base}.output_usd_per_mtok"]) * premium})),
        "selfhost_long": ("selfhost", at(long_p)),
        "selfhost_ft": ("selfhost", at(short_p)),
    }
    d_tokens = (v["finetune.dataset_tokens"], v["finetune.epochs"], v["finetune.eval_tokens"])
    first_hours = _a(v["finetune.data_prep_hours"]) + v["finetune.eval_hours_per_training"]
    again_hours = _a(v["finetune.retrain_prep_hours"]) + v["finetune.eval_hours_per_training"]
    compute = {
        "managed_ft": training_usd(*d_tokens, v["finetune.training_usd_per_mtok"]),
        "selfhost_ft": training_gpu_hours(*d_tokens, v["finetune.training_gpu_hours_per_mtok"]) * v["finetune.training_usd_per_gpu_hour"],
    }
    redo_keys = {"long": "redo_share_long_prompt", "cached": "redo_share_cached", "managed_long": "redo_share_long_prompt",
                 "managed_ft": "redo_share_managed_ft", "selfhost_long": "redo_share_long_prompt",
                 "selfhost_ft": "redo_share_selfhost_ft"}
    horizon, rate = v["horizon.months"], v["horizon.discount_rate_per_year"]
    life, resale = 12.0 * _a(v["selfhost.amortization_years"]), v["horizon.resale_share"]
    every = _a(v["finetune.retrain_every_months"])
    arms: dict[str, dict[str, Any]] = {}
    for arm, (option, updates) in variants.items():
        c = option_costs({**v, **updates})[option]
        usage, ops = _components(c)
        redo = redo_usd_per_month(requests_per_month, v[f"finetune.{redo_keys[arm]}"], v["finetune.redo_usd_per_request"])
        running = usage + ops + redo
        bought = option == "selfhost" and v["selfhost.gpu_cost_mode"] == "buy"  # capex and resale as the decision's cash
        capex = c["capex_usd"] if bought else np.zeros_like(running)
        depreciation = c["gpu_usd"] if bought else np.zeros_like(running)
        if arm in compute:
            upfront = finetune_round_usd(compute[arm], first_hours, labour)
            retrain, n = finetune_round_usd(compute[arm], again_hours, labour), every
        else:
            upfront = retrain = np.zeros_like(running)
            n = np.full_like(running, np.inf)
        row = {
            "label": ARMS[arm], "option": option, "permitted": bool(v[f"{option}.permitted"]), "usage_usd": usage,
            "operations_usd": ops,
            "redo_usd": redo, "running_usd": running, "upfront_usd": upfront, "retrain_usd": retrain,
            "retrain_every_months": n, "requests_per_month": requests_per_month,
            "monthly_equivalent_usd": running + retrain / n + upfront / _a(horizon),
            "pv_usd": pv_cost_usd(upfront, running - depreciation, horizon, rate, retrain, n, capex, life, resale),
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


def arm_eligibility(scenario, decision=None) -> dict[str, tuple[bool, str]]:
    """Whether the decision allows each arm: ``{arm: (eligible, why_not)}``.

    An arm runs on one of the kit's options (the closed API, the fine-tune's base, self-hosting) and is eligible
    when the decision's plan for that option is (`econ.decision`: permitted by the scenario and at or above its
    quality floor); ``why_not`` is the decision's reason otherwise ("" when eligible). A fine-tune keeps its
    option's quality: the decision measures the model, not the fine-tune.

    Parameters
    ----------
    scenario : Scenario
    decision : Decision, optional
        The scenario's decision (`econ.decision`); computed when omitted.

    Examples
    --------
    >>> from econ import load_scenario, PARAMS_DIR
    >>> e = arm_eligibility(load_scenario(PARAMS_DIR / "enterprise_steady.yaml"))
    >>> e["cached"], e["managed_ft"]
    ((True, ''), (False, 'quality 86.0% below the floor 92.4%'))
    """
    if decision is None:
        from ._pipeline import decision as _decision

        decision = _decision(scenario)
    base = scenario["finetune.managed_base"]
    option = {"long": "api", "cached": "api", "managed_long": base, "managed_ft": base, "selfhost_long": "selfhost",
              "selfhost_ft": "selfhost"}
    return {a: (bool(decision.options[o].eligible), decision.options[o].why_not) for a, o in option.items()}


def finetune_table(scenario, decision=None) -> pd.DataFrame:
    """One row per arm: cost per request and per month, upfront and retraining, present value, fleet, and whether
    the decision allows it.

    Columns: ``arm``, ``key``, ``permitted``, ``eligible``, ``why_not`` (`arm_eligibility`), ``usd_per_request``,
    ``running_usd`` (per month), ``monthly_equivalent_usd``, ``upfront_usd``, ``retrain_usd``,
    ``retrain_every_months``, ``pv_usd``, ``usage_usd``, ``operations_usd``, ``redo_usd``, ``gpus``,
    ``cache_hit_rate``. ``decision``: the scenario's decision (`econ.decision`), computed when omitted.
    """
    f = finetune_from_scenario(scenario)
    ok = arm_eligibility(scenario, decision)
    rows = []
    for key, r in f["arms"].items():
        rows.append({"arm": r["label"], "key": key, "permitted": r["permitted"], "eligible": ok[key][0],
                     "why_not": ok[key][1],
                     **{c: r[c] for c in ("usd_per_request", "running_usd", "monthly_equivalent_usd", "upfront_usd",
                                          "retrain_usd", "retrain_every_months", "pv_usd", "usage_usd",
                                          "operations_usd", "redo_usd", "requests_per_month")},
                     "gpus": r.get("gpus", np.nan), "cache_hit_rate": r.get("cache_hit_rate", np.nan)})
    table = pd.DataFrame(rows)
    table.attrs["horizon_months"] = f["horizon_months"]
    return table


def finetune_view(table: pd.DataFrame, horizon_months: float | None = None) -> HTML:
    """`finetune_table` formatted for reading (HTML): dollars with one precision per column, units in the headers;
    the horizon is the table's own by default."""
    horizon_months = table.attrs.get("horizon_months", 24) if horizon_months is None else horizon_months
    money = {"per request, all in (USD)": usd_column(table["usd_per_request"]),
             "running (USD a month)": usd_column(table["running_usd"]),
             "of which usage": usd_column(table["usage_usd"]),
             "operations": usd_column(table["operations_usd"]),
             "redone requests": usd_column(table["redo_usd"])}
    first = usd_column(table["upfront_usd"])
    retrain = usd_column(table["retrain_usd"])
    pv = usd_column(table["pv_usd"])
    rows = []
    for i, r in enumerate(table.to_dict("records")):
        rows.append({"arm": r["arm"], "permitted": "yes" if r["permitted"] else "no",
                     "eligible at the decision's quality floor": "yes" if r["eligible"] else f"no: {r['why_not']}",
                     **{k: v[i] for k, v in money.items()},
                     "first training (USD)": first[i] if r["upfront_usd"] else "–",
                     "each retraining (USD)": f"{retrain[i]} every {r['retrain_every_months']:g} months" if r["retrain_usd"] else "–",
                     f"present value over {horizon_months:g} months (USD)": pv[i],
                     "GPUs": "–" if np.isnan(r["gpus"]) else f"{r['gpus']:.0f}",
                     "cache hit rate": "–" if np.isnan(r["cache_hit_rate"]) else pct(r["cache_hit_rate"])})
    return html_table(rows, "econ-table finetune", tuple(list(rows[0])[3:]))


def _payback(arms, ft: str, base_running=None) -> np.ndarray:
    """Payback months of fine-tuned arm ``ft`` against its same-model long-prompt arm (or ``base_running``)."""
    r = arms[ft]
    base = arms[SAME_MODEL[ft]]["running_usd"] if base_running is None else base_running
    return payback_months(r["upfront_usd"], _a(base) - r["running_usd"], r["retrain_usd"], r["retrain_every_months"])


def payback_table(scenario) -> pd.DataFrame:
    """Payback and NPV of each permitted fine-tuned arm against the same model with the long prompt.

    The fine-tune alone: the fine-tuned arm and its baseline (`SAME_MODEL`) run the same model at the same prices,
    so the saving is what the shorter prompt is worth, net of the serving premium and of redone requests. The
    switch from the closed API to the open model is in `finetune_decomposition`.

    Columns: ``finetuned``, ``against``, ``monthly_saving_usd`` (running cost saved [USD/month]), ``upfront_usd``,
    ``retrain_usd`` [USD], ``payback_months`` (inf: never), ``payback_requests``, ``npv_usd`` over the horizon (the
    baseline's present cost less the fine-tuned arm's, `pv_cost_usd`: the decision's cash method).

    Examples
    --------
    >>> from econ import load_scenario, PARAMS_DIR
    >>> t = payback_table(load_scenario(PARAMS_DIR / "enterprise_steady.yaml"))
    >>> t[["finetuned", "against"]].to_numpy().tolist()
    [['fine-tuned, managed', 'managed base, long prompt'], ['fine-tuned, self-hosted', 'self-hosted base, long prompt']]
    """
    f = finetune_from_scenario(scenario)
    arms, h, rate = f["arms"], f["horizon_months"], f["discount_rate_per_year"]
    rows = []
    for ft, base in SAME_MODEL.items():
        r = arms[ft]
        if not r["permitted"]:
            continue
        saving = arms[base]["running_usd"] - r["running_usd"]
        months = float(_payback(arms, ft))
        rows.append({"finetuned": r["label"], "against": arms[base]["label"], "monthly_saving_usd": saving,
                     "upfront_usd": r["upfront_usd"], "retrain_usd": r["retrain_usd"], "payback_months": months,
                     "payback_requests": months * f["requests_per_month"],
                     "npv_usd": arms[base]["pv_usd"] - r["pv_usd"]})
    table = pd.DataFrame(rows, columns=["finetuned", "against", "monthly_saving_usd", "upfront_usd", "retrain_usd",
                                        "payback_months", "payback_requests", "npv_usd"])
    table.attrs["horizon_months"] = h
    return table


def _premium_start(arms: Mapping[str, Mapping[str, Any]]) -> str:
    """The closed-API long-prompt arm a team would run without fine-tuning: the cheaper of list price and cached
    (among the permitted ones; both for reference when neither is)."""
    allowed = [a for a in PREMIUM_ARMS if arms[a]["permitted"]] or list(PREMIUM_ARMS)
    return min(allowed, key=lambda a: float(arms[a]["running_usd"]))


def finetune_decomposition(scenario) -> pd.DataFrame:
    """What moving from the closed API with the long prompt to each fine-tuned arm saves, in two parts.

    Parameters
    ----------
    scenario : Scenario

    Returns
    -------
    DataFrame
        Three rows per fine-tuned arm: ``step`` ``"model switch"`` (the closed API's long prompt, the cheaper of
        list price and cached, to the same open model as the fine-tune with the long prompt), ``"fine-tune"`` (that
        model with the long prompt to the fine-tuned model with the short prompt) and ``"total"``. Columns
        ``finetuned``, ``step``, ``from_arm``, ``to_arm`` (labels), ``from_usd``, ``to_usd`` (running cost
        [USD/month]), ``saving_usd`` (running cost saved [USD/month]), ``net_saving_usd`` (the same on the monthly
        equivalent, first training spread over the horizon and retraining over its interval [USD/month]) and
        ``permitted`` (both ends permitted).

    Notes
    -----
    With running costs P (premium), L (same model, long prompt) and F (fine-tuned), the model switch saves
    ``P - L`` and the fine-tune ``L - F``; they add up to the total ``P - F`` whatever their signs. Only the
    fine-tune's part pays back its training (`payback_table`); the model switch needs none.

    Examples
    --------
    >>> from econ import load_scenario, PARAMS_DIR
    >>> t = finetune_decomposition(load_scenario(PARAMS_DIR / "enterprise_steady.yaml"))
    >>> list(t["step"][:3]), bool(abs(t["saving_usd"][0] + t["saving_usd"][1] - t["saving_usd"][2]) < 1e-6)
    (['model switch', 'fine-tune', 'total'], True)
    """
    f = finetune_from_scenario(scenario)
    arms = f["arms"]
    start = _premium_start(arms)
    rows = []
    for ft, same in SAME_MODEL.items():
        for step, a, b in (("model switch", start, same), ("fine-tune", same, ft), ("total", start, ft)):
            rows.append({"finetuned": ARMS[ft], "step": step, "from_arm": ARMS[a], "to_arm": ARMS[b],
                         "from_usd": arms[a]["running_usd"], "to_usd": arms[b]["running_usd"],
                         "saving_usd": arms[a]["running_usd"] - arms[b]["running_usd"],
                         "net_saving_usd": arms[a]["monthly_equivalent_usd"] - arms[b]["monthly_equivalent_usd"],
                         "permitted": arms[a]["permitted"] and arms[b]["permitted"]})
    table = pd.DataFrame(rows)
    table.attrs["quality_sentence"] = model_switch_quality(scenario)
    return table


def model_switch_quality(scenario, decision=None) -> str:
    """Whether the model switch's saving holds at equal quality, in one sentence computed from the decision's
    quality inputs (`econ.quality_inputs`: the open model's and the closed API's acceptable answers, the floor).

    Parameters
    ----------
    scenario : Scenario
    decision : Decision, optional
        The scenario's decision (`econ.decision`); its qualities and floor are used when given (the same figures).

    Examples
    --------
    >>> from econ import load_scenario, PARAMS_DIR
    >>> print(model_switch_quality(load_scenario(PARAMS_DIR / "enterprise_steady.yaml")))  # doctest: +NORMALIZE_WHITESPACE
    The model switch's saving or cost is not available at equal quality: the open model answers 86.0% of requests
    acceptably, below this scenario's floor of 92.4% (the closed API: 94.0%), so the decision rules the open model
    out alone; the fine-tune's own saving compares the open model with itself.
    """
    from ._pipeline import quality_inputs

    if decision is not None:
        q_open, q_api, floor = decision.options["managed"].quality, decision.options["api"].quality, decision.quality_floor
        meets = decision.options["managed"].meets_floor
    else:
        q = quality_inputs(scenario.values)
        q_open, q_api, floor = (float(q["quality"]["managed"]), float(q["quality"]["api"]), float(q["floor"]))
        meets = bool(q["meets"]["managed"])
    if not meets:
        return (f"The model switch's saving or cost is not available at equal quality: the open model answers {q_open:.1%} of "
                f"requests acceptably, below this scenario's floor of {floor:.1%} (the closed API: {q_api:.1%}), so the "
                "decision rules the open model out alone; the fine-tune's own saving compares the open model with itself.")
    if q_open < q_api:
        return (f"The open model answers {q_open:.1%} of requests acceptably, below the closed API's {q_api:.1%} but at "
                f"or above this scenario's floor of {floor:.1%}: the model switch's saving or cost holds at the quality the "
                "scenario asks for, not at the closed API's.")
    return (f"The open model answers {q_open:.1%} of requests acceptably, as well as the closed API ({q_api:.1%}): "
            "the model switch's saving or cost holds at equal quality.")


def decomposition_view(table: pd.DataFrame) -> HTML:
    """`finetune_decomposition` formatted for reading (HTML, dollars a month)."""
    cols = {c: usd_column(table[c]) for c in ("from_usd", "to_usd", "saving_usd", "net_saving_usd")}
    rows = [{"fine-tuned arm": r["finetuned"], "step": r["step"], "from": r["from_arm"], "to": r["to_arm"],
             "running cost before (USD a month)": cols["from_usd"][i], "after (USD a month)": cols["to_usd"][i],
             "saves (USD a month)": cols["saving_usd"][i],
             "saves, net of fine-tuning costs (USD a month)": cols["net_saving_usd"][i],
             "permitted": "yes" if r["permitted"] else "no (for reference)"}
            for i, r in enumerate(table.to_dict("records"))]
    out = html_table(rows, "econ-table decomposition", tuple(list(rows[0])[4:8]) if rows else ())
    note = table.attrs.get("quality_sentence")
    return HTML(f"{out}<p>{_esc(note)}</p>") if note else out


def breakeven_redo_share(scenario, arm: str, against: str | None = None) -> float:
    """Share of requests a fine-tuned arm may get wrong (redone at ``finetune.redo_usd_per_request``) and still
    cost no more than ``against`` (default: the same model with the long prompt) over the horizon, in present
    value [fraction; negative: not even at zero].

    Notes
    -----
    The present value is linear in the redo share s: ``PV(s) = PV(0) + s × requests/month ×
    redo_usd_per_request × a(H, i)``; solving ``PV_arm(s) = PV_against`` gives s.
    """
    against = SAME_MODEL.get(arm) if against is None else against
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


def payback_view(table: pd.DataFrame, horizon_months: float | None = None) -> HTML:
    """`payback_table` formatted for reading (HTML); the horizon is the table's own by default."""
    horizon_months = table.attrs.get("horizon_months", 24) if horizon_months is None else horizon_months
    saves, first, npv = (usd_column(table[c]) for c in ("monthly_saving_usd", "upfront_usd", "npv_usd"))
    rows = [{"fine-tuned arm": r["finetuned"], "against the same model": r["against"],
             "saves (USD a month)": saves[i], "first training (USD)": first[i],
             "pays back after": _months(r["payback_months"]), "requests until payback": _count(r["payback_requests"]),
             f"NPV over {horizon_months:g} months (USD)": npv[i]}
            for i, r in enumerate(table.to_dict("records"))]
    if not rows:
        return HTML("<p>No fine-tuned arm is permitted in this scenario.</p>")
    return html_table(rows, "econ-table payback", tuple(list(rows[0])[2:]))


SENSITIVITY_FACTORS = {
    "context_reduction": "context reduction (share of the prompt removed by fine-tuning)",
    "requests_per_day": "daily volume (requests per day)",
    "retrain_every_months": "retraining interval (months)",
}


def payback_sensitivity(scenario, factor: str, grid=None) -> pd.DataFrame:
    """Payback months of each permitted fine-tuned arm against the same model with the long prompt, as one factor
    varies and the rest of the scenario is held.

    Parameters
    ----------
    scenario : Scenario
    factor : str
        ``"context_reduction"`` (1 - short/long prompt), ``"requests_per_day"`` or ``"retrain_every_months"``.
    grid : array_like, optional
        Values of the factor; by default 0 to 98 % of the prompt removed, a thirtieth to thirty times the
        scenario's volume, or 1 to 24 months.

    Returns
    -------
    DataFrame
        Long form: ``factor``, ``x``, ``arm``, ``payback_months`` (inf: never), ``scenario_x`` (the
        scenario's own value of the factor).
    """
    if factor not in SENSITIVITY_FACTORS:
        raise ValueError(f"payback_sensitivity: factor {factor!r} is not known; choose one of {', '.join(SENSITIVITY_FACTORS)}")
    v = dict(scenario.values)
    if factor == "context_reduction":
        long_p = float(v["finetune.long_prompt_tokens"])
        x = np.linspace(0.0, 0.98, 50) if grid is None else _a(grid)
        v["finetune.short_prompt_tokens"] = long_p * (1 - x)
        own = 1 - float(scenario["finetune.short_prompt_tokens"]) / long_p
    elif factor == "requests_per_day":
        own = float(scenario["workload.requests_per_day"])
        x = np.geomspace(own / 30, own * 30, 61) if grid is None else _a(grid)
        v["workload.requests_per_day"] = x
    else:
        x = np.linspace(1.0, 24.0, 47) if grid is None else _a(grid)
        v["finetune.retrain_every_months"] = x
        own = float(scenario["finetune.retrain_every_months"])
    arms = finetune_arms(v)
    frames = [pd.DataFrame({"factor": factor, "x": x, "arm": ARMS[ft], "payback_months": np.broadcast_to(_payback(arms, ft), x.shape),
                            "scenario_x": own})
              for ft in FT_ARMS if arms[ft]["permitted"]]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["factor", "x", "arm", "payback_months", "scenario_x"])


def winner_by_volume(scenario, requests_per_day=None, arms=None) -> pd.DataFrame:
    """Present value of each permitted arm's costs over the horizon at other daily volumes, and the cheapest.

    Parameters
    ----------
    scenario : Scenario
    requests_per_day : array_like, optional
        Volumes [requests/day]; by default 241 points from 100 to 10 million a day (5 % apart).
    arms : iterable of str, optional
        Arm keys to compare (e.g. the eligible ones); by default every permitted arm.

    Returns
    -------
    DataFrame
        Long form: ``requests_per_day``, ``arm``, ``pv_usd``, ``winner`` (label of the cheapest permitted arm
        at that volume). Only permitted arms.
    """
    x = np.logspace(2, 7, 241) if requests_per_day is None else _a(requests_per_day)
    only = arms
    arms = finetune_arms(scenario.replace({"workload.requests_per_day": x}).values)
    keys = [a for a in ARMS if arms[a]["permitted"] and (only is None or a in only)]
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


def _first_up(text: str) -> str:
    """The text with its first letter capitalized and the rest as written ("closed API", not "Closed api")."""
    return text[:1].upper() + text[1:]


def _saves(x: float) -> str:
    """"saves $X a month" or "costs $X a month more", never a negative saving."""
    return f"saves {usd(x)} a month" if x >= 0.5 else (f"costs {usd(-x)} a month more" if x <= -0.5 else "saves nothing")


def finetune_conclusion(scenario, decision=None) -> Markdown:
    """Which arm costs least over the horizon, what the fine-tune alone saves and when it pays back (against the
    same model with the long prompt), how much of the saving over the closed API is the model switch, and at what
    daily volume the cheapest arm changes, every figure computed.

    Parameters
    ----------
    scenario : Scenario
    decision : Decision, optional
        The scenario's decision (`econ.decision`, computed when omitted): the conclusion names the cheapest arm it
        allows first (`arm_eligibility`: permitted and at the quality floor), then a cheaper one it rules out and why.
    """
    if decision is None:
        from ._pipeline import decision as _decision

        decision = _decision(scenario)
    f = finetune_from_scenario(scenario)
    arms, h = f["arms"], f["horizon_months"]
    allowed = {a: r for a, r in arms.items() if r["permitted"]}
    if not allowed:
        return Markdown("No arm is permitted in this scenario.")
    ok = arm_eligibility(scenario, decision)
    eligible = [a for a in sorted(allowed, key=lambda a: allowed[a]["pv_usd"]) if ok[a][0]]
    ranked = sorted(allowed, key=lambda a: allowed[a]["pv_usd"])
    rpd = float(scenario["workload.requests_per_day"])
    floor = f"at or above the quality floor of {decision.quality_floor:.1%}"

    def pv(a):
        return f"present value {usd(arms[a]['pv_usd'])} ({usd(arms[a]['usd_per_request'])} per request, all in)"

    if eligible:
        best = eligible[0]
        lines = [f"At {rpd:,.0f} requests a day, **{ARMS[best]}** costs least over {h:g} months of the arms the "
                 f"decision allows (permitted and {floor}): {pv(best)}"
                 + (f", against {usd(arms[eligible[1]]['pv_usd'])} for {ARMS[eligible[1]]}." if len(eligible) > 1 else ".")]
        if ranked[0] != best:
            lines.append(f"{_first_up(ARMS[ranked[0]])} would cost less, {pv(ranked[0])}, but the decision rules it "
                         f"out: {ok[ranked[0]][1]}.")
    else:
        lines = [f"No arm is {floor} ({'; '.join(sorted({ok[a][1] for a in allowed}))}). Of the permitted arms, "
                 f"**{ARMS[ranked[0]]}** costs least over {h:g} months at {rpd:,.0f} requests a day: {pv(ranked[0])}."]
    forbidden = [ARMS[a] for a in arms if not arms[a]["permitted"]]
    if forbidden:
        lines.append(f"Not permitted here (shown for reference only): {'; '.join(forbidden)}.")
    pay = payback_table(scenario).set_index("finetuned")
    parts = []
    for ft, same in SAME_MODEL.items():
        if ARMS[ft] not in pay.index:
            continue
        r = pay.loc[ARMS[ft]]
        text = (f"{ARMS[ft]} {_saves(r['monthly_saving_usd'])} against {ARMS[same]} "
                f"({usd(arms[same]['running_usd'])} a month to run) and ")
        text += (f"pays back after {r['payback_months']:.1f} months ({_count(r['payback_requests'])} requests)"
                 if np.isfinite(r["payback_months"]) else "never pays back")
        parts.append(text + f"; NPV over {h:g} months {usd(r['npv_usd'])}")
        if arms[ft]["redo_usd"] > arms[same]["redo_usd"]:
            share = float(scenario[f"finetune.redo_share_{ft}"])
            limit = breakeven_redo_share(scenario, ft)
            parts[-1] += (f" (redone requests, {pct(share)} of them, cost it {usd(arms[ft]['redo_usd'] - arms[same]['redo_usd'])} "
                          "a month; " + (f"it costs less over {h:g} months only if it redoes fewer than {limit:.1%} of requests)"
                                         if limit > 0 else f"even with none redone it would cost more over {h:g} months)"))
    if parts:
        lines.append("**The fine-tune alone**, against the same model with the long prompt: " + "; ".join(parts) + ".")
    dec = finetune_decomposition(scenario)
    start = dec["from_arm"].iloc[0]
    split = []
    for ft in FT_ARMS:
        rows = dec[dec["finetuned"] == ARMS[ft]].set_index("step")
        if not arms[ft]["permitted"]:
            continue
        split.append(f"to {ARMS[ft]} it {_saves(rows.loc['total', 'saving_usd'])}: the model switch "
                     f"{_saves(rows.loc['model switch', 'saving_usd'])} and the fine-tune {_saves(rows.loc['fine-tune', 'saving_usd'])}")
    if split:
        ref = "" if dec["permitted"].iloc[0] else "; not permitted here, for reference"
        lines.append(f"**The model switch counts apart from the fine-tune.** From the {start} ({usd(float(dec['from_usd'].iloc[0]))} a "
                     f"month{ref}), " + "; ".join(split) + ".")
    if split:
        lines.append(model_switch_quality(scenario, decision))
    among = " of the eligible arms" if eligible else ""
    segs = _segments(winner_by_volume(scenario, arms=eligible or None))
    if len(segs) == 1:
        lines.append(f"{_first_up(segs[0][0])} stays cheapest{among} from {_round2(segs[0][1])} to {_round2(segs[0][2])} requests a day.")
    else:
        seg_parts = []
        for i, (w, lo, hi) in enumerate(segs):
            if i == 0:
                seg_parts.append(f"**{w}** below about {_round2(hi)}")
            elif i == len(segs) - 1:
                seg_parts.append(f"**{w}** above about {_round2(lo)}")
            else:
                seg_parts.append(f"**{w}** from about {_round2(lo)} to {_round2(hi)}")
        lines.append(f"With volume the cheapest arm{among} changes: " + "; ".join(seg_parts) + " requests a day "
                     f"(present value over {h:g} months, the rest of the scenario held).")
    return Markdown(" ".join(lines))


# ------------------------------------------------------------------------------------- claim 10


def _shape_capacity(values: Mapping[str, Any], prompt_tokens: float, output_tokens: float, gpu=None, tensor_parallel=None):
    """One replica's capacity (`econ.serving_capacity`) at a request shape, on the scenario's model, precision and
    latency targets, on ``gpu`` × ``tensor_parallel`` (default: the cheapest fleet's at that shape)."""
    from ._capacity import serving_capacity
    from ._fleet import size_fleet

    v = {**values, "workload.input_tokens_per_request": float(prompt_tokens),
         "workload.output_tokens_per_request": float(output_tokens)}
    if gpu is None:
        fleet = size_fleet(v)
        gpu, tensor_parallel = fleet["candidates"].gpu[int(fleet["candidate"])], int(fleet["tensor_parallel"])
    kv = {} if v["selfhost.kv_precision"] is None else {"kv_precision": v["selfhost.kv_precision"]}
    return serving_capacity(v["selfhost.model"], gpu, float(prompt_tokens), float(output_tokens), v["selfhost.precision"],
                            tensor_parallel, v["selfhost.ttft_slo_s"], v["selfhost.tpot_slo_s"], **kv)


def claim10_figures(values: Mapping[str, Any], long_prompt_tokens=5000, short_prompt_tokens=500, output_tokens=200) -> dict:
    """The arithmetic of claim 10 (a 5,000-token prompt cut to 500 for a 200-token answer) on one model.

    Parameters
    ----------
    values : mapping
        ``Scenario.values``: the prices of the fine-tune's base model (``finetune.managed_base``'s section) and
        the self-hosted model, precision, latency targets and fleet.
    long_prompt_tokens, short_prompt_tokens, output_tokens : float
        The claim's request shapes [tokens/request].

    Returns
    -------
    dict
        ``input_usd_per_mtok``, ``output_usd_per_mtok``, ``cache_read_usd_per_mtok`` (the base model's prices);
        ``long_usd``, ``short_usd``, ``cached_usd`` (prefix long - short read from the cache on every request)
        [USD/request]; ``saving_usd``, ``saving_share`` (short against long, same model and prices),
        ``cached_saving_share``; ``input_cut_share`` and ``token_cut_share`` (input, and input + output);
        ``long_capacity``, ``short_capacity`` (`econ.Capacity` of one self-hosted replica at each shape, on the GPU
        and tensor-parallel degree the cheapest fleet uses for the long prompt, at the scenario's latency targets);
        ``throughput_ratio`` (requests per second per GPU, short over long).

    Examples
    --------
    >>> from econ import load_scenario, PARAMS_DIR
    >>> c = claim10_figures(load_scenario(PARAMS_DIR / "enterprise_steady.yaml").values)
    >>> round(c["long_usd"], 6), round(c["short_usd"], 6), round(c["saving_share"], 3)   # 0.88 / 0.88 USD per Mtok
    (0.004576, 0.000616, 0.865)
    >>> c["throughput_ratio"] > 1
    True
    """
    v = dict(values)
    base = v["finetune.managed_base"]
    p_in, p_out, p_read = (float(v[f"{base}.{k}_usd_per_mtok"]) for k in ("input", "output", "cache_read"))
    L, S, O = float(long_prompt_tokens), float(short_prompt_tokens), float(output_tokens)
    long_usd = float(prompt_usd_per_request(L, O, p_in, p_out))
    short_usd = float(prompt_usd_per_request(S, O, p_in, p_out))
    cached_usd = float(prompt_usd_per_request(L, O, p_in, p_out, L - S, 1.0, p_read, 0.0))
    cap_long = _shape_capacity(v, L, O)
    cap_short = _shape_capacity(v, S, O, cap_long.gpu, cap_long.gpus)
    return {
        "input_usd_per_mtok": p_in, "output_usd_per_mtok": p_out, "cache_read_usd_per_mtok": p_read,
        "long_usd": long_usd, "short_usd": short_usd, "cached_usd": cached_usd,
        "saving_usd": long_usd - short_usd, "saving_share": 1 - short_usd / long_usd,
        "cached_saving_share": 1 - cached_usd / long_usd,
        "input_cut_share": 1 - S / L, "token_cut_share": 1 - (S + O) / (L + O),
        "long_capacity": cap_long, "short_capacity": cap_short,
        "throughput_ratio": cap_short.requests_per_s / cap_long.requests_per_s if cap_long.requests_per_s > 0 else np.inf,
    }


CLAIM10_SHAPE = (5000, 500, 200)
"""Claim 10's long prompt, short prompt and answer [tokens/request] (docs/claims.md)."""


def claim10_case(scenario) -> Markdown:
    """Claim 10 reproduced with its arithmetic on one model: token cost per request before and after at the
    fine-tune's base model prices, the caching alternative, and the requests per second one GPU serves at each
    prompt length (the capacity model, on the scenario's self-hosted model and GPU)."""
    from ._capacity import model_spec

    v = scenario.values
    base = v["finetune.managed_base"]
    L, S, O = CLAIM10_SHAPE
    c = claim10_figures(v, L, S, O)
    p_in, p_out, p_read = c["input_usd_per_mtok"], c["output_usd_per_mtok"], c["cache_read_usd_per_mtok"]
    note = "" if v[f"{base}.permitted"] else f" ({base}.permitted is false in this scenario: its prices serve the arithmetic only.)"

    def line(prompt, total):
        return (f"{prompt:,} × ${p_in:.2f}/M + {O} × ${p_out:.2f}/M = {usd(prompt * p_in / 1e6)} + {usd(O * p_out / 1e6)} "
                f"= **{usd(total)}** per request")

    lo, sh = c["long_capacity"], c["short_capacity"]
    cached = (f"- The same {L - S:,}-token prefix from the provider's cache instead (every request a hit at ${p_read:.2f}/M): "
              f"{S:,} × ${p_in:.2f}/M + {L - S:,} × ${p_read:.2f}/M + {O} × ${p_out:.2f}/M = **{usd(c['cached_usd'])}**, "
              f"{pct(c['cached_saving_share'])} less than the long prompt with no training."
              if p_read < p_in else
              f"- Prompt caching is no alternative here: the provider bills cached prompt tokens at the input price "
              f"(${p_read:.2f}/M).")
    per_gpu = lambda cap: cap.requests_per_s / cap.gpus  # noqa: E731
    holds = c["saving_share"] > 0 and c["throughput_ratio"] > 1
    return Markdown("\n".join([
        f"Claim 10: a {L:,}-token prompt cut to {S:,} by fine-tuning, for a {O:,}-token answer, on one model: the "
        f"fine-tune's base, {v[f'{base}.provider']}/{v[f'{base}.model']} at its list prices.{note}",
        "",
        f"- {L:,}-token prompt: {line(L, c['long_usd'])}.",
        f"- {S:,}-token prompt: {line(S, c['short_usd'])}; saving {usd(c['saving_usd'])} per request, "
        f"**{pct(c['saving_share'])}**, at the same model and price per token.",
        f"- Input tokens fall {pct(c['input_cut_share'])}, all tokens {pct(c['token_cut_share'])} ({L + O:,} → {S + O:,}); "
        f"the cost falls {pct(c['saving_share'])}, not {pct(c['input_cut_share'])}, because the answer is not shortened.",
        cached,
        f"- Requests per second on one GPU: the capacity model serves {model_spec(v['selfhost.model'])['name']} at "
        f"{str(v['selfhost.precision']).upper()} on {lo.gpus}× {lo.gpu} within the scenario's latency targets at "
        f"{per_gpu(lo):,.2f} requests/s per GPU with the {L:,}-token prompt (batch {lo.batch}, limited by the {lo.limited_by}) "
        f"and {per_gpu(sh):,.2f} with the {S:,}-token one (batch {sh.batch}, limited by the {sh.limited_by}): "
        f"**{c['throughput_ratio']:.1f}×**.",
        "",
        ("The claim holds on one model: the shorter prompt cuts the token bill and multiplies what one GPU serves. "
         if holds else "The claim does not hold here: the shorter prompt does not both cut the bill and raise what a GPU serves. ")
        + "Whether fine-tuning pays for itself depends on the training and retraining costs against that saving "
        "(the payback table above), not on the move from the closed API to the open model, which is counted apart.",
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
    pay = pay[np.isfinite(pay["payback_months"]) & (pay["payback_months"] <= h)]
    marks = []
    for _, p in pay.iterrows():
        key = next(k for k, lab in ARMS.items() if lab == p["finetuned"])
        r = arms[key]
        m = p["payback_months"]
        marks.append({"months": m, "requests": m * rpm, "arm": p["finetuned"],
                      "cumulative_usd": float(cumulative_cost_usd(m, r["upfront_usd"], r["running_usd"], r["retrain_usd"], r["retrain_every_months"])),
                      "label": f"payback vs {p['against']}: {m:.1f} months"})
    return pd.concat(rows, ignore_index=True), pd.DataFrame(marks, columns=["months", "requests", "arm", "cumulative_usd", "label"])


def _arm_color(names) -> alt.Scale:
    return color_scale(names)


def finetune_cumulative_chart(scenario) -> alt.Chart:
    """Cumulative cost of every permitted arm against cumulative requests over the horizon, with the payback
    point of each fine-tuned arm against the same model with the long prompt (steps: retrainings); each payback is
    a labelled rule."""
    data, marks = _cumulative_frame(scenario)
    names = [a for a in ARMS.values() if a in set(data["arm"])]
    tip = [alt.Tooltip("arm:N"), alt.Tooltip("months:Q", format=".1f"), alt.Tooltip("requests:Q", format=",.3~s"),
           alt.Tooltip("cumulative_usd:Q", format="$,.0f", title="cumulative cost (USD)")]
    lines = alt.Chart(data).mark_line().encode(
        x=alt.X("requests:Q", title="cumulative requests", axis=count_axis()),
        y=alt.Y("cumulative_usd:Q", title="cumulative cost (USD)", axis=USD_AXIS),
        color=alt.Color("arm:N", scale=_arm_color(names), sort=names, title=None,
                        legend=alt.Legend(orient="bottom", columns=2)), tooltip=tip,
    )
    layers = [lines]
    if len(marks):  # no payback: no points (an empty layer makes Vega warn)
        points = alt.Chart(marks).mark_point(size=90, filled=True, color="black").encode(
            x="requests:Q", y="cumulative_usd:Q", tooltip=[alt.Tooltip("label:N", title="payback"), *tip[1:]])
        rules = marked_rules([(r["requests"], f"{r['arm']} pays back: {r['months']:.1f} months")
                              for r in marks.to_dict("records")], "requests", (0.0, float(data["requests"].max())),
                             color="#333333")
        layers += [rules, points]
    return finish(alt.layer(*layers).properties(
        title=alt.TitleParams("Cumulative cost against cumulative requests",
                              subtitle="black points: where each fine-tuned arm pays back against the same model "
                                       "with the long prompt"), width=600, height=320))


def finetune_cost_per_request_chart(table: pd.DataFrame, horizon_months: float | None = None) -> alt.Chart:
    """Cost per request of each arm (from `finetune_table`), stacked: usage, operations, fine-tuning
    (first training over the horizon plus retraining), redone requests; each bar labelled with its total."""
    horizon_months = table.attrs.get("horizon_months", 24) if horizon_months is None else horizon_months
    t = table.assign(finetuning_usd=table["upfront_usd"] / horizon_months + table["retrain_usd"] / table["retrain_every_months"])
    per_month = t["requests_per_month"]
    parts = {"usage_usd": "tokens or GPUs", "operations_usd": "operations", "finetuning_usd": "fine-tuning",
             "redo_usd": "redone requests"}
    arm = t["arm"] + np.where(t["permitted"], "", " (not permitted)")
    rows = []
    for col, name in parts.items():
        rows.append(pd.DataFrame({"arm": arm, "component": name, "rank": list(parts).index(col),
                                  "usd_per_request": t[col] / per_month}))
    data = pd.concat(rows, ignore_index=True)
    data = data[data["usd_per_request"] > 0]
    labels = [n for n in parts.values() if n in set(data["component"])]
    y = alt.Y("arm:N", title=None, sort=list(arm))
    totals = pd.DataFrame({"arm": arm, "usd_per_request": t["usd_per_request"],
                           "label": usd_column(t["usd_per_request"])})
    bars = alt.Chart(data).mark_bar().encode(
        y=y,
        x=alt.X("usd_per_request:Q", title="cost per request, all in (USD)", axis=USD_AXIS,
                scale=alt.Scale(domain=[0, 1.15 * float(t["usd_per_request"].max() or 1)])),
        color=alt.Color("component:N", title="component", sort=labels, scale=color_scale(labels),
                        legend=alt.Legend(orient="bottom", direction="horizontal")),
        order=alt.Order("rank:Q"),
        tooltip=[alt.Tooltip("arm:N"), alt.Tooltip("component:N"), alt.Tooltip("usd_per_request:Q", format="$,.5f", title="USD/request")],
    )
    text = alt.Chart(totals).mark_text(align="left", dx=4).encode(y=y, x="usd_per_request:Q", text="label:N")
    return finish(alt.layer(bars, text).properties(title="Cost per request by arm", width=560, height=28 * len(t)))


def payback_sensitivity_chart(scenario, factor: str) -> alt.Chart:
    """Payback months against one factor, against the same model with the long prompt (see `payback_sensitivity`);
    gaps where fine-tuning never pays back, a dashed line at the scenario's own value and a dotted one at the
    horizon, each labelled."""
    data = payback_sensitivity(scenario, factor)
    h = float(scenario["horizon.months"])
    data = data.assign(payback_months=data["payback_months"].where(np.isfinite(data["payback_months"]) & (data["payback_months"] <= 4 * h)))
    fmt = {"context_reduction": ".0%", "requests_per_day": ",.3~s", "retrain_every_months": ".1f"}[factor]
    log = factor == "requests_per_day"
    lo, hi = (float(data["x"].min()), float(data["x"].max())) if len(data) else (1.0, 10.0)
    axis = {"context_reduction": alt.Axis(format="%"), "requests_per_day": count_axis(),
            "retrain_every_months": alt.Axis(format=",.2~f")}[factor]
    title = SENSITIVITY_FACTORS[factor]
    x = alt.X("x:Q", title=title[:-1] + "; log scale)" if log else title, axis=axis,
              scale=alt.Scale(type="log" if log else "linear", domain=[lo, hi], nice=False))
    drawn = data.dropna(subset=["payback_months"])
    names = [a for a in ARMS.values() if a in set(drawn["arm"])]
    lines = alt.Chart(drawn).mark_line(point=False).encode(
        x=x, y=alt.Y("payback_months:Q", title="payback (months)", axis=alt.Axis(format=",.2~f")),
        color=alt.Color("arm:N", scale=_arm_color(names), sort=names, title=None,
                        legend=alt.Legend(orient="bottom", direction="horizontal")),
        tooltip=[alt.Tooltip("arm:N"), alt.Tooltip("x:Q", format=fmt, title="value"),
                 alt.Tooltip("payback_months:Q", format=".1f", title="payback (months)")],
    )
    own = float(data["scenario_x"].iloc[0]) if len(data) else lo
    shown = (f"{own:.0%}" if factor == "context_reduction" else f"{own:,.0f} requests a day" if log else f"{own:g} months")
    rule = marked_rules([(own, f"this scenario: {shown}")], "x", (lo, hi), log=log)
    horizon = pd.DataFrame({"y": [h], "label": [f"horizon: {h:g} months"]})
    hline = alt.Chart(horizon).mark_rule(strokeDash=[1, 3], color="gray").encode(y="y:Q")
    htext = hline.mark_text(align="left", baseline="bottom", dy=-2, color="gray").encode(x=alt.value(4), text="label:N")
    layers = [lines, rule, hline, htext] if len(drawn) else [rule, hline, htext]
    never = sorted(set(data["arm"]) - set(drawn["arm"]))
    subtitle = (f"Never pays back within {4 * h:g} months anywhere in this range: {', '.join(never)}." if never
                else "Gaps: fine-tuning never pays back there.")
    return finish(alt.layer(*layers).properties(
        title=alt.TitleParams(f"Payback against {title.split(' (')[0]}", subtitle=subtitle), width=600, height=240))


def finetune_decomposition_chart(table: pd.DataFrame) -> alt.Chart:
    """Waterfall of `finetune_decomposition`: for each fine-tuned arm, the closed API's running cost, the model
    switch, the fine-tune and what is left, in USD a month (a step that costs more than it saves is red)."""
    rows = []
    for ft, g in table.groupby("finetuned", sort=False):
        g = g.set_index("step")
        total, switch, tune = g.loc["total"], g.loc["model switch"], g.loc["fine-tune"]
        ref = "" if total["permitted"] else " (for reference)"
        bars = [(f"{total['from_arm']}{ref}", 0.0, total["from_usd"], "running cost"),
                ("model switch", switch["from_usd"], switch["to_usd"], "saving" if switch["saving_usd"] >= 0 else "extra cost"),
                ("the fine-tune", tune["from_usd"], tune["to_usd"], "saving" if tune["saving_usd"] >= 0 else "extra cost"),
                (total["to_arm"], 0.0, total["to_usd"], "running cost")]
        for i, (label, a, b, kind) in enumerate(bars):
            rows.append({"route": ft, "rank": i, "bar": label, "from_usd": a, "to_usd": b, "kind": kind,
                         "change_usd": b - a if kind != "running cost" else b})
    data = pd.DataFrame(rows)
    kinds = ["running cost", "saving", "extra cost"]
    return finish(alt.Chart(data).mark_bar().encode(
        y=alt.Y("bar:N", title=None, sort=alt.EncodingSortField("rank"), axis=alt.Axis(labelLimit=320)),
        x=alt.X("from_usd:Q", title="running cost (USD a month)", axis=USD_AXIS), x2="to_usd:Q",
        color=alt.Color("kind:N", title=None, sort=kinds, scale=color_scale(kinds),
                        legend=alt.Legend(orient="bottom", direction="horizontal")),
        row=alt.Row("route:N", title=None, sort=list(dict.fromkeys(data["route"]))),
        tooltip=[alt.Tooltip("route:N", title="to"), alt.Tooltip("bar:N", title="step"),
                 alt.Tooltip("change_usd:Q", format="$,.0f", title="USD a month")],
    ).properties(width=480, height=110, title="The model switch and the fine-tune, each its own saving"
                 ).resolve_scale(y="independent"))


def finetune_volume_chart(scenario) -> alt.Chart:
    """Present value of each permitted arm's costs over the horizon against daily volume (log-log), with the
    scenario's volume marked."""
    data = winner_by_volume(scenario, np.logspace(2, 7, 121))
    names = [a for a in ARMS.values() if a in set(data["arm"])]
    lines = alt.Chart(data).mark_line().encode(
        x=alt.X("requests_per_day:Q", scale=alt.Scale(type="log", domain=[1e2, 1e7], nice=False),
                title="daily volume (requests per day; log scale)", axis=count_axis()),
        y=alt.Y("pv_usd:Q", scale=alt.Scale(type="log"), title="present value of costs over the horizon (USD; log scale)",
                axis=USD_AXIS),
        color=alt.Color("arm:N", scale=_arm_color(names), sort=names, title=None,
                        legend=alt.Legend(orient="bottom", columns=2)),
        tooltip=[alt.Tooltip("arm:N"), alt.Tooltip("requests_per_day:Q", format=",.3~s", title="requests/day"),
                 alt.Tooltip("pv_usd:Q", format="$,.0f", title="present value (USD)"), alt.Tooltip("winner:N", title="cheapest")],
    )
    own = float(scenario["workload.requests_per_day"])
    rule = marked_rules([(own, f"this scenario: {own:,.0f} requests a day")], "requests_per_day", (1e2, 1e7), log=True)
    return finish(alt.layer(lines, rule).properties(title="Cost over the horizon against daily volume", width=600,
                                                    height=320))
