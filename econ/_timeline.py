"""Over time: volume growth, falling prices, rent or buy, and when to switch (issue 7, notebook 07).

The decision between a closed API, a managed open endpoint and own GPUs is not made once: volume grows,
per-token prices fall, GPU prices move. This module lays a monthly horizon over the cost model
(`option_costs`, re-evaluated once with an array of length ``horizon.months`` for every input that moves) and
adds what a single month cannot show:

- six ways to serve: ``api``, ``managed``, and self-hosting on on-demand GPUs, on 1- or 3-year commitments
  (paid every month of the term whether used or not), or on bought GPUs (purchase, straight-line depreciation
  to a resale value, power and hosting);
- one-off costs of moving between them (engineering weeks, evaluation, parallel running);
- the cheapest path over the horizon and the month of each switch, by dynamic programming over segments
  (exact for this model: it equals brute-force enumeration of every monthly assignment), against staying put.

Timing convention: payment dates are months ``j = 0 .. T``. The running cost of month ``t`` (0-based) is paid
at its end, ``j = t + 1``; purchases, switching costs and the resale of GPUs at the start of a month,
``j = t``. A flow at ``j`` is discounted by ``(1 + i)^-j`` with ``i = (1 + r)^(1/12) - 1`` the monthly rate of a
real yearly rate ``r``. At the horizon ``T`` bought GPUs are credited at their book value (they can be sold),
while commitment months after ``T`` are still paid (a commitment cannot be sold; their present value is put at
date ``T``): a commitment signed late in the horizon carries its whole term.
Prices and volume are known in advance (no uncertainty): commitments and purchases look as good as they can.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import altair as alt
import numpy as np
import pandas as pd

from ._costs import HOURS_PER_MONTH, OPTIONS, option_costs
from ._fleet import fleet_candidates
from ._params import TOKEN_PRICE_KEYS
from ._pipeline import _routed_split
from ._style import PALETTE, USD_AXIS, color_scale, finish, marked_rules
from ._views import HTML, Markdown, html_table, pct, usd, usd_column

__all__ = [
    "TIMELINE_OPTIONS",
    "HOURS_PER_WEEK",
    "growth_factor",
    "price_index",
    "monthly_discount_rate",
    "annuity_factor",
    "discount_factors",
    "annuity_pv_usd",
    "commitment_term_usd",
    "best_commitment_gpus",
    "book_value_usd",
    "Timeline",
    "SwitchPath",
    "timeline_from_scenario",
    "segment_cash_flows",
    "segment_pv_matrix",
    "switch_costs_pv",
    "cheapest_path",
    "best_path",
    "path_cash_flows",
    "timeline_strategies",
    "timeline_inputs",
    "timeline_cumulative",
    "timeline_monthly",
    "timeline_npv_table",
    "timeline_npv_view",
    "switch_sensitivity",
    "timeline_cumulative_chart",
    "timeline_path_chart",
    "switch_sensitivity_chart",
    "timeline_summary",
]

TIMELINE_OPTIONS = {
    "api": OPTIONS["api"],
    "managed": OPTIONS["managed"],
    "selfhost_ondemand": "self-hosted, on-demand GPUs",
    "selfhost_1y": "self-hosted, 1-year commitment",
    "selfhost_3y": "self-hosted, 3-year commitment",
    "selfhost_buy": "self-hosted, bought GPUs",
    "routed": "routed split",
}
"""Ways to serve over time (keys) and their display names; ``routed`` is the decision's routed split (its
destinations held, its router re-tuned to the quality floor every month, `econ.plan_costs`)."""
HOURS_PER_WEEK = 40.0
"""Hours in an engineer-week [h]."""
COMMITMENTS = {"selfhost_1y": (12, "horizon.commitment_discount_1y"), "selfhost_3y": (36, "horizon.commitment_discount_3y")}
GROWTH_KINDS = ("compound", "s_curve")


def _family(option: str) -> str:
    return "selfhost" if option.startswith("selfhost") else option


def _families(tl, option: str | None) -> set[str]:
    """The families (api, managed, selfhost) an option runs on: a routed split runs on each of its destinations."""
    if option is None:
        return set()
    return set(tl.routed_shares) if option == "routed" else {_family(option)}


# ------------------------------------------------------------------------------------------ pure formulas


def growth_factor(month, growth_per_month, kind="compound", ceiling_multiple=np.inf):
    """Volume in a month relative to month 0 [× month-0 volume].

    Parameters
    ----------
    month : array_like
        Months from now [months], 0 = the first month.
    growth_per_month : array_like
        Growth rate [fraction per month], e.g. 0.03.
    kind : {"compound", "s_curve"}
        Compound growth, or a logistic S-curve that levels off at ``ceiling_multiple``.
    ceiling_multiple : array_like
        Level of the S-curve [× month-0 volume], above 1; ignored for compound growth.

    Returns
    -------
    ndarray
        ``(1 + g)^t`` (compound) or ``C / (1 + (C - 1) e^(-k t))`` with ``k = ln(1 + g)`` (s_curve: 1 at t = 0,
        growing at first at about ``g`` a month, then levelling off at ``C``).

    Examples
    --------
    >>> [round(float(x), 4) for x in growth_factor([0, 12, 24], 0.03)]
    [1.0, 1.4258, 2.0328]
    >>> [round(float(x), 3) for x in growth_factor([0, 12, 120], 0.1, "s_curve", 5)]
    [1.0, 2.198, 5.0]
    """
    t, g = np.asarray(month, float), np.asarray(growth_per_month, float)
    if kind not in GROWTH_KINDS:
        raise ValueError(f"kind {kind!r} is not allowed; expected one of {', '.join(GROWTH_KINDS)}")
    if np.any(g <= -1):
        raise ValueError(f"growth_per_month {growth_per_month!r} is not allowed; expected a number above -1")
    if kind == "compound":
        return (1 + g) ** t
    c = np.asarray(ceiling_multiple, float)
    if np.any(c <= 1):
        raise ValueError(f"ceiling_multiple {ceiling_multiple!r} is not allowed; expected a number above 1")
    return c / (1 + (c - 1) * np.exp(-np.log1p(g) * t))


def price_index(month, change_per_year):
    """Price in a month relative to month 0, changing at a constant yearly rate [× month-0 price].

    Parameters
    ----------
    month : array_like
        Months from now [months].
    change_per_year : array_like
        Yearly change [fraction per year]: -0.3 for a 30 % yearly decline, 0.1 for a 10 % rise; above -1.

    Returns
    -------
    ndarray
        ``(1 + c)^(t / 12)``.

    Examples
    --------
    An order of magnitude in two years is a 68 % yearly decline:

    >>> round(float(price_index(24, -(1 - 0.1 ** 0.5))), 4)
    0.1
    """
    c = np.asarray(change_per_year, float)
    if np.any(c <= -1):
        raise ValueError(f"change_per_year {change_per_year!r} is not allowed; expected a number above -1")
    return (1 + c) ** (np.asarray(month, float) / 12.0)


def monthly_discount_rate(discount_rate_per_year):
    """Monthly rate equivalent to an annual discount rate [fraction/month]: ``(1 + a)^(1/12) - 1``.

    Examples
    --------
    >>> round(float(monthly_discount_rate(0.10)), 6)
    0.007974
    """
    return np.power(1 + np.asarray(discount_rate_per_year, float), 1 / 12) - 1


def annuity_factor(months, monthly_rate):
    """Present value of 1 USD paid at the end of each of ``months`` months [USD per USD/month].

    Returns
    -------
    ndarray
        ``(1 - (1+i)^-n) / i``, and ``n`` when ``i = 0``.

    Examples
    --------
    >>> round(float(annuity_factor(24, 0.01)), 4), float(annuity_factor(24, 0.0))
    (21.2434, 24.0)
    """
    n, i = np.asarray(months, float), np.asarray(monthly_rate, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(i == 0, n, -np.expm1(-n * np.log1p(i)) / np.where(i == 0, 1.0, i))


def discount_factors(horizon_months, discount_rate_per_year):
    """Discount factors of the payment dates ``j = 0 .. T`` [fraction].

    Parameters
    ----------
    horizon_months : int
        Horizon ``T`` [months].
    discount_rate_per_year : float
        Real yearly discount rate ``r`` [fraction per year].

    Returns
    -------
    ndarray
        ``(1 + i)^-j`` for ``j = 0 .. T`` with ``i = (1 + r)^(1/12) - 1``; ``T + 1`` values.

    Examples
    --------
    >>> [round(float(x), 4) for x in discount_factors(24, 0.07)[[0, 12, 24]]]
    [1.0, 0.9346, 0.8734]
    """
    if discount_rate_per_year <= -1:
        raise ValueError(f"discount_rate_per_year {discount_rate_per_year!r} is not allowed; expected a number above -1")
    return (1 + monthly_discount_rate(discount_rate_per_year)) ** -np.arange(int(horizon_months) + 1, dtype=float)


def annuity_pv_usd(monthly_usd, months, discount_rate_per_year):
    """Present value of a constant monthly payment made at the end of each month (closed form) [USD].

    Parameters
    ----------
    monthly_usd : array_like
        Payment [USD/month].
    months : array_like
        Number of payments [months].
    discount_rate_per_year : array_like
        Real yearly discount rate [fraction per year].

    Returns
    -------
    ndarray
        ``m (1 - (1 + i)^-n) / i`` with ``i = (1 + r)^(1/12) - 1``; ``m n`` when ``r = 0``.

    Examples
    --------
    >>> round(float(annuity_pv_usd(1_000, 36, 0.07)), 2), float(annuity_pv_usd(1_000, 36, 0.0))
    (32489.81, 36000.0)
    """
    return np.asarray(monthly_usd, float) * annuity_factor(months, monthly_discount_rate(discount_rate_per_year))


def commitment_term_usd(gpus_needed, committed_gpus, ondemand_usd_per_gpu_month, commitment_discount, used_months=None):
    """Monthly payments over one commitment term: the commitment every month, on-demand GPUs on top while in use [USD/month].

    Parameters
    ----------
    gpus_needed : array_like
        GPUs the workload needs in each month of the term [GPUs]; its length is the term [months].
    committed_gpus : int
        GPUs committed for the whole term [GPUs].
    ondemand_usd_per_gpu_month : array_like
        On-demand price in each month of the term [USD/GPU-month]; the committed price is fixed when the term
        is signed, at ``(1 - commitment_discount)`` × the first month's on-demand price.
    commitment_discount : float
        Discount of the commitment off on-demand [fraction, 0-1).
    used_months : int, optional
        Months of the term in which the option serves the workload (default: all). The commitment is paid for
        every month of the term whether used or not; on-demand GPUs above it only while in use.

    Returns
    -------
    ndarray
        ``k (1 - d) p_0 + max(0, g_t - k) p_t [t < used_months]`` for every month ``t`` of the term.

    Examples
    --------
    Commit 2 GPUs at 30 % off 1,000 USD/GPU-month, need 1, 2 then 3 GPUs, leave after two months: 1,400 USD
    every month, plus one on-demand GPU in month 3 had the option still been in use:

    >>> commitment_term_usd([1, 2, 3], 2, 1_000.0, 0.3, used_months=2).tolist()
    [1400.0, 1400.0, 1400.0]
    >>> commitment_term_usd([1, 2, 3], 2, 1_000.0, 0.3).tolist()
    [1400.0, 1400.0, 2400.0]
    """
    g = np.asarray(gpus_needed, float)
    p = np.broadcast_to(np.asarray(ondemand_usd_per_gpu_month, float), g.shape)
    if not 0 <= commitment_discount < 1:
        raise ValueError(f"commitment_discount {commitment_discount!r} is not allowed; expected a fraction in [0, 1)")
    if committed_gpus < 0:
        raise ValueError(f"committed_gpus {committed_gpus!r} is not allowed; expected a count of 0 or more")
    used = np.arange(g.size) < (g.size if used_months is None else used_months)
    return committed_gpus * (1 - commitment_discount) * p[0] + np.maximum(g - committed_gpus, 0) * p * used


def best_commitment_gpus(gpus_needed, ondemand_usd_per_gpu_month, commitment_discount, weights=None, used_months=None):
    """GPUs to commit for one term so that commitment plus on-demand top-up costs least [GPUs].

    Parameters
    ----------
    gpus_needed, ondemand_usd_per_gpu_month, commitment_discount, used_months
        As in `commitment_term_usd`.
    weights : array_like, optional
        Discount factor of each month's payment [fraction] (default: 1).

    Returns
    -------
    int
        The committed count ``k`` in ``0 .. max(gpus_needed)`` minimizing the (discounted) payments of the term;
        the smallest such ``k`` on ties.

    Examples
    --------
    Need 1, 1, 1, 4 GPUs at 30 % off: a 2nd GPU committed costs 4 × 0.7 = 2.8 GPU-months, on demand it
    would cost 1; the 1st costs 2.8 against 4 on demand. So commit 1:

    >>> best_commitment_gpus([1, 1, 1, 4], 1_000.0, 0.3)
    1
    """
    g = np.asarray(gpus_needed, float)
    top = int(np.max(g, initial=0))
    # the payments are convex and piecewise linear in k, with kinks at the needs g_t: the smallest minimizer
    # is 0, top or a whole number next to a need, so only those are priced (not every k up to a large fleet's size)
    ks = np.unique(np.clip(np.concatenate([[0, top], np.floor(g), np.ceil(g)]), 0, top)).astype(int)
    w = np.ones_like(g) if weights is None else np.asarray(weights, float)
    p = np.broadcast_to(np.asarray(ondemand_usd_per_gpu_month, float), g.shape)
    used = np.arange(g.size) < (g.size if used_months is None else used_months)
    pv = ks * (1 - commitment_discount) * p[0] * w.sum() + (np.maximum(g - ks[:, None], 0) * p * w * used).sum(1)
    return int(ks[np.argmin(pv)])


def book_value_usd(purchase_usd, age_months, life_months, resale_share):
    """Value of a bought GPU after straight-line depreciation to its resale value [USD].

    Parameters
    ----------
    purchase_usd : array_like
        Price paid [USD].
    age_months : array_like
        Months since purchase [months].
    life_months : array_like
        Depreciation life [months] (``selfhost.amortization_years`` × 12).
    resale_share : array_like
        Value at the end of the life as a share of the price paid [fraction, 0-1]; the GPU keeps it after.

    Returns
    -------
    ndarray
        ``P (1 - (1 - s) min(a / L, 1))``; the kit sells at this value when it leaves bought GPUs.

    Examples
    --------
    A 35,000 USD GPU after 36 of 48 months, 20 % resale at the end: ``35,000 × (1 - 0.8 × 0.75)``.

    >>> round(float(book_value_usd(35_000, 36, 48, 0.2)), 2)
    14000.0
    """
    frac = np.clip(np.asarray(age_months, float) / np.asarray(life_months, float), 0, 1)
    return np.asarray(purchase_usd, float) * (1 - (1 - np.asarray(resale_share, float)) * frac)


# ------------------------------------------------------------------------------------------ the timeline


@dataclass(frozen=True, eq=False)
class Timeline:
    """Monthly inputs of the path problem for one scenario: arrays of length ``months`` (month 0 first).

    Built by `timeline_from_scenario`; the cost of every way to serve, in every month, comes from the cost
    model evaluated once over the horizon. ``routed_shares``: the decision's routed split today (option family →
    share of requests; empty without one); ``decision_recommended``: the key of the decision's recommended plan
    (``api``, ``managed``, ``selfhost`` or ``routed``); ``decision_pv_usd``: each plan's present cost over the
    horizon at today's volume and prices, as the decision page states it [USD].
    """

    name: str
    title: str
    months: int
    options: tuple[str, ...]
    start: str | None
    discount_rate_per_year: float
    requests_per_day: np.ndarray
    gpus: np.ndarray
    per_token_usd: dict[str, np.ndarray]
    selfhost_ops_usd: np.ndarray
    ondemand_usd_per_gpu_month: np.ndarray
    purchase_usd_per_gpu: np.ndarray
    power_usd_per_gpu_month: np.ndarray
    hosting_usd_per_gpu_month: float
    commitment_discount: dict[str, float]
    life_months: float
    resale_share: float
    labour_usd_per_week: float
    switch_weeks: dict[str, float]
    contract_weeks: float
    evaluation_weeks: float
    parallel_run_months: float
    inputs: dict = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    routed_shares: dict[str, float] = field(default_factory=dict)
    decision_recommended: str = ""
    decision_pv_usd: dict[str, float] = field(default_factory=dict)

    @property
    def df(self) -> np.ndarray:
        """Discount factors of payment dates ``0 .. months``."""
        return discount_factors(self.months, self.discount_rate_per_year)


@dataclass(frozen=True)
class SwitchPath:
    """A path: consecutive segments ``(option, first month, end month)`` covering the horizon, and its cost."""

    segments: tuple[tuple[str, int, int], ...]
    pv_usd: float
    start: str | None

    @property
    def switches(self) -> list[tuple[int, str | None, str]]:
        """``(month, from, to)`` of every switch, including one at month 0 away from the start option."""
        out, prev = [], self.start
        for option, s, _ in self.segments:
            if option != prev:
                out.append((s, prev, option))
            prev = option
        return out

    def text(self) -> str:
        """The path in words: ``closed API → managed open endpoint (month 0) → ...``."""
        if not self.switches:
            return f"{TIMELINE_OPTIONS[self.segments[0][0]]} throughout (no switch)"
        parts = [TIMELINE_OPTIONS[self.start]] if self.start else []
        parts += [f"{TIMELINE_OPTIONS[to]} (month {s})" for s, _, to in self.switches]
        return " → ".join(parts)


def _horizon_values(values, months):
    """Scenario values with every moving input replaced by an array over the horizon."""
    t = np.arange(months)
    v = dict(values)
    v["workload.requests_per_day"] = values["workload.requests_per_day"] * growth_factor(
        t, values["horizon.growth_per_month"], values["horizon.growth_kind"], values["horizon.growth_ceiling_multiple"])
    for section in ("api", "managed"):
        idx = price_index(t, -values[f"horizon.{section}_price_decline_per_year"])
        for key in TOKEN_PRICE_KEYS:
            v[f"{section}.{key}"] = values[f"{section}.{key}"] * idx
    gpu_idx = price_index(t, values["horizon.gpu_price_change_per_year"])
    for stated, factor in (("selfhost.rent_usd_per_gpu_hour", "selfhost.rent_price_factor"),
                           ("selfhost.purchase_usd_per_gpu", "selfhost.purchase_price_factor")):
        key = stated if values[stated] is not None else factor  # a stated price, or the catalog's × its factor
        v[key] = values[key] * gpu_idx
    v["selfhost.commitment_discount"] = 0.0  # on-demand; commitments are priced here from horizon.*
    return v, gpu_idx


def _purchase_usd_per_gpu(v, fleet) -> np.ndarray:
    """Purchase price of one GPU of the rented fleet's type, month by month [USD/GPU] (NaN: no price known)."""
    if v["selfhost.purchase_usd_per_gpu"] is not None:
        return np.asarray(v["selfhost.purchase_usd_per_gpu"], float)
    cand = fleet_candidates(v)
    catalog = cand.purchase_usd_per_gpu[np.asarray(fleet["candidate"], int)]
    return catalog * np.asarray(v["selfhost.purchase_price_factor"], float)


