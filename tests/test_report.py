"""The report pipeline: validates first, renders into a temporary place, never clobbers on failure."""

import shutil
from pathlib import Path

import nbformat
import pytest

from econ import PARAMS_DIR, _report, load_scenario

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def dirs(tmp_path, monkeypatch):
    out, nbs = tmp_path / "outputs", tmp_path / "notebooks"
    out.mkdir()
    nbs.mkdir()
    (out / "index.html").write_text("previous report")
    (out / "enterprise_steady").mkdir()
    (out / "enterprise_steady" / "01_cost_model.html").write_text("previous page")
    monkeypatch.setattr(_report, "OUTPUT_DIR", out)
    monkeypatch.setattr(_report, "NOTEBOOK_DIR", nbs)
    return out, nbs


def previous_intact(out: Path) -> bool:
    return ((out / "index.html").read_text() == "previous report"
            and (out / "enterprise_steady" / "01_cost_model.html").read_text() == "previous page"
            and not list(out.glob(".render-*")))


def test_failing_notebook_names_itself_and_keeps_previous_outputs(dirs, capsys):
    out, nbs = dirs
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "language": "python", "display_name": "Python 3"}})
    nb.cells = [nbformat.v4.new_code_cell('scenario_file = ""', metadata={"tags": ["parameters"]}),
                nbformat.v4.new_code_cell("raise RuntimeError('deliberate failure')")]
    nbformat.write(nb, nbs / "09_broken.ipynb")
    code = _report.build_report([str(PARAMS_DIR / "enterprise_steady.yaml")])
    err = capsys.readouterr().err
    assert code == 1
    assert "09_broken.ipynb" in err and "params/enterprise_steady.yaml" in err and "deliberate failure" in err
    assert previous_intact(out)


def test_invalid_scenario_stops_before_executing(dirs, tmp_path, capsys):
    out, nbs = dirs
    bad = tmp_path / "bad.yaml"
    bad.write_text("selfhost:\n  max_utilization: {value: 1.5, source: x}\n")
    code = _report.build_report([str(PARAMS_DIR / "enterprise_steady.yaml"), str(bad)])
    err = capsys.readouterr().err
    assert code == 1 and "bad.yaml" in err and "selfhost.max_utilization" in err and "1.5" in err
    assert previous_intact(out)


def test_report_renders_pages_and_index(dirs):
    out, nbs = dirs
    shutil.copy(ROOT / "notebooks" / "01_cost_model.ipynb", nbs)
    assert _report.build_report([str(PARAMS_DIR / "small_team_spiky.yaml")]) == 0
    page = (out / "small_team_spiky" / "01_cost_model.html").read_text()
    assert "Small team, low and spiky volume" in page and "rent_usd_per_gpu_hour" in page
    assert "import econ" not in page  # code hidden for finance
    index = (out / "index.html").read_text()
    assert 'href="small_team_spiky/01_cost_model.html"' in index
    assert (out / "enterprise_steady" / "01_cost_model.html").read_text() == "previous page"  # untouched


def test_text_from_parameter_files_is_escaped(tmp_path):
    from econ import load_scenario, scenario_header
    from econ._report import index_html

    path = tmp_path / "evil.yaml"
    path.write_text('scenario:\n  title: "<script>alert(1)</script> & co"\n  description: "<b>bold</b>"\n')
    sc = load_scenario(path)
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    header = markdown2html_mistune(scenario_header(sc)._repr_markdown_())  # as the page shows it
    assert "<script>" not in header and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in header
    assert "&lt;b&gt;bold&lt;/b&gt;" in header
    from econ import decide

    assert "<script>alert" not in index_html([decide(sc, draws=100)], [])


def _tiny_notebook(path: Path, extra: str = "") -> None:
    """A fast notebook with the report's parameter convention: the scenario's header and its comparison."""
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "language": "python", "display_name": "Python 3"}})
    nb.cells = [nbformat.v4.new_code_cell('scenario_file = ""\ndecision_file = ""', metadata={"tags": ["parameters"]}),
                nbformat.v4.new_code_cell("import econ\nsc = econ.load_scenario(scenario_file)\n"
                                          "d = econ.decision(sc, decision_file)\necon.scenario_header(sc)"),
                nbformat.v4.new_code_cell("econ.comparison_view(d)" + extra)]
    nbformat.write(nb, path)


