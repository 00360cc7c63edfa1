"""Tests of econ/_routing.py: known answers (closed forms worked by hand), a brute-force check of the optimizer,
the scenario bridge against econ.compare, and hypothesis properties."""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import econ
from econ._routing import (
    MANAGED,
    OVERFLOW_COMPONENTS,
    PREMIUM,
    SELFHOST,
    call_performance_threshold,
    cost_by_split,
    daily_profile,
    hybrid_claims_grid,
    optimal_split,
    overflow_costs,
    overflow_summary,
    routed_plan,
    routed_quality,
    routed_split,
    routing_destinations,
    routing_findings,
    routing_from_scenario,
    split_matches_decision,
    split_monthly_usd,
    split_quality,
)

# open model 95 % / 40 %, premium 97 % / 90 %: Q_open(h) = 0.95 - 0.55 h, Q_premium(h) = 0.97 - 0.07 h
Q = (0.95, 0.40, 0.97, 0.90)


def three():
    return routing_destinations(["self-hosted", "managed", "premium"], [0.0001, 0.001, 0.01], [0.95, 0.95, 0.97],
                                [0.40, 0.40, 0.90], [3_000, 200, 100], [0.7, 1, 1])


# ------------------------------------------------------------------------------------------ known answers


@pytest.mark.parametrize("k", range(3))
def test_all_traffic_on_one_destination_costs_exactly_that_destination(k):
    d = three().assign(max_share=1.0)
    shares = np.eye(3)[k]
    # by hand: R c_k + F_k, and no router (one destination, nothing to score)
    expected = [1e6 * 0.0001 + 3_000, 1e6 * 0.001 + 200, 1e6 * 0.01 + 100][k]
    assert float(split_monthly_usd(d, shares, 1e6, router_usd_per_request=0.5)) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("path", econ.scenario_files(), ids=lambda p: p.stem)
def test_scenario_destination_at_100_percent_costs_what_compare_says(path):
    sc = econ.load_scenario(path)
    r = routing_from_scenario(sc)
    table = econ.compare(sc).set_index("option")
    names = {SELFHOST: "self-hosted", MANAGED: "managed open endpoint", PREMIUM: "closed API"}
    for name in r.destinations["destination"]:
        cost = float(split_monthly_usd(r.destinations, {name: 1.0}, r.requests_per_month, r.router_usd_per_request))
        assert cost == pytest.approx(table.loc[names[name], "monthly_usd"], rel=1e-9)


@pytest.mark.parametrize("path", econ.scenario_files(), ids=lambda p: p.stem)
def test_notebook_05_plan_is_the_decisions_routed_split(path):
    sc = econ.load_scenario(path)
    d = econ.decide(sc, draws=200)
    r = routing_from_scenario(sc)
    plan = routed_plan(r)  # notebook 05's `plan`
    routed = d.options.get("routed")
    option = {SELFHOST: "selfhost", MANAGED: "managed", PREMIUM: "api"}
    shares = {option[k]: x for k, x in plan.shares.items() if x > 1e-12}
    if routed is None:
        assert len(shares) == 1 and d.recommended == next(iter(shares))
    else:
        assert set(shares) == set(routed.shares)
        assert all(shares[k] == pytest.approx(routed.shares[k], abs=1e-12) for k in shares)
        assert plan.monthly_usd == pytest.approx(routed.monthly_usd, rel=1e-12)
        assert plan.kind == ("cheapest" if d.recommended == "routed" else "tuned")
    assert split_matches_decision(plan, d)
    # the findings name the decision's recommended plan first
    hybrid = routed_split(**r.split_args, only=r.selfhost_hybrid)
    flow = overflow_costs(**r.overflow_args, routed_share=hybrid.shares.get(SELFHOST, 0.0))
    first = routing_findings(r, plan, hybrid, flow, hybrid_claims_grid(**r.claims_args, hard_share=[0.2],
                                                                       router_auc=[0.75]), d).splitlines()[0]
    fleet = " fleet" if d.recommended == "selfhost" else ""  # "the self-hosted fleet", a noun
    assert f'recommends the **<span class="econ-fact" data-fact="recommended">{d.recommended_plan.name}</span>{fleet}**' in first
    # the overflow analysis uses the decision's fleet: its serving replicas at full load
    capacity = d.fleet.serving_replicas * d.fleet.replica_output_tokens_per_s / d.workload["output_tokens_per_request"]
    assert r.overflow_args["capacity_requests_per_step"] == pytest.approx(capacity * 3600, rel=1e-12)
    assert r.quality_floor == pytest.approx(d.quality_floor, rel=1e-15)


