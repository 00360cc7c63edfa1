"""Tests of econ/_usage.py: reading usage logs in every format, refusing bad ones by row, billing every call as
the provider does (against genai-prices' calc_price), traffic profiles, cost per task, scenario-from-log."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from econ import PARAMS_DIR, load_scenario
from econ._usage import (
    UsageLogError,
    cost_per_task,
    read_rate_series,
    read_requests,
    task_prices_from_scenario,
)
from econ._traffic import peak_to_mean

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

