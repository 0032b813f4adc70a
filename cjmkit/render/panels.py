"""Metric panels beside the map.

KPI traffic lights with sparklines, satisfaction by stage, handoff health and the warnings list.

Plain Bokeh models (no widgets), so they work in JupyterLab (``show`` or
``jupyter_bokeh.BokehModel``), in Voila and in static HTML (:func:`cjmkit.render.save_html`).
The panels draw the frames of :mod:`cjmkit.metrics`; they compute nothing themselves. Status is
always written as a word with a symbol, never shown by colour alone. User text reaches the
page only through ``Text`` glyphs and hover fields (which BokehJS does not parse as HTML) and
through Divs after :func:`~cjmkit.render.escape.html_text`; math delimiters are broken with
:func:`~cjmkit.render.escape.no_math`.

>>> from cjmkit.metrics import kpi_status, handoff_health     # doctest: +SKIP
>>> show(kpi_panel(journey))                                 # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from bokeh.core.properties import value
from bokeh.layouts import column
from bokeh.models import ColumnDataSource, Div, HoverTool, Range1d, Span
from bokeh.plotting import figure

from cjmkit.figures import Status, as_status
from cjmkit.model import Journey
from cjmkit.render.escape import html_text, no_math
from cjmkit.render.style import FAINT, GRID, INK, MUTED, PAPER, STATUS_STYLES
from cjmkit.render.style import FONT as FONT_NAME

FONT = value(FONT_NAME)
ROW = 46
WIDTH = 900
_HANDOFF_STATUS: dict[str, Status] = {"ok": "ok", "weak": "bad", "no data": "none"}


def _blank_figure(height: int, width: int = WIDTH, title: str | None = None, hover: bool = True) -> Any:
    fig = figure(
        width=width,
        height=height,
        x_range=Range1d(0, width),
        y_range=Range1d(height, 0),
        tools="hover" if hover else "",
        toolbar_location=None,
        min_border=4,
        background_fill_color=PAPER,
        outline_line_color=None,
        title=no_math(title) if title else None,
    )
    fig.axis.visible = False
    fig.grid.visible = False
    if title:
        fig.title.text_font = FONT_NAME
        fig.title.text_font_size = "16px"
        fig.title.text_color = INK
    return fig


def _value_text(value: float, unit: str) -> str:
    if value is None or not np.isfinite(value):
        return "–"
    text = f"{value:,.0f}" if abs(value) >= 1000 or float(value).is_integer() else f"{value:,.1f}"
    return f"{text} {unit}".strip()


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _status_badges(fig: Any, source: ColumnDataSource) -> Any:
    """Draw the traffic-light badge (coloured box + status word) of each row; return the boxes."""
    boxes = fig.rect(
        x=60,
        y="y",
        width=108,
        height=ROW - 12,
        fill_color="fill",
        line_color="colour",
        line_width=2,
        source=source,
    )
    fig.text(x=60, y="y", text="badge", text_color="colour", text_font_style="bold", text_font_size="14px",
             text_align="center", text_baseline="middle", text_font=FONT, source=source)  # fmt: skip
    return boxes


def kpi_panel(journey: Journey, status: pd.DataFrame | None = None, *, title: str = "KPIs") -> Any:
    """Traffic lights with text and sparklines with target bands, one row per KPI.

    Parameters
    ----------
    journey
        The map (the sparklines draw its KPIs' observations).
    status
        A :func:`cjmkit.metrics.kpi_status` frame (computed when not given).
    title
        The panel's title.

    Returns
    -------
    bokeh.plotting.figure
        With ``.tags = ["cjmkit-kpi-panel"]``; its data sources are named ``kpi-rows``,
        ``kpi-sparklines``, ``kpi-bands`` and ``kpi-latest``.
    """
    from cjmkit.metrics.monitoring import kpi_status

    status = kpi_status(journey) if status is None else status
    count = max(len(status), 1)
    height = count * ROW + 40
    fig = _blank_figure(height, title=title)
    fig.tags = ["cjmkit-kpi-panel"]
    x0, x1 = 630.0, 885.0
    rows: dict[str, list[Any]] = {
        k: []
        for k in (
            "y",
            "badge",
            "word",
            "colour",
            "fill",
            "name",
            "where",
            "value",
            "target",
            "trend",
            "label",
            "kpi",
        )
    }
    lines: dict[str, list[Any]] = {"xs": [], "ys": [], "kpi": []}
    bands: dict[str, list[Any]] = {"left": [], "right": [], "top": [], "bottom": [], "kpi": [], "what": []}
    latest: dict[str, list[Any]] = {"x": [], "y": [], "colour": [], "kpi": []}
    kpis = {k.id: k for k in journey.kpis}
    for i, (_, row) in enumerate(status.iterrows()):
        y = 20 + i * ROW + ROW / 2
        word, symbol, colour, fill = STATUS_STYLES[
            as_status(row["status"], f"the status of KPI {row['kpi']!r}")
        ]
        rows["y"].append(y)
        rows["badge"].append(f"{symbol} {word}")
        rows["word"].append(word)
        rows["colour"].append(colour)
        rows["fill"].append(fill)
        rows["name"].append(no_math(_fit(str(row["name"]), 40)))
        where = row["touchpoint_name"] if isinstance(row["touchpoint_name"], str) else "whole journey"
        rows["where"].append(no_math(_fit(where, 48)))
        rows["value"].append(_fit(_value_text(row["latest"], str(row["unit"])), 22))
        sign = "≥" if row["direction"] == "higher" else "≤"
        target = row["target"]
        rows["target"].append(
            _fit(f"target {sign} {_value_text(target, str(row['unit']))}", 30)
            if np.isfinite(target)
            else "no target"
        )
        trend = str(row["trend"] or "")
        rows["trend"].append((trend + (", worse than before" if row["worsened"] else "")) or "–")
        rows["label"].append(no_math(str(row["label"])))
        rows["kpi"].append(no_math(str(row["kpi"])))
        kpi = kpis.get(str(row["kpi"]))
        observations = sorted(kpi.observations, key=lambda o: o.period) if kpi else []
        values = [o.value for o in observations][-24:]
        if not values:
            continue
        edges = [*values]
        for threshold in (row["target"], row["warning"]):
            if np.isfinite(threshold):
                edges.append(float(threshold))
        low, high = min(edges), max(edges)
        span = (high - low) or 1.0
        top, bottom = y - ROW / 2 + 6, y + ROW / 2 - 6

        def to_y(
            v: float, top: float = top, bottom: float = bottom, low: float = low, span: float = span
        ) -> float:
            return bottom - (v - low) / span * (bottom - top)

        xs = list(np.linspace(x0, x1, len(values))) if len(values) > 1 else [x1]
        if np.isfinite(row["target"]):
            other = row["warning"] if np.isfinite(row["warning"]) else row["target"]
            bands["left"].append(x0)
            bands["right"].append(x1)
            bands["top"].append(min(to_y(row["target"]), to_y(other)))
            bands["bottom"].append(max(to_y(row["target"]), to_y(other)))
            bands["kpi"].append(no_math(str(row["kpi"])))
            bands["what"].append("between warning and target")
        lines["xs"].append(xs)
        lines["ys"].append([to_y(v) for v in values])
        lines["kpi"].append(no_math(str(row["kpi"])))
        latest["x"].append(xs[-1])
        latest["y"].append(to_y(values[-1]))
        latest["colour"].append(colour)
        latest["kpi"].append(no_math(str(row["kpi"])))
    row_source = ColumnDataSource(rows, name="kpi-rows")
    band_source = ColumnDataSource(bands, name="kpi-bands")
    line_source = ColumnDataSource(lines, name="kpi-sparklines")
    latest_source = ColumnDataSource(latest, name="kpi-latest")
    badges = _status_badges(fig, row_source)
    fig.text(x=124, y="y", text="name", text_color=INK, text_font_size="15px", text_baseline="bottom",
             text_font=FONT, source=row_source)  # fmt: skip
    fig.text(x=124, y="y", text="where", text_color=MUTED, text_font_size="12px", text_baseline="top",
             y_offset=2, text_font=FONT, source=row_source)  # fmt: skip
    fig.text(x=440, y="y", text="value", text_color=INK, text_font_size="15px", text_font_style="bold",
             text_baseline="bottom", text_font=FONT, source=row_source)  # fmt: skip
    fig.text(x=440, y="y", text="target", text_color=MUTED, text_font_size="12px", text_baseline="top",
             y_offset=2, text_font=FONT, source=row_source)  # fmt: skip
    fig.quad(left="left", right="right", top="top", bottom="bottom", fill_color=STATUS_STYLES["warning"][3],
             line_color=None, fill_alpha=0.9, source=band_source)  # fmt: skip
    fig.multi_line(xs="xs", ys="ys", line_color=INK, line_width=2, source=line_source)
    fig.scatter(x="x", y="y", size=9, fill_color="colour", line_color=PAPER, source=latest_source)
    for i in range(1, count):
        fig.add_layout(Span(location=20 + i * ROW, dimension="width", line_color=GRID, line_width=1))
    if len(status) == 0:
        fig.text(x=[20], y=[40], text=["No KPIs on this map yet."], text_color=MUTED, text_font=FONT)
    hover = fig.select_one(HoverTool)
    hover.renderers = [badges]
    hover.tooltips = [("KPI", "@name"), ("Status", "@label"), ("Trend", "@trend")]
    return fig


def satisfaction_panel(
    stages: pd.DataFrame, *, title: str = "Satisfaction by stage", target: float = 80.0
) -> Any:
    """CSAT per stage as bars, with answer counts; few answers are marked as such.

    Parameters
    ----------
    stages
        A :func:`cjmkit.metrics.stage_scores` frame.
    target
        CSAT (%) drawn as a dashed target line.

    Returns
    -------
    bokeh.plotting.figure
        Its data source is named ``satisfaction``.
    """
    # stages are keyed by id (two stages may share a name: a factor axis refuses duplicates); the
    # axis shows their names
    names = [no_math(_fit(str(n), 18)) for n in stages["name"]]
    keys = [str(k) for k in stages["stage"]] if "stage" in stages else [str(i) for i in range(len(stages))]
    factors = keys or ["(no stages)"]
    labels, nps, ces = [], [], []
    for _, row in stages.iterrows():
        nps.append(score_text(row, "nps", "{:+.0f}"))
        ces.append(score_text(row, "ces", "{:.1f}"))
        if not np.isfinite(row["csat"]):
            labels.append("no answers")
            continue
        text = f"{row['csat']:.0f} % (n={int(row['csat_n'])})"
        labels.append(text + " · few answers" if row["low_n"] else text)
    data: dict[str, Any] = {
        "stage": keys,
        "stage_name": names,
        "csat": [float(v) if np.isfinite(v) else 0.0 for v in stages["csat"]],
        "low": [float(v) if np.isfinite(v) else np.nan for v in stages.get("csat_low", stages["csat"])],
        "high": [float(v) if np.isfinite(v) else np.nan for v in stages.get("csat_high", stages["csat"])],
        "interval": [score_text(row, "csat", "{:.0f} %") for _, row in stages.iterrows()],
        "label_y": [],
        "nps": nps,
        "ces": ces,
        "answers": [int(v) for v in stages["csat_n"]],
        "label": labels,
        "alpha": [0.35 if low else 0.9 for low in stages["low_n"]],
    }
    data["label_y"] = [h if np.isfinite(h) else c for h, c in zip(data["high"], data["csat"], strict=True)]
    source = ColumnDataSource(data, name="satisfaction")
    fig = figure(
        x_range=factors,
        y_range=Range1d(0, 115),
        width=WIDTH,
        height=320,
        title=no_math(title),
        tools="hover",
        toolbar_location=None,
        background_fill_color=PAPER,
        outline_line_color=None,
    )
    fig.vbar(x="stage", top="csat", width=0.7, fill_color=STATUS_STYLES["ok"][2], fill_alpha="alpha",
             line_color=None, source=source)  # fmt: skip
    # the 95 % interval as a whisker; the label sits above it
    fig.segment(x0="stage", y0="low", x1="stage", y1="high", line_color=INK, line_width=2, source=source)
    fig.text(x="stage", y="label_y", text="label", text_align="center", text_baseline="bottom", y_offset=-4,
             text_font=FONT, text_font_size="12px", text_color=INK, source=source)  # fmt: skip
    fig.add_layout(
        Span(location=target, dimension="width", line_dash="dashed", line_color=MUTED, line_width=2)
    )
    fig.xaxis.major_label_overrides = dict(zip(keys, names, strict=True))
    fig.yaxis.axis_label = "CSAT (% of 4–5 answers)"
    fig.xgrid.visible = False
    fig.ygrid.grid_line_color = GRID
    for axis in (fig.xaxis, fig.yaxis):
        axis.major_label_text_font = FONT_NAME
        axis.major_label_text_font_size = "13px"
        axis.axis_label_text_font = FONT_NAME
    fig.title.text_font = FONT_NAME
    fig.title.text_font_size = "16px"
    fig.select_one(HoverTool).tooltips = [
        ("Stage", "@stage_name"),
        ("CSAT", "@interval"),
        ("NPS", "@nps"),
        ("CES", "@ces"),
    ]
    return fig


def score_text(row: Any, score: str, form: str) -> str:
    """A score with its 95 % interval and n: ``"72 % (68–75 %, n=140)"``; ``"–"`` without answers.

    ``row`` has ``{score}``, ``{score}_n`` and, when known, ``{score}_low`` and ``{score}_high``.
    """
    value, n = row.get(score, np.nan), row.get(f"{score}_n", 0)
    if value is None or not np.isfinite(value):
        return "–"
    low, high = row.get(f"{score}_low", np.nan), row.get(f"{score}_high", np.nan)
    text = form.format(value)
    if low is not None and high is not None and np.isfinite(low) and np.isfinite(high):
        return f"{text} (95 %: {form.format(low)} to {form.format(high)}, n={int(n)})"
    return f"{text} (n={int(n)})"


def handoff_panel(health: pd.DataFrame, *, title: str = "Support → care handoffs") -> Any:
    """Within-SLA share per handoff as bars, with the weak line, status words and fell-through counts.

    Parameters
    ----------
    health
        A :func:`cjmkit.metrics.handoff_health` frame.

    Returns
    -------
    bokeh.plotting.figure
        Its data source is named ``handoffs``.
    """
    count = max(len(health), 1)
    height = count * ROW + 60
    fig = _blank_figure(height, title=title)
    left, right = 430.0, 640.0
    data: dict[str, list[Any]] = {
        k: []
        for k in ("y", "name", "bar", "share", "badge", "colour", "fill", "detail", "interval", "handoff")
    }
    for i, (_, row) in enumerate(health.iterrows()):
        y = 20 + i * ROW + ROW / 2
        share = row["within_sla_pct"]
        key: Status = _HANDOFF_STATUS[str(row["status"])]
        if key == "bad" and np.isfinite(share) and share >= row["weak_below"] / 2:
            key = "warning"  # weak, but not dramatically: the same severity as in the warnings list
        _, symbol, colour, fill = STATUS_STYLES[key]
        word = {"ok": "OK", "weak": "Weak", "no data": "No data"}[str(row["status"])]
        data["y"].append(y)
        data["name"].append(no_math(_fit(str(row["name"]), 42)))
        data["bar"].append(left + (right - left) * (share / 100.0 if np.isfinite(share) else 0.0))
        data["share"].append(
            f"{share:.0f} % within {row['sla_hours']:g} h" if np.isfinite(share) else "no resolved tickets"
        )
        data["badge"].append(f"{symbol} {word}")
        data["colour"].append(colour)
        data["fill"].append(fill)
        median = row["median_hours"]
        detail = f"{int(row['fell_through'])} fell through"
        if int(row.get("waiting", 0)):
            detail += f" · {int(row['waiting'])} waiting"
        if np.isfinite(median):
            detail += f" · median {median:.1f} h"
        elif int(row["resolved"]):
            detail += " · median unknown (over half not followed up)"
        low, high = row.get("within_sla_low", np.nan), row.get("within_sla_high", np.nan)
        data["interval"].append(
            f"95 %: {low:.0f} to {high:.0f} % of {int(row['resolved']) - int(row.get('waiting', 0))} tickets"
            if np.isfinite(low) and np.isfinite(high)
            else "–"
        )
        data["detail"].append(detail)
        data["handoff"].append(no_math(str(row["handoff"])))
    source = ColumnDataSource(data, name="handoffs")
    _status_badges(fig, source)
    fig.text(x=124, y="y", text="name", text_color=INK, text_font_size="13px", text_baseline="middle",
             text_font=FONT, source=source)  # fmt: skip
    fig.quad(left=left, right=right, top=[y - 9 for y in data["y"]], bottom=[y + 9 for y in data["y"]],
             fill_color="#eceff2", line_color=None)  # fmt: skip
    fig.hbar(y="y", left=left, right="bar", height=18, fill_color="colour", line_color=None, source=source)
    fig.text(x=right + 10, y="y", text="share", text_color=INK, text_font_size="13px", text_baseline="bottom",
             text_font=FONT, text_font_style="bold", source=source)  # fmt: skip
    fig.text(x=right + 10, y="y", text="detail", text_color=MUTED, text_font_size="12px", text_baseline="top",
             y_offset=2, text_font=FONT, source=source)  # fmt: skip
    weak_below = float(health["weak_below"].iloc[0]) if len(health) else 80.0
    mark = left + (right - left) * weak_below / 100.0
    fig.add_layout(
        Span(location=mark, dimension="height", line_color=FAINT, line_dash="dashed", line_width=2)
    )
    fig.text(x=[mark], y=[height - 14], text=[f"weak below {weak_below:g} %"], text_color=MUTED,
             text_font_size="11px", text_align="center", text_font=FONT)  # fmt: skip
    if len(health) == 0:
        fig.text(x=[20], y=[40], text=["No handoffs on this map."], text_color=MUTED, text_font=FONT)
    fig.select_one(HoverTool).tooltips = [
        ("Handoff", "@name"),
        ("Within SLA", "@share"),
        ("Interval", "@interval"),
        ("", "@detail"),
    ]
    return fig


def warnings_panel(listed: pd.DataFrame, *, title: str = "Needs attention", limit: int = 20) -> Any:
    """The warnings list (most urgent first) as an escaped HTML list in a Div.

    Parameters
    ----------
    listed
        A :func:`cjmkit.metrics.warnings` frame.
    limit
        Show at most this many (the rest are counted).
    """
    items = []
    for _, row in listed.head(limit).iterrows():
        word, symbol, colour, fill = STATUS_STYLES["bad" if row["severity"] == "bad" else "warning"]
        items.append(
            f'<li style="margin:4px 0;padding:4px 8px;background:{fill};border-left:4px solid {colour};">'
            f'<b style="color:{colour}">{symbol} {word}</b> {html_text(row["message"])}</li>'
        )
    more = len(listed) - limit
    if more > 0:
        items.append(f'<li style="color:{MUTED}">… and {more} more</li>')
    body = "".join(items) or f'<li style="color:{MUTED}">Nothing needs attention.</li>'
    text = (
        f'<div style="font-family:{html_text(FONT_NAME)};color:{INK};font-size:14px;width:{WIDTH - 20}px">'
        f'<div style="font-size:16px;font-weight:bold;margin-bottom:6px">{html_text(title)}</div>'
        f'<ul style="list-style:none;padding:0;margin:0">{body}</ul></div>'
    )
    return Div(text=text, disable_math=True, width=WIDTH, name="cjmkit-warnings")


def metrics_dashboard(
    journey: Journey,
    *,
    status: pd.DataFrame | None = None,
    stages: pd.DataFrame | None = None,
    health: pd.DataFrame | None = None,
    listed: pd.DataFrame | None = None,
) -> Any:
    """The panels one under the other (those whose frames are given, plus the KPI panel)."""
    parts = []
    if listed is not None:
        parts.append(warnings_panel(listed))
    parts.append(kpi_panel(journey, status))
    if stages is not None:
        parts.append(satisfaction_panel(stages))
    if health is not None:
        parts.append(handoff_panel(health))
    return column(*parts)