def test_rerun_renders_only_what_changed(dirs, tmp_path, capsys):
    out, nbs = dirs
    _tiny_notebook(nbs / "01_a.ipynb")
    _tiny_notebook(nbs / "02_b.ipynb")
    scenario = tmp_path / "mine.yaml"
    scenario.write_text('scenario:\n  title: "Mine"\n  description: "first"\n')
    assert _report.build_report([str(scenario)], jobs=2) == 0
    pages = {p.name: p.read_bytes() for p in (out / "mine").glob("*.html")}
    assert set(pages) == {"01_a.html", "02_b.html"}
    index = (out / "index.html").read_bytes()
    capsys.readouterr()

    assert _report.build_report([str(scenario)]) == 0  # nothing changed: nothing rendered, nothing rewritten
    assert "up to date" in capsys.readouterr().out
    assert {p.name: p.read_bytes() for p in (out / "mine").glob("*.html")} == pages
    assert (out / "index.html").read_bytes() == index

    _tiny_notebook(nbs / "02_b.ipynb", extra="\n1 + 1")  # one notebook changed: only its page is rendered
    assert _report.build_report([str(scenario)]) == 0
    assert "1 pages rendered" in capsys.readouterr().out
    assert (out / "mine" / "01_a.html").read_bytes() == pages["01_a.html"]
    assert (out / "mine" / "02_b.html").read_bytes() != pages["02_b.html"]

    scenario.write_text('scenario:\n  title: "Mine, edited"\n  description: "second"\n')  # the scenario: both
    assert _report.build_report([str(scenario)]) == 0
    assert "2 pages rendered" in capsys.readouterr().out
    assert "Mine, edited" in (out / "mine" / "01_a.html").read_text()

    (nbs / "02_b.ipynb").unlink()  # a notebook removed: its page goes, the index stops linking it
    assert _report.build_report([str(scenario)]) == 0
    assert not (out / "mine" / "02_b.html").exists() and "02_b.html" not in (out / "index.html").read_text()


def test_code_change_invalidates_every_page(dirs, monkeypatch):
    out, nbs = dirs
    _tiny_notebook(nbs / "01_a.ipynb")
    sc = load_scenario(PARAMS_DIR / "small_team_spiky.yaml")
    before = _report.inputs_digest(nbs / "01_a.ipynb", sc)
    fake_package = out.parent / "econ"
    shutil.copytree(_report.PACKAGE_DIR, fake_package, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(_report, "PACKAGE_DIR", fake_package)
    monkeypatch.setattr(_report, "PROJECT_DIR", out.parent)
    (out.parent / "params").mkdir()
    monkeypatch.setattr(_report, "DEFAULTS_FILE", Path(shutil.copy(PARAMS_DIR / "_defaults.yaml", out.parent / "params")))
    shutil.copy(ROOT / "pyproject.toml", out.parent)
    same = _report.inputs_digest(nbs / "01_a.ipynb", sc)
    (fake_package / "_costs.py").write_text((fake_package / "_costs.py").read_text() + "\n# edited\n")
    assert same == before
    assert _report.inputs_digest(nbs / "01_a.ipynb", sc) != before


def test_workbook_holds_every_scenario_with_its_numbers():
    import io
    import zipfile

    import pandas as pd

    from econ import decide, scenario_files
    from econ._views import PLAN_NAMES

    scenarios = [load_scenario(f) for f in scenario_files()]
    decisions = [decide(sc, draws=2_000) for sc in scenarios]
    data = _report.workbook_bytes(scenarios, decisions)
    assert data == _report.workbook_bytes(scenarios, decisions)  # no save time inside: reruns give the same file
    sheets = pd.read_excel(io.BytesIO(data), sheet_name=None)
    assert set(sheets) == {"summary", "provenance", *(sc.name for sc in scenarios)}
    summary = sheets["summary"].set_index("scenario file")
    for sc, d in zip(scenarios, decisions):
        row = summary.loc[sc.name]
        for key, name in PLAN_NAMES.items():
            cell = row[f"{name} [USD/month]"]
            if key in d.options:
                assert cell == pytest.approx(d.options[key].monthly_usd)
            else:
                assert pd.isna(cell)
        assert row["recommended plan"] == d.options[d.recommended].name
        assert row["confidence: share of draws in which it stays the cheapest eligible plan [fraction]"] == pytest.approx(d.confidence)
        sheet = sheets[sc.name].astype(str)
        assert sheet.apply(lambda col: col.str.contains("workload.requests_per_day")).any().any()
        assert sc.file.name in sheets["provenance"]["item"].str.cat()
    with zipfile.ZipFile(io.BytesIO(data)) as z:  # no local paths
        text = "".join(z.read(n).decode() for n in z.namelist())
    assert str(ROOT) not in text and "/tmp/" not in text and "params/small_team_spiky.yaml" in text


def test_sensitivity_notebook_draws_are_the_decisions():
    """Notebook 03's Monte Carlo is the one behind each decision's confidence: same number of draws, same seed."""
    from econ._pipeline import DECISION_DRAWS, DECISION_SEED

    params = {}
    exec(nbformat.read(ROOT / "notebooks" / "03_sensitivity.ipynb", as_version=4).cells[1].source, params)
    assert (params["draws"], params["seed"]) == (DECISION_DRAWS, DECISION_SEED)
