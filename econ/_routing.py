"""Hybrid routing: how much traffic should go to a cheap open model and how much to a closed API.

Requests come in two difficulty classes, a share ``hard_share`` of hard ones and the rest easy. Every destination
(a self-hosted open model, a managed open endpoint, a closed API, ...) has a marginal cost per request, a fixed
monthly cost paid whenever it takes traffic, a capacity (the most of the traffic it can take) and a quality per
class: the probability of an acceptable answer on an easy and on a hard request. A router scores each request's
difficulty and sends the highest scores to the stronger destinations; its skill is its ROC AUC, from 0.5 (random)
to 1 (perfect), under the binormal equal-variance ROC model. Quality at a given premium share is then a curve: a
random router buys quality linearly in the premium share, a perfect one saturates at the hard share.

Model (one difficulty score, nested thresholds). Destinations are ordered from weakest to strongest. With shares
``s_1..s_N`` the router sends the top ``S_j = s_j + ... + s_N`` of scores to destination ``j`` or a stronger one;
each cumulative share fixes a threshold and so a pair (FPR_j, TPR_j): the shares of easy and of hard requests above
it. Destination ``j`` receives the easy requests ``FPR_j - FPR_{j+1}`` and the hard ones ``TPR_j - TPR_{j+1}``.
For two destinations this is the two-way router: ``s = h TPR + (1 - h) FPR``. Splitting traffic between
destinations of equal quality (a self-hosted fleet and a managed endpoint of the same model) does not change quality.

`routing_from_scenario` turns a scenario into these inputs, with the per-option costs of `option_costs`.
"""

from __future__ import annotations

import html
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import altair as alt
import numpy as np
import pandas as pd
from scipy.optimize import brentq, minimize
from scipy.special import ndtr, ndtri

from ._costs import DAYS_PER_MONTH, HOURS_PER_MONTH, option_costs
from ._style import PALETTE, USD_AXIS, color_scale, count_axis, finish, marked_rules
from ._views import HTML, Markdown, html_table, pct, usd, usd_column

__all__ = [
    "dprime_from_auc",
    "routed_quality",
    "call_performance_threshold",
    "routing_destinations",
    "split_quality",
    "split_monthly_usd",
    "RoutingPlan",
    "optimal_split",
    "routed_split",
    "routing_plan_table",
    "routing_plan_view",
    "destinations_view",
    "routing_summary",
    "cost_by_split",
    "cost_quality_frontier",
    "daily_profile",
    "overflow_costs",
    "overflow_summary",
    "hybrid_claims_grid",
    "RoutingInputs",
    "routing_from_scenario",
    "routed_plan",
    "split_matches_decision",
    "routing_findings",
    "routing_cost_chart",
    "routing_frontier_chart",
    "overflow_chart",
    "hybrid_claims_chart",
]

_BISECTIONS = 64
"""Halvings of [0, 1] in the bisections: 2^-64 ≈ 5e-20, below the spacing of doubles near 1."""
_THRESHOLD_BISECTIONS = 12
"""Halvings of the threshold's bracket [-40, d' + 40] before Newton steps take over (to a width of about 0.02)."""
_NEWTON = 12
"""Safeguarded Newton steps on the threshold after the bisections: quadratic convergence to machine precision."""
_TOL = 1e-9
"""Tolerance on shares summing to one and on capacity limits [fraction]."""
_FLOOR_TOL = 1e-12
"""Tolerance on a quality floor [probability]: rounding in the quality formulas, nothing more."""


def meets_floor(quality, floor):
    """Whether a quality reaches the floor: the one rule every split, chart and table applies [bool array].

    A quality counts as meeting the floor when it is at least ``floor - 1e-12`` (rounding only): the optimizer's
    smallest premium share, the cost chart's feasible splits and the plan tables all use this test, so they cannot
    disagree.
    """
    return np.asarray(quality, float) >= np.asarray(floor, float) - _FLOOR_TOL
CLAIM9_PREMIUM_SHARE = (0.10, 0.20)
"""Claim 9 (Lyceum): 10-20 % of traffic on premium APIs, 80-90 % on self-hosted open models [fraction]."""
CLAIM19_SAVINGS = (0.30, 0.50)
"""Claim 19 (CostLens): hybrid routing generally cuts costs by 30-50 % [fraction]."""


# ----------------------------------------------------------------------------------------------- checks


def _arr(name: str, value, lo: float = -np.inf, hi: float = np.inf, allowed: str | None = None) -> np.ndarray:
    """``value`` as a float array, or a ValueError naming ``name``, the value and the allowed range."""
    try:
        a = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number or an array of numbers, got {value!r}.") from None
    bad = np.isnan(a) | (a < lo) | (a > hi)
    if np.any(bad):
        shown = a[bad].ravel()[0] if a.ndim else float(a)
        allowed = allowed or f"between {lo:g} and {hi:g}"
        raise ValueError(f"{name} must be {allowed}, got {shown:g}.")
    return a


def _split_inputs(hard_share, router_auc, quality_floor, requests_per_month, router_usd_per_request):
    """The scalar inputs of a split, checked: hard share, router AUC, quality floor, requests a month, router price."""
    return (float(_arr("hard_share", hard_share, 0, 1)), float(_arr("router_auc", router_auc, 0.5, 1)),
            float(_arr("quality_floor", quality_floor, 0, 1)),
            float(_arr("requests_per_month", requests_per_month, 0, np.inf, "zero or more")),
            float(_arr("router_usd_per_request", router_usd_per_request, 0, np.inf, "zero or more")))


def _check_class_qualities(open_easy, open_hard, premium_easy, premium_hard):
    qe_o, qh_o = _arr("open_quality_easy", open_easy, 0, 1), _arr("open_quality_hard", open_hard, 0, 1)
    qe_p, qh_p = _arr("premium_quality_easy", premium_easy, 0, 1), _arr("premium_quality_hard", premium_hard, 0, 1)
    de, dh = qe_p - qe_o, qh_p - qh_o
    if np.any(de < -_TOL) or np.any(dh - de < -_TOL):
        raise ValueError(
            "The premium model must be at least as good as the open model on easy requests and gain at least as much "
            f"on hard ones: got premium {np.ravel(qe_p)[0]:g} (easy) and {np.ravel(qh_p)[0]:g} (hard) against open "
            f"{np.ravel(qe_o)[0]:g} and {np.ravel(qh_o)[0]:g}."
        )
    return qe_o, qh_o, qe_p, qh_p


# ------------------------------------------------------------------------------------------ the router


def dprime_from_auc(router_auc):
    """Separation d' of the binormal equal-variance ROC model with area ``router_auc`` [standard deviations].

    Parameters
    ----------
    router_auc : array_like
        Area under the router's ROC curve [unitless, 0.5-1]: 0.5 is a random router, 1 a perfect one.

    Returns
    -------
    ndarray
        ``d' = √2 Φ⁻¹(AUC)`` [standard deviations]; ``inf`` for a perfect router.

    Notes
    -----
    Hard requests score ``N(d', 1)`` and easy ones ``N(0, 1)``; the probability that a random hard request
    outscores a random easy one is ``AUC = Φ(d'/√2)``. At a threshold passing a share FPR of easy requests the
    share of hard ones passing is ``TPR = Φ(d' + Φ⁻¹(FPR))``.

    References
    ----------
    N. A. Macmillan and C. D. Creelman, *Detection Theory: A User's Guide*, 2nd ed., Erlbaum, 2005 (ch. 3, A_z).

    Examples
    --------
    Φ(1/√2) = 0.76025, so an AUC of 0.76025 is one standard deviation of separation:

    >>> [round(float(dprime_from_auc(a)), 4) for a in (0.5, 0.76025, 0.9)]
    [0.0, 1.0, 1.8124]
    >>> float(dprime_from_auc(1.0))
    inf
    """
    return np.sqrt(2.0) * ndtri(_arr("router_auc", router_auc, 0.5, 1.0))


def _roc(fpr, dprime):
    with np.errstate(invalid="ignore"):
        tpr = ndtr(dprime + ndtri(fpr))
    return np.where(fpr <= 0, 0.0, np.where(fpr >= 1, 1.0, tpr))


def _rates(share, h, dprime):
    """(FPR, TPR) at which ``h TPR + (1 - h) FPR = share``; no checks, arrays broadcast."""
    share, h, dprime = np.broadcast_arrays(np.asarray(share, float), np.asarray(h, float), np.asarray(dprime, float))
    lo, hi = np.zeros(share.shape), np.ones(share.shape)
    for _ in range(_BISECTIONS):  # s(FPR) rises strictly (slope >= 1 - h), so bisection on FPR is well conditioned
        mid = 0.5 * (lo + hi)
        ok = h * _roc(mid, dprime) + (1 - h) * mid >= share
        hi, lo = np.where(ok, mid, hi), np.where(ok, lo, mid)
    fpr = np.where(share >= 1, 1.0, np.where(share <= 0, 0.0, hi))
    with np.errstate(invalid="ignore", divide="ignore"):
        tpr = np.where(h > 0, np.clip((share - (1 - h) * fpr) / np.where(h > 0, h, 1.0), 0.0, 1.0), _roc(fpr, dprime))
    return fpr, tpr


def _two_way_quality(s, h, dprime, qe_o, qh_o, qe_p, qh_p):
    fpr, tpr = _rates(s, h, dprime)
    return (1 - h) * (qe_o + fpr * (qe_p - qe_o)) + h * (qh_o + tpr * (qh_p - qh_o))


def routed_quality(premium_share, hard_share, router_auc, open_quality_easy, open_quality_hard,
                   premium_quality_easy, premium_quality_hard):
    """Share of acceptable answers when a router sends ``premium_share`` of requests to the premium model.

    Parameters
    ----------
    premium_share : array_like
        Share of requests sent to the premium model [fraction, 0-1].
    hard_share : array_like
        Share of hard requests [fraction, 0-1].
    router_auc : array_like
        Router's ROC AUC [unitless, 0.5-1].
    open_quality_easy, open_quality_hard : array_like
        Probability that the open model answers an easy / a hard request acceptably [probability, 0-1].
    premium_quality_easy, premium_quality_hard : array_like
        The same for the premium model [probability, 0-1]; at least the open model's on easy requests, and the gain
        on hard requests at least the gain on easy ones (that is what makes them hard).

    Returns
    -------
    ndarray
        Expected share of acceptable answers [probability, 0-1]; non-decreasing in ``premium_share``.

    Notes
    -----
    ``Q = (1-h)[qe_o + FPR (qe_p - qe_o)] + h[qh_o + TPR (qh_p - qh_o)]`` where (FPR, TPR) is the point of the ROC
    curve with ``h TPR + (1-h) FPR = s`` (found by bisection on FPR). A random router gives
    ``Q = Q_open + s (Q_premium - Q_open)``; a perfect one reaches ``Q_open + h (qh_p - qh_o)`` at ``s = h``.

    Examples
    --------
    Open model 95 % / 40 %, premium 97 % / 90 %, 20 % hard requests (Q_open 0.84, Q_premium 0.956). Random router
    at s = 0.2: 0.84 + 0.2 × 0.116 = 0.8632; perfect: all hard requests, no easy ones, 0.8 × 0.95 + 0.2 × 0.9 = 0.94.

    >>> [round(float(routed_quality(0.2, 0.2, a, 0.95, 0.40, 0.97, 0.90)), 4) for a in (0.5, 0.8, 1.0)]
    [0.8632, 0.893, 0.94]
    """
    q = _check_class_qualities(open_quality_easy, open_quality_hard, premium_quality_easy, premium_quality_hard)
    s = _arr("premium_share", premium_share, 0, 1)
    h = _arr("hard_share", hard_share, 0, 1)
    return _two_way_quality(s, h, dprime_from_auc(router_auc), *q)


def _npdf(x):
    """Standard normal density."""
    return np.exp(-0.5 * np.square(x)) / np.sqrt(2 * np.pi)


