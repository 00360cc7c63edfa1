"""Tests of econ/_usage.py: reading usage logs in every format, refusing bad ones by row, billing every call as
the provider does (against genai-prices' calc_price), traffic profiles, cost per task, scenario-from-log."""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import econ
from econ import PARAMS_DIR, load_scenario
from econ._traffic import peak_to_mean
from econ._usage import (
    UsageLogError,
    cost_per_task,
    cost_per_task_view,
    example_usage_log,
    price_usage,
    read_rate_series,
    read_requests,
    read_usage,
    task_prices_from_scenario,
)

FUZZ = os.environ.get("HYPOTHESIS_PROFILE") == "fuzz"  # make fuzz: many more examples

# ------------------------------------------------------------------------------------------------ readers
LOG = pd.DataFrame({
    "ts": pd.to_datetime(["2025-03-03 10:00:05", "2025-03-03 10:00:30", "2025-03-03 10:01:59",
                          "2025-03-03 10:03:00", "2025-03-03 10:03:20"]),
    "prompt": [100, 200, 300, 400, 500],
    "completion": [10, 20, 30, 40, 50],
    "cached": [0, 100, 0, 400, 0],
    "feature": ["chat", "chat", "search", "chat", "search"],
})
# Worked by hand, 1-minute steps from the first request (10:00:05):
# [10:00:05, 10:01:05): 2 requests, 300 in, 30 out, 100 cached; [10:01:05, 10:02:05): 1 request (10:01:59);
# [10:02:05, 10:03:05): 1 request (10:03:00); [10:03:05, ...): 1 request at 10:03:20, which ends the span (15 s).
EXPECTED = [[2, 300, 100, 30, 60], [1, 300, 0, 30, 60], [1, 400, 400, 40, 60], [1, 500, 0, 50, 15]]
MAPPING = dict(timestamp="ts", input_tokens="prompt", output_tokens="completion", cached_input_tokens="cached")


def _write(tmp_path, fmt: str):
    path = tmp_path / f"log.{fmt}"
    if fmt == "csv":
        LOG.to_csv(path, index=False)
    elif fmt == "jsonl":
        with open(path, "w") as f:
            for row in LOG.assign(ts=LOG["ts"].dt.strftime("%Y-%m-%dT%H:%M:%S")).to_dict("records"):
                f.write(json.dumps(row) + "\n")
    else:
        LOG.to_parquet(path)
    return path


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_read_requests_each_format_known_answer(tmp_path, fmt):
    p = read_requests(_write(tmp_path, fmt), freq="1min", **MAPPING)
    assert p[["requests", "input_tokens", "cached_input_tokens", "output_tokens", "seconds"]].to_numpy().tolist() == EXPECTED
    assert p.index[0] == pd.Timestamp("2025-03-03 10:00:05")
    assert p.attrs["step_s"] == 60 and p.attrs["rows"] == 5


def test_read_requests_clock_origin_and_numeric_epoch_seconds(tmp_path):
    # origin="epoch": whole minutes 10:00, 10:01, 10:02, 10:03 hold 2, 1, 0, 2 requests; the first minute is
    # observed from 10:00:05 (55 s), the last to 10:03:20 (20 s).
    log = LOG.assign(ts=(LOG["ts"] - pd.Timestamp("1970-01-01")).dt.total_seconds())  # seconds since the epoch
    path = tmp_path / "log.parquet"
    log.to_parquet(path)
    p = read_requests(path, origin="epoch", **MAPPING)
    assert p["requests"].tolist() == [2, 1, 0, 2]
    assert p["seconds"].tolist() == [55, 60, 60, 20]
    assert p.index[0] == pd.Timestamp("2025-03-03 10:00:00")


def test_read_requests_column_names_are_case_insensitive():
    p = read_requests(LOG, timestamp="TS", input_tokens="Prompt", output_tokens="COMPLETION")
    assert p["requests"].sum() == 5


def test_read_requests_missing_column_names_file_column_and_columns(tmp_path):
    path = _write(tmp_path, "csv")
    with pytest.raises(ValueError) as err:
        read_requests(path, timestamp="ts", input_tokens="input_tokens", output_tokens="completion")
    msg = str(err.value)
    assert "log.csv" in msg and "'input_tokens'" in msg and "input_tokens=" in msg
    for col in LOG.columns:
        assert repr(col) in msg


def test_read_requests_rejects_bad_tokens_and_file_types(tmp_path):
    with pytest.raises(ValueError, match="negative"):
        read_requests(LOG.assign(prompt=[100, -1, 3, 4, 5]), **MAPPING)
    with pytest.raises(UsageLogError, match="column 'cached', row 3: more cached"):
        read_requests(LOG.assign(cached=[0, 0, 301, 0, 0]), **MAPPING)
    with pytest.raises(UsageLogError, match="unknown file type"):
        (tmp_path / "log.xlsx").write_text("x")
        read_requests(tmp_path / "log.xlsx", **MAPPING)
    with pytest.raises(UsageLogError, match="no such file"):
        read_requests(tmp_path / "nope.csv", **MAPPING)
    (tmp_path / "dir.csv").mkdir()
    with pytest.raises(UsageLogError, match="dir.csv: is a directory"):
        read_requests(tmp_path / "dir.csv", **MAPPING)
    os.mkfifo(tmp_path / "fifo.csv")  # opened for reading, it would block until a writer came
    with pytest.raises(UsageLogError, match="fifo.csv: is not a regular file"):
        read_usage(tmp_path / "fifo.csv", format="openai-usage-api")
    with pytest.raises(ValueError, match="freq"):
        read_requests(LOG, freq="soon", **MAPPING)