def test_a_split_that_is_not_the_decisions_is_said_so():
    sc = econ.load_scenario(econ.PARAMS_DIR / "enterprise_steady.yaml")
    d = econ.decide(sc, draws=200)
    r = routing_from_scenario(sc)
    other = routed_split(**r.split_args, only=r.selfhost_hybrid)
    assert not split_matches_decision(other, d)
    flow = overflow_costs(**r.overflow_args)
    text = routing_findings(r, other, other, flow, hybrid_claims_grid(**r.claims_args, hard_share=[0.2],
                                                                      router_auc=[0.75]), d)
    assert "is not the decision's" in text.splitlines()[0]


@pytest.mark.parametrize("h", [0.0, 0.1, 0.35, 1.0])
def test_random_router_buys_quality_linearly(h):
    s = np.linspace(0, 1, 11)
    q_open, q_prem = (1 - h) * Q[0] + h * Q[1], (1 - h) * Q[2] + h * Q[3]
    assert routed_quality(s, h, 0.5, *Q) == pytest.approx(q_open + s * (q_prem - q_open), abs=1e-12)


def test_perfect_router_reaches_the_floor_at_the_hard_share():
    # equal easy quality: a perfect router sends hard requests first, so at s = h every hard request is on premium
    # and quality is Q_premium = 0.95 (1-h) + 0.9 h; below h it is Q_open + s (0.9 - 0.4), Q_open = 0.76 + 0.08.
    h = 0.2
    q_prem = 0.8 * 0.95 + 0.2 * 0.90
    assert float(routed_quality(h, h, 1.0, 0.95, 0.40, 0.95, 0.90)) == pytest.approx(q_prem, abs=1e-12)
    assert float(routed_quality(0.1, h, 1.0, 0.95, 0.40, 0.95, 0.90)) == pytest.approx(0.84 + 0.1 * 0.5, abs=1e-12)
    assert float(call_performance_threshold(1.0, h, 1.0, 0.95, 0.40, 0.95, 0.90)) == pytest.approx(h, abs=1e-9)
    d = routing_destinations(["open", "premium"], [0.001, 0.01], [0.95, 0.95], [0.40, 0.90])
    plan = optimal_split(d, h, 1.0, q_prem, 1e6)
    assert plan.premium_share == pytest.approx(h, abs=1e-9)
    assert plan.monthly_usd == pytest.approx(1e6 * (0.8 * 0.001 + 0.2 * 0.01), rel=1e-9)


def test_binormal_router_at_one_standard_deviation():
    # AUC = Φ(1/√2) = 0.760250 is d' = 1; FPR 0.5 gives TPR = Φ(1) = 0.841345; with h = 0.5 that is
    # s = (0.5 + 0.841345) / 2 = 0.6706725, and quality 0.5 (0.95 + 0.5 × 0.02) + 0.5 (0.4 + 0.841345 × 0.5).
    s = (0.5 + 0.8413447460685429) / 2
    q = 0.5 * (0.95 + 0.5 * 0.02) + 0.5 * (0.40 + 0.8413447460685429 * 0.50)
    assert float(routed_quality(s, 0.5, 0.7602499389065233, *Q)) == pytest.approx(q, abs=1e-9)


