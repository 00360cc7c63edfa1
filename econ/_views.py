"""What the notebooks and the report show: assumptions, the comparison, and sentences computed from results."""

from __future__ import annotations

import hashlib
import html
import re
from pathlib import Path

import numpy as np
import pandas as pd

from ._costs import COMPONENT_LABELS, COMPONENTS, OPTIONS
from ._params import COST_SECTIONS, _shown, key_label
from ._prices import price_catalog_version

__all__ = [
    "Markdown",
    "HTML",
    "scenario_header",
    "assumptions_table",
    "assumptions_view",
    "comparison_view",
    "fact",
    "glossary",
    "html_table",
    "decision_header",
    "decision_sentence",
    "fleet_sentence",
    "summary_markdown",
    "usd",
    "pct",
    "ratio",
    "tokens",
]


class Markdown(str):
    """Text that Jupyter shows as Markdown (and nbval compares as text).

    Dollar signs are escaped when shown: Jupyter and nbconvert read ``$...$`` as LaTeX math, which would set
    "costs $9,069 a month against $11,928" in italics and swallow what lies between two amounts.
    """

    def _repr_markdown_(self) -> str:
        return str(self).replace("$", r"\$")


class HTML(str):
    """Text that Jupyter shows as HTML."""

    def _repr_html_(self) -> str:
        return str(self)


def usd(x: float, price: bool = False) -> str:
    """Money for a reader, as a finance page writes it: an amount (a month, a year) in whole dollars from $10; a
    ``price`` (per million tokens, per GPU-hour, per hour) in whole dollars from $100; below that two decimals, but
    none for a whole number of dollars (``$75``, not ``$75.00``); below ten cents three significant figures;
    ``−$5`` when negative.

    Examples
    --------
    >>> usd(1234.5), usd(96.19), usd(2.5), usd(0.88), usd(0.01234), usd(0), usd(-7381)
    ('$1,234', '$96', '$2.50', '$0.88', '$0.0123', '$0', '−$7,381')
    >>> usd(12.5, price=True), usd(75, price=True), usd(0.1606, price=True), usd(0.4, price=True), usd(0.0046)
    ('$12.50', '$75', '$0.16', '$0.40', '$0.0046')
    """
    if x < 0:
        return "−" + usd(-x, price)
    if x == 0 or x >= (100 if price else 10):
        return f"${x:,.0f}"
    if x >= 0.1:
        return f"${x:,.0f}" if round(x, 2) == round(x) else f"${x:,.2f}"
    return "$" + np.format_float_positional(x, precision=3, fractional=False, trim="-")


def tokens(x: float) -> str:
    """A token count in words: ``7.5 million``, ``1.25 trillion``."""
    for div, word in ((1e12, "trillion"), (1e9, "billion"), (1e6, "million"), (1e3, "thousand")):
        if abs(x) >= div:
            return f"{x / div:,.3g} {word}"
    return f"{x:,.0f}"


def pct(x: float, decimals: int = 0) -> str:
    """A share for a reader: whole per cents (``42%``, ``100%``), one decimal below one per cent (``0.3%``) and
    where whole per cents would round a share that is not all to 100% (``99.6%``, never ``100%`` for less);
    ``decimals``: as many decimals everywhere (a quality beside a floor of 92.4%); ``−69%`` when negative (the minus
    sign of `usd`).

    Examples
    --------
    >>> pct(0.4213), pct(0.003), pct(0), pct(1), pct(0.9962), pct(-0.69), pct(0.9237, decimals=1), usd(-8878)
    ('42%', '0.3%', '0%', '100%', '99.6%', '−69%', '92.4%', '−$8,878')
    """
    if x < 0 and pct(-x, decimals) not in ("0%", f"{0:.{decimals}%}"):
        return "−" + pct(-x, decimals)
    x = abs(x)
    if decimals or x == 0 or x == 1:
        return f"{x:.{decimals}%}"
    return f"{x:.0%}" if 0.01 <= x < 0.995 or x > 1 else f"{x:.1%}"


