"""Tests of econ/_prices.py: the catalog's corrections (guarded against a newer genai-prices), the billing rules,
and the cost model's expected bill per request against known answers and against the per-call bill."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from genai_prices import data_snapshot
from genai_prices.types import TieredPrices

from econ import load_scenario, price_usage, read_usage
from econ._prices import (
    BATCH,
    _applies,
    api_price,
    api_usage_usd_per_request,
    api_usd_per_request,
    billing_model,
    cache_rule,
    price_corrections,
)

SNAP = data_snapshot.get_snapshot()
WHEN = datetime(2026, 11, 22, tzinfo=UTC)


def _catalog(provider, model):
    return SNAP.find_provider_model(model, None, provider, None)[1]


def _base(p):
    return p.base if isinstance(p, TieredPrices) else p


# ------------------------------------------------------------------------------------ corrections: still needed?
@pytest.mark.parametrize("entry", [e for e in price_corrections() if e["kind"] == "tiers"], ids=lambda e: e["id"])
def test_tier_corrections_fill_a_gap_the_catalog_still_has(entry):
    """Fails when a newer genai-prices gives the model a long-context tier (redundant entry) or other flat prices
    than the entry records (the entry's tier may then be wrong): update or delete the entry."""
    info = _catalog(entry["provider"], entry["model"])
    flat = info.get_prices(WHEN)
    for key in entry["prices"]:
        assert not isinstance(getattr(flat, key), TieredPrices), f"{entry['id']}: the catalog now tiers {key}"
    recorded = {"input_mtok": 3, "output_mtok": 15, "cache_read_mtok": 0.3, "cache_write_mtok": 3.75, "cache_write_1h_mtok": 6}
    assert {k: float(getattr(flat, k)) for k in entry["prices"]} == recorded, "the catalog's flat prices moved"
    fixed = billing_model(entry["provider"], entry["model"]).prices(WHEN)
    for key, price in entry["prices"].items():
        assert float(fixed.__dict__[key].tiers[0].price) == price and fixed.__dict__[key].tiers[0].start == entry["above_input_tokens"]
        assert price != float(getattr(flat, key))  # not redundant


@pytest.mark.parametrize("entry", [e for e in price_corrections() if e["kind"] == "batch"], ids=lambda e: e["id"])
def test_batch_corrections_fill_a_gap_the_catalog_still_has(entry):
    info = _catalog(entry["provider"], entry["model"])
    assert not [v for v in info.price_variants or () if v.when == BATCH], f"{entry['id']}: the catalog now has batch prices"
    std, batch = (billing_model(entry["provider"], entry["model"]).prices(WHEN, c) for c in (None, BATCH))
    for key in entry["keys"]:
        assert _base(batch.__dict__[key]) == _base(getattr(std, key)) * Decimal(str(entry["factor"]))


@pytest.mark.parametrize("entry", [e for e in price_corrections() if e["kind"] == "batch_history"], ids=lambda e: e["id"])
def test_batch_history_corrections_agree_with_the_catalog_where_it_has_data(entry):
    """Every affected model's batch variant still starts on the catalog's verification date (else the entry is
    redundant), and halves input and output there, as the provider publishes (else the entry disagrees)."""
    prov = next(p for p in SNAP.providers if p.id == entry["provider"])
    affected = [m for m in prov.models if _applies(entry, m, prov.id)]
    assert affected, f"{entry['id']}: no model's batch prices start on {entry['catalog']['batch_from']} any more"
    for m in affected:
        first = min((v for v in m.price_variants if v.when == BATCH),
                    key=lambda v: v.constraint.start_date if v.constraint else date.min)
        start = datetime.combine(first.constraint.start_date, datetime.min.time(), tzinfo=UTC)
        std = m.get_prices(start)
        for key in ("input_mtok", "output_mtok"):
            if getattr(first.prices, key) is not None and _base(getattr(std, key)):
                assert _base(getattr(first.prices, key)) / _base(getattr(std, key)) == Decimal(str(entry["factor"])), (m.id, key)


def test_every_correction_names_the_providers_page_and_when_it_was_read():
    import re

    for e in price_corrections():
        assert re.search(r"\b(docs\.claude\.com|help\.openai\.com|ai\.google\.dev)/\S+", e["source"]), e["id"]
        assert re.match(r"\d{4}-\d{2}-\d{2}", str(e["checked"])), e["id"]


# ------------------------------------------------------------------------------------ the cases of issue 15
def test_claude_sonnet_4_long_context_and_batch():
    # 250k in / 2k out above 200k: 250,000 x 6 + 2,000 x 22.50 per million = $1.545 (the catalog alone: $0.78)
    log = pd.DataFrame({"ts": ["2026-11-02 09:00"] * 2, "in": [250_000, 250_000], "out": [2_000, 2_000],
                        "model": "claude-sonnet-4", "provider": "anthropic", "batch": [False, True]})
    u = read_usage(log, columns={"timestamp": "ts", "input_tokens": "in", "output_tokens": "out"})
    t = price_usage(u)
    assert t["usd"].tolist() == pytest.approx([1.545, 1.545 / 2], abs=1e-12)
    assert set(t.attrs["corrections"]) == {"claude-sonnet-4-long-context", "claude-sonnet-4-batch"}
    p = api_price("anthropic", "claude-opus-4-1", "2026-11-22")
    assert p.batch_factor == 0.5 and "claude-opus-4-1-batch" in p.source_of("batch_factor")


def test_batch_before_the_catalogs_verification_date_is_half_price():
    # gpt-4o batch on 2026-09-01 (the catalog's batch prices start 2026-10-14): 1,000 in at 1.25, 100 out at 5
    log = pd.DataFrame({"ts": ["2026-09-01 12:00"], "in": [1_000], "out": [100], "model": "gpt-4o", "provider": "openai",
                        "batch": [True]})
    t = price_usage(read_usage(log, columns={"timestamp": "ts", "input_tokens": "in", "output_tokens": "out"}))
    assert t["usd"].iloc[0] == pytest.approx((1_000 * 1.25 + 100 * 5) / 1e6, abs=1e-15)
    assert t.attrs["corrections"] == ["openai-batch-history"]


def test_scenario_assumptions_say_which_values_came_from_the_corrections(write_scenario):
    sc = load_scenario(write_scenario("api:\n  model: {value: claude-sonnet-4-0, source: test}\n"))  # the exact id
    for key in ("api.batch_price_factor", "api.long_context_above_tokens", "api.long_context_output_factor"):
        assert "econ/data/price_corrections.yaml" in sc.assumptions[key].source, key
    assert "price_corrections" not in sc.assumptions["api.input_usd_per_mtok"].source
    assert sc["api.long_context_above_tokens"] == 200_000 and sc["api.long_context_output_factor"] == 1.5


def test_cache_rules():
    assert cache_rule("anthropic", "claude-sonnet-4-5")[:2] == (1024, 1)
    assert cache_rule("google", "claude-opus-4-5")[:2] == (4096, 1)  # a Claude model on Vertex: Anthropic's rule
    assert cache_rule("google", "gemini-3-pro-preview")[:2] == (4096, 1)
    assert cache_rule("openai", "gpt-4o")[:2] == (1024, 128)


# ------------------------------------------------------------------------------------ the expected bill per request
def test_caching_below_the_minimum_earns_nothing_and_openai_counts_in_128_token_steps():
    # 1,000 in with a 30 % prefix (300 tokens) at 3 / 15 / 0.30 / 3.75: no caching below 1,024 tokens
    assert float(api_usage_usd_per_request(1_000, 0, 3.0, 15.0, 0.3, 3.75, 0.3, 1.0, min_cacheable_prefix_tokens=1024)) \
        == pytest.approx(0.003)
    # 2,000 in, 60 % prefix = 1,200 tokens, all hits, OpenAI steps: 1,152 cached (1,024 + 128), 848 uncached
    got = float(api_usage_usd_per_request(2_000, 0, 2.5, 10.0, 1.25, 2.5, 0.6, 1.0, min_cacheable_prefix_tokens=1024,
                                          cache_step_tokens=128))
    assert got == pytest.approx((848 * 2.5 + 1_152 * 1.25) / 1e6)


def test_batch_keeps_cached_input_at_the_standard_rate_where_the_catalog_says_so():
    # gpt-4.1-mini batch: input and output halved, cached input not (the batch table has no cached rate)
    p = api_price("openai", "gpt-4.1-mini", "2026-11-22")
    assert (p.batch_factor, p.batch_cache_read_factor) == (0.5, 1.0)
    got = float(api_usage_usd_per_request(2_048, 100, p.input, p.output, p.cache_read, p.input, 1.0, 1.0, 1.0, 0.5,
                                          batch_cache_read_factor=1.0, min_cacheable_prefix_tokens=1024,
                                          cache_step_tokens=128))
    assert got == pytest.approx((2_048 * 0.1 + 100 * 1.6 * 0.5) / 1e6)


def test_token_distribution_in_a_scenario_prices_tiers_per_bin(write_scenario):
    # half the calls 250,000 tokens in, half 10,000, 1,000 out each, Gemini 2.5 Pro: $0.33125 a request
    # (the mean call, 130,000 in, would cost $0.1725)
    sc = load_scenario(write_scenario("""
workload:
  input_tokens_per_request: {value: 130000, source: test}
  output_tokens_per_request: {value: 1000, source: test}
  token_distribution: {value: {input_tokens: [250000, 10000], output_tokens: [1000, 1000], share: [0.5, 0.5]}, source: test}
  cacheable_prefix_share: {value: 0, source: test}
  batchable_share: {value: 0, source: test}
api:
  provider: {value: google, source: test}
  model: {value: gemini-2.5-pro, source: test}
selfhost:
  model: {value: llama-4-scout-17b-16e, source: "test: every bin within its context window"}
  ttft_slo_s: {value: 30, source: "test: long prompts"}
"""))
    assert float(api_usd_per_request(sc.values, "api")) == pytest.approx(0.33125, abs=1e-12)
    flat = sc.replace({"workload.token_distribution": None}).values
    assert float(api_usd_per_request(flat, "api")) == pytest.approx(0.1725, abs=1e-12)


def test_token_distribution_means_must_match_the_workload(write_scenario):
    from econ import ScenarioError

    with pytest.raises(ScenarioError, match="token_distribution.*mean of 130,000.0 input tokens.*input_tokens_per_request = 1,000"):
        load_scenario(write_scenario("workload:\n  token_distribution: {value: {input_tokens: [250000, 10000], "
                                     "output_tokens: [250, 250], share: [0.5, 0.5]}, source: test}\n"))
    with pytest.raises(ScenarioError, match="share sums to 0.9"):
        load_scenario(write_scenario("workload:\n  token_distribution: {value: {input_tokens: [1000], "
                                     "output_tokens: [250], share: [0.9]}, source: test}\n"))


def test_vectorized_over_a_million_draws_with_bins(enterprise):
    v = dict(enterprise.values)
    v["workload.token_distribution"] = {"input_tokens": (500.0, 1_500.0), "output_tokens": (300.0, 300.0), "share": (0.5, 0.5)}
    draws = np.linspace(0.5, 1.5, 1_000_000)
    v["api.input_usd_per_mtok"] = v["api.input_usd_per_mtok"] * draws
    got = api_usd_per_request(v, "api")
    assert got.shape == (1_000_000,) and np.all(np.diff(got) > 0)


def test_the_cost_model_bills_like_the_log_of_the_same_calls(write_scenario):
    """The cost model's expected bill equals price_usage on calls that realize its assumptions exactly: 2,000
    tokens in with a 1,500-token prefix (75 %), 8 hits and 2 misses in ten (80 %), 300 out; the same ten calls
    through the batch API weigh 10 % (batch share)."""
    sc = load_scenario(write_scenario("""
workload:
  input_tokens_per_request: {value: 2000, source: test}
  output_tokens_per_request: {value: 300, source: test}
  cacheable_prefix_share: {value: 0.75, source: test}
  batchable_share: {value: 0.1, source: test}
api:
  cache_hit_rate: {value: 0.8, source: test}
"""))
    ten = {"read": [1_500] * 8 + [0] * 2, "write": [0] * 8 + [1_500] * 2}
    calls = pd.concat([pd.DataFrame({**ten, "batch": b}) for b in (False, True)], ignore_index=True).assign(
        ts="2026-11-22 10:00", inp=2_000, out=300, model=sc["api.model"], provider=sc["api.provider"])
    u = read_usage(calls, columns={"timestamp": "ts", "input_tokens": "inp", "output_tokens": "out",
                                   "cache_read_tokens": "read", "cache_write_5m_tokens": "write"})
    billed = price_usage(u)
    expected = 0.9 * billed.loc[~billed["batch"], "usd"].mean() + 0.1 * billed.loc[billed["batch"], "usd"].mean()
    assert float(api_usd_per_request(sc.values, "api")) == pytest.approx(expected, rel=1e-12)
    # and by hand, claude-sonnet-4-5 (3 / 15 / 0.30 / 3.75; batch half of each):
    # hit: 500 x 3 + 1,500 x 0.30 + 300 x 15 = 6,450; miss: 500 x 3 + 1,500 x 3.75 + 300 x 15 = 11,625 (per million)
    assert expected == pytest.approx((0.8 * 6_450 + 0.2 * 11_625) * (0.9 + 0.1 * 0.5) / 1e6, rel=1e-12)