def _strong_share_needed(floor, h, dprime, qe_w, qh_w, qe_s, qh_s):
    """Smallest share on the stronger of two quality levels with quality >= ``floor`` (inf if out of reach).

    Bisection, then safeguarded Newton steps, on the score threshold t (easy scores N(0, 1), hard N(d', 1)):
    FPR = Φ(-t), TPR = Φ(d' - t), and quality falls as t rises; the threshold kept is the largest known to meet the
    floor. Bisecting t rather than FPR keeps near-perfect routers resolved (their TPR rises
    from 0 to 1 at FPRs far below 1e-20). A perfect router (d' = inf) has its closed form.
    """
    floor, h, dprime, qe_w, qh_w, qe_s, qh_s = np.broadcast_arrays(
        *(np.asarray(a, float) for a in (floor, h, dprime, qe_w, qh_w, qe_s, qh_s)))
    de, dh = qe_s - qe_w, qh_s - qh_w
    q0 = (1 - h) * qe_w + h * qh_w
    d = np.where(np.isinf(dprime), 0.0, dprime)

    def quality(t):
        return q0 + (1 - h) * ndtr(-t) * de + h * ndtr(d - t) * dh

    def slope(t):  # dq/dt <= 0
        return -((1 - h) * de * _npdf(t) + h * dh * _npdf(d - t))

    lo, hi = np.full(floor.shape, -40.0), d + 40.0
    for _ in range(_THRESHOLD_BISECTIONS):  # a coarse bracket ...
        mid = 0.5 * (lo + hi)
        ok = quality(mid) >= floor
        lo, hi = np.where(ok, mid, lo), np.where(ok, hi, mid)
    t = 0.5 * (lo + hi)
    for _ in range(_NEWTON):  # ... then Newton steps kept inside it (bisection where a step would leave it)
        q = quality(t)
        ok = q >= floor
        lo, hi = np.where(ok, t, lo), np.where(ok, hi, t)
        g = slope(t)
        with np.errstate(divide="ignore", invalid="ignore"):
            step = np.where(g < 0, t - (q - floor) / g, np.nan)
        t = np.where((step > lo) & (step < hi), step, 0.5 * (lo + hi))
    s = np.where(q0 >= floor, 0.0, h * ndtr(d - lo) + (1 - h) * ndtr(-lo))
    with np.errstate(divide="ignore", invalid="ignore"):  # perfect router: hard requests first, then easy ones
        gap = floor - q0
        perfect = np.where(gap <= 0, 0.0, np.where(gap <= h * dh, gap / np.where(dh > 0, dh, 1.0),
                                                   h + (gap - h * dh) / np.where(de > 0, de, 1.0)))
        perfect = np.where((gap > h * dh) & (de <= 0), np.inf, perfect)
    s = np.where(np.isinf(dprime), perfect, s)
    reach = q0 + (1 - h) * de + h * dh
    return np.where(~meets_floor(reach, floor), np.inf, np.clip(s, 0.0, 1.0))


def call_performance_threshold(recovered_fraction, hard_share, router_auc, open_quality_easy, open_quality_hard,
                               premium_quality_easy, premium_quality_hard):
    """Premium call share needed to recover a fraction of the premium model's quality gain: CPT(x %) [fraction].

    Parameters
    ----------
    recovered_fraction : array_like
        The x of CPT(x %): share of the gap ``Q_premium - Q_open`` to recover [fraction, 0-1].
    hard_share, router_auc, open_quality_easy, open_quality_hard, premium_quality_easy, premium_quality_hard
        As in `routed_quality`.

    Returns
    -------
    ndarray
        Smallest premium share ``s`` with ``Q(s) >= Q_open + x (Q_premium - Q_open)`` [fraction, 0-1].

    Notes
    -----
    A random router needs ``CPT(x) = x``; a perfect one with equal easy quality needs ``x h``; a better router
    never needs more.

    References
    ----------
    I. Ong, A. Almahairi, V. Wu, W.-L. Chiang, T. Wu, J. E. Gonzalez, M. W. Kadous and I. Stoica, "RouteLLM:
    Learning to Route LLMs with Preference Data", arXiv:2406.18665, 2024 (call-performance threshold, CPT).

    Examples
    --------
    Equal easy quality and 20 % hard requests: random 0.8, perfect 0.8 × 0.2 = 0.16.

    >>> [round(float(call_performance_threshold(0.8, 0.2, a, 0.95, 0.40, 0.95, 0.90)), 4) for a in (0.5, 0.8, 1.0)]
    [0.8, 0.451, 0.16]
    """
    x = _arr("recovered_fraction", recovered_fraction, 0, 1)
    qe_o, qh_o, qe_p, qh_p = _check_class_qualities(open_quality_easy, open_quality_hard, premium_quality_easy,
                                                    premium_quality_hard)
    h = _arr("hard_share", hard_share, 0, 1)
    q_open, q_prem = (1 - h) * qe_o + h * qh_o, (1 - h) * qe_p + h * qh_p
    s = _strong_share_needed(q_open + x * (q_prem - q_open) - _FLOOR_TOL, h, dprime_from_auc(router_auc),
                             qe_o, qh_o, qe_p, qh_p)
    return np.where(x <= 0, 0.0, s)


# ------------------------------------------------------------------------------------------ destinations


def routing_destinations(names, usd_per_request, quality_easy, quality_hard, fixed_usd_per_month=0.0,
                         max_share=1.0) -> pd.DataFrame:
    """Table of destinations for the router, ordered from weakest to strongest.

    Parameters
    ----------
    names : sequence of str
        Destination names, one or more, all different.
    usd_per_request : array_like
        Marginal cost of one request at each destination [USD/request].
    quality_easy, quality_hard : array_like
        Probability of an acceptable answer on an easy / a hard request [probability, 0-1].
    fixed_usd_per_month : array_like
        Cost paid whenever the destination takes any traffic, e.g. a self-hosted fleet [USD/month].
    max_share : array_like
        Most of the traffic the destination can take, e.g. a fleet's capacity ÷ peak demand [fraction, 0-1].

    Returns
    -------
    pandas.DataFrame
        Columns ``destination, usd_per_request, quality_easy, quality_hard, fixed_usd_per_month, max_share``,
        sorted by hard quality then easy quality (ties keep the given order).

    Notes
    -----
    One difficulty score orders requests, so destinations must be ordered on both classes at once: from one
    destination to the next stronger one, easy quality may not fall and the gain on hard requests must be at least
    the gain on easy ones. Destinations of equal quality (the same open model self-hosted and managed) are fine.

    Examples
    --------
    >>> d = routing_destinations(["closed API", "self-hosted", "managed open"], [0.01, 0.0002, 0.001],
    ...                          [0.97, 0.95, 0.95], [0.90, 0.40, 0.40], [0, 6_000, 0], [1, 0.8, 1])
    >>> list(d["destination"])
    ['self-hosted', 'managed open', 'closed API']
    """
    names = [str(n) for n in names]
    n = len(names)
    if n < 1 or len(set(names)) != n:
        raise ValueError(f"names must list one or more destinations, all different, got {names!r}.")
    cols = {}
    for key, value, lo, hi in (("usd_per_request", usd_per_request, 0, np.inf), ("quality_easy", quality_easy, 0, 1),
                               ("quality_hard", quality_hard, 0, 1), ("fixed_usd_per_month", fixed_usd_per_month, 0, np.inf),
                               ("max_share", max_share, 0, 1)):
        a = _arr(key, value, lo, hi, "zero or more" if hi == np.inf else None)
        if np.any(~np.isfinite(a)):
            raise ValueError(f"{key} must be finite, got {a[~np.isfinite(a)].ravel()[0]:g}.")
        try:
            cols[key] = np.broadcast_to(a, (n,)).copy()
        except ValueError:
            raise ValueError(f"{key} must be one number or one per destination ({n}), got shape {a.shape}.") from None
    table = pd.DataFrame({"destination": names, **cols})
    table = table.iloc[np.lexsort((table["quality_easy"], table["quality_hard"]))].reset_index(drop=True)
    de, dh = np.diff(table["quality_easy"]), np.diff(table["quality_hard"])
    for i in np.flatnonzero((de < -_TOL) | (dh - de < -_TOL)):
        a, b = table.iloc[i], table.iloc[i + 1]
        raise ValueError(
            f"Destinations {a['destination']!r} and {b['destination']!r} cannot be ordered by one difficulty score: "
            f"going to the one stronger on hard requests ({b['destination']!r}) must not lower easy quality and must "
            f"gain at least as much on hard requests as on easy ones (easy {a['quality_easy']:g} → "
            f"{b['quality_easy']:g}, hard {a['quality_hard']:g} → {b['quality_hard']:g})."
        )
    if table["max_share"].sum() < 1 - _TOL:
        raise ValueError(f"max_share must add up to at least 1 over the destinations, got {table['max_share'].sum():g}.")
    return table


def _table(destinations) -> pd.DataFrame:
    if not isinstance(destinations, pd.DataFrame):
        raise ValueError("destinations must be a table from routing_destinations.")
    missing = [c for c in ("destination", "usd_per_request", "quality_easy", "quality_hard") if c not in destinations]
    if missing:
        raise ValueError(f"destinations is missing the columns {missing}; build it with routing_destinations.")
    d = destinations
    return routing_destinations(
        d["destination"], d["usd_per_request"], d["quality_easy"], d["quality_hard"],
        d["fixed_usd_per_month"] if "fixed_usd_per_month" in d else 0.0, d["max_share"] if "max_share" in d else 1.0,
    )


def _levels(d: pd.DataFrame) -> np.ndarray:
    """Quality level of each row (0 weakest): rows with the same (easy, hard) quality share a level."""
    q = d[["quality_easy", "quality_hard"]].to_numpy()
    new = np.r_[True, np.any(np.abs(np.diff(q, axis=0)) > _TOL, axis=1)]
    return np.cumsum(new) - 1


def _quality(q_easy, q_hard, shares, h, dprime):
    """Quality of share vectors ``shares`` (..., N) in table order; h and dprime broadcast over the leading axes."""
    shares = np.asarray(shares, float)
    cum = np.flip(np.cumsum(np.flip(shares, -1), -1), -1)
    cum[..., 0] = 1.0
    h, dprime = np.asarray(h, float)[..., None], np.asarray(dprime, float)[..., None]
    fpr, tpr = _rates(np.clip(cum, 0.0, 1.0), h, dprime)
    zero = np.zeros(fpr.shape[:-1] + (1,))
    easy = fpr - np.concatenate([fpr[..., 1:], zero], -1)
    hard = tpr - np.concatenate([tpr[..., 1:], zero], -1)
    return ((1 - h) * easy * q_easy + h * hard * q_hard).sum(-1)


def _costs(d: pd.DataFrame, shares, requests_per_month, router_usd_per_request):
    """Monthly cost by destination (..., N) and of the router (...) for share vectors (..., N)."""
    shares = np.asarray(shares, float)
    used = shares > _TOL
    by_dest = shares * requests_per_month * d["usd_per_request"].to_numpy() + used * d["fixed_usd_per_month"].to_numpy()
    lv = _levels(d)
    spread = np.where(used, lv, -1).max(-1) != np.where(used, lv, len(d)).min(-1)
    return by_dest, spread * requests_per_month * np.asarray(router_usd_per_request, float)


def _shares(d: pd.DataFrame, shares) -> np.ndarray:
    if isinstance(shares, Mapping):
        unknown = sorted(set(shares) - set(d["destination"]))
        if unknown:
            raise ValueError(f"shares names unknown destinations {unknown}; the destinations are {list(d['destination'])}.")
        shares = [float(shares.get(n, 0.0)) for n in d["destination"]]
    s = _arr("shares", shares, 0, 1)
    if s.shape[-1:] != (len(d),):
        raise ValueError(f"shares must have one value per destination ({len(d)}) on its last axis, got shape {s.shape}.")
    total = s.sum(-1)
    if np.any(np.abs(total - 1) > 1e-6):
        raise ValueError(f"shares must add up to 1, got {np.ravel(total)[0]:g}.")
    return s


def split_quality(destinations, shares, hard_share, router_auc):
    """Share of acceptable answers for a split of traffic over destinations [probability, 0-1].

    Parameters
    ----------
    destinations : pandas.DataFrame
        From `routing_destinations`.
    shares : array_like or mapping
        Share of requests per destination [fraction, 0-1], summing to 1: an array (..., N) in the table's order or a
        mapping {name: share} (missing names take 0).
    hard_share : array_like
        Share of hard requests [fraction, 0-1].
    router_auc : array_like
        Router's ROC AUC [unitless, 0.5-1].

    Returns
    -------
    ndarray
        Expected quality, shape of ``shares`` without its last axis.

    Notes
    -----
    With ``S_j = s_j + ... + s_N`` and (FPR_j, TPR_j) the ROC point with ``h TPR + (1-h) FPR = S_j``:
    ``Q = Σ_j (1-h)(FPR_j - FPR_{j+1}) qe_j + h (TPR_j - TPR_{j+1}) qh_j``.

    Examples
    --------
    >>> d = routing_destinations(["open", "premium"], [0.001, 0.01], [0.95, 0.97], [0.40, 0.90])
    >>> round(float(split_quality(d, {"open": 0.8, "premium": 0.2}, 0.2, 0.8)), 4)
    0.893
    """
    d = _table(destinations)
    s = _shares(d, shares)
    h = _arr("hard_share", hard_share, 0, 1)
    return _quality(d["quality_easy"].to_numpy(), d["quality_hard"].to_numpy(), s, h, dprime_from_auc(router_auc))