def ratio(x: float) -> str:
    """A ratio for a reader, to three significant figures: ``1.86×``, ``12.3×``, ``1,240×``.

    Examples
    --------
    >>> ratio(1.8624), ratio(12.34), ratio(1237.2), ratio(2)
    ('1.86×', '12.3×', '1,240×', '2×')
    """
    r = float(f"{x:.3g}")
    return (f"{r:,.0f}" if abs(r) >= 100 else np.format_float_positional(r, trim="-")) + "×"


def value_with_unit(x: float, unit: str | None) -> str:
    """An assumption's value with its unit, for a sentence: dollars as dollars, fractions as per cents.

    Examples
    --------
    >>> value_with_unit(241.52, "USD/hour"), value_with_unit(75.0, "USD/hour"), value_with_unit(0.88, "USD/million tokens")
    ('$242/hour', '$75/hour', '$0.88/million tokens')
    >>> value_with_unit(0.3, "fraction off on-demand"), value_with_unit(6.004, "hours/month"), value_with_unit(96.19, "USD/month")
    ('30%', '6.004 hours/month', '$96/month')
    """
    unit = unit or ""
    if unit.startswith("USD"):  # a price unless it is an amount a month or a year
        return usd(x, price=not unit.startswith(("USD/month", "USD/year"))) + unit.removeprefix("USD")
    if unit.startswith("fraction") or unit.startswith("probability"):
        return pct(x)
    number = f"{x:,.0f}" if abs(x) >= 100 else f"{x:,.4g}"
    return number + (f" {unit}" if unit else "")


def usd_column(values) -> list[str]:
    """Dollars for one column of a table, every amount with the same decimals: whole dollars when the smallest
    amount other than zero is $100 or more, cents from $1, else enough decimals for two significant figures of
    the smallest (at most six); ``–`` for a missing amount.

    Examples
    --------
    >>> usd_column([35.42, 0.3736, 0])
    ['$35.42', '$0.37', '$0.00']
    >>> usd_column([9068.6407, 150, -120]), usd_column([0.0045, 0.012, float("nan")])
    (['$9,069', '$150', '−$120'], ['$0.0045', '$0.0120', '–'])
    """
    xs = [float(x) for x in values]
    sizes = [abs(x) for x in xs if np.isfinite(x) and x != 0]
    small = min(sizes, default=100.0)
    decimals = 0 if small >= 99.5 else 2 if small >= 0.995 else int(min(6, max(2, 1 - np.floor(np.log10(small)))))
    return ["–" if not np.isfinite(x) else ("−" if x < 0 and round(x, decimals) != 0 else "") + f"${abs(x):,.{decimals}f}"
            for x in xs]


def _esc(text: str) -> str:
    return html.escape(str(text), quote=False)


_MD_PUNCTUATION = re.compile(r"([!-#%-/:-@\[-`{-~])")  # ASCII punctuation but $, which Markdown escapes when shown
_LINK = re.compile(r"\[([^\[\]\n]{1,200})\]\((https?://[A-Za-z0-9\-._~:/?#@!$&'*+,;=%]+)\)")
_NO_MATH = '<span class="tex2jax_ignore mathjax_ignore">{}</span>'


def _md_escape(text: str) -> str:
    return _MD_PUNCTUATION.sub(r"\\\1", text)


