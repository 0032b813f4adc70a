"""The journey as measured, drawn over the map: flows, touchpoints nobody reached, the measured feeling.

Pure Python (no Bokeh): :func:`measured_columns` turns a :class:`~cjmkit.model.MeasuredJourney`
and the places of the cards into the columns of the map's measured sources. The figure shows
them only in the "as measured" view (:mod:`cjmkit.render.journey_map` switches with a Bokeh
button and a CustomJS callback, so the switch works in static pages too).

- **Flows**: one curve per measured flow between two touchpoints (the :data:`DRAWN_FLOWS` most
  travelled, drawn under the cards so that their text stays readable), its width growing with
  the customers who took it (square root, so a large flow does not hide the rest), labelled with
  the share of departures and the median time for the most travelled ones; every curve's
  tooltip has the full figures.
- **Nobody reached**: a dashed frame and a ⊘ on the cards of customer, frontstage, support and
  care lanes that no event reached (backstage work is not seen by customers, so it is not
  marked); the tooltip says it in words.
- **Measured feeling**: the mean CSAT answer − 3 at each touchpoint (−2…+2, the drawn curve's
  scale), with its 95 % interval as a whisker, beside the drawn curve.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from cjmkit.model import Journey, MeasuredJourney
from cjmkit.render import style as S
from cjmkit.render.emotion import emotion_y

Columns = dict[str, list[Any]]
Box = tuple[float, float, float, float]

MEASURED_COLOUR = "#00796b"
"""The colour of everything measured (a teal no drawn element uses)."""
UNREACHED_COLOUR = S.VERMILLION
DRAWN_FLOWS = 24
"""The most travelled flows drawn on the map (the map keeps up to 60; all are in the tables)..."""
DRAWN_MIN_SHARE = 0.1
"""... that take at least this share of the departures from their touchpoint."""
LABELLED_FLOWS = 8
"""Only the most travelled flows carry a label on the map (every drawn flow has a tooltip)."""
MIN_WIDTH, MAX_WIDTH = 1.5, 12.0
REACHABLE_KINDS = ("customer", "frontstage", "support", "care")

MEASURED_SOURCES = ("flows", "unreached", "measured_emotion", "measured_emotion_lines")
"""The map's data sources drawn only in the "as measured" view."""


def hours_text(hours: float | None) -> str:
    """``"45 min"``, ``"3.1 h"``, ``"4.2 d"``; ``"–"`` when unknown."""
    if hours is None or not math.isfinite(hours):
        return "–"
    if hours < 1:
        return f"{hours * 60:.0f} min"
    if hours < 48:
        return f"{hours:.1f} h"
    return f"{hours / 24:.1f} d"


def _empty(*names: str) -> Columns:
    return {name: [] for name in names}


FLOW_COLUMNS = (
    "xs", "ys", "line_width", "alpha", "label", "label_x", "label_y", "t_from", "t_to", "t_customers", "t_share",
    "t_times",
)  # fmt: skip
UNREACHED_COLUMNS = ("x", "y", "w", "h", "text_x", "text_y", "text", "tp_name", "words")
POINT_COLUMNS = ("tp_id", "tp_name", "x", "y", "y_low", "y_high", "word", "answers")


def _curve(a: Box, b: Box) -> tuple[list[float], list[float], float, float]:
    """A quadratic curve from card ``a`` to card ``b`` and the point halfway along it."""
    (al, at, aw, ah), (bl, bt, bw, bh) = a, b
    ay, by = at - ah / 2, bt - bh / 2
    if bl > al + aw / 2:  # b is to the right: right edge to left edge
        start, end = (al + aw, ay), (bl, by)
        bend = (0.0, 0.0)
    elif bl + bw < al + aw / 2:  # b is to the left: a loop back, bowing upwards
        start, end = (al, ay), (bl + bw, by)
        bend = (0.0, 40.0)
    else:  # the same column: bottom to top (or top to bottom), bowing to the right
        start, end = (
            ((al + aw * 0.6, at - ah), (bl + bw * 0.6, bt))
            if ay > by
            else ((al + aw * 0.6, at), (bl + bw * 0.6, bt - bh))
        )
        bend = (aw * 0.35, 0.0)
    cx = (start[0] + end[0]) / 2 + bend[0]
    cy = (start[1] + end[1]) / 2 + bend[1] + (abs(end[0] - start[0]) * 0.08 if bend == (0.0, 0.0) else 0.0)
    xs, ys = [], []
    for i in range(13):
        t = i / 12
        xs.append((1 - t) ** 2 * start[0] + 2 * (1 - t) * t * cx + t**2 * end[0])
        ys.append((1 - t) ** 2 * start[1] + 2 * (1 - t) * t * cy + t**2 * end[1])
    return xs, ys, xs[6], ys[6]


