"""The open-model catalog: architectures read from Hugging Face ``config.json`` files, parameter counts computed
from the layer shapes, and the weight precisions engines run.

Every catalog model points at a verbatim copy of its ``config.json`` (econ/data/model_configs/, with where each
was found in SOURCES.md); econ/data/models.yaml adds only the display name, source, licence and the published
parameter counts that check the computation. A user's own model (a fine-tune, a new release) is sized the same
way: pass the path of its ``config.json`` (or the parsed dict) wherever a model name is accepted.

Parameter counts (`model_spec`, ``params``) add up every weight matrix, bias and norm the config implies:
embeddings and output head (tied or not); attention (grouped-query: q, k, v, o; multi-head latent attention:
the low-rank q and kv projections); the MLP of dense layers (SwiGLU: three matrices); and in mixture-of-experts
layers the router, the routed experts and the shared experts. Which layers are MoE follows each family's config
keys: ``first_k_dense_replace`` (DeepSeek, Kimi, GLM), ``decoder_sparse_step`` / ``mlp_only_layers`` (Qwen3),
``interleave_moe_layer_step`` (Llama 4); every layer for Mixtral and gpt-oss.
"""

from __future__ import annotations

import json
import math
import re
from functools import cache
from pathlib import Path

import yaml

from ._catalog import DATA_DIR, _lookup, _norm

__all__ = ["model_names", "model_spec", "weight_bytes", "PRECISIONS", "BYTES_PER_PARAM"]

CONFIG_DIR = DATA_DIR / "model_configs"

PRECISIONS = {
    "bf16": {"bits": 16.0, "compute": "bf16", "quantized": "none",
             "note": "BF16 weights, as the checkpoints ship"},
    "fp8": {"bits": 8.0, "compute": "fp8", "quantized": "linear",
            "note": "FP8 (E4M3) weights of every linear layer in the blocks, block or channel scales (under 0.1 %)"},
    "int4": {"bits": 4.125, "compute": "bf16", "quantized": "linear",
             "note": "AWQ/GPTQ weight-only INT4, group 128 with a 16-bit scale per group (W4A16: BF16 compute)"},
    "mxfp4": {"bits": 4.25, "compute": "fp4", "quantized": "experts",
              "note": "MXFP4 (OCP Microscaling v1.0: 32 FP4 values share an 8-bit scale) for the routed experts, "
                      "the rest BF16, as gpt-oss ships (its config's modules_to_not_convert); a dense model's "
                      "linear layers"},
    "nvfp4": {"bits": 4.5, "compute": "fp4", "quantized": "linear",
              "note": "NVFP4 (16 FP4 values share an FP8 scale) for every linear layer in the blocks"},
}
"""Weight precisions as engines run them [bits per quantized weight, scales included]. ``compute``: the
datatype of the matrix multiplies (FP4 runs at the FP8 peak on GPUs with FP4 tensor cores, as no dense FP4 peak
is sourced, and weight-only at BF16 elsewhere). ``quantized``: which weights take the precision; the input
embedding, output head, routers and norms stay BF16 (as in the published FP8, AWQ, MXFP4 and NVFP4 checkpoints)."""

BYTES_PER_PARAM = {name: p["bits"] / 8 for name, p in PRECISIONS.items()}
"""Bytes per quantized weight by precision name [bytes], scales included: bf16 2, fp8 1, int4 0.516,
mxfp4 0.531, nvfp4 0.5625."""

_SUFFIXES = ("-instruct", "-chat", "-hf", "-v0.1", "-it", "-base", "-fp8", "-awq", "-gptq-int4", "-bf16")


@cache
def _catalog() -> dict[str, dict]:
    return yaml.safe_load((DATA_DIR / "models.yaml").read_text(encoding="utf-8"))


