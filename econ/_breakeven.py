"""Breakevens between two options as intervals: every daily volume at which each is the cheaper one.

The self-hosted fleet is re-chosen at every volume (the cheapest GPU, tensor-parallel degree and replica count,
`econ._fleet`), so its cost rises in steps and the cheaper option can change more than once. `cheaper_intervals` is
the one function that finds them; `breakeven_tokens_per_day`, the charts and every sentence use it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq

from ._costs import OPTIONS, option_costs
from ._views import tokens as _tokens

__all__ = ["Breakeven", "breakeven_tokens_per_day", "cheaper_intervals", "cost_vs_volume"]

VOLUME_RANGE = (1e5, 1e10)
"""Daily volumes searched for a breakeven [tokens/day]: 100 thousand to 10 billion."""


def _tokens_per_request(values) -> float:
    return float(values["workload.input_tokens_per_request"] + values["workload.output_tokens_per_request"])


def cheaper_intervals(scenario, a: str, b: str, low: float = VOLUME_RANGE[0], high: float = VOLUME_RANGE[1],
                      points: int = 2_000) -> list[dict]:
    """Every daily-volume interval in which one of two options costs less than the other.

    Parameters
    ----------
    scenario : Scenario
    a, b : {"api", "managed", "selfhost"}
    low, high : float
        Volumes covered [tokens/day] (input plus output tokens, the scenario's request shape held).
    points : int
        Log-spaced grid on which the sign changes of ``cost_a - cost_b`` are bracketed; each is then refined with
        Brent's method (``scipy.optimize.brentq``) to 1e-9 relative precision.

    Returns
    -------
    list of dict
        ``{"from_tokens_per_day", "to_tokens_per_day", "cheaper"}`` covering ``[low, high]`` in order; ``cheaper``
        is ``a``, ``b`` or ``"equal"``.

    Notes
    -----
    The self-hosted fleet is re-chosen at every volume (`econ._fleet.size_fleet`): its cost rises in steps, one
    replica (or a larger tensor-parallel degree, or another GPU) at a time, so the cheaper option can change more than
    once. A plain breakeven (claim 1: fixed cost over the per-token price gap) is the first interval boundary.

    Examples
    --------
    >>> from econ import load_scenario, PARAMS_DIR
    >>> iv = cheaper_intervals(load_scenario(PARAMS_DIR / "enterprise_steady.yaml"), "api", "selfhost")
    >>> iv[0]["cheaper"], iv[-1]["cheaper"], iv[0]["from_tokens_per_day"]
    ('api', 'selfhost', 100000.0)
    """
    for opt in (a, b):
        if opt not in OPTIONS:
            raise ValueError(f"option {opt!r} is not known; allowed: {', '.join(OPTIONS)}")
    if not 0 < low < high:
        raise ValueError(f"the volume range must satisfy 0 < low < high, got low={low}, high={high}")
    tpr = _tokens_per_request(scenario.values)
    v = scenario.values

    def diff(log_tokens):
        c = option_costs({**v, "workload.requests_per_day": 10.0 ** np.asarray(log_tokens, float) / tpr})
        return c[a]["monthly_usd"] - c[b]["monthly_usd"]

    grid = np.linspace(np.log10(low), np.log10(high), points)
    d = diff(grid)
    sign = np.sign(d)
    edges = [float(low)]
    winners = []
    for i in range(points - 1):
        if sign[i] != sign[i + 1] and sign[i] != 0 and sign[i + 1] != 0:
            x = brentq(lambda t: float(diff(t)), grid[i], grid[i + 1], xtol=1e-12, rtol=1e-9)
            edges.append(float(10 ** x))
    edges.append(float(high))
    for lo, hi in zip(edges[:-1], edges[1:]):
        mid = float(diff(np.log10(np.sqrt(lo * hi))))
        winners.append(b if mid > 0 else a if mid < 0 else "equal")
    out = []
    for lo, hi, w in zip(edges[:-1], edges[1:], winners):
        if out and out[-1]["cheaper"] == w:
            out[-1]["to_tokens_per_day"] = hi
        else:
            out.append({"from_tokens_per_day": lo, "to_tokens_per_day": hi, "cheaper": w})
    return out


@dataclass(frozen=True)
class Breakeven:
    """Where option ``b`` starts to cost less than option ``a`` as daily volume grows.

    ``tokens_per_day`` is the lowest volume above which ``b`` is the cheaper (NaN when there is none in range);
    ``crossings`` lists every volume where the cheaper option changes and ``intervals`` every interval with its
    cheaper option (the self-hosted cost rises in steps, so there can be several); ``note`` says it in words.
    """

    a: str
    b: str
    tokens_per_day: float
    crossings: tuple[float, ...]
    note: str
    intervals: tuple[dict, ...] = ()

    def __float__(self) -> float:
        return self.tokens_per_day


def _tokens_per_request(scenario) -> float:
    return float(scenario["workload.input_tokens_per_request"] + scenario["workload.output_tokens_per_request"])


def cost_vs_volume(scenario, tokens_per_day) -> dict[str, np.ndarray]:
    """Monthly cost of each option at other daily volumes, the token shape held [USD/month].

    Parameters
    ----------
    scenario : Scenario
    tokens_per_day : array_like
        Daily volumes [tokens/day] (input plus output).

    Returns
    -------
    dict
        ``{option: monthly cost array [USD/month]}``, same shape as ``tokens_per_day``.
    """
    requests = np.asarray(tokens_per_day, float) / _tokens_per_request(scenario)
    costs = option_costs(scenario.replace({"workload.requests_per_day": requests}).values)
    return {k: c["monthly_usd"] for k, c in costs.items()}


def intervals_sentence(intervals: list[dict], a: str, b: str) -> str:
    """Every interval in words: "the closed API is cheaper up to 74.1 million tokens/day, self-hosted above"."""
    name = {**OPTIONS, "equal": "both cost the same"}
    if len(intervals) == 1:
        w = intervals[0]["cheaper"]
        return (f"{name[w]} is cheaper over the whole range {_tokens(intervals[0]['from_tokens_per_day'])} to "
                f"{_tokens(intervals[0]['to_tokens_per_day'])} tokens/day")
    parts = []
    for i, iv in enumerate(intervals):
        if i == 0:
            parts.append(f"{name[iv['cheaper']]} is cheaper up to {_tokens(iv['to_tokens_per_day'])} tokens/day")
        elif i == len(intervals) - 1:
            parts.append(f"{name[iv['cheaper']]} above {_tokens(iv['from_tokens_per_day'])}")
        else:
            parts.append(f"{name[iv['cheaper']]} from {_tokens(iv['from_tokens_per_day'])} to {_tokens(iv['to_tokens_per_day'])}")
    text = ", ".join(parts)
    if len(intervals) > 2:
        text += " (the self-hosted fleet grows in steps, so the cheaper option changes more than once)"
    return text


def breakeven_tokens_per_day(scenario, a: str = "api", b: str = "selfhost", low: float = VOLUME_RANGE[0],
                             high: float = VOLUME_RANGE[1]) -> Breakeven:
    """The first daily volume above which option ``b`` costs less than option ``a`` [tokens/day], and every interval.

    Parameters
    ----------
    scenario : Scenario
    a, b : {"api", "managed", "selfhost"}
        The two options.
    low, high : float
        Range searched [tokens/day].

    Returns
    -------
    Breakeven
        ``float(result)`` is the first volume where ``b`` becomes the cheaper (NaN if none in range); ``intervals``
        (from `cheaper_intervals`) and ``note`` state every interval.

    Notes
    -----
    With a flat self-hosted cost F and per-token prices, the breakeven is ``F / (unit price difference)``
    (claim 1). The self-hosted cost steps up whenever the peak outgrows the fleet, so the difference can change
    sign more than once; every change is in ``crossings``.

    Examples
    --------
    >>> from econ import load_scenario, PARAMS_DIR
    >>> be = breakeven_tokens_per_day(load_scenario(PARAMS_DIR / "enterprise_steady.yaml"), "api", "selfhost")
    >>> be.tokens_per_day > 0
    True
    """
    intervals = cheaper_intervals(scenario, a, b, low, high)
    crossings = tuple(iv["from_tokens_per_day"] for iv in intervals[1:])
    first = next((iv["from_tokens_per_day"] for iv in intervals[1:] if iv["cheaper"] == b), float("nan"))
    return Breakeven(a, b, float(first), crossings, intervals_sentence(intervals, a, b), tuple(intervals))