def measured_columns(
    journey: Journey,
    measured: MeasuredJourney | None,
    boxes: dict[str, Box],
    slot_x: dict[str, float],
    lane_kind: Mapping[str, str],
) -> dict[str, Columns]:
    """The columns of :data:`MEASURED_SOURCES` (empty without a measured journey).

    Parameters
    ----------
    boxes
        Touchpoint id → its card (left, top, width, height), y pointing up.
    slot_x
        Touchpoint id → x of its point on the drawn emotion curve (else the card's centre is used).
    lane_kind
        Touchpoint id → the kind of its lane.
    """
    flows = _empty(*FLOW_COLUMNS)
    unreached = _empty(*UNREACHED_COLUMNS)
    points = _empty(*POINT_COLUMNS)
    lines: Columns = {"xs": [], "ys": []}
    out = {
        "flows": flows,
        "unreached": unreached,
        "measured_emotion": points,
        "measured_emotion_lines": lines,
    }
    if measured is None:
        return out
    names = {tp.id: tp.name for tp in journey.touchpoints}
    drawn = [
        f
        for f in measured.flows
        if f.from_touchpoint in boxes and f.to_touchpoint in boxes and f.share >= DRAWN_MIN_SHARE
    ]
    drawn = sorted(drawn, key=lambda f: (-f.customers, f.from_touchpoint, f.to_touchpoint))[:DRAWN_FLOWS]
    most = max((f.customers for f in drawn), default=1) or 1
    labelled = {id(f) for f in sorted(drawn, key=lambda f: -f.customers)[:LABELLED_FLOWS]}
    for flow in sorted(drawn, key=lambda f: f.customers):  # the big ones on top
        xs, ys, mx, my = _curve(boxes[flow.from_touchpoint], boxes[flow.to_touchpoint])
        weight = math.sqrt(flow.customers / most)
        times = f"median {hours_text(flow.median_hours)}, 90 % within {hours_text(flow.p90_hours)}"
        flows["xs"].append(xs)
        flows["ys"].append(ys)
        flows["line_width"].append(round(MIN_WIDTH + (MAX_WIDTH - MIN_WIDTH) * weight, 2))
        flows["alpha"].append(round(0.35 + 0.4 * weight, 3))
        flows["label"].append(
            f"{flow.share * 100:.0f} % · {hours_text(flow.median_hours)}" if id(flow) in labelled else ""
        )
        flows["label_x"].append(mx)
        flows["label_y"].append(my)
        flows["t_from"].append(names[flow.from_touchpoint])
        flows["t_to"].append(names[flow.to_touchpoint])
        flows["t_customers"].append(f"{flow.customers:,} customers ({flow.transitions:,} times)")
        flows["t_share"].append(
            f"{flow.share * 100:.0f} % of the departures from {names[flow.from_touchpoint]}"
        )
        flows["t_times"].append(times)
    reached = {t.touchpoint for t in measured.touchpoints if t.customers > 0}
    for tp in journey.touchpoints:
        box = boxes.get(tp.id)
        if box is None or tp.id in reached or lane_kind.get(tp.id) not in REACHABLE_KINDS:
            continue
        left, top, w, h = box
        unreached["x"].append(left + w / 2)
        unreached["y"].append(top - h / 2)
        unreached["w"].append(w + 4)
        unreached["h"].append(h + 4)
        unreached["text_x"].append(left + w - 5)
        unreached["text_y"].append(top - 4)
        unreached["text"].append("⊘")
        unreached["tp_name"].append(tp.name)
        unreached["words"].append("no customer in the event log reached it")
    felt = [
        t
        for t in measured.touchpoints
        if t.emotion is not None and t.touchpoint in boxes and t.touchpoint in names
    ]
    felt.sort(key=lambda t: slot_x.get(t.touchpoint, boxes[t.touchpoint][0] + boxes[t.touchpoint][2] / 2))
    for item in felt:
        if item.emotion is None:  # not in felt: tells the type checker
            continue
        box = boxes[item.touchpoint]
        x = slot_x.get(item.touchpoint, box[0] + box[2] / 2)
        value = max(-2.0, min(2.0, float(item.emotion)))
        low = item.emotion_low if item.emotion_low is not None else value
        high = item.emotion_high if item.emotion_high is not None else value
        points["tp_id"].append(item.touchpoint)
        points["tp_name"].append(names[item.touchpoint])
        points["x"].append(x)
        points["y"].append(emotion_y(value))
        points["y_low"].append(emotion_y(max(-2.0, min(2.0, low))))
        points["y_high"].append(emotion_y(max(-2.0, min(2.0, high))))
        points["word"].append(_feeling_words(value, low, high))
        points["answers"].append(f"{item.answers:,} answers (mean CSAT {value + 3:.2f} of 5)")
    if len(points["x"]) > 1:
        lines["xs"].append(list(points["x"]))
        lines["ys"].append(list(points["y"]))
    return out


def _feeling_words(value: float, low: float, high: float) -> str:
    word = S.EMOTION_WORDS[max(-2, min(2, round(value)))]
    return f"{word} ({value:+.1f}; 95 %: {low:+.1f} to {high:+.1f})"


def missing_html(journey: Journey, measured: MeasuredJourney | None, escape: Any) -> str:
    """The "as measured" legend and the events missing from the map, as escaped HTML."""
    if measured is None:
        return ""
    items = "".join(
        f"<li>{escape(u.event)} <span style='color:{S.MUTED}'>({u.events:,} events, {u.customers:,} customers)</span></li>"
        for u in measured.unmapped[:12]
    )
    missing = (
        f"<div style='margin-top:6px'><b>Missing from the map</b>: events no touchpoint stands for"
        f"<ul style='margin:2px 0 0 18px;padding:0'>{items}</ul></div>"
        if items
        else "<div style='margin-top:6px'>Every event in the log has its touchpoint on the map.</div>"
    )
    when = f" up to {measured.as_of:%Y-%m-%d %H:%M} UTC" if measured.as_of else ""
    return (
        f"<div style='font-family:{escape(S.FONT)};font-size:13px;color:{S.INK}'>"
        f"<b style='color:{MEASURED_COLOUR}'>As measured</b> from {measured.events:,} events of "
        f"{measured.customers:,} customers{when}: "
        f"<b style='color:{MEASURED_COLOUR}'>━</b> flows between touchpoints (wider: more customers; "
        f"label: share of departures · median time), "
        f"<b style='color:{MEASURED_COLOUR}'>◆</b> measured feeling (mean CSAT − 3, with its 95 % interval), "
        f"<b style='color:{UNREACHED_COLOUR}'>⊘</b> touchpoints no customer reached."
        f"{missing}</div>"
    )