def timeline_from_scenario(scenario, decision=None) -> Timeline:
    """The monthly inputs of the path problem for a scenario (the bridge from `load_scenario`).

    Parameters
    ----------
    scenario : Scenario
        A scenario with a ``horizon`` section (``params/_defaults.yaml``).
    decision : Decision, optional
        The scenario's decision (`econ.decision`): its recommended plan and present costs are what the page's
        conclusion compares with. Computed by the pipeline's own functions when not given (the same figures).

    Returns
    -------
    Timeline
        Volume, GPUs needed, per-token monthly costs, self-hosting running costs and GPU prices month by month,
        from two calls of `option_costs` with arrays of length ``horizon.months`` (GPUs rented, GPUs bought), the
        options eligible as in the decision (permitted and meeting the quality floor, `econ.plan_costs`), the
        decision's routed split priced month by month with the same growth and price paths, and notes on what is
        left out and why.

    Raises
    ------
    ValueError
        When the scenario permits no option at all.

    Examples
    --------
    >>> from econ import load_scenario, PARAMS_DIR
    >>> tl = timeline_from_scenario(load_scenario(PARAMS_DIR / "regulated_on_prem.yaml"))
    >>> tl.options, tl.start
    (('managed', 'selfhost_buy'), None)
    >>> tl = timeline_from_scenario(load_scenario(PARAMS_DIR / "enterprise_steady.yaml"))
    >>> tl.options, tl.decision_recommended
    (('api', 'routed'), 'routed')
    """
    routed, _ = _routed_split(scenario)
    return _timeline(scenario, routed, decision)


