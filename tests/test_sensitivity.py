"""Sensitivity analysis: distributions in scenario files, tornado, surfaces, Monte Carlo and Sobol indices."""

import dataclasses

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from econ import PARAMS_DIR, ScenarioError, compare, cost_vs_volume, load_scenario
from econ._sensitivity import (
    Uncertainty,
    _expand,
    _sobol_evaluations,
    _sobol_from_evaluations,
    breakeven_surface,
    breakeven_surface_chart,
    draw_assumptions,
    monte_carlo,
    probability_cheaper,
    probability_cheaper_chart,
    reference_option,
    savings_distribution_chart,
    savings_usd,
    sensitivity_summary,
    sobol_chart,
    sobol_indices,
    tornado,
    tornado_chart,
    uncertain_assumptions,
    uncertainty_table,
    wilson_interval,
)


def only(scenario, dists):
    """The scenario with every distribution removed but ``dists`` ({key: dist mapping})."""
    a = {k: dataclasses.replace(x, dist=dists.get(k)) for k, x in scenario.assumptions.items()}
    return dataclasses.replace(scenario, assumptions=a)


def dist(kind, low, high, mode=None, allowed="[0, inf)"):
    d = {"kind": kind, "low": float(low), "high": float(high), "source": "test", "allowed": allowed}
    return d if mode is None else {**d, "mode": float(mode)}


# --------------------------------------------------------------------------------- scenario files: dist


def error_of(path):
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    return str(info.value)


RENT = "selfhost:\n  rent_usd_per_gpu_hour: {{value: 2.69, source: x, checked: '2026', dist: {d}}}\n"


@pytest.mark.parametrize(
    "yaml_text, must_contain",
    [
        (RENT.format(d="{kind: uniform, low: 3, high: 2, source: y}"),
         ["selfhost.rent_usd_per_gpu_hour", "low 3", "above high 2", "low <= high"]),
        (RENT.format(d="{kind: triangular, low: 1, mode: 4, high: 3, source: y}"), ["mode 4", "above high 3"]),
        (RENT.format(d="{kind: uniform, low: -1, high: 3, source: y}"), ["dist.low", "-1", "[0, inf)"]),
        ("selfhost:\n  max_utilization: {value: 0.8, source: x, dist: {kind: normal, low: 0.7, high: 1.2, source: y}}\n",
         ["selfhost.max_utilization", "dist.high", "1.2", "(0, 1]"]),
        (RENT.format(d="{kind: triangle, low: 1, high: 3, source: y}"),
         ["kind 'triangle' is not allowed", "uniform, triangular, lognormal, normal", "Did you mean 'triangular'"]),
        (RENT.format(d="{kind: uniform, low: 1, high: 3}"), ["missing ['source']"]),
        (RENT.format(d="{kind: uniform, low: 1, high: 3, sd: 2, source: y}"), ["unknown field(s) ['sd']"]),
        (RENT.format(d="{kind: uniform, low: 3, high: 4, source: y}"), ["value 2.69 lies outside [3, 4]"]),
        (RENT.format(d="{kind: lognormal, low: 0, high: 4, source: y}"), ["dist.low", "lognormal needs low > 0"]),
        (RENT.format(d="{kind: normal, low: 2, high: 2, source: y}"), ["normal needs low < high"]),
        (RENT.format(d="[1, 3]"), ["[1, 3]", "expected a mapping"]),
        ("api:\n  model: {value: gpt-4.1, source: x, dist: {kind: uniform, low: 1, high: 2, source: y}}\n",
         ["api.model", "only a continuous number"]),
        ("selfhost:\n  redundancy_replicas: {value: 1, source: x, dist: {kind: uniform, low: 0, high: 2, source: y}}\n",
         ["selfhost.redundancy_replicas", "whole number", "only a continuous number"]),
    ],
)
def test_bad_distributions_name_file_key_value_and_allowed(write_scenario, yaml_text, must_contain):
    msg = error_of(write_scenario(yaml_text))
    assert "scenario.yaml" in msg
    for text in must_contain:
        assert text in msg, msg


