"""Fine-tuning versus prompt context (econ/_finetune.py): formulas pinned by hand, and properties."""

import math

import altair as alt
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import econ
from econ import _finetune as ft
from econ._costs import api_usage_usd_per_request

SCENARIOS = {p.stem: p for p in econ.scenario_files()}


@pytest.fixture(scope="module")
def enterprise():
    return econ.load_scenario(SCENARIOS["enterprise_steady"])


@pytest.fixture(scope="module")
def regulated():
    return econ.load_scenario(SCENARIOS["regulated_on_prem"])


# ------------------------------------------------------------------ per-request cost and claim 10


def test_claim10_per_request_savings_by_hand():
    # Claim 10 at 3 / 15 USD per million input / output tokens (Claude Sonnet 4.5 list price):
    # long:  5,000 × 3 / 1e6 + 200 × 15 / 1e6 = 0.0150 + 0.0030 = 0.0180 USD
    # short:   500 × 3 / 1e6 + 200 × 15 / 1e6 = 0.0015 + 0.0030 = 0.0045 USD
    # saving 0.0135 USD = 75 % (not 90 %: the 200-token answer is not shortened)
    long_usd = ft.prompt_usd_per_request(5000, 200, 3.0, 15.0)
    short_usd = ft.prompt_usd_per_request(500, 200, 3.0, 15.0)
    assert long_usd == pytest.approx(0.018, rel=1e-12)
    assert short_usd == pytest.approx(0.0045, rel=1e-12)
    c = ft.claim10_figures(3.0, 15.0, 0.3)
    assert c["saving_usd"] == pytest.approx(0.0135, rel=1e-12)
    assert c["saving_share"] == pytest.approx(0.75, rel=1e-12)
    assert c["input_cut_share"] == pytest.approx(0.9)
    assert c["token_cut_share"] == pytest.approx(1 - 700 / 5200)
    # cached instead: 500 × 3 + 4,500 × 0.30 + 200 × 15 = 1,500 + 1,350 + 3,000 = 5,850 micro-USD
    assert c["cached_usd"] == pytest.approx(0.00585, rel=1e-12)
    assert c["cached_saving_share"] == pytest.approx(1 - 5.85 / 18, rel=1e-12)


def test_claim10_throughput_ratio_by_hand():
    # GPU time per request ∝ r × prompt + answer, r = 0.574:
    # (0.574 × 5,000 + 200) / (0.574 × 500 + 200) = 3,070 / 487 = 6.3039...
    assert ft.claim10_figures()["throughput_ratio"] == pytest.approx(3070 / 487, rel=1e-12)


def test_cached_prompt_with_misses_and_batch_by_hand():
    # 4,500 cached tokens, half the requests hit (read 0.30), half write (3.75); 20 % batched at half price:
    # 500 × 3 + 2,250 × 0.30 + 2,250 × 3.75 + 200 × 15 = 1,500 + 675 + 8,437.5 + 3,000 = 13,612.5 micro-USD
    # × (1 - 0.2 + 0.2 × 0.5) = × 0.9 → 12,251.25 micro-USD
    got = ft.prompt_usd_per_request(5000, 200, 3.0, 15.0, 4500, 0.5, 0.3, 3.75, 0.2, 0.5)
    assert got == pytest.approx(0.01225125, rel=1e-12)


@given(p=st.floats(1, 1e5), frac=st.floats(0, 1), o=st.floats(0, 1e4), h=st.floats(0, 1), b=st.floats(0, 1))
def test_prompt_cost_agrees_with_the_cost_model(p, frac, o, h, b):
    ours = ft.prompt_usd_per_request(p, o, 3.0, 15.0, p * frac, h, 0.3, 3.75, b, 0.5)
    kit = api_usage_usd_per_request(p, o, 3.0, 15.0, 0.3, 3.75, frac, h, b, 0.5)
    assert ours == pytest.approx(kit, rel=1e-9, abs=1e-15)


def test_cached_tokens_beyond_the_prompt_are_rejected():
    with pytest.raises(ValueError, match="cached_tokens"):
        ft.prompt_usd_per_request(500, 200, 3.0, 15.0, cached_tokens=600)


def test_claim10_case_shows_the_arithmetic(regulated):
    text = ft.claim10_case()
    assert "5,000 × $3.00/M + 200 × $15.00/M = $0.0150 + $0.0030 = **$0.0180**" in text
    assert "**75%**" in text and "**6.3×**" in text
    assert "not permitted" in ft.claim10_case(regulated)


# ------------------------------------------------------------------ cache hit rate


