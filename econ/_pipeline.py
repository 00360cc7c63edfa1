"""One decision per scenario, computed once: the pipeline every page, the index and the spreadsheet read.

    scenario ──▶ workload ──▶ prices ──▶ fleet (the cheapest, `econ._fleet`) ──▶ cost of every option
             ──▶ quality of every option and of the routed split ──▶ the decision (eligible plans, the
             recommended one, savings, breakeven intervals, confidence, flip points)

`decide` runs it for a scenario and returns a `Decision`; `Decision.to_json` / `load_decision` write and read
``outputs/<scenario>/decision.json``. Sweeps and Monte Carlo draws run the same code (`plan_costs`, vectorized):
no page sizes a fleet, prices an option or picks a winner by itself.

Definitions used everywhere (the report's glossary repeats them):

- **utilization**: mean demand over the capacity of the serving replicas at full load (spares excluded).
- **all-in $/Mtok**: an option's whole monthly cost over the tokens (input and output) it serves a month.
- **GPU-only $/Mtok**: the self-hosted GPUs' cost alone (rent, or amortized purchase, power and hosting) over the
  same tokens.
- **eligible**: permitted by the scenario and meeting its quality floor (``routing.*``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from scipy.optimize import brentq

from ._breakeven import _tokens_per_request, cheaper_intervals
from ._cashflow import present_cost_usd
from ._costs import COMPONENTS, DAYS_PER_MONTH, OPTIONS, option_costs
from ._fleet import CANDIDATE_KEYS

__all__ = [
    "Decision",
    "PlanResult",
    "Fleet",
    "decide",
    "decision",
    "load_decision",
    "plan_costs",
    "flip_points",
    "DECISION_DRAWS",
    "DECISION_SEED",
]

DECISION_DRAWS = 100_000
"""Monte Carlo draws behind a decision's confidence [count] (notebook 03 shows the same draws)."""
DECISION_SEED = 2026
"""Seed of those draws: the same seed gives the same confidence."""
ROUTED = "routed"
PLAN_NAMES = {**OPTIONS, ROUTED: "routed split"}
_DEST_KEYS = {"self-hosted": "selfhost", "managed open endpoint": "managed", "closed API": "api"}


# ------------------------------------------------------------------------------------------------ results


@dataclass(frozen=True)
class PlanResult:
    """One option or plan of a decision, at the scenario's values.

    ``monthly_usd`` and ``components`` [USD/month]; ``usd_per_mtok`` all-in [USD per million tokens];
    ``usd_per_request`` [USD]; ``quality`` [probability of an acceptable answer]; ``shares`` (routed split only)
    [fraction of requests per option]; ``capex_usd`` [USD up front]; ``opex_usd_per_month`` [USD/month: the monthly
    cost without the straight-line depreciation of bought GPUs]; ``pv_usd`` [USD: present value of the plan's cash
    over the horizon: capex, opex, the GPUs' resale at the end (`econ._cashflow.present_cost_usd`)].
    """

    key: str
    name: str
    permitted: bool
    quality: float
    meets_floor: bool
    eligible: bool
    monthly_usd: float
    usd_per_mtok: float
    usd_per_request: float
    components: dict[str, float]
    capex_usd: float = 0.0
    opex_usd_per_month: float = 0.0
    pv_usd: float = 0.0
    shares: dict[str, float] | None = None
    why_not: str = ""


@dataclass(frozen=True)
class Fleet:
    """The self-hosted fleet at the scenario's peak: the cheapest that meets the latency targets.

    ``gpus`` = ``replicas × tensor_parallel``; ``replicas`` = ``serving_replicas + spare_replicas``;
    ``utilization`` is mean demand over the serving replicas' capacity (spares excluded) [fraction];
    ``usd_per_gpu_hour`` is what one GPU costs an hour on the price basis [USD/GPU-hour];
    ``gpu_only_usd_per_mtok`` the GPUs' monthly cost over the month's tokens [USD/Mtok]; ``candidates`` lists every
    (GPU, degree) tried with its fleet and monthly fleet cost.
    """

    gpu: str
    gpu_name: str
    tensor_parallel: int
    serving_replicas: int
    spare_replicas: int
    replicas: int
    gpus: int
    replica_output_tokens_per_s: float
    peak_requests_per_s: float
    utilization: float
    usd_per_gpu_hour: float
    fleet_usd_per_month: float
    gpu_only_usd_per_mtok: float
    price_basis: str
    throughput_note: str
    candidates: list[dict] = field(default_factory=list)
    refused: list[dict] = field(default_factory=list)