def test_a_distribution_is_kept_validated_and_dropped_by_a_bare_override(write_scenario):
    sc = load_scenario(write_scenario(RENT.format(d="{kind: triangular, low: 1.70, high: 3.78, source: y}")))
    d = sc.assumptions["selfhost.rent_usd_per_gpu_hour"].dist
    assert d == {"kind": "triangular", "low": 1.7, "mode": 2.69, "high": 3.78, "source": "y", "allowed": "[0, inf)"}
    bare = load_scenario(write_scenario("selfhost:\n  rent_usd_per_gpu_hour: {value: 0.9, source: x, checked: '2026'}\n"))
    assert bare.assumptions["selfhost.rent_usd_per_gpu_hour"].dist is None  # the default's H100 range is not kept
    assert bare.assumptions["selfhost.engineering_hours_per_month"].dist["kind"] == "uniform"  # untouched defaults keep theirs


def test_degenerate_uniform_is_allowed(write_scenario):
    sc = load_scenario(write_scenario(RENT.format(d="{kind: uniform, low: 2.69, high: 2.69, source: y}")))
    assert sc.assumptions["selfhost.rent_usd_per_gpu_hour"].dist["low"] == 2.69


def test_every_shipped_distribution_has_a_source_and_contains_its_value():
    from econ import scenario_files

    for f in scenario_files():
        us = uncertain_assumptions(load_scenario(f))
        assert len(us) >= 8, f.name
        for u in us:
            assert u.source.strip() and u.low <= u.value <= u.high, (f.name, u.key)


def test_price_factor_scales_all_four_token_prices(write_scenario):
    base = load_scenario(write_scenario("scenario: {title: base}\n", "base.yaml"))
    cut = load_scenario(write_scenario("api:\n  price_factor: {value: 0.8, source: 'negotiated discount'}\n"))
    for p in ("input", "output", "cache_read", "cache_write"):
        key = f"api.{p}_usd_per_mtok"
        assert cut[key] == pytest.approx(0.8 * base[key], rel=1e-12)
        assert "price_factor 0.8" in cut.assumptions[key].source
    assert cut["managed.input_usd_per_mtok"] == base["managed.input_usd_per_mtok"]
    assert cut["api.batch_price_factor"] == base["api.batch_price_factor"]


# ------------------------------------------------------------------------------------------ distributions

Q = np.array([0.0, 0.01, 0.05, 0.2, 0.5, 0.8, 0.95, 0.99, 1.0])


def test_ppf_matches_scipy_for_every_kind():
    u = Uncertainty("k", 2.0, "", "uniform", 1.0, 4.0, 2.0, 0.0, np.inf, "")
    np.testing.assert_allclose(u.ppf(Q), stats.uniform(1, 3).ppf(Q), rtol=1e-12)
    t = Uncertainty("k", 2.69, "", "triangular", 1.70, 3.78, 2.69, 0.0, np.inf, "")
    np.testing.assert_allclose(t.ppf(Q), stats.triang((2.69 - 1.70) / 2.08, 1.70, 2.08).ppf(Q), rtol=1e-12)
    # lognormal: 5th and 95th percentiles 10,000 and 40,000 -> median 20,000, sigma = ln 2 / 1.6449
    ln = Uncertainty("k", 20000.0, "", "lognormal", 10000.0, 40000.0, 20000.0, 0.0, np.inf, "")
    sigma = np.log(2) / stats.norm.ppf(0.95)
    np.testing.assert_allclose(ln.ppf(Q[1:-1]), stats.lognorm(sigma, scale=20000).ppf(Q[1:-1]), rtol=1e-10)
    # normal 0.65-0.9 truncated to (0, 1]: mean 0.775, sd 0.125 / 1.6449
    nm = Uncertainty("k", 0.8, "", "normal", 0.65, 0.9, 0.8, 0.0, 1.0, "")
    mu, sd = 0.775, 0.125 / stats.norm.ppf(0.95)
    ref = stats.truncnorm((0 - mu) / sd, (1 - mu) / sd, loc=mu, scale=sd)
    np.testing.assert_allclose(nm.ppf(Q[1:-1]), ref.ppf(Q[1:-1]), rtol=1e-9)
    assert nm.ppf(1.0) <= 1.0 and nm.ppf(0.0) >= 0.0


