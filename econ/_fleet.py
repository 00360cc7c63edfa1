"""The self-hosted fleet: the cheapest GPU type, tensor-parallel degree and replica count that serve the peak.

One home for the fleet. The candidates (every GPU type the scenario allows and every tensor-parallel degree an
engine accepts for the model on it) are sized by the capacity model once per request shape and latency targets
(`fleet_candidates`, cached); `size_fleet` then chooses, for any volume or any Monte Carlo draw, the candidate whose
fleet (serving replicas for the peak at ``selfhost.max_utilization``, plus the spares of
``selfhost.redundancy_replicas``) costs least a month. The cost model (`econ.option_costs`), and through it every
page, sweep and draw, takes the fleet from here.

Vectorized: every number of the scenario may be a numpy array (a sweep, a million draws); the candidates are a
last axis of length C that the choice removes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

__all__ = ["FleetCandidates", "fleet_candidates", "replicas_needed", "size_fleet", "HOURS_PER_MONTH", "SECONDS_PER_DAY"]

HOURS_PER_MONTH = 730.0
"""Hours in an average month [h] (8,760 h / 12), the convention cloud providers bill by."""
SECONDS_PER_DAY = 86_400.0
TP_DEGREES = (1, 2, 4, 8)
"""Tensor-parallel degrees searched [GPUs per replica]: one node at most (NVLink or PCIe within a server)."""


@dataclass(frozen=True)
class FleetCandidates:
    """The (GPU, tensor-parallel degree) pairs a replica can run on, at one request shape and latency targets.

    Attributes
    ----------
    gpu : tuple of str
        GPU catalog key of each candidate (length C).
    tensor_parallel : ndarray of int, shape (C,)
        GPUs per replica.
    goodput_output_tokens_per_s : ndarray, shape (C,)
        Output tokens/s one replica serves at the latency targets [tokens/s]: the capacity model's goodput, or the
        scenario's stated throughput rescaled to its request shape (see ``stated``).
    stated : bool
        True when the throughput is the scenario's own measurement (``selfhost.replica_output_tokens_per_s``);
        sweeps and draws of that key then move it, and ``selfhost.throughput_factor`` does not apply.
    stated_scale : float
        The stated throughput's rescaling to the scenario's request shape (capacity model at the scenario's shape
        over the capacity model at the measured shape; 1 when they agree).
    rent_usd_per_gpu_hour, purchase_usd_per_gpu : ndarray, shape (C,)
        Catalog prices of each candidate's GPU [USD/GPU-hour], [USD/GPU] (NaN where the catalog has none).
    server_w_per_gpu : ndarray, shape (C,)
        Maximum power of a GPU's share of its server [W] (NaN where the catalog has none: the GPU's TDP times
        ``selfhost.server_power_per_tdp`` then).
    tdp_w : ndarray, shape (C,)
        The GPU's thermal design power [W].
    refused : tuple of (gpu, tensor_parallel, reason)
        Pairs the capacity model refused, with the engine's reason.
    note : str
        How the throughput was obtained, for the page.
    """

    gpu: tuple[str, ...]
    tensor_parallel: np.ndarray
    goodput_output_tokens_per_s: np.ndarray
    stated: bool
    stated_scale: float
    rent_usd_per_gpu_hour: np.ndarray
    purchase_usd_per_gpu: np.ndarray
    server_w_per_gpu: np.ndarray
    tdp_w: np.ndarray
    refused: tuple[tuple[str, int, str], ...]
    note: str

    def __len__(self) -> int:
        return len(self.gpu)


CANDIDATE_KEYS = (
    "selfhost.model", "selfhost.gpu", "selfhost.precision", "selfhost.kv_precision", "selfhost.gpu_memory_utilization",
    "selfhost.tensor_parallel",
    "selfhost.ttft_slo_s", "selfhost.tpot_slo_s", "selfhost.gpu_cost_mode", "selfhost.throughput_input_tokens",
    "selfhost.throughput_output_tokens", "workload.input_tokens_per_request",
    "workload.output_tokens_per_request",
)
"""The scenario keys that decide the candidates (all scalars); the stated throughput itself only scales them."""


def _scalar(values: Mapping[str, Any], key: str):
    x = values[key]
    if isinstance(x, np.ndarray):
        if x.size != 1 and np.unique(x).size != 1:
            raise ValueError(f"{key} varies across the array ({np.unique(x).size} values); the fleet candidates are "
                             "sized for one request shape at a time: call size_fleet once per value")
        return x.flat[0].item()
    return x


def fleet_candidates(values: Mapping[str, Any]) -> FleetCandidates:
    """The fleet candidates of a scenario: every GPU type and tensor-parallel degree a replica can use.

    Parameters
    ----------
    values : mapping
        ``Scenario.values``. The keys of `CANDIDATE_KEYS` must be scalars (or arrays of one repeated value).

    Returns
    -------
    FleetCandidates

    Raises
    ------
    ValueError
        No GPU and degree can serve the model at the targets (each refusal's reason is in the message).

    Notes
    -----
    ``selfhost.gpu: auto`` searches every catalog GPU with a price for ``selfhost.gpu_cost_mode`` (rent or buy);
    a named GPU searches that GPU only. ``selfhost.tensor_parallel`` fixes the degree; null searches 1, 2, 4 and 8.
    With a stated throughput (``selfhost.replica_output_tokens_per_s``), the candidate is the stated GPU at the
    stated degree (the smallest an engine accepts when null), and the throughput is rescaled from the shape it was
    measured at (``selfhost.throughput_input_tokens`` / ``_output_tokens``) to the scenario's through the
    capacity model.
    """
    key = tuple(_scalar(values, k) for k in CANDIDATE_KEYS) + (values["selfhost.replica_output_tokens_per_s"] is not None,)
    return _candidates(*key)


@lru_cache(maxsize=256)
def _candidates(model, gpu, precision, kv_precision, memory_utilization, tensor_parallel, ttft, tpot, mode, measured_in,
                measured_out, n_in, n_out, stated) -> FleetCandidates:
    from ._capacity import serving_capacity
    from ._catalog import gpu_names, gpu_spec

    price_field = "rent_usd_per_gpu_hour" if mode == "rent" else "purchase_usd_per_gpu"
    if gpu == "auto":
        gpus = [g for g in gpu_names() if gpu_spec(g).get(price_field) is not None]
    else:
        gpus = [gpu]
    degrees = (tensor_parallel,) if tensor_parallel is not None else TP_DEGREES
    rows, refused = [], []
    kv = {"memory_utilization": memory_utilization} | ({} if kv_precision is None else {"kv_precision": kv_precision})

    def capacity(g, tp, i, o):
        return serving_capacity(model, g, i, o, precision, tp, ttft, tpot, **kv)

    for g in gpus:
        for tp in degrees:
            try:
                c = capacity(g, tp, n_in, n_out)
            except ValueError as exc:
                refused.append((g, tp, str(exc)))
                continue
            if c.output_tokens_per_s <= 0:
                refused.append((g, tp, f"no batch meets the latency targets ({c.limited_by})"))
                continue
            rows.append((g, tp, c.output_tokens_per_s))
            if stated:  # a measured throughput belongs to one configuration: the smallest degree that runs
                break
        if stated:
            break
    if not rows:
        reasons = "; ".join(f"{g} × {tp}: {r}" for g, tp, r in refused) or "no GPU in the catalog has a price"
        raise ValueError(f"no GPU and tensor-parallel degree can serve {model} at {precision} with these targets "
                         f"(TTFT {ttft} s, TPOT {tpot} s): {reasons}")
    scale, note = 1.0, ""
    if stated:
        g, tp, at_scenario = rows[0]
        if measured_in is not None and (measured_in, measured_out) != (n_in, n_out):
            at_measured = capacity(g, tp, measured_in, measured_out).output_tokens_per_s
            if at_measured <= 0:
                raise ValueError(f"the capacity model cannot serve the measured shape {measured_in:g} in / "
                                 f"{measured_out:g} out on {g} × {tp} at the targets, so the stated throughput "
                                 "cannot be rescaled; state it at the scenario's own request shape")
            scale = at_scenario / at_measured
            note = (f"stated throughput measured at {measured_in:,.0f} in / {measured_out:,.0f} out, rescaled × "
                    f"{scale:.3f} to this scenario's {n_in:,.0f} in / {n_out:,.0f} out through the capacity model")
        else:
            note = "stated throughput, measured at this scenario's request shape"
    else:
        note = (f"the kit's capacity model at {n_in:,.0f} in / {n_out:,.0f} out, "
                f"TTFT ≤ {ttft} s, TPOT ≤ {tpot} s")
    specs = [gpu_spec(g) for g, _, _ in rows]
    price = lambda s, f: np.nan if s.get(f) is None else float(s[f]["value"])  # noqa: E731  catalog: {value, low, high, source}
    return FleetCandidates(
        gpu=tuple(g for g, _, _ in rows),
        tensor_parallel=np.array([tp for _, tp, _ in rows], int),
        goodput_output_tokens_per_s=np.array([x for _, _, x in rows], float),
        stated=bool(stated),
        stated_scale=float(scale),
        rent_usd_per_gpu_hour=np.array([price(s, "rent_usd_per_gpu_hour") for s in specs]),
        purchase_usd_per_gpu=np.array([price(s, "purchase_usd_per_gpu") for s in specs]),
        server_w_per_gpu=np.array([price(s, "server_power_w_per_gpu") for s in specs]),
        tdp_w=np.array([float(s["tdp_w"]) for s in specs]),
        refused=tuple(refused),
        note=note,
    )


def _a(x) -> np.ndarray:
    return np.asarray(x, float)


def replicas_needed(peak_requests_per_s, replica_requests_per_s, max_utilization=1.0, min_replicas=1, redundancy_replicas=0):
    """Replicas to serve the peak at no more than ``max_utilization`` of each, plus spares [replicas].

    ``max(ceil(peak / (replica × max_utilization)), min_replicas) + redundancy_replicas``, vectorized.

    Examples
    --------
    >>> int(replicas_needed(10.0, 3.0, 0.8, 1, 1))   # ceil(10 / 2.4) = 5 serving + 1 spare
    6
    """
    serving = np.ceil(_a(peak_requests_per_s) / (_a(replica_requests_per_s) * _a(max_utilization)))
    return np.maximum(serving, min_replicas) + redundancy_replicas


def size_fleet(values: Mapping[str, Any], candidates: FleetCandidates | None = None) -> dict[str, np.ndarray]:
    """The cheapest fleet that serves the peak, for every element of the (broadcast) inputs.

    Parameters
    ----------
    values : mapping
        ``Scenario.values``; the volume, peak-to-mean ratio, utilization head-room, spares, prices, throughput
        and costs may be numpy arrays (broadcast together).
    candidates : FleetCandidates, optional
        From `fleet_candidates` (computed from ``values`` when omitted).

    Returns
    -------
    dict
        Arrays of the broadcast shape: ``candidate`` (index into ``candidates``), ``tensor_parallel`` [GPUs per
        replica], ``serving_replicas``, ``spare_replicas``, ``replicas`` [replicas], ``gpus`` [GPUs],
        ``replica_output_tokens_per_s`` [tokens/s], ``replica_requests_per_s`` [requests/s], ``peak_requests_per_s``,
        ``mean_requests_per_s`` [requests/s], ``utilization`` [fraction: mean demand over the serving replicas'
        capacity, spares excluded], ``usd_per_gpu_hour`` [USD/GPU-hour: what one GPU of the fleet costs an hour,
        all GPU-related costs in], ``gpu_usd``, ``power_usd``, ``hosting_usd`` [USD/month], ``capex_usd`` [USD:
        purchase price of the fleet, 0 when rented]; and ``candidates``.

    Notes
    -----
    For candidate c with replica throughput ``T_c`` [output tokens/s] and output ``O`` tokens per request, one
    replica serves ``r_c = T_c / O`` requests/s. At peak demand ``P = requests_per_day / 86,400 × peak_to_mean``:
    ``serving_c = max(ceil(P / (r_c × max_utilization)), min_replicas)``, ``gpus_c = (serving_c + spares) × TP_c``.
    Monthly fleet cost per GPU: rented, ``730 h × rent × (1 − commitment_discount)``; bought, straight-line
    ``purchase × (1 − horizon.resale_share) / (12 × amortization_years)`` (down to the resale value, as the cash
    flow sells the GPUs at book value) plus power ``server W × draw share × PUE × 730 h × USD/kWh`` and
    hosting. The candidate with the lowest fleet cost wins (ties: the first, i.e. fewer GPUs per replica).
    """
    v = values
    if candidates is None and any(isinstance(v[k], np.ndarray) and np.unique(v[k]).size > 1 for k in CANDIDATE_KEYS):
        return _size_by_shape(v)
    cand = fleet_candidates(v) if candidates is None else candidates
    out_tokens = _a(v["workload.output_tokens_per_request"])
    if cand.stated:
        tps = _a(v["selfhost.replica_output_tokens_per_s"])[..., None] * cand.stated_scale
    else:
        tps = cand.goodput_output_tokens_per_s * _a(v["selfhost.throughput_factor"])[..., None]
    replica_rps = tps / out_tokens[..., None]
    mean_rps = _a(v["workload.requests_per_day"]) / SECONDS_PER_DAY
    peak_rps = mean_rps * _a(v["workload.peak_to_mean"])
    serving = replicas_needed(peak_rps[..., None], replica_rps, _a(v["selfhost.max_utilization"])[..., None],
                              _a(v["selfhost.min_replicas"])[..., None])
    spares = _a(v["selfhost.redundancy_replicas"])
    gpus = (serving + spares[..., None]) * cand.tensor_parallel
    if v["selfhost.gpu_cost_mode"] == "rent":
        rent = _gpu_price(v, "selfhost.rent_usd_per_gpu_hour", "selfhost.rent_price_factor", cand.rent_usd_per_gpu_hour)
        per_gpu_hour = rent * (1 - _a(v["selfhost.commitment_discount"]))[..., None]
        parts = {"gpu_usd": per_gpu_hour * HOURS_PER_MONTH, "power_usd": np.zeros(1), "hosting_usd": np.zeros(1)}
        purchase = np.zeros(1)
    else:
        purchase = _gpu_price(v, "selfhost.purchase_usd_per_gpu", "selfhost.purchase_price_factor", cand.purchase_usd_per_gpu)
        server_w = np.where(np.isnan(cand.server_w_per_gpu), cand.tdp_w * _a(v["selfhost.server_power_per_tdp"])[..., None],
                            cand.server_w_per_gpu)
        kw = server_w / 1000.0 * _a(v["selfhost.power_draw_share"])[..., None] * _a(v["selfhost.pue"])[..., None]
        depreciable = 1.0 - _a(v["horizon.resale_share"])  # straight line to the resale value, as the cash flow
        parts = {"gpu_usd": purchase * (depreciable / (12.0 * _a(v["selfhost.amortization_years"])))[..., None],
                 "power_usd": kw * HOURS_PER_MONTH * _a(v["selfhost.electricity_usd_per_kwh"])[..., None],
                 "hosting_usd": _a(v["selfhost.hosting_usd_per_gpu_month"])[..., None]}
    per_gpu_month = parts["gpu_usd"] + parts["power_usd"] + parts["hosting_usd"]
    fleet_usd = gpus * per_gpu_month
    best = np.argmin(np.where(np.isnan(fleet_usd), np.inf, fleet_usd), axis=-1)

    def pick(a):  # the chosen candidate's value, elementwise, from an array over the candidates (last axis)
        a = np.asarray(a, float)
        if a.shape[-1] == 1:  # the same for every candidate
            return np.broadcast_to(a[..., 0], best.shape)
        if a.ndim == 1:
            return a[best]
        return np.take_along_axis(np.broadcast_to(a, best.shape + a.shape[-1:]), best[..., None], axis=-1)[..., 0]

    tp = cand.tensor_parallel[best].astype(float)
    tps_b = pick(tps)
    rps_b = tps_b / out_tokens
    serving_b = replicas_needed(peak_rps, rps_b, _a(v["selfhost.max_utilization"]), _a(v["selfhost.min_replicas"]))
    replicas = serving_b + spares
    g = replicas * tp
    out = {
        "candidate": best,
        "tensor_parallel": tp,
        "serving_replicas": serving_b,
        "spare_replicas": np.broadcast_to(spares, best.shape).astype(float),
        "replicas": replicas,
        "gpus": g,
        "replica_output_tokens_per_s": tps_b,
        "replica_requests_per_s": rps_b,
        "mean_requests_per_s": np.broadcast_to(mean_rps, best.shape),
        "peak_requests_per_s": np.broadcast_to(peak_rps, best.shape),
        "utilization": mean_rps / (serving_b * rps_b),
        "usd_per_gpu_hour": pick(per_gpu_month) / HOURS_PER_MONTH,
        "capex_usd": g * pick(purchase),
        **{k: g * pick(p) for k, p in parts.items()},
    }
    return {k: np.asarray(x, float) if k != "candidate" else x for k, x in out.items()} | {"candidates": cand}


def _size_by_shape(v: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """`size_fleet` where a key of `CANDIDATE_KEYS` (e.g. the prompt length) varies across the arrays: the
    candidates are sized once per distinct value, each element gets its own."""
    arrays = {k: x for k, x in v.items() if isinstance(x, np.ndarray) and x.ndim > 0}
    shape = np.broadcast_shapes(*(x.shape for x in arrays.values()))
    full = {k: np.broadcast_to(x, shape).ravel() for k, x in arrays.items()}
    varying = [k for k in CANDIDATE_KEYS if k in full]
    combos = np.stack([full[k] for k in varying], axis=1) if varying else np.zeros((int(np.prod(shape)), 0))
    unique, inverse = np.unique(combos, axis=0, return_inverse=True)
    out: dict[str, np.ndarray] = {}
    for i in range(len(unique)):
        idx = np.nonzero(inverse.ravel() == i)[0]
        part = size_fleet({**v, **{k: x[idx] for k, x in full.items()}})
        for k, x in part.items():
            if k == "candidates":
                continue
            if k not in out:
                out[k] = np.empty(combos.shape[0], dtype=np.asarray(x).dtype)
            out[k][idx] = np.broadcast_to(x, idx.shape)
    return {k: x.reshape(shape) for k, x in out.items()} | {"candidates": None}


def _gpu_price(v, key: str, factor_key: str, catalog: np.ndarray) -> np.ndarray:
    """Per-candidate GPU price: the scenario's stated price (one GPU type), or the catalog's × the price factor."""
    stated = v[key]
    if stated is not None:
        return _a(stated)[..., None] + np.zeros(catalog.shape)
    return catalog * _a(v[factor_key])[..., None]
