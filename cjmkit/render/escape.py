"""Make user text safe for every place Bokeh shows it.

Two dangers: HTML (a name like ``<img src=x onerror=alert(1)>`` in a Div or a page) and
math text (BokehJS turns ``$$x$$``, ``\\[x\\]`` and ``\\(x\\)`` into TeX, and fetches MathJax from
a CDN to draw it, in titles, labels, axis labels and Divs). Plain ``Text`` glyphs and hover
fields do not parse math, and hover fields are HTML-escaped by BokehJS; every Div cjmkit makes
has ``disable_math=True`` and its text passes through :func:`html_text`.
"""

from __future__ import annotations

import html
import re

ZWSP = "\u200b"
_MATH = re.compile(r"\$\$|\\[\[\]()]")


def no_math(text: str) -> str:
    """Break math delimiters with a zero-width space so Bokeh shows them literally.

    ``"$$x$$"`` becomes ``"$\u200b$x$\u200b$"``, ``"\\(x\\)"`` becomes ``"\\\u200b(x\\\u200b)"``:
    the same to the eye, no longer TeX to BokehJS.
    """
    return _MATH.sub(lambda m: m.group(0)[0] + ZWSP + m.group(0)[1:], text)


def html_text(text: object) -> str:
    """Escape any value for use inside HTML (quotes too) and break math delimiters."""
    return no_math(html.escape(str(text), quote=True))
