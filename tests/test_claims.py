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
    # Llama 3.1 70B, 16 requests of 1,300 tokens = 20,800 tokens of BF16 KV cache (327,680 B/token: 6.8 GB).
    # FP8: 72.7 GB of weights (embedding and head BF16); one H100 has 0.9 × 81,559 MiB = 77.0 GB for the engine,
    #      less 5.3 GB of vLLM's sampler profiling (1,024 × 128,256 × 40 B) and 0.5 GiB: no KV cache left; 2 GPUs.
    # BF16: 141.1 GB; two H100s: 70.6 GB each plus the 5.3 GB and 2 GiB reserves exceed 77.0 GB: 4 GPUs.
    text = claim_8(enterprise).arithmetic
    # vLLM's defaults (econ.kv_cache_tokens): 0.9 of each GPU, less the weights and the profiling reserve
    assert "BF16: 141 GB of weights, 4 × H100-SXM" in text and "FP8: 73 GB of weights, 2 × H100-SXM" in text


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
