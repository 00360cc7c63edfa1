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

from ._fleet import HOURS_PER_MONTH, replicas_needed, size_fleet
from ._prices import api_usage_usd_per_request, api_usd_per_request  # the billing of a call: one home, econ/_prices.py

__all__ = [
    "HOURS_PER_MONTH",
    "OPTIONS",
    "api_usage_usd_per_request",
    "effective_usd_per_mtok",
    "replicas_needed",
    "option_costs",
    "compare",
]

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


def _per_token_option(v: Mapping[str, Any], s: str, requests_per_month, labour_usd_per_hour):
    per_request = api_usd_per_request(v, s)  # tiers per call, caching minimums, token distribution: econ/_prices.py
    return {
        "tokens_usd": per_request * requests_per_month,
        "engineering_usd": v[f"{s}.engineering_hours_per_month"] * labour_usd_per_hour,
        "evaluation_usd": v[f"{s}.eval_hours_per_month"] * labour_usd_per_hour,
        "compliance_usd": np.asarray(v[f"{s}.compliance_usd_per_month"], float),
    }


def _selfhost(v: Mapping[str, Any], requests_per_month, labour_usd_per_hour):
    fleet = size_fleet(v)
    out_tokens = np.asarray(v["workload.output_tokens_per_request"], float)
    egress_gb = requests_per_month * out_tokens * v["selfhost.egress_bytes_per_output_token"] / 1e9
    components = {
        "gpu_usd": fleet["gpu_usd"],
        "power_usd": fleet["power_usd"],
        "hosting_usd": fleet["hosting_usd"],
        "engineering_usd": v["selfhost.engineering_hours_per_month"] * labour_usd_per_hour,
        "evaluation_usd": v["selfhost.eval_hours_per_month"] * labour_usd_per_hour,
        "upgrade_usd": v["selfhost.upgrade_hours_per_year"] / 12.0 * labour_usd_per_hour,
        "egress_storage_usd": egress_gb * v["selfhost.egress_usd_per_gb"] + v["selfhost.storage_usd_per_month"],
    }
    extra = {k: x for k, x in fleet.items() if k not in components and k != "candidates"}
    extra["gpus_per_replica"] = fleet["tensor_parallel"]
    return components, extra


COMPONENTS = [
    "tokens_usd", "gpu_usd", "power_usd", "hosting_usd", "engineering_usd", "evaluation_usd", "upgrade_usd",
    "egress_storage_usd", "compliance_usd",
]
"""Cost components, in the order charts stack them [USD/month]."""

COMPONENT_LABELS = {
    "tokens_usd": "tokens", "gpu_usd": "GPUs", "power_usd": "power", "hosting_usd": "hosting",
    "engineering_usd": "engineering", "evaluation_usd": "evaluation", "upgrade_usd": "upgrades",
    "egress_storage_usd": "egress and storage", "compliance_usd": "compliance",
    # a routed split's parts: what it pays each destination (their tokens or GPUs counted inside), and its router
    "api_usd": "routed to the closed API", "managed_usd": "routed to the managed open endpoint",
    "selfhost_usd": "routed to the self-hosted fleet", "router_usd": "router",
}
"""Each cost component and part of a routed split in words, as every chart legend and table heading names it
(its colour in `econ._style.COMPONENT_COLORS`)."""


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
