"""The cheapest fleet (econ/_fleet.py): brute force over every feasible configuration, known answers, vectorization."""

import numpy as np
import pytest

import econ
from econ import (
    HOURS_PER_MONTH,
    PARAMS_DIR,
    ScenarioError,
    fleet_candidates,
    gpu_names,
    gpu_spec,
    load_scenario,
    option_costs,
    scenario_files,
    serving_capacity,
    size_fleet,
)


def _per_gpu_month(v, gpu):
    """What one GPU costs a month, by hand from the scenario's values and the catalog (rent or buy)."""
    spec = gpu_spec(gpu)
    if v["selfhost.gpu_cost_mode"] == "rent":
        rent = v["selfhost.rent_usd_per_gpu_hour"]
        rent = spec["rent_usd_per_gpu_hour"]["value"] * v["selfhost.rent_price_factor"] if rent is None else rent
        return HOURS_PER_MONTH * rent * (1 - v["selfhost.commitment_discount"])
    price = v["selfhost.purchase_usd_per_gpu"]
    price = spec["purchase_usd_per_gpu"]["value"] * v["selfhost.purchase_price_factor"] if price is None else price
    server = spec.get("server_power_w_per_gpu")
    watts = server["value"] if server else spec["tdp_w"] * v["selfhost.server_power_per_tdp"]
    power = watts / 1000 * v["selfhost.power_draw_share"] * v["selfhost.pue"] * HOURS_PER_MONTH * v["selfhost.electricity_usd_per_kwh"]
    return price * (1 - v["horizon.resale_share"]) / (12 * v["selfhost.amortization_years"]) + power + v["selfhost.hosting_usd_per_gpu_month"]


@pytest.mark.parametrize("path", scenario_files(), ids=lambda p: p.stem)
def test_no_feasible_configuration_is_cheaper_than_the_chosen_fleet(path):
    """Brute force: every GPU the scenario allows, every tensor-parallel degree 1-8 the capacity model accepts, every
    replica count from 1 to 64 that serves the peak at the head-room, plus the spares; none costs less."""
    v = load_scenario(path).values
    chosen = option_costs(v)["selfhost"]
    chosen_usd = float(chosen["gpu_usd"] + chosen["power_usd"] + chosen["hosting_usd"])
    peak = v["workload.requests_per_day"] / 86_400 * v["workload.peak_to_mean"]
    gpus = gpu_names() if v["selfhost.gpu"] == "auto" else [v["selfhost.gpu"]]
    stated = v["selfhost.replica_output_tokens_per_s"]
    tried = 0
    for gpu in gpus:
        for tp in (1, 2, 4, 8):
            try:
                c = serving_capacity(v["selfhost.model"], gpu, v["workload.input_tokens_per_request"],
                                     v["workload.output_tokens_per_request"], v["selfhost.precision"], tp,
                                     v["selfhost.ttft_slo_s"], v["selfhost.tpot_slo_s"])
            except ValueError:
                continue
            if c.output_tokens_per_s <= 0:
                continue
            tokens_per_s = c.output_tokens_per_s * v["selfhost.throughput_factor"]
            if stated is not None:  # a measured throughput: its one configuration, rescaled to this shape
                if tp != int(chosen["tensor_parallel"]):
                    continue
                tokens_per_s = stated * fleet_candidates(v).stated_scale
            rps = tokens_per_s / v["workload.output_tokens_per_request"]
            for serving in range(1, 65):
                if serving < v["selfhost.min_replicas"] or serving * rps * v["selfhost.max_utilization"] < peak:
                    continue
                tried += 1
                usd = (serving + v["selfhost.redundancy_replicas"]) * tp * _per_gpu_month(v, gpu)
                assert usd >= chosen_usd - 1e-6, f"{gpu} × TP{tp}, {serving} serving replicas: {usd:,.2f} < {chosen_usd:,.2f}"
    assert tried > 0


def test_enterprise_fleet_is_two_h100s_per_replica(enterprise):
    # Llama 3.3 70B at FP8 does not fit one H100 at vLLM's defaults (67.7 GiB of weights and 5.4 GiB of engine
    # reserve in 0.9 × 79.6 GiB leave no KV cache): the candidates start at tensor parallel 2. At the peak of 1.29
    # requests/s one TP2 replica serves it, plus the N+1 spare: 4 GPUs, 4 × 730 h × 2.69 USD × (1 − 0.30) = 5,498.32.
    cand = fleet_candidates(enterprise.values)
    assert 1 not in cand.tensor_parallel and any(tp == 1 and "does not fit" in r for _, tp, r in cand.refused)
    c = option_costs(enterprise.values)["selfhost"]
    assert (c["tensor_parallel"], c["replicas"], c["gpus"]) == (2, 2, 4)
    assert float(c["gpu_usd"]) == pytest.approx(4 * 730 * 2.69 * 0.7)
    tp4 = size_fleet({**enterprise.values, "selfhost.tensor_parallel": 4})
    assert float(tp4["gpu_usd"]) == pytest.approx(8 * 730 * 2.69 * 0.7)


