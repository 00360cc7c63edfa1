"""`make report`: every notebook for every scenario, executed by papermill and rendered to HTML, plus a summary.

- Validation first: one bad scenario file stops everything before a notebook runs; so do two scenario files with
  the same name (a scenario's pages go to ``outputs/<name>/``).
- One report at a time: a lock on ``outputs/.report.lock``. A second report waits for the first (it says so),
  then finds the pages rendered and renders nothing again.
- Parallel: pages render in worker processes, one per core, each with a long-lived kernel. Workers and kernels
  end with the report, however it ends: a failed page, Ctrl-C and SIGTERM stop them at once; if the report is
  killed outright, each worker sees its parent gone within half a second and ends, and each kernel follows its
  worker (ipykernel's parent poller). A temporary folder a killed report left is removed by the next report.
- Incremental, and checked: each page carries a stamp: the digest of what it was computed from (its notebook,
  the scenario file and where it is, the list of notebooks its navigation bar links, the shared defaults, the
  ``econ`` package with its data, ``pyproject.toml``), the digest of its executed ``.ipynb`` and the digest of the
  page itself. A page whose inputs changed, that was cut short or altered, or whose ``.ipynb`` or shared static
  file is missing or altered, is rendered again. When nothing changed nothing is rewritten, nothing heavy is
  imported, and the answer takes a fraction of a second.
- Never clobbers: everything renders into a temporary folder inside ``outputs/``; only when every page, the
  index and the workbook succeeded are they moved into place, so a failure leaves the previous report as it was.
- What the index lists: the scenarios of this run, and every scenario published earlier whose scenario file
  still exists and whose pages are up to date with it (each scenario folder records its file in
  ``.scenario.json``); so ``--scenarios X`` adds X to the index rather than leaving it alone there. A published
  scenario whose file is gone is removed from ``outputs/``; one whose pages are out of date and that this run
  does not render stays on disk, out of the index, and the report says so (``make report`` renders it).
- Per-scenario data: after validation the main process computes, once per scenario, the files every page of
  the scenario reads (`_scenario_artifacts`: its decision, ``decision.json``), publishes them beside its pages and
  passes each to the notebooks that declare it (``decision_file``); the index and the workbook read them too.
- Outputs: ``outputs/<scenario>/<notebook>.html`` (+ the executed ``.ipynb``), ``outputs/_static/`` (the chart
  runtime and the notebook stylesheet, once for every page: see `econ._offline`), ``outputs/index.html`` (the
  summary across scenarios, linking the pages) and ``outputs/summary.xlsx`` (the cost model as a workbook of
  formulas over each scenario's assumptions, with the cash flow and the Monte Carlo summary: `econ._workbook`). Every page and the index print on A4 or Letter; every page has a
  navigation bar (the index, the scenario's other pages).
"""

from __future__ import annotations

import hashlib
import html
import json
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from ._offline import STATIC_FILE, offline_page
from ._params import DEFAULTS_FILE, PARAMS_DIR, PROJECT_DIR, Scenario, ScenarioError, load_scenario, scenario_files
from ._workbook import workbook_bytes  # summary.xlsx: econ/_workbook.py

if TYPE_CHECKING:  # the decision's module imports the numeric stack: not for a report with nothing to do
    from ._pipeline import Decision

NOTEBOOK_DIR = PROJECT_DIR / "notebooks"
OUTPUT_DIR = PROJECT_DIR / "outputs"
PACKAGE_DIR = Path(__file__).resolve().parent
KERNEL = "python3"  # the kernel of the Python running the report, i.e. the kit's environment
STATIC = "_static"  # outputs/_static/: files every page shares
RECORD = ".scenario.json"  # outputs/<scenario>/.scenario.json: the scenario file the folder was rendered from
_STAMP = re.compile(rb'<meta name="econ-inputs" content="([0-9a-f]{64})" data-companion="([0-9a-f]{64})" '
                    rb'data-page="([0-9a-f]{64})">')
_ZERO = "0" * 64
_PAGE = re.compile(r"[0-9][0-9]_.*")


def notebooks() -> list[Path]:
    """The report's notebooks: ``notebooks/NN_*.ipynb`` in order."""
    return sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb"))


def _title(nb: Path) -> str:
    return nb.stem[3:].replace("_", " ").capitalize()


# --- digests and stamps -----------------------------------------------------------------------------------------

def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _code_digest() -> hashlib._Hash:
    """Digest of the code every page depends on: the econ package (with its data), defaults and pyproject."""
    h = hashlib.sha256()
    files = [p for p in sorted(PACKAGE_DIR.rglob("*")) if p.is_file() and "__pycache__" not in p.parts]
    for p in [*files, DEFAULTS_FILE, PROJECT_DIR / "pyproject.toml"]:
        h.update(p.relative_to(PROJECT_DIR).as_posix().encode() + b"\0" + p.read_bytes() + b"\0")
    return h


def _where(file: Path) -> str:
    """A scenario file as the report records it: relative to ``outputs/``, so that the project can move."""
    return Path(os.path.relpath(Path(file).resolve(), OUTPUT_DIR.resolve())).as_posix()


def scenario_digest(file: Path, code: hashlib._Hash | None = None) -> str:
    """Hex digest of what a scenario's pages and per-scenario files depend on besides their notebook: the code,
    the scenario file's content and where it is."""
    h = (code or _code_digest()).copy()
    data = Path(file).read_bytes()
    h.update(_where(file).encode() + b"\0" + data + b"\0")
    for extra in _referenced_files(Path(file), data):  # e.g. the traffic profile CSV beside the scenario
        h.update(extra.name.encode() + b"\0" + (extra.read_bytes() if extra.is_file() else b"missing") + b"\0")
    return h.hexdigest()


