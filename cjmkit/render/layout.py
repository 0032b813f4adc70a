"""Geometry and data of the journey map: where every card, arrow and point goes.

Pure Python (no Bokeh): :func:`map_data` turns a journey into one dict of columns per data
source, in screen pixels (the map is drawn one data unit per pixel, y pointing up, the top of
the map at y = 0). The figure in :mod:`cjmkit.render.journey_map` only draws these columns,
so an update is "compute the columns again, hand them to the sources".

Vertical order, top to bottom: the emotion band, the stage headers, then one row per lane.
Horizontally: the lane labels on the left, then one column per stage.
"""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from cjmkit.errors import CjmError
from cjmkit.model import Handoff, Journey, Kpi, Touchpoint
from cjmkit.render import style as S
from cjmkit.render.metrics_input import KpiStatus, MapMetrics, simple_kpi_status

Columns = dict[str, list[Any]]

SOURCE_NAMES = (
    "stages",
    "grid",
    "lanes",
    "cards",
    "kpis",
    "handoffs",
    "emotion_scale",
    "emotion_lines",
    "emotion",
    "emotion_to_be_lines",
    "emotion_to_be",
    "lows",
)
"""The data sources of a map, in drawing order."""


@dataclass
class MapData:
    """Everything the figure needs: its size and the columns of every source."""

    width: int
    height: int
    columns: dict[str, Columns] = field(default_factory=dict)
    emotion_bottom: float = 0.0
    persona_ids: list[str] = field(default_factory=list)


# -- text fitting --------------------------------------------------------------------------


def chars_that_fit(width: float, size: float, bold: bool = False) -> int:
    """How many characters of a sans-serif font of ``size`` px fit in ``width`` px (estimate)."""
    return max(4, int(width / (size * (0.59 if bold else 0.5))))


@lru_cache(maxsize=20000)
def wrap(text: str, chars: int, max_lines: int) -> tuple[str, ...]:
    """Wrap ``text`` into at most ``max_lines`` lines of ``chars``; mark a cut with "…"."""
    text = " ".join(text.split())
    lines = textwrap.wrap(text, chars, break_long_words=True, break_on_hyphens=True) or [""]
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = clip(lines[-1] + " " + "…", chars)
        if not lines[-1].endswith("…"):
            lines[-1] = lines[-1][: chars - 1].rstrip() + "…"
    return tuple(lines)


def clip(text: str, chars: int) -> str:
    """Cut ``text`` to ``chars`` characters, ending in "…" when cut."""
    text = " ".join(text.split())
    return text if len(text) <= chars else text[: max(chars - 1, 1)].rstrip() + "…"


def number(value: float | None, unit: str = "") -> str:
    """Format a KPI figure: ``82``, ``3.5 h``, ``91 %``."""
    if value is None:
        return "–"
    text = f"{value:,.1f}".removesuffix(".0") if abs(value) < 1e6 else f"{value:.3g}"
    if not unit:
        return text
    return f"{text}{unit}" if unit in {"%", "‰"} else f"{text} {unit}"


def sla_text(hours: float | None) -> str:
    """``≤ 24 h``, ``≤ 2 d``, ``≤ 30 min``; empty when there is no SLA."""
    if hours is None:
        return ""
    if hours < 1:
        return f"≤ {hours * 60:.0f} min"
    if hours >= 48 and hours % 24 == 0:
        return f"≤ {hours / 24:g} d"
    return f"≤ {hours:g} h"


# -- the map -------------------------------------------------------------------------------