def test_optimal_split_matches_a_brute_force_grid():
    d = three()
    h, auc, r, router = 0.25, 0.8, 2e6, 0.0002
    q_open, q_prem = 0.75 * 0.95 + 0.25 * 0.40, 0.75 * 0.97 + 0.25 * 0.90
    floor = q_open + 0.7 * (q_prem - q_open)
    plan = optimal_split(d, h, auc, floor, r, router)
    step = 0.0025
    grid = np.array([(a, b, 1 - a - b) for a, b in itertools.product(np.arange(0, 1 + step / 2, step), repeat=2)
                     if a + b <= 1 + 1e-12 and a <= 0.7 + 1e-12])
    grid = np.clip(grid, 0, 1)
    ok = split_quality(d, grid, h, auc) >= floor
    brute = split_monthly_usd(d, grid[ok], r, router).min()
    # the grid can only be as good as its step: the optimum lies at most one step of premium share below it
    assert plan.quality >= floor - 1e-7
    assert plan.monthly_usd <= brute + 1e-6
    assert plan.monthly_usd >= brute - step * r * (0.01 - 0.0001) - 1e-6


def test_three_quality_levels_use_slsqp_and_match_brute_force():
    d = routing_destinations(["small", "mid", "large"], [0.0005, 0.003, 0.01], [0.90, 0.94, 0.97], [0.30, 0.60, 0.90])
    h, auc, r = 0.3, 0.85, 1e6
    floor = 0.86
    plan = optimal_split(d, h, auc, floor, r)
    step = 0.005
    grid = np.array([(a, b, 1 - a - b) for a, b in itertools.product(np.arange(0, 1 + step / 2, step), repeat=2)
                     if a + b <= 1 + 1e-12])
    grid = np.clip(grid, 0, 1)
    ok = split_quality(d, grid, h, auc) >= floor
    brute = split_monthly_usd(d, grid[ok], r).min()
    assert plan.quality >= floor - 1e-6
    assert plan.monthly_usd <= brute + 1e-6
    assert plan.monthly_usd >= brute - step * r * 0.01


def test_capacity_limit_sends_the_rest_to_the_managed_endpoint():
    d = three()  # self-hosted takes at most 70 %
    plan = optimal_split(d, 0.2, 0.8, 0.0, 1e6)
    # no floor: all open; 70 % self-hosted (0.0001) + 30 % managed (0.001): 3,000 + 70 + 200 + 300 = 3,570,
    # against managed alone 200 + 1,000 = 1,200, which wins
    assert plan.shares == pytest.approx({"self-hosted": 0.0, "managed": 1.0, "premium": 0.0})
    assert plan.monthly_usd == pytest.approx(1_200.0)
    d2 = d.assign(fixed_usd_per_month=[0.0, 200, 100])
    plan2 = optimal_split(d2, 0.2, 0.8, 0.0, 1e6)
    assert plan2.shares["self-hosted"] == pytest.approx(0.7)
    assert plan2.monthly_usd == pytest.approx(70 + 200 + 300)


def test_routed_split_keeps_the_fleet_when_optimal_split_drops_it():
    d = routing_destinations(["fleet", "premium"], [0.0, 0.01], [0.95, 0.95], [0.40, 0.90], [20_000, 0])
    h = 0.2
    floor = 0.84 + 0.8 * 0.1  # Q_open 0.84, Q_premium 0.94; 80 % of the gap; a perfect router needs 0.8 h = 16 % on premium
    assert optimal_split(d, h, 1.0, floor, 1e6).premium_share == pytest.approx(1.0)
    p = routed_split(d, h, 1.0, floor, 1e6)
    assert p.premium_share == pytest.approx(0.16, abs=1e-9)
    assert p.monthly_usd == pytest.approx(20_000 + 0.16 * 1e4, rel=1e-9)
    assert p.savings_vs_premium == pytest.approx(1 - 21_600 / 10_000)