@cache
def _read_config(path: str) -> dict:
    """A ``config.json`` read once (the spec is computed once per path: `_path_spec`), or a refusal naming the file."""
    try:
        cfg = json.loads(Path(path).read_bytes().decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path}: byte {exc.object[exc.start]:#04x} at position {exc.start:,} is not UTF-8; expected a "
                         "Hugging Face config.json, which is UTF-8 JSON (re-save the file as UTF-8)") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno}); expected a "
                         "Hugging Face config.json, a JSON object") from None
    except OSError as exc:
        raise ValueError(f"{path}: cannot be read ({exc.strerror or exc}); expected a readable config.json") from None
    if not isinstance(cfg, dict):
        raise ValueError(f"{path}: holds a JSON {_json_kind(cfg)}; expected a Hugging Face config.json, a JSON object "
                         '({"hidden_size": ..., "num_hidden_layers": ..., ...})')
    return cfg


def _json_kind(x) -> str:
    return {list: "array", str: "string", bool: "boolean", type(None): "null"}.get(type(x), "number")


def model_names() -> list[str]:
    """Keys of the open-model catalog, e.g. ``"gpt-oss-120b"``.

    Examples
    --------
    >>> {"llama-3.3-70b", "gpt-oss-120b", "qwen3-235b-a22b", "deepseek-r1", "kimi-k2"} <= set(model_names())
    True
    """
    return list(_catalog())


def _strip_name(name: str) -> str:
    s = str(name).strip().lower().split("/")[-1]
    s = re.sub(r"^meta-(?=llama)", "", s)
    for _ in range(2):
        for suffix in _SUFFIXES:
            for sep in ("-", "_", " "):
                s = s.removesuffix(suffix.replace("-", sep))
    return s


def _as_config_path(name) -> Path | None:
    if isinstance(name, Path) or (isinstance(name, str) and name.strip().lower().endswith(".json")):
        return Path(name).expanduser()
    return None


@cache
def _catalog_spec(key: str) -> dict:
    entry = _catalog()[key]
    file = f"econ/data/model_configs/{entry['config']}" if "config" in entry else f"econ/data/models.yaml ({key}.architecture)"
    cfg = entry.get("architecture") or _read_config(str(CONFIG_DIR / entry["config"]))
    info = {k: v for k, v in entry.items() if k not in ("architecture", "config", "aliases")}
    info["config"] = f"econ/data/model_configs/{entry['config']}" if "config" in entry else None
    return _spec_from_config(cfg, key=key, file=file, **info)


@cache
def _path_spec(resolved: str, given: str) -> dict:
    """The spec of a ``config.json`` path: read, checked and counted once (cached), not per capacity call."""
    path = Path(given)
    return _spec_from_config(_read_config(resolved), key=given, name=path.parent.name or path.stem, source=given,
                             file=given, config=given)


