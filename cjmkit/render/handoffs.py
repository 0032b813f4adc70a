"""Support → care handoff arrows: elbow paths down the gutters, SLA labels, measured health."""

from __future__ import annotations

import bisect
import itertools
import math
from typing import Any

from cjmkit.figures import MapMetrics
from cjmkit.model import Handoff, Journey
from cjmkit.render import style as S
from cjmkit.render.text import sla_text, text_width

Columns = dict[str, list[Any]]


def patch_handoff_names(old: Columns, journey: Journey, ids: set[str]) -> Columns:
    """Handoff columns with the names of touchpoints ``ids`` refreshed in the tooltips."""
    ends = {h.id: (h.from_touchpoint, h.to_touchpoint) for h in journey.handoffs}
    rows = [i for i, h in enumerate(old["handoff_id"]) if ends[h][0] in ids or ends[h][1] in ids]
    if not rows:
        return old
    names = {tp.id: tp.name for tp in journey.touchpoints if tp.id in ids}
    cols = dict(old)
    cols["t_from"], cols["t_to"] = list(old["t_from"]), list(old["t_to"])
    for i in rows:
        start, end = ends[old["handoff_id"][i]]
        cols["t_from"][i] = names.get(start, cols["t_from"][i])
        cols["t_to"][i] = names.get(end, cols["t_to"][i])
    return cols


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


def handoff_columns(
    journey: Journey,
    boxes: dict[str, tuple[float, float, float, float]],
    metrics: MapMetrics,
    column_of: dict[str, int],
    stage_w: float,
    row_cache: dict[str, tuple[tuple[Any, ...], tuple[Any, ...]]],
    lane_of: dict[str, tuple[float, float]],
    lane_id_of: dict[str, str],
    cells_at: dict[tuple[int, str], list[tuple[float, float, float, float]]],
) -> Columns:
    """Return the columns of the handoff arrows, routed between the cards and labelled with SLA and health."""
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
    in_gutter: dict[int, int] = {}
    place: list[int] = []
    for _handoff, _a, _b, gutter, _fwd in routes:
        place.append(in_gutter.get(gutter, 0))
        in_gutter[gutter] = place[-1] + 1
    keys = list(cols)
    rows = []
    in_band: dict[float, list[tuple[float, float]]] = {}  # lane gap -> (left, right) of its labels
    beside_labels: dict[int, list[tuple[float, float, float, float]]] = {}  # gutter -> label rects
    right_edge = S.LABEL_WIDTH + len(journey.stages) * stage_w
    for (handoff, a, b, gutter, forward), k in zip(routes, place, strict=True):
        n = in_gutter[gutter]
        centre = S.LABEL_WIDTH + gutter * stage_w
        gutter_x = centre + (k - (n - 1) / 2) * 5
        health = metrics.handoff_health.get(handoff.id)
        label = handoff_label(handoff, health)
        # The label sits in the free gap between the lanes the arrow crosses, just before the
        # target lane, so it never covers a card; labels sharing a gap line up to the left.
        target_top, target_bottom = lane_of[handoff.to_touchpoint]
        ya = a[1] - a[3] / 2
        band = target_top if ya > target_top else target_bottom if ya < target_bottom else None
        half = max(text_width(line, 12, True) for line in label.split("\n")) / 2 + 6
        half_h = 9 * (label.count("\n") + 1) + 5
        # Best: right beside the arrow's start, just past the gutter, when that spot is free.
        x = gutter_x + 8 + half
        beside = (x - half, ya + half_h, x + half, ya - half_h)
        lane_id = lane_id_of[handoff.from_touchpoint]
        cards_there = cells_at.get((gutter, lane_id), ())
        if (
            forward
            and x + half <= right_edge
            and not any(_overlaps(beside, box) for box in cards_there)
            and not any(
                _rects_meet(beside, placed)
                for g in (gutter - 1, gutter)
                for placed in beside_labels.get(g, ())
            )
        ):
            label_at = (x, ya)
            beside_labels.setdefault(gutter, []).append(beside)
        elif band is None:
            ys = (ya, b[1] - b[3] / 2)
            label_at = (gutter_x, (ys[0] + ys[1]) / 2)
        else:
            # in the gap between the lanes, as near the gutter as the labels already there allow
            taken = in_band.setdefault(band, [])
            x = _free_spot(taken, centre, half, S.LABEL_WIDTH, right_edge)
            bisect.insort(taken, (x - half, x + half))
            label_at = (x, band)
        key = (handoff, *handoff.__dict__.values(), a, b, gutter_x, forward, health, label, label_at)
        key += (names.get(handoff.from_touchpoint), names.get(handoff.to_touchpoint))
        hit = row_cache.get(handoff.id)
        if hit is None or hit[0] != key:
            hit = (key, _handoff_row(handoff, a, b, gutter_x, forward, label_at, label, health, names))
            row_cache[handoff.id] = hit
        rows.append(hit[1])
    if not rows:
        return cols
    return {key: list(values) for key, values in zip(keys, zip(*rows, strict=True), strict=True)}