def md_text(text: str, links: bool = False) -> str:
    r"""Scenario text for a Markdown cell, shown as the text itself.

    Line breaks fold into spaces and every ASCII punctuation mark is backslash-escaped (CommonMark lets a backslash
    escape any of them; ``$`` is left to `Markdown`, which escapes every dollar sign when shown), so no heading,
    list, table, code span or fence, emphasis, HTML tag or entity, or link can form from it; the result sits in a
    span MathJax skips. With ``links``, Markdown links to ``http://`` or ``https://`` addresses are kept as links
    (their text escaped); any other link stays text. Put the result in a `Markdown`.

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
    name = md_text(_shown(path) if path else scenario.path)  # relative to the project when inside it
    return Markdown(
        f"## {md_text(scenario.title)}\n\n"
        + (f"{md_text(scenario.description, links=True)}\n\n" if scenario.description.strip() else "")
        + f"Scenario file <code>{name}</code> (sha256 {digest}), merged over `params/_defaults.yaml`; "
        f"API prices from genai-prices {price_catalog_version()} as of {scenario['prices.price_date']} "
        "(prices drift: check them before deciding).\n\n"
        f"<small>Computed with {provenance()}.</small>"
    )


def _fmt_value(v) -> str:
    """A value as the assumption tables show it: numbers with separators, null as "null (see source)", token bins
    as their count and range."""
    if v is None:
        return "null (see source)"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        if v != 0 and abs(v) < 1e-4:  # 0.00002, not 2e-05
            return np.format_float_positional(v, precision=3, fractional=False, trim="-")
        return f"{v:,.0f}" if abs(v) >= 1e6 else f"{v:,.6g}"
    if isinstance(v, int):
        return f"{v:,}"
    if isinstance(v, dict) and {"input_tokens", "output_tokens", "share"} <= set(v):
        i, o = v["input_tokens"], v["output_tokens"]
        return (f"{len(v['share'])} bins: {min(i):,.0f}-{max(i):,.0f} tokens in, {min(o):,.0f}-{max(o):,.0f} out")
    return str(v)


def assumptions_table(scenario, *sections: str) -> pd.DataFrame:
    """The assumptions an analysis used: label and key, value, unit, source, checked date and where each was set.

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
            {"assumption": a.label, "key": a.key, "value": _fmt_value(a.value), "unit": a.unit or "", "source": a.source,
             "checked": a.checked or "", "set in": a.origin}
            for a in scenario.assumptions.values() if shown is None or a.key.split(".")[0] in shown
        ]
    )


def assumptions_view(scenario, *sections: str) -> HTML:
    """`assumptions_table` as an HTML table (text escaped, values right-aligned)."""
    return html_table(assumptions_table(scenario, *sections).to_dict("records"), "econ-table assumptions", ("value",))


def fact(key: str, text: str) -> str:
    """A figure of the decision as the pages show it, tagged with its key in the decision
    (``<span class="econ-fact" data-fact="options.api.monthly_usd">$11,928</span>``), so that a test can check
    that every page, the index and the spreadsheet show the same value (tests/test_decision.py)."""
    return f'<span class="econ-fact" data-fact="{html.escape(key)}">{_esc(text)}</span>'


def assumption_name(label: str, key: str, within: bool = False) -> str:
    """An assumption as a sentence names it: its label, with its key as the tooltip (the key is in the page's
    assumption table too), so that the sentence reads the same on paper. ``within``: inside a sentence, the label's
    first letter in lower case unless its first word is an abbreviation (GPU, KV, TTFT).

    Examples
    --------
    >>> assumption_name("Requests per day", "workload.requests_per_day")
    '<span class="econ-assumption" title="workload.requests_per_day">Requests per day</span>'
    >>> [assumption_name(x, "k", within=True).split(">")[1][:-6] for x in ("Closed-API price factor", "GPU rental price")]
    ['closed-API price factor', 'GPU rental price']
    """
    if within and label[1:2].islower():
        label = label[0].lower() + label[1:]
    return f'<span class="econ-assumption" title="{html.escape(key)}">{_esc(label)}</span>'


def _plural(n: float, word: str) -> str:
    return f"{n:,.0f} {word}{'' if n == 1 else 's'}"


def noun(plan) -> str:
    """What follows a plan's name in a sentence ("the self-hosted fleet", "the closed API"); ``plan``: a
    `PlanResult` or its key."""
    return " fleet" if getattr(plan, "key", plan) == "selfhost" else ""