_DECISION_BASIS = {"selfhost": lambda v: "selfhost_buy" if v["selfhost.gpu_cost_mode"] == "buy" else
                    "selfhost_ondemand" if float(v["selfhost.commitment_discount"]) == 0 else "selfhost"}
"""The timeline option the decision's self-hosted plan is priced as (its price basis; a commitment of the scenario's
own discount has no timeline twin, whose commitments are priced from ``horizon.*``)."""


def _timeline(scenario, routed, decision=None) -> Timeline:
    """`timeline_from_scenario` with the decision's routed split given (held across a sensitivity grid)."""
    from ._pipeline import PLAN_NAMES, plan_costs, plan_results

    values = scenario.values
    months = int(values["horizon.months"])
    v, gpu_idx = _horizon_values(values, months)
    rent_values = scenario.replace({**v, "selfhost.gpu_cost_mode": "rent"}).values
    plans = plan_costs(rent_values, routed)
    sh = plans["selfhost"]
    purchase = np.broadcast_to(_purchase_usd_per_gpu(v, sh), (months,)).astype(float)
    buyable = bool(np.all(np.isfinite(purchase)))
    buy = option_costs(scenario.replace({**v, "selfhost.gpu_cost_mode": "buy",
                                         "selfhost.purchase_usd_per_gpu": np.where(buyable, purchase, 0.0)}).values)
    gpus = np.broadcast_to(sh["gpus"], (months,)).astype(float)
    ops = sum(sh[c] for c in ("engineering_usd", "evaluation_usd", "upgrade_usd", "egress_storage_usd", "compliance_usd"))
    # today's plans, as the decision prices them (flat volume and prices): eligibility, recommendation, present costs
    if decision is not None:
        results, recommended, floor = decision.options, decision.recommended, decision.quality_floor
    else:  # a grid of horizon inputs (`switch_sensitivity`): the pipeline's ranking, without its Monte Carlo
        results, eligible, q = plan_results(values, routed)
        recommended, floor = (eligible[0].key if eligible else ""), float(q["floor"])
    notes, options = [], []
    below = lambda key: bool(values[f"{key}.permitted"]) and not results[key].meets_floor  # noqa: E731
    for key in ("api", "managed"):
        if not values[f"{key}.permitted"]:
            notes.append(f"The {OPTIONS[key]} is not permitted for this workload: no path uses it.")
        elif below(key):
            notes.append(f"The {OPTIONS[key]} is left out, as on the decision page: its quality, "
                         f"{results[key].quality:.1%} acceptable answers, is below the floor of {floor:.1%}.")
        else:
            options.append(key)
    if not values["selfhost.permitted"]:
        notes.append("Self-hosting is not permitted for this workload.")
    elif below("selfhost"):
        notes.append(f"Self-hosting is left out, as on the decision page: the open model's quality, "
                     f"{results['selfhost'].quality:.1%} acceptable answers, is below the floor of {floor:.1%}.")
    else:
        if values["horizon.selfhost_rent_permitted"]:
            options += ["selfhost_ondemand", "selfhost_1y", "selfhost_3y"]
        else:
            notes.append("Renting GPUs is not permitted for this workload: self-hosting means bought GPUs.")
        if buyable:
            options.append("selfhost_buy")
        else:
            notes.append(f"Buying is left out: no purchase price is known for the fleet's GPU "
                         f"({fleet_candidates(v).gpu[int(np.ravel(sh['candidate'])[0])]}; state "
                         "selfhost.purchase_usd_per_gpu to include it).")
    per_token = {k: np.broadcast_to(plans[k]["monthly_usd"], (months,)).astype(float) for k in ("api", "managed")}
    routed_shares = {}
    if routed is not None:
        r = plans["routed"]
        ok = np.broadcast_to(r["eligible"], (months,))
        if bool(np.all(ok)) and "routed" in results and results["routed"].eligible:
            options.append("routed")
            per_token["routed"] = np.broadcast_to(r["monthly_usd"], (months,)).astype(float)
            routed_shares = dict(routed.shares)
            on = " and ".join(f"the {OPTIONS[k]}" for k in routed_shares)
            gpus_note = " (its self-hosted GPUs on demand)" if "selfhost" in routed_shares else ""
            notes.append(f"The {PLAN_NAMES['routed']} runs on {on}{gpus_note}: every month its router is re-tuned so "
                         "that quality meets the floor, at that month's volume and prices.")
    if not options:
        raise ValueError(f"{scenario.path}: no option is permitted (api, managed and selfhost all have permitted: false)")
    start = values["horizon.start_option"]
    if start == "none":
        start = None
        notes.append("Nothing is in place at the start (horizon.start_option is none): the first option pays its setup.")
    elif start not in options:
        notes.append(f"The start option, {TIMELINE_OPTIONS[start]}, is not eligible here: the team is taken to start "
                     "with nothing in place, and the first option pays its setup (engineering and evaluation).")
        start = None
    per_gpu_power = np.where(gpus > 0, np.broadcast_to(buy["selfhost"]["power_usd"], (months,)) / np.maximum(gpus, 1), 0.0)
    return Timeline(
        name=scenario.name,
        title=scenario.title,
        months=months,
        options=tuple(options),
        start=start,
        discount_rate_per_year=float(values["horizon.discount_rate_per_year"]),
        requests_per_day=np.asarray(v["workload.requests_per_day"], float),
        gpus=gpus,
        per_token_usd=per_token,
        selfhost_ops_usd=np.broadcast_to(ops, (months,)).astype(float),
        ondemand_usd_per_gpu_month=np.broadcast_to(sh["gpu_usd"] / np.maximum(sh["gpus"], 1), (months,)).astype(float),
        purchase_usd_per_gpu=purchase,
        power_usd_per_gpu_month=per_gpu_power,
        hosting_usd_per_gpu_month=float(values["selfhost.hosting_usd_per_gpu_month"]),
        commitment_discount={k: float(values[key]) for k, (_, key) in COMMITMENTS.items()},
        life_months=12.0 * float(values["selfhost.amortization_years"]),
        resale_share=float(values["horizon.resale_share"]),
        labour_usd_per_week=HOURS_PER_WEEK * float(values["engineering.loaded_usd_per_hour"]),
        switch_weeks={f: float(values[f"horizon.switch_weeks_{f}"]) for f in ("api", "managed", "selfhost")},
        contract_weeks=float(values["horizon.switch_weeks_gpu_contract"]),
        evaluation_weeks=float(values["horizon.evaluation_weeks"]),
        parallel_run_months=float(values["horizon.parallel_run_months"]),
        inputs={k.removeprefix("horizon."): values[k] for k in values if k.startswith("horizon.")},
        notes=tuple(notes),
        routed_shares=routed_shares,
        decision_recommended=recommended,
        decision_pv_usd={_DECISION_BASIS.get(k, lambda v: k)(values): float(r.pv_usd) for k, r in results.items()},
    )