def test_truncation_moves_mass_inside_the_allowed_interval():
    # a normal centred at 0.95 with 95th percentile 1.1, truncated to (0, 1]: nothing above 1
    nm = Uncertainty("k", 0.9, "", "normal", 0.8, 1.1, 0.9, 0.0, 1.0, "")
    x = nm.ppf(np.random.default_rng(0).random(100_000))
    assert x.max() <= 1.0
    mu, sd = 0.95, 0.15 / stats.norm.ppf(0.95)
    assert x.mean() == pytest.approx(stats.truncnorm(-mu / sd, (1 - mu) / sd, loc=mu, scale=sd).mean(), abs=2e-3)


def test_draws_are_seeded_and_excluding_a_key_leaves_the_others(enterprise):
    a = draw_assumptions(enterprise, 1000, seed=7)
    b = draw_assumptions(enterprise, 1000, seed=7, exclude=("workload.requests_per_day",))
    c = draw_assumptions(enterprise, 1000, seed=8)
    assert "workload.requests_per_day" not in b
    for k in b:
        np.testing.assert_array_equal(a[k], b[k])
    assert not np.array_equal(a["selfhost.rent_price_factor"], c["selfhost.rent_price_factor"])


@pytest.mark.parametrize("k, n", [(0, 10), (3, 10), (8, 10), (10, 10), (512, 1000), (1, 100_000)])
def test_wilson_interval_matches_scipy(k, n):
    lo, hi = wilson_interval(k, n, 0.95)
    ref = stats.binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    assert (float(lo), float(hi)) == pytest.approx((ref.low, ref.high), abs=1e-12)


# ----------------------------------------------------------------------------------------------- tornado


def test_tornado_swing_of_a_linear_assumption_equals_the_hand_computed_difference(enterprise):
    # Savings = API cost - self-hosted cost; the labour rate multiplies hours on both sides:
    # API 4 engineering + 4 evaluation = 8 h/month; self-hosted 80 + 20 + 160/12 upgrade = 113.333 h/month.
    # d(savings)/d(rate) = 8 - 113.333 = -105.333 h/month; range 48-100 USD/h -> swing 52 x 105.333 = 5,477.33 USD.
    t = tornado(enterprise)
    s = t[(t["metric"] == "savings_usd") & (t["key"] == "engineering.loaded_usd_per_hour")].set_index("end")
    assert s.loc["low", "swing"] == pytest.approx(52 * (80 + 20 + 160 / 12 - 8), rel=1e-12)
    assert s.loc["low", "change"] == pytest.approx((75 - 48) * (113 + 1 / 3 - 8), rel=1e-12)
    assert s.loc["high", "change"] == pytest.approx(-(100 - 75) * (113 + 1 / 3 - 8), rel=1e-12)
    # GPU rent: 4 GPUs x 730 h x (1 - 30 % commitment) x 2.69 USD/GPU-h x (1.41 - 0.63) = 4,289.12 USD/month
    # (the fleet stays 2 × H100 at TP 2 across the range: no other degree or GPU becomes cheaper; TP 1 does not
    # start at vLLM's defaults, econ.feasible_tensor_parallel)
    r = t[(t["metric"] == "savings_usd") & (t["key"] == "selfhost.rent_price_factor")]
    assert compare(enterprise).set_index("key").loc["selfhost", "gpus"] == 4
    assert r["swing"].iloc[0] == pytest.approx(4 * 730 * 0.7 * 2.69 * 0.78, rel=1e-12)
    # API prices: the savings move by the API's token bill times the factor's range (0.5 to 1.1)
    p = t[(t["metric"] == "savings_usd") & (t["key"] == "api.price_factor")]
    tokens_usd = compare(enterprise).set_index("key").loc["api", "tokens_usd"]
    assert p["swing"].iloc[0] == pytest.approx(0.6 * tokens_usd, rel=1e-12)