def map_data(journey: Journey, persona: str | None = None, metrics: MapMetrics | None = None) -> MapData:
    """Compute the size of the map and the columns of every source.

    Parameters
    ----------
    journey
        The map to draw.
    persona
        Draw the emotion curve (as-is and to-be) of this persona only; None draws one as-is
        curve per persona.
    metrics
        Measured KPI status and handoff health; missing figures are computed simply from the
        journey (KPIs) or left out (handoff health).

    Raises
    ------
    CjmError
        When ``persona`` names no persona of the journey.
    """
    metrics = metrics or MapMetrics()
    if persona is not None and journey.persona(persona) is None:
        known = ", ".join(p.id for p in journey.personas) or "none"
        raise CjmError(f"no persona has the id {persona!r} (personas of this map: {known})")

    stages = journey.stages
    n_stages = max(len(stages), 1)
    stage_w = max(S.MIN_STAGE_WIDTH, (S.TARGET_WIDTH - S.LABEL_WIDTH) / n_stages)
    stage_w = float(math.floor(stage_w))
    width = int(S.LABEL_WIDTH + n_stages * stage_w + 8)
    stage_left = {s.id: S.LABEL_WIDTH + i * stage_w for i, s in enumerate(stages)}
    stage_index = {s.id: i for i, s in enumerate(stages)}

    emotion_bottom = -(S.EMOTION_TOP + 4 * S.EMOTION_STEP + 30)
    header_top = emotion_bottom - 6
    lanes_top = header_top - S.STAGE_HEADER - 6

    card_w = stage_w - 2 * S.CARD_GAP
    name_chars = chars_that_fit(card_w - 2 * S.CARD_PAD - 4, S.NAME_SIZE, bold=True)
    small_chars = chars_that_fit(card_w - 2 * S.CARD_PAD - 4, S.SMALL_SIZE)

    kpis_of: dict[str, list[Kpi]] = {}
    for kpi in journey.kpis:
        if kpi.touchpoint is not None:
            kpis_of.setdefault(kpi.touchpoint, []).append(kpi)
    lane_ids = {lane.id for lane in journey.lanes}
    placed = [tp for tp in journey.touchpoints if tp.stage in stage_left and tp.lane in lane_ids]

    # Card contents and heights first; then the rows can be sized.
    contents = {tp.id: _card_content(tp, journey, name_chars, small_chars) for tp in placed}
    cells: dict[tuple[str, str], list[Touchpoint]] = {}
    for tp in placed:
        cells.setdefault((tp.stage, tp.lane), []).append(tp)

    def card_height(tp: Touchpoint) -> float:
        content = contents[tp.id]
        height = 2 * S.CARD_PAD + len(content["name_lines"]) * S.NAME_LINE + S.SMALL_LINE
        height += S.TAG_LINE if content["tag"] else 0
        height += S.SMALL_LINE * len(content["notes"])
        height += len(kpis_of.get(tp.id, ())) * S.KPI_LINE
        return height

    heights = {tp.id: card_height(tp) for tp in placed}
    lane_top: dict[str, float] = {}
    lane_height: dict[str, float] = {}
    y = lanes_top
    for lane in journey.lanes:
        tallest = 0.0
        for stage in stages:
            stack = cells.get((stage.id, lane.id), [])
            tallest = max(tallest, sum(heights[tp.id] for tp in stack) + S.CARD_GAP * max(len(stack) - 1, 0))
        label_lines = len(wrap(lane.name, chars_that_fit(S.LABEL_WIDTH - 26, 14, True), 3))
        h = max(tallest + 2 * S.LANE_PAD, 30 + label_lines * 18 + 10, 76)
        lane_top[lane.id] = y
        lane_height[lane.id] = h
        y -= h
    height = int(-y + 10)

    columns: dict[str, Columns] = {}
    columns["stages"] = _stage_columns(journey, stage_left, stage_w, header_top)
    columns["grid"] = _grid_columns(journey, stage_left, stage_w, header_top, y, width)
    columns["lanes"] = _lane_columns(journey, lane_top, lane_height, width)

    boxes: dict[str, tuple[float, float, float, float]] = {}  # id -> left, top, width, height
    for (stage_id, lane_id), stack in cells.items():
        top = lane_top[lane_id] - S.LANE_PAD
        left = stage_left[stage_id] + S.CARD_GAP
        for tp in stack:
            boxes[tp.id] = (left, top, card_w, heights[tp.id])
            top -= heights[tp.id] + S.CARD_GAP
    statuses = {kpi.id: metrics.kpi_status.get(kpi.id) or simple_kpi_status(kpi) for kpi in journey.kpis}
    columns["cards"] = _card_columns(journey, placed, contents, boxes, kpis_of, statuses)
    columns["kpis"] = _kpi_columns(placed, boxes, contents, kpis_of, statuses, small_chars)
    column_of = {tp.id: stage_index[tp.stage] for tp in placed}
    columns["handoffs"] = _handoff_columns(journey, boxes, metrics, column_of, stage_w)

    slot_x = _emotion_slots(placed, stage_left, stage_index, stage_w)
    persona_ids = [persona] if persona is not None else [p.id for p in journey.personas]
    columns.update(_emotion_columns(journey, placed, slot_x, persona_ids, persona is not None, width))
    _mark_low_cards(columns["cards"], columns["emotion"])
    return MapData(
        width=width, height=height, columns=columns, emotion_bottom=emotion_bottom, persona_ids=persona_ids
    )


