"""The open-model catalog: verbatim configs with sources, parameter counts from the layer shapes against the
published figures (or, where none is sourced, against a count written independently here), names and paths."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from econ._models import BYTES_PER_PARAM, CONFIG_DIR, PRECISIONS, _catalog, model_names, model_spec, weight_bytes

ROOT = Path(__file__).resolve().parents[1]
REQUIRED = {"gpt-oss-120b", "gpt-oss-20b", "qwen3-235b-a22b", "qwen3-30b-a3b", "qwen3-32b", "deepseek-v3",
            "deepseek-r1", "llama-4-scout-17b-16e", "llama-4-maverick-17b-128e", "kimi-k2", "glm-4.5-air",
            "llama-3.3-70b", "llama-3.1-8b", "llama-3.1-70b", "llama-3.1-405b", "qwen2.5-7b", "mixtral-8x7b"}


def test_catalog_has_the_models_teams_deploy_each_with_its_source():
    assert REQUIRED <= set(model_names())
    for name in model_names():
        entry, m = _catalog()[name], model_spec(name)
        assert "huggingface.co" in m["source"] and "config.json" in m["source"], name
        assert ("config" in entry) != ("architecture" in entry), name  # one home for the shapes
        if "config" in entry:
            assert (CONFIG_DIR / entry["config"]).is_file(), name
        assert name == name.lower()


def test_configs_are_listed_in_sources_md_and_parse():
    sources = (CONFIG_DIR / "SOURCES.md").read_text(encoding="utf-8")
    for f in CONFIG_DIR.glob("*.json"):
        assert f"`{f.name}`" in sources, f.name
        json.loads(f.read_text(encoding="utf-8"))


def _independent_counts(cfg: dict) -> tuple[float, float]:
    """Total and active parameters of a decoder from its config.json, written apart from econ._models: SwiGLU
    MLPs, untied embeddings, norms ignored (under 0.01 %), biases ignored."""
    c = cfg.get("text_config", cfg)
    h, L, H, V = c["hidden_size"], c["num_hidden_layers"], c["num_attention_heads"], c["vocab_size"]
    if c.get("kv_lora_rank"):
        qk = c["qk_nope_head_dim"] + c["qk_rope_head_dim"]
        attn = (h * c["q_lora_rank"] + c["q_lora_rank"] * H * qk + h * (c["kv_lora_rank"] + c["qk_rope_head_dim"])
                + c["kv_lora_rank"] * H * (c["qk_nope_head_dim"] + c["v_head_dim"]) + H * c["v_head_dim"] * h)
    else:
        d = c.get("head_dim") or h // H
        attn = 2 * h * H * d + 2 * h * c["num_key_value_heads"] * d
    E = c.get("n_routed_experts") or c.get("num_local_experts") or c.get("num_experts") or 0
    k = c.get("num_experts_per_tok", 0)
    if not E:
        mlp_total = mlp_active = L * 3 * h * c["intermediate_size"]
    else:
        moe_w = c.get("moe_intermediate_size") or c["intermediate_size"]
        dense = c.get("first_k_dense_replace", 0)
        if c.get("interleave_moe_layer_step", 1) > 1:
            dense = L - L // c["interleave_moe_layer_step"]
        moe = L - dense
        dense_w = c.get("intermediate_size_mlp") or c["intermediate_size"]
        shared_w = c["intermediate_size"] if "interleave_moe_layer_step" in c else moe_w
        shared = c.get("n_shared_experts", 1 if "interleave_moe_layer_step" in c else 0) * 3 * h * shared_w
        mlp_total = dense * 3 * h * dense_w + moe * (E * 3 * h * moe_w + shared + h * E)
        mlp_active = dense * 3 * h * dense_w + moe * (k * 3 * h * moe_w + shared + h * E)
    embed = 2 * V * h
    return (embed + L * attn + mlp_total) / 1e9, (embed + L * attn + mlp_active) / 1e9


@pytest.mark.parametrize("name", sorted(REQUIRED | {"qwen3-8b", "qwen2.5-32b", "qwen2.5-72b", "deepseek-v3.1"}))
def test_parameter_counts_from_the_layer_shapes(name):
    # Against the published count where a source states one (models.yaml card_*): within 2 %, or within the
    # rounding of a figure published as e.g. "3B"; the published active count of DeepSeek, OpenAI and GLM leaves
    # out the embedding tables they name (card_active_excludes). Where none is sourced (Kimi K2, DeepSeek-R1 and
    # V3.1, Qwen3-32B), against the count written independently above from the same config.
    m, entry = model_spec(name), _catalog()[name]
    cfg = entry.get("architecture") or json.loads((CONFIG_DIR / entry["config"]).read_text(encoding="utf-8"))
    total, active = m["params_total_billion"], m["params_active_billion"]
    it, ia = _independent_counts(cfg)
    assert total == pytest.approx(it, rel=0.005) and active == pytest.approx(ia, rel=0.01)
    if "card_total_billion" in entry:
        tol = lambda card: max(0.02 * card, entry.get("card_rounding", 0) / 2)  # noqa: E731
        excluded = sum(m["params"][c] for c in entry.get("card_active_excludes", ())) / 1e9
        assert abs(total - entry["card_total_billion"]) <= tol(entry["card_total_billion"]), (total, entry)
        assert abs(active - excluded - entry["card_active_billion"]) <= tol(entry["card_active_billion"]), (active, entry)


def test_llama_8b_to_the_parameter():
    # The config's count, 8,030,261,248, is what the safetensors hold: embeddings, 32 blocks, norms, head.
    assert sum(model_spec("llama-3.1-8b")["params"].values()) == 8_030_261_248


def test_architecture_details():
    ds = model_spec("deepseek-v3")
    assert (ds["attention"], ds["kv_lora_rank"], ds["rope_head_dim"], ds["moe_layers"], ds["shared_experts"]) == ("mla", 512, 64, 58, 1)
    oss = model_spec("gpt-oss-120b")
    assert (oss["sliding_window"], oss["sliding_layers"], oss["experts"], oss["experts_per_token"]) == (128, 18, 128, 4)
    mav = model_spec("llama-4-maverick-17b-128e")
    assert (mav["moe_layers"], mav["intermediate_size"], mav["shared_experts"]) == (24, 16384, 1)
    assert model_spec("llama-3.3-70b")["params"] == model_spec("llama-3.1-70b")["params"]  # same architecture


@pytest.mark.parametrize("alias,key", [("Llama-3.1-8B", "llama-3.1-8b"), ("meta-llama/Llama-3.1-8B-Instruct", "llama-3.1-8b"),
                                       ("Meta-Llama-3.1-8B-Instruct", "llama-3.1-8b"), ("llama_3.1_8b", "llama-3.1-8b"),
                                       ("Qwen/Qwen3-235B-A22B-FP8", "qwen3-235b-a22b"), ("openai/gpt-oss-120b", "gpt-oss-120b"),
                                       ("meta-llama/Llama-4-Scout-17B-16E-Instruct", "llama-4-scout-17b-16e"),
                                       ("deepseek-ai/DeepSeek-R1-0528", "deepseek-r1"), ("moonshotai/Kimi-K2-Instruct", "kimi-k2"),
                                       ("mistralai/Mixtral-8x7B-Instruct-v0.1", "mixtral-8x7b")])
def test_forgiving_names(alias, key):
    assert model_spec(alias)["key"] == key


def test_unknown_model_lists_valid_names_and_the_closest():
    with pytest.raises(ValueError) as e:
        model_spec("llama-3.1-9b")
    assert "'llama-3.1-9b'" in str(e.value) and "Did you mean 'llama-3.1-8b'" in str(e.value)


def test_a_config_json_path_and_a_dict_size_like_the_catalog(tmp_path):
    cfg = json.loads((CONFIG_DIR / "Qwen__Qwen3-30B-A3B.json").read_text(encoding="utf-8"))
    cfg["num_hidden_layers"] = 24  # a user's own, smaller model
    path = tmp_path / "my-model" / "config.json"
    path.parent.mkdir()
    path.write_text(json.dumps(cfg), encoding="utf-8")
    mine, ref = model_spec(str(path)), model_spec("qwen3-30b-a3b")
    assert mine["name"] == "my-model" and mine["layers"] == 24
    per_layer = (ref["params"]["routed_experts"] / 48)
    assert mine["params"]["routed_experts"] == pytest.approx(24 * per_layer)
    assert model_spec(cfg)["params"] == mine["params"]
    with pytest.raises(ValueError, match="does not exist"):
        model_spec(str(tmp_path / "missing.json"))
    del cfg["hidden_size"]
    with pytest.raises(ValueError, match="'hidden_size'"):
        model_spec(cfg)


def test_weight_bytes_by_precision():
    m = model_spec("gpt-oss-120b")
    p = m["params"]
    assert weight_bytes(m, "bf16") == pytest.approx(2 * sum(p.values()))
    # MXFP4: routed experts at 4.25 bits, everything else BF16 (gpt-oss's modules_to_not_convert)
    assert weight_bytes(m, "mxfp4") == pytest.approx(p["routed_experts"] * 4.25 / 8 + 2 * (sum(p.values()) - p["routed_experts"]))
    # FP8: every linear layer in the blocks; embedding, head, routers, norms BF16
    q = model_spec("llama-3.1-8b")["params"]
    assert weight_bytes("llama-3.1-8b", "fp8") == pytest.approx(q["attention"] + q["dense_mlp"] + 2 * (q["embedding"] + q["output_head"] + q["norms"]))
    assert BYTES_PER_PARAM == {"bf16": 2.0, "fp8": 1.0, "int4": 0.515625, "mxfp4": 0.53125, "nvfp4": 0.5625}
    assert set(PRECISIONS) == {"bf16", "fp8", "int4", "mxfp4", "nvfp4"}
    with pytest.raises(ValueError, match="precision 'fp4'"):
        weight_bytes("llama-3.1-8b", "fp4")
