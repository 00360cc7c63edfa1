"""The rendered report in a real browser, offline: every chart drawn, no console messages, no text drawn over
other text, and pages that print.

Headless Chromium (Debian's package) opens the index and every page of a freshly rendered report with all
network traffic sent to a dead proxy, runs the scripts, and dumps the DOM. Each page is opened from a copy beside
it that carries a probe script: once the charts are drawn, the probe measures every text mark of every chart
(the report draws charts as SVG) and writes what it found into the DOM. A chart counts as drawn when Vega has put
its ``marks`` element into the page. Two text marks collide when their boxes intersect (a separating-axis test,
rotation included), each box being the one Chromium computes, trimmed by ``TRIM`` of its height above and below
(that box includes the font's line spacing, so stacked labels would touch) and widened by ``GAP_PX`` on each side
along its line: overprinted labels collide, and so do labels run together like "100k200k". Without Chromium the
tests skip, except under CI (``CI=true``), where they fail: .ci/run installs Chromium.
"""

import json
import os
import re
import subprocess

import pytest

from econ import _report

CHROMIUM = _report.chromium()
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>",  # the network is off: every request fails
    "--enable-logging=stderr", "--v=0", "--virtual-time-budget=30000", "--dump-dom",
]
GAP_PX, TRIM = 1.0, 0.08

if CHROMIUM is None:
    if os.environ.get("CI") == "true":
        pytest.fail("Chromium is not installed; .ci/run installs it (apt-get install chromium)", pytrace=False)
    pytest.skip("Chromium is not installed (apt-get install chromium)", allow_module_level=True)

PROBE = """<script>
(function () {
  const GAP = %(gap)s, TRIM = %(trim)s;
  function corners(el) {  // the text's box in its own coordinates (trimmed, widened), mapped to the page
    const b = el.getBBox(), m = el.getScreenCTM();
    if (!m || b.width === 0 || b.height === 0) return null;
    const x0 = b.x - GAP, x1 = b.x + b.width + GAP, y0 = b.y + TRIM * b.height, y1 = b.y + (1 - TRIM) * b.height;
    return [[x0, y0], [x1, y0], [x1, y1], [x0, y1]].map(([x, y]) => [m.a * x + m.c * y + m.e, m.b * x + m.d * y + m.f]);
  }
  function depth(p, q) {  // separating-axis test on two convex quadrilaterals: how far they overlap, 0 if apart
    let least = Infinity;
    for (const poly of [p, q]) for (let i = 0; i < 4; i++) {
      const [x1, y1] = poly[i], [x2, y2] = poly[(i + 1) %% 4], len = Math.hypot(x2 - x1, y2 - y1);
      if (len === 0) continue;
      const ax = -(y2 - y1) / len, ay = (x2 - x1) / len;
      const proj = (pts) => pts.map(([x, y]) => x * ax + y * ay);
      const a = proj(p), b = proj(q);
      const overlap = Math.min(Math.max(...a), Math.max(...b)) - Math.max(Math.min(...a), Math.min(...b));
      if (overlap <= 0) return 0;
      least = Math.min(least, overlap);
    }
    return least;
  }
  function visible(el) {
    const style = getComputedStyle(el);
    return el.textContent.trim() !== "" && style.fillOpacity !== "0" && style.fill !== "none"
      && el.checkVisibility({opacityProperty: true, visibilityProperty: true});
  }
  function measure() {
    const charts = [...document.querySelectorAll('div[id^="altair-viz-"]')];
    const out = {charts: charts.length, drawn: 0, overlaps: []};
    charts.forEach((chart, i) => {
      const svg = chart.querySelector("svg.marks");
      if (!chart.querySelector(".marks")) return;
      out.drawn += 1;
      if (!svg) return;
      const title = svg.querySelector(".role-title-text text");
      const texts = [...svg.querySelectorAll("text")].filter(visible)
        .map((el) => ({text: el.textContent.trim(), box: corners(el)})).filter((t) => t.box);
      for (let a = 0; a < texts.length; a++) for (let b = a + 1; b < texts.length; b++) {
        const d = depth(texts[a].box, texts[b].box);
        if (d > 0) out.overlaps.push({chart: i + 1, title: title ? title.textContent : "",
                                              a: texts[a].text, b: texts[b].text, px: Math.round(d * 10) / 10});
      }
    });
    const pre = document.createElement("pre");
    pre.id = "econ-probe";
    pre.textContent = JSON.stringify(out);
    document.body.appendChild(pre);
  }
  let waited = 0;
  (function poll() {  // until every chart has drawn (or 20 s), then once more after a beat for late layout
    const charts = document.querySelectorAll('div[id^="altair-viz-"]');
    const drawn = [...charts].filter((c) => c.querySelector(".marks")).length;
    if (drawn === charts.length || waited > 20000) setTimeout(measure, 500);
    else { waited += 100; setTimeout(poll, 100); }
  })();
})();
</script>""" % {"gap": GAP_PX, "trim": TRIM}


def open_offline(page, profile):
    """Open ``page`` in Chromium, network off; return the DOM after the scripts ran and the console's messages."""
    run = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", page.as_uri()],
                         capture_output=True, text=True, timeout=180)
    console = [line for line in run.stderr.splitlines() if ":CONSOLE" in line]
    return run.stdout, console


