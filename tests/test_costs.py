"""Known answers and properties of the cost model and the breakeven."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from econ import (
    HOURS_PER_MONTH,
    api_usage_usd_per_request,
    breakeven_tokens_per_day,
    compare,
    effective_usd_per_mtok,
    option_costs,
)

DAYS_PER_MONTH = 365 / 12


def test_api_request_cost_by_hand():
    # 2,000 input tokens, 40 % cacheable, 75 % hits; 500 output; Anthropic-style prices 3 / 15 / 0.3 / 3.75:
    # uncached 1,200 × 3 = 3,600; read 600 × 0.3 = 180; write 200 × 3.75 = 750; output 500 × 15 = 7,500
    # → 12,030 µUSD = 0.01203 USD; half of the requests in batch at 50 %: × 0.75 → 0.0090225
    cost = api_usage_usd_per_request(2_000, 500, 3.0, 15.0, 0.3, 3.75, 0.4, 0.75, 0.5, 0.5)
    assert float(cost) == pytest.approx(0.0090225, rel=1e-12)


def test_api_cost_is_linear_in_tokens_and_volume(enterprise):
    base = option_costs(enterprise.values)["api"]["tokens_usd"]
    for k in (0.5, 3.0, 40.0):
        scaled = enterprise.replace({"workload.requests_per_day": enterprise["workload.requests_per_day"] * k})
        assert option_costs(scaled.values)["api"]["tokens_usd"] == pytest.approx(base * k, rel=1e-12)
    doubled = enterprise.replace({
        "workload.input_tokens_per_request": enterprise["workload.input_tokens_per_request"] * 2,
        "workload.output_tokens_per_request": enterprise["workload.output_tokens_per_request"] * 2,
    })
    assert option_costs(doubled.values)["api"]["tokens_usd"] == pytest.approx(base * 2, rel=1e-12)


def test_effective_usd_per_mtok_formula():
    # claim 12: $/h ÷ Mtok/h. 3.00 $/h, 2,500 tokens/s → 9 Mtok/h → 0.3333 $/Mtok; at 25 % → 1.3333
    assert float(effective_usd_per_mtok(3.0, 2_500)) == pytest.approx(1 / 3)
    assert float(effective_usd_per_mtok(3.0, 2_500, 0.25)) == pytest.approx(4 / 3)
    out = effective_usd_per_mtok(np.array([1.0, 2.0]), np.array([[1_000.0], [2_000.0]]))
    assert out.shape == (2, 2)


def test_compare_columns_and_totals(enterprise):
    t = compare(enterprise)
    for col in ("option", "monthly_usd", "usd_per_mtok", "usd_per_request", "tokens_usd", "gpu_usd", "engineering_usd"):
        assert col in t.columns
    components = t[[c for c in t.columns if c.endswith("_usd") and c != "monthly_usd"]].sum(axis=1)
    assert np.allclose(components, t["monthly_usd"])
    tokens_month = 60_000 * 1_300 * DAYS_PER_MONTH
    assert np.allclose(t["usd_per_mtok"], t["monthly_usd"] / (tokens_month / 1e6))
    assert np.allclose(t["usd_per_request"], t["monthly_usd"] / (60_000 * DAYS_PER_MONTH))


def test_selfhost_rent_cost_by_hand(enterprise):
    # A stated 1,800 tok/s at the scenario's own shape on 2 H100s: 60,000 req/day × 1.8615 peak (ServeGen m-large,
    # measured) = 1.2927 req/s; replica 1,800 ÷ 300 = 6 req/s × 0.8 = 4.8 → 1 serving replica + 1 spare = 2 replicas
    # × 2 GPUs = 4 GPUs. GPU: 4 × 730 h × 2.69 $/h (catalog, RunPod) × (1 − 0.30) = 5,498.36 $/month
    sc = enterprise.replace({"selfhost.replica_output_tokens_per_s": 1800.0, "selfhost.tensor_parallel": 2,
                             "selfhost.throughput_input_tokens": 1000, "selfhost.throughput_output_tokens": 300})
    c = option_costs(sc.values)["selfhost"]
    assert c["gpus"] == 4 and c["replicas"] == 2 and c["serving_replicas"] == 1
    assert float(c["gpu_usd"]) == pytest.approx(4 * HOURS_PER_MONTH * 2.69 * 0.7)
    assert float(c["engineering_usd"]) == pytest.approx(80 * 75)
    assert float(c["utilization"]) == pytest.approx((60_000 / 86_400) / (1 * 6.0))  # spares excluded


def flat_selfhost(sc):
    """Self-hosting made flat over the range: a fleet far larger than any demand, no egress; API without fixed costs."""
    return sc.replace({
        "selfhost.min_replicas": 3, "selfhost.replica_output_tokens_per_s": 1e12,
        "selfhost.egress_bytes_per_output_token": 0.0,
        "api.engineering_hours_per_month": 0.0, "api.eval_hours_per_month": 0.0, "api.compliance_usd_per_month": 0.0,
    })


def test_breakeven_is_fixed_cost_over_unit_saving_when_selfhost_is_flat(enterprise):
    sc = flat_selfhost(enterprise)
    fixed = float(option_costs(sc.values)["selfhost"]["monthly_usd"])  # same at every volume now
    per_request = float(option_costs(sc.values)["api"]["tokens_usd"]) / (60_000 * DAYS_PER_MONTH)
    per_token = per_request / 1_300
    expected = fixed / (per_token * DAYS_PER_MONTH)  # tokens/day at which API spend equals the fixed cost
    be = breakeven_tokens_per_day(sc, "api", "selfhost")
    assert be.tokens_per_day == pytest.approx(expected, rel=1e-6)
    assert be.crossings == pytest.approx((expected,), rel=1e-6)


def test_breakeven_reports_no_crossing_with_reason(enterprise):
    never = enterprise.replace({"selfhost.rent_usd_per_gpu_hour": 1e6})
    be = breakeven_tokens_per_day(never, "api", "selfhost", low=1e5, high=1e7)
    assert math.isnan(be.tokens_per_day) and be.crossings == ()
    assert [iv["cheaper"] for iv in be.intervals] == ["api"]
    assert be.note.startswith("closed API is cheaper over the whole range")
    with pytest.raises(ValueError, match="allowed: api, managed, selfhost"):
        breakeven_tokens_per_day(enterprise, "api", "gpu")


PRICE_KEYS = [
    ("api", "api.input_usd_per_mtok"), ("api", "api.output_usd_per_mtok"), ("api", "api.cache_read_usd_per_mtok"),
    ("managed", "managed.output_usd_per_mtok"), ("selfhost", "selfhost.rent_price_factor"),
    ("selfhost", "selfhost.egress_usd_per_gb"), ("api", "engineering.loaded_usd_per_hour"),
    ("selfhost", "engineering.loaded_usd_per_hour"), ("selfhost", "workload.peak_to_mean"),
]


@settings(max_examples=60, deadline=None)
@given(idx=st.integers(0, len(PRICE_KEYS) - 1), factor=st.floats(1.0, 50.0), volume=st.floats(100.0, 5e6))
def test_cost_never_falls_when_a_price_rises(enterprise, idx, factor, volume):
    option, key = PRICE_KEYS[idx]
    sc = enterprise.replace({"workload.requests_per_day": volume})
    before = option_costs(sc.values)[option]["monthly_usd"]
    after = option_costs(sc.replace({key: sc[key] * factor}).values)[option]["monthly_usd"]
    assert after >= before - 1e-9


@settings(max_examples=25, deadline=None)
@given(factor=st.floats(1.05, 20.0))
def test_breakeven_falls_when_the_api_price_rises(enterprise, factor):
    sc = flat_selfhost(enterprise)
    be = breakeven_tokens_per_day(sc, "api", "selfhost").tokens_per_day
    dearer = sc.replace({k: sc[k] * factor for k in ("api.input_usd_per_mtok", "api.output_usd_per_mtok",
                                                      "api.cache_read_usd_per_mtok", "api.cache_write_usd_per_mtok")})
    assert breakeven_tokens_per_day(dearer, "api", "selfhost").tokens_per_day < be


def test_vectorized_equals_scalar(enterprise):
    volumes = np.array([1e3, 6e4, 2e6])
    vec = option_costs(enterprise.replace({"workload.requests_per_day": volumes}).values)
    for i, v in enumerate(volumes):
        one = option_costs(enterprise.replace({"workload.requests_per_day": v}).values)
        for option in vec:
            assert vec[option]["monthly_usd"][i] == pytest.approx(float(one[option]["monthly_usd"]))