def flip_words(f: dict, unranged_note: bool = False) -> str:
    """One flip of `Decision.flips` in words: the assumption (its label; the key in the tooltip), the value that
    flips the plan and today's value, with their units; ``unranged_note``: say when the assumption has no range."""
    name = assumption_name(f.get("label") or key_label(f["key"]), f["key"])
    note = ", no range stated" if unranged_note and not f["has_range"] else ""
    return (f"{name} {f['direction']} {value_with_unit(f['flip_value'], f['unit'])} "
            f"(now {value_with_unit(f['value'], f['unit'])}{note})")


def decision_sentence(d) -> str:
    """The decision in one paragraph, every figure from the decision (`econ.decide`)."""
    rec = d.options[d.recommended]
    w = d.workload
    text = (f"At {tokens(w['tokens_per_day'])} tokens a day ({w['requests_per_day']:,.0f} requests), the recommended plan "
            f"is the **{fact('recommended', rec.name)}{noun(rec)}** at {fact(f'options.{rec.key}.monthly_usd', usd(rec.monthly_usd))} "
            f"a month ({usd(rec.usd_per_mtok, price=True)} per million tokens, all in)")
    if d.runner_up:
        ru = d.options[d.runner_up]
        text += (f", {usd(d.savings_usd_per_month)} a month ({usd(12 * d.savings_usd_per_month)} a year) below the "
                 f"runner-up, the {ru.name}{noun(ru)} at {fact(f'options.{ru.key}.monthly_usd', usd(ru.monthly_usd))}")
    text += "."
    if d.quality_basis == "floor":
        text += (f" Only plans that reach the quality floor of {d.quality_floor:.1%} acceptable answers are eligible"
                 + "".join(f"; the {o.name}{noun(o)} ({fact(f'options.{o.key}.monthly_usd', usd(o.monthly_usd))}) is not: "
                           f"{o.why_not}" for o in d.options.values() if o.permitted and not o.eligible) + ".")
    else:
        text += " " + cost_only_text(d) + "."
    if rec.shares:
        text += " The split sends " + ", ".join(f"{pct(x)} of requests to the {PLAN_NAMES[k]}" for k, x in rec.shares.items()) + "."
    text += (f" In {fact('confidence', pct(d.confidence))} of {d.draws:,} joint draws of every assumption with a stated range, it stays the "
             "cheapest eligible plan.")
    return text


def cost_only_text(d) -> str:
    """Why cost alone decides: every permitted option reaches the quality floor, and how far their quality differs."""
    q = sorted({round(o.quality, 3) for o in d.options.values() if o.permitted and not o.shares})
    spread = (f", though the models' quality differs ({q[0]:.1%} to {q[-1]:.1%} acceptable answers)" if len(q) > 1
              else "")
    return (f"Every permitted option reaches the quality floor of {d.quality_floor:.1%} acceptable answers, so cost alone "
            f"decides{spread}")


def decision_header(d, question: str = "") -> Markdown:
    """The decision a page supports, at its head: the recommendation, and what this page adds (``question``)."""
    text = "**The decision for this scenario.** " + decision_sentence(d)
    if question:
        text += f"\n\n**This page:** {question}"
    return Markdown(text)


PLAN_NAMES = {**OPTIONS, "routed": "routed split"}


def html_table(rows: list[dict], classes: str = "econ-table", numeric: tuple[str, ...] = ()) -> HTML:
    """A table of already formatted cells (text escaped unless it is a `fact` tag), numbers right-aligned."""
    if not rows:
        return HTML("")
    cols = list(rows[0])
    cell = lambda c, x: (f'<td class="num">{x}</td>' if c in numeric else f"<td>{x}</td>")  # noqa: E731
    body = "".join("<tr>" + "".join(cell(c, r[c] if str(r[c]).startswith('<span class="econ-fact"') else _esc(r[c]))
                                    for c in cols) + "</tr>" for r in rows)
    head = "".join(f'<th class="num">{_esc(c)}</th>' if c in numeric else f"<th>{_esc(c)}</th>" for c in cols)
    return HTML(f'<table class="{classes}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>')