def split_monthly_usd(destinations, shares, requests_per_month, router_usd_per_request=0.0):
    """Monthly cost of a split of traffic over destinations, the router included [USD/month].

    Parameters
    ----------
    destinations : pandas.DataFrame
        From `routing_destinations`.
    shares : array_like or mapping
        As in `split_quality`.
    requests_per_month : float
        Requests in a month [requests/month].
    router_usd_per_request : float
        Cost of scoring one request [USD/request], counted on every request when traffic is split between
        destinations of different quality (a split between equal-quality destinations needs no score).

    Returns
    -------
    ndarray
        ``R Σ_j s_j c_j + Σ_{j: s_j > 0} F_j + [router used] R c_router`` [USD/month].

    Examples
    --------
    >>> d = routing_destinations(["open", "premium"], [0.001, 0.01], [0.95, 0.97], [0.40, 0.90], [500, 0])
    >>> [round(float(split_monthly_usd(d, s, 1e6, 0.0001)), 2) for s in ([1, 0], [0, 1], [0.8, 0.2])]
    [1500.0, 10000.0, 3400.0]
    """
    d = _table(destinations)
    s = _shares(d, shares)
    r = float(_arr("requests_per_month", requests_per_month, 0, np.inf, "zero or more"))
    by_dest, router = _costs(d, s, r, _arr("router_usd_per_request", router_usd_per_request, 0, np.inf, "zero or more"))
    return by_dest.sum(-1) + router


# ------------------------------------------------------------------------------------------ the optimum


def _fill(order, caps, amount, n):
    """Shares (len(amount), n): ``amount`` poured into rows ``order`` (cheapest first), each up to its cap."""
    amount = np.atleast_1d(np.asarray(amount, float))
    out = np.zeros((amount.size, n))
    left = amount.copy()
    for j in order:
        take = np.minimum(left, caps[j])
        out[:, j] = take
        left = left - take
    return out


def _solve_subset(d, idx, h, dp, floor, r, router_usd):
    """Cheapest shares over destinations ``idx`` (table order) meeting ``floor``, as (shares, cost), or None."""
    n, qe, qh = len(d), d["quality_easy"].to_numpy(), d["quality_hard"].to_numpy()
    c, cap, lv = d["usd_per_request"].to_numpy(), d["max_share"].to_numpy(), _levels(d)
    idx = list(idx)
    if cap[idx].sum() < 1 - _TOL:
        return None
    levels = sorted(set(lv[idx]))
    by_cost = lambda rows: sorted(rows, key=lambda j: (c[j], d["fixed_usd_per_month"].iloc[j]))  # noqa: E731
    if len(levels) <= 2:
        # One or two quality levels: quality depends only on the strong level's share s. The smallest s meeting the
        # floor is exact; cost is convex piecewise-linear in s (each level filled cheapest first), so its minimum on
        # [s_need, s_max] lies at an end or at a breakpoint: evaluate them all.
        weak = by_cost([j for j in idx if lv[j] == levels[0]])
        strong = by_cost([j for j in idx if lv[j] == levels[-1]]) if len(levels) == 2 else []
        lo, hi = max(0.0, 1.0 - cap[weak].sum()), min(1.0, cap[strong].sum()) if strong else 0.0
        if not strong:
            need = 0.0 if meets_floor((1 - h) * qe[weak[0]] + h * qh[weak[0]], floor) else np.inf
        else:
            w, s_ = weak[0], strong[0]
            need = float(_strong_share_needed(floor - _FLOOR_TOL, h, dp, qe[w], qh[w], qe[s_], qh[s_]))
        start = max(need, lo)
        if start > hi + _TOL:
            return None
        marks = np.r_[start, hi, np.cumsum(cap[strong]), 1.0 - np.cumsum(cap[weak])]
        cand = np.unique(np.clip(marks[(marks >= start - _TOL) & (marks <= hi + _TOL)], start, hi))
        shares = _fill(weak, cap, 1.0 - cand, n) + _fill(strong, cap, cand, n)
        by_dest, router = _costs(d, shares, r, router_usd)
        cost = by_dest.sum(-1) + router
        best = int(np.argmin(cost))
        return shares[best], float(cost[best])

    def full(x):
        out = np.zeros(n)
        out[idx] = x
        return out

    def quality(x):
        return float(_quality(qe, qh, full(x), h, dp))

    # Three or more quality levels: linear cost, concave quality (a sum of S Δh + (1-h) FPR(S)(Δe - Δh) terms, FPR
    # convex in S, Δe <= Δh), so the feasible set is convex; SLSQP from two starts, the cheaper feasible answer kept.
    scale = max(c[idx].max(), 1e-12)
    best = None
    for x0 in (_fill(idx[::-1], cap, 1.0, n)[0][idx], np.minimum(cap[idx], 1.0 / len(idx))):
        res = minimize(
            lambda x: float(x @ c[idx]) / scale, x0, jac=lambda x: c[idx] / scale, method="SLSQP",
            bounds=[(0.0, cap[j]) for j in idx],
            constraints=[{"type": "eq", "fun": lambda x: x.sum() - 1.0, "jac": lambda x: np.ones_like(x)},
                         {"type": "ineq", "fun": lambda x: 100.0 * (quality(x) - floor)}],
            options={"ftol": 1e-13, "maxiter": 500},
        )
        x = np.clip(res.x, 0.0, cap[idx])
        x = x / x.sum()
        if meets_floor(quality(x), floor) and (best is None or x @ c[idx] < best @ c[idx]):
            best = x
    if best is None:
        return None
    shares = full(np.where(best < 1e-12, 0.0, best) / best.sum())
    by_dest, router = _costs(d, shares, r, router_usd)
    return shares, float(by_dest.sum() + router)


def _best(d, h, dp, floor, r, router_usd, allowed=None):
    """Cheapest (shares, cost) over every subset of the ``allowed`` rows (fixed costs make it combinatorial)."""
    allowed = list(range(len(d))) if allowed is None else list(allowed)
    found = [sol for k in range(1, len(allowed) + 1) for idx in itertools.combinations(allowed, k)
             if (sol := _solve_subset(d, idx, h, dp, floor, r, router_usd)) is not None]
    return min(found, key=lambda sc: sc[1]) if found else None


@dataclass(frozen=True)
class RoutingPlan:
    """The cheapest split meeting a quality floor, and the two plain alternatives.

    Attributes
    ----------
    shares : dict
        Share of requests per destination [fraction], in the table's order (weakest to strongest).
    monthly_usd_by_destination : dict
        Monthly cost per destination, fixed costs included [USD/month]; the router under ``"router"``.
    premium : list of str
        The strongest destinations allowed (the premium level); empty when all allowed are of one quality.
    premium_share : float
        Share of requests on the premium level [fraction].
    quality, quality_floor : float
        Share of acceptable answers reached [probability], at least the floor asked for.
    monthly_usd : float
        Monthly cost of the split, router included [USD/month].
    all_premium_usd, all_premium_quality : float
        Everything on the premium level [USD/month], [probability]; NaN without a premium level.
    all_open_usd, all_open_quality, all_open_meets_floor
        The cheapest split over the other destinations, quality ignored [USD/month], [probability]; NaN if they
        cannot take all the traffic; whether it would meet the floor.
    savings_vs_premium_usd, savings_vs_premium : float
        ``all_premium_usd - monthly_usd`` [USD/month] and as a share of ``all_premium_usd`` [fraction].
    kind : str
        ``"cheapest"``: the cheapest split over the destinations allowed (`optimal_split`); ``"tuned"``: the split a
        router tuned to the floor makes over them, whatever it costs (`routed_split`).
    """

    shares: dict
    monthly_usd_by_destination: dict
    premium: list
    premium_share: float
    quality: float
    quality_floor: float
    monthly_usd: float
    all_premium_usd: float
    all_premium_quality: float
    all_open_usd: float
    all_open_quality: float
    all_open_meets_floor: bool
    savings_vs_premium_usd: float
    savings_vs_premium: float
    hard_share: float
    router_auc: float
    requests_per_month: float
    kind: str = "cheapest"


def _allowed_rows(d: pd.DataFrame, only) -> list[int]:
    if only is None:
        return list(range(len(d)))
    names = list(d["destination"])
    unknown = [n for n in only if n not in names]
    if unknown:
        raise ValueError(f"only names unknown destinations {unknown}; the destinations are {names}.")
    return [i for i, n in enumerate(names) if n in set(only)]


def _premium_rows(d: pd.DataFrame, rows: list[int]) -> list[int]:
    lv = _levels(d)[rows]
    return [j for j, level in zip(rows, lv) if level == lv.max()] if lv.min() < lv.max() else []


def optimal_split(destinations, hard_share, router_auc, quality_floor, requests_per_month,
                  router_usd_per_request=0.0, only=None) -> RoutingPlan:
    """The cheapest split of traffic over the destinations that keeps quality at or above a floor.

    Parameters
    ----------
    destinations : pandas.DataFrame
        From `routing_destinations`; the strongest quality level is "premium", the others "open".
    hard_share : float
        Share of hard requests [fraction, 0-1].
    router_auc : float
        Router's ROC AUC [unitless, 0.5-1].
    quality_floor : float
        Least acceptable share of good answers [probability, 0-1].
    requests_per_month : float
        Requests in a month [requests/month].
    router_usd_per_request : float
        Cost of scoring a request [USD/request], see `split_monthly_usd`.
    only : sequence of str, optional
        Destinations the split may use (default all), e.g. a self-hosted fleet and the closed API.

    Returns
    -------
    RoutingPlan
        The split, its cost and quality, and all-premium / all-open for comparison.

    Notes
    -----
    Fixed costs make the problem combinatorial, so every subset of destinations is solved and the cheapest kept.
    Within a subset of one or two quality levels, quality depends only on the premium share s: the smallest s
    meeting the floor is found by bisection along the ROC curve, and the cost, convex and piecewise linear in s
    (each level filled cheapest first up to capacity), is minimized over its breakpoints, which is exact. Subsets
    of three or more quality levels (a concave quality constraint, linear cost) go to ``scipy.optimize.minimize``
    (SLSQP).

    Raises
    ------
    ValueError
        If no split reaches ``quality_floor``.

    Examples
    --------
    >>> d = routing_destinations(["open", "premium"], [0.001, 0.01], [0.95, 0.97], [0.40, 0.90])
    >>> p = optimal_split(d, hard_share=0.2, router_auc=0.8, quality_floor=0.90, requests_per_month=1e6)
    >>> round(p.premium_share, 4), round(p.monthly_usd, 2), round(p.all_premium_usd, 2), round(p.savings_vs_premium, 4)
    (0.2415, 3173.44, 10000.0, 0.6827)
    """
    d = _table(destinations)
    h, auc, floor, r, router_usd = _split_inputs(hard_share, router_auc, quality_floor, requests_per_month,
                                                 router_usd_per_request)
    dp = dprime_from_auc(auc)
    rows = _allowed_rows(d, only)
    sol = _best(d, h, dp, floor, r, router_usd, rows)
    qe, qh = d["quality_easy"].to_numpy(), d["quality_hard"].to_numpy()
    if sol is None:
        reach = max((1 - h) * qe[j] + h * qh[j] for j in rows)
        raise ValueError(f"quality_floor {floor:g} is out of reach: the strongest destination allowed reaches "
                         f"{reach:.4g} on its own (or the destinations allowed cannot take all the traffic).")
    return _make_plan(d, rows, sol[0], h, auc, floor, r, router_usd)


def _make_plan(d, rows, shares, h, auc, floor, r, router_usd, kind="cheapest") -> RoutingPlan:
    dp = dprime_from_auc(auc)
    qe, qh = d["quality_easy"].to_numpy(), d["quality_hard"].to_numpy()
    names = list(d["destination"])
    by_dest, router = _costs(d, shares, r, router_usd)
    cost = float(by_dest.sum() + router)
    prem = _premium_rows(d, rows)
    prem_sol = _best(d, h, dp, 0.0, r, router_usd, prem) if prem else None
    open_sol = _best(d, h, dp, 0.0, r, router_usd, [j for j in rows if j not in prem]) if prem else None
    prem_usd, prem_q = (np.nan, np.nan) if prem_sol is None else (prem_sol[1], float(_quality(qe, qh, prem_sol[0], h, dp)))
    open_usd, open_q = (np.nan, np.nan) if open_sol is None else (open_sol[1], float(_quality(qe, qh, open_sol[0], h, dp)))
    return RoutingPlan(
        shares=dict(zip(names, map(float, shares))),
        monthly_usd_by_destination={**dict(zip(names, map(float, by_dest))), "router": float(router)},
        premium=[names[j] for j in prem],
        premium_share=float(shares[prem].sum()) if prem else 0.0,
        quality=float(_quality(qe, qh, shares, h, dp)),
        quality_floor=floor,
        monthly_usd=cost,
        all_premium_usd=float(prem_usd),
        all_premium_quality=float(prem_q),
        all_open_usd=float(open_usd),
        all_open_quality=float(open_q),
        all_open_meets_floor=bool(meets_floor(open_q, floor)),
        savings_vs_premium_usd=float(prem_usd - cost),
        savings_vs_premium=float((prem_usd - cost) / prem_usd) if prem_usd > 0 else np.nan,
        hard_share=h,
        router_auc=auc,
        requests_per_month=r,
        kind=kind,
    )