def _referenced_files(file: Path, data: bytes) -> list[Path]:
    """Files a scenario names that its pages read, relative to the scenario file: a ``traffic.profile`` CSV, a
    ``selfhost.model`` config.json."""
    import yaml

    from ._params import beside_scenario

    try:
        tree = yaml.safe_load(data) or {}
        leaves = [((tree.get(section) or {}).get(field) or {}, ext)
                  for section, field, ext in (("traffic", "profile", ".csv"), ("selfhost", "model", ".json"))]
    except (yaml.YAMLError, AttributeError):
        return []  # validation names what is wrong with the file
    names = [(leaf.get("value") if isinstance(leaf, dict) else None, ext) for leaf, ext in leaves]
    return [beside_scenario(n, file) for n, ext in names if isinstance(n, str) and n.lower().endswith(ext)]


def inputs_digest(nb: Path, scenario: Scenario | Path, code: hashlib._Hash | None = None,
                  pages: list[Path] | None = None) -> str:
    """Hex digest of everything a rendered page depends on; a page is rendered again when it changes: the scenario
    (`scenario_digest`), the notebook, and the notebooks its navigation bar links (``pages``, default: all)."""
    h = hashlib.sha256(scenario_digest(getattr(scenario, "file", scenario), code).encode())
    h.update(nb.name.encode() + b"\0" + nb.read_bytes() + b"\0")
    h.update("\0".join(p.stem for p in (notebooks() if pages is None else pages)).encode())
    return h.hexdigest()


def _stamped(page: str, inputs: str, companion: bytes) -> bytes:
    """The page with its stamp first in its head: the inputs digest, the digest of its companion file (a page's
    ``.ipynb``, the index's workbook) and the digest of the page itself (computed with that field zeroed)."""
    meta = f'<meta name="econ-inputs" content="{inputs}" data-companion="{_sha(companion)}" data-page="{_ZERO}">'
    data = page.replace("<head>", "<head>\n" + meta, 1).encode()
    return data.replace(f'data-page="{_ZERO}"'.encode(), f'data-page="{_sha(data)}"'.encode(), 1)


def page_digest(page: Path, companion: Path | None = None, static: dict[str, bool] | None = None) -> str | None:
    """The inputs digest a page was stamped with if the page is whole, else None.

    Whole: the page hashes to its stamp, its companion (default: the page's ``.ipynb``) to the companion's digest,
    and every shared file it references in ``outputs/_static/`` exists and hashes to the digest in its name
    (``static`` caches that check across pages).
    """
    try:
        data = page.read_bytes()
        m = _STAMP.search(data, 0, 8192)
        if m is None or _sha(data[:m.start(3)] + _ZERO.encode() + data[m.end(3):]) != m.group(3).decode():
            return None
        if _sha((companion or page.with_suffix(".ipynb")).read_bytes()) != m.group(2).decode():
            return None
    except OSError:
        return None
    static = {} if static is None else static
    for name, digest in {(a.decode(), b.decode()) for a, b in _static_refs(data)}:
        if name not in static:
            f = page.parent.parent / STATIC / name
            static[name] = f.is_file() and _sha(f.read_bytes()).startswith(digest)
        if not static[name]:
            return None
    return m.group(1).decode()


def _static_refs(data: bytes) -> list[tuple[bytes, bytes]]:
    return re.findall(STATIC_FILE.pattern.encode(), data)


# --- rendering one page (in a worker) ---------------------------------------------------------------------------

REPORT_CSS = """
.econ-nav{font:14px/1.5 system-ui,sans-serif;display:flex;flex-wrap:wrap;gap:.2rem 1rem;align-items:baseline;
  padding:.5rem var(--jp-notebook-padding,1rem);border-bottom:1px solid #ddd;margin-bottom:1rem}
.econ-nav .econ-scenario{font-weight:600}
.econ-nav [aria-current]{font-weight:600}
.jp-RenderedHTMLCommon table.econ-table :is(th,td){text-align:left;vertical-align:top}  /* text left, numbers right */
.jp-RenderedHTMLCommon table.econ-table :is(th,td).num{text-align:right;font-variant-numeric:tabular-nums}
@media print{
  @page{margin:11mm 12mm}  /* no size: A4 and Letter both fit the content width, 186 mm */
  html,body{background:#fff!important}
  body{margin:0!important;padding:0!important;font-size:10pt}
  main,.jp-Notebook{padding:0!important;margin:0!important;max-width:none!important}
  .econ-nav,a.anchor-link,.vega-embed details,.vega-actions,.jp-InputPrompt,.jp-OutputPrompt,
  .jp-CodeCell .jp-Cell-inputWrapper{display:none!important}
  h3{break-before:page}
  .jp-Cell:has(details.appendix:not([open])){display:none}  /* the decision page's folded appendix: screen only */
  h1,h2,h3,h4{break-after:avoid}
  .jp-Cell,.jp-Cell-outputWrapper,.jp-OutputArea,.jp-OutputArea-child,.jp-RenderedMarkdown{break-inside:auto!important}
  .vega-embed,svg,canvas,img,figure,pre,.jp-RenderedImage,li{break-inside:avoid}
  .jp-OutputArea-output,.jp-Cell-outputWrapper,.jp-OutputArea{overflow:visible!important}
  .vega-embed{display:block!important}
  svg.marks,canvas.marks,img{max-width:100%!important;height:auto!important}
  table{width:100%!important;max-width:100%!important}
  th,td{font-size:8pt!important;white-space:normal!important;overflow-wrap:break-word;padding:2px 4px!important}
  tr,th,td{break-inside:avoid}
  thead{display:table-header-group}
  *{-webkit-print-color-adjust:exact;print-color-adjust:exact}
}
"""
"""Styles the report adds to every page and the index: the navigation bar on screen; for paper (A4 or Letter), a
new page before each ``###`` section, charts and rows never cut, scaled to the width, inputs and menus hidden."""


