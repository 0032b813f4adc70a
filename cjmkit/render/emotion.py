"""The emotion curve: points over the stage columns, as-is and to-be lines, low points."""

from __future__ import annotations

import math
from typing import Any

from cjmkit.model import Journey, Touchpoint
from cjmkit.render import style as S
from cjmkit.render.text import clip

Columns = dict[str, list[Any]]


def mark_low_cards(cards: Columns, points: Columns) -> None:
    """Give the cards of low points on a drawn curve a strong border, so they stand out.

    Sets new lists (never changes the old ones in place: they may be a source's data).
    """
    low_ids = {tp_id for tp_id, low in zip(points["tp_id"], points["low"], strict=True) if low}
    lows = [tp_id in low_ids for tp_id in cards["tp_id"]]
    cards["low"] = lows
    cards["line_colour"] = [S.LOW_COLOUR if low else "#c3ccd5" for low in lows]
    cards["line_width"] = [2.5 if low else 1.0 for low in lows]


def patch_names(old: Columns, names: dict[str, str]) -> Columns:
    """Emotion point columns with new touchpoint names (when only names changed)."""
    if not any(tp_id in names for tp_id in old["tp_id"]):
        return old
    cols = dict(old)
    cols["tp_name"] = [
        names.get(tp_id, name) for tp_id, name in zip(old["tp_id"], old["tp_name"], strict=True)
    ]
    return cols


def emotion_slots(
    placed: list[Touchpoint], stage_left: dict[str, float], stage_index: dict[str, int], stage_w: float
) -> dict[str, float]:
    """X of each touchpoint on the emotion curve: spread over its stage column, in document order."""
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


def emotion_columns(
    journey: Journey,
    placed: list[Touchpoint],
    slot_x: dict[str, float],
    persona_ids: list[str],
    single: bool,
    width: int,
) -> dict[str, Columns]:
    """Return the columns of the emotion curves: points, lines, to-be curve and the scale, per persona."""
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
        lows_here = [
            v <= -1
            and v <= (values[i - 1] if i > 0 else math.inf)
            and v <= (values[i + 1] if i + 1 < len(values) else math.inf)
            for i, v in enumerate(values)
        ]
        _add_points(points, curve, persona_id, name, slot_x, colour, marker, lows_here)
        for i, (tp, value) in enumerate(curve):
            if lows_here[i] and value == lowest and (i == 0 or values[i - 1] != value):  # once per run
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
            lines["ys"].append([_Y_OF[v] for v in values])
            lines["colour"].append(colour)
        if single:
            future = [
                (tp, tp.emotions_to_be[persona_id])
                for tp in ordered
                if persona_id in tp.emotions_to_be and (not tp.personas or persona_id in tp.personas)
            ]
            _add_points(
                to_be, future, persona_id, name, slot_x, S.TO_BE_COLOUR, "circle", [False] * len(future)
            )
            if future:
                to_be_lines["persona"].append(persona_id)
                to_be_lines["persona_name"].append(name)
                to_be_lines["xs"].append([slot_x[tp.id] for tp, _v in future])
                to_be_lines["ys"].append([_Y_OF[v] for _tp, v in future])
                to_be_lines["colour"].append(S.TO_BE_COLOUR)
    scale: Columns = {"value": [], "y": [], "text": [], "x0": [], "x1": [], "x": []}
    for value in (2, 1, 0, -1, -2):
        scale["value"].append(value)
        scale["y"].append(emotion_y(value))
        scale["text"].append(f"{S.EMOTION_WORDS[value]} {S.EMOTION_FACES[value]}")
        scale["x0"].append(float(S.LABEL_WIDTH))
        scale["x1"].append(float(width - 8))
        scale["x"].append(float(S.LABEL_WIDTH - 10))
    names = [persona_names.get(p, p) for p in persona_ids]
    if not names:
        caption = "Add a persona, and how they feel at each touchpoint, to draw the emotion curve"
    elif not points["x"]:
        caption = "No feelings recorded yet: give touchpoints an emotion (-2 … +2) per persona"
    elif single:
        caption = f"How {names[0]} feels at each touchpoint: as-is (solid) and to-be (dashed)"
    else:
        caption = "How each persona feels at each touchpoint"
    top, zero, bottom = emotion_y(2) + 14, emotion_y(0), emotion_y(-2) - 14
    zones: Columns = {
        "left": [float(S.LABEL_WIDTH)] * 2,
        "right": [float(width - 8)] * 2,
        "top": [top, zero - S.EMOTION_STEP / 2],
        "bottom": [zero + S.EMOTION_STEP / 2, bottom],
        "fill": ["#eef7f2", "#fcf0ea"],
    }
    captions: Columns = {
        "x": [float(S.LABEL_WIDTH)],
        "y": [-6.0],
        "text": [clip(caption, (width - S.LABEL_WIDTH, 13, True))],
    }
    return {
        "emotion_zones": zones,
        "captions": captions,
        "emotion_scale": scale,
        "emotion_lines": lines,
        "emotion": points,
        "emotion_to_be_lines": to_be_lines,
        "emotion_to_be": to_be,
        "lows": lows,
    }


_Y_OF = {v: -(S.EMOTION_TOP + (2 - v) * S.EMOTION_STEP) for v in range(-2, 3)}


def _add_points(
    cols: Columns,
    curve: list[tuple[Touchpoint, int]],
    persona_id: str,
    persona_name: str,
    slot_x: dict[str, float],
    colour: str,
    marker: str,
    lows: list[bool],
) -> None:
    n = len(curve)
    cols["tp_id"] += [tp.id for tp, _v in curve]
    cols["persona"] += [persona_id] * n
    cols["persona_name"] += [persona_name] * n
    cols["x"] += [slot_x[tp.id] for tp, _v in curve]
    cols["y"] += [_Y_OF[v] for _tp, v in curve]
    cols["value"] += [v for _tp, v in curve]
    cols["word"] += [S.EMOTION_WORDS[v] for _tp, v in curve]
    cols["tp_name"] += [tp.name for tp, _v in curve]
    cols["colour"] += [S.LOW_COLOUR if low else colour for low in lows]
    cols["marker"] += ["inverted_triangle" if low else marker for low in lows]
    cols["low"] += lows