def routed_split(destinations, hard_share, router_auc, quality_floor, requests_per_month, router_usd_per_request=0.0,
                 only=None) -> RoutingPlan:
    """The split a router tuned to the floor makes: the smallest premium share that meets it, whatever it costs.

    Parameters
    ----------
    destinations, hard_share, router_auc, quality_floor, requests_per_month, router_usd_per_request, only
        As in `optimal_split`; the destinations allowed must span at most two quality levels (open and premium).

    Returns
    -------
    RoutingPlan
        The premium share is RouteLLM's CPT at the floor (or what the open side's capacity forces); the rest goes to
        the open destinations cheapest first, each up to its capacity. Unlike `optimal_split` it keeps every
        destination in play: it prices a set-up (such as claim 9's self-hosted fleet plus an API) rather than
        choosing one.

    Examples
    --------
    A fleet of 9,000 USD/month makes the optimum all-premium (10,000 USD), but the router still needs only 24 % on
    premium; that hybrid costs 9,000 + 0.2415 × 10,000 = 11,415 USD, 14 % more than all-premium:

    >>> d = routing_destinations(["fleet", "premium"], [0.0, 0.01], [0.95, 0.97], [0.40, 0.90], [9_000, 0])
    >>> p = routed_split(d, 0.2, 0.8, 0.90, 1e6)
    >>> round(p.premium_share, 4), round(p.monthly_usd, 2), round(p.savings_vs_premium, 4)
    (0.2415, 11414.93, -0.1415)
    >>> round(optimal_split(d, 0.2, 0.8, 0.90, 1e6).premium_share, 4)
    1.0
    """
    d = _table(destinations)
    h, auc, floor, r, router_usd = _split_inputs(hard_share, router_auc, quality_floor, requests_per_month,
                                                 router_usd_per_request)
    rows = _allowed_rows(d, only)
    lv = _levels(d)[rows]
    if len(set(lv)) > 2:
        raise ValueError(f"routed_split takes destinations of at most two quality levels, got {len(set(lv))}; "
                         "use optimal_split.")
    c, cap = d["usd_per_request"].to_numpy(), d["max_share"].to_numpy()
    prem = _premium_rows(d, rows)
    weak = sorted([j for j in rows if j not in prem], key=lambda j: c[j])
    prem = sorted(prem, key=lambda j: c[j])
    if not prem:
        return optimal_split(d, h, auc, floor, r, router_usd, only)
    w, p = weak[0], prem[0]
    qe, qh = d["quality_easy"].to_numpy(), d["quality_hard"].to_numpy()
    need = float(_strong_share_needed(floor - _FLOOR_TOL, h, dprime_from_auc(auc), qe[w], qh[w], qe[p], qh[p]))
    s = max(need, 1.0 - cap[weak].sum())
    if s > cap[prem].sum() + _TOL:
        raise ValueError(f"quality_floor {floor:g} is out of reach of the destinations allowed.")
    shares = (_fill(weak, cap, 1.0 - s, len(d)) + _fill(prem, cap, s, len(d)))[0]
    return _make_plan(d, rows, shares, h, auc, floor, r, router_usd, kind="tuned")


def routing_plan_table(plan: RoutingPlan) -> pd.DataFrame:
    """The routed split against all-premium and all-open: cost, quality and savings as numbers.

    Returns
    -------
    pandas.DataFrame
        One row per option (``routed``, ``all premium``, ``all open``; those that exist) with ``monthly_usd``
        [USD/month], ``quality`` [probability], ``meets_floor``, ``premium_share`` [fraction],
        ``savings_vs_premium_usd`` [USD/month] and ``savings_vs_premium`` [fraction].

    Examples
    --------
    >>> d = routing_destinations(["open", "premium"], [0.001, 0.01], [0.95, 0.97], [0.40, 0.90])
    >>> t = routing_plan_table(optimal_split(d, 0.2, 0.8, 0.90, 1e6))
    >>> print(t[["option", "monthly_usd", "savings_vs_premium"]].round(4).to_string(index=False))
         option  monthly_usd  savings_vs_premium
         routed    3173.4379              0.6827
    all premium   10000.0000              0.0000
       all open    1000.0000              0.9000
    """
    rows = [("routed", plan.monthly_usd, plan.quality, plan.premium_share),
            ("all premium", plan.all_premium_usd, plan.all_premium_quality, 1.0),
            ("all open", plan.all_open_usd, plan.all_open_quality, 0.0)]
    t = pd.DataFrame(rows, columns=["option", "monthly_usd", "quality", "premium_share"])
    t = t[np.isfinite(t["monthly_usd"])].reset_index(drop=True)
    t["meets_floor"] = meets_floor(t["quality"], plan.quality_floor)
    t["savings_vs_premium_usd"] = plan.all_premium_usd - t["monthly_usd"]
    t["savings_vs_premium"] = t["savings_vs_premium_usd"] / plan.all_premium_usd
    return t


def routing_plan_view(plan: RoutingPlan) -> HTML:
    """`routing_plan_table` formatted for reading (HTML): the split, all-premium and all-open side by side, dollars a
    month, shares in per cent."""
    t = routing_plan_table(plan)
    splits = sum(x > _TOL for x in plan.shares.values()) > 1
    names = {"routed": ("routed split" if plan.kind == "cheapest" else "split tuned to the floor") if splits
             else "the cheapest plan (no split)",
             "all premium": f"everything on {' and '.join(plan.premium) or 'the strongest'}",
             "all open": "everything on the open destinations"}
    cost, saved = usd_column(t["monthly_usd"]), usd_column(t["savings_vs_premium_usd"])
    rows = [{"plan": names.get(r["option"], r["option"]), "cost (USD a month)": cost[i],
             "acceptable answers": f"{r['quality']:.1%}",
             f"meets the floor ({plan.quality_floor:.1%})": "yes" if r["meets_floor"] else "no",
             "share sent to premium": pct(r["premium_share"]),
             "saving against all-premium (USD a month)": saved[i],
             "saving against all-premium": pct(r["savings_vs_premium"]) if np.isfinite(r["savings_vs_premium"]) else "–"}
            for i, r in enumerate(t.to_dict("records"))]
    return html_table(rows, "econ-table routing", tuple(c for c in rows[0] if c not in ("plan",)))


def destinations_view(inputs: RoutingInputs) -> HTML:
    """The destinations of a `RoutingInputs` formatted for reading (HTML): cost per request and per month, quality on
    easy and hard requests, and the most of the traffic each can take; those not permitted listed below."""
    d = inputs.destinations
    per_1k, fixed = usd_column(1000 * d["usd_per_request"]), usd_column(d["fixed_usd_per_month"])
    rows = [{"destination": r["destination"], "marginal cost per 1,000 requests (USD)": per_1k[i],
             "fixed cost (USD a month)": fixed[i], "acceptable answers, easy requests": pct(r["quality_easy"]),
             "acceptable answers, hard requests": pct(r["quality_hard"]),
             "most of the traffic it can take": pct(r["max_share"])}
            for i, r in enumerate(d.to_dict("records"))]
    table = html_table(rows, "econ-table destinations", tuple(list(rows[0])[1:]))
    if inputs.excluded:
        left = "; ".join(f"{k}: {v}" for k, v in inputs.excluded.items())
        table = HTML(table + f"<p>Left out: {html.escape(left)}.</p>")
    return table


def routing_summary(plan: RoutingPlan) -> Markdown:
    """Sentences on the plan, every figure computed from it.

    Examples
    --------
    >>> d = routing_destinations(["open", "premium"], [0.001, 0.01], [0.95, 0.97], [0.40, 0.90])
    >>> print(routing_summary(optimal_split(d, 0.2, 0.8, 0.90, 1e6)))  # doctest: +NORMALIZE_WHITESPACE
    To keep at least 90.0% of answers acceptable with 20% hard requests and a router of AUC 0.80, the cheapest split
    sends 24% of requests to premium and the rest to open (76%). It costs $3,173 a month against $10,000 with
    everything on premium: a saving of $6,827 (68%). Sending nothing to premium would cost $1,000 but reach only 84%
    acceptable answers.
    """
    the = lambda k: f"the {k}" if k in (SELFHOST, MANAGED, PREMIUM) else k  # noqa: E731  (the kit's plans take an article)
    used = ", ".join(f"{the(k)} ({pct(v)})" for k, v in plan.shares.items() if k not in plan.premium and v > _TOL)
    if not plan.premium:
        return Markdown(
            f"All the destinations allowed give the same quality ({pct(plan.quality)} acceptable answers), so no router "
            f"is needed: the cheapest split is {used}, at {usd(plan.monthly_usd)} a month.")
    prem = " and ".join(map(the, plan.premium))
    who = "the cheapest split sends" if plan.kind == "cheapest" else "a router tuned to the floor sends"
    if plan.kind == "cheapest" and plan.premium_share >= 1 - _TOL:
        text = (f"To keep at least {plan.quality_floor:.1%} of answers acceptable with {pct(plan.hard_share)} hard "
                f"requests and a router of AUC {plan.router_auc:.2f}, the cheapest plan sends every request to {prem}: "
                f"{usd(plan.monthly_usd)} a month; no split costs less.")
    else:
        text = (f"To keep at least {plan.quality_floor:.1%} of answers acceptable with {pct(plan.hard_share)} hard "
                f"requests and a router of AUC {plan.router_auc:.2f}, {who} "
                f"{pct(plan.premium_share)} of requests to {prem}" + (f" and the rest to {used}" if used else "") + ". "
                f"It costs {usd(plan.monthly_usd)} a month against {usd(plan.all_premium_usd)} with everything on "
                f"{prem}: " + (f"a saving of {usd(plan.savings_vs_premium_usd)} ({pct(plan.savings_vs_premium)})."
                               if plan.savings_vs_premium_usd >= 0 else
                               f"{usd(-plan.savings_vs_premium_usd)} more, so this split is not the cheapest plan that "
                               f"meets the floor: everything on {prem} is."))
    if np.isfinite(plan.all_open_usd):
        verdict = ("and would meet the floor" if plan.all_open_meets_floor
                   else f"but reach only {pct(plan.all_open_quality)} acceptable answers")
        text += f" Sending nothing to {prem} would cost {usd(plan.all_open_usd)} {verdict}."
    return Markdown(text)


# ------------------------------------------------------------------------------------------ long-form tables


