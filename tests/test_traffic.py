"""Tests of econ/_traffic.py: synthetic profiles, peak-to-mean of the shipped traces, provisioning policies on
profiles worked by hand, charts. (Log readers and cost per task: tests/test_usage.py.)"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from econ import HOURS_PER_MONTH, PARAMS_DIR, decide, load_scenario, option_costs
from econ._traffic import (
    TRACES,
    keep_alive_shares,
    peak_to_mean,
    profile_chart,
    provisioning_by_volume,
    provisioning_chart,
    provisioning_summary,
    provisioning_table,
    provisioning_timeline,
    synthetic_profile,
    trace_names,
    trace_path,
    trace_profile,
    traffic_from_scenario,
)


# ------------------------------------------------------------------------------------------------ shipped traces
def test_traces_are_shipped_in_the_kit_with_licences():
    for name in trace_names():
        path = trace_path(name)
        assert path.exists() and "econ/data/traces" in path.as_posix()
    root = trace_path("azure-code").parent
    assert (root / "ATTRIBUTION.md").exists() and len(list((root / "licenses").iterdir())) == 2


def test_trace_names_are_forgiving_and_unknown_names_list_the_valid_ones():
    assert trace_path("AZURE CODE") == trace_path("azure-code") == trace_path("AzureLLMInferenceTrace_code.csv")
    assert trace_path("m_small").name == TRACES["servegen-m-small"]
    with pytest.raises(ValueError, match="azure-code, azure-conv.*Did you mean 'azure-conv'"):
        trace_path("azure-conversation-log")


# Figures measured on these files and quoted in the README and the scenarios (within rounding, ± 0.005).
@pytest.mark.parametrize("name, window, expected", [
    ("azure-code", None, 4.18), ("azure-conv", None, 1.52),
    ("azure-code", "10min", 1.32), ("azure-conv", "10min", 1.19),
    ("servegen-m-large", "1h", 1.86), ("servegen-m-large", None, 2.98),
    ("servegen-m-small", None, 3.24), ("servegen-m-small", "1h", 2.02),
])
def test_peak_to_mean_of_shipped_traces_matches_the_published_figures(name, window, expected):
    assert peak_to_mean(trace_profile(name), window) == pytest.approx(expected, abs=0.005)


def test_shipped_trace_facts():
    code = trace_profile("azure-code")
    full = code[code["seconds"] == 60]
    assert len(full) == 57 and (full["requests"] == 0).sum() == 12  # "12 of 57 minutes empty"
    assert code["requests"].sum() == 8819
    assert code["input_tokens"].sum() / 8819 == pytest.approx(2048, abs=0.5)
    small = trace_profile("servegen-m-small")
    assert small["requests"].isna().sum() == 37
    large = trace_profile("servegen-m-large")
    assert large["output_tokens"].sum() / large["requests"].sum() == pytest.approx(97, abs=0.5)


def test_peak_to_mean_rejects_windows_that_are_not_multiples_of_the_step():
    with pytest.raises(ValueError, match="whole multiple"):
        peak_to_mean(trace_profile("servegen-m-large"), "15min")


# ------------------------------------------------------------------------------------------------ synthetic
@settings(max_examples=25, deadline=None)
@given(ratio=st.floats(1.0, 6.0), rpd=st.floats(10.0, 1e7), seed=st.integers(0, 2**16),
       bursts=st.sampled_from([0.0, 2.0]))
def test_synthetic_profile_hits_volume_and_peak_to_mean(ratio, rpd, seed, bursts):
    p = synthetic_profile(rpd, ratio, days=7, freq="1h", seed=seed, bursts_per_day=bursts)
    assert len(p) == 168
    assert p["requests"].sum() / 7 == pytest.approx(rpd, rel=1e-9)
    assert peak_to_mean(p) == pytest.approx(ratio, rel=1e-6)
    assert (p["requests"] >= 0).all()


def test_synthetic_profile_is_deterministic_for_a_seed():
    a = synthetic_profile(5_000, 2.5, freq="10min", bursts_per_day=3, seed=7)
    b = synthetic_profile(5_000, 2.5, freq="10min", bursts_per_day=3, seed=7)
    c = synthetic_profile(5_000, 2.5, freq="10min", bursts_per_day=3, seed=8)
    pd.testing.assert_frame_equal(a, b)
    assert not np.allclose(a["requests"], c["requests"])


def test_synthetic_profile_cycles_and_tokens():
    p = synthetic_profile(24_000, 2.0, days=14, noise=0.0, weekend_factor=0.5, peak_hour=14,
                          input_tokens_per_request=1000, output_tokens_per_request=250)
    by_hour = p["requests"].groupby(p.index.hour).mean()
    # the cosine peaks at 14:00 and bottoms at 02:00: the hours either side (middles 13:30, 14:30) tie
    assert by_hour.max() == pytest.approx(by_hour[13]) == pytest.approx(by_hour[14])
    assert by_hour.min() == pytest.approx(by_hour[1]) == pytest.approx(by_hour[2])
    weekday = p.index.day_of_week
    assert p["requests"][weekday >= 5].mean() < p["requests"][weekday < 5].mean()
    assert (p["input_tokens"] == 1000 * p["requests"]).all() and (p["output_tokens"] == 250 * p["requests"]).all()


def test_synthetic_profile_poisson_arrivals_are_whole_requests():
    p = synthetic_profile(2_000, 4.0, freq="1min", arrivals="poisson", seed=3)
    assert (p["requests"] == np.round(p["requests"])).all() and (p["requests"] == 0).any()
    assert p["requests"].sum() / 7 == pytest.approx(2_000, rel=0.02)


def test_synthetic_profile_rejects_bad_input():
    with pytest.raises(ValueError, match="peak_to_mean"):
        synthetic_profile(1000, 0.5)
    with pytest.raises(ValueError, match="not reachable"):
        synthetic_profile(1000, 30, days=1, freq="1h")  # 24 steps: at most 24
    with pytest.raises(ValueError, match="requests_per_day"):
        synthetic_profile(-1, 2)


# ------------------------------------------------------------------------------------------------ provisioning
def _square(on_requests_per_h=36_000.0, before=8, on=8, after=8, out_per_request=100.0, in_per_request=1000.0):
    """Hourly profile: idle, then `on` hours at 10 requests/s, then idle."""
    req = np.array([0.0] * before + [on_requests_per_h] * on + [0.0] * after)
    p = synthetic_profile(24, 1.0, days=1, freq="1h").iloc[: len(req)].copy()
    p["requests"], p["output_tokens"], p["input_tokens"] = req, req * out_per_request, req * in_per_request
    return p


def test_fixed_fleet_square_wave_by_hand():
    # 10 requests/s at peak, 4 requests/s per replica: ceil(10/4) = 3 replicas all day; 2 GPUs each at 2 USD/h
    # -> 3 * 24 * 2 = 144 GPU-hours, 288 USD. Work 8 h * 36,000 = 288,000 requests over 72 replica-hours of
    # 14,400 requests: utilization 0.2778.
    t = provisioning_table(_square(), 2.0, gpus_per_replica=2, replica_requests_per_s=4.0, policies=["fixed"]).iloc[0]
    assert (t.gpu_hours, t.gpu_usd, t.replicas_max) == (144.0, 288.0, 3.0)
    assert t.utilization == pytest.approx(288_000 / (72 * 14_400))
    assert (t.served_share, t.overflow_requests) == (1.0, 0.0)
    assert t.gpu_usd_per_month == pytest.approx(288 * 730 / 24)


def test_fixed_fleet_headroom_and_min_replicas():
    # at 80 % utilization: ceil(10 / 3.2) = 4 replicas; min_replicas 5 wins over that
    t = provisioning_table(_square(), 1.0, replica_requests_per_s=4.0, max_utilization=0.8, policies=["fixed"])
    assert t.replicas_max.iloc[0] == 4
    t = provisioning_table(_square(), 1.0, replica_requests_per_s=4.0, min_replicas=5, policies=["fixed"])
    assert t.gpu_hours.iloc[0] == 5 * 24


def test_autoscale_and_scale_to_zero_without_delays_by_hand():
    # autoscale keeps 1 replica when idle: 3*8 + 1*16 = 40 replica-hours, utilization 288,000 / (40 * 14,400) = 0.5
    # scale to zero without delays releases a replica the moment it idles and starts one at once: it bills the work
    # alone, 288,000 requests / 4 per s = 20 replica-hours, utilization 1; nothing overflows without a cold start
    t = provisioning_table(_square(), 1.0, replica_requests_per_s=4.0, policies=["autoscale", "scale_to_zero"])
    assert t.gpu_hours.to_numpy() == pytest.approx([40.0, 20.0])
    assert t.utilization.to_numpy() == pytest.approx([0.5, 1.0])
    assert t.served_share.tolist() == [1.0, 1.0]


def test_scale_down_delay_keeps_replicas_longer():
    # a 2-hour scale-down delay keeps 3 replicas for 2 more hours: 3*10 + 1*14 = 44 replica-hours;
    # 90 minutes rounds up to 2 whole steps: the same
    for minutes in (120, 90):
        t = provisioning_table(_square(), 1.0, replica_requests_per_s=4.0, policies=["autoscale"],
                               scale_down_delay_minutes=minutes)
        assert t.gpu_hours.iloc[0] == 44.0


def test_cold_start_overflow_priced_at_the_api():
    # scale to zero with a 30-minute cold start: in the first busy hour the 3 replicas serve half the hour,
    # capacity 1.5 * 4 = 6 requests/s against 10: 4 requests/s * 3,600 s = 14,400 requests overflow (5 %).
    # At 1,000 input and 100 output tokens each, 3 and 15 USD/Mtok: 14.4 Mtok * 3 + 1.44 Mtok * 15 = 64.8 USD.
    t = provisioning_table(_square(), 1.0, replica_requests_per_s=4.0, policies=["scale_to_zero"],
                           scale_up_delay_minutes=30, overflow_input_usd_per_mtok=3.0,
                           overflow_output_usd_per_mtok=15.0).iloc[0]
    assert t.overflow_requests == pytest.approx(14_400)
    assert t.overflow_output_tokens == pytest.approx(1_440_000)
    assert t.served_share == pytest.approx(0.95)
    assert t.overflow_usd == pytest.approx(64.8)
    assert t.total_usd == pytest.approx(24.0 + 64.8)
    assert t.overflow_to == "api" and np.isnan(t.max_wait_minutes)
    # the billed replicas include the starting ones: still 24 replica-hours
    assert t.gpu_hours == 24.0


def test_cold_start_overflow_queued():
    # queued instead: backlog 14,400 after the first busy hour, drained at 2 requests/s the next hour (7,200 left),
    # gone in the third. Longest wait: the 14,400 queued at 09:00 are served first, at the full fleet's
    # 12 requests/s: 1,200 s = 20 min. Everything is served eventually.
    tl = provisioning_timeline(_square(), ["scale_to_zero"], replica_requests_per_s=4.0, scale_up_delay_minutes=30)
    assert tl["backlog"].to_numpy()[7:11].tolist() == [0.0, 14_400.0, 7_200.0, 0.0]
    t = provisioning_table(_square(), 1.0, replica_requests_per_s=4.0, policies=["scale_to_zero"],
                           scale_up_delay_minutes=30).iloc[0]
    assert (t.overflow_to, t.overflow_usd, t.max_backlog) == ("queue", 0.0, 14_400.0)
    assert t.max_wait_minutes == pytest.approx(20.0)
    assert t.utilization == pytest.approx(288_000 / (24 * 14_400))


def test_queue_that_never_drains_waits_forever():
    # 8 idle hours, then 4 busy hours at 10 requests/s to the end of the profile; scale to zero, 1-hour cold start.
    p = _square(before=8, on=4, after=0)
    t = provisioning_table(p, 1.0, replica_requests_per_s=4.0, policies=["scale_to_zero"],
                           scale_up_delay_minutes=60).iloc[0]
    # first busy hour: no replica ready, 36,000 queued; then 12 requests/s against 10: 2/s * 3,600 = 7,200 drained
    # per hour, 3 hours: 14,400 left at the end, never served within the profile
    assert t.max_backlog == pytest.approx(36_000) and np.isinf(t.max_wait_minutes)
    assert t.utilization == pytest.approx((4 * 36_000 - 14_400) / (4 * 3 * 14_400))


def test_autoscale_cold_start_with_min_replicas():
    # autoscale from 1 replica with a full-hour cold start: the first busy hour has 1 replica (4 of 10 req/s)
    t = provisioning_table(_square(), 1.0, replica_requests_per_s=4.0, policies=["autoscale"],
                           scale_up_delay_minutes=60).iloc[0]
    assert t.overflow_requests == pytest.approx(6 * 3_600)
    assert t.gpu_hours == 40.0


def test_output_token_capacity_gives_the_same_fleet_as_request_capacity():
    # 100 output tokens per request: 400 tokens/s per replica is 4 requests/s
    kw = dict(policies=["fixed", "autoscale", "scale_to_zero"], scale_up_delay_minutes=30)
    a = provisioning_table(_square(), 1.0, replica_requests_per_s=4.0, **kw)
    b = provisioning_table(_square(), 1.0, replica_output_tokens_per_s=400.0, **kw)
    cols = ["gpu_hours", "utilization", "served_share", "overflow_requests", "overflow_output_tokens"]
    pd.testing.assert_frame_equal(a[cols], b[cols])
    assert b.attrs["unit"] == "output_tokens"


def test_min_replicas_zero_autoscale_equals_scale_to_zero():
    t = provisioning_table(trace_profile("azure-code"), 2.0, replica_requests_per_s=3.0, min_replicas=0,
                           scale_up_delay_minutes=2, scale_down_delay_minutes=3, policies=["autoscale", "scale_to_zero"])
    cols = ["gpu_hours", "utilization", "served_share", "max_backlog"]
    assert t[cols].iloc[0].tolist() == t[cols].iloc[1].tolist()


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 1000), up=st.floats(0, 90), down=st.floats(0, 120), cap=st.floats(0.05, 5))
def test_policy_invariants(seed, up, down, cap):
    p = synthetic_profile(20_000, 3.0, days=2, freq="10min", bursts_per_day=2, seed=seed)
    t = provisioning_table(p, 2.0, replica_requests_per_s=cap, scale_up_delay_minutes=up,
                           scale_down_delay_minutes=down).set_index("policy")
    # the fixed fleet serves everything; the autoscaler never bills more than the fixed fleet plus nothing
    assert t.loc["fixed", "served_share"] == 1.0
    assert t.loc["scale_to_zero", "gpu_hours"] <= t.loc["autoscale", "gpu_hours"] <= t.loc["fixed", "gpu_hours"] + 1e-9
    assert ((t["utilization"] > 0) & (t["utilization"] <= 1 + 1e-9)).all()
    assert ((t["served_share"] >= 0) & (t["served_share"] <= 1)).all()
    if up == 0:
        assert (t["served_share"] == 1.0).all()


def _levels():
    """Hourly profile whose autoscaled fleet (4 requests/s per replica, no head-room, no delays) runs 1 replica for
    12 h, 2 for 6 h and 3 for 6 h: 2, 6 and 10 requests/s."""
    req = np.array([2.0] * 12 + [6.0] * 6 + [10.0] * 6) * 3600
    p = synthetic_profile(24, 1.0, days=1, freq="1h").iloc[:24].copy()
    p["requests"], p["output_tokens"], p["input_tokens"] = req, req * 100, req * 1000
    return p


def test_committed_base_and_on_demand_billing_by_hand():
    # replica levels in use: level 1 all 24 h, level 2 12 h (1/2 of the time), level 3 6 h (1/4).
    # 30 % off (1.40 against 2.00): commit the levels in use >= 70 % of the time: K = 1;
    #   24 h x 1.40 + (6 h x 1 + 6 h x 2) on demand x 2.00 = 33.60 + 36.00 = 69.60 USD.
    # 60 % off (0.80 against 2.00): levels in use >= 40 %: K = 2; 2 x 24 x 0.80 + 6 x 1 x 2.00 = 38.40 + 12 = 50.40,
    #   cheaper than K = 1 (19.20 + 36 = 55.20) and K = 3 (57.60).
    kw = dict(replica_requests_per_s=4.0, policies=["fixed", "autoscale", "scale_to_zero"])
    t = provisioning_table(_levels(), 2.0, committed_gpu_hourly_usd=1.4, **kw).set_index("policy")
    assert (t.loc["autoscale", "committed_replicas"], t.loc["autoscale", "gpu_usd"]) == (1, pytest.approx(69.6))
    assert t.loc["autoscale", "on_demand_gpu_hours"] == pytest.approx(18.0)
    assert (t.loc["fixed", "committed_replicas"], t.loc["fixed", "gpu_usd"]) == (3, pytest.approx(3 * 24 * 1.4))
    # scale to zero commits nothing; without delays it bills the work alone, (2 x 12 + 6 x 6 + 10 x 6) requests/s-hours
    # / 4 requests/s = 30 replica-hours, all on demand: 60 USD
    assert t.loc["scale_to_zero", "committed_replicas"] == 0
    assert (t.loc["scale_to_zero", "gpu_hours"], t.loc["scale_to_zero", "gpu_usd"]) == pytest.approx((30.0, 60.0))
    t = provisioning_table(_levels(), 2.0, committed_gpu_hourly_usd=0.8, **kw).set_index("policy")
    assert (t.loc["autoscale", "committed_replicas"], t.loc["autoscale", "gpu_usd"]) == (2, pytest.approx(50.4))
    # 2 GPUs per replica and a spare: every level shifts up by one (the spare is always in use): K = 3 at 60 % off,
    # 2 GPUs x (3 x 24 x 0.80 + 6 x 1 x 2.00) = 2 x 69.60 = 139.20
    t = provisioning_table(_levels(), 2.0, gpus_per_replica=2, spare_replicas=1, committed_gpu_hourly_usd=0.8,
                           **kw).set_index("policy")
    assert (t.loc["autoscale", "committed_replicas"], t.loc["autoscale", "gpu_usd"]) == (3, pytest.approx(139.2))
    assert t.loc["autoscale", "spare_replicas_mean"] == 1.0


def test_bought_gpus_are_owned_at_the_peak_and_save_only_power_by_hand():
    # no on-demand price: autoscaling owns the 3 replicas it reaches and pays power for the 42 replica-hours it runs:
    # 3 x 24 x 1.00 + 42 x 0.25 = 82.50; the fixed fleet 3 x 24 x (1.00 + 0.25) = 90
    t = provisioning_table(_levels(), None, replica_requests_per_s=4.0, committed_gpu_hourly_usd=1.0,
                           running_gpu_hourly_usd=0.25, policies=["fixed", "autoscale"]).set_index("policy")
    assert t["committed_replicas"].tolist() == [3, 3]
    assert t["gpu_usd"].tolist() == pytest.approx([90.0, 82.5])
    assert t["on_demand_gpu_hours"].tolist() == [0.0, 0.0]
    with pytest.raises(ValueError, match="committed_gpu_hourly_usd"):
        provisioning_table(_levels(), None, replica_requests_per_s=4.0)


def test_keep_alive_shares_match_a_simulation_of_poisson_arrivals():
    # one arrival every 2 minutes on average, released after 5 idle minutes, 1-minute cold start; 400,000 arrivals
    lam, keep, up = 1 / 120, 300.0, 60.0
    rng = np.random.default_rng(11)
    gaps = rng.exponential(1 / lam, 400_000)
    t = np.cumsum(gaps)
    billed = np.minimum(np.append(gaps[1:], 0.0), keep).sum() / t[-1]  # each arrival keeps the fleet keep_alive longer
    start = np.concatenate([[True], gaps[1:] > keep])  # arrivals that find the fleet released start it
    last_start = np.maximum.accumulate(np.where(start, t, -np.inf))
    cold = np.mean(t - last_start < up)  # the starting arrival and those within the scale-up delay after it wait
    expect_billed, expect_cold = keep_alive_shares(lam, keep, up)
    assert billed == pytest.approx(float(expect_billed), rel=0.01)
    assert cold == pytest.approx(float(expect_cold), rel=0.02)
    assert keep_alive_shares(lam, keep, 0.0)[1] == 0.0  # nobody waits without a cold start


def test_scale_to_zero_releases_the_fleet_inside_quiet_steps():
    # 2 requests an hour, 5-minute delays: lambda kappa = 2/3600 * 300 = 1/6; billed 1 - e^(-1/6) of every hour;
    # e^(-1/6) (1 + 1/6) of the requests find no replica (they go to the API)
    req = np.full(24, 2.0)
    p = synthetic_profile(24, 1.0, days=1, freq="1h").iloc[:24].copy()
    p["requests"], p["output_tokens"], p["input_tokens"] = req, req * 100, req * 1000
    t = provisioning_table(p, 1.0, replica_requests_per_s=4.0, scale_up_delay_minutes=5, scale_down_delay_minutes=5,
                           overflow_input_usd_per_mtok=1.0, overflow_output_usd_per_mtok=1.0).set_index("policy")
    x = 2 / 3600 * 300
    assert t.loc["scale_to_zero", "gpu_hours"] == pytest.approx(24 * (1 - np.exp(-x)))
    assert t.loc["scale_to_zero", "zero_share"] == pytest.approx(np.exp(-x))
    assert t.loc["scale_to_zero", "served_share"] == pytest.approx(1 - np.exp(-x) * (1 + x))
    assert t.loc["autoscale", "gpu_hours"] == t.loc["fixed", "gpu_hours"] == 24.0


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 1000), rpd=st.floats(2_000, 400_000), ratio=st.floats(1.0, 3.0), spares=st.integers(0, 2),
       floor=st.integers(0, 2), extra=st.integers(0, 2), discount=st.floats(0.0, 0.7), bought=st.booleans(),
       up=st.floats(0, 30), down=st.floats(0, 60))
def test_autoscaling_never_bills_more_than_the_fixed_fleet_it_starts_from(seed, rpd, ratio, spares, floor, extra,
                                                                          discount, bought, up, down):
    p = synthetic_profile(rpd, ratio, days=2, freq="10min", bursts_per_day=1, seed=seed)
    cap, u = 0.5, 0.8
    peak_need = int(np.ceil(p["requests"].max() / 600 / (cap * u) - 1e-9))
    fixed = max(peak_need, floor, 1) + extra  # demand stays below the fixed fleet
    if bought:
        prices = dict(gpu_hourly_usd=None, committed_gpu_hourly_usd=1.5, running_gpu_hourly_usd=0.3)
    else:
        prices = dict(gpu_hourly_usd=2.0, committed_gpu_hourly_usd=2.0 * (1 - discount) if discount > 0 else None)
    t = provisioning_table(p, replica_requests_per_s=cap, max_utilization=u, min_replicas=floor, spare_replicas=spares,
                           fixed_replicas=fixed, gpus_per_replica=2, scale_up_delay_minutes=up,
                           scale_down_delay_minutes=down, **prices).set_index("policy")
    assert t.loc["autoscale", "gpu_usd"] <= t.loc["fixed", "gpu_usd"] * (1 + 1e-12)
    assert t.loc["scale_to_zero", "gpu_hours"] <= t.loc["autoscale", "gpu_hours"] + 1e-9
    assert t.loc["fixed", "served_share"] == 1.0
    assert t.loc["fixed", "replicas_max"] == fixed + spares


def test_provisioning_rejects_bad_input():
    p = _square()
    with pytest.raises(ValueError, match="exactly one"):
        provisioning_table(p, 1.0)
    with pytest.raises(ValueError, match="policy 'autoscaling'.*Did you mean 'autoscale'"):
        provisioning_table(p, 1.0, replica_requests_per_s=1.0, policies=["autoscaling"])
    with pytest.raises(ValueError, match="max_utilization"):
        provisioning_table(p, 1.0, replica_requests_per_s=1.0, max_utilization=1.5)
    with pytest.raises(ValueError, match="both"):
        provisioning_table(p, 1.0, replica_requests_per_s=1.0, overflow_input_usd_per_mtok=1.0)


# ------------------------------------------------------------------------------------------------ scenario bridge
SCENARIOS = sorted(p.stem for p in PARAMS_DIR.glob("[!_]*.yaml"))


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_fixed_policy_is_exactly_the_decisions_fleet(scenario):
    sc = load_scenario(PARAMS_DIR / f"{scenario}.yaml")
    d = decide(sc, draws=200)
    kw = traffic_from_scenario(sc)
    fixed = provisioning_table(**kw).set_index("policy").loc["fixed"]
    per_month = HOURS_PER_MONTH / fixed["hours"]
    assert fixed["gpu_hours"] * per_month == pytest.approx(d.fleet.gpus * HOURS_PER_MONTH, rel=1e-12)
    assert fixed["gpu_usd_per_month"] == pytest.approx(d.fleet.fleet_usd_per_month, rel=1e-12)
    assert (fixed["replicas_max"], fixed["spare_replicas_mean"]) == (d.fleet.replicas, d.fleet.spare_replicas)
    assert (kw["gpus_per_replica"], kw["replica_output_tokens_per_s"]) == (d.fleet.tensor_parallel,
                                                                          d.fleet.replica_output_tokens_per_s)
    assert fixed["gpu_only_usd_per_mtok"] == pytest.approx(d.fleet.gpu_only_usd_per_mtok, rel=1e-9)
    # one utilization: the pipeline's (mean demand over the serving replicas' capacity); the profile carries the
    # scenario's mean volume
    assert fixed["served_share"] == 1.0
    assert fixed["utilization"] == pytest.approx(d.fleet.utilization, rel=1e-9)
    if d.fleet.price_basis.startswith("rented"):  # on demand is the fleet's rate before the commitment discount
        assert kw["gpu_hourly_usd"] * (1 - sc.values["selfhost.commitment_discount"]) == pytest.approx(
            d.fleet.usd_per_gpu_hour, rel=1e-12)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_policies_that_bill_the_same_say_why(scenario):
    table = provisioning_table(**traffic_from_scenario(load_scenario(PARAMS_DIR / f"{scenario}.yaml")))
    text, t = provisioning_summary(table), table.set_index("policy")
    same = lambda a, b: np.isclose(t.loc[a, "total_usd"], t.loc[b, "total_usd"], rtol=1e-6)  # noqa: E731
    assert same("fixed", "autoscale") == ("Autoscaling bills the same as the fixed fleet here" in text)
    if same("autoscale", "scale_to_zero"):
        assert "Scale to zero never empties the fleet here" in text
    if scenario in ("enterprise_steady", "small_team_spiky"):  # rented fleets: scale to zero differs
        assert t["total_usd"].round(6).nunique() >= 2
    # scale to zero never carries a commitment (a bought fleet owns what it runs)
    assert t.loc["scale_to_zero", "committed_replicas"] == 0 or table.attrs["gpu_hourly_usd"] is None


def test_volume_sweep_rechooses_the_fleet_at_every_volume():
    sc = load_scenario(PARAMS_DIR / "enterprise_steady.yaml").replace({"selfhost.gpu": "auto"})
    m = np.array([0.1, 1.0, 30.0, 300.0])
    frame = provisioning_by_volume(sc, m)
    fixed = frame[frame["policy"] == "fixed"]
    v = sc.values
    fleet = option_costs({**v, "workload.requests_per_day": v["workload.requests_per_day"] * m})["selfhost"]
    assert fixed["gpu_usd_per_month"].to_numpy() == pytest.approx(fleet["gpu_usd"] + fleet["power_usd"] + fleet["hosting_usd"],
                                                                  rel=1e-12)
    assert fixed["fixed_replicas"].tolist() == fleet["serving_replicas"].tolist()
    assert fixed["tensor_parallel"].tolist() == fleet["tensor_parallel"].tolist()
    assert fixed["fixed_replicas"].is_monotonic_increasing and fixed["fixed_replicas"].iloc[-1] > 1


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_traffic_from_scenario_runs_for_every_scenario(scenario):
    sc = load_scenario(PARAMS_DIR / f"{scenario}.yaml")
    kw = traffic_from_scenario(sc)
    days = len(kw["profile"]) * kw["profile"].attrs["step_s"] / 86_400
    assert kw["profile"]["requests"].sum() / days == pytest.approx(sc.values["workload.requests_per_day"])
    t = provisioning_table(**kw)
    assert list(t["policy"]) == ["fixed", "autoscale", "scale_to_zero"]
    assert ("overflow_input_usd_per_mtok" in kw) == bool(sc.values["api.permitted"])


def test_traffic_from_scenario_with_a_trace_keeps_its_shape_and_takes_the_volume():
    sc = load_scenario(PARAMS_DIR / "enterprise_steady.yaml")
    sc2 = sc.replace({"traffic.profile": "servegen-m-large"})
    kw = traffic_from_scenario(sc2)
    p = kw["profile"]
    assert p["requests"].sum() / 14 == pytest.approx(sc.values["workload.requests_per_day"])
    assert peak_to_mean(p, "1h") == pytest.approx(1.86, abs=0.005)


# ------------------------------------------------------------------------------------------------ charts
def _titles(spec) -> list[str]:
    enc = spec.get("encoding", {})
    return [enc[ch]["title"] for ch in ("x", "y") if ch in enc and enc[ch].get("title")]


def test_charts_are_offline_with_lowercase_titles():
    p = synthetic_profile(20_000, 2.0, days=14, freq="10min")
    tl = provisioning_timeline(p, replica_requests_per_s=0.2)
    charts = [profile_chart(p), profile_chart(p, "series", timeline=tl),
              provisioning_chart(provisioning_table(p, 2.0, replica_requests_per_s=0.2))]
    for chart in charts:
        spec = chart.to_dict()  # raises on too many rows or a bad encoding
        assert "url" not in json.dumps(spec.get("data", {}))
        for title in _titles(spec):
            words = title.split("(")[0]  # units in brackets keep their case: "(USD)"
            assert words == words.lower()
    # 2,016 steps x 4 series are drawn as means over 20 minutes (at most 1,200 points per series)
    assert "20-minute" in charts[1].to_dict()["title"]


@given(st.lists(st.floats(0, 50), min_size=1, max_size=60), st.floats(0.5, 5), st.sampled_from([0.0, 0.3, 0.5, 1.0, 1.3]))
def test_committed_replicas_found_by_bisection_as_by_counting_every_level(billed, on_demand, ratio):
    """The bisection over replica levels (memory of one profile) picks the level the direct count over every level
    picks (memory of one row per replica: terabytes for a large fleet over a long profile)."""
    from econ._traffic import _committed_replicas

    b = np.array(billed)
    top = int(np.ceil(b.max(initial=0.0) - 1e-9))
    levels = np.arange(1, top + 1)
    in_use = np.clip(b[None, :] - (levels[:, None] - 1), 0.0, 1.0).mean(axis=1)
    direct = int(levels[in_use >= ratio - 1e-12].max(initial=0))
    assert _committed_replicas("fixed", b, on_demand, ratio * on_demand) == direct