def probe(page, profile) -> tuple[dict, list[str]]:
    """What the probe found on ``page`` (charts, drawn, overlaps) and the console's messages."""
    copy = page.with_name(f".probe-{page.name}")  # beside the page: its relative links still work
    copy.write_text(page.read_text(encoding="utf-8").replace("</body>", PROBE + "</body>", 1), encoding="utf-8")
    try:
        dom, console = open_offline(copy, profile)
    finally:
        copy.unlink()
    found = re.search(r'<pre id="econ-probe">(.*?)</pre>', dom, re.S)
    assert found, f"{page.parent.name}/{page.name}: the probe did not report (page did not finish loading)"
    return json.loads(found.group(1).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")), console


def charts_in_notebook(ipynb) -> int:
    nb = json.loads(ipynb.read_text())
    return sum("altair-viz-" in "".join(o.get("data", {}).get("text/html", ""))
               for c in nb["cells"] if c["cell_type"] == "code" for o in c.get("outputs", []))


@pytest.fixture(scope="module")
def probed(report, tmp_path_factory):
    """Every page of the report, probed once: page -> (findings, console)."""
    profile = tmp_path_factory.mktemp("chromium")
    return {page: probe(page, profile / page.parent.name / page.stem) for page in sorted(report.glob("*/*.html"))}


def test_every_page_draws_every_chart_offline(report, probed):
    assert len(probed) == len(_report.notebooks()) * len([d for d in report.glob("*/") if d.name != "_static"])
    for page, (found, console) in probed.items():
        where = f"{page.parent.name}/{page.name}"
        expected = charts_in_notebook(page.with_suffix(".ipynb"))
        assert found["charts"] == expected == found["drawn"], f"{where}: {found['drawn']} of {expected} charts drawn"
        assert not console, f"{where}: console says {console}"


def test_no_chart_draws_text_over_text(probed):
    overlaps = [f"{page.parent.name}/{page.name}, chart {o['chart']} ({o['title'] or 'untitled'}): "
                f"{o['a']!r} and {o['b']!r} collide ({o['px']} px)"
                for page, (found, _) in probed.items() for o in found["overlaps"]]
    assert not overlaps, f"{len(overlaps)} colliding text marks:\n" + "\n".join(overlaps[:60])


def test_the_probe_finds_overlapping_labels(report, tmp_path):
    """The overlap check can fail: a chart whose axis labels are crowded is caught, one whose labels are apart
    is not."""
    import altair as alt
    import pandas as pd

    page = next(report.glob("*/01_*.html"))
    frame = pd.DataFrame({"x": [f"label number {i}" for i in range(12)], "y": range(12)})
    crowded = alt.Chart(frame).mark_bar().encode(alt.X("x:N", axis=alt.Axis(labelAngle=0, labelOverlap=False)), y="y:Q")
    spaced = alt.Chart(frame.head(3)).mark_bar().encode(alt.X("x:N", axis=alt.Axis(labelAngle=0)), y="y:Q")
    head = page.read_text(encoding="utf-8").split("<body", 1)[0]
    for name, chart, overlapping in (("crowded", crowded.properties(width=240), True),
                                     ("spaced", spaced.properties(width=400), False)):
        test_page = page.with_name(f".test-{name}.html")
        html = chart._repr_mimebundle_()["text/html"]  # as a notebook shows it
        test_page.write_text(f"{head}<body>{html}</body></html>", encoding="utf-8")
        try:
            found, console = probe(test_page, tmp_path / name)
        finally:
            test_page.unlink()
        assert found["drawn"] == 1 and not console, (found, console)
        assert bool(found["overlaps"]) == overlapping, found
        if overlapping:
            assert all(o[k].startswith("label number") for o in found["overlaps"] for k in ("a", "b"))


def test_index_opens_offline_and_links_every_page(report, tmp_path):
    dom, console = open_offline(report / "index.html", tmp_path / "index")
    assert not console, console
    for page in report.glob("*/*.html"):
        assert f'href="{page.parent.name}/{page.name}"' in dom


def test_a_page_prints_with_a_new_page_for_each_section(report, tmp_path):
    """Printing with headless Chromium (`econ._report.print_pdf`): a page made of a title and three ``###``
    sections prints on exactly four sheets, on A4 and on Letter (the report's print styles); notebook 01 prints
    with at least one sheet per section."""
    page = next(report.glob("*/01_cost_model.html"))
    sections = "".join(f"<h3>Section {i}</h3><p>Short.</p>" for i in range(3))
    known = page.with_name(".sections.html")
    known.write_text(f"<!DOCTYPE html><html><head><style>{_report.REPORT_CSS}</style></head><body><h1>Title</h1>"
                     f"{sections}</body></html>", encoding="utf-8")
    try:
        for paper in ("A4", "Letter"):
            assert _report.print_pdf(known, tmp_path / f"sections-{paper}.pdf", paper) == 4
    finally:
        known.unlink()
    h3 = len(re.findall(r"<h3[ >]", page.read_text(encoding="utf-8")))
    for paper in ("A4", "Letter"):
        sheets = _report.print_pdf(page, tmp_path / f"01-{paper}.pdf", paper)
        print(f"{page.parent.name}/{page.name} prints on {sheets} {paper} pages ({h3} sections)")
        assert sheets >= h3 + 1


def test_the_decision_page_prints_on_two_pages(report, tmp_path):
    """Issue 16: the decision page of every scenario, printed by headless Chromium, fits on two A4 or Letter pages
    (its folded appendix of every assumption stays on screen)."""
    for page in sorted(report.glob("*/00_decision.html")):
        for paper in ("A4", "Letter"):
            sheets = _report.print_pdf(page, tmp_path / f"{page.parent.name}-{paper}.pdf", paper)
            assert sheets <= 2, f"{page.parent.name}/{page.name} prints on {sheets} {paper} pages"
