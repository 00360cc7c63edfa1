"""Bad input gets a clear error: file, key path, value and what is allowed."""

import os
import shutil
import subprocess
import sys
import tempfile
import threading
import tracemalloc
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from econ import PARAMS_DIR, ScenarioError, load_scenario, scenario_files
from econ._params import DEFAULTS_FILE, MAX_DEPTH


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
        ("workload:\n  requests_per_day: {value: 'lots', source: x}\n", "workload.requests_per_day", "'lots'", "[0.033, 1e12]"),
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
    assert not cand.stated and cand.gpu[0] == "H100-SXM" and "capacity model at" in cand.note
    for g, tp, goodput in zip(cand.gpu, cand.tensor_parallel, cand.goodput_output_tokens_per_s):
        c = serving_capacity("llama-3.1-70b", g, 1000, 250, "fp8", int(tp), 2.0, 0.05)
        assert goodput == pytest.approx(c.output_tokens_per_s)
    msg = error_of(write_scenario(
        "selfhost:\n  replica_output_tokens_per_s: {value: 1234, source: our load test}\n", "bare.yaml"))
    assert "bare.yaml" in msg and "'selfhost.replica_output_tokens_per_s' = 1234 is not allowed without" in msg
    msg = error_of(write_scenario(
        "selfhost:\n  gpu: {value: auto, source: x}\n  replica_output_tokens_per_s: {value: 1234, source: t}\n"
        "  throughput_input_tokens: {value: 1000, source: t}\n  throughput_output_tokens: {value: 250, source: t}\n",
        "auto.yaml"))
    assert "auto.yaml" in msg and "= 1234 is not allowed with selfhost.gpu: auto" in msg
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


# ---------------------------------------------------------------------------------------------------------------
# Issue 17, scenario files: every hostile or broken file ends in a ScenarioError naming the file, the key, the value
# and what is allowed; never another exception.


def write_bytes(tmp_path, data: bytes, name="scenario.yaml"):
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("data, expected", [
    (bytes(range(256)) * 4, "binary file"),
    ("scenario:\n  title: Café für Müller\n".encode("latin-1"), "line 2, column 13: byte 0xe9 is not UTF-8"),
    ("scenario:\n  title: \u201cquoted\u201d\n".encode("cp1252"), "line 2, column 10: byte 0x93 is not UTF-8"),
])
def test_undecodable_files_name_the_file_and_the_encoding_problem(tmp_path, data, expected):
    msg = error_of(write_bytes(tmp_path, data))
    assert msg.startswith(str(tmp_path / "scenario.yaml")) and expected in msg and "expected" in msg


def test_a_folder_a_fifo_and_a_device_say_what_they_are(tmp_path):
    assert "is a folder, not a file" in error_of(tmp_path)
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    done = []
    reader = threading.Thread(target=lambda: done.append(error_of(fifo)), daemon=True)
    reader.start()
    reader.join(10)  # reading a FIFO would block for ever: it must be refused before it is opened
    assert done and "is a named pipe (FIFO), not a file" in done[0]
    assert "is a character device, not a file" in error_of("/dev/null")
    assert "not found" in error_of(tmp_path / "missing.yaml")


def test_an_unreadable_file_says_permission_denied():
    folder = Path(tempfile.mkdtemp())
    try:
        folder.chmod(0o755)
        path = folder / "locked.yaml"
        path.write_text("workload: {}\n")
        path.chmod(0)
        # as root every file is readable: check as the unprivileged user, as a user would meet it
        cmd = [sys.executable, "-m", "econ", "validate", str(path)]
        if os.geteuid() == 0:
            if not shutil.which("setpriv"):
                pytest.skip("running as root without setpriv to drop privileges")
            cmd = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", *cmd]
        run = subprocess.run(cmd, capture_output=True, text=True, cwd=PARAMS_DIR.parent)
        assert run.returncode == 1 and "Traceback" not in run.stderr
        assert f"{path}: cannot be read: permission denied" in run.stderr and "chmod u+r" in run.stderr
    finally:
        shutil.rmtree(folder)


