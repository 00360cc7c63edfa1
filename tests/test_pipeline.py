"""The decision pipeline (econ/_pipeline.py): eligibility at the quality floor, the recommendation, flip points by
root finding, breakevens as intervals, the confidence, and decision.json."""

import math
import subprocess
import sys

import numpy as np
import pytest

from econ import (
    PARAMS_DIR,
    breakeven_tokens_per_day,
    cheaper_intervals,
    decide,
    load_decision,
    load_scenario,
    optimal_split,
    option_costs,
    routing_from_scenario,
    scenario_files,
)
from econ._pipeline import plan_costs, quality_inputs


@pytest.fixture(scope="module")
def decisions():
    return {p.stem: decide(load_scenario(p), draws=5_000) for p in scenario_files()}


def test_enterprise_recommends_the_routed_split_at_equal_quality(decisions):
    d = decisions["enterprise_steady"]
    # quality by hand: open 0.8 × 0.95 + 0.2 × 0.5 = 0.86; premium 0.8 × 0.95 + 0.2 × 0.9 = 0.94;
    # floor = 0.86 + 0.8 × (0.94 − 0.86) = 0.924: neither open option is eligible, however cheap
    assert d.quality_floor == pytest.approx(0.924) and d.quality_basis == "floor"
    assert not d.options["managed"].eligible and not d.options["selfhost"].eligible
    assert d.options["managed"].monthly_usd < d.options["api"].monthly_usd
    plan = optimal_split(**routing_from_scenario(load_scenario(PARAMS_DIR / "enterprise_steady.yaml")).split_args)
    assert d.recommended == "routed" and d.options["routed"].monthly_usd == pytest.approx(plan.monthly_usd)
    assert d.runner_up == "api"
    assert d.savings_usd_per_month == pytest.approx(d.options["api"].monthly_usd - d.options["routed"].monthly_usd)
    assert sum(d.options["routed"].shares.values()) == pytest.approx(1.0)


def test_every_permitted_option_is_eligible_when_the_floor_asks_nothing_more(decisions):
    d = decisions["one_h100_vs_mid_tier"]  # routing.recovered_fraction 0: claim 5 compares costs only
    assert d.quality_basis == "cost only"
    eligible = [o for o in d.options.values() if o.eligible]
    assert d.recommended == min(eligible, key=lambda o: o.monthly_usd).key


def test_flip_of_an_assumption_without_range_is_found_and_warned(decisions):
    # regulated_on_prem: self-hosted beats the managed endpoint, whose cost includes 15,000 USD/month of compliance.
    # The decision flips where the managed cost equals the self-hosted one: 15,000 − (managed − self-hosted).
    d = decisions["regulated_on_prem"]
    assert d.recommended == "selfhost" and d.runner_up == "managed"
    by_hand = 15_000 - (d.options["managed"].monthly_usd - d.options["selfhost"].monthly_usd)
    flip = next(f for f in d.flips if f["key"] == "managed.compliance_usd_per_month")
    assert flip["flip_value"] == pytest.approx(by_hand, rel=1e-6) and flip["direction"] == "below"
    assert not flip["has_range"] and any("managed.compliance_usd_per_month" in w for w in d.warnings)
    sc = load_scenario(PARAMS_DIR / "regulated_on_prem.yaml")
    for x, winner in ((by_hand * 1.001, "selfhost"), (by_hand * 0.999, "managed")):
        assert decide(sc.replace({"managed.compliance_usd_per_month": x}), draws=100).recommended == winner


def test_validate_prints_the_warning_and_passes(tmp_path):
    run = subprocess.run([sys.executable, "-m", "econ", "validate", str(PARAMS_DIR / "regulated_on_prem.yaml")],
                         capture_output=True, text=True)
    assert run.returncode == 0 and "warning:" in run.stderr and "managed.compliance_usd_per_month" in run.stderr


def test_flip_of_a_ranged_assumption_by_root_finding(decisions):
    d = decisions["enterprise_steady"]
    f = next(f for f in d.flips if f["key"] == "engineering.loaded_usd_per_hour")
    sc = load_scenario(PARAMS_DIR / "enterprise_steady.yaml")
    below = decide(sc.replace({"engineering.loaded_usd_per_hour": f["flip_value"] * (1 - 1e-6)}), draws=100)
    above = decide(sc.replace({"engineering.loaded_usd_per_hour": f["flip_value"] * (1 + 1e-6)}), draws=100)
    assert {below.recommended, above.recommended} == {d.recommended, f["new_recommended"]}


def test_breakeven_intervals_cover_the_range_and_name_the_cheaper(enterprise):
    iv = cheaper_intervals(enterprise, "managed", "selfhost")
    assert iv[0]["from_tokens_per_day"] == 1e5 and iv[-1]["to_tokens_per_day"] == 1e10
    for a, b in zip(iv, iv[1:]):
        assert a["to_tokens_per_day"] == b["from_tokens_per_day"] and a["cheaper"] != b["cheaper"]
    tpr = 1_300
    for i in iv:  # at the middle of each interval the named option is the cheaper one
        mid = math.sqrt(i["from_tokens_per_day"] * i["to_tokens_per_day"])
        c = option_costs({**enterprise.values, "workload.requests_per_day": mid / tpr})
        other = "selfhost" if i["cheaper"] == "managed" else "managed"
        assert c[i["cheaper"]]["monthly_usd"] < c[other]["monthly_usd"]
    assert len(iv) > 2  # the fleet grows in steps: the managed endpoint is cheaper again between two of them
    be = breakeven_tokens_per_day(enterprise, "managed", "selfhost")
    assert be.tokens_per_day == iv[1]["from_tokens_per_day"] and "changes more than once" in be.note