def test_read_rate_series_known_answer_and_gaps(tmp_path):
    series = pd.DataFrame({"w": [0, 600, 1200, 1800], "rps": [1.0, np.nan, 2.0, 4.0], "out": [10.0, np.nan, 20.0, 40.0]})
    path = tmp_path / "rates.csv"
    series.to_csv(path, index=False)
    p = read_rate_series(path, time="w", requests_per_s="rps", output_tokens_per_s="out")
    assert p["requests"].tolist()[0] == 600 and np.isnan(p["requests"].iloc[1])
    assert p["output_tokens"].tolist()[2:] == [12_000, 24_000]
    assert p.index[0] == pd.Timestamp("2024-01-01") and p.attrs["step_s"] == 600
    # rates over the windows with data: 1, 2, 4 requests/s; peak 4 over mean 7/3
    assert peak_to_mean(p) == pytest.approx(4 / (7 / 3))


def test_read_rate_series_missing_column(tmp_path):
    with pytest.raises(ValueError, match="no column 'req'"):
        read_rate_series(pd.DataFrame({"w": [0, 600], "rps": [1, 2]}), time="w", requests_per_s="req")


# ------------------------------------------------------------------------------------------------ cost per task
PRICES = {
    "api": {"input_usd_per_mtok": 3.0, "output_usd_per_mtok": 15.0, "cache_read_usd_per_mtok": 0.3},
    "managed": {"input_usd_per_mtok": 0.9, "output_usd_per_mtok": 0.9},  # no cache price: input price
}


def test_cost_per_task_known_answer(tmp_path):
    # chat: calls (100 in, 10 out), (200 in of which 100 cached, 20 out), (400 in all cached, 40 out)
    #   api:     (100*3 + 10*15) + (100*3 + 100*0.3 + 20*15) + (400*0.3 + 40*15) = 450 + 630 + 720 = 1800 -> 0.0018
    #   managed: (700 in + 70 out) * 0.9 = 693 -> 0.000693
    # search: (300 in, 30 out), (500 in, 50 out)
    #   api:     800*3 + 80*15 = 3600 -> 0.0036;  managed: 880 * 0.9 = 792 -> 0.000792
    path = tmp_path / "usage.parquet"
    LOG.to_parquet(path)
    t = cost_per_task(path, PRICES, input_tokens="prompt", output_tokens="completion",
                      cached_input_tokens="cached", task="feature", timestamp="ts")
    assert t[["task", "option"]].to_numpy().tolist() == [["chat", "api"], ["chat", "managed"],
                                                         ["search", "api"], ["search", "managed"]]
    assert t["usd"].to_numpy() == pytest.approx([0.0018, 0.000693, 0.0036, 0.000792], rel=1e-12)
    assert t["requests"].tolist() == [3, 3, 2, 2]
    assert t["usd_per_request"].iloc[0] == pytest.approx(0.0006)
    assert t.loc[t.option == "api", "share"].to_numpy() == pytest.approx([1 / 3, 2 / 3])


def test_cost_per_task_prices_each_call_on_its_own_shape():
    # Two calls with the same totals as one "average" call would give the same bill at linear prices; what
    # matters is that cached tokens are charged per call: 1,000 cached on one call, none on the other.
    log = pd.DataFrame({"in": [1000, 1000], "out": [0, 0], "cached": [1000, 0]})
    t = cost_per_task(log, {"api": PRICES["api"]}, input_tokens="in", output_tokens="out", cached_input_tokens="cached")
    assert t["task"].tolist() == ["(all)"]
    assert t["usd"].iloc[0] == pytest.approx((1000 * 0.3 + 1000 * 3.0) / 1e6)


def test_cost_per_task_groups_by_model_and_checks_prices():
    log = LOG.assign(model=["a", "b", "a", "a", "b"])
    t = cost_per_task(log, {"api": PRICES["api"]}, input_tokens="prompt", output_tokens="completion",
                      task="feature", model="model")
    assert t[["task", "model"]].to_numpy().tolist() == [["chat", "a"], ["chat", "b"], ["search", "a"], ["search", "b"]]
    with pytest.raises(ValueError, match="output_usd_per_mtok"):
        cost_per_task(LOG, {"api": {"input_usd_per_mtok": 1.0}}, input_tokens="prompt", output_tokens="completion")
    with pytest.raises(ValueError, match="no column 'tokens_in'"):
        cost_per_task(LOG, PRICES, input_tokens="tokens_in", output_tokens="completion")


def test_task_prices_from_scenario():
    sc = load_scenario(PARAMS_DIR / "small_team_spiky.yaml")
    p = task_prices_from_scenario(sc)
    assert p["api"]["output_usd_per_mtok"] == sc.values["api.output_usd_per_mtok"]
    onprem = task_prices_from_scenario(load_scenario(PARAMS_DIR / "regulated_on_prem.yaml"))
    assert "api" not in onprem and "selfhost" in onprem