def test_tornado_is_sorted_flags_flips_and_moves_the_breakeven_the_right_way(enterprise):
    t = tornado(enterprise)
    s = t[t["metric"] == "savings_usd"]
    swings = s.drop_duplicates("key")["swing"].to_numpy()
    assert (np.diff(swings) <= 0).all() and list(s.drop_duplicates("key")["rank"]) == list(range(1, len(swings) + 1))
    assert (s["flips"] == (np.sign(s["result"]) != np.sign(s["base_result"]))).all()
    b = t[(t["metric"] == "breakeven_tokens_per_day") & (t["key"] == "selfhost.rent_price_factor")].set_index("end")
    assert b.loc["low", "result"] < b.loc["low", "base_result"] < b.loc["high", "result"]  # dearer GPUs, later breakeven
    v = t[(t["metric"] == "breakeven_tokens_per_day") & (t["key"] == "workload.requests_per_day")]
    assert (v["swing"] == 0).all()  # the volume does not move the breakeven volume


# ------------------------------------------------------------------------------------------------ surfaces


def test_indifference_line_is_where_savings_are_zero(enterprise):
    # rent and the API price enter the savings linearly, so the interpolated crossings are exact
    s = breakeven_surface(enterprise, "gpu_price", "api_usd_per_mtok", points=9)
    line = s[s["kind"] == "indifference"]
    assert len(line) > 5
    c = compare(enterprise).set_index("key").loc["api"]
    blended = c["tokens_usd"] / (c["monthly_usd"] / c["usd_per_mtok"])  # token bill / Mtok per month [USD/Mtok]
    v = enterprise.values
    again = savings_usd(_expand(v, {"selfhost.rent_price_factor": line["x"].to_numpy() / 2.69,
                                    "api.price_factor": line["y"].to_numpy() / blended}))
    scale = np.abs(s.loc[s["kind"] == "grid", "savings_usd"]).max()
    assert np.abs(again).max() < 1e-9 * scale
    here = s[s["kind"] == "scenario"].iloc[0]
    assert here["x"] == 2.69 and here["y"] == pytest.approx(blended)
    assert here["savings_usd"] == pytest.approx(float(savings_usd(v)))


def test_surface_over_volume_matches_the_cost_curve(enterprise):
    s = breakeven_surface(enterprise, "tokens_per_day", "planned_utilization", points=7)
    g = s[s["kind"] == "grid"]
    top = g[g["y"] == g["y"].max()]  # planned utilization = max_utilization: peak_to_mean = 1
    flat = enterprise.replace({"workload.peak_to_mean": 1.0})
    c = cost_vs_volume(flat, top["x"].to_numpy())
    np.testing.assert_allclose(top["savings_usd"], c["api"] - c["selfhost"], rtol=1e-12)


@pytest.mark.parametrize(
    "x, y, message",
    [
        ("selfhost.rent_price_factr", "tokens_per_day", "Did you mean 'selfhost.rent_price_factor'"),
        ("selfhost.gpu", "tokens_per_day", "numeric assumption key"),
        ("tokens_per_day", "tokens_per_day", "both 'tokens_per_day'"),
        ("tokens_per_day", "workload.requests_per_day", "both set ['workload.requests_per_day']"),
    ],
)
def test_surface_axes_are_checked(enterprise, x, y, message):
    with pytest.raises(ValueError) as info:
        breakeven_surface(enterprise, x, y, points=5)
    assert message in str(info.value)


# --------------------------------------------------------------------------------------------- Monte Carlo


