"""Breakeven volume between two options, over the step-shaped self-hosted cost."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq

from ._costs import OPTIONS, option_costs

__all__ = ["Breakeven", "breakeven_tokens_per_day", "cost_vs_volume"]

VOLUME_RANGE = (1e5, 1e10)
"""Daily volumes searched for a breakeven [tokens/day]: 100 thousand to 10 billion."""


@dataclass(frozen=True)
class Breakeven:
    """Where option ``b`` starts to cost less than option ``a`` as daily volume grows.

    ``tokens_per_day`` is the lowest crossing (NaN when there is none in range, with the reason in
    ``note``); ``crossings`` lists every volume where the cheaper option changes (the self-hosted cost
    rises in steps, one per added replica, so there can be several).
    """

    a: str
    b: str
    tokens_per_day: float
    crossings: tuple[float, ...]
    note: str

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


def _fmt(tokens: float) -> str:
    for div, word in ((1e9, "billion"), (1e6, "million"), (1e3, "thousand")):
        if tokens >= div:
            return f"{tokens / div:,.3g} {word}"
    return f"{tokens:,.0f}"


def breakeven_tokens_per_day(scenario, a: str = "api", b: str = "selfhost", low: float = VOLUME_RANGE[0],
                             high: float = VOLUME_RANGE[1], points: int = 2_000) -> Breakeven:
    """Daily volume at which option ``b`` becomes cheaper than option ``a`` [tokens/day].

    Parameters
    ----------
    scenario : Scenario
    a, b : {"api", "managed", "selfhost"}
        The two options.
    low, high : float
        Range searched [tokens/day].
    points : int
        Log-spaced grid on which sign changes of ``cost_a - cost_b`` are bracketed before each is refined
        with Brent's method (``scipy.optimize.brentq``) to 1e-9 relative precision.

    Returns
    -------
    Breakeven
        ``float(result)`` is the first volume where ``b`` gets cheaper (NaN if none in range).

    Notes
    -----
    With a flat self-hosted cost F and per-token prices, the breakeven is ``F / (unit price difference)``
    (claim 1). The self-hosted cost steps up by a replica's cost whenever the peak outgrows the fleet, so
    the difference can change sign more than once; every change is reported in ``crossings``.

    Examples
    --------
    >>> from econ import load_scenario, PARAMS_DIR
    >>> be = breakeven_tokens_per_day(load_scenario(PARAMS_DIR / "enterprise_steady.yaml"), "api", "selfhost")
    >>> be.tokens_per_day > 0
    True
    """
    for opt in (a, b):
        if opt not in OPTIONS:
            raise ValueError(f"option {opt!r} is not known; allowed: {', '.join(OPTIONS)}")
    if not 0 < low < high:
        raise ValueError(f"the volume range must satisfy 0 < low < high, got low={low}, high={high}")

    def diff(log_tokens):
        c = cost_vs_volume(scenario, 10.0 ** np.asarray(log_tokens))
        return c[a] - c[b]

    grid = np.linspace(np.log10(low), np.log10(high), points)
    d = diff(grid)
    sign = np.sign(d)
    idx = np.nonzero(sign[:-1] * sign[1:] < 0)[0]
    crossings = tuple(
        float(10 ** brentq(lambda x: float(diff(x)), grid[i], grid[i + 1], xtol=1e-12, rtol=1e-9)) for i in idx
    )
    up = [x for x, i in zip(crossings, idx) if d[i] < 0 < d[i + 1]]  # a was cheaper below, b above
    na, nb = OPTIONS[a], OPTIONS[b]
    span = f"{_fmt(low)} to {_fmt(high)} tokens/day"
    if up:
        note = f"{nb} becomes cheaper than {na} above {_fmt(up[0])} tokens/day"
        if len(crossings) > 1:
            note += f" ({len(crossings)} crossings in {span}: the self-hosted cost rises in steps)"
        return Breakeven(a, b, up[0], crossings, note)
    if np.all(d > 0):
        note = f"no crossing: {nb} is cheaper than {na} over the whole range {span}"
    elif np.all(d < 0):
        note = f"no crossing: {nb} costs more than {na} over the whole range {span}"
    else:
        note = f"no volume in {span} above which {nb} becomes cheaper than {na}"
    return Breakeven(a, b, float("nan"), crossings, note)
