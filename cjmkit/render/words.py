"""The text alternative of a map, in HTML: what a screen reader announces and a keyboard reaches.

:func:`words_html` writes an :class:`~cjmkit.render.outline.Outline` as one ``<section>``: a
heading, the summary sentence, the personas, a stages × lanes table (every touchpoint with its
channel, feelings in words, pain points, ideas, KPI status and handoffs), then a KPI table and
a handoff table. Tables have captions and ``<th scope>`` headers. Every user text is escaped.

:data:`WORDS_CSS` styles it (text contrast ≥ 4.5:1, visible focus), and :func:`picture_label`
names the picture (``role="img"``) so that it points at the table.
"""

from __future__ import annotations

import html

from cjmkit.render.outline import HandoffLine, KpiLine, Outline, TouchpointLine

WORDS_ID = "cjm-words"
SUMMARY_ID = "cjm-summary"
TABLE_TITLE = "The map in words"

WORDS_CSS = """
.cjm-words { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; color: #1f2933;
  max-width: 1320px; font-size: 15px; line-height: 1.45; }
.cjm-words h2 { font-size: 22px; margin: 24px 0 8px 0; }
.cjm-words h3 { font-size: 18px; margin: 20px 0 6px 0; }
.cjm-words .cjm-summary { font-size: 16px; max-width: 70em; }
.cjm-words table { border-collapse: collapse; width: 100%; table-layout: fixed; background: #ffffff; }
.cjm-words caption { text-align: left; font-weight: bold; padding: 6px 0; }
.cjm-words th, .cjm-words td { text-align: left; vertical-align: top; padding: 6px 8px;
  border: 1px solid #cbd2d9; overflow-wrap: anywhere; }
.cjm-words thead th { background: #e4ebf2; }
.cjm-words tbody th { background: #f5f7fa; }
.cjm-words ul { margin: 0; padding-left: 18px; }
.cjm-words li { margin: 0 0 6px 0; }
.cjm-words .cjm-detail { color: #52606d; }
.cjm-words .cjm-ok { color: #00684a; } .cjm-words .cjm-warning { color: #7a5300; }
.cjm-words .cjm-bad { color: #a23b00; } .cjm-words .cjm-none { color: #52606d; }
.cjm-words .cjm-personas { display: flex; flex-wrap: wrap; gap: 8px 24px; padding: 0; list-style: none; }
.cjm-words .cjm-personas li { max-width: 36em; }
"""
"""Styles of the text alternative."""


def e(text: object) -> str:
    """Escape any value for HTML text and attributes."""
    return html.escape(str(text), quote=True)


def picture_label(outline: Outline) -> str:
    """The name of the map's picture, pointing at the table that says the same in words."""
    return (
        f"Journey map of {outline.title}: {len(outline.stages)} stages by {len(outline.lanes)} lanes. "
        f"Everything it shows is in the table “{TABLE_TITLE}” below."
    )


def words_html(outline: Outline, heading_level: int = 2) -> str:
    """Return the text alternative of a map as one escaped HTML ``<section>``."""
    h, h_sub = f"h{heading_level}", f"h{heading_level + 1}"
    parts = [
        f'<section class="cjm-words" id="{WORDS_ID}" tabindex="-1" aria-labelledby="{WORDS_ID}-title">',
        f'<{h} id="{WORDS_ID}-title">{TABLE_TITLE}: {e(outline.title)}</{h}>',
        f'<p class="cjm-summary" id="{SUMMARY_ID}">{e(outline.summary)}</p>',
    ]
    if outline.description:
        parts.append(f"<p>{e(outline.description)}</p>")
    if outline.personas:
        parts.append(f"<{h_sub}>Personas</{h_sub}>")
        parts.append('<ul class="cjm-personas">')
        for p in outline.personas:
            bits = [f"<strong>{e(p.name)}</strong>"]
            if p.role:
                bits.append(f", {e(p.role)}")
            if p.quote:
                bits.append(f"<br>“{e(p.quote)}”")
            if p.goals:
                bits.append(f"<br>Goals: {e('; '.join(p.goals))}")
            if p.frustrations:
                bits.append(f"<br>Frustrations: {e('; '.join(p.frustrations))}")
            parts.append(f"<li>{''.join(bits)}</li>")
        parts.append("</ul>")
    parts.append(stages_table(outline))
    if outline.kpis:
        parts.append(kpi_table(outline.kpis))
    if outline.handoffs:
        parts.append(handoff_table(outline.handoffs))
    parts.append("</section>")
    return "\n".join(parts)