def cost_by_split(destinations, hard_share, router_auc, quality_floor, requests_per_month, router_usd_per_request=0.0,
                  points=101, only=None, plan: RoutingPlan | None = None) -> pd.DataFrame:
    """Monthly cost by destination against the premium share, for a stacked chart (long form).

    The premium share (the strongest quality level; the last destination if all are equal) runs from the smallest
    the other destinations' capacity allows to the premium level's own limit; each side is filled cheapest first,
    each destination up to its ``max_share`` (a self-hosted fleet first, the managed endpoint for what exceeds it).

    Parameters
    ----------
    destinations, hard_share, router_auc, quality_floor, requests_per_month, router_usd_per_request
        As in `optimal_split`; the floor only marks the splits that meet it.
    points : int
        Premium shares on the grid.
    only : sequence of str, optional
        The destinations to split between (as in `optimal_split`); default all.
    plan : RoutingPlan, optional
        Split between the destinations this plan uses (e.g. the decision's, `routed_plan`) when ``only`` is not
        given and the plan uses two or more.

    Returns
    -------
    pandas.DataFrame
        Columns ``premium_share`` [fraction], ``destination`` (the destinations and ``"router"``), ``share``
        [fraction], ``monthly_usd`` [USD/month], ``total_monthly_usd`` [USD/month], ``quality`` [probability] and
        ``meets_floor``; ``attrs["varied"]`` names the destinations on the x axis.

    Examples
    --------
    >>> d = routing_destinations(["open", "premium"], [0.001, 0.01], [0.95, 0.97], [0.40, 0.90])
    >>> f = cost_by_split(d, 0.2, 0.8, 0.9, 1e6, router_usd_per_request=0.0001, points=3)
    >>> print(f[f["premium_share"] == 0.5][["destination", "share", "monthly_usd"]].to_string(index=False))
    destination  share  monthly_usd
           open    0.5        500.0
        premium    0.5       5000.0
         router    NaN        100.0
    >>> f.groupby("premium_share")["total_monthly_usd"].first().round(1).tolist()   # no router at either end
    [1000.0, 5600.0, 10000.0]
    """
    d = _table(destinations)
    h, auc, floor, r, router_usd = _split_inputs(hard_share, router_auc, quality_floor, requests_per_month,
                                                 router_usd_per_request)
    dp = dprime_from_auc(auc)
    if int(points) < 2:
        raise ValueError(f"points must be 2 or more, got {points!r}.")
    if only is None and plan is not None:
        used = [k for k, x in plan.shares.items() if x > _TOL]
        only = used if len(used) > 1 else None
    rows = _allowed_rows(d, only)
    strong = _premium_rows(d, rows) or [rows[-1]]
    weak = [j for j in rows if j not in strong]
    c, cap = d["usd_per_request"].to_numpy(), d["max_share"].to_numpy()
    weak, strong = sorted(weak, key=lambda j: c[j]), sorted(strong, key=lambda j: c[j])
    s = np.linspace(max(0.0, 1.0 - cap[weak].sum()), min(1.0, cap[strong].sum()), int(points))
    shares = _fill(weak, cap, 1.0 - s, len(d)) + _fill(strong, cap, s, len(d))
    by_dest, router = _costs(d, shares, r, router_usd)
    quality = _quality(d["quality_easy"].to_numpy(), d["quality_hard"].to_numpy(), shares, h, dp)
    total = by_dest.sum(-1) + router
    cols = {"total_monthly_usd": total, "quality": quality, "meets_floor": meets_floor(quality, floor)}
    frames = [pd.DataFrame({"premium_share": s, "destination": d["destination"].iloc[j], "share": shares[:, j],
                            "monthly_usd": by_dest[:, j], **cols}) for j in rows]
    frames.append(pd.DataFrame({"premium_share": s, "destination": "router", "share": np.nan, "monthly_usd": router, **cols}))
    out = pd.concat(frames, ignore_index=True)
    out.attrs["varied"] = " and ".join(d["destination"].iloc[strong])
    return out


def cost_quality_frontier(destinations, hard_share, router_auc, quality_floor, requests_per_month,
                          router_usd_per_request=0.0, other_aucs=(0.5, 1.0), points=25, only=None,
                          plan: RoutingPlan | None = None) -> pd.DataFrame:
    """Cheapest monthly cost at each quality floor (the frontier), per router skill, with the chosen point.

    Parameters
    ----------
    destinations, hard_share, router_auc, quality_floor, requests_per_month, router_usd_per_request, only
        As in `optimal_split`; the chosen point is its answer unless ``plan`` is given.
    plan : RoutingPlan, optional
        The split to mark as chosen (e.g. the decision's, `routed_plan`).
    other_aucs : sequence of float
        Further router AUCs to draw a frontier for [unitless, 0.5-1], e.g. random (0.5) and perfect (1).
    points : int
        Quality floors on each frontier, from the weakest destination's quality to the strongest's.

    Returns
    -------
    pandas.DataFrame
        Columns ``router`` (label), ``router_auc``, ``point`` (``"frontier"``, ``"chosen"``, ``"all premium"``,
        ``"all open"``), ``quality`` [probability], ``monthly_usd`` [USD/month], ``premium_share`` [fraction].

    Examples
    --------
    Random router: 0.84 + 0.116 s = 0.9 at s = 0.5172; perfect: 0.84 + 0.5 s = 0.9 at s = 0.12.

    >>> d = routing_destinations(["open", "premium"], [0.001, 0.01], [0.95, 0.97], [0.40, 0.90])
    >>> f = cost_quality_frontier(d, 0.2, 1.0, 0.90, 1e6, other_aucs=[0.5], points=5)
    >>> print(f[f["point"] == "chosen"][["router_auc", "premium_share", "monthly_usd"]].round(4).to_string(index=False))
     router_auc  premium_share  monthly_usd
            1.0           0.12       2080.0
    >>> f[f["router_auc"] == 0.5]["quality"].round(3).tolist()
    [0.84, 0.869, 0.898, 0.927, 0.956]
    """
    d = _table(destinations)
    h = float(_arr("hard_share", hard_share, 0, 1))
    aucs = [float(router_auc)] + [a for a in np.atleast_1d(_arr("other_aucs", other_aucs, 0.5, 1)).ravel()
                                  if abs(a - router_auc) > 1e-12]
    if int(points) < 2:
        raise ValueError(f"points must be 2 or more, got {points!r}.")
    rows = _allowed_rows(d, only)
    qe, qh = d["quality_easy"].to_numpy(), d["quality_hard"].to_numpy()
    q_single = (1 - h) * qe[rows] + h * qh[rows]
    floors = np.linspace(q_single.min(), q_single.max(), int(points))
    if plan is None:
        plan = optimal_split(d, h, router_auc, quality_floor, requests_per_month, router_usd_per_request, only)
    out = []
    for auc in aucs:
        label = f"router AUC {auc:.2f}"
        dp = dprime_from_auc(auc)
        for f in floors:
            sol = _best(d, h, dp, f, float(requests_per_month), float(router_usd_per_request), rows)
            if sol is not None:
                prem = _premium_rows(d, rows)
                out.append((label, auc, "frontier", float(_quality(qe, qh, sol[0], h, dp)), sol[1], sol[0][prem].sum()))
    out.append((f"router AUC {router_auc:.2f}", float(router_auc), "chosen", plan.quality, plan.monthly_usd,
                plan.premium_share))
    out.append(("no router", np.nan, "all premium", plan.all_premium_quality, plan.all_premium_usd, 1.0))
    out.append(("no router", np.nan, "all open", plan.all_open_quality, plan.all_open_usd, 0.0))
    frame = pd.DataFrame(out, columns=["router", "router_auc", "point", "quality", "monthly_usd", "premium_share"])
    frame = frame[np.isfinite(frame["monthly_usd"])]
    return frame.drop_duplicates(subset=["router", "point", "monthly_usd", "quality"]).reset_index(drop=True)


# ------------------------------------------------------------------------------------------ capacity and fallback


def daily_profile(requests_per_day, peak_to_mean, steps_per_day=24, peak_hour=14.0, amplitude=0.7):
    """A smooth daily traffic profile with exactly the peak-to-mean ratio asked for [requests/step].

    Parameters
    ----------
    requests_per_day : float
        Requests in the day [requests/day].
    peak_to_mean : float
        Busiest step over the mean step [ratio, >= 1].
    steps_per_day : int
        Steps in the day (24: hourly).
    peak_hour : float
        Hour of the busiest step [h].
    amplitude : float
        Swing of the underlying cosine [fraction, 0-1).

    Returns
    -------
    ndarray
        Requests in each step, starting at midnight; they add up to ``requests_per_day``.

    Notes
    -----
    ``w_k = [1 + a cos(2π (t_k - peak_hour)/24)]^p`` at the step starts t_k, scaled to the day's volume, with p
    solved (Brent) so that ``max(w)/mean(w) = peak_to_mean``; the ratio rises with p toward the number of steps.

    Examples
    --------
    >>> p = daily_profile(24_000, 1.9)
    >>> round(float(p.sum()), 6), round(float(p.max() / p.mean()), 6), int(p.argmax())
    (24000.0, 1.9, 14)
    """
    total = float(_arr("requests_per_day", requests_per_day, 0, np.inf, "zero or more"))
    ratio = float(_arr("peak_to_mean", peak_to_mean, 1, np.inf, "1 or more"))
    n = int(steps_per_day)
    if n < 1:
        raise ValueError(f"steps_per_day must be 1 or more, got {steps_per_day!r}.")
    t = np.arange(n) * 24.0 / n
    log_x = np.log1p(float(_arr("amplitude", amplitude, 0, 0.999)) * np.cos(2 * np.pi * (t - peak_hour) / 24))
    log_x -= log_x.max()
    limit = n / np.count_nonzero(np.isclose(log_x, 0.0))
    if ratio >= limit:
        raise ValueError(f"peak_to_mean must stay below {limit:g} with {n} steps a day, got {ratio:g}.")

    def gap(p):
        return 1.0 / np.exp(p * log_x).mean() - ratio

    p = 0.0 if ratio == 1 else brentq(gap, 0.0, 1e4, xtol=1e-14, rtol=1e-14)
    w = np.exp(p * log_x)
    return w / w.sum() * total


OVERFLOW_COMPONENTS = ["self-hosted", "self-hosted, failed and re-sent", "overflow to API"]


def overflow_costs(requests_per_step, capacity_requests_per_step, selfhost_usd_per_request, overflow_usd_per_request,
                   failure_rate=0.0, fallback_usd_per_request=None, fallback_extra_latency_s=0.0,
                   selfhost_fixed_usd_per_month=0.0, step_hours=1.0, routed_share=1.0) -> pd.DataFrame:
    """Where a capacity-bound self-hosted fleet's requests end up over a traffic profile, and what they cost.

    Parameters
    ----------
    requests_per_step : array_like
        Requests arriving in each time step [requests/step].
    capacity_requests_per_step : array_like
        Requests the self-hosted fleet can serve in a step [requests/step]; one number or one per step.
    selfhost_usd_per_request : float
        Marginal cost of a self-hosted request (power, say) [USD/request].
    overflow_usd_per_request : float
        Price of a request sent to the API when the fleet is full [USD/request].
    failure_rate : float
        Share of self-hosted requests that fail or time out and are re-sent to the fallback [fraction, 0-1].
    fallback_usd_per_request : float, optional
        Price of a re-sent request [USD/request]; the overflow price if not given.
    fallback_extra_latency_s : float
        Latency a re-sent request adds: the timeout plus the fallback's answer [s].
    selfhost_fixed_usd_per_month : float
        Cost of the fleet whether used or not [USD/month], spread evenly over the steps.
    step_hours : float
        Length of a step [h].
    routed_share : float
        Share of the profile's requests routed to the self-hosted model [fraction, 0-1].

    Returns
    -------
    pandas.DataFrame
        One row per step and component (``"self-hosted"``, ``"self-hosted, failed and re-sent"``,
        ``"overflow to API"``), with ``requests`` (the components add up to the demand) [requests/step], ``usd``
        [USD/step], ``added_latency_s`` [s], ``demand`` and ``capacity`` [requests/step], ``step_hours`` [h].

    Notes
    -----
    With demand ``D = routed_share × requests`` and capacity C: served ``min(D, C)``, overflow ``max(D - C, 0)`` at
    the overflow price. A share f of served requests fails and is re-sent: those are paid twice (self-hosted and
    fallback price) and wait ``fallback_extra_latency_s`` longer. The fleet's fixed cost is counted on the
    successful self-hosted row.

    Examples
    --------
    >>> f = overflow_costs([10, 50, 120, 80], 100, 0.0, 0.01, failure_rate=0.1)
    >>> f.pivot(index="step", columns="component", values="requests")[OVERFLOW_COMPONENTS].to_numpy().tolist()
    [[9.0, 1.0, 0.0], [45.0, 5.0, 0.0], [90.0, 10.0, 20.0], [72.0, 8.0, 0.0]]
    """
    demand = _arr("requests_per_step", requests_per_step, 0, np.inf, "zero or more").ravel()
    if demand.size == 0:
        raise ValueError("requests_per_step must hold at least one step, got an empty array.")
    demand = demand * float(_arr("routed_share", routed_share, 0, 1))
    try:
        cap = np.broadcast_to(_arr("capacity_requests_per_step", capacity_requests_per_step, 0, np.inf, "zero or more"),
                              demand.shape).astype(float)
    except ValueError:
        raise ValueError(f"capacity_requests_per_step must be one number or one per step ({demand.size}).") from None
    c_s = float(_arr("selfhost_usd_per_request", selfhost_usd_per_request, 0, np.inf, "zero or more"))
    c_o = float(_arr("overflow_usd_per_request", overflow_usd_per_request, 0, np.inf, "zero or more"))
    c_f = c_o if fallback_usd_per_request is None else float(
        _arr("fallback_usd_per_request", fallback_usd_per_request, 0, np.inf, "zero or more"))
    fail = float(_arr("failure_rate", failure_rate, 0, 1))
    lat = float(_arr("fallback_extra_latency_s", fallback_extra_latency_s, 0, np.inf, "zero or more"))
    hours = float(_arr("step_hours", step_hours, 0, np.inf, "more than zero"))
    if hours <= 0:
        raise ValueError(f"step_hours must be more than zero, got {hours:g}.")
    fixed = float(_arr("selfhost_fixed_usd_per_month", selfhost_fixed_usd_per_month, 0, np.inf, "zero or more"))
    served = np.minimum(demand, cap)
    failed = fail * served
    over = demand - served
    parts = {
        "self-hosted": (served - failed, (served - failed) * c_s + fixed * hours / HOURS_PER_MONTH, 0.0),
        "self-hosted, failed and re-sent": (failed, failed * (c_s + c_f), lat),
        "overflow to API": (over, over * c_o, 0.0),
    }
    step = np.arange(demand.size)
    return pd.concat(
        [pd.DataFrame({"step": step, "component": k, "requests": n, "usd": u, "added_latency_s": a, "demand": demand,
                       "capacity": cap, "step_hours": hours}) for k, (n, u, a) in parts.items()],
        ignore_index=True,
    )


