"""Per-token API prices and billing rules: the `genai-prices` catalog, its sourced corrections, and the bill of a call.

`genai-prices` ships dated prices for dozens of providers and works offline. Prices change: the kit pins the
package version (pyproject.toml) and every scenario names the date at which prices are read
(``prices.price_date``), so a rerun gives the same numbers until someone decides to move either. Where the
catalog lacks a published price, ``econ/data/price_corrections.yaml`` supplies it with the provider's page and
the date it was read; ``econ/data/billing_rules.yaml`` holds the caching rules the catalog does not carry
(the shortest prefix a provider caches). `billing_model` is the catalog with the corrections applied: the
kit's per-call prices (`econ.price_usage`) and the cost model (`api_usd_per_request`) both bill through it.

How a provider bills a call (genai-prices' model, kept here): input tokens include cache reads and writes;
output tokens include reasoning; each count is billed at the nearest price the model has (cache reads at the
cache-read price, else at the input price; 1-hour cache writes at their own price, else at the cache-write
price, else at the input price); a long-context tier prices the *whole* call at the tier rate when its input
tokens exceed the threshold; batch and service-tier variants replace the prices they list.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "ApiPrice",
    "api_price",
    "catalog_model",
    "price_history_start",
    "price_catalog_version",
    "price_corrections",
    "billing_model",
    "cache_rule",
    "api_usage_usd_per_request",
    "api_usd_per_request",
    "workload_bins",
]

DATA_DIR = Path(__file__).parent / "data"
CORRECTIONS_FILE = DATA_DIR / "price_corrections.yaml"
RULES_FILE = DATA_DIR / "billing_rules.yaml"
CORRECTIONS_SHOWN = "econ/data/price_corrections.yaml"
BATCH = {"processing": "batch"}


def price_catalog_version() -> str:
    """Version of the installed `genai-prices` package (the price catalog snapshot)."""
    return version("genai-prices")


def _snapshot():
    from genai_prices import data_snapshot

    return data_snapshot.get_snapshot()


# --------------------------------------------------------------------------------------------- corrections
@cache
def price_corrections() -> tuple[dict, ...]:
    """The entries of ``econ/data/price_corrections.yaml``, checked: each names a provider, a kind the kit knows,
    the catalog's value it corrects, a source and a checked date.

    Examples
    --------
    >>> sorted({c["kind"] for c in price_corrections()})
    ['batch', 'batch_history', 'tiers']
    """
    import yaml

    entries = yaml.safe_load(CORRECTIONS_FILE.read_text(encoding="utf-8"))["corrections"]
    needed = {"tiers": {"model", "above_input_tokens", "prices"}, "batch": {"model", "factor", "keys"},
              "batch_history": {"factor"}}
    for e in entries:
        kind = e.get("kind")
        if kind not in needed:
            raise ValueError(f"{CORRECTIONS_SHOWN}: entry {e.get('id')!r}: kind {kind!r} is not allowed; "
                             f"expected one of {', '.join(needed)}")
        missing = ({"id", "provider", "catalog", "source", "checked"} | needed[kind]) - set(e)
        if missing:
            raise ValueError(f"{CORRECTIONS_SHOWN}: entry {e.get('id')!r} lacks {sorted(missing)}")
    return tuple(entries)


def _cite(entry: dict) -> str:
    return f"{CORRECTIONS_SHOWN} '{entry['id']}': {' '.join(str(entry['source']).split())} (checked {entry['checked']})"


def _dec(x) -> Decimal:
    return Decimal(str(x))


def _scale(price, factor: Decimal):
    """A catalog price (Decimal or TieredPrices) times ``factor``."""
    from genai_prices.types import Tier, TieredPrices

    if price is None:
        return None
    if isinstance(price, TieredPrices):
        return TieredPrices(base=price.base * factor, tiers=[Tier(start=t.start, price=t.price * factor) for t in price.tiers])
    return price * factor


def _price_sets(info) -> list[tuple[Any, Any]]:
    """(constraint, ModelPrice) of a model's standard prices, latest-starting first (genai-prices takes the last
    active conditional price; variants take the first that matches, hence the order)."""
    from genai_prices.types import ModelPrice

    if isinstance(info.prices, ModelPrice):
        return [(None, info.prices)]
    sets = [(cp.constraint, cp.prices) for cp in info.prices]
    return sets[::-1]


def _batch_variants(info) -> list:
    return [v for v in info.price_variants or () if v.when == BATCH]


def _applies(entry: dict, info, provider_id: str) -> bool:
    """Whether a correction entry applies to this catalog model as the pinned catalog ships it (an entry whose
    precondition no longer holds is skipped here and flagged by the tests)."""
    from genai_prices.types import StartDateConstraint, TieredPrices

    if entry["provider"] != provider_id:
        return False
    kind = entry["kind"]
    if kind == "batch_history":
        variants = _batch_variants(info)
        if not variants or any(v.constraint is not None and not isinstance(v.constraint, StartDateConstraint)
                               for v in variants):
            return False
        first = min(v.constraint.start_date if v.constraint else date.min for v in variants)
        return first.isoformat() in entry["catalog"]["batch_from"]
    if entry["model"] != info.id:
        return False
    if kind == "batch":
        return not _batch_variants(info)
    if kind == "tiers":
        return not any(isinstance(getattr(p, k), TieredPrices) for _, p in _price_sets(info) for k in entry["prices"])
    return False


def _corrected(info, entries: Sequence[dict]):
    """A copy of a genai-prices ModelInfo with the correction entries applied (genai-prices types throughout, so
    genai-prices' own `calc_price` logic prices the corrected model too)."""
    from genai_prices.types import ModelPrice, PriceVariant, StartDateConstraint, Tier, TieredPrices

    prices = info.prices
    variants = list(info.price_variants or ())
    for e in entries:
        if e["kind"] == "tiers":
            def tiered(mp: ModelPrice) -> ModelPrice:
                new = ModelPrice(**mp.__dict__)
                for key, price in e["prices"].items():
                    base = getattr(mp, key)
                    if base is not None:
                        setattr(new, key, TieredPrices(base=base, tiers=[Tier(start=int(e["above_input_tokens"]), price=_dec(price))]))
                return new

            if isinstance(prices, ModelPrice):
                prices = tiered(prices)
            else:
                prices = [dataclasses.replace(cp, prices=tiered(cp.prices)) for cp in prices]
        elif e["kind"] == "batch":
            f = _dec(e["factor"])
            tmp = dataclasses.replace(info, prices=prices)
            for constraint, mp in _price_sets(tmp):
                listed = {k: _scale(getattr(mp, k), f) for k in e["keys"] if getattr(mp, k) is not None}
                variants.append(PriceVariant(when=dict(BATCH), prices=ModelPrice(**listed), constraint=constraint))
        elif e["kind"] == "batch_history":
            catalog_batch = _batch_variants(info)
            first = min(catalog_batch, key=lambda v: v.constraint.start_date if v.constraint else date.min)
            start = datetime.combine(first.constraint.start_date, datetime.min.time(), tzinfo=UTC)
            std_then = info.get_prices(start)
            tmp = dataclasses.replace(info, prices=prices)
            for constraint, mp in _price_sets(tmp):
                listed = {}
                for k, vp in first.prices.__dict__.items():
                    if vp is None or getattr(std_then, k) is None or getattr(mp, k) is None:
                        continue
                    base_then = getattr(std_then, k)
                    ratio = (vp.base if isinstance(vp, TieredPrices) else vp) / (
                        base_then.base if isinstance(base_then, TieredPrices) else base_then)
                    listed[k] = _scale(getattr(mp, k), ratio)
                # after the catalog's own variants: they win from their start date on
                if constraint is None or isinstance(constraint, StartDateConstraint):
                    variants.append(PriceVariant(when=dict(BATCH), prices=ModelPrice(**listed), constraint=constraint))
    return dataclasses.replace(info, prices=prices, price_variants=variants or None)


@dataclass(frozen=True)
class BillingModel:
    """One model at one provider as the kit bills it: the genai-prices catalog entry with the corrections applied.

    ``info`` is the corrected genai-prices ``ModelInfo`` (``catalog`` the one shipped), ``corrections`` the
    entries of ``econ/data/price_corrections.yaml`` applied to it, ``via_fallback`` True when the provider
    resolves the model through another provider's catalog (genai-prices then ignores price variants).
    """

    provider: Any
    info: Any
    catalog: Any
    corrections: tuple = ()
    via_fallback: bool = False

    def prices(self, when: datetime, context: Mapping[str, str] | None = None):
        """The genai-prices ``ModelPrice`` in force at ``when`` (UTC) for a call made with ``context``
        (e.g. ``{"processing": "batch"}``, ``{"service_tier": "flex"}``)."""
        if context and self.via_fallback:
            context = None
        return self.info.get_prices(when, context or None)

    def change_dates(self) -> list[date]:
        """Dates (UTC) on which any of this model's prices or variants start."""
        from genai_prices.types import StartDateConstraint

        out = {c.start_date for c, _ in _price_sets(self.info) if isinstance(c, StartDateConstraint)}
        out |= {v.constraint.start_date for v in self.info.price_variants or () if isinstance(v.constraint, StartDateConstraint)}
        return sorted(out)

    def times_of_day(self) -> list[float]:
        """Seconds after UTC midnight at which a time-of-day price (DeepSeek's off-peak) starts or ends."""
        from genai_prices.types import TimeOfDateConstraint, _utc_timetz

        cons = [c for c, _ in _price_sets(self.info) if isinstance(c, TimeOfDateConstraint)]
        cons += [v.constraint for v in self.info.price_variants or () if isinstance(v.constraint, TimeOfDateConstraint)]
        out = set()
        for c in cons:
            for t in (c.start_time, c.end_time):
                u = _utc_timetz(t)
                out.add(u.hour * 3600 + u.minute * 60 + u.second + u.microsecond / 1e6)
        return sorted(out - {0.0})

    def correction_for(self, kind: str) -> dict | None:
        return next((e for e in self.corrections if e["kind"] == kind), None)


def _provider_ids() -> list[str]:
    return [p.id for p in _snapshot().providers]


@cache
def billing_model(provider: str, model: str) -> BillingModel:
    """The catalog entry of ``model`` at ``provider`` with the kit's price corrections applied.

    Parameters
    ----------
    provider : str
        genai-prices provider id, e.g. ``"anthropic"``, ``"openai"``, ``"google"``, ``"together"``.
    model : str
        Model reference as the provider's API takes it (dated ids and aliases are matched by genai-prices).

    Returns
    -------
    BillingModel

    Raises
    ------
    LookupError
        Unknown provider or model; the message lists the valid names and the closest ones.

    Examples
    --------
    >>> m = billing_model("anthropic", "claude-sonnet-4-20250514")
    >>> m.info.id, [e["id"] for e in m.corrections]
    ('claude-sonnet-4-0', ['claude-sonnet-4-long-context', 'claude-sonnet-4-batch'])
    """
    snap = _snapshot()
    ids = _provider_ids()
    if provider not in ids:
        close = difflib.get_close_matches(str(provider), ids, n=3)
        hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise LookupError(f"unknown provider {provider!r}.{hint} Providers known to genai-prices "
                          f"{price_catalog_version()}: {', '.join(ids)}")
    prov = next(p for p in snap.providers if p.id == provider)
    exact = next((m for m in prov.models if m.id == str(model)), None)
    try:  # an id names its own entry (some, e.g. AWS 'regional.*' ids, match no rule of the catalog's)
        prov, info = (prov, exact) if exact is not None else snap.find_provider_model(str(model), None, provider, None)
    except LookupError:
        prov = next(p for p in snap.providers if p.id == provider)
        names = [m.id for m in prov.models]
        close = difflib.get_close_matches(str(model), names, n=3, cutoff=0.5)
        hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise LookupError(f"unknown model {model!r} at provider {provider!r}.{hint} "
                          f"Its {len(names)} models in genai-prices {price_catalog_version()}: {', '.join(names)}") from None
    owner = next((p for p in snap.providers if any(m is info for m in p.models)), prov)
    entries = tuple(e for e in price_corrections() if _applies(e, info, owner.id))
    # batch first needs the tiers in place; the history goes last (after the catalog's own variants)
    order = {"tiers": 0, "batch": 1, "batch_history": 2}
    entries = tuple(sorted(entries, key=lambda e: order[e["kind"]]))
    fixed = _corrected(info, entries) if entries else info
    return BillingModel(provider=prov, info=fixed, catalog=info, corrections=entries,
                        via_fallback=not any(m is info for m in prov.models))


@cache
def _rules() -> dict:
    import yaml

    return yaml.safe_load(RULES_FILE.read_text(encoding="utf-8"))["cache_minimums"]


def cache_rule(provider: str, model: str) -> tuple[int, int, str]:
    """Shortest cacheable prefix and the step of cached tokens beyond it [tokens], with the source.

    Claude models follow Anthropic's rule and Gemini models Google's wherever they are served.

    Examples
    --------
    >>> cache_rule("openai", "gpt-4.1-mini")[:2], cache_rule("anthropic", "claude-haiku-4-5")[:2]
    ((1024, 128), (4096, 1))
    >>> cache_rule("together", "meta-llama/Llama-3.3-70B-Instruct-Turbo")
    (0, 1, 'no published minimum')
    """
    rules = _rules()
    m = str(model).lower()
    family = "anthropic" if m.startswith("claude") else "google" if m.startswith("gemini") else provider
    r = rules.get(family)
    if r is None:
        return 0, 1, "no published minimum"
    d = r["default"]
    best = max((k for k in r.get("models", {}) if m.startswith(k)), key=len, default=None)
    if best is not None:
        return int(r["models"][best]), int(d["step_tokens"]), " ".join(str(r["models_source"]).split())
    return int(d["min_prefix_tokens"]), int(d["step_tokens"]), f"{' '.join(str(d['source']).split())} (checked {d['checked']})"


# --------------------------------------------------------------------------------------------- per-call price levels
_LEAVES = {  # normalized usage leaf -> catalog price keys, nearest priced ancestor first (genai-prices' decomposition)
    "p_in": ("input_mtok",),
    "p_read": ("cache_read_mtok", "input_mtok"),
    "p_w5": ("cache_write_5m_mtok", "cache_write_mtok", "input_mtok"),
    "p_w1h": ("cache_write_1h_mtok", "cache_write_mtok", "input_mtok"),
    "p_out": ("output_mtok",),
    "p_reason": ("output_reasoning_mtok", "output_mtok"),
}


def _at(price, input_tokens: float) -> float:
    """A catalog price (Decimal or cliff-tiered) for a call of ``input_tokens`` [USD per unit]."""
    if price is None:
        return 0.0
    base = getattr(price, "base", None)
    if base is None:
        return float(price)
    chosen = base
    for tier in price.tiers:
        if input_tokens > tier.start:
            chosen = tier.price
    return float(chosen)


def price_levels(model_price) -> list[dict[str, float]]:
    """A genai-prices ``ModelPrice`` as the per-call prices of each input-length band.

    Returns one dict per band ``lo < input tokens per call <= hi`` (``lo = -1`` for the first band, ``hi = inf``
    for the last) with the price of each usage leaf [USD per million tokens]: ``p_in`` (uncached input),
    ``p_read`` (cache reads), ``p_w5`` and ``p_w1h`` (5-minute and 1-hour cache writes), ``p_out`` (output
    other than reasoning), ``p_reason`` (reasoning), and ``p_req`` [USD per 1,000 calls].

    Examples
    --------
    >>> m = billing_model("google", "gemini-2.5-pro")
    >>> [(b["lo"], b["p_in"], b["p_out"]) for b in price_levels(m.prices(datetime(2026, 11, 1, tzinfo=UTC)))]
    [(-1.0, 1.25, 10.0), (200000.0, 2.5, 15.0)]
    """
    keys = {k for ks in _LEAVES.values() for k in ks}
    starts = sorted({t.start for k in keys if (p := getattr(model_price, k, None)) is not None
                     for t in getattr(p, "tiers", ())})
    bounds = [-1.0] + [float(s) for s in starts] + [float("inf")]
    out = []
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        probe = lo + 0.5 if lo >= 0 else 0.0
        band = {"lo": lo, "hi": hi}
        for leaf, chain in _LEAVES.items():
            key = next((k for k in chain if getattr(model_price, k, None) is not None), None)
            band[leaf] = _at(getattr(model_price, key), probe) if key else 0.0
        band["p_req"] = _at(getattr(model_price, "requests_kcount", None), probe)
        out.append(band)
    return out


# --------------------------------------------------------------------------------------------- scenario prices
@dataclass(frozen=True)
class ApiPrice:
    """List prices of one model at one provider [USD per million tokens], and its billing rules.

    ``cache_read`` and ``cache_write`` (5-minute) and ``cache_write_1h`` are None where the provider publishes
    none; ``batch_factor`` is the share of the list price paid through the provider's batch API (1.0 where it has
    none) and ``batch_cache_read_factor`` the same for cached input (some batch tables keep cached input at the
    standard rate). ``long_context_above_tokens``: input tokens per call above which the whole call is billed at
    ``long_context_input_factor`` × the input and cache prices and ``long_context_output_factor`` × the output
    price (None: one rate at every length). ``min_cacheable_prefix_tokens`` and ``cache_step_tokens``: the
    shortest prefix the provider caches and the step of cached tokens beyond it. ``sources`` gives the source of a
    field where it is not ``source`` (a correction, a caching rule).
    """

    provider: str
    model: str
    input: float
    output: float
    cache_read: float | None
    cache_write: float | None
    batch_factor: float
    source: str
    cache_write_1h: float | None = None
    batch_cache_read_factor: float = 1.0
    long_context_above_tokens: int | None = None
    long_context_input_factor: float = 1.0
    long_context_output_factor: float = 1.0
    min_cacheable_prefix_tokens: int = 0
    cache_step_tokens: int = 1
    sources: dict = field(default_factory=dict, compare=False)

    def source_of(self, field_name: str) -> str:
        """Where the value of ``field_name`` comes from."""
        return self.sources.get(field_name, self.source)


def api_price(provider: str, model: str, on: date | str, input_tokens: float = 0.0) -> ApiPrice:
    """List prices of ``model`` at ``provider`` as they stood on date ``on``, with the kit's corrections.

    Parameters
    ----------
    provider : str
        genai-prices provider id, e.g. ``"anthropic"``, ``"openai"``, ``"together"``.
    model : str
        Model reference as the provider's API takes it.
    on : date or str
        Date at which the price applies (ISO string accepted).
    input_tokens : float
        Input tokens per call [tokens]; selects the long-context tier for models priced by prompt length
        (0, the default: the base prices, with the tier described by the ``long_context_*`` fields).

    Returns
    -------
    ApiPrice
        Prices [USD per million tokens], the batch factor [fraction of list price] and the billing rules.

    Raises
    ------
    LookupError
        Unknown provider or model; the message lists the valid names and the closest ones.

    Examples
    --------
    >>> p = api_price("anthropic", "claude-haiku-4-5", "2026-11-22")
    >>> (p.input, p.output, p.cache_read, p.cache_write, p.cache_write_1h, p.batch_factor, p.min_cacheable_prefix_tokens)
    (1.0, 5.0, 0.1, 1.25, 2.0, 0.5, 4096)
    >>> s = api_price("anthropic", "claude-sonnet-4", "2026-11-22")
    >>> s.long_context_above_tokens, s.long_context_input_factor, s.long_context_output_factor, s.batch_factor
    (200000, 2.0, 1.5, 0.5)
    >>> "price_corrections.yaml 'claude-sonnet-4-batch'" in s.source_of("batch_factor")
    True
    """
    when = datetime.combine(date.fromisoformat(str(on)), datetime.min.time(), tzinfo=UTC)
    bm = billing_model(provider, model)
    std = bm.prices(when)
    batch = bm.prices(when, BATCH)
    inp, out = _at(std.input_mtok, input_tokens), _at(std.output_mtok, input_tokens)
    if std.input_mtok is None or std.output_mtok is None:
        raise LookupError(f"genai-prices has no per-token input/output price for {provider}/{model}")
    opt = lambda p: None if p is None else _at(p, input_tokens)  # noqa: E731
    b_in = _at(batch.input_mtok, input_tokens)
    batch_factor = (b_in / inp) if (batch is not std and batch.input_mtok is not None and inp > 0) else 1.0
    read, b_read = opt(std.cache_read_mtok), opt(batch.cache_read_mtok)
    batch_read_factor = (b_read / read) if (read and b_read is not None and batch is not std) else batch_factor
    source = f"genai-prices {price_catalog_version()}: {bm.provider.id}/{bm.info.id}, list price on {on}"
    sources: dict[str, str] = {}
    lc = {}
    tiers = getattr(std.input_mtok, "tiers", None)
    if tiers:
        t0 = tiers[0]
        out_tiers = getattr(std.output_mtok, "tiers", None) or []
        lc = {"long_context_above_tokens": int(t0.start),
              "long_context_input_factor": round(float(t0.price / std.input_mtok.base), 6),
              "long_context_output_factor": round(float(out_tiers[0].price / std.output_mtok.base), 6) if out_tiers else 1.0}
    fixed_tiers, fixed_batch = bm.correction_for("tiers"), bm.correction_for("batch")
    if fixed_tiers:
        for k in ("long_context_above_tokens", "long_context_input_factor", "long_context_output_factor"):
            sources[k] = f"{source}; {_cite(fixed_tiers)}"
    if fixed_batch or (bm.correction_for("batch_history") and batch_factor != 1.0 and not _catalog_batch_active(bm, when)):
        e = fixed_batch or bm.correction_for("batch_history")
        sources["batch_factor"] = sources["batch_cache_read_factor"] = f"{source}; {_cite(e)}"
    minimum, step = 0, 1
    if std.cache_read_mtok is not None:
        minimum, step, rule_src = cache_rule(bm.provider.id, bm.info.id)
        sources["min_cacheable_prefix_tokens"] = sources["cache_step_tokens"] = f"econ/data/billing_rules.yaml: {rule_src}"
    return ApiPrice(
        provider=bm.provider.id, model=bm.info.id, input=inp, output=out, cache_read=read,
        cache_write=opt(std.cache_write_mtok), batch_factor=round(batch_factor, 6), source=source,
        cache_write_1h=opt(std.cache_write_1h_mtok), batch_cache_read_factor=round(batch_read_factor, 6),
        min_cacheable_prefix_tokens=minimum, cache_step_tokens=step, sources=sources, **lc)


def _catalog_batch_active(bm: BillingModel, when: datetime) -> bool:
    return bm.catalog.get_prices(when, BATCH) is not bm.catalog.get_prices(when)


BILLING_FACTS = {
    # ApiPrice field: (unit, shown when)
    "long_context_above_tokens": "input tokens per call",
    "long_context_input_factor": "× input, cache-read and cache-write prices above the threshold",
    "long_context_output_factor": "× output price above the threshold",
    "batch_cache_read_factor": "× cache-read price in the batch API",
    "min_cacheable_prefix_tokens": "tokens",
    "cache_step_tokens": "tokens",
}
"""Billing rules a per-token option carries besides its prices (``<section>.<field>`` in a scenario)."""
BILLING_LABELS = {
    "long_context_above_tokens": "long-context threshold",
    "long_context_input_factor": "long-context input price factor",
    "long_context_output_factor": "long-context output price factor",
    "batch_cache_read_factor": "batch cache-read price factor",
    "min_cacheable_prefix_tokens": "minimum cacheable prefix",
    "cache_step_tokens": "cacheable prefix step",
}
"""What the pages call each billing rule, after the option's name (`_BILLING_OPTION`)."""
_BILLING_OPTION = {"api": "Closed-API", "managed": "Managed-endpoint"}


def billing_label(section: str, name: str) -> str:
    """What the pages call a billing rule of a per-token option, e.g. ``"Closed-API long-context threshold"``."""
    return f"{_BILLING_OPTION.get(section, section)} {BILLING_LABELS[name]}"


def billing_facts(section: str, price: ApiPrice, like) -> dict:
    """The billing rules of a scenario's per-token option as assumptions (``like``: an `Assumption` to copy the
    origin from); rules that change nothing (no long-context tier, no caching minimum) are left out."""
    from ._params import Assumption

    out = {}
    tiered = price.long_context_above_tokens is not None
    for name, unit in BILLING_FACTS.items():
        value = getattr(price, name)
        shown = {"long_context_above_tokens": tiered, "long_context_input_factor": tiered,
                 "long_context_output_factor": tiered,
                 "batch_cache_read_factor": value != price.batch_factor,
                 "min_cacheable_prefix_tokens": bool(value), "cache_step_tokens": bool(value) and value > 1}[name]
        if not shown:
            continue
        key = f"{section}.{name}"
        source = price.source_of(name)
        origin = next((f for f in ("econ/data/billing_rules.yaml", CORRECTIONS_SHOWN) if f in source), "genai-prices")
        out[key] = Assumption(key=key, value=value, unit=unit, source=source, origin=origin,
                              label=billing_label(section, name))
    return out


# --------------------------------------------------------------------------------------------- expected bill
def cached_prefix_tokens(input_tokens, cacheable_share, minimum=0.0, step=1.0):
    """Tokens of a request's reusable prefix that the provider caches [tokens]: none below its minimum cacheable
    prefix, and in ``step``-token increments above it (OpenAI: 1,024, then 128 at a time; Anthropic: 1,024, Haiku
    4.5: 4,096; econ/data/billing_rules.yaml). Arrays broadcast.

    >>> float(cached_prefix_tokens(1_000, 0.3, 1_024)), float(cached_prefix_tokens(5_000, 0.3, 1_024, 128))
    (0.0, 1408.0)
    """
    prefix = np.asarray(input_tokens, float) * np.asarray(cacheable_share, float)
    m, s = np.asarray(minimum, float), np.maximum(np.asarray(step, float), 1.0)
    stepped = m + np.floor((prefix - m) / s + 1e-9) * s
    return np.where(prefix >= m, np.where(s > 1, np.minimum(stepped, prefix), prefix), 0.0)


def _billed_tokens(i, o, c, h, above, fi_lc, fo_lc, minimum, step):
    """Tokens of one request shape as billed, each times its long-context factor: (uncached input, cache reads,
    cache writes, output) [tokens]. The bill is linear in the prices given these, so bins are summed first."""
    i, o = np.asarray(i, float), np.asarray(o, float)
    if above is None:
        fi = fo = 1.0
    else:
        lc = i > np.asarray(above, float)
        fi, fo = np.where(lc, fi_lc, 1.0), np.where(lc, fo_lc, 1.0)
    eligible = cached_prefix_tokens(i, c, minimum, step)
    h = np.asarray(h, float)
    return (i - eligible) * fi, eligible * h * fi, eligible * (1 - h) * fi, o * fo


def api_usage_usd_per_request(
    input_tokens,
    output_tokens,
    input_usd_per_mtok,
    output_usd_per_mtok,
    cache_read_usd_per_mtok=0.0,
    cache_write_usd_per_mtok=0.0,
    cacheable_prefix_share=0.0,
    cache_hit_rate=0.0,
    batchable_share=0.0,
    batch_price_factor=1.0,
    *,
    share=None,
    long_context_above_tokens=None,
    long_context_input_factor=1.0,
    long_context_output_factor=1.0,
    min_cacheable_prefix_tokens=0.0,
    cache_step_tokens=1.0,
    batch_cache_read_factor=None,
):
    """Expected token bill of one request at per-token prices [USD/request], billed as the provider bills a call.

    Parameters
    ----------
    input_tokens, output_tokens : array_like, or sequences of bins with ``share``
        Tokens per request [tokens] (output including reasoning). With ``share``: the bins of a token
        distribution, each element broadcasting with the prices.
    input_usd_per_mtok, output_usd_per_mtok : array_like
        List prices [USD per million tokens].
    cache_read_usd_per_mtok, cache_write_usd_per_mtok : array_like
        Prices of a cached prefix read from and written to the provider's cache [USD per million tokens].
    cacheable_prefix_share : array_like
        Share of input tokens that is a reusable prefix [fraction, 0-1].
    cache_hit_rate : array_like
        Share of cacheable tokens found in the cache [fraction, 0-1]; misses are written to it.
    batchable_share : array_like
        Share of requests sent through the batch API [fraction, 0-1].
    batch_price_factor : array_like
        Batch price as a share of list price [fraction, 0-1].
    share : array_like, optional
        Weights of the bins [fraction of requests]; normalised to sum to 1.
    long_context_above_tokens : float, optional
        Input tokens per call above which the whole call is billed at the long-context rates [tokens].
    long_context_input_factor, long_context_output_factor : array_like
        Long-context rates as multiples of the input (and cache) and output prices [ratio].
    min_cacheable_prefix_tokens, cache_step_tokens : array_like
        Shortest prefix the provider caches, and the step of cached tokens beyond it [tokens].
    batch_cache_read_factor : array_like, optional
        Batch price of cached input as a share of its list price (default: ``batch_price_factor``).

    Returns
    -------
    ndarray
        Expected cost per request [USD], the prices' broadcast shape.

    Notes
    -----
    Per request (or bin) with input I, output O, prefix share c, hit rate h, the cached prefix
    ``E = m + s floor((cI - m) / s)`` when ``cI >= m`` (minimum m, step s), else 0; long-context factors
    ``f_i, f_o`` when ``I`` exceeds the threshold, else 1:
    ``cost = [((I - E) p_in + E h p_read + E (1-h) p_write) f_i + O p_out f_o] / 1e6``, and in the batch API
    the same with every price × f (cache reads × ``batch_cache_read_factor``); ``(1 - b) standard + b batch``.
    With bins, the share-weighted sum of each bin's cost: tiers and minimums apply per bin, not to the mean.

    Examples
    --------
    >>> float(api_usage_usd_per_request(1_000, 200, 3.0, 15.0))
    0.006
    >>> float(api_usage_usd_per_request(1_000, 0, 3.0, 15.0, 0.3, 3.75, cacheable_prefix_share=0.5,
    ...                                 cache_hit_rate=0.8))
    0.001995

    A 300-token prefix below Anthropic's 1,024-token minimum is not cached at all:

    >>> float(api_usage_usd_per_request(1_000, 0, 3.0, 15.0, 0.3, 3.75, 0.3, 0.8, min_cacheable_prefix_tokens=1024))
    0.003

    Gemini 2.5 Pro, half the calls 250,000 tokens in and half 10,000, 1,000 out each: tiers per call, not at the mean.

    >>> float(api_usage_usd_per_request([250_000, 10_000], [1_000, 1_000], 1.25, 10.0, share=[0.5, 0.5],
    ...                                 long_context_above_tokens=200_000, long_context_input_factor=2.0,
    ...                                 long_context_output_factor=1.5))
    0.33125
    """
    fr = batch_price_factor if batch_cache_read_factor is None else batch_cache_read_factor
    rules = (cacheable_prefix_share, cache_hit_rate, long_context_above_tokens, long_context_input_factor,
             long_context_output_factor, min_cacheable_prefix_tokens, cache_step_tokens)
    if share is None:
        u, r, w, o = _billed_tokens(input_tokens, output_tokens, *rules)
    else:
        wts = np.asarray(share, float)
        if wts.ndim != 1 or len(wts) != len(input_tokens) or len(wts) != len(output_tokens) or not wts.sum() > 0 \
                or (wts < 0).any():
            raise ValueError("share: expected one weight >= 0 per bin of input_tokens and output_tokens, not all zero")
        wts = wts / wts.sum()
        u = r = w = o = 0.0
        for wb, ib, ob in zip(wts, input_tokens, output_tokens):
            if wb > 0:
                bu, br, bw, bo = _billed_tokens(ib, ob, *rules)
                u, r, w, o = u + wb * bu, r + wb * br, w + wb * bw, o + wb * bo
    p_in, p_read, p_write = (np.asarray(x, float) for x in (input_usd_per_mtok, cache_read_usd_per_mtok, cache_write_usd_per_mtok))
    p_out = np.asarray(output_usd_per_mtok, float)
    standard = u * p_in + r * p_read + w * p_write + o * p_out
    f, fr = np.asarray(batch_price_factor, float), np.asarray(fr, float)
    batch = (u * p_in + w * p_write + o * p_out) * f + r * p_read * fr
    b = np.asarray(batchable_share, float)
    return np.asarray(((1 - b) * standard + b * batch) / 1e6, float)


def workload_bins(values: Mapping[str, Any]) -> tuple[list, list, np.ndarray]:
    """The requests of a scenario's workload as bins: ``(input_tokens, output_tokens, share)``.

    The bins of ``workload.token_distribution`` rescaled so that their means are the workload's mean input and
    output tokens per request (which may be arrays: each bin's tokens then broadcast with them), or the mean
    request as the only bin. ``share`` sums to 1. The cost model bills per bin (`api_usd_per_request`); a fleet
    or capacity model can size per bin the same way.

    Examples
    --------
    >>> v = {"workload.input_tokens_per_request": 130_000, "workload.output_tokens_per_request": 1_000,
    ...      "workload.token_distribution": {"input_tokens": [250_000, 10_000], "output_tokens": [1_000, 1_000],
    ...                                      "share": [1, 1]}}
    >>> i, o, w = workload_bins(v)
    >>> [float(x) for x in i], [float(x) for x in o], w.tolist()
    ([250000.0, 10000.0], [1000.0, 1000.0], [0.5, 0.5])
    """
    mean_in = np.asarray(values["workload.input_tokens_per_request"], float)
    mean_out = np.asarray(values["workload.output_tokens_per_request"], float)
    bins = values.get("workload.token_distribution")
    if not bins:
        return [mean_in], [mean_out], np.ones(1)
    i_b, o_b = np.asarray(bins["input_tokens"], float), np.asarray(bins["output_tokens"], float)
    w = np.asarray(bins["share"], float) / np.sum(bins["share"])
    ri = mean_in / (w @ i_b) if w @ i_b > 0 else np.ones_like(mean_in)
    ro = mean_out / (w @ o_b) if w @ o_b > 0 else np.ones_like(mean_out)
    return [x * ri for x in i_b], [x * ro for x in o_b], w


def api_usd_per_request(values: Mapping[str, Any], section: str):
    """Expected token bill per request of a scenario's per-token option (``"api"`` or ``"managed"``) [USD/request].

    Reads the option's prices and billing rules (``<section>.*``) and the workload (``workload.*``): the token
    distribution's bins when the scenario has one (``workload.token_distribution``), else the mean request.
    Every value may be a numpy array (broadcast); bins are rescaled to the mean input and output tokens per
    request, so a drawn mean moves the whole distribution. `econ.price_usage` bills each logged call by the same rules.

    Examples
    --------
    >>> from econ import PARAMS_DIR, load_scenario
    >>> v = load_scenario(PARAMS_DIR / "enterprise_steady.yaml").values
    >>> round(float(api_usd_per_request(v, "api")), 6)  # 1,000 in, a 300-token prefix (below the minimum), 300 out
    0.00675
    """
    v, s = values, section
    args = (v[f"{s}.input_usd_per_mtok"], v[f"{s}.output_usd_per_mtok"], v[f"{s}.cache_read_usd_per_mtok"],
            v[f"{s}.cache_write_usd_per_mtok"], v["workload.cacheable_prefix_share"], v[f"{s}.cache_hit_rate"],
            v["workload.batchable_share"], v[f"{s}.batch_price_factor"])
    kw = {"long_context_above_tokens": v.get(f"{s}.long_context_above_tokens"),
          "long_context_input_factor": v.get(f"{s}.long_context_input_factor", 1.0),
          "long_context_output_factor": v.get(f"{s}.long_context_output_factor", 1.0),
          "min_cacheable_prefix_tokens": v.get(f"{s}.min_cacheable_prefix_tokens", 0),
          "cache_step_tokens": v.get(f"{s}.cache_step_tokens", 1),
          "batch_cache_read_factor": v.get(f"{s}.batch_cache_read_factor")}
    if not v.get("workload.token_distribution"):
        return api_usage_usd_per_request(v["workload.input_tokens_per_request"], v["workload.output_tokens_per_request"],
                                         *args, **kw)
    i_b, o_b, w = workload_bins(v)
    return api_usage_usd_per_request(i_b, o_b, *args, share=w, **kw)


def catalog_model(provider: str, model: str):
    """The genai-prices entry whose id is exactly ``model`` at ``provider`` (no prefix or pattern matching).

    Scenario files name models by these ids, so that a name is either the catalog's or refused: pattern matching
    would price ``claude-sonnet-4-5-anything`` as ``claude-sonnet-4-5``.

    Raises
    ------
    LookupError
        ``args``: what is expected (the nearest ids suggested, the valid ones listed) and which of ``"provider"``
        or ``"model"`` is unknown.

    Examples
    --------
    >>> catalog_model("anthropic", "claude-sonnet-4-5").context_window
    200000
    >>> try:
    ...     catalog_model("anthropic", "claude-sonnet-4-5-x")
    ... except LookupError as exc:
    ...     print(exc.args[1], "did you mean 'claude-sonnet-4-5'" in exc.args[0])
    model True
    """
    snap, cat = _snapshot(), f"genai-prices {price_catalog_version()}"
    providers = {p.id: p for p in snap.providers}
    if provider not in providers:
        raise LookupError(f"a provider id of {cat}{_nearest(provider, providers)}: {', '.join(providers)}", "provider")
    models = {m.id: m for m in providers[provider].models}
    if model not in models:
        raise LookupError(f"a model id at provider {provider!r} in {cat}, exactly{_nearest(model, models)}; its "
                          f"{len(models)} models: {', '.join(models)}", "model")
    return models[model]


def _nearest(name: str, names) -> str:
    """The ids nearest ``name``: the same but for case, the longest id it starts with, then the most alike."""
    low = name.lower()
    same = [n for n in names if n.lower() == low]
    prefix = sorted((n for n in names if low.startswith(n.lower())), key=len, reverse=True)[:1]
    close = list(dict.fromkeys(same + prefix + difflib.get_close_matches(name, list(names), n=3, cutoff=0.5)))[:3]
    return f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""


@cache
def price_history_start() -> date:
    """The first date on which the catalog records a price change: before it, it cannot tell the list prices.

    Examples
    --------
    >>> price_history_start() <= date(2026, 11, 22)
    True
    """
    starts = [c.constraint.start_date for p in _snapshot().providers for m in p.models
              for c in (m.prices if isinstance(m.prices, list) else []) + (m.price_variants or [])
              if getattr(c.constraint, "start_date", None) is not None]
    return min(starts)