def test_gpu_and_degree_are_re_chosen_at_every_volume_of_a_sweep(write_scenario):
    sc = load_scenario(write_scenario("selfhost:\n  gpu: {value: auto, source: x}\n"))
    v = sc.values
    volumes = np.geomspace(1e3, 1e8, 200)
    swept = size_fleet({**v, "workload.requests_per_day": volumes})
    cand = fleet_candidates(v)
    fleet_usd = swept["gpu_usd"] + swept["power_usd"] + swept["hosting_usd"]
    for i in range(len(cand)):  # each candidate alone: the sweep's choice is never dearer than any
        one = size_fleet({**v, "workload.requests_per_day": volumes, "selfhost.gpu": cand.gpu[i],
                          "selfhost.tensor_parallel": int(cand.tensor_parallel[i])})
        assert np.all(fleet_usd <= one["gpu_usd"] + one["power_usd"] + one["hosting_usd"] + 1e-6)
    chosen = {(cand.gpu[i], int(tp)) for i, tp in zip(swept["candidate"], swept["tensor_parallel"])}
    assert len(chosen) > 1  # small volumes on L40S, large ones on H100s


def test_prompt_length_arrays_size_each_shape_like_a_scalar(enterprise):
    v = enterprise.values
    prompts = np.array([500.0, 1000.0, 5000.0, 500.0])
    vec = size_fleet({**v, "workload.input_tokens_per_request": prompts})
    for i, p in enumerate(prompts):
        one = size_fleet({**v, "workload.input_tokens_per_request": p})
        assert vec["gpus"][i] == one["gpus"] and vec["replica_output_tokens_per_s"][i] == pytest.approx(
            float(one["replica_output_tokens_per_s"]))


def test_stated_throughput_is_rescaled_to_the_scenarios_shape():
    # small_team_spiky states 450 tokens/s measured at 1,000 in / 1,000 out on one L4; its requests are 1,500 / 300
    sc = load_scenario(PARAMS_DIR / "small_team_spiky.yaml")
    at_scenario = serving_capacity("llama-3.1-8b", "L4", 1500, 300, "fp8", 1, 2.0, 0.05).output_tokens_per_s
    at_measured = serving_capacity("llama-3.1-8b", "L4", 1000, 1000, "fp8", 1, 2.0, 0.05).output_tokens_per_s
    c = option_costs(sc.values)["selfhost"]
    assert float(c["replica_output_tokens_per_s"]) == pytest.approx(450 * at_scenario / at_measured)
    assert "rescaled" in fleet_candidates(sc.values).note


def test_auto_gpu_picks_the_cheapest_priced_gpu(write_scenario):
    sc = load_scenario(write_scenario("selfhost:\n  gpu: {value: auto, source: x}\n"))
    cand = fleet_candidates(sc.values)
    assert set(cand.gpu) <= {g for g in gpu_names() if gpu_spec(g).get("rent_usd_per_gpu_hour") is not None}
    assert len(set(cand.gpu)) > 1
    chosen = option_costs(sc.values)["selfhost"]
    for g in set(cand.gpu):
        only = load_scenario(write_scenario(f"selfhost:\n  gpu: {{value: {g}, source: x}}\n", f"{g}.yaml"))
        mine = option_costs(only.values)["selfhost"]
        assert float(chosen["gpu_usd"]) <= float(mine["gpu_usd"]) + 1e-6


def test_prices_never_leak_from_another_gpu(write_scenario):
    # the catalog has no L4 purchase price: buying L4s needs one stated, not the H100's
    path = write_scenario("selfhost:\n  gpu: {value: L4, source: x}\n  model: {value: llama-3.1-8b, source: x}\n"
                          "  gpu_cost_mode: {value: buy, source: x}\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    msg = str(info.value)
    assert "selfhost.purchase_usd_per_gpu" in msg and "L4" in msg and "scenario.yaml" in msg
    with pytest.raises(ScenarioError, match="not allowed with selfhost.gpu: auto"):
        load_scenario(write_scenario("selfhost:\n  gpu: {value: auto, source: x}\n"
                                     "  rent_usd_per_gpu_hour: {value: 2, checked: '2026-01', source: x}\n", "a.yaml"))


def test_power_is_the_gpus_share_of_its_server(write_scenario):
    # DGX H100: about 10.2 kW for 8 GPUs = 1,275 W per GPU; × 0.75 draw × 1.4 PUE × 730 h × 0.12 USD/kWh = 117.29 USD
    sc = load_scenario(write_scenario("selfhost:\n  gpu_cost_mode: {value: buy, source: x}\n"))
    c = option_costs(sc.values)["selfhost"]
    assert float(c["power_usd"]) == pytest.approx(float(c["gpus"]) * 1.275 * 0.75 * 1.4 * 730 * 0.12)
    assert float(c["capex_usd"]) == pytest.approx(float(c["gpus"]) * 35_000)


def test_one_million_draws_resize_the_fleet_per_draw(enterprise):
    rng = np.random.default_rng(0)
    n = 1_000_000
    v = {**enterprise.values, "workload.requests_per_day": rng.uniform(1e3, 1e7, n),
         "selfhost.throughput_factor": rng.uniform(0.5, 1.1, n)}
    c = econ.option_costs(v)["selfhost"]
    assert c["gpus"].shape == (n,) and np.unique(c["gpus"]).size > 1
    i = int(np.argmax(v["workload.requests_per_day"]))
    one = econ.option_costs({**enterprise.values, "workload.requests_per_day": v["workload.requests_per_day"][i],
                             "selfhost.throughput_factor": v["selfhost.throughput_factor"][i]})["selfhost"]
    assert c["gpus"][i] == one["gpus"] and c["monthly_usd"][i] == pytest.approx(float(one["monthly_usd"]))
