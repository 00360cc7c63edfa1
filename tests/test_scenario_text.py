"""Scenario text on the pages is text: a title or description can add no link, heading, table, code block, HTML or
script to a page, and cannot swallow the provenance line (issue 17). Checked through nbconvert's own Markdown
renderer (what the report's HTML pages use) and, when it is installed, in headless Chromium."""

import html
import json
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser

import nbformat
import pytest
from hypothesis import given
from hypothesis import strategies as st
from nbconvert import HTMLExporter
from nbconvert.filters.markdown_mistune import markdown2html_mistune

from econ import load_scenario, scenario_header
from econ._offline import offline_page
from econ._views import Markdown, md_text

HOSTILE_TITLE = ("[click](javascript:alert(1)) # not a heading | a | b | <img src=x onerror=alert(2)> "
                 "$\\href{javascript:alert(3)}{m}$ ```")
HOSTILE_DESCRIPTION = ("```\n# Heading\n| a | b |\n|---|---|\n| 1 | 2 |\n[evil](javascript:alert(4)) "
                       "<script>alert(5)</script> [ok](https://example.org/x) <https://auto.link> &amp; *em* "
                       "[data](data:text/html,<script>alert(6)</script>) [vb](vbscript:msgbox) ~~s~~ <!-- c")


