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
from dataclasses import dataclass, field
from typing import Any

from cjmkit.errors import CjmError
from cjmkit.figures import KpiStatus, MapMetrics
from cjmkit.model import Journey, Kpi, Lane, MeasuredJourney, Stage, Touchpoint
from cjmkit.render import style as S
from cjmkit.render.as_measured import MEASURED_SOURCES, measured_columns
from cjmkit.render.emotion import emotion_columns, emotion_slots, mark_low_cards, patch_names
from cjmkit.render.handoffs import handoff_columns, patch_handoff_names
from cjmkit.render.metrics_input import simple_kpi_status
from cjmkit.render.text import Fit, clip, number, text_width, wrap

Columns = dict[str, list[Any]]
LANE_FIT = (S.LABEL_WIDTH - 24, 14, True)

SOURCE_NAMES = (
    "stages",
    "grid",
    "lanes",
    "cards",
    "kpis",
    "handoffs",
    "emotion_zones",
    "emotion_scale",
    "captions",
    "emotion_lines",
    "emotion",
    "emotion_to_be_lines",
    "emotion_to_be",
    "lows",
    *MEASURED_SOURCES,
)
"""The data sources of a map, in drawing order (the measured ones show in the "as measured" view)."""


@dataclass(frozen=True)
class CardContent:
    """Everything on a card that does not depend on where the card is (cached per touchpoint).

    Attributes
    ----------
    chars
        The text widths it was fitted to (name, small text): other widths make it anew.
    name_lines, tag, notes
        The card's wrapped name, its lane tag (``"◆ SUPPORT"``, or empty) and its notes lines.
    height
        The card's height in pixels.
    emotion_key
        What the emotion curves read of the touchpoint: when equal, the curves need no redraw.
    static
        The card's row of the ``cards`` source, less its place (keys: the source's columns).
    kpi_rows
        One row of the ``kpis`` source per KPI badge, less its place.
    """

    chars: tuple[Fit, Fit]
    name_lines: tuple[str, ...]
    tag: str
    notes: tuple[str, ...]
    height: float
    emotion_key: tuple[Any, ...]
    static: dict[str, Any]
    kpi_rows: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class DrawnMap:
    """What :func:`map_data` drew last.

    When the next map has the same signature, places and boxes, only the cards whose content
    changed are patched.
    """

    signature: tuple[Any, ...]
    placed_ids: list[str]
    boxes: dict[str, tuple[float, float, float, float]]
    contents: dict[str, CardContent]
    columns: dict[str, Columns]


@dataclass
class MapData:
    """Everything the figure needs: its size and the columns of every source."""

    width: int
    height: int
    columns: dict[str, Columns] = field(default_factory=dict)
    emotion_bottom: float = 0.0
    persona_ids: list[str] = field(default_factory=list)


class LayoutCache:
    """What :func:`map_data` computed per touchpoint last time, to reuse while it still holds.

    A card's contents (wrapped name, badges, tooltip texts) are recomputed only when the
    touchpoint, its stage, its lane, its KPIs (or their status), the personas or the card width
    changed. Changes are noticed by identity: the :class:`~cjmkit.edits.Editor` replaces every
    entity it edits, and assigning a field replaces that field's value. After changing nested
    values in place (``tp.pain_points[0].votes += 1``), call :meth:`clear`.
    """

    def __init__(self) -> None:
        self.cards: dict[str, tuple[tuple[Any, ...], CardContent]] = {}
        self.kpis: dict[str, tuple[tuple[Any, ...], KpiStatus]] = {}
        self.handoffs: dict[str, tuple[tuple[Any, ...], tuple[Any, ...]]] = {}
        self.previous: DrawnMap | None = None

    def clear(self) -> None:
        """Forget everything: the next map is computed from scratch."""
        self.cards.clear()
        self.kpis.clear()
        self.handoffs.clear()
        self.previous = None