# ------------------------------------------------------------------------------------------ segments


def _commit_term(tl: Timeline, option: str, a: int, use_end: int, cache: dict) -> tuple[np.ndarray, float]:
    """Payments (dates 0..T) of the commitment term signed at month ``a``, in use until ``use_end``.

    Also returns the months of the term after the horizon, which are paid too (a commitment cannot be sold),
    as their present value at date T.
    """
    key = (option, a, use_end)
    if key not in cache:
        term, _ = COMMITMENTS[option]
        T = tl.months
        end = min(a + term, T)
        pad = a + term - end
        g = np.concatenate([tl.gpus[a:end], np.zeros(pad)])  # not in use after the horizon
        p = np.concatenate([tl.ondemand_usd_per_gpu_month[a:end], np.full(pad, tl.ondemand_usd_per_gpu_month[end - 1])])
        w = discount_factors(a + term, tl.discount_rate_per_year)[a + 1:]
        d = tl.commitment_discount[option]
        k = best_commitment_gpus(g, p, d, w, use_end - a)
        paid = commitment_term_usd(g, k, p, d, use_end - a)
        flows = np.zeros(T + 1)
        flows[a + 1:end + 1] = paid[: end - a]
        after = paid[end - a:] @ w[end - a:] / w[end - a - 1] if pad else 0.0
        cache[key] = (flows, after)
    return cache[key]


def _segment_flows(tl: Timeline, option: str, s: int, accrual: bool = False, cache: dict | None = None) -> np.ndarray:
    """Undiscounted flows of ``option`` in use from month ``s`` to every end ``e``: array ``[e, date]``.

    ``accrual=True`` spreads purchases over the months as straight-line depreciation instead of paying them
    at once and crediting the resale (same undiscounted total): the monthly cost curves use it.
    """
    T = tl.months
    t = np.arange(T)
    in_use = (t >= s) & (t < np.arange(T + 1)[:, None])  # [e, month]
    flows = np.zeros((T + 1, T + 1))
    if option in ("api", "managed", "routed"):
        flows[:, 1:] = in_use * tl.per_token_usd[option]
    elif option == "selfhost_ondemand":
        flows[:, 1:] = in_use * (tl.selfhost_ops_usd + tl.gpus * tl.ondemand_usd_per_gpu_month)
    elif option == "selfhost_buy":
        owned = np.zeros(T)
        owned[s:] = np.maximum.accumulate(tl.gpus[s:])
        spend = np.diff(owned, prepend=0.0) * tl.purchase_usd_per_gpu  # paid at the start of the month bought
        running = tl.selfhost_ops_usd + tl.power_usd_per_gpu_month * tl.gpus + tl.hosting_usd_per_gpu_month * owned
        age = np.arange(T + 1)[:, None] - t  # [e or date, month bought]
        value = book_value_usd(spend, age, tl.life_months, tl.resale_share)  # value at date of what was bought in month
        if accrual:  # depreciation of month m: book value at its start minus at its end, of what was bought by then
            bought_by = age[:-1] >= 0  # [month, month bought]
            running = running + ((value[:-1] - value[1:]) * bought_by).sum(1)
            flows[:, 1:] = in_use * running
        else:
            flows[:, 1:] = in_use * running
            flows[:, :T] += in_use * spend
            flows[np.arange(T + 1), np.arange(T + 1)] -= (in_use * value).sum(1)  # sold (or valued) at e
    elif option in COMMITMENTS:
        cache = {} if cache is None else cache
        term, _ = COMMITMENTS[option]
        flows[:, 1:] = in_use * tl.selfhost_ops_usd
        for e in range(s + 1, T + 1):
            for a in range(s, e, term):
                paid, after = _commit_term(tl, option, a, min(a + term, e), cache)
                flows[e] += paid
                flows[e, T] += 0.0 if accrual else after  # the monthly curves show months inside the horizon
    else:
        raise ValueError(f"option {option!r} is not allowed; expected one of {', '.join(TIMELINE_OPTIONS)}")
    flows[: s + 1] = 0.0  # a segment ends after it starts
    return flows


