"""The rendered report in a real browser, offline: every chart drawn, no console messages.

Headless Chromium (Debian's package) opens the index and every page of a freshly rendered report with all
network traffic sent to a dead proxy, runs the scripts, and dumps the DOM. A chart counts as drawn when Vega
has put its ``marks`` element (canvas or SVG) into the page. Without Chromium the test skips, except under
CI (``CI=true``), where it fails: .ci/run installs Chromium.
"""

import json
import os
import re
import shutil
import subprocess

import pytest

from econ import _report

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>",  # the network is off: every request fails
    "--enable-logging=stderr", "--v=0", "--virtual-time-budget=15000", "--dump-dom",
]

if CHROMIUM is None:
    if os.environ.get("CI") == "true":
        pytest.fail("Chromium is not installed; .ci/run installs it (apt-get install chromium)", pytrace=False)
    pytest.skip("Chromium is not installed (apt-get install chromium)", allow_module_level=True)


def open_offline(page, profile):
    run = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", page.as_uri()],
                         capture_output=True, text=True, timeout=120)
    console = [line for line in run.stderr.splitlines() if ":CONSOLE" in line]
    return run.stdout, console


def charts_in_notebook(ipynb) -> int:
    nb = json.loads(ipynb.read_text())
    return sum("altair-viz-" in "".join(o.get("data", {}).get("text/html", ""))
               for c in nb["cells"] if c["cell_type"] == "code" for o in c.get("outputs", []))


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("outputs")
    mp = pytest.MonkeyPatch()
    mp.setattr(_report, "OUTPUT_DIR", out)
    try:
        assert _report.build_report() == 0
    finally:
        mp.undo()
    return out


def test_every_page_draws_every_chart_offline(report, tmp_path):
    pages = sorted(report.glob("*/*.html"))
    assert len(pages) == len(_report.notebooks()) * len(list(report.glob("*/")))
    for page in pages:
        expected = charts_in_notebook(page.with_suffix(".ipynb"))
        dom, console = open_offline(page, tmp_path / page.stem)
        drawn = len(re.findall(r'<(?:canvas|svg)[^>]*class="marks"', dom))
        assert drawn == expected, f"{page.parent.name}/{page.name}: {drawn} of {expected} charts drawn"
        assert not console, f"{page.parent.name}/{page.name}: console says {console}"


def test_index_opens_offline_and_links_every_page(report, tmp_path):
    dom, console = open_offline(report / "index.html", tmp_path / "index")
    assert not console, console
    for page in report.glob("*/*.html"):
        assert f'href="{page.parent.name}/{page.name}"' in dom