@dataclass(frozen=True)
class Decision:
    """A scenario's decision: every option and plan, the fleet, the recommendation and what it rests on.

    Attributes
    ----------
    scenario, title : str
        The scenario file's stem and its title.
    workload : dict
        ``requests_per_day``, ``tokens_per_day``, ``input_tokens_per_request``, ``output_tokens_per_request``,
        ``peak_to_mean``, ``requests_per_month``.
    fleet : Fleet
    options : dict
        ``{key: PlanResult}`` for ``api``, ``managed``, ``selfhost`` and, when it splits traffic, ``routed``.
    quality_basis : str
        ``"floor"``: plans must meet ``quality_floor`` to be eligible; ``"cost only"``: every permitted option
        meets it (the floor asks nothing beyond the open model), so the comparison is on cost alone.
    quality_floor : float
        [probability of an acceptable answer].
    recommended, runner_up : str
        Keys of the cheapest eligible plan and the next one ('' when there is none).
    savings_usd_per_month : float
        Runner-up's monthly cost minus the recommended one's [USD/month] (NaN without a runner-up).
    confidence : float
        Share of Monte Carlo draws (`DECISION_DRAWS`, seed `DECISION_SEED`) in which the recommended plan is
        eligible and the cheapest eligible one [fraction].
    horizon : dict
        ``months``, ``discount_rate_per_year``, ``life_months`` and ``resale_share`` of the cash-flow view.
    breakevens : list of dict
        Per pair of permitted options, every volume interval and the cheaper option in it (`cheaper_intervals`).
    flips : list of dict
        Assumptions whose change flips the recommendation, nearest first (`flip_points`).
    warnings : list of str
    """

    scenario: str
    title: str
    workload: dict
    fleet: Fleet
    options: dict[str, PlanResult]
    quality_basis: str
    quality_floor: float
    recommended: str
    runner_up: str
    savings_usd_per_month: float
    confidence: float
    draws: int
    seed: int
    horizon: dict
    breakevens: list[dict]
    flips: list[dict]
    warnings: list[str]

    @property
    def recommended_plan(self) -> PlanResult:
        return self.options[self.recommended]

    @property
    def unranged_flips(self) -> list[dict]:
        """The flips of assumptions without a stated range within a factor of two of their value: the Monte Carlo
        cannot see them, so the confidence leaves them out (`warnings` names them)."""
        return unranged_flips(self.flips)

    def to_dict(self) -> dict:
        """Plain data (JSON-ready: NaN becomes null)."""
        return _jsonable(asdict(self))

    def to_json(self, path: str | Path | None = None) -> str:
        """The decision as JSON (``decision.json``); written to ``path`` when given."""
        text = json.dumps(self.to_dict(), indent=1, ensure_ascii=False, allow_nan=False)
        if path is not None:
            Path(path).write_text(text + "\n", encoding="utf-8")
        return text


def unranged_flips(flips: list[dict]) -> list[dict]:
    """The flips of assumptions without a stated range within a factor of two of their value (`Decision.flips`)."""
    return [f for f in flips if not f["has_range"] and 0.5 <= f["ratio"] <= 2.0]


def _jsonable(x):
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    if isinstance(x, (np.floating, float)):
        return None if not math.isfinite(float(x)) else float(x)
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, np.bool_):
        return bool(x)
    return x


def _nan(x):
    return float("nan") if x is None else x