def _card_content(tp: Touchpoint, journey: Journey, name_chars: int, small_chars: int) -> dict[str, Any]:
    lane = journey.lane(tp.lane)
    kind = lane.kind if lane is not None else "other"
    style = S.KIND_STYLES.get(kind, S.KIND_STYLES["other"])
    meta = " · ".join(part for part in (tp.channel, tp.owner) if part) or " "
    return {
        "kind": kind,
        "style": style,
        "tag": f"{style.symbol} {style.label}" if style.tag else "",
        "name_lines": wrap(tp.name, name_chars, S.MAX_NAME_LINES),
        "meta": clip(meta, small_chars),
        "notes": _notes_text(tp, small_chars),
    }


def _notes_text(tp: Touchpoint, chars: int) -> tuple[str, ...]:
    """The pain point / opportunity line(s) of a card: one line when both fit, else two."""
    pains, ideas = tp.pain_points, tp.opportunities
    if not pains and not ideas:
        return ()
    p_votes, i_votes = sum(n.votes for n in pains), sum(n.votes for n in ideas)
    long_parts, short_parts = [], []
    if pains:
        word = "pain" if len(pains) == 1 else "pains"
        long_parts.append(f"⚠ {len(pains)} {word} · {p_votes} votes")
        short_parts.append(f"⚠ {len(pains)} {word} ({p_votes})")
    if ideas:
        word = "idea" if len(ideas) == 1 else "ideas"
        long_parts.append(f"✦ {len(ideas)} {word} · {i_votes} votes")
        short_parts.append(f"✦ {len(ideas)} {word} ({i_votes})")
    for parts in (long_parts, short_parts):
        text = "   ".join(parts)
        if len(text) <= chars:
            return (text,)
    return tuple(clip(part, chars) for part in long_parts)


def _stage_columns(journey: Journey, stage_left: dict[str, float], stage_w: float, top: float) -> Columns:
    cols: Columns = {
        k: [] for k in ("stage_id", "x", "y", "w", "h", "left", "phase", "phase_y", "name", "name_y", "goal")
    }
    name_chars = chars_that_fit(stage_w - 24, 16, bold=True)
    for stage in journey.stages:
        left = stage_left[stage.id]
        cols["stage_id"].append(stage.id)
        cols["x"].append(left + stage_w / 2)
        cols["y"].append(top - S.STAGE_HEADER / 2)
        cols["w"].append(stage_w - 6)
        cols["h"].append(S.STAGE_HEADER)
        cols["left"].append(left + 12)
        cols["phase"].append(clip((stage.phase or "").upper(), name_chars + 4))
        cols["phase_y"].append(top - 10)
        lines = wrap(stage.name, name_chars, 2)
        cols["name"].append("\n".join(lines))
        two = len(lines) > 1
        cols["name_y"].append(top - (26 if stage.phase else (12 if two else 24)))
        cols["goal"].append(stage.goal or "–")
    return cols


