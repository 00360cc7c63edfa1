"""What the notebooks and the report show: assumptions, the comparison, and sentences computed from results."""

from __future__ import annotations

import hashlib
import html
import re
from pathlib import Path

import numpy as np
import pandas as pd

from ._breakeven import breakeven_tokens_per_day
from ._costs import COMPONENTS, OPTIONS, compare
from ._params import COST_SECTIONS
from ._prices import price_catalog_version

__all__ = [
    "Markdown",
    "HTML",
    "scenario_header",
    "assumptions_table",
    "assumptions_view",
    "comparison_view",
    "recommendation",
    "summary_markdown",
    "usd",
    "pct",
    "tokens",
]


class Markdown(str):
    """Text that Jupyter shows as Markdown (and nbval compares as text)."""

    def _repr_markdown_(self) -> str:
        return str(self)


class HTML(str):
    """Text that Jupyter shows as HTML."""

    def _repr_html_(self) -> str:
        return str(self)


def usd(x: float) -> str:
    """Money for a reader: ``$1,234``, ``$0.0123`` below one dollar, ``−$5`` when negative.

    Examples
    --------
    >>> usd(1234.5), usd(2.5), usd(0.01234), usd(0), usd(-7381)
    ('$1,234', '$2.50', '$0.0123', '$0', '−$7,381')
    """
    if x < 0:
        return "−" + usd(-x)
    return f"${x:,.0f}" if x >= 100 or x == 0 else f"${x:,.2f}" if x >= 1 else f"${x:,.4f}"


def tokens(x: float) -> str:
    """A token count in words: ``7.5 million``."""
    for div, word in ((1e9, "billion"), (1e6, "million"), (1e3, "thousand")):
        if abs(x) >= div:
            return f"{x / div:,.3g} {word}"
    return f"{x:,.0f}"


def pct(x: float) -> str:
    """A share for a reader: ``42%``, ``0.3%`` below one per cent."""
    return f"{x:.0%}" if abs(x) >= 0.01 or x == 0 else f"{x:.1%}"


def _esc(text: str) -> str:
    return html.escape(str(text), quote=False)


_MD_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")
_LINK = re.compile(r"\[([^\[\]\n]{1,200})\]\((https?://[A-Za-z0-9\-._~:/?#@!$&'*+,;=%]+)\)")
_NO_MATH = '<span class="tex2jax_ignore mathjax_ignore">{}</span>'


def _md_escape(text: str) -> str:
    return _MD_PUNCTUATION.sub(r"\\\1", text)


def md_text(text: str, links: bool = False) -> str:
    r"""Scenario text for a Markdown cell, shown as the text itself.

    Line breaks fold into spaces and every ASCII punctuation mark is backslash-escaped (CommonMark lets a backslash
    escape any of them), so no heading, list, table, code span or fence, emphasis, HTML tag or entity, or link can
    form from it; the result sits in a span MathJax skips, so ``$...$`` stays text. With ``links``, Markdown links
    to ``http://`` or ``https://`` addresses are kept as links (their text escaped); any other link stays text.

    Examples
    --------
    >>> print(md_text("[click](javascript:alert(1)) <b>"))
    <span class="tex2jax_ignore mathjax_ignore">\[click\]\(javascript\:alert\(1\)\) \<b\></span>
    >>> print(md_text("see [the *trace*](https://example.org/a_b)", links=True))
    <span class="tex2jax_ignore mathjax_ignore">see [the \*trace\*](<https://example.org/a_b>)</span>
    """
    flat = " ".join(str(text).split())
    parts, at = [], 0
    for m in _LINK.finditer(flat) if links else ():
        parts += [_md_escape(flat[at:m.start()]), f"[{_md_escape(m[1])}](<{m[2]}>)"]
        at = m.end()
    parts.append(_md_escape(flat[at:]))
    return _NO_MATH.format("".join(parts))


def provenance() -> str:
    """Kit version and commit, and the versions of the packages that compute the numbers (no paths, no times)."""
    import subprocess
    from importlib.metadata import version

    from . import __version__

    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                                cwd=Path(__file__).parent, timeout=5).stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        commit = "unknown"
    pkgs = ", ".join(f"{p} {version(p)}" for p in ("genai-prices", "numpy", "pandas", "scipy", "altair"))
    return f"kit {__version__} (commit {commit}); {pkgs}"


def scenario_header(scenario) -> Markdown:
    """Title, description and provenance of the scenario (file, content hash, price catalog).

    The title and description are the scenario file's text, shown as text (`md_text`; the description may link
    to http(s) pages); the provenance paragraphs follow them whatever they hold.
    """
    path = scenario.file
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12] if path and path.is_file() else "n/a"
    name = md_text(f"params/{path.name}" if path else scenario.path)
    return Markdown(
        f"## {md_text(scenario.title)}\n\n"
        + (f"{md_text(scenario.description, links=True)}\n\n" if scenario.description.strip() else "")
        + f"Scenario file <code>{name}</code> (sha256 {digest}), merged over `params/_defaults.yaml`; "
        f"API prices from genai-prices {price_catalog_version()} as of {scenario['prices.price_date']} "
        "(prices drift: check them before deciding).\n\n"
        f"<small>Computed with {provenance()}.</small>"
    )