# ------------------------------------------------------------------------------------------------ every format
DATA = Path(__file__).parent / "data"
# Each sample's bill worked by hand [USD per million tokens in the comments], at each call's date unless `on`:
SAMPLES = [
    # gpt-4o: 180 x 2.50 + 1,920 cached x 1.25 + 350 x 10 = 6,350; gpt-5-mini flex: 1,000 x 0.125 + 500 x 1 = 625;
    # a Batch API line, gpt-4o at batch prices: 4,000 x 1.25 + 1,000 x 5 = 10,000; a failed call: skipped
    ("openai_chat.jsonl", "openai", {}, [0.00635, 0.000625, 0.01]),
    # gpt-5: 952 x 1.25 + 2,048 cached x 0.125 + 800 x 10 (500 of them reasoning) = 9,446
    ("openai_responses.jsonl", "openai-responses", {}, [0.009446]),
    # claude-sonnet-4-5: 12 x 3 + 2,048 written x 3.75 + 30,000 read x 0.30 + 420 x 15 = 23,016;
    # claude-sonnet-4: 10 x 3 + 1,500 x 3.75 + 500 written for 1 h x 6 + 3,000 x 0.30 + 100 x 15 = 11,055 (genai-prices'
    # own check, usage_formats.md C); a Message Batches result, claude-opus-4-1 at half price: 1,000 x 7.5 + 200 x 37.5
    ("anthropic_messages.jsonl", "anthropic", {"on": "2026-11-22"}, [0.023016, 0.011055, 0.015]),
    # gemini-2.5-pro: 55,021 x 1.25 + (923 + 785 thoughts) x 10 = 85,856.25; above 200k the whole call at 2.50 / 15:
    # 250,000 x 2.5 + 1,000 x 15 = 640,000; gemini-2.5-flash: 2,000 x 0.30 + 8,000 cached x 0.03 + 500 x 2.50 = 2,090
    ("gemini.jsonl", "gemini", {}, [0.08585625, 0.64, 0.00209]),
    # issue 15's Usage API export, gpt-4o: 5 calls, 1,488 x 2.5 + 1,024 cached x 1.25 + 150 x 10 = 6,500; 20 batch
    # calls at half price: 40,000 x 1.25 + 9,000 x 5 = 95,000. 25 calls, $0.00406 each (the kit read 2 at $0.09825)
    ("openai_usage_api.csv", "openai-usage-api", {}, [0.0065, 0.095]),
    ("openai_usage_api.json", "openai-usage-api", {}, [0.0065, 0.095]),
    # OpenRouter daily buckets: openai/gpt-4.1 90,000 x 2 + 8,000 x 8 = 244,000; claude-sonnet-4.5 30,000 x 3 + 3,000 x 15
    ("openrouter_activity.json", "openrouter", {}, [0.244, 0.135]),
    # LiteLLM: gpt-4o 176 x 2.5 + 1,024 cached x 1.25 + 150 x 10 = 3,220; a LiteLLM cache hit: skipped;
    # claude-haiku-4-5: 904 x 1 + 4,096 read x 0.10 + 300 x 5 = 2,813.6
    ("litellm_spend_logs.csv", "litellm", {}, [0.00322, 0.0028136]),
    # Langfuse: gpt-4o as LiteLLM's first row; a SPAN skipped; claude-sonnet-4-5 100 x 3 + 2,000 x 0.30 + 1,000 x 3.75
    # + 500 x 15 = 12,150
    ("langfuse_observations.jsonl", "langfuse", {}, [0.00322, 0.01215]),
    # traces priced at a model: gpt-4o-mini 0.15 / 0.60
    ("azure_trace.csv", "azure", {"model": "gpt-4o-mini", "provider": "openai", "on": "2026-11-22"}, [0.00021, 0.00033, 0.000081]),
    # BurstGPT: ChatGPT is gpt-3.5-turbo (0.50 / 1.50), GPT-4 30 / 60: 800; 21,000; 150 (a failed call, 0 out)
    ("burstgpt.csv", "burstgpt", {"on": "2026-11-22"}, [0.0008, 0.021, 0.00015]),
    # Llama 3.3 70B at Together, 0.88 in and out: (1,280, 840, 510 tokens) x 0.88
    ("mooncake.jsonl", "mooncake", {"model": "meta-llama/Llama-3.3-70B-Instruct-Turbo", "provider": "together",
                                    "on": "2026-11-22"}, [0.0011264, 0.0007392, 0.0004488]),
    # vLLM benchmark: three requests (the fourth failed): 110, 220, 330 tokens x 0.88
    ("vllm_bench.json", "vllm-bench", {"model": "meta-llama/Llama-3.3-70B-Instruct-Turbo", "provider": "together",
                                       "on": "2026-11-22"}, [0.0000968, 0.0001936, 0.0002904]),
]


@pytest.mark.parametrize("name, fmt, kw, expected", SAMPLES, ids=[s[0] for s in SAMPLES])
def test_every_format_reads_and_prices_to_its_hand_computed_cost(name, fmt, kw, expected):
    usage = read_usage(DATA / name, format=fmt)
    billed = price_usage(usage, **kw)
    assert billed["usd"].to_numpy() == pytest.approx(expected, abs=1e-12)
    assert usage.rows == len(expected)


def test_generic_format_with_dotted_paths_offsets_and_a_task():
    # gpt-4.1-mini 0.40 / 1.60: chat 1,000 x 0.4 + 100 x 1.6 = 560; search 3,000 x 0.4 + 300 x 1.6 = 1,680
    u = read_usage(DATA / "generic_nested.jsonl", columns={"timestamp": "ts", "input_tokens": "usage.in",
                                                            "output_tokens": "usage.out"}, task="meta.feature")
    assert str(u.start) == "2026-11-02 08:00:00"  # +01:00 converted to UTC
    t = price_usage(u, by="task")
    assert t[["task", "requests"]].to_numpy().tolist() == [["chat", 1], ["search", 1]]
    assert t["usd"].tolist() == pytest.approx([0.00056, 0.00168], abs=1e-15)


def test_usage_api_counts_requests_not_rows():
    u = read_usage(DATA / "openai_usage_api.csv", format="openai-usage-api")
    t = price_usage(u, by="model")
    assert (u.rows, u.requests, int(t["requests"].iloc[0])) == (2, 25, 25)
    assert t["usd_per_request"].iloc[0] == pytest.approx(0.00406, abs=1e-15)


