"""The report pipeline: validates first, renders into a temporary place, never clobbers on failure."""

import shutil
from pathlib import Path

import nbformat
import pytest

from econ import PARAMS_DIR, _report

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
    header = scenario_header(sc)
    assert "<script>" not in header and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in header
    assert "&lt;b&gt;bold&lt;/b&gt;" in header
    assert "<script>alert" not in index_html([sc], [])
