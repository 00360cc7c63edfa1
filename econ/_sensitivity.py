"""Sensitivity analysis: which assumptions decide the answer, and how sure the answer is.

Every number a scenario states may carry its uncertainty (``dist`` on the leaf, validated in `_params`). Four
views use them, all on the monthly *savings* of self-hosting against a per-token option (the closed API unless
it is not permitted; see `reference_option`), ``savings = cost[against] - cost["selfhost"]`` [USD/month]:

1. `tornado`: one assumption at a time at the ends of its range, the swing in savings and in the breakeven volume;
2. `breakeven_surface`: two assumptions on a grid, with the indifference line (savings = 0);
3. `monte_carlo` and `probability_cheaper`: seeded draws of every uncertain assumption together through the
   vectorized cost model; how often the recommendation holds, with Wilson confidence intervals;
4. `sobol_indices`: variance-based global sensitivity (first-order and total Sobol indices, scipy), with
   bootstrap confidence intervals for the sampling error.

Conventions. A distribution's ``low`` and ``high`` are the ends of its range for ``uniform`` and ``triangular``,
and its 5th and 95th percentiles for ``normal`` and ``lognormal``, which are truncated to the leaf's ``allowed``
interval; the tornado puts each assumption at that ``low`` and ``high``. ``api.price_factor`` (and
``managed.price_factor``) multiply that option's four token prices together (input, output, cache read, cache
write), so one draw moves all of them: prices of one vendor rise and fall together.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import altair as alt
import numpy as np
import pandas as pd
from scipy import stats
from scipy.special import ndtr, ndtri

from ._breakeven import breakeven_tokens_per_day
from ._costs import OPTIONS, option_costs
from ._params import COST_SECTIONS, TOKEN_PRICE_KEYS, key_label
from ._style import OPTION_COLORS, USD_AXIS, USD_LABEL, color_scale, count_axis, finish, marked_rules
from ._views import HTML, Markdown, assumption_name, html_table, pct, tokens, usd

__all__ = [
    "Uncertainty",
    "uncertain_assumptions",
    "uncertainty_table",
    "uncertainty_view",
    "reference_option",
    "savings_usd",
    "draw_assumptions",
    "wilson_interval",
    "tornado",
    "tornado_chart",
    "breakeven_surface",
    "breakeven_surface_chart",
    "monte_carlo",
    "savings_distribution_chart",
    "probability_cheaper",
    "probability_cheaper_chart",
    "sobol_indices",
    "sobol_chart",
    "sensitivity_summary",
]

Z95 = float(ndtri(0.95))
"""Standard normal 95th percentile: ``low``/``high`` of a normal or lognormal lie this many sigmas from the centre."""
_INTERVAL = re.compile(r"^\s*(?P<lb>[\[(])\s*(?P<lo>[-+\w.]+)\s*,\s*(?P<hi>[-+\w.]+)\s*(?P<hb>[\])])")


# ------------------------------------------------------------------------------------------ distributions


@dataclass(frozen=True)
class Uncertainty:
    """One uncertain assumption: its value, its distribution and the interval draws are truncated to.

    Built by `uncertain_assumptions` from a scenario leaf's ``dist``. ``ppf`` maps probabilities to values, so
    an instance can be handed to ``scipy.stats.sobol_indices`` as one of its ``dists``.
    """

    key: str
    value: float
    unit: str
    kind: str
    low: float
    high: float
    mode: float
    lower: float
    upper: float
    source: str
    label: str = ""
    """What the pages call the assumption (`econ.Assumption.label`); empty: made from the key."""

    def ppf(self, q):
        """Value at probability ``q`` [same unit as ``value``] (inverse CDF, truncated to ``[lower, upper]``).

        Examples
        --------
        >>> u = Uncertainty("x", 2.0, "", "triangular", 1.0, 4.0, 2.0, 0.0, np.inf, "")
        >>> [round(float(x), 4) for x in u.ppf([0.0, 1 / 3, 1.0])]
        [1.0, 2.0, 4.0]

        A normal's ``low`` and ``high`` are its 5th and 95th percentiles (before truncation):

        >>> n = Uncertainty("y", 0.8, "", "normal", 0.7, 0.9, 0.8, -np.inf, np.inf, "")
        >>> [round(float(x), 4) for x in n.ppf([0.05, 0.5, 0.95])]
        [0.7, 0.8, 0.9]
        """
        q = np.asarray(q, float)
        lo, hi = self.low, self.high
        if self.kind == "uniform":
            return lo + q * (hi - lo)
        if self.kind == "triangular":
            if hi == lo:
                return np.full_like(q, lo)
            c = (self.mode - lo) / (hi - lo)
            left = lo + np.sqrt(q * (hi - lo) * (self.mode - lo))
            right = hi - np.sqrt((1 - q) * (hi - lo) * (hi - self.mode))
            return np.where(q < c, left, right)
        log = self.kind == "lognormal"
        f = np.log if log else (lambda x: x)
        centre, sigma = (f(lo) + f(hi)) / 2, (f(hi) - f(lo)) / (2 * Z95)
        with np.errstate(divide="ignore"):
            a = (f(self.lower) - centre) / sigma if (self.lower > 0 or not log) else -np.inf
            b = (f(self.upper) - centre) / sigma
        pa, pb = ndtr(a), ndtr(b)
        x = centre + sigma * ndtri(pa + q * (pb - pa))
        return np.clip(np.exp(x) if log else x, self.lower, self.upper)


def _interval(allowed: str) -> tuple[float, float]:
    m = _INTERVAL.match(allowed)
    return (float(m["lo"]), float(m["hi"])) if m else (-np.inf, np.inf)


def uncertain_assumptions(scenario, sections: tuple[str, ...] = ()) -> list[Uncertainty]:
    """The scenario's assumptions in the cost model's sections that carry a distribution, in the scenario's order.

    Parameters
    ----------
    scenario : Scenario
        From `load_scenario`.
    sections : tuple of str
        Further sections to include (the decision adds ``"routing"``: the quality of each option).

    Returns
    -------
    list of Uncertainty

    Examples
    --------
    >>> from econ import load_scenario, PARAMS_DIR
    >>> u = {x.key: x for x in uncertain_assumptions(load_scenario(PARAMS_DIR / "enterprise_steady.yaml"))}
    >>> r = u["selfhost.rent_price_factor"]
    >>> r.kind, r.low, r.mode, r.high
    ('triangular', 0.63, 1.0, 1.41)
    """
    out = []
    for a in scenario.assumptions.values():
        if a.dist and a.key.split(".")[0] in (*COST_SECTIONS, *sections):  # ranges elsewhere belong to other analyses
            d = a.dist
            lower, upper = _interval(d.get("allowed", ""))
            out.append(Uncertainty(a.key, float(a.value), a.unit or "", d["kind"], d["low"], d["high"],
                                   d.get("mode", float(a.value)), lower, upper, d["source"], a.label))
    return out


def uncertainty_table(scenario) -> pd.DataFrame:
    """The uncertain assumptions as a table: value, distribution, range and the range's source."""
    return pd.DataFrame(
        [{"assumption": u.label or key_label(u.key), "key": u.key, "value": f"{u.value:,.6g}", "unit": u.unit,
          "distribution": u.kind,
          "low": f"{u.low:,.6g}", "mode": f"{u.mode:,.6g}" if u.kind == "triangular" else "",
          "high": f"{u.high:,.6g}", "source of the range": u.source}
         for u in uncertain_assumptions(scenario)],
        columns=["assumption", "key", "value", "unit", "distribution", "low", "mode", "high", "source of the range"],
    )


def uncertainty_view(scenario) -> HTML:
    """`uncertainty_table` as an HTML table (text escaped, numbers right-aligned)."""
    return html_table(uncertainty_table(scenario).to_dict("records"), "econ-table assumptions",
                      ("value", "low", "mode", "high"))


# ---------------------------------------------------------------------------------------------- the model


