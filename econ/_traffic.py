"""Traffic profiles and GPU provisioning: how busy a self-hosted fleet stays under real or synthetic traffic.

A *profile* is a DataFrame with one row per time step (index ``start``, the step's start time) and the
columns ``requests``, ``input_tokens``, ``cached_input_tokens``, ``output_tokens`` [per step] and ``seconds``
(the part of the step inside the observed span [s]; shorter than the step only at the edges of a log).
A NaN in ``requests`` is a gap in the data, not zero traffic. ``profile.attrs`` holds ``step_s`` and ``source``.

Profiles come from logs (`econ.read_requests`, econ/_usage.py: DuckDB, out of core), from the shipped traces,
from a profile CSV beside a scenario (``traffic.profile``, as ``scenario-from-log`` writes it), or are synthetic.
Provisioning policies then run vectorized over the profile's time steps.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import altair as alt
import numpy as np
import pandas as pd

from ._params import beside_scenario
from ._style import SERIES_COLORS, USD_AXIS, color_scale, count_axis, finish, marked_rules
from ._usage import PROFILE_COLUMNS as _PROFILE_COLUMNS
from ._usage import _profile, _step_seconds, read_profile_csv, read_rate_series, read_requests

__all__ = [
    "TRACES",
    "POLICIES",
    "trace_names",
    "trace_path",
    "trace_profile",
    "trace_peak_to_mean",
    "synthetic_profile",
    "peak_to_mean",
    "provisioning_timeline",
    "provisioning_table",
    "profile_chart",
    "provisioning_chart",
    "traffic_from_scenario",
    "provisioning_timeline_from_scenario",
    "provisioning_view",
    "provisioning_summary",
    "provisioning_by_volume",
    "provisioning_volume_chart",
    "keep_alive_shares",
]

TRACE_DIR = Path(__file__).parent / "data" / "traces"
TRACES = {
    "azure-code": "AzureLLMInferenceTrace_code.csv",
    "azure-conv": "AzureLLMInferenceTrace_conv.csv",
    "servegen-m-large": "servegen_m-large_14d_10min.csv",
    "servegen-m-small": "servegen_m-small_14d_10min.csv",
}
"""Shipped traces: kit name -> file in ``econ/data/traces/`` (sources and licences in ATTRIBUTION.md there)."""

POLICIES = {
    "fixed": "fixed fleet (the decision's)",
    "autoscale": "autoscaling",
    "scale_to_zero": "scale to zero",
}
"""Provisioning policies: key -> display name."""

SERVEGEN_DAY0 = "2024-01-01"
"""Date given to ServeGen's day 0, whose weekday is not published (2024-01-01 is a Monday): a label, not a fact."""

_DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


