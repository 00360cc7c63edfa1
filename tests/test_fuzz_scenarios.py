"""A fuzzer over scenario files: every generated file ends in a clear ScenarioError or in finite numbers.

Each example starts from a shipped scenario and mutates it the way a hurried or hostile user might: a leaf set to a
value of any type (huge, tiny, negative, NaN and infinity, text, dates, lists, mappings), a field misspelt or
dropped, a section replaced by junk, an unknown key, a distribution with a bad kind or range, a bad date, a title
of any text; and, on the YAML text itself, anchors and aliases, duplicated lines, cut files, stray bytes. Then
either `load_scenario` refuses it with a `ScenarioError` whose message starts with the file and says what is
expected, or the analyses the notebooks run on a scenario give finite costs: `decide`, `compare`, `traffic_from_scenario`
and `provisioning_table`, `routing_from_scenario` and `optimal_split`, `finetune_table`, `timeline_from_scenario`
and its best path, a small `monte_carlo`. Any other exception fails the test.

``make test`` runs a bounded, derandomized number of examples (``ci`` profile); ``make fuzz`` runs 2,000 fresh ones.
"""

import datetime
import math
import os

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import econ
from econ import ScenarioError, load_scenario, scenario_files
from econ._params import _INTERVAL, MAX_MAGNITUDE, MIN_MAGNITUDE, _load_defaults
from econ._traffic import TRACES

FUZZ = os.environ.get("HYPOTHESIS_PROFILE") == "fuzz"
EXAMPLES = {} if FUZZ else {"max_examples": 40}  # make fuzz: the profile's count (2,000)
COUNTS = {"refused": 0, "accepted": 0}

SHIPPED = {p.name: yaml.safe_load(p.read_text()) for p in scenario_files()}
DEFAULTS = _load_defaults()[0]
KEYS = sorted(DEFAULTS)
NUMERIC = [k for k in KEYS if isinstance(DEFAULTS[k]["allowed"], str) and _INTERVAL.match(DEFAULTS[k]["allowed"])]
SECTIONS = sorted({k.split(".")[0] for k in KEYS})
FIELDS = ["value", "unit", "source", "checked", "note", "dist", "valeu", "sorce", "low", "high", "allowed"]

EXTREMES = [0, -1, 1, 0.5, 1e-6, 1e-300, 5e-324, 1e6, 1e9, 1e12, 1e15, 1e308, 2**53, 2**63, 10**400, -1e308,
            math.inf, -math.inf, math.nan]
TEXTS = ["NaN", "inf", "-inf", "1e309", "", " ", "yes", "null", "2026-02-30", "whenever", "1990-01-01", "2099-01-01",
         "[click](javascript:alert(1))", "<img src=x onerror=alert(1)>", "```", "# heading", "| a | b |\n|---|---|",
         "=1+1", "a" * 5_000, "ünïcødé ✓ 中文 \u202e", "line\nbreak", "tab\tand\x07bell", "claude-sonnet-4-5<img src=x>"]
numbers = st.one_of(st.sampled_from(EXTREMES), st.sampled_from(EXTREMES), st.integers(), st.floats(),
                    st.floats(0, 1), st.floats(-1e6, 1e6), st.integers(0, 10**6),
                    st.builds(lambda m, e: m * 10.0**e, st.floats(1, 10), st.integers(-20, 20)))
scalars = st.one_of(st.none(), st.booleans(), numbers, st.sampled_from(TEXTS), st.text(max_size=30),
                    st.dates(datetime.date(1800, 1, 1), datetime.date(2200, 1, 1)))
junk = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                     st.dictionaries(st.text(max_size=8), inner, max_size=3)),
                    max_leaves=8)


def _choices(key):
    allowed = DEFAULTS[key]["allowed"]
    if allowed == "traffic profile":  # the synthetic week, the shipped traces, a profile CSV (missing here)
        return ["synthetic", *TRACES, "profile.csv"]
    return allowed if isinstance(allowed, list) else []


