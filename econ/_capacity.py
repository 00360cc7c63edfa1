"""Capacity of one model replica on GPUs: memory as the engines size it, decode and prefill time, throughput under
latency targets, and how well all that predicts published measurements it was not fitted on.

**Memory, as vLLM sizes it** (`kv_cache_tokens`). ``memory_utilization`` (vLLM's ``gpu_memory_utilization``,
default 0.9) is a share of the whole GPU as the driver reports it (``memory_mib``: an H100 has 81,559 MiB, not
80e9 bytes). From it come first the weights (split over the tensor-parallel GPUs), then the peak of vLLM's
profiling pass and the memory outside PyTorch (NCCL, all-reduce buffers, cuBLAS workspaces), and what is left
holds the KV cache. vLLM 0.10's profiling pass (vllm/v1/worker/gpu_model_runner.py, ``profile_run``) runs the
sampler on ``max_num_seqs`` rows of logits with top-k and top-p set, which sorts the whole vocabulary: about
`SAMPLER_BYTES_PER_LOGIT` bytes per sequence and vocabulary entry, several GiB for the 150,000-200,000-token
vocabularies of current models at vLLM's default ``max_num_seqs`` of 1,024 (on GPUs of 70 GiB or more, not A100;
256 on others). CUDA graphs are captured after the KV cache is allocated and live in the remaining 10 %.
The KV cache is kept in the weights' compute dtype unless told otherwise (vLLM's ``kv_cache_dtype="auto"``):
BF16 for every catalog model, FP8 checkpoints included. TensorRT-LLM (``engine="trtllm"``) instead gives the KV
cache a share (``kv_cache_free_gpu_mem_fraction``, 0.9) of the memory free after the weights.

**Which splits an engine accepts** (`feasible_tensor_parallel`): the attention heads must divide by the
tensor-parallel degree; the KV heads too, or the degree by them (the KV heads are then replicated: each GPU holds
one, which multiplies the cache); the MLP widths must divide; block-quantized FP8 experts (128-wide blocks, as
DeepSeek, Qwen3-FP8 and GLM-FP8 ship) must keep whole blocks per GPU, unless expert parallelism places whole
experts on GPUs instead (then the expert count must divide). Multi-head latent attention (DeepSeek, Kimi) keeps
its compressed KV on every tensor-parallel GPU.

**Time: a roofline.** A decode step reads the weights once (for a mixture of experts: the experts the batch's
tokens route to, `expected_experts_touched`) and each sequence's KV cache, and does two FLOPs per active
parameter per token plus the attention over the context; it takes the longer of the two at calibrated
efficiencies, plus the tensor-parallel all-reduces and a fixed cost per layer. Prefill is the same sum over the
prompt's tokens, at its own compute efficiency. Continuous batching interleaves the two: over the life of a
request the replica spends ``output_tokens`` decode steps and one prefill per request in the batch. gpt-oss's
sliding-window layers attend to (and cache) at most 128 tokens.

**Calibrated and validated apart** (`calibration_table`, `validation_table`): the efficiencies are fitted on the
published measurements of econ/data/serving_measurements.yaml marked ``calibration`` (dense models, three sources)
and every other row is predicted out of sample; `validation_summary` gives the median and worst error by kind
(low-concurrency decode, latency-constrained throughput, saturated throughput, prefill) for dense and MoE
models, and leave-one-source-out figures for the calibration sources.

Where the model is weak:

- Saturated figures are upper bounds (time to first token near a minute in the published runs); real services
  also lose capacity to uneven request lengths, queueing and burst head-room (econ/_traffic.py's provisioning).
- Expert routing is taken as uniform and independent across tokens, so the expected number of distinct experts a
  batch of ``B`` tokens reads is ``E (1 − (1 − k/E)^B)``; real routers are skewed (fewer distinct experts: less
  read) and load is uneven across GPUs under expert parallelism (the busiest GPU sets the pace: slower).
  Expert parallelism is modelled as tensor parallelism with the same bytes and FLOPs spread evenly; attention
  data parallelism (SGLang's DP attention, TensorRT-LLM's DEP) and multi-node wide-EP deployments are not
  modelled, and neither are speculative decoding or prefix caching.
- Llama 4's chunked local attention is sized as full attention (vLLM's hybrid KV cache covers sliding windows;
  chunked layers are cached in full).
- The memory reserves are estimates from reading vLLM 0.10's profiling code, not measurements; SGLang's
  ``mem_fraction_static`` accounting differs (it leaves more for the KV cache at the same share).
- Beyond 8 GPUs a replica spans nodes (pipeline parallelism in practice); the all-reduce model assumes one node.
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from functools import cache

import altair as alt
import numpy as np
import pandas as pd
import yaml

from ._catalog import DATA_DIR, gpu_spec
from ._models import BYTES_PER_PARAM, PRECISIONS, _component_bytes, _precision, model_names, model_spec, weight_bytes
from ._style import color_scale, count_axis, finish, marked_rules

__all__ = [
    "Capacity",
    "PRECISIONS",
    "BYTES_PER_PARAM",
    "model_names",
    "model_spec",
    "weight_bytes",
    "kv_bytes_per_token",
    "kv_cache_tokens",
    "feasible_tensor_parallel",
    "default_max_batch",
    "gpus_for_model",
    "expected_experts_touched",
    "decode_step_seconds",
    "decode_tokens_per_s",
    "prefill_seconds",
    "serving_capacity",
    "throughput_reference",
    "serving_measurements",
    "calibration_table",
    "validation_table",
    "validation_summary",
    "validation_view",
    "fit_efficiencies",
    "calibration_chart",
    "validation_chart",
    "throughput_vs_batch_chart",
    "capacity_summary",
    "capacity_from_scenario",
]

GIB = 2**30
MIB = 2**20
KV_BYTES_PER_VALUE = {"bf16": 2.0, "fp8": 1.0}
"""Bytes per cached key or value element [bytes] by KV-cache precision."""

MEMORY_UTILIZATION = 0.9
"""Share of the GPU's memory the engine may use [fraction]: vLLM's ``gpu_memory_utilization`` default (vLLM engine
arguments, ``CacheConfig.gpu_memory_utilization = 0.9``; the same figure is TensorRT-LLM's default
``kv_cache_free_gpu_mem_fraction``, a share of the memory free after the weights)."""
SAMPLER_BYTES_PER_LOGIT = 40
"""Peak bytes of vLLM's sampler profiling pass per sequence and vocabulary entry [bytes]. Counted from vLLM 0.10's
``Sampler`` and ``apply_top_k_top_p`` (the pass sets top-k and top-p): BF16 logits 2 and their FP32 copy 4 held,
the sort's FP32 values 4 and int64 indices 8, its int64 index input and radix-sort scratch about 20, masks 2.
An estimate from the code, not a measurement."""
NON_TORCH_GIB = {1: 0.5, "tp": 2.0}
"""Memory outside PyTorch's allocator counted by vLLM's profiling [GiB per GPU]: cuBLAS and attention workspaces
(one GPU), plus NCCL communicators and vLLM's custom all-reduce buffers (tensor parallel). Assumption, of the
order vLLM's own profiling logs report (0.1-3 GiB)."""
TRTLLM_KV_FRACTION = 0.9
"""TensorRT-LLM's ``kv_cache_free_gpu_mem_fraction`` default: the KV cache's share of the memory free after the
weights [fraction] (TensorRT-LLM docs, KV cache management)."""
FP8_BLOCK = 128
"""Width of the FP8 weight-quantization blocks of DeepSeek, Qwen3-FP8 and GLM-FP8 checkpoints
(``weight_block_size: [128, 128]`` in their configs) [weights]."""

BANDWIDTH_EFFICIENCY = 0.65
"""Share of the datasheet memory bandwidth a decode step achieves [fraction]. Fitted with the other efficiencies
on the calibration rows of econ/data/serving_measurements.yaml (`fit_efficiencies`; figures in
`validation_summary`)."""
COMPUTE_EFFICIENCY = 0.35
"""Share of the datasheet dense peak (the compute dtype's: `PRECISIONS`) that decode matrix multiplies achieve
[fraction]. Fitted with the others; pinned by the large-batch saturated runs."""
PREFILL_EFFICIENCY = 0.65
"""Share of the dense peak prefill achieves [fraction]. Fitted with the others; pinned by the time-to-first-token
measurements of the calibration set (NVIDIA NIM, 500- and 5,000-token prompts)."""
WEIGHT_ONLY_4BIT_FACTOR = 0.69
"""Bandwidth efficiency of 4-bit weight-only kernels relative to BF16 ones [fraction]: INT4 always, MXFP4 and NVFP4
on GPUs without FP4 tensor cores, where each weight is dequantized before a BF16 multiply. Fitted with the others
(on the calibration set's INT4 rows); gpt-fast's A100 figures show the same effect (862 GB/s achieved at INT4
against 1,397 GB/s at BF16, Llama-2-7B, batch 1)."""
LINK_EFFICIENCY = 0.49
"""Share of the per-direction interconnect bandwidth (half the datasheet's bidirectional figure) that the
tensor-parallel all-reduces achieve, overlap lost included [fraction]. Fitted with the others."""
ALLREDUCE_LATENCY_S = 10e-6
"""Fixed cost of one all-reduce [s] (launch and synchronisation, the order NCCL reports within a node)."""
STEP_OVERHEAD_S_PER_LAYER = 20e-6
"""Fixed time per layer of a forward pass [s]: kernel launches and the small kernels (norms, rotary, sampling)
that do not run at full bandwidth. An assumption, not fitted."""
ACTIVATION_BYTES = 2.0
"""Bytes per activation element sent in all-reduces [bytes] (BF16, also for FP8 weights)."""
ENGINE_MAX_BATCH = {"trtllm": 2048}
"""Most sequences an engine batches by default [sequences]: TensorRT-LLM's ``max_batch_size`` 2048; vLLM's
``max_num_seqs`` depends on the GPU (`default_max_batch`)."""
ENGINES = ("vllm", "trtllm")