def test_degenerate_distributions_give_probability_zero_or_one(enterprise):
    fixed = only(enterprise, {"selfhost.rent_price_factor": dist("uniform", 1.0, 1.0),
                              "engineering.loaded_usd_per_hour": dist("triangular", 75, 75, 75)})
    mc = monte_carlo(fixed, n=2_000, seed=3)
    base = float(savings_usd(enterprise.values))
    assert (mc["savings_usd"] == base).all() and mc["holds"].all()
    assert (mc["savings_usd"] > 0).mean() == float(base > 0)
    p = probability_cheaper(fixed, n=500, seed=3, points=15)
    c = cost_vs_volume(enterprise, p["tokens_per_day"].to_numpy())
    expected = (c["api"] - c["selfhost"] > 0).astype(float)
    np.testing.assert_array_equal(p["probability"], expected)
    assert set(expected) == {0.0, 1.0}  # the range spans the breakeven


def test_mean_savings_under_a_linear_assumption(enterprise):
    # only the labour rate uncertain, triangular(48, 75, 100): E[rate] = 223/3; savings fall 105.333 USD per USD/h
    sc = only(enterprise, {"engineering.loaded_usd_per_hour": dist("triangular", 48, 100, 75)})
    mc = monte_carlo(sc, n=200_000, seed=11)
    expected = float(savings_usd(enterprise.values)) - (223 / 3 - 75) * (113 + 1 / 3 - 8)
    sd = 105.333 * np.sqrt((48**2 + 75**2 + 100**2 - 48 * 75 - 48 * 100 - 75 * 100) / 18)
    assert mc["savings_usd"].mean() == pytest.approx(expected, abs=4 * sd / np.sqrt(200_000))


def test_monte_carlo_is_identical_for_the_same_seed(enterprise):
    a, b = monte_carlo(enterprise, n=5_000, seed=2026), monte_carlo(enterprise, n=5_000, seed=2026)
    pd.testing.assert_frame_equal(a, b)
    assert not monte_carlo(enterprise, n=5_000, seed=2027)["savings_usd"].equals(a["savings_usd"])
    pd.testing.assert_frame_equal(probability_cheaper(enterprise, 1_000, 5, points=7),
                                  probability_cheaper(enterprise, 1_000, 5, points=7))


def test_monte_carlo_columns_and_recommendation(enterprise):
    mc = monte_carlo(enterprise, n=3_000, seed=1)
    costs = mc[["api_usd", "managed_usd", "selfhost_usd"]].to_numpy()
    assert (mc["cheapest"].astype(str).to_numpy() == np.array(["api", "managed", "selfhost"])[costs.argmin(axis=1)]).all()
    assert mc.attrs["recommended"] == compare(enterprise).sort_values("monthly_usd")["key"].iloc[0]
    np.testing.assert_allclose(mc["savings_usd"], mc["api_usd"] - mc["selfhost_usd"])


def test_regulated_scenario_is_measured_against_the_managed_endpoint():
    sc = load_scenario(PARAMS_DIR / "regulated_on_prem.yaml")
    assert reference_option(sc) == "managed"
    mc = monte_carlo(sc, n=1_000, seed=1, against="managed")
    assert set(mc["cheapest"].astype(str)) <= {"managed", "selfhost"}  # the API is not permitted
    np.testing.assert_allclose(mc["savings_usd"], mc["managed_usd"] - mc["selfhost_usd"])


@pytest.mark.parametrize("call", [
    lambda sc: monte_carlo(sc, n=0, seed=1),
    lambda sc: monte_carlo(sc, n=10, seed=1, against="selfhost"),
    lambda sc: sobol_indices(sc, n=1000, seed=1),
    lambda sc: wilson_interval(1, 2, confidence=1.5),
])
def test_bad_arguments_raise(enterprise, call):
    with pytest.raises(ValueError):
        call(enterprise)


# --------------------------------------------------------------------------------------------------- Sobol


def uniform(lo, hi):
    return Uncertainty("x", (lo + hi) / 2, "", "uniform", lo, hi, (lo + hi) / 2, -np.inf, np.inf, "")