def test_cache_hit_rate_limits_and_half_life():
    assert ft.poisson_cache_hit_rate(0.0, 300) == 0.0
    assert ft.poisson_cache_hit_rate(1e9, 300) == 1.0
    # λT = ln 2 → P(gap < T) = 1 - e^{-ln 2} = 1/2
    assert ft.poisson_cache_hit_rate(math.log(2) / 300, 300) == pytest.approx(0.5, rel=1e-12)
    # 4 variants split the traffic: the same as a quarter of the rate
    assert ft.poisson_cache_hit_rate(0.01, 300, 4) == pytest.approx(1 - math.exp(-0.75), rel=1e-12)


def test_cache_hit_rate_rejects_negative_rates():
    with pytest.raises(ValueError, match="requests_per_s"):
        ft.poisson_cache_hit_rate(-1.0, 300)


@given(a=st.floats(0, 10), b=st.floats(0, 10), ttl=st.floats(1, 3600))
def test_cache_hit_rate_rises_with_the_request_rate(a, b, ttl):
    lo, hi = sorted((a, b))
    assert 0 <= ft.poisson_cache_hit_rate(lo, ttl) <= ft.poisson_cache_hit_rate(hi, ttl) <= 1


def test_cache_hit_rate_matches_a_simulated_poisson_stream():
    # 20,000 Poisson arrivals at 1/200 s against a 300 s cache: hit when the gap to the previous one < 300 s
    gaps = np.random.default_rng(7).exponential(200.0, 20_000)
    assert np.mean(gaps < 300) == pytest.approx(1 - math.exp(-1.5), abs=0.01)


# ------------------------------------------------------------------ training and capacity


def test_training_bill_and_gpu_hours_by_hand():
    # (2,000,000 × 3 + 600,000) = 6.6 million billed tokens × 3.00 USD/M = 19.80 USD
    assert ft.training_usd(2e6, 3, 6e5, 3.0) == pytest.approx(19.8)
    # torchtune 70B LoRA, 8 × A100 at 3,497 tokens/s: 8 / (3,497 × 3,600 / 1e6) = 0.6355 GPU-h/M; × 6.6 M = 4.194
    assert ft.training_gpu_hours(2e6, 3, 6e5, 8 / (3497 * 3600 / 1e6)) == pytest.approx(6.6 * 8 / 12.5892, rel=1e-9)
    # one round: 19.80 + (80 + 16) h × 48 USD/h = 4,627.80
    assert ft.finetune_round_usd(19.8, 96, 48) == pytest.approx(4627.8)


def test_prefill_ratio_fitted_to_tensorrt_llm():
    # figures.md, Llama 3.1 8B FP8, one H100: 1000/1000 → 15,245 tok/s, 5000/500 → 3,559 tok/s.
    # seconds per request: 1000/15,245 = 0.065595, 500/3,559 = 0.140489; q = 2.14177
    # (5000 r + 500) = q (1000 r + 1000) → r = (1000 q - 500) / (5000 - 1000 q) = 0.5744
    q = (500 / 3559) / (1000 / 15245)
    r = ft.prefill_decode_cost_ratio(1000, 1000, 15245, 5000, 500, 3559)
    assert r == pytest.approx((1000 * q - 500) / (5000 - 1000 * q), rel=1e-12)
    assert r == pytest.approx(0.574, abs=5e-4)
    # same prompt, same answer: the throughput is unchanged
    assert ft.prefill_scaled_requests_per_s(15.245, 1000, 1000, 1000, r) == pytest.approx(15.245)


def test_prefill_scaling_reproduces_the_second_measurement():
    # a replica at 1000/1000 (15.245 req/s), moved to 5000/500 with the fitted r, serves 3,559 / 500 req/s;
    # the helper holds the answer length, so compare in GPU-seconds: (r·5000 + 500) / (r·1000 + 1000) = q
    r = float(ft.prefill_decode_cost_ratio(1000, 1000, 15245, 5000, 500, 3559))
    assert (r * 5000 + 500) / (r * 1000 + 1000) == pytest.approx((500 / 3559) / (1000 / 15245), rel=1e-9)