def load_decision(path: str | Path) -> Decision:
    """Read a ``decision.json`` written by `Decision.to_json` (nulls back to NaN where a number is expected)."""
    d = json.loads(Path(path).read_text(encoding="utf-8"))
    options = {}
    for k, o in d["options"].items():
        o = dict(o)
        for f in ("quality", "monthly_usd", "usd_per_mtok", "usd_per_request", "capex_usd", "opex_usd_per_month", "pv_usd"):
            o[f] = _nan(o[f])
        o["components"] = {c: _nan(x) for c, x in o["components"].items()}
        options[k] = PlanResult(**o)
    fleet = dict(d["fleet"])
    for f in ("replica_output_tokens_per_s", "peak_requests_per_s", "utilization", "usd_per_gpu_hour",
              "fleet_usd_per_month", "gpu_only_usd_per_mtok"):
        fleet[f] = _nan(fleet[f])
    return Decision(**{**d, "fleet": Fleet(**fleet), "options": options,
                       "savings_usd_per_month": _nan(d["savings_usd_per_month"]),
                       "quality_floor": _nan(d["quality_floor"]), "confidence": _nan(d["confidence"])})


# ------------------------------------------------------------------------------------------------ quality


def quality_inputs(values: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """Quality of each option and the floor, vectorized over the routing assumptions [probability].

    The open model (self-hosted or managed) answers ``routing.open_quality_*`` of easy and hard requests, the closed
    API ``routing.premium_quality_*``; ``routing.hard_share`` of requests are hard. The floor recovers
    ``routing.recovered_fraction`` of the API's quality gain over the open model (the open model's own quality
    when the API is not permitted: nothing better is on offer).
    """
    from ._routing import meets_floor

    a = lambda k: np.asarray(values[f"routing.{k}"], float)  # noqa: E731
    h = a("hard_share")
    q_open = (1 - h) * a("open_quality_easy") + h * a("open_quality_hard")
    q_prem = (1 - h) * a("premium_quality_easy") + h * a("premium_quality_hard")
    if values["api.permitted"]:
        floor = q_open + a("recovered_fraction") * (q_prem - q_open)
    else:
        floor = q_open
    q = {"api": q_prem, "managed": q_open, "selfhost": q_open}
    return {"quality": q, "floor": floor, "meets": {k: meets_floor(x, floor) for k, x in q.items()}}


# ------------------------------------------------------------------------------------------------ plans


@dataclass(frozen=True)
class _Routed:
    """The routed split found at the scenario's values: its shares, kept fixed when the values move."""

    shares: dict[str, float]      # option key -> share of requests
    premium_share: float
    min_premium_share: float      # what the open destinations' capacity leaves to the closed API
    router_usd_per_request: float
    router_hours_per_month: float


def _routed_split(scenario) -> tuple[_Routed | None, Any]:
    """The routed split of `econ.routed_plan` (the cheapest split meeting the floor over the permitted options, or
    the split a router tuned to the floor makes when the cheapest plan is the closed API alone), if it uses two or
    more options."""
    from ._routing import routed_plan, routing_from_scenario

    try:
        r = routing_from_scenario(scenario)
        plan = routed_plan(r)
    except ValueError:
        return None, None
    if plan is None:
        return None, None
    shares = {_DEST_KEYS[n]: s for n, s in plan.shares.items() if s > 1e-12}
    if len(shares) < 2:
        return None, plan
    v = scenario.values
    d = r.destinations.set_index("destination")
    open_cap = sum(float(d.loc[n, "max_share"]) for n in plan.shares if _DEST_KEYS[n] in shares and n not in plan.premium)
    return _Routed(shares, float(plan.premium_share), max(0.0, 1.0 - open_cap),
                   float(v["routing.router_usd_per_request"]), float(v["routing.router_hours_per_month"])), plan


def plan_costs(values: Mapping[str, Any], routed: _Routed | None = None) -> dict[str, dict[str, np.ndarray]]:
    """Monthly cost and quality of every option and of the routed split, vectorized.

    Parameters
    ----------
    values : mapping
        ``Scenario.values``; any number may be an array.
    routed : optional
        The routed split of `decide` (its shares are held while the values move).

    Returns
    -------
    dict
        ``{key: {"monthly_usd", "quality", "eligible", ...}}``: the three options (with every field of
        `econ.option_costs`) and ``routed`` when given.

    Notes
    -----
    A routed split keeps its destinations and its router, and sets the router's threshold where quality meets the
    floor: the premium share is the smallest that reaches it at the router's AUC and the classes' qualities
    (`econ.call_performance_threshold`'s rule), the open destinations sharing the rest in the proportions found at
    the scenario's values. It pays each destination's marginal cost per request on its share (tokens for
    per-token options; egress for the self-hosted fleet) plus the fixed costs of every destination it uses
    (engineering, evaluation, compliance; the whole self-hosted fleet, sized for the full workload's peak), plus the
    router: ``routing.router_usd_per_request`` on every request and ``routing.router_hours_per_month`` of
    engineering. Where the floor is out of the router's reach, the split is not eligible.
    """
    costs = option_costs(values)
    q = quality_inputs(values)
    out = {}
    for k in OPTIONS:
        c = dict(costs[k])
        c["quality"] = q["quality"][k]
        c["eligible"] = np.asarray(values[f"{k}.permitted"], bool) & q["meets"][k]
        out[k] = c
    if routed is not None:
        out[ROUTED] = _routed_costs(values, routed, costs, q["floor"])
    return out


def _routed_costs(values, routed: _Routed, costs, floor) -> dict[str, np.ndarray]:
    """The routed split's cost and quality with its router re-tuned to the floor (see `plan_costs`)."""
    from ._routing import _FLOOR_TOL, _strong_share_needed, dprime_from_auc

    a = lambda k: np.asarray(values[f"routing.{k}"], float)  # noqa: E731
    requests = costs["api"]["requests_per_month"]
    open_keys = [k for k in routed.shares if k != "api"]
    open_total = sum(routed.shares[k] for k in open_keys)
    if "api" in routed.shares and open_keys:  # two quality levels: the threshold is set where quality meets the floor
        s = _strong_share_needed(floor - _FLOOR_TOL, a("hard_share"), dprime_from_auc(a("router_auc")),
                                 a("open_quality_easy"), a("open_quality_hard"), a("premium_quality_easy"),
                                 a("premium_quality_hard"))
        reachable = np.isfinite(s)
        s = np.where(reachable, np.maximum(s, routed.min_premium_share), 1.0)
        shares = {"api": s, **{k: (1 - s) * routed.shares[k] / open_total for k in open_keys}}
        quality = np.where(reachable, floor, np.nan)  # the share is the smallest that reaches the floor
        if routed.min_premium_share > 0:  # more premium than the floor needs, for capacity: quality above it
            from ._routing import routed_quality

            quality = routed_quality(np.clip(s, 0, 1), a("hard_share"), a("router_auc"), a("open_quality_easy"),
                                     a("open_quality_hard"), a("premium_quality_easy"), a("premium_quality_hard"))
    else:  # one quality level split for capacity: the shares hold
        reachable = True
        shares = dict(routed.shares)
        quality = quality_inputs(values)["quality"][open_keys[0] if open_keys else "api"]
    total, parts = 0.0, {}
    for k, share in shares.items():
        c = costs[k]
        marginal = (c["tokens_usd"] if k != "selfhost" else
                    c["egress_storage_usd"] - np.asarray(values["selfhost.storage_usd_per_month"], float))
        parts[k] = share * marginal + (c["monthly_usd"] - marginal)
        total = total + parts[k]
    labour = np.asarray(values["engineering.loaded_usd_per_hour"], float)
    router = requests * np.asarray(values["routing.router_usd_per_request"], float) + labour * np.asarray(
        values["routing.router_hours_per_month"], float)
    permitted = np.logical_and.reduce([np.asarray(values[f"{k}.permitted"], bool) for k in routed.shares])
    return {"monthly_usd": total + router, "router_usd": router, "by_option_usd": parts, "shares": shares,
            "quality": quality, "eligible": permitted & reachable, "requests_per_month": requests,
            "tokens_per_month": costs["api"]["tokens_per_month"]}


def _cheapest_eligible(plans: Mapping[str, Mapping[str, np.ndarray]], keys: list[str]) -> np.ndarray:
    """Index into ``keys`` of the cheapest eligible plan, elementwise (-1 where none is eligible)."""
    cost = np.stack(np.broadcast_arrays(*[np.where(plans[k]["eligible"], plans[k]["monthly_usd"], np.inf) for k in keys]))
    best = np.argmin(cost, axis=0)
    return np.where(np.isfinite(np.min(cost, axis=0)), best, -1)


# ------------------------------------------------------------------------------------------------ breakevens


# ------------------------------------------------------------------------------------------------ flips


def _numeric_keys(scenario) -> list[str]:
    from ._params import COST_SECTIONS

    out = []
    for a in scenario.assumptions.values():
        if a.key.split(".")[0] not in (*COST_SECTIONS, "routing"):
            continue
        if isinstance(a.value, bool) or not isinstance(a.value, (int, float)):
            continue
        if a.key in _SHAPE_KEYS or a.key in CANDIDATE_KEYS:
            continue
        out.append(a.key)
    return out


_SHAPE_KEYS = {"selfhost.min_replicas", "selfhost.redundancy_replicas"}
"""Whole replica counts: not swept for flips (nor are the keys that decide the fleet candidates, `CANDIDATE_KEYS`)."""


def flip_points(scenario, routed: _Routed | None, recommended: str, keys: list[str] | None = None,
                span: float = 10.0, points: int = 241) -> list[dict]:
    """Where one assumption alone, the others held, flips the recommended plan [each in its own unit].

    Parameters
    ----------
    scenario : Scenario
    routed : the routed split of the decision (or None)
    recommended : str
        Key of the recommended plan.
    keys : list of str, optional
        Assumptions to try (default: every numeric assumption of the cost model and routing sections).
    span : float
        Each assumption is moved down to ``value / span`` and up to ``value × span`` (within what it allows).
    points : int
        Log-spaced grid each way; the first change of the recommended plan is refined with Brent's method on the
        cost gap between the recommended plan and the cheapest eligible other (``scipy.optimize.brentq``).

    Returns
    -------
    list of dict
        ``{"key", "label" (what the pages call it), "value", "flip_value", "direction" ("below"/"above"), "ratio"
        (flip / value), "new_recommended", "unit", "has_range"}``, nearest flip (smallest ``|log ratio|``) first.
    """
    from ._params import _INTERVAL

    v = scenario.values
    plan_keys = [k for k in (*OPTIONS, ROUTED) if k != ROUTED or routed is not None]
    rec = plan_keys.index(recommended)
    out = []
    for key in keys if keys is not None else _numeric_keys(scenario):
        a = scenario.assumptions[key]
        x0 = float(a.value)
        if x0 == 0 or not math.isfinite(x0):
            continue
        lo_allowed, hi_allowed = -np.inf, np.inf
        m = _INTERVAL.match(str(_allowed_of(key)))
        if m:
            lo_allowed, hi_allowed = float(m["lo"]), float(m["hi"])
        ends = (x0 / span, x0 * span)
        if key.startswith("routing."):  # qualities are bounded by one another: only within the stated range
            if a.dist is None:
                continue
            ends = (a.dist["low"], a.dist["high"])
        for direction, end in zip(("below", "above"), ends):
            end = float(np.clip(end, lo_allowed, hi_allowed))
            if end == x0 or (x0 < 0):
                continue
            grid = np.geomspace(x0, end, points) if end > 0 else np.linspace(x0, end, points)
            plans = plan_costs({**v, key: grid}, routed)
            best = np.broadcast_to(_cheapest_eligible(plans, plan_keys), grid.shape)
            changed = np.nonzero(best != rec)[0]
            if not changed.size:
                continue
            i = int(changed[0])
            if i == 0:
                continue
            new = plan_keys[best[i]] if best[i] >= 0 else ""

            def gap(x):
                p = plan_costs({**v, key: np.asarray([x])}, routed)
                others = [k for k in plan_keys if k != recommended]
                cost = lambda k: float(np.ravel(np.where(p[k]["eligible"], p[k]["monthly_usd"], np.inf))[0])  # noqa: E731
                rec_cost, other = cost(recommended), min(cost(k) for k in others)
                if not math.isfinite(rec_cost):
                    return 1.0
                if not math.isfinite(other):
                    return -1.0
                return rec_cost - other

            g0, g1 = gap(grid[i - 1]), gap(grid[i])
            if g0 < 0 < g1:
                flip = brentq(gap, grid[i - 1], grid[i], xtol=1e-12 * max(abs(x0), 1.0), rtol=1e-9)
            else:  # an eligibility change (a quality floor crossed) or a tie: the grid point is the flip
                flip = float(grid[i])
            out.append({"key": key, "label": a.label, "value": x0, "flip_value": float(flip), "direction": direction,
                        "ratio": float(flip / x0), "new_recommended": new, "unit": a.unit or "",
                        "has_range": a.dist is not None})
    out.sort(key=lambda f: (round(abs(math.log(f["ratio"])), 9) if f["ratio"] > 0 else math.inf, f["key"]))  # ties: by key
    return out


@lru_cache(maxsize=1)
def _defaults_allowed() -> dict[str, Any]:
    from ._params import _load_defaults

    flat, _ = _load_defaults()
    return {k: leaf.get("allowed") for k, leaf in flat.items()}


def _allowed_of(key: str):
    return _defaults_allowed().get(key, "")


# ------------------------------------------------------------------------------------------------ decide


def _confidence(scenario, routed, recommended: str, n: int, seed: int) -> float:
    from ._sensitivity import _expand, draw_assumptions

    draws = draw_assumptions(scenario, n, seed, sections=("routing",))
    if not draws:
        return 1.0
    values = _expand(scenario.values, draws)
    plans = plan_costs(values, routed)
    keys = [k for k in (*OPTIONS, ROUTED) if k != ROUTED or routed is not None]
    best = _cheapest_eligible(plans, keys)
    return float(np.mean(best == keys.index(recommended)))


def _price_basis(v) -> str:
    if v["selfhost.gpu_cost_mode"] == "buy":
        return (f"bought, straight-line over {v['selfhost.amortization_years']:g} years to a "
                f"{float(v['horizon.resale_share']):.0%} resale value, with power and hosting")
    d = float(v["selfhost.commitment_discount"])
    return "rented on demand" if d == 0 else f"rented with a commitment, {d:.0%} off on-demand"


def _fleet(scenario, costs) -> Fleet:
    from ._catalog import gpu_spec
    from ._fleet import fleet_candidates, size_fleet

    v = scenario.values
    cand = fleet_candidates(v)
    f = size_fleet(v, cand)
    i = int(f["candidate"])
    sh = costs["selfhost"]
    gpu_usd = float(sh["gpu_usd"] + sh["power_usd"] + sh["hosting_usd"])
    rows = []
    for c in range(len(cand)):  # every candidate's own fleet at the scenario's peak
        one = size_fleet(v, _only(cand, c))
        rows.append({"gpu": cand.gpu[c], "tensor_parallel": int(cand.tensor_parallel[c]),
                     "replica_output_tokens_per_s": float(one["replica_output_tokens_per_s"]),
                     "replicas": int(one["replicas"]), "gpus": int(one["gpus"]),
                     "fleet_usd_per_month": float(one["gpu_usd"] + one["power_usd"] + one["hosting_usd"]),
                     "chosen": c == i})
    return Fleet(
        gpu=cand.gpu[i], gpu_name=gpu_spec(cand.gpu[i])["name"], tensor_parallel=int(cand.tensor_parallel[i]),
        serving_replicas=int(f["serving_replicas"]), spare_replicas=int(f["spare_replicas"]),
        replicas=int(f["replicas"]), gpus=int(f["gpus"]),
        replica_output_tokens_per_s=float(f["replica_output_tokens_per_s"]),
        peak_requests_per_s=float(f["peak_requests_per_s"]), utilization=float(f["utilization"]),
        usd_per_gpu_hour=float(f["usd_per_gpu_hour"]), fleet_usd_per_month=gpu_usd,
        gpu_only_usd_per_mtok=gpu_usd / float(sh["tokens_per_month"] / 1e6),
        price_basis=_price_basis(v), throughput_note=cand.note, candidates=rows,
        refused=[{"gpu": g, "tensor_parallel": int(tp), "reason": r} for g, tp, r in cand.refused],
    )


def _only(cand, c: int):
    from dataclasses import replace

    pick = lambda a: a[c:c + 1]  # noqa: E731
    return replace(cand, gpu=cand.gpu[c:c + 1], tensor_parallel=pick(cand.tensor_parallel),
                   goodput_output_tokens_per_s=pick(cand.goodput_output_tokens_per_s),
                   rent_usd_per_gpu_hour=pick(cand.rent_usd_per_gpu_hour),
                   purchase_usd_per_gpu=pick(cand.purchase_usd_per_gpu), server_w_per_gpu=pick(cand.server_w_per_gpu),
                   tdp_w=pick(cand.tdp_w))


def horizon_of(v) -> dict:
    """The cash-flow horizon of a scenario's values: ``months``, ``discount_rate_per_year``, ``life_months`` (the
    GPUs' depreciation life) and ``resale_share``."""
    return {"months": int(v["horizon.months"]), "discount_rate_per_year": float(v["horizon.discount_rate_per_year"]),
            "life_months": 12.0 * float(v["selfhost.amortization_years"]), "resale_share": float(v["horizon.resale_share"])}


def plan_results(v, routed) -> tuple[dict[str, PlanResult], list[PlanResult], dict]:
    """Every plan priced at the values ``v`` (`plan_costs`, the routed split ``routed`` included when given) as a
    `PlanResult`, the eligible ones cheapest first, and the quality inputs (`quality_inputs`: the floor)."""
    plans = plan_costs(v, routed)
    q = quality_inputs(v)
    floor, horizon = float(q["floor"]), horizon_of(v)
    results = {k: _plan_result(k, plans, v, floor, horizon) for k in plans}
    return results, sorted((r for r in results.values() if r.eligible), key=lambda r: r.monthly_usd), q


def _plan_result(key, plans, v, floor, horizon) -> PlanResult:
    p = plans[key]
    monthly = float(p["monthly_usd"])
    tokens = float(p["tokens_per_month"])
    requests = float(p["requests_per_month"])
    quality = float(p["quality"])
    if key == ROUTED:
        components = {f"{k}_usd": float(x) for k, x in p["by_option_usd"].items()} | {"router_usd": float(p["router_usd"])}
        permitted = True
        capex = float(plans["selfhost"]["capex_usd"]) if "selfhost" in p["by_option_usd"] else 0.0
        depreciation = float(plans["selfhost"]["gpu_usd"]) if "selfhost" in p["by_option_usd"] and v["selfhost.gpu_cost_mode"] == "buy" else 0.0
    else:
        components = {c: float(p[c]) for c in COMPONENTS}
        permitted = bool(v[f"{key}.permitted"])
        capex = float(p.get("capex_usd", 0.0))
        depreciation = float(p["gpu_usd"]) if key == "selfhost" and v["selfhost.gpu_cost_mode"] == "buy" else 0.0
    from ._routing import meets_floor

    meets = bool(meets_floor(quality, floor))
    why = "" if permitted else f"not permitted by the scenario ({key}.permitted: false)"
    if permitted and not meets:
        why = f"quality {quality:.1%} below the floor {floor:.1%}"
    shares = {k: float(x) for k, x in p["shares"].items()} if key == ROUTED else None
    pv = float(present_cost_usd(capex, monthly - depreciation, horizon["months"], horizon["discount_rate_per_year"],
                                horizon["life_months"], horizon["resale_share"]))
    return PlanResult(key=key, name=PLAN_NAMES[key], permitted=permitted, quality=quality, meets_floor=meets,
                      eligible=permitted and meets, monthly_usd=monthly, usd_per_mtok=monthly / (tokens / 1e6),
                      usd_per_request=monthly / requests, components=components, capex_usd=capex,
                      opex_usd_per_month=monthly - depreciation, pv_usd=pv, shares=shares, why_not=why)


def decide(scenario, draws: int = DECISION_DRAWS, seed: int = DECISION_SEED) -> Decision:
    """Run the pipeline for a scenario: fleet, the cost and quality of every plan, and the decision.

    Parameters
    ----------
    scenario : Scenario
        From `econ.load_scenario`.
    draws, seed : int
        Monte Carlo draws and seed behind the confidence.

    Returns
    -------
    Decision

    Raises
    ------
    ValueError
        No option or plan is eligible (none permitted, or none meets the quality floor).

    Notes
    -----
    Eligible plans are the permitted options that meet the quality floor (`quality_inputs`) and the routed split
    (`econ.optimal_split` over the permitted options, when it uses two or more). The recommended plan is the
    cheapest eligible one; the runner-up the next. The confidence is the share of Monte Carlo draws of every
    assumption with a range (cost model and routing sections) in which the recommended plan is eligible and
    cheapest among the eligible, its routed shares held. Flip points: `flip_points` over every numeric assumption;
    an assumption without a range that flips the decision within a factor of two of its value is a warning.

    Examples
    --------
    >>> from econ import load_scenario, PARAMS_DIR
    >>> d = decide(load_scenario(PARAMS_DIR / "enterprise_steady.yaml"), draws=2_000)
    >>> d.recommended, d.fleet.gpus, d.quality_basis
    ('routed', 4, 'floor')
    """
    v = scenario.values
    routed, _ = _routed_split(scenario)
    results, eligible, q = plan_results(v, routed)
    floor = float(q["floor"])
    every_meets = all(bool(q["meets"][k]) for k in OPTIONS if v[f"{k}.permitted"])
    quality_basis = "cost only" if every_meets else "floor"
    horizon = horizon_of(v)
    if not eligible:
        why = "; ".join(f"{r.name}: {r.why_not}" for r in results.values())
        raise ValueError(f"{scenario.path}: no option or plan is eligible ({why})")
    recommended = eligible[0].key
    runner_up = eligible[1].key if len(eligible) > 1 else ""
    savings = eligible[1].monthly_usd - eligible[0].monthly_usd if runner_up else float("nan")
    permitted = [k for k in OPTIONS if v[f"{k}.permitted"]]
    breakevens = [{"a": a, "b": b, "intervals": cheaper_intervals(scenario, a, b)}
                  for i, a in enumerate(permitted) for b in permitted[i + 1:]]
    flips = flip_points(scenario, routed, recommended)
    from ._views import value_with_unit

    costs = option_costs(v)
    requests_per_day = float(v["workload.requests_per_day"])
    return Decision(
        scenario=scenario.name,
        title=scenario.title,
        workload={"requests_per_day": requests_per_day,
                  "tokens_per_day": requests_per_day * _tokens_per_request(v),
                  "input_tokens_per_request": float(v["workload.input_tokens_per_request"]),
                  "output_tokens_per_request": float(v["workload.output_tokens_per_request"]),
                  "peak_to_mean": float(v["workload.peak_to_mean"]),
                  "requests_per_month": requests_per_day * DAYS_PER_MONTH},
        fleet=_fleet(scenario, costs),
        options=results,
        quality_basis=quality_basis,
        quality_floor=floor,
        recommended=recommended,
        runner_up=runner_up,
        savings_usd_per_month=float(savings),
        confidence=_confidence(scenario, routed, recommended, draws, seed),
        draws=int(draws),
        seed=int(seed),
        horizon=horizon,
        breakevens=breakevens,
        flips=flips,
        warnings=[f"{f['label']} ('{f['key']}') = {value_with_unit(f['value'], f['unit'])} has no range, yet the "
                  f"decision flips {'below' if f['direction'] == 'below' else 'above'} "
                  f"{value_with_unit(f['flip_value'], f['unit'])} (× {f['ratio']:.2f})" for f in unranged_flips(flips)],
    )


def decision(scenario, decision_file: str | Path | None = None) -> Decision:
    """The scenario's decision: read from ``decision_file`` (the report's ``decision.json``) when given, else
    computed by `decide`. A file written for another scenario is refused.

    Notebooks call this once, in the cell after the parameters; the report passes the file it wrote, so that every
    page shows the numbers of one computation.
    """
    if decision_file:
        d = load_decision(decision_file)
        if d.scenario != scenario.name:
            raise ValueError(f"{decision_file} holds the decision of scenario {d.scenario!r}, not {scenario.name!r}")
        return d
    return decide(scenario)