def test_sobol_indices_of_an_additive_function():
    # f = x1 + 2 x2 with x ~ U(0, 1): V = 1/12 + 4/12, so S1 = ST1 = 0.2 and S2 = ST2 = 0.8
    fa, fb, fab = _sobol_evaluations(lambda x: x[0] + 2 * x[1], [uniform(0, 1), uniform(0, 1)], 2**12, seed=1)
    first, total, lo, hi = _sobol_from_evaluations(fa, fb, fab, seed=1, confidence=0.95, n_resamples=100)
    np.testing.assert_allclose(first, [0.2, 0.8], atol=0.02)
    np.testing.assert_allclose(total, [0.2, 0.8], atol=0.02)
    assert (lo[0] <= first).all() and (first <= hi[0]).all() and (hi[1] - lo[1] < 0.1).all()


def test_sobol_indices_of_the_ishigami_function():
    # Ishigami (a = 7, b = 0.1) on [-pi, pi]^3: S = (0.3139, 0.4424, 0), ST = (0.5576, 0.4424, 0.2437)
    # (Saltelli et al., Global Sensitivity Analysis: The Primer, 2008)
    def f(x):
        return np.sin(x[0]) + 7 * np.sin(x[1]) ** 2 + 0.1 * x[2] ** 4 * np.sin(x[0])

    fa, fb, fab = _sobol_evaluations(f, [uniform(-np.pi, np.pi)] * 3, 2**13, seed=2)
    first, total, _, _ = _sobol_from_evaluations(fa, fb, fab, seed=2, confidence=0.95, n_resamples=10)
    np.testing.assert_allclose(first, [0.3139, 0.4424, 0.0], atol=0.03)
    np.testing.assert_allclose(total, [0.5576, 0.4424, 0.2437], atol=0.03)


def test_sobol_on_a_scenario_is_deterministic_and_exact_for_an_unused_assumption(enterprise):
    a = sobol_indices(enterprise, n=2**8, seed=4, n_resamples=30)
    pd.testing.assert_frame_equal(a, sobol_indices(enterprise, n=2**8, seed=4, n_resamples=30))
    unused = a[a["key"] == "selfhost.purchase_usd_per_gpu"]  # rented GPUs: the purchase price plays no part
    assert (unused[["value", "ci_low", "ci_high"]].to_numpy() == 0).all()
    assert (a["ci_low"] <= a["value"] + 1e-12).all() and (a["value"] <= a["ci_high"] + 1e-12).all()
    assert a.attrs["evaluations"] == 2**8 * (len(uncertain_assumptions(enterprise)) + 2)


# ------------------------------------------------------------------------------------ charts and summary


def test_charts_build(enterprise):
    t = tornado(enterprise)
    mc = monte_carlo(enterprise, n=2_000, seed=1)
    for chart in (tornado_chart(t, "savings_usd"), tornado_chart(t, "breakeven_tokens_per_day"),
                  breakeven_surface_chart(breakeven_surface(enterprise, points=5)),
                  savings_distribution_chart(mc), probability_cheaper_chart(probability_cheaper(enterprise, 500, 1, points=5)),
                  sobol_chart(sobol_indices(enterprise, n=2**6, seed=1, n_resamples=10))):
        spec = chart.to_dict()
        assert spec["layer"] and "title" in spec
    with pytest.raises(ValueError, match="metric"):
        tornado_chart(t, "cost")