def test_shorter_prompt_shrinks_or_keeps_the_fleet(enterprise):
    v = enterprise.values
    arms = ft.finetune_arms(enterprise.replace({"workload.requests_per_day": np.array([6e4, 6e5, 6e6])}).values)
    assert np.all(arms["selfhost_ft"]["gpus"] <= arms["selfhost_long"]["gpus"])
    assert np.any(arms["selfhost_ft"]["gpus"] < arms["selfhost_long"]["gpus"])
    # each arm's fleet is the cost model's own at that prompt length (one home for the fleet)
    for arm, prompt in (("selfhost_ft", 500), ("selfhost_long", 5000)):
        c = econ.option_costs({**v, "workload.requests_per_day": np.array([6e4, 6e5, 6e6]),
                               "workload.input_tokens_per_request": prompt, "workload.cacheable_prefix_share": 0.0,
                               "workload.batchable_share": 0.0})["selfhost"]
        np.testing.assert_array_equal(arms[arm]["gpus"], c["gpus"])
        np.testing.assert_allclose(arms[arm]["replica_requests_per_s"], c["replica_requests_per_s"])
    assert np.all(arms["selfhost_ft"]["replica_requests_per_s"] > arms["selfhost_long"]["replica_requests_per_s"])


# ------------------------------------------------------------------ payback, cumulative cost, NPV


def test_payback_without_retraining_by_hand():
    # 7,220 USD upfront, saving 15,753 USD a month → 7,220 / 15,753 = 0.4583 months
    assert ft.payback_months(7220, 15753) == pytest.approx(7220 / 15753)
    assert ft.payback_months(0, 100) == 0.0
    assert ft.payback_months(100, 0) == math.inf
    assert ft.payback_months(100, -5) == math.inf


def test_payback_with_retraining_by_hand():
    # U = 10,000, Δ = 1,000 a month, R = 2,000 every 6 months.
    # months 0-6: gap 10,000 - 1,000 m > 4,000; months 6-12: 12,000 - 1,000 m reaches 0 only at m = 12, when
    # the second retraining lands (14,000 owed); months 12-18: 14,000 - 1,000 m = 0 at m = 14 → payback 14.
    assert ft.payback_months(10_000, 1_000, 2_000, 6) == pytest.approx(14.0)
    # formula: k = floor((U - NΔ) / (NΔ - R)) + 1 = floor(4,000 / 4,000) + 1 = 2; (U + 2R) / Δ = 14
    # retraining that eats a period's saving (R >= NΔ) with U >= NΔ: never
    assert ft.payback_months(10_000, 1_000, 6_000, 6) == math.inf
    # ... but a small U still pays back inside the first period
    assert ft.payback_months(3_000, 1_000, 6_000, 6) == pytest.approx(3.0)