def stages_table(outline: Outline) -> str:
    """Stages (rows) × lanes (columns), every touchpoint in its cell."""
    if not outline.stages:
        return "<p>This map has no stages yet.</p>"
    head = "".join(
        f'<th scope="col">{e(lane.name)} <span class="cjm-detail">({e(lane.kind_label)})</span></th>'
        for lane in outline.lanes
    )
    rows = []
    for stage in outline.stages:
        title = e(stage.name)
        if stage.phase and stage.phase.strip().lower() != stage.name.strip().lower():
            title += f' <span class="cjm-detail">({e(stage.phase)})</span>'
        if stage.goal:
            title += f'<br><span class="cjm-detail">Goal: {e(stage.goal)}</span>'
        cells = "".join(f"<td>{_cell(tps)}</td>" for _lane, tps in stage.cells)
        rows.append(f'<tr><th scope="row">{title}</th>{cells}</tr>')
    width = max(12, 100 // (len(outline.lanes) + 1))
    return (
        f'<table class="cjm-stages"><caption>Stages and lanes: every touchpoint</caption>'
        f'<colgroup><col style="width:{width}%"></colgroup>'
        f'<thead><tr><th scope="col">Stage</th>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'
    )


def _cell(touchpoints: tuple[TouchpointLine, ...]) -> str:
    if not touchpoints:
        return '<span class="cjm-detail">none</span>'
    return "<ul>" + "".join(f"<li>{touchpoint_html(tp)}</li>" for tp in touchpoints) + "</ul>"


def touchpoint_html(tp: TouchpointLine) -> str:
    """One touchpoint: name, channel and owner, feelings, pain points, ideas, KPIs, handoffs."""
    lines = [f"<strong>{e(tp.name)}</strong>"]
    detail = " · ".join(x for x in (tp.channel, tp.owner) if x)
    if detail:
        lines.append(f' <span class="cjm-detail">({e(detail)})</span>')
    if tp.description:
        lines.append(f"<br>{e(tp.description)}")
    if tp.feelings:
        lines.append("<br>Feels: " + e("; ".join(f.text for f in tp.feelings)))
    if tp.pain_points:
        lines.append("<br>⚠ Pain points: " + e("; ".join(f"{t} ({_votes(v)})" for t, v in tp.pain_points)))
    if tp.ideas:
        lines.append("<br>✦ Ideas: " + e("; ".join(f"{t} ({_votes(v)})" for t, v in tp.ideas)))
    for kpi in tp.kpis:
        lines.append(f"<br>KPI {_kpi_status(kpi)} {e(kpi.name)}: {e(kpi.value)} ({e(kpi.target)})")
    for handoff in tp.handoffs_out:
        lines.append(f"<br>→ Hands over to {e(handoff.target)}{_handoff_brief(handoff)}")
    for handoff in tp.handoffs_in:
        lines.append(f"<br>← Handed over from {e(handoff.source)}{_handoff_brief(handoff)}")
    return "".join(lines)


def _votes(n: int) -> str:
    return f"{n} vote" if n == 1 else f"{n} votes"


def _kpi_status(kpi: KpiLine) -> str:
    return f'<span class="cjm-{kpi.status}">{e(kpi.symbol)} {e(kpi.status_word)}</span>'


def _handoff_brief(handoff: HandoffLine) -> str:
    bits = [f"SLA {handoff.sla}"] if handoff.sla else []
    if handoff.measured:
        bits.append(f"{handoff.on_time} on time")
    bits.append(handoff.status_word)
    return f" ({e(', '.join(bits))})"


def kpi_table(kpis: list[KpiLine]) -> str:
    """KPI, where, latest value, target and status in words."""
    rows = "".join(
        f'<tr><th scope="row">{e(k.name)}</th><td>{e(k.touchpoint or "whole journey")}</td>'
        f"<td>{e(k.value)}</td><td>{e(k.target)}</td><td>{_kpi_status(k)}</td></tr>"
        for k in kpis
    )
    return (
        '<table class="cjm-kpis"><caption>KPIs</caption><colgroup><col style="width:26%"></colgroup>'
        '<thead><tr><th scope="col">KPI</th>'
        '<th scope="col">Touchpoint</th><th scope="col">Latest value</th><th scope="col">Target</th>'
        f'<th scope="col">Status</th></tr></thead><tbody>{rows}</tbody></table>'
    )


def handoff_table(handoffs: list[HandoffLine]) -> str:
    """Each handoff: from, to, SLA, share on time, median delay, customers who fell through."""
    rows = []
    for h in handoffs:
        status = f'<span class="cjm-bad">⚠ {e(h.status_word)}</span>' if h.weak else e(h.status_word)
        rows.append(
            f'<tr><th scope="row">{e(h.source)} → {e(h.target)}</th><td>{e(h.trigger or "–")}</td>'
            f"<td>{e(h.sla or '–')}</td><td>{e(h.on_time)}</td><td>{e(h.median_delay)}</td>"
            f"<td>{e(h.fell_through)}</td><td>{status}</td></tr>"
        )
    return (
        '<table class="cjm-handoffs"><caption>Support → care handoffs</caption>'
        '<colgroup><col style="width:30%"></colgroup><thead><tr>'
        '<th scope="col">Handoff</th><th scope="col">When</th><th scope="col">SLA</th>'
        '<th scope="col">On time</th><th scope="col">Median delay</th><th scope="col">Fell through</th>'
        f'<th scope="col">Status</th></tr></thead><tbody>{"".join(rows)}</tbody></table>'
    )