# --------------------------------------------------------------------------------------------------- traces
def _key(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", str(name).lower())


_ALIASES = {}
for _name, _file in TRACES.items():
    for _alias in (_name, _file, Path(_file).stem, _name.split("-", 1)[1]):
        _ALIASES[_key(_alias)] = _name
_ALIASES[_key("AzureLLMInferenceTrace_code")] = "azure-code"
_ALIASES[_key("AzureLLMInferenceTrace_conv")] = "azure-conv"


def trace_names() -> list[str]:
    """Names of the traces shipped with the kit.

    Examples
    --------
    >>> trace_names()
    ['azure-code', 'azure-conv', 'servegen-m-large', 'servegen-m-small']
    """
    return list(TRACES)


def _trace_name(name: str) -> str:
    found = _ALIASES.get(_key(name))
    if found is None:
        close = difflib.get_close_matches(_key(name), list(_ALIASES), n=1, cutoff=0.5)
        hint = f" Did you mean {_ALIASES[close[0]]!r}?" if close else ""
        raise ValueError(f"trace {name!r} is not shipped with the kit; the traces are {', '.join(TRACES)}.{hint}")
    return found


def trace_path(name: str) -> Path:
    """Path of a shipped trace; names are forgiving about case and punctuation ("Azure code", "m_large").

    Parameters
    ----------
    name : str
        One of `trace_names()`, or its file name.

    Returns
    -------
    Path
        The CSV inside the installed kit (``econ/data/traces/``).

    Examples
    --------
    >>> trace_path("Azure_Code").name
    'AzureLLMInferenceTrace_code.csv'
    >>> trace_path("m-large").name
    'servegen_m-large_14d_10min.csv'
    """
    return TRACE_DIR / TRACES[_trace_name(name)]


def trace_profile(name: str, freq: str | None = None) -> pd.DataFrame:
    """Profile of a shipped trace: Azure per-request logs binned at ``freq`` (default 1 minute, bins from
    the first request), ServeGen rate series at their native 10 minutes (``freq`` must then be None).

    Examples
    --------
    >>> p = trace_profile("azure-conv")
    >>> int(p["requests"].sum()), round(float(p["output_tokens"].sum() / p["requests"].sum()), 1)
    (19366, 211.1)
    """
    key = _trace_name(name)
    path = trace_path(key)
    if key.startswith("azure"):
        return read_requests(path, format="azure", freq=freq or "1min")
    if freq is not None:
        raise ValueError(f"freq={freq!r}: the ServeGen traces are 10-minute rates; pass freq=None "
                         "and measure coarser windows with peak_to_mean(profile, window)")
    return read_rate_series(path, time="window_start_s", requests_per_s="req_per_s",
                            input_tokens_per_s="input_tok_per_s", output_tokens_per_s="output_tok_per_s")


@cache
def trace_peak_to_mean(name: str, window: str | None = None) -> float:
    """`peak_to_mean` of a shipped trace [ratio], read once per process (the files ship with the kit).

    Examples
    --------
    >>> round(trace_peak_to_mean("servegen-m-large", "1h"), 2)
    1.86
    """
    return float(peak_to_mean(trace_profile(name), window))


# --------------------------------------------------------------------------------------------------- synthetic
def synthetic_profile(
    requests_per_day: float,
    peak_to_mean: float,
    days: int = 7,
    freq: str = "1h",
    input_tokens_per_request: float = 1000.0,
    output_tokens_per_request: float = 250.0,
    daily_amplitude: float = 0.7,
    peak_hour: float = 14.0,
    weekend_factor: float = 0.5,
    bursts_per_day: float = 0.0,
    burst_multiplier: float = 3.0,
    burst_minutes: float = 15.0,
    noise: float = 0.1,
    seed: int = 0,
    start: str = "2024-01-01",
    arrivals: str = "mean",
) -> pd.DataFrame:
    """A synthetic profile from a scenario's numbers: daily and weekly cycles, bursts, noise, and exactly the
    peak-to-mean ratio asked for at the profile's step.

    Parameters
    ----------
    requests_per_day : float
        Mean requests per day over the whole profile [requests/day].
    peak_to_mean : float
        Busiest step over the mean step [ratio, >= 1], measured at ``freq`` (the scenarios state it per hour).
    days : int
        Length [days].
    freq : str
        Step, e.g. ``"1h"``, ``"10min"``, ``"1min"``.
    input_tokens_per_request, output_tokens_per_request : float
        Tokens per request [tokens/request].
    daily_amplitude : float
        Swing of the daily cycle before calibration [fraction, 0-1): ``1 + a cos(2π (hour - peak_hour) / 24)``.
    peak_hour : float
        Hour of the daily maximum [h].
    weekend_factor : float
        Saturday and Sunday traffic relative to weekdays [ratio, > 0].
    bursts_per_day, burst_multiplier, burst_minutes : float
        Poisson-placed bursts [bursts/day] multiplying traffic by ``burst_multiplier`` [ratio] for ``burst_minutes`` [min].
    noise : float
        Log-normal step-to-step noise [sigma of log].
    seed : int
        Random seed; the same seed gives the same profile.
    start : str
        Start date [ISO date]; 2024-01-01 is a Monday.
    arrivals : {"mean", "poisson"}
        ``"mean"``: expected requests per step (smooth; peak-to-mean exact). ``"poisson"``: whole requests drawn
        around that mean, so low volumes have empty steps (what scale-to-zero needs); the peak-to-mean is then
        only approximately the one asked for.

    Returns
    -------
    DataFrame
        The profile.

    Notes
    -----
    The raw shape ``x`` (cycles × bursts × noise) is raised to the power ``p`` that gives
    ``max(x^p) / mean(x^p) = peak_to_mean`` (the ratio grows monotonically with ``p``; solved by Brent's method),
    then scaled to the mean volume. A ratio above what the shape allows (steps / number of maximal steps) raises.

    Examples
    --------
    >>> p = synthetic_profile(20_000, 1.9, days=7, freq="1h", seed=1)
    >>> len(p), round(float(p["requests"].sum() / 7), 6), round(peak_to_mean(p), 6)
    (168, 20000.0, 1.9)
    """
    from scipy.optimize import brentq

    step_s = _step_seconds(freq)
    _positive("requests_per_day", requests_per_day)
    if not peak_to_mean >= 1:
        raise ValueError(f"peak_to_mean={peak_to_mean!r} is not allowed; the peak is at least the mean (>= 1)")
    if not 0 <= daily_amplitude < 1:
        raise ValueError(f"daily_amplitude={daily_amplitude!r} is not allowed; expected a fraction in [0, 1)")
    _positive("weekend_factor", weekend_factor)
    _positive("days", days)
    for name, value in (("bursts_per_day", bursts_per_day), ("noise", noise), ("input_tokens_per_request", input_tokens_per_request)):
        if not value >= 0:
            raise ValueError(f"{name}={value!r} is not allowed; expected a number >= 0")
    _positive("output_tokens_per_request", output_tokens_per_request)
    if arrivals not in ("mean", "poisson"):
        raise ValueError(f"arrivals={arrivals!r} is not allowed; expected 'mean' or 'poisson'")
    rng = np.random.default_rng(seed)
    n = int(round(days * 86_400 / step_s))
    if n < 1:
        raise ValueError(f"days={days!r} at freq={freq!r} gives no step; lengthen the profile or shorten the step")
    starts = pd.Timestamp(start) + pd.to_timedelta(np.arange(n) * step_s, unit="s")
    hour = (starts.hour + starts.minute / 60 + step_s / 7200).to_numpy(float)  # middle of the step
    log_x = np.log1p(daily_amplitude * np.cos(2 * np.pi * (hour - peak_hour) / 24))
    log_x += np.where(starts.day_of_week.to_numpy() >= 5, np.log(weekend_factor), 0.0)
    log_x += rng.normal(0.0, noise, n) if noise > 0 else 0.0
    n_bursts = rng.poisson(bursts_per_day * days)
    if n_bursts:
        width = max(1, int(round(burst_minutes * 60 / step_s)))
        burst = np.zeros(n)
        for s in rng.integers(0, n, n_bursts):
            burst[s:s + width] = np.log(burst_multiplier)
        log_x += burst
    log_x -= log_x.max()

    def ratio(p):
        w = np.exp(p * log_x)
        return 1.0 / w.mean()

    limit = n / np.count_nonzero(log_x == 0.0)
    if peak_to_mean == 1:
        p = 0.0
    elif peak_to_mean >= limit:
        raise ValueError(f"peak_to_mean={peak_to_mean!r} is not reachable with {n} steps; it must stay below "
                         f"{limit:.4g} (the busiest steps only, the rest idle); use a finer freq or more days")
    else:
        hi = 1.0
        while ratio(hi) < peak_to_mean:
            hi *= 2
        p = brentq(lambda q: ratio(q) - peak_to_mean, 0.0, hi, xtol=1e-14, rtol=1e-14, maxiter=500)
    w = np.exp(p * log_x)
    requests = w / w.mean() * requests_per_day * step_s / 86_400
    if arrivals == "poisson":
        requests = rng.poisson(requests).astype(float)
    values = np.column_stack([requests, requests * input_tokens_per_request, np.zeros(n),
                              requests * output_tokens_per_request])
    starts_us = pd.Timestamp(start).value // 1000 + np.arange(n, dtype=np.int64) * int(round(step_s * 1e6))
    return _profile(starts_us, values, np.full(n, step_s), step_s,
                    f"synthetic (seed {seed})", peak_to_mean=float(peak_to_mean))


def _positive(name: str, value) -> None:
    if not (np.isscalar(value) and value > 0):
        raise ValueError(f"{name}={value!r} is not allowed; expected a number > 0")


# --------------------------------------------------------------------------------------------------- peak/mean
def _as_profile(profile) -> pd.DataFrame:
    if isinstance(profile, pd.DataFrame):
        missing = [c for c in ("requests",) if c not in profile]
        if missing:
            raise ValueError(f"profile: no column 'requests'; a profile comes from read_requests, read_rate_series "
                             f"or synthetic_profile (columns {', '.join(_PROFILE_COLUMNS)}); got {list(profile.columns)}")
        return profile
    raise ValueError(f"profile: expected a profile DataFrame (from read_requests, read_rate_series or "
                     f"synthetic_profile); got {type(profile).__name__}")


def _profile_step(profile: pd.DataFrame) -> float:
    if "step_s" in profile.attrs:
        return float(profile.attrs["step_s"])
    if isinstance(profile.index, pd.DatetimeIndex) and len(profile) > 1:
        return float(pd.Series(profile.index).diff().dropna().mode().iloc[0].total_seconds())
    raise ValueError("profile: cannot tell its time step; it has no attrs['step_s'] and no evenly spaced DatetimeIndex")


def peak_to_mean(profile: pd.DataFrame, window: str | None = None, column: str = "requests") -> float:
    """Busiest window over the mean window of a profile [ratio].

    Parameters
    ----------
    profile : DataFrame
        A profile (`read_requests`, `read_rate_series`, `synthetic_profile`).
    window : str, optional
        Window length, a whole multiple of the profile's step (default: the step), e.g. ``"1h"``.
    column : str
        ``"requests"`` (default), ``"input_tokens"`` or ``"output_tokens"``.

    Returns
    -------
    float
        ``max_w r_w / mean_w r_w`` over windows counted from the profile's first step.

    Notes
    -----
    ``r_w`` is the rate in window ``w``: its sum over steps with data divided by the seconds those steps cover
    (gaps, NaN, are left out rather than counted as zero). Only windows wholly inside the observed span count:
    a log's last, partial minute is dropped. This is how the trace README's figures are measured (4.18 for
    Azure code at 1 minute, 1.86 for ServeGen m-large at 1 hour).

    Examples
    --------
    >>> round(peak_to_mean(trace_profile("azure-code")), 2), round(peak_to_mean(trace_profile("m-large"), "1h"), 2)
    (4.18, 1.86)
    """
    profile = _as_profile(profile)
    step_s = _profile_step(profile)
    window_s = step_s if window is None else _step_seconds(window, "window")
    k = window_s / step_s
    if abs(k - round(k)) > 1e-9 or round(k) < 1:
        raise ValueError(f"window={window!r} is not a whole multiple of the profile's step ({step_s:g} s)")
    k = int(round(k))
    q = profile[column].to_numpy(float)
    seconds = profile["seconds"].to_numpy(float) if "seconds" in profile else np.full(len(q), step_s)
    group = np.arange(len(q)) // k
    has = ~np.isnan(q)
    amount = np.bincount(group, np.where(has, q, 0.0))
    observed = np.bincount(group, np.where(has, seconds, 0.0))
    span = np.bincount(group, seconds)
    keep = (span >= window_s * (1 - 1e-9)) & (observed > 0)
    if not keep.any():
        raise ValueError(f"profile: no complete {window_s:g}-second window with data; use a shorter window")
    rate = amount[keep] / observed[keep]
    return float(rate.max() / rate.mean())


# --------------------------------------------------------------------------------------------------- provisioning
def _capacity_unit(replica_requests_per_s, replica_output_tokens_per_s) -> tuple[str, float]:
    if (replica_requests_per_s is None) == (replica_output_tokens_per_s is None):
        raise ValueError("give exactly one of replica_requests_per_s [requests/s] and replica_output_tokens_per_s "
                         "[output tokens/s]: the capacity of one replica")
    column, value = (("requests", replica_requests_per_s) if replica_requests_per_s is not None
                     else ("output_tokens", replica_output_tokens_per_s))
    _positive("replica_requests_per_s" if column == "requests" else "replica_output_tokens_per_s", value)
    return column, float(value)


def _trailing(x: np.ndarray, width: int, fn) -> np.ndarray:
    """``fn`` over the trailing window of ``width`` steps, the steps before the start taken equal to ``x[0]``."""
    if width <= 1 or len(x) == 0:
        return x.copy()
    padded = np.concatenate([np.full(width - 1, x[0]), x])
    return fn(np.lib.stride_tricks.sliding_window_view(padded, width), axis=1)


def keep_alive_shares(requests_per_s, keep_alive_s, scale_up_s=0.0):
    """Share of time a scale-to-zero replica is billed, and share of requests that find none ready, under Poisson
    arrivals [fraction].

    Parameters
    ----------
    requests_per_s : array_like
        Arrival rate λ [requests/s].
    keep_alive_s : array_like
        Time without a request after which the replica is released, κ [s].
    scale_up_s : array_like
        Time from the request that finds no replica to a replica serving, τ [s] (at most ``keep_alive_s``).

    Returns
    -------
    billed, cold : ndarray
        ``1 - exp(-λκ)`` and ``exp(-λκ) (1 + λτ)`` (capped at 1; 0 when τ = 0: nobody waits).

    Notes
    -----
    A replica is started by a request that finds none and released κ after the last request. Between a release
    and the next request the fleet is off for a mean 1/λ (memoryless arrivals); it then stays on until a gap
    longer than κ, a mean ``(e^{λκ} - 1)/λ`` (a geometric number of shorter gaps). Hence the billed share
    ``1 - e^{-λκ}``; starts happen ``λ e^{-λκ}`` times a second and each leaves the fleet not ready for τ, so a
    share ``e^{-λκ} + λτ e^{-λκ}`` of the time, and of the requests (Poisson arrivals see time averages), find no
    replica ready. Exact when τ ≤ κ. The keep-alive trade-off of serverless platforms (Shahrad et al.,
    "Serverless in the Wild", USENIX ATC 2020).

    Examples
    --------
    One request a minute, released after 5 idle minutes, 1-minute cold start: billed 1 - e^-5, and
    e^-5 × 2 of the requests wait.

    >>> billed, cold = keep_alive_shares(1 / 60, 300, 60)
    >>> round(float(billed), 4), round(float(cold), 4)
    (0.9933, 0.0135)
    """
    lam, kappa, tau = (np.asarray(x, float) for x in (requests_per_s, keep_alive_s, scale_up_s))
    idle = np.exp(-lam * kappa)
    cold = np.where(tau > 0, np.minimum(1.0, idle * (1 + lam * tau)), 0.0)
    return 1.0 - idle, cold


def _policy_fleet(demand_per_s, requests_per_s, capacity_per_s, step_s, policy, max_utilization, min_replicas,
                  spare_replicas, fixed_replicas, up_s, down_s):
    """Serving replicas billed, spare replicas billed, serving replicas ready, the share of demand that finds a
    replica ready and the share of the step with no replica billed, at each step (expected values), for one policy."""
    n = len(demand_per_s)
    need = np.ceil(demand_per_s / (capacity_per_s * max_utilization) - 1e-9)
    if policy == "fixed":
        serving = float(fixed_replicas) if fixed_replicas is not None else max(float(min_replicas), need.max(initial=0.0))
        full = np.full(n, serving)
        return full, np.full(n, float(spare_replicas)), full, np.ones(n), np.zeros(n)
    zero = policy == "scale_to_zero"
    desired = np.maximum(need, 0.0 if zero else float(min_replicas))
    down = int(np.ceil(down_s / step_s - 1e-9)) + 1
    billed = _trailing(desired, down, np.max)  # released after the delay
    k, a = divmod(up_s / step_s, 1.0)
    k = int(k)
    ready = _trailing(billed, k + 1, np.min)  # replicas ordered up to `up` ago are serving (the oldest kept)
    if a > 1e-12:
        ready = (1 - a) * ready + a * _trailing(billed, k + 2, np.min)
    if not zero:
        return billed, np.full(n, float(spare_replicas)), ready, np.ones(n), (billed == 0).astype(float)
    # inside a step, the last replica is released after max(down, up) without a request (keep_alive_shares)
    keep = max(down_s, up_s)
    on, _ = keep_alive_shares(_trailing(requests_per_s, down, np.max), keep, up_s)
    _, cold = keep_alive_shares(requests_per_s, keep, up_s)
    load = np.divide(demand_per_s, billed * capacity_per_s, out=np.zeros(n), where=billed > 0)
    on = np.where(billed > 0, np.maximum(on, np.minimum(load, 1.0)), 0.0)  # never billed less than the work done
    return billed * on, spare_replicas * on, ready, 1.0 - cold, 1.0 - on


def _drain_seconds(backlog: np.ndarray, capacity_per_s: np.ndarray, step_s: float) -> np.ndarray:
    """Time until the backlog at the end of each step is served, first come first served, by the capacity of the
    steps that follow [s]; inf if the profile ends first."""
    work = np.cumsum(capacity_per_s * step_s)  # capacity through the end of each step
    target = work + backlog
    j = np.searchsorted(work, target * (1 - 1e-12), side="left")  # first step that has served it all
    t = np.arange(len(backlog))
    inside = (backlog > 0) & (j < len(work))
    out = np.where(backlog > 0, np.inf, 0.0)
    jj = j[inside]
    before = np.where(jj > 0, work[np.maximum(jj - 1, 0)], 0.0)
    out[inside] = ((jj - 1 - t[inside]) * step_s + (target[inside] - before) / capacity_per_s[jj])
    return out


def _check_policy(policy: str) -> None:
    if policy not in POLICIES:
        close = difflib.get_close_matches(str(policy), list(POLICIES), n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise ValueError(f"policy {policy!r} is not known; the policies are {', '.join(POLICIES)}.{hint}")


def _whole(name: str, value, least: int) -> None:
    if not (np.isscalar(value) and float(value).is_integer() and value >= least):
        raise ValueError(f"{name}={value!r} is not allowed; expected a whole number >= {least}")


def provisioning_timeline(
    profile: pd.DataFrame,
    policies: Sequence[str] = tuple(POLICIES),
    replica_requests_per_s: float | None = None,
    replica_output_tokens_per_s: float | None = None,
    max_utilization: float = 1.0,
    min_replicas: int = 1,
    scale_up_delay_minutes: float = 0.0,
    scale_down_delay_minutes: float = 0.0,
    spare_replicas: int = 0,
    fixed_replicas: int | None = None,
) -> pd.DataFrame:
    """Step-by-step fleet of each provisioning policy over a profile (long form: one row per step and policy).

    Parameters
    ----------
    profile : DataFrame
        A profile; gaps (NaN) count as no demand.
    policies : sequence of str
        Keys of `POLICIES`: ``"fixed"``, ``"autoscale"``, ``"scale_to_zero"``.
    replica_requests_per_s, replica_output_tokens_per_s : float
        Capacity of one replica at full load [requests/s] or [output tokens/s]; give exactly one.
    max_utilization : float
        Share of a replica's capacity the fleet is sized to use [fraction, 0-1]; ``1 / (1 + headroom)``.
        Replicas can still run to full capacity when demand outruns the plan.
    min_replicas : int
        Serving replicas kept by the autoscaler (and the fixed fleet's least) [replicas]; scale-to-zero keeps none.
    scale_up_delay_minutes : float
        From the demand that needs a replica to that replica serving: detection plus cold start [min].
        Fractions of a step count in proportion.
    scale_down_delay_minutes : float
        How long demand must stay lower before a replica is released [min]; rounded up to whole steps.
    spare_replicas : int
        Spares for failures and upgrades, billed on top of the serving replicas and serving nothing [replicas]:
        always for the fixed fleet and the autoscaler, while any replica serves for scale-to-zero.
    fixed_replicas : int, optional
        Serving replicas of the fixed fleet (e.g. the decision's, sized at the scenario's peak); default: enough
        for the profile's peak at ``max_utilization``, at least ``min_replicas``.

    Returns
    -------
    DataFrame
        ``start``, ``policy``, ``demand_per_s``, ``replicas`` (billed: serving, starting and spare),
        ``serving_replicas`` (billed, spares excluded), ``spare_replicas``, ``ready_replicas`` (serving),
        ``capacity_per_s`` (ready capacity), ``served_per_s``, ``overflow_per_s`` [unit per s, the capacity's
        unit: ``attrs["unit"]``], ``backlog`` (queued demand at the step's end if overflow waits [unit]),
        ``cold_share`` (share of the step's demand that finds no replica ready) and ``zero_share`` (share of the
        step with no replica billed) [fraction].
        Scale to zero's are expected values (see Notes).

    Notes
    -----
    Per step ``t`` of length Δ with demand ``d_t`` and replica capacity ``c``: needed replicas
    ``n_t = ceil(d_t / (c u))``; autoscaling keeps ``b_t = max(n_s, s in [t - down, t])`` serving replicas
    (billed) and serves with ``r_t = min(b_s, s in [t - up, t])`` (a replica ordered at ``s`` serves from
    ``s + up``; the oldest are the ones kept). Before the first step the fleet is taken as at the first step (warm
    start). The autoscaler sees each step's demand at its start (``up`` covers detection and cold start). Served
    ``min(d_t, r_t c)``; queued backlog by Lindley's recursion ``B_t = max(0, B_{t-1} + (d_t - r_t c) Δ)``.
    Scale to zero also empties inside a step: with Poisson arrivals at the step's request rate λ, the fleet is
    billed a share ``1 - e^{-λκ}`` of the step (κ = the larger delay; never less than the share of its capacity
    the step uses) and a share ``e^{-λκ}(1 + λ up)`` of the requests find no replica ready and wait the scale-up
    delay or overflow (`keep_alive_shares`); they are not queued into the backlog.

    Examples
    --------
    A square wave: 8 hours at 10 requests/s, 16 hours idle; replicas of 4 requests/s.

    >>> p = synthetic_profile(1, 1)  # only to borrow the layout; replace the demand:
    >>> p = p.iloc[:24].assign(requests=[36_000.0] * 8 + [0.0] * 16)
    >>> t = provisioning_timeline(p, ["fixed", "autoscale"], replica_requests_per_s=4.0)
    >>> t.groupby("policy", sort=False)["replicas"].sum().to_dict()
    {'fixed': 72.0, 'autoscale': 40.0}
    """
    profile = _as_profile(profile)
    column, capacity = _capacity_unit(replica_requests_per_s, replica_output_tokens_per_s)
    if not 0 < max_utilization <= 1:
        raise ValueError(f"max_utilization={max_utilization!r} is not allowed; expected a fraction in (0, 1]")
    _whole("min_replicas", min_replicas, 0)
    _whole("spare_replicas", spare_replicas, 0)
    if fixed_replicas is not None:
        _whole("fixed_replicas", fixed_replicas, 1)
    for name, value in (("scale_up_delay_minutes", scale_up_delay_minutes), ("scale_down_delay_minutes", scale_down_delay_minutes)):
        if not (np.isscalar(value) and value >= 0):
            raise ValueError(f"{name}={value!r} is not allowed; expected a number of minutes >= 0")
    for policy in policies:
        _check_policy(policy)
    step_s = _profile_step(profile)
    demand = np.nan_to_num(profile[column].to_numpy(float)) / step_s
    rate = np.nan_to_num(profile["requests"].to_numpy(float)) / step_s
    frames = []
    for policy in policies:
        serving, spares, ready, warm, empty = _policy_fleet(
            demand, rate, capacity, step_s, policy, max_utilization, min_replicas, spare_replicas, fixed_replicas,
            60.0 * scale_up_delay_minutes, 60.0 * scale_down_delay_minutes)
        cap = ready * capacity
        served = np.minimum(demand, cap) * warm
        s = np.cumsum((demand - cap) * step_s)  # cold-start waits are not queued: the replica that starts serves them
        backlog = s - np.minimum(0.0, np.minimum.accumulate(s))
        frames.append(pd.DataFrame({
            "start": profile.index, "policy": policy, "demand_per_s": demand, "replicas": serving + spares,
            "serving_replicas": serving, "spare_replicas": spares, "ready_replicas": ready, "capacity_per_s": cap * warm,
            "served_per_s": served, "overflow_per_s": demand - served, "backlog": backlog, "cold_share": 1.0 - warm,
            "zero_share": empty}))
    out = pd.concat(frames, ignore_index=True)
    out.attrs.update(unit=column, step_s=step_s, replica_capacity_per_s=capacity,
                     scale_up_delay_minutes=float(scale_up_delay_minutes))
    return out


def _committed_replicas(policy: str, billed: np.ndarray, on_demand, committed) -> int:
    """Replicas committed (or owned) for the whole profile: see `provisioning_table`'s Notes."""
    top = int(np.ceil(billed.max(initial=0.0) - 1e-9))
    if on_demand is None:  # nothing can be rented by the hour: every GPU a policy runs is owned
        return top
    if committed is None or policy == "scale_to_zero":
        return 0
    # the share of time the k-th replica is billed falls as k rises: the highest k worth committing is found by
    # bisection, in memory of one profile (not one row per replica: a large fleet over a long profile is terabytes)
    def in_use(k: int) -> float:
        return float(np.clip(billed - (k - 1), 0.0, 1.0).mean())

    lo, hi = 0, top
    while lo < hi:
        mid = (lo + hi + 1) // 2
        lo, hi = (mid, hi) if in_use(mid) >= committed / on_demand - 1e-12 else (lo, mid - 1)
    return lo


def provisioning_table(
    profile: pd.DataFrame,
    gpu_hourly_usd: float | None,
    gpus_per_replica: int = 1,
    policies: Sequence[str] = tuple(POLICIES),
    replica_requests_per_s: float | None = None,
    replica_output_tokens_per_s: float | None = None,
    max_utilization: float = 1.0,
    min_replicas: int = 1,
    scale_up_delay_minutes: float = 0.0,
    scale_down_delay_minutes: float = 0.0,
    overflow_input_usd_per_mtok: float | None = None,
    overflow_output_usd_per_mtok: float | None = None,
    overflow_cache_read_usd_per_mtok: float | None = None,
    spare_replicas: int = 0,
    fixed_replicas: int | None = None,
    committed_gpu_hourly_usd: float | None = None,
    running_gpu_hourly_usd: float = 0.0,
) -> pd.DataFrame:
    """GPU-hours, cost, utilization and overflow of each provisioning policy over a profile.

    Parameters
    ----------
    profile : DataFrame
        A profile.
    gpu_hourly_usd : float or None
        On-demand price of a GPU-hour, billed only for the hours a GPU runs [USD/GPU-hour]; None when GPUs cannot
        be rented by the hour (a bought fleet: give ``committed_gpu_hourly_usd``).
    gpus_per_replica : int
        GPUs in one replica (the tensor-parallel degree) [GPUs].
    policies, replica_requests_per_s, replica_output_tokens_per_s, max_utilization, min_replicas,
    scale_up_delay_minutes, scale_down_delay_minutes, spare_replicas, fixed_replicas
        As in `provisioning_timeline`.
    overflow_input_usd_per_mtok, overflow_output_usd_per_mtok, overflow_cache_read_usd_per_mtok : float, optional
        Price of the API that takes what the fleet cannot serve [USD per million tokens]; cache reads default to
        the input price. Without prices the overflow is queued (``overflow_to == "queue"``).
    committed_gpu_hourly_usd : float, optional
        Price of a GPU-hour under a commitment, or of an owned GPU (amortized purchase and hosting), paid for every
        hour of the profile whether the GPU runs or not [USD/GPU-hour]. None: no commitment, all on demand.
    running_gpu_hourly_usd : float
        Cost of a GPU-hour actually run, on top of the above (the power of an owned GPU) [USD/GPU-hour].

    Returns
    -------
    DataFrame
        One row per policy: ``policy``, ``policy_name``, ``replicas_mean``, ``replicas_max`` (billed, spares
        included), ``spare_replicas_mean``, ``committed_replicas``, ``zero_share`` (share of the profile with no
        replica billed), ``cold_share`` (share of requests that find no replica ready), ``gpu_hours``, ``committed_gpu_hours``,
        ``on_demand_gpu_hours`` [GPU-h], ``committed_usd``, ``on_demand_usd``, ``running_usd``, ``gpu_usd`` [USD],
        ``utilization`` (the pipeline's: work served over the capacity of the serving replicas billed, spares
        excluded), ``served_share`` (demand served in its own step by a ready replica), ``overflow_requests``,
        ``overflow_input_tokens``, ``overflow_output_tokens``, ``overflow_to``, ``overflow_usd``, ``total_usd``,
        ``hours`` (profile span [h]), ``gpu_usd_per_month``, ``total_usd_per_month`` (× 730 h / span),
        ``gpu_only_usd_per_mtok`` (GPUs ÷ input + output tokens of the profile) and ``gpu_overflow_usd_per_mtok``
        (GPUs and overflow ÷ the same tokens) [USD/Mtok], ``max_backlog`` and ``max_wait_minutes`` (queued
        overflow only: the largest backlog [capacity unit] and the longest wait: the time until the last request
        queued at a step's end is served, first come first served, by the capacity that follows, or the scale-up
        delay for a request that finds no replica [min]; inf if the profile ends first). ``attrs``: the prices,
        ``spare_replicas``, ``min_replicas``, ``gpus_per_replica`` and ``quietest_requests_per_h`` (the quietest
        step's request rate [requests/h]).

    Notes
    -----
    Billing: a policy commits (or owns) ``K`` replicas for the whole profile at ``committed_gpu_hourly_usd`` and
    rents what it runs above them by the hour at ``gpu_hourly_usd``; every GPU-hour run also costs
    ``running_gpu_hourly_usd``. With replicas ``b_t`` billed at step ``t``, raising ``K`` by one costs the
    committed price for every hour and saves the on-demand price for the hours level ``K + 1`` is in use, so the
    cheapest ``K`` is the highest level in use at least ``committed / on-demand`` of the time (1 - the commitment
    discount); the fixed fleet, in use all the time, is all committed. Scale to zero commits nothing (a commitment
    is paid while the fleet is at zero); without an on-demand price every replica a policy ever runs is owned
    (``K = max b_t``). Overflow in the capacity's unit is turned into requests and tokens in proportion within
    each step: a step that serves 3/4 of its output tokens overflows 1/4 of its requests and input tokens.

    Examples
    --------
    The square wave of `provisioning_timeline`, 1 GPU per replica at 2 USD/GPU-hour: the fixed fleet keeps
    3 replicas for 24 h (72 GPU-h, 144 USD, utilization 288,000 / (72 h × 4 × 3,600) = 27.8 %); autoscaling
    3 for 8 h and 1 for 16 h (40 GPU-h, utilization 50 %).

    >>> p = synthetic_profile(1, 1).iloc[:24].assign(requests=[36_000.0] * 8 + [0.0] * 16)
    >>> t = provisioning_table(p, 2.0, replica_requests_per_s=4.0, policies=["fixed", "autoscale"])
    >>> t[["policy", "gpu_hours", "gpu_usd", "utilization"]].round(3).to_numpy().tolist()
    [['fixed', 72.0, 144.0, 0.278], ['autoscale', 40.0, 80.0, 0.5]]

    Committed at 1.40 USD/GPU-hour (30 % off 2.00): the fixed fleet commits its 3 replicas (72 × 1.40); autoscaling
    commits the 1 replica in use all the time and rents the other 2, in use 8 h of 24 (1/3 < 0.7), on demand:
    24 × 1.40 + 16 × 2.00 = 65.60 USD.

    >>> t = provisioning_table(p, 2.0, replica_requests_per_s=4.0, policies=["fixed", "autoscale"],
    ...                        committed_gpu_hourly_usd=1.4)
    >>> t[["policy", "committed_replicas", "gpu_usd"]].round(2).to_numpy().tolist()
    [['fixed', 3, 100.8], ['autoscale', 1, 65.6]]
    """
    from ._costs import HOURS_PER_MONTH

    for name, price in (("gpu_hourly_usd", gpu_hourly_usd), ("committed_gpu_hourly_usd", committed_gpu_hourly_usd),
                        ("running_gpu_hourly_usd", running_gpu_hourly_usd)):
        if price is not None and not (np.isscalar(price) and price >= 0):
            raise ValueError(f"{name}={price!r} is not allowed; expected a number >= 0 [USD/GPU-hour]")
    if gpu_hourly_usd is None and committed_gpu_hourly_usd is None:
        raise ValueError("give gpu_hourly_usd (GPUs rented by the hour), committed_gpu_hourly_usd (committed or "
                         "owned GPUs), or both")
    _whole("gpus_per_replica", gpus_per_replica, 1)
    priced = overflow_input_usd_per_mtok is not None or overflow_output_usd_per_mtok is not None
    if priced and (overflow_input_usd_per_mtok is None or overflow_output_usd_per_mtok is None):
        raise ValueError("give both overflow_input_usd_per_mtok and overflow_output_usd_per_mtok to send the overflow "
                         "to an API, or neither to queue it")
    profile = _as_profile(profile)
    timeline = provisioning_timeline(profile, policies, replica_requests_per_s, replica_output_tokens_per_s,
                                     max_utilization, min_replicas, scale_up_delay_minutes, scale_down_delay_minutes,
                                     spare_replicas, fixed_replicas)
    step_s = timeline.attrs["step_s"]
    step_h = step_s / 3600.0
    hours = len(profile) * step_h
    tokens = {c: np.nan_to_num(profile[c].to_numpy(float)) if c in profile else np.zeros(len(profile))
              for c in ("requests", "input_tokens", "cached_input_tokens", "output_tokens")}
    total_tokens = tokens["input_tokens"].sum() + tokens["output_tokens"].sum()
    per_mtok = (lambda usd: usd / (total_tokens / 1e6)) if total_tokens > 0 else (lambda usd: np.nan)
    rows = []
    for policy, t in timeline.groupby("policy", sort=False):
        demand, over, cap = (t[c].to_numpy() for c in ("demand_per_s", "overflow_per_s", "capacity_per_s"))
        billed, serving = t["replicas"].to_numpy(), t["serving_replicas"].to_numpy()
        share = np.divide(over, demand, out=np.zeros_like(over), where=demand > 0)
        o = {c: float((share * v).sum()) for c, v in tokens.items()}
        k = _committed_replicas(policy, billed, gpu_hourly_usd, committed_gpu_hourly_usd)
        gpu_hours = float(billed.sum() * step_h * gpus_per_replica)
        committed_hours = k * hours * gpus_per_replica
        on_demand_hours = float(np.maximum(billed - k, 0.0).sum() * step_h * gpus_per_replica)
        committed_usd = committed_hours * (committed_gpu_hourly_usd or 0.0)
        on_demand_usd = on_demand_hours * (gpu_hourly_usd or 0.0)
        running_usd = gpu_hours * running_gpu_hourly_usd
        gpu_usd = committed_usd + on_demand_usd + running_usd
        serving_work = serving.sum() * timeline.attrs["replica_capacity_per_s"] * step_s
        backlog = t["backlog"].to_numpy()
        cold_requests = float((t["cold_share"].to_numpy() * tokens["requests"]).sum())
        if priced:
            cache_p = overflow_input_usd_per_mtok if overflow_cache_read_usd_per_mtok is None else overflow_cache_read_usd_per_mtok
            overflow_usd = ((o["input_tokens"] - o["cached_input_tokens"]) * overflow_input_usd_per_mtok
                            + o["cached_input_tokens"] * cache_p + o["output_tokens"] * overflow_output_usd_per_mtok) / 1e6
            work = (demand - over).sum() * step_s
            max_backlog = max_wait = np.nan
        else:
            overflow_usd = 0.0
            work = demand.sum() * step_s - backlog[-1]
            max_backlog = float(backlog.max())
            ready_cap = t["ready_replicas"].to_numpy() * timeline.attrs["replica_capacity_per_s"]
            max_wait = float(_drain_seconds(backlog, ready_cap, step_s).max(initial=0.0) / 60.0)
            if cold_requests >= 1.0:  # a request, expected, finds no replica and waits for one to start
                max_wait = max(max_wait, timeline.attrs["scale_up_delay_minutes"])
        total = gpu_usd + overflow_usd
        rows.append({
            "policy": policy, "policy_name": POLICIES[policy], "replicas_mean": float(billed.mean()),
            "replicas_max": float(billed.max()), "spare_replicas_mean": float(t["spare_replicas"].mean()),
            "committed_replicas": k, "zero_share": float(t["zero_share"].mean()),
            "cold_share": cold_requests / tokens["requests"].sum() if tokens["requests"].sum() > 0 else 0.0, "gpu_hours": gpu_hours, "committed_gpu_hours": committed_hours,
            "on_demand_gpu_hours": on_demand_hours, "committed_usd": committed_usd, "on_demand_usd": on_demand_usd,
            "running_usd": running_usd, "gpu_usd": gpu_usd,
            "utilization": float(work / serving_work) if serving_work > 0 else np.nan,
            "served_share": float(1 - over.sum() / demand.sum()) if demand.sum() > 0 else 1.0,
            "overflow_requests": o["requests"], "overflow_input_tokens": o["input_tokens"],
            "overflow_output_tokens": o["output_tokens"], "overflow_to": "api" if priced else "queue",
            "overflow_usd": float(overflow_usd), "total_usd": float(total), "hours": hours,
            "gpu_usd_per_month": gpu_usd * HOURS_PER_MONTH / hours,
            "total_usd_per_month": total * HOURS_PER_MONTH / hours,
            "gpu_only_usd_per_mtok": per_mtok(gpu_usd), "gpu_overflow_usd_per_mtok": per_mtok(total),
            "max_backlog": max_backlog, "max_wait_minutes": max_wait,
        })
    table = pd.DataFrame(rows)
    step_requests = tokens["requests"] / step_h
    table.attrs.update(unit=timeline.attrs["unit"], gpu_hourly_usd=gpu_hourly_usd,
                       committed_gpu_hourly_usd=committed_gpu_hourly_usd, running_gpu_hourly_usd=running_gpu_hourly_usd,
                       spare_replicas=int(spare_replicas), min_replicas=int(min_replicas),
                       gpus_per_replica=int(gpus_per_replica),
                       quietest_requests_per_h=float(step_requests.min(initial=np.inf)) if len(step_requests) else np.nan)
    return table


# --------------------------------------------------------------------------------------------------- charts
_UNIT_TITLE = {"requests": "requests per second", "output_tokens": "output tokens per second",
               "input_tokens": "input tokens per second"}


def profile_chart(profile: pd.DataFrame, kind: str = "heatmap", column: str = "requests",
                  timeline: pd.DataFrame | None = None, max_points: int = 1200) -> alt.Chart:
    """The traffic profile: mean rate by hour of day and day of week (``kind="heatmap"``), or over time
    (``kind="series"``) with each policy's serving capacity drawn over the demand when ``timeline`` is given.

    Parameters
    ----------
    profile : DataFrame
        A profile.
    kind : {"heatmap", "series"}
        The view.
    column : str
        ``"requests"`` or ``"output_tokens"`` (with a timeline: its unit).
    timeline : DataFrame, optional
        From `provisioning_timeline`.
    max_points : int
        Longest series drawn; longer ones are shown as means over a few steps (the title says so).

    Examples
    --------
    >>> chart = profile_chart(synthetic_profile(20_000, 1.9, days=14))
    >>> chart.to_dict()["mark"]["type"]
    'rect'
    """
    profile = _as_profile(profile)
    if kind not in ("heatmap", "series"):
        raise ValueError(f"kind={kind!r} is not allowed; expected 'heatmap' or 'series'")
    if column not in _UNIT_TITLE:
        raise ValueError(f"column={column!r} is not allowed; expected one of {', '.join(_UNIT_TITLE)}")
    step_s = _profile_step(profile)
    rate = profile[column].to_numpy(float) / step_s
    if kind == "heatmap":
        idx = profile.index
        frame = pd.DataFrame({"hour": idx.hour, "day": pd.Categorical.from_codes(idx.day_of_week, _DAYS), "rate": rate})
        data = frame.groupby(["day", "hour"], observed=True)["rate"].mean().reset_index()
        data["day"] = data["day"].astype(str)
        return finish(alt.Chart(data).mark_rect().encode(
            x=alt.X("hour:O", title="hour of day (0-23)"),
            y=alt.Y("day:O", sort=_DAYS, title="day of week"),
            color=alt.Color("rate:Q", title=f"mean {_UNIT_TITLE[column]}", scale=alt.Scale(scheme="blues"),
                            legend=alt.Legend(format=",.3~g")),
            tooltip=[alt.Tooltip("day:O"), alt.Tooltip("hour:O", title="hour"),
                     alt.Tooltip("rate:Q", format=",.3~f", title=_UNIT_TITLE[column])],
        ).properties(title="Traffic by hour of day and day of week", width=480, height=180))
    series = [("demand", rate)]
    if timeline is not None:
        if timeline.attrs.get("unit", column) != column:
            column = timeline.attrs["unit"]
            series = [("demand", profile[column].to_numpy(float) / step_s)]
        same: dict[bytes, list[str]] = {}  # policies whose capacity is the same at every step are drawn once
        capacity = {}
        for policy, t in timeline.groupby("policy", sort=False):
            values = t["capacity_per_s"].to_numpy()
            same.setdefault(np.round(values, 9).tobytes(), []).append(policy)
            capacity[policy] = values
        for policies in same.values():
            series.append(("capacity: " + " = ".join(POLICIES[p] for p in policies), capacity[policies[0]]))
    k = max(1, int(np.ceil(len(profile) / max_points)))
    groups = np.arange(len(profile)) // k
    start = profile.index[::k]
    data = pd.concat([pd.DataFrame({"start": start, "series": name,
                                    "rate": pd.Series(values).groupby(groups).mean().to_numpy()})
                      for name, values in series], ignore_index=True)
    every = f" (means over {k * step_s / 60:g}-minute windows)" if k > 1 else ""
    names = [name for name, _ in series]
    colors = {n: SERIES_COLORS.get(n.removeprefix("capacity: ").split(" = ")[0], "#bab0ac") for n in names}
    legend = alt.Legend(orient="bottom", direction="vertical", title=None)
    days = (profile.index[-1] - profile.index[0]) / pd.Timedelta(days=1)
    return finish(alt.Chart(data).mark_line(interpolate="step-after").encode(
        x=alt.X("start:T", title="time", axis=alt.Axis(format="%a %-d %b" if days <= 31 else "%-d %b %Y",
                                                        labelAngle=0)),
        y=alt.Y("rate:Q", title=_UNIT_TITLE[column], axis=count_axis()),
        color=alt.Color("series:N", scale=color_scale(names, colors), sort=names, legend=legend),
        strokeDash=alt.StrokeDash("series:N", sort=names, legend=legend, scale=alt.Scale(
            domain=names, range=[[1, 0]] + [[6, 3]] * (len(names) - 1))),
        tooltip=[alt.Tooltip("series:N"), alt.Tooltip("start:T", format="%a %H:%M", title="time"),
                 alt.Tooltip("rate:Q", format=",.3~f", title=_UNIT_TITLE[column])],
    ).properties(title="Demand and serving capacity" + every, width=600, height=260))


def provisioning_chart(table: pd.DataFrame) -> alt.Chart:
    """Monthly cost of each provisioning policy: committed GPUs, GPUs on demand, power of the GPUs run and overflow,
    stacked; each bar labelled with its total and utilization, and a policy that bills the same as an earlier one
    named so.

    Parameters
    ----------
    table : DataFrame
        From `provisioning_table`.

    Examples
    --------
    >>> p = synthetic_profile(1, 1).iloc[:24].assign(requests=[36_000.0] * 8 + [0.0] * 16)
    >>> chart = provisioning_chart(provisioning_table(p, 2.0, replica_requests_per_s=4.0))
    >>> [layer["mark"]["type"] for layer in chart.to_dict()["layer"]]
    ['bar', 'text']
    """
    needed = {"policy_name", "committed_usd", "on_demand_usd", "running_usd", "overflow_usd", "hours", "utilization",
              "served_share"}
    if not needed <= set(table.columns):
        raise ValueError(f"table: expected the output of provisioning_table; missing columns {sorted(needed - set(table.columns))}")
    from ._costs import HOURS_PER_MONTH

    per_month = HOURS_PER_MONTH / table["hours"]
    rows = _policy_rows(table)
    parts = []
    for col, label in _CHART_PARTS:
        parts.append(pd.DataFrame({"policy": rows, "component": label,
                                   "usd_per_month": table[col] * per_month, "utilization": table["utilization"],
                                   "served_share": table["served_share"]}))
    data = pd.concat(parts, ignore_index=True)
    data = data[data["usd_per_month"] > 0]
    labels = [label for _, label in _CHART_PARTS if label in set(data["component"])]
    from ._views import pct, usd

    totals = pd.DataFrame({"policy": rows, "usd_per_month": table["total_usd_per_month"],
                           "label": [f"{usd(t)} a month, {pct(u)} utilization" for t, u in
                                     zip(table["total_usd_per_month"], table["utilization"])]})
    y = alt.Y("policy:N", title=None, sort=rows)
    bars = alt.Chart(data).mark_bar().encode(
        y=y,
        x=alt.X("usd_per_month:Q", title="monthly cost (USD)", axis=USD_AXIS, stack="zero",
                scale=alt.Scale(domain=[0, 1.45 * float(table["total_usd_per_month"].max() or 1)])),
        color=alt.Color("component:N", title=None, sort=labels, scale=color_scale(labels),
                        legend=alt.Legend(orient="bottom", direction="horizontal")),
        order=alt.Order("rank:Q"),
        tooltip=[alt.Tooltip("policy:N"), alt.Tooltip("component:N"),
                 alt.Tooltip("usd_per_month:Q", format="$,.0f", title="USD/month"),
                 alt.Tooltip("utilization:Q", format=".1%", title="utilization"),
                 alt.Tooltip("served_share:Q", format=".1%", title="served within capacity")],
    ).transform_calculate(rank=f"indexof({labels!r}, datum.component)")
    text = alt.Chart(totals).mark_text(align="left", dx=4).encode(y=y, x="usd_per_month:Q", text="label:N")
    return finish(alt.layer(bars, text).properties(
        title="Monthly cost of the GPUs and overflow by provisioning policy", width=560, height=36 * len(rows)))


def _policy_rows(table: pd.DataFrame) -> list[str]:
    """Each policy's name, and that it bills the same as an earlier one when it does (`_same`)."""
    out = []
    for i, r in table.reset_index(drop=True).iterrows():
        twin = next((table["policy_name"].iloc[j] for j in range(i) if _same(table.iloc[j], r)), None)
        out.append(r["policy_name"] + (f" (same as {twin.split(' (')[0]})" if twin else ""))
    return out


_CHART_PARTS = (("committed_usd", "GPUs committed or owned"), ("on_demand_usd", "GPUs on demand"),
                ("running_usd", "power of the GPUs run"), ("overflow_usd", "overflow to the API"))


# --------------------------------------------------------------------------------------------------- scenario bridge
def _fleet_kw(v: Mapping[str, Any], sh: Mapping[str, Any]) -> dict[str, Any]:
    """`provisioning_table`'s fleet and price arguments for the self-hosted fleet of `option_costs` (scalars)."""
    from ._costs import HOURS_PER_MONTH

    gpus = float(sh["gpus"])
    if v["selfhost.gpu_cost_mode"] == "rent":
        rate = float(sh["usd_per_gpu_hour"])  # the price basis of the fleet, commitment discount included
        discount = float(v["selfhost.commitment_discount"])
        prices = {"gpu_hourly_usd": rate / (1.0 - discount), "committed_gpu_hourly_usd": rate if discount > 0 else None,
                  "running_gpu_hourly_usd": 0.0}
    else:  # bought: amortized purchase and hosting whether a GPU runs or not, power for the hours it runs
        per_hour = lambda usd: float(usd) / gpus / HOURS_PER_MONTH  # noqa: E731
        prices = {"gpu_hourly_usd": None, "committed_gpu_hourly_usd": per_hour(sh["gpu_usd"] + sh["hosting_usd"]),
                  "running_gpu_hourly_usd": per_hour(sh["power_usd"])}
    return {**prices, "gpus_per_replica": int(sh["tensor_parallel"]),
            "replica_output_tokens_per_s": float(sh["replica_output_tokens_per_s"]),
            "max_utilization": float(v["selfhost.max_utilization"]), "min_replicas": int(v["selfhost.min_replicas"]),
            "spare_replicas": int(sh["spare_replicas"]), "fixed_replicas": int(sh["serving_replicas"])}


def traffic_from_scenario(scenario) -> dict[str, Any]:
    """Inputs of `provisioning_table` from a scenario: the profile it picks and the decision's self-hosted fleet.

    Reads ``traffic.*`` (profile: synthetic, a shipped trace or a profile CSV beside the scenario; step, policy
    delays, where overflow goes) and ``workload.*`` (volume, token shape,
    peak-to-mean for a synthetic profile); the fleet is the cost model's (`econ.option_costs`, the fleet of
    `econ.decide`): its GPUs per replica, replica throughput, serving and spare replicas (the fixed policy runs
    exactly these) and its price basis. Rented, the fleet's price per GPU-hour is the committed rate and the
    on-demand rate is that before ``selfhost.commitment_discount``; bought, the amortized purchase and hosting are
    paid per owned GPU and power per GPU-hour run. A shipped trace keeps its shape, its volume is rescaled to
    ``workload.requests_per_day`` and its tokens to the scenario's per-request figures.

    Returns
    -------
    dict
        ``{"profile": DataFrame, **keyword arguments of provisioning_table}``; call
        ``provisioning_table(**traffic_from_scenario(sc))``.

    Examples
    --------
    >>> from econ import load_scenario, PARAMS_DIR
    >>> kw = traffic_from_scenario(load_scenario(PARAMS_DIR / "enterprise_steady.yaml"))
    >>> kw["fixed_replicas"], kw["spare_replicas"], round(kw["committed_gpu_hourly_usd"], 3), round(kw["gpu_hourly_usd"], 2)
    (1, 1, 1.883, 2.69)
    """
    from ._costs import option_costs

    v = scenario.values
    kw: dict[str, Any] = {"profile": _scenario_profile(v, scenario.file), **_fleet_kw(v, option_costs(v)["selfhost"]),
                          **_traffic_kw(v)}
    return kw


def _scenario_profile(v: Mapping[str, Any], scenario_file=None) -> pd.DataFrame:
    t = {k.split(".", 1)[1]: val for k, val in v.items() if k.startswith("traffic.")}
    rpd = float(v["workload.requests_per_day"])
    tin, tout = float(v["workload.input_tokens_per_request"]), float(v["workload.output_tokens_per_request"])
    name = t.get("profile", "synthetic")
    if name == "synthetic":
        profile = synthetic_profile(
            rpd, float(v["workload.peak_to_mean"]), days=int(t.get("days", 7)),
            freq=f"{t.get('step_minutes', 60):g}min", input_tokens_per_request=tin, output_tokens_per_request=tout,
            weekend_factor=float(t.get("weekend_factor", 0.5)), bursts_per_day=float(t.get("bursts_per_day", 0.0)),
            seed=int(t.get("seed", 0)))
        profile["cached_input_tokens"] = profile["input_tokens"] * float(v["workload.cacheable_prefix_share"])
    else:
        profile = (read_profile_csv(beside_scenario(name, scenario_file)) if name.lower().endswith(".csv")
                   else trace_profile(name)).copy()
        r = profile["requests"]
        observed_days = profile.loc[r.notna(), "seconds"].sum() / 86_400
        scale = rpd * observed_days / np.nansum(r)
        profile["requests"] = r * scale
        profile["input_tokens"] = profile["requests"] * tin
        profile["cached_input_tokens"] = profile["input_tokens"] * float(v["workload.cacheable_prefix_share"])
        profile["output_tokens"] = profile["requests"] * tout
    return profile


def _traffic_kw(v: Mapping[str, Any]) -> dict[str, Any]:
    """The policies' delays and where overflow goes (``traffic.*``), as `provisioning_table` arguments."""
    kw: dict[str, Any] = {"scale_up_delay_minutes": float(v["traffic.scale_up_delay_minutes"]),
                          "scale_down_delay_minutes": float(v["traffic.scale_down_delay_minutes"])}
    overflow = v["traffic.overflow_to"]
    if overflow in ("api", "managed") and v[f"{overflow}.permitted"]:
        kw["overflow_input_usd_per_mtok"] = float(v[f"{overflow}.input_usd_per_mtok"])
        kw["overflow_output_usd_per_mtok"] = float(v[f"{overflow}.output_usd_per_mtok"])
        kw["overflow_cache_read_usd_per_mtok"] = float(v[f"{overflow}.cache_read_usd_per_mtok"])
    return kw


_TIMELINE_KEYS = ("replica_output_tokens_per_s", "max_utilization", "min_replicas", "scale_up_delay_minutes",
                  "scale_down_delay_minutes", "spare_replicas", "fixed_replicas")


def provisioning_timeline_from_scenario(scenario, kw: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """`provisioning_timeline` of every policy over the scenario's profile (``kw``: a `traffic_from_scenario`)."""
    kw = traffic_from_scenario(scenario) if kw is None else kw
    return provisioning_timeline(kw["profile"], **{k: kw[k] for k in _TIMELINE_KEYS})


def provisioning_view(table: pd.DataFrame):
    """`provisioning_table` formatted for reading (HTML): one row per policy, money in dollars, shares in per cent,
    units in the headers; a policy that bills the same as an earlier one says so."""
    from ._costs import HOURS_PER_MONTH
    from ._views import html_table, pct, usd, usd_column

    per_month = HOURS_PER_MONTH / table["hours"]
    tp = int(table.attrs.get("gpus_per_replica", 1))
    total, per_mtok = usd_column(table["total_usd_per_month"]), usd_column(table["gpu_only_usd_per_mtok"])
    rows = []
    for i, (name, r, m) in enumerate(zip(_policy_rows(table), table.to_dict("records"), per_month)):
        rows.append({
            "policy": name,
            "replicas billed, mean / most": f"{r['replicas_mean']:,.2f} / {r['replicas_max']:,.0f}",
            "of which spares, mean": f"{r['spare_replicas_mean']:,.2f}",
            "GPUs committed or owned": f"{r['committed_replicas'] * tp:,.0f}",
            "GPU-hours a month (on demand)": f"{r['gpu_hours'] * m:,.0f} ({r['on_demand_gpu_hours'] * m:,.0f})",
            "utilization": pct(r["utilization"]),
            "demand served within capacity": pct(r['served_share']),
            "overflow": (f"to the API, {usd(r['overflow_usd'] * m)} a month" if r["overflow_to"] == "api"
                         else f"queued, longest wait {r['max_wait_minutes']:,.1f} min"),
            "GPUs + overflow (USD a month)": total[i],
            "GPUs only (USD per million tokens)": per_mtok[i],
        })
    numeric = tuple(list(rows[0])[1:7]) + ("GPUs + overflow (USD a month)", "GPUs only (USD per million tokens)")
    return html_table(rows, "econ-table provisioning", numeric)


def _same(a: pd.Series, b: pd.Series) -> bool:
    """Two policies bill the same (to a millionth: expected values of scale to zero are not exactly whole)."""
    return bool(np.isclose(a["total_usd"], b["total_usd"], rtol=1e-6, atol=1e-9)
                and np.isclose(a["gpu_hours"], b["gpu_hours"], rtol=1e-6, atol=1e-9))


def provisioning_summary(table: pd.DataFrame):
    """Sentences comparing the provisioning policies, every figure computed from `provisioning_table`: the price
    basis of each, the spares they keep, and why two of them cost the same when they do."""
    from ._costs import HOURS_PER_MONTH
    from ._views import Markdown, pct, usd

    t = table.set_index("policy")
    a = table.attrs
    cheapest = table["total_usd_per_month"].min()
    best = table[table["total_usd_per_month"] <= cheapest * (1 + 1e-6)].iloc[0]  # ties: the first (the fixed fleet)
    fixed = t.loc["fixed"] if "fixed" in t.index else None
    head = (f"Over this profile, **{best['policy_name']}** costs least in GPUs and overflow: "
            f"{usd(best['total_usd_per_month'])} a month")
    if fixed is not None and best["policy"] != "fixed" and not _same(best, fixed):
        saving = fixed["total_usd_per_month"] - best["total_usd_per_month"]
        head += f", {usd(saving)} ({pct(saving / fixed['total_usd_per_month'])}) less than the fixed fleet"
    head += (". Engineering, evaluation and the other fixed costs of self-hosting are the same under every policy "
             "and are left out here.")
    o, c, r = a.get("gpu_hourly_usd"), a.get("committed_gpu_hourly_usd"), a.get("running_gpu_hourly_usd", 0.0)
    if o is None:
        basis = (f"The GPUs are bought: a policy owns the most GPUs it ever runs, at {usd(c, price=True)} per GPU-hour (amortized "
                 f"purchase and hosting) whether they run or not, plus {usd(r, price=True)} per GPU-hour of power while they run; "
                 "scaling down saves only the power.")
    elif c is None:
        basis = f"Every policy rents its GPUs on demand at {usd(o, price=True)} per GPU-hour, billed for the hours they run."
    else:
        basis = (f"The fixed fleet is committed for the whole month at {usd(c, price=True)} per GPU-hour; autoscaling commits the "
                 f"replicas it runs at least {pct(c / o)} of the time (the committed over the on-demand price) and rents "
                 f"the rest on demand at {usd(o)}; scale to zero commits nothing (a commitment is paid while the fleet "
                 "is at zero) and rents everything on demand.")
    s = int(a.get("spare_replicas", 0))
    spares = ("The scenario keeps no spare replica." if s == 0 else
              f"Every policy keeps the scenario's {s} spare replica{'s' if s > 1 else ''} "
              "(`selfhost.redundancy_replicas`) on top of the replicas that serve; scale to zero only while it serves.")
    notes = []
    if fixed is not None and "autoscale" in t.index and _same(t.loc["autoscale"], fixed):
        floor = int(a.get("min_replicas", 1))
        serving = int(round(fixed["replicas_max"] - fixed["spare_replicas_mean"]))
        notes.append("Autoscaling bills the same as the fixed fleet here: " + (
            f"the fixed fleet is already autoscaling's floor ({floor} serving replica{'s' if floor > 1 else ''}) and "
            "demand never needs more" if serving <= floor else "demand never falls far enough to release a replica"))
    if fixed is not None and "autoscale" in t.index and t.loc["autoscale", "replicas_max"] > fixed["replicas_max"]:
        notes.append(f"Autoscaling runs up to {t.loc['autoscale', 'replicas_max']:,.0f} replicas where the fixed fleet "
                     f"keeps {fixed['replicas_max']:,.0f}: the profile's busiest steps need more serving replicas at "
                     "`selfhost.max_utilization` than the fleet sized at the scenario's peak (which runs them above its "
                     "head-room" + (", overflowing" if fixed["served_share"] < 1 else "") + ")")
    if "scale_to_zero" in t.index:
        z = t.loc["scale_to_zero"]
        quiet = f"the quietest step brings {a.get('quietest_requests_per_h', np.nan):,.3g} requests an hour"
        if z["zero_share"] < 0.0005:
            notes.append(f"Scale to zero never empties the fleet here ({quiet}): it runs autoscaling's fleet without "
                         "its floor" + (", all on demand" if o is not None and c is not None else ""))
        else:
            notes.append(f"Scale to zero has no replica running {pct(z['zero_share'])} of the time ({quiet}); "
                         f"{pct(z['cold_share'])} of requests find no replica ready and "
                         + ("go to the API" if z["overflow_to"] == "api" else "wait for one to start"))
    lines = []
    for policy, r_ in t.iterrows():
        per_month = HOURS_PER_MONTH / r_["hours"]
        over = (f"{usd(r_['overflow_usd'] * per_month)} a month of overflow to the API"
                if r_["overflow_to"] == "api" else f"queued overflow waiting up to {r_['max_wait_minutes']:,.1f} minutes")
        lines.append(f"- **{r_['policy_name']}**: {r_['gpu_hours'] * per_month:,.0f} GPU-hours a month "
                     f"({r_['on_demand_gpu_hours'] * per_month:,.0f} on demand) at {pct(r_['utilization'])} utilization, "
                     f"{pct(r_['served_share'])} of demand served within capacity, {over}; "
                     f"{usd(r_['total_usd_per_month'])} a month, {usd(r_['gpu_only_usd_per_mtok'], price=True)} per million tokens "
                     "GPU-only.")
    text = " ".join([head, basis, spares] + [n + "." for n in notes])
    return Markdown(text + "\n\n" + "\n".join(lines))


def provisioning_by_volume(scenario, multiples=None) -> pd.DataFrame:
    """`provisioning_table` with the scenario's profile scaled to other volumes, the fleet re-chosen at each:
    how each policy's cost per million tokens moves as the fleet grows past one replica.

    Parameters
    ----------
    scenario : Scenario
    multiples : array_like, optional
        Volumes as multiples of the scenario's ``workload.requests_per_day`` (default: 0.1 to 1,000, log-spaced).

    Returns
    -------
    DataFrame
        The rows of `provisioning_table` for each volume, with ``multiple``, ``tokens_per_day``, and the fleet of
        the cost model at that volume (`econ.option_costs`: the cheapest GPU, tensor-parallel degree and replicas
        at its peak): ``gpu``, ``tensor_parallel``, ``fixed_replicas``.
    """
    from ._costs import option_costs
    from ._fleet import fleet_candidates

    multiples = np.geomspace(0.1, 1000, 25) if multiples is None else np.atleast_1d(np.asarray(multiples, float))
    v = scenario.values
    profile = _scenario_profile(v, scenario.file)
    traffic = _traffic_kw(v)
    fleets = option_costs({**v, "workload.requests_per_day": float(v["workload.requests_per_day"]) * multiples})["selfhost"]
    names = fleet_candidates(v).gpu
    days = len(profile) * _profile_step(profile) / 86_400
    cols = [c for c in ("requests", "input_tokens", "cached_input_tokens", "output_tokens") if c in profile]
    frames = []
    for i, m in enumerate(multiples):
        kw = _fleet_kw(v, {k: np.broadcast_to(x, multiples.shape)[i] for k, x in fleets.items()})
        t = provisioning_table(profile.assign(**{c: profile[c] * m for c in cols}), **kw, **traffic)
        tokens = (np.nansum(profile["input_tokens"]) + np.nansum(profile["output_tokens"])) * m / days
        frames.append(t.assign(multiple=m, tokens_per_day=tokens, gpu=names[int(fleets["candidate"][i])],
                               tensor_parallel=kw["gpus_per_replica"], fixed_replicas=kw["fixed_replicas"]))
    return pd.concat(frames, ignore_index=True)


def provisioning_volume_chart(frame: pd.DataFrame, tokens_per_day: float | None = None) -> alt.Chart:
    """GPU and overflow cost per million tokens of each policy against daily volume (log scales), from
    `provisioning_by_volume`; a dashed rule at ``tokens_per_day`` (the scenario's volume), labelled."""
    names = list(dict.fromkeys(frame["policy_name"]))
    legend = alt.Legend(orient="bottom", direction="horizontal", title="policy")
    lo, hi = float(frame["tokens_per_day"].min()), float(frame["tokens_per_day"].max())
    lines = alt.Chart(frame).mark_line(interpolate="step-after").encode(
        x=alt.X("tokens_per_day:Q", scale=alt.Scale(type="log", domain=[lo, hi], nice=False),
                title="daily volume (tokens per day, input + output; log scale)", axis=count_axis()),
        y=alt.Y("gpu_overflow_usd_per_mtok:Q", scale=alt.Scale(type="log"),
                title="GPU + overflow cost per million tokens (USD; log scale)", axis=USD_AXIS),
        color=alt.Color("policy_name:N", sort=names, scale=color_scale(names), legend=legend),
        strokeDash=alt.StrokeDash("policy_name:N", sort=names, legend=legend,
                                  scale=alt.Scale(domain=names, range=[[1, 0], [6, 3], [2, 2]][:len(names)])),
        tooltip=[alt.Tooltip("policy_name:N", title="policy"), alt.Tooltip("tokens_per_day:Q", format=",.3~s", title="tokens/day"),
                 alt.Tooltip("gpu_overflow_usd_per_mtok:Q", format="$,.2f", title="GPU + overflow USD per million tokens"),
                 alt.Tooltip("utilization:Q", format=".0%"), alt.Tooltip("replicas_max:Q", title="replicas at peak"),
                 alt.Tooltip("gpu:N", title="GPU"), alt.Tooltip("tensor_parallel:Q", title="tensor parallel")],
    )
    layers = [lines]
    if tokens_per_day is not None:
        from ._views import tokens

        layers.append(marked_rules([(float(tokens_per_day), f"this scenario: {tokens(tokens_per_day)} tokens a day")],
                                   "tokens_per_day", (lo, hi), log=True, color="#333333"))
    return finish(alt.layer(*layers).properties(title="Self-hosted GPU cost per million tokens, by provisioning policy",
                                                width=600, height=300))