def _navigation(current: Path, scenario_title: str, pages: list[Path]) -> str:
    """The bar at the top of a page: the index, then the scenario's pages (the current one not a link)."""
    e = html.escape
    links = "".join(f'<strong aria-current="page">{e(_title(p))}</strong>' if p.stem == current.stem
                    else f'<a href="{quote(p.stem)}.html">{e(_title(p))}</a>' for p in pages)
    return (f'<nav class="econ-nav" aria-label="report"><a href="../index.html">All scenarios</a>'
            f'<span class="econ-scenario">{e(scenario_title)}</span>{links}</nav>')


_RESET = "get_ipython().run_line_magic('reset', '-f')  # econ-report: a clean namespace for each notebook"
_kernel = None  # a worker's kernel, kept across the pages it renders


def _worker_kernel(cwd: Path):
    """The kernel this worker process renders its pages in: started once, so that each page does not pay for a
    kernel start and the imports (a few seconds each); the namespace is reset before every notebook."""
    global _kernel
    if _kernel is None:
        import atexit

        from jupyter_client.manager import AsyncKernelManager
        from jupyter_client.utils import run_sync

        # Unix sockets rather than TCP ports on localhost, named for this worker: no open port, no clash
        _kernel = AsyncKernelManager(kernel_name=KERNEL, transport="ipc",
                                     ip=str(Path(tempfile.gettempdir()) / f"econ-kernel-{os.getpid()}"))
        run_sync(_kernel.start_kernel)(cwd=str(cwd))
        atexit.register(lambda: run_sync(_kernel.shutdown_kernel)(now=True))
    return _kernel


def _declares(nb, name: str) -> bool:
    """Whether the notebook's ``parameters`` cell assigns ``name`` (papermill warns about other parameters)."""
    return any("parameters" in c.metadata.get("tags", []) and re.search(rf"^{name}\s*(:[^=\n]*)?=", c.source, re.M)
               for c in nb.cells if c.cell_type == "code")


def render(nb: Path, scenario_file: Path, out_dir: Path, digest: str = _ZERO, reuse_kernel: bool = False,
           files: list[Path] = (), pages: list[Path] | None = None, published_dir: Path | None = None) -> Path:
    """Execute ``nb`` for the scenario with papermill; write ``out_dir/<nb>.ipynb`` and the offline ``.html``.

    The page gets a navigation bar over ``pages`` (default: every notebook), the report's print styles, its shared
    files in ``out_dir/../_static/`` and its stamp (``digest``, see `page_digest`). With ``reuse_kernel`` the
    notebook runs in this process's long-lived kernel (see `_worker_kernel`), with its namespace reset first;
    otherwise in a fresh kernel. Each of ``files`` (the scenario's per-scenario files, see `_scenario_artifacts`),
    say ``decision.json``, is passed to a notebook that declares the parameter named after it, ``decision_file``
    (a path relative to the notebook); the executed ``.ipynb`` names it in ``published_dir``, where the report moves
    it, rather than in the report's temporary folder.
    """
    import nbformat
    import papermill
    from nbconvert import HTMLExporter

    scenario = load_scenario(scenario_file)
    out_dir.mkdir(parents=True, exist_ok=True)
    source = nbformat.read(nb, as_version=4)
    rel = lambda p: Path(os.path.relpath(Path(p).resolve(), nb.parent.resolve())).as_posix()  # noqa: E731
    parameters = {"scenario_file": rel(scenario.file)}
    published = {}
    for f in map(Path, files):
        if _declares(source, f"{f.stem}_file"):
            parameters[f"{f.stem}_file"] = rel(f)
            published[f"{f.stem}_file"] = rel(Path(published_dir or f.parent) / f.name)
    extra = {}
    if reuse_kernel:
        source.cells.insert(0, nbformat.v4.new_code_cell(_RESET))
        extra["km"] = _worker_kernel(nb.parent)
    result = papermill.execute_notebook(source, None, parameters=parameters, cwd=str(nb.parent), kernel_name=KERNEL,
                                        progress_bar=False, log_output=False, **extra)
    result.cells = [c for c in result.cells if c.source != _RESET]
    result.metadata.papermill["input_path"] = rel(nb)  # not the whole source notebook, which papermill stores
    for name, path in published.items():  # where the file is published, not the report's temporary folder
        result.metadata.papermill["parameters"][name] = path
        for c in result.cells:
            if "injected-parameters" in c.metadata.get("tags", []):
                for quoted in (repr, json.dumps):
                    c.source = c.source.replace(quoted(parameters[name]), quoted(path))
    exporter = HTMLExporter(exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(result, resources={"metadata": {"name": f"{_title(nb)}: {scenario.title}"}})
    for c in result.cells:  # the executed notebook, lighter: no plain-text copy of an output shown as HTML or markdown
        for output in c.get("outputs", []):
            data = output.get("data", {})
            if "text/plain" in data and len(data) > 1:
                del data["text/plain"]
    executed = nbformat.writes(result, split_lines=False, indent=None, separators=(",", ":")).encode()
    (out_dir / nb.name).write_bytes(executed)
    body = offline_page(body, out_dir.parent / STATIC, f"../{STATIC}/")
    body = body.replace("</head>", f"<style>{REPORT_CSS}</style>\n</head>", 1)
    body = re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + "\n" + _navigation(nb, scenario.title, pages or notebooks()),
                  body, count=1)
    page = out_dir / f"{nb.stem}.html"
    page.write_bytes(_stamped(body, digest, executed))
    return page


_parent = None  # in a worker: the pid of the report that started it


def _abandon(*_) -> None:
    """End this worker now, and its kernel with it (the kernel leads its own session: jupyter_client starts it so)."""
    process = getattr(getattr(_kernel, "provisioner", None), "process", None)
    if process is not None:
        try:
            os.killpg(process.pid, signal.SIGKILL)
            _kernel.cleanup_ipc_files()
            _kernel.cleanup_connection_file()
        except Exception:  # noqa: BLE001 - ending anyway
            pass
    os._exit(1)


