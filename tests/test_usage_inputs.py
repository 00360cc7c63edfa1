"""Hostile and mistaken inputs to the usage readers and scenario-from-log (issues 15 and 17): each case a tester
found, kept as a test. Nothing is lost (the defaults file, an existing scenario or profile), nothing wrong is
accepted silently, and every refusal names the file or argument, the column or key, the value and what is allowed."""

from __future__ import annotations

import os
import warnings
from datetime import date

import numpy as np
import pandas as pd
import pytest

from econ import load_scenario
from econ._params import DEFAULTS_FILE
from econ._prices import price_history_start
from econ._usage import UsageLogError, UsageWarning, cost_per_task, price_usage, read_usage, scenario_from_log
from econ.__main__ import main

OK = ("timestamp,input_tokens,output_tokens,model,provider\n"
      "2026-11-02T09:00:00Z,1000,200,gpt-4.1-mini,openai\n2026-11-02T09:01:00Z,1000,200,gpt-4.1-mini,openai\n")


def _log(tmp_path, models=(("openai", "gpt-4.1-mini"),), shares=(1.0,), n=600, name="log.csv"):
    """A three-hour log of ``n`` calls, the (provider, model) pairs in the given shares."""
    rng = np.random.default_rng(3)
    pick = rng.choice(len(models), n, p=shares)
    t = pd.Timestamp("2026-11-02T09:00:00Z") + pd.to_timedelta(np.sort(rng.uniform(0, 3 * 3600, n)), unit="s")
    path = tmp_path / name
    pd.DataFrame({"timestamp": t.strftime("%Y-%m-%dT%H:%M:%SZ"), "input_tokens": rng.integers(100, 5_000, n),
                  "output_tokens": rng.integers(10, 800, n), "provider": [models[i][0] for i in pick],
                  "model": [models[i][1] for i in pick]}).to_csv(path, index=False)
    return path


def _ok(tmp_path):
    path = tmp_path / "ok.csv"
    path.write_text(OK)
    return path


def _files(folder):
    return sorted(p.name for p in folder.iterdir())


# ------------------------------------------------------------------------------------------------ nothing lost
def test_the_defaults_file_is_never_written_even_with_force(tmp_path, capsys):
    log = _log(tmp_path)
    before = DEFAULTS_FILE.read_bytes()
    listing = _files(DEFAULTS_FILE.parent)
    try:
        for out in (str(DEFAULTS_FILE), str(DEFAULTS_FILE.parent / "." / DEFAULTS_FILE.name)):
            assert main(["scenario-from-log", str(log), "--out", out, "--force"]) == 1
            err = capsys.readouterr().err
            assert "is the kit's defaults file" in err and "never written, even with --force" in err, err
            assert "expected a scenario file named with letters, digits" in err and "Traceback" not in err
    finally:
        if DEFAULTS_FILE.read_bytes() != before:  # a regression must not break every later test
            DEFAULTS_FILE.write_bytes(before)
            pytest.fail("scenario-from-log overwrote params/_defaults.yaml")
    assert _files(DEFAULTS_FILE.parent) == listing  # no _defaults_profile.csv, no staging folder left


@pytest.mark.parametrize("name", ["_x.yaml", ".hidden.yaml"])
def test_names_starting_with_underscore_or_dot_are_refused_even_with_force(tmp_path, capsys, name):
    log = _log(tmp_path)
    (tmp_path / name).write_text("kept: true\n")
    assert main(["scenario-from-log", str(log), "--out", str(tmp_path / name), "--force"]) == 1
    err = capsys.readouterr().err
    assert f"--out {tmp_path / name}: starts with '_' or '.'" in err and "not scenarios" in err, err
    assert (tmp_path / name).read_text() == "kept: true\n"
    assert _files(tmp_path) == sorted(["log.csv", name])