def overflow_summary(frame: pd.DataFrame) -> dict:
    """Totals of an `overflow_costs` table, scaled to a month: shares, costs and the added latency.

    Returns
    -------
    dict
        ``requests`` [requests/profile]; ``selfhost_share``, ``failed_share``, ``overflow_share`` [fraction of
        demand]; ``usd_per_profile`` [USD]; ``monthly_usd`` and ``monthly_usd_by_component`` [USD/month], the
        profile repeated over the month; ``mean_added_latency_s`` [s per request, all requests] and
        ``added_latency_s_when_failed`` [s].

    Examples
    --------
    >>> s = overflow_summary(overflow_costs([10, 50, 120, 80], 100, 0.0, 0.01, failure_rate=0.1,
    ...                                     fallback_extra_latency_s=2.0))
    >>> round(s["overflow_share"], 4), round(s["failed_share"], 4), round(s["usd_per_profile"], 2), round(s["mean_added_latency_s"], 4)
    (0.0769, 0.0923, 0.44, 0.1846)
    """
    by = frame.groupby("component", sort=False)
    n = by["requests"].sum()
    total = float(frame.loc[frame["component"] == OVERFLOW_COMPONENTS[0], "demand"].sum())
    steps = frame["step"].nunique()
    months = HOURS_PER_MONTH / (steps * float(frame["step_hours"].iloc[0]))
    usd_profile = by["usd"].sum()
    failed = float(n.get(OVERFLOW_COMPONENTS[1], 0.0))
    lat = float(frame.loc[frame["component"] == OVERFLOW_COMPONENTS[1], "added_latency_s"].iloc[0])
    share = (lambda k: float(n.get(k, 0.0)) / total) if total > 0 else (lambda k: np.nan)
    return {
        "requests": total,
        "selfhost_share": share(OVERFLOW_COMPONENTS[0]),
        "failed_share": share(OVERFLOW_COMPONENTS[1]),
        "overflow_share": share(OVERFLOW_COMPONENTS[2]),
        "usd_per_profile": float(usd_profile.sum()),
        "monthly_usd": float(usd_profile.sum() * months),
        "monthly_usd_by_component": {k: float(v * months) for k, v in usd_profile.items()},
        "mean_added_latency_s": failed * lat / total if total > 0 else np.nan,
        "added_latency_s_when_failed": lat,
    }




# ------------------------------------------------------------------------------------------ scenario bridge

SELFHOST, MANAGED, PREMIUM = "self-hosted", "managed open endpoint", "closed API"
"""Destination names used by `routing_from_scenario`."""


@dataclass(frozen=True)
class RoutingInputs:
    """Plain-number inputs of the routing functions for one scenario, from `routing_from_scenario`.

    ``split_args`` are the keyword arguments of `optimal_split`, `cost_by_split` and `cost_quality_frontier`;
    ``claims_args`` those of `hybrid_claims_grid` (with the grid axes to add); ``overflow_args`` those of
    `overflow_costs` but ``routed_share``; ``selfhost_hybrid`` the destinations of claim 9's set-up (the
    self-hosted fleet and the closed API, those permitted), for ``only=``.
    """

    destinations: pd.DataFrame
    excluded: dict
    hard_share: float
    router_auc: float
    recovered_fraction: float
    quality_floor: float
    requests_per_month: float
    router_usd_per_request: float
    selfhost_hybrid: list
    overflow_to: str
    overflow_args: dict

    @property
    def split_args(self) -> dict:
        return {"destinations": self.destinations, "hard_share": self.hard_share, "router_auc": self.router_auc,
                "quality_floor": self.quality_floor, "requests_per_month": self.requests_per_month,
                "router_usd_per_request": self.router_usd_per_request}

    @property
    def claims_args(self) -> dict:
        return {"destinations": self.destinations, "requests_per_month": self.requests_per_month,
                "recovered_fraction": self.recovered_fraction, "router_usd_per_request": self.router_usd_per_request,
                "only": self.selfhost_hybrid}


def routing_from_scenario(scenario) -> RoutingInputs:
    """Destinations, router and traffic profile of a scenario, as plain numbers for the routing functions.

    Parameters
    ----------
    scenario : Scenario
        From `load_scenario`; reads ``routing.*``, ``workload.*``, ``engineering.*`` and, through `option_costs`,
        every option's monthly cost.

    Returns
    -------
    RoutingInputs
        Destinations (self-hosted, managed open endpoint, closed API; those not permitted are left out and listed
        in ``excluded``), the router, the quality floor and the overflow inputs.

    Notes
    -----
    Each destination's cost at 100 % of the traffic is its `option_costs` monthly cost, split into a marginal part
    (per request) and a fixed part (paid whenever it takes traffic):

    - per-token options (managed, API): marginal = token cost per request; fixed = engineering, evaluation and
      compliance;
    - self-hosted: the fleet (GPUs, power, hosting, engineering, evaluation, upgrades, storage) is fixed, as sized by
      the cost model for the whole workload's peak (the decision's fleet); only egress is marginal. Its share limit,
      ``max_share``, is the serving replicas' requests per second at ``selfhost.max_utilization`` over the peak
      demand (spares excluded; the rule the fleet was sized by), at most 1; the overflow analysis gives it the
      serving replicas' full capacity. The marginal cost is the right price for routing decisions once the fleet
      exists; the fixed cost decides whether it should exist, which the subset search of `optimal_split` settles.

    The open model is the same self-hosted and managed (``routing.open_quality_*``); the API has
    ``routing.premium_quality_*``. The quality floor is the decision's (`econ._pipeline.quality_inputs`): it recovers
    ``routing.recovered_fraction`` of the gap between them (the open model's own quality when the API is not
    permitted). The router costs
    ``routing.router_usd_per_request`` plus ``routing.router_hours_per_month`` of engineering spread over the month's
    requests (exact: the router cost is counted on every request whenever it is used). The traffic profile is
    `daily_profile` at ``workload.peak_to_mean``; overflow and failures go to ``routing.overflow_to`` (the other
    per-token option if that one is not permitted) at its marginal price.

    Examples
    --------
    >>> from econ import load_scenario, PARAMS_DIR
    >>> r = routing_from_scenario(load_scenario(PARAMS_DIR / "regulated_on_prem.yaml"))
    >>> list(r.destinations["destination"]), list(r.excluded)
    (['self-hosted', 'managed open endpoint'], ['closed API'])
    """
    from ._pipeline import quality_inputs

    v = scenario.values
    costs = option_costs(v)
    r = float(costs["api"]["requests_per_month"])
    q = {k: float(v[f"routing.{k}"]) for k in ("open_quality_easy", "open_quality_hard", "premium_quality_easy",
                                               "premium_quality_hard")}
    open_q, prem_q = (q["open_quality_easy"], q["open_quality_hard"]), (q["premium_quality_easy"], q["premium_quality_hard"])
    _check_class_qualities(*open_q, *prem_q)
    rows, excluded, marginal = [], {}, {}
    sh = costs["selfhost"]  # the decision's fleet: its serving replicas at full load, spares excluded
    peak_rps = float(sh["peak_requests_per_s"])
    capacity_rps = float(sh["serving_replicas"] * sh["replica_requests_per_s"])
    planned_rps = capacity_rps * float(v["selfhost.max_utilization"])
    egress = (float(sh["egress_storage_usd"]) - float(v["selfhost.storage_usd_per_month"])) / r
    for key, name, quality in (("selfhost", SELFHOST, open_q), ("managed", MANAGED, open_q), ("api", PREMIUM, prem_q)):
        if not v[f"{key}.permitted"]:
            excluded[name] = f"not permitted by the scenario ({key}.permitted: false)"
            continue
        c = costs[key]
        marginal[name] = egress if key == "selfhost" else float(c["tokens_usd"]) / r
        fixed = float(c["monthly_usd"]) - marginal[name] * r
        cap = min(1.0, planned_rps / peak_rps) if key == "selfhost" else 1.0
        rows.append((name, marginal[name], *quality, fixed, cap))
    if not rows:
        raise ValueError("No destination is permitted in this scenario: set api, managed or selfhost.permitted true.")
    names, cost, qe, qh, fixed, cap = zip(*rows)
    dest = routing_destinations(names, cost, qe, qh, fixed, cap)
    h, x = float(v["routing.hard_share"]), float(v["routing.recovered_fraction"])
    floor = float(quality_inputs(v)["floor"])  # the decision's floor
    want = {"api": PREMIUM, "managed": MANAGED}[v["routing.overflow_to"]]
    overflow_to = next((n for n in (want, PREMIUM, MANAGED) if n in marginal), SELFHOST)
    return RoutingInputs(
        destinations=dest,
        excluded=excluded,
        hard_share=h,
        router_auc=float(v["routing.router_auc"]),
        recovered_fraction=x,
        quality_floor=float(floor),
        requests_per_month=r,
        router_usd_per_request=float(v["routing.router_usd_per_request"])
        + float(v["routing.router_hours_per_month"]) * float(v["engineering.loaded_usd_per_hour"]) / r,
        selfhost_hybrid=[n for n in (SELFHOST, PREMIUM) if n in names],
        overflow_to=overflow_to,
        overflow_args={
            "requests_per_step": daily_profile(float(v["workload.requests_per_day"]), float(v["workload.peak_to_mean"])),
            "capacity_requests_per_step": capacity_rps * 3600.0,
            "selfhost_usd_per_request": egress,
            "overflow_usd_per_request": marginal.get(overflow_to, egress),
            "failure_rate": float(v["routing.selfhost_failure_rate"]),
            "fallback_extra_latency_s": float(v["routing.fallback_timeout_s"]),
            "selfhost_fixed_usd_per_month": float(dest.loc[dest["destination"] == SELFHOST, "fixed_usd_per_month"].sum()),
            "step_hours": 1.0,
        },
    )


def routed_plan(inputs: RoutingInputs) -> RoutingPlan | None:
    """The routed split the decision prices (`econ.decide`'s ``options["routed"]``), as a `RoutingPlan`.

    Parameters
    ----------
    inputs : RoutingInputs
        From `routing_from_scenario`.

    Returns
    -------
    RoutingPlan or None
        The cheapest split over every permitted destination that meets the floor (`optimal_split`, ``kind ==
        "cheapest"``). When that split sends everything to the closed API, the split a router tuned to the floor
        makes between the cheapest open destination and the API instead (`routed_split`, ``kind == "tuned"``:
        priced to show what splitting would cost, not recommended), if it splits. Otherwise the cheapest plan, one
        destination (no premium level, or a floor the open model meets): there is no split. None when no plan
        reaches the floor.

    Examples
    --------
    >>> from econ import load_scenario, PARAMS_DIR
    >>> p = routed_plan(routing_from_scenario(load_scenario(PARAMS_DIR / "enterprise_steady.yaml")))
    >>> p.kind, {k: round(v, 4) for k, v in p.shares.items() if v}, round(p.monthly_usd, 2)
    ('cheapest', {'managed open endpoint': 0.4758, 'closed API': 0.5242}, 9587.87)
    """
    try:
        plan = optimal_split(**inputs.split_args)
    except ValueError:
        return None
    used = [k for k, x in plan.shares.items() if x > 1e-12]
    names = list(inputs.destinations["destination"])
    if len(used) < 2 and plan.premium and len(names) > 1:
        plans = []
        for name in names:
            if name not in plan.premium:
                try:
                    tuned = routed_split(**inputs.split_args, only=[name, *plan.premium])
                except ValueError:
                    continue
                if sum(x > 1e-12 for x in tuned.shares.values()) > 1:  # a floor the open model meets splits nothing
                    plans.append(tuned)
        if plans:
            return min(plans, key=lambda p: p.monthly_usd)
    return plan


