"""Capacity model: catalog transcription, closed forms worked by hand, calibration against published runs,
and properties that any sane roofline must have."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import econ._capacity as C
from econ._capacity import (
    calibration_chart,
    calibration_table,
    capacity_summary,
    decode_step_seconds,
    decode_tokens_per_s,
    gpus_for_model,
    kv_bytes_per_token,
    model_names,
    model_spec,
    prefill_seconds,
    serving_capacity,
    throughput_reference,
    throughput_vs_batch_chart,
    weight_bytes,
)
from econ._catalog import gpu_names, gpu_spec

ROOT = Path(__file__).resolve().parents[1]

# ----------------------------------------------------------------- catalog


def test_catalog_has_the_required_models_with_sources():
    required = {"llama-3.1-8b", "llama-3.1-70b", "llama-3.3-70b", "llama-3.1-405b", "qwen2.5-7b", "qwen3-8b",
                "qwen2.5-32b", "qwen2.5-72b", "mixtral-8x7b", "deepseek-v3"}
    assert required <= set(model_names())
    for name in model_names():
        m = model_spec(name)
        assert "huggingface.co" in m["source"] and "config.json" in m["source"], name
        for field in ("layers", "hidden_size", "attention_heads", "kv_heads", "head_dim", "vocab_size",
                      "params_total_billion", "params_active_billion", "experts", "experts_per_token"):
            assert m[field] > 0, (name, field)
        assert m["params_active_billion"] <= m["params_total_billion"]


def _params_from_architecture(m) -> tuple[float, float]:
    """Total and active parameters of a GQA decoder from its config (untied embeddings, SwiGLU MLP)."""
    h, kvd = m["hidden_size"], m["kv_heads"] * m["head_dim"]
    attn = h * m["attention_heads"] * m["head_dim"] * 2 + 2 * h * kvd  # q, o, k, v
    mlp = 3 * h * m["intermediate_size"]
    embed = 2 * m["vocab_size"] * h
    total = embed + m["layers"] * (attn + m["experts"] * mlp)
    active = embed + m["layers"] * (attn + m["experts_per_token"] * mlp)
    return total / 1e9, active / 1e9


@pytest.mark.parametrize("name", ["llama-3.1-8b", "llama-3.1-70b", "llama-3.3-70b", "llama-3.1-405b", "qwen2.5-7b",
                                  "qwen3-8b", "qwen2.5-32b", "qwen2.5-72b", "mixtral-8x7b"])
def test_parameter_counts_agree_with_the_architecture(name):
    # An independent check of the transcription: the published parameter count against the one the layer
    # sizes imply. Llama 3.1 8B: 2 × 128,256 × 4,096 + 32 × (41.9M attention + 176.2M MLP) = 8.030B.
    # Qwen2.5-32B's card says 32.5B where its layers give 32.8B, hence 2 %.
    m = model_spec(name)
    total, active = _params_from_architecture(m)
    assert total == pytest.approx(m["params_total_billion"], rel=0.02)
    assert active == pytest.approx(m["params_active_billion"], rel=0.02)


def test_llama_8b_architecture_to_the_parameter():
    total, _ = _params_from_architecture(model_spec("llama-3.1-8b"))
    assert round(total * 1e9) == 8_030_261_248 - 2 * 32 * 4096 - 4096  # the config's count less the RMSNorm weights


@pytest.mark.parametrize("alias", ["Llama-3.1-8B", "LLAMA 3.1 8B", "llama_3.1_8b", "meta-llama/Llama-3.1-8B-Instruct",
                                   "Meta-Llama-3.1-8B-Instruct", "llama-3.1-8b-instruct"])
def test_forgiving_model_names(alias):
    assert model_spec(alias)["key"] == "llama-3.1-8b"


def test_other_forgiving_names():
    assert model_spec("mistralai/Mixtral-8x7B-Instruct-v0.1")["key"] == "mixtral-8x7b"
    assert model_spec("deepseek-ai/DeepSeek-V3")["key"] == "deepseek-v3"
    assert model_spec("Qwen/Qwen2.5-72B-Instruct")["key"] == "qwen2.5-72b"


def test_unknown_model_lists_valid_names_and_the_closest():
    with pytest.raises(ValueError) as e:
        model_spec("llama-3.1-9b")
    msg = str(e.value)
    assert "'llama-3.1-9b'" in msg and "Did you mean 'llama-3.1-8b'" in msg
    assert all(n in msg for n in model_names())


def test_gpu_catalog_has_interconnect():
    for g in gpu_names():
        assert gpu_spec(g)["interconnect_gb_s"] > 0
    assert gpu_spec("H100-SXM")["interconnect_gb_s"] == 900 and gpu_spec("L40S")["interconnect_gb_s"] == 64


# ----------------------------------------------------------------- closed forms


def test_weight_bytes_known_answers():
    assert weight_bytes("llama-3.1-8b", "bf16") == pytest.approx(16.06e9)  # 8.03e9 parameters × 2 bytes
    assert weight_bytes("llama-3.1-70b", "fp8") == pytest.approx(70.6e9)
    assert weight_bytes("llama-3.1-405b", "int4") == pytest.approx(405.9e9 / 2)
    assert weight_bytes("deepseek-v3", "fp8") == pytest.approx(671e9)  # all experts are stored
    assert weight_bytes("mixtral-8x7b", "bf16") == pytest.approx(93.4e9)


def test_kv_bytes_per_token_known_answers():
    assert kv_bytes_per_token("llama-3.1-70b") == 2 * 80 * 8 * 128 * 2 == 327_680
    assert kv_bytes_per_token("llama-3.1-8b") == 2 * 32 * 8 * 128 * 2 == 131_072
    assert kv_bytes_per_token("llama-3.1-405b", "fp8") == 2 * 126 * 8 * 128 == 258_048
    assert kv_bytes_per_token("qwen2.5-7b") == 2 * 28 * 4 * 128 * 2 == 57_344
    # DeepSeek-V3 MLA: one 512-wide latent and one 64-wide RoPE key per layer, not 2 × 128 heads × 128
    assert kv_bytes_per_token("deepseek-v3") == 61 * (512 + 64) * 2 == 70_272


def test_decode_step_worked_by_hand():
    # Llama 3.1 70B, FP8 weights and KV, 2 × H100 SXM, batch 64, 2,000 tokens of context each.
    #   bytes  = 70.6e9 (weights) + 64 × 2,000 × 163,840 (KV, FP8) = 70.6e9 + 20.97e9 = 91.57e9
    #   memory = 91.57e9 / (2 × 3.35e12 × 0.75) = 18.22 ms
    #   flops  = 64 × (2 × 70.6e9 + 4 × 80 × 64 × 128 × 2,000) = 64 × 146.44e9 = 9.37e12
    #   compute= 9.37e12 / (2 × 1,979e12 × 0.5) = 4.74 ms  -> memory-bound
    #   all-reduce: 2 × 80 layers × (10 µs + 64 × 8,192 × 2 bytes × 2(2−1)/2 / (900e9 / 2 × 0.4)) = 160 × 15.83 µs = 2.53 ms
    #   fixed overhead: 80 layers × 20 µs = 1.60 ms
    #   step = 18.22 + 2.53 + 1.60 = 22.35 ms
    assert (C.BANDWIDTH_EFFICIENCY, C.COMPUTE_EFFICIENCY, C.LINK_EFFICIENCY, C.ALLREDUCE_LATENCY_S,
            C.STEP_OVERHEAD_S_PER_LAYER) == (0.75, 0.5, 0.4, 10e-6, 20e-6)
    t = float(decode_step_seconds("llama-3.1-70b", "H100-SXM", 64, 2000, "fp8", 2))
    assert t == pytest.approx(0.02235, rel=1e-3)
    assert float(decode_tokens_per_s("llama-3.1-70b", "H100-SXM", 64, 2000, "fp8", 2)) == pytest.approx(64 / 0.02235, rel=1e-3)


def test_prefill_worked_by_hand():
    # Llama 3.1 8B, FP8, one H100, a 2,048-token prompt: 2 × 8.03e9 × 2,048 = 32.89e12 FLOP of weights,
    # 4 × 32 × 32 × 128 × 2,048² / 2 = 1.10e12 FLOP of causal attention; 33.99e12 / (1,979e12 × 0.5) = 34.35 ms.
    # Reading the 8.03 GB of weights once would take 3.2 ms: compute-bound. One GPU: no all-reduce.
    # Plus 32 layers × 20 µs = 0.64 ms: 34.99 ms.
    assert float(prefill_seconds("llama-3.1-8b", "H100-SXM", 2048, "fp8")) == pytest.approx(0.03499, rel=1e-3)


def test_moe_reads_active_experts_at_batch_one_and_all_of_them_at_large_batch():
    # Mixtral 8x7B, BF16, at batch 1 reads the 12.9B active parameters (shared + 2 of 8 experts); at batch 256
    # the chance an expert is untouched is (6/8)^256 ≈ 0: all 46.7B. Context 1: KV negligible. Two H100s.
    bw = 2 * 3.35e12 * C.BANDWIDTH_EFFICIENCY
    one = float(decode_step_seconds("mixtral-8x7b", "H100-SXM", 1, 1, "bf16", 2))
    ar = 2 * 32 * (C.ALLREDUCE_LATENCY_S + 4096 * 2 / (450e9 * C.LINK_EFFICIENCY)) + 32 * C.STEP_OVERHEAD_S_PER_LAYER
    assert one - ar == pytest.approx(12.9e9 * 2 / bw, rel=1e-3)
    many = float(decode_step_seconds("mixtral-8x7b", "H100-SXM", 256, 1, "bf16", 2))
    ar256 = 2 * 32 * (C.ALLREDUCE_LATENCY_S + 256 * 4096 * 2 / (450e9 * C.LINK_EFFICIENCY)) + 32 * C.STEP_OVERHEAD_S_PER_LAYER
    assert many - ar256 == pytest.approx((46.7e9 * 2 + 256 * kv_bytes_per_token("mixtral-8x7b")) / bw, rel=1e-3)


def test_gpus_for_model():
    # 70B BF16: 141.2 GB of weights; 2 H100 leave 0.9 × 18.8 = 16.9 GB < 16 × 4,096 × 327,680 = 21.5 GB -> 4
    assert gpus_for_model("llama-3.1-70b", "H100-SXM", "bf16", 4096, 16) == 4
    assert gpus_for_model("llama-3.1-70b", "H100-SXM", "fp8", 4096, 16) == 2
    assert gpus_for_model("llama-3.1-8b", "H100-SXM", "bf16") == 1
    assert gpus_for_model("llama-3.1-405b", "H100-SXM", "bf16") == 16  # 811.8 GB: 11 GPUs' worth, next power 16
    for model in model_names():
        for gpu in ("H100-SXM", "L40S"):
            n = gpus_for_model(model, gpu, "fp8", 8192, 16)
            assert n & (n - 1) == 0
            need = 16 * 8192 * kv_bytes_per_token(model, "fp8")
            assert C._kv_room_bytes(model, gpu, "fp8", n) >= need
            assert n == 1 or C._kv_room_bytes(model, gpu, "fp8", n // 2) < need


def test_fp8_on_a_gpu_without_fp8_computes_at_bf16():
    a100 = C._hardware("A100-80GB", "fp8", 1)["flops"]
    assert a100 == pytest.approx(312e12 * C.COMPUTE_EFFICIENCY)
    assert C._hardware("H100-SXM", "fp8", 1)["flops"] == pytest.approx(1979e12 * C.COMPUTE_EFFICIENCY)


# ----------------------------------------------------------------- serving


def test_serving_capacity_memory_bound_batch_by_hand():
    # 70B FP8 on 2 H100: KV room 0.9 × (160 − 70.6) GB = 80.46 GB; a 1,000 + 1,000-token request reserves
    # 2,000 × 163,840 = 327.7 MB; floor(80.46e9 / 327.68e6) = 245.
    c = serving_capacity("llama-3.1-70b", "H100-SXM", 1000, 1000, "fp8", 2)
    assert c.max_batch_memory == 245 and c.limited_by == "KV memory" and c.batch == 245
    assert c.output_tokens_per_s == c.saturated_output_tokens_per_s  # no targets: goodput is the saturated figure
    assert c.requests_per_s == pytest.approx(c.output_tokens_per_s / 1000)
    assert c.gpus == 2 and c.kv_precision == "fp8"


def test_tpot_target_binds_and_is_met():
    sat = serving_capacity("llama-3.1-70b", "H100-SXM", 1000, 1000, "fp8", 2)
    c = serving_capacity("llama-3.1-70b", "H100-SXM", 1000, 1000, "fp8", 2, tpot_slo_s=0.03)
    assert c.limited_by == "TPOT target" and 1 <= c.batch < c.max_batch_memory
    assert c.tpot_s <= 0.03 < sat.saturated_tpot_s
    assert c.output_tokens_per_s < 0.9 * c.saturated_output_tokens_per_s
    nxt = C._cycle(model_spec("llama-3.1-70b"), "H100-SXM", "fp8", "fp8", 2, 1000.0, 1000.0, c.batch + 1)
    assert float(nxt["tpot_s"]) > 0.03  # one more sequence would miss the target


def test_impossible_targets_give_zero_goodput():
    c = serving_capacity("llama-3.1-70b", "L40S", 1000, 200, "fp8", 4, tpot_slo_s=0.005)
    assert c.batch == 0 and c.output_tokens_per_s == 0 and "missed even at batch 1" in c.limited_by
    assert c.saturated_output_tokens_per_s > 0
    assert "cannot meet" in capacity_summary("llama-3.1-70b", "L40S", 1000, 200, "fp8", 4, tpot_slo_s=0.005)


def test_tensor_parallel_none_chooses_the_gpus():
    # 70B BF16 fits 16 requests of 1,200 tokens on 2 H100s (batch 43 at most), but 4 H100s hold 409 and serve
    # more per GPU; 8 serve less per GPU (all-reduces and the compute roof).
    auto = serving_capacity("llama-3.1-70b", "H100-SXM", 1000, 200, "bf16", None, tpot_slo_s=0.05)
    per_gpu = {n: serving_capacity("llama-3.1-70b", "H100-SXM", 1000, 200, "bf16", n, tpot_slo_s=0.05).output_tokens_per_s_per_gpu
               for n in (2, 4, 8)}
    assert auto.gpus == max(per_gpu, key=per_gpu.get) == 4
    assert serving_capacity("llama-3.1-8b", "H100-SXM", 1000, 200, "bf16", None).gpus == 1


def test_bad_arguments():
    with pytest.raises(ValueError, match="tensor_parallel=2 or more"):
        serving_capacity("llama-3.1-70b", "H100-SXM", 1000, 200, "bf16", 1)
    with pytest.raises(ValueError, match="power of two"):
        serving_capacity("llama-3.1-8b", "H100-SXM", 1000, 200, "bf16", 3)
    with pytest.raises(ValueError, match="precision 'fp4'"):
        weight_bytes("llama-3.1-8b", "fp4")
    with pytest.raises(ValueError, match="kv_precision 'int4'"):
        kv_bytes_per_token("llama-3.1-8b", "int4")
    with pytest.raises(ValueError, match="output_tokens"):
        serving_capacity("llama-3.1-8b", "H100-SXM", 1000, 0)
    with pytest.raises(ValueError, match="tpot_slo_s"):
        serving_capacity("llama-3.1-8b", "H100-SXM", 1000, 10, tpot_slo_s=-1)
    with pytest.raises(ValueError, match="raise tensor_parallel"):
        serving_capacity("llama-3.1-8b", "L4", 120_000, 8000)  # 16 GB of KV, 7 GB of room
    with pytest.raises(ValueError, match="Did you mean 'H100-SXM'"):
        serving_capacity("llama-3.1-8b", "H100-SMX", 1000, 200)


# ----------------------------------------------------------------- calibration

MAX_FACTOR = 1.35  # every prediction within a factor 1.35 of the published figure (today: 0.79 to 1.21)
MEDIAN_RANGE = (0.9, 1.1)  # median predicted / published (today: 0.98)
MAX_RMS_LOG = 0.15  # root-mean-square of log(predicted / published) (today: 0.12)


def test_reference_data_matches_the_reference_sheet():
    # econ/data/throughput_reference.yaml is a transcription of docs/figures.md: check it row by row.
    text = (ROOT / "docs" / "figures.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| (Llama 3\.1 \d+B) \| ([^|]+) \| (\d) \| (\d+)/(\d+) \| ([\d,]+) \|", text, re.M)
    assert len(rows) == 15
    ref = throughput_reference()
    gpu = {"H100": "H100-SXM", "H200": "H200", "L40S": "L40S", "A100 80GB (FP16)": "A100-80GB"}
    got = {(r.model, r.gpu, r.tensor_parallel, r.input_tokens, r.output_tokens): r.output_tokens_per_s for r in ref.itertuples()}
    for model, g, tp, isl, osl, tps in rows:
        key = (model.lower().replace(" ", "-"), gpu[g.strip()], int(tp), int(isl), int(osl))
        assert got[key] == int(tps.replace(",", "")), key
    assert set(ref["precision"][ref["gpu"] == "A100-80GB"]) == {"bf16"}


def test_calibration_within_stated_tolerance():
    t = calibration_table()
    assert len(t) == 15
    ratio = t["ratio"].to_numpy()
    worst = t.loc[np.argmax(np.abs(np.log(ratio)))]
    assert np.all((ratio >= 1 / MAX_FACTOR) & (ratio <= MAX_FACTOR)), f"worst: {worst.to_dict()}"
    assert MEDIAN_RANGE[0] <= np.median(ratio) <= MEDIAN_RANGE[1]
    assert np.sqrt(np.mean(np.log(ratio) ** 2)) <= MAX_RMS_LOG
    assert np.allclose(t["ratio"], t["predicted_tokens_per_s"] / t["published_tokens_per_s"])


def test_calibration_fails_if_the_model_drifts(monkeypatch):
    # The tolerance must be able to fail: halve the bandwidth efficiency and the check no longer passes.
    monkeypatch.setattr(C, "BANDWIDTH_EFFICIENCY", C.BANDWIDTH_EFFICIENCY / 2)
    ratio = calibration_table()["ratio"].to_numpy()
    assert not (np.all((ratio >= 1 / MAX_FACTOR) & (ratio <= MAX_FACTOR)) and MEDIAN_RANGE[0] <= np.median(ratio))


def test_calibration_chart():
    spec = calibration_chart().to_dict()
    layers = spec["layer"]
    enc = layers[1]["encoding"]
    assert enc["x"]["scale"]["type"] == "log" and enc["y"]["scale"]["type"] == "log"
    assert enc["x"]["title"] == enc["x"]["title"].lower() and "tokens/s" in enc["x"]["title"]
    assert len(spec["datasets"]) == 2


def test_throughput_vs_batch_chart():
    spec = throughput_vs_batch_chart("llama-3.1-70b", "H100-SXM", 1000, 200, "fp8", 2, tpot_slo_s=0.04).to_dict()
    assert len(spec["vconcat"]) == 2
    text = str(spec)
    assert "TPOT target" in text and "KV memory limit" in text and "at the latency targets" in text
    assert "time per output token (ms)" in text and "output tokens/s per replica" in text


def test_summary_states_the_computed_figures():
    c = serving_capacity("llama-3.1-8b", "H100-SXM", 1000, 200, "fp8", 1, tpot_slo_s=0.03)
    s = capacity_summary("llama-3.1-8b", "H100-SXM", 1000, 200, "fp8", 1, tpot_slo_s=0.03)
    assert f"{c.output_tokens_per_s:,.0f} output tokens/s" in s and f"{c.batch:,} at a time" in s
    assert "upper bound" in s and hasattr(s, "_repr_markdown_")


# ----------------------------------------------------------------- properties

MODELS = st.sampled_from(["llama-3.1-8b", "llama-3.1-70b", "qwen2.5-7b", "qwen2.5-32b", "mixtral-8x7b", "deepseek-v3"])
GPUS = st.sampled_from(["H100-SXM", "H200", "A100-80GB", "L40S", "B200", "H100-PCIE"])
PRECISIONS = st.sampled_from(["bf16", "fp8", "int4"])


def _tp(model, gpu, precision, context):
    return gpus_for_model(model, gpu, precision, context, 1)


@settings(max_examples=60, deadline=None)
@given(MODELS, GPUS, PRECISIONS, st.integers(100, 32_000))
def test_decode_throughput_rises_and_step_time_rises_with_batch(model, gpu, precision, context):
    tp = _tp(model, gpu, precision, context)
    b = np.arange(1, 4097)
    tps = decode_tokens_per_s(model, gpu, b, context, precision, tp)
    fits = ~np.isnan(tps)
    assert fits[0] and np.all(fits[: fits.sum()])  # feasible batches are a prefix 1..limit
    assert np.all(np.diff(tps[fits]) >= -1e-9 * tps[fits][1:])
    step = decode_step_seconds(model, gpu, b, context, precision, tp)
    assert np.all(np.diff(step) >= 0)


@settings(max_examples=60, deadline=None)
@given(MODELS, GPUS, PRECISIONS, st.integers(1, 2048), st.integers(100, 16_000), st.floats(1.0, 4.0))
def test_more_bandwidth_is_never_slower(model, gpu, precision, batch, context, factor):
    tp = _tp(model, gpu, precision, context)
    g = gpu_spec(gpu)
    faster = {**g, "bandwidth_tb_s": g["bandwidth_tb_s"] * factor}
    assert float(decode_step_seconds(model, faster, batch, context, precision, tp)) <= float(
        decode_step_seconds(model, gpu, batch, context, precision, tp))
    assert float(prefill_seconds(model, faster, context, precision, tp)) <= float(prefill_seconds(model, gpu, context, precision, tp))


@settings(max_examples=40, deadline=None)
@given(MODELS, GPUS, st.sampled_from(["bf16", "fp8"]), st.integers(50, 8000), st.integers(10, 2000),
       st.floats(0.01, 0.2), st.floats(1.0, 3.0))
def test_looser_targets_never_serve_less_and_goodput_never_beats_saturation(model, gpu, precision, n_in, n_out, tpot, looser):
    tp = gpus_for_model(model, gpu, precision, n_in + n_out, 16)
    tight = serving_capacity(model, gpu, n_in, n_out, precision, tp, tpot_slo_s=tpot)
    loose = serving_capacity(model, gpu, n_in, n_out, precision, tp, tpot_slo_s=tpot * looser)
    assert tight.batch <= loose.batch <= loose.max_batch_memory
    assert tight.output_tokens_per_s <= loose.output_tokens_per_s <= loose.saturated_output_tokens_per_s * (1 + 1e-12)
    if tight.batch:
        assert tight.tpot_s <= tpot and tight.tpot_s <= tight.saturated_tpot_s
        # serving (prefill interleaved) never beats pure decode at the same batch and mean context
        pure = float(decode_tokens_per_s(model, gpu, tight.batch, n_in + n_out / 2, precision, tp))
        assert tight.output_tokens_per_s <= pure * (1 + 1e-12)
    assert math.isfinite(loose.saturated_ttft_s) and loose.saturated_ttft_s >= loose.ttft_s * (1 - 1e-12)