def _grid_columns(
    journey: Journey, stage_left: dict[str, float], stage_w: float, top: float, bottom: float, width: int
) -> Columns:
    xs = [left + stage_w for left in stage_left.values()][:-1]
    return {"x0": xs, "y0": [top - S.STAGE_HEADER] * len(xs), "x1": xs, "y1": [bottom] * len(xs)}


def _lane_columns(
    journey: Journey, lane_top: dict[str, float], lane_height: dict[str, float], width: int
) -> Columns:
    cols: Columns = {
        k: []
        for k in (
            "lane_id",
            "x",
            "y",
            "w",
            "h",
            "fill",
            "accent",
            "stripe_x",
            "label_x",
            "name",
            "name_y",
            "kind",
            "kind_label",
            "kind_y",
        )
    }
    chars = chars_that_fit(S.LABEL_WIDTH - 26, 14, True)
    for i, lane in enumerate(journey.lanes):
        style = S.KIND_STYLES.get(lane.kind, S.KIND_STYLES["other"])
        top, h = lane_top[lane.id], lane_height[lane.id]
        cols["lane_id"].append(lane.id)
        cols["x"].append(width / 2)
        cols["y"].append(top - h / 2)
        cols["w"].append(width)
        cols["h"].append(h)
        cols["fill"].append(S.BAND if i % 2 == 0 else S.PAPER)
        cols["accent"].append(style.accent)
        cols["stripe_x"].append(5.0)
        cols["label_x"].append(18.0)
        cols["kind"].append(lane.kind)
        cols["kind_label"].append(f"{style.symbol} {style.label}")
        cols["kind_y"].append(top - 12)
        cols["name"].append("\n".join(wrap(lane.name, chars, 3)))
        cols["name_y"].append(top - 32)
    return cols


_CARD_KEYS = (
    "tp_id",
    "x",
    "y",
    "w",
    "h",
    "fill",
    "accent",
    "kind",
    "stripe_x",
    "text_x",
    "tag",
    "tag_y",
    "name",
    "name_y",
    "meta",
    "meta_y",
    "notes",
    "notes_y",
    "notes_colour",
    "low",
    "line_colour",
    "line_width",
    "t_name",
    "t_where",
    "t_channel",
    "t_owner",
    "t_description",
    "t_pains",
    "t_ideas",
    "t_emotions",
    "t_kpis",
    "pain_count",
    "pain_votes",
    "idea_count",
    "idea_votes",
)