OPTION_OF = {SELFHOST: "selfhost", MANAGED: "managed", PREMIUM: "api"}
"""Destination name -> option key of `econ.option_costs` and of a decision's plans."""


def split_matches_decision(plan: RoutingPlan | None, decision) -> bool:
    """Whether a split is the decision's routed split: the same destinations, shares (to 1e-9) and monthly cost (to a
    cent); a plan that splits nothing matches a decision without a routed split."""
    routed = decision.options.get("routed")
    shares = {} if plan is None else {OPTION_OF[k]: x for k, x in plan.shares.items() if x > 1e-12}
    if routed is None:
        return len(shares) < 2
    if plan is None or set(shares) != set(routed.shares):
        return False
    return (all(abs(shares[k] - routed.shares[k]) <= 1e-9 for k in shares)
            and abs(plan.monthly_usd - routed.monthly_usd) <= 0.005)


# ------------------------------------------------------------------------------------------ claims 9 and 19


def hybrid_claims_grid(destinations, requests_per_month, hard_share, router_auc, recovered_fraction,
                       router_usd_per_request=0.0, only=None) -> pd.DataFrame:
    """Where claim 9 (80-90 % open, 10-20 % premium) and claim 19 (30-50 % savings) hold, over a grid.

    Each point prices the split a router tuned to the floor makes (`routed_split`), whether or not it pays.

    Parameters
    ----------
    destinations, requests_per_month, router_usd_per_request, only
        As in `optimal_split` (the destinations' qualities fix the open and premium levels).
    hard_share : sequence of float
        Shares of hard requests [fraction, 0-1]; one axis of the grid.
    router_auc : sequence of float
        Router AUCs [unitless, 0.5-1]; the other axis.
    recovered_fraction : float
        Share of the premium model's quality gain the split must keep [fraction, 0-1]; sets the floor at each point.

    Returns
    -------
    pandas.DataFrame
        One row per grid point: ``hard_share``, ``router_auc``, ``premium_share``, ``open_share`` [fraction],
        ``monthly_usd``, ``all_premium_usd`` [USD/month], ``savings_vs_premium`` [fraction], ``claim9_holds``
        (premium share at most 20 %: the claim's 80-90 % or more can stay open) and ``claim19_holds`` (savings
        within 30-50 %). Empty without a premium level.

    Examples
    --------
    No fixed costs, open 10 × cheaper: the saving is ``0.9 (1 - s)`` at premium share s, so 30 % needs s <= 2/3.

    >>> d = routing_destinations(["open", "premium"], [0.001, 0.01], [0.95, 0.95], [0.40, 0.90])
    >>> g = hybrid_claims_grid(d, 1e6, [0.1, 0.3], [0.5, 1.0], recovered_fraction=0.8)
    >>> print(g[["hard_share", "router_auc", "premium_share", "savings_vs_premium", "claim9_holds"]].round(3).to_string(index=False))
     hard_share  router_auc  premium_share  savings_vs_premium  claim9_holds
            0.1         0.5           0.80               0.180         False
            0.1         1.0           0.08               0.828          True
            0.3         0.5           0.80               0.180         False
            0.3         1.0           0.24               0.684         False
    """
    d = _table(destinations)
    rows = _allowed_rows(d, only)
    prem = _premium_rows(d, rows)
    out = []
    if prem:
        w, p = rows[0], prem[0]
        qe, qh = d["quality_easy"].to_numpy(), d["quality_hard"].to_numpy()
        x = float(_arr("recovered_fraction", recovered_fraction, 0, 1))
        for h in np.atleast_1d(_arr("hard_share", hard_share, 0, 1)).ravel():
            q_open, q_prem = (1 - h) * qe[w] + h * qh[w], (1 - h) * qe[p] + h * qh[p]
            for a in np.atleast_1d(_arr("router_auc", router_auc, 0.5, 1)).ravel():
                plan = routed_split(d, h, a, q_open + x * (q_prem - q_open), requests_per_month,
                                    router_usd_per_request, only)
                out.append((h, a, plan.premium_share, 1 - plan.premium_share, plan.monthly_usd, plan.all_premium_usd,
                            plan.savings_vs_premium))
    g = pd.DataFrame(out, columns=["hard_share", "router_auc", "premium_share", "open_share", "monthly_usd",
                                   "all_premium_usd", "savings_vs_premium"])
    (lo9, hi9), (lo19, hi19) = CLAIM9_PREMIUM_SHARE, CLAIM19_SAVINGS
    g["claim9_holds"] = g["premium_share"] <= hi9 + 1e-6
    g["claim19_holds"] = (g["savings_vs_premium"] >= lo19) & (g["savings_vs_premium"] <= hi19)
    return g


def _range_text(values) -> str:
    lo, hi = pct(min(values)), pct(max(values))
    return lo if lo == hi else f"from {lo} to {hi}"


def _decision_line(plan: RoutingPlan | None, decision) -> str:
    """One sentence: the decision's recommended plan, and whether this page's split is the decision's routed split."""
    from ._views import fact, noun

    rec = decision.recommended_plan
    head = (f"The decision (the same on every page) recommends the **{fact('recommended', rec.name)}{noun(rec)}** at "
            f"{fact(f'options.{rec.key}.monthly_usd', usd(rec.monthly_usd))} a month"
            + (f" among plans that reach the quality floor of {decision.quality_floor:.1%}"
               if decision.quality_basis == "floor" else "") + ". ")
    routed = decision.options.get("routed")
    splits = plan is not None and sum(x > 1e-12 for x in plan.shares.values()) > 1
    if not split_matches_decision(plan, decision):
        shown = ", ".join(f"{k} {pct(x)}" for k, x in plan.shares.items() if x > 1e-12) if plan is not None else "none"
        theirs = (", ".join(f"{OPTIONS_NAMES.get(k, k)} {pct(x)}" for k, x in routed.shares.items())
                  + f", {usd(routed.monthly_usd)}") if routed is not None else "no split"
        return head + (f"The split on this page ({shown}, {usd(plan.monthly_usd) if plan else '–'}) is not the "
                       f"decision's ({theirs}): the decision was computed from other inputs.")
    if not splits:
        where = next((k for k, x in plan.shares.items() if x > 1e-12), "one destination") if plan else "one destination"
        return head + f"No split of traffic is priced: the cheapest plan that meets the floor sends everything to {where}."
    if rec.key == "routed":
        return head + "The split on this page is that plan."
    gap = routed.monthly_usd - rec.monthly_usd
    why = (f"not eligible: {routed.why_not}" if not routed.eligible else
           f"{usd(gap)} a month more than the recommended plan" if gap >= 0 else "cheaper but not recommended")
    return head + (f"The routed split on this page ({fact('options.routed.monthly_usd', usd(routed.monthly_usd))} a "
                   f"month) is the decision's routed split, {why}.")


OPTIONS_NAMES = {v: k for k, v in OPTION_OF.items()}


def routing_findings(inputs: RoutingInputs, plan: RoutingPlan, hybrid: RoutingPlan, flow: pd.DataFrame,
                     grid: pd.DataFrame, decision=None) -> Markdown:
    """What the routing analysis says about a scenario, and whether claims 9 and 19 hold, as computed sentences.

    Parameters
    ----------
    inputs : RoutingInputs
        From `routing_from_scenario`.
    plan : RoutingPlan
        `optimal_split` over all the destinations.
    hybrid : RoutingPlan
        `routed_split` restricted to ``inputs.selfhost_hybrid`` (claim 9's set-up).
    flow : pandas.DataFrame
        `overflow_costs` for the hybrid's self-hosted share.
    grid : pandas.DataFrame
        `hybrid_claims_grid` on the hybrid's destinations (``inputs.claims_args``).
    decision : Decision, optional
        The scenario's decision (`econ.decision`): the first bullet names its recommended plan and says whether
        ``plan`` is its routed split.

    Returns
    -------
    Markdown
        Bullet points; every number computed from the arguments.
    """
    out = []
    if decision is not None:
        out.append(_decision_line(plan, decision))
    if inputs.excluded:
        out.append("Left out, not permitted in this scenario: "
                   + "; ".join(f"{k} (`{why}`)" for k, why in inputs.excluded.items()) + ".")
    d = inputs.destinations
    x, h, auc = inputs.recovered_fraction, inputs.hard_share, inputs.router_auc
    if PREMIUM in set(d["destination"]) and len(_levels(d)) and _levels(d).max() > 0:
        o, p = d.iloc[0], d[d["destination"] == PREMIUM].iloc[0]
        cpt = call_performance_threshold(x, h, [auc, 0.5, 1.0], o["quality_easy"], o["quality_hard"],
                                         p["quality_easy"], p["quality_hard"])
        q_open = (1 - h) * o["quality_easy"] + h * o["quality_hard"]
        q_prem = (1 - h) * p["quality_easy"] + h * p["quality_hard"]
        out.append(f"To recover {pct(x)} of the closed API's quality gain (from {q_open:.1%} to {q_prem:.1%} "
                   f"acceptable answers, so a floor of {inputs.quality_floor:.1%}), a router of AUC {auc:.2f} must send "
                   f"{cpt[0]:.1%} of requests to it (RouteLLM's CPT({pct(x)})); a random router needs {cpt[1]:.1%}, "
                   f"a perfect one {cpt[2]:.1%}.")
    if SELFHOST in hybrid.shares and hybrid.premium:
        s_sh, s_p = hybrid.shares[SELFHOST], hybrid.premium_share
        sav = hybrid.savings_vs_premium
        out.append(f"Claim 9's set-up, the self-hosted fleet plus the closed API: {pct(s_sh)} of requests on the fleet "
                   f"and {pct(s_p)} on the API cost {usd(hybrid.monthly_usd)} a month against "
                   f"{usd(hybrid.all_premium_usd)} all-premium, " + (f"a saving of {pct(sav)}." if sav >= 0 else
                                                                     f"{pct(-sav)} more."))
        ok9 = s_p <= CLAIM9_PREMIUM_SHARE[1] + 1e-6
        fixed = float(d.loc[d["destination"] == SELFHOST, "fixed_usd_per_month"].iloc[0])
        out.append(f"Claim 9 (80–90 % self-hosted, 10–20 % premium) {'holds' if ok9 else 'fails'} as a traffic split "
                   f"here: the quality floor needs {pct(s_p)} on premium"
                   + ("" if sav >= 0 else ", and the split does not pay: self-hosting's fixed cost alone (fleet, "
                      f"engineering, evaluation, upgrades, storage) is {usd(fixed)} a month") + ".")
        lo19, hi19 = CLAIM19_SAVINGS
        verdict = "holds" if lo19 <= sav <= hi19 else ("is exceeded" if sav > hi19 else "fails")
        limit = (1 - lo19) * hybrid.all_premium_usd - (hybrid.monthly_usd - fixed)
        need = (f"needs self-hosting's fixed cost to be at most {usd(limit)} a month; it is {usd(fixed)}" if limit > 0
                else f"is out of reach even with a free fleet: the rest of the split costs "
                f"{usd(hybrid.monthly_usd - fixed)}")
        out.append(f"Claim 19 (hybrid routing saves 30–50 %) {verdict} for this hybrid ({pct(sav)}). A 30 % saving at "
                   f"this split {need}.")
    if plan.premium or len(plan.shares) > 1:
        best = ", ".join(f"{k} {pct(v)}" for k, v in plan.shares.items() if v > _TOL)
        sav, (lo19, hi19) = plan.savings_vs_premium, CLAIM19_SAVINGS
        verdict = "holds" if lo19 <= sav <= hi19 else "exceeded" if sav > hi19 else "fails"
        if sum(v > _TOL for v in plan.shares.values()) == 1:
            out.append(f"The cheapest plan over every permitted destination sends everything to "
                       f"{next(k for k, v in plan.shares.items() if v > _TOL)}: {usd(plan.monthly_usd)} a month.")
        elif plan.kind == "cheapest":
            tail = (f", {pct(sav)} below all-premium (claim 19's 30–50 %: {verdict})" if np.isfinite(sav) else "")
            out.append(f"The cheapest split over every permitted destination is {best}: {usd(plan.monthly_usd)} a "
                       f"month{tail}.")
        else:
            out.append(f"The cheapest plan that meets the floor sends everything to {' and '.join(plan.premium)} "
                       f"({usd(plan.all_premium_usd)} a month); a router tuned to the floor would split {best} for "
                       f"{usd(plan.monthly_usd)}, {pct(-sav)} more (claim 19's 30–50 %: {verdict}).")
    if len(grid):
        hs = sorted(grid["hard_share"].unique())
        parts9, parts19 = [], []
        for a, g in grid.groupby("router_auc"):
            ok9 = g.loc[g["claim9_holds"], "hard_share"]
            parts9.append(f"AUC {a:.2f}: " + (f"{_range_text(ok9)} hard requests" if len(ok9) else "at none"))
            parts19.append(f"AUC {a:.2f}: {_range_text(g['savings_vs_premium'])}")
        out.append(f"Over hard shares {_range_text(hs)}, 80 % or more can stay self-hosted (claim 9) with a router of "
                   + "; ".join(parts9) + ". Savings of the self-hosted hybrid against all-premium, by router: "
                   + "; ".join(parts19) + ".")
    if len(flow):
        s = overflow_summary(flow)
        sh_rows = flow[flow["component"] == OVERFLOW_COMPONENTS[0]]
        peak, cap = float(sh_rows["demand"].max()), float(sh_rows["capacity"].iloc[0])
        by = s["monthly_usd_by_component"]
        head = (f"The decision's fleet serves up to {cap:,.0f} requests an hour (its serving replicas at full load, "
                f"spares excluded); its busiest hour brings {peak:,.0f} "
                + (f"({cap / peak:.1f} times less than capacity), so nothing overflows." if peak <= cap else
                   f": {pct(s['overflow_share'])} of its requests overflow to the {inputs.overflow_to} for "
                   f"{usd(by[OVERFLOW_COMPONENTS[2]])} a month.") if peak > 0 else
                "No traffic is routed to the self-hosted fleet.")
        out.append(head + (f" Failures ({pct(s['failed_share'])} of its requests) are re-sent to the "
                           f"{inputs.overflow_to} for {usd(by[OVERFLOW_COMPONENTS[1]])} a month and wait "
                           f"{s['added_latency_s_when_failed']:g} s longer." if peak > 0 else ""))
    return Markdown("\n".join(f"- {line}" for line in out))