def test_reported_costs_are_kept_beside_the_kits_bill():
    t = price_usage(read_usage(DATA / "openrouter_activity.json", format="openrouter"), by="model")
    assert t["reported_usd"].tolist() == pytest.approx(t["usd"].tolist())  # OpenRouter bills the catalog's prices


def test_anthropic_usage_table_counts_cache_reads_and_writes_on_top_of_input():
    # issue 15: r1 50 x 3 + 100,000 x 0.30 = 30,150; r2 8 x 3 + 5,120 x 3.75 = 19,224;
    # r3 2,048 x 3 + 1,800 x 0.30 + 248 x 3.75 = 7,614 (the kit used to refuse r1 and price r3 at $0.001284)
    prices = {"api": {"input_usd_per_mtok": 3.0, "output_usd_per_mtok": 15.0, "cache_read_usd_per_mtok": 0.3,
                      "cache_write_usd_per_mtok": 3.75}}
    t = cost_per_task(DATA / "anthropic_usage.csv", prices, format="anthropic", task="task")
    assert t["usd"].tolist() == pytest.approx([0.03015, 0.019224, 0.007614], abs=1e-15)
    u = read_usage(DATA / "anthropic_usage.csv", format="anthropic", task="task")
    assert price_usage(u, provider="anthropic", model="claude-sonnet-4-5", on="2026-11-22")["usd"].tolist() == \
        pytest.approx([0.03015, 0.019224, 0.007614], abs=1e-15)


def test_tiers_per_call_not_per_log():
    # issue 15: one 250k-token and one 10k-token Gemini 2.5 Pro call, 1,000 out each: $0.6625 (not $0.345)
    log = pd.DataFrame({"ts": ["2026-11-02 09:00", "2026-11-02 09:01"], "in": [250_000, 10_000], "out": [1_000, 1_000],
                        "task": "t", "model": "gemini-2.5-pro", "provider": "google"})
    u = read_usage(log, columns={"timestamp": "ts", "input_tokens": "in", "output_tokens": "out"}, task="task")
    assert price_usage(u, by="task")["usd"].iloc[0] == pytest.approx(0.6625, abs=1e-15)
    prices = {"api": {"input_usd_per_mtok": 1.25, "output_usd_per_mtok": 10.0, "long_context_above_tokens": 200_000,
                      "long_context_input_factor": 2.0, "long_context_output_factor": 1.5}}
    assert cost_per_task(u, prices, task="task")["usd"].iloc[0] == pytest.approx(0.6625, abs=1e-15)


def test_a_model_the_catalog_does_not_know_is_refused_naming_the_row():
    log = pd.DataFrame({"ts": ["2026-11-02 09:00"] * 3, "in": [1, 2, 3], "out": [1, 1, 1], "provider": "openai",
                        "model": ["gpt-4o", "gpt-4o", "gpt-nonexistent-9"]})
    u = read_usage(log, columns={"timestamp": "ts", "input_tokens": "in", "output_tokens": "out"})
    with pytest.raises(UsageLogError, match=r"column 'model', row 3: a model genai-prices .* cannot price .*'gpt-nonexistent-9'"):
        price_usage(u)
    trace = read_usage(DATA / "mooncake.jsonl", format="mooncake")
    with pytest.raises(UsageLogError, match=r"row 1: no model to price the call at"):
        price_usage(trace, on="2026-11-22")
    with pytest.raises(UsageLogError, match=r"no absolute call times.*on='YYYY-MM-DD'"):
        price_usage(trace, provider="openai", model="gpt-4o")