def reference_option(scenario) -> str:
    """The per-token option self-hosting is measured against: ``"api"``, or if the API is not permitted the
    cheaper permitted per-token option (``"managed"``); ``"api"`` when neither is permitted.

    Examples
    --------
    >>> from econ import load_scenario, PARAMS_DIR
    >>> reference_option(load_scenario(PARAMS_DIR / "enterprise_steady.yaml"))
    'api'
    >>> reference_option(load_scenario(PARAMS_DIR / "regulated_on_prem.yaml"))
    'managed'
    """
    v = scenario.values
    permitted = [k for k in ("api", "managed") if v[f"{k}.permitted"]]
    if "api" in permitted or not permitted:
        return "api"
    costs = option_costs(v)
    return min(permitted, key=lambda k: float(costs[k]["monthly_usd"]))


def _check_against(against: str) -> None:
    if against not in ("api", "managed"):
        raise ValueError(f"against={against!r} is not allowed; expected 'api' or 'managed' (a per-token option)")


def _expand(values: Mapping[str, Any], updates: Mapping[str, Any]) -> dict[str, Any]:
    """``values`` with ``updates`` applied; a ``<section>.price_factor`` also rescales that section's prices."""
    new = dict(values)
    for key, x in updates.items():
        if key.endswith(".price_factor"):
            section = key.split(".")[0]
            ratio = np.asarray(x, float) / values[key]
            for p in TOKEN_PRICE_KEYS:
                new[f"{section}.{p}"] = values[f"{section}.{p}"] * ratio
        new[key] = x
    return new


def _scenario_with(scenario, updates: Mapping[str, Any]):
    """A copy of the scenario with ``updates`` (and the prices a price factor moves) replaced."""
    v = scenario.values
    return scenario.replace({k: x for k, x in _expand(v, updates).items() if x is not v[k]})


def savings_usd(values: Mapping[str, Any], against: str = "api") -> np.ndarray:
    """Monthly savings of self-hosting against a per-token option [USD/month], vectorized.

    Parameters
    ----------
    values : mapping
        ``Scenario.values``; any number may be an array (broadcast), a ``price_factor`` included.
    against : {"api", "managed"}

    Returns
    -------
    ndarray
        ``cost[against] - cost["selfhost"]`` [USD/month]: positive when self-hosting costs less.

    Examples
    --------
    >>> from econ import load_scenario, PARAMS_DIR
    >>> sc = load_scenario(PARAMS_DIR / "enterprise_steady.yaml")
    >>> t = sc.values
    >>> round(float(savings_usd(t)), 2) == round(float(option_costs(t)["api"]["monthly_usd"]
    ...                                              - option_costs(t)["selfhost"]["monthly_usd"]), 2)
    True
    """
    _check_against(against)
    costs = option_costs(values)
    return costs[against]["monthly_usd"] - costs["selfhost"]["monthly_usd"]


def draw_assumptions(scenario, n: int, seed: int, exclude: tuple[str, ...] = (),
                     sections: tuple[str, ...] = ()) -> dict[str, np.ndarray]:
    """Seeded independent draws of every uncertain assumption [each in its own unit].

    Parameters
    ----------
    scenario : Scenario
    n : int
        Draws per assumption.
    seed : int
        Seed of the ``numpy.random.Generator`` (PCG64): the same seed gives the same draws.
    exclude : tuple of str
        Keys to hold at their value (e.g. the volume, when it is the x-axis).

    Returns
    -------
    dict
        ``{key: array of n draws}`` (inverse-CDF transform of uniform draws, one row per assumption in the
        scenario's order, so adding an assumption at the end leaves the others' draws unchanged).

    Examples
    --------
    >>> from econ import load_scenario, PARAMS_DIR
    >>> d = draw_assumptions(load_scenario(PARAMS_DIR / "enterprise_steady.yaml"), 100_000, seed=1)
    >>> x = d["selfhost.rent_price_factor"]
    >>> bool(x.min() >= 0.63 and x.max() <= 1.41), round(float(x.mean()), 3)   # triangular mean (a+c+b)/3 = 1.013
    (True, 1.013)
    """
    n = _check_n(n)
    params = uncertain_assumptions(scenario, sections)
    u = np.random.default_rng(seed).random((len(params), n))
    return {p.key: p.ppf(u[i]) for i, p in enumerate(params) if p.key not in exclude}


def _check_n(n) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n={n!r} is not allowed; expected a whole number of draws >= 1")
    return int(n)


def _cheapest(costs: Mapping[str, Mapping[str, np.ndarray]], values: Mapping[str, Any]) -> np.ndarray:
    """Position in `OPTIONS` of the cheapest permitted option, elementwise (all options when none is permitted)."""
    keys = [k for k in OPTIONS if values[f"{k}.permitted"]] or list(OPTIONS)
    stack = np.stack(np.broadcast_arrays(*[costs[k]["monthly_usd"] for k in keys]))
    return np.asarray([list(OPTIONS).index(k) for k in keys])[np.argmin(stack, axis=0)]