# ------------------------------------------------------------------------------------------ charts


def hybrid_claims_chart(grid: pd.DataFrame) -> alt.Chart:
    """Savings against all-premium over hard share and router AUC, labelled with the premium share, from
    `hybrid_claims_grid`; cells where claim 9 holds (80 % or more can stay open) are outlined."""
    if grid.empty:
        return finish(alt.Chart(pd.DataFrame({"text": ["no premium destination is permitted: claims 9 and 19 do not apply"]})
                                ).mark_text(size=14).encode(text="text:N").properties(width=480, height=60))
    data = grid.assign(label=grid["premium_share"].map(lambda s: f"{s:.0%} premium"),
                       claim9=np.where(grid["claim9_holds"], "holds", "fails"))
    x = alt.X("router_auc:O", title="router skill (ROC AUC: 0.5 a coin toss, 1 perfect)",
              axis=alt.Axis(format=".2f", labelAngle=0))
    y = alt.Y("hard_share:O", title="share of hard requests", sort="descending", axis=alt.Axis(format=".0%"))
    tips = [alt.Tooltip("hard_share:Q", format=".0%", title="hard share"), alt.Tooltip("router_auc:Q", format=".2f"),
            alt.Tooltip("premium_share:Q", format=".1%", title="premium share"),
            alt.Tooltip("savings_vs_premium:Q", format=".1%", title="savings vs all-premium"),
            alt.Tooltip("monthly_usd:Q", format="$,.0f", title="USD/month"),
            alt.Tooltip("claim9:N", title="claim 9 (10-20 % premium)")]
    lim = float(np.nanmax(np.abs(data["savings_vs_premium"]))) or 1.0  # symmetric: zero (no saving) is white
    cells = alt.Chart(data).mark_rect(strokeWidth=3).encode(
        x=x, y=y, tooltip=tips,
        color=alt.Color("savings_vs_premium:Q", title=["saving against", "all-premium"], legend=alt.Legend(format=".0%"),
                        scale=alt.Scale(scheme="redblue", domain=[-lim, lim], domainMid=0.0)),
        stroke=alt.condition("datum.claim9 == 'holds'", alt.value("black"), alt.value(None)))
    text = alt.Chart(data).mark_text(fontSize=11).encode(
        x=x, y=y, text="label:N", tooltip=tips,
        color=alt.condition(f"abs(datum.savings_vs_premium) > {0.6 * lim}", alt.value("white"), alt.value("black")))
    return finish((cells + text).properties(
        title=alt.TitleParams("Self-hosted hybrid: premium share needed and saving",
                              subtitle="label: share sent to the closed API; colour: saving against sending everything "
                                       "there (red: costs more); outlined: claim 9 holds"), width=480, height=260))


def routing_cost_chart(frame: pd.DataFrame, plan: RoutingPlan | None = None) -> alt.Chart:
    """Monthly cost by destination (stacked areas) against the premium share, from `cost_by_split`; the routed
    split ``plan`` (e.g. `routed_plan`) marked with a labelled rule when it is on the chart."""
    varied = frame.attrs.get("varied", "the premium model")
    names = list(dict.fromkeys(frame["destination"]))
    keep = [n for n in names if (frame.loc[frame["destination"] == n, "monthly_usd"] > 0).any()]
    data = frame[frame["destination"].isin(keep)].assign(rank=lambda f: f["destination"].map(keep.index))
    x = alt.X("premium_share:Q", title=f"share of requests sent to the {varied}", axis=alt.Axis(format="%"),
              scale=alt.Scale(domain=[float(frame["premium_share"].min()), float(frame["premium_share"].max())], nice=False))
    areas = alt.Chart(data).mark_area(interpolate="linear").encode(
        x=x,
        y=alt.Y("monthly_usd:Q", stack="zero", title="monthly cost (USD)", axis=USD_AXIS),
        color=alt.Color("destination:N", title="cost of", sort=keep, scale=color_scale(keep),
                        legend=alt.Legend(orient="bottom", direction="horizontal")),
        order=alt.Order("rank:Q"),
        tooltip=[alt.Tooltip("destination:N"), alt.Tooltip("premium_share:Q", format=".0%", title="premium share"),
                 alt.Tooltip("monthly_usd:Q", format="$,.0f", title="USD/month"),
                 alt.Tooltip("total_monthly_usd:Q", format="$,.0f", title="total USD/month"),
                 alt.Tooltip("quality:Q", format=".1%", title="acceptable answers")],
    )
    layers = [areas]
    lo, hi = float(frame["premium_share"].min()), float(frame["premium_share"].max())
    if plan is not None and lo - 1e-9 <= plan.premium_share <= hi + 1e-9 and hi > lo:
        used = [k for k, x in plan.shares.items() if x > _TOL]
        if not plan.premium or len(used) < 2:
            label = f"the cheapest plan: everything on the {' and the '.join(map(_place, used))}, {usd(plan.monthly_usd)} a month"
        else:
            label = (f"{'the routed split' if plan.kind == 'cheapest' else 'split tuned to the floor'}: "
                     f"{pct(plan.premium_share)} to the {varied}, {usd(plan.monthly_usd)} a month")
        layers.append(marked_rules([(plan.premium_share, label)], "premium_share", (lo, hi), color="#333333"))
    open_ = [n for n in keep if n not in ("router", *varied.split(" and "))]
    subtitle = (f"the rest of the requests on the {' and the '.join(map(_place, open_))}" if open_ else "")
    return finish(alt.layer(*layers).properties(
        title=alt.TitleParams(f"Monthly cost by destination against the share sent to the {varied}", subtitle=subtitle),
        width=600, height=300))


def _place(destination: str) -> str:
    """A destination as a place requests go to: "self-hosted fleet", "closed API"."""
    return "self-hosted fleet" if destination == SELFHOST else destination


def routing_frontier_chart(frame: pd.DataFrame) -> alt.Chart:
    """Cost-quality frontier per router, with the chosen split and the two single-destination options, each point
    labelled, from `cost_quality_frontier`."""
    tips = [alt.Tooltip("router:N"), alt.Tooltip("point:N"),
            alt.Tooltip("monthly_usd:Q", format="$,.0f", title="USD/month"),
            alt.Tooltip("quality:Q", format=".1%", title="acceptable answers"),
            alt.Tooltip("premium_share:Q", format=".1%", title="premium share")]
    chosen = frame.loc[frame["point"] == "chosen", "router"]
    routers = list(dict.fromkeys(frame["router"]))
    mine = chosen.iloc[0] if len(chosen) else None
    greys = iter(["#bab0ac", "#79706e", "#333333"])
    colors = {r: PALETTE["routed split"] if r == mine else PALETTE.get(r) or next(greys, "#bab0ac") for r in routers}
    names = {r: f"{r} (this scenario)" if r == mine else r for r in routers}
    data = frame.assign(router=frame["router"].map(names))
    x = alt.X("monthly_usd:Q", title="monthly cost (USD)", axis=USD_AXIS)
    y = alt.Y("quality:Q", title="share of acceptable answers", axis=alt.Axis(format="%"), scale=alt.Scale(zero=False))
    color = alt.Color("router:N", title="router", sort=list(names.values()),
                      scale=color_scale(names.values(), {names[r]: c for r, c in colors.items()}),
                      legend=alt.Legend(orient="bottom", direction="horizontal"))
    frontier = data[data["point"] == "frontier"]
    flat = frontier["quality"].nunique() <= 1  # every destination gives the same quality: no frontier to draw
    lines = [] if flat else [alt.Chart(frontier).mark_line(point=False).encode(x=x, y=y, color=color, tooltip=tips)]
    points = data[data["point"] != "frontier"].assign(label=lambda f: f["point"].map(
        {"chosen": "the routed split", "all premium": "everything on the closed API",
         "all open": "everything on the cheapest open destination"}).fillna(f["point"]))
    kinds = [k for k in ("the routed split", "everything on the closed API",
                         "everything on the cheapest open destination") if k in set(points["label"])]
    marks = alt.Chart(points).mark_point(size=110, filled=True, color="#333333", opacity=1).encode(
        x=x, y=y, tooltip=tips,
        shape=alt.Shape("label:N", title="point", sort=kinds, scale=alt.Scale(
            domain=kinds, range=[{"the routed split": "triangle-up", "everything on the closed API": "square"}.get(
                k, "circle") for k in kinds]), legend=alt.Legend(orient="bottom", direction="vertical")))
    title = alt.TitleParams("Cheapest monthly cost for each quality level", subtitle=(
        "every destination permitted gives the same quality: there is nothing to trade" if flat else
        "one line per router skill; black points: the routed split and the single destinations"))
    return finish(alt.layer(*lines, marks).properties(title=title, width=600, height=320))


def overflow_chart(frame: pd.DataFrame) -> alt.Chart:
    """Requests per step by where they ended up (stacked), with the fleet's capacity (labelled), from
    `overflow_costs`."""
    hours = float(frame["step_hours"].iloc[0])
    step_title = "hour of the day" if hours == 1 else f"time step ({hours:g} h each)"
    data = frame.assign(rank=lambda f: f["component"].map(OVERFLOW_COMPONENTS.index))
    kinds = [c for c in OVERFLOW_COMPONENTS if c in set(data["component"])]
    areas = alt.Chart(data).mark_area(interpolate="step-after").encode(
        x=alt.X("step:Q", title=step_title),
        y=alt.Y("requests:Q", stack="zero", title="requests per hour" if hours == 1 else "requests per step",
                axis=count_axis()),
        color=alt.Color("component:N", title=None, sort=kinds, scale=color_scale(kinds),
                        legend=alt.Legend(orient="bottom", direction="horizontal")),
        order=alt.Order("rank:Q"),
        tooltip=[alt.Tooltip("step:Q"), alt.Tooltip("component:N"), alt.Tooltip("requests:Q", format=",.0f"),
                 alt.Tooltip("usd:Q", format="$,.2f", title="USD"),
                 alt.Tooltip("added_latency_s:Q", format=".2f", title="added latency (s)")],
    )
    cap_rows = frame[frame["component"] == OVERFLOW_COMPONENTS[0]]
    capacity = alt.Chart(cap_rows).mark_line(interpolate="step-after", color="black", strokeDash=[4, 3]).encode(
        x="step:Q", y="capacity:Q", tooltip=[alt.Tooltip("capacity:Q", format=",.0f", title="capacity per step")])
    cap = float(cap_rows["capacity"].iloc[0]) if len(cap_rows) else 0.0
    label = alt.Chart(pd.DataFrame({"step": [0.0], "capacity": [cap],
                                    "label": [f"capacity of the fleet: {cap:,.0f} requests"]})).mark_text(
        align="left", baseline="bottom", dx=4, dy=-3).encode(x="step:Q", y="capacity:Q", text="label:N")
    return finish((areas + capacity + label).properties(
        title="Self-hosted requests, failures re-sent and overflow over the profile", width=600, height=280))
