"""Scenario files: loading, merging over the shared defaults, and validation.

A scenario is one YAML file in ``params/``. ``params/_defaults.yaml`` holds every assumption the kit knows,
each a leaf ``{value, unit, source[, checked][, allowed][, note]}``; it is also the schema: a scenario may only
name keys that exist there, and overrides a leaf with at least ``value`` and ``source`` (plus ``checked`` for
prices, i.e. any unit in USD). A leaf's ``unit``, when a scenario states it, must match the default's.

``allowed`` (defaults only) says what a value may be:

- an interval such as ``"[0, inf)"``, ``"(0, 1]"``, optionally prefixed by ``integer`` and suffixed by
  ``or null`` (null: "derive it", e.g. an API price read from genai-prices);
- a list of choices; ``bool``; ``text``; ``date``; ``gpu`` (a name in the GPU catalog); ``model`` (a name in the
  open-model catalog).

A continuous number may also carry its uncertainty, ``dist: {kind, low, [mode,] high, source}`` (read by the
sensitivity analysis, econ/_sensitivity.py): ``uniform`` and ``triangular`` (``mode`` defaults to the value) between
``low`` and ``high``; ``normal`` and ``lognormal`` whose 5th and 95th percentiles are ``low`` and ``high``, truncated
to the leaf's ``allowed`` interval. ``low``, ``mode`` and ``high`` must lie in that interval, in that order, with
the value between ``low`` and ``high``. A scenario that overrides a value drops the default's ``dist`` unless it
states one of its own (a range set around one value says nothing about another).
"""

from __future__ import annotations

import copy
import difflib
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

import yaml

__all__ = ["Assumption", "Scenario", "ScenarioError", "load_scenario", "scenario_files", "PARAMS_DIR"]

COST_SECTIONS = ("prices", "workload", "engineering", "api", "managed", "selfhost")
"""Sections of a scenario the three-option cost model reads; the others belong to one analysis each."""
PROJECT_DIR = Path(__file__).resolve().parents[1]
PARAMS_DIR = PROJECT_DIR / "params"
DEFAULTS_FILE = PARAMS_DIR / "_defaults.yaml"
LEAF_FIELDS = {"value", "unit", "source", "checked", "note", "allowed", "dist"}
OVERRIDE_FIELDS = LEAF_FIELDS - {"allowed"}
META_SECTION = "scenario"
META_KEYS = {"title", "description"}


class ScenarioError(ValueError):
    """A scenario file that cannot be used; the message names file, key, value and what is allowed."""


@dataclass(frozen=True)
class Assumption:
    """One traceable number or setting: its value, unit and source, and the file it came from."""

    key: str
    value: Any
    unit: str | None
    source: str
    checked: str | None = None
    note: str | None = None
    origin: str = ""
    dist: dict | None = None


@dataclass(frozen=True)
class Scenario:
    """A validated scenario: a flat mapping ``"section.key" -> Assumption`` plus its title.

    ``scenario["workload.requests_per_day"]`` gives the value; ``scenario.values`` all of them, ready to pass
    to the vectorized cost functions.
    """

    name: str
    title: str
    description: str
    path: str
    assumptions: dict[str, Assumption] = field(repr=False)
    file: Path | None = field(default=None, repr=False, compare=False)

    def __getitem__(self, key: str) -> Any:
        return self.assumptions[key].value

    @property
    def values(self) -> dict[str, Any]:
        return {k: a.value for k, a in self.assumptions.items()}

    def replace(self, updates: Mapping[str, Any], source: str = "varied in this analysis") -> Scenario:
        """A copy with some values replaced (scalars or numpy arrays, e.g. for a sweep)."""
        unknown = [k for k in updates if k not in self.assumptions]
        if unknown:
            raise KeyError(f"unknown assumption(s) {unknown}; valid: {sorted(self.assumptions)}")
        new = dict(self.assumptions)
        for k, v in updates.items():
            new[k] = replace(new[k], value=v, source=source, origin="")
        return replace(self, assumptions=new)