def model_spec(name) -> dict:
    """Architecture and parameter counts of an open model: a catalog name, a ``config.json`` path, or a dict.

    Parameters
    ----------
    name : str, path or dict
        A catalog key or a case- and punctuation-forgiving name (``"Llama-3.1-8B"``,
        ``"meta-llama/Llama-3.1-8B-Instruct"``, ``"Qwen/Qwen3-235B-A22B-FP8"``); the path of a Hugging Face
        ``config.json`` (a name ending in ``.json``); a parsed ``config.json`` dict; or a spec this function
        returned (returned unchanged).

    Returns
    -------
    dict
        ``key``, ``name``, ``source``; the shapes ``layers``, ``hidden_size``, ``attention_heads``,
        ``kv_heads``, ``head_dim``, ``vocab_size``, ``context_tokens``, ``intermediate_size`` (dense MLP width,
        None without dense layers); ``attention`` ("gqa" or "mla"; MLA adds ``q_lora_rank``, ``kv_lora_rank``,
        ``qk_nope_head_dim``, ``rope_head_dim``, ``v_head_dim``); ``sliding_window`` [tokens] and
        ``sliding_layers`` (gpt-oss); mixture of experts: ``moe_layers``, ``experts`` and ``experts_per_token``
        (1 and 1 for dense models), ``shared_experts``, ``moe_intermediate_size``; ``params`` (parameters by
        component, exact), ``params_total_billion`` and ``params_active_billion`` [billions, to 0.01] from them; the
        published ``card_*`` figures where the catalog has them.

    Raises
    ------
    ValueError
        An unknown name (the message lists the valid names and the closest ones); a config file that is missing,
        a directory, not UTF-8 or not a JSON object; a config field missing or outside `CONFIG_FIELDS`' rules (the
        message names the file, the field, its value and what is allowed).

    Examples
    --------
    >>> s = model_spec("Llama-3.1-8B")
    >>> s["key"], s["layers"], s["kv_heads"], round(s["params_total_billion"], 2)
    ('llama-3.1-8b', 32, 8, 8.03)
    >>> q = model_spec("Qwen/Qwen3-235B-A22B-FP8")
    >>> q["key"], q["experts"], q["experts_per_token"], round(q["params_active_billion"], 1)
    ('qwen3-235b-a22b', 128, 8, 22.2)
    """
    if isinstance(name, dict):
        return name if "params" in name else _spec_from_config(name, key="custom model", name="custom model",
                                                               source="config dict", file="the config dict")
    path = _as_config_path(name)
    if path is not None:
        if path.is_dir():
            inside = " (it holds one: pass " + repr(str(path / "config.json")) + ")" if (path / "config.json").is_file() else ""
            raise ValueError(f"model config {str(path)!r} is a directory; expected the path of a Hugging Face "
                             f"config.json file{inside}")
        if not path.is_file():
            raise ValueError(f"model config {str(path)!r} does not exist (a model is a catalog name or the path of a "
                             f"Hugging Face config.json). Catalog names: {', '.join(model_names())}")
        return _path_spec(str(path.resolve()), str(path))
    table = _catalog()
    by_alias = {_norm(a): k for k, v in table.items() for a in v.get("aliases", ())}
    for candidate in (name, _strip_name(name)):
        key = by_alias.get(_norm(candidate)) or {_norm(k): k for k in table}.get(_norm(candidate))
        if key:
            return _catalog_spec(key)
    _lookup(name, table, "model")  # raises, naming the closest names
    raise AssertionError  # pragma: no cover


# ---------------------------------------------------------------- reading a config
MIN_CONTEXT_TOKENS = 1024
"""Smallest context window a config may state [tokens]: GPT-2's 1,024, the shortest of the generative models engines
serve (Llama 1, OPT, Pythia: 2,048; current models 32,768 or more). A smaller figure is a typo or a toy model, and
would refuse every realistic request."""
MIN_VOCAB_SIZE = 256
"""Smallest vocabulary a config may state [tokens]: a byte-level tokenizer's 256 entries, the fewest any LLM has."""

CONFIG_FIELDS = {
    "hidden_size": ("the model width", 1),
    "num_hidden_layers": ("the number of transformer layers", 1),
    "num_attention_heads": ("the number of attention (query) heads", 1),
    "num_key_value_heads": ("the number of KV heads (absent: one per attention head)", 1),
    "head_dim": ("the width of one attention head (absent: hidden_size / num_attention_heads)", 1),
    "vocab_size": ("the vocabulary size", MIN_VOCAB_SIZE),
    "max_position_embeddings": ("the context window [tokens], which engines take as the longest request "
                                "(vLLM's max_model_len)", MIN_CONTEXT_TOKENS),
    "intermediate_size": ("the MLP width", 1),
    "intermediate_size_mlp": ("the dense MLP width (Llama 4)", 1),
    "moe_intermediate_size": ("the width of one expert's MLP", 1),
    "n_routed_experts": ("the number of routed experts (a dense model leaves it out)", 1),
    "num_local_experts": ("the number of routed experts (a dense model leaves it out)", 1),
    "num_experts": ("the number of routed experts (a dense model leaves it out)", 1),
    "num_experts_per_tok": ("the experts each token is routed to", 1),
    "n_shared_experts": ("the number of shared experts", 0),
    "first_k_dense_replace": ("the number of leading dense layers", 0),
    "moe_layer_freq": ("the spacing of MoE layers", 1),
    "interleave_moe_layer_step": ("the spacing of MoE layers", 1),
    "decoder_sparse_step": ("the spacing of MoE layers", 1),
    "kv_lora_rank": ("the rank of the compressed KV (multi-head latent attention)", 1),
    "q_lora_rank": ("the rank of the compressed queries (null: uncompressed)", 1),
    "qk_nope_head_dim": ("the per-head query/key width without RoPE", 1),
    "qk_rope_head_dim": ("the per-head RoPE key width", 1),
    "v_head_dim": ("the per-head value width", 1),
    "sliding_window": ("the window of sliding-window layers [tokens]", 1),
}
"""The integer fields of a Hugging Face ``config.json`` this reader uses: what each is and its least allowed value.
Every one is a JSON integer (not true/false, not 31.5, not "4096", not NaN), checked where the sizing reads it
(a field the architecture does not use is left alone); absent or null takes the default where the architecture
has one, and is refused where sizing needs the field. Relations between fields
(`_check_relations`): the KV heads divide the attention heads; without ``head_dim`` the heads divide
``hidden_size``; a token routes to at most as many experts as there are."""