# ------------------------------------------------------------------------------------------------ refusals (issue 17)
def _csv(tmp_path, text, name="log.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


HEAD = "timestamp,input_tokens,output_tokens\n2026-11-02T09:00:00Z,10,5\n"
REFUSALS = [
    # (file content, read_usage keywords, the message's parts: column, row, value, what is allowed)
    (HEAD + "2026-11-02T09:00:01Z,100.7,5\n", {}, ["column 'input_tokens', row 2", "not a whole number: 100.7",
                                                   "expected a whole number of tokens >= 0"]),
    (HEAD + "2026-11-02T09:00:01Z,1e30,5\n", {}, ["column 'input_tokens', row 2", "too large to be a count: 1e+30"]),
    (HEAD + "2026-11-02T09:00:01Z,abc,5\n", {}, ["column 'input_tokens', row 2", "not a number: 'abc'"]),
    (HEAD + ",10,5\n", {}, ["column 'timestamp', row 2", "empty cell", "a time in every row"]),
    ("timestamp,input_tokens,output_tokens\n2026-11-02T09:00:00,1,1\n2026-11-02T09:00:01+02:00,1,1\n2026-11-02T09:00:02,1,1\n",
     {}, ["column 'timestamp', row 2", "mixed with and without a UTC offset", "'2026-11-02T09:00:01+02:00'"]),
    (HEAD + "not-a-date,10,5\n", {}, ["column 'timestamp', row 2", "not a date and time: 'not-a-date'", "ISO 8601"]),
    (HEAD + "2026-11-02T09:00:01Z,20,5\n", {"columns": {"timestamp": "input_tokens"}},
     ["column 'input_tokens', row 1", "before 2015 as a Unix time in s (1970-01-01 00:00:10): 10", "relative=True"]),
    ("timestamp,input_tokens,output_tokens\n", {}, ["no data rows", "at least one row"]),
    ("timestamp,input_tokens,output_tokens\n1793610000000,1,1\n", {},
     ["column 'timestamp', row 1", "after today", "the values fit timestamp_unit='ms'"]),
    (HEAD + "2099-01-01T00:00:00Z,1,1\n", {}, ["column 'timestamp', row 2", "after today as a date (2099-01-01"]),
    (HEAD + "2016-01-01T00:00:00Z,1,1\n", {}, ["column 'timestamp', row 1", "spans 10.8 years", "the latest row",
                                                  "at most 10 years"]),
    ("", {}, ["the file is empty"]),
    (HEAD, {"format": "anthropc"}, ["unknown format. Did you mean 'anthropic'?", "generic, anthropic, openai"]),
    (HEAD, {"columns": {"input_tokens": "prompt"}}, ["no column 'prompt' (given as input_tokens=)", "'timestamp'"]),
    (HEAD + "2026-11-02T09:00:01Z,-3,5\n", {}, ["column 'input_tokens', row 2", "negative: -3"]),
]


@pytest.mark.parametrize("text, kw, parts", REFUSALS, ids=[p[2][0][:40] for p in REFUSALS])
def test_bad_logs_are_refused_naming_file_column_row_and_value(tmp_path, text, kw, parts):
    with pytest.raises(UsageLogError) as err:
        read_usage(_csv(tmp_path, text), **kw)
    msg = str(err.value)
    assert "log.csv" in msg.split(",")[0] or msg.startswith("format=")
    for part in parts:
        assert part in msg, msg
    assert "SELECT" not in msg and "LINE" not in msg  # no SQL, no raw DuckDB text


def test_random_bytes_named_csv_are_refused(tmp_path):
    path = tmp_path / "log.csv"
    path.write_bytes(bytes(range(256)) * 20)
    with pytest.raises(UsageLogError, match=r"log.csv: not a UTF-8 text file \(binary content at byte 0"):
        read_usage(path)


def test_a_bad_value_after_the_csv_sniffer_sample_still_names_its_row(tmp_path):
    rows = "".join(f"2026-11-02T09:{i // 60 % 60:02d}:{i % 60:02d}Z,{i},1\n" for i in range(30_000))
    path = _csv(tmp_path, "timestamp,input_tokens,output_tokens\n" + rows + "2026-11-02T10:00:00Z,abc,1\n")
    with pytest.raises(UsageLogError, match=r"column 'input_tokens', row 30,001: not a number: 'abc'"):
        read_usage(path)


def test_empty_timestamps_are_refused_the_same_way_by_every_reader(tmp_path):
    path = _csv(tmp_path, HEAD + ",10,5\n")
    for call in (lambda: read_requests(path), lambda: cost_per_task(path, PRICES)):
        with pytest.raises(UsageLogError, match="column 'timestamp', row 2: empty cell"):
            call()


def test_memory_limit_spills_instead_of_failing(tmp_path):
    # issue 17: memory_limit="100MB" on millions of rows at freq="1s" raised DuckDB's OutOfMemoryException
    n = 2_000_000
    log = pd.DataFrame({"timestamp": pd.Timestamp("2026-11-01") + pd.to_timedelta(np.arange(n) * 1.3, unit="s"),
                        "input_tokens": np.arange(n) % 977, "output_tokens": np.arange(n) % 101})
    path = tmp_path / "big.parquet"
    log.to_parquet(path)
    p = read_requests(path, freq="1s", memory_limit="100MB")
    assert p["requests"].sum() == n and len(p) == int(np.floor((n - 1) * 1.3)) + 1
    with pytest.raises(UsageLogError, match=r"big.parquet: DuckDB ran out of memory \(memory_limit='8MB'\)"):
        read_requests(path, freq="1s", memory_limit="8MB")


def test_a_span_too_long_for_the_step_is_refused_before_allocating(tmp_path):
    log = pd.DataFrame({"timestamp": ["2026-01-01T00:00:00Z", "2026-06-01T00:00:00Z"], "input_tokens": [1, 1],
                        "output_tokens": [1, 1]})
    with pytest.raises(UsageLogError, match=r"13,046,401 steps of 1s .* more than max_steps=5,000,000.*coarser freq"):
        read_requests(log, freq="1s")
    assert len(read_requests(log, freq="1h")) == 3625  # memory for the steps only: 151 days of hours


# ------------------------------------------------------------------------------------------------ time units
def test_mooncake_milliseconds_give_two_one_minute_steps():
    p = read_requests(DATA / "mooncake.jsonl", format="mooncake")
    assert p["requests"].tolist() == [2, 1] and p.index[0] == pd.Timestamp("2024-01-01")
    u = read_usage(DATA / "mooncake.jsonl", format="mooncake", origin="2026-03-02")
    assert (str(u.start), str(u.end)) == ("2026-03-02 00:00:00", "2026-03-02 00:01:01")


@pytest.mark.parametrize("unit, scale", [("s", 1), ("ms", 1e3), ("us", 1e6), ("ns", 1e9)])
def test_timestamp_units(unit, scale):
    log = pd.DataFrame({"t": np.array([1793610000, 1793610060]) * scale, "in": [1, 1], "out": [1, 1]})
    u = read_usage(log, columns={"timestamp": "t", "input_tokens": "in", "output_tokens": "out"}, timestamp_unit=unit)
    assert str(u.start) == "2026-11-02 09:00:00" and str(u.end) == "2026-11-02 09:01:00"


# ------------------------------------------------------------------------------------------------ against calc_price
def _models():
    """Every (provider, model) the scenarios and the claims audit name, and those of issue 15's cases."""
    from econ._claims import API_TIERS

    named = set(API_TIERS) | {("anthropic", "claude-sonnet-4"), ("openai", "gpt-4o"), ("google", "gemini-2.5-pro"),
                              ("together", "meta-llama/Llama-3.3-70B-Instruct-Turbo"), ("groq", "llama-3.1-8b-instant"),
                              ("deepseek", "deepseek-chat")}  # DeepSeek: off-peak prices by time of day
    for f in [PARAMS_DIR / "_defaults.yaml", *sorted(PARAMS_DIR.glob("[!_]*.yaml"))]:
        sc = load_scenario(f) if f.name != "_defaults.yaml" else load_scenario(PARAMS_DIR / "enterprise_steady.yaml")
        for s in ("api", "managed"):
            named.add((sc[f"{s}.provider"], sc[f"{s}.model"]))
    return sorted(named)


MODELS = _models()


@st.composite
def _calls(draw):
    n = draw(st.integers(1, 6))
    rows = []
    for _ in range(n):
        provider, model = draw(st.sampled_from(MODELS))
        near = draw(st.sampled_from([0, 200_000, 272_000]))
        inp = draw(st.one_of(st.integers(0, 20_000), st.integers(max(near - 50, 0), near + 50), st.integers(0, 400_000)))
        read = draw(st.integers(0, inp))
        w1h = draw(st.integers(0, inp - read))
        w5 = draw(st.integers(0, inp - read - w1h))
        out = draw(st.integers(0, 60_000))
        reason = draw(st.integers(0, out))
        day = draw(st.dates(date(2025, 6, 1), date(2026, 11, 28)))
        second = draw(st.integers(0, 86_399))
        rows.append({"ts": (pd.Timestamp(day) + pd.Timedelta(seconds=second)).isoformat() + "Z", "provider": provider,
                     "model": model, "in": inp, "read": read, "w5": w5, "w1h": w1h, "out": out, "reason": reason,
                     "batch": draw(st.booleans()), "tier": draw(st.sampled_from([None, "default", "flex", "priority"]))})
    return pd.DataFrame(rows)


@settings(max_examples=500 if FUZZ else 40, deadline=None)
@given(_calls())
def test_price_usage_equals_calc_price_on_random_calls_of_every_named_model(calls):
    """The kit's vectorized bill equals genai-prices' calc_price call by call (on the corrected catalog entry where
    econ/data/price_corrections.yaml applies), far below a cent."""
    from genai_prices import Usage, calc_price

    from econ._prices import billing_model
    from econ._usage import _context

    u = read_usage(calls, columns={"timestamp": "ts", "input_tokens": "in", "cache_read_tokens": "read",
                                   "cache_write_5m_tokens": "w5", "cache_write_1h_tokens": "w1h", "output_tokens": "out",
                                   "reasoning_tokens": "reason", "service_tier": "tier"})
    kit = price_usage(u)["usd"].to_numpy()
    grouped = price_usage(u, by=["model", "date"])  # summed to call shapes first, then priced: the same bill
    assert grouped["usd"].sum() == pytest.approx(kit.sum(), abs=1e-9) and grouped["rows"].sum() == len(calls)
    for j, r in calls.iterrows():
        usage = Usage(input_tokens=r["in"], cache_read_tokens=r["read"], cache_write_tokens=r["w5"] + r["w1h"],
                      cache_write_1h_tokens=r["w1h"], output_tokens=r["out"], output_reasoning_tokens=r["reason"])
        when = pd.Timestamp(r["ts"]).to_pydatetime()
        ctx = _context(r["batch"], r["tier"]) or None
        bm = billing_model(r["provider"], r["model"])
        if bm.corrections:  # genai-prices' own pricing of the corrected entry
            ref = bm.prices(when, ctx).calc_price(usage)["total_price"]
        else:
            ref = calc_price(usage, r["model"], provider_id=r["provider"], genai_request_timestamp=when,
                             price_context=ctx).total_price
        assert kit[j] == pytest.approx(float(ref), abs=1e-9), (r.to_dict(), float(ref))


# ------------------------------------------------------------------------------------------------ fuzzing the reader
_CELLS = st.one_of(
    st.integers(-5, 10**6).map(str), st.floats(allow_nan=True, allow_infinity=True).map(repr), st.just(""),
    st.sampled_from(["abc", "1e30", "100.7", "NaN", "inf", "-0", "0x10", "1,000", " 12 ", "true", "null", '"q"', "'"]),
    st.datetimes(min_value=pd.Timestamp("1990-01-01").to_pydatetime(),
                 max_value=pd.Timestamp("2100-01-01").to_pydatetime()).map(lambda d: d.isoformat()),
    st.sampled_from(["2026-11-02T09:00:00Z", "2026-11-02 09:00:00+02:00", "2026-11-02", "not-a-date", "1793610000",
                     "1793610000000", "2026-13-45T25:61:00"]),
    st.text(max_size=8),
)


@settings(max_examples=2_000 if FUZZ else 60, deadline=None)
@given(st.lists(st.tuples(_CELLS, _CELLS, _CELLS), min_size=0, max_size=6), st.sampled_from(["s", "ms"]),
       st.booleans())
def test_fuzzed_logs_end_in_a_named_refusal_or_a_finite_bill(tmp_path_factory, rows, unit, relative):
    """Any CSV of random cells: read_usage and price_usage either succeed with finite numbers or raise a
    UsageLogError naming the file; never another exception (issue 17)."""
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["timestamp", "input_tokens", "output_tokens"])
    w.writerows(rows)
    path = tmp_path_factory.mktemp("fuzz") / "log.csv"
    path.write_text(buf.getvalue(), encoding="utf-8")
    try:
        u = read_usage(path, timestamp_unit=unit, relative=relative)
        billed = price_usage(u, provider="openai", model="gpt-4o", on="2026-11-22")
    except UsageLogError as exc:
        assert "log.csv" in str(exc) and "SELECT" not in str(exc)
        return
    assert np.isfinite(billed["usd"]).all() and (billed["usd"] >= 0).all()