class Page(HTMLParser):
    """Tags, links and visible text of an HTML fragment."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.tags, self.hrefs, self.text = [], [], []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.hrefs += [v for k, v in attrs if k in ("href", "src") and tag in ("a", "img", "script", "iframe")]

    def handle_data(self, data):
        self.text.append(data)


def shown(markdown) -> Page:
    """``markdown`` as a page shows it: the text Jupyter displays (`Markdown._repr_markdown_`), rendered by nbconvert."""
    return Page(markdown2html_mistune(Markdown(markdown)._repr_markdown_()))


@given(st.text(st.characters(blacklist_categories=("Cc", "Cs", "Co", "Cn"),
                             blacklist_characters="\u2028\u2029\u202a\u202b\u202c\u202d\u202e"), max_size=80))
def test_any_text_renders_as_itself(text):
    page = shown(md_text(text))
    assert set(page.tags) <= {"p", "span"}, page.tags
    assert "".join(page.text).strip() == " ".join(text.split())


@pytest.mark.parametrize("text", [HOSTILE_TITLE, HOSTILE_DESCRIPTION, "- a list?", "1. a list?", "> quote", "    code",
                                  "===", "Title\n---", "\\*", "&#x3C;b&#x3E;", "<", "a  \n  b", "![i](https://x/y.png)"])
def test_hostile_text_renders_as_itself(text):
    page = shown(md_text(text))
    assert set(page.tags) <= {"p", "span"} and not page.hrefs
    assert "".join(page.text).strip() == " ".join(text.split())


def test_only_http_links_survive_in_a_description():
    page = shown(md_text(HOSTILE_DESCRIPTION, links=True))
    assert page.hrefs == ["https://example.org/x"] and set(page.tags) <= {"p", "span", "a"}
    assert "javascript:alert(4)" in "".join(page.text)  # the other links stay visible as text


@pytest.fixture
def hostile(write_scenario):
    return load_scenario(write_scenario(
        f"scenario:\n  title: {json.dumps(HOSTILE_TITLE)}\n  description: {json.dumps(HOSTILE_DESCRIPTION)}\n"
        "workload:\n  requests_per_day: {value: 5000, source: x}\n", "hostile`name*.yaml"))


def header_page(scenario, folder) -> str:
    """The header as the report renders it: a notebook output, exported by nbconvert, made offline (its shared
    files in ``folder``/static)."""
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_code_cell("econ.scenario_header(sc)", outputs=[nbformat.v4.new_output(
        "display_data", data={"text/markdown": scenario_header(scenario)._repr_markdown_()})]))
    body, _ = HTMLExporter(exclude_input=True).from_notebook_node(
        nb, resources={"metadata": {"name": f"Cost model: {scenario.title}"}})
    return offline_page(body, folder / "static", "static/")


def links(page: Page) -> list[str]:
    return [h for h in page.hrefs if not h.startswith("#")]  # heading anchors aside


def test_the_header_of_a_hostile_scenario_is_its_text_and_keeps_its_provenance(hostile, tmp_path):
    page = shown(str(scenario_header(hostile)))
    assert page.tags.count("h2") == 1 and not {"h1", "h3", "h4", "table", "pre", "img", "script", "ul", "ol",
                                                "blockquote", "em", "strong", "del"} & set(page.tags)
    assert links(page) == ["https://example.org/x"]
    text = "".join(page.text)
    assert " ".join(HOSTILE_TITLE.split()) in text
    assert " ".join(HOSTILE_DESCRIPTION.split()).replace("[ok](https://example.org/x)", "ok") in text
    assert f"Scenario file {tmp_path.as_posix()}/hostile`name*.yaml (sha256" in text and "Computed with kit" in text  # not swallowed
    page_html = header_page(hostile, tmp_path)
    full = Page(page_html)
    assert links(full) == ["https://example.org/x"] and "img" not in full.tags
    assert f"<title>Cost model: {html.escape(hostile.title, quote=False)}</title>" in page_html


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
TRAP = ("<script>window.alert = window.confirm = window.prompt = function (m) {"
        " document.documentElement.setAttribute('data-alerted', String(m)); };</script>")
CLICK = ("<script>document.querySelectorAll('a').forEach(function (a) {"
         " var h = a.getAttribute('href') || ''; if (!/^(https?:|#)/.test(h)) { a.click(); } });"
         " document.documentElement.setAttribute('data-links', Array.from(document.querySelectorAll('a[href]'))"
         ".map(function (a) { return a.getAttribute('href'); }).filter(function (h) { return h[0] !== '#'; }).join(' '));"
         "</script>")


def open_in_chromium(page, profile) -> str:
    run = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                          "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>", f"--user-data-dir={profile}",
                          "--virtual-time-budget=5000", "--dump-dom", page.as_uri()],
                         capture_output=True, text=True, timeout=120)
    return re.search(r"<html[^>]*>", run.stdout)[0]


@pytest.mark.skipif(CHROMIUM is None and os.environ.get("CI") != "true", reason="Chromium is not installed")
def test_a_hostile_title_runs_no_script_in_a_browser(hostile, tmp_path):
    """Every link that is not http(s) or a fragment is clicked; any alert, confirm or prompt is recorded on <html>.
    The same page with one javascript: link added is the control: there the alert is recorded."""
    assert CHROMIUM, "Chromium is not installed; .ci/run installs it (apt-get install chromium)"
    armed = header_page(hostile, tmp_path).replace("<head>", "<head>" + TRAP, 1)
    page, control = tmp_path / "page.html", tmp_path / "control.html"
    page.write_text(armed.replace("</body>", CLICK + "</body>", 1))
    control.write_text(armed.replace("</body>", '<a href="javascript:alert(7)">x</a>' + CLICK + "</body>", 1))
    assert 'data-alerted="7"' in open_in_chromium(control, tmp_path / "c")
    root = open_in_chromium(page, tmp_path / "p")
    assert "data-alerted" not in root and 'data-links="https://example.org/x"' in root, root


def test_the_decision_page_shows_hostile_sources_and_model_ids_as_text(write_scenario):
    """A source is scenario text too: the decision page's "what it rests on" renders it as text, never as a link."""
    from econ import decide, rests_on

    src = "'" + HOSTILE_TITLE.replace("'", "''") + "'"  # a single-quoted YAML scalar takes the text as it is
    sc = load_scenario(write_scenario(
        f"workload:\n  requests_per_day: {{value: 60000, source: {src}}}\n"
        f"engineering:\n  loaded_usd_per_hour: {{value: 75, checked: '2026', source: {src}}}\n"))
    page = shown(rests_on(sc, decide(sc, draws=200)))
    assert not page.hrefs and "script" not in page.tags and "img" not in page.tags
    assert "[click](javascript:alert(1))" in "".join(page.text)


def test_provenance_names_the_scenario_file_where_it_is(tmp_path):
    """A scenario outside params/ was shown as params/<name>, a file that does not exist."""
    from econ import PARAMS_DIR, load_scenario, scenario_header

    outside = tmp_path / "mine.yaml"
    shutil.copy(PARAMS_DIR / "one_h100_vs_mid_tier.yaml", outside)
    text = html.unescape(re.sub(r"<[^>]+>|\\", "", str(scenario_header(load_scenario(outside)))))
    assert f"Scenario file {outside.as_posix()} (sha256" in text and "params/mine.yaml" not in text
    inside = html.unescape(re.sub(r"<[^>]+>|\\", "", str(scenario_header(load_scenario(PARAMS_DIR / "one_h100_vs_mid_tier.yaml")))))
    assert "Scenario file params/one_h100_vs_mid_tier.yaml (sha256" in inside
