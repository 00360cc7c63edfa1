"""`make report`: every notebook for every scenario, executed by papermill and rendered to HTML, plus a summary.

- Validation first: one bad scenario file stops everything before a notebook runs.
- Parallel: pages render in worker processes, one per core by default.
- Incremental: each page carries the digest of what it was computed from (the notebook, the scenario file, the
  shared defaults, the ``econ`` package with its data, ``pyproject.toml``) in a ``<meta name="econ-inputs">``
  tag; a page whose digest still matches is not rendered again, and when no page changed the index and the
  workbook are kept as well.
- Never clobbers: everything renders into a temporary folder inside ``outputs/``; only when every page succeeded
  are the new pages moved into place, so a failure leaves the previous report as it was.
- Outputs: ``outputs/<scenario>/<notebook>.html`` (offline: the chart runtime is inlined), ``outputs/index.html``
  (the summary across scenarios, linking the pages) and ``outputs/summary.xlsx`` (the same summary, each
  scenario's costs and assumptions, and the provenance, for finance to work with in a spreadsheet).
"""

from __future__ import annotations

import hashlib
import html
import io
import math
import os
import re
import shutil
import sys
import tempfile
import zipfile
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from multiprocessing import get_context
from pathlib import Path

import pandas as pd

from ._offline import offline_page
from ._params import DEFAULTS_FILE, PROJECT_DIR, Scenario, ScenarioError, load_scenario, scenario_files
from ._prices import price_catalog_version
from ._pipeline import Decision, decide
from ._views import PLAN_NAMES, fact, glossary, pct, provenance, tokens, usd

NOTEBOOK_DIR = PROJECT_DIR / "notebooks"
OUTPUT_DIR = PROJECT_DIR / "outputs"
PACKAGE_DIR = Path(__file__).resolve().parent
KERNEL = "python3"  # the kernel of the Python running the report, i.e. the kit's environment
_STAMP = re.compile(rb'<meta name="econ-inputs" content="([0-9a-f]{64})">')


def notebooks() -> list[Path]:
    """The report's notebooks: ``notebooks/NN_*.ipynb`` in order."""
    return sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb"))


def _title(nb: Path) -> str:
    return nb.stem[3:].replace("_", " ").capitalize()


def _code_digest() -> hashlib._Hash:
    """Digest of the code every page depends on: the econ package (with its data), defaults and pyproject."""
    h = hashlib.sha256()
    files = [p for p in sorted(PACKAGE_DIR.rglob("*")) if p.is_file() and "__pycache__" not in p.parts]
    for p in [*files, DEFAULTS_FILE, PROJECT_DIR / "pyproject.toml"]:
        h.update(p.relative_to(PROJECT_DIR).as_posix().encode() + b"\0" + p.read_bytes() + b"\0")
    return h


