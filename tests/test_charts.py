"""Every chart and table the pages show, for every shipped scenario: one colour per name on every page and scenario
(the palette of `econ._style`), numbers in k, M, B and dollars, a legend wherever colour or dash carries meaning,
marks labelled rather than left to hover, and formatted HTML tables instead of raw frames.

(That no chart draws text over text is measured in a real browser: tests/test_browser.py.)
"""

import re
from collections import defaultdict

import altair as alt
import numpy as np
import pandas as pd
import pytest
import vl_convert as vlc

import econ
from econ import _style
from econ._views import usd_column

SCENARIOS = sorted(p.stem for p in econ.scenario_files())


def _page_charts(sc) -> dict[str, alt.TopLevelMixin]:
    """The charts the notebooks draw for one scenario, as they call them (fewer draws and points)."""
    d = econ.decide(sc, draws=300)
    against = econ.reference_option(sc)
    traffic = econ.traffic_from_scenario(sc)
    policies = econ.provisioning_table(**traffic)
    r = econ.routing_from_scenario(sc)
    plan = econ.routed_plan(r)
    tl = econ.timeline_from_scenario(sc)
    strategies = econ.timeline_strategies(tl)
    tor = econ.tornado(sc, against)
    charts = {
        "00 cash flow": econ.cash_flow_chart(d),
        "01 volume": econ.cost_vs_volume_chart(sc),
        "01 utilization": econ.usd_per_mtok_vs_utilization_chart(sc),
        "01 components": econ.cost_components_chart(d),
        "02 batch": econ.throughput_vs_batch_chart(**econ.capacity_from_scenario(sc)),
        "02 heat map": econ.profile_chart(traffic["profile"]),
        "02 series": econ.profile_chart(traffic["profile"], kind="series",
                                        timeline=econ.provisioning_timeline_from_scenario(sc, traffic)),
        "02 policies": econ.provisioning_chart(policies),
        "02 by volume": econ.provisioning_volume_chart(econ.provisioning_by_volume(sc, [0.5, 1, 10]),
                                                       d.workload["tokens_per_day"]),
        "03 tornado": econ.tornado_chart(tor, "savings_usd"),
        "03 tornado breakeven": econ.tornado_chart(tor, "breakeven_tokens_per_day"),
        "03 surface": econ.breakeven_surface_chart(econ.breakeven_surface(sc, against=against, points=5)),
        "03 savings": econ.savings_distribution_chart(econ.monte_carlo(sc, 500, 1, against)),
        "03 probability": econ.probability_cheaper_chart(econ.probability_cheaper(sc, 200, 1, against, points=5)),
        "04 per request": econ.finetune_cost_per_request_chart(econ.finetune_table(sc)),
        "04 decomposition": econ.finetune_decomposition_chart(econ.finetune_decomposition(sc)),
        "04 cumulative": econ.finetune_cumulative_chart(sc),
        "04 payback": econ.payback_sensitivity_chart(sc, "context_reduction"),
        "04 volume": econ.finetune_volume_chart(sc),
        "05 split": econ.routing_cost_chart(econ.cost_by_split(**r.split_args, plan=plan, points=11), plan),
        "05 frontier": econ.routing_frontier_chart(econ.cost_quality_frontier(**r.split_args, plan=plan, points=5)),
        "05 overflow": econ.overflow_chart(econ.overflow_costs(**r.overflow_args, routed_share=0.5)),
        "06 claim 18": econ.claim18_chart(econ.claim18_volumes()),
        "07 cumulative": econ.timeline_cumulative_chart(tl, econ.timeline_cumulative(tl, strategies)),
        "07 path": econ.timeline_path_chart(tl, strategies["best path"]),
        "07 switches": econ.switch_sensitivity_chart(econ.switch_sensitivity(sc, (0.0, 0.1), (0.0, 0.3))),
    }
    return charts


