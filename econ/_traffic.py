"""Traffic profiles and GPU provisioning: how busy a self-hosted fleet stays under real or synthetic traffic.

A *profile* is a DataFrame with one row per time step (index ``start``, the step's start time) and the
columns ``requests``, ``input_tokens``, ``cached_input_tokens``, ``output_tokens`` [per step] and ``seconds``
(the part of the step inside the observed span [s]; shorter than the step only at the edges of a log).
A NaN in ``requests`` is a gap in the data, not zero traffic. ``profile.attrs`` holds ``step_s`` and ``source``.

Logs can be large: `read_requests` and `cost_per_task` aggregate with DuckDB, out of core, so a 50-million-row
log turns into a per-minute profile in bounded memory (``benchmarks/bench_traffic.py``). Provisioning policies
then run vectorized over the profile's time steps.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import altair as alt
import numpy as np
import pandas as pd

__all__ = [
    "TRACES",
    "POLICIES",
    "trace_names",
    "trace_path",
    "trace_profile",
    "trace_peak_to_mean",
    "read_requests",
    "read_rate_series",
    "synthetic_profile",
    "peak_to_mean",
    "cost_per_task",
    "task_prices_from_scenario",
    "provisioning_timeline",
    "provisioning_table",
    "profile_chart",
    "provisioning_chart",
    "traffic_from_scenario",
    "provisioning_timeline_from_scenario",
    "provisioning_view",
    "provisioning_summary",
    "provisioning_by_volume",
    "example_usage_log",
    "cost_per_task_view",
    "provisioning_volume_chart",
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
    "fixed": "fixed fleet for the peak",
    "autoscale": "autoscaling",
    "scale_to_zero": "scale to zero",
}
"""Provisioning policies: key -> display name."""

SERVEGEN_DAY0 = "2024-01-01"
"""Date given to ServeGen's day 0, whose weekday is not published (2024-01-01 is a Monday): a label, not a fact."""

_PROFILE_COLUMNS = ["requests", "input_tokens", "cached_input_tokens", "output_tokens", "seconds"]
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
        return read_requests(path, timestamp="TIMESTAMP", input_tokens="ContextTokens",
                             output_tokens="GeneratedTokens", freq=freq or "1min")
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


# --------------------------------------------------------------------------------------------------- readers
def _step_seconds(freq, name: str = "freq") -> float:
    try:
        seconds = pd.Timedelta(freq).total_seconds() if not isinstance(freq, (int, float)) else float(freq)
    except (ValueError, TypeError):
        seconds = float("nan")
    if not np.isfinite(seconds) or seconds <= 0:
        raise ValueError(f"{name}={freq!r} is not a time step; give a positive duration such as '1min', '10min' or '1h'")
    return seconds


def _connect(memory_limit: str | None = None, threads: int | None = None):
    import duckdb

    con = duckdb.connect()
    con.execute(f"SET threads = {int(threads or os.cpu_count() or 1)}")
    if memory_limit:
        con.execute(f"SET memory_limit = '{memory_limit}'")
    con.execute("SET preserve_insertion_order = false")
    try:
        con.execute("SET enable_progress_bar = false")  # nothing printed (scripts, benchmarks)
    except duckdb.Error:  # in Jupyter without ipywidgets DuckDB refuses the setting (and draws no bar)
        pass
    return con


def _source(con, source) -> tuple[str, str]:
    """A DuckDB table expression for a file (CSV, JSONL, Parquet; compressed too) or a DataFrame, and its name."""
    if isinstance(source, pd.DataFrame):
        con.register("frame_source", source)
        return "frame_source", "the DataFrame"
    path = str(source)
    name = Path(path).name
    if not any(c in path for c in "*?[") and not Path(path).exists():
        raise ValueError(f"request log {path!r} does not exist")
    lower = re.sub(r"\.(gz|zst|zstd)$", "", name.lower())
    quoted = "'" + path.replace("'", "''") + "'"
    if lower.endswith((".csv", ".tsv", ".txt")):
        return f"read_csv({quoted})", path
    if lower.endswith((".jsonl", ".ndjson", ".json")):
        return f"read_json({quoted}, format='newline_delimited')", path
    if lower.endswith((".parquet", ".pq")):
        return f"read_parquet({quoted})", path
    raise ValueError(f"request log {path!r}: unknown file type; expected .csv, .jsonl/.ndjson or .parquet "
                     "(optionally .gz or .zst compressed)")


def _columns(con, table: str) -> dict[str, str]:
    rows = con.execute(f"DESCRIBE SELECT * FROM {table}").fetchall()
    return {r[0]: str(r[1]).upper() for r in rows}


def _resolve(present: dict[str, str], mapping: Mapping[str, str | None], where: str) -> dict[str, tuple[str, str]]:
    """Map roles to (quoted column, type); a missing column raises a ValueError naming file, role and columns."""
    lower = {c.lower(): c for c in present}
    out = {}
    for role, col in mapping.items():
        if col is None:
            continue
        actual = col if col in present else lower.get(str(col).lower())
        if actual is None:
            close = difflib.get_close_matches(str(col), list(present), n=1, cutoff=0.5)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise ValueError(f"{where}: no column {col!r} (given as {role}=); the columns are "
                             f"{', '.join(repr(c) for c in present)}.{hint}")
        out[role] = ('"' + actual.replace('"', '""') + '"', present[actual])
    return out


def _epoch_us(col: str, kind: str) -> str:
    """SQL for microseconds since the Unix epoch; numeric timestamps are read as seconds since the epoch."""
    if kind.startswith(("TIMESTAMP", "DATE")):
        return f"epoch_us({col})"
    if kind in {"VARCHAR", "TEXT", "STRING"}:
        return f"epoch_us(CAST({col} AS TIMESTAMP))"
    return f"CAST(round(CAST({col} AS DOUBLE) * 1e6) AS BIGINT)"