def _watch_parent() -> None:
    while os.getppid() == _parent:
        time.sleep(0.5)
    _abandon()  # the report died (kill -9): nobody will stop this worker


def _worker_init(parent: int, notebook_dir: str) -> None:
    """In each worker: leave Ctrl-C to the report (which stops the workers), end with SIGTERM, watch the report;
    then start the kernel and, while it boots, import what rendering needs."""
    global _parent
    _parent = parent
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _abandon)
    threading.Thread(target=_watch_parent, daemon=True, name="econ-watch-parent").start()
    _worker_kernel(Path(notebook_dir))
    import nbconvert  # noqa: F401
    import papermill  # noqa: F401


def _render_job(nb: str, scenario_file: str, out_dir: str, digest: str, files: list[str], pages: list[str],
                published_dir: str) -> str | None:
    """Worker: render one page in the worker's kernel; return None, or the error message (exceptions may not
    pickle)."""
    try:
        render(Path(nb), Path(scenario_file), Path(out_dir), digest, reuse_kernel=True, files=[Path(f) for f in files],
               pages=[Path(p) for p in pages], published_dir=Path(published_dir))
    except Exception as exc:  # papermill raises its own error type with the cell's traceback
        return getattr(exc, "evalue", None) or (str(exc).strip().splitlines() or [repr(exc)])[-1]
    return None


# --- per-scenario data, computed once in the main process --------------------------------------------------------

def _scenario_artifacts(scenario: Scenario, folder: Path) -> list[Path]:
    """Compute what every page of ``scenario`` reads, write it into ``folder``, return the files written: its
    decision (`econ.decide`), ``decision.json``.

    Called once per scenario in the main process, after validation and before its pages render, whenever the
    scenario's inputs (`scenario_digest`) changed or one of its pages renders. ``folder`` is the scenario's folder
    in the report's temporary folder: the files are published beside the pages (``outputs/<scenario>/``) and
    checked like them (a missing or altered file is computed again). A notebook reads ``<name>.json`` through the
    parameter ``<name>_file`` if it declares it (see `render`). The index and the workbook read the decisions of
    every scenario they list from these files.
    """
    from ._pipeline import decide

    path = folder / "decision.json"
    decide(scenario).to_json(path)
    return [path]


# --- the summary across scenarios -------------------------------------------------------------------------------

@cache
def summary_columns() -> dict[str, str]:
    """The summary's columns and their headings in the workbook."""
    from ._views import PLAN_NAMES

    return {
        "scenario": "scenario file",
        "title": "scenario",
        "recommended": "recommended plan",
        "recommended_usd_per_month": "recommended plan [USD/month]",
        "runner_up": "runner-up (next cheapest eligible plan)",
        "savings_usd_per_month": "savings against the runner-up [USD/month]",
        "confidence": "confidence: share of draws in which it stays the cheapest eligible plan [fraction]",
        **{f"{k}_usd_per_month": f"{name} [USD/month]" for k, name in PLAN_NAMES.items()},
        "gpus": "self-hosted fleet [GPUs]",
        "utilization": "self-hosted utilization [fraction]",
        "tokens_per_day": "volume [tokens/day]",
    }


def summary_table(decisions: list[Decision]):
    """One row per scenario, read from its decision (`econ.decide`): recommended plan, runner-up, savings,
    confidence, the monthly cost of every option and plan (NaN where a plan does not exist), the fleet and the volume.
    """
    import pandas as pd

    from ._views import PLAN_NAMES

    rows = []
    for d in decisions:
        rec = d.options[d.recommended]
        rows.append({
            "scenario": d.scenario,
            "title": d.title,
            "recommended": rec.name,
            "recommended_usd_per_month": rec.monthly_usd,
            "runner_up": d.options[d.runner_up].name if d.runner_up else "none eligible",
            "savings_usd_per_month": d.savings_usd_per_month,
            "confidence": d.confidence,
            **{f"{k}_usd_per_month": d.options[k].monthly_usd if k in d.options else math.nan for k in PLAN_NAMES},
            "gpus": d.fleet.gpus,
            "utilization": d.fleet.utilization,
            "tokens_per_day": d.workload["tokens_per_day"],
        })
    return pd.DataFrame(rows, columns=list(summary_columns()))


def _blind(d: Decision) -> str:
    """The caveat under a confidence that leaves out assumptions without a range that flip the plan nearby."""
    n = len(d.unranged_flips)
    return (f"<br><small>leaves out {n} assumption{'s' if n > 1 else ''} with no range that flip{'' if n > 1 else 's'} "
            "it within ×2</small>" if n else "")