def segment_cash_flows(tl: Timeline, option: str, start_month: int, end_month: int, accrual: bool = False) -> np.ndarray:
    """Undiscounted cash flows of using one option from ``start_month`` up to (not including) ``end_month`` [USD].

    Parameters
    ----------
    tl : Timeline
        From `timeline_from_scenario`.
    option : str
        A key of `TIMELINE_OPTIONS`.
    start_month, end_month : int
        First month in use and the month the option is left (``0 <= start < end <= months``).
    accrual : bool
        Bought GPUs as straight-line depreciation per month instead of purchase and resale, and commitment
        months after the horizon left out: the monthly view of the charts.

    Returns
    -------
    ndarray
        Flows at payment dates ``0 .. months`` (running cost of month t at t + 1; purchases at the start of
        the month; resale at ``end_month``; commitment payments to the end of their term, used or not).
    """
    if not 0 <= start_month < end_month <= tl.months:
        raise ValueError(f"start_month {start_month!r} and end_month {end_month!r} are not allowed; "
                         f"expected 0 <= start_month < end_month <= {tl.months}")
    return _segment_flows(tl, option, start_month, accrual)[end_month]


def segment_pv_matrix(tl: Timeline) -> np.ndarray:
    """Present value of every segment: ``[option, start, end]`` for the timeline's permitted options [USD].

    Returns
    -------
    ndarray
        Shape ``(len(tl.options), months + 1, months + 1)``; ``inf`` where ``end <= start``.
    """
    T, df = tl.months, tl.df
    out = np.full((len(tl.options), T + 1, T + 1), np.inf)
    for k, option in enumerate(tl.options):
        cache: dict = {}
        for s in range(T):
            out[k, s, s + 1:] = _segment_flows(tl, option, s, cache=cache)[s + 1:] @ df
    return out


def _switch_usd(tl: Timeline, before: str | None, after: str, month: int) -> float:
    """One-off cost of moving to ``after`` at the start of ``month`` [USD, undiscounted]."""
    if before == after:
        return 0.0
    if before is not None and _family(before) == _family(after):  # another way to pay for GPUs
        return tl.contract_weeks * tl.labour_usd_per_week
    new = _families(tl, after) - _families(tl, before)  # a routed split sets up each destination not yet in use
    setup = (sum(tl.switch_weeks[f] for f in new) + tl.evaluation_weeks) * tl.labour_usd_per_week
    if before is None:
        return setup
    if after in ("api", "managed", "routed"):
        shadow = tl.per_token_usd[after][month]
    elif "selfhost_ondemand" in tl.options:  # self-hosting shadows on on-demand GPUs
        shadow = tl.selfhost_ops_usd[month] + tl.gpus[month] * tl.ondemand_usd_per_gpu_month[month]
    else:  # bought GPUs: running cost plus a month of depreciation
        dep = tl.purchase_usd_per_gpu[month] * (1 - tl.resale_share) / tl.life_months
        shadow = tl.selfhost_ops_usd[month] + tl.gpus[month] * (
            dep + tl.power_usd_per_gpu_month[month] + tl.hosting_usd_per_gpu_month)
    return setup + tl.parallel_run_months * shadow


def switch_costs_pv(tl: Timeline) -> tuple[np.ndarray, np.ndarray]:
    """Present value of the one-off cost of starting on, and switching between, the permitted options [USD].

    Returns
    -------
    initial : ndarray
        ``[option]``: cost of being on it in month 0 coming from ``tl.start`` (0 for the start option itself).
    switch : ndarray
        ``[from, to, month]``, months ``0 .. T``: engineering weeks of each family the new option adds (a routed split: each of
        its destinations not already in use) plus evaluation
        weeks at the labour rate, plus ``parallel_run_months`` of the new option's monthly cost (it serves a copy
        of the traffic before taking over); between ways of paying for self-hosted GPUs, only the contract weeks.
    """
    K, T, df = len(tl.options), tl.months, tl.df
    initial = np.array([_switch_usd(tl, tl.start, o, 0) for o in tl.options])
    switch = np.zeros((K, K, T + 1))
    for (i, a), (j, b) in itertools.product(enumerate(tl.options), repeat=2):
        switch[i, j, :T] = [_switch_usd(tl, a, b, m) * df[m] for m in range(T)]
    return initial, switch


def cheapest_path(segment_pv, initial_pv, switch_pv) -> tuple[float, list[tuple[int, int, int]]]:
    """Cheapest sequence of segments covering months ``0 .. T``, by dynamic programming (exact).

    Parameters
    ----------
    segment_pv : array_like
        ``[option, start, end]`` cost of using an option from month ``start`` to ``end`` [USD]; ``inf`` forbids.
    initial_pv : array_like
        ``[option]`` cost of being on it in month 0 [USD].
    switch_pv : array_like
        ``[from, to, month]`` cost of switching at the start of a month [USD].

    Returns
    -------
    (float, list)
        Total cost and the segments ``(option index, start, end)``. Consecutive segments use different options;
        among paths of equal cost, a later switch (fewer months after it) is kept only if strictly cheaper.

    Notes
    -----
    ``V[e, j] = min( initial[j] + C[j, 0, e],  min_{0<s<e, i≠j} V[s, i] + S[i, j, s] + C[j, s, e] )`` is the cheapest
    cost of months ``0 .. e-1`` ending on option ``j``; the answer is ``min_j V[T, j]``. Every path (a choice of
    option in each month) is a sequence of maximal runs, so this covers all of them: ``O(T² K²)``.

    Examples
    --------
    Two options over two months: option 0 costs 5 a month, option 1 costs 1 a month but 6 to move to.
    Staying on 0: 10; moving at month 0: 6 + 2 = 8; at month 1: 5 + 6 + 1 = 12.

    >>> C = np.full((2, 3, 3), np.inf)
    >>> for k, m in ((0, 5.0), (1, 1.0)):
    ...     for s in range(2):
    ...         for e in range(s + 1, 3):
    ...             C[k, s, e] = m * (e - s)
    >>> S = np.full((2, 2, 3), 6.0)
    >>> cheapest_path(C, [0.0, 6.0], S)
    (8.0, [(1, 0, 2)])
    """
    C, init, S = np.asarray(segment_pv, float), np.asarray(initial_pv, float), np.asarray(switch_pv, float)
    K, T = C.shape[0], C.shape[1] - 1
    V = np.full((T + 1, K), np.inf)
    back = np.zeros((T + 1, K, 2), dtype=int)  # (start, previous option); start 0 means first segment
    for e in range(1, T + 1):
        for j in range(K):
            best, arg = init[j] + C[j, 0, e], (0, -1)
            if e > 1:
                prev = V[1:e, :] + S[:, j, 1:e].T  # [s - 1, i]
                prev[:, j] = np.inf
                i = np.argmin(prev, axis=1)
                cost = prev[np.arange(e - 1), i] + C[j, 1:e, e]
                s = int(np.argmin(cost))
                if cost[s] < best:
                    best, arg = cost[s], (s + 1, int(i[s]))
            V[e, j], back[e, j] = best, arg
    j, e = int(np.argmin(V[T])), T
    total, segments = float(V[T, j]), []
    while e > 0:
        s, i = back[e, j]
        segments.append((j, int(s), e))
        e, j = int(s), int(i)
    return total, segments[::-1]


def best_path(tl: Timeline) -> SwitchPath:
    """The cheapest path over the horizon for a timeline, with the month of each switch (exact DP)."""
    initial, switch = switch_costs_pv(tl)
    total, segments = cheapest_path(segment_pv_matrix(tl), initial, switch)
    return SwitchPath(tuple((tl.options[k], s, e) for k, s, e in segments), total, tl.start)


def path_cash_flows(tl: Timeline, path: SwitchPath, accrual: bool = False) -> dict[str, np.ndarray]:
    """Undiscounted flows of a path at payment dates ``0 .. months``: ``{"running": ..., "switching": ...}`` [USD]."""
    running, switching = np.zeros(tl.months + 1), np.zeros(tl.months + 1)
    for s, before, after in path.switches:
        switching[s] += _switch_usd(tl, before, after, s)
    for option, s, e in path.segments:
        running += segment_cash_flows(tl, option, s, e, accrual)
    return {"running": running, "switching": switching}


def _path_pv(tl: Timeline, path: SwitchPath) -> float:
    f = path_cash_flows(tl, path)
    return float((f["running"] + f["switching"]) @ tl.df)