@st.composite
def in_range(draw, key):
    """A number the leaf's ``allowed`` admits, often at or near its ends (log-uniform across magnitudes)."""
    m = _INTERVAL.match(str(DEFAULTS[key]["allowed"]))
    lo, hi = float(m["lo"]), min(float(m["hi"]), MAX_MAGNITUDE)
    lo = max(lo, MIN_MAGNITUDE) if lo == 0 and m["lo_b"] == "(" else lo
    if draw(st.booleans()):
        x = draw(st.sampled_from([lo, hi, lo + (hi - lo) * 1e-9, hi - (hi - lo) * 1e-9]))
    elif lo >= 0 and hi / max(lo, MIN_MAGNITUDE) > 1e3:
        x = 10 ** draw(st.floats(np.log10(max(lo, MIN_MAGNITUDE)), np.log10(hi)))
    else:
        x = draw(st.floats(lo, hi))
    x = min(max(x, lo), hi)
    return int(round(x)) if m["int"] else x


@st.composite
def value_for(draw, key):
    """A value for ``key``: mostly near what it takes (its choices, numbers), sometimes anything."""
    return draw(st.one_of(st.sampled_from(_choices(key) or [DEFAULTS[key]["value"]]), numbers, numbers, scalars, junk))


@st.composite
def dists(draw, key):
    kind = draw(st.sampled_from(["uniform", "triangular", "normal", "lognormal", "triangualr", None, 5]))
    d = {"kind": kind, "low": draw(numbers), "high": draw(numbers), "source": draw(st.sampled_from(["assumption", ""]))}
    if draw(st.booleans()):
        d["mode"] = draw(numbers)
    if draw(st.booleans()):
        d[draw(st.sampled_from(["knd", "hi", "extra"]))] = 1
    return d


@st.composite
def mutated(draw):
    """A scenario mapping: a shipped one with one to five mutations, half the time only values the leaves admit
    (numbers in range, choices), which mostly load and exercise the model, half the time anything."""
    tree = yaml.safe_load(yaml.safe_dump(SHIPPED[draw(st.sampled_from(sorted(SHIPPED)))]))
    benign = draw(st.booleans())
    for _ in range(draw(st.integers(1, 5))):
        what = draw(st.sampled_from(["in_range", "in_range", "choice"] if benign else
                                    ["in_range"] * 4 + ["value", "value", "field", "drop", "dist", "leaf", "section",
                                                        "key", "meta", "choice"]))
        key = draw(st.sampled_from(NUMERIC if draw(st.booleans()) else KEYS))
        section, name = key.split(".")
        body = tree.setdefault(section, {})
        if not isinstance(body, dict):
            body = tree[section] = {}
        leaf = body.get(name)
        if not isinstance(leaf, dict) or "value" not in leaf:
            leaf = body[name] = {"value": DEFAULTS[key]["value"], "source": "fuzz"}
            if "USD" in str(DEFAULTS[key].get("unit")):
                leaf["checked"] = "2026"
        if what == "in_range" and key in NUMERIC:
            leaf["value"] = draw(in_range(key))
        elif what == "value":
            leaf["value"] = draw(value_for(key))
        elif what == "choice" and _choices(key):
            leaf["value"] = draw(st.sampled_from(_choices(key)))
        elif what == "field":
            leaf[draw(st.sampled_from(FIELDS))] = draw(scalars)
        elif what == "drop":
            leaf.pop(draw(st.sampled_from(["value", "source", "checked", "unit"])), None)
        elif what == "dist":
            leaf["dist"] = draw(dists(key))
        elif what == "leaf":
            body[name] = draw(junk)
        elif what == "section":
            tree[section] = draw(junk)
        elif what == "key":
            where = draw(st.sampled_from(["top", "section", "leaf"]))
            target = tree if where == "top" else body if where == "section" else leaf
            target[draw(st.sampled_from(["workoad", "requests_per_dya", "extra", name + "_", section]))] = draw(scalars)
        elif what == "meta":
            meta = tree.setdefault("scenario", {})
            if isinstance(meta, dict):
                meta[draw(st.sampled_from(["title", "description", "titel"]))] = draw(st.one_of(
                    st.sampled_from(TEXTS), st.text(max_size=200), junk))
    return tree