def comparison_table(decisions: list[Decision]) -> str:
    """The scenarios as columns, what a sign-off compares as rows: volume, the plan, its cost, savings, confidence,
    the quality basis, the self-hosted fleet, capex, present cost over the horizon, the nearest flip."""
    from ._views import fact, flip_words, pct, tokens, usd

    e = lambda s: html.escape(str(s))  # noqa: E731

    def flip(d):
        if not d.flips:
            return "none within ×10 either way"
        return flip_words(d.flips[0])  # units come from params/_defaults.yaml, never from a scenario file

    rows = {
        "volume": lambda d: f"{e(tokens(d.workload['tokens_per_day']))} tokens/day, {d.workload['requests_per_day']:,.0f} requests",
        "recommended plan": lambda d: f"<b>{fact('recommended', d.options[d.recommended].name)}</b>",
        "its monthly cost": lambda d: fact(f"options.{d.recommended}.monthly_usd", usd(d.recommended_plan.monthly_usd)),
        "runner-up": lambda d: (f"{e(d.options[d.runner_up].name)}, {fact(f'options.{d.runner_up}.monthly_usd', usd(d.options[d.runner_up].monthly_usd))}"
                                if d.runner_up else "none eligible"),
        "savings a year": lambda d: usd(12 * d.savings_usd_per_month) if d.runner_up else "n/a",
        "confidence": lambda d: fact("confidence", pct(d.confidence)) + _blind(d),
        "quality": lambda d: (f"floor {d.quality_floor:.1%} acceptable answers" if d.quality_basis == "floor"
                              else "cost only: every permitted option meets the floor"),
        "self-hosted fleet": lambda d: (f"{d.fleet.gpus} × {e(d.fleet.gpu)} (TP {d.fleet.tensor_parallel}), "
                                       f"{fact('fleet.utilization', pct(d.fleet.utilization))} utilized"),
        "capex of the plan": lambda d: usd(d.recommended_plan.capex_usd) if d.recommended_plan.capex_usd else "none",
        "present cost": lambda d: f"{usd(d.recommended_plan.pv_usd)} over {d.horizon['months']} months",
        "nearest flip": flip,
    }
    head = "".join(f"<th>{e(d.title)}</th>" for d in decisions)
    body = "".join(f"<tr><th scope='row'>{e(label)}</th>" + "".join(f"<td>{cell(d)}</td>" for d in decisions) + "</tr>"
                   for label, cell in rows.items())
    return f'<table class="compare"><thead><tr><th></th>{head}</tr></thead><tbody>{body}</tbody></table>'