def wilson_interval(successes, trials, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for a binomial proportion [fraction, 0-1], vectorized.

    Parameters
    ----------
    successes, trials : array_like
        Counts (``0 <= successes <= trials``, ``trials >= 1``).
    confidence : float
        Two-sided confidence level, in (0, 1).

    Returns
    -------
    (low, high) : tuple of ndarray

    Notes
    -----
    With ``p = k/n`` and ``z`` the ``(1 + confidence)/2`` normal quantile:
    ``(p + z²/2n ± z sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n)``. Unlike ``p ± z sqrt(p(1-p)/n)`` it stays inside
    [0, 1] and does not collapse to a point at p = 0 or 1.

    References
    ----------
    E. B. Wilson, "Probable inference, the law of succession, and statistical inference", JASA 22 (1927) 209-212.

    Examples
    --------
    >>> lo, hi = wilson_interval(8, 10)
    >>> round(float(lo), 4), round(float(hi), 4)
    (0.4902, 0.9433)
    """
    if not 0 < confidence < 1:
        raise ValueError(f"confidence={confidence!r} is not allowed; expected a number in (0, 1)")
    k, n = np.asarray(successes, float), np.asarray(trials, float)
    z = ndtri(0.5 + confidence / 2)
    p = k / n
    denom = 1 + z**2 / n
    centre = (p + z**2 / (2 * n)) / denom
    half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denom
    return np.clip(np.minimum(centre - half, p), 0.0, 1.0), np.clip(np.maximum(centre + half, p), 0.0, 1.0)  # exact at k = 0, n


def _tokens_per_request(values) -> float:
    return float(values["workload.input_tokens_per_request"] + values["workload.output_tokens_per_request"])


def _number(x: float) -> str:
    """A number for a label: ``30,000``, ``2.69``, ``0.47``."""
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.4g}"


def _label(u: Uncertainty) -> str:
    """A chart's name for an uncertain assumption: its label and range, fractions in per cent (the key is in the
    tooltip).

    Examples
    --------
    >>> _label(Uncertainty("workload.requests_per_day", 6e4, "requests/day", "lognormal", 3e4, 1.2e5, 6e4, 0.033,
    ...                    1e12, "", "Requests per day"))
    'Requests per day (30,000 to 120,000 requests/day)'
    >>> _label(Uncertainty("routing.hard_share", 0.2, "fraction of requests", "triangular", 0.05, 0.4, 0.2, 0, 1, "",
    ...                    "Share of hard requests"))
    'Share of hard requests (5% to 40% of requests)'
    >>> _label(Uncertainty("workload.peak_to_mean", 1.9, "ratio (peak hour / mean)", "triangular", 1.52, 2.98, 1.9, 1,
    ...                    24, "", "Peak-to-mean traffic ratio"))
    'Peak-to-mean traffic ratio (1.52 to 2.98)'
    """
    name = u.label or key_label(u.key)
    unit = re.sub(r"\s*\(.*\)$", "", u.unit)  # "fraction per year (real)": the aside is in the tables
    if u.unit.startswith(("fraction", "probability")):
        low, high = pct(u.low), pct(u.high)
        unit = unit.removeprefix("fraction").strip() if unit.startswith("fraction") else ""
    else:
        low, high = _number(u.low), _number(u.high)
    if unit.casefold() in name.casefold():  # "Peak-to-mean traffic ratio", not "... (1.5 to 3 ratio)"
        unit = ""
    return f"{name} ({low} to {high}{' ' + unit if unit else ''})"


# ---------------------------------------------------------------------------------------------- 1. tornado

METRICS = {
    "savings_usd": "monthly savings of self-hosting (USD)",
    "breakeven_tokens_per_day": "breakeven volume (tokens per day)",
}


def tornado(scenario, against: str = "api") -> pd.DataFrame:
    """One assumption at a time at the low and high end of its range: savings and breakeven volume.

    Parameters
    ----------
    scenario : Scenario
    against : {"api", "managed"}
        The per-token option self-hosting is compared with.

    Returns
    -------
    DataFrame
        Long form, two rows (``end`` = "low", "high") per uncertain assumption and ``metric``
        ("savings_usd" [USD/month] or "breakeven_tokens_per_day" [tokens/day], the volume above which
        self-hosting gets cheaper; NaN if none in 100 thousand to 10 billion): ``key``, ``label``, ``unit``,
        ``input_value`` (the assumption at that end), ``base_value``, ``result``, ``base_result``, ``change``
        (result - base), ``swing`` (spread of the results at low, base and high: |high - low| when the effect
        is monotonic; NaN if a breakeven is missing), ``rank`` (1 = largest swing of that metric),
        ``flips`` (savings change sign against the base). Sorted by metric, then rank.

    Notes
    -----
    The base is the scenario as written; everything but the one assumption stays there. ``low`` and ``high``
    are the range ends of a uniform or triangular and the 5th and 95th percentiles of a normal or lognormal.

    Examples
    --------
    >>> from econ import load_scenario, PARAMS_DIR
    >>> t = tornado(load_scenario(PARAMS_DIR / "enterprise_steady.yaml"))
    >>> sorted(set(t["metric"]))
    ['breakeven_tokens_per_day', 'savings_usd']
    """
    _check_against(against)
    params = uncertain_assumptions(scenario)
    base_s = float(savings_usd(scenario.values, against))
    base_b = breakeven_tokens_per_day(scenario, against, "selfhost").tokens_per_day
    rows = []
    for u in params:
        for end, x in (("low", u.low), ("high", u.high)):
            sc = _scenario_with(scenario, {u.key: x})
            common = {"key": u.key, "label": _label(u), "unit": u.unit, "end": end, "input_value": x, "base_value": u.value}
            rows.append({**common, "metric": "savings_usd", "result": float(savings_usd(sc.values, against)),
                         "base_result": base_s})
            rows.append({**common, "metric": "breakeven_tokens_per_day", "base_result": base_b,
                         "result": breakeven_tokens_per_day(sc, against, "selfhost").tokens_per_day})
    cols = ["key", "label", "unit", "end", "input_value", "base_value", "metric", "result", "base_result", "change",
            "swing", "rank", "flips"]
    if not rows:
        return pd.DataFrame(columns=cols)
    t = pd.DataFrame(rows)
    t["change"] = t["result"] - t["base_result"]
    ends = t.pivot_table(index=["metric", "key"], columns="end", values="result", dropna=False)
    spread = pd.concat([ends["low"], ends["high"], t.groupby(["metric", "key"])["base_result"].first()], axis=1)
    swing = (spread.max(axis=1, skipna=False) - spread.min(axis=1, skipna=False)).rename("swing")
    t = t.join(swing, on=["metric", "key"])
    order = t.assign(s=t["swing"].fillna(-1)).drop_duplicates(["metric", "key"]).sort_values(
        ["metric", "s"], ascending=[True, False], kind="stable")
    order["rank"] = order.groupby("metric").cumcount() + 1
    t = t.join(order.set_index(["metric", "key"])["rank"], on=["metric", "key"])
    t["flips"] = (t["metric"] == "savings_usd") & (np.sign(t["result"]) != np.sign(t["base_result"]))
    t = t.sort_values(["metric", "rank", "end"], ascending=[False, True, False], kind="stable").reset_index(drop=True)[cols]
    t.attrs.update(against=against, scenario_tokens_per_day=float(scenario["workload.requests_per_day"])
                   * _tokens_per_request(scenario.values))
    return t


def tornado_chart(frame: pd.DataFrame, metric: str = "savings_usd", top: int = 12) -> alt.Chart:
    """Tornado diagram of one metric from `tornado`: a bar from the base to each end of every range.

    Bars are sorted by swing (largest on top), labelled with the assumption's range and, at the bar's end,
    the value it was set to. Assumptions with no effect are left out. The dashed line is the base; on the
    savings chart the red line is zero (where the answer flips), on the breakeven chart the scenario's volume
    (a breakeven below it means self-hosting costs less).
    """
    if metric not in METRICS:
        raise ValueError(f"metric={metric!r} is not allowed; expected one of {', '.join(METRICS)}")
    d = frame[(frame["metric"] == metric) & (frame["swing"] > 0) & (frame["rank"] <= top)].dropna(subset=["result"])
    ends = ["assumption at its low end", "assumption at its high end"]
    d = d.assign(end_label=d["end"].map(dict(zip(("low", "high"), ends))),
                 value_text=d["input_value"].map(_number),
                 side=np.where(d["result"] < d["base_result"], "left", "right"))
    order = list(d.sort_values("rank")["label"].drop_duplicates())
    log = metric == "breakeven_tokens_per_day"
    title = ("What moves the monthly savings of self-hosting, one assumption at a time" if not log
             else "What moves the breakeven volume, one assumption at a time")
    if d.empty:  # nothing to draw: say so (an empty layer has no extent, and Vega warns)
        why = "no breakeven volume at either end of any range" if log else "no assumption moves the savings"
        return finish(alt.Chart(pd.DataFrame({"text": [why]})).mark_text(fontSize=13).encode(text="text:N").properties(
            title=title, width=520, height=60))
    base = float(frame.loc[frame["metric"] == metric, "base_result"].iloc[0])
    marks = [base, float(d["result"].min()), float(d["result"].max())]
    if not log:
        marks.append(0.0)
    elif "scenario_tokens_per_day" in frame.attrs:
        marks.append(float(frame.attrs["scenario_tokens_per_day"]))
    lo, hi = min(marks), max(marks)
    if log:  # room for the value written at each bar's end, inside the plot
        domain = [lo / (hi / lo) ** 0.12, hi * (hi / lo) ** 0.12]
    else:
        domain = [lo - 0.12 * (hi - lo or 1.0), hi + 0.12 * (hi - lo or 1.0)]
    x = alt.X("result:Q", title=_log_title(METRICS[metric], log),
              scale=alt.Scale(type="log" if log else "linear", domain=domain, nice=False),
              axis=count_axis(tickCount=6) if log else alt.Axis(labelExpr=USD_LABEL, tickCount=6))
    y = alt.Y("label:N", sort=order, title=None, axis=alt.Axis(labelLimit=420))
    bars = alt.Chart(d).mark_bar(opacity=0.85).encode(
        y=y, x=x, x2="base_result:Q",
        color=alt.Color("end_label:N", title=None, sort=ends, scale=color_scale(ends),
                        legend=alt.Legend(orient="bottom", direction="horizontal")),
        tooltip=[alt.Tooltip("key:N", title="key"), alt.Tooltip("end:N"), alt.Tooltip("input_value:Q", format=",.4g", title="set to"),
                 alt.Tooltip("result:Q", format=",.4~s" if log else "$,.0f", title=METRICS[metric]),
                 alt.Tooltip("change:Q", format=",.4~s" if log else "$,.0f", title="change from base")],
    )
    texts = [
        alt.Chart(d[d["side"] == side]).mark_text(align="right" if side == "left" else "left", dx=-3 if side == "left" else 3,
                                                   fontSize=10).encode(y=y, x=x, text="value_text:N")
        for side in ("left", "right") if (d["side"] == side).any()  # an empty layer has no extent (Vega warns)
    ]
    layers = [bars, *texts, alt.Chart(pd.DataFrame({"result": [base]})).mark_rule(strokeDash=[4, 3], color="black")
              .encode(x="result:Q")]
    if not log:
        layers.append(alt.Chart(pd.DataFrame({"result": [0.0]})).mark_rule(color="#e15759").encode(x="result:Q"))
        note = f"Dashed: the scenario as written ({usd(base)} a month); red: zero, where the answer flips."
    else:
        note = f"Dashed: the breakeven as written ({tokens(base)} tokens a day)"
        if "scenario_tokens_per_day" in frame.attrs:
            layers.append(alt.Chart(pd.DataFrame({"result": [frame.attrs["scenario_tokens_per_day"]]})).mark_rule(
                color="#e15759").encode(x="result:Q"))
            note += (f"; red: this scenario's volume ({tokens(frame.attrs['scenario_tokens_per_day'])}): a breakeven "
                     "left of it means self-hosting costs less")
        note += "."
    return finish(alt.layer(*layers).properties(title=alt.TitleParams(title, subtitle=note), width=520,
                                                height=alt.Step(24)))


# ------------------------------------------------------------------------------------- 2. breakeven surfaces

AXES = {
    "tokens_per_day": "daily volume (tokens per day, input + output)",
    "planned_utilization": "planned mean utilization (load allowed at the peak ÷ peak-to-mean)",
    "api_usd_per_mtok": "closed API blended price (USD per million tokens)",
    "managed_usd_per_mtok": "managed endpoint blended price (USD per million tokens)",
    "gpu_price": "GPU price",
}
"""Derived axes a surface may use besides any numeric assumption key."""


@dataclass(frozen=True)
class _Axis:
    key: str            # assumption key or derived axis name
    title: str
    grid: np.ndarray
    log: bool
    updates: Any        # grid values -> {assumption key: values}
    current: float      # the scenario's own value on this axis


def _limits(scenario, key: str) -> tuple[float, float, bool, bool]:
    """The allowed interval of a numeric assumption: (low, high, low closed, high closed)."""
    from ._params import _load_defaults

    a = scenario.assumptions[key]
    allowed = a.dist["allowed"] if a.dist else _load_defaults()[0].get(key, {}).get("allowed", "(0, inf)")
    m = _INTERVAL.match(str(allowed))
    if not m:
        return 0.0, np.inf, False, False
    return float(m["lo"]), float(m["hi"]), m["lb"] == "[", m["hb"] == "]"


def _axis(scenario, name: str, points: int, span=None) -> _Axis:
    v = scenario.values
    tpr = _tokens_per_request(v)
    if name == "gpu_price":
        rent = v["selfhost.gpu_cost_mode"] == "rent"
        name = "selfhost.rent_usd_per_gpu_hour" if rent else "selfhost.purchase_usd_per_gpu"
        if v[name] is None:  # catalog prices × a factor: the axis is the fleet GPU's price, moved through the factor
            from ._fleet import size_fleet

            fleet = size_fleet(v)
            cand, i = fleet["candidates"], int(fleet["candidate"])
            factor_key = "selfhost.rent_price_factor" if rent else "selfhost.purchase_price_factor"
            catalog = float((cand.rent_usd_per_gpu_hour if rent else cand.purchase_usd_per_gpu)[i])
            f0 = float(v[factor_key])
            d = scenario.assumptions[factor_key].dist
            lo, hi = span or ((d["low"] - (d["high"] - d["low"]) / 2, d["high"] + (d["high"] - d["low"]) / 2) if d
                              else (0.25 * f0, 2 * f0))
            lo, hi = span or (max(lo, 0.05) * catalog, hi * catalog)
            title = (f"{cand.gpu[i]} rent (USD per GPU-hour)" if rent else f"{cand.gpu[i]} purchase price (USD per GPU)")
            return _Axis("gpu_price", title, np.linspace(lo, hi, points), False,
                         lambda g: {factor_key: g / catalog}, f0 * catalog)
    if name == "tokens_per_day":
        base = float(v["workload.requests_per_day"]) * tpr
        lo, hi = span or (base / 100, base * 100)
        return _Axis(name, AXES[name], np.geomspace(lo, hi, points), True,
                     lambda g: {"workload.requests_per_day": g / tpr}, base)
    if name == "planned_utilization":
        mu = float(v["selfhost.max_utilization"])
        lo, hi = span or (0.05 * mu, mu)
        if not 0 < lo < hi <= mu:
            raise ValueError(f"planned_utilization range ({lo}, {hi}) is not allowed; expected 0 < low < high <= "
                             f"selfhost.max_utilization = {mu:g} (peak_to_mean cannot go below 1)")
        return _Axis(name, AXES[name], np.linspace(lo, hi, points), False,
                     lambda g: {"workload.peak_to_mean": mu / g}, mu / float(v["workload.peak_to_mean"]))
    if name in ("api_usd_per_mtok", "managed_usd_per_mtok"):
        section = name.split("_")[0]
        c = option_costs(v)[section]
        blended = float(c["tokens_usd"] / (c["tokens_per_month"] / 1e6))
        lo, hi = span or (0.05 * blended, 3.0 * blended)
        f0 = float(v[f"{section}.price_factor"])
        return _Axis(name, AXES[name], np.linspace(lo, hi, points), False,
                     lambda g: {f"{section}.price_factor": f0 * g / blended}, blended)
    a = scenario.assumptions.get(name)
    if a is None or isinstance(a.value, (bool, str)) or a.value is None:
        valid = sorted(k for k, x in scenario.assumptions.items()
                       if isinstance(x.value, (int, float)) and not isinstance(x.value, bool))
        close = difflib.get_close_matches(name, valid + list(AXES), n=1)
        hint = f" Did you mean '{close[0]}'?" if close else ""
        raise ValueError(f"surface axis {name!r} is not allowed; expected {', '.join(AXES)} or a numeric assumption "
                         f"key.{hint}")
    value = float(a.value)
    if span is None:
        lower, upper, lo_closed, hi_closed = _limits(scenario, name)
        if a.dist:
            w = a.dist["high"] - a.dist["low"]
            lo, hi = a.dist["low"] - w / 2, a.dist["high"] + w / 2
        else:
            lo, hi = (value * 0.25, value * 2) if value > 0 else (value - 1, value + 1)
        lo, hi = max(lo, lower), min(hi, upper)
        nudge = (hi - lo) / (10 * points)  # keep off an open bound, e.g. 0 tokens/s
        span = (lo if lo > lower or lo_closed else lo + nudge, hi if hi < upper or hi_closed else hi - nudge)
    unit = f" ({a.unit})" if a.unit else ""
    return _Axis(name, f"{a.label}{unit}", np.linspace(span[0], span[1], points), False, lambda g: {name: g}, value)


def _sig(a, digits: int = 4) -> np.ndarray:
    """Round to significant digits, to keep chart data (saved in the notebook) small."""
    a = np.asarray(a, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = 10.0 ** (digits - 1 - np.floor(np.log10(np.abs(a))))
        return np.where((a == 0) | ~np.isfinite(scale), a, np.round(a * scale) / scale)


def _rounded(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.assign(**{c: _sig(frame[c]) for c in frame.columns})


def _crossings(x, y, s, log: bool) -> tuple[np.ndarray, np.ndarray]:
    """Points where ``s`` (rows along ``y``, columns along ``x``) changes sign between neighbours along x."""
    sx = np.log(x) if log else x
    i, j = np.nonzero(np.sign(s[:, :-1]) * np.sign(s[:, 1:]) < 0)
    t = s[i, j] / (s[i, j] - s[i, j + 1])
    xc = sx[j] + t * (sx[j + 1] - sx[j])
    return (np.exp(xc) if log else xc), y[i]


def breakeven_surface(scenario, x: str = "tokens_per_day", y: str = "planned_utilization", against: str = "api",
                      points: int = 25, x_range=None, y_range=None) -> pd.DataFrame:
    """Savings of self-hosting on a grid of two assumptions, and the indifference line (savings = 0).

    Parameters
    ----------
    scenario : Scenario
    x, y : str
        A numeric assumption key (e.g. ``"selfhost.replica_output_tokens_per_s"``) or a derived axis:
        ``"tokens_per_day"`` (sets requests_per_day, the token shape held), ``"planned_utilization"`` (sets
        ``peak_to_mean = max_utilization / u``: the fleet is sized so that mean load is ``u`` of the usable
        capacity, before rounding to whole replicas and spares), ``"api_usd_per_mtok"`` (the API's blended price
        per million tokens, token bill over tokens, through ``api.price_factor``), ``"managed_usd_per_mtok"`` (the
        same for the managed endpoint), ``"gpu_price"`` (the rent per GPU-hour, or the
        purchase price per GPU in buy mode).
    against : {"api", "managed"}
    points : int
        Grid points per axis for the heat map; the indifference line is found on a grid four times finer.
    x_range, y_range : (float, float), optional
        Axis ranges. Defaults: volume /100 to x100 the scenario's (log scale); utilization 5 % to 100 % of
        max_utilization; API price 5 % to 300 % of today's; an assumption with a distribution from half its
        range below ``low`` to half above ``high``, else 25 % to 200 % of its value, within what is allowed.

    Returns
    -------
    DataFrame
        Long form: ``kind`` ("grid" cells with their edges ``x_lo``, ``x_hi``, ``y_lo``, ``y_hi``; "indifference"
        points where savings cross zero along either axis; "scenario" the scenario's own point), ``x``, ``y``,
        ``savings_usd`` [USD/month], ``x_axis``, ``y_axis`` (titles), ``x_log``, ``y_log``.

    Examples
    --------
    >>> from econ import load_scenario, PARAMS_DIR
    >>> s = breakeven_surface(load_scenario(PARAMS_DIR / "enterprise_steady.yaml"), points=11)
    >>> s["kind"].value_counts().to_dict()["grid"]
    121
    """
    _check_against(against)
    if x == y:
        raise ValueError(f"x and y are both {x!r}; choose two different axes")
    if not isinstance(points, (int, np.integer)) or points < 3:
        raise ValueError(f"points={points!r} is not allowed; expected a whole number >= 3")
    v = scenario.values
    ax, ay = _axis(scenario, x, points, x_range), _axis(scenario, y, points, y_range)
    clash = set(ax.updates(ax.grid)) & set(ay.updates(ay.grid))
    if clash:
        raise ValueError(f"x={x!r} and y={y!r} both set {sorted(clash)}; choose axes that vary different assumptions")

    def grid_savings(gx, gy):
        X, Y = np.meshgrid(gx, gy)
        return savings_usd(_expand(v, {**ax.updates(X), **ay.updates(Y)}), against)

    def edges(g, log):
        h = np.log(g) if log else g
        mid = (h[:-1] + h[1:]) / 2
        e = np.concatenate([[h[0] - (mid[0] - h[0])], mid, [h[-1] + (h[-1] - mid[-1])]])
        return np.exp(e) if log else e

    s = np.broadcast_to(grid_savings(ax.grid, ay.grid), (points, points))
    ex, ey = edges(ax.grid, ax.log), edges(ay.grid, ay.log)
    J, I = np.meshgrid(np.arange(points), np.arange(points))
    j, i = J.ravel(), I.ravel()
    grid = pd.DataFrame({"kind": "grid", "x": ax.grid[j], "y": ay.grid[i], "savings_usd": s.ravel(),
                         "x_lo": ex[j], "x_hi": ex[j + 1], "y_lo": ey[i], "y_hi": ey[i + 1]})
    fx = _axis(scenario, x, 4 * points, (ax.grid[0], ax.grid[-1])).grid
    fy = _axis(scenario, y, 4 * points, (ay.grid[0], ay.grid[-1])).grid
    fs = np.broadcast_to(grid_savings(fx, fy), (fy.size, fx.size))
    cx, cy = _crossings(fx, fy, fs, ax.log)
    ry, rx = _crossings(fy, fx, fs.T, ay.log)
    line = pd.DataFrame({"kind": "indifference", "x": np.concatenate([cx, rx]), "y": np.concatenate([cy, ry]),
                         "savings_usd": 0.0})
    here = pd.DataFrame({"kind": ["scenario"], "x": [ax.current], "y": [ay.current],
                         "savings_usd": [float(savings_usd(v, against))]})
    out = pd.concat([grid, line, here], ignore_index=True)
    return out.assign(x_axis=ax.title, y_axis=ay.title, x_log=ax.log, y_log=ay.log, against=against)


def _log_title(title: str, log: bool) -> str:
    """An axis title that says its scale is logarithmic: "volume (tokens per day; log scale)"."""
    if not log:
        return title
    return title[:-1] + "; log scale)" if title.endswith(")") else title + " (log scale)"


def breakeven_surface_chart(frame: pd.DataFrame) -> alt.Chart:
    """Heat map of the savings from `breakeven_surface`, the indifference line in black, the scenario as a cross.

    Orange: self-hosting costs less; blue: the per-token option costs less (a symmetric-log colour scale, so
    that both small and large savings show).
    """
    g = _rounded(frame.loc[frame["kind"] == "grid", ["x_lo", "x_hi", "y_lo", "y_hi", "savings_usd"]])
    xt, yt = frame["x_axis"].iloc[0], frame["y_axis"].iloc[0]
    xlog, ylog = bool(frame["x_log"].iloc[0]), bool(frame["y_log"].iloc[0])
    xs = alt.Scale(type="log", nice=False) if xlog else alt.Scale(nice=False, zero=False)
    ys = alt.Scale(type="log", nice=False) if ylog else alt.Scale(nice=False, zero=False)
    mid = lambda c, log: f"sqrt(datum.{c}_lo * datum.{c}_hi)" if log else f"(datum.{c}_lo + datum.{c}_hi) / 2"  # noqa: E731
    axis = lambda log: count_axis(grid=False) if log else alt.Axis(format=",.4~r", grid=False)  # noqa: E731
    key = frame["against"].iloc[0]
    other = OPTIONS[key]
    lim = float(np.nanmax(np.abs(g["savings_usd"]))) or 1.0
    heat = alt.Chart(g).transform_calculate(x=mid("x", xlog), y=mid("y", ylog)).mark_rect().encode(
        x=alt.X("x_lo:Q", scale=xs, title=_log_title(xt, xlog), axis=axis(xlog)), x2="x_hi:Q",
        y=alt.Y("y_lo:Q", scale=ys, title=_log_title(yt, ylog), axis=axis(ylog)), y2="y_hi:Q",
        color=alt.Color("savings_usd:Q", title=["monthly savings of", "self-hosting (USD)"],
                        scale=alt.Scale(type="symlog", domain=[-lim, 0, lim],
                                        range=[OPTION_COLORS[other], "#f7f7f7", OPTION_COLORS["self-hosted"]]),
                        legend=alt.Legend(labelExpr=USD_LABEL)),
        tooltip=[alt.Tooltip("x:Q", format=",.4~g", title=xt), alt.Tooltip("y:Q", format=",.4~g", title=yt),
                 alt.Tooltip("savings_usd:Q", format="$,.0f", title="savings (USD/month)")],
    )
    line = alt.Chart(_rounded(frame.loc[frame["kind"] == "indifference", ["x", "y"]])).mark_circle(size=9, color="black", opacity=1).encode(
        x="x:Q", y="y:Q", tooltip=[alt.Tooltip("x:Q", format=",.4~g", title=xt), alt.Tooltip("y:Q", format=",.4~g", title=yt)])
    here_data = frame.loc[frame["kind"] == "scenario", ["x", "y", "savings_usd"]].assign(label="this scenario")
    here = alt.Chart(here_data).mark_point(shape="cross", size=160, color="black", filled=True).encode(
        x="x:Q", y="y:Q", tooltip=[alt.Tooltip("savings_usd:Q", format="$,.0f", title="this scenario's savings (USD/month)")])
    here_label = here.mark_text(align="left", dx=9, dy=-9, fontWeight="bold").encode(text="label:N")
    note = (f"Green: self-hosting costs less; {'blue' if key == 'api' else 'orange'}: the {other} does. "
            "The cross is this scenario.")
    title = alt.TitleParams(f"Where self-hosting and the {other} cost the same (black line)", subtitle=note)
    layers = [heat, line, here, here_label]
    if not (frame["kind"] == "indifference").any():
        cheaper = "self-hosting" if (g["savings_usd"] > 0).all() else f"the {other}"
        title = alt.TitleParams(title.text, subtitle=[note, f"No crossing in this range: {cheaper} costs less everywhere on it."])
        layers = [heat, here, here_label]  # an empty layer has no extent (Vega warns)
    return finish(alt.layer(*layers).properties(title=title, width=460, height=340))


# ------------------------------------------------------------------------------------------ 3. Monte Carlo


def monte_carlo(scenario, n: int = 100_000, seed: int = 2026, against: str = "api") -> pd.DataFrame:
    """Draw every uncertain assumption together and push the draws through the three-option cost model.

    Parameters
    ----------
    scenario : Scenario
    n : int
        Draws.
    seed : int
        Seed of the random generator: the same seed gives the same frame.
    against : {"api", "managed"}

    Returns
    -------
    DataFrame
        One row per draw: ``draw``, every uncertain assumption's drawn value (column = key), ``api_usd``,
        ``managed_usd``, ``selfhost_usd`` [USD/month], ``savings_usd`` (``<against>_usd - selfhost_usd``),
        ``cheapest`` (the cheapest permitted option's key) and ``holds`` (it is the scenario's recommendation).
        ``frame.attrs`` records seed, against and the recommendation.

    Examples
    --------
    >>> from econ import load_scenario, PARAMS_DIR
    >>> mc = monte_carlo(load_scenario(PARAMS_DIR / "enterprise_steady.yaml"), n=1_000, seed=1)
    >>> len(mc), bool(mc["holds"].mean() > 0)
    (1000, True)
    """
    _check_against(against)
    draws = draw_assumptions(scenario, n, seed)
    values = _expand(scenario.values, draws)
    costs = option_costs(values)
    recommended = int(_cheapest(option_costs(scenario.values), scenario.values))
    cheapest = _cheapest(costs, values)
    size = _check_n(n)
    out = {"draw": np.arange(size)}
    out.update({k: np.broadcast_to(x, size) for k, x in draws.items()})
    out.update({f"{k}_usd": np.broadcast_to(costs[k]["monthly_usd"], size) for k in OPTIONS})
    out["savings_usd"] = out[f"{against}_usd"] - out["selfhost_usd"]
    out["cheapest"] = pd.Categorical.from_codes(np.broadcast_to(cheapest, size), categories=list(OPTIONS))
    out["holds"] = np.broadcast_to(cheapest == recommended, size)
    frame = pd.DataFrame(out)
    frame.attrs.update(seed=seed, against=against, recommended=list(OPTIONS)[recommended])
    return frame


def savings_distribution_chart(frame: pd.DataFrame, bins: int = 60) -> alt.Chart:
    """Histogram of the savings over the Monte Carlo draws (binned here, so the chart stays small).

    Orange bars: draws in which self-hosting costs less; blue: draws in which the per-token option does.
    The red line is zero, the dashed line the median.
    """
    s = frame["savings_usd"].to_numpy()
    lo, hi = np.percentile(s, [0.5, 99.5])
    width = (hi - lo) / bins or 1.0
    edges = width * np.arange(np.floor(lo / width), np.ceil(hi / width) + 1)  # zero is an edge
    counts, _ = np.histogram(s, edges)
    other = OPTIONS[frame.attrs.get("against", "api")]
    data = pd.DataFrame({"bin_start": edges[:-1], "bin_end": edges[1:], "draws": counts, "share": counts / len(s)})
    names = ["self-hosted cheaper", f"{other} cheaper"]
    data["cheaper"] = np.where(data["bin_start"] >= 0, *names)
    x = alt.X("bin_start:Q", title=f"monthly savings of self-hosting against the {other} (USD)",
              axis=alt.Axis(labelExpr=USD_LABEL))
    bars = alt.Chart(data).mark_bar().encode(
        x=x, x2="bin_end:Q",
        y=alt.Y("share:Q", title="share of draws", axis=alt.Axis(format="%")), y2=alt.datum(0),
        color=alt.Color("cheaper:N", title=None, sort=names, scale=color_scale(names),
                        legend=alt.Legend(orient="bottom", direction="horizontal")),
        tooltip=[alt.Tooltip("bin_start:Q", format="$,.0f", title="from (USD/month)"),
                 alt.Tooltip("bin_end:Q", format="$,.0f", title="to (USD/month)"), alt.Tooltip("share:Q", format=".2%")],
    )
    median = float(np.median(s))
    rules = marked_rules([(median, f"median: {usd(median)} a month")], "bin_start", (float(edges[0]), float(edges[-1])),
                         color="#333333")
    zero = alt.Chart(pd.DataFrame({"bin_start": [0.0]})).mark_rule(color="#e15759").encode(x="bin_start:Q")
    return finish(alt.layer(bars, zero, rules).properties(
        title=alt.TitleParams(f"Savings over {len(s):,} draws of the uncertain assumptions",
                              subtitle="0.5th to 99.5th percentile; red line: zero savings"), width=560, height=260))


def probability_cheaper(scenario, n: int = 20_000, seed: int = 2026, against: str = "api", points: int = 41,
                        confidence: float = 0.95, tokens_per_day=None) -> pd.DataFrame:
    """Probability that self-hosting costs less than the per-token option, against daily volume.

    Parameters
    ----------
    scenario : Scenario
    n : int
        Draws per volume. The same draws are used at every volume (common random numbers), so the curve is
        smooth; the volume's own distribution is left out (volume is the x-axis).
    seed : int
    against : {"api", "managed"}
    points : int
        Volumes, log-spaced from 1/100 to 100 times the scenario's (when ``tokens_per_day`` is not given).
    confidence : float
        Level of the Wilson interval on each Monte Carlo estimate.
    tokens_per_day : array_like, optional
        Volumes [tokens/day].

    Returns
    -------
    DataFrame
        One row per volume: ``tokens_per_day``, ``draws``, ``cheaper`` (count), ``probability``, ``ci_low``,
        ``ci_high`` [fraction, 0-1].

    Examples
    --------
    >>> from econ import load_scenario, PARAMS_DIR
    >>> p = probability_cheaper(load_scenario(PARAMS_DIR / "enterprise_steady.yaml"), n=2_000, seed=1, points=5)
    >>> bool(p["probability"].is_monotonic_increasing), bool((p["ci_low"] <= p["probability"]).all())
    (True, True)
    """
    _check_against(against)
    v = scenario.values
    tpr = _tokens_per_request(v)
    if tokens_per_day is None:
        base = float(v["workload.requests_per_day"]) * tpr
        tokens_per_day = np.geomspace(base / 100, base * 100, points)
    t = np.asarray(tokens_per_day, float).ravel()
    draws = {k: x[None, :] for k, x in draw_assumptions(scenario, n, seed, exclude=("workload.requests_per_day",)).items()}
    s = savings_usd(_expand(v, {**draws, "workload.requests_per_day": (t / tpr)[:, None]}), against)
    s = np.broadcast_to(s, (t.size, _check_n(n)))
    k = (s > 0).sum(axis=1)
    lo, hi = wilson_interval(k, n, confidence)
    out = pd.DataFrame({"tokens_per_day": t, "draws": n, "cheaper": k, "probability": k / n, "ci_low": lo, "ci_high": hi})
    out.attrs.update(seed=seed, against=against, confidence=confidence,
                     scenario_tokens_per_day=float(v["workload.requests_per_day"]) * tpr)
    return out


def probability_cheaper_chart(frame: pd.DataFrame) -> alt.Chart:
    """The probability curve from `probability_cheaper` with its confidence band; dashed: this scenario's volume."""
    other = OPTIONS[frame.attrs.get("against", "api")]
    conf = frame.attrs.get("confidence", 0.95)
    lo, hi = float(frame["tokens_per_day"].min()), float(frame["tokens_per_day"].max())
    x = alt.X("tokens_per_day:Q", scale=alt.Scale(type="log", domain=[lo, hi], nice=False),
              title="daily volume (tokens per day, input + output; log scale)", axis=count_axis())
    green = OPTION_COLORS["self-hosted"]
    band = alt.Chart(frame).mark_area(opacity=0.3, color=green).encode(
        x=x, y=alt.Y("ci_low:Q", title=f"probability self-hosting costs less than the {other}",
                     axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])), y2="ci_high:Q")
    line = alt.Chart(frame).mark_line(color=green).encode(
        x=x, y="probability:Q",
        tooltip=[alt.Tooltip("tokens_per_day:Q", format=",.3~s", title="tokens/day"), alt.Tooltip("probability:Q", format=".1%"),
                 alt.Tooltip("ci_low:Q", format=".1%", title=f"{conf:.0%} interval from"),
                 alt.Tooltip("ci_high:Q", format=".1%", title="to")])
    layers = [band, line]
    if "scenario_tokens_per_day" in frame.attrs:
        t = float(frame.attrs["scenario_tokens_per_day"])
        layers.append(marked_rules([(t, f"this scenario: {tokens(t)} tokens a day")], "tokens_per_day", (lo, hi),
                                   log=True, color="#333333"))
    return finish(alt.layer(*layers).properties(
        title=f"Probability that self-hosting costs less, with its {conf:.0%} Wilson interval", width=560, height=260))