# -- the map -------------------------------------------------------------------------------


def map_data(
    journey: Journey,
    persona: str | None = None,
    metrics: MapMetrics | None = None,
    cache: LayoutCache | None = None,
    target_width: int = S.TARGET_WIDTH,
) -> MapData:
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
    cache
        Reuse the card contents of the previous call where nothing they depend on changed
        (what :meth:`JourneyMapView.update` does); None computes everything.
    target_width
        Width in px the stages share (wider stages wrap names less, so the map gets shorter).

    Raises
    ------
    CjmError
        When ``persona`` names no persona of the journey.
    """
    metrics = metrics or MapMetrics()
    cache = cache if cache is not None else LayoutCache()
    if persona is not None and journey.persona(persona) is None:
        known = ", ".join(p.id for p in journey.personas) or "none"
        raise CjmError(f"no persona has the id {persona!r} (personas of this map: {known})")

    stages = journey.stages
    n_stages = max(len(stages), 1)
    stage_w = max(S.MIN_STAGE_WIDTH, (target_width - S.LABEL_WIDTH) / n_stages)
    stage_w = float(math.floor(stage_w))
    width = int(S.LABEL_WIDTH + n_stages * stage_w + 8)
    stage_left = {s.id: S.LABEL_WIDTH + i * stage_w for i, s in enumerate(stages)}
    stage_index = {s.id: i for i, s in enumerate(stages)}

    emotion_bottom = -(S.EMOTION_TOP + 4 * S.EMOTION_STEP + 30)
    header_top = emotion_bottom - 6
    lanes_top = header_top - S.STAGE_HEADER - 6

    card_w = stage_w - 2 * S.CARD_GAP
    text_w = card_w - 2 * S.CARD_PAD - 6
    name_chars: Fit = (text_w, S.NAME_SIZE, True)
    small_chars: Fit = (text_w, S.SMALL_SIZE, False)

    kpis_of: dict[str, list[Kpi]] = {}
    for kpi in journey.kpis:
        if kpi.touchpoint is not None:
            kpis_of.setdefault(kpi.touchpoint, []).append(kpi)
    lane_ids = {lane.id for lane in journey.lanes}
    placed = [tp for tp in journey.touchpoints if tp.stage in stage_left and tp.lane in lane_ids]

    statuses = _statuses(journey, metrics, cache)
    # Card contents and heights first; then the rows can be sized.
    contents = _contents(journey, placed, kpis_of, statuses, name_chars, small_chars, cache)
    cells: dict[tuple[str, str], list[Touchpoint]] = {}
    for tp in placed:
        cells.setdefault((tp.stage, tp.lane), []).append(tp)

    heights = {tp.id: contents[tp.id].height for tp in placed}
    lane_top: dict[str, float] = {}
    lane_height: dict[str, float] = {}
    y: float = lanes_top
    for lane in journey.lanes:
        tallest = 0.0
        for stage in stages:
            stack = cells.get((stage.id, lane.id), [])
            tallest = max(tallest, sum(heights[tp.id] for tp in stack) + S.CARD_GAP * max(len(stack) - 1, 0))
        label_lines = len(wrap(lane.name, LANE_FIT, 3))
        h = max(tallest + 2 * S.LANE_PAD, 30 + label_lines * 18 + 10, 76)
        lane_top[lane.id] = y
        lane_height[lane.id] = h
        y -= h
    height = int(-y + 10)

    boxes: dict[str, tuple[float, float, float, float]] = {}  # id -> left, top, width, height
    for (stage_id, lane_id), stack in cells.items():
        top = lane_top[lane_id] - S.LANE_PAD
        left = stage_left[stage_id] + S.CARD_GAP
        for tp in stack:
            boxes[tp.id] = (left, top, card_w, heights[tp.id])
            top -= heights[tp.id] + S.CARD_GAP
    column_of = {tp.id: stage_index[tp.stage] for tp in placed}
    lane_of = {tp.id: (lane_top[tp.lane], lane_top[tp.lane] - lane_height[tp.lane]) for tp in placed}
    lane_id_of = {tp.id: tp.lane for tp in placed}
    cells_at: dict[tuple[int, str], list[tuple[float, float, float, float]]] = {}
    for (stage_id, lane_id), stack in cells.items():
        cells_at[(stage_index[stage_id], lane_id)] = [boxes[tp.id] for tp in stack]
    persona_ids = [persona] if persona is not None else [p.id for p in journey.personas]

    slot_x = emotion_slots(placed, stage_left, stage_index, stage_w)

    def curves() -> dict[str, Columns]:
        return emotion_columns(journey, placed, slot_x, persona_ids, persona is not None, width)

    measured = measured_of(journey, metrics)
    lane_kinds = {lane.id: lane.kind for lane in journey.lanes}
    kind_of = {tp.id: lane_kinds[tp.lane] for tp in placed}

    # When only card contents changed and every card kept its place (the usual single edit),
    # patch the previous columns instead of building them all again.
    signature: tuple[Any, ...] = (persona, metrics, width, height, *stages, *journey.lanes, *journey.personas)
    signature += (*journey.handoffs, *journey.kpis, journey.event_log)
    placed_ids = [tp.id for tp in placed]
    previous = cache.previous
    if (
        previous is not None
        and previous.signature == signature
        and previous.placed_ids == placed_ids
        and previous.boxes == boxes
    ):
        old_contents, old_columns = previous.contents, previous.columns
        changed = [i for i, tp in enumerate(placed) if contents[tp.id] is not old_contents[tp.id]]
        columns = dict(old_columns)
        if changed:
            columns["cards"] = _patch_cards(old_columns["cards"], placed, contents, changed)
            columns["kpis"] = _kpi_columns(placed, boxes, contents, kpis_of)
            ids = {placed[i].id for i in changed}
            # arrows keep their places: only the names in their tooltips can have changed
            columns["handoffs"] = patch_handoff_names(old_columns["handoffs"], journey, ids)
            if all(contents[i].emotion_key == old_contents[i].emotion_key for i in ids):
                for name in ("emotion", "emotion_to_be"):
                    columns[name] = patch_names(
                        old_columns[name], {i: contents[i].static["t_name"] for i in ids}
                    )
            else:
                columns.update(curves())
                mark_low_cards(columns["cards"], columns["emotion"])
    else:
        columns = {
            "stages": _stage_columns(journey, stage_left, stage_w, header_top),
            "grid": _grid_columns(journey, stage_left, stage_w, header_top, y, width),
            "lanes": _lane_columns(journey, lane_top, lane_height, width),
            "cards": _card_columns(placed, contents, boxes),
            "kpis": _kpi_columns(placed, boxes, contents, kpis_of),
            "handoffs": handoff_columns(
                journey, boxes, metrics, column_of, stage_w, cache.handoffs, lane_of, lane_id_of, cells_at
            ),
            **curves(),
        }
        mark_low_cards(columns["cards"], columns["emotion"])
    # few rows (at most 60 flows): drawn anew each time, so renamed touchpoints show in tooltips
    columns.update(measured_columns(journey, measured, boxes, slot_x, kind_of))
    cache.previous = DrawnMap(signature, placed_ids, boxes, contents, columns)
    return MapData(
        width=width, height=height, columns=columns, emotion_bottom=emotion_bottom, persona_ids=persona_ids
    )


def measured_of(journey: Journey, metrics: MapMetrics) -> MeasuredJourney | None:
    """The journey as measured to draw: the metrics' own, else the one the map keeps."""
    if metrics.measured is not None:
        return metrics.measured
    return journey.event_log.measured if journey.event_log is not None else None


