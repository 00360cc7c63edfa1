"""Make a rendered notebook page work with no network: charts drawn from a runtime inlined once per page.

Altair's notebook output loads vega, vega-lite and vega-embed from a CDN unless they are already present
(it checks ``VEGA_DEBUG``); nbconvert's page template loads require.js and MathJax from a CDN. On a locked-down
laptop all of that fails and every chart is blank. `offline_page` removes the CDN script tags and puts the
vega-embed bundle that vl-convert-python ships (the same one Altair inlines with ``inline=True``) once in
the page head, announcing its versions so every chart uses it. JupyterLab is untouched: there the charts stay
interactive with the runtime JupyterLab provides.
"""

from __future__ import annotations

import re
from functools import cache

__all__ = ["offline_page", "chart_count"]

_CDN_SCRIPT = re.compile(r'<script[^>]*\bsrc="https?://[^"]*"[^>]*>\s*</script>\s*', re.I)
_VERSION = re.compile(r'maybeLoadScript\("(vega|vega-lite|vega-embed)", "([^"]+)"\)')
_CHART = re.compile(r'<div id="altair-viz-[0-9a-f]{32}"></div>')


@cache
def _bundle(vl_version: str) -> str:
    import vl_convert as vlc

    major_minor = ".".join(vl_version.split(".")[:2])  # vl-convert names versions "6.4"
    return vlc.javascript_bundle(vl_version=major_minor).replace("</script", "<\\/script")


def chart_count(page: str) -> int:
    """Number of Altair charts in a rendered page."""
    return len(_CHART.findall(page))


def offline_page(page: str) -> str:
    """The page with every CDN script removed and, if it has charts, the chart runtime inlined once.

    Examples
    --------
    >>> offline_page('<head><script src="https://cdn.example/require.js"></script></head>')
    '<head></head>'
    """
    page = _CDN_SCRIPT.sub("", page)
    versions = dict(_VERSION.findall(page))
    if not versions:
        return page
    debug = ", ".join(f'{lib.replace("-", "")}_version: "{v}"' for lib, v in sorted(versions.items()))
    runtime = (
        f"<script>\n// vega-embed bundle (vega-lite {versions['vega-lite']}) from vl-convert-python, inlined for offline use\n"
        f"{_bundle(versions['vega-lite'])}\n</script>\n"
        f"<script>var VEGA_DEBUG = {{{debug}}};</script>\n"
    )
    return page.replace("</head>", runtime + "</head>", 1)
