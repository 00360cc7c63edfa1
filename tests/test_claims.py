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
    # 70B: BF16 140 GB, FP8 70 GB, INT4 35 GB; 80 GB cards keeping 35 % free hold 52 GB -> 4 (3 rounded to 2^k), 2, 1
    text = claim_8(enterprise).arithmetic
    assert "BF16: 140 GB of weights, 4 × 80 GB" in text and "FP8: 70 GB of weights, 2 × 80 GB" in text
    assert "INT4: 35 GB of weights, 1 × 80 GB" in text


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