def _card_columns(
    journey: Journey,
    placed: list[Touchpoint],
    contents: dict[str, dict[str, Any]],
    boxes: dict[str, tuple[float, float, float, float]],
    kpis_of: dict[str, list[Kpi]],
    statuses: dict[str, KpiStatus],
) -> Columns:
    cols: Columns = {k: [] for k in _CARD_KEYS}
    persona_names = {p.id: p.name for p in journey.personas}
    stage_names = {s.id: s.name for s in journey.stages}
    lane_names = {lane.id: lane.name for lane in journey.lanes}
    for tp in placed:
        content = contents[tp.id]
        style: S.KindStyle = content["style"]
        left, top, w, h = boxes[tp.id]
        y = top - S.CARD_PAD
        cols["tp_id"].append(tp.id)
        cols["x"].append(left + w / 2)
        cols["y"].append(top - h / 2)
        cols["w"].append(w)
        cols["h"].append(h)
        cols["fill"].append(style.fill)
        cols["accent"].append(style.accent)
        cols["kind"].append(content["kind"])
        cols["stripe_x"].append(left + 2.5)
        cols["text_x"].append(left + S.CARD_PAD + 4)
        cols["tag"].append(content["tag"])
        cols["tag_y"].append(y)
        if content["tag"]:
            y -= S.TAG_LINE
        cols["name"].append("\n".join(content["name_lines"]))
        cols["name_y"].append(y)
        y -= len(content["name_lines"]) * S.NAME_LINE
        cols["meta"].append(content["meta"])
        cols["meta_y"].append(y)
        y -= S.SMALL_LINE
        cols["notes"].append("\n".join(content["notes"]))
        cols["notes_y"].append(y)
        cols["low"].append(False)
        cols["notes_colour"].append("#a23b00" if tp.pain_points else S.MUTED)
        cols["line_colour"].append("#c3ccd5")
        cols["line_width"].append(1.0)
        cols["t_name"].append(tp.name)
        cols["t_where"].append(f"{stage_names.get(tp.stage, tp.stage)} · {lane_names.get(tp.lane, tp.lane)}")
        cols["t_channel"].append(tp.channel or "–")
        cols["t_owner"].append(tp.owner or "–")
        cols["t_description"].append(tp.description or "–")
        cols["t_pains"].append("; ".join(f"{n.text} ({n.votes})" for n in tp.pain_points) or "–")
        cols["t_ideas"].append("; ".join(f"{n.text} ({n.votes})" for n in tp.opportunities) or "–")
        feelings = [
            f"{persona_names.get(p, p)}: {S.EMOTION_WORDS.get(v, v)}"
            + (f" → {S.EMOTION_WORDS.get(tp.emotions_to_be[p])}" if p in tp.emotions_to_be else "")
            for p, v in tp.emotions.items()
        ]
        cols["t_emotions"].append("; ".join(feelings) or "–")
        cols["t_kpis"].append(
            "; ".join(
                f"{k.name}: {number(statuses[k.id].value, k.unit)} ({S.STATUS_STYLES[statuses[k.id].status][0]})"
                for k in kpis_of.get(tp.id, ())
            )
            or "–"
        )
        cols["pain_count"].append(len(tp.pain_points))
        cols["pain_votes"].append(sum(n.votes for n in tp.pain_points))
        cols["idea_count"].append(len(tp.opportunities))
        cols["idea_votes"].append(sum(n.votes for n in tp.opportunities))
    return cols


def kpi_badge_text(kpi: Kpi, status: KpiStatus, chars: int) -> str:
    """The two lines of a KPI badge: status word and KPI name, then value vs target."""
    word, symbol, _colour, _fill = S.STATUS_STYLES[status.status]
    if status.status == "none" and not status.label:
        what = "no data" if status.value is None else number(status.value, kpi.unit)
        return f"{clip(kpi.name, chars)}\n{clip(what + ' (no target)', chars)}"
    first = clip(f"{symbol} {word} · {kpi.name}", chars)
    if status.label:
        return f"{first}\n{clip(status.label, chars)}"
    target = f" vs target {number(kpi.target, kpi.unit)}" if kpi.target is not None else ""
    return f"{first}\n{clip(number(status.value, kpi.unit) + target, chars)}"


def _kpi_columns(
    placed: list[Touchpoint],
    boxes: dict[str, tuple[float, float, float, float]],
    contents: dict[str, dict[str, Any]],
    kpis_of: dict[str, list[Kpi]],
    statuses: dict[str, KpiStatus],
    chars: int,
) -> Columns:
    cols: Columns = {
        k: []
        for k in (
            "kpi_id",
            "tp_id",
            "x",
            "y",
            "text",
            "status",
            "word",
            "colour",
            "fill",
            "t_name",
            "t_value",
            "t_target",
        )
    }
    for tp in placed:
        kpis = kpis_of.get(tp.id)
        if not kpis:
            continue
        left, top, _w, _h = boxes[tp.id]
        content = contents[tp.id]
        y = (
            top
            - S.CARD_PAD
            - (S.TAG_LINE if content["tag"] else 0)
            - len(content["name_lines"]) * S.NAME_LINE
        )
        y -= S.SMALL_LINE * (1 + len(content["notes"])) + 4
        for kpi in kpis:
            status = statuses[kpi.id]
            word, _symbol, colour, fill = S.STATUS_STYLES[status.status]
            cols["kpi_id"].append(kpi.id)
            cols["tp_id"].append(tp.id)
            cols["x"].append(left + S.CARD_PAD + 4)
            cols["y"].append(y)
            cols["text"].append(kpi_badge_text(kpi, status, chars - 1))
            cols["status"].append(status.status)
            cols["word"].append(word)
            cols["colour"].append(colour)
            cols["fill"].append(fill)
            cols["t_name"].append(kpi.name)
            cols["t_value"].append(number(status.value, kpi.unit))
            direction = "higher is better" if kpi.direction == "higher" else "lower is better"
            target = number(kpi.target, kpi.unit) if kpi.target is not None else "none"
            warning = number(kpi.warning, kpi.unit) if kpi.warning is not None else "none"
            cols["t_target"].append(f"{target} (warning at {warning}; {direction})")
            y -= S.KPI_LINE
    return cols