def test_overflow_on_a_square_wave():
    # 12 hours at 300 requests/h and 12 at 100, capacity 200/h: overflow 100 × 12 = 1,200 of 4,800 requests.
    # 5 % of the 3,600 served fail and are re-sent: 180. Cost per day: 3,420 × 0.001 + 180 × (0.001 + 0.02)
    # + 1,200 × 0.02 = 3.42 + 3.78 + 24 = 31.2 USD, plus the fleet 730 USD/month = 24 USD/day.
    demand = np.r_[np.full(12, 300.0), np.full(12, 100.0)]
    f = overflow_costs(demand, 200, 0.001, 0.02, failure_rate=0.05, fallback_extra_latency_s=8,
                       selfhost_fixed_usd_per_month=730.0)
    s = overflow_summary(f)
    assert s["overflow_share"] == pytest.approx(0.25)
    assert s["failed_share"] == pytest.approx(180 / 4800)
    assert s["usd_per_profile"] == pytest.approx(31.2 + 24.0)
    assert s["monthly_usd"] == pytest.approx((31.2 + 24.0) * 730 / 24)
    assert s["mean_added_latency_s"] == pytest.approx(180 * 8 / 4800)
    per_step = f.groupby("step")["requests"].sum().to_numpy()
    assert per_step == pytest.approx(demand)  # components add up to the demand
    assert set(f["component"]) == set(OVERFLOW_COMPONENTS)


def test_daily_profile_is_calibrated():
    for ratio in (1.0, 1.52, 1.9, 4.18):
        p = daily_profile(10_000, ratio)
        assert p.sum() == pytest.approx(10_000)
        assert p.max() / p.mean() == pytest.approx(ratio, rel=1e-9)
    with pytest.raises(ValueError, match="peak_to_mean"):
        daily_profile(10_000, 30.0)


def test_regulated_scenario_excludes_the_api_and_still_plans():
    r = routing_from_scenario(econ.load_scenario(econ.PARAMS_DIR / "regulated_on_prem.yaml"))
    assert PREMIUM not in set(r.destinations["destination"]) and PREMIUM in r.excluded
    plan = optimal_split(**r.split_args)
    assert plan.premium == [] and plan.shares[SELFHOST] == pytest.approx(1.0)
    assert hybrid_claims_grid(**r.claims_args, hard_share=[0.2], router_auc=[0.8]).empty
    assert r.overflow_to == MANAGED


def test_bad_input_names_the_argument():
    with pytest.raises(ValueError, match="router_auc"):
        routed_quality(0.2, 0.2, 0.3, *Q)
    with pytest.raises(ValueError, match="premium"):
        routed_quality(0.2, 0.2, 0.8, 0.95, 0.9, 0.97, 0.4)
    with pytest.raises(ValueError, match="only"):
        optimal_split(three(), 0.2, 0.8, 0.9, 1e6, only=["premum"])
    with pytest.raises(ValueError, match="out of reach"):
        optimal_split(three(), 0.2, 0.8, 0.99, 1e6)


# ------------------------------------------------------------------------------------------ properties

unit = st.floats(0.0, 1.0)
auc = st.floats(0.5, 1.0)


@settings(max_examples=60, deadline=None)
@given(h=unit, a=auc, s1=unit, s2=unit, qe=st.floats(0.5, 1.0), de=st.floats(0, 0.1), qh=st.floats(0, 0.5),
       extra=st.floats(0, 0.4))
def test_quality_non_decreasing_in_premium_share(h, a, s1, s2, qe, de, qh, extra):
    qe_p = min(qe + de, 1.0)
    qh_p = min(qh + (qe_p - qe) + extra, 1.0)
    lo, hi = sorted((s1, s2))
    q_lo, q_hi = (float(routed_quality(s, h, a, qe, qh, qe_p, qh_p)) for s in (lo, hi))
    assert q_hi >= q_lo - 1e-9
    q_open, q_prem = (1 - h) * qe + h * qh, (1 - h) * qe_p + h * qh_p
    assert q_open - 1e-9 <= q_lo <= q_prem + 1e-9


@settings(max_examples=60, deadline=None)
@given(h=unit, a1=auc, a2=auc, s=unit)
def test_a_better_router_never_does_worse(h, a1, a2, s):
    lo, hi = sorted((a1, a2))
    assert float(routed_quality(s, h, hi, *Q)) >= float(routed_quality(s, h, lo, *Q)) - 1e-9