def _statuses(journey: Journey, metrics: MapMetrics, cache: LayoutCache) -> dict[str, KpiStatus]:
    statuses: dict[str, KpiStatus] = {}
    for kpi in journey.kpis:
        given = metrics.kpi_status.get(kpi.id)
        if given is not None:
            statuses[kpi.id] = given
            continue
        key = (kpi, *kpi.__dict__.values())
        hit = cache.kpis.get(kpi.id)
        if hit is None or hit[0] != key:
            hit = (key, simple_kpi_status(kpi))
            cache.kpis[kpi.id] = hit
        statuses[kpi.id] = hit[1]
    return statuses


def _contents(
    journey: Journey,
    placed: list[Touchpoint],
    kpis_of: dict[str, list[Kpi]],
    statuses: dict[str, KpiStatus],
    name_chars: Fit,
    small_chars: Fit,
    cache: LayoutCache,
) -> dict[str, CardContent]:
    stages = {s.id: s for s in journey.stages}
    lanes = {lane.id: lane for lane in journey.lanes}
    personas = tuple(journey.personas)
    persona_names = {p.id: p.name for p in personas}
    contents: dict[str, CardContent] = {}
    for tp in placed:
        kpis = kpis_of.get(tp.id, ())
        key = (
            tp,
            *tp.__dict__.values(),
            stages[tp.stage],
            lanes[tp.lane],
            *kpis,
            *(statuses[k.id] for k in kpis),
            *personas,
        )
        hit = cache.cards.get(tp.id)
        # tuple == checks identity first: cheap while nothing changed
        if hit is None or hit[1].chars != (name_chars, small_chars) or hit[0] != key:
            content = _card_content(
                tp, stages[tp.stage], lanes[tp.lane], persona_names, kpis, statuses, name_chars, small_chars
            )
            hit = (key, content)
            cache.cards[tp.id] = hit
        contents[tp.id] = hit[1]
    if len(cache.cards) > 2 * len(placed) + 100:  # forget touchpoints that were removed
        for tp_id in set(cache.cards) - set(contents):
            del cache.cards[tp_id]
    return contents


