"""Make a rendered notebook page work with no network, and keep it light: what every page shares ships once.

Altair's notebook output loads vega, vega-lite and vega-embed from a CDN unless they are already present (it
checks ``VEGA_DEBUG``); nbconvert's page template loads require.js, MathJax and mermaid from a CDN and inlines
JupyterLab's stylesheet (about 260 kB) in every page. On a locked-down laptop the CDN fails and every chart is
blank. `offline_page` removes what would be fetched and moves the template's stylesheet and the vega-embed bundle
that vl-convert-python ships (the one Altair inlines with ``inline=True``, about 900 kB) into content-addressed
files in a static folder (the report's ``outputs/_static/``), which the page references relatively: one copy for
the whole report, still offline (``file://`` pages load them).

Charts are drawn as SVG (a page's own embed options still win): vector on paper, and their text is in the
document, where a browser can measure it (tests/test_browser.py checks that no two labels overlap). JupyterLab is
untouched: there the charts stay interactive with the runtime JupyterLab provides.
"""

from __future__ import annotations

import hashlib
import os
import re
from functools import cache
from pathlib import Path

__all__ = ["offline_page", "chart_count", "STATIC_FILE"]

_CDN_SCRIPT = re.compile(r'<script[^>]*\bsrc="https?://[^"]*"[^>]*>\s*</script>\s*', re.I)
# the template's MathJax configuration (MathJax itself is a CDN script) and its mermaid loader (imports from a CDN)
_MATHJAX = re.compile(r"<!-- Load mathjax -->.*?<!-- End of mathjax configuration -->\s*", re.S)
_MERMAID = re.compile(r'<script type="module">(?:(?!</script>).)*?mermaid(?:(?!</script>).)*</script>\s*'
                      r"(?:<!-- End of mermaid configuration -->\s*)?", re.S)
_STYLE = re.compile(r"<style[^>]*>(.*?)</style>\s*", re.S)
_VERSION = re.compile(r'maybeLoadScript\("(vega|vega-lite|vega-embed)", "([^"]+)"\)')
_CHART = re.compile(r'<div id="altair-viz-[0-9a-f]{32}"></div>')
STATIC_FILE = re.compile(r"_static/([\w.-]+-([0-9a-f]{16})\.(?:css|js))")
"""A reference to a shared file in a page; group 1 is its name, group 2 the start of its content's sha256."""

_SVG_BY_DEFAULT = """(function (embed) {  // charts as SVG unless a chart says otherwise: vector on paper, text measurable
  window.vegaEmbed = Object.assign(function (el, spec, opt) {
    return embed(el, spec, Object.assign({renderer: "svg"}, opt));
  }, embed);
})(window.vegaEmbed);"""


@cache
def _bundle(vl_major_minor: str) -> str:
    import vl_convert as vlc

    return vlc.javascript_bundle(vl_version=vl_major_minor)


def _major_minor(version: str) -> str:
    return ".".join(version.split(".")[:2])  # vl-convert names versions "6.4"


def chart_count(page: str) -> int:
    """Number of Altair charts in a rendered page."""
    return len(_CHART.findall(page))


def static_file(folder: Path, stem: str, suffix: str, text: str) -> str:
    """Write ``text`` to ``folder/<stem>-<sha256[:16]><suffix>`` unless it is there, and return that file name.

    The name carries the content's digest: two pages sharing a file share its name, a changed file gets a new
    name, and a file can be checked against its name. Written under a temporary name and renamed, so that
    processes writing the same file at once never leave half of it.
    """
    data = text.encode()
    name = f"{stem}-{hashlib.sha256(data).hexdigest()[:16]}{suffix}"
    path = folder / name
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        part = folder / f".{name}.{os.getpid()}"
        part.write_bytes(data)
        os.replace(part, path)
    return name


def offline_page(page: str, static_dir: Path, static_url: str = "../_static/") -> str:
    """The page with nothing left to fetch from the network, and its shared parts in ``static_dir``.

    Parameters
    ----------
    page : str
        A page exported by nbconvert.
    static_dir : Path
        Folder for the files pages share (the head's stylesheets, the chart runtime), written by `static_file`.
    static_url : str
        How the page reaches ``static_dir``: relative, so that the report can be moved and opened offline.

    Examples
    --------
    >>> offline_page('<head><script src="https://cdn.example/require.js"></script></head>', Path("unused"))
    '<head></head>'
    """
    page = _MERMAID.sub("", _MATHJAX.sub("", _CDN_SCRIPT.sub("", page)))
    head, end_head, body = page.partition("</head>")
    css = "\n".join(m.group(1).strip() for m in _STYLE.finditer(head))
    if css:
        link = f'<link rel="stylesheet" href="{static_url}{static_file(static_dir, "notebook", ".css", css)}">\n'
        first = _STYLE.search(head).start()
        head = head[:first] + link + _STYLE.sub("", head[first:])
    versions = dict(_VERSION.findall(page))
    if versions:
        vl = _major_minor(versions["vega-lite"])
        name = static_file(static_dir, f"vega-embed-vl{vl}", ".js", _bundle(vl))
        debug = ", ".join(f'{lib.replace("-", "")}_version: "{v}"' for lib, v in sorted(versions.items()))
        head += (f'<script src="{static_url}{name}"></script>\n'
                 f"<script>var VEGA_DEBUG = {{{debug}}};\n{_SVG_BY_DEFAULT}</script>\n")
    return head + end_head + body