def inputs_digest(nb: Path, scenario: Scenario, code: hashlib._Hash | None = None) -> str:
    """Hex digest of everything a rendered page depends on; a page is re-rendered when it changes."""
    h = (code or _code_digest()).copy()
    for p in (nb, scenario.file):
        h.update(p.name.encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()


def page_digest(page: Path) -> str | None:
    """The inputs digest a rendered page was stamped with, or None (no page, or no stamp)."""
    try:
        with page.open("rb") as f:
            m = _STAMP.search(f.read(8192))
    except OSError:
        return None
    return m.group(1).decode() if m else None


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

        _kernel = AsyncKernelManager(kernel_name=KERNEL)
        run_sync(_kernel.start_kernel)(cwd=str(cwd))
        atexit.register(lambda: run_sync(_kernel.shutdown_kernel)(now=True))
    return _kernel


def render(nb: Path, scenario_file: Path, out_dir: Path, digest: str = "0" * 64, reuse_kernel: bool = False,
           decision_file: Path | None = None) -> Path:
    """Execute ``nb`` for the scenario with papermill; write ``out_dir/<nb>.ipynb`` and the offline ``.html``.

    ``decision_file`` (the scenario's ``decision.json``) is passed to the notebook, which reads the decision from it
    instead of computing it again.

    With ``reuse_kernel`` the notebook runs in this process's long-lived kernel (see `_worker_kernel`), with its
    namespace reset first; otherwise in a fresh kernel.
    """
    import nbformat
    import papermill
    from nbconvert import HTMLExporter

    scenario = load_scenario(scenario_file)
    out_dir.mkdir(parents=True, exist_ok=True)
    executed = out_dir / nb.name
    source = nbformat.read(nb, as_version=4)
    extra = {}
    if reuse_kernel:
        source.cells.insert(0, nbformat.v4.new_code_cell(_RESET))
        extra["km"] = _worker_kernel(nb.parent)
    parameters = {"scenario_file": Path(os.path.relpath(scenario.file, nb.parent)).as_posix()}
    if decision_file is not None:
        parameters["decision_file"] = str(Path(decision_file).resolve())
    result = papermill.execute_notebook(
        source, None, parameters=parameters,
        cwd=str(nb.parent), kernel_name=KERNEL, progress_bar=False, log_output=False, **extra,
    )
    result.cells = [c for c in result.cells if c.source != _RESET]
    nbformat.write(result, executed)
    exporter = HTMLExporter(exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(result, resources={"metadata": {"name": f"{_title(nb)}: {scenario.title}"}})
    stamp = f'<meta name="econ-inputs" content="{digest}">'
    page = out_dir / f"{nb.stem}.html"
    page.write_text(offline_page(body).replace("<head>", "<head>\n" + stamp, 1), encoding="utf-8")
    return page


def _render_job(nb: str, scenario_file: str, out_dir: str, digest: str, decision_file: str) -> str | None:
    """Worker: render one page in the worker's kernel; return None, or the error message (exceptions may not
    pickle)."""
    try:
        render(Path(nb), Path(scenario_file), Path(out_dir), digest, reuse_kernel=True, decision_file=Path(decision_file))
    except Exception as exc:  # papermill raises its own error type with the cell's traceback
        return getattr(exc, "evalue", None) or (str(exc).strip().splitlines() or [repr(exc)])[-1]
    return None


# --- the summary across scenarios -------------------------------------------------------------------------------

SUMMARY_COLUMNS = {
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


def summary_table(decisions: list[Decision]) -> pd.DataFrame:
    """One row per scenario, read from its decision (`econ.decide`): recommended plan, runner-up, savings,
    confidence, the monthly cost of every option and plan (NaN where a plan does not exist), the fleet and the volume.
    """
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
    return pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))


def index_html(decisions: list[Decision], pages: list[Path], summary: pd.DataFrame | None = None) -> str:
    """The report's front page: one row per scenario with its decision, linking its pages."""
    e = lambda s: html.escape(str(s))  # noqa: E731
    summary = summary_table(decisions) if summary is None else summary
    rows = []
    for d, (_, s) in zip(decisions, summary.iterrows()):
        links = " · ".join(f'<a href="{e(d.scenario)}/{e(p.stem)}.html">{e(_title(p))}</a>' for p in pages)
        costs = "".join(
            f"<td class='num'>{fact(f'options.{k}.monthly_usd', usd(d.options[k].monthly_usd)) if k in d.options else '–'}"
            f"{'' if k not in d.options or d.options[k].eligible else '<br><small>' + e(d.options[k].why_not) + '</small>'}</td>"
            for k in PLAN_NAMES)
        savings = usd(d.savings_usd_per_month) if d.runner_up else "n/a"
        rows.append(
            f"<tr><td><b>{e(d.title)}</b><br><small>{e(tokens(d.workload['tokens_per_day']))} tokens/day · "
            f"{links}</small></td><td><b>{fact('recommended', s['recommended'])}</b></td>{costs}"
            f"<td class='num'>{savings}<br><small>vs {e(s['runner_up'])}</small></td>"
            f"<td class='num'>{fact('confidence', pct(d.confidence))}</td></tr>"
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
reads that decision. The same figures, with every scenario's assumptions and costs, are in
<a href="summary.xlsx">summary.xlsx</a>.</p>
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
<h2 id="glossary">Glossary</h2>
{glossary()}
<p><small>Computed with {e(provenance())}; API prices from genai-prices {e(price_catalog_version())}.</small></p>
</body></html>
"""


# --- the workbook -----------------------------------------------------------------------------------------------

_INT, _PCT, _NUM = "#,##0", "0.0%", "#,##0.####"


def _usd_format(values) -> str:
    """Dollars with as many decimals as the magnitudes need: $1,234 / $12.34 / $0.0012."""
    top = max((abs(v) for v in values if isinstance(v, (int, float)) and v == v), default=0)
    return '"$"#,##0' if top >= 100 else '"$"#,##0.00' if top >= 1 else '"$"#,##0.0000'


def _number_format(name: str, unit: str, values) -> str | None:
    """The spreadsheet format of a column from its name or unit, or None to leave it as it is."""
    text = f"{name} {unit}"
    if "USD" in text or "usd" in name:
        return _usd_format(values)
    if "fraction" in text or name == "utilization":
        return _PCT
    if "tokens" in text or name in ("gpus", "replicas"):
        return _INT
    return _NUM


def _format_sheet(ws, frame: pd.DataFrame, header_row: int, row_units: list[str] | None = None) -> None:
    """Bold header, number formats by column (or, for the assumptions' value column, by each row's unit), widths.
    ``header_row`` is 1-based."""
    from openpyxl.styles import Font

    for j, col in enumerate(frame.columns, start=1):
        ws.cell(header_row, j).font = Font(bold=True)
        by_row = row_units is not None and col == "value"
        fmt = None if by_row else _number_format(str(col), "", frame[col].tolist())
        for i, v in enumerate(frame[col].tolist()):
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                continue
            ws.cell(header_row + 1 + i, j).number_format = _number_format("", row_units[i], [v]) if by_row else fmt
        letter = ws.cell(header_row, j).column_letter
        width = max([len(str(col))] + [len(str(v)) for v in frame[col].head(200)])
        ws.column_dimensions[letter].width = max(ws.column_dimensions[letter].width or 0, min(width + 2, 60))


def _deterministic_xlsx(data: bytes) -> bytes:
    """The same workbook without the save time: openpyxl stamps it in docProps/core.xml and the zip entries."""
    src, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = re.sub(rb"<dcterms:(created|modified)[^>]*>[^<]*</dcterms:\1>", b"", body)
            dst.writestr(zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0)), body, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def workbook_bytes(scenarios: list[Scenario], decisions: list[Decision], summary: pd.DataFrame | None = None) -> bytes:
    """``summary.xlsx``: the summary sheet, one sheet per scenario (costs by option, then every assumption with
    its value, unit and source) and a provenance sheet. Reruns on the same inputs give the same bytes."""
    summary = summary_table(decisions) if summary is None else summary
    sha = {sc.name: hashlib.sha256(sc.file.read_bytes()).hexdigest() for sc in scenarios}
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as xl:
        shown = summary.rename(columns=SUMMARY_COLUMNS)
        shown.to_excel(xl, sheet_name="summary", index=False)
        _format_sheet(xl.sheets["summary"], shown, 1)
        for sc in scenarios:
            name = sc.name[:31]
            head = pd.DataFrame({"": [sc.title, f"params/{sc.file.name} (sha256 {sha[sc.name]})",
                                      f"API prices: genai-prices {price_catalog_version()} as of {sc['prices.price_date']}"]})
            head.to_excel(xl, sheet_name=name, index=False, header=False)
            costs = _costs_frame(decisions[scenarios.index(sc)])
            assumptions = pd.DataFrame([{"assumption": a.key, "value": a.value, "unit": a.unit or "", "source": a.source,
                                         "checked": a.checked or "", "set in": a.origin} for a in sc.assumptions.values()])
            start = 5 + len(costs) + 3
            costs.to_excel(xl, sheet_name=name, index=False, startrow=5)
            assumptions.to_excel(xl, sheet_name=name, index=False, startrow=start)
            ws = xl.sheets[name]
            ws.cell(5, 1).value = "Costs by option [USD/month unless the column says otherwise]"
            ws.cell(start, 1).value = "Assumptions (value, unit, source)"
            _format_sheet(ws, costs, 6)
            _format_sheet(ws, assumptions, start + 1, row_units=assumptions["unit"].tolist())
        prov = pd.DataFrame({"item": ["computed with", "API price catalog", *[f"params/{sc.file.name}" for sc in scenarios]],
                             "value": [provenance(), f"genai-prices {price_catalog_version()}",
                                       *[f"sha256 {sha[sc.name]}" for sc in scenarios]]})
        prov.to_excel(xl, sheet_name="provenance", index=False)
        _format_sheet(xl.sheets["provenance"], prov, 1)
    return _deterministic_xlsx(buf.getvalue())


def _costs_frame(d: Decision) -> pd.DataFrame:
    """Every option and plan of a decision with its monthly cost, components and eligibility (values)."""
    rows = []
    for k, o in d.options.items():
        rows.append({"plan": o.name, "recommended": k == d.recommended, "eligible": o.eligible, "why not": o.why_not,
                     "quality": o.quality, "monthly_usd": o.monthly_usd, "usd_per_mtok": o.usd_per_mtok,
                     "usd_per_request": o.usd_per_request, **o.components})
    return pd.DataFrame(rows)


# --- the build --------------------------------------------------------------------------------------------------

def _publish(tmp: Path, names: list[str], changed: dict[str, list[str]], pages: list[Path]) -> None:
    """Move the new pages, workbook and index from ``tmp`` into ``outputs/``; drop pages of removed notebooks."""
    keep = {p.stem for p in pages}
    for name in names:
        target = OUTPUT_DIR / name
        target.mkdir(exist_ok=True)
        os.replace(tmp / name / "decision.json", target / "decision.json")
        for stem in changed.get(name, []):
            for ext in (".html", ".ipynb"):
                os.replace(tmp / name / f"{stem}{ext}", target / f"{stem}{ext}")
        for old in target.glob("[0-9][0-9]_*.*"):
            if old.stem not in keep:
                old.unlink()
    for f in ("summary.xlsx", "index.html"):  # the index last: it links the rest
        os.replace(tmp / f, OUTPUT_DIR / f)


def build_report(scenario_paths: list[str] | None = None, jobs: int | None = None, force: bool = False) -> int:
    """Validate every scenario, render the pages whose inputs changed (in parallel), then publish.

    Parameters
    ----------
    scenario_paths : list of str, optional
        Scenario files (default: every ``params/*.yaml``).
    jobs : int, optional
        Worker processes (default: the machine's cores).
    force : bool
        Render every page even if its inputs did not change.

    Returns
    -------
    int
        Exit code: 0, or 1 after a message naming the scenario file or the notebook that failed.
    """
    files = [Path(p) for p in scenario_paths] if scenario_paths else scenario_files()
    scenarios = []
    for f in files:
        try:
            scenarios.append(load_scenario(f))
        except ScenarioError as exc:
            print(f"error: {exc}\nNothing was rendered; outputs/ is unchanged.", file=sys.stderr)
            return 1
    pages = notebooks()
    code = _code_digest()
    digests = {(sc.name, nb.stem): inputs_digest(nb, sc, code) for sc in scenarios for nb in pages}
    todo = [(sc, nb, digests[sc.name, nb.stem]) for sc in scenarios for nb in pages
            if force or page_digest(OUTPUT_DIR / sc.name / f"{nb.stem}.html") != digests[sc.name, nb.stem]]
    index_stamp = hashlib.sha256("".join(sorted(digests.values())).encode()
                                 + "|".join(sc.name for sc in scenarios).encode()).hexdigest()
    fresh = (not todo and page_digest(OUTPUT_DIR / "index.html") == index_stamp
             and (OUTPUT_DIR / "summary.xlsx").exists())
    if fresh:
        print(f"report: outputs/index.html is up to date ({len(scenarios)} scenarios × {len(pages)} notebooks)")
        return 0
    OUTPUT_DIR.mkdir(exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".render-", dir=OUTPUT_DIR))
    try:
        decisions = []
        for sc in scenarios:  # the one computation of each scenario's decision; every page reads its file
            try:
                decisions.append(decide(sc))
            except ValueError as exc:
                print(f"error: {exc}\nNothing was rendered; outputs/ is unchanged.", file=sys.stderr)
                return 1
            (tmp / sc.name).mkdir(parents=True, exist_ok=True)
            decisions[-1].to_json(tmp / sc.name / "decision.json")
        if todo:
            workers = max(1, min(jobs or os.cpu_count() or 1, len(todo)))
            print(f"rendering {len(todo)} of {len(scenarios) * len(pages)} pages with {workers} worker(s)", flush=True)
            with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
                futures = {pool.submit(_render_job, str(nb), str(sc.file), str(tmp / sc.name), digest,
                                       str(tmp / sc.name / "decision.json")): (sc, nb)
                           for sc, nb, digest in todo}
                pending = set(futures)
                while pending:
                    done, pending = wait(pending, return_when=FIRST_COMPLETED)
                    for fut in done:
                        sc, nb = futures[fut]
                        msg = fut.result()
                        if msg is not None:
                            pool.shutdown(wait=False, cancel_futures=True)
                            print(f"error: notebook {nb.name} failed for scenario {sc.path}: {msg}\n"
                                  "The previous report in outputs/ is unchanged.", file=sys.stderr)
                            return 1
                        print(f"  {sc.name}/{nb.stem}.html", flush=True)
        summary = summary_table(decisions)
        (tmp / "summary.xlsx").write_bytes(workbook_bytes(scenarios, decisions, summary))
        index = index_html(decisions, pages, summary)
        (tmp / "index.html").write_text(
            index.replace("<head>", f'<head><meta name="econ-inputs" content="{index_stamp}">', 1), encoding="utf-8")
        changed: dict[str, list[str]] = {}
        for sc, nb, _ in todo:
            changed.setdefault(sc.name, []).append(nb.stem)
        _publish(tmp, [sc.name for sc in scenarios], changed, pages)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"report: outputs/index.html and outputs/summary.xlsx ({len(scenarios)} scenarios × {len(pages)} notebooks, "
          f"{len(todo)} pages rendered)")
    return 0