def _gpu(gpu) -> dict:
    """A GPU spec: a catalog name (`econ.gpu_spec`), or a dict with the same fields (e.g. a modified spec)."""
    if isinstance(gpu, dict):
        g = {"key": "custom GPU", **gpu}
        g.setdefault("memory_mib", float(g["memory_gb"]) * 1e9 / MIB)
        return g
    return gpu_spec(gpu)


def default_max_batch(gpu, engine="vllm") -> int:
    """The engine's default cap on concurrent sequences [sequences].

    vLLM 0.10 (``EngineArgs._set_default_args_v1``): ``max_num_seqs`` 1,024 on GPUs with 70 GiB or more that are
    not A100s, 256 on the others; TensorRT-LLM: ``max_batch_size`` 2,048.

    Examples
    --------
    >>> default_max_batch("H100-SXM"), default_max_batch("A100-80GB"), default_max_batch("L4"), default_max_batch("L4", "trtllm")
    (1024, 256, 256, 2048)
    """
    if engine == "trtllm":
        return ENGINE_MAX_BATCH["trtllm"]
    g = _gpu(gpu)
    big = g["memory_mib"] * MIB >= 70 * GIB and "a100" not in (g["key"] + g.get("name", "")).lower()
    return 1024 if big else 256


def _kv_precision(kv_precision) -> str:
    if kv_precision is None:
        return "bf16"  # vLLM kv_cache_dtype="auto": the model's dtype (BF16 for every catalog model)
    if kv_precision not in KV_BYTES_PER_VALUE:
        raise ValueError(f"kv_precision {kv_precision!r} is not one of {', '.join(map(repr, KV_BYTES_PER_VALUE))} "
                         "(or None: the model's dtype, BF16, as vLLM's kv_cache_dtype='auto').")
    return kv_precision


def _check_engine(engine):
    if engine not in ENGINES:
        raise ValueError(f"engine {engine!r} is not one of {', '.join(map(repr, ENGINES))}.")


def _real(arg, v, expected, ok=None) -> float:
    """A real scalar argument (not a bool, text or array) for which ``ok`` holds, or a refusal in the kit's words:
    ``<arg> = <value> is not allowed; expected <what is allowed>``."""
    def refuse(why=""):
        return ValueError(f"{arg} = {v!r} is not allowed; expected {expected}{why}.")

    x = v.item() if isinstance(v, np.ndarray) and v.ndim == 0 else v
    if isinstance(x, (np.ndarray, list, tuple)):
        raise refuse(", a scalar: serving_capacity sizes one request shape per call (for many shapes call it once "
                     "per shape, or use econ.size_fleet, which takes arrays of workload.input_tokens_per_request and "
                     "workload.output_tokens_per_request)")
    if isinstance(x, bool) or not isinstance(x, (int, float, np.integer, np.floating)):
        raise refuse(f" (a {type(x).__name__} is not a number)")
    x = float(x)
    if ok is not None and not ok(x):
        raise refuse()
    return x


def _whole(x: float) -> bool:
    return math.isfinite(x) and x >= 1 and x.is_integer()


def _max_batch(g, engine, max_batch) -> int:
    """The engine's cap on sequences: stated (a whole number >= 1) or the engine's default."""
    if max_batch is None:
        return default_max_batch(g, engine)
    return int(_real("max_batch", max_batch, "a whole number of sequences >= 1 (the engine's max_num_seqs), or None "
                     "for the engine's default", _whole))


def _tensor_parallel(tensor_parallel, none=False) -> int:
    allowed = "a whole number of GPUs >= 1" + (" (or None to choose)" if none else "")
    return int(_real("tensor_parallel", tensor_parallel, allowed, _whole))


# ---------------------------------------------------------------- KV cache
def _kv_per_token_layer_gpu(m, kvp, tp) -> float:
    """KV bytes one token occupies in one layer on one GPU of a ``tp``-way replica [bytes]."""
    b = KV_BYTES_PER_VALUE[kvp]
    if m["attention"] == "mla":  # the compressed latent and the RoPE key, on every GPU
        return (m["kv_lora_rank"] + m["rope_head_dim"]) * b
    heads_per_gpu = max(m["kv_heads"] / tp, 1.0)  # fewer KV heads than GPUs: each GPU holds a replica of one
    return 2 * heads_per_gpu * m["head_dim"] * b


def _full_layers(m) -> int:
    return m["layers"] - m.get("sliding_layers", 0)


def kv_bytes_per_token(model, kv_precision="bf16"):
    """KV-cache bytes one token of context occupies, over all layers of one unsplit replica [bytes/token].

    Parameters
    ----------
    model : str, path or dict
        Model (see `model_spec`).
    kv_precision : {"bf16", "fp8"} or None
        Precision of the cached keys and values (None: BF16).

    Returns
    -------
    float
        Bytes per token of context [bytes].

    Notes
    -----
    Grouped-query attention: ``2 (key and value) × layers × kv_heads × head_dim × bytes``.
    Multi-head latent attention (DeepSeek, Kimi): ``layers × (kv_lora_rank + qk_rope_head_dim) × bytes``, the
    compressed latent and the decoupled RoPE key that vLLM and SGLang cache instead of per-head keys and values.
    Sliding-window layers (gpt-oss) hold at most their window of tokens: this figure counts them, which is what a
    context shorter than the window costs; longer contexts cost the full-attention layers' share only.

    Examples
    --------
    Llama 3.1 70B: 2 × 80 × 8 × 128 × 2 = 327,680; DeepSeek-V3: 61 × (512 + 64) × 2 = 70,272:

    >>> int(kv_bytes_per_token("llama-3.1-70b")), int(kv_bytes_per_token("deepseek-v3"))
    (327680, 70272)
    """
    m = model_spec(model)
    return float(m["layers"] * _kv_per_token_layer_gpu(m, _kv_precision(kv_precision), 1))


def _kv_bytes_per_sequence_gpu(m, kvp, tp, context):
    """KV bytes one sequence of ``context`` tokens holds on one GPU, sliding windows bounded [bytes]."""
    c = np.asarray(context, float)
    per_layer = _kv_per_token_layer_gpu(m, kvp, tp)
    sliding = m.get("sliding_layers", 0) * np.minimum(c, m["sliding_window"] or 0) if m.get("sliding_layers") else 0.0
    return per_layer * (_full_layers(m) * c + sliding)


def _weights_per_gpu(m, precision, tp) -> float:
    return sum(_component_bytes(m, precision).values()) / tp


def _reserve_bytes_per_gpu(m, tp, max_batch, engine) -> float:
    non_torch = (NON_TORCH_GIB[1] if tp == 1 else NON_TORCH_GIB["tp"]) * GIB
    if engine == "trtllm":
        return non_torch
    return non_torch + max_batch * m["vocab_size"] * SAMPLER_BYTES_PER_LOGIT


def _kv_room_bytes_per_gpu(m, g, precision, tp, memory_utilization, max_batch, engine) -> float:
    """Memory per GPU left for the KV cache after weights and the engine's reserves [bytes] (may be negative)."""
    total = float(g["memory_mib"]) * MIB
    weights = _weights_per_gpu(m, precision, tp)
    reserve = _reserve_bytes_per_gpu(m, tp, max_batch, engine)
    if engine == "trtllm":
        return memory_utilization * (total - weights - reserve)
    return memory_utilization * total - weights - reserve


