"""Cash flow and net present value of each plan of a decision, month by month over the scenario's horizon.

The decision prices each plan a month (straight-line depreciation of bought GPUs included); finance signs cash:
the purchase price of bought GPUs is paid up front (capex), the other costs every month (opex), and the GPUs are
sold at their book value at the end of the horizon. The volume and prices are held at the scenario's values (the
plan as decided); notebook 07 lets them move.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["plan_cash_flows", "present_cost_usd", "cash_flow_table", "payback_month"]


def _monthly_rate(discount_rate_per_year):
    return np.power(1 + np.asarray(discount_rate_per_year, float), 1 / 12) - 1


def residual_value_usd(capex_usd, months, life_months, resale_share):
    """Book value of bought GPUs after ``months``: straight line from the price to ``resale_share`` of it over
    ``life_months``, the resale value after [USD] (as `econ.book_value_usd`)."""
    frac = np.minimum(np.asarray(months, float) / np.asarray(life_months, float), 1.0)
    return np.asarray(capex_usd, float) * (1 - (1 - np.asarray(resale_share, float)) * frac)


def present_cost_usd(capex_usd, opex_usd_per_month, months, discount_rate_per_year, life_months, resale_share):
    """Present value of a plan's costs over the horizon [USD], vectorized.

    Parameters
    ----------
    capex_usd : array_like
        Paid at month 0 [USD] (bought GPUs).
    opex_usd_per_month : array_like
        Paid at the end of each month 1..T [USD/month].
    months : int
        Horizon T [months].
    discount_rate_per_year : array_like
        [fraction per year]; the monthly rate is ``(1 + r)^(1/12) − 1``.
    life_months, resale_share : array_like
        Depreciation life [months] and resale value at its end [fraction of the price]: the GPUs are sold at their
        book value at month T.

    Returns
    -------
    ndarray
        ``capex + opex × (1 − (1 + i)^−T) / i − residual × (1 + i)^−T`` [USD].

    Examples
    --------
    No discounting, no capex: 36 months of 1,000 USD.

    >>> float(present_cost_usd(0, 1_000, 36, 0.0, 48, 0.2))
    36000.0
    >>> round(float(present_cost_usd(35_000, 0, 36, 0.0, 48, 0.2)), 2)   # sold at 35,000 × (1 − 0.8 × 0.75)
    21000.0
    """
    i = _monthly_rate(discount_rate_per_year)
    t = float(months)
    with np.errstate(divide="ignore", invalid="ignore"):
        annuity = np.where(i > 0, (1 - np.power(1 + i, -t)) / np.where(i > 0, i, 1.0), t)
    end = np.power(1 + i, -t)
    return (np.asarray(capex_usd, float) + np.asarray(opex_usd_per_month, float) * annuity
            - residual_value_usd(capex_usd, t, life_months, resale_share) * end)


def plan_cash_flows(decision) -> pd.DataFrame:
    """Every plan's cash month by month: capex at month 0, opex by component each month, the GPUs' resale at the end.

    Returns
    -------
    DataFrame
        Long form: ``plan`` (key), ``name``, ``month`` (0..T), ``capex_usd``, ``opex_usd``, ``resale_usd`` (negative:
        money back), ``cash_usd`` (their sum), ``cumulative_usd``, ``discount_factor``, ``discounted_usd`` and
        ``cumulative_discounted_usd`` [USD]; the last cumulative discounted value is the plan's ``pv_usd``.
    """
    h = decision.horizon
    t = np.arange(int(h["months"]) + 1)
    df = np.power(1 + _monthly_rate(h["discount_rate_per_year"]), -t.astype(float))
    frames = []
    for key, o in decision.options.items():
        capex = np.where(t == 0, o.capex_usd, 0.0)
        opex = np.where(t > 0, o.opex_usd_per_month, 0.0)
        resale = np.where(t == t[-1], -residual_value_usd(o.capex_usd, t[-1], h["life_months"], h["resale_share"]), 0.0)
        cash = capex + opex + resale
        frames.append(pd.DataFrame({"plan": key, "name": o.name, "month": t, "capex_usd": capex, "opex_usd": opex,
                                    "resale_usd": resale, "cash_usd": cash, "cumulative_usd": np.cumsum(cash),
                                    "discount_factor": df, "discounted_usd": cash * df,
                                    "cumulative_discounted_usd": np.cumsum(cash * df)}))
    return pd.concat(frames, ignore_index=True)


def payback_month(decision) -> float:
    """Months until the recommended plan's cumulative cash falls below the runner-up's [months] (0 when it never
    costs more; inf when it never catches up within the horizon; NaN without a runner-up)."""
    if not decision.runner_up:
        return float("nan")
    cf = plan_cash_flows(decision).pivot(index="month", columns="plan", values="cumulative_usd")
    gap = cf[decision.recommended] - cf[decision.runner_up]
    if (gap <= 0).all():
        return 0.0
    ahead = gap[gap <= 0]
    later = ahead[ahead.index > gap[gap > 0].index.max()] if len(ahead) else ahead
    return float(later.index.min()) if len(later) else float("inf")


def cash_flow_table(decision, every: int = 12) -> pd.DataFrame:
    """Cumulative cash per plan at month 0 and every ``every`` months, for a page [USD]."""
    cf = plan_cash_flows(decision)
    last = int(decision.horizon["months"])
    months = sorted({0, *range(every, last + 1, every), last})
    pivot = cf[cf["month"].isin(months)].pivot(index="month", columns="name", values="cumulative_usd")
    return pivot[[o.name for o in decision.options.values()]]