@settings(max_examples=40, deadline=None)
@given(h=st.floats(0.01, 0.99), a=auc, x=unit)
def test_cpt_is_the_smallest_share_meeting_the_target(h, a, x):
    s = float(call_performance_threshold(x, h, a, *Q))
    q_open, q_prem = (1 - h) * Q[0] + h * Q[1], (1 - h) * Q[2] + h * Q[3]
    target = q_open + x * (q_prem - q_open)
    assert float(routed_quality(s, h, a, *Q)) >= target - 1e-7
    if s > 1e-6:
        assert float(routed_quality(max(s - 1e-4, 0.0), h, a, *Q)) < target + 1e-9
    assert s <= x + 1e-7  # never worse than a random router


@settings(max_examples=25, deadline=None)
@given(h=st.floats(0.05, 0.6), a=auc, x=st.floats(0.0, 0.95), c_open=st.floats(1e-4, 5e-3),
       fixed=st.floats(0, 5_000), cap=st.floats(0.3, 1.0))
def test_optimum_meets_the_floor_and_beats_every_split_on_the_cost_chart(h, a, x, c_open, fixed, cap):
    d = routing_destinations(["fleet", "managed", "premium"], [0.0, c_open, 0.01], [0.95, 0.95, 0.97],
                             [0.40, 0.40, 0.90], [fixed, 100, 100], [cap, 1, 1])
    q_open, q_prem = (1 - h) * 0.95 + h * 0.40, (1 - h) * 0.97 + h * 0.90
    floor = q_open + x * (q_prem - q_open)
    plan = optimal_split(d, h, a, floor, 1e6, 1e-5)
    assert plan.quality >= floor - 1e-7
    assert plan.monthly_usd <= plan.all_premium_usd + 1e-6
    chart = cost_by_split(d, h, a, floor, 1e6, 1e-5, points=41)
    feasible = chart[chart["meets_floor"]].groupby("premium_share")["total_monthly_usd"].first()
    assert plan.monthly_usd <= feasible.min() + 1e-6


def test_optimizer_and_cost_chart_apply_one_floor_rule():
    """The case hypothesis found (issue 14): a floor 1e-7 of the way from all-open to all-premium. All-open misses
    it by 6e-8, so both the optimizer and the cost chart must buy premium traffic: the optimizer its 5e-8 with the
    premium's $100 fixed cost, and the chart must not count the all-open split ($0) as meeting the floor."""
    h, a, x, c_open, fixed, cap = 0.5, 1.0, 1e-07, 0.00390625, 0.0, 1.0
    d = routing_destinations(["fleet", "managed", "premium"], [0.0, c_open, 0.01], [0.95, 0.95, 0.97],
                             [0.40, 0.40, 0.90], [fixed, 100, 100], [cap, 1, 1])
    q_open, q_prem = (1 - h) * 0.95 + h * 0.40, (1 - h) * 0.97 + h * 0.90
    floor = q_open + x * (q_prem - q_open)
    plan = optimal_split(d, h, a, floor, 1e6, 1e-5)
    chart = cost_by_split(d, h, a, floor, 1e6, 1e-5, points=41)
    at_zero = chart[chart["premium_share"] == 0.0]
    assert not at_zero["meets_floor"].any()
    assert plan.premium_share > 0
    feasible = chart[chart["meets_floor"]].groupby("premium_share")["total_monthly_usd"].first()
    assert plan.monthly_usd <= feasible.min() + 1e-6


def test_routing_page_names_the_closed_api_as_every_other_page_does():
    # Finance review: page 05 said "premium API" where the other pages say "closed API" (econ.OPTIONS).
    import econ

    sc = econ.load_scenario(econ.PARAMS_DIR / "enterprise_steady.yaml")
    r = econ.routing_from_scenario(sc)
    assert econ.OPTIONS["api"] in set(r.destinations["destination"])
    assert "premium API" not in str(econ.routing_summary(econ.routed_plan(r)))
