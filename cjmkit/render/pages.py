"""HTML pieces shared by the pages that show a map: the published site, the served viewer, the live viewer.

Everything here is escaped text in plain HTML (no widgets, no Bokeh): the latest feedback under
a map and the style of those notes.
"""

from __future__ import annotations

import html

from cjmkit.model import Journey

FEEDBACK_SHOWN = 5
"""How many verbatims the pages show (the newest)."""

PANEL_CSS = """<style>
.cjm-viewer { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1f2933; }
.cjm-viewer h1 { font-size: 28px; margin: 4px 0 4px 0; }
.cjm-viewer h2 { font-size: 19px; margin: 18px 0 6px 0; }
.cjm-viewer .cjm-muted { color: #52606d; }
.cjm-viewer table { border-collapse: collapse; font-size: 14px; }
.cjm-viewer th, .cjm-viewer td { text-align: left; padding: 4px 12px 4px 0; border-bottom: 1px solid #e4e7eb; }
.cjm-viewer .cjm-cards { display: flex; flex-wrap: wrap; gap: 12px; }
.cjm-viewer .cjm-card { border: 1px solid #cbd2d9; border-radius: 8px; padding: 8px 12px; max-width: 320px; }
.cjm-viewer .cjm-ok { color: #1b6e3a; } .cjm-viewer .cjm-warning { color: #8a5a00; }
.cjm-viewer .cjm-bad { color: #b3261e; } .cjm-viewer .cjm-none { color: #52606d; }
.cjm-viewer blockquote { margin: 4px 0 10px 0; padding-left: 10px; border-left: 3px solid #cbd2d9; }
</style>"""
"""The style of the notes and feedback under a map (class ``cjm-viewer``)."""


def feedback_html(journey: Journey, count: int = FEEDBACK_SHOWN) -> str:
    """The latest verbatims (newest first), escaped."""
    items = [item for item in journey.feedback if item.comment.strip()]
    items.sort(key=lambda item: (item.received is not None, item.received), reverse=True)
    if not items:
        return ""
    quotes = []
    for item in items[:count]:
        where = journey.touchpoint(item.touchpoint) if item.touchpoint else None
        stage = journey.stage(item.stage) if item.stage else None
        persona = journey.persona(item.persona) if item.persona else None
        bits = [
            item.received.isoformat() if item.received else "",
            where.name if where else (stage.name if stage else ""),
            persona.name if persona else "",
            f"CSAT {item.csat}" if item.csat is not None else "",
        ]
        meta = " · ".join(b for b in bits if b)
        quotes.append(
            f"<blockquote>“{html.escape(item.comment)}”<br>"
            f'<span class="cjm-muted">{html.escape(meta)}</span></blockquote>'
        )
    return f"<h2>Latest feedback</h2>{''.join(quotes)}"