# ------------------------------------------------------------------------------------------ 4. Sobol indices


def sobol_indices(scenario, n: int = 2**12, seed: int = 2026, against: str = "api", confidence: float = 0.95,
                  n_resamples: int = 300) -> pd.DataFrame:
    """First-order and total Sobol indices of the savings, with bootstrap confidence intervals.

    Parameters
    ----------
    scenario : Scenario
    n : int
        Base samples, a power of two; the model is evaluated ``n × (d + 2)`` times for ``d`` uncertain assumptions.
    seed : int
        Seeds the scrambled Sobol sequence and the bootstrap: the same seed gives the same frame.
    against : {"api", "managed"}
    confidence : float
        Level of the bootstrap intervals.
    n_resamples : int
        Bootstrap resamples.

    Returns
    -------
    DataFrame
        Long form, two rows per uncertain assumption (``index`` = "first-order", "total"): ``key``, ``label``,
        ``value``, ``ci_low``, ``ci_high``, ``rank`` (1 = largest total index). Sorted by rank.

    Notes
    -----
    The first-order index S_i is the share of the variance of the savings that assumption i explains alone,
    ``V[E(Y|X_i)] / V[Y]``; the total index S_Ti adds its interactions, ``1 - V[E(Y|X_~i)] / V[Y]``. Matrices A
    and B come from one scrambled Sobol sequence with 2d columns mapped through each distribution's inverse CDF,
    as in ``scipy.stats.sobol_indices``, which computes the indices from the evaluations (Saltelli et al. 2010
    estimators). The intervals are percentile bootstrap intervals (``scipy.stats.bootstrap``, seeded) over the
    same evaluations: ``SobolResult.bootstrap`` uses BCa, whose jackknife costs n² evaluations (tens of seconds
    at n = 2^14), and draws from an unseeded generator, so its intervals change from run to run.

    References
    ----------
    A. Saltelli et al., "Variance based sensitivity analysis of model output. Design and estimator for the total
    sensitivity index", Computer Physics Communications 181 (2010) 259-270.

    Examples
    --------
    >>> from econ import load_scenario, PARAMS_DIR
    >>> s = sobol_indices(load_scenario(PARAMS_DIR / "enterprise_steady.yaml"), n=2**8, seed=1, n_resamples=20)
    >>> s.loc[(s["key"] == "selfhost.purchase_price_factor"), "value"].tolist()   # rent mode: no effect
    [0.0, 0.0]
    """
    _check_against(against)
    params = uncertain_assumptions(scenario)
    cols = ["key", "label", "index", "value", "ci_low", "ci_high", "rank"]
    if not params:
        return pd.DataFrame(columns=cols)
    f_A, f_B, f_AB = _sobol_evaluations(lambda x: savings_usd(_expand(scenario.values, dict(zip([p.key for p in params], x))),
                                                                against), params, n, seed)
    first, total, lo, hi = _sobol_from_evaluations(f_A, f_B, f_AB, seed, confidence, n_resamples)
    rows = []
    for i, p in enumerate(params):
        for name, val, j in (("first-order", first, 0), ("total", total, 1)):
            rows.append({"key": p.key, "label": _label(p), "index": name, "value": float(val[i]),
                         "ci_low": float(lo[j][i]), "ci_high": float(hi[j][i])})
    out = pd.DataFrame(rows)
    order = {k: r for r, k in enumerate(out[out["index"] == "total"].sort_values("value", ascending=False, kind="stable")["key"], 1)}
    out["rank"] = out["key"].map(order)
    out = out.sort_values(["rank", "index"], kind="stable").reset_index(drop=True)
    out.attrs.update(n=n, seed=seed, against=against, confidence=confidence, evaluations=n * (len(params) + 2))
    return out[cols]