@pytest.fixture(scope="module")
def specs():
    """Every page's charts for every scenario, as Vega-Lite specs: {(scenario, chart): spec}."""
    out = {}
    for name in SCENARIOS:
        for key, chart in _page_charts(econ.load_scenario(econ.PARAMS_DIR / f"{name}.yaml")).items():
            assert isinstance(chart, alt.TopLevelMixin), key
            out[name, key] = chart.to_dict()
    return out


def _walk(spec):
    """Every view (a dict with an ``encoding`` or a ``mark``) in a spec, layers and concatenations included."""
    if isinstance(spec, dict):
        if "encoding" in spec or "mark" in spec:
            yield spec
        for v in spec.values():
            yield from _walk(v)
    elif isinstance(spec, list):
        for v in spec:
            yield from _walk(v)


def _axes_and_legends(spec):
    """Every axis and legend a spec sets (in encodings and in its configuration)."""
    if isinstance(spec, dict):
        for k, v in spec.items():
            if k in ("axis", "legend") and isinstance(v, dict):
                yield v
            yield from _axes_and_legends(v)
    elif isinstance(spec, list):
        for v in spec:
            yield from _axes_and_legends(v)


def test_one_colour_per_name_on_every_page_and_scenario(specs):
    """Every colour by category names its colours (no colour by order of appearance); a name the palette knows
    has the palette's colour; and no name has two colours anywhere in the report."""
    seen = defaultdict(set)
    for where, spec in specs.items():
        for view in _walk(spec):
            enc = view.get("encoding", {}).get("color", {})
            if enc.get("type") != "nominal":
                continue
            scale = enc.get("scale", {})
            assert "domain" in scale and "range" in scale, f"{where}: colour by {enc.get('field')} has no fixed colours"
            for name, colour in zip(scale["domain"], scale["range"]):
                assert _style.PALETTE.get(name, colour) == colour, f"{where}: {name!r} is {colour}, not the palette's"
                seen[name].add(colour)
    assert {"closed API", "self-hosted", "tokens", "GPUs", "engineering"} <= set(seen)
    assert {n: c for n, c in seen.items() if len(c) > 1} == {}


def test_a_colour_or_dash_that_means_something_has_a_legend(specs):
    """A categorical colour or dash is explained by a legend (or, for a one-colour chart, needs none); a dash
    encoded by another field than the colour has its own legend."""
    for where, spec in specs.items():
        for view in _walk(spec):
            enc = view.get("encoding", {})
            color, dash = enc.get("color", {}), enc.get("strokeDash", {})
            if color.get("type") == "nominal" and len(color.get("scale", {}).get("domain", [])) > 1:
                assert color.get("legend", {}) is not None, f"{where}: colour without a legend"
            if "field" in dash and dash.get("field") != color.get("field"):
                assert dash.get("legend", {}) is not None, f"{where}: dash without a legend"


def test_numbers_read_in_thousands_millions_billions(specs):
    """No axis or legend writes d3's SI prefixes by itself (its "G" for billions, "m" for thousandths): SI
    formats go through the kit's label expressions, which write B."""
    for where, spec in specs.items():
        for a in _axes_and_legends(spec):
            fmt = a.get("format", "")
            if isinstance(fmt, str) and fmt.endswith("s"):
                assert "labelExpr" in a, f"{where}: format {fmt!r} without the k/M/B label expression"


def _svg_texts(chart) -> list[str]:
    svg = vlc.vegalite_to_svg(chart.to_json())
    return [re.sub(r"<[^>]+>", "", t) for t in re.findall(r"<text[^>]*>(.*?)</text>", svg, re.S)]