def _card_content(
    tp: Touchpoint,
    stage: Stage | None,
    lane: Lane | None,
    persona_names: dict[str, str],
    kpis: list[Kpi] | tuple[()],
    statuses: dict[str, KpiStatus],
    name_chars: Fit,
    small_chars: Fit,
) -> CardContent:
    """Everything on a card that does not depend on where the card is."""
    kind = lane.kind if lane is not None else "other"
    style = S.KIND_STYLES.get(kind, S.KIND_STYLES["other"])
    meta = " · ".join(part for part in (tp.channel, tp.owner) if part) or " "
    name_lines = wrap(tp.name, name_chars, S.MAX_NAME_LINES)
    notes = _notes_text(tp, small_chars)
    tag = f"{style.symbol} {style.label}" if style.tag else ""
    height = 2 * S.CARD_PAD + len(name_lines) * S.NAME_LINE + S.SMALL_LINE
    height += (S.TAG_LINE if tag else 0) + S.SMALL_LINE * len(notes) + len(kpis) * S.KPI_LINE
    feelings = [
        f"{persona_names.get(p, p)}: {S.EMOTION_WORDS.get(v, v)}"
        + (f" → {S.EMOTION_WORDS.get(tp.emotions_to_be[p])}" if p in tp.emotions_to_be else "")
        for p, v in tp.emotions.items()
    ]
    kpi_texts = []
    for k in kpis:
        status = statuses[k.id]
        target = f", target {number(k.target, k.unit)}" if k.target is not None else ""
        detail = status.label or f"{number(status.value, k.unit)}{target}"
        kpi_texts.append(f"{k.name}: {S.STATUS_STYLES[status.status][0]} ({detail})")
    kpi_rows = []
    for kpi in kpis:
        status = statuses[kpi.id]
        word, _symbol, colour, fill = S.STATUS_STYLES[status.status]
        direction = "higher is better" if kpi.direction == "higher" else "lower is better"
        target = number(kpi.target, kpi.unit) if kpi.target is not None else "none"
        warning = number(kpi.warning, kpi.unit) if kpi.warning is not None else "none"
        kpi_rows.append(
            {
                "kpi_id": kpi.id,
                "text": kpi_badge_text(kpi, status, (small_chars[0] - 8, 11, True)),
                "status": status.status,
                "word": word,
                "colour": colour,
                "fill": fill,
                "t_name": kpi.name,
                "t_value": number(status.value, kpi.unit),
                "t_target": f"{target} (warning at {warning}; {direction})",
            }
        )
    return CardContent(
        chars=(name_chars, small_chars),
        name_lines=tuple(name_lines),
        tag=tag,
        notes=notes,
        height=height,
        emotion_key=(tp.emotions, tp.emotions_to_be, tp.personas),
        kpi_rows=tuple(kpi_rows),
        static={
            "fill": style.fill,
            "accent": style.accent,
            "kind": kind,
            "tag": tag,
            "name": "\n".join(name_lines),
            "meta": clip(meta, small_chars),
            "notes": "\n".join(notes),
            "notes_colour": "#a23b00" if tp.pain_points else S.MUTED,
            "t_name": tp.name,
            "t_where": f"{stage.name if stage else tp.stage} · {lane.name if lane else tp.lane}",
            "t_channel": tp.channel or "–",
            "t_owner": tp.owner or "–",
            "t_description": tp.description or "–",
            "t_pains": "; ".join(f"{n.text} ({n.votes})" for n in tp.pain_points) or "–",
            "t_ideas": "; ".join(f"{n.text} ({n.votes})" for n in tp.opportunities) or "–",
            "t_emotions": "; ".join(feelings) or "–",
            "t_kpis": "; ".join(kpi_texts) or "–",
            "pain_count": len(tp.pain_points),
            "pain_votes": sum(n.votes for n in tp.pain_points),
            "idea_count": len(tp.opportunities),
            "idea_votes": sum(n.votes for n in tp.opportunities),
        },
    )