def read_requests(
    path,
    timestamp: str = "timestamp",
    input_tokens: str = "input_tokens",
    output_tokens: str = "output_tokens",
    model: str | None = None,
    cached_input_tokens: str | None = None,
    task: str | None = None,
    freq: str = "1min",
    origin: str = "start",
    memory_limit: str | None = None,
) -> pd.DataFrame:
    """Per-interval traffic profile of a request log (one row per request or model call), aggregated by DuckDB.

    Parameters
    ----------
    path : str, Path or DataFrame
        CSV, JSON lines or Parquet file (``.gz``/``.zst`` compressed too; a glob such as ``logs/*.parquet``
        works), or a DataFrame.
    timestamp, input_tokens, output_tokens : str
        Column names of the request arrival time, prompt tokens [tokens] and generated tokens [tokens]
        (case-insensitive). A numeric timestamp is read as seconds since the Unix epoch.
    model, cached_input_tokens, task : str, optional
        Optional columns of a metered usage log. ``cached_input_tokens`` [tokens] is summed into the profile;
        ``model`` and ``task`` are only checked here (so one mapping serves `cost_per_task` too).
    freq : str
        Step of the profile, e.g. ``"1min"``, ``"10min"``, ``"1h"``.
    origin : {"start", "epoch"}
        Steps start at the first request (``"start"``, as the trace README measures) or on the clock
        (``"epoch"``: whole minutes, hours, ...).
    memory_limit : str, optional
        DuckDB memory limit, e.g. ``"1GB"``; DuckDB spills to disk beyond it.

    Returns
    -------
    DataFrame
        The profile (see the module docstring): every step from the first to the last request, empty steps as 0.
        ``attrs``: ``step_s`` [s], ``source``, ``rows`` (requests read).

    Raises
    ------
    ValueError
        A mapped column is missing (the message names the file, the column and the columns present); a
        negative token count; cached input tokens above input tokens; an unknown file type.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({"ts": pd.to_datetime(["2025-01-01 00:00:10", "2025-01-01 00:00:50",
    ...                                            "2025-01-01 00:02:20"]),
    ...                     "in": [100, 200, 300], "out": [10, 20, 30]})
    >>> p = read_requests(log, timestamp="ts", input_tokens="in", output_tokens="out")
    >>> p[["requests", "input_tokens", "output_tokens", "seconds"]].to_numpy().tolist()
    [[2.0, 300.0, 30.0, 60.0], [0.0, 0.0, 0.0, 60.0], [1.0, 300.0, 30.0, 10.0]]
    """
    step_s = _step_seconds(freq)
    if origin not in ("start", "epoch"):
        raise ValueError(f"origin={origin!r} is not allowed; expected 'start' or 'epoch'")
    con = _connect(memory_limit)
    try:
        table, where = _source(con, path)
        cols = _resolve(_columns(con, table), {
            "timestamp": timestamp, "input_tokens": input_tokens, "output_tokens": output_tokens,
            "model": model, "cached_input_tokens": cached_input_tokens, "task": task}, where)
        t = _epoch_us(*cols["timestamp"])
        inp, out = cols["input_tokens"][0], cols["output_tokens"][0]
        cached = cols["cached_input_tokens"][0] if "cached_input_tokens" in cols else "0"
        t0, t1, rows, bad, over = con.execute(
            f"SELECT min({t}), max({t}), count({t}), count(*) FILTER ({inp} < 0 OR {out} < 0 OR {cached} < 0), "
            f"count(*) FILTER ({cached} > {inp}) FROM {table}").fetchone()
        _check_tokens(where, bad, over, cached_input_tokens)
        if rows == 0:
            raise ValueError(f"{where}: no request with a timestamp in column {timestamp!r}")
        step_us = int(round(step_s * 1e6))
        base = t0 if origin == "start" else (t0 // step_us) * step_us
        agg = con.execute(
            f"SELECT ({t} - {base}) // {step_us} AS b, count(*) AS n, sum({inp})::DOUBLE AS i, sum({cached})::DOUBLE AS c, "
            f"sum({out})::DOUBLE AS o FROM {table} WHERE {t} IS NOT NULL GROUP BY b").fetchnumpy()
    finally:
        con.close()
    n_steps = int((t1 - base) // step_us) + 1
    values = np.zeros((n_steps, 4))
    idx = np.asarray(agg["b"], dtype=np.int64)
    for j, key in enumerate(("n", "i", "c", "o")):
        values[idx, j] = np.nan_to_num(_floats(agg[key]))
    starts_us = base + np.arange(n_steps, dtype=np.int64) * step_us
    seconds = np.clip((np.minimum(starts_us + step_us, t1) - np.maximum(starts_us, t0)) / 1e6, 0, step_s)
    return _profile(starts_us, values, seconds, step_s, where, rows=int(rows))


def _floats(column) -> np.ndarray:
    """A fetched DuckDB column as floats, SQL NULL as NaN (DuckDB returns NULLs as a masked array)."""
    return np.ma.filled(np.ma.asarray(column, dtype=float), np.nan)


def _check_tokens(where: str, bad: int, over: int, cached_col) -> None:
    if bad:
        raise ValueError(f"{where}: {bad} row(s) have a negative token count; token counts must be >= 0")
    if over:
        raise ValueError(f"{where}: {over} row(s) have more cached input tokens ({cached_col!r}) than input tokens; "
                         "cached input tokens are part of the input tokens")


def _profile(starts_us, values, seconds, step_s: float, source: str, **attrs) -> pd.DataFrame:
    frame = pd.DataFrame(values, columns=_PROFILE_COLUMNS[:4],
                         index=pd.DatetimeIndex(pd.to_datetime(np.asarray(starts_us), unit="us"), name="start"))
    frame["seconds"] = np.asarray(seconds, float)
    frame.attrs.update(step_s=float(step_s), source=str(source), **attrs)
    return frame


def read_rate_series(
    path,
    time: str = "window_start_s",
    requests_per_s: str = "req_per_s",
    input_tokens_per_s: str | None = None,
    output_tokens_per_s: str | None = None,
    origin: str = SERVEGEN_DAY0,
) -> pd.DataFrame:
    """Profile of an aggregate rate series (one row per window, rates per second), such as ServeGen's.

    Parameters
    ----------
    path : str, Path or DataFrame
        CSV, JSON lines or Parquet file, or a DataFrame.
    time : str
        Column of the window start: a timestamp, or seconds since ``origin``.
    requests_per_s, input_tokens_per_s, output_tokens_per_s : str
        Columns of the mean rates in each window [requests/s], [tokens/s]; NaN marks a gap.
    origin : str
        Date of time 0 when ``time`` is in seconds [ISO date].

    Returns
    -------
    DataFrame
        The profile: rates × window length [per step]; gaps stay NaN. The step is the most common spacing.

    Examples
    --------
    >>> import pandas as pd
    >>> series = pd.DataFrame({"t": [0, 600, 1200], "rps": [1.0, float("nan"), 2.5]})
    >>> p = read_rate_series(series, time="t", requests_per_s="rps")
    >>> p["requests"].tolist(), p.attrs["step_s"]
    ([600.0, nan, 1500.0], 600.0)
    """
    con = _connect()
    try:
        table, where = _source(con, path)
        cols = _resolve(_columns(con, table), {"time": time, "requests_per_s": requests_per_s,
                                               "input_tokens_per_s": input_tokens_per_s,
                                               "output_tokens_per_s": output_tokens_per_s}, where)
        t_col, t_kind = cols["time"]
        t = _epoch_us(t_col, t_kind) if t_kind.startswith(("TIMESTAMP", "DATE", "VARCHAR")) else \
            f"CAST(round(CAST({t_col} AS DOUBLE) * 1e6) AS BIGINT) + {int(pd.Timestamp(origin).value // 1000)}"
        rates = [cols[k][0] if k in cols else "NULL" for k in ("requests_per_s", "input_tokens_per_s", "output_tokens_per_s")]
        data = con.execute(f"SELECT {t} AS t, {', '.join(f'CAST({r} AS DOUBLE)' for r in rates)} FROM {table} "
                       f"WHERE {t_col} IS NOT NULL ORDER BY t").fetchnumpy()
    finally:
        con.close()
    t_us = np.asarray(data["t"], dtype=np.int64)
    if len(t_us) < 2:
        raise ValueError(f"{where}: a rate series needs at least two windows; found {len(t_us)}")
    diffs = np.diff(t_us)
    step_us = int(pd.Series(diffs).mode().iloc[0])
    if step_us <= 0 or np.any(diffs % step_us):
        raise ValueError(f"{where}: windows in {time!r} are not evenly spaced (or repeat); a rate series needs one row per window")
    full = t_us[0] + np.arange((t_us[-1] - t_us[0]) // step_us + 1, dtype=np.int64) * step_us
    pos = (t_us - t_us[0]) // step_us
    values = np.full((len(full), 4), np.nan)
    keys = [k for k in data if k != "t"]
    step_s = step_us / 1e6
    for j, key in zip((0, 1, 3), keys):
        values[pos, j] = _floats(data[key]) * step_s
    values[pos, 2] = np.where(np.isnan(values[pos, 0]), np.nan, 0.0)  # no cached-token figure in a rate series
    for j in (1, 3):  # token columns not mapped: 0 where the window has data
        if np.all(np.isnan(values[pos, j])):
            values[pos, j] = np.where(np.isnan(values[pos, 0]), np.nan, 0.0)
    return _profile(full, values, np.full(len(full), step_s), step_s, where, rows=len(t_us))


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


# --------------------------------------------------------------------------------------------------- cost per task
_PRICE_KEYS = ("input_usd_per_mtok", "output_usd_per_mtok", "cache_read_usd_per_mtok")


def _prices(prices: Mapping[str, Mapping[str, float]]) -> dict[str, tuple[float, float, float]]:
    if not isinstance(prices, Mapping) or not prices:
        raise ValueError(f"prices={prices!r} is not allowed; expected {{option: {{'input_usd_per_mtok': ..., "
                         "'output_usd_per_mtok': ..., 'cache_read_usd_per_mtok': ... (optional)}}}")
    out = {}
    for option, p in prices.items():
        missing = [k for k in _PRICE_KEYS[:2] if k not in p]
        if missing:
            raise ValueError(f"prices[{option!r}] has no {', '.join(missing)}; give input_usd_per_mtok and "
                             "output_usd_per_mtok [USD per million tokens] (cache_read_usd_per_mtok optional)")
        unknown = set(p) - set(_PRICE_KEYS)
        if unknown:
            raise ValueError(f"prices[{option!r}] has unknown key(s) {sorted(unknown)}; allowed: {list(_PRICE_KEYS)}")
        cache = p.get("cache_read_usd_per_mtok")
        triple = (float(p["input_usd_per_mtok"]), float(p["output_usd_per_mtok"]),
                  float(p["input_usd_per_mtok"] if cache is None else cache))
        if not all(np.isfinite(x) and x >= 0 for x in triple):
            raise ValueError(f"prices[{option!r}] = {dict(p)!r}: prices must be numbers >= 0 [USD per million tokens]")
        out[str(option)] = triple
    return out


def cost_per_task(
    path,
    prices: Mapping[str, Mapping[str, float]],
    input_tokens: str = "input_tokens",
    output_tokens: str = "output_tokens",
    cached_input_tokens: str | None = None,
    task: str | None = None,
    model: str | None = None,
    timestamp: str | None = None,
    memory_limit: str | None = None,
) -> pd.DataFrame:
    """Cost of each task (feature) in a metered usage log, re-priced for each option on the log's own calls.

    Parameters
    ----------
    path : str, Path or DataFrame
        Usage log, one row per model call (CSV, JSON lines, Parquet or a DataFrame).
    prices : mapping
        ``{option: {"input_usd_per_mtok", "output_usd_per_mtok"[, "cache_read_usd_per_mtok"]}}``
        [USD per million tokens]; a missing or None cache-read price charges cached tokens at the input price.
        `task_prices_from_scenario` builds it from a scenario.
    input_tokens, output_tokens, cached_input_tokens : str
        Columns [tokens per call]; cached input tokens are part of the input tokens.
    task, model : str, optional
        Columns naming the feature that made the call and the model it used; results are grouped by them.
    timestamp : str, optional
        Checked if given, otherwise unused: the same mapping as `read_requests` can be passed.
    memory_limit : str, optional
        DuckDB memory limit, e.g. ``"1GB"``.

    Returns
    -------
    DataFrame
        One row per task (and model) and option: ``requests``, token sums, ``usd``, ``usd_per_request``,
        ``usd_per_1k_requests``, ``share`` (of that option's total).

    Notes
    -----
    Each call costs ``[(I - C) p_in + C p_cache + O p_out] / 1e6`` on its own input ``I``, cached ``C`` and output
    ``O`` tokens; a task's cost is the sum over its calls (in SQL, out of core). Cache writes are not charged.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({"feature": ["chat", "chat", "summary"], "in": [1000, 3000, 10000],
    ...                     "cached": [0, 2000, 0], "out": [100, 300, 50]})
    >>> prices = {"api": {"input_usd_per_mtok": 3.0, "output_usd_per_mtok": 15.0, "cache_read_usd_per_mtok": 0.3}}
    >>> t = cost_per_task(log, prices, input_tokens="in", output_tokens="out", cached_input_tokens="cached",
    ...                   task="feature")
    >>> t[["task", "option", "requests", "usd"]].round(4).to_numpy().tolist()
    [['chat', 'api', 2, 0.0126], ['summary', 'api', 1, 0.0308]]
    """
    priced = _prices(prices)
    con = _connect(memory_limit)
    try:
        table, where = _source(con, path)
        cols = _resolve(_columns(con, table), {
            "input_tokens": input_tokens, "output_tokens": output_tokens, "cached_input_tokens": cached_input_tokens,
            "task": task, "model": model, "timestamp": timestamp}, where)
        inp, out = cols["input_tokens"][0], cols["output_tokens"][0]
        cached = cols["cached_input_tokens"][0] if "cached_input_tokens" in cols else "0"
        groups = [(f"coalesce(CAST({cols[g][0]} AS VARCHAR), '(none)')", g) for g in ("task", "model") if g in cols]
        if not groups:
            groups = [("'(all)'", "task")]
        select_groups = ", ".join(f"{expr} AS {name}" for expr, name in groups)
        costs = ", ".join(
            f"sum((({inp} - {cached}) * {pi!r} + {cached} * {pc!r} + {out} * {po!r}) / 1e6) AS usd_{j}"
            for j, (pi, po, pc) in enumerate(priced.values()))
        data = con.execute(
            f"SELECT {select_groups}, count(*) AS requests, sum({inp})::DOUBLE AS input_tokens, "
            f"sum({cached})::DOUBLE AS cached_input_tokens, sum({out})::DOUBLE AS output_tokens, "
            f"count(*) FILTER ({inp} < 0 OR {out} < 0 OR {cached} < 0) AS bad, "
            f"count(*) FILTER ({cached} > {inp}) AS over, {costs} "
            f"FROM {table} GROUP BY ALL ORDER BY ALL").df()
    finally:
        con.close()
    _check_tokens(where, int(data["bad"].sum()), int(data["over"].sum()), cached_input_tokens)
    keys = [name for _, name in groups]
    frames = []
    for j, option in enumerate(priced):
        f = data[keys + ["requests", "input_tokens", "cached_input_tokens", "output_tokens"]].copy()
        f.insert(len(keys), "option", option)
        f["usd"] = data[f"usd_{j}"].astype(float)
        f["usd_per_request"] = f["usd"] / f["requests"]
        f["usd_per_1k_requests"] = 1000 * f["usd_per_request"]
        total = f["usd"].sum()
        f["share"] = f["usd"] / total if total > 0 else np.nan
        frames.append(f)
    result = pd.concat(frames, ignore_index=True).sort_values(keys, kind="stable")  # options stay in given order
    result["requests"] = result["requests"].astype(int)
    return result.reset_index(drop=True)


def task_prices_from_scenario(scenario) -> dict[str, dict[str, float]]:
    """Per-token prices of each permitted option of a scenario, for `cost_per_task` [USD per million tokens].

    ``api`` and ``managed``: the scenario's list prices (after ``price_factor``): the token bill of each call.
    ``selfhost``: the kit's all-in self-hosted cost per million tokens at the scenario's volume and utilization
    (``econ.compare``: monthly cost ÷ tokens served, input and output alike), the same for every token kind.

    Examples
    --------
    >>> from econ import load_scenario, PARAMS_DIR
    >>> p = task_prices_from_scenario(load_scenario(PARAMS_DIR / "small_team_spiky.yaml"))
    >>> sorted(p), p["api"]
    (['api', 'managed', 'selfhost'], {'input_usd_per_mtok': 0.4, 'output_usd_per_mtok': 1.6, 'cache_read_usd_per_mtok': 0.1})
    """
    from ._costs import compare

    v = scenario.values
    out = {}
    for s in ("api", "managed"):
        if v[f"{s}.permitted"]:
            out[s] = {k: float(v[f"{s}.{k}"]) for k in _PRICE_KEYS}
    if v["selfhost.permitted"]:
        table = compare(scenario).set_index("key")
        usd = float(table.loc["selfhost", "usd_per_mtok"])
        out["selfhost"] = dict.fromkeys(_PRICE_KEYS, usd)
    return out


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
    if width <= 1:
        return x.copy()
    padded = np.concatenate([np.full(width - 1, x[0]), x])
    return fn(np.lib.stride_tricks.sliding_window_view(padded, width), axis=1)


def _fleet(demand_per_s, capacity_per_s, step_s, policy, max_utilization, min_replicas, up_s, down_s):
    """Replicas billed and replicas ready at each step [replicas] for one policy (arrays over time steps)."""
    need = np.ceil(demand_per_s / (capacity_per_s * max_utilization) - 1e-9)
    if policy == "fixed":
        fleet = np.full(len(need), max(float(min_replicas), need.max(initial=0.0)))
        return fleet, fleet
    floor = 0.0 if policy == "scale_to_zero" else float(min_replicas)
    desired = np.maximum(need, floor)
    billed = _trailing(desired, int(np.ceil(down_s / step_s - 1e-9)) + 1, np.max)  # release after the delay
    k, a = divmod(up_s / step_s, 1.0)
    k = int(k)
    ready = _trailing(billed, k + 1, np.min)  # replicas ordered up to `up` ago are serving (the oldest kept)
    if a > 1e-12:
        ready = (1 - a) * ready + a * _trailing(billed, k + 2, np.min)
    return billed, ready


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


def provisioning_timeline(
    profile: pd.DataFrame,
    policies: Sequence[str] = tuple(POLICIES),
    replica_requests_per_s: float | None = None,
    replica_output_tokens_per_s: float | None = None,
    max_utilization: float = 1.0,
    min_replicas: int = 1,
    scale_up_delay_minutes: float = 0.0,
    scale_down_delay_minutes: float = 0.0,
) -> pd.DataFrame:
    """Step-by-step fleet of each provisioning policy over a profile (long form: one row per step and policy).

    Parameters
    ----------
    profile : DataFrame
        A profile; gaps (NaN) count as no demand.
    policies : sequence of str
        Keys of `POLICIES`: ``"fixed"`` (sized for the profile's peak), ``"autoscale"``, ``"scale_to_zero"``.
    replica_requests_per_s, replica_output_tokens_per_s : float
        Capacity of one replica [requests/s] or [output tokens/s]; give exactly one.
    max_utilization : float
        Share of a replica's capacity the fleet is sized to use [fraction, 0-1]; ``1 / (1 + headroom)``.
        Replicas can still run to full capacity when demand outruns the plan.
    min_replicas : int
        Replicas kept for the fixed and autoscaling policies [replicas]; scale-to-zero keeps none.
    scale_up_delay_minutes : float
        From the demand that needs a replica to that replica serving: detection plus cold start [min].
        Fractions of a step count in proportion.
    scale_down_delay_minutes : float
        How long demand must stay lower before a replica is released [min]; rounded up to whole steps.

    Returns
    -------
    DataFrame
        ``start``, ``policy``, ``demand_per_s``, ``replicas`` (billed, incl. starting ones), ``ready_replicas``,
        ``capacity_per_s`` (ready × capacity), ``served_per_s``, ``overflow_per_s`` [unit per s, the capacity's
        unit: ``attrs["unit"]``], ``backlog`` (queued demand at the step's end if overflow waits [unit]).

    Notes
    -----
    Per step ``t`` of length Δ with demand ``d_t`` and replica capacity ``c``: needed replicas
    ``n_t = ceil(d_t / (c u))``; autoscaling keeps ``b_t = max(n_s, s in [t - down, t])`` (billed) and serves with
    ``r_t = min(b_s, s in [t - up, t])`` (a replica ordered at ``s`` serves from ``s + up``; the oldest are the
    ones kept). Before the first step the fleet is taken as at the first step (warm start). The autoscaler sees
    each step's demand at its start (``up`` covers detection and cold start). Served ``min(d_t, r_t c)``;
    queued backlog by Lindley's recursion ``B_t = max(0, B_{t-1} + (d_t - r_t c) Δ)``.

    Examples
    --------
    A square wave: 8 hours at 10 requests/s, 16 hours idle; replicas of 4 requests/s.

    >>> p = synthetic_profile(1, 1)  # only to borrow the layout; replace the demand:
    >>> p = p.iloc[:24].assign(requests=[36_000.0] * 8 + [0.0] * 16)
    >>> t = provisioning_timeline(p, ["fixed", "scale_to_zero"], replica_requests_per_s=4.0)
    >>> t.groupby("policy")["replicas"].sum().to_dict()
    {'fixed': 72.0, 'scale_to_zero': 24.0}
    """
    profile = _as_profile(profile)
    column, capacity = _capacity_unit(replica_requests_per_s, replica_output_tokens_per_s)
    if not 0 < max_utilization <= 1:
        raise ValueError(f"max_utilization={max_utilization!r} is not allowed; expected a fraction in (0, 1]")
    if not (float(min_replicas).is_integer() and min_replicas >= 0):
        raise ValueError(f"min_replicas={min_replicas!r} is not allowed; expected a whole number >= 0")
    for name, value in (("scale_up_delay_minutes", scale_up_delay_minutes), ("scale_down_delay_minutes", scale_down_delay_minutes)):
        if not (np.isscalar(value) and value >= 0):
            raise ValueError(f"{name}={value!r} is not allowed; expected a number of minutes >= 0")
    for policy in policies:
        _check_policy(policy)
    step_s = _profile_step(profile)
    demand = np.nan_to_num(profile[column].to_numpy(float)) / step_s
    frames = []
    for policy in policies:
        billed, ready = _fleet(demand, capacity, step_s, policy, max_utilization, min_replicas,
                               60.0 * scale_up_delay_minutes, 60.0 * scale_down_delay_minutes)
        cap = ready * capacity
        served = np.minimum(demand, cap)
        s = np.cumsum((demand - cap) * step_s)
        backlog = s - np.minimum(0.0, np.minimum.accumulate(s))
        frames.append(pd.DataFrame({
            "start": profile.index, "policy": policy, "demand_per_s": demand, "replicas": billed,
            "ready_replicas": ready, "capacity_per_s": cap, "served_per_s": served,
            "overflow_per_s": demand - served, "backlog": backlog}))
    out = pd.concat(frames, ignore_index=True)
    out.attrs.update(unit=column, step_s=step_s, replica_capacity_per_s=capacity)
    return out


def provisioning_table(
    profile: pd.DataFrame,
    gpu_hourly_usd: float,
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
) -> pd.DataFrame:
    """GPU-hours, cost, utilization and overflow of each provisioning policy over a profile.

    Parameters
    ----------
    profile : DataFrame
        A profile.
    gpu_hourly_usd : float
        Cost of one GPU for an hour [USD/GPU-hour].
    gpus_per_replica : int
        GPUs in one replica [GPUs].
    policies, replica_requests_per_s, replica_output_tokens_per_s, max_utilization, min_replicas,
    scale_up_delay_minutes, scale_down_delay_minutes
        As in `provisioning_timeline`.
    overflow_input_usd_per_mtok, overflow_output_usd_per_mtok, overflow_cache_read_usd_per_mtok : float, optional
        Price of the API that takes what the fleet cannot serve [USD per million tokens]; cache reads default to
        the input price. Without prices the overflow is queued (``overflow_to == "queue"``).

    Returns
    -------
    DataFrame
        One row per policy: ``policy``, ``policy_name``, ``replicas_mean``, ``replicas_max``, ``gpu_hours``
        [GPU-h], ``gpu_usd``, ``utilization`` (work done ÷ capacity billed), ``served_share`` (demand served in
        its own step), ``overflow_requests``, ``overflow_input_tokens``, ``overflow_output_tokens``,
        ``overflow_to``, ``overflow_usd``, ``total_usd``, ``hours`` (profile span [h]), ``gpu_usd_per_month``,
        ``total_usd_per_month`` (× 730 h / span), ``usd_per_mtok`` (total ÷ input + output tokens of the
        profile), ``max_backlog`` and ``max_wait_minutes`` (queued overflow only: the largest backlog [capacity
        unit] and the longest wait: the time until the last request queued at a step's end is served, first
        come first served, by the capacity that follows [min]; inf if the profile ends first).

    Notes
    -----
    Overflow in the capacity's unit is turned into requests and tokens in proportion within each step:
    a step that serves 3/4 of its output tokens overflows 1/4 of its requests and input tokens.

    Examples
    --------
    The square wave of `provisioning_timeline`, 1 GPU per replica at 2 USD/GPU-hour: the fixed fleet keeps
    3 replicas for 24 h (72 GPU-h, 144 USD, utilization 288,000 / (72 h × 4 × 3,600) = 27.8 %).

    >>> p = synthetic_profile(1, 1).iloc[:24].assign(requests=[36_000.0] * 8 + [0.0] * 16)
    >>> t = provisioning_table(p, 2.0, replica_requests_per_s=4.0, policies=["fixed", "scale_to_zero"])
    >>> t[["policy", "gpu_hours", "gpu_usd", "utilization"]].round(3).to_numpy().tolist()
    [['fixed', 72.0, 144.0, 0.278], ['scale_to_zero', 24.0, 48.0, 0.833]]
    """
    from ._costs import HOURS_PER_MONTH

    if not (np.isscalar(gpu_hourly_usd) and gpu_hourly_usd >= 0):
        raise ValueError(f"gpu_hourly_usd={gpu_hourly_usd!r} is not allowed; expected a number >= 0 [USD/GPU-hour]")
    if not (float(gpus_per_replica).is_integer() and gpus_per_replica >= 1):
        raise ValueError(f"gpus_per_replica={gpus_per_replica!r} is not allowed; expected a whole number >= 1")
    priced = overflow_input_usd_per_mtok is not None or overflow_output_usd_per_mtok is not None
    if priced and (overflow_input_usd_per_mtok is None or overflow_output_usd_per_mtok is None):
        raise ValueError("give both overflow_input_usd_per_mtok and overflow_output_usd_per_mtok to send the overflow "
                         "to an API, or neither to queue it")
    profile = _as_profile(profile)
    timeline = provisioning_timeline(profile, policies, replica_requests_per_s, replica_output_tokens_per_s,
                                     max_utilization, min_replicas, scale_up_delay_minutes, scale_down_delay_minutes)
    step_s = timeline.attrs["step_s"]
    step_h = step_s / 3600.0
    hours = len(profile) * step_h
    tokens = {c: np.nan_to_num(profile[c].to_numpy(float)) if c in profile else np.zeros(len(profile))
              for c in ("requests", "input_tokens", "cached_input_tokens", "output_tokens")}
    total_tokens = tokens["input_tokens"].sum() + tokens["output_tokens"].sum()
    rows = []
    for policy, t in timeline.groupby("policy", sort=False):
        demand, over, cap = (t[c].to_numpy() for c in ("demand_per_s", "overflow_per_s", "capacity_per_s"))
        billed = t["replicas"].to_numpy()
        share = np.divide(over, demand, out=np.zeros_like(over), where=demand > 0)
        o = {c: float((share * v).sum()) for c, v in tokens.items()}
        gpu_hours = float(billed.sum() * step_h * gpus_per_replica)
        gpu_usd = gpu_hours * gpu_hourly_usd
        billed_work = billed.sum() * timeline.attrs["replica_capacity_per_s"] * step_s
        backlog = t["backlog"].to_numpy()
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
            max_wait = float(_drain_seconds(backlog, cap, step_s).max(initial=0.0) / 60.0)
        total = gpu_usd + overflow_usd
        rows.append({
            "policy": policy, "policy_name": POLICIES[policy], "replicas_mean": float(billed.mean()),
            "replicas_max": float(billed.max()), "gpu_hours": gpu_hours, "gpu_usd": gpu_usd,
            "utilization": float(work / billed_work) if billed_work > 0 else np.nan,
            "served_share": float(1 - over.sum() / demand.sum()) if demand.sum() > 0 else 1.0,
            "overflow_requests": o["requests"], "overflow_input_tokens": o["input_tokens"],
            "overflow_output_tokens": o["output_tokens"], "overflow_to": "api" if priced else "queue",
            "overflow_usd": float(overflow_usd), "total_usd": float(total), "hours": hours,
            "gpu_usd_per_month": gpu_usd * HOURS_PER_MONTH / hours,
            "total_usd_per_month": total * HOURS_PER_MONTH / hours,
            "usd_per_mtok": total / (total_tokens / 1e6) if total_tokens > 0 else np.nan,
            "max_backlog": max_backlog, "max_wait_minutes": max_wait,
        })
    table = pd.DataFrame(rows)
    table.attrs.update(unit=timeline.attrs["unit"])
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
        return alt.Chart(data).mark_rect().encode(
            x=alt.X("hour:O", title="hour of day (0-23)"),
            y=alt.Y("day:O", sort=_DAYS, title="day of week"),
            color=alt.Color("rate:Q", title=f"mean {_UNIT_TITLE[column]}", scale=alt.Scale(scheme="blues")),
            tooltip=[alt.Tooltip("day:O"), alt.Tooltip("hour:O", title="hour"),
                     alt.Tooltip("rate:Q", format=",.3~f", title=_UNIT_TITLE[column])],
        ).properties(title="Traffic by hour of day and day of week", width=480, height=180)
    series = [("demand", rate)]
    if timeline is not None:
        if timeline.attrs.get("unit", column) != column:
            column = timeline.attrs["unit"]
            series = [("demand", profile[column].to_numpy(float) / step_s)]
        for policy, t in timeline.groupby("policy", sort=False):
            series.append((f"capacity: {POLICIES[policy]}", t["capacity_per_s"].to_numpy()))
    k = max(1, int(np.ceil(len(profile) / max_points)))
    groups = np.arange(len(profile)) // k
    start = profile.index[::k]
    data = pd.concat([pd.DataFrame({"start": start, "series": name,
                                    "rate": pd.Series(values).groupby(groups).mean().to_numpy()})
                      for name, values in series], ignore_index=True)
    every = f" (means over {k * step_s / 60:g}-minute windows)" if k > 1 else ""
    return alt.Chart(data).mark_line(interpolate="step-after").encode(
        x=alt.X("start:T", title="time"),
        y=alt.Y("rate:Q", title=_UNIT_TITLE[column]),
        color=alt.Color("series:N", title=None),
        strokeDash=alt.condition(alt.datum.series == "demand", alt.value([1, 0]), alt.value([5, 3])),
        tooltip=[alt.Tooltip("series:N"), alt.Tooltip("start:T", format="%a %H:%M", title="time"),
                 alt.Tooltip("rate:Q", format=",.3~f", title=_UNIT_TITLE[column])],
    ).properties(title="Demand and serving capacity" + every, width=560, height=260)


def provisioning_chart(table: pd.DataFrame) -> alt.Chart:
    """Monthly cost of each provisioning policy, GPUs and overflow stacked; utilization in the tooltip.

    Parameters
    ----------
    table : DataFrame
        From `provisioning_table`.

    Examples
    --------
    >>> p = synthetic_profile(1, 1).iloc[:24].assign(requests=[36_000.0] * 8 + [0.0] * 16)
    >>> chart = provisioning_chart(provisioning_table(p, 2.0, replica_requests_per_s=4.0))
    >>> chart.to_dict()["mark"]["type"]
    'bar'
    """
    needed = {"policy_name", "gpu_usd", "overflow_usd", "hours", "utilization", "served_share"}
    if not needed <= set(table.columns):
        raise ValueError(f"table: expected the output of provisioning_table; missing columns {sorted(needed - set(table.columns))}")
    from ._costs import HOURS_PER_MONTH

    per_month = HOURS_PER_MONTH / table["hours"]
    parts = []
    for col, label in (("gpu_usd", "GPUs"), ("overflow_usd", "overflow to the API")):
        parts.append(pd.DataFrame({"policy": table["policy_name"], "component": label,
                                   "usd_per_month": table[col] * per_month, "utilization": table["utilization"],
                                   "served_share": table["served_share"]}))
    data = pd.concat(parts, ignore_index=True)
    return alt.Chart(data).mark_bar().encode(
        y=alt.Y("policy:N", title=None, sort=list(table["policy_name"])),
        x=alt.X("usd_per_month:Q", title="monthly cost (USD)", axis=alt.Axis(format="$,.0f"), stack="zero"),
        color=alt.Color("component:N", title=None, scale=alt.Scale(domain=["GPUs", "overflow to the API"],
                                                                   range=["#54a24b", "#4c78a8"])),
        tooltip=[alt.Tooltip("policy:N"), alt.Tooltip("component:N"),
                 alt.Tooltip("usd_per_month:Q", format="$,.0f", title="USD/month"),
                 alt.Tooltip("utilization:Q", format=".1%", title="utilization"),
                 alt.Tooltip("served_share:Q", format=".1%", title="served within capacity")],
    ).properties(title="Monthly cost by provisioning policy", width=480, height=120)


# --------------------------------------------------------------------------------------------------- scenario bridge
def traffic_from_scenario(scenario) -> dict[str, Any]:
    """Inputs of `provisioning_table` from a scenario: the profile it picks and the self-hosted fleet's figures.

    Reads ``traffic.*`` (profile, step, policy delays, where overflow goes), ``workload.*`` (volume, token shape,
    peak-to-mean for a synthetic profile) and ``selfhost.*``; the GPU cost per GPU-hour is the scenario's own
    (``option_costs``: GPU rent or amortized purchase, plus power and hosting, per GPU). A shipped trace keeps its
    shape, its volume is rescaled to ``workload.requests_per_day`` and its tokens to the scenario's per-request
    figures.

    Returns
    -------
    dict
        ``{"profile": DataFrame, **keyword arguments of provisioning_table}``; call
        ``provisioning_table(**traffic_from_scenario(sc))``.

    Examples
    --------
    >>> from econ import load_scenario, PARAMS_DIR
    >>> kw = traffic_from_scenario(load_scenario(PARAMS_DIR / "enterprise_steady.yaml"))
    >>> sorted(kw)[:4]
    ['gpu_hourly_usd', 'gpus_per_replica', 'max_utilization', 'min_replicas']
    """
    from ._costs import HOURS_PER_MONTH, option_costs

    v = scenario.values
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
        profile = trace_profile(name).copy()
        r = profile["requests"]
        observed_days = profile.loc[r.notna(), "seconds"].sum() / 86_400
        scale = rpd * observed_days / np.nansum(r)
        profile["requests"] = r * scale
        profile["input_tokens"] = profile["requests"] * tin
        profile["cached_input_tokens"] = profile["input_tokens"] * float(v["workload.cacheable_prefix_share"])
        profile["output_tokens"] = profile["requests"] * tout
    sh = option_costs(v)["selfhost"]
    per_gpu_hour = float(sh["gpu_usd"] + sh["power_usd"] + sh["hosting_usd"]) / float(sh["gpus"]) / HOURS_PER_MONTH
    kw: dict[str, Any] = {
        "profile": profile,
        "gpu_hourly_usd": per_gpu_hour,
        "gpus_per_replica": int(sh["gpus_per_replica"]),
        "replica_output_tokens_per_s": float(sh["replica_output_tokens_per_s"]),
        "max_utilization": float(v["selfhost.max_utilization"]),
        "min_replicas": int(v["selfhost.min_replicas"]),
        "scale_up_delay_minutes": float(t.get("scale_up_delay_minutes", 0.0)),
        "scale_down_delay_minutes": float(t.get("scale_down_delay_minutes", 0.0)),
    }
    overflow = t.get("overflow_to", "api")
    if overflow in ("api", "managed") and v[f"{overflow}.permitted"]:
        kw["overflow_input_usd_per_mtok"] = float(v[f"{overflow}.input_usd_per_mtok"])
        kw["overflow_output_usd_per_mtok"] = float(v[f"{overflow}.output_usd_per_mtok"])
        kw["overflow_cache_read_usd_per_mtok"] = float(v[f"{overflow}.cache_read_usd_per_mtok"])
    return kw


def provisioning_timeline_from_scenario(scenario, kw: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """`provisioning_timeline` of every policy over the scenario's profile (``kw``: a `traffic_from_scenario`)."""
    kw = traffic_from_scenario(scenario) if kw is None else kw
    keys = ("replica_output_tokens_per_s", "max_utilization", "min_replicas", "scale_up_delay_minutes",
            "scale_down_delay_minutes")
    return provisioning_timeline(kw["profile"], **{k: kw[k] for k in keys})


def provisioning_view(table: pd.DataFrame) -> pd.DataFrame:
    """`provisioning_table` formatted for reading: one row per policy, money as dollars, shares as percentages."""
    from ._costs import HOURS_PER_MONTH
    from ._views import pct, usd

    per_month = HOURS_PER_MONTH / table["hours"]
    return pd.DataFrame({
        "policy": table["policy_name"],
        "replicas (mean / max)": [f"{a:,.2f} / {b:,.0f}" for a, b in zip(table["replicas_mean"], table["replicas_max"])],
        "GPU-hours a month": (table["gpu_hours"] * per_month).map("{:,.0f}".format),
        "utilization": table["utilization"].map(pct),
        "served within capacity": table["served_share"].map(lambda x: f"{x:.2%}"),
        "overflow": [f"to the API: {usd(u * m)}/month" if t == "api" else f"queued, longest wait {w:,.1f} min"
                     for t, u, m, w in zip(table["overflow_to"], table["overflow_usd"], per_month, table["max_wait_minutes"])],
        "GPUs + overflow a month": table["total_usd_per_month"].map(usd),
        "per million tokens": table["usd_per_mtok"].map(usd),
    })


def provisioning_summary(table: pd.DataFrame):
    """Sentences comparing the provisioning policies, every figure computed from `provisioning_table`."""
    from ._costs import HOURS_PER_MONTH
    from ._views import Markdown, pct, usd

    t = table.set_index("policy")
    best = table.loc[table["total_usd_per_month"].idxmin()]
    lines = []
    for policy, r in t.iterrows():
        per_month = HOURS_PER_MONTH / r["hours"]
        over = (f"{usd(r['overflow_usd'] * per_month)} a month of overflow to the API"
                if r["overflow_to"] == "api" else f"queued overflow waiting up to {r['max_wait_minutes']:,.1f} minutes")
        lines.append(f"- **{r['policy_name']}**: {r['gpu_hours'] * per_month:,.0f} GPU-hours a month at "
                     f"{pct(r['utilization'])} utilization, {r['served_share']:.2%} of demand served within capacity, "
                     f"{over}; {usd(r['total_usd_per_month'])} a month, {usd(r['usd_per_mtok'])} per million tokens.")
    fixed = t.loc["fixed"] if "fixed" in t.index else None
    head = (f"Over this profile, **{best['policy_name']}** costs least in GPUs and overflow: "
            f"{usd(best['total_usd_per_month'])} a month")
    if fixed is not None and best["policy"] != "fixed":
        head += f", {pct(1 - best['total_usd_per_month'] / fixed['total_usd_per_month'])} less than the fixed fleet"
    elif fixed is not None:
        head += " (autoscaling saves nothing here: the fleet is already at its minimum, or demand never falls far enough)"
    return Markdown(head + ". Engineering, evaluation and the other fixed costs of self-hosting are the same under "
                    "every policy and are left out here.\n\n" + "\n".join(lines))


def provisioning_by_volume(scenario, multiples=None) -> pd.DataFrame:
    """`provisioning_table` with the scenario's profile scaled to other volumes: how each policy's cost per
    million tokens moves as the fleet grows past one replica.

    Parameters
    ----------
    scenario : Scenario
    multiples : array_like, optional
        Volumes as multiples of the scenario's ``workload.requests_per_day`` (default: 0.1 to 1,000, log-spaced).

    Returns
    -------
    DataFrame
        The rows of `provisioning_table` for each volume, with ``multiple`` and ``tokens_per_day``.
    """
    multiples = np.geomspace(0.1, 1000, 25) if multiples is None else np.asarray(multiples, float)
    kw = traffic_from_scenario(scenario)
    profile = kw.pop("profile")
    days = len(profile) * _profile_step(profile) / 86_400
    cols = [c for c in ("requests", "input_tokens", "cached_input_tokens", "output_tokens") if c in profile]
    frames = []
    for m in multiples:
        t = provisioning_table(profile.assign(**{c: profile[c] * m for c in cols}), **kw)
        tokens = (np.nansum(profile["input_tokens"]) + np.nansum(profile["output_tokens"])) * m / days
        frames.append(t.assign(multiple=m, tokens_per_day=tokens))
    return pd.concat(frames, ignore_index=True)


def provisioning_volume_chart(frame: pd.DataFrame, tokens_per_day: float | None = None) -> alt.Chart:
    """GPU and overflow cost per million tokens of each policy against daily volume (log scales), from
    `provisioning_by_volume`; a dashed rule at ``tokens_per_day`` (the scenario's volume)."""
    lines = alt.Chart(frame).mark_line(interpolate="step-after").encode(
        x=alt.X("tokens_per_day:Q", scale=alt.Scale(type="log"), title="daily volume (tokens per day, input + output)",
                axis=alt.Axis(format="~s")),
        y=alt.Y("usd_per_mtok:Q", scale=alt.Scale(type="log"), title="GPU + overflow cost per million tokens (USD)",
                axis=alt.Axis(format="$.2~f")),
        color=alt.Color("policy_name:N", title="policy"),
        strokeDash=alt.StrokeDash("policy_name:N", title="policy"),
        tooltip=[alt.Tooltip("policy_name:N", title="policy"), alt.Tooltip("tokens_per_day:Q", format=",.3~s", title="tokens/day"),
                 alt.Tooltip("usd_per_mtok:Q", format="$,.2f", title="USD per million tokens"),
                 alt.Tooltip("utilization:Q", format=".0%"), alt.Tooltip("replicas_max:Q", title="replicas at peak")],
    )
    layers = [lines]
    if tokens_per_day is not None:
        layers.append(alt.Chart(pd.DataFrame({"x": [float(tokens_per_day)]})).mark_rule(strokeDash=[4, 3], color="black")
                      .encode(x="x:Q", tooltip=[alt.Tooltip("x:Q", format=",.3~s", title="this scenario (tokens/day)")]))
    return alt.layer(*layers).properties(title="Self-hosted GPU cost per million tokens, by provisioning policy",
                                         width=520, height=300)


def example_usage_log() -> pd.DataFrame:
    """A real metered usage log to try `cost_per_task` on: the two Azure LLM inference traces (2023) as two
    tasks of one team, ``"code completion"`` and ``"conversation"``, one row per call with its own token counts
    (econ/data/traces/ATTRIBUTION.md).

    Examples
    --------
    >>> log = example_usage_log()
    >>> sorted(log["task"].unique()), list(log.columns)
    (['code completion', 'conversation'], ['timestamp', 'task', 'input_tokens', 'output_tokens'])
    """
    frames = []
    for name, task in (("azure-code", "code completion"), ("azure-conv", "conversation")):
        raw = pd.read_csv(trace_path(name))
        frames.append(pd.DataFrame({"timestamp": raw["TIMESTAMP"], "task": task, "input_tokens": raw["ContextTokens"],
                                    "output_tokens": raw["GeneratedTokens"]}))
    return pd.concat(frames, ignore_index=True)


def cost_per_task_view(table: pd.DataFrame) -> pd.DataFrame:
    """`cost_per_task` as one row per task: calls, mean tokens in and out, and each option's cost per 1,000 calls."""
    from ._costs import OPTIONS
    from ._views import usd

    first = table.drop_duplicates("task").set_index("task")
    out = pd.DataFrame({"calls": first["requests"].map("{:,.0f}".format),
                        "mean tokens in": (first["input_tokens"] / first["requests"]).map("{:,.0f}".format),
                        "mean tokens out": (first["output_tokens"] / first["requests"]).map("{:,.0f}".format)})
    for option, t in table.groupby("option", sort=False):
        out[f"{OPTIONS.get(option, option)}: USD per 1,000 calls"] = t.set_index("task")["usd_per_1k_requests"].map(usd)
    return out.reset_index()