def index_html(decisions: list[Decision], pages: list[Path], summary=None) -> str:
    """The report's front page: one row per scenario with its decision, linking its pages."""
    from ._prices import price_catalog_version
    from ._views import PLAN_NAMES, fact, glossary, pct, provenance, tokens, usd

    e = lambda s: html.escape(str(s))  # noqa: E731
    summary = summary_table(decisions) if summary is None else summary
    rows = []
    for d, (_, s) in zip(decisions, summary.iterrows()):
        links = " · ".join(f'<a href="{e(quote(d.scenario))}/{e(quote(p.stem))}.html">{e(_title(p))}</a>' for p in pages)
        costs = "".join(
            f"<td class='num'>{fact(f'options.{k}.monthly_usd', usd(d.options[k].monthly_usd)) if k in d.options else '–'}"
            f"{'' if k not in d.options or d.options[k].eligible else '<br><small>' + e(d.options[k].why_not) + '</small>'}</td>"
            for k in PLAN_NAMES)
        savings = usd(d.savings_usd_per_month) if d.runner_up else "n/a"
        rows.append(
            f"<tr><td><b>{e(d.title)}</b><br><small>{e(tokens(d.workload['tokens_per_day']))} tokens/day · "
            f"{links}</small></td><td><b>{fact('recommended', s['recommended'])}</b></td>{costs}"
            f"<td class='num'>{savings}<br><small>vs {e(s['runner_up'])}</small></td>"
            f"<td class='num'>{fact('confidence', pct(d.confidence))}{_blind(d)}</td></tr>"
        )
    heads = "".join(f"<th>{e(name)}<br>USD/month</th>" for name in PLAN_NAMES.values())
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>LLM inference economics: report</title>
<style>body{{font-family:system-ui,sans-serif;max-width:76rem;margin:2rem auto;padding:0 1rem;color:#222}}
table{{border-collapse:collapse;width:100%}}td,th{{border-bottom:1px solid #ddd;padding:.4rem .6rem;text-align:left;vertical-align:top}}
td.num{{text-align:right;font-variant-numeric:tabular-nums}}small a{{margin-right:.3rem}}</style></head>
<body><h1>LLM inference economics</h1>
<p>Ways to serve the same workload: a closed API paid per token, a managed open-model endpoint paid per token,
open weights on GPUs you rent or buy, and a routed split between them. Each row is one scenario (a file in
<code>params/</code>) and its one decision (<code>decision.json</code> beside its pages); every page of the scenario
reads that decision. <a href="summary.xlsx">summary.xlsx</a> is the same model as a working spreadsheet: every
assumption with its source, and each scenario's costs and cash flow as formulas over them, so a reviewer can change
a price or a volume and see the options move.</p>
<h2>How to read this</h2>
<ul><li><b>Recommended</b> is the cheapest <i>eligible</i> plan: permitted by the scenario and reaching its quality
floor (the share of acceptable answers), all costs counted: tokens, GPUs, engineering time, evaluation, upgrades,
egress and storage, the router.</li>
<li>A cost with a note under it belongs to a plan that is not eligible; it is shown for reference.</li>
<li><b>Savings</b> is what the recommended plan saves each month against the runner-up, the next cheapest eligible plan.</li>
<li><b>Confidence</b> is how often the recommended plan stays the cheapest eligible one when every assumption with a
stated range (prices, volume, utilization, engineering time, quality, ...) is drawn from it together: near 50 % means
the answer depends on numbers nobody knows yet; the sensitivity page shows which ones.</li>
<li>Prices drift: every page names the date and the catalog its prices come from.</li></ul>
<table><thead><tr><th>scenario</th><th>recommended</th>{heads}<th>savings vs runner-up<br>USD/month</th>
<th>confidence</th></tr></thead><tbody>
{''.join(rows)}
</tbody></table>
<h2 id="compare">Scenarios side by side</h2>
{comparison_table(decisions)}
<h2 id="glossary">Glossary</h2>
{glossary()}
<p><small>Computed with {e(provenance())}; API prices from genai-prices {e(price_catalog_version())}.</small></p>
</body></html>
"""


# --- printing ---------------------------------------------------------------------------------------------------

PAPER = {"A4": "210mm 297mm", "Letter": "8.5in 11in"}


def chromium() -> str | None:
    """The Chromium (or Chrome) executable on the PATH, or None."""
    names = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
    return next((p for p in map(shutil.which, names) if p), None)


def pdf_page_count(pdf: bytes) -> int:
    """Pages in a PDF that Chromium printed (it writes one ``/Type /Page`` object per page)."""
    return len(re.findall(rb"/Type\s*/Page\b", pdf))


def print_pdf(page: Path, pdf: Path, paper: str = "A4", timeout_s: float = 180) -> int:
    """Print a rendered page (or the index) to ``pdf`` with headless Chromium, on ``paper`` ("A4" or "Letter"),
    network off and the charts drawn first; return the number of PDF pages.

    The page is printed from a copy in a temporary folder that reaches the report's ``_static/`` by a link, so
    that nothing is written in ``outputs/``. Raises FileNotFoundError without Chromium, CalledProcessError if
    it fails.
    """
    browser = chromium()
    if browser is None:
        raise FileNotFoundError("printing to PDF needs Chromium: apt-get install chromium")
    page = Path(page).resolve()
    with tempfile.TemporaryDirectory(prefix="econ-print-") as tmp:
        (Path(tmp) / STATIC).symlink_to(page.parent.parent / STATIC, target_is_directory=True)
        (Path(tmp) / "page").mkdir()
        copy = Path(tmp) / "page" / page.name
        size = f"<style>@page{{size:{PAPER[paper]}}}</style>"
        copy.write_text(page.read_text(encoding="utf-8").replace("</head>", size + "</head>", 1), encoding="utf-8")
        subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                        "--disable-background-networking", "--proxy-server=127.0.0.1:9",
                        f"--user-data-dir={tmp}/profile", "--virtual-time-budget=15000", "--no-pdf-header-footer",
                        f"--print-to-pdf={Path(pdf).resolve()}", copy.as_uri()], check=True, capture_output=True, timeout=timeout_s)
    return pdf_page_count(Path(pdf).read_bytes())


def open_in_browser(path: Path) -> bool:
    """Open ``path`` in the desktop's browser if there is a desktop (macOS, or DISPLAY or WAYLAND_DISPLAY set with
    xdg-open installed); return whether it was opened."""
    if sys.platform == "darwin":
        command = ["open", str(path)]
    elif (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")) and shutil.which("xdg-open"):
        command = ["xdg-open", str(path)]
    else:
        return False
    subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                     start_new_session=True)
    return True


# --- the build --------------------------------------------------------------------------------------------------

@dataclass
class _Plan:
    """What a report has to do, found from the digests alone (nothing heavy imported, no scenario loaded)."""

    run: dict[str, Path]  # this run's scenarios: name -> file
    todo: list[tuple[str, Path, str]] = field(default_factory=list)  # pages to render: name, notebook, digest
    compute: set[str] = field(default_factory=set)  # run scenarios whose per-scenario files are computed again
    listed: dict[str, Path] = field(default_factory=dict)  # the index's scenarios: name -> file
    digests: dict[str, str] = field(default_factory=dict)  # scenario_digest of each listed scenario
    removed: list[Path] = field(default_factory=list)  # folders of published scenarios whose file is gone
    stale: dict[str, Path] = field(default_factory=dict)  # published, out of date, not in this run: not listed
    moved: dict[str, Path] = field(default_factory=dict)  # published from another file than this run's
    index_stamp: str = ""
    fresh: bool = False


def _read_record(folder: Path) -> dict | None:
    try:
        record = json.loads((folder / RECORD).read_text(encoding="utf-8"))
        return record if isinstance(record, dict) and isinstance(record.get("file"), str) else None
    except (OSError, ValueError):
        return None


def _artifacts_ok(folder: Path, record: dict | None, file: Path, digest: str | None) -> bool:
    """Whether a published scenario folder's record names ``file`` with ``digest``, and its files hash to it."""
    if record is None or digest is None or record.get("file") != _where(file) or record.get("digest") != digest:
        return False
    try:
        return all(_sha((folder / n).read_bytes()) == h for n, h in dict(record.get("artifacts", {})).items())
    except (OSError, TypeError, ValueError):
        return False


def _plan(files: list[Path], force: bool) -> _Plan:
    code, pages = _code_digest(), notebooks()
    plan, static = _Plan(run={f.stem: f for f in files}), {}

    def pages_ok(name: str, file: Path, sd: str | None) -> list[tuple[Path, str, bool]]:
        return [(nb, d, d is not None and page_digest(OUTPUT_DIR / name / f"{nb.stem}.html", static=static) == d)
                for nb in pages for d in [sd and inputs_digest(nb, file, code, pages)]]

    def digest(file: Path) -> str | None:
        try:
            return scenario_digest(file, code)
        except OSError:
            return None  # validation names the problem

    for name, file in plan.run.items():
        sd, folder = digest(file), OUTPUT_DIR / name
        record = _read_record(folder)
        if record is not None and record["file"] != _where(file):
            plan.moved[name] = OUTPUT_DIR / record["file"]
        for nb, d, ok in pages_ok(name, file, sd):
            if force or not ok:
                plan.todo.append((name, nb, d or _ZERO))
        if force or any(t[0] == name for t in plan.todo) or not _artifacts_ok(folder, record, file, sd):
            plan.compute.add(name)
        plan.listed[name], plan.digests[name] = file, sd or _ZERO
    published = sorted(d for d in OUTPUT_DIR.iterdir() if d.is_dir() and d.name[0] not in "._"
                       and d.name not in plan.run and ((d / RECORD).exists() or any(d.glob("[0-9][0-9]_*.html"))))
    for folder in published:
        record = _read_record(folder)
        file = (OUTPUT_DIR / record["file"]) if record else PARAMS_DIR / f"{folder.name}.yaml"  # or an older kit's
        if not file.is_file():
            plan.removed.append(folder)
            continue
        sd = digest(file)
        if all(ok for *_, ok in pages_ok(folder.name, file, sd)) and _artifacts_ok(folder, record, file, sd):
            plan.listed[folder.name], plan.digests[folder.name] = file, sd
        else:
            plan.stale[folder.name] = file
    plan.listed = dict(sorted(plan.listed.items()))
    plan.index_stamp = _sha(json.dumps([[n, _where(f), plan.digests[n]] for n, f in plan.listed.items()]
                                       + [p.stem for p in pages]).encode())
    plan.fresh = (not plan.todo and not plan.compute and not plan.removed and page_digest(
        OUTPUT_DIR / "index.html", companion=OUTPUT_DIR / "summary.xlsx") == plan.index_stamp)
    return plan


@contextmanager
def _exclusive(lock: Path):
    """Hold ``lock`` (an fcntl lock: released by the system however the holder ends); if another report holds it,
    say so and wait for it. (Where fcntl does not exist, i.e. Windows, reports are not locked.)"""
    try:
        import fcntl
    except ImportError:
        yield
        return
    with open(lock, "a+", encoding="utf-8") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            f.seek(0)
            holder = f.read().strip()
            print(f"report: another report is running{f' (pid {holder})' if holder else ''} in {OUTPUT_DIR}; "
                  "waiting for it to finish", flush=True)
            fcntl.flock(f, fcntl.LOCK_EX)
        f.seek(0)
        f.truncate()
        f.write(str(os.getpid()))
        f.flush()
        try:
            yield
        finally:
            f.seek(0)
            f.truncate()


class _Stopped(BaseException):
    """SIGTERM or SIGHUP, raised in the main thread so that the report cleans up on its way out."""


@contextmanager
def _stoppable():
    """Turn SIGTERM and SIGHUP into `_Stopped` while the report runs (main thread only), like Ctrl-C."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum, _frame):
        raise _Stopped(signum)

    previous = {s: signal.signal(s, stop) for s in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def _stop_workers(pool, graceful: bool) -> None:
    """Shut the pool down: gracefully (workers exit, their kernels shut down), or at once (SIGTERM: each worker
    kills its kernel and exits; see `_abandon`)."""
    if not graceful:
        for process in list((getattr(pool, "_processes", None) or {}).values()):
            if process.is_alive():
                process.terminate()
    pool.shutdown(wait=True, cancel_futures=True)


def _name_problem(files: list[Path]) -> str | None:
    """Why these scenario files cannot be rendered together (their pages go to ``outputs/<file name>/``), or None."""
    seen: dict[str, Path] = {}
    for f in files:
        if f.stem[:1] in ("_", "."):
            return (f"scenario file {f}: names starting with '_' or '.' are reserved for the kit "
                    "(params/_defaults.yaml, outputs/_static/); rename the file")
        if f.stem.casefold() in ("index.html", "summary.xlsx"):
            return (f"scenario file {f}: the name '{f.stem}' is taken by the report's own outputs/{f.stem}; rename "
                    "the file")
        if f.stem.casefold() in seen:  # casefold: outputs/ may be on a case-insensitive disk
            return (f"two scenarios are named '{f.stem}': {seen[f.stem.casefold()]} and {f}. A scenario's pages go to "
                    f"outputs/{f.stem}/, so scenario file names must differ; rename one of them")
        seen[f.stem.casefold()] = f
    return None


def _publish(tmp: Path, plan: _Plan, rendered: dict[str, list[str]], records: dict[str, dict],
             pages: list[Path]) -> None:
    """Move what ``tmp`` holds into ``outputs/``: shared files first, then each scenario's files and pages (its
    record last), then the workbook and the index (last: it links the rest); remove the folders of removed
    scenarios, the pages of removed notebooks and the shared files no page references any more."""
    static = OUTPUT_DIR / STATIC
    static.mkdir(exist_ok=True)
    for f in sorted((tmp / STATIC).glob("[!.]*")):
        os.replace(f, static / f.name)
    keep = {p.stem for p in pages}
    for name, record in records.items():
        target = OUTPUT_DIR / name
        target.mkdir(exist_ok=True)
        for artifact in record["artifacts"]:
            os.replace(tmp / name / artifact, target / artifact)
        for stem in rendered.get(name, []):
            for ext in (".ipynb", ".html"):
                os.replace(tmp / name / f"{stem}{ext}", target / f"{stem}{ext}")
        for old in target.iterdir():
            if _PAGE.fullmatch(old.name) and old.suffix in (".html", ".ipynb") and old.stem not in keep:
                old.unlink()
        (tmp / name / RECORD).write_text(json.dumps(record, indent=1), encoding="utf-8")
        os.replace(tmp / name / RECORD, target / RECORD)
    for folder in plan.removed:
        shutil.rmtree(folder)
    for f in ("summary.xlsx", "index.html"):
        os.replace(tmp / f, OUTPUT_DIR / f)
    used = {a.decode() for p in OUTPUT_DIR.glob("*/[0-9][0-9]_*.html") for a, _ in _static_refs(p.read_bytes())}
    for f in static.iterdir():
        if f.name not in used:
            f.unlink()


def build_report(scenario_paths: list[str] | None = None, jobs: int | None = None, force: bool = False) -> int:
    """Validate the scenarios, render the pages whose inputs changed (in parallel), then publish.

    Parameters
    ----------
    scenario_paths : list of str, optional
        Scenario files (default: every ``params/*.yaml``). The index still lists the other scenarios published
        earlier (see the module's docstring).
    jobs : int, optional
        Worker processes (default: the machine's cores).
    force : bool
        Render every page of these scenarios even if its inputs did not change.

    Returns
    -------
    int
        Exit code: 0, or 1 after a message naming the scenario file or the notebook that failed; 130 after
        Ctrl-C. SIGTERM and SIGHUP stop it the same way (then it exits by the signal's code).
    """
    files = list(dict.fromkeys(Path(p) for p in scenario_paths)) if scenario_paths else scenario_files()
    files = list({f.resolve(): f for f in files}.values())  # the same file named twice is one scenario
    problem = _name_problem(files)
    if problem:
        print(f"error: {problem}.\nNothing was rendered; outputs/ is unchanged.", file=sys.stderr)
        return 1
    OUTPUT_DIR.mkdir(exist_ok=True)
    index = OUTPUT_DIR / "index.html"
    try:
        with _stoppable(), _exclusive(OUTPUT_DIR / ".report.lock"):
            for stale in OUTPUT_DIR.glob(".render-*"):  # left by a report that was killed: nobody else is running
                shutil.rmtree(stale, ignore_errors=True)
            plan = _plan(files, force)
            for name, file in plan.moved.items():
                print(f"note: outputs/{name}/ was rendered from {file}; now from {plan.run[name]}")
            for name, file in plan.stale.items():
                print(f"note: outputs/{name}/ is out of date with {file} (or the kit); it stays out of the index "
                      f"until a report renders it (make report)")
            if plan.fresh:
                print(f"report: {index} is up to date ({len(plan.listed)} scenarios × {len(notebooks())} notebooks)")
                return 0
            return _build(plan, jobs)
    except KeyboardInterrupt:
        print("\ninterrupted: nothing was published; outputs/ is as it was", file=sys.stderr)
        return 130
    except _Stopped as stop:
        print(f"\nstopped by signal {stop.args[0]}: nothing was published; outputs/ is as it was", file=sys.stderr)
        raise SystemExit(128 + stop.args[0]) from None


def _build(plan: _Plan, jobs: int | None) -> int:
    """Validate, compute per-scenario files, render, build the index and workbook, publish (under the lock)."""
    scenarios: dict[str, Scenario] = {}
    for name, file in plan.listed.items():
        try:
            scenarios[name] = load_scenario(file)
        except ScenarioError as exc:
            if name in plan.run:
                print(f"error: {exc}\nNothing was rendered; outputs/ is unchanged.", file=sys.stderr)
                return 1
            print(f"note: outputs/{name}/ stays out of the index: {exc}")  # published earlier, invalid now
    pages = notebooks()
    tmp = Path(tempfile.mkdtemp(prefix=".render-", dir=OUTPUT_DIR))
    try:
        records: dict[str, dict] = {}
        rendered: dict[str, list[str]] = {}
        for name, nb, _ in plan.todo:
            rendered.setdefault(name, []).append(nb.stem)
        pool, futures, graceful = None, {}, False
        if plan.todo:  # started first: the workers start their kernels while the per-scenario files are computed
            from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
            from multiprocessing import get_context

            workers = max(1, min(jobs or os.cpu_count() or 1, len(plan.todo)))
            print(f"rendering {len(plan.todo)} of {len(plan.run) * len(pages)} pages with {workers} worker(s)",
                  flush=True)
            pool = ProcessPoolExecutor(workers, mp_context=get_context("spawn"), initializer=_worker_init,
                                       initargs=(os.getpid(), str(NOTEBOOK_DIR)))
        try:
            for name in sorted(plan.compute):  # each scenario's files, then its pages
                (tmp / name).mkdir()
                try:
                    written = _scenario_artifacts(scenarios[name], tmp / name)
                except ValueError as exc:
                    print(f"error: {exc}\nNothing was rendered; outputs/ is unchanged.", file=sys.stderr)
                    return 1
                records[name] = {"file": _where(plan.run[name]), "digest": plan.digests[name],
                                 "artifacts": {p.name: _sha(p.read_bytes()) for p in written}}
                for n, nb, digest in plan.todo:
                    if n == name:
                        futures[pool.submit(_render_job, str(nb), str(plan.run[name]), str(tmp / name), digest,
                                            [str(p) for p in written], [str(p) for p in pages],
                                            str(OUTPUT_DIR / name))] = (name, nb)
            # While the workers render: the summary, the workbook and the index, from the validated scenarios and
            # their decisions (this run's in tmp/<name>/, the others' where they were published).
            from ._pipeline import load_decision

            listed = list(scenarios.values())
            decisions = [load_decision((tmp if n in records else OUTPUT_DIR) / n / "decision.json") for n in scenarios]
            summary = summary_table(decisions)
            workbook = workbook_bytes(listed, decisions, summary)
            (tmp / "summary.xlsx").write_bytes(workbook)
            front = index_html(decisions, pages, summary).replace("</head>", f"<style>{REPORT_CSS}</style></head>", 1)
            (tmp / "index.html").write_bytes(_stamped(front, _index_stamp(plan, scenarios), workbook))
            pending = set(futures)
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for fut in done:
                    name, nb = futures[fut]
                    try:
                        msg = fut.result()
                    except Exception as exc:  # noqa: BLE001 - a worker that died (out of memory?) or could not start
                        msg = f"its worker process stopped ({type(exc).__name__}: {exc})"
                    if msg is not None:
                        print(f"error: notebook {nb.name} failed for scenario {plan.run[name]}: {msg}\n"
                              "The previous report in outputs/ is unchanged.", file=sys.stderr)
                        return 1
                    print(f"  {name}/{nb.stem}.html", flush=True)
            graceful = True
        finally:
            if pool is not None:
                _stop_workers(pool, graceful)
        _publish(tmp, plan, rendered, records, pages)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"report: {OUTPUT_DIR / 'index.html'} and summary.xlsx ({len(scenarios)} scenarios × {len(pages)} "
          f"notebooks, {len(plan.todo)} pages rendered)")
    return 0


def _index_stamp(plan: _Plan, scenarios: dict[str, Scenario]) -> str:
    """The index's stamp: the plan's, unless a published scenario was left out (invalid now): then one that no
    later plan computes, so that the next report builds the index again."""
    return plan.index_stamp if len(scenarios) == len(plan.listed) else _ZERO