def _sobol_evaluations(func, dists, n: int, seed: int):
    """Evaluate ``func`` (d×m inputs -> m outputs) on the Saltelli design A, B, AB_i [each (1, n) or (d, 1, n)]."""
    d = len(dists)
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2 or n & (n - 1):
        raise ValueError(f"n={n!r} is not allowed; expected a power of two >= 2 (Sobol sequences are balanced at 2^k)")
    ab = stats.qmc.Sobol(d=2 * d, scramble=True, bits=64, rng=np.random.default_rng(seed)).random(n).T.reshape(2, d, n)
    for i, dist in enumerate(dists):
        ab[:, i] = dist.ppf(ab[:, i])
    a, b = ab
    stacked = np.tile(a, (1, d + 2))  # columns: A | B | AB_1 ... AB_d
    stacked[:, n:2 * n] = b
    for i in range(d):
        stacked[i, (2 + i) * n:(3 + i) * n] = b[i]
    f = np.broadcast_to(np.asarray(func(stacked), float), (stacked.shape[1],))
    return f[None, :n], f[None, n:2 * n], f[2 * n:].reshape(d, 1, n)


def _sobol_from_evaluations(f_A, f_B, f_AB, seed: int, confidence: float, n_resamples: int):
    """Indices from ``scipy.stats.sobol_indices`` and seeded percentile-bootstrap intervals [(first, total)]."""
    n = f_A.shape[1]

    def indices(idx):
        r = stats.sobol_indices(func={"f_A": f_A[:, idx], "f_B": f_B[:, idx], "f_AB": f_AB[..., idx]}, n=n)
        return np.concatenate([np.atleast_1d(r.first_order), np.atleast_1d(r.total_order)])

    d = f_AB.shape[0]
    full = indices(np.arange(n))
    boot = stats.bootstrap((np.arange(n),), indices, n_resamples=n_resamples, vectorized=False, method="percentile",
                           confidence_level=confidence, rng=np.random.default_rng([seed, 1]))
    lo, hi = boot.confidence_interval.low, boot.confidence_interval.high
    lo, hi = np.where(np.isnan(lo), full, lo), np.where(np.isnan(hi), full, hi)  # constant statistic: no spread
    return full[:d], full[d:], (lo[:d], lo[d:]), (hi[:d], hi[d:])