_WITHOUT = {"max_position_embeddings": " (without it vLLM assumes 2,048 tokens, with a warning: state the model's own)"}


class _Config:
    """Reads the fields of one config by `CONFIG_FIELDS`' rules; every refusal names the file, field and value."""

    def __init__(self, cfg: dict, file: str, prefix: str = ""):
        self.cfg, self.file, self.prefix = cfg, file, prefix

    def refuse(self, key: str, expected: str, value=None, missing=False) -> ValueError:
        field = f"{self.prefix}{key}"
        if missing:
            return ValueError(f"{self.file}: {field!r} is missing; expected {expected}")
        shown = json.dumps(value, ensure_ascii=False) if not isinstance(value, float) or math.isfinite(value) else \
            ("NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity"))
        return ValueError(f"{self.file}: {field!r} = {shown} is not allowed; expected {expected}")

    def int(self, key: str, default=KeyError) -> int:
        """A field of `CONFIG_FIELDS`, checked; ``default`` where absent or null (KeyError: refuse)."""
        what, lowest = CONFIG_FIELDS[key]
        value = self.cfg.get(key)
        rule = f"{what}: an integer >= {lowest:,}"
        if value is None:
            if default is KeyError:
                raise self.refuse(key, rule + _WITHOUT.get(key, " (sizing the model needs it)"), missing=True)
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            hint = {bool: " (true/false is not a number)", str: " (a number, not text)"}.get(type(value), "")
            raise self.refuse(key, rule + hint, value)
        if value < lowest:
            raise self.refuse(key, rule, value)
        return value


def _check_relations(c: _Config, *, h, heads, kv_heads, mla, experts, k, stated_experts):
    """The relations between config fields an engine (and Transformers) relies on."""
    if not mla:
        if "head_dim" not in c.cfg or c.cfg["head_dim"] is None:
            if h % heads:
                raise c.refuse("num_attention_heads", f"a divisor of 'hidden_size' = {h:,} (each head is hidden_size "
                               "/ num_attention_heads wide), or a 'head_dim' stated", heads)
        if kv_heads > heads or heads % kv_heads:
            divisors = [d for d in range(1, heads + 1) if heads % d == 0]
            shown = ", ".join(map(str, divisors[:12])) + (", ..." if len(divisors) > 12 else "")
            raise c.refuse("num_key_value_heads", f"a divisor of 'num_attention_heads' = {heads} ({shown}): each KV "
                           "head serves an equal group of query heads", kv_heads)
    if stated_experts and k > experts:
        raise c.refuse("num_experts_per_tok", f"at most the {experts} routed experts ({stated_experts!r}): each "
                       "token is routed to that many distinct experts", k)


def _moe_layer_count(c: _Config, layers: int, experts: int) -> int:
    cfg = c.cfg
    if experts <= 1:
        return 0
    if "first_k_dense_replace" in cfg:  # DeepSeek, Kimi, GLM-4.5
        first, freq = c.int("first_k_dense_replace", 0), c.int("moe_layer_freq", 1)
        return sum(1 for i in range(layers) if i >= first and i % freq == 0)
    if "interleave_moe_layer_step" in cfg:  # Llama 4: every step-th layer
        step = c.int("interleave_moe_layer_step", 1)
        return sum(1 for i in range(layers) if (i + 1) % step == 0)
    if "decoder_sparse_step" in cfg:  # Qwen MoE
        step, dense = c.int("decoder_sparse_step", 1), cfg.get("mlp_only_layers") or []
        if not isinstance(dense, list):
            raise c.refuse("mlp_only_layers", "a list of layer indices", dense)
        return sum(1 for i in range(layers) if i not in set(dense) and (i + 1) % step == 0)
    return layers  # Mixtral, gpt-oss