@st.composite
def scenario_texts(draw):
    """YAML text of a mutated scenario, sometimes damaged as text."""
    text = yaml.safe_dump(draw(mutated()), allow_unicode=True, sort_keys=False, width=10_000)
    how = draw(st.sampled_from(["none"] * 12 + ["cut", "duplicate", "insert", "bytes"]))
    lines = text.splitlines(keepends=True)
    at = draw(st.integers(0, max(len(lines) - 1, 0)))
    if how == "cut":
        text = text[:draw(st.integers(0, len(text)))]
    elif how == "duplicate" and lines:
        text = "".join(lines[:at + 1] + lines[at:])
    elif how == "insert":
        text = "".join(lines[:at] + [draw(st.sampled_from(["  &a x: 1\n", "- 1\n", "\t\n", ":\n", "? [a]\n: b\n",
                                                           "{{{\n", "<<: {a: 1}\n", "x: *a\n"]))] + lines[at:])
    return text.encode("utf-8") if how != "bytes" else text.encode("utf-8")[:at] + draw(st.binary(min_size=1, max_size=8))


def _finite(name, x, nan_ok=False):
    a = np.asarray(x, float)
    a = a[~np.isnan(a)] if nan_ok else a
    assert np.isfinite(a).all(), f"{name}: {a[~np.isfinite(a)][:3]}"


def _finite_columns(name, frame: pd.DataFrame, columns=None, nan_ok=()):
    for c in columns or [c for c in frame.columns if "usd" in str(c)]:
        if pd.api.types.is_numeric_dtype(frame[c]):
            _finite(f"{name}.{c}", frame[c], c in nan_ok)


def run_analyses(sc):
    """The scenario-level calls of the notebooks, on few draws; every cost finite."""
    d = econ.decide(sc, draws=64)  # every notebook starts from the decision
    for o in d.options.values():
        _finite(f"decision.{o.key}", [o.monthly_usd, o.usd_per_mtok, o.pv_usd] if o.permitted else [])
    _finite("decision.confidence", d.confidence)
    table = econ.compare(sc)
    _finite_columns("compare", table, ["monthly_usd", "usd_per_mtok", "usd_per_request", "gpus", "replicas",
                                       "utilization", *econ._costs.COMPONENTS], nan_ok=("gpus", "replicas", "utilization"))
    traffic = econ.traffic_from_scenario(sc)
    _finite("traffic.requests", traffic["profile"]["requests"], nan_ok=True)  # a trace's missing windows are NaN
    _finite_columns("provisioning", econ.provisioning_table(**traffic))
    r = econ.routing_from_scenario(sc)
    _finite_columns("routing.destinations", r.destinations)
    _finite("routing.plan", econ.optimal_split(**r.split_args).monthly_usd)
    _finite_columns("finetune", econ.finetune_table(sc))
    _finite_columns("payback", econ.payback_table(sc))
    tl = econ.timeline_from_scenario(sc)
    _finite("timeline.gpus", tl.gpus)
    _finite("timeline.best_path", econ.best_path(tl).pv_usd)
    against = econ.reference_option(sc)
    _finite_columns("monte_carlo", econ.monte_carlo(sc, 64, 1, against))


@settings(**EXAMPLES, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                                        HealthCheck.filter_too_much])
@given(data=scenario_texts())
def test_fuzzed_scenario_is_refused_clearly_or_computes_finite_numbers(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("fuzz") / "fuzzed.yaml"
    path.write_bytes(data)
    try:
        sc = load_scenario(path)
    except ScenarioError as exc:
        msg = str(exc)
        COUNTS["refused"] += 1
        assert msg.startswith(path.as_posix()), msg[:300]
        # what is allowed: "expected ...", a suggestion, the valid keys, or (the fleet's checks) what to state instead
        assert any(w in msg for w in ("expected", "Did you mean", "Valid ", "Loosen a target", "state ")), msg[:300]
        assert "Traceback" not in msg and len(msg) < 20_000, msg[:300]
        return
    COUNTS["accepted"] += 1
    run_analyses(sc)


def test_fuzzer_counts(request):
    """Prints how many generated files were refused and accepted (after the fuzzer, in the same session)."""
    total = COUNTS["refused"] + COUNTS["accepted"]
    if not total:
        pytest.skip("the fuzzer did not run in this session")
    print(f"\nscenario fuzzer: {total} files, {COUNTS['refused']} refused with a ScenarioError, "
          f"{COUNTS['accepted']} accepted with finite numbers")
    assert COUNTS["refused"] and COUNTS["accepted"], COUNTS  # both branches exercised