def comparison_view(d) -> HTML:
    """Every option and plan of a decision side by side, formatted, in two tables narrow enough for a page: each
    plan's eligibility, quality (to a tenth of a per cent, as the floor is written), monthly cost (tagged with its
    key in the decision), cost per million tokens and per request; then what each monthly cost is made of, one row
    per component [USD/month] and one column per plan."""
    plans = list(d.options.items())
    summary = [{"plan": o.name + (" (recommended)" if k == d.recommended else ""),
                "eligible": "yes" if o.eligible else f"no: {o.why_not}",
                "quality": pct(o.quality, decimals=1),
                "monthly cost": fact(f"options.{k}.monthly_usd", usd(o.monthly_usd)),
                "per million tokens (all in)": per_mtok, "per request": per_request}
               for (k, o), per_mtok, per_request in zip(plans, usd_column([o.usd_per_mtok for _, o in plans]),
                                                        usd_column([o.usd_per_request for _, o in plans]))]
    order = COMPONENTS + [f"{k}_usd" for k in OPTIONS] + ["router_usd"]
    comps = [c for c in order if any(o.components.get(c, 0) > 0 for _, o in plans)]
    head = "component (USD a month)"
    columns = {o.name: usd_column([o.components.get(c, 0) or np.nan for c in comps]) for _, o in plans}
    parts = [{head: COMPONENT_LABELS.get(c, c), **{name: "" if col[i] == "–" else col[i] for name, col in columns.items()}}
             for i, c in enumerate(comps)]
    return HTML(html_table(summary, "econ-table comparison",
                           ("quality", "monthly cost", "per million tokens (all in)", "per request"))
                + html_table(parts, "econ-table comparison components", tuple(columns)))


def fleet_sentence(d) -> Markdown:
    """The self-hosted fleet in words: GPUs, degree, replicas, utilization, price basis, and the candidates tried."""
    f = d.fleet
    text = (f"The cheapest self-hosted fleet that meets the latency targets at the peak ({f.peak_requests_per_s:,.2f} "
            f"requests/s) is {_plural(f.gpus, 'GPU')}: {_plural(f.replicas, 'replica')} "
            f"({f.serving_replicas:,} serving + {f.spare_replicas:,} spare) of {f.tensor_parallel} × {f.gpu_name} "
            f"(tensor parallel {f.tensor_parallel}), each serving {f.replica_output_tokens_per_s:,.0f} output tokens/s "
            f"({f.throughput_note}). GPUs {f.price_basis}: {usd(f.usd_per_gpu_hour, price=True)} per GPU-hour, "
            f"{usd(f.fleet_usd_per_month)} a month. Utilization (mean demand over the serving replicas' capacity, "
            f"spares excluded) is {fact('fleet.utilization', pct(f.utilization))}; the GPUs alone cost {usd(f.gpu_only_usd_per_mtok, price=True)} per million "
            "tokens served.")
    if len(f.candidates) > 1:
        others = sorted((c for c in f.candidates if not c["chosen"]), key=lambda c: c["fleet_usd_per_month"])[:3]
        text += " Next cheapest: " + "; ".join(
            f"{c['gpus']} × {c['gpu']} at tensor parallel {c['tensor_parallel']}, {usd(c['fleet_usd_per_month'])}"
            for c in others) + "."
    return Markdown(text)


def summary_markdown(d) -> Markdown:
    """A closing paragraph: the decision, the fleet and every breakeven interval, each figure from the decision."""
    from ._breakeven import intervals_sentence

    lines = [decision_sentence(d)]
    f = d.fleet
    lines.append(f"Self-hosting needs {_plural(f.gpus, 'GPU')} and would run at "
                 f"{fact('fleet.utilization', pct(f.utilization))} utilization: "
                 "the fleet is sized for the peak plus spares and is paid for around the clock.")
    for b in d.breakevens:
        lines.append(f"Between the {OPTIONS[b['a']]}{noun(b['a'])} and the {OPTIONS[b['b']]}{noun(b['b'])}: "
                     f"{intervals_sentence(b['intervals'], b['a'], b['b'])}.")
    if d.flips:
        f0 = d.flips[0]
        name = assumption_name(f0.get("label") or key_label(f0["key"]), f0["key"], within=True)
        lines.append(f"The nearest flip: the recommendation changes when {name} goes {f0['direction']} "
                     f"{value_with_unit(f0['flip_value'], f0['unit'])} (now {value_with_unit(f0['value'], f0['unit'])}).")
    return Markdown(" ".join(lines))