def sobol_chart(frame: pd.DataFrame, top: int = 12) -> alt.Chart:
    """Sobol indices from `sobol_indices`: first-order and total per assumption, with bootstrap intervals."""
    d = frame[frame["rank"] <= top]
    order = list(d.sort_values("rank")["label"].drop_duplicates())
    conf = frame.attrs.get("confidence", 0.95)
    y = alt.Y("label:N", sort=order, title=None, axis=alt.Axis(labelLimit=420))
    names = {"first-order": "first-order (alone)", "total": "total (with interactions)"}
    d = d.assign(index_label=d["index"].map(names))
    color = alt.Color("index_label:N", title="Sobol index", sort=list(names.values()), scale=color_scale(names.values()),
                      legend=alt.Legend(orient="bottom", direction="horizontal"))
    offset = alt.YOffset("index_label:N", sort=list(names.values()))
    bars = alt.Chart(d).mark_bar().encode(
        y=y, yOffset=offset, color=color,
        x=alt.X("value:Q", title="share of the variance of the savings", axis=alt.Axis(format="%")),
        tooltip=[alt.Tooltip("key:N", title="key"), alt.Tooltip("index:N"), alt.Tooltip("value:Q", format=".3f"),
                 alt.Tooltip("ci_low:Q", format=".3f", title=f"{conf:.0%} interval from"), alt.Tooltip("ci_high:Q", format=".3f", title="to")],
    )
    errors = alt.Chart(d).mark_rule(color="black").encode(y=y, yOffset=offset, x="ci_low:Q", x2="ci_high:Q")
    return finish(alt.layer(bars, errors).properties(
        title=alt.TitleParams("Global sensitivity of the savings (Sobol indices, all assumptions varied together)",
                              subtitle=f"black whiskers: {conf:.0%} bootstrap intervals"), width=460,
        height=alt.Step(12)))