def test_charts_name_assumptions_by_label_and_range_the_key_in_the_tooltip(enterprise):
    """Issue 16: bars read 'Requests per day (30,000 to 120,000 requests/day)', not 'workload.requests_per_day ...'."""
    t = tornado(enterprise)
    s = sobol_indices(enterprise, n=2**6, seed=1, n_resamples=10)
    dist = enterprise.assumptions["workload.requests_per_day"].dist  # lognormal, 5th and 95th percentiles stated
    want = f"Requests per day ({dist['low']:,.0f} to {dist['high']:,.0f} requests/day)"
    for frame, chart in ((t, tornado_chart(t, "savings_usd", top=40)), (s, sobol_chart(s, top=40))):
        assert set(frame.loc[frame["key"] == "workload.requests_per_day", "label"]) == {want}
        spec = chart.to_dict()
        rows = [r for data in spec["datasets"].values() for r in data if "label" in r]
        assert rows and all(r["label"].startswith(enterprise.assumptions[r["key"]].label + " (") for r in rows)
        tips = [x for layer in spec["layer"] for x in layer.get("encoding", {}).get("tooltip", [])]
        assert {"field": "key", "type": "nominal", "title": "key"} in tips
    fractions = t.loc[t["key"] == "selfhost.max_utilization", "label"].iloc[0]
    assert fractions == "Maximum replica utilization at peak (65% to 90% of replica capacity at peak)"
    surface = breakeven_surface(enterprise, "tokens_per_day", "selfhost.max_utilization", points=3)
    assert set(surface["y_axis"]) == {"Maximum replica utilization at peak (fraction of replica capacity at peak)"}


def test_summary_states_the_computed_figures(enterprise):
    t = tornado(enterprise)
    mc = monte_carlo(enterprise, n=4_000, seed=9)
    sob = sobol_indices(enterprise, n=2**7, seed=9, n_resamples=10)
    p = probability_cheaper(enterprise, 1_000, 9, points=9)
    from econ import decide

    d = decide(enterprise, draws=2_000)
    text = str(sensitivity_summary(enterprise, t, mc, sob, p, d))
    top3 = t[t["metric"] == "savings_usd"].drop_duplicates("key")["key"].head(3).tolist()
    named = [f'{i}. <span class="econ-assumption" title="{k}">{enterprise.assumptions[k].label}</span>'
             for i, k in enumerate(top3, 1)]  # each by its label, its key in the tooltip
    positions = [text.index(n) for n in named]
    assert positions == sorted(positions) and "`" not in text
    cheaper = int((mc["savings_usd"] > 0).sum())  # this page's own question: self-hosting against the API
    assert (f"in all {len(mc):,} draws" if cheaper == len(mc) else "in none of the draws" if cheaper == 0
            else f"{cheaper / len(mc):.1%}") in text
    assert f'data-fact="confidence">{d.confidence:.0%}<' in text and "routed split" in text  # the decision's own
    assert "seed 9" in text
    table = uncertainty_table(enterprise)
    assert table["key"].tolist() == [u.key for u in uncertain_assumptions(enterprise)]
    assert table["assumption"].tolist() == [enterprise.assumptions[k].label for k in table["key"]]


# ---------------------------------------------------------------------------------------------- properties

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 10_000), frac=st.floats(0, 1), conf=st.floats(0.5, 0.999))
def test_wilson_interval_holds_the_estimate_inside_zero_one(n, frac, conf):
    k = round(frac * n)
    lo, hi = wilson_interval(k, n, conf)
    assert 0 <= lo <= k / n <= hi <= 1


@settings(max_examples=60, deadline=None)
@given(kind=st.sampled_from(["uniform", "triangular", "normal", "lognormal"]), low=st.floats(0.1, 10),
       width=st.floats(0.01, 10), where=st.floats(0, 1), slack=st.sampled_from([0.0, 0.1, np.inf]))
def test_ppf_is_monotone_and_inside_the_allowed_interval(kind, low, width, where, slack):
    high = low + width
    upper = high * (1 + slack)  # validation keeps low and high inside the allowed interval
    mode = low + where * width
    u = Uncertainty("k", mode, "", kind, low, high, mode, 0.0, upper, "")
    x = u.ppf(np.linspace(0.001, 0.999, 201))
    assert (np.diff(x) >= -1e-9 * high).all() and (x >= 0).all() and (x <= upper).all()
    if kind in ("uniform", "triangular"):
        assert x.min() >= low - 1e-9 and x.max() <= high + 1e-9