def _notes_text(tp: Touchpoint, chars: Fit) -> tuple[str, ...]:
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
        if text_width(text, chars[1], chars[2]) <= chars[0]:
            return (text,)
    return tuple(clip(part, chars) for part in long_parts)


def _stage_columns(journey: Journey, stage_left: dict[str, float], stage_w: float, top: float) -> Columns:
    cols: Columns = {
        k: [] for k in ("stage_id", "x", "y", "w", "h", "left", "phase", "phase_y", "name", "name_y", "goal")
    }
    name_fit: Fit = (stage_w - 26, 16, True)
    for stage in journey.stages:
        left = stage_left[stage.id]
        cols["stage_id"].append(stage.id)
        cols["x"].append(left + stage_w / 2)
        cols["y"].append(top - S.STAGE_HEADER / 2)
        cols["w"].append(stage_w - 6)
        cols["h"].append(S.STAGE_HEADER)
        cols["left"].append(left + 12)
        phase = (
            stage.phase if stage.phase and stage.phase.strip().lower() != stage.name.strip().lower() else ""
        )
        cols["phase"].append(clip(phase.upper(), (stage_w - 26, 12, True)))
        cols["phase_y"].append(top - 10)
        lines = wrap(stage.name, name_fit, 2)
        cols["name"].append("\n".join(lines))
        two = len(lines) > 1
        cols["name_y"].append(top - (26 if phase else (12 if two else 24)))
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
        cols["name"].append("\n".join(wrap(lane.name, LANE_FIT, 3)))
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
_DYNAMIC_KEYS = {"tp_id", "x", "y", "w", "h", "stripe_x", "text_x", "tag_y", "name_y", "meta_y", "notes_y"}
_DYNAMIC_KEYS |= {"low", "line_colour", "line_width"}
_STATIC_KEYS = tuple(k for k in _CARD_KEYS if k not in _DYNAMIC_KEYS)


