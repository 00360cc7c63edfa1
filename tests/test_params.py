"""Bad input gets a clear error: file, key path, value and what is allowed."""

import subprocess
import sys

import pytest

from econ import PARAMS_DIR, ScenarioError, load_scenario, scenario_files


def error_of(path):
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    return str(info.value)


def test_every_shipped_scenario_loads_and_names_itself():
    files = scenario_files()
    assert len(files) >= 4
    for f in files:
        sc = load_scenario(f)
        assert sc.name == f.stem and sc.title and sc.description


def test_every_numeric_assumption_has_unit_and_source_and_prices_a_date():
    for f in scenario_files():
        for a in load_scenario(f).assumptions.values():
            assert a.source.strip(), a.key
            if isinstance(a.value, (int, float)) and not isinstance(a.value, bool):
                assert a.unit, a.key
            if a.unit and "USD" in a.unit and a.value is not None:
                assert a.checked, f"{f.name}: {a.key} is a price without a checked date"


def test_override_wins_and_keeps_its_source(enterprise):
    a = enterprise.assumptions["workload.requests_per_day"]
    assert a.value == 60000 and a.origin == "enterprise_steady.yaml" and "tens of millions" in a.source
    d = enterprise.assumptions["workload.cacheable_prefix_share"]
    assert d.origin == "_defaults.yaml"


def test_typo_key_suggests_the_closest(write_scenario):
    msg = error_of(write_scenario("workload:\n  request_per_day: {value: 5, source: x}\n"))
    assert "scenario.yaml" in msg and "workload.request_per_day" in msg
    assert "Did you mean 'workload.requests_per_day'" in msg


def test_typo_section_suggests_the_closest(write_scenario):
    msg = error_of(write_scenario("workoad:\n  requests_per_day: {value: 5, source: x}\n"))
    assert "workoad" in msg and "Did you mean 'workload'" in msg


@pytest.mark.parametrize(
    "yaml_text, key, value, allowed",
    [
        ("selfhost:\n  rent_usd_per_gpu_hour: {value: -2, source: x, checked: '2026'}\n",
         "selfhost.rent_usd_per_gpu_hour", "-2", "[0, inf)"),
        ("selfhost:\n  max_utilization: {value: 1.5, source: x}\n", "selfhost.max_utilization", "1.5", "(0, 1]"),
        ("selfhost:\n  max_utilization: {value: 0, source: x}\n", "selfhost.max_utilization", "0", "(0, 1]"),
        ("workload:\n  requests_per_day: {value: 'lots', source: x}\n", "workload.requests_per_day", "'lots'", "(0, inf)"),
        ("selfhost:\n  redundancy_replicas: {value: 1.5, source: x}\n", "selfhost.redundancy_replicas", "1.5", "whole number"),
        ("selfhost:\n  gpu_cost_mode: {value: lease, source: x}\n", "selfhost.gpu_cost_mode", "'lease'", "'rent', 'buy'"),
        ("api:\n  permitted: {value: 'no', source: x}\n", "api.permitted", "'no'", "true or false"),
    ],
)
def test_bad_values_name_file_key_value_and_allowed(write_scenario, yaml_text, key, value, allowed):
    msg = error_of(write_scenario(yaml_text))
    assert "scenario.yaml" in msg and key in msg and value in msg and allowed in msg


def test_unknown_gpu_lists_valid_names(write_scenario):
    msg = error_of(write_scenario("selfhost:\n  gpu: {value: H1000, source: x}\n"))
    assert "selfhost.gpu" in msg and "H1000" in msg and "H100-SXM" in msg


def test_unknown_provider_and_model(write_scenario):
    msg = error_of(write_scenario("api:\n  provider: {value: anthropc, source: x}\n"))
    assert "api.provider" in msg and "anthropc" in msg and "'anthropic'" in msg
    msg = error_of(write_scenario("api:\n  model: {value: claude-sonet-4-5, source: x}\n"))
    assert "claude-sonet-4-5" in msg and "claude-sonnet-4-5" in msg


def test_missing_file_lists_the_scenarios():
    msg = error_of("params/no_such_scenario.yaml")
    assert "params/no_such_scenario.yaml" in msg and "not found" in msg and "enterprise_steady.yaml" in msg


def test_override_needs_a_source_and_prices_a_date(write_scenario):
    assert "no source" in error_of(write_scenario("workload:\n  requests_per_day: {value: 5}\n"))
    assert "checked" in error_of(write_scenario("selfhost:\n  rent_usd_per_gpu_hour: {value: 2, source: x}\n"))
    msg = error_of(write_scenario("workload:\n  requests_per_day: 5\n"))
    assert "workload.requests_per_day" in msg and "value and source" in msg


