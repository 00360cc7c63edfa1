"""The report pipeline: validates first, renders into a temporary place, never clobbers on failure, ends with its
workers, locks, checks what it published and keeps the index whole."""

import json
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import nbformat
import pytest

from econ import PARAMS_DIR, _pipeline, _report, load_scenario

ROOT = Path(__file__).resolve().parents[1]
KERNELSPEC = {"kernelspec": {"name": "python3", "language": "python", "display_name": "Python 3"}}
DRAWS = 500  # Monte Carlo draws of the decisions these tests compute: the pipeline is under test, not the numbers


def quick_decide(scenario, draws=DRAWS, **kwargs):
    return _real_decide(scenario, draws=draws, **kwargs)


_real_decide = _pipeline.decide


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
    monkeypatch.setattr(_pipeline, "decide", quick_decide)
    return out, nbs


def previous_intact(out: Path) -> bool:
    return ((out / "index.html").read_text() == "previous report"
            and (out / "enterprise_steady" / "01_cost_model.html").read_text() == "previous page"
            and not list(out.glob(".render-*")))


def _notebook(path: Path, *cells: str, parameters: str = 'scenario_file = ""') -> None:
    nb = nbformat.v4.new_notebook(metadata=KERNELSPEC)
    nb.cells = [nbformat.v4.new_code_cell(parameters, metadata={"tags": ["parameters"]}),
                *(nbformat.v4.new_code_cell(c) for c in cells)]
    nbformat.write(nb, path)


def _tiny_notebook(path: Path, extra: str = "") -> None:
    """A fast notebook with the report's parameter convention: it shows the scenario file."""
    _notebook(path, "import pathlib\nprint(pathlib.Path(scenario_file).read_text())" + extra)


def _scenario(path: Path, title: str, extra: str = "") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f'scenario:\n  title: {json.dumps(title)}\n  description: "test"\n{extra}')
    return path


def test_failing_notebook_names_itself_and_keeps_previous_outputs(dirs, capsys):
    out, nbs = dirs
    _notebook(nbs / "09_broken.ipynb", "raise RuntimeError('deliberate failure')")
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


def test_two_scenarios_with_one_name_are_refused_before_rendering(dirs, tmp_path, capsys):
    out, nbs = dirs
    _notebook(nbs / "01_marker.ipynb", f"open({str(tmp_path / 'executed')!r}, 'w').close()")
    other = tmp_path / "other" / "small_team_spiky.yaml"
    other.parent.mkdir()
    shutil.copy(PARAMS_DIR / "small_team_spiky.yaml", other)
    code = _report.build_report([str(PARAMS_DIR / "small_team_spiky.yaml"), str(other)])
    captured = capsys.readouterr()
    assert code == 1 and "rendering" not in captured.out
    assert "params/small_team_spiky.yaml" in captured.err and str(other) in captured.err
    assert "named 'small_team_spiky'" in captured.err
    assert previous_intact(out) and not (tmp_path / "executed").exists()
    assert _report.build_report([str(_scenario(tmp_path / "_static.yaml", "x"))]) == 1  # a name the kit uses
    assert "reserved" in capsys.readouterr().err and previous_intact(out)
    from econ.__main__ import main

    for taken in ("summary.xlsx.yaml", "Index.html.yaml"):  # crashed moving the pages over outputs/' own files
        assert _report.build_report([str(_scenario(tmp_path / taken, "x"))]) == 1
        assert "is taken by the report's own outputs/" in capsys.readouterr().err and previous_intact(out)
        assert main(["validate", str(tmp_path / taken)]) == 1  # validate said "ok" to it
        assert "is taken by the report's own outputs/" in capsys.readouterr().err


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
    # offline and light: the chart runtime and the notebook stylesheet are shared files, referenced relatively
    static = {p.name for p in (out / "_static").iterdir()}
    assert {n.split("-")[0] for n in static} == {"notebook", "vega"}
    for name in static:
        assert f'"../_static/{name}"' in page
    assert "cdn.jsdelivr" not in page.split("</head>")[0] and len(page) < 300_000
    assert "@media print" in page and "@media print" in index


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
    assert "<script>alert" not in index_html([quick_decide(sc)], [])
    assert "<script>alert" not in _report._navigation(Path("01_a.ipynb"), sc.title, [Path("01_a.ipynb")])


