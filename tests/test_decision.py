"""One decision per scenario, read everywhere: every rendered page, the index and summary.xlsx show the recommended
plan, each option's monthly cost, the confidence and the fleet's utilization of `outputs/<scenario>/decision.json`,
and nothing else under those names."""

import html
import io
import re

import pandas as pd
import pytest

from econ import _report, load_decision
from econ._views import PLAN_NAMES, pct, usd

FACT = re.compile(r'<span class="econ-fact" data-fact="([^"]+)">([^<]*)</span>')


def expected_facts(d) -> dict[str, str]:
    out = {"recommended": d.options[d.recommended].name, "confidence": pct(d.confidence),
           "fleet.utilization": pct(d.fleet.utilization)}
    out.update({f"options.{k}.monthly_usd": usd(o.monthly_usd) for k, o in d.options.items()})
    return out


def facts_in(text: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for key, value in FACT.findall(text):
        found.setdefault(html.unescape(key), set()).add(html.unescape(value))
    return found


def test_every_page_shows_the_decision_of_its_scenario(report):
    scenarios = sorted(p.parent for p in report.glob("*/decision.json"))
    assert len(scenarios) == len(list(_report.scenario_files()))
    for folder in scenarios:
        d = load_decision(folder / "decision.json")
        want = expected_facts(d)
        seen: dict[str, set[str]] = {}
        pages = sorted(folder.glob("*.html"))
        assert len(pages) == len(_report.notebooks())
        for page in pages:
            found = facts_in(page.read_text(encoding="utf-8"))
            assert "recommended" in found, f"{folder.name}/{page.name} does not state the decision"
            for key, values in found.items():
                seen.setdefault(key, set()).update(values)
        for key, values in seen.items():
            assert values == {want[key]}, f"{folder.name}: {key} shown as {sorted(values)}, decision.json says {want[key]}"
        assert {"recommended", "confidence", "fleet.utilization", f"options.{d.recommended}.monthly_usd"} <= set(seen)


def test_the_index_shows_each_decision(report):
    text = (report / "index.html").read_text(encoding="utf-8")
    summary, compare = text.split("</table>")[0], text.split('id="compare"')[1].split("</table>")[0]
    rows = summary.split("<tr>")[2:]  # one row per scenario, in the order of params/
    decisions = [load_decision(report / f.stem / "decision.json") for f in _report.scenario_files()]
    assert len(rows) == len(decisions)
    for row, d in zip(rows, decisions):
        want = expected_facts(d)
        for key, values in facts_in(row).items():
            assert values == {want[key]}, f"index, {d.scenario}: {key}"
        assert d.title in html.unescape(row)
    for row in compare.split("<tr>")[2:]:  # scenarios side by side: one column per scenario, same order
        cells = row.split("<td>")[1:]
        assert len(cells) == len(decisions)
        for cell, d in zip(cells, decisions):
            want = expected_facts(d)
            for key, values in facts_in(cell).items():
                assert values == {want[key]}, f"index, scenarios side by side, {d.scenario}: {key}"


def test_the_workbook_holds_each_decision(report):
    sheets = pd.read_excel(io.BytesIO((report / "summary.xlsx").read_bytes()), sheet_name=None)
    summary = sheets["summary"].set_index("scenario file")
    for f in _report.scenario_files():
        d = load_decision(report / f.stem / "decision.json")
        row = summary.loc[d.scenario]
        assert row["recommended plan"] == d.options[d.recommended].name
        assert row["self-hosted utilization [fraction]"] == pytest.approx(d.fleet.utilization)
        for key, name in PLAN_NAMES.items():
            cell = row[f"{name} [USD/month]"]
            assert (pd.isna(cell) if key not in d.options else cell == pytest.approx(d.options[key].monthly_usd))