def _free_spot(taken: list[tuple[float, float]], centre: float, half: float, lo: float, hi: float) -> float:
    """The x nearest ``centre`` where a label of half-width ``half`` fits between sorted ``taken`` spans."""
    best, edges = centre, [(-math.inf, lo - 6), *taken, (hi + 6, math.inf)]
    distance = math.inf
    for (_l, gap_left), (gap_right, _r) in itertools.pairwise(edges):
        low, high = gap_left + 6 + half, gap_right - 6 - half
        if low <= high:
            x = min(max(centre, low), high)
            if abs(x - centre) < distance:
                best, distance = x, abs(x - centre)
    return best


def _overlaps(rect: tuple[float, float, float, float], box: tuple[float, float, float, float]) -> bool:
    """Whether ``rect`` (left, top, right, bottom) overlaps a card ``box`` (left, top, width, height)."""
    left, top, w, h = box
    return _rects_meet(rect, (left, top, left + w, top - h))


def _rects_meet(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    """Whether two (left, top, right, bottom) rectangles overlap (y points up)."""
    return not (a[2] <= b[0] or a[0] >= b[2] or a[3] >= b[1] or a[1] <= b[3])


def _handoff_row(
    handoff: Handoff,
    a: tuple[float, float, float, float],
    b: tuple[float, float, float, float],
    gutter_x: float,
    forward: bool,
    label_at: tuple[float, float],
    label: str,
    health: Any,
    names: dict[str, str],
) -> tuple[Any, ...]:
    """One row of the handoffs source, in the order of its columns."""
    xs, ys = handoff_path(a, b, gutter_x, forward)
    weak = bool(health and health.weak)
    label_x, label_y = label_at if len(xs) == 4 else ((xs[0] + xs[-1]) / 2, ys[0])
    owners = " → ".join(o or "?" for o in (handoff.from_owner, handoff.to_owner))
    return (
        handoff.id,
        xs,
        ys,
        xs[-1],
        ys[-1],
        math.atan2(ys[-1] - ys[-2], xs[-1] - xs[-2]) - math.pi / 2,
        label_x,
        label_y,
        label,
        S.WEAK_HANDOFF_COLOUR if weak else S.HANDOFF_COLOUR,
        4.0 if weak else 2.5,
        "dashed" if weak else "solid",
        weak,
        names.get(handoff.from_touchpoint, handoff.from_touchpoint),
        names.get(handoff.to_touchpoint, handoff.to_touchpoint),
        handoff.trigger or "–",
        sla_text(handoff.sla_hours) or "no SLA",
        owners if handoff.from_owner or handoff.to_owner else "–",
        _health_text(health),
    )


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
    """The words on a handoff arrow: the SLA, then (when measured) the share on time.

    Kept short on purpose; the full measured wording is in the arrow's tooltip.
    """
    first = sla_text(handoff.sla_hours) or "handoff"
    if health is None:
        return first
    share = f"{health.within_sla_share * 100:.0f} % on time" if health.within_sla_share is not None else ""
    second = (f"⚠ WEAK · {share}" if share else "⚠ WEAK") if health.weak else share
    return f"{first}\n{second}" if second else first