# ------------------------------------------------------------------------------------------------ summary


def _fmt_value(x: float, unit: str) -> str:
    return f"{x:,.6g} {unit}".strip() if abs(x) < 1e6 else f"{x:,.0f} {unit}".strip()


def _share(x: float) -> str:
    """A probability for a reader: ``87.3%``; three decimals within 1 % of 0 or 1; exact 0 and 1 plain."""
    if x in (0.0, 1.0):
        return f"{x:.0%}"
    return f"{x:.1%}" if 0.01 <= x <= 0.99 else f"{x:.3%}"


def _volume_at(frame: pd.DataFrame, level: float) -> float:
    """Lowest volume above which the probability stays at or above ``level`` (log-interpolated) [tokens/day]."""
    p, t = frame["probability"].to_numpy(), frame["tokens_per_day"].to_numpy()
    below = np.nonzero(p < level)[0]
    if below.size == 0:
        return float(t[0])
    i = below[-1]
    if i == p.size - 1:
        return float("nan")
    w = (level - p[i]) / (p[i + 1] - p[i])
    return float(np.exp(np.log(t[i]) + w * (np.log(t[i + 1]) - np.log(t[i]))))


def sensitivity_summary(scenario, tornado_frame: pd.DataFrame, mc_frame: pd.DataFrame, sobol_frame: pd.DataFrame,
                        probability_frame: pd.DataFrame | None = None, decision=None) -> Markdown:
    """What decides the answer and how likely it is to hold, every figure computed from the three frames.

    Parameters
    ----------
    scenario : Scenario
    tornado_frame, mc_frame, sobol_frame : DataFrame
        From `tornado`, `monte_carlo` and `sobol_indices` for this scenario (with the same ``against``).
    probability_frame : DataFrame, optional
        From `probability_cheaper`: adds the volumes above which self-hosting is cheaper in half and in 90 % of draws.
    decision : Decision, optional
        The scenario's decision (`econ.decide`): its confidence is stated as the answer to "how likely is the
        recommendation to hold", and this page's own probability as the narrower comparison it is.

    Returns
    -------
    Markdown
    """
    against = mc_frame.attrs.get("against", "api")
    other = OPTIONS[against]
    if tornado_frame.empty:
        from ._views import md_text

        return Markdown(f"No assumption of {md_text(scenario.path)} carries a distribution (`dist`), so there is "
                        "nothing to vary.")
    parts = []

    def named(key: str, within: bool = False) -> str:
        return assumption_name(scenario.assumptions[key].label, key, within)

    if against != "api":
        parts.append(f"The closed API is not permitted here, so savings are measured against the {other}.")
    t = tornado_frame[tornado_frame["metric"] == "savings_usd"]
    base = float(t["base_result"].iloc[0])
    verdict = "costs less" if base > 0 else "costs more"
    parts.append(f"As written, self-hosting {verdict} than the {other} by {usd(abs(base))} a month.")
    top = t[t["rank"] <= 3].sort_values("rank")
    items = []
    for key, g in top.groupby("key", sort=False):
        lo, hi = g.set_index("end").loc["low"], g.set_index("end").loc["high"]
        items.append(f"{int(lo['rank'])}. {named(key)}: from {_fmt_value(lo['input_value'], lo['unit'])} to "
                     f"{_fmt_value(hi['input_value'], hi['unit'])}, the savings go from {usd(lo['result'])} to "
                     f"{usd(hi['result'])} (a swing of {usd(lo['swing'])})")
    parts.append("**Which assumptions move the answer most** (tornado, one at a time over its stated range):\n\n"
                 + "\n".join(items) + "\n")
    flips = t[t["flips"]]
    if flips.empty:
        parts.append(f"No single assumption at either end of its range changes which of self-hosting and the {other} "
                     "costs less.")
    else:
        f = [f"{named(r.key)} at its {r.end} ({_fmt_value(r.input_value, r.unit)}: savings {usd(r.result)})" for r in flips.itertuples()]
        parts.append(f"Alone, each of these changes which of self-hosting and the {other} costs less: " + "; ".join(f) + ".")
    tot = sobol_frame[(sobol_frame["index"] == "total")].sort_values("rank").head(3)
    if len(tot):
        s = ", ".join(f"{named(r.key, within=True)} ({r.value:.2f}, {sobol_frame.attrs.get('confidence', 0.95):.0%} interval "
                      f"{r.ci_low:.2f} to {r.ci_high:.2f})" for r in tot.itertuples())
        parts.append(f"With all of them varied together, the largest total Sobol indices (share of the variance of the "
                     f"savings, interactions included; {sobol_frame.attrs.get('n', 0):,} base samples) are {s}.")
    n = len(mc_frame)
    kc = int((mc_frame["savings_usd"] > 0).sum())
    clo, chi = wilson_interval(kc, n)
    q5, q50, q95 = np.percentile(mc_frame["savings_usd"], [5, 50, 95])
    def in_draws(count: int) -> str:
        return f"in all {n:,} draws" if count == n else "in none of the draws" if count == 0 else f"in {_share(count / n)} of draws"

    if decision is not None:
        from ._views import fact, noun

        o = decision.options[decision.recommended]
        rec = o.name + noun(o)
        parts.append(
            f"**How likely the recommendation is to hold:** the decision's {rec} stays the cheapest eligible plan in "
            f"{fact('confidence', pct(decision.confidence))} of its {decision.draws:,} joint draws (seed {decision.seed}), "
            "which also vary the quality assumptions and compare every eligible plan"
            + (", the routed split included." if "routed" in decision.options else "."))
    parts.append(
        f"**This page's narrower question:** over {n:,} joint draws (seed {mc_frame.attrs.get('seed')}) of the cost "
        f"assumptions, self-hosting costs less than the {other} {in_draws(kc)} (95% Wilson interval {_share(float(clo))} "
        f"to {_share(float(chi))}), whatever the quality of either; the monthly savings have a median of {usd(q50)}, "
        f"5th to 95th percentile {usd(q5)} to {usd(q95)}."
    )
    if probability_frame is not None and len(probability_frame):
        top = tokens(float(probability_frame["tokens_per_day"].max()))
        here = tokens(probability_frame.attrs.get("scenario_tokens_per_day", np.nan))
        t50, t90 = _volume_at(probability_frame, 0.5), _volume_at(probability_frame, 0.9)
        lead = f"**Volume:** with the other assumptions uncertain as above (this scenario: {here} tokens a day), "
        if not np.isfinite(t50):
            parts.append(lead + f"at no volume up to {top} tokens a day does self-hosting cost less than the {other} "
                         "in half of the draws or more.")
        elif t90 == t50 == float(probability_frame["tokens_per_day"].min()):
            parts.append(lead + f"self-hosting costs less than the {other} in at least 90% of the draws at every volume "
                         f"checked, down to {tokens(t50)} tokens a day.")
        else:
            then = (f"in 90% of them from {tokens(t90)}" if np.isfinite(t90) else f"in 90% of them at no volume up to {top}")
            parts.append(lead + f"self-hosting costs less than the {other} in at least half of the draws from "
                         f"{tokens(t50)} tokens a day, and {then}.")
    return Markdown("\n\n".join(parts))
