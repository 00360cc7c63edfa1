"""`make report`: every notebook for every scenario, executed by papermill and rendered to HTML.

Everything renders into a temporary folder inside ``outputs/`` first; only when every page succeeded are the
new pages moved into place, so a failure leaves the previous report as it was.
"""

from __future__ import annotations

import html
import os
import shutil
import sys
import tempfile
from pathlib import Path

from ._costs import OPTIONS
from ._offline import offline_page
from ._params import PROJECT_DIR, Scenario, ScenarioError, load_scenario, scenario_files
from ._views import recommendation, tokens, usd

NOTEBOOK_DIR = PROJECT_DIR / "notebooks"
OUTPUT_DIR = PROJECT_DIR / "outputs"
KERNEL = "python3"  # the kernel of the Python running the report, i.e. the kit's environment


def notebooks() -> list[Path]:
    """The report's notebooks: ``notebooks/NN_*.ipynb`` in order."""
    return sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb"))


def _title(nb: Path) -> str:
    return nb.stem[3:].replace("_", " ").capitalize()


def render(nb: Path, scenario: Scenario, out_dir: Path) -> Path:
    """Execute ``nb`` for ``scenario`` with papermill and write ``out_dir/<nb>.ipynb`` and ``.html``."""
    import nbformat
    import papermill
    from nbconvert import HTMLExporter

    out_dir.mkdir(parents=True, exist_ok=True)
    executed = out_dir / nb.name
    scenario_file = os.path.relpath(scenario.file, NOTEBOOK_DIR)
    papermill.execute_notebook(
        str(nb), str(executed), parameters={"scenario_file": Path(scenario_file).as_posix()},
        cwd=str(NOTEBOOK_DIR), kernel_name=KERNEL, progress_bar=False, log_output=False,
    )
    exporter = HTMLExporter(exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(
        nbformat.read(executed, as_version=4),
        resources={"metadata": {"name": f"{_title(nb)}: {scenario.title}"}},
    )
    page = out_dir / f"{nb.stem}.html"
    page.write_text(offline_page(body), encoding="utf-8")
    return page


def index_html(scenarios: list[Scenario], pages: list[Path]) -> str:
    """The report's front page: one row per scenario with its recommendation, linking its pages."""
    e = lambda s: html.escape(str(s))  # noqa: E731
    rows = []
    for sc in scenarios:
        r = recommendation(sc)
        links = " · ".join(f'<a href="{e(sc.name)}/{e(p.stem)}.html">{e(_title(p))}</a>' for p in pages)
        be = r["breakeven"]["api"]
        be_txt = f"{tokens(be.tokens_per_day)} tokens/day" if be.tokens_per_day == be.tokens_per_day else e(be.note)
        cost_cells = "".join(
            f"<td class='num'>{usd(r['monthly_usd'][k])}{'' if r['permitted'][k] else ' (not permitted)'}</td>" for k in OPTIONS
        )
        rows.append(
            f"<tr><td><b>{e(sc.title)}</b><br><small>{links}</small></td><td>{e(r['recommended'])}</td>{cost_cells}"
            f"<td class='num'>{usd(r['savings_vs_api_usd']) if r['permitted']['api'] else 'n/a: API not permitted'}</td>"
            f"<td>{be_txt}</td></tr>"
        )
    heads = "".join(f"<th>{e(OPTIONS[k])}<br>USD/month</th>" for k in OPTIONS)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>LLM inference economics: report</title>
<style>body{{font-family:system-ui,sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem;color:#222}}
table{{border-collapse:collapse;width:100%}}td,th{{border-bottom:1px solid #ddd;padding:.4rem .6rem;text-align:left;vertical-align:top}}
td.num{{text-align:right;font-variant-numeric:tabular-nums}}small a{{margin-right:.3rem}}</style></head>
<body><h1>LLM inference economics</h1>
<p>Three ways to serve the same workload: a closed API paid per token, a managed open-model endpoint paid
per token, and open weights on GPUs you rent or buy. Each row is one scenario (a file in <code>params/</code>);
its pages show the assumptions first, each with its unit and source.</p>
<h2>How to read this</h2>
<ul><li><b>Recommended</b> is the cheapest option the scenario permits, all costs counted: tokens, GPUs,
engineering time, evaluation, upgrades, egress and storage.</li>
<li><b>Savings</b> is what the recommended option saves each month against the closed API.</li>
<li><b>Breakeven</b> is the daily volume above which self-hosting costs less than the closed API, with
the GPU fleet sized for the peak of the day plus a spare.</li>
<li>Prices drift: every page names the date and the catalog its prices come from.</li></ul>
<table><thead><tr><th>scenario</th><th>recommended</th>{heads}<th>savings vs API<br>USD/month</th>
<th>self-hosting breakeven vs API</th></tr></thead><tbody>
{''.join(rows)}
</tbody></table></body></html>
"""


def _publish(tmp: Path, names: list[str]) -> None:
    """Move the rendered scenario folders and the index from ``tmp`` into ``outputs/``."""
    trash = tmp / ".old"
    trash.mkdir()
    for name in names:
        target = OUTPUT_DIR / name
        if target.exists():
            target.rename(trash / name)
        (tmp / name).rename(target)
    os.replace(tmp / "index.html", OUTPUT_DIR / "index.html")


def build_report(scenario_paths: list[str] | None = None) -> int:
    """Validate every scenario, render every notebook for each, then publish; returns an exit code."""
    files = [Path(p) for p in scenario_paths] if scenario_paths else scenario_files()
    scenarios = []
    for f in files:
        try:
            scenarios.append(load_scenario(f))
        except ScenarioError as exc:
            print(f"error: {exc}\nNothing was rendered; outputs/ is unchanged.", file=sys.stderr)
            return 1
    pages = notebooks()
    OUTPUT_DIR.mkdir(exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".render-", dir=OUTPUT_DIR))
    try:
        jobs = [(sc, nb) for sc in scenarios for nb in pages]
        for i, (sc, nb) in enumerate(jobs, 1):
            print(f"[{i}/{len(jobs)}] {nb.name} for {sc.path}", flush=True)
            try:
                render(nb, sc, tmp / sc.name)
            except Exception as exc:  # papermill raises its own error type with the cell's traceback
                msg = getattr(exc, "evalue", None) or str(exc).strip().splitlines()[-1]
                print(f"error: notebook {nb.name} failed for scenario {sc.path}: {msg}\n"
                      "The previous report in outputs/ is unchanged.", file=sys.stderr)
                return 1
        (tmp / "index.html").write_text(index_html(scenarios, pages), encoding="utf-8")
        _publish(tmp, [sc.name for sc in scenarios])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"report: outputs/index.html ({len(scenarios)} scenarios × {len(pages)} notebooks)")
    return 0