def timeline_strategies(tl: Timeline, best: SwitchPath | None = None) -> dict[str, SwitchPath]:
    """The best path and every permitted option adopted at month 0 and kept, by display label."""
    best = best_path(tl) if best is None else best
    out = {"best path": best}
    for option in tl.options:
        label = f"stay put: {TIMELINE_OPTIONS[option]}" if option == tl.start else f"{TIMELINE_OPTIONS[option]} from month 0"
        p = SwitchPath(((option, 0, tl.months),), 0.0, tl.start)
        out[label] = SwitchPath(p.segments, _path_pv(tl, p), tl.start)
    return out


# ------------------------------------------------------------------------------------------ tables


def timeline_inputs(tl: Timeline, every_months: int = 6) -> HTML:
    """What moves over the horizon, every few months (HTML): volume, GPUs needed, per-token and GPU prices."""
    idx = list(range(0, tl.months, every_months)) + ([tl.months - 1] if (tl.months - 1) % every_months else [])
    cols = {f"{OPTIONS['api']} (USD a month)": usd_column([tl.per_token_usd["api"][m] for m in idx]),
            f"{OPTIONS['managed']} (USD a month)": usd_column([tl.per_token_usd["managed"][m] for m in idx]),
            **({f"{TIMELINE_OPTIONS['routed']} (USD a month)": usd_column([tl.per_token_usd["routed"][m] for m in idx])}
               if "routed" in tl.options else {}),
            "GPU on demand (USD an hour)": usd_column([tl.ondemand_usd_per_gpu_month[m] / HOURS_PER_MONTH for m in idx]),
            "GPU bought (USD each)": usd_column([tl.purchase_usd_per_gpu[m] for m in idx])}
    rows = [{"month": str(m), "requests a day": f"{tl.requests_per_day[m]:,.0f}", "GPUs needed": f"{tl.gpus[m]:.0f}",
             **{k: v[i] for k, v in cols.items()}} for i, m in enumerate(idx)]
    return html_table(rows, "econ-table timeline", tuple(rows[0]))


def timeline_cumulative(tl: Timeline, strategies: dict[str, SwitchPath] | None = None) -> pd.DataFrame:
    """Cumulative cost of each strategy by payment date, long form.

    Returns
    -------
    DataFrame
        ``strategy``, ``month`` (payment date 0 .. months), ``cumulative_pv_usd`` (discounted; its last value is
        the strategy's present value), ``cumulative_usd`` (undiscounted), ``path`` (the strategy in words).
    """
    strategies = timeline_strategies(tl) if strategies is None else strategies
    frames = []
    for label, p in strategies.items():
        f = path_cash_flows(tl, p)
        flows = f["running"] + f["switching"]
        frames.append(pd.DataFrame({"strategy": label, "month": np.arange(tl.months + 1),
                                    "cumulative_pv_usd": np.cumsum(flows * tl.df), "cumulative_usd": np.cumsum(flows),
                                    "path": p.text()}))
    return pd.concat(frames, ignore_index=True)


def timeline_monthly(tl: Timeline, best: SwitchPath | None = None) -> pd.DataFrame:
    """Monthly running cost of each permitted option (adopted at month 0) and of the best path, long form.

    Bought GPUs appear as straight-line depreciation (the cumulative and NPV figures use the cash: purchase,
    then resale). Commitment payments continue after the path leaves a commitment early.

    Returns
    -------
    DataFrame
        ``series`` (option name or ``"best path"``), ``month`` (0 .. months - 1), ``monthly_usd`` (undiscounted),
        ``option`` (the option in use; for the best path, the one it is on).
    """
    best = best_path(tl) if best is None else best
    months = np.arange(tl.months)
    frames = [pd.DataFrame({"series": TIMELINE_OPTIONS[o], "month": months, "option": TIMELINE_OPTIONS[o],
                            "monthly_usd": segment_cash_flows(tl, o, 0, tl.months, accrual=True)[1:]})
              for o in tl.options]
    on = np.empty(tl.months, dtype=object)
    for o, s, e in best.segments:
        on[s:e] = TIMELINE_OPTIONS[o]
    frames.append(pd.DataFrame({"series": "best path", "month": months, "option": on,
                                "monthly_usd": path_cash_flows(tl, best, accrual=True)["running"][1:]}))
    return pd.concat(frames, ignore_index=True)


def timeline_npv_table(tl: Timeline, strategies: dict[str, SwitchPath] | None = None) -> pd.DataFrame:
    """Present value of each strategy's costs over the horizon, and how it compares.

    Returns
    -------
    DataFrame
        One row per strategy: ``strategy``, ``path``, ``switches``, ``pv_usd`` (present value of costs),
        ``undiscounted_usd``, ``switching_usd`` (one-off costs, undiscounted), ``above_best_usd`` (present value
        above the best path), ``saving_vs_stay_usd`` (present value saved against staying put, NaN when the start
        option is not permitted), sorted by ``pv_usd``.
    """
    strategies = timeline_strategies(tl) if strategies is None else strategies
    stay = next((p for k, p in strategies.items() if k.startswith("stay put")), None)
    rows = []
    for label, p in strategies.items():
        f = path_cash_flows(tl, p)
        pv = float((f["running"] + f["switching"]) @ tl.df)
        rows.append({"strategy": label, "path": p.text(), "switches": len(p.switches), "pv_usd": pv,
                     "undiscounted_usd": float(f["running"].sum() + f["switching"].sum()),
                     "switching_usd": float(f["switching"].sum()),
                     "above_best_usd": pv - strategies["best path"].pv_usd,
                     "saving_vs_stay_usd": stay.pv_usd - pv if stay is not None else np.nan})
    table = pd.DataFrame(rows).sort_values(["pv_usd", "switches"], kind="stable").reset_index(drop=True)
    table.attrs.update(months=tl.months, discount_rate_per_year=tl.discount_rate_per_year)
    return table


def timeline_npv_view(table: pd.DataFrame) -> HTML:
    """`timeline_npv_table` formatted for reading (HTML, dollars; rounding noise below half a cent shown as $0)."""
    months = table.attrs.get("months", "")
    clean = lambda c: usd_column(table[c].where(table[c].abs() >= 0.005, 0.0))  # noqa: E731
    cols = {f"present value of costs over {months} months (USD)": clean("pv_usd"),
            "undiscounted (USD)": clean("undiscounted_usd"), "one-off switching (USD)": clean("switching_usd"),
            "above the best path (USD)": clean("above_best_usd")}
    if table["saving_vs_stay_usd"].notna().any():
        cols["saving against staying put (USD)"] = clean("saving_vs_stay_usd")
    rows = [{"strategy": r["strategy"], "path": r["path"], **{k: v[i] for k, v in cols.items()}}
            for i, r in enumerate(table.to_dict("records"))]
    return html_table(rows, "econ-table npv", tuple(cols))


# ------------------------------------------------------------------------------------------ sensitivity


def switch_sensitivity(scenario, growth_per_month=(0.0, 0.02, 0.04, 0.06, 0.08, 0.10),
                       price_decline_per_year=(0.0, 0.15, 0.30, 0.45, 0.60)) -> pd.DataFrame:
    """Best path as the growth rate and the yearly decline of per-token prices vary, the rest held.

    Parameters
    ----------
    scenario : Scenario
        The scenario to vary.
    growth_per_month : sequence of float
        Volume growth rates [fraction per month].
    price_decline_per_year : sequence of float
        Yearly decline of per-token prices [fraction per year], applied to the closed API and the managed
        endpoint alike.

    Returns
    -------
    DataFrame
        One row per pair: ``growth_per_month``, ``price_decline_per_year``, ``first_switch_month`` and
        ``last_switch_month`` (NaN when the path never switches), ``switch_months`` (text), ``final_option``,
        ``path``, ``pv_usd``.
    """
    rows = []
    routed, _ = _routed_split(scenario)  # today's split: growth and price paths move its cost, not its destinations
    for g, d in itertools.product(growth_per_month, price_decline_per_year):
        sc = scenario.replace({"horizon.growth_per_month": float(g), "horizon.api_price_decline_per_year": float(d),
                               "horizon.managed_price_decline_per_year": float(d)})
        tl = _timeline(sc, routed)
        p = best_path(tl)
        months = [s for s, _, _ in p.switches]
        rows.append({"growth_per_month": float(g), "price_decline_per_year": float(d),
                     "first_switch_month": months[0] if months else np.nan,
                     "last_switch_month": months[-1] if months else np.nan,
                     "switch_months": ", ".join(map(str, months)) if months else "none",
                     "final_option": TIMELINE_OPTIONS[p.segments[-1][0]], "path": p.text(), "pv_usd": p.pv_usd})
    return pd.DataFrame(rows)