def _chart_titles(spec):
    """Every chart title and subtitle in a spec (layers and concatenations included; not axis or legend titles), as
    (path, spec holding it, list of lines)."""
    if isinstance(spec, dict):
        t = spec.get("title")
        if isinstance(t, (str, list)):
            yield spec, [t] if isinstance(t, str) else t
        elif isinstance(t, dict):
            for k in ("text", "subtitle"):
                if k in t:
                    yield spec, [t[k]] if isinstance(t[k], str) else t[k]
        for k, v in spec.items():
            if k not in ("title", "encoding", "config", "datasets", "data"):
                yield from _chart_titles(v)
    elif isinstance(spec, list):
        for v in spec:
            yield from _chart_titles(v)


def _svg_width(spec) -> float:
    return float(re.search(r'<svg[^>]*\swidth="([\d.]+)"', vlc.vegalite_to_svg(spec))[1])


def test_titles_wrap_and_never_widen_a_chart(specs):
    """A title or subtitle is drawn in lines of at most `TITLE_LINE_CHARS` characters, and the chart is no wider
    with its titles than without them (a 269-character subtitle once made the volume chart 1,394 px wide)."""
    long = {(key, line) for key, spec in specs.items() for _, lines in _chart_titles(spec) for line in lines
            if len(line) > _style.TITLE_LINE_CHARS}
    assert not long, sorted(long)[:5]
    wider = {}
    for key, spec in specs.items():
        if key[0] != SCENARIOS[0]:  # one scenario's charts through the renderer: the titles differ little by scenario
            continue
        untitled = {k: v for k, v in spec.items() if k != "title"}
        with_px, without_px = _svg_width(spec), _svg_width(untitled)
        if with_px > without_px + 1:
            wider[key] = (with_px, without_px)
    assert not wider, wider


def test_wrap_lines_keeps_every_word_in_order():
    text = "per-token options: tokens plus fixed monthly costs (engineering, evaluation), so flat at low volumes " * 3
    lines = _style.wrap_lines(text, 60)
    assert all(len(x) <= 60 for x in lines) and " ".join(lines).split() == text.split()


def test_axis_labels_in_dollars_and_k_m_b():
    """Known answers, drawn by Vega itself: a log axis of counts from 100 thousand to 10 billion and one of dollars
    from 10 cents to a billion."""
    frame = pd.DataFrame({"x": [1e5, 1e10], "y": [0.1, 1e9]})
    chart = alt.Chart(frame).mark_point().encode(
        x=alt.X("x:Q", scale=alt.Scale(type="log"), axis=_style.count_axis()),
        y=alt.Y("y:Q", scale=alt.Scale(type="log"), axis=_style.usd_axis()),
    ).properties(width=600, height=600)
    texts = set(_svg_texts(chart))
    assert {"100k", "1M", "10M", "1B", "10B"} <= texts
    assert {"$0.1", "$1", "$10", "$1k", "$1M", "$1B"} <= texts
    assert not any("G" in t or t.endswith("m") for t in texts)


def test_labels_of_nearby_rules_take_separate_rows():
    """`marked_rules` writes each label on its own row, left to right, so two rules a pixel apart do not
    overprint; a label in the right part of the axis ends at its rule."""
    layer = _style.marked_rules([(2e6, "b"), (1e6, "a"), (9e9, "c")], "x", (1e5, 1e10), log=True).to_dict()
    rows = {(r["x"], r["label"], r["y"], r["right"]) for data in layer["datasets"].values() for r in data}
    assert sorted(rows) == [(1e6, "a", 2, False), (2e6, "b", 17, False), (9e9, "c", 32, True)]
    texts = [v for v in layer["layer"] if v["mark"]["type"] == "text"]
    assert sorted(v["mark"]["align"] for v in texts) == ["left", "right"]