def _fmt_value(v) -> str:
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return f"{v:,.6g}"
    if isinstance(v, int):
        return f"{v:,}"
    return str(v)


def assumptions_table(scenario, *sections: str) -> pd.DataFrame:
    """The assumptions an analysis used: value, unit, source, checked date and where each was set.

    Parameters
    ----------
    scenario : Scenario
    *sections : str
        Sections beyond the cost model's (`COST_SECTIONS`) that the analysis also reads, e.g. ``"traffic"``;
        ``"all"`` lists every assumption of the scenario.
    """
    present = {a.key.split(".")[0] for a in scenario.assumptions.values()}
    unknown = set(sections) - {"all"} - present
    if unknown:
        raise ValueError(f"sections {sorted(unknown)} are not in the scenario; expected section names such as "
                         f"{', '.join(sorted(present))}")
    shown = None if "all" in sections else set(COST_SECTIONS) | set(sections)
    return pd.DataFrame(
        [
            {"assumption": a.key, "value": _fmt_value(a.value), "unit": a.unit or "", "source": a.source,
             "checked": a.checked or "", "set in": a.origin}
            for a in scenario.assumptions.values() if shown is None or a.key.split(".")[0] in shown
        ]
    )


def assumptions_view(scenario, *sections: str) -> HTML:
    """`assumptions_table` as an HTML table (text escaped)."""
    return HTML(assumptions_table(scenario, *sections).to_html(index=False, escape=True, classes="assumptions", border=0))


def comparison_view(table: pd.DataFrame) -> pd.DataFrame:
    """The `compare` table formatted for reading: money as dollars, components as columns."""
    out = pd.DataFrame({"option": table["option"]})
    out["permitted"] = table["permitted"].map({True: "yes", False: "no"})
    out["monthly cost"] = table["monthly_usd"].map(usd)
    out["per million tokens"] = table["usd_per_mtok"].map(usd)
    out["per request"] = table["usd_per_request"].map(usd)
    for c in COMPONENTS:
        if (table[c] > 0).any():
            out[c.removesuffix("_usd").replace("_", " ")] = table[c].map(usd)
    out["GPUs"] = table["gpus"].map(lambda g: "" if np.isnan(g) else f"{g:.0f}")
    out["utilization"] = table["utilization"].map(lambda u: "" if np.isnan(u) else pct(u))
    return out.set_index("option")


def recommendation(scenario, table: pd.DataFrame | None = None) -> dict:
    """The cheapest permitted option and the figures a summary needs, computed from the model."""
    table = compare(scenario) if table is None else table
    allowed = table[table["permitted"]]
    if allowed.empty:
        raise ValueError(f"{scenario.path}: no option is permitted (api, managed and selfhost all have permitted: false)")
    best = allowed.loc[allowed["monthly_usd"].idxmin()]
    by_key = table.set_index("key")
    return {
        "scenario": scenario.name,
        "title": scenario.title,
        "recommended": best["option"],
        "recommended_key": best["key"],
        "monthly_usd": {k: float(by_key.loc[k, "monthly_usd"]) for k in OPTIONS},
        "tokens_per_day": float(scenario["workload.requests_per_day"]
                                * (scenario["workload.input_tokens_per_request"] + scenario["workload.output_tokens_per_request"])),
        "breakeven": {k: breakeven_tokens_per_day(scenario, k, "selfhost") for k in ("api", "managed")},
        "savings_vs_api_usd": float(by_key.loc["api", "monthly_usd"] - best["monthly_usd"]),
        "utilization": float(by_key.loc["selfhost", "utilization"]),
        "gpus": float(by_key.loc["selfhost", "gpus"]),
        "permitted": {k: bool(by_key.loc[k, "permitted"]) for k in OPTIONS},
    }


def summary_markdown(scenario, table: pd.DataFrame | None = None) -> Markdown:
    """A closing paragraph whose every figure is computed from the model."""
    r = recommendation(scenario, table)
    m = r["monthly_usd"]
    lines = [
        f"At {tokens(r['tokens_per_day'])} tokens a day, the cheapest permitted option is **{r['recommended']}** "
        f"at {usd(m[r['recommended_key']])} a month "
        f"(closed API {usd(m['api'])}, managed open endpoint {usd(m['managed'])}, self-hosted {usd(m['selfhost'])})."
    ]
    if not r["permitted"]["api"]:
        lines.append("The closed API is not permitted for this workload; its cost is shown for reference only.")
    elif r["recommended_key"] != "api":
        lines.append(f"That saves {usd(r['savings_vs_api_usd'])} a month ({pct(r['savings_vs_api_usd'] / m['api'])}) against the closed API.")
    lines.append(
        f"Self-hosting needs {r['gpus']:.0f} GPU{'s' if r['gpus'] != 1 else ''} and would run at "
        f"{pct(r['utilization'])} utilization: "
        "the fleet is sized for the peak plus spares and is paid for around the clock."
    )
    for k, be in r["breakeven"].items():
        if np.isfinite(be.tokens_per_day):
            lines.append(f"Self-hosting costs less than the {OPTIONS[k]} above {tokens(be.tokens_per_day)} tokens a day.")
        else:
            lines.append(f"Against the {OPTIONS[k]}: {be.note}.")
    return Markdown(" ".join(lines))