@pytest.mark.parametrize("name", ["index.html.yaml", "week.yml", "a b.yaml", "week.txt"])
def test_out_names_report_cannot_render_are_refused(tmp_path, name):
    with pytest.raises(UsageLogError, match=r"is not a scenario file name `make report` renders.*expected a scenario "
                       r"file named with letters, digits, '-' and '_'"):
        scenario_from_log(_log(tmp_path), out=tmp_path / name)
    assert _files(tmp_path) == ["log.csv"]


def test_a_directory_as_out_or_as_its_profile_is_refused_even_with_force(tmp_path, capsys):
    log = _log(tmp_path)
    (tmp_path / "d.yaml").mkdir()
    assert main(["scenario-from-log", str(log), "--out", str(tmp_path / "d.yaml"), "--force"]) == 1
    err = capsys.readouterr().err
    assert f"{tmp_path / 'd.yaml'} is a directory; it is not replaced, even with --force" in err, err
    assert "IsADirectoryError" not in err and _files(tmp_path) == ["d.yaml", "log.csv"]
    assert not (tmp_path / "d_profile.csv").exists()
    (tmp_path / "p_profile.csv").mkdir()
    with pytest.raises(UsageLogError, match=r"p_profile.csv is a directory"):
        scenario_from_log(log, out=tmp_path / "p.yaml", overwrite=True)
    assert not (tmp_path / "p.yaml").exists()


def test_a_scenario_that_cannot_be_moved_in_leaves_the_old_profile_as_it_was(tmp_path, monkeypatch):
    log = _log(tmp_path)
    out = scenario_from_log(log, out=tmp_path / "s.yaml")
    scenario, profile = out.read_bytes(), (tmp_path / "s_profile.csv").read_bytes()
    real = os.replace

    def fail_on_the_scenario(src, dst):  # the disk refuses the last step (full, or the file locked)
        if str(dst) == str(out):
            raise PermissionError(13, "Permission denied")
        return real(src, dst)

    monkeypatch.setattr(os, "replace", fail_on_the_scenario)
    with pytest.raises(UsageLogError, match=r"s.yaml: cannot be written \(Permission denied\); nothing was changed"):
        scenario_from_log(_log(tmp_path, n=300, name="other.csv"), out=out, overwrite=True)
    assert out.read_bytes() == scenario and (tmp_path / "s_profile.csv").read_bytes() == profile
    assert _files(tmp_path) == ["log.csv", "other.csv", "s.yaml", "s_profile.csv"]  # no staging folder left