def _mark_low_cards(cards: Columns, points: Columns) -> None:
    """Give the cards of low points on a drawn curve a strong border, so they stand out."""
    low_ids = {tp_id for tp_id, low in zip(points["tp_id"], points["low"], strict=True) if low}
    for i, tp_id in enumerate(cards["tp_id"]):
        if tp_id in low_ids:
            cards["low"][i] = True
            cards["line_colour"][i] = S.LOW_COLOUR
            cards["line_width"][i] = 2.5


def handoff_path(
    a: tuple[float, float, float, float],
    b: tuple[float, float, float, float],
    gutter_x: float,
    forward: bool,
) -> tuple[list[float], list[float]]:
    """An elbow path from card ``a`` to card ``b`` that runs down the gutter at ``gutter_x``.

    ``forward``: leave ``a`` by its right edge (the target is in a later column or the same
    one); otherwise by its left edge. The path enters ``b`` from the gutter's side.
    """
    ya, yb = a[1] - a[3] / 2, b[1] - b[3] / 2
    xa = a[0] + a[2] if forward else a[0]
    xb = b[0] if gutter_x < b[0] else b[0] + b[2]
    if abs(ya - yb) < 1 and abs(gutter_x - (xa + xb) / 2) < abs(xb - xa) / 2:
        return [xa, xb], [ya, yb]
    return [xa, gutter_x, gutter_x, xb], [ya, ya, yb, yb]


def _handoff_columns(
    journey: Journey,
    boxes: dict[str, tuple[float, float, float, float]],
    metrics: MapMetrics,
    column_of: dict[str, int],
    stage_w: float,
) -> Columns:
    cols: Columns = {
        k: []
        for k in (
            "handoff_id",
            "xs",
            "ys",
            "x1",
            "y1",
            "angle",
            "label_x",
            "label_y",
            "label",
            "colour",
            "line_width",
            "dash",
            "weak",
            "t_from",
            "t_to",
            "t_trigger",
            "t_sla",
            "t_owners",
            "t_health",
        )
    }
    names = {tp.id: tp.name for tp in journey.touchpoints}
    routes = []
    for handoff in journey.handoffs:
        a, b = boxes.get(handoff.from_touchpoint), boxes.get(handoff.to_touchpoint)
        if a is None or b is None:
            continue
        ca, cb = column_of[handoff.from_touchpoint], column_of[handoff.to_touchpoint]
        gutter = cb if cb > ca else cb + 1  # the boundary left of a later target, else right of it
        routes.append((handoff, a, b, gutter, cb >= ca))
    in_gutter: dict[int, list[str]] = {}
    for handoff, _a, _b, gutter, _fwd in routes:
        in_gutter.setdefault(gutter, []).append(handoff.id)
    for handoff, a, b, gutter, forward in routes:
        sharing = in_gutter[gutter]
        k, n = sharing.index(handoff.id), len(sharing)
        gutter_x = S.LABEL_WIDTH + gutter * stage_w + (k - (n - 1) / 2) * 5
        xs, ys = handoff_path(a, b, gutter_x, forward)
        health = metrics.handoff_health.get(handoff.id)
        weak = bool(health and health.weak)
        cols["handoff_id"].append(handoff.id)
        cols["xs"].append(xs)
        cols["ys"].append(ys)
        cols["x1"].append(xs[-1])
        cols["y1"].append(ys[-1])
        cols["angle"].append(math.atan2(ys[-1] - ys[-2], xs[-1] - xs[-2]) - math.pi / 2)
        if len(xs) == 4:
            cols["label_x"].append(gutter_x)
            cols["label_y"].append(ys[1] + (ys[2] - ys[1]) * (k + 1) / (n + 1))
        else:
            cols["label_x"].append((xs[0] + xs[-1]) / 2)
            cols["label_y"].append(ys[0])
        cols["label"].append(handoff_label(handoff, health))
        cols["colour"].append(S.WEAK_HANDOFF_COLOUR if weak else S.HANDOFF_COLOUR)
        cols["line_width"].append(4.0 if weak else 2.5)
        cols["dash"].append("dashed" if weak else "solid")
        cols["weak"].append(weak)
        cols["t_from"].append(names.get(handoff.from_touchpoint, handoff.from_touchpoint))
        cols["t_to"].append(names.get(handoff.to_touchpoint, handoff.to_touchpoint))
        cols["t_trigger"].append(handoff.trigger or "–")
        cols["t_sla"].append(sla_text(handoff.sla_hours) or "no SLA")
        owners = " → ".join(o or "?" for o in (handoff.from_owner, handoff.to_owner))
        cols["t_owners"].append(owners if handoff.from_owner or handoff.to_owner else "–")
        cols["t_health"].append(_health_text(health))
    return cols