@pytest.mark.parametrize("text", ["", "# only a comment\n", "---\n"])
def test_an_empty_file_is_refused_plainly(write_scenario, text):
    msg = error_of(write_scenario(text))
    assert "is empty" in msg and "NoneType" not in msg and "expected a mapping of sections" in msg


@pytest.mark.parametrize("text, expected", [
    ("- workload\n", "['workload'] is not allowed at the top level; expected a mapping of sections"),
    ("workload: 5000\n", "'workload': 5000 is not allowed; expected a mapping of assumptions (a section must be a mapping)"),
    ("workload:\n  requests_per_day: {valeu: 5, source: t}\n",
     "'workload.requests_per_day' has no value ('valeu' looks like a misspelt 'value')"),
    ("workload:\n  requests_per_day: {low: 1000, high: 5000, source: t}\n",
     "'workload.requests_per_day' has no value (a range goes under dist"),
    ("workload:\n  requests_per_day: {value: 5000, sorce: t}\n", "unknown field 'sorce' ('sorce' looks like a misspelt 'source')"),
    ("workload:\n  requests_per_day: {value: 5000, source: t, dist: {kind: triangualr, low: 1000, high: 9000, source: t}}\n",
     "kind 'triangualr' is not allowed; expected one of uniform, triangular, lognormal, normal. Did you mean 'triangular'?"),
    ("workload:\n  requests_per_day: {value: 5000, source: t, dist: {knd: uniform, low: 1000, high: 9000, source: t}}\n",
     "unknown field(s) ['knd'] is not allowed; expected kind, low, [mode,] high and source"),
    ("workload:\n  requests_per_day: {value: 5000, source: t, dist: {low: 1000, high: 9000, source: t}}\n",
     "no kind is not allowed; expected one of uniform, triangular, lognormal, normal"),
])
def test_messages_name_the_right_thing(write_scenario, text, expected):
    path = write_scenario(text)
    msg = error_of(path)
    assert msg.startswith(f"{path}: ") and expected in msg, msg
    assert "unknown key" not in msg and "NoneType" not in msg and "kind None" not in msg


def test_deep_nesting_is_refused_before_the_parser_recurses(write_scenario):
    for deep in ("workload: " + "{a: " * 3000 + "1" + "}" * 3000 + "\n", "workload: " + "[" * 3000 + "]" * 3000 + "\n",
                 "a:\n" + "".join(" " * i + f"k:\n" for i in range(1, 1000)) + " " * 1000 + "x: 1\n"):
        msg = error_of(write_scenario(deep))
        assert f"nesting deeper than {MAX_DEPTH} levels is not allowed" in msg and "line " in msg


@pytest.mark.parametrize("digits", [400, 5000])
def test_a_huge_integer_is_refused_not_overflowed(write_scenario, digits):
    msg = error_of(write_scenario(f"workload:\n  requests_per_day: {{value: {'9' * digits}, source: x}}\n"))
    assert "workload.requests_per_day" in msg or "line 2" in msg
    assert f"{digits:,} digits" in msg or f"about {digits:,} digits" in msg
    assert "expected" in msg