# ------------------------------------------------------------------------------------------ charts

def _option_of(label: str) -> str | None:
    """The option a strategy's label names (the longest name it contains), or None."""
    names = [n for n in TIMELINE_OPTIONS.values() if n in label]
    return max(names, key=len) if names else None


def _usd(x: float) -> str:
    """`usd` with rounding noise below half a cent shown as $0."""
    return usd(0.0 if abs(x) < 0.005 else x)


def _decline(x: float) -> str:
    return f"falling {pct(x)} a year" if x > 0 else "flat"


def timeline_cumulative_chart(tl: Timeline, frame: pd.DataFrame | None = None) -> alt.Chart:
    """Cumulative present value of costs of each strategy over the horizon (the best path drawn thick, named with its
    path; every other strategy dashed in its option's colour)."""
    data = timeline_cumulative(tl) if frame is None else frame
    best = data.loc[data["strategy"] == "best path", "path"]
    best_name = f"best path: {best.iloc[0]}" if len(best) else "best path"
    data = data.assign(best=data["strategy"].eq("best path"),
                       strategy=data["strategy"].replace({"best path": best_name}))
    names = list(dict.fromkeys(data["strategy"]))
    colors = {n: PALETTE["best path"] if n == best_name else PALETTE.get(_option_of(n) or "", "#bab0ac") for n in names}
    legend = alt.Legend(orient="bottom", columns=1, title="strategy")
    return finish(alt.Chart(data).mark_line().encode(
        x=alt.X("month:Q", title="month (payment date)", axis=alt.Axis(tickMinStep=1),
                scale=alt.Scale(domain=[0, tl.months], nice=False)),
        y=alt.Y("cumulative_pv_usd:Q", title="cumulative cost, present value (USD)", axis=USD_AXIS),
        color=alt.Color("strategy:N", sort=names, scale=color_scale(names, colors), legend=legend),
        strokeDash=alt.StrokeDash("strategy:N", sort=names, legend=legend,
                                  scale=alt.Scale(domain=names, range=[[1, 0] if n == best_name else [5, 3] for n in names])),
        strokeWidth=alt.condition("datum.best", alt.value(4), alt.value(1.5)),
        tooltip=[alt.Tooltip("strategy:N"), alt.Tooltip("path:N"), alt.Tooltip("month:Q"),
                 alt.Tooltip("cumulative_pv_usd:Q", format="$,.0f", title="cumulative, present value (USD)"),
                 alt.Tooltip("cumulative_usd:Q", format="$,.0f", title="cumulative, undiscounted (USD)")],
    ).properties(title="Cumulative cost of each strategy", width=600, height=320))


def timeline_path_chart(tl: Timeline, best: SwitchPath | None = None) -> alt.Chart:
    """Monthly cost of each option over the horizon, the best path drawn over them, each switch marked and labelled
    with its month, the option it moves to and its one-off cost."""
    best = best_path(tl) if best is None else best
    data = timeline_monthly(tl, best)
    options, path = data[data["series"] != "best path"], data[data["series"] == "best path"]
    names = list(dict.fromkeys(options["option"]))
    x = alt.X("month:Q", title="month", axis=alt.Axis(tickMinStep=1), scale=alt.Scale(domain=[0, tl.months - 1], nice=False))
    y = alt.Y("monthly_usd:Q", title="monthly cost (USD; log scale)", scale=alt.Scale(type="log"), axis=USD_AXIS)
    tip = [alt.Tooltip("series:N", title="line"), alt.Tooltip("option:N", title="on"), alt.Tooltip("month:Q"),
           alt.Tooltip("monthly_usd:Q", format="$,.0f", title="USD/month")]
    lines = alt.Chart(options).mark_line(strokeWidth=1.5, opacity=0.9).encode(
        x=x, y=y, color=alt.Color("option:N", sort=names, scale=color_scale(names), title="option",
                                  legend=alt.Legend(orient="bottom", columns=2)), tooltip=tip)
    path_line = alt.Chart(path).mark_line(color="black", strokeWidth=5, opacity=0.3).encode(x=x, y=y, tooltip=tip)
    marks = pd.DataFrame([{"month": s, "label": f"month {s}: to {TIMELINE_OPTIONS[b]}, {_usd(_switch_usd(tl, a, b, s))} one-off",
                           "monthly_usd": float(path["monthly_usd"].iloc[s])} for s, a, b in best.switches])
    layers = [lines, path_line]
    if not marks.empty:
        layers += [
            marked_rules(list(zip(marks["month"], marks["label"])), "month", (0, tl.months - 1), color="#333333"),
            alt.Chart(marks).mark_point(shape="diamond", size=160, filled=True, color="black").encode(x=x, y=y),
        ]
    return finish(alt.layer(*layers).properties(
        title=alt.TitleParams(f"Best path on the monthly cost curves: {best.text()}",
                              subtitle="thick grey line: the best path (bought GPUs as straight-line depreciation); "
                                       "diamonds: its switches"), width=600, height=340))