@settings(max_examples=200)
@given(u=st.floats(0, 1e5), d=st.floats(1, 1e4), r=st.floats(0, 2e4), n=st.floats(1, 24))
def test_payback_is_the_first_crossing_of_the_cumulative_costs(u, d, r, n):
    # check against the cumulative costs themselves, on a fine grid plus the instants just before each
    # retraining (where the gap between the two cumulative costs is smallest)
    pb = float(ft.payback_months(u, d, r, n))
    grid = np.concatenate([np.linspace(0, 400, 4_001), np.arange(1, 400 // n + 1) * n - 1e-9])
    gap = ft.cumulative_cost_usd(grid, u, 0.0, r, n) - grid * d
    tol = 1e-9 * (u + r + d * 400)
    if np.isfinite(pb):
        at_pb = ft.cumulative_cost_usd(pb, u, 0.0, r, n) - pb * d
        assert float(at_pb) <= tol
        assert np.all(gap[grid < pb * (1 - 1e-9) - 1e-9] > -tol)
        if u > tol:
            assert np.all(gap[grid < pb * (1 - 1e-6) - 1e-6] > 0)
    else:  # never pays back: the gap never closes (up to rounding; it can touch zero in the limit R = NΔ)
        assert np.all(gap > -tol)


@given(u=st.floats(0, 1e5), d1=st.floats(-1e3, 1e4), d2=st.floats(-1e3, 1e4), r=st.floats(0, 1e4), n=st.floats(1, 24))
def test_a_larger_saving_never_lengthens_payback(u, d1, d2, r, n):
    lo, hi = sorted((d1, d2))
    assert ft.payback_months(u, hi, r, n) <= ft.payback_months(u, lo, r, n)


def test_npv_of_a_constant_stream_is_the_annuity():
    # 1,000 USD a month for 24 months at 10 % a year; monthly i = 1.1^(1/12) - 1 = 0.0079741
    i = 1.1 ** (1 / 12) - 1
    closed = 1000 * (1 - (1 + i) ** -24) / i
    explicit = sum(1000 / (1 + i) ** t for t in range(1, 25))
    assert closed == pytest.approx(explicit, rel=1e-12)
    assert ft.npv_usd(0, 1000, 24, 0.10) == pytest.approx(closed, rel=1e-12)
    assert ft.npv_usd(5000, 1000, 24, 0.10) == pytest.approx(closed - 5000, rel=1e-12)
    assert ft.npv_usd(5000, 1000, 24, 0.0) == pytest.approx(24 * 1000 - 5000)
    assert ft.annuity_factor(24, 0.01) == pytest.approx((1 - 1.01 ** -24) / 0.01, rel=1e-12)


def test_pv_cost_with_retraining_is_the_discounted_sum():
    # costs: 7,000 at 0; 20,000 at the end of months 1..24; 2,400 at months 6, 12, 18 (not 24: next horizon)
    i = 1.1 ** (1 / 12) - 1
    explicit = 7000 + sum(20_000 / (1 + i) ** t for t in range(1, 25)) + sum(2400 / (1 + i) ** t for t in (6, 12, 18))
    assert ft.pv_cost_usd(7000, 20_000, 24, 0.10, 2400, 6) == pytest.approx(explicit, rel=1e-12)
    # N = 5 over 24 months: retrainings at 5, 10, 15, 20
    explicit5 = sum(2400 / (1 + i) ** t for t in (5, 10, 15, 20))
    assert ft.pv_cost_usd(0, 0, 24, 0.10, 2400, 5) == pytest.approx(explicit5, rel=1e-12)
    assert ft.pv_cost_usd(0, 0, 24, 0.10, 2400, np.inf) == 0.0


@given(u=st.floats(0, 1e5), d=st.floats(-1e4, 1e4), h=st.floats(1, 60), a=st.floats(0, 0.5))
def test_npv_falls_with_the_discount_rate_for_positive_savings(u, d, h, a):
    if d > 0:
        assert ft.npv_usd(u, d, h, a + 0.1) <= ft.npv_usd(u, d, h, a) + 1e-6


# ------------------------------------------------------------------ scenario bridge


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_every_scenario_has_five_arms_and_consistent_totals(name):
    f = ft.finetune_from_scenario(econ.load_scenario(SCENARIOS[name]))
    assert list(f["arms"]) == list(ft.ARMS)
    for key, r in f["arms"].items():
        assert r["running_usd"] == pytest.approx(r["usage_usd"] + r["operations_usd"] + r["redo_usd"])
        assert r["usd_per_request"] * f["requests_per_month"] == pytest.approx(r["monthly_equivalent_usd"])
        assert (r["upfront_usd"] > 0) == (key in ft.FT_ARMS)


def test_regulated_scenario_marks_api_arms_not_permitted(regulated):
    arms = ft.finetune_from_scenario(regulated)["arms"]
    assert [a for a, r in arms.items() if not r["permitted"]] == ["long", "cached"]
    pay = ft.payback_table(regulated)
    assert set(pay["against"]) == {ft.ARMS["selfhost_long"]}
    assert "Not permitted here" in ft.finetune_conclusion(regulated)
    assert set(ft.winner_by_volume(regulated)["arm"]) <= {ft.ARMS[a] for a in ("managed_ft", "selfhost_ft", "selfhost_long")}


def test_enterprise_arms_by_hand(enterprise):
    # 60,000 requests/day × 30.4167 days = 1,825,000 requests a month; Sonnet 4.5 at 3 / 15 / 0.30 / 3.75 USD/M
    f = ft.finetune_from_scenario(enterprise.replace({"finetune.redo_share_managed_ft": 0.02}))
    a, n = f["arms"], 60_000 * 730 / 24
    # long: (5,000 × 3 + 300 × 15) / 1e6 = 0.0195 USD/request → 35,587.50 USD tokens a month
    assert a["long"]["usage_usd"] == pytest.approx(0.0195 * n)
    # cached, hit ≈ 1 (0.694 req/s × 300 s): (500 × 3 + 4,500 × 0.30 + 300 × 15) / 1e6 = 0.00735;
    # 20 % batched at half price → × 0.9 = 0.006615 USD/request
    assert a["cached"]["cache_hit_rate"] == pytest.approx(1 - math.exp(-60_000 / 86_400 * 300))
    assert a["cached"]["usage_usd"] == pytest.approx(0.006615 * n, rel=1e-6)
    # managed fine-tune on Llama 3.3 70B at Together, 0.88 / 0.88: (500 + 300) × 0.88 / 1e6 = 0.000704
    assert a["managed_ft"]["usage_usd"] == pytest.approx(0.000704 * n)
    # redo: 2 % × 0.50 USD = 0.01 USD a request
    assert a["managed_ft"]["redo_usd"] == pytest.approx(0.01 * n)
    # first training: 19.80 USD + (80 + 16) h × 75 USD/h = 7,219.80; retraining: 19.80 + (16 + 16) × 75 = 2,419.80
    assert a["managed_ft"]["upfront_usd"] == pytest.approx(7219.8)
    assert a["managed_ft"]["retrain_usd"] == pytest.approx(2419.8)


def test_more_context_reduction_never_lengthens_payback(enterprise):
    for factor in ("context_reduction",):
        s = ft.payback_sensitivity(enterprise.replace({"finetune.redo_share_managed_ft": 0.0,
                                                       "finetune.redo_share_selfhost_ft": 0.0}), factor)
        for _, g in s.groupby("arm"):
            pb = g.sort_values("x")["payback_months"].to_numpy()
            assert np.all(pb[1:] <= pb[:-1] + 1e-9)  # inf (never) allowed, never rising


@settings(max_examples=25, deadline=None)
@given(s1=st.floats(50, 4900), s2=st.floats(50, 4900), rpd=st.floats(1e3, 1e6))
def test_shorter_prompt_never_lengthens_payback_property(enterprise, s1, s2, rpd):
    v = dict(enterprise.values)
    v["workload.requests_per_day"] = rpd
    v["finetune.short_prompt_tokens"] = np.array(sorted((s1, s2)))  # shorter first
    arms = ft.finetune_arms(v)
    base = ft._baseline(arms)[0]
    for arm in ft.FT_ARMS:
        pb = ft._payback(arms, arm, base)
        assert pb[0] <= pb[1]


def test_retraining_less_often_never_lengthens_payback():
    # floor(m / N) falls as N grows, so the cumulative cost is lower at every month and crosses no later
    n = np.array([1, 2, 3, 4, 6, 8, 12, 24.0])
    pb = ft.payback_months(5000, 1500, 1000, n)
    assert np.all(pb[1:] <= pb[:-1] + 1e-9)
    # N = 1: k = floor((5,000 - 1,500) / (1,500 - 1,000)) + 1 = 8 → (5,000 + 8 × 1,000) / 1,500 = 8.67 months
    assert pb[0] == pytest.approx(13_000 / 1_500) and pb[-1] == pytest.approx(5000 / 1500)


def test_sensitivity_and_winner_frames(enterprise):
    for factor in ft.SENSITIVITY_FACTORS:
        s = ft.payback_sensitivity(enterprise, factor)
        assert set(s["arm"]) == {ft.ARMS["managed_ft"], ft.ARMS["selfhost_ft"]}
    with pytest.raises(ValueError, match="context_reduction"):
        ft.payback_sensitivity(enterprise, "hit rate")
    w = ft.winner_by_volume(enterprise, [1e3, 1e5])
    assert len(w) == 2 * len(ft.ARMS)


def test_breakeven_redo_share_equalizes_present_values(enterprise):
    s = ft.breakeven_redo_share(enterprise, "managed_ft", "cached")
    assert 0 < s < 0.02  # the scenario's 2 % is too many; fewer would do
    arms = ft.finetune_from_scenario(enterprise.replace({"finetune.redo_share_managed_ft": s}))["arms"]
    assert arms["managed_ft"]["pv_usd"] == pytest.approx(arms["cached"]["pv_usd"], rel=1e-9)
    s2 = ft.breakeven_redo_share(enterprise, "selfhost_ft", "cached")
    arms = ft.finetune_from_scenario(enterprise.replace({"finetune.redo_share_selfhost_ft": s2}))["arms"]
    assert arms["selfhost_ft"]["pv_usd"] == pytest.approx(arms["cached"]["pv_usd"], rel=1e-9)


def test_short_prompt_longer_than_long_is_rejected(enterprise):
    with pytest.raises(ValueError, match="short_prompt_tokens"):
        ft.finetune_from_scenario(enterprise.replace({"finetune.short_prompt_tokens": 6000}))


def test_conclusion_names_the_cheapest_permitted_arm(enterprise):
    text = ft.finetune_conclusion(enterprise)
    t = ft.finetune_table(enterprise)
    best = t[t["permitted"]].sort_values("pv_usd").iloc[0]["arm"]
    assert f"**{best}** costs least" in text


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_charts_build(name):
    sc = econ.load_scenario(SCENARIOS[name])
    charts = [ft.finetune_cumulative_chart(sc), ft.finetune_cost_per_request_chart(ft.finetune_table(sc)),
              ft.finetune_volume_chart(sc), *[ft.payback_sensitivity_chart(sc, f) for f in ft.SENSITIVITY_FACTORS]]
    for c in charts:
        assert isinstance(c, (alt.Chart, alt.LayerChart))
        spec = c.to_dict()
        assert "url" not in str(spec.get("data", ""))
