"""Capacity of one model replica on GPUs: weights, KV cache, decode and prefill time, throughput under latency targets.

A roofline model. A decode step reads the weights once and the KV cache of every sequence in the batch, and does
two FLOPs per active parameter per token plus the attention over the context; it takes the longer of the two
(memory or compute) at a calibrated efficiency, plus the tensor-parallel all-reduces. Prefill is the same sum
for the prompt tokens, almost always compute-bound. Continuous batching interleaves the two: over the life of
a request the replica spends `output_tokens` decode steps and one prefill per request in the batch.

The efficiency factors (module constants below) were fitted to NVIDIA's published saturated TensorRT-LLM
throughput (econ/data/throughput_reference.yaml, 15 runs, `calibration_table`). Where the model is weak:

- Saturated figures are upper bounds: they are measured with no latency limit, time to first token near a
  minute. `serving_capacity` reports them as ``saturated_output_tokens_per_s`` and, separately, the goodput at
  the latency targets, which is what a service can sell. Real services also lose capacity to uneven request
  lengths, queueing and head-room for bursts (part of econ/_traffic.py's provisioning, not modelled here).
- The calibration data is one engine (TensorRT-LLM, FP8, hand-tuned) on NVLink GPUs plus L40S; vLLM or SGLang
  with default settings typically reach less. Nothing calibrates INT4, mixtures of experts, MLA, H100 PCIe, L4
  or B200: those predictions are the roofline with the same efficiencies, unchecked.
- Time to first token is the prefill alone plus one decode step; queueing delay is not included (it depends on
  the arrival process: see the provisioning policies in econ/_traffic.py).
- Mixtures of experts: a decode step of ``batch`` tokens reads the experts those tokens route to. We assume
  uniform random routing, so the expected share of experts read is ``1 - (1 - k/E)**batch``: two experts of
  eight for Mixtral at batch 1, all of them from a batch of about 16. DeepSeek-V3 on one 8-GPU node therefore
  reads nearly all 671 B parameters per step at any useful batch (large deployments spread experts over many
  nodes instead: expert parallelism, not modelled).
- DeepSeek-V3's multi-head latent attention caches one compressed latent (512) and one RoPE key (64) per layer
  and token, shared by the 128 heads (``kv_bytes_per_token``), and its attention FLOPs use the absorbed form
  (each head's scores over 576 dimensions and values over 512).
- Beyond 8 GPUs a replica would span nodes (pipeline parallelism in practice); the all-reduce model assumes
  one node's interconnect.
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass
from functools import cache

import altair as alt
import numpy as np
import pandas as pd
import yaml

from ._catalog import DATA_DIR, _lookup, _norm, gpu_spec

__all__ = [
    "Capacity",
    "model_names",
    "model_spec",
    "weight_bytes",
    "kv_bytes_per_token",
    "gpus_for_model",
    "decode_step_seconds",
    "decode_tokens_per_s",
    "prefill_seconds",
    "serving_capacity",
    "throughput_reference",
    "calibration_table",
    "calibration_chart",
    "throughput_vs_batch_chart",
    "capacity_summary",
    "capacity_from_scenario",
]

BYTES_PER_PARAM = {"bf16": 2.0, "fp8": 1.0, "int4": 0.5}
"""Bytes per weight [bytes] by precision. INT4 is weight-only (W4A16: computed at BF16 rates); the scales and the
16-bit embeddings of real INT4 checkpoints (a few per cent more) are ignored."""
KV_BYTES_PER_VALUE = {"bf16": 2.0, "fp8": 1.0}
"""Bytes per cached key or value element [bytes] by KV-cache precision."""

BANDWIDTH_EFFICIENCY = 0.75
"""Share of the datasheet memory bandwidth a decode step achieves [fraction]. Set with `COMPUTE_EFFICIENCY` and
`LINK_EFFICIENCY` by a grid search (steps of 0.05 / 0.1) minimising the root-mean-square log ratio over the 15
published runs of `calibration_table`: 0.70-0.75 fit equally well (RMS log error 0.12); kernel benchmarks of
HBM reads reach 80-90 %, the rest is attention kernels, sampling and scheduling."""
COMPUTE_EFFICIENCY = 0.50
"""Share of the datasheet dense peak (FP8 when the weights are FP8 and the GPU has FP8, else BF16) that decode
and prefill matrix multiplications achieve [fraction]. Fitted with the others (0.50-0.55 fit equally well); the
compute-bound runs (Llama 3.1 8B at 128/128 and 2048/128 on one H100) pin it."""
KV_MEMORY_FRACTION = 0.90
"""Share of the memory left after the weights that holds KV cache [fraction]; the rest is activations and
workspace. TensorRT-LLM's ``kv_cache_free_gpu_mem_fraction`` and vLLM's ``gpu_memory_utilization`` default to 0.9."""
MAX_BATCH = 2048
"""Most sequences an engine batches at once [sequences]: TensorRT-LLM's default ``max_batch_size`` (vLLM's
``max_num_seqs`` defaults to 256, so vLLM at defaults gets less than this model on short requests)."""
LINK_EFFICIENCY = 0.40
"""Share of the per-direction interconnect bandwidth (half the datasheet's bidirectional figure) that the
tensor-parallel all-reduces achieve, overlap lost included [fraction]. Fitted with the others; pinned by the
tensor-parallel runs (Llama 3.1 70B on 2, 4 and 8 H100, on 4 A100 and on 4 L40S over PCIe)."""
ALLREDUCE_LATENCY_S = 10e-6
"""Fixed cost of one all-reduce [s] (launch and synchronisation, the order NCCL reports within a node)."""
STEP_OVERHEAD_S_PER_LAYER = 20e-6
"""Fixed time per layer of a forward pass [s]: kernel launches and the small kernels (norms, rotary, sampling)
that do not run at full bandwidth. An assumption, not calibrated: the saturated runs barely depend on it (under
2 %); it matters at small batch, where it adds 0.64 ms to the 6.4 ms a Llama 3.1 8B BF16 step takes on an H100."""
ACTIVATION_BYTES = 2.0
"""Bytes per activation element sent in all-reduces [bytes] (BF16, also for FP8 weights)."""


def _gpu(gpu) -> dict:
    """A GPU spec: a catalog name (`econ.gpu_spec`), or a dict with the same fields (e.g. a modified spec)."""
    return {"key": "custom GPU", **gpu} if isinstance(gpu, dict) else gpu_spec(gpu)


def _strip_name(name: str) -> str:
    s = str(name).strip().lower().split("/")[-1]
    s = re.sub(r"^meta-", "", s)
    for suffix in ("-instruct", "-chat", "-hf", "-v0.1", "-it", "-base"):
        s = s.removesuffix(suffix).removesuffix(suffix.replace("-", "_")).removesuffix(suffix.replace("-", " "))
    s = s.removesuffix("-instruct")
    return s


@cache
def _models() -> dict[str, dict]:
    return yaml.safe_load((DATA_DIR / "models.yaml").read_text(encoding="utf-8"))


def model_names() -> list[str]:
    """Keys of the open-model catalog, e.g. ``"llama-3.1-8b"``.

    Examples
    --------
    >>> "llama-3.1-70b" in model_names(), "deepseek-v3" in model_names()
    (True, True)
    """
    return list(_models())


def model_spec(name) -> dict:
    """Architecture of an open model, by a case- and punctuation-forgiving name.

    Parameters
    ----------
    name : str or dict
        e.g. ``"llama-3.1-8b"``, ``"Llama-3.1-8B"``, ``"meta-llama/Llama-3.1-8B-Instruct"``. A dict that is
        already a spec is returned unchanged.

    Returns
    -------
    dict
        The catalog entry (econ/data/models.yaml) with ``key``: ``layers``, ``hidden_size``,
        ``attention_heads``, ``kv_heads``, ``head_dim``, ``vocab_size``, ``params_total_billion`` and
        ``params_active_billion`` [billions], ``experts``, ``experts_per_token``, ``attention``, ``source``.

    Raises
    ------
    ValueError
        Unknown name: the message lists the valid names and the closest ones.

    Examples
    --------
    >>> s = model_spec("Llama-3.1-8B")
    >>> s["key"], s["layers"], s["kv_heads"], s["params_total_billion"]
    ('llama-3.1-8b', 32, 8, 8.03)
    >>> model_spec("mistralai/Mixtral-8x7B-Instruct-v0.1")["params_active_billion"]
    12.9
    """
    if isinstance(name, dict):
        return name
    table = _models()
    if _norm(_strip_name(name)) in {_norm(k) for k in table}:
        return _lookup(_strip_name(name), table, "model")
    return _lookup(name, table, "model")


def weight_bytes(model, precision="bf16"):
    """Bytes of the model's weights at a precision [bytes]: all parameters, experts included.

    Parameters
    ----------
    model : str
        Model name (see `model_names`).
    precision : {"bf16", "fp8", "int4"}
        Weight precision: 2, 1 or 0.5 bytes per parameter.

    Returns
    -------
    float
        Weight bytes [bytes].

    Notes
    -----
    ``params_total_billion × 1e9 × bytes_per_param``. GB here and everywhere in the kit are 1e9 bytes.

    Examples
    --------
    >>> round(weight_bytes("llama-3.1-8b") / 1e9, 2), round(weight_bytes("llama-3.1-70b", "fp8") / 1e9, 1)
    (16.06, 70.6)
    """
    return float(model_spec(model)["params_total_billion"]) * 1e9 * _bytes_per_param(precision)


def _bytes_per_param(precision) -> float:
    if precision not in BYTES_PER_PARAM:
        raise ValueError(f"precision {precision!r} is not one of {', '.join(map(repr, BYTES_PER_PARAM))}.")
    return BYTES_PER_PARAM[precision]


def _kv_precision(precision, kv_precision):
    if kv_precision is None:
        _bytes_per_param(precision)
        return "fp8" if precision == "fp8" else "bf16"
    if kv_precision not in KV_BYTES_PER_VALUE:
        raise ValueError(f"kv_precision {kv_precision!r} is not one of {', '.join(map(repr, KV_BYTES_PER_VALUE))} (or None: FP8 with FP8 weights, else BF16).")
    return kv_precision


def kv_bytes_per_token(model, kv_precision="bf16"):
    """KV-cache bytes one token of context occupies, over all layers [bytes/token].

    Parameters
    ----------
    model : str
        Model name.
    kv_precision : {"bf16", "fp8"}
        Precision of the cached keys and values.

    Returns
    -------
    float
        Bytes per token of context [bytes].

    Notes
    -----
    Grouped-query attention: ``2 (key and value) × layers × kv_heads × head_dim × bytes``.
    Multi-head latent attention (DeepSeek-V3): ``layers × (kv_lora_rank + rope_head_dim) × bytes``, the
    compressed latent and the decoupled RoPE key that vLLM and SGLang cache instead of per-head keys and values.

    Examples
    --------
    Llama 3.1 70B: 2 × 80 × 8 × 128 × 2 = 327,680; DeepSeek-V3: 61 × (512 + 64) × 2 = 70,272:

    >>> int(kv_bytes_per_token("llama-3.1-70b")), int(kv_bytes_per_token("deepseek-v3"))
    (327680, 70272)
    """
    m = model_spec(model)
    b = KV_BYTES_PER_VALUE[_kv_precision("bf16", kv_precision)]
    if m["attention"] == "mla":
        return float(m["layers"] * (m["kv_lora_rank"] + m["rope_head_dim"]) * b)
    return float(2 * m["layers"] * m["kv_heads"] * m["head_dim"] * b)


def _kv_room_bytes(model, gpu, precision, tensor_parallel):
    total = tensor_parallel * float(_gpu(gpu)["memory_gb"]) * 1e9
    return KV_MEMORY_FRACTION * (total - weight_bytes(model, precision))


def gpus_for_model(model, gpu, precision="bf16", context_tokens=8192, sequences=16, kv_precision=None) -> int:
    """GPUs one replica needs: the smallest power of two whose memory holds the weights and a working KV cache.

    Parameters
    ----------
    model, gpu : str
        Catalog names (a GPU may also be a spec dict like ``econ.gpu_spec(...)``, e.g. with fields changed).
    precision : {"bf16", "fp8", "int4"}
        Weight precision.
    context_tokens : int
        Context of each sequence the KV cache must hold [tokens].
    sequences : int
        Sequences the KV cache must hold at once [sequences]: the working batch.
    kv_precision : {"bf16", "fp8"} or None
        KV-cache precision; None: FP8 with FP8 weights, else BF16.

    Returns
    -------
    int
        GPUs per replica [GPUs], 1, 2, 4, 8, ... (the tensor-parallel degrees engines support).

    Notes
    -----
    Smallest ``n = 2**k`` with ``KV_MEMORY_FRACTION × (n × memory − weights) ≥ sequences × context × kv_bytes``.
    Above 8 GPUs a replica spans nodes.

    Examples
    --------
    70B at BF16 is 141 GB of weights: two H100s leave 17 GB, under the 21 GB that 16 sequences of 4,096 tokens need:

    >>> gpus_for_model("llama-3.1-70b", "H100-SXM", "bf16", 4096), gpus_for_model("llama-3.1-70b", "H100-SXM", "fp8", 4096)
    (4, 2)
    >>> gpus_for_model("llama-3.1-8b", "L4", "bf16", 8192, 1), gpus_for_model("deepseek-v3", "H200", "fp8")
    (1, 8)
    """
    need = float(sequences) * float(context_tokens) * kv_bytes_per_token(model, _kv_precision(precision, kv_precision))
    n = 1
    while _kv_room_bytes(model, gpu, precision, n) < need:
        n *= 2
        if n > 1024:
            raise ValueError(f"model {model!r} does not fit on any number of {gpu!r} GPUs up to 1024.")
    return n


# ---------------------------------------------------------------- the roofline
def _hardware(gpu, precision, tensor_parallel):
    g = _gpu(gpu)
    tp = np.asarray(tensor_parallel, float)
    tflops = g["fp8_tflops"] if precision == "fp8" and g.get("fp8_tflops") else g["bf16_tflops"]
    return {
        "bandwidth": tp * float(g["bandwidth_tb_s"]) * 1e12 * BANDWIDTH_EFFICIENCY,  # bytes/s, whole replica
        "flops": tp * float(tflops) * 1e12 * COMPUTE_EFFICIENCY,  # FLOP/s, whole replica
        "link": float(g["interconnect_gb_s"]) / 2 * 1e9 * LINK_EFFICIENCY,  # bytes/s per direction per GPU
        "tp": tp,
    }


def _weights_read(m, precision, tokens):
    """Weight bytes one forward pass over ``tokens`` tokens reads (mixtures of experts: the experts touched)."""
    total, active = m["params_total_billion"] * 1e9, m["params_active_billion"] * 1e9
    e, k = m["experts"], m["experts_per_token"]
    if e <= 1:
        return np.full_like(np.asarray(tokens, float), total * _bytes_per_param(precision))
    experts = (total - active) / (1 - k / e)  # routed-expert parameters
    touched = 1 - (1 - k / e) ** np.asarray(tokens, float)  # expected share of experts read, uniform routing
    return ((total - experts) + experts * touched) * _bytes_per_param(precision)


def _attention_flops_per_context_token(m):
    """FLOPs one query token spends per token of context it attends to [FLOP]."""
    if m["attention"] == "mla":  # absorbed MLA: scores over latent+rope (576), values over latent (512)
        return 2.0 * m["layers"] * m["attention_heads"] * (2 * m["kv_lora_rank"] + m["rope_head_dim"])
    return 4.0 * m["layers"] * m["attention_heads"] * m["head_dim"]  # QK^T and AV


def _allreduce_seconds(m, hw, tokens):
    """Two all-reduces per layer of ``tokens × hidden`` activations, ring algorithm, zero when TP = 1."""
    tp = hw["tp"]
    size = np.asarray(tokens, float) * m["hidden_size"] * ACTIVATION_BYTES * 2 * (tp - 1) / tp
    return np.where(tp > 1, 2 * m["layers"] * (ALLREDUCE_LATENCY_S + size / hw["link"]), 0.0)


def _check_fits(model, gpu, precision, tensor_parallel):
    if _kv_room_bytes(model, gpu, precision, tensor_parallel) <= 0:
        need = gpus_for_model(model, gpu, precision, 1, 1)
        raise ValueError(
            f"tensor_parallel={tensor_parallel}: the weights of {model!r} at {precision} "
            f"({weight_bytes(model, precision) / 1e9:,.0f} GB) do not fit on {tensor_parallel} {_gpu(gpu)['key']} "
            f"GPU(s); use tensor_parallel={need} or more (or tensor_parallel=None to choose)."
        )


def decode_step_seconds(model, gpu, batch, context_tokens, precision="bf16", tensor_parallel=1, kv_precision=None):
    """Time of one decode step: every sequence of the batch gets one token [s].

    Parameters
    ----------
    model, gpu : str
        Catalog names (a GPU may also be a spec dict like ``econ.gpu_spec(...)``, e.g. with fields changed).
    batch : array_like
        Sequences decoding together [sequences].
    context_tokens : array_like
        Mean context of those sequences (prompt plus tokens generated so far) [tokens].
    precision : {"bf16", "fp8", "int4"}
        Weight precision (FP8 also computes at the FP8 peak where the GPU has one).
    tensor_parallel : int
        GPUs the replica is split over [GPUs].
    kv_precision : {"bf16", "fp8"} or None
        KV-cache precision; None: FP8 with FP8 weights, else BF16.

    Returns
    -------
    ndarray
        Step time [s], broadcast over ``batch`` and ``context_tokens``.

    Notes
    -----
    ``bytes = weights read + batch × context × kv_bytes_per_token``;
    ``flops = batch × (2 × active params + attention FLOPs × context)``;
    ``t = max(bytes / (TP × bandwidth × BANDWIDTH_EFFICIENCY), flops / (TP × peak × COMPUTE_EFFICIENCY))
    + 2 × layers × (ALLREDUCE_LATENCY_S + all-reduce bytes / link)``.

    Examples
    --------
    Llama 3.1 8B, BF16, one H100, batch 1, 1,000 tokens of context: 16.06 GB of weights plus 1,000 × 131,072
    bytes of KV over 3.35 TB/s × 0.75 is 16.19e9 / 2.5125e12 = 6.44 ms (its 16 GFLOP would take 0.03 ms),
    plus 32 layers × 20 µs of fixed overhead:

    >>> round(float(decode_step_seconds("llama-3.1-8b", "H100-SXM", 1, 1000)) * 1e3, 2)
    7.08
    """
    m = model_spec(model)
    hw = _hardware(gpu, precision, tensor_parallel)
    kv = kv_bytes_per_token(m, _kv_precision(precision, kv_precision))
    b, c = np.asarray(batch, float), np.asarray(context_tokens, float)
    mem_s = (_weights_read(m, precision, b) + b * c * kv) / hw["bandwidth"]
    flop_s = b * (2e9 * m["params_active_billion"] + _attention_flops_per_context_token(m) * c) / hw["flops"]
    return np.maximum(mem_s, flop_s) + _allreduce_seconds(m, hw, b) + m["layers"] * STEP_OVERHEAD_S_PER_LAYER


def decode_tokens_per_s(model, gpu, batch, context_tokens, precision="bf16", tensor_parallel=1, kv_precision=None):
    """Decode throughput of one replica: output tokens per second at a batch and context [tokens/s].

    Pure decode (no prefill interleaved: see `serving_capacity` for a served workload). NaN where the batch's
    KV cache does not fit in the memory left after the weights.

    Parameters
    ----------
    model, gpu : str
        Catalog names (a GPU may also be a spec dict like ``econ.gpu_spec(...)``, e.g. with fields changed).
    batch : array_like
        Sequences decoding together [sequences].
    context_tokens : array_like
        Mean context per sequence [tokens].
    precision : {"bf16", "fp8", "int4"}
        Weight precision.
    tensor_parallel : int
        GPUs per replica [GPUs].
    kv_precision : {"bf16", "fp8"} or None
        KV-cache precision; None: FP8 with FP8 weights, else BF16.

    Returns
    -------
    ndarray
        Output tokens per second of the replica [tokens/s]: ``batch / decode_step_seconds``.

    Raises
    ------
    ValueError
        If the weights alone do not fit on ``tensor_parallel`` GPUs.

    Examples
    --------
    Llama 3.1 8B, BF16, one H100, 2,000 tokens of context (room for 219 such sequences):

    >>> np.round(decode_tokens_per_s("llama-3.1-8b", "H100-SXM", [1, 64, 128, 256], 2000), -1)
    array([ 140., 4670., 6280.,   nan])
    >>> float(decode_tokens_per_s("llama-3.1-8b", "L4", 64, 8000))   # 64 × 8,000 tokens of KV: no room
    nan
    """
    _check_fits(model, gpu, precision, tensor_parallel)
    kvp = _kv_precision(precision, kv_precision)
    b, c = np.asarray(batch, float), np.asarray(context_tokens, float)
    t = decode_step_seconds(model, gpu, b, c, precision, tensor_parallel, kvp)
    fits = b * c * kv_bytes_per_token(model, kvp) <= _kv_room_bytes(model, gpu, precision, tensor_parallel)
    return np.where(fits, b / t, np.nan)


def prefill_seconds(model, gpu, input_tokens, precision="bf16", tensor_parallel=1, batch=1):
    """Time to prefill ``batch`` prompts of ``input_tokens`` tokens each [s]; compute-bound but for tiny prompts.

    Parameters
    ----------
    model, gpu : str
        Catalog names (a GPU may also be a spec dict like ``econ.gpu_spec(...)``, e.g. with fields changed).
    input_tokens : array_like
        Prompt length [tokens].
    precision : {"bf16", "fp8", "int4"}
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
    ``flops = batch × (2 × active params × n + attention FLOPs × n² / 2)`` (causal attention);
    ``t = max(flops / (TP × peak × COMPUTE_EFFICIENCY), weights read / (TP × bandwidth × BANDWIDTH_EFFICIENCY))
    + all-reduces over batch × n tokens``.

    Examples
    --------
    Llama 3.1 70B at FP8 on two H100s, a 2,000-token prompt: 2 × 70.6e9 × 2,000 = 282.4 TFLOP plus
    4 × 80 × 64 × 128 × 2,000² / 2 = 5.2 TFLOP of attention, over 2 × 1,979 × 0.5 TFLOP/s, is 0.145 s; the
    160 all-reduces of 2,000 × 8,192 × 2 bytes over NVLink (450 GB/s × 0.4) add 160 × (10 + 182) µs = 0.031 s,
    and 80 layers × 20 µs 0.002 s:

    >>> round(float(prefill_seconds("llama-3.1-70b", "H100-SXM", 2000, "fp8", 2)), 3)
    0.178
    """
    m = model_spec(model)
    hw = _hardware(gpu, precision, tensor_parallel)
    n, b = np.asarray(input_tokens, float), np.asarray(batch, float)
    flops = b * (2e9 * m["params_active_billion"] * n + _attention_flops_per_context_token(m) * n * n / 2)
    mem_s = _weights_read(m, precision, b * n) / hw["bandwidth"]
    return np.maximum(flops / hw["flops"], mem_s) + _allreduce_seconds(m, hw, b * n) + m["layers"] * STEP_OVERHEAD_S_PER_LAYER


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
        Most sequences the KV cache holds, each reserving input + output tokens, capped at `MAX_BATCH` [sequences].
    max_batch_tpot, max_batch_ttft : int or None
        Most sequences meeting each latency target (None: no target) [sequences].
    batch : int
        Operating batch at the targets: the smallest of the three limits (0 if even one sequence misses a target).
    limited_by : str
        "KV memory", "engine batch cap", "TPOT target", "TTFT target" or "TTFT target (even at batch 1)"...
    output_tokens_per_s, requests_per_s : float
        Goodput of the replica at the targets [tokens/s], [requests/s].
    ttft_s, tpot_s : float
        Time to first token (prefill + one step, no queueing) and mean time per output token at that batch [s].
    saturated_output_tokens_per_s, saturated_requests_per_s, saturated_ttft_s, saturated_tpot_s : float
        The same at ``max_batch_memory``, no latency limit: an upper bound, what benchmarks publish.
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


def _max_batch_memory(model, gpu, precision, kvp, tp, n_in, n_out, max_batch):
    per_seq = (n_in + n_out) * kv_bytes_per_token(model, kvp)
    return int(min(max_batch, math.floor(_kv_room_bytes(model, gpu, precision, tp) / per_seq)))


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
    max_batch=MAX_BATCH,
) -> Capacity:
    """Throughput of one replica serving requests of a given shape, at latency targets and saturated.

    Parameters
    ----------
    model, gpu : str
        Catalog names (`model_names`, `econ.gpu_names`).
    input_tokens, output_tokens : float
        Prompt and completion length of every request [tokens].
    precision : {"bf16", "fp8", "int4"}
        Weight precision.
    tensor_parallel : int or None
        GPUs per replica [GPUs]. None: of ``n``, ``2n`` and ``4n`` (at most 8 unless ``n`` is more), where ``n`` is
        `gpus_for_model` for 16 requests of this length, the one serving the most output tokens/s per GPU at the
        targets (saturated if there are none; fewer GPUs on a tie).
    ttft_slo_s : float or None
        Target time to first token [s]; None: no target.
    tpot_slo_s : float or None
        Target mean time per output token [s]; None: no target.
    kv_precision : {"bf16", "fp8"} or None
        KV-cache precision; None: FP8 with FP8 weights, else BF16.
    max_batch : int
        Engine cap on concurrent sequences [sequences] (default `MAX_BATCH`).

    Returns
    -------
    Capacity
        Goodput at the targets and the saturated upper bound (see `Capacity`). If even one request misses a
        target, the goodput is 0 and ``limited_by`` says which target.

    Raises
    ------
    ValueError
        Unknown names, a precision not in {"bf16", "fp8", "int4"}, a tensor-parallel degree that is not a power of
        two or on which the weights (or one request's KV cache) do not fit, non-positive token counts or targets.

    Notes
    -----
    With ``B`` sequences in flight, each cycle of ``output_tokens`` decode steps (mean context
    ``input + output / 2``) also prefills ``B`` new prompts (continuous batching):
    ``cycle(B) = output × step(B) + prefill(B prompts)``, ``tokens/s = B × output / cycle``,
    ``TPOT = cycle / output`` (stalls for other requests' prefills included), ``TTFT = prefill(1) + step(B)``.
    Throughput, TPOT and TTFT all rise with ``B``; the operating batch is the largest meeting both targets
    and the KV limit. Saturated figures are upper bounds (no queueing, identical requests, a tuned engine):
    real services under latency targets get less.

    Examples
    --------
    Llama 3.1 70B at FP8 on two H100s, 1,000 tokens in and 1,000 out, within 30 ms per output token and half a
    second to the first. The KV room is 0.9 × (160 − 70.6) GB = 80.5 GB, 2,000 × 163,840 bytes per request: 245.

    >>> c = serving_capacity("llama-3.1-70b", "H100-SXM", 1000, 1000, "fp8", 2, ttft_slo_s=0.5, tpot_slo_s=0.03)
    >>> c.max_batch_memory, c.batch, c.limited_by
    (245, 84, 'TPOT target')
    >>> round(c.output_tokens_per_s), round(c.saturated_output_tokens_per_s), round(c.tpot_s * 1e3, 1)
    (2813, 4536, 29.9)
    """
    if tensor_parallel is None:  # the best of the smallest fit and twice and four times it, per GPU
        n0 = gpus_for_model(model, gpu, precision, input_tokens + output_tokens, 16, kv_precision)
        options = [serving_capacity(model, gpu, input_tokens, output_tokens, precision, n, ttft_slo_s, tpot_slo_s,
                                    kv_precision=kv_precision, max_batch=max_batch)
                   for n in (n0, 2 * n0, 4 * n0) if n <= max(n0, 8)]
        return max(options, key=lambda c: (c.output_tokens_per_s / c.gpus, c.saturated_output_tokens_per_s / c.gpus, -c.gpus))
    tp = int(tensor_parallel)
    if tp < 1 or tp & (tp - 1):
        raise ValueError(f"tensor_parallel must be a power of two (1, 2, 4, 8, ...), got {tensor_parallel!r}.")
    for arg, v in (("input_tokens", input_tokens), ("output_tokens", output_tokens)):
        if not np.isscalar(v) or not v >= 1:
            raise ValueError(f"{arg} must be a number of tokens >= 1, got {v!r}.")
    for arg, v in (("ttft_slo_s", ttft_slo_s), ("tpot_slo_s", tpot_slo_s)):
        if v is not None and not v > 0:
            raise ValueError(f"{arg} must be a positive number of seconds or None, got {v!r}.")
    m, g = model_spec(model), _gpu(gpu)
    kvp = _kv_precision(precision, kv_precision)
    _check_fits(m["key"], gpu, precision, tp)
    n_in, n_out = float(input_tokens), float(output_tokens)
    b_mem = _max_batch_memory(m, gpu, precision, kvp, tp, n_in, n_out, max_batch)
    if b_mem < 1:
        per_seq = (n_in + n_out) * kv_bytes_per_token(m, kvp) / 1e9
        raise ValueError(
            f"one request of {n_in + n_out:,.0f} tokens needs {per_seq:,.1f} GB of KV cache; {tp} {g['key']} GPU(s) "
            f"have {_kv_room_bytes(m, gpu, precision, tp) / 1e9:,.1f} GB left after the weights: raise tensor_parallel."
        )
    batches = np.arange(1, b_mem + 1)
    r = _cycle(m, gpu, precision, kvp, tp, n_in, n_out, batches)
    limits = {"engine batch cap" if b_mem == max_batch else "KV memory": b_mem}
    b_tpot = b_ttft = None
    if tpot_slo_s is not None:
        b_tpot = int(np.sum(r["tpot_s"] <= tpot_slo_s))  # TPOT rises with batch: the count is the largest batch
        limits["TPOT target"] = b_tpot
    if ttft_slo_s is not None:
        b_ttft = int(np.sum(r["ttft_s"] <= ttft_slo_s))
        limits["TTFT target"] = b_ttft
    limited_by = min(limits, key=lambda k: (limits[k], k != "KV memory"))
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
    )


# ---------------------------------------------------------------- calibration
@cache
def _reference() -> dict:
    return yaml.safe_load((DATA_DIR / "throughput_reference.yaml").read_text(encoding="utf-8"))


def throughput_reference() -> pd.DataFrame:
    """Published saturated throughput runs (econ/data/throughput_reference.yaml), one row per run.

    Columns: model, gpu, tensor_parallel, precision, input_tokens, output_tokens, output_tokens_per_s
    [tokens/s, whole replica], source.

    Examples
    --------
    >>> t = throughput_reference()
    >>> len(t), int(t["output_tokens_per_s"].max())
    (15, 28837)
    """
    ref = _reference()
    return pd.DataFrame(ref["runs"]).assign(source=ref["source"])


def calibration_table() -> pd.DataFrame:
    """Predicted saturated throughput against every published run, with the ratio.

    Returns
    -------
    pandas.DataFrame
        One row per run of `throughput_reference`: ``model``, ``gpu``, ``tensor_parallel``, ``precision``,
        ``input_tokens``, ``output_tokens``, ``published_tokens_per_s`` and ``predicted_tokens_per_s``
        [output tokens/s per replica], ``ratio`` (predicted / published), ``limited_by``, ``source``.

    Notes
    -----
    The three efficiency constants were fitted to these same runs (fifteen runs), so the
    table shows how well a roofline explains them and guards against drift; it is not an out-of-sample test.
    The runs are TensorRT-LLM's maximum-throughput settings: an upper bound for a service with latency targets.

    Examples
    --------
    >>> t = calibration_table()
    >>> bool(t["ratio"].between(0.5, 2).all()), round(float(np.exp(np.log(t["ratio"]).median())), 1)
    (True, 1.0)
    """
    rows = []
    for r in throughput_reference().itertuples(index=False):
        c = serving_capacity(r.model, r.gpu, r.input_tokens, r.output_tokens, r.precision, r.tensor_parallel)
        rows.append({
            "model": c.model, "gpu": c.gpu, "tensor_parallel": r.tensor_parallel, "precision": r.precision,
            "input_tokens": r.input_tokens, "output_tokens": r.output_tokens,
            "published_tokens_per_s": float(r.output_tokens_per_s),
            "predicted_tokens_per_s": c.saturated_output_tokens_per_s,
            "ratio": c.saturated_output_tokens_per_s / r.output_tokens_per_s,
            "limited_by": "engine batch cap" if c.max_batch_memory == MAX_BATCH else "KV memory",
            "source": r.source,
        })
    return pd.DataFrame(rows)


def calibration_chart(table: pd.DataFrame | None = None) -> alt.LayerChart:
    """Predicted against published saturated throughput (log-log), with the line of perfect agreement.

    Parameters
    ----------
    table : pandas.DataFrame, optional
        A `calibration_table`; computed if omitted.

    Returns
    -------
    alt.LayerChart
        Points coloured by model, shaped by GPU; the dashed line is predicted = published.
    """
    t = (calibration_table() if table is None else table).assign(
        run=lambda d: d["model"] + " on " + d["tensor_parallel"].astype(str) + "× " + d["gpu"]
        + ", " + d["input_tokens"].astype(str) + "/" + d["output_tokens"].astype(str) + " tokens"
    )
    lo = 0.7 * float(min(t["published_tokens_per_s"].min(), t["predicted_tokens_per_s"].min()))
    hi = 1.4 * float(max(t["published_tokens_per_s"].max(), t["predicted_tokens_per_s"].max()))
    scale = alt.Scale(type="log", domain=[lo, hi], nice=False)
    points = alt.Chart(t).mark_point(filled=True, size=70).encode(
        x=alt.X("published_tokens_per_s:Q", scale=scale, title="published (output tokens/s per replica)",
                axis=alt.Axis(format="~s")),
        y=alt.Y("predicted_tokens_per_s:Q", scale=scale, title="predicted (output tokens/s per replica)",
                axis=alt.Axis(format="~s")),
        color=alt.Color("model:N", title="model"),
        shape=alt.Shape("gpu:N", title="GPU"),
        tooltip=[alt.Tooltip("run:N"), alt.Tooltip("precision:N"),
                 alt.Tooltip("published_tokens_per_s:Q", format=",.0f", title="published tokens/s"),
                 alt.Tooltip("predicted_tokens_per_s:Q", format=",.0f", title="predicted tokens/s"),
                 alt.Tooltip("ratio:Q", format=".2f", title="predicted / published")],
    )
    diagonal = alt.Chart(pd.DataFrame({"published_tokens_per_s": [lo, hi], "predicted_tokens_per_s": [lo, hi]})).mark_line(
        strokeDash=[4, 3], color="gray"
    ).encode(x="published_tokens_per_s:Q", y="predicted_tokens_per_s:Q")
    return (diagonal + points).properties(
        title="Predicted against published saturated throughput (TensorRT-LLM)", width=420, height=420
    )


def throughput_vs_batch_chart(
    model, gpu, input_tokens=1000, output_tokens=200, precision="bf16", tensor_parallel=None,
    ttft_slo_s=None, tpot_slo_s=0.05, *, kv_precision=None,
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
                         kv_precision=kv_precision)
    b = np.unique(np.round(np.geomspace(1, c.max_batch_memory, 80)).astype(int))
    r = _cycle(model_spec(model), gpu, precision, c.kv_precision, c.gpus, c.input_tokens, c.output_tokens, b)
    data = pd.DataFrame({"batch": b, "tokens_per_s": r["tokens_per_s"], "tpot_ms": r["tpot_s"] * 1e3,
                         "ttft_s": r["ttft_s"]})
    x = alt.X("batch:Q", scale=alt.Scale(type="log", domain=[1, max(2, c.max_batch_memory)], nice=False),
              title="concurrent sequences (batch)")
    tips = [alt.Tooltip("batch:Q", title="batch"), alt.Tooltip("tokens_per_s:Q", format=",.0f", title="output tokens/s"),
            alt.Tooltip("tpot_ms:Q", format=",.1f", title="TPOT (ms)"), alt.Tooltip("ttft_s:Q", format=",.2f", title="TTFT (s)")]
    marks = [{"batch": c.max_batch_memory, "label": "KV memory limit"}]
    if c.batch and c.batch != c.max_batch_memory:
        marks.append({"batch": c.batch, "label": "at the latency targets"})
    rules = alt.Chart(pd.DataFrame(marks)).mark_rule(strokeDash=[4, 3], color="gray").encode(
        x="batch:Q", tooltip=[alt.Tooltip("label:N", title="mark"), alt.Tooltip("batch:Q", title="batch")]
    )
    labels = rules.mark_text(angle=270, align="right", baseline="bottom", dy=-3, color="gray").encode(
        text="label:N", y=alt.value(2)
    )
    top = alt.Chart(data).mark_line(point=False).encode(
        x=x, y=alt.Y("tokens_per_s:Q", title="output tokens/s per replica", axis=alt.Axis(format="~s")), tooltip=tips
    )
    bottom = alt.Chart(data).mark_line(color="#f58518").encode(
        x=x, y=alt.Y("tpot_ms:Q", title="time per output token (ms)"), tooltip=tips
    )
    bottom_layers = [bottom, rules]
    if tpot_slo_s is not None:
        bottom_layers.append(alt.Chart(pd.DataFrame({"tpot_ms": [tpot_slo_s * 1e3], "label": ["TPOT target"]})).mark_rule(
            strokeDash=[6, 3], color="#e45756").encode(y="tpot_ms:Q", tooltip=[alt.Tooltip("tpot_ms:Q", format=",.0f", title="TPOT target (ms)")]))
    title = (f"{model_spec(model)['name']} at {precision.upper()} on {c.gpus}× {c.gpu}: "
             f"{c.input_tokens:,.0f} tokens in, {c.output_tokens:,.0f} out")
    return alt.vconcat(
        alt.layer(top, rules, labels).properties(width=560, height=220),
        alt.layer(*bottom_layers).properties(width=560, height=160),
    ).properties(title=title)


def capacity_summary(model, gpu, input_tokens, output_tokens, precision="bf16", tensor_parallel=None,
                     ttft_slo_s=None, tpot_slo_s=None, *, kv_precision=None):
    """Sentences stating what one replica serves, computed from `serving_capacity` (econ Markdown).

    Examples
    --------
    >>> print(capacity_summary("llama-3.1-8b", "H100-SXM", 1000, 200, "fp8", 1, tpot_slo_s=0.03))  # doctest: +ELLIPSIS
    One replica of **Llama 3.1 8B Instruct** at FP8 on 1× H100-SXM ...
    """
    from ._views import Markdown, pct  # here, not at import: _views imports _costs, which may import this module

    c = serving_capacity(model, gpu, input_tokens, output_tokens, precision, tensor_parallel, ttft_slo_s, tpot_slo_s,
                         kv_precision=kv_precision)
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
    ('llama-3.3-70b', 'H100-SXM', 'fp8', 1, 0.05)
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
    return kw