def switch_sensitivity_chart(frame: pd.DataFrame) -> alt.Chart:
    """Heatmap of `switch_sensitivity`: colour the option the best path ends on, text its switch months."""
    data = frame.assign(growth=frame["growth_per_month"].map(lambda g: f"{g:.0%}"),
                        decline=frame["price_decline_per_year"].map(lambda d: f"{d:.0%}"),
                        months=frame["switch_months"].map(lambda m: "no switch" if m == "none" else f"month{'s' if ',' in m else ''} {m}"))
    growth_order = [f"{g:.0%}" for g in sorted(frame["growth_per_month"].unique())]
    decline_order = [f"{d:.0%}" for d in sorted(frame["price_decline_per_year"].unique(), reverse=True)]
    names = [n for n in TIMELINE_OPTIONS.values() if n in set(frame["final_option"])]
    base = alt.Chart(data).encode(
        x=alt.X("growth:O", sort=growth_order, title="volume growth (per month)", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("decline:O", sort=decline_order, title="per-token price decline (per year, API and managed)"),
        tooltip=[alt.Tooltip("growth_per_month:Q", format=".0%", title="growth per month"),
                 alt.Tooltip("price_decline_per_year:Q", format=".0%", title="price decline per year"),
                 alt.Tooltip("path:N"), alt.Tooltip("pv_usd:Q", format="$,.0f", title="present value (USD)")],
    )
    rect = base.mark_rect().encode(color=alt.Color("final_option:N", sort=names, scale=color_scale(names), title="ends on",
                                                   legend=alt.Legend(orient="bottom", direction="horizontal")))
    text = base.mark_text(fontSize=11).encode(text=alt.Text("months:N"))
    return finish((rect + text).properties(
        title=alt.TitleParams("Best path by growth and price decline",
                              subtitle="colour: the option the best path ends on; label: the months of its switches"),
        width=540, height=300))


# ------------------------------------------------------------------------------------------ summary


_PHRASES = {
    "api": "the closed API", "managed": "the managed open endpoint", "selfhost_ondemand": "self-hosting on on-demand GPUs",
    "selfhost_1y": "self-hosting on 1-year commitments", "selfhost_3y": "self-hosting on 3-year commitments",
    "selfhost_buy": "self-hosting on bought GPUs", "routed": "the routed split",
}
_BY_NAME = {name: key for key, name in TIMELINE_OPTIONS.items()}


def _span(values: pd.Series) -> str:
    lo, hi = pct(values.min()), pct(values.max())
    return lo if lo == hi else f"{lo}–{hi}"


def _grid_sentence(grid: pd.DataFrame) -> str:
    """Where the best path ends across a `switch_sensitivity` grid, in one sentence."""
    g, d = grid["growth_per_month"], grid["price_decline_per_year"]
    parts = []
    for option, rows in grid.groupby("final_option", sort=False):
        where = f"growth {_span(rows['growth_per_month'])} a month, price decline {_span(rows['price_decline_per_year'])} a year"
        months = rows["last_switch_month"].dropna()
        when = ""
        if len(months) and months.max() > 0:
            lo, hi = int(months.min()), int(months.max())
            when = f"; last switch at month {lo}" + (f"–{hi}" if hi > lo else "")
        parts.append(f"on {_PHRASES[_BY_NAME[option]]} in {len(rows)} of {len(grid)} ({where}{when})")
    return (f"Across growth of {_span(g)} a month and per-token price declines of {_span(d)} a year "
            "(closed API and managed endpoint alike), the best path ends " + "; ".join(parts) + ".")


def _floor_excludes(tl: Timeline) -> bool:
    return any("below the floor" in n for n in tl.notes)


def _strategy_of(tl: Timeline, option: str) -> str:
    """The label `timeline_strategies` gives an option kept from month 0."""
    return f"stay put: {TIMELINE_OPTIONS[option]}" if option == tl.start else f"{TIMELINE_OPTIONS[option]} from month 0"


def _split_words(shares: dict[str, float]) -> str:
    return ", ".join(f"{pct(x)} of requests to the {OPTIONS[k]}" for k, x in sorted(shares.items(), key=lambda kv: -kv[1]))


def _decision_option(tl: Timeline) -> str:
    """The timeline option that is the decision's recommended plan (self-hosting on the decision's price basis)."""
    return next((k for k in tl.decision_pv_usd if _family(k) == _family(tl.decision_recommended)), "")


def _decision_sentences(tl: Timeline, table: pd.DataFrame, best) -> list[str]:
    """How this page's answer relates to the decision page's: its recommendation, and the present costs that differ
    because volume grows and prices change here (and a move pays its one-off costs)."""
    rec = tl.decision_recommended
    if not rec:
        return []
    by = table.set_index("strategy")
    what = {**_PHRASES, "selfhost": "self-hosting"}[rec] + (f" ({_split_words(tl.routed_shares)} today)" if rec == "routed" and tl.routed_shares else "")
    final = _BY_NAME.get(best["path"].split(" → ")[-1].split(" (")[0].removesuffix(" throughout"), "")
    out = []
    if _family(final) == _family(rec):
        out.append(f"The path ends on the decision page's recommendation, {what}.")
    else:
        out.append(f"The decision page recommends {what}, the cheapest eligible plan at today's volume and prices; "
                   f"over {tl.months} months of growth and price change the cheapest path ends on "
                   f"{_PHRASES.get(final, final)} instead: this page asks what to run month by month, the decision "
                   "page what costs least today.")
    i = tl.inputs
    pairs, moved = [], False
    for key in dict.fromkeys([k for k in (tl.start, _decision_option(tl)) if k]):
        label = _strategy_of(tl, key) if key in tl.options else None
        if label is None or label not in by.index or key not in tl.decision_pv_usd:
            continue
        r = by.loc[label]
        switching = f" with {_usd(r['switching_usd'])} of one-off switching" if r["switching_usd"] > 0.5 else ""
        pairs.append(f"{TIMELINE_OPTIONS[key]} {_usd(r['pv_usd'])} here{switching} against "
                     f"{_usd(tl.decision_pv_usd[key])} there")
        moved |= abs(r["pv_usd"] - r["switching_usd"] - tl.decision_pv_usd[key]) > 0.5  # more than the switching
    if pairs and not moved:
        out.append(f"The present costs over {tl.months} months differ from the decision page's only by the one-off "
                   f"switching: growth and price changes here leave these plans' costs as they are "
                   f"({'; '.join(pairs)}).")
    elif pairs:
        moves = [f"volume grows {pct(i['growth_per_month'])} a month"] if i["growth_per_month"] else []
        moves += [f"{OPTIONS[k]} prices fall {pct(i[f'{k}_price_decline_per_year'])} a year"
                  for k in ("api", "managed") if i[f"{k}_price_decline_per_year"] and
                  any(k == o or k in tl.routed_shares and o == "routed" for o in (tl.start, rec))]
        c = i["gpu_price_change_per_year"]
        if c and any(_family(k) == "selfhost" for k in (tl.start, _decision_option(tl)) if k):
            moves.append(f"GPU prices {'fall' if c < 0 else 'rise'} {pct(abs(c))} a year")
        why = ", ".join(moves[:-1]) + (" and " if len(moves) > 1 else "") + moves[-1] if moves else "a move pays its one-off costs"
        out.append(f"The present costs over {tl.months} months differ from the decision page's, which holds today's "
                   f"volume and prices, because here {why}: {'; '.join(pairs)}.")
    return out


def timeline_summary(tl: Timeline, table: pd.DataFrame | None = None, grid: pd.DataFrame | None = None) -> Markdown:
    """The recommended path over the horizon in sentences, every figure computed.

    Parameters
    ----------
    tl : Timeline
        From `timeline_from_scenario`.
    table : DataFrame, optional
        `timeline_npv_table` of ``tl`` (computed when not given).
    grid : DataFrame, optional
        `switch_sensitivity` of the same scenario: adds where the path ends across growth and price decline.
    """
    table = timeline_npv_table(tl) if table is None else table
    by = table.set_index("strategy")
    best = by.loc["best path"]
    i = tl.inputs
    growth = tl.requests_per_day[-1] / tl.requests_per_day[0]
    c = i["gpu_price_change_per_year"]
    gpu = f"{'falling' if c < 0 else 'rising'} {pct(abs(c))} a year" if c else "flat"
    kind = "compound" if i["growth_kind"] == "compound" else f"on an S-curve levelling off at {i['growth_ceiling_multiple']:g}×"
    lines = [
        f"Over {tl.months} months, with volume growing {pct(i['growth_per_month'])} a month {kind} "
        f"({growth:.1f}× by month {tl.months - 1}), closed-API prices {_decline(i['api_price_decline_per_year'])}, "
        f"managed-endpoint prices {_decline(i['managed_price_decline_per_year'])}, GPU prices {gpu} "
        f"and a real discount rate of {pct(tl.discount_rate_per_year)}, "
        f"the cheapest path{' among the plans that reach the quality floor' if _floor_excludes(tl) else ''} "
        f"is **{best['path']}**, at a present value of {_usd(best['pv_usd'])} "
        f"(one-off switching {_usd(best['switching_usd'])})."
    ]
    lines += _decision_sentences(tl, table, best)
    singles = table[table["strategy"] != "best path"].reset_index(drop=True)
    stay = singles[singles["strategy"].str.startswith("stay put")]
    if not stay.empty:
        s = stay.iloc[0]
        if s["above_best_usd"] > 0.5:
            lines.append(f"Staying on the {TIMELINE_OPTIONS[tl.start]} costs {_usd(s['pv_usd'])}: the path saves "
                         f"{_usd(s['above_best_usd'])} ({pct(s['above_best_usd'] / s['pv_usd'])}).")
        else:
            lines.append(f"Staying on the {TIMELINE_OPTIONS[tl.start]} is the cheapest path: no switch pays for itself.")
    others = singles[(singles["path"] != best["path"]) & ~singles["strategy"].str.startswith("stay put")]
    if not others.empty:
        o = others.iloc[0]
        name = o["strategy"].removeprefix("stay put: ").removesuffix(" from month 0")
        lines.append(f"The next cheapest other strategy is {_PHRASES[_BY_NAME[name]]} from month 0, at {_usd(o['pv_usd'])} "
                     f"({_usd(o['above_best_usd'])} more).")
    sh = singles[singles["strategy"].str.contains("self-hosted")]
    if len(sh) > 1:
        parts = ", ".join(f"{r['strategy'].removeprefix('stay put: ').removesuffix(' from month 0').removeprefix('self-hosted, ')} "
                          f"{_usd(r['pv_usd'])}" for _, r in sh.iterrows())
        lines.append(f"Self-hosting from month 0, by way of paying for GPUs (present values): {parts}.")
    lines.extend(tl.notes)
    if grid is not None:
        lines.append(_grid_sentence(grid))
    lines.append("Volume and prices are taken as known: with uncertainty, commitments and purchases are worth less "
                 "than shown (notebook 03 gives the ranges of the other assumptions).")
    return Markdown(" ".join(lines))
