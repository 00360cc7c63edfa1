"""The claims audit: verdicts rest on arithmetic that can be checked by hand."""

import numpy as np
import pytest

from econ import PARAMS_DIR, claim5_breakeven_by_api, claim18_volumes, claims_audit, load_scenario, option_costs
from econ._claims import claim_8, claim_17, claim_18

DAYS_PER_MONTH = 365 / 12


def test_every_claim_has_a_row_with_verdict_and_numbers(enterprise):
    audit = claims_audit(enterprise)
    assert list(audit["number"]) == list(range(1, 21))
    assert audit["verdict"].str.len().gt(0).all() and audit["arithmetic"].str.contains(r"\d").all()
    cannot = audit[audit["verdict"].str.startswith("cannot")]
    assert (cannot["verdict"].str.len() > len("cannot be computed")).all()  # each says why


def test_claim17_percentage_against_its_own_figures(enterprise):
    v = claim_17(enterprise)
    # 1 - 345/860 = 0.5988 -> 60 %, not the 55 % the article states
    assert v.verdict == "contradicts itself" and "60%" in v.arithmetic and "$387,000" in v.arithmetic


def test_claim18_volume_conversions():
    t = claim18_volumes().set_index("figure")
    assert t.loc["premium models (per month)", "tokens_per_day"] == pytest.approx(11e9 * 12 / 365)
    assert t.loc["cheaper above (per day)", "tokens_per_month"] == pytest.approx(2e6 * 365 / 12)
    assert "contradicts itself" == claim_18(None).verdict


def test_claim8_gpu_counts(enterprise):
    # Llama 3.1 70B (70.6B parameters), 16 requests of 1,300 tokens = 20,800 tokens of KV cache.
    # FP8: 70.6 GB of weights; KV 2 × 80 layers × 8 KV heads × 128 × 1 byte = 163,840 B/token → 3.4 GB; one H100
    #      leaves 0.9 × (80 − 70.6) = 8.5 GB ≥ 3.4: 1 GPU.
    # BF16: 141.2 GB; KV 327,680 B/token → 6.8 GB; two H100s leave 0.9 × (160 − 141.2) = 16.9 GB: 2 GPUs.
    text = claim_8(enterprise).arithmetic
    assert "BF16: 141 GB of weights, 2 × H100-SXM" in text and "FP8: 71 GB of weights, 1 × H100-SXM" in text


def test_claim5_breakeven_falls_as_the_api_gets_dearer():
    t = claim5_breakeven_by_api().dropna()
    assert len(t) >= 5
    assert np.all(np.diff(t["breakeven_tokens_per_day"].to_numpy()) < 0)  # sorted by price, rising


def test_claim5_price_band_by_hand():
    sc = load_scenario(PARAMS_DIR / "one_h100_vs_mid_tier.yaml")
    fixed = float(option_costs(sc.values)["selfhost"]["monthly_usd"])
    # price at which 7.5 million tokens/day cost the same as the fixed H100 deployment
    price_mid = fixed / (7.5e6 * DAYS_PER_MONTH / 1e6)
    lo, hi = fixed / (10e6 * DAYS_PER_MONTH / 1e6), fixed / (5e6 * DAYS_PER_MONTH / 1e6)
    assert lo < price_mid < hi
    audit = claims_audit(sc).set_index("number")
    assert f"${lo:,.2f}-${hi:,.2f}" in audit.loc[5, "arithmetic"]