def test_anchors_and_aliases_are_refused_before_any_expansion(write_scenario):
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [{', '.join(['*' + p] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi"))
    bomb += "workload:\n  requests_per_day: {value: 5, source: *i}\n"
    tracemalloc.start()
    msg = error_of(write_scenario(bomb))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert "line 1, column 4: an anchor (&a) is not allowed" in msg and peak < 20e6
    msg = error_of(write_scenario("workload:\n  requests_per_day: {value: 5, source: *x}\n", "alias.yaml"))
    assert "alias.yaml" in msg and "an alias (*x) is not allowed" in msg
    msg = error_of(write_scenario("workload:\n  <<: {requests_per_day: {value: 5, source: x}}\n", "merge.yaml"))
    assert "a merge key (<<) is not allowed" in msg


@pytest.mark.parametrize("text, where", [
    ("workload:\n  requests_per_day: {value: 5, source: a}\nworkload:\n  peak_to_mean: {value: 2, source: b}\n",
     "line 3, column 1: duplicate key 'workload' (first on line 1)"),
    ("workload:\n  requests_per_day: {value: 5, source: a}\n  requests_per_day: {value: 9, source: b}\n",
     "line 3, column 3: duplicate key 'requests_per_day' (first on line 2)"),
    ("workload:\n  requests_per_day:\n    value: 5\n    value: 9\n    source: a\n", "line 4, column 5: duplicate key 'value'"),
])
def test_duplicate_keys_are_refused_with_their_line(write_scenario, text, where):
    msg = error_of(write_scenario(text))
    assert where in msg and "expected each key once" in msg


@pytest.mark.parametrize("key, value, allowed", [
    ("workload.requests_per_day", "1e308", "[0.033, 1e12]"),
    ("workload.requests_per_day", "1e15", "[0.033, 1e12]"),
    ("workload.requests_per_day", "1e-300", "[0.033, 1e12]"),
    ("workload.requests_per_day", ".nan", "a finite number [requests/day] in [0.033, 1e12]"),
    ("workload.peak_to_mean", "1e308", "[1, 24)"),
    ("workload.peak_to_mean", "24", "[1, 24)"),
    ("selfhost.redundancy_replicas", "1e308", "a whole number [replicas] in [0, 1e15]"),
    ("selfhost.max_utilization", "1e-300", "[1e-15, 1]"),
    ("traffic.step_minutes", "1e-6", "[1, 1440]"),
    ("workload.input_tokens_per_request", "1e308", "[1, 1e7]"),
    ("engineering.loaded_usd_per_hour", ".inf", "a finite number [USD/hour] in [0, inf)"),
    ("selfhost.amortization_years", "1e-300", "[1e-15, 1e15] (numbers in scenario files lie between"),
])
def test_numbers_beyond_what_the_model_computes_are_refused(write_scenario, key, value, allowed):
    section, name = key.split(".")
    checked = ", checked: '2026'" if "usd" in name else ""
    path = write_scenario(f"{section}:\n  {name}: {{value: {value}, source: x{checked}}}\n")
    msg = error_of(path)
    assert msg.startswith(f"{path}: '{key}': ") and "expected a " in msg and allowed in msg, msg


def test_a_real_enterprise_volume_is_accepted_and_computes(write_scenario):
    from econ import best_path, compare, timeline_from_scenario

    sc = load_scenario(write_scenario("workload:\n  requests_per_day: {value: 1e9, source: x}\n"))
    table = compare(sc)
    assert np.isfinite(table[["monthly_usd", "usd_per_mtok", "gpus"]].to_numpy(float)[2]).all()
    tl = timeline_from_scenario(sc)
    assert tl.gpus.max() > 1e4 and np.isfinite(best_path(tl).pv_usd)  # notebook 07 at 10,000+ GPUs


def test_a_request_must_fit_the_models_context_window(write_scenario):
    path = write_scenario("workload:\n  input_tokens_per_request: {value: 200000, source: x}\n")
    msg = error_of(path)
    assert msg.startswith(f"{path} and params/_defaults.yaml: 'workload.input_tokens_per_request': 200000, "
                          "'workload.output_tokens_per_request': 250 are not allowed")
    assert "context window of selfhost.model Llama 3.3 70B Instruct: 131,072 tokens" in msg and "does not fit" not in msg
    msg = error_of(write_scenario("selfhost:\n  model: {value: llama-3.1-8b, source: x}\n"
                                  "finetune:\n  long_prompt_tokens: {value: 300000, source: x}\n"))
    assert "'finetune.long_prompt_tokens': 300000" in msg and "context window" in msg


def test_all_options_forbidden_is_refused(write_scenario):
    off = "  permitted: {value: false, source: x}\n"
    msg = error_of(write_scenario(f"api:\n{off}managed:\n{off}selfhost:\n{off}"))
    assert "'api.permitted': False, 'managed.permitted': False, 'selfhost.permitted': False" in msg
    assert "expected at least one option permitted" in msg
    msg = error_of(write_scenario(f"api:\n{off}selfhost:\n{off}", "managed_only.yaml"))
    assert "managed_only.yaml" in msg and "'api.permitted': False, 'selfhost.permitted': False" in msg
    assert "notebook 04" in msg


@pytest.mark.parametrize("text, expected", [
    ("finetune:\n  short_prompt_tokens: {value: 6000, source: x}\n", "the short (fine-tuned) prompt to be at most the long one"),
    ("routing:\n  premium_quality_hard: {value: 0.3, source: x}\n", "premium_quality_easy >= open_quality_easy"),
    ("selfhost:\n  replica_output_tokens_per_s: {value: 1e-14, source: x}\n  throughput_input_tokens: {value: 1000, source: x}\n"
     "  throughput_output_tokens: {value: 250, source: x}\n", "a self-hosted fleet of at most 2^53"),
    ("horizon:\n  months: {value: 120, source: x}\n  growth_per_month: {value: 1, source: x}\n",
     "growth that keeps the volume within workload.requests_per_day's bound"),
    ("traffic:\n  step_minutes: {value: 1440, source: x}\n  days: {value: 1, source: x}\n",
     "a peak-to-mean the synthetic profile can reach"),
])
def test_rules_across_assumptions(write_scenario, text, expected):
    msg = error_of(write_scenario(text))
    assert "scenario.yaml" in msg and expected in msg, msg


def test_a_fleet_that_cannot_serve_blames_the_scenario_that_set_it(write_scenario):
    path = write_scenario("selfhost:\n  tensor_parallel: {value: 1, source: x}\n")  # 70B FP8 needs two H100s
    msg = error_of(path)
    assert msg.startswith(f"{path}: 'selfhost.model'") and "tensor_parallel=1" in msg and "cannot be served" in msg


def test_the_fleet_must_serve_the_finetuning_prompts_too(write_scenario):
    path = write_scenario("workload:\n  output_tokens_per_request: {value: 1, source: x}\n")  # found by the fuzzer
    msg = error_of(path)  # was a ValueError from the fleet in notebook 04, at the 5,000-token long prompt
    assert msg.startswith(f"{path} and params/_defaults.yaml: 'finetune.long_prompt_tokens': 5000, "
                          "'workload.output_tokens_per_request': 1")
    assert "expected a prompt the self-hosted fleet can serve within the latency targets" in msg


def test_half_a_measured_shape_blames_the_file_that_gave_it(write_scenario):
    path = write_scenario("selfhost:\n  throughput_input_tokens: {value: 1000, source: x}\n")
    assert error_of(path).startswith(f"{path}: 'selfhost.throughput_input_tokens' = 1000 is not allowed alone: state both")


def test_a_trace_too_short_for_an_hourly_peak_needs_a_stated_peak_to_mean(write_scenario):
    path = write_scenario("traffic:\n  profile: {value: azure-code, source: x}\n")
    msg = error_of(path)  # was a ValueError from the trace: no complete hour in a one-hour trace
    assert msg.startswith(f"{path} and params/_defaults.yaml: 'traffic.profile': 'azure-code', 'workload.peak_to_mean'")
    assert "expected workload.peak_to_mean stated in the scenario" in msg and "4.18 times the mean" in msg
    stated = write_scenario("traffic:\n  profile: {value: azure-code, source: x}\n"
                            "workload:\n  peak_to_mean: {value: 4.18, source: x}\n", "stated.yaml")
    assert load_scenario(stated)["workload.peak_to_mean"] == 4.18


@pytest.mark.parametrize("day", ["1990-01-01", "2099-01-01", "2026-02-30", "whenever"])
def test_price_date_within_the_catalogs_dates(write_scenario, day):
    from econ._prices import price_history_start

    msg = error_of(write_scenario(f"prices:\n  price_date: {{value: '{day}', source: x}}\n"))
    assert f"'prices.price_date': '{day}'" in msg
    expected = f"a date from {price_history_start()}" if day[0] in "12" and day != "2026-02-30" else "YYYY-MM-DD"
    assert expected in msg, msg


@pytest.mark.parametrize("checked, ok", [("2026", True), ("2026-05", True), ("2026-05-01", True), (2024, True),
                                         ("whenever", False), ("2099", False), (f"{date.today().year + 1}-01", False),
                                         ("2026-13", False), ("2026-02-30", False), ("26", False), ("1850", False)])
def test_checked_is_a_real_past_date(write_scenario, checked, ok):
    text = f"selfhost:\n  rent_usd_per_gpu_hour: {{value: 2.5, source: x, checked: {checked!r}}}\n"
    if ok:
        assert load_scenario(write_scenario(text)).assumptions["selfhost.rent_usd_per_gpu_hour"].checked == str(checked)
    else:
        msg = error_of(write_scenario(text))
        assert "'selfhost.rent_usd_per_gpu_hour.checked'" in msg and "YYYY, YYYY-MM or YYYY-MM-DD" in msg


@pytest.mark.parametrize("title, expected", [
    ("[a, b]", "['a', 'b'] is not allowed; expected a title: one line of text"),
    ("'" + "x" * 100_000 + "'", "(100,002 characters) is not allowed; expected a title: one line of text of at most 120"),
    ('"two\\nlines"', "without a line break"),
    ('"bell\\a"', "without the control character U+0007"),
    ('"\\u202eevil"', "without the control character U+202E"),
    ("2026", "2026 is not allowed; expected a title"),
])
def test_title_is_one_bounded_line_of_text(write_scenario, title, expected):
    msg = error_of(write_scenario(f"scenario:\n  title: {title}\n"))
    assert "'scenario.title'" in msg and expected in msg, msg


def test_source_must_be_text(write_scenario):
    msg = error_of(write_scenario("workload:\n  requests_per_day: {value: 5000, source: [a, b]}\n"))
    assert "'workload.requests_per_day.source': ['a', 'b'] is not allowed; expected a source" in msg


@pytest.mark.parametrize("model", ["claude-sonnet-4-5<img src=x>", "claude-sonnet-4-5-20250929", "Claude-Sonnet-4-5"])
def test_model_is_the_catalogs_exact_id_with_the_nearest_suggested(write_scenario, model):
    msg = error_of(write_scenario(f"api:\n  model: {{value: '{model}', source: x}}\n"))
    assert "'api.model'" in msg and "exactly (did you mean 'claude-sonnet-4-5'" in msg, msg


def test_unknown_provider_blames_the_scenario_not_the_defaults(write_scenario):
    path = write_scenario("api:\n  provider: {value: anthropc, source: x}\n")
    msg = error_of(path)
    assert msg.startswith(f"{path}: 'api.provider': 'anthropc' is not allowed; expected a provider id")
    assert "params/_defaults.yaml" not in msg and "did you mean 'anthropic'" in msg
    msg = error_of(write_scenario("api:\n  provider: {value: openai, source: x}\n"))  # the default model is not OpenAI's
    assert "'api.provider': 'openai', 'api.model': 'claude-sonnet-4-5' are not allowed" in msg


def test_latency_target_missed_names_the_scenario_and_the_target(write_scenario):
    path = write_scenario("selfhost:\n  ttft_slo_s: {value: 1e-9, source: x}\n")
    msg = error_of(path)
    assert msg.startswith(f"{path}: ") and "'selfhost.ttft_slo_s' = 1e-09 s" in msg and "Loosen a target" in msg


@pytest.mark.parametrize("data", [b"\x00\x01binary", b"workload: [\n", "t\u00e9".encode("latin-1"), b"a: &x 1\nb: *x\n"])
def test_cli_validate_prints_the_refusal_without_a_traceback(tmp_path, capsys, data):
    from econ.__main__ import main

    path = write_bytes(tmp_path, data)
    assert main(["validate", str(path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"error: {path}:") and "expected" in err and "Traceback" not in err


def test_a_scenario_written_from_a_log_names_the_catalogs_exact_id(tmp_path):
    """A log names models as the API took them (dated ids); the scenario written from it names the catalog's id."""
    import json

    from econ import scenario_from_log

    log = tmp_path / "log.jsonl"
    log.write_text("\n".join(json.dumps({"timestamp": f"2026-11-0{1 + i % 5}T{i % 24:02d}:{i % 60:02d}:00Z",
                                         "provider": "anthropic", "model": "claude-sonnet-4-5-20250929",
                                         "input_tokens": 1000 + i, "output_tokens": 200}) for i in range(600)))
    sc = load_scenario(scenario_from_log(log, out=tmp_path / "sc" / "measured.yaml"))
    assert (sc["api.provider"], sc["api.model"]) == ("anthropic", "claude-sonnet-4-5")
    assert "the log names it 'claude-sonnet-4-5-20250929'" in sc.assumptions["api.model"].source


def test_a_model_config_path_is_read_relative_to_the_scenario_file(tmp_path, monkeypatch):
    """It was read relative to the working directory: validate passed from one folder, the report failed."""
    from econ._models import CONFIG_DIR

    (tmp_path / "cfg").mkdir()
    (tmp_path / "cfg" / "mine.json").write_text((CONFIG_DIR / "Qwen__Qwen3-8B.json").read_text())
    scenario = tmp_path / "s.yaml"
    scenario.write_text("selfhost:\n  model: {value: cfg/mine.json, source: our fine-tune}\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    sc = load_scenario(os.path.relpath(scenario))
    assert Path(sc["selfhost.model"]).resolve() == (tmp_path / "cfg" / "mine.json").resolve()


def test_every_token_bin_fits_the_context_window_of_every_model(write_scenario):
    """Only the mean was checked: a 1,000,000-token bin rendered."""
    bins = ("workload:\n  input_tokens_per_request: {value: 1999, source: t}\n"
            "  output_tokens_per_request: {value: 300, source: t}\n  token_distribution:\n"
            "    value: {input_tokens: [1000, 1000000], output_tokens: [300, 300], share: [0.999, 0.001]}\n"
            "    source: t\n")
    msg = error_of(write_scenario(bins, "bins.yaml"))
    assert "bins.yaml: 'workload.token_distribution' has a bin of 1,000,000 input and 300 output tokens" in msg
    assert "context window of selfhost.model" in msg and "131,072 tokens" in msg


def test_a_quoted_boolean_and_the_defaults_file_are_refused_with_the_reason(write_scenario):
    msg = error_of(write_scenario('api:\n  permitted: {value: "false", source: t}\n', "q.yaml"))
    assert "'api.permitted': 'false' is not allowed; expected true or false without quotes" in msg
    msg = error_of(DEFAULTS_FILE)  # was: "'prices.price_date': unknown field 'allowed'"
    assert msg.startswith("params/_defaults.yaml: the shared defaults") and "not a scenario" in msg


# ------------------------------------------------------------------------------------------------- labels

import re  # noqa: E402

from econ import _params  # noqa: E402
from econ._params import MAX_LABEL_CHARS, key_label  # noqa: E402
from econ._prices import BILLING_LABELS  # noqa: E402

LABEL_TEXT = r"[A-Z0-9][A-Za-z0-9 ,()'-]*[A-Za-z)]"
"""A label: sentence case, plain words (nothing Markdown or HTML would read), no trailing punctuation."""


def test_every_leaf_of_the_defaults_has_a_short_unique_label_without_its_unit():
    flat, _ = _params._load_defaults()
    labels = {key: leaf.get("label") for key, leaf in flat.items()}
    assert not [k for k, x in labels.items() if not isinstance(x, str)], "leaves without a label"
    too_long = {k: x for k, x in labels.items() if len(x) > MAX_LABEL_CHARS}
    assert not too_long and MAX_LABEL_CHARS == 50
    folded = [x.casefold() for x in labels.values()]
    assert sorted(x for x in set(folded) if folded.count(x) > 1) == []
    assert [x for x in labels.values() if not re.fullmatch(LABEL_TEXT, x)] == []
    # words, not the key; no unit (the unit is shown with the value)
    for key, x in labels.items():
        unit = str(flat[key].get("unit") or "")
        assert x != key_label(key) and "_" not in x and "USD" not in x and "/" not in x, (key, x)
        assert not (unit and f"({unit.casefold()})" in x.casefold()), (key, x, unit)


def test_every_assumption_of_every_scenario_carries_a_label_the_derived_facts_too():
    for f in scenario_files():
        sc = load_scenario(f)
        derived = [a for a in sc.assumptions.values() if a.key.split(".")[1] in BILLING_LABELS]  # billing rules
        assert all(a.label and a.label != key_label(a.key) and len(a.label) <= MAX_LABEL_CHARS
                   for a in sc.assumptions.values()), f.name
        labels = [a.label for a in sc.assumptions.values()]
        assert len(set(labels)) == len(labels), f.name
        assert derived or f.name != "enterprise_steady.yaml"  # Claude Sonnet 4.5: a long-context tier
        for a in derived:
            assert a.label.startswith(("Closed-API ", "Managed-endpoint ")), a.label
    varied = sc.replace({"workload.requests_per_day": 1.0})  # a varied copy keeps the label
    assert varied.assumptions["workload.requests_per_day"].label == "Requests per day"


def test_an_assumption_without_a_label_gets_one_from_its_key():
    a = _params.Assumption("selfhost.cache_step_tokens", 1, "tokens", "s")
    assert a.label == "Cache step tokens (selfhost)"
    assert _params.Assumption("api.x", 1, None, "s", label="Given").label == "Given"


@pytest.mark.parametrize("field", ["label", "allowed"])
def test_a_scenario_may_not_set_a_label_or_what_is_allowed(write_scenario, field):
    path = write_scenario(f"workload:\n  requests_per_day: {{value: 5000, source: t, {field}: Daily calls}}\n")
    msg = error_of(path)
    assert msg.startswith(f"{path}: 'workload.requests_per_day': field '{field}' = 'Daily calls' is not allowed in a "
                          "scenario file; expected the fields checked, dist, note, source, unit, value"), msg
    assert ("'Requests per day'" if field == "label" else "'[0.033, 1e12]'") in msg


@pytest.mark.parametrize("change, expected", [
    (lambda t: t.replace('    label: "Requests per day"\n', "", 1), "'workload.requests_per_day' lacks ['label']"),
    (lambda t: t.replace('label: "Requests per day"', 'label: "' + "Requests " * 6 + '"', 1),
     "'workload.requests_per_day.label': 'Requests Requests Requests Requests Requests Requests ' is not allowed; "
     "expected a label: a short noun phrase of at most 50 characters"),
    (lambda t: t.replace('label: "Requests per day"', 'label: "Input tokens per request"', 1),
     "'workload.input_tokens_per_request.label': 'Input tokens per request' is not allowed; expected a label no "
     "other assumption has ('workload.requests_per_day' has it)"),
])
def test_the_defaults_refuse_a_missing_long_or_repeated_label(tmp_path, monkeypatch, change, expected):
    defaults = tmp_path / "params" / "_defaults.yaml"
    defaults.parent.mkdir()
    defaults.write_text(change((PARAMS_DIR / "_defaults.yaml").read_text(encoding="utf-8")), encoding="utf-8")
    monkeypatch.setattr(_params, "PROJECT_DIR", tmp_path)
    monkeypatch.setattr(_params, "DEFAULTS_FILE", defaults)
    _params._parse_defaults.cache_clear()
    try:
        with pytest.raises(ScenarioError) as info:
            _params._load_defaults()
    finally:
        _params._parse_defaults.cache_clear()
    assert str(info.value).startswith("params/_defaults.yaml: ") and expected in str(info.value), str(info.value)