# ------------------------------------------------------------------------------------------------ scenario from a log
def _week(n=6_000, seed=0) -> pd.DataFrame:
    """A generated week of usage in the generic format: a daily cycle, quieter weekends, two models, caching."""
    rng = np.random.default_rng(seed)
    t = rng.uniform(0, 7 * 86_400, 4 * n)
    hour = t % 86_400 / 3_600
    weight = (1 + 0.7 * np.cos(2 * np.pi * (hour - 14) / 24)) * np.where(t // 86_400 >= 5, 0.5, 1.0)
    t = np.sort(t[rng.uniform(0, 1.7, len(t)) < weight][:n])
    inp = (np.exp(rng.normal(7.3, 0.9, n)) + 50).astype(int)
    return pd.DataFrame({
        "timestamp": (pd.Timestamp("2026-11-02") + pd.to_timedelta(t, unit="s")).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "provider": "openai", "model": np.where(rng.uniform(size=n) < 0.8, "gpt-4.1-mini", "gpt-4.1"),
        "input_tokens": inp, "cache_read_tokens": np.where(rng.uniform(size=n) < 0.5, np.minimum(inp, 1_536), 0),
        "output_tokens": (np.exp(rng.normal(5.5, 0.6, n)) + 1).astype(int),
        "task": rng.choice(["chat", "search", "summary"], n), "batch": rng.uniform(size=n) < 0.1})


def test_scenario_from_log_measures_the_workload_and_validates(tmp_path):
    from econ import compare, scenario_from_log, traffic_from_scenario
    from econ._traffic import provisioning_table

    week = _week()
    log = tmp_path / "week.csv"
    week.to_csv(log, index=False)
    out = scenario_from_log(log, out=tmp_path / "sc" / "measured.yaml")
    assert out.exists() and (out.parent / "measured_profile.csv").exists()
    sc = load_scenario(out)
    a = sc.assumptions
    span_days = (pd.Timestamp(week["timestamp"].iloc[-1]) - pd.Timestamp(week["timestamp"].iloc[0])).total_seconds() / 86_400
    assert sc["workload.requests_per_day"] == pytest.approx(len(week) / span_days, abs=0.05)
    assert sc["workload.input_tokens_per_request"] == pytest.approx(week["input_tokens"].mean(), abs=0.1)
    assert sc["workload.cacheable_prefix_share"] == pytest.approx(week["cache_read_tokens"].sum() / week["input_tokens"].sum(), abs=1e-6)
    assert sc["workload.batchable_share"] == pytest.approx(week["batch"].mean(), abs=1e-6)
    assert sc["api.model"] == "gpt-4.1-mini" and sc["api.cache_hit_rate"] == 1.0
    bins = sc["workload.token_distribution"]
    assert sum(bins["share"]) == pytest.approx(1) and len(bins["share"]) >= 20
    hourly = pd.to_datetime(week["timestamp"]).dt.floor("h").value_counts()
    full = hourly[(hourly.index > hourly.index.min()) & (hourly.index < hourly.index.max())]  # whole hours only
    assert sc["workload.peak_to_mean"] == pytest.approx(full.max() / full.mean(), rel=1e-3)
    for key in ("workload.requests_per_day", "workload.token_distribution", "workload.peak_to_mean", "traffic.profile",
                "api.model"):
        assert "week.csv" in a[key].source and "6,000 rows" in a[key].source and "2026-11-02" in a[key].source, key
    assert a["traffic.profile"].value == "measured_profile.csv"
    kw = traffic_from_scenario(sc)
    assert kw["profile"]["requests"].sum() == pytest.approx(len(week) * kw["profile"]["seconds"].sum() / 86_400
                                                             / span_days, rel=1e-3)
    provisioning_table(**kw)
    assert set(compare(sc)["key"]) == {"api", "managed", "selfhost"}
    with pytest.raises(FileExistsError):
        scenario_from_log(log, out=out)


def test_token_bins_split_at_billing_thresholds(tmp_path):
    from econ._usage import token_bins

    log = pd.DataFrame({"timestamp": "2026-11-02T09:00:00Z", "input_tokens": [1_000, 1_024, 1_025, 1_100, 250_000],
                        "output_tokens": [1, 2, 3, 4, 5]})
    b = token_bins(read_usage(log), n=1, edges=[1_024, 200_000])
    assert b == {"input_tokens": [1012.0, 1062.5, 250000.0], "output_tokens": [1.5, 3.5, 5.0], "share": [0.4, 0.4, 0.2]}


def test_scenario_from_log_command_line(tmp_path, capsys):
    from econ.__main__ import main

    log = tmp_path / "week.csv"
    _week(2_000, seed=1).to_csv(log, index=False)
    out = tmp_path / "cli.yaml"
    assert main(["scenario-from-log", str(log), "--out", str(out), "--task", "task"]) == 0
    assert f"wrote {out}" in capsys.readouterr().out
    assert main(["validate", str(out)]) == 0
    assert main(["scenario-from-log", str(log), "--out", str(out)]) == 1  # exists: nothing lost
    assert "exists" in capsys.readouterr().err
    bad = tmp_path / "bad.csv"
    bad.write_text(HEAD + "2026-11-02T09:00:01Z,abc,5\n")
    assert main(["scenario-from-log", str(bad), "--out", str(tmp_path / "bad.yaml")]) == 1
    err = capsys.readouterr().err
    assert "column 'input_tokens', row 2: not a number: 'abc'" in err and "Traceback" not in err
    assert not (tmp_path / "bad.yaml").exists()


def test_traffic_profile_csv_is_checked_when_the_scenario_loads(write_scenario, tmp_path):
    from econ import ScenarioError

    with pytest.raises(ScenarioError, match=r"'traffic.profile' = 'missing.csv'.*no such file"):
        load_scenario(write_scenario("traffic:\n  profile: {value: missing.csv, source: test}\n"))
    os.mkfifo(tmp_path / "fifo.csv")
    with pytest.raises(ScenarioError, match=r"'traffic.profile' = 'fifo.csv'.*is not a regular file"):
        load_scenario(write_scenario("traffic:\n  profile: {value: fifo.csv, source: test}\n"))
    (tmp_path / "zero.csv").write_text("start,requests,input_tokens,cached_input_tokens,output_tokens,seconds\n"
                                       "2026-11-02T00:00:00,0,0,0,0,3600\n2026-11-02T01:00:00,0,0,0,0,3600\n")
    with pytest.raises(ScenarioError, match=r"'traffic.profile' = 'zero.csv': every step has 0 requests"):
        load_scenario(write_scenario("traffic:\n  profile: {value: zero.csv, source: test}\n"))  # was: nan GPUs
    with pytest.raises(ScenarioError, match=r"'traffic.profile': 'weekly' is not allowed; expected one of 'synthetic'"):
        load_scenario(write_scenario("traffic:\n  profile: {value: weekly, source: test}\n"))
    (tmp_path / "p.csv").write_text("start,requests,input_tokens,cached_input_tokens,output_tokens,seconds\n"
                                    "2026-11-02T00:00:00,10,100,0,10,3600\n2026-11-02T01:00:00,x,100,0,10,3600\n")
    with pytest.raises(ScenarioError, match=r"p.csv, column 'requests', row 2: not a number >= 0: 'x'"):
        load_scenario(write_scenario("traffic:\n  profile: {value: p.csv, source: test}\n"))


def test_a_measured_scenario_renders(tmp_path, monkeypatch):
    """The generated week's scenario renders notebook 02 (traffic profile, provisioning, cost per task)."""
    import shutil

    from econ import _report, scenario_from_log

    log = tmp_path / "week.csv"
    _week(3_000, seed=2).to_csv(log, index=False)
    out = scenario_from_log(log, out=tmp_path / "measured.yaml")
    outputs, nbs = tmp_path / "outputs", tmp_path / "notebooks"
    outputs.mkdir()
    nbs.mkdir()
    shutil.copy(Path(__file__).parents[1] / "notebooks" / "02_capacity_and_traffic.ipynb", nbs)
    monkeypatch.setattr(_report, "OUTPUT_DIR", outputs)
    monkeypatch.setattr(_report, "NOTEBOOK_DIR", nbs)
    assert _report.build_report([str(out)]) == 0
    page = (outputs / "measured" / "02_capacity_and_traffic.html").read_text()
    assert "measured_profile.csv" in page and "Measured from week.csv" in page


def test_a_glob_of_files_is_one_log_and_bills_by_date(tmp_path):
    for day in (2, 3):
        pd.DataFrame({"timestamp": [f"2026-11-0{day}T09:00:00Z"], "input_tokens": [1_000], "output_tokens": [100],
                      "provider": "openai", "model": "gpt-4.1-mini"}).to_parquet(tmp_path / f"day{day}.parquet")
    u = read_usage(tmp_path / "day*.parquet")
    t = price_usage(u, by="date")
    assert u.rows == 2 and t["usd"].tolist() == pytest.approx([0.00056, 0.00056], abs=1e-15)
    assert [str(d)[:10] for d in t["date"]] == ["2026-11-02", "2026-11-03"]
    with pytest.raises(UsageLogError, match="no file matches the pattern"):
        read_usage(tmp_path / "none*.csv")


def test_cost_per_task_all_in_is_the_decisions_cost_per_request():
    # A log of calls of the scenario's own shape (2,000 tokens in, 250 out; flat managed prices, no batch discount)
    # costs, all in, what the decision says a request costs: token bill plus the option's other monthly costs
    # (compliance, engineering, evaluation; the fleet) spread over its tokens.
    sc = load_scenario(PARAMS_DIR / "regulated_on_prem.yaml")
    d = econ.decision(sc)
    log = pd.DataFrame({"task": "t", "in": [2000] * 4, "out": [250] * 4})
    t = cost_per_task(log, task_prices_from_scenario(sc, d), input_tokens="in", output_tokens="out",
                      task="task").set_index("option")
    for k in ("managed", "selfhost"):
        assert t.loc[k, "all_in_usd"] / 4 == pytest.approx(d.options[k].usd_per_request, rel=1e-12)
    assert t.loc["managed", "usd"] / 4 == pytest.approx(d.options["managed"].components["tokens_usd"] / (
        d.options["managed"].monthly_usd / d.options["managed"].usd_per_request), rel=1e-12)  # the token bill alone
    assert t.loc["selfhost", "usd"] == 0.0  # self-hosting has no token bill


def test_cost_per_task_view_ranks_options_as_the_decision_does():
    # Page 02 on regulated_on_prem: self-hosting is recommended, so its all-in cost per call must be the lower one,
    # and the page must say which columns are token bills and which are all in.
    sc = load_scenario(PARAMS_DIR / "regulated_on_prem.yaml")
    d = econ.decision(sc)
    t = cost_per_task(example_usage_log(), task_prices_from_scenario(sc, d), task="task")
    all_in = t.pivot(index="task", columns="option", values="all_in_usd_per_1k_requests")
    assert d.recommended == "selfhost" and (all_in["selfhost"] < all_in["managed"]).all()
    html = str(cost_per_task_view(t))
    assert "managed open endpoint: token bill (USD per 1,000 calls)" in html
    assert "managed open endpoint: all in (USD per 1,000 calls)" in html
    other = (d.options["managed"].monthly_usd - d.options["managed"].components["tokens_usd"]) / (
        d.options["managed"].monthly_usd / d.options["managed"].usd_per_mtok)
    assert f"managed open endpoint ${other:,.2f} per million tokens" in html
    assert "self-hosted: no token bill" in html
