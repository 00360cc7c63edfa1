"""A user's own ``config.json`` (issue 17): every field the sizing reads is checked once, when the config is read,
against one table of rules (`econ._models.CONFIG_FIELDS` and its relations), and every refusal names the file, the
field, its value and what is allowed. The shipped configs all pass the same rules."""

from __future__ import annotations

import json
import textwrap

import pytest

from econ import load_scenario
from econ._models import CONFIG_DIR, CONFIG_FIELDS, MIN_CONTEXT_TOKENS, MIN_VOCAB_SIZE, _catalog, model_spec

LLAMA = "meta-llama__Llama-3.1-8B-Instruct.json"
QWEN_MOE = "Qwen__Qwen3-30B-A3B.json"

# A shipped config that states each field and whose sizing reads it (a rule on a field is checked where it is used).
HOLDER = {
    "hidden_size": LLAMA, "num_hidden_layers": LLAMA, "num_attention_heads": LLAMA, "num_key_value_heads": LLAMA,
    "vocab_size": LLAMA, "max_position_embeddings": LLAMA, "intermediate_size": LLAMA,
    "head_dim": QWEN_MOE, "moe_intermediate_size": QWEN_MOE, "num_experts": QWEN_MOE, "num_experts_per_tok": QWEN_MOE,
    "decoder_sparse_step": QWEN_MOE,
    "num_local_experts": "mistralai__Mixtral-8x7B-v0.1.json", "sliding_window": "openai__gpt-oss-20b.json",
    "intermediate_size_mlp": "meta-llama__Llama-4-Scout-17B-16E-Instruct.json",
    "interleave_moe_layer_step": "meta-llama__Llama-4-Scout-17B-16E-Instruct.json",
    **{k: "deepseek-ai__DeepSeek-V3.json" for k in ("n_routed_experts", "n_shared_experts", "first_k_dense_replace",
                                                     "moe_layer_freq", "kv_lora_rank", "q_lora_rank",
                                                     "qk_nope_head_dim", "qk_rope_head_dim", "v_head_dim")},
}


def _shipped(name: str) -> dict:
    return json.loads((CONFIG_DIR / name).read_text(encoding="utf-8"))


def _write(tmp_path, cfg, name="config.json") -> str:
    path = tmp_path / name
    path.write_text(cfg if isinstance(cfg, str) else json.dumps(cfg), encoding="utf-8")
    return str(path)


def _refusal(path: str) -> str:
    with pytest.raises(ValueError) as e:
        model_spec(path)
    return str(e.value)


def test_every_rule_has_a_shipped_config_that_exercises_it():
    assert set(HOLDER) == set(CONFIG_FIELDS)


def test_every_shipped_config_passes_the_rules():
    for f in sorted(CONFIG_DIR.glob("*.json")):  # the catalog's and the others (base models of the same shapes)
        spec = model_spec(str(f))
        assert spec["context_tokens"] >= MIN_CONTEXT_TOKENS and spec["vocab_size"] >= MIN_VOCAB_SIZE, f.name
    for name in _catalog():  # the one written inline (Llama 4 Maverick) too
        assert model_spec(name)["params_active_billion"] <= model_spec(name)["params_total_billion"]


@pytest.mark.parametrize("field", sorted(CONFIG_FIELDS))
@pytest.mark.parametrize("kind", ["below", "bool", "fraction", "text", "nan"])
def test_a_field_out_of_its_rule_is_refused_naming_file_field_and_value(tmp_path, field, kind):
    cfg = _shipped(HOLDER[field])
    inner = cfg.get("text_config", cfg)
    if field == "intermediate_size_mlp":  # read by dense layers: Llama 4 Maverick's interleaving (Scout has none)
        inner["interleave_moe_layer_step"] = 2
    assert inner.get(field) is not None, (field, HOLDER[field])
    lowest = CONFIG_FIELDS[field][1]
    bad, shown = {"below": (lowest - 1, str(lowest - 1)), "bool": (True, "true"), "fraction": (lowest + 0.5, str(lowest + 0.5)),
                  "text": (str(inner[field]), json.dumps(str(inner[field]))), "nan": (float("nan"), "NaN")}[kind]
    inner[field] = bad
    path = _write(tmp_path, cfg)
    msg = _refusal(path)
    prefix = "text_config." if "text_config" in cfg else ""
    assert msg.startswith(f"{path}: '{prefix}{field}' = {shown} is not allowed; expected "), msg
    assert f">= {lowest:,}" in msg