def _health_text(health: Any) -> str:
    if health is None:
        return "not measured"
    parts = []
    if health.within_sla_share is not None:
        parts.append(f"{health.within_sla_share * 100:.0f} % within SLA")
    if health.label:
        parts.append(health.label)
    if health.weak:
        parts.append("WEAK")
    return " · ".join(parts) or "measured"


def handoff_label(handoff: Handoff, health: Any = None) -> str:
    """The words on a handoff arrow: the SLA, then the measured health when known."""
    first = sla_text(handoff.sla_hours) or "handoff"
    if health is None:
        return first
    second = health.label or (
        f"{health.within_sla_share * 100:.0f} % on time" if health.within_sla_share is not None else ""
    )
    if health.weak:
        second = f"⚠ WEAK · {second}" if second else "⚠ WEAK"
    return f"{first}\n{second}" if second else first


def _emotion_slots(
    placed: list[Touchpoint], stage_left: dict[str, float], stage_index: dict[str, int], stage_w: float
) -> dict[str, float]:
    """x of each touchpoint on the emotion curve: spread over its stage column, in document order."""
    by_stage: dict[str, list[str]] = {}
    for tp in placed:
        if tp.emotions or tp.emotions_to_be:
            by_stage.setdefault(tp.stage, []).append(tp.id)
    slots: dict[str, float] = {}
    for stage_id, ids in by_stage.items():
        step = stage_w / len(ids)
        for k, tp_id in enumerate(ids):
            slots[tp_id] = stage_left[stage_id] + (k + 0.5) * step
    return slots


def emotion_y(value: float) -> float:
    """The y of an emotion value (-2…+2) in the emotion band."""
    return -(S.EMOTION_TOP + (2 - value) * S.EMOTION_STEP)


_MARKERS = ["circle", "square", "triangle", "diamond", "hex", "inverted_triangle", "star"]