def test_decision_json_round_trips(decisions, tmp_path):
    for d in decisions.values():
        path = tmp_path / f"{d.scenario}.json"
        d.to_json(path)
        back = load_decision(path)
        assert back.to_dict() == d.to_dict()
        assert back.fleet.gpus == d.fleet.gpus and back.options[d.recommended].monthly_usd == d.recommended_plan.monthly_usd


def test_confidence_is_certain_without_ranges_and_below_one_with_them(enterprise):
    bare = enterprise.replace({})
    bare = type(bare)(**{**bare.__dict__, "assumptions": {k: a.__class__(**{**a.__dict__, "dist": None})
                                                          for k, a in bare.assumptions.items()}})
    assert decide(bare, draws=1_000).confidence == 1.0
    d = decide(enterprise, draws=20_000)
    assert 0.5 < d.confidence < 1.0


def test_routed_split_reaches_the_floor_in_every_draw(enterprise):
    # its router is re-tuned to the floor: quality equals the floor wherever the floor is reachable
    from econ._pipeline import _routed_split
    from econ._sensitivity import _expand, draw_assumptions

    routed, _ = _routed_split(enterprise)
    v = _expand(enterprise.values, draw_assumptions(enterprise, 2_000, 1, sections=("routing",)))
    p = plan_costs(v, routed)["routed"]
    floor = quality_inputs(v)["floor"]
    ok = p["eligible"]
    assert ok.mean() > 0.9
    np.testing.assert_allclose(np.asarray(p["quality"])[ok], np.broadcast_to(floor, ok.shape)[ok], atol=1e-9)


def test_no_eligible_plan_is_an_error_naming_the_scenario(enterprise):
    sc = enterprise.replace({"api.permitted": False, "routing.recovered_fraction": 1.0, "managed.permitted": False})
    sc = sc.replace({"selfhost.permitted": False})
    with pytest.raises(ValueError, match="params/enterprise_steady.yaml: no option or plan is eligible"):
        decide(sc, draws=10)


def test_flips_are_named_by_their_label_and_keep_their_key(decisions, tmp_path):
    """Issue 16: a finance reader reads 'Compliance cost of the managed endpoint below $9,383/month', not the key;
    the key stays in the tooltip, decision.json and the warning."""
    from econ._brief import decision_brief
    from econ._report import comparison_table
    from econ._views import summary_markdown, usd

    d = decisions["regulated_on_prem"]
    flip = next(f for f in d.flips if f["key"] == "managed.compliance_usd_per_month")
    assert flip["label"] == "Compliance cost of the managed endpoint"
    named = '<span class="econ-assumption" title="managed.compliance_usd_per_month">'
    brief = str(decision_brief(d))
    assert (f"{named}Compliance cost of the managed endpoint</span> below {usd(flip['flip_value'])}/month "
            "(now $15,000/month, no range stated) → managed open endpoint") in brief
    assert "`" not in brief and brief.count("managed.compliance_usd_per_month") == 1  # in the tooltip only
    first = d.flips[0]
    assert f'title="{first["key"]}">{first["label"][0].lower()}{first["label"][1:]}</span> goes' in str(summary_markdown(d))
    assert f'title="{first["key"]}">{first["label"]}</span> {first["direction"]}' in comparison_table([d])
    warning = next(w for w in d.warnings if "managed.compliance_usd_per_month" in w)
    assert warning.startswith("Compliance cost of the managed endpoint ('managed.compliance_usd_per_month') = $15,000/month")
    d.to_json(tmp_path / "decision.json")
    assert load_decision(tmp_path / "decision.json").flips == d.flips  # the label travels with the key
    old = d.flips[0].copy()
    old.pop("label")  # a decision.json written before labels: the key's words
    from econ._brief import _flip_text

    assert _flip_text(old, {}).startswith(f'<span class="econ-assumption" title="{old["key"]}">')


def test_bought_gpus_depreciate_in_the_monthly_cost_as_the_cash_flow_sells_them(decisions):
    """The monthly cost's straight-line depreciation runs down to the resale value at the end of the life, the
    book value at which the cash flow sells the GPUs: over one life both charge capex × (1 − resale share)."""
    from econ._cashflow import residual_value_usd

    d = decisions["regulated_on_prem"]
    o = d.options["selfhost"]
    h = d.horizon
    assert o.capex_usd > 0 and h["resale_share"] > 0
    depreciation = o.monthly_usd - o.opex_usd_per_month
    assert depreciation == pytest.approx(o.components["gpu_usd"])
    sold = float(residual_value_usd(o.capex_usd, h["life_months"], h["life_months"], h["resale_share"]))
    assert depreciation * h["life_months"] == pytest.approx(o.capex_usd - sold)
    assert depreciation * h["life_months"] == pytest.approx(o.capex_usd * (1 - h["resale_share"]))


def test_every_unranged_flip_the_confidence_leaves_out_is_listed(decisions):
    """one_h100: the confidence said it leaves out 4 assumptions "(below)", and only 3 flips were listed."""
    from econ._brief import decision_brief

    d = decisions["one_h100_vs_mid_tier"]
    text = str(decision_brief(d))
    assert len(d.unranged_flips) == 4 and f"leaves out {len(d.unranged_flips)} assumptions" in text
    assert all(f'title="{f["key"]}"' in text for f in d.unranged_flips)


def test_the_self_hosted_plan_reads_as_a_noun(decisions):
    from econ._brief import decision_brief
    from econ._views import decision_sentence

    d = decisions["regulated_on_prem"]
    assert 'Recommended: the <span class="econ-fact" data-fact="recommended">self-hosted</span> fleet, ' in str(decision_brief(d))
    assert 'is the **<span class="econ-fact" data-fact="recommended">self-hosted</span> fleet** at' in decision_sentence(d)