def test_unit_must_match_the_defaults(write_scenario):
    msg = error_of(write_scenario("workload:\n  requests_per_day: {value: 5, unit: requests/hour, source: x}\n"))
    assert "requests/hour" in msg and "requests/day" in msg


def test_scientific_notation_is_a_number(write_scenario):
    sc = load_scenario(write_scenario("workload:\n  requests_per_day: {value: 1e6, source: x}\n"))
    assert sc["workload.requests_per_day"] == 1_000_000


def test_price_override_replaces_the_catalog(write_scenario):
    sc = load_scenario(write_scenario(
        "api:\n  input_usd_per_mtok: {value: 2.5, source: 'negotiated contract', checked: '2026-10-01'}\n"))
    a = sc.assumptions["api.input_usd_per_mtok"]
    assert a.value == 2.5 and a.source == "negotiated contract"
    assert "genai-prices" in sc.assumptions["api.output_usd_per_mtok"].source


def test_cli_validate_exit_codes(write_scenario):
    bad = write_scenario("selfhost:\n  max_utilization: {value: 1.5, source: x}\n")
    good = PARAMS_DIR / "enterprise_steady.yaml"
    ok = subprocess.run([sys.executable, "-m", "econ", "validate", str(good)], capture_output=True, text=True)
    assert ok.returncode == 0 and "ok" in ok.stdout
    fail = subprocess.run([sys.executable, "-m", "econ", "validate", str(good), str(bad)], capture_output=True, text=True)
    assert fail.returncode == 1 and "selfhost.max_utilization" in fail.stderr and "1.5" in fail.stderr


def test_throughput_derived_by_the_capacity_model_unless_stated(write_scenario):
    from econ import fleet_candidates, serving_capacity

    sc = load_scenario(write_scenario("selfhost:\n  model: {value: Llama-3.1-70B, source: x}\n"))
    cand = fleet_candidates(sc.values)
    assert not cand.stated and cand.gpu[0] == "H100-SXM" and "serving_capacity" in cand.note
    for g, tp, goodput in zip(cand.gpu, cand.tensor_parallel, cand.goodput_output_tokens_per_s):
        c = serving_capacity("llama-3.1-70b", g, 1000, 250, "fp8", int(tp), 2.0, 0.05)
        assert goodput == pytest.approx(c.output_tokens_per_s)
    with pytest.raises(ScenarioError, match="needs the request shape it was measured at"):
        load_scenario(write_scenario(
            "selfhost:\n  replica_output_tokens_per_s: {value: 1234, source: our load test}\n", "bare.yaml"))
    measured = load_scenario(write_scenario(
        "selfhost:\n  replica_output_tokens_per_s: {value: 1234, source: our load test}\n"
        "  throughput_input_tokens: {value: 1000, source: our load test}\n"
        "  throughput_output_tokens: {value: 250, source: our load test}\n", "measured.yaml"))
    cand = fleet_candidates(measured.values)
    assert cand.stated and cand.stated_scale == 1.0 and len(cand) == 1  # measured at the scenario's own shape


def test_capacity_model_errors_name_file_key_and_what_is_allowed(write_scenario):
    path = write_scenario("selfhost:\n  model: {value: llama-9b, source: x}\n")
    msg = error_of(path)
    assert "scenario.yaml" in msg and "selfhost.model" in msg and "llama-9b" in msg and "llama-3.1-8b" in msg
    msg = error_of(write_scenario("selfhost:\n  precision: {value: fp6, source: x}\n", "b.yaml"))
    assert "b.yaml" in msg and "selfhost.precision" in msg and "fp6" in msg and "'fp8'" in msg
    msg = error_of(write_scenario("selfhost:\n  tpot_slo_s: {value: 0.0001, source: x}\n", "t.yaml"))
    assert "t.yaml" in msg and "selfhost.tpot_slo_s" in msg and "0.0001" in msg and "latency targets" in msg


def test_peak_to_mean_measured_on_the_scenarios_trace_unless_stated(write_scenario):
    from econ import peak_to_mean, trace_profile

    sc = load_scenario(write_scenario("traffic:\n  profile: {value: servegen-m-small, source: x}\n"))
    a = sc.assumptions["workload.peak_to_mean"]
    assert a.origin == "traffic trace" and "servegen-m-small" in a.source
    assert a.value == pytest.approx(peak_to_mean(trace_profile("servegen-m-small"), "1h"), abs=1e-4)
    stated = write_scenario("traffic:\n  profile: {value: servegen-m-small, source: x}\n"
                            "workload:\n  peak_to_mean: {value: 3.0, source: y}\n", "stated.yaml")
    assert load_scenario(stated)["workload.peak_to_mean"] == 3.0
    assert load_scenario(write_scenario("workload:\n  requests_per_day: {value: 5, source: y}\n", "s.yaml"))[
        "workload.peak_to_mean"] == 1.9  # synthetic profile: the default, built from it
