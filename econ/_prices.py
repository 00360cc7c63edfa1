"""Per-token API prices from the `genai-prices` catalog, resolved at a fixed date.

`genai-prices` ships dated prices for dozens of providers and works offline. Prices change: the kit pins
the package version (pyproject.toml) and every scenario names the date at which prices are read
(``api.price_date``), so a rerun gives the same numbers until someone decides to move either.
"""

from __future__ import annotations

import difflib
import functools
from dataclasses import dataclass
from datetime import UTC, date, datetime
from importlib.metadata import version

__all__ = ["ApiPrice", "api_price", "catalog_model", "price_catalog_version", "price_history_start"]


def price_catalog_version() -> str:
    """Version of the installed `genai-prices` package (the price catalog snapshot)."""
    return version("genai-prices")


@dataclass(frozen=True)
class ApiPrice:
    """List prices of one model at one provider [USD per million tokens].

    ``cache_read`` and ``cache_write`` are None where the provider publishes none; ``batch_factor`` is the
    share of the list price paid through the provider's batch API (1.0 where it has none).
    """

    provider: str
    model: str
    input: float
    output: float
    cache_read: float | None
    cache_write: float | None
    batch_factor: float
    source: str


def _snapshot():
    from genai_prices import data_snapshot

    return data_snapshot.get_snapshot()


def _price_at(price, input_tokens: float) -> float | None:
    """A genai-prices price (Decimal or tiered) for a request of ``input_tokens`` [USD/Mtok]."""
    if price is None:
        return None
    base = getattr(price, "base", None)
    if base is None:
        return float(price)
    chosen = base  # tiers are "cliff" prices: crossing a threshold prices every token at the tier rate
    for tier in price.tiers:
        if input_tokens > tier.start:
            chosen = tier.price
    return float(chosen)


def _find(provider: str, model: str):
    snap = _snapshot()
    provider_ids = [p.id for p in snap.providers]
    if provider not in provider_ids:
        close = difflib.get_close_matches(provider, provider_ids, n=3)
        hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise LookupError(
            f"unknown provider {provider!r}.{hint} Providers known to genai-prices "
            f"{price_catalog_version()}: {', '.join(provider_ids)}"
        )
    exact = next((m for p in snap.providers if p.id == provider for m in p.models if m.id == model), None)
    if exact is not None:  # an id names its own entry, whatever other entries' match rules would catch
        return next(p for p in snap.providers if p.id == provider), exact
    try:
        return snap.find_provider_model(model, None, provider, None)
    except LookupError:
        prov = next(p for p in snap.providers if p.id == provider)
        ids = [m.id for m in prov.models]
        close = difflib.get_close_matches(model, ids, n=3, cutoff=0.5)
        hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise LookupError(
            f"unknown model {model!r} at provider {provider!r}.{hint} "
            f"Its {len(ids)} models in genai-prices {price_catalog_version()}: {', '.join(ids)}"
        ) from None


def api_price(provider: str, model: str, on: date | str, input_tokens: float = 0.0) -> ApiPrice:
    """List prices of ``model`` at ``provider`` as they stood on date ``on``.

    Parameters
    ----------
    provider : str
        genai-prices provider id, e.g. ``"anthropic"``, ``"openai"``, ``"together"``.
    model : str
        Model reference as the provider's API takes it.
    on : date or str
        Date at which the price applies (ISO string accepted).
    input_tokens : float
        Input tokens per request [tokens]; selects the price tier for models priced by prompt length.

    Returns
    -------
    ApiPrice
        Prices [USD per million tokens] and the batch factor [fraction of list price].

    Raises
    ------
    LookupError
        Unknown provider or model; the message lists the valid names and the closest ones.

    Examples
    --------
    >>> p = api_price("anthropic", "claude-haiku-4-5", "2026-11-22")
    >>> (p.input, p.output, p.cache_read, p.cache_write, p.batch_factor)
    (1.0, 5.0, 0.1, 1.25, 0.5)
    """
    when = datetime.combine(date.fromisoformat(str(on)), datetime.min.time(), tzinfo=UTC)
    prov, info = _find(provider, model)
    std = info.get_prices(when)
    batch = info.get_prices(when, {"processing": "batch"})
    inp = _price_at(std.input_mtok, input_tokens)
    out = _price_at(std.output_mtok, input_tokens)
    if inp is None or out is None:
        raise LookupError(f"genai-prices has no per-token input/output price for {provider}/{model}")
    b_in = _price_at(batch.input_mtok, input_tokens)
    batch_factor = (b_in / inp) if (batch is not std and b_in is not None and inp > 0) else 1.0
    return ApiPrice(
        provider=prov.id,
        model=info.id,
        input=inp,
        output=out,
        cache_read=_price_at(std.cache_read_mtok, input_tokens),
        cache_write=_price_at(std.cache_write_mtok, input_tokens),
        batch_factor=round(batch_factor, 6),
        source=f"genai-prices {price_catalog_version()}: {prov.id}/{info.id}, list price on {on}",
    )


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


@functools.cache
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