def _emotion_columns(
    journey: Journey,
    placed: list[Touchpoint],
    slot_x: dict[str, float],
    persona_ids: list[str],
    single: bool,
    width: int,
) -> dict[str, Columns]:
    point_keys = (
        "tp_id",
        "persona",
        "persona_name",
        "x",
        "y",
        "value",
        "word",
        "tp_name",
        "colour",
        "marker",
        "low",
    )
    points: Columns = {k: [] for k in point_keys}
    to_be: Columns = {k: [] for k in point_keys}
    lines: Columns = {"persona": [], "persona_name": [], "xs": [], "ys": [], "colour": []}
    to_be_lines: Columns = {"persona": [], "persona_name": [], "xs": [], "ys": [], "colour": []}
    lows: Columns = {"tp_id": [], "persona": [], "x": [], "y": [], "label": [], "label_y": []}
    persona_names = {p.id: p.name for p in journey.personas}
    ordered = sorted(
        (tp for tp in placed if tp.id in slot_x), key=lambda tp: slot_x[tp.id]
    )  # stage columns run left to right, so x order is journey order
    for n, persona_id in enumerate(persona_ids):
        colour = S.AS_IS_COLOUR if single else S.PERSONA_COLOURS[n % len(S.PERSONA_COLOURS)]
        marker = "circle" if single else _MARKERS[n % len(_MARKERS)]
        name = persona_names.get(persona_id, persona_id)
        curve = [
            (tp, tp.emotions[persona_id])
            for tp in ordered
            if persona_id in tp.emotions and (not tp.personas or persona_id in tp.personas)
        ]
        values = [v for _tp, v in curve]
        lowest = min(values) if values else 0
        for i, (tp, value) in enumerate(curve):
            before = values[i - 1] if i > 0 else math.inf
            after = values[i + 1] if i + 1 < len(values) else math.inf
            low = value <= -1 and value <= before and value <= after
            _add_point(points, tp, persona_id, name, slot_x[tp.id], value, colour, marker, low)
            if low and value == lowest and before != value:  # once per run of equal lows
                lows["tp_id"].append(tp.id)
                lows["persona"].append(persona_id)
                lows["x"].append(slot_x[tp.id])
                lows["y"].append(emotion_y(value))
                lows["label"].append("low point" if single else "")
                lows["label_y"].append(emotion_y(value) - 10)
        if curve:
            lines["persona"].append(persona_id)
            lines["persona_name"].append(name)
            lines["xs"].append([slot_x[tp.id] for tp, _v in curve])
            lines["ys"].append([emotion_y(v) for v in values])
            lines["colour"].append(colour)
        if single:
            future = [
                (tp, tp.emotions_to_be[persona_id])
                for tp in ordered
                if persona_id in tp.emotions_to_be and (not tp.personas or persona_id in tp.personas)
            ]
            for tp, value in future:
                _add_point(to_be, tp, persona_id, name, slot_x[tp.id], value, S.TO_BE_COLOUR, "circle", False)
            if future:
                to_be_lines["persona"].append(persona_id)
                to_be_lines["persona_name"].append(name)
                to_be_lines["xs"].append([slot_x[tp.id] for tp, _v in future])
                to_be_lines["ys"].append([emotion_y(v) for _tp, v in future])
                to_be_lines["colour"].append(S.TO_BE_COLOUR)
    scale: Columns = {"value": [], "y": [], "text": [], "x0": [], "x1": [], "x": []}
    for value in (2, 1, 0, -1, -2):
        scale["value"].append(value)
        scale["y"].append(emotion_y(value))
        scale["text"].append(f"{S.EMOTION_WORDS[value]} {S.EMOTION_FACES[value]}")
        scale["x0"].append(float(S.LABEL_WIDTH))
        scale["x1"].append(float(width - 8))
        scale["x"].append(float(S.LABEL_WIDTH - 10))
    return {
        "emotion_scale": scale,
        "emotion_lines": lines,
        "emotion": points,
        "emotion_to_be_lines": to_be_lines,
        "emotion_to_be": to_be,
        "lows": lows,
    }


def _add_point(
    cols: Columns,
    tp: Touchpoint,
    persona_id: str,
    persona_name: str,
    x: float,
    value: int,
    colour: str,
    marker: str,
    low: bool,
) -> None:
    cols["tp_id"].append(tp.id)
    cols["persona"].append(persona_id)
    cols["persona_name"].append(persona_name)
    cols["x"].append(x)
    cols["y"].append(emotion_y(value))
    cols["value"].append(value)
    cols["word"].append(S.EMOTION_WORDS.get(value, str(value)))
    cols["tp_name"].append(tp.name)
    cols["colour"].append(S.LOW_COLOUR if low else colour)
    cols["marker"].append("inverted_triangle" if low else marker)
    cols["low"].append(low)