def _spec_from_config(cfg: dict, *, key: str, name: str, source: str, file: str, **info) -> dict:
    """Normalise a Hugging Face config (text model) into the fields the capacity model uses, and count parameters.
    Every field is read by `CONFIG_FIELDS`' rules (`_Config`): a refusal names ``file``, the field and its value."""
    prefix = ""
    if "text_config" in cfg:  # multimodal wrappers (Llama 4): the language model
        cfg, prefix = cfg["text_config"], "text_config."
        if not isinstance(cfg, dict):
            raise ValueError(f"{file}: 'text_config' holds a JSON {_json_kind(cfg)}; expected a JSON object, the "
                             "language model's config")
    c = _Config(cfg, file, prefix)
    g = c.int
    mtype = str(cfg.get("model_type", ""))
    h, layers, heads, vocab = g("hidden_size"), g("num_hidden_layers"), g("num_attention_heads"), g("vocab_size")
    context = g("max_position_embeddings")
    mla = cfg.get("kv_lora_rank") is not None  # multi-head latent attention (DeepSeek, Kimi)
    kv_heads = g("num_key_value_heads", heads)
    stated_experts = next((e for e in ("n_routed_experts", "num_local_experts", "num_experts") if cfg.get(e) is not None), None)
    experts = g(stated_experts) if stated_experts else 1
    k = g("num_experts_per_tok", 1) if experts > 1 else 1
    _check_relations(c, h=h, heads=heads, kv_heads=kv_heads, mla=mla, experts=experts, k=k, stated_experts=stated_experts)
    head_dim = g("head_dim", h // heads)
    moe_layers = _moe_layer_count(c, layers, experts)
    dense_layers = layers - moe_layers
    llama4 = mtype.startswith("llama4")
    gpt_oss = mtype == "gpt_oss"
    moe_inter = (g("moe_intermediate_size", 0) or g("intermediate_size")) if moe_layers else g("moe_intermediate_size", 0)
    dense_inter = (g("intermediate_size_mlp") if llama4 else g("intermediate_size")) if dense_layers else None
    shared = g("n_shared_experts", 0) or (1 if llama4 and moe_layers else 0)
    qkv_bias = bool(cfg.get("attention_bias", mtype == "qwen2"))  # Qwen2 has q, k, v biases without the key
    layer_types = cfg.get("layer_types") or []
    sliding_layers = sum(1 for t in layer_types if t == "sliding_attention") if isinstance(layer_types, list) else 0
    window = g("sliding_window", None) if sliding_layers else None
    spec = {
        "key": key, "name": name, "source": source, "model_type": mtype,
        "layers": layers, "hidden_size": h, "attention_heads": heads, "kv_heads": kv_heads, "head_dim": head_dim,
        "vocab_size": vocab, "tie_embeddings": bool(cfg.get("tie_word_embeddings", False)),
        "context_tokens": context,
        "intermediate_size": dense_inter, "moe_layers": moe_layers, "experts": experts, "experts_per_token": k,
        "shared_experts": shared, "moe_intermediate_size": moe_inter or None,
        "attention": "mla" if mla else "gqa", "sliding_window": window, "sliding_layers": sliding_layers if window else 0,
        "torch_dtype": cfg.get("torch_dtype", "bfloat16"),
        **info,
    }
    if mla:
        spec.update(q_lora_rank=g("q_lora_rank", None), kv_lora_rank=g("kv_lora_rank"),
                    qk_nope_head_dim=g("qk_nope_head_dim"), rope_head_dim=g("qk_rope_head_dim"),
                    v_head_dim=g("v_head_dim"))
    # ---- parameters by component
    if mla:
        qk = spec["qk_nope_head_dim"] + spec["rope_head_dim"]
        q = (h * spec["q_lora_rank"] + spec["q_lora_rank"] + spec["q_lora_rank"] * heads * qk) if spec["q_lora_rank"] else h * heads * qk
        kv = h * (spec["kv_lora_rank"] + spec["rope_head_dim"]) + spec["kv_lora_rank"] \
            + spec["kv_lora_rank"] * heads * (spec["qk_nope_head_dim"] + spec["v_head_dim"])
        attn = q + kv + heads * spec["v_head_dim"] * h
    else:
        q, kvd = heads * head_dim, kv_heads * head_dim
        attn = h * (q + 2 * kvd) + q * h + (q + 2 * kvd if qkv_bias else 0)
        attn += h if gpt_oss else 0  # gpt-oss: o_proj bias
        attn += heads if gpt_oss else 0  # gpt-oss: one attention sink per head
        attn += 2 * head_dim if cfg.get("use_qk_norm") or mtype.startswith("qwen3") else 0  # q/k norms
    mlp = lambda width: 3 * h * width  # noqa: E731  gate, up, down (SwiGLU)
    expert = mlp(moe_inter) + ((2 * moe_inter + h) if gpt_oss else 0)  # gpt-oss experts carry biases
    router = (h * experts + (experts if gpt_oss or "topk_method" in cfg else 0)) if moe_layers else 0
    shared_width = moe_inter if not llama4 else g("intermediate_size")
    params = {
        "embedding": vocab * h,
        "output_head": 0 if spec["tie_embeddings"] else vocab * h,
        "attention": layers * attn,
        "dense_mlp": dense_layers * mlp(dense_inter) if dense_layers else 0,
        "shared_experts": moe_layers * shared * mlp(shared_width),
        "routed_experts": moe_layers * experts * expert,
        "router": moe_layers * router,
        "norms": layers * 2 * h + h,
    }
    spec["params"] = params
    spec["expert_params"] = expert  # one routed expert of one layer
    total = sum(params.values())
    active = total - params["routed_experts"] + moe_layers * k * expert
    spec["params_total_billion"] = round(total / 1e9, 2)  # exact counts: ``params``
    spec["params_active_billion"] = round(active / 1e9, 2)
    return spec


# ---------------------------------------------------------------- weights at a precision
def _precision(precision) -> dict:
    if precision not in PRECISIONS:
        raise ValueError(f"precision {precision!r} is not one of {', '.join(map(repr, PRECISIONS))}.")
    return PRECISIONS[precision]


def _component_bytes(m: dict, precision: str) -> dict:
    """Bytes of each parameter component at a weight precision (what stays BF16: see `PRECISIONS`)."""
    p = _precision(precision)
    q = p["bits"] / 8
    dense_model = m["moe_layers"] == 0
    quantized = {"none": (), "linear": ("attention", "dense_mlp", "shared_experts", "routed_experts"),
                 "experts": ("routed_experts",) if not dense_model else ("attention", "dense_mlp")}[p["quantized"]]
    return {c: n * (q if c in quantized else 2.0) for c, n in m["params"].items()}


def weight_bytes(model, precision="bf16"):
    """Bytes of the model's weights at a precision [bytes]: every parameter, all experts included.

    Parameters
    ----------
    model : str, path or dict
        Model (see `model_spec`).
    precision : {"bf16", "fp8", "int4", "mxfp4", "nvfp4"}
        Weight precision (`PRECISIONS`).

    Returns
    -------
    float
        Weight bytes [bytes].

    Notes
    -----
    ``Σ_component params × bytes``: the quantized components at ``BYTES_PER_PARAM[precision]`` (scales
    included), the input embedding, output head, routers and norms at 2 bytes. Bytes are bytes (not GiB).

    Examples
    --------
    Llama 3.1 8B: 8.03e9 parameters × 2 bytes; at FP8 the 1.05e9 of embedding and head stay BF16:

    >>> round(weight_bytes("llama-3.1-8b") / 1e9, 2), round(weight_bytes("llama-3.1-8b", "fp8") / 1e9, 2)
    (16.06, 9.08)

    gpt-oss-120b as shipped: 114.7e9 expert parameters at 4.25 bits, 2.1e9 others at BF16:

    >>> round(weight_bytes("gpt-oss-120b", "mxfp4") / 1e9, 1)
    65.2
    """
    return float(sum(_component_bytes(model_spec(model), precision).values()))
