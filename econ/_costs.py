"""Monthly cost of the three ways to serve a workload: closed API, managed open endpoint, self-hosted.

Every function takes plain numbers or numpy arrays (broadcast together) and returns the same shape, so a
sensitivity analysis can push a million draws through at once. `compare` and `option_costs` read the values
of a `Scenario` (``scenario.values``), in which any number may be replaced by an array.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ._prices import api_usage_usd_per_request, api_usd_per_request  # the billing of a call: one home, econ/_prices.py

__all__ = [
    "HOURS_PER_MONTH",
    "OPTIONS",
    "api_usage_usd_per_request",
    "effective_usd_per_mtok",
    "gpus_per_replica",
    "replicas_needed",
    "option_costs",
    "compare",
]

HOURS_PER_MONTH = 730.0
"""Hours in an average month [h] (8,760 h / 12), the convention cloud providers bill by."""
DAYS_PER_MONTH = HOURS_PER_MONTH / 24.0
OPTIONS = {"api": "closed API", "managed": "managed open endpoint", "selfhost": "self-hosted"}
"""Option keys (as in the scenario files) and their display names."""


def effective_usd_per_mtok(gpu_hourly_usd, tokens_per_s, utilization=1.0):
    """Cost of a million tokens on a GPU deployment [USD/Mtok] (claim 12: $/hour ÷ Mtok served per hour).

    Parameters
    ----------
    gpu_hourly_usd : array_like
        Cost of the deployment per hour [USD/h].
    tokens_per_s : array_like
        Tokens it can serve per second at full load [tokens/s].
    utilization : array_like
        Share of that capacity actually used [fraction, 0-1].

    Returns
    -------
    ndarray
        ``gpu_hourly_usd / (tokens_per_s × 3600 × utilization / 1e6)`` [USD per million tokens].

    Examples
    --------
    One H100 at 2.50 USD/h serving 1,000 tokens/s: 3.6 Mtok/h at full load, 0.72 Mtok/h at 20 %.

    >>> round(float(effective_usd_per_mtok(2.5, 1_000)), 4), round(float(effective_usd_per_mtok(2.5, 1_000, 0.2)), 4)
    (0.6944, 3.4722)
    """
    return np.asarray(gpu_hourly_usd, float) / (np.asarray(tokens_per_s, float) * 3600.0 * np.asarray(utilization, float) / 1e6)


def gpus_per_replica(model_params_billion, bytes_per_param, gpu_memory_gb, kv_cache_memory_share):
    """GPUs one model replica needs: weights in the memory left after the KV-cache reserve [GPUs].

    Rounded up to a power of two, the tensor-parallel degrees serving engines support (1, 2, 4, 8, ...).

    Parameters
    ----------
    model_params_billion : array_like
        Parameters [billions].
    bytes_per_param : array_like
        Bytes per weight [bytes]: 2 for BF16, 1 for FP8, 0.5 for INT4.
    gpu_memory_gb : array_like
        Memory of one GPU [GB].
    kv_cache_memory_share : array_like
        Share of each GPU's memory reserved for KV cache and activations [fraction, 0-1].

    Returns
    -------
    ndarray
        GPUs per replica [count].

    Examples
    --------
    70B at FP8 is 70 GB of weights; an 80 GB H100 keeping 35 % free holds 52 GB, so two GPUs:

    >>> int(gpus_per_replica(70, 1, 80, 0.35)), int(gpus_per_replica(70, 2, 80, 0.35)), int(gpus_per_replica(8, 2, 80, 0.35))
    (2, 4, 1)
    """
    weights_gb = np.asarray(model_params_billion, float) * np.asarray(bytes_per_param, float)
    n = np.ceil(weights_gb / (np.asarray(gpu_memory_gb, float) * (1 - np.asarray(kv_cache_memory_share, float))))
    return 2.0 ** np.ceil(np.log2(np.maximum(n, 1.0)))


def replicas_needed(peak_requests_per_s, replica_requests_per_s, max_utilization=1.0, min_replicas=1, redundancy_replicas=0):
    """Replicas to serve the peak at no more than ``max_utilization`` of each, plus spares [replicas].

    Examples
    --------
    >>> int(replicas_needed(10.0, 3.0, 0.8, 1, 1))   # ceil(10 / 2.4) = 5 serving + 1 spare
    6
    """
    serving = np.ceil(np.asarray(peak_requests_per_s, float) / (np.asarray(replica_requests_per_s, float) * max_utilization))
    return np.maximum(serving, min_replicas) + redundancy_replicas


def _per_token_option(v: Mapping[str, Any], s: str, requests_per_month, labour_usd_per_hour):
    per_request = api_usd_per_request(v, s)  # tiers per call, caching minimums, token distribution: econ/_prices.py
    return {
        "tokens_usd": per_request * requests_per_month,
        "engineering_usd": v[f"{s}.engineering_hours_per_month"] * labour_usd_per_hour,
        "evaluation_usd": v[f"{s}.eval_hours_per_month"] * labour_usd_per_hour,
        "compliance_usd": np.asarray(v[f"{s}.compliance_usd_per_month"], float),
    }


def _selfhost(v: Mapping[str, Any], requests_per_month, labour_usd_per_hour):
    out_tokens = np.asarray(v["workload.output_tokens_per_request"], float)
    mean_rps = np.asarray(v["workload.requests_per_day"], float) / 86_400.0
    replica_rps = v["selfhost.replica_output_tokens_per_s"] / out_tokens
    per_replica = v.get("selfhost.gpus_per_replica")  # from the capacity model, with the throughput it derived
    if per_replica is None:
        per_replica = gpus_per_replica(
            v["selfhost.model_params_billion"], v["selfhost.bytes_per_param"], v["selfhost.gpu_memory_gb"],
            v["selfhost.kv_cache_memory_share"],
        )
    replicas = replicas_needed(
        mean_rps * v["workload.peak_to_mean"], replica_rps, v["selfhost.max_utilization"],
        v["selfhost.min_replicas"], v["selfhost.redundancy_replicas"],
    )
    gpus = replicas * per_replica
    if v["selfhost.gpu_cost_mode"] == "rent":
        gpu_usd = gpus * HOURS_PER_MONTH * v["selfhost.rent_usd_per_gpu_hour"] * (1 - np.asarray(v["selfhost.commitment_discount"], float))
        power_usd = hosting_usd = np.zeros_like(gpu_usd)
    else:
        gpu_usd = gpus * v["selfhost.purchase_usd_per_gpu"] / (12.0 * v["selfhost.amortization_years"])
        kw = v["selfhost.gpu_tdp_w"] / 1000.0 * v["selfhost.power_draw_share_of_tdp"] * v["selfhost.pue"]
        power_usd = gpus * kw * HOURS_PER_MONTH * v["selfhost.electricity_usd_per_kwh"]
        hosting_usd = gpus * v["selfhost.hosting_usd_per_gpu_month"]
    egress_gb = requests_per_month * out_tokens * v["selfhost.egress_bytes_per_output_token"] / 1e9
    return {
        "gpu_usd": gpu_usd,
        "power_usd": power_usd,
        "hosting_usd": hosting_usd,
        "engineering_usd": v["selfhost.engineering_hours_per_month"] * labour_usd_per_hour,
        "evaluation_usd": v["selfhost.eval_hours_per_month"] * labour_usd_per_hour,
        "upgrade_usd": v["selfhost.upgrade_hours_per_year"] / 12.0 * labour_usd_per_hour,
        "egress_storage_usd": egress_gb * v["selfhost.egress_usd_per_gb"] + v["selfhost.storage_usd_per_month"],
    }, {
        "gpus": gpus,
        "replicas": replicas,
        "gpus_per_replica": per_replica,
        "utilization": mean_rps / (replicas * replica_rps),
    }


COMPONENTS = [
    "tokens_usd", "gpu_usd", "power_usd", "hosting_usd", "engineering_usd", "evaluation_usd", "upgrade_usd",
    "egress_storage_usd", "compliance_usd",
]
"""Cost components, in the order charts stack them [USD/month]."""


def option_costs(values: Mapping[str, Any]) -> dict[str, dict[str, np.ndarray]]:
    """Monthly cost components and fleet figures of every option, vectorized over any array-valued input.

    Parameters
    ----------
    values : mapping
        ``Scenario.values``: ``"section.key" -> value``; any number may be a numpy array (broadcast).

    Returns
    -------
    dict
        ``{option: {component: USD/month, ..., "monthly_usd", "tokens_per_month", "requests_per_month",
        and for self-hosting "gpus", "replicas", "gpus_per_replica", "utilization"}}``, arrays broadcast to
        a common shape.
    """
    requests_per_month = np.asarray(values["workload.requests_per_day"], float) * DAYS_PER_MONTH
    tokens_per_request = np.asarray(values["workload.input_tokens_per_request"], float) + values["workload.output_tokens_per_request"]
    labour = values["engineering.loaded_usd_per_hour"]
    self_components, fleet = _selfhost(values, requests_per_month, labour)
    raw = {
        "api": (_per_token_option(values, "api", requests_per_month, labour), {}),
        "managed": (_per_token_option(values, "managed", requests_per_month, labour), {}),
        "selfhost": (self_components, fleet),
    }
    out = {}
    for option, (components, extra) in raw.items():
        full = {c: components.get(c, 0.0) for c in COMPONENTS}
        full["monthly_usd"] = sum(full.values())
        full["requests_per_month"] = requests_per_month
        full["tokens_per_month"] = requests_per_month * tokens_per_request
        full.update(extra)
        arrays = np.broadcast_arrays(*[np.asarray(x, float) for x in full.values()])
        out[option] = dict(zip(full, arrays))
    return out


def compare(scenario) -> pd.DataFrame:
    """The three options side by side for a scenario's workload.

    Parameters
    ----------
    scenario : Scenario
        From `load_scenario`.

    Returns
    -------
    DataFrame
        One row per option: ``option`` (display name), ``key``, ``permitted``, ``monthly_usd``,
        ``usd_per_mtok`` (all tokens, input and output), ``usd_per_request``, the cost components
        [USD/month], and for self-hosting ``gpus``, ``replicas`` and realized ``utilization``.

    Examples
    --------
    >>> from econ import load_scenario, PARAMS_DIR
    >>> table = compare(load_scenario(PARAMS_DIR / "enterprise_steady.yaml"))
    >>> list(table["key"])
    ['api', 'managed', 'selfhost']
    """
    v = scenario.values
    costs = option_costs(v)
    rows = []
    for key, c in costs.items():
        if any(np.ndim(x) for x in c.values()):
            raise ValueError("compare() takes a scenario of scalars; use option_costs() for arrays")
        row = {"option": OPTIONS[key], "key": key, "permitted": bool(v[f"{key}.permitted"])}
        row["monthly_usd"] = float(c["monthly_usd"])
        row["usd_per_mtok"] = float(c["monthly_usd"] / (c["tokens_per_month"] / 1e6))
        row["usd_per_request"] = float(c["monthly_usd"] / c["requests_per_month"])
        row.update({k: float(c[k]) for k in COMPONENTS})
        for k in ("gpus", "replicas", "utilization"):
            row[k] = float(c[k]) if k in c else np.nan
        rows.append(row)
    return pd.DataFrame(rows)