def test_rerun_renders_only_what_changed(dirs, tmp_path, capsys):
    out, nbs = dirs
    _tiny_notebook(nbs / "01_a.ipynb")
    _tiny_notebook(nbs / "02_b.ipynb")
    scenario = tmp_path / "mine.yaml"
    scenario.write_text('scenario:\n  title: "Mine <i>too</i>"\n  description: "first"\n')
    assert _report.build_report([str(scenario)], jobs=2) == 0
    pages = {p.name: p.read_bytes() for p in (out / "mine").glob("*.html")}
    assert set(pages) == {"01_a.html", "02_b.html"}
    nav = pages["01_a.html"].decode().split('<nav class="econ-nav"', 1)[1].split("</nav>")[0]
    assert 'href="../index.html"' in nav and 'href="02_b.html"' in nav and "Mine &lt;i&gt;too&lt;/i&gt;" in nav
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


def test_a_damaged_page_or_missing_file_is_rendered_again(dirs, tmp_path, capsys):
    out, nbs = dirs
    _tiny_notebook(nbs / "01_a.ipynb")
    _tiny_notebook(nbs / "02_b.ipynb")
    scenario = _scenario(tmp_path / "mine.yaml", "Mine")
    assert _report.build_report([str(scenario)]) == 0
    page = out / "mine" / "01_a.html"
    whole = page.read_bytes()
    capsys.readouterr()

    page.write_bytes(whole[: len(whole) // 2])  # one page cut short, its stamp intact
    (out / "mine" / "02_b.ipynb").unlink()  # the other's executed notebook missing
    assert _report.build_report([str(scenario)]) == 0
    assert "2 pages rendered" in capsys.readouterr().out
    assert page.read_bytes().endswith(b"</html>\n") and (out / "mine" / "02_b.ipynb").exists()

    css = next((out / "_static").glob("notebook-*.css"))  # a shared file altered: every page that uses it
    css.write_text(css.read_text() + "body{display:none}")
    (out / "summary.xlsx").write_bytes(b"")  # and the workbook
    assert _report.build_report([str(scenario)]) == 0
    assert "2 pages rendered" in capsys.readouterr().out
    assert "display:none" not in css.read_text() and zipfile.is_zipfile(out / "summary.xlsx")

    (out / "summary.xlsx").unlink()  # the workbook alone: the index and workbook again, no page
    assert _report.build_report([str(scenario)]) == 0
    assert "0 pages rendered" in capsys.readouterr().out and zipfile.is_zipfile(out / "summary.xlsx")
    assert _report.build_report([str(scenario)]) == 0 and "up to date" in capsys.readouterr().out


def test_the_index_lists_every_published_scenario_whose_file_remains(dirs, tmp_path, capsys):
    out, nbs = dirs
    _tiny_notebook(nbs / "01_a.ipynb")
    a, b = _scenario(tmp_path / "a.yaml", "Scenario A"), _scenario(tmp_path / "b.yaml", "Scenario B")
    assert _report.build_report([str(a), str(b)]) == 0
    assert {"a", "b"} <= {p.parent.name for p in out.glob("*/01_a.html")}
    capsys.readouterr()

    _scenario(a, "Scenario A, edited")  # rendering A alone: B stays in the index
    assert _report.build_report([str(a)]) == 0
    assert "1 pages rendered" in capsys.readouterr().out
    index = (out / "index.html").read_text()
    assert "Scenario A, edited" in index and "Scenario B" in index and 'href="b/01_a.html"' in index

    _scenario(b, "Scenario B, edited")  # B's pages now out of date: out of the index, kept on disk, said so
    assert _report.build_report([str(a)]) == 0
    assert "outputs/b/ is out of date" in capsys.readouterr().out
    assert "Scenario B" not in (out / "index.html").read_text() and (out / "b" / "01_a.html").exists()

    assert _report.build_report([str(a), str(b)]) == 0  # rendered again: back in the index
    assert "Scenario B, edited" in (out / "index.html").read_text()

    b.unlink()  # a removed scenario: its outputs go
    assert _report.build_report([str(a)]) == 0
    assert not (out / "b").exists() and 'href="b/' not in (out / "index.html").read_text()
    assert (out / "enterprise_steady" / "01_cost_model.html").read_text() == "previous page"  # its file exists


def test_per_scenario_files_are_computed_once_and_read_by_every_page(dirs, tmp_path, monkeypatch, capsys):
    out, nbs = dirs
    calls = []
    compute = _report._scenario_artifacts

    def counted(scenario, folder):
        calls.append(scenario.name)
        return compute(scenario, folder)

    monkeypatch.setattr(_report, "_scenario_artifacts", counted)
    reads = "import json\nprint('decision for', json.load(open(decision_file))['title'])"
    for name, declared in (("01_a", 'decision_file = ""'), ("02_b", 'decision_file: str = ""  # annotated')):
        _notebook(nbs / f"{name}.ipynb", reads, parameters=f'scenario_file = ""\n{declared}')
    scenario = _scenario(tmp_path / "mine.yaml", "Mine")
    assert _report.build_report([str(scenario)], jobs=2) == 0
    assert calls == ["mine"]
    assert json.loads((out / "mine" / "decision.json").read_text())["title"] == "Mine"
    for name in ("01_a", "02_b"):
        assert "decision for Mine" in (out / "mine" / f"{name}.html").read_text()
        executed = nbformat.read(out / "mine" / f"{name}.ipynb", as_version=4)
        assert ".render-" not in json.dumps(executed)
        assert executed.metadata.papermill.parameters.decision_file.endswith("outputs/mine/decision.json")
    capsys.readouterr()
    (out / "mine" / "decision.json").write_text("{}")  # altered: computed again, the pages stand
    assert _report.build_report([str(scenario)]) == 0
    assert calls == ["mine", "mine"] and "0 pages rendered" in capsys.readouterr().out
    assert json.loads((out / "mine" / "decision.json").read_text())["title"] == "Mine"
    assert _report.build_report([str(scenario)]) == 0 and calls == ["mine", "mine"]


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


# --- one report at a time, and nothing left running ---------------------------------------------------------------

DRIVER = f"""
import functools, sys
from pathlib import Path
from econ import _pipeline, _report
_report.OUTPUT_DIR, _report.NOTEBOOK_DIR = Path(sys.argv[1]), Path(sys.argv[2])
_pipeline.decide = functools.partial(_pipeline.decide, draws={DRAWS})
sys.exit(_report.build_report(sys.argv[3:], jobs=1))
"""


def start_report(out: Path, nbs: Path, *scenarios: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", DRIVER, str(out), str(nbs), *map(str, scenarios)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)


def descendants(pid: int) -> dict[int, str]:
    """Live processes under ``pid`` (from /proc): pid -> command line."""
    parents, commands = {}, {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if fields[0] != "Z":
                parents[int(stat.parent.name)] = int(fields[1])
                commands[int(stat.parent.name)] = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, IndexError, ValueError):
            continue
    found, frontier = {}, [pid]
    while frontier:
        p = frontier.pop()
        for child, parent in parents.items():
            if parent == p and child not in found:
                found[child] = commands[child]
                frontier.append(child)
    return found


def wait_for(condition, timeout_s: float = 60.0) -> bool:
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.1)
    return False


def alive(pids) -> list[int]:
    out = []
    for p in pids:
        try:
            state = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            out.append(p)
    return out


needs_proc = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads the process tree from /proc")


@needs_proc
@pytest.mark.parametrize("how", ["SIGINT", "SIGTERM", "SIGKILL"])
def test_workers_and_kernels_end_with_the_report(dirs, tmp_path, capsys, how):
    out, nbs = dirs
    _notebook(nbs / "01_slow.ipynb", "import time\ntime.sleep(300)")
    report = start_report(out, nbs, _scenario(tmp_path / "mine.yaml", "Mine"))
    try:
        assert wait_for(lambda: any("ipykernel" in c for c in descendants(report.pid).values())), report.communicate()
        tree = descendants(report.pid)
        time.sleep(0.5)
        report.send_signal(getattr(signal, how))
        code = report.wait(timeout=30)
    finally:
        if report.poll() is None:
            report.kill()
    assert wait_for(lambda: not alive(tree), timeout_s=15), f"still running after {how}: {tree}"
    if how == "SIGKILL":
        assert list(out.glob(".render-*"))  # what a killed report leaves; the next report removes it
        _tiny_notebook(nbs / "01_slow.ipynb")
        assert _report.build_report([str(tmp_path / "mine.yaml")]) == 0
    else:
        assert code == {"SIGINT": 130, "SIGTERM": 128 + signal.SIGTERM}[how]
        assert previous_intact(out)
    assert not list(out.glob(".render-*"))


def test_a_second_report_waits_for_the_first_and_renders_nothing_again(dirs, tmp_path):
    out, nbs = dirs
    _notebook(nbs / "01_a.ipynb", "import time\ntime.sleep(3)")
    scenario = _scenario(tmp_path / "mine.yaml", "Mine")
    first = start_report(out, nbs, scenario)
    assert wait_for(lambda: list(out.glob(".render-*")) or first.poll() is not None)  # rendering, the lock held
    second = start_report(out, nbs, scenario)
    line = second.stdout.readline()
    assert "another report is running" in line and f"pid {first.pid}" in line and "waiting" in line
    first_out, first_err = first.communicate(timeout=120)
    second_out, second_err = second.communicate(timeout=120)
    assert first.returncode == 0 and second.returncode == 0, first_err + second_err
    assert "1 pages rendered" in first_out and "up to date" in second_out and "rendering" not in second_out


def test_index_links_names_with_url_characters(tmp_path):
    sc = load_scenario(_scenario(tmp_path / "what?#.yaml", "Odd"))
    assert 'href="what%3F%23/01_a.html"' in _report.index_html([quick_decide(sc)], [Path("01_a.ipynb")])


def test_sensitivity_notebook_draws_are_the_decisions():
    """Notebook 03's Monte Carlo is the one behind each decision's confidence: same number of draws, same seed."""
    from econ._pipeline import DECISION_DRAWS, DECISION_SEED

    params = {}
    exec(nbformat.read(ROOT / "notebooks" / "03_sensitivity.ipynb", as_version=4).cells[1].source, params)
    assert (params["draws"], params["seed"]) == (DECISION_DRAWS, DECISION_SEED)


# --- import weight --------------------------------------------------------------------------------------------------

def test_import_econ_is_light_and_the_flat_api_whole():
    """``import econ`` and the report's no-change path load no numeric stack; every public name still resolves."""
    code = """
import sys, econ, econ._report, econ.__main__
heavy = sorted(m for m in ("pandas", "numpy", "scipy", "altair") if m in sys.modules)
assert not heavy, heavy
assert set(econ.__all__) <= set(dir(econ))
from econ import *  # every name of __all__ resolves
from econ import compare, load_scenario
assert econ.compare is compare and "compare" in dir(econ)
try:
    econ.no_such_name
except AttributeError as e:
    assert "no_such_name" in str(e)
else:
    raise AssertionError("econ.no_such_name did not raise")
"""
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    assert run.stdout == ""  # nothing printed on import


def test_a_scenarios_profile_csv_is_part_of_its_digest(tmp_path):
    """Editing only the traffic profile CSV a scenario names renders its pages again."""
    scenario, profile = tmp_path / "s.yaml", tmp_path / "week.csv"
    scenario.write_text("traffic:\n  profile: {value: week.csv, source: our gateway}\n")
    profile.write_text("timestamp,requests\n")
    before = _report.scenario_digest(scenario)
    profile.write_text("timestamp,requests\n2026-01-01T00:00:00,5\n")
    assert _report.scenario_digest(scenario) != before
    config = tmp_path / "cfg" / "config.json"  # and the model config.json it names (relative to it)
    config.parent.mkdir()
    config.write_text("{}")
    scenario.write_text("selfhost:\n  model: {value: cfg/config.json, source: our fine-tune}\n")
    before = _report.scenario_digest(scenario)
    config.write_text('{"num_hidden_layers": 32}')
    assert _report.scenario_digest(scenario) != before


@pytest.mark.parametrize("args", [["--jobs", "0"], ["--jobs", "-1"], ["--jobs", "two"], ["--scenarios"]])
def test_report_options_out_of_range_are_refused_before_anything_runs(args, capsys):
    """``--jobs 0`` or ``-1`` ran silently with one worker or the default; ``--scenarios`` with no file meant all."""
    from econ.__main__ import main

    with pytest.raises(SystemExit) as info:
        main(["report", "--no-open", *args])
    err = capsys.readouterr().err
    assert info.value.code == 2 and args[0] in err
    assert ("expected a whole number of workers >= 1" in err) if args[0] == "--jobs" else ("expected at least one" in err)