def test_the_routed_split_chart_uses_the_split_the_decision_prices():
    """Issue 16: page 05 stacked the self-hosted fleet under the closed API though the decision's split uses
    the managed endpoint, and the stack fell to $0 at 100 % premium."""
    sc = econ.load_scenario(econ.PARAMS_DIR / "enterprise_steady.yaml")
    r = econ.routing_from_scenario(sc)
    plan = econ.routed_plan(r)
    frame = econ.cost_by_split(**r.split_args, plan=plan, points=11)
    used = {k for k, x in plan.shares.items() if x > 1e-12}
    assert set(frame["destination"]) == used | {"router"}
    total = frame.groupby("premium_share")["monthly_usd"].sum()
    assert np.isclose(total.iloc[-1], plan.all_premium_usd) and (total > 0).all()
    spec = econ.routing_cost_chart(frame, plan).to_dict()
    assert f"{econ._views.pct(plan.premium_share)} to the closed API" in str(spec)


def test_views_are_formatted_tables():
    """The tables the pages show are HTML built by `html_table`: units in the headers, no index, no raw values
    (True/False, NaN, long decimals)."""
    for name in SCENARIOS:
        sc = econ.load_scenario(econ.PARAMS_DIR / f"{name}.yaml")
        r = econ.routing_from_scenario(sc)
        tl = econ.timeline_from_scenario(sc)
        views = [econ.destinations_view(r), econ.routing_plan_view(econ.routed_plan(r)),
                 econ.provisioning_view(econ.provisioning_table(**econ.traffic_from_scenario(sc))),
                 econ.finetune_view(econ.finetune_table(sc)), econ.payback_view(econ.payback_table(sc)),
                 econ.decomposition_view(econ.finetune_decomposition(sc)), econ.timeline_inputs(tl),
                 econ.timeline_npv_view(econ.timeline_npv_table(tl)), econ.uncertainty_view(sc),
                 econ.assumptions_view(sc), econ.claims_view(econ.claims_audit(sc, econ.decide(sc, draws=200)))]
        for html in views + [econ.validation_view()] * (name == SCENARIOS[0]):
            assert html.startswith('<table class="econ-table') and hasattr(html, "_repr_html_"), (name, html[:80])
            text = re.sub(r"<[^>]+>", " ", html)
            assert not re.search(r"\b(True|False|NaN|nan)\b|nan%|\$nan|\d\.\d{7,}", text), (name, text[:300])
        assert "(USD a month)" in views[1] and "(USD per million tokens)" in views[2]


def test_one_precision_per_money_column():
    assert usd_column([9068.6407, 0.3736]) == ["$9,068.64", "$0.37"]
    assert usd_column([9068.6407, 120.0]) == ["$9,069", "$120"]
    assert usd_column([0.000004, 0.00675]) == ["$0.000004", "$0.006750"]


def test_cost_vs_volume_draws_the_routed_split_the_decision_recommends():
    # Finance review: 01's cost-against-volume chart left out the routed split, enterprise's recommendation, and its
    # text said per-token options "rise in a straight line" (on log-log axes their fixed monthly costs bend them).
    import numpy as np

    from econ._charts import _volume_frame

    sc = econ.load_scenario(econ.PARAMS_DIR / "enterprise_steady.yaml")
    d = econ.decide(sc, draws=200)
    today = d.workload["tokens_per_day"]
    frame = _volume_frame(sc.replace({}), 161)
    routed = frame[frame["option"] == "routed split"].set_index("tokens_per_day")["monthly_usd"]
    assert len(routed) > 100
    # at the scenario's own volume the line passes through the decision's figure (log-interpolated on the grid)
    at_today = np.exp(np.interp(np.log(today), np.log(routed.index), np.log(routed.to_numpy())))
    assert at_today == pytest.approx(d.options["routed"].monthly_usd, rel=0.01)
    spec = str(econ.cost_vs_volume_chart(sc).to_dict())
    assert "routed split" in spec and "straight line" not in spec and "fixed monthly costs" in spec
    api = frame[frame["option"] == "closed API"]["monthly_usd"].to_numpy()
    slopes = np.diff(np.log(api)) / np.diff(np.log(frame[frame["option"] == "closed API"]["tokens_per_day"].to_numpy()))
    assert slopes.min() < 0.5 < 0.95 < slopes.max()  # flat at low volume, near slope 1 at high: not a straight line