GLOSSARY = {
    "all-in USD per million tokens": "an option's whole monthly cost (tokens, GPUs, people, egress, compliance, ...) "
                                     "divided by the millions of tokens, input and output, it serves that month",
    "AUC (router)": "the router's skill at telling hard requests from easy ones: the chance it scores a random hard "
                    "request above a random easy one (0.5 is a coin toss, 1 is perfect)",
    "batch API": "a provider's discounted service for requests that can wait up to a day",
    "breakeven interval": "a range of daily volumes in which one option is the cheaper; a step-shaped self-hosted cost can "
                          "make the cheaper option change more than once",
    "capex, opex": "money paid up front for things the team keeps (bought GPUs), and money paid as it goes (rent, tokens, "
                   "people, power)",
    "commitment discount": "the price cut a cloud gives for renting GPUs for one or three years, paid whether used or not",
    "confidence": "the share of Monte Carlo draws in which the recommended plan stays the cheapest eligible one",
    "eligible": "permitted by the scenario and reaching its quality floor",
    "flip point": "the value at which one assumption, the others held, makes another plan the cheapest eligible one",
    "goodput": "the requests or tokens per second a server delivers while meeting its latency targets",
    "GPU-only USD per million tokens": "the self-hosted GPUs' cost alone (rent, or depreciation, power and hosting) over "
                                       "the tokens served",
    "KV cache": "the memory a model keeps per request for the tokens it has seen; it limits how many requests a GPU "
                "serves at once",
    "mixture of experts (MoE)": "a model whose layers hold many expert networks of which each token uses a few: all "
                                "must sit in memory, few are computed",
    "Monte Carlo": "repeating the calculation many times with every uncertain assumption drawn from its stated range",
    "N+1 spare": "one replica more than the peak needs, for failures and rolling upgrades",
    "peak-to-mean": "the busiest hour's load over the average hour's",
    "present cost (NPV)": "every month's cash over the horizon, discounted to today at the scenario's discount rate",
    "quality floor": "the share of acceptable answers a plan must reach to be eligible",
    "replica": "one copy of the model serving requests, on as many GPUs as its tensor-parallel degree",
    "roofline": "the capacity model's estimate of a step's time: the longer of memory traffic over bandwidth and "
                "arithmetic over compute",
    "routed split": "a plan in which a router sends each request to the open model or the closed API by its difficulty",
    "runner-up": "the next cheapest eligible plan",
    "Sobol index": "the share of the spread of a result that one assumption explains, alone or with others",
    "tensor parallel": "one replica's model split across several GPUs that work on every token together",
    "tornado": "a chart of how far the result moves when each assumption alone goes to the ends of its range",
    "TPOT": "time per output token: how fast a user sees the answer stream, after the first token",
    "TTFT": "time to first token: how long a user waits before the answer starts",
    "utilization": "mean demand over the capacity of the serving replicas (spares excluded)",
    "Wilson interval": "the range within which a probability estimated from a finite number of draws lies, 95 times "
                       "in 100",
}
"""The terms the report uses, in words a finance reader reads (shown by `glossary`)."""


def glossary() -> HTML:
    """The report's glossary as an HTML definition list."""
    items = "".join(f"<dt>{_esc(k)}</dt><dd>{_esc(v)}</dd>" for k, v in sorted(GLOSSARY.items(), key=lambda kv: kv[0].lower()))
    return HTML(f'<dl class="glossary">{items}</dl>')