def _patch_cards(
    old: Columns, placed: list[Touchpoint], contents: dict[str, CardContent], changed: list[int]
) -> Columns:
    """The cards columns with the rows ``changed`` refreshed (their places are unchanged)."""
    cols = dict(old)
    for key in _STATIC_KEYS:
        values = list(old[key])
        for i in changed:
            values[i] = contents[placed[i].id].static[key]
        cols[key] = values
    return cols


def _card_columns(
    placed: list[Touchpoint],
    contents: dict[str, CardContent],
    boxes: dict[str, tuple[float, float, float, float]],
) -> Columns:
    # Column by column: the cheapest way to build them in Python, and what update() repeats.
    cards = [contents[tp.id] for tp in placed]
    statics = [card.static for card in cards]
    geometry = [boxes[tp.id] for tp in placed]
    cols: Columns = {
        "tp_id": [tp.id for tp in placed],
        "x": [left + w / 2 for left, _top, w, _h in geometry],
        "y": [top - h / 2 for _left, top, _w, h in geometry],
        "w": [w for _left, _top, w, _h in geometry],
        "h": [h for _left, _top, _w, h in geometry],
        "stripe_x": [left + 2.5 for left, _top, _w, _h in geometry],
        "text_x": [left + S.CARD_PAD + 4 for left, _top, _w, _h in geometry],
        "tag_y": [top - S.CARD_PAD for _left, top, _w, _h in geometry],
        "low": [False] * len(placed),
        "line_colour": ["#c3ccd5"] * len(placed),
        "line_width": [1.0] * len(placed),
    }
    cols["name_y"] = [
        y - (S.TAG_LINE if card.tag else 0) for y, card in zip(cols["tag_y"], cards, strict=True)
    ]
    cols["meta_y"] = [
        y - len(card.name_lines) * S.NAME_LINE for y, card in zip(cols["name_y"], cards, strict=True)
    ]
    cols["notes_y"] = [y - S.SMALL_LINE for y in cols["meta_y"]]
    for key in _STATIC_KEYS:
        cols[key] = [static[key] for static in statics]
    return {key: cols[key] for key in _CARD_KEYS}


def kpi_badge_text(kpi: Kpi, status: KpiStatus, chars: Fit) -> str:
    """The two lines of a KPI badge: status word and KPI name, then value vs target."""
    word, symbol, _colour, _fill = S.STATUS_STYLES[status.status]
    if status.status == "none" and not status.label:
        what = "no data" if status.value is None else number(status.value, kpi.unit)
        return f"{clip(kpi.name, chars)}\n{clip(what + ' (no target)', chars)}"
    first = clip(f"{symbol} {word} · {kpi.name}", chars)
    if status.value is None and status.label:
        return f"{first}\n{clip(status.label, chars)}"
    unit = kpi.unit if len(kpi.unit) <= 3 else ""  # "score (1–5)" stays in the tooltip
    target = f" (target {number(kpi.target, unit)})" if kpi.target is not None else ""
    return f"{first}\n{clip(number(status.value, unit) + target, chars)}"


def _kpi_columns(
    placed: list[Touchpoint],
    boxes: dict[str, tuple[float, float, float, float]],
    contents: dict[str, CardContent],
    kpis_of: dict[str, list[Kpi]],
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
        y = top - S.CARD_PAD - (S.TAG_LINE if content.tag else 0) - len(content.name_lines) * S.NAME_LINE
        y -= S.SMALL_LINE * (1 + len(content.notes)) + 4
        x = left + S.CARD_PAD + 4
        for row in content.kpi_rows:
            cols["tp_id"].append(tp.id)
            cols["x"].append(x)
            cols["y"].append(y)
            for key, value in row.items():
                cols[key].append(value)
            y -= S.KPI_LINE
    return cols