# ------------------------------------------------------------------------------------------------ said, not silent
@pytest.mark.parametrize("provider, model", [("openai", "gpt-9-ultra"), ("local", "llama-3.1-8b")])
def test_calls_to_a_model_the_catalog_does_not_know_are_said_loudly(tmp_path, capsys, provider, model):
    log = _log(tmp_path, ((provider, model),))
    out = tmp_path / "m.yaml"
    assert main(["scenario-from-log", str(log), "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert f"warning: {out}: the price catalog" in err and f"does not know {model!r} at provider {provider!r} " \
           "(100% of calls)" in err and "the default model (params/_defaults.yaml), anthropic claude-sonnet-4-5" in err
    text = out.read_text()
    assert "# WARNING: the price catalog" in text and model in text.split("scenario:")[0]
    sc = load_scenario(out)
    assert (sc["api.provider"], sc["api.model"]) == ("anthropic", "claude-sonnet-4-5")
    assert sc.assumptions["api.model"].source.startswith("not measured: the price catalog")
    assert model in sc.assumptions["api.model"].source and "--api-model" in sc.assumptions["api.model"].source
    assert "Priced at anthropic claude-sonnet-4-5" in sc.description


def test_api_model_chooses_the_price_and_an_unknown_one_is_refused(tmp_path):
    log = _log(tmp_path, (("local", "llama-3.1-8b"),))
    with warnings.catch_warnings():
        warnings.simplefilter("error", UsageWarning)  # chosen by the user: said in the file, not warned about
        out = scenario_from_log(log, out=tmp_path / "chosen.yaml", api_model="gpt-4o")
    sc = load_scenario(out)
    assert (sc["api.provider"], sc["api.model"]) == ("openai", "gpt-4o")
    assert "chosen with --api-model" in sc.assumptions["api.model"].source
    assert "'llama-3.1-8b' at provider 'local'" in sc.assumptions["api.model"].source
    with pytest.raises(UsageLogError, match=r"--api-model 'gpt-9': is not in the price catalog; expected a model id "
                       r"at provider 'openai' .*did you mean 'gpt-5'"):
        scenario_from_log(log, out=tmp_path / "nine.yaml", api_model="gpt-9")
    with pytest.raises(UsageLogError, match=r"--api-model None: is needed with --api-provider"):
        scenario_from_log(log, out=tmp_path / "nine.yaml", api_provider="openai")
    assert not (tmp_path / "nine.yaml").exists()


def test_a_share_of_unknown_calls_is_named_beside_the_model_that_prices_them(tmp_path):
    log = _log(tmp_path, (("openai", "gpt-4.1-mini"), ("openai", "gpt-9-ultra")), (0.7, 0.3), n=1_000)
    with pytest.warns(UsageWarning, match=r"does not know 'gpt-9-ultra' at provider 'openai' \(\d\d% of calls\); the "
                      r"scenario prices the API option at the log's most used priced model, openai gpt-4.1-mini"):
        out = scenario_from_log(log, out=tmp_path / "mix.yaml")
    sc = load_scenario(out)
    assert sc["api.model"] == "gpt-4.1-mini" and "gpt-9-ultra" in sc.assumptions["api.model"].source


def test_a_log_the_catalog_prices_gives_no_warning(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error", UsageWarning)
        out = scenario_from_log(_log(tmp_path), out=tmp_path / "fine.yaml")
    assert "WARNING" not in out.read_text() and load_scenario(out)["api.model"] == "gpt-4.1-mini"


@pytest.mark.parametrize("header, message", [
    ("timestamp,input_tokens,input_tokens,output_tokens", "column 'input_tokens' twice, in positions 2 and 3"),
    ("timestamp,Input_Tokens,output_tokens,input_tokens", "one column twice, as 'Input_Tokens' and 'input_tokens', in "
                                                          "positions 2 and 4"),
])
def test_a_column_named_twice_is_refused(tmp_path, header, message):
    path = tmp_path / "dup.csv"
    path.write_text(header + "\n2026-11-02T09:00:00Z,1,2,3\n")
    with pytest.raises(UsageLogError) as err:
        read_usage(path)
    assert str(err.value).startswith(f"{path}: the header names {message}, so which one holds the values is ambiguous")
    assert err.value.allowed.startswith("each column name once")
    frame = pd.DataFrame([["2026-11-02T09:00:00Z", 1, 2, 3]], columns=["timestamp", "input_tokens", "input_tokens",
                                                                        "output_tokens"])
    with pytest.raises(UsageLogError, match=r"the DataFrame: has column 'input_tokens' twice, as columns 2 and 3"):
        read_usage(frame)


def test_prices_on_a_date_outside_the_catalog_are_refused_as_in_scenario_files(tmp_path):
    u = read_usage(_ok(tmp_path))
    first = price_history_start()
    for on in ("2099-01-01", "2001-01-01", str(date.fromordinal(first.toordinal() - 1))):
        with pytest.raises(UsageLogError) as err:
            price_usage(u, on=on)
        assert str(err.value) == (f"on={on!r}: is outside the dates the price catalog covers; expected a date from "
                                  f"{first} (the first price change genai-prices 0.2.3 records) to today, {date.today()}")
    assert price_usage(u, on=first)["usd"].sum() > 0 and price_usage(u, on=str(date.today()))["usd"].sum() > 0


# ------------------------------------------------------------------------------------------------ no raw exceptions
@pytest.mark.parametrize("call, message", [
    (lambda p: read_usage(42), "log=42: is not a usage log; expected a file path or glob"),
    (lambda p: read_usage(None), "log=None: is not a usage log"),
    (lambda p: price_usage(42), "log=42: is not a usage log; expected a file path or glob (str or Path, e.g. "
                                "'logs/usage.csv' or 'logs/*.jsonl'), a pandas DataFrame, or a UsageLog from read_usage"),
    (lambda p: read_usage(p, columns={"input_tokens": 5, "output_tokens": "output_tokens"}),
     "columns={'input_tokens': 5}: is not a field mapped to a column name; expected column names or dotted paths as text"),
    (lambda p: read_usage(p, columns=["input_tokens"]), "columns=['input_tokens']: is not a mapping"),
    (lambda p: read_usage(p, task=3), "task=3: is not a column name"),
    (lambda p: cost_per_task(p, {"api": {"input_usd_per_mtok": 1, "output_usd_per_mtok": 2}}, input_tokens=5),
     "columns={'input_tokens': 5}: is not a field mapped to a column name"),
])
def test_wrong_types_are_refused_saying_what_is_allowed(tmp_path, call, message):
    with pytest.raises(UsageLogError) as err:
        call(_ok(tmp_path))
    assert str(err.value).startswith(message), str(err.value)


# ------------------------------------------------------------------------------------------------ messages
@pytest.mark.parametrize("text, what, ext", [
    ('{"timestamp": "2026-11-02T09:00:00Z", "input_tokens": 1000, "output_tokens": 200}\n', "JSON lines", ".jsonl"),
    ('[{"timestamp": "2026-11-02T09:00:00Z", "input_tokens": 1000, "output_tokens": 200}]\n', "JSON (an array", ".json"),
])
def test_json_named_csv_says_it_looks_like_json(tmp_path, text, what, ext):
    path = tmp_path / "log.csv"
    path.write_text(text)
    with pytest.raises(UsageLogError) as err:
        read_usage(path)
    msg = str(err.value)
    assert msg.startswith(f"{path}: looks like {what}") and "not CSV" in msg and f"renamed to {ext}" in msg, msg
    path.rename(tmp_path / f"log{ext}")
    assert read_usage(tmp_path / f"log{ext}").rows == 1  # renamed as the message says, it reads


def test_a_model_without_its_provider_names_the_provider_to_give(tmp_path):
    u = read_usage(_ok(tmp_path))
    with pytest.raises(UsageLogError) as err:
        price_usage(u, model="claude-sonnet-4-5")
    assert str(err.value) == ("price_usage(model='claude-sonnet-4-5'): was given without provider=, so the calls are "
                              "re-priced at the provider the log names, 'openai', which has no such model; expected "
                              "provider='anthropic' (the catalog's provider of 'claude-sonnet-4-5') with "
                              "model='claude-sonnet-4-5'")
    both = price_usage(u, provider="anthropic", model="claude-sonnet-4-5")["usd"]
    assert both.tolist() == pytest.approx([(1000 * 3 + 200 * 15) / 1e6] * 2)  # 3 / 15 USD per Mtok


@pytest.mark.parametrize("key, value, unit", [("input_usd_per_mtok", "cheap", "USD per million tokens"),
                                              ("long_context_above_tokens", "many", "tokens"),
                                              ("batch_price_factor", True, "a factor")])
def test_a_price_that_is_not_a_number_names_its_key(tmp_path, key, value, unit):
    path = _ok(tmp_path)
    prices = {"api": {"input_usd_per_mtok": 3, "output_usd_per_mtok": 15, key: value}}
    for call in (lambda: price_usage(path, prices=prices), lambda: cost_per_task(path, prices)):
        with pytest.raises(ValueError) as err:
            call()
        assert str(err.value) == f"prices['api'][{key!r}] = {value!r} is not allowed; expected a number >= 0 [{unit}]"