def test_the_testers_configs(tmp_path):
    """The cases found by hand (issue 17), each with the refusal it now gets."""
    def case(name, change, base=LLAMA):
        cfg = _shipped(base)
        change(cfg)
        return _refusal(_write(tmp_path, cfg, f"{name}.json"))

    msg = case("heads30", lambda c: c.update(num_attention_heads=30))  # 4096 / 30: head_dim would be 136.53
    assert "'num_attention_heads' = 30 is not allowed; expected a divisor of 'hidden_size' = 4,096" in msg
    assert "'head_dim' stated" in msg
    cfg = _shipped(LLAMA) | {"num_attention_heads": 30, "num_key_value_heads": 2, "head_dim": 128}  # stated: fine
    assert model_spec(_write(tmp_path, cfg, "heads30_stated.json"))["head_dim"] == 128
    msg = case("kv64", lambda c: c.update(num_key_value_heads=64))
    assert "'num_key_value_heads' = 64 is not allowed; expected a divisor of 'num_attention_heads' = 32 " \
           "(1, 2, 4, 8, 16, 32)" in msg
    assert "'num_key_value_heads' = 12 is not allowed" in case("kv12", lambda c: c.update(num_key_value_heads=12))
    msg = case("no_experts", lambda c: c.update(num_experts=0), QWEN_MOE)  # would be a 3.3B dense model
    assert "'num_experts' = 0 is not allowed; expected the number of routed experts (a dense model leaves it out)" in msg
    msg = case("topk", lambda c: c.update(num_experts_per_tok=256), QWEN_MOE)  # 59.5B active of 30.5B
    assert "'num_experts_per_tok' = 256 is not allowed; expected at most the 128 routed experts ('num_experts')" in msg
    msg = case("no_mla", lambda c: c.update(kv_lora_rank=0), "deepseek-ai__DeepSeek-V3.json")  # not silently GQA
    assert "'kv_lora_rank' = 0 is not allowed" in msg
    msg = case("no_window", lambda c: c.pop("max_position_embeddings"))
    assert "'max_position_embeddings' is missing; expected the context window [tokens]" in msg
    assert "vLLM assumes 2,048 tokens" in msg
    msg = case("tiny_window", lambda c: c.update(max_position_embeddings=16))
    assert "'max_position_embeddings' = 16 is not allowed" in msg and ">= 1,024" in msg


def test_files_that_are_not_a_config_object(tmp_path):
    folder = tmp_path / "my-model.json"
    folder.mkdir()
    assert "is a directory; expected the path of a Hugging Face config.json file" in _refusal(str(folder))
    (folder / "config.json").write_text(json.dumps(_shipped(LLAMA)), encoding="utf-8")
    assert f"pass {str(folder / 'config.json')!r}" in _refusal(str(folder))
    latin1 = tmp_path / "latin1.json"
    latin1.write_bytes(json.dumps(_shipped(LLAMA) | {"note": "é"}, ensure_ascii=False).encode("latin-1"))
    msg = _refusal(str(latin1))
    assert msg.startswith(f"{latin1}: byte 0xe9 at position") and "not UTF-8" in msg and "UTF-8 JSON" in msg
    msg = _refusal(_write(tmp_path, "[1, 2]", "list.json"))
    assert msg.endswith("list.json: holds a JSON array; expected a Hugging Face config.json, a JSON object "
                        '({"hidden_size": ..., "num_hidden_layers": ..., ...})')
    msg = _refusal(_write(tmp_path, '{"hidden_size": 4096,', "cut.json"))
    assert "cut.json: not valid JSON (" in msg and "line 1, column" in msg
    assert "cut.json" in msg
    msg = _refusal(_write(tmp_path, "{}", "empty.json"))
    assert msg.endswith("empty.json: 'hidden_size' is missing; expected the model width: an integer >= 1 "
                        "(sizing the model needs it)")
    with pytest.raises(ValueError, match=r"the config dict: 'vocab_size' = 0 is not allowed"):
        model_spec(_shipped(LLAMA) | {"vocab_size": 0})


def test_a_scenario_pointing_at_a_bad_config_names_both_files(tmp_path):
    cfg = _write(tmp_path, _shipped(LLAMA) | {"num_attention_heads": 0})
    scenario = tmp_path / "mine.yaml"
    scenario.write_text(textwrap.dedent(f"""\
        scenario:
          title: "a fine-tune of Llama 3.1 8B"
        selfhost:
          model: {{value: "{cfg}", source: "our fine-tune"}}
        """), encoding="utf-8")
    with pytest.raises(ValueError) as e:
        load_scenario(scenario)
    msg = str(e.value)
    assert msg.startswith(f"{scenario}: 'selfhost.model'") and "a Hugging Face config.json" in msg
    assert f"{cfg}: 'num_attention_heads' = 0 is not allowed; expected the number of attention (query) heads" in msg