# ---------------------------------------------------------------------------------------------- YAML


class _Loader(yaml.SafeLoader):
    """SafeLoader that reads ``1e6`` as a number (YAML 1.2), as users expect."""


_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:\d[\d_]*)?(?:\.\d*)?[eE][-+]?\d+$"),
    list("-+0123456789."),
)


def _read_yaml(path: Path, shown: str) -> dict:
    if not path.is_file():
        available = ", ".join(str(p.relative_to(PROJECT_DIR)) for p in scenario_files()) or "none"
        raise ScenarioError(f"{shown}: file not found. Scenario files in params/: {available}")
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
    except yaml.YAMLError as exc:
        raise ScenarioError(f"{shown}: not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise ScenarioError(f"{shown}: expected a mapping of sections at the top level, got {type(data).__name__}")
    return data


def _is_leaf(node: Any) -> bool:
    return isinstance(node, dict) and "value" in node


def _flatten(tree: dict, prefix: str = "") -> dict[str, dict]:
    out: dict[str, dict] = {}
    for k, v in tree.items():
        key = f"{prefix}{k}"
        if _is_leaf(v):
            out[key] = v
        elif isinstance(v, dict):
            out.update(_flatten(v, key + "."))
        else:
            out[key] = v  # not a leaf mapping: reported by the caller
    return out


# ---------------------------------------------------------------------------------------- validation

_INTERVAL = re.compile(
    r"^(?P<int>integer\s+)?(?P<lo_b>[\[(])\s*(?P<lo>[-+\w.]+)\s*,\s*(?P<hi>[-+\w.]+)\s*(?P<hi_b>[\])])"
    r"(?P<null>\s+or\s+null)?$"
)


def _describe_allowed(allowed: Any) -> str:
    if isinstance(allowed, list):
        return "one of " + ", ".join(repr(a) for a in allowed)
    return {
        "bool": "true or false",
        "text": "a text",
        "date": "a date YYYY-MM-DD",
        "gpu": "a GPU in the catalog or 'auto'",
    }.get(allowed, f"a number in {allowed}")


def _check_value(value: Any, allowed: Any, where: str, unit: str | None) -> Any:
    """Return the (normalized) value or raise ScenarioError naming ``where``."""
    def bad(what: str) -> ScenarioError:
        return ScenarioError(f"{where}: {value!r} is not allowed; expected {what}")

    if isinstance(allowed, list):
        if value not in allowed:
            raise bad(_describe_allowed(allowed))
        return value
    if allowed == "bool":
        if not isinstance(value, bool):
            raise bad("true or false")
        return value
    if allowed == "text":
        if not isinstance(value, str) or not value.strip():
            raise bad("a non-empty text")
        return value
    if allowed == "date":
        try:
            return date.fromisoformat(str(value)).isoformat()
        except ValueError:
            raise bad("a date written YYYY-MM-DD") from None
    if allowed in ("traffic profile", "token bins"):  # checked by econ/_usage.py, which reads them
        from ._usage import check_token_distribution, check_traffic_profile

        try:
            return (check_traffic_profile if allowed == "traffic profile" else check_token_distribution)(value)
        except ValueError as exc:
            raise ScenarioError(f"{where}: {exc}") from None
    if allowed == "gpu" and value == "auto":
        return value
    if allowed in ("gpu", "model"):
        from ._capacity import model_spec
        from ._catalog import gpu_spec

        try:
            return (gpu_spec if allowed == "gpu" else model_spec)(str(value))["key"]
        except ValueError as exc:
            raise ScenarioError(f"{where}: {exc}") from None
    m = _INTERVAL.match(str(allowed))
    if not m:
        raise ScenarioError(f"{where}: the defaults file declares an unknown 'allowed' {allowed!r}")
    if value is None:
        if m["null"]:
            return None
        raise bad(f"a number in {allowed}")
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
        unit_txt = f" [{unit}]" if unit else ""
        raise bad(f"a number{unit_txt} in {allowed}")
    lo, hi = float(m["lo"]), float(m["hi"])
    ok_lo = value >= lo if m["lo_b"] == "[" else value > lo
    ok_hi = value <= hi if m["hi_b"] == "]" else value < hi
    if not (ok_lo and ok_hi):
        unit_txt = f" [{unit}]" if unit else ""
        raise bad(f"a number{unit_txt} in {allowed.replace(' or null', '')}")
    if m["int"]:
        if float(value) != int(value):
            raise bad(f"a whole number in {allowed}")
        return int(value)
    return value


DIST_KINDS = {"uniform": ("low", "high"), "triangular": ("low", "mode", "high"), "lognormal": ("low", "high"),
              "normal": ("low", "high")}
"""Distribution kinds a leaf's ``dist`` may name, and their numeric fields."""


def _check_dist(dist: Any, value: Any, allowed: Any, where: str, unit: str | None) -> dict | None:
    """Return the validated ``dist`` of a leaf (numbers as floats) or raise ScenarioError naming ``where``."""
    if dist is None:
        return None
    w = f"{where} dist"
    if not isinstance(dist, dict):
        raise ScenarioError(f"{w}: {dist!r} is not allowed; expected a mapping such as "
                            "{kind: triangular, low: ..., mode: ..., high: ..., source: ...}")
    kind = dist.get("kind")
    if kind not in DIST_KINDS:
        close = difflib.get_close_matches(str(kind), list(DIST_KINDS), n=1)
        hint = f" Did you mean '{close[0]}'?" if close else ""
        raise ScenarioError(f"{w}: kind {kind!r} is not allowed; expected one of {', '.join(DIST_KINDS)}.{hint}")
    m = _INTERVAL.match(allowed) if isinstance(allowed, str) else None
    if m is None or m["int"]:
        what = f"a whole number in {allowed.replace('integer', '').strip()}" if m else _describe_allowed(allowed)
        raise ScenarioError(f"{w}: a distribution is not allowed here; this assumption is {what}, "
                            "and only a continuous number can carry one")
    if value is None:
        raise ScenarioError(f"{w}: a distribution is not allowed on a null value (derived elsewhere); state a value")
    fields = DIST_KINDS[kind]
    extra = set(dist) - {"kind", "source", *fields}
    missing = {"source", *fields} - {"mode"} - set(dist)
    if extra or missing:
        what = f"unknown field(s) {sorted(extra)}" if extra else f"missing {sorted(missing)}"
        raise ScenarioError(f"{w}: {kind} has {what}; it takes kind, {', '.join(fields)}, source"
                            + (" (mode defaults to the value)" if "mode" in fields else ""))
    if not str(dist.get("source") or "").strip():
        raise ScenarioError(f"{w}: no source; add source: (a citation or 'assumption: why')")
    interval = allowed.replace(" or null", "")
    nums = {f: float(_check_value(dist.get(f, value), interval, f"{w}.{f}", unit)) for f in fields}
    order = [f for f in ("low", "mode", "high") if f in nums]
    for a, b in zip(order, order[1:]):
        if nums[a] > nums[b]:
            raise ScenarioError(f"{w}: {a} {dist.get(a, value)!r} is above {b} {dist.get(b, value)!r}; "
                                f"expected {' <= '.join(order)}")
    if kind in ("normal", "lognormal") and not nums["low"] < nums["high"]:
        raise ScenarioError(f"{w}: low {nums['low']!r} equals high; a {kind} needs low < high (its 5th and 95th percentiles)")
    if kind == "lognormal" and nums["low"] <= 0:
        raise ScenarioError(f"{w}.low: {nums['low']!r} is not allowed; a lognormal needs low > 0")
    if not nums["low"] <= value <= nums["high"]:
        raise ScenarioError(f"{w}: the value {value!r} lies outside [{nums['low']:g}, {nums['high']:g}]; "
                            "expected low <= value <= high")
    return {"kind": kind, **nums, "source": str(dist["source"]), "allowed": interval}


def _set_in(shown: str, origin: str, leaf_origin: str) -> str:
    """The file that set a leaf, as messages name it: the scenario file (``shown``) or the shared defaults."""
    return shown if leaf_origin == origin else "params/_defaults.yaml"


def _unknown_key(shown: str, key: str, valid: list[str]) -> ScenarioError:
    close = difflib.get_close_matches(key, valid, n=1, cutoff=0.6)
    if not close:  # compare the last part too, for typos in a key under the right section
        section, _, leaf = key.rpartition(".")
        cands = {k.rpartition(".")[2]: k for k in valid if k.startswith(section + ".")}
        close = [cands[c] for c in difflib.get_close_matches(leaf, list(cands), n=1, cutoff=0.6)]
    hint = f" Did you mean '{close[0]}'?" if close else ""
    section = key.split(".")[0]
    same = [k for k in valid if k.split(".")[0] == section] or sorted({k.split(".")[0] for k in valid})
    return ScenarioError(f"{shown}: unknown key '{key}'.{hint} Valid keys here: {', '.join(same)}")


def _load_defaults() -> tuple[dict[str, dict], dict]:
    shown = str(DEFAULTS_FILE.relative_to(PROJECT_DIR))
    tree = _read_yaml(DEFAULTS_FILE, shown)
    tree.pop(META_SECTION, None)
    flat = _flatten(tree)
    for key, leaf in flat.items():
        missing = {"value", "source", "allowed"} - (set(leaf) if isinstance(leaf, dict) else set())
        if missing:
            raise ScenarioError(f"{shown}: '{key}' lacks {sorted(missing)}")
    return flat, tree


def _validate_override(shown: str, key: str, leaf: Any, default: dict) -> dict:
    if not _is_leaf(leaf):
        raise ScenarioError(
            f"{shown}: '{key}': {leaf!r} is not allowed; write a mapping with at least value and source, "
            f"e.g. {{value: ..., unit: {default.get('unit')!r}, source: ...}}"
        )
    extra = set(leaf) - OVERRIDE_FIELDS
    if extra:
        raise ScenarioError(f"{shown}: '{key}' has unknown field(s) {sorted(extra)}; allowed: {sorted(OVERRIDE_FIELDS)}")
    if "unit" in leaf and leaf["unit"] != default.get("unit"):
        raise ScenarioError(
            f"{shown}: '{key}': unit {leaf['unit']!r} is not allowed; this assumption is in {default.get('unit')!r}"
        )
    if not str(leaf.get("source") or "").strip():
        raise ScenarioError(f"{shown}: '{key}' = {leaf['value']!r} has no source; add source: (a citation or 'assumption')")
    if "USD" in str(default.get("unit") or "") and leaf["value"] is not None and not leaf.get("checked"):
        raise ScenarioError(f"{shown}: '{key}' = {leaf['value']!r} is a price; add checked: YYYY-MM-DD (when it was read)")
    return leaf


def load_scenario(path: str | Path) -> Scenario:
    """Load, merge over ``params/_defaults.yaml`` and validate one scenario file.

    Parameters
    ----------
    path : str or Path
        A YAML file, e.g. ``"params/enterprise_steady.yaml"``.

    Returns
    -------
    Scenario
        Every assumption with its value, unit, source and origin; API prices read from genai-prices and
        GPU figures from the catalog are added as assumptions of their own, with those sources.

    Raises
    ------
    ScenarioError
        Missing file, bad YAML, an unknown key (the closest valid key suggested), a value of the wrong type
        or out of range, an unknown provider, model or GPU. The message names the file, the key path, the
        value and what is allowed.

    Examples
    --------
    >>> sc = load_scenario(PARAMS_DIR / "one_h100_vs_mid_tier.yaml")
    >>> sc["selfhost.gpu"]
    'H100-SXM'
    """
    path = Path(path)
    shown = _shown(path)
    defaults, _ = _load_defaults()
    tree = _read_yaml(path, shown)
    meta = tree.pop(META_SECTION, {}) or {}
    if not isinstance(meta, dict) or set(meta) - META_KEYS:
        raise ScenarioError(f"{shown}: 'scenario' may hold only {sorted(META_KEYS)}, got {meta!r}")

    merged = {k: dict(v, origin="_defaults.yaml") for k, v in copy.deepcopy(defaults).items()}
    valid = sorted(defaults)
    sections = {k.split(".")[0] for k in valid}
    for key, leaf in _flatten(tree).items():
        if key not in defaults:
            top = key.split(".")[0]
            if top not in sections:
                close = difflib.get_close_matches(top, sorted(sections), n=1)
                hint = f" Did you mean '{close[0]}'?" if close else ""
                raise ScenarioError(
                    f"{shown}: unknown section '{top}'.{hint} Valid sections: {', '.join(sorted(sections | {META_SECTION}))}"
                )
            raise _unknown_key(shown, key, valid)
        leaf = _validate_override(shown, key, leaf, defaults[key])
        merged[key] = {**defaults[key], "checked": None, "note": None, "dist": None, **leaf, "origin": path.name}

    assumptions: dict[str, Assumption] = {}
    for key, leaf in merged.items():
        where = f"{_set_in(shown, path.name, leaf['origin'])}: '{key}'"
        value = _check_value(leaf["value"], leaf["allowed"], where, leaf.get("unit"))
        dist = _check_dist(leaf.get("dist"), value, leaf["allowed"], where, leaf.get("unit"))
        assumptions[key] = Assumption(
            key=key,
            value=value,
            unit=leaf.get("unit"),
            source=str(leaf["source"]),
            checked=str(leaf["checked"]) if leaf.get("checked") else None,
            note=leaf.get("note"),
            origin=leaf["origin"],
            dist=dist,
        )
    assumptions.update(_resolved_facts(shown, path.name, assumptions, path))
    return Scenario(
        name=path.stem,
        title=str(meta.get("title") or path.stem.replace("_", " ")),
        description=str(meta.get("description") or ""),
        path=shown,
        assumptions=assumptions,
        file=path.resolve(),
    )


def _shown(path: Path) -> str:
    """A path as messages show it: relative to the project when inside it (no local paths leak)."""
    try:
        return path.resolve().relative_to(PROJECT_DIR).as_posix()
    except ValueError:
        return path.as_posix()


TOKEN_PRICE_KEYS = ("input_usd_per_mtok", "output_usd_per_mtok", "cache_read_usd_per_mtok", "cache_write_usd_per_mtok")
"""Per-token prices of a per-token option; ``<section>.price_factor`` multiplies all four."""

_PRICE_FIELDS = {
    "input_usd_per_mtok": "input",
    "output_usd_per_mtok": "output",
    "cache_read_usd_per_mtok": "cache_read",
    "cache_write_usd_per_mtok": "cache_write",
    "batch_price_factor": "batch_factor",
}


def _resolved_facts(shown: str, origin: str, a: dict[str, Assumption], path: Path | None = None) -> dict[str, Assumption]:
    """Fill null prices from genai-prices (with the kit's corrections and billing rules) and check the fleet's and the
    traffic profile's inputs, each fact with its source."""
    from ._prices import api_price, billing_facts
    from ._usage import check_token_means

    out: dict[str, Assumption] = {}
    bins = a["workload.token_distribution"]
    try:
        check_token_means(bins.value, a["workload.input_tokens_per_request"].value, a["workload.output_tokens_per_request"].value)
    except ValueError as exc:
        raise ScenarioError(f"{_set_in(shown, origin, bins.origin)}: 'workload.token_distribution': {exc}") from None
    for section in ("api", "managed"):
        provider, model = a[f"{section}.provider"].value, a[f"{section}.model"].value
        try:  # base prices; a long-context tier is a billing rule applied per call (econ/_prices.py)
            price = api_price(provider, model, a["prices.price_date"].value)
        except LookupError as exc:
            file = _set_in(shown, origin, a[f"{section}.model"].origin)
            raise ScenarioError(f"{file}: '{section}.provider' / '{section}.model' = {provider!r} / {model!r}: {exc}") from None
        for key, attr in _PRICE_FIELDS.items():
            full = f"{section}.{key}"
            if a[full].value is None:
                val = getattr(price, attr)
                if val is None:  # no cache price published: cached tokens pay the input price
                    val = price.input
                    src = price.source + f"; no {attr.replace('_', ' ')} price published, input price used"
                else:
                    src = price.source_of(attr)
                out[full] = replace(a[full], value=val, source=src, checked=a["prices.price_date"].value, origin="genai-prices")
        out.update(billing_facts(section, price, a[f"{section}.model"]))
        factor = a[f"{section}.price_factor"].value  # e.g. a negotiated discount; its dist: price uncertainty
        if factor != 1:
            for key in TOKEN_PRICE_KEYS:
                p = out.get(f"{section}.{key}", a[f"{section}.{key}"])
                out[p.key] = replace(p, value=p.value * factor, source=f"{p.source}; × {section}.price_factor {factor:g}")
    out.update(_fleet_facts(shown, origin, {**a, **out}))
    out.update(_traffic_facts(origin, a, path, shown))
    return out


def _traffic_facts(origin: str, a: dict[str, Assumption], path: Path | None = None, shown: str = "") -> dict[str, Assumption]:
    """The peak-to-mean ratio measured on the scenario's traffic trace (busiest hour over the mean hour), unless
    the scenario states its own or uses a synthetic profile (built from that ratio). A profile CSV (relative to
    the scenario file) must exist and be readable."""
    name, ptm = a["traffic.profile"].value, a["workload.peak_to_mean"]
    csv = None
    if name.lower().endswith(".csv"):
        from ._traffic import peak_to_mean
        from ._usage import read_profile_csv

        csv = profile_csv_path(name, path)
        try:
            profile = read_profile_csv(csv)
            measured = peak_to_mean(profile, "1h") if ptm.origin != origin else None
        except ValueError as exc:
            raise ScenarioError(f"{_set_in(shown, origin, a['traffic.profile'].origin)}: 'traffic.profile' = {name!r}: {exc}") from None
    if name == "synthetic" or ptm.origin == origin:
        return {}
    from ._traffic import trace_peak_to_mean

    value = round(measured if csv is not None else trace_peak_to_mean(name, "1h"), 4)
    dist = ptm.dist
    if dist is not None:  # the stated range, around the measured value when it holds it
        dist = {**dist, "mode": value} if dist["low"] <= value <= dist["high"] else None
    return {"workload.peak_to_mean": replace(
        ptm, value=value, dist=dist, origin="traffic trace",
        source=(f"measured on the profile {name} (traffic.profile): busiest hour over the mean hour" if csv is not None else
                f"measured on the {name} trace (traffic.profile; econ/data/traces/ATTRIBUTION.md): busiest hour over the mean hour"))}


def _fleet_facts(shown: str, origin: str, a: dict[str, Assumption]) -> dict[str, Assumption]:
    """The self-hosted fleet's inputs checked together: a stated throughput with the shape it was measured at, a
    price for the GPU, and at least one GPU and tensor-parallel degree that serve the model at the targets; a
    stated GPU price (or its catalog price) as an assumption with its source."""
    from ._catalog import gpu_spec
    from ._fleet import fleet_candidates

    where = lambda key: f"{_set_in(shown, origin, a[key].origin)}: '{key}'"  # noqa: E731
    gpu, mode = a["selfhost.gpu"].value, a["selfhost.gpu_cost_mode"].value
    stated = a["selfhost.replica_output_tokens_per_s"].value
    if stated is not None and a["selfhost.throughput_input_tokens"].value is None:
        raise ScenarioError(f"{where('selfhost.replica_output_tokens_per_s')} = {stated!r} needs the request shape it was "
                            "measured at: state selfhost.throughput_input_tokens and selfhost.throughput_output_tokens "
                            "(tokens per request), so that the capacity model can rescale it to this scenario's shape")
    if (a["selfhost.throughput_input_tokens"].value is None) != (a["selfhost.throughput_output_tokens"].value is None):
        raise ScenarioError(f"{where('selfhost.throughput_output_tokens')}: state both selfhost.throughput_input_tokens and "
                            "selfhost.throughput_output_tokens, or neither")
    key = "selfhost.rent_usd_per_gpu_hour" if mode == "rent" else "selfhost.purchase_usd_per_gpu"
    out: dict[str, Assumption] = {}
    if gpu == "auto":
        if a[key].value is not None:
            raise ScenarioError(f"{where(key)} = {a[key].value!r} is not allowed with selfhost.gpu: auto; a stated price "
                                "belongs to one GPU: name it in selfhost.gpu, or leave the price null (catalog prices)")
        if stated is not None:
            raise ScenarioError(f"{where('selfhost.replica_output_tokens_per_s')}: a stated throughput belongs to one GPU; "
                                "name it in selfhost.gpu instead of 'auto'")
    elif a[key].value is None:
        spec = gpu_spec(gpu)
        field = key.split(".")[1]
        if spec.get(field) is None:
            file = _set_in(shown, origin, next((a[k].origin for k in ("selfhost.gpu", "selfhost.gpu_cost_mode", key)
                                               if a[k].origin == origin), ""))
            raise ScenarioError(f"{file}: '{key}' is null (catalog price) with 'selfhost.gpu' = {gpu!r} and "
                                f"'selfhost.gpu_cost_mode' = {mode!r}, but the GPU catalog (econ/data/gpus.yaml) has no sourced "
                                f"{'rental' if mode == 'rent' else 'purchase'} price for {spec['key']}; state one "
                                f"(value, unit, checked, source), or choose a GPU that has one")
    try:
        fleet_candidates({k: x.value for k, x in a.items()})
    except ValueError as exc:
        ttft, tpot = a["selfhost.ttft_slo_s"].value, a["selfhost.tpot_slo_s"].value
        involved = ("selfhost.tpot_slo_s", "selfhost.ttft_slo_s", "selfhost.gpu", "selfhost.precision", "selfhost.model")
        file = _set_in(shown, origin, next((a[k].origin for k in involved if a[k].origin == origin), ""))
        raise ScenarioError(
            f"{file}: 'selfhost.model' = {a['selfhost.model'].value!r} on 'selfhost.gpu' = {gpu!r} at "
            f"'selfhost.precision' = {a['selfhost.precision'].value!r} with the latency targets 'selfhost.ttft_slo_s' = "
            f"{ttft!r} s and 'selfhost.tpot_slo_s' = {tpot!r} s cannot be served: {exc}. Loosen a target, choose a "
            "larger GPU ('auto' tries every priced one) or a lower precision, or state "
            "selfhost.replica_output_tokens_per_s") from None
    return out


def profile_csv_path(name: str, scenario_file) -> Path:
    """Where a scenario's ``traffic.profile`` CSV is: relative to the scenario file (or as given, if absolute)."""
    p = Path(name)
    return p if p.is_absolute() or scenario_file is None else Path(scenario_file).parent / p


def scenario_files() -> list[Path]:
    """The scenario files in ``params/`` (every ``*.yaml`` but the shared ``_defaults.yaml``), sorted."""
    return sorted(p for p in PARAMS_DIR.glob("*.yaml") if not p.name.startswith("_"))