def _check_split(m, g, precision, tp, expert_parallel):
    """Raise the engine's refusal of a tensor-parallel degree, with the reason."""
    name = m["key"]
    if expert_parallel and not m["moe_layers"]:
        raise ValueError(f"expert_parallel=True is not allowed for {name}: a dense model has no experts to spread over "
                         "GPUs; expected expert_parallel=False (the default), or a mixture-of-experts model")
    if m["attention_heads"] % tp:
        raise ValueError(f"tensor_parallel={tp}: {name} has {m['attention_heads']} attention heads, which do not "
                         f"divide by {tp}; engines split the heads evenly over the GPUs "
                         f"(degrees that divide them: {', '.join(str(d) for d in _divisors(m['attention_heads'], 8))}).")
    kvh = m["kv_heads"]
    if m["attention"] == "gqa" and (kvh % tp if kvh >= tp else tp % kvh):
        raise ValueError(f"tensor_parallel={tp}: {name}'s {kvh} KV heads neither divide by {tp} nor divide it "
                         "(engines split KV heads evenly, or replicate them when there are fewer than GPUs).")
    for width_key in ("intermediate_size", "moe_intermediate_size"):
        width = m.get(width_key)
        if width_key == "moe_intermediate_size" and expert_parallel:
            continue
        if width and width % tp:
            raise ValueError(f"tensor_parallel={tp}: {name}'s MLP width {width_key} = {width} does not divide by {tp}.")
    if m["moe_layers"]:
        if expert_parallel:
            if m["experts"] % tp:
                raise ValueError(f"tensor_parallel={tp} with expert_parallel: {name}'s {m['experts']} experts do not "
                                 f"divide over {tp} GPUs.")
        elif precision == "fp8" and m["moe_intermediate_size"] and (m["moe_intermediate_size"] // tp) % FP8_BLOCK:
            per = m["moe_intermediate_size"] // tp
            raise ValueError(f"tensor_parallel={tp}: {name}'s experts at block-quantized FP8 would keep "
                             f"{m['moe_intermediate_size']} / {tp} = {per} columns per GPU, not a multiple of the "
                             f"{FP8_BLOCK}-wide quantization block, which vLLM refuses; use expert_parallel=True or a "
                             "smaller tensor_parallel.")


def _divisors(n, most):
    return [d for d in range(1, most + 1) if n % d == 0]


def _check_memory(m, g, precision, tp, kvp, memory_utilization, max_batch, engine):
    room = _kv_room_bytes_per_gpu(m, g, precision, tp, memory_utilization, max_batch, engine)
    if room <= 0:
        weights = _weights_per_gpu(m, precision, tp)
        reserve = _reserve_bytes_per_gpu(m, tp, max_batch, engine)
        usable = (memory_utilization if engine == "vllm" else 1.0) * g["memory_mib"] * MIB
        raise ValueError(
            f"tensor_parallel={tp}: {m['key']} at {precision} does not fit on {tp} {g['key']} GPU(s): "
            f"{weights / GIB:,.1f} GiB of weights and {reserve / GIB:,.1f} GiB of engine reserve per GPU "
            f"(profiling {max_batch:,} sequences and memory outside PyTorch) leave no KV cache in "
            f"{usable / GIB:,.1f} GiB; use more GPUs (feasible_tensor_parallel lists the degrees), a smaller "
            "precision, a smaller max_batch or a larger memory_utilization.")
    return room


def kv_cache_tokens(model, gpu, tensor_parallel, precision="bf16", *, kv_precision=None,
                    memory_utilization=MEMORY_UTILIZATION, max_batch=None, expert_parallel=False, engine="vllm") -> int:
    """Tokens of context the KV cache of one replica holds, as the engine logs it ("GPU KV cache size").

    Parameters
    ----------
    model : str, path or dict
        Model (see `model_spec`).
    gpu : str or dict
        GPU (`econ.gpu_spec`).
    tensor_parallel : int
        GPUs per replica [GPUs].
    precision : {"bf16", "fp8", "int4", "mxfp4", "nvfp4"}
        Weight precision.
    kv_precision : {"bf16", "fp8"} or None
        KV-cache precision; None: the model's dtype (BF16), as vLLM's ``kv_cache_dtype="auto"``.
    memory_utilization : float
        vLLM's ``gpu_memory_utilization`` [fraction of the GPU] (TensorRT-LLM: of the memory after the weights).
    max_batch : int or None
        The engine's ``max_num_seqs`` [sequences] (None: `default_max_batch`); vLLM profiles its sampler on this
        many sequences, which is memory the KV cache does not get.
    expert_parallel : bool
        Place whole experts on GPUs instead of splitting each (vLLM's ``--enable-expert-parallel``).
    engine : {"vllm", "trtllm"}
        Whose memory accounting (see the module notes).

    Returns
    -------
    int
        KV-cache capacity [tokens]: the tokens every full-attention layer can hold (sliding-window layers hold at
        most their window per sequence on top).

    Raises
    ------
    ValueError
        A split the engine refuses, or no memory left for the KV cache (the message gives the figures).

    Notes
    -----
    Per GPU: ``room = memory_utilization × memory − weights / TP − max_batch × vocab × SAMPLER_BYTES_PER_LOGIT −
    NON_TORCH_GIB``; ``tokens = room / (full-attention layers × KV bytes per token and layer on one GPU)``.

    Examples
    --------
    Qwen3-235B-A22B at FP8 on four H100s, vLLM's defaults (BF16 KV): vLLM logs 178,880 tokens (vllm-project/vllm
    issue 21348). Per GPU: 0.9 × 81,559 MiB = 76.97e9 bytes, less 59.1e9 of weights, 6.2e9 of sampler profiling
    (1,024 × 151,936 × 40) and 2 GiB, leaves 9.5e9 bytes at 94 × 2 × 1 × 128 × 2 = 48,128 bytes a token, 10 % more
    than vLLM's figure:

    >>> kv_cache_tokens("qwen3-235b-a22b", "H100-SXM", 4, "fp8")
    197408
    """
    _check_engine(engine)
    m, g = model_spec(model), _gpu(gpu)
    kvp = _kv_precision(kv_precision)
    _precision(precision)
    tp = _tensor_parallel(tensor_parallel)
    _check_split(m, g, precision, tp, expert_parallel)
    mb = _max_batch(g, engine, max_batch)
    room = _check_memory(m, g, precision, tp, kvp, memory_utilization, mb, engine)
    return int(room // (_full_layers(m) * _kv_per_token_layer_gpu(m, kvp, tp)))


def feasible_tensor_parallel(model, gpu, precision="bf16", *, kv_precision=None, memory_utilization=MEMORY_UTILIZATION,
                             max_gpus=8, max_batch=None, expert_parallel=False, engine="vllm") -> list[int]:
    """Tensor-parallel degrees an engine accepts for a model on a GPU, smallest first.

    A degree is feasible when the engine can split the model that way (heads, KV heads, MLP widths, FP8 blocks
    or experts divide: see the module notes) and the weights and the engine's reserves leave room for a KV cache.
    Whether one request's KV cache fits is checked by `serving_capacity` (it depends on the request).

    Parameters
    ----------
    model, gpu, precision, kv_precision, memory_utilization, max_batch, expert_parallel, engine
        As `kv_cache_tokens`.
    max_gpus : int
        Largest degree considered [GPUs] (8: one node).

    Returns
    -------
    list of int
        Feasible degrees [GPUs], e.g. ``[2, 4, 8]``; empty if none.

    Examples
    --------
    Qwen2.5-7B has 28 attention heads and 4 KV heads: 8 GPUs cannot split it, nor 3, 5, 6 or 7.

    >>> feasible_tensor_parallel("qwen2.5-7b", "L4")
    [1, 2, 4]
    >>> feasible_tensor_parallel("llama-3.3-70b", "H100-SXM", "fp8"), feasible_tensor_parallel("llama-3.3-70b", "H100-SXM", "fp8", max_batch=256)
    ([2, 4, 8], [1, 2, 4, 8])
    """
    _max_batch(_gpu(gpu), engine, max_batch)  # a bad cap is refused here, not read as "no degree fits"
    out = []
    for tp in range(1, int(max_gpus) + 1):
        try:
            kv_cache_tokens(model, gpu, tp, precision, kv_precision=kv_precision, memory_utilization=memory_utilization,
                            max_batch=max_batch, expert_parallel=expert_parallel, engine=engine)
        except ValueError:
            continue
        out.append(tp)
    return out


def gpus_for_model(model, gpu, precision="bf16", context_tokens=8192, sequences=16, kv_precision=None, *,
                   memory_utilization=MEMORY_UTILIZATION, max_batch=None, expert_parallel=False, engine="vllm") -> int:
    """GPUs one replica needs: the smallest feasible tensor-parallel degree whose KV cache holds a working batch.

    Parameters
    ----------
    model, gpu, precision, kv_precision, memory_utilization, max_batch, expert_parallel, engine
        As `kv_cache_tokens`.
    context_tokens : int
        Context of each sequence the KV cache must hold [tokens].
    sequences : int
        Sequences the KV cache must hold at once [sequences].

    Returns
    -------
    int
        GPUs per replica [GPUs], at most 8.

    Raises
    ------
    ValueError
        If no degree up to 8 holds them.

    Examples
    --------
    >>> gpus_for_model("llama-3.1-70b", "H100-SXM", "bf16", 4096), gpus_for_model("llama-3.1-70b", "H100-SXM", "fp8", 4096)
    (4, 2)
    >>> gpus_for_model("llama-3.1-8b", "L4", "bf16", 8192, 1), gpus_for_model("deepseek-v3", "H200", "fp8")
    (1, 8)
    """
    m, g = model_spec(model), _gpu(gpu)
    kvp = _kv_precision(kv_precision)
    mb = _max_batch(g, engine, max_batch)
    need = float(sequences) * float(_kv_bytes_per_sequence_gpu(m, kvp, 1, context_tokens))
    for tp in feasible_tensor_parallel(m, g, precision, kv_precision=kvp, memory_utilization=memory_utilization,
                                       max_batch=mb, expert_parallel=expert_parallel, engine=engine):
        room = _kv_room_bytes_per_gpu(m, g, precision, tp, memory_utilization, mb, engine)
        per_seq = float(_kv_bytes_per_sequence_gpu(m, kvp, tp, context_tokens))
        if room >= float(sequences) * per_seq:
            return tp
    raise ValueError(f"{m['key']} at {precision} does not hold {sequences} sequences of {context_tokens:,} tokens "
                     f"({need / 1e9:,.1f} GB of KV cache) on up to 8 {g['key']} GPUs.")


# ---------------------------------------------------------------- the roofline
def expected_experts_touched(experts, experts_per_token, tokens):
    """Expected distinct experts a batch of tokens routes to in one MoE layer [experts].

    Parameters
    ----------
    experts : int
        Routed experts per layer, ``E``.
    experts_per_token : int
        Experts each token picks, ``k``.
    tokens : array_like
        Tokens in the forward pass, ``B`` (a decode step: the batch).

    Returns
    -------
    ndarray
        ``E (1 − (1 − k/E)^B)`` [experts].

    Notes
    -----
    Each expert is missed by one token with probability ``1 − k/E`` when routing is uniform and independent, so by
    all ``B`` with ``(1 − k/E)^B`` (the occupancy argument used for MoE decode cost, e.g. in the DeepSpeed-MoE
    and MoE-Lightning analyses). Real routers are skewed and tokens of one sequence correlated, so fewer distinct
    experts are read at small batch than this says: the figure is an upper bound on the bytes read.

    Examples
    --------
    Qwen3-235B-A22B (128 experts, 8 per token): 8 at batch 1, 52 at batch 8, nearly all 128 from batch 64:

    >>> np.round(expected_experts_touched(128, 8, [1, 8, 64]), 1)
    array([  8. ,  51.6, 125.9])
    """
    e, k = float(experts), float(experts_per_token)
    return e * (1 - (1 - k / e) ** np.asarray(tokens, float))


def _hardware(gpu, precision, tensor_parallel):
    g = _gpu(gpu)
    tp = np.asarray(tensor_parallel, float)
    compute = _precision(precision)["compute"]
    fp8 = g.get("fp8_tflops")
    if compute == "fp8" and fp8:
        tflops = fp8
    elif compute == "fp4" and g.get("fp4_tensor_cores") and fp8:
        tflops = fp8
    else:
        tflops = g["bf16_tflops"]
    p = _precision(precision)
    weight_only_4bit = p["bits"] < 8 and (compute != "fp4" or not g.get("fp4_tensor_cores"))
    return {
        "bandwidth": float(g["bandwidth_tb_s"]) * 1e12 * BANDWIDTH_EFFICIENCY
        * (WEIGHT_ONLY_4BIT_FACTOR if weight_only_4bit else 1.0),  # bytes/s per GPU
        "flops": float(tflops) * 1e12,  # FLOP/s per GPU, peak
        "link": float(g["interconnect_gb_s"]) / 2 * 1e9 * LINK_EFFICIENCY,  # bytes/s per direction per GPU
        "tp": tp,
    }


@cache
def _bytes(key, precision):
    """Per component bytes of a catalog model at a precision (cached: a pure lookup)."""
    return _component_bytes(model_spec(key), precision)


def _component_bytes_of(m, precision):
    return _bytes(m["key"], precision) if m["key"] in _catalog_keys() else _component_bytes(m, precision)


@cache
def _catalog_keys() -> frozenset:
    return frozenset(model_names())


def _weights_read(m, precision, tokens):
    """Weight bytes one forward pass over ``tokens`` tokens reads, whole replica: every weight but the input
    embedding (a lookup), and of the routed experts those the tokens route to."""
    c = _component_bytes_of(m, precision)
    fixed = sum(v for k, v in c.items() if k not in ("embedding", "routed_experts"))
    t = np.asarray(tokens, float)
    if not m["moe_layers"]:
        return np.full_like(t, fixed)
    share = expected_experts_touched(m["experts"], m["experts_per_token"], t) / m["experts"]
    return fixed + c["routed_experts"] * share


def _matmul_params(m) -> float:
    """Parameters a token multiplies through [parameters]: active ones but the input embedding."""
    p = m["params"]
    return sum(p.values()) - p["routed_experts"] + m["moe_layers"] * m["experts_per_token"] * m["expert_params"] - p["embedding"]


def _attention_flops_per_context_token(m):
    """FLOPs one query token spends per token of context it attends to, per layer [FLOP]."""
    if m["attention"] == "mla":  # absorbed MLA: scores over latent+rope, values over latent
        return 2.0 * m["attention_heads"] * (2 * m["kv_lora_rank"] + m["rope_head_dim"])
    return 4.0 * m["attention_heads"] * m["head_dim"]  # QK^T and AV


def _attended(m, context):
    """Layer-tokens of context one query attends to, summed over layers (sliding windows bounded)."""
    c = np.asarray(context, float)
    out = _full_layers(m) * c
    if m.get("sliding_layers"):
        out = out + m["sliding_layers"] * np.minimum(c, m["sliding_window"])
    return out


def _attended_prefill(m, n):
    """Layer-token pairs a causal prompt of ``n`` tokens attends over, summed over layers."""
    n = np.asarray(n, float)
    out = _full_layers(m) * n * n / 2
    if m.get("sliding_layers"):
        w = float(m["sliding_window"])
        out = out + m["sliding_layers"] * np.where(n <= w, n * n / 2, n * w - w * w / 2)
    return out


def _allreduce_seconds(m, hw, tokens):
    """Two all-reduces per layer of ``tokens × hidden`` activations, ring algorithm, zero when TP = 1."""
    tp = hw["tp"]
    size = np.asarray(tokens, float) * m["hidden_size"] * ACTIVATION_BYTES * 2 * (tp - 1) / tp
    return np.where(tp > 1, 2 * m["layers"] * (ALLREDUCE_LATENCY_S + size / hw["link"]), 0.0)


def decode_step_seconds(model, gpu, batch, context_tokens, precision="bf16", tensor_parallel=1, kv_precision=None):
    """Time of one decode step: every sequence of the batch gets one token [s].

    Parameters
    ----------
    model : str, path or dict
        Model (see `model_spec`).
    gpu : str or dict
        GPU (a catalog name or a spec dict like ``econ.gpu_spec(...)``, e.g. with fields changed).
    batch : array_like
        Sequences decoding together [sequences].
    context_tokens : array_like
        Mean context of those sequences (prompt plus tokens generated so far) [tokens].
    precision : {"bf16", "fp8", "int4", "mxfp4", "nvfp4"}
        Weight precision (its compute dtype sets the peak: `PRECISIONS`).
    tensor_parallel : int
        GPUs the replica is split over [GPUs].
    kv_precision : {"bf16", "fp8"} or None
        KV-cache precision; None: BF16.

    Returns
    -------
    ndarray
        Step time [s], broadcast over ``batch`` and ``context_tokens``.

    Notes
    -----
    Per GPU: ``bytes = weights read / TP + batch × KV bytes of a sequence``, the weights read counting only the
    routed experts the batch touches (`expected_experts_touched`); ``flops = batch × (2 × active parameters +
    attention FLOPs × attended context) / TP``;
    ``t = max(bytes / (bandwidth × BANDWIDTH_EFFICIENCY), flops / (peak × COMPUTE_EFFICIENCY))
    + 2 × layers × (ALLREDUCE_LATENCY_S + all-reduce bytes / link) + layers × STEP_OVERHEAD_S_PER_LAYER``.

    Examples
    --------
    Llama 3.1 8B, BF16, one H100, batch 1, 1,000 tokens of context: 15.54e9 bytes of weights read (all but the
    input embedding) plus 1,000 × 131,072 bytes of KV over 3.35 TB/s × 0.65, plus 32 layers × 20 µs:

    >>> round(float(decode_step_seconds("llama-3.1-8b", "H100-SXM", 1, 1000)) * 1e3, 2)
    7.59
    """
    m = model_spec(model)
    tp = int(tensor_parallel)
    hw = _hardware(gpu, precision, tp)
    kvp = _kv_precision(kv_precision)
    b, c = np.asarray(batch, float), np.asarray(context_tokens, float)
    mem_s = (_weights_read(m, precision, b) / tp + b * _kv_bytes_per_sequence_gpu(m, kvp, tp, c)) / hw["bandwidth"]
    flops = b * (2 * _matmul_params(m) + _attention_flops_per_context_token(m) * _attended(m, c)) / tp
    flop_s = flops / (hw["flops"] * COMPUTE_EFFICIENCY)
    return np.maximum(mem_s, flop_s) + _allreduce_seconds(m, hw, b) + m["layers"] * STEP_OVERHEAD_S_PER_LAYER


def decode_tokens_per_s(model, gpu, batch, context_tokens, precision="bf16", tensor_parallel=1, kv_precision=None, *,
                        memory_utilization=MEMORY_UTILIZATION, max_batch=None, expert_parallel=False, engine="vllm"):
    """Decode throughput of one replica: output tokens per second at a batch and context [tokens/s].

    Pure decode (no prefill interleaved: see `serving_capacity` for a served workload). NaN where the batch's
    KV cache does not fit in the room `kv_cache_tokens` describes.

    Parameters
    ----------
    model, gpu, batch, context_tokens, precision, tensor_parallel, kv_precision
        As `decode_step_seconds`.
    memory_utilization, max_batch, expert_parallel, engine
        As `kv_cache_tokens`.

    Returns
    -------
    ndarray
        Output tokens per second of the replica [tokens/s]: ``batch / decode_step_seconds``.

    Raises
    ------
    ValueError
        A split the engine refuses, or weights and reserves that leave no KV cache.

    Examples
    --------
    Llama 3.1 8B, BF16, one H100, 2,000 tokens of context:

    >>> np.round(decode_tokens_per_s("llama-3.1-8b", "H100-SXM", [1, 64, 128, 256], 2000), -1)
    array([ 130., 4200., 5580.,   nan])
    >>> float(decode_tokens_per_s("llama-3.1-8b", "L4", 64, 8000))   # 64 × 8,000 tokens of KV: no room
    nan
    """
    m, g = model_spec(model), _gpu(gpu)
    tp = int(tensor_parallel)
    kvp = _kv_precision(kv_precision)
    mb = default_max_batch(g, engine) if max_batch is None else int(max_batch)
    _check_split(m, g, precision, tp, expert_parallel)
    room = _check_memory(m, g, precision, tp, kvp, memory_utilization, mb, engine)
    b, c = np.asarray(batch, float), np.asarray(context_tokens, float)
    t = decode_step_seconds(m, g, b, c, precision, tp, kvp)
    fits = b * _kv_bytes_per_sequence_gpu(m, kvp, tp, c) <= room
    return np.where(fits, b / t, np.nan)


def prefill_seconds(model, gpu, input_tokens, precision="bf16", tensor_parallel=1, batch=1):
    """Time to prefill ``batch`` prompts of ``input_tokens`` tokens each [s]; compute-bound but for tiny prompts.

    Parameters
    ----------
    model : str, path or dict
        Model (see `model_spec`).
    gpu : str or dict
        GPU.
    input_tokens : array_like
        Prompt length [tokens].
    precision : {"bf16", "fp8", "int4", "mxfp4", "nvfp4"}
        Weight precision.
    tensor_parallel : int
        GPUs per replica [GPUs].
    batch : array_like
        Prompts prefilled together [prompts].

    Returns
    -------
    ndarray
        Prefill time [s].

    Notes
    -----
    ``flops = batch × (2 × active params × n + attention FLOPs × causal pairs) / TP``, the causal pairs ``n²/2``
    per full-attention layer (``n × window`` for sliding-window layers);
    ``t = max(flops / (peak × PREFILL_EFFICIENCY), weights read / TP / (bandwidth × BANDWIDTH_EFFICIENCY))
    + all-reduces over batch × n tokens + layers × STEP_OVERHEAD_S_PER_LAYER``.

    Examples
    --------
    Llama 3.1 70B at FP8 on two H100s, a 2,000-token prompt: 2 × 69.5e9 × 2,000 = 278 TFLOP plus
    4 × 64 × 128 × 80 × 2,000² / 2 = 5.2 TFLOP of attention, split over two GPUs at 1,979 TFLOP/s × 0.65, plus
    the all-reduces and the fixed cost per layer:

    >>> round(float(prefill_seconds("llama-3.1-70b", "H100-SXM", 2000, "fp8", 2)), 3)
    0.137
    """
    m = model_spec(model)
    tp = int(tensor_parallel)
    hw = _hardware(gpu, precision, tp)
    n, b = np.asarray(input_tokens, float), np.asarray(batch, float)
    flops = b * (2 * _matmul_params(m) * n + _attention_flops_per_context_token(m) * _attended_prefill(m, n)) / tp
    mem_s = _weights_read(m, precision, b * n) / tp / hw["bandwidth"]
    return (np.maximum(flops / (hw["flops"] * PREFILL_EFFICIENCY), mem_s) + _allreduce_seconds(m, hw, b * n)
            + m["layers"] * STEP_OVERHEAD_S_PER_LAYER)


# ---------------------------------------------------------------- a served workload
@dataclass(frozen=True)
class Capacity:
    """What one replica serves for a request shape, at the latency targets and saturated.

    Attributes
    ----------
    model, gpu, precision, kv_precision : str
        What was computed.
    gpus : int
        GPUs per replica (the tensor-parallel degree) [GPUs].
    input_tokens, output_tokens : float
        Request shape [tokens].
    max_batch_memory : int
        Most sequences the KV cache holds, each reserving input + output tokens, capped at the engine's
        ``max_batch`` [sequences].
    max_batch_tpot, max_batch_ttft : int or None
        Most sequences meeting each latency target (None: no target) [sequences].
    batch : int
        Operating batch at the targets: the smallest of the three limits (0 if even one sequence misses a target).
    limited_by : str
        "KV memory", "engine batch cap", "TPOT target", "TTFT target", or one of them "(missed even at batch 1)".
    output_tokens_per_s, requests_per_s : float
        Goodput of the replica at the targets [tokens/s], [requests/s].
    ttft_s, tpot_s : float
        Time to first token (prefill + one step, no queueing) and mean time per output token at that batch [s].
    saturated_output_tokens_per_s, saturated_requests_per_s, saturated_ttft_s, saturated_tpot_s : float
        The same at ``max_batch_memory``, no latency limit: an upper bound, what benchmarks publish.
    kv_cache_tokens : int
        The replica's KV-cache capacity [tokens] (`kv_cache_tokens`).
    expert_parallel : bool
        Whether experts were placed whole on GPUs.
    max_batch : int
        The engine's cap on concurrent sequences used [sequences].
    """

    model: str
    gpu: str
    precision: str
    kv_precision: str
    gpus: int
    input_tokens: float
    output_tokens: float
    max_batch_memory: int
    max_batch_tpot: int | None
    max_batch_ttft: int | None
    batch: int
    limited_by: str
    output_tokens_per_s: float
    requests_per_s: float
    ttft_s: float
    tpot_s: float
    saturated_output_tokens_per_s: float
    saturated_requests_per_s: float
    saturated_ttft_s: float
    saturated_tpot_s: float
    kv_cache_tokens: int = 0
    expert_parallel: bool = False
    max_batch: int = 0

    @property
    def output_tokens_per_s_per_gpu(self) -> float:
        """Goodput per GPU [tokens/s]."""
        return self.output_tokens_per_s / self.gpus

    def as_dict(self) -> dict:
        """The fields as a plain dict."""
        return asdict(self)


def _cycle(model, gpu, precision, kvp, tp, n_in, n_out, batch):
    """Per batch: cycle time of ``n_out`` decode steps plus the prefills that refill the batch, TTFT, TPOT."""
    b = np.asarray(batch, float)
    step = decode_step_seconds(model, gpu, b, n_in + n_out / 2, precision, tp, kvp)
    cycle = n_out * step + prefill_seconds(model, gpu, n_in, precision, tp, b)
    ttft = prefill_seconds(model, gpu, n_in, precision, tp, 1) + step
    return {"tokens_per_s": b * n_out / cycle, "tpot_s": cycle / n_out, "ttft_s": ttft}


def _max_batch_memory(m, room, kvp, tp, n_in, n_out, max_batch):
    per_seq = float(_kv_bytes_per_sequence_gpu(m, kvp, tp, n_in + n_out))
    return int(min(max_batch, math.floor(room / per_seq)))


def serving_capacity(
    model,
    gpu,
    input_tokens,
    output_tokens,
    precision="bf16",
    tensor_parallel=1,
    ttft_slo_s=None,
    tpot_slo_s=None,
    *,
    kv_precision=None,
    memory_utilization=MEMORY_UTILIZATION,
    expert_parallel=False,
    max_batch=None,
    engine="vllm",
) -> Capacity:
    """Throughput of one replica serving requests of a given shape, at latency targets and saturated.

    Parameters
    ----------
    model : str, path or dict
        A catalog name (`model_names`), the path of a Hugging Face ``config.json``, or a config dict.
    gpu : str or dict
        A GPU catalog name (`econ.gpu_names`) or a spec dict.
    input_tokens, output_tokens : float
        Prompt and completion length of every request [tokens].
    precision : {"bf16", "fp8", "int4", "mxfp4", "nvfp4"}
        Weight precision (`PRECISIONS`).
    tensor_parallel : int or None
        GPUs per replica [GPUs]. None: among the `feasible_tensor_parallel` degrees that hold one request, the one
        serving the most output tokens/s per GPU at the targets (saturated if there are none; fewer GPUs on a tie).
    ttft_slo_s : float or None
        Target time to first token [s]; None: no target.
    tpot_slo_s : float or None
        Target mean time per output token [s]; None: no target.
    kv_precision : {"bf16", "fp8"} or None
        KV-cache precision; None: the model's dtype, BF16 (vLLM's ``kv_cache_dtype="auto"``).
    memory_utilization : float
        vLLM's ``gpu_memory_utilization`` [fraction of each GPU] (`MEMORY_UTILIZATION`).
    expert_parallel : bool
        Place whole experts on GPUs (vLLM's ``--enable-expert-parallel``; DeepSeek, Qwen3 MoE, ...).
    max_batch : int or None
        Engine cap on concurrent sequences [sequences]; None: the engine's default (`default_max_batch`).
    engine : {"vllm", "trtllm"}
        Whose memory accounting.

    Returns
    -------
    Capacity
        Goodput at the targets and the saturated upper bound (see `Capacity`). If even one request misses a
        target, the goodput is 0 and ``limited_by`` says which target.

    Raises
    ------
    ValueError
        Unknown names or precisions; a split the engine refuses (heads, KV heads, widths, FP8 blocks or experts
        that do not divide), weights and reserves that leave no KV cache, or no room for one request's KV cache
        (each with the reason); a request longer than the model's context window (engines refuse it: vLLM's
        ``max_model_len``); token counts that are not finite scalars >= 1 (one shape per call: `econ.size_fleet`
        takes arrays of shapes), targets that are not positive, a ``max_batch`` that is not a whole number >= 1.

    Notes
    -----
    With ``B`` sequences in flight, each cycle of ``output_tokens`` decode steps (mean context
    ``input + output / 2``) also prefills ``B`` new prompts (continuous batching):
    ``cycle(B) = output × step(B) + prefill(B prompts)``, ``tokens/s = B × output / cycle``,
    ``TPOT = cycle / output`` (stalls for other requests' prefills included), ``TTFT = prefill(1) + step(B)``.
    Throughput, TPOT and TTFT all rise with ``B``; the operating batch is the largest meeting both targets
    and the KV limit. Saturated figures are upper bounds (no queueing, identical requests, a tuned engine).

    Examples
    --------
    Llama 3.1 70B at FP8 on two H100s, 1,000 tokens in and 1,000 out, within 30 ms per output token and half a
    second to the first:

    >>> c = serving_capacity("llama-3.1-70b", "H100-SXM", 1000, 1000, "fp8", 2, ttft_slo_s=0.5, tpot_slo_s=0.03)
    >>> c.kv_cache_tokens, c.max_batch_memory, c.batch, c.limited_by
    (202878, 101, 55, 'TPOT target')
    >>> round(c.output_tokens_per_s), round(c.tpot_s * 1e3, 1)
    (1838, 29.9)

    A 28-head model on eight GPUs is refused, as vLLM refuses it:

    >>> serving_capacity("qwen2.5-7b", "H100-SXM", 1000, 200, "bf16", 8)
    Traceback (most recent call last):
    ...
    ValueError: tensor_parallel=8: qwen2.5-7b has 28 attention heads, which do not divide by 8; engines split the heads evenly over the GPUs (degrees that divide them: 1, 2, 4, 7).
    """
    _check_engine(engine)
    n_in, n_out = (_real(arg, v, "a finite number of tokens >= 1", lambda x: math.isfinite(x) and x >= 1)
                   for arg, v in (("input_tokens", input_tokens), ("output_tokens", output_tokens)))
    for arg, v in (("ttft_slo_s", ttft_slo_s), ("tpot_slo_s", tpot_slo_s)):
        if v is not None:
            _real(arg, v, "a positive number of seconds, or None for no target", lambda x: x > 0)
    _real("memory_utilization", memory_utilization, "a fraction of each GPU's memory in (0, 1]", lambda x: 0 < x <= 1)
    m, g = model_spec(model), _gpu(gpu)
    kvp = _kv_precision(kv_precision)
    _precision(precision)
    mb = _max_batch(g, engine, max_batch)
    if n_in + n_out > m["context_tokens"]:
        raise ValueError(
            f"input_tokens + output_tokens = {n_in + n_out:,.0f} tokens is not allowed; "
            f"expected at most {m['key']}'s context window, {m['context_tokens']:,} tokens ('max_position_embeddings' "
            f"of {m.get('config') or 'its config'}): engines refuse longer requests (vLLM's max_model_len).")
    kw = dict(kv_precision=kvp, memory_utilization=memory_utilization, expert_parallel=expert_parallel,
              max_batch=max_batch, engine=engine)
    if tensor_parallel is None:
        options = []
        for n in feasible_tensor_parallel(m, g, precision, kv_precision=kvp, memory_utilization=memory_utilization,
                                          max_batch=max_batch, expert_parallel=expert_parallel, engine=engine):
            try:
                options.append(serving_capacity(m, g, input_tokens, output_tokens, precision, n, ttft_slo_s, tpot_slo_s, **kw))
            except ValueError:
                continue
        if not options:
            raise ValueError(f"no tensor-parallel degree up to 8 {g['key']} GPUs serves {m['key']} at {precision} "
                             f"with {n_in + n_out:,.0f}-token requests.")
        return max(options, key=lambda c: (c.output_tokens_per_s / c.gpus, c.saturated_output_tokens_per_s / c.gpus, -c.gpus))
    tp = _tensor_parallel(tensor_parallel, none=True)
    _check_split(m, g, precision, tp, expert_parallel)
    room = _check_memory(m, g, precision, tp, kvp, memory_utilization, mb, engine)
    b_mem = _max_batch_memory(m, room, kvp, tp, n_in, n_out, mb)
    if b_mem < 1:
        per_seq = float(_kv_bytes_per_sequence_gpu(m, kvp, tp, n_in + n_out))
        raise ValueError(
            f"one request of {n_in + n_out:,.0f} tokens needs {per_seq / GIB:,.2f} GiB of KV cache per GPU; "
            f"{tp} {g['key']} GPU(s) have {room / GIB:,.2f} GiB each after weights and reserves: raise tensor_parallel.")
    batches = np.arange(1, b_mem + 1)
    r = _cycle(m, g, precision, kvp, tp, n_in, n_out, batches)
    limits = {"engine batch cap" if b_mem == mb else "KV memory": b_mem}
    b_tpot = b_ttft = None
    if tpot_slo_s is not None:
        b_tpot = int(np.sum(r["tpot_s"] <= tpot_slo_s))  # TPOT rises with batch: the count is the largest batch
        limits["TPOT target"] = b_tpot
    if ttft_slo_s is not None:
        b_ttft = int(np.sum(r["ttft_s"] <= ttft_slo_s))
        limits["TTFT target"] = b_ttft
    limited_by = min(limits, key=lambda k: (limits[k], k not in ("KV memory", "engine batch cap")))
    b_op = limits[limited_by]
    if b_op == 0:
        limited_by += " (missed even at batch 1)"
    at = {k: (float(v[b_op - 1]) if b_op else (0.0 if k == "tokens_per_s" else float(v[0]))) for k, v in r.items()}
    sat = {k: float(v[-1]) for k, v in r.items()}
    return Capacity(
        model=m["key"], gpu=g["key"], precision=precision, kv_precision=kvp, gpus=tp,
        input_tokens=n_in, output_tokens=n_out,
        max_batch_memory=b_mem, max_batch_tpot=b_tpot, max_batch_ttft=b_ttft, batch=b_op, limited_by=limited_by,
        output_tokens_per_s=at["tokens_per_s"], requests_per_s=at["tokens_per_s"] / n_out,
        ttft_s=at["ttft_s"], tpot_s=at["tpot_s"],
        saturated_output_tokens_per_s=sat["tokens_per_s"], saturated_requests_per_s=sat["tokens_per_s"] / n_out,
        saturated_ttft_s=sat["ttft_s"], saturated_tpot_s=sat["tpot_s"],
        kv_cache_tokens=int(room // (_full_layers(m) * _kv_per_token_layer_gpu(m, kvp, tp))),
        expert_parallel=bool(expert_parallel), max_batch=mb,
    )


# ---------------------------------------------------------------- calibration and validation
EFFICIENCIES = ("BANDWIDTH_EFFICIENCY", "COMPUTE_EFFICIENCY", "PREFILL_EFFICIENCY", "LINK_EFFICIENCY",
                "WEIGHT_ONLY_4BIT_FACTOR")
"""The fitted constants (`fit_efficiencies`)."""
FIT_START = {"BANDWIDTH_EFFICIENCY": 0.7, "COMPUTE_EFFICIENCY": 0.5, "PREFILL_EFFICIENCY": 0.5, "LINK_EFFICIENCY": 0.5,
             "WEIGHT_ONLY_4BIT_FACTOR": 1.0}
"""Where every fit starts (a parameter no row constrains stays here: no 4-bit rows, no 4-bit derating)."""
KINDS = ("decode", "latency", "saturated", "prefill")


@cache
def _reference() -> dict:
    return yaml.safe_load((DATA_DIR / "throughput_reference.yaml").read_text(encoding="utf-8"))


def throughput_reference() -> pd.DataFrame:
    """Published saturated throughput runs of TensorRT-LLM 0.17 (econ/data/throughput_reference.yaml), one row per run.

    Columns: model, gpu, tensor_parallel, precision, input_tokens, output_tokens, output_tokens_per_s
    [tokens/s, whole replica], source. The same runs are the TRT-0.17 rows of `serving_measurements`.

    Examples
    --------
    >>> t = throughput_reference()
    >>> len(t), int(t["output_tokens_per_s"].max())
    (15, 28837)
    """
    ref = _reference()
    return pd.DataFrame(ref["runs"]).assign(source=ref["source"])


@cache
def _measurements() -> dict:
    return yaml.safe_load((DATA_DIR / "serving_measurements.yaml").read_text(encoding="utf-8"))


def serving_measurements() -> pd.DataFrame:
    """Published serving measurements (econ/data/serving_measurements.yaml and the TensorRT-LLM 0.17 runs of
    `throughput_reference`), one row per figure.

    Returns
    -------
    pandas.DataFrame
        ``id`` (the reference sheet's row), ``source`` (its key) and ``citation``, ``set`` ("calibration" or
        "validation": the split rule is stated in the file), ``kind`` (decode, latency, saturated, prefill),
        ``family`` (dense or MoE), ``model``, ``gpu``, ``tensor_parallel``, ``expert_parallel``, ``precision``,
        ``kv_precision``, ``engine``, ``input_tokens``, ``output_tokens``, ``concurrency``, ``metric``,
        ``value`` (as published, in the metric's unit: tokens/s or s).

    Examples
    --------
    >>> t = serving_measurements()
    >>> t.groupby("set").size().to_dict()
    {'calibration': 33, 'validation': 58}
    """
    data = _measurements()
    ref = _reference()  # the TRT-0.17 runs: one home, throughput_reference.yaml
    trt = [{"id": f"T{i}", "source": "TRT-0.17", "set": "calibration", "kind": "saturated", "engine": "trtllm",
            **{k: r[k] for k in ("model", "gpu", "tensor_parallel", "precision", "input_tokens", "output_tokens")},
            "kv_precision": "fp8" if r["precision"] == "fp8" else None,
            "metric": "output_tokens_per_s", "value": r["output_tokens_per_s"]} for i, r in enumerate(ref["runs"], 1)]
    t = pd.DataFrame(trt + data["rows"])
    t["expert_parallel"] = t.get("expert_parallel", pd.Series(False, index=t.index)).fillna(False).astype(bool)
    t["kv_precision"] = t["kv_precision"].astype(object).where(t["kv_precision"].notna(), None)
    t["concurrency"] = t["concurrency"].astype("float")
    t["family"] = ["MoE" if model_spec(x)["moe_layers"] else "dense" for x in t["model"]]
    t["citation"] = t["source"].map({**data["sources"], "TRT-0.17": ref["source"]})
    return t


def _predict_row(r) -> float:
    """The model's figure for one measurement row, in its metric's unit, at the module's efficiencies."""
    m, g = model_spec(r["model"]), _gpu(r["gpu"])
    tp, engine = int(r["tensor_parallel"]), r["engine"]
    kvp = _kv_precision(r["kv_precision"] if isinstance(r["kv_precision"], str) else None)
    n_in, n_out = float(r["input_tokens"]), float(r["output_tokens"])
    cap = default_max_batch(g, engine)
    _check_split(m, g, r["precision"], tp, bool(r["expert_parallel"]))
    room = _check_memory(m, g, r["precision"], tp, kvp, MEMORY_UTILIZATION, cap, engine)
    conc = r["concurrency"]
    b_mem = _max_batch_memory(m, room, kvp, tp, n_in, n_out, cap if conc != conc else min(cap, int(conc)))
    if b_mem < 1:
        raise ValueError(f"the modelled KV cache does not hold one request of {n_in + n_out:,.0f} tokens")
    if r["metric"] == "ttft_s":
        return float(_cycle(m, g, r["precision"], kvp, tp, n_in, n_out, 1)["ttft_s"])
    b = b_mem if r["kind"] in ("saturated", "prefill") else min(int(conc), b_mem)
    tps = float(_cycle(m, g, r["precision"], kvp, tp, n_in, n_out, b)["tokens_per_s"])
    return tps * (n_in + n_out) / n_out if r["metric"] == "total_tokens_per_s" else tps


@contextmanager
def _efficiencies(values: dict):
    """Set the efficiency constants for the duration of a block (fitting, leave-one-source-out)."""
    g = globals()
    old = {k: g[k] for k in values}
    g.update(values)
    try:
        yield
    finally:
        g.update(old)


def _log_errors(rows: pd.DataFrame) -> np.ndarray:
    return np.array([math.log(_predict_or_refuse(r)[0] / r["value"]) for r in rows.to_dict("records")])


def fit_efficiencies(rows: pd.DataFrame | None = None) -> dict:
    """Fit the five efficiencies on measurements: least squares of log(predicted / published).

    Parameters
    ----------
    rows : pandas.DataFrame, optional
        Rows of `serving_measurements`; default: its calibration set.

    Returns
    -------
    dict
        ``BANDWIDTH_EFFICIENCY``, ``COMPUTE_EFFICIENCY``, ``PREFILL_EFFICIENCY``, ``LINK_EFFICIENCY``,
        ``WEIGHT_ONLY_4BIT_FACTOR`` [fraction], rounded to 0.01, and ``rms_log_error`` of the fit.

    Notes
    -----
    ``scipy.optimize.least_squares`` over the five shares, each bounded to [0.05, 1], from `FIT_START`.
    The module constants are this fit on the calibration set (a test checks they agree).
    """
    from scipy.optimize import least_squares

    rows = serving_measurements().query("set == 'calibration'") if rows is None else rows
    x0 = np.array([FIT_START[k] for k in EFFICIENCIES])

    def residuals(x):
        with _efficiencies(dict(zip(EFFICIENCIES, x))):
            return _log_errors(rows)

    fit = least_squares(residuals, x0, bounds=(0.05, 1.0), x_scale=0.1, diff_step=1e-3)
    out = {k: round(float(v), 2) for k, v in zip(EFFICIENCIES, fit.x)}
    with _efficiencies({k: out[k] for k in EFFICIENCIES}):
        out["rms_log_error"] = float(np.sqrt(np.mean(_log_errors(rows) ** 2)))
    return out


def _predict_or_refuse(r) -> tuple[float, str]:
    try:
        return _predict_row(r), ""
    except ValueError as exc:
        return float("nan"), str(exc)


def _table(rows: pd.DataFrame) -> pd.DataFrame:
    pred, refused = zip(*(_predict_or_refuse(r) for r in rows.to_dict("records")))
    t = rows.assign(predicted=pred, refused=refused).rename(columns={"value": "published"})
    t["ratio"] = t["predicted"] / t["published"]
    cols = ["id", "source", "set", "kind", "family", "model", "gpu", "tensor_parallel", "expert_parallel", "precision",
            "engine", "input_tokens", "output_tokens", "concurrency", "metric", "published", "predicted", "ratio", "refused"]
    return t[cols + [c for c in ("loso_predicted", "loso_ratio") if c in t]].reset_index(drop=True)


@cache
def _loso() -> dict:
    """Leave-one-source-out: for each calibration source, the efficiencies fitted without it."""
    cal = serving_measurements().query("set == 'calibration'")
    return {s: fit_efficiencies(cal[cal["source"] != s]) for s in sorted(cal["source"].unique())}


def calibration_table(leave_one_source_out=True) -> pd.DataFrame:
    """Predicted against published on the calibration set, in sample and leave-one-source-out.

    Parameters
    ----------
    leave_one_source_out : bool
        Also predict each row with the efficiencies fitted on the other calibration sources (``loso_predicted``,
        ``loso_ratio``): how the fit carries to a source it has not seen. Three refits (a few seconds).

    Returns
    -------
    pandas.DataFrame
        One row per calibration measurement: ``id``, ``source``, ``set``, ``kind``, ``family``, the
        configuration, ``metric``, ``published`` and ``predicted`` (the metric's unit), ``ratio``
        (predicted / published) and, if asked, ``loso_predicted`` and ``loso_ratio``.

    Examples
    --------
    >>> t = calibration_table(leave_one_source_out=False)
    >>> len(t), sorted(t["source"].unique())
    (33, ['NIM', 'QW25', 'TRT-0.17'])
    """
    t = _table(serving_measurements().query("set == 'calibration'"))
    if leave_one_source_out:
        loso = _loso()
        t["loso_predicted"] = [
            _with(loso[s], _predict_row, r) for s, r in zip(t["source"], serving_measurements()
                                                            .query("set == 'calibration'").to_dict("records"))]
        t["loso_ratio"] = t["loso_predicted"] / t["published"]
    return t


def _with(eff, fn, *args):
    with _efficiencies({k: eff[k] for k in EFFICIENCIES}):
        return fn(*args)


def validation_table() -> pd.DataFrame:
    """Predicted against published on the validation set: measurements the efficiencies were not fitted on.

    Returns
    -------
    pandas.DataFrame
        As `calibration_table`, one row per validation measurement (dense and MoE; decode at low concurrency,
        latency-constrained and saturated throughput, prefill).

    Examples
    --------
    >>> t = validation_table()
    >>> sorted(t["kind"].unique()), sorted(t["family"].unique())
    (['decode', 'latency', 'prefill', 'saturated'], ['MoE', 'dense'])
    """
    return _table(serving_measurements().query("set == 'validation'"))


def validation_summary(validation: pd.DataFrame | None = None, calibration: pd.DataFrame | None = None) -> pd.DataFrame:
    """Median and worst error by set, kind and family: how good the capacity model is, in one table.

    Parameters
    ----------
    validation, calibration : pandas.DataFrame, optional
        `validation_table` and `calibration_table` (computed if omitted).

    Returns
    -------
    pandas.DataFrame
        One row per (``set``, ``kind``, ``family``) with ``n``, ``median_error`` (median of |predicted /
        published − 1|), ``worst_ratio`` (the predicted / published farthest from 1, in log terms) and
        ``worst_id``; ``refused``: rows the model refuses (no room for one request: see the table's ``refused``
        column), not in the figures. The set "calibration (leave one source out)" gives each calibration row as predicted by the
        fit without its source.
    """
    v = validation_table() if validation is None else validation
    c = calibration_table() if calibration is None else calibration
    parts = [v.assign(set="validation"), c.assign(set="calibration (in sample)")]
    if "loso_ratio" in c:
        parts.append(c.assign(set="calibration (leave one source out)", ratio=c["loso_ratio"]))
    rows = []
    for (s, kind, fam), d in pd.concat(parts).groupby(["set", "kind", "family"], sort=False):
        refused = d["ratio"].isna()
        d = d[~refused]
        err = np.abs(d["ratio"] - 1)
        worst = d.loc[np.abs(np.log(d["ratio"])).idxmax()] if len(d) else {"ratio": np.nan, "id": ""}
        rows.append({"set": s, "kind": kind, "family": fam, "n": len(d), "refused": int(refused.sum()),
                     "median_error": float(err.median()), "worst_ratio": float(worst["ratio"]), "worst_id": worst["id"]})
    order = {k: i for i, k in enumerate(KINDS)}
    return pd.DataFrame(rows).sort_values(["set", "family", "kind"], key=lambda s: s.map(order) if s.name == "kind" else s,
                                          ignore_index=True)


def validation_view(summary: pd.DataFrame | None = None):
    """`validation_summary` formatted for reading (HTML): per set, kind of measurement and model, the count, the
    median error in per cent and the worst ratio of predicted to published, with the measurement it comes from."""
    from ._views import html_table  # here, not at import: _views imports _costs, which may import this module

    s = validation_summary() if summary is None else summary
    rows = [{"set": r["set"], "what was measured": r["kind"], "model": r["family"], "measurements": f"{r['n']:,}",
             "refused (no room for one request)": f"{r['refused']:,}",
             "median error": f"{r['median_error']:.0%}" if np.isfinite(r["median_error"]) else "–",
             "worst predicted ÷ published": f"{r['worst_ratio']:.2f}" if np.isfinite(r["worst_ratio"]) else "–",
             "worst case": r["worst_id"]} for r in s.to_dict("records")]
    return html_table(rows, "econ-table validation", ("measurements", "refused (no room for one request)",
                                                      "median error", "worst predicted ÷ published"))


def calibration_chart(table: pd.DataFrame | None = None) -> alt.LayerChart:
    """Predicted over published for every measurement (log scale), by kind; validation and calibration apart.

    Parameters
    ----------
    table : pandas.DataFrame, optional
        `validation_table` and `calibration_table` rows concatenated (computed if omitted).

    Returns
    -------
    alt.LayerChart
        One point per measurement: x the ratio predicted / published (1 = exact), y the kind, colour the set,
        shape dense or MoE; the rule at 1.
    """
    t = pd.concat([validation_table(), calibration_table(False)]) if table is None else table
    t = t.assign(run=lambda d: d["id"] + ": " + d["model"] + " on " + d["tensor_parallel"].astype(str) + "× " + d["gpu"]
                 + " (" + d["precision"] + ", " + d["engine"] + ")")
    lo, hi = 0.9 * min(0.5, float(t["ratio"].min())), 1.1 * max(2.0, float(t["ratio"].max()))
    sets = ["validation", "calibration"]
    points = alt.Chart(t).mark_point(filled=True, size=60, opacity=0.8).encode(
        x=alt.X("ratio:Q", scale=alt.Scale(type="log", domain=[lo, hi], nice=False),
                title="predicted / published (log scale; 1 = exact)", axis=alt.Axis(format=".2~f")),
        y=alt.Y("kind:N", sort=list(KINDS), title="what was measured"),
        yOffset=alt.YOffset("set:N", sort=sets),
        color=alt.Color("set:N", title="set", sort=sets, scale=color_scale(sets)),
        shape=alt.Shape("family:N", title="model"),
        tooltip=[alt.Tooltip("run:N"), alt.Tooltip("source:N"), alt.Tooltip("metric:N"),
                 alt.Tooltip("published:Q", format=",.4~g"), alt.Tooltip("predicted:Q", format=",.4~g"),
                 alt.Tooltip("ratio:Q", format=".2f", title="predicted / published")],
    )
    one = alt.Chart(pd.DataFrame({"ratio": [1.0]})).mark_rule(strokeDash=[4, 3], color="gray").encode(x="ratio:Q")
    return finish((one + points).properties(
        title="Capacity model against published measurements: fitted on the calibration set, checked on the rest",
        width=560, height=260))


def validation_chart(table: pd.DataFrame | None = None) -> alt.LayerChart:
    """Predicted against published throughput on the validation set (log-log), dense and MoE, with the diagonal.

    Parameters
    ----------
    table : pandas.DataFrame, optional
        A `validation_table` (computed if omitted); rows whose metric is a time are left out.

    Returns
    -------
    alt.LayerChart
        Points coloured by kind, shaped dense or MoE; the dashed line is predicted = published.
    """
    t = (validation_table() if table is None else table).query("metric != 'ttft_s'")
    t = t.assign(run=lambda d: d["id"] + ": " + d["model"] + " on " + d["tensor_parallel"].astype(str) + "× " + d["gpu"])
    lo = 0.7 * float(min(t["published"].min(), t["predicted"].min()))
    hi = 1.4 * float(max(t["published"].max(), t["predicted"].max()))
    scale = alt.Scale(type="log", domain=[lo, hi], nice=False)
    points = alt.Chart(t).mark_point(filled=True, size=60).encode(
        x=alt.X("published:Q", scale=scale, title="published (tokens per second per replica; log scale)",
                axis=count_axis()),
        y=alt.Y("predicted:Q", scale=scale, title="predicted (tokens per second per replica; log scale)",
                axis=count_axis()),
        color=alt.Color("kind:N", title="what was measured", sort=list(KINDS), scale=color_scale(KINDS)),
        shape=alt.Shape("family:N", title="model"),
        tooltip=[alt.Tooltip("run:N"), alt.Tooltip("source:N"), alt.Tooltip("metric:N"),
                 alt.Tooltip("published:Q", format=",.0f"), alt.Tooltip("predicted:Q", format=",.0f"),
                 alt.Tooltip("ratio:Q", format=".2f", title="predicted / published")],
    )
    diagonal = alt.Chart(pd.DataFrame({"published": [lo, hi], "predicted": [lo, hi]})).mark_line(
        strokeDash=[4, 3], color="gray").encode(x="published:Q", y="predicted:Q")
    return finish((diagonal + points).properties(title="Out of sample: predicted against published throughput",
                                                 width=420, height=420))


def throughput_vs_batch_chart(
    model, gpu, input_tokens=1000, output_tokens=200, precision="bf16", tensor_parallel=None,
    ttft_slo_s=None, tpot_slo_s=0.05, *, kv_precision=None, memory_utilization=MEMORY_UTILIZATION,
) -> alt.VConcatChart:
    """Throughput and time per output token of one replica against batch, with the TPOT target and KV limit.

    Parameters are those of `serving_capacity`. Two panels over a shared log batch axis: output tokens/s per
    replica (top) and mean time per output token (bottom, the target dashed). Vertical rules mark the operating
    batch at the targets and the KV-memory limit.

    Returns
    -------
    alt.VConcatChart
        The two panels.
    """
    c = serving_capacity(model, gpu, input_tokens, output_tokens, precision, tensor_parallel, ttft_slo_s, tpot_slo_s,
                         kv_precision=kv_precision, memory_utilization=memory_utilization)
    b = np.unique(np.round(np.geomspace(1, c.max_batch_memory, 80)).astype(int))
    r = _cycle(model_spec(model), gpu, precision, c.kv_precision, c.gpus, c.input_tokens, c.output_tokens, b)
    data = pd.DataFrame({"batch": b, "tokens_per_s": r["tokens_per_s"], "tpot_ms": r["tpot_s"] * 1e3,
                         "ttft_s": r["ttft_s"]})
    top_batch = max(2, c.max_batch_memory)
    x = alt.X("batch:Q", scale=alt.Scale(type="log", domain=[1, top_batch], nice=False),
              title="requests served at once (batch; log scale)", axis=count_axis())
    tips = [alt.Tooltip("batch:Q", title="batch"), alt.Tooltip("tokens_per_s:Q", format=",.0f", title="output tokens/s"),
            alt.Tooltip("tpot_ms:Q", format=",.1f", title="TPOT (ms)"), alt.Tooltip("ttft_s:Q", format=",.2f", title="TTFT (s)")]
    marks = [(c.max_batch_memory, f"KV memory limit: {c.max_batch_memory:,} requests")]
    if c.batch and c.batch != c.max_batch_memory:
        marks.append((c.batch, f"at the latency targets: {c.batch:,} requests"))
    top = alt.Chart(data).mark_line(color=_LINE).encode(
        x=x, y=alt.Y("tokens_per_s:Q", title="output tokens per second per replica", axis=count_axis()), tooltip=tips
    )
    bottom = alt.Chart(data).mark_line(color=_LINE).encode(
        x=x, y=alt.Y("tpot_ms:Q", title="time per output token (ms)"), tooltip=tips
    )
    bottom_layers = [bottom, marked_rules([(b, "") for b, _ in marks], "batch", (1, top_batch), log=True)]
    if tpot_slo_s is not None:
        target = pd.DataFrame({"tpot_ms": [tpot_slo_s * 1e3], "label": [f"target: {tpot_slo_s * 1e3:,.0f} ms per output token"]})
        rule = alt.Chart(target).mark_rule(strokeDash=[6, 3], color=_TARGET).encode(y="tpot_ms:Q")
        bottom_layers += [rule, rule.mark_text(align="left", baseline="bottom", dy=-3, color=_TARGET).encode(
            x=alt.value(4), text="label:N")]
    title = (f"{model_spec(model)['name']} at {precision.upper()} on {c.gpus}× {c.gpu}: "
             f"{c.input_tokens:,.0f} tokens in, {c.output_tokens:,.0f} out")
    return finish(alt.vconcat(
        alt.layer(top, marked_rules(marks, "batch", (1, top_batch), log=True)).properties(width=600, height=220),
        alt.layer(*bottom_layers).properties(width=600, height=160),
    ).properties(title=title))


_LINE, _TARGET = "#499894", "#e15759"


def capacity_summary(model, gpu, input_tokens, output_tokens, precision="bf16", tensor_parallel=None,
                     ttft_slo_s=None, tpot_slo_s=None, *, kv_precision=None, memory_utilization=MEMORY_UTILIZATION):
    """Sentences stating what one replica serves, computed from `serving_capacity` (econ Markdown).

    Examples
    --------
    >>> print(capacity_summary("llama-3.1-8b", "H100-SXM", 1000, 200, "fp8", 1, tpot_slo_s=0.03))  # doctest: +ELLIPSIS
    One replica of **Llama 3.1 8B Instruct** at FP8 on 1× H100-SXM ...
    """
    from ._views import Markdown, pct  # here, not at import: _views imports _costs, which may import this module

    c = serving_capacity(model, gpu, input_tokens, output_tokens, precision, tensor_parallel, ttft_slo_s, tpot_slo_s,
                         kv_precision=kv_precision, memory_utilization=memory_utilization)
    name = model_spec(model)["name"]
    targets = " and ".join(
        s for s in (f"{tpot_slo_s * 1e3:,.0f} ms per output token" if tpot_slo_s else "",
                    f"{ttft_slo_s:,.2g} s to the first token" if ttft_slo_s else "") if s
    ) or "no latency target"
    head = (f"One replica of **{name}** at {precision.upper()} on {c.gpus}× {c.gpu} holds the KV cache of "
            f"{c.max_batch_memory:,} requests of {c.input_tokens:,.0f} tokens in and {c.output_tokens:,.0f} out. ")
    if c.batch == 0:
        body = (f"It cannot meet {targets}: even a single request takes {c.tpot_s * 1e3:,.1f} ms per output token "
                f"and {c.ttft_s:,.2f} s to the first token. ")
    else:
        body = (f"At {targets} it runs {c.batch:,} at a time (limited by the {c.limited_by}) and serves "
                f"**{c.output_tokens_per_s:,.0f} output tokens/s** ({c.output_tokens_per_s_per_gpu:,.0f} per GPU, "
                f"{c.requests_per_s:,.2f} requests/s), {c.tpot_s * 1e3:,.1f} ms per output token and "
                f"{c.ttft_s:,.2f} s to the first token before any queueing. ")
    tail = (f"Saturated, with no latency limit, it would reach {c.saturated_output_tokens_per_s:,.0f} output tokens/s "
            f"at {c.saturated_tpot_s * 1e3:,.0f} ms per token"
            + (f", so the targets cost {pct(1 - c.output_tokens_per_s / c.saturated_output_tokens_per_s)} of it" if c.batch else "")
            + ". Saturated figures are upper bounds; uneven request lengths, queueing and burst head-room cost more.")
    return Markdown(head + body + tail)


def capacity_from_scenario(scenario) -> dict:
    """Keyword arguments of `serving_capacity` (and of `throughput_vs_batch_chart`, `capacity_summary`) for a
    scenario's self-hosted model, precision, request shape and latency targets, on the GPU and tensor-parallel
    degree of its fleet (the cheapest, chosen by `econ._fleet.size_fleet`).

    Examples
    --------
    >>> from econ import load_scenario, PARAMS_DIR
    >>> kw = capacity_from_scenario(load_scenario(PARAMS_DIR / "enterprise_steady.yaml"))
    >>> kw["model"], kw["gpu"], kw["precision"], kw["tensor_parallel"], kw["tpot_slo_s"]
    ('llama-3.3-70b', 'H100-SXM', 'fp8', 2, 0.05)
    """
    from ._fleet import size_fleet

    v = scenario.values
    fleet = size_fleet(v)
    kw = {
        "model": v["selfhost.model"], "gpu": fleet["candidates"].gpu[int(fleet["candidate"])],
        "input_tokens": float(v["workload.input_tokens_per_request"]),
        "output_tokens": float(v["workload.output_tokens_per_request"]),
        "precision": v["selfhost.precision"], "tensor_parallel": int(fleet["tensor_parallel"]),
        "ttft_slo_s": v["selfhost.ttft_slo_s"], "tpot_slo_s": v["selfhost.tpot_slo_s"],
    }
    if v["selfhost.kv_precision"] is not None:
        kw["kv_precision"] = v["selfhost.kv_precision"]
    kw["memory_utilization"] = v["selfhost.gpu_memory_utilization"]
    return kw
