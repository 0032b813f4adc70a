"""A PowerPoint deck of a map, made offline with python-pptx (no template is downloaded).

:func:`save_deck` writes: a title slide (title, revision, the summary sentence); the map as a
picture (the PNG of :func:`cjmkit.render.save_png`); one slide per stage with a native, editable
table of its touchpoints (lane, feelings per persona in words and numbers, pain points, ideas,
votes), continued on more slides when a stage has many; a KPI slide (value, target, status in
words); a handoff slide (SLA, share on time, median delay, customers who fell through); speaker
notes with each stage's goal. The slides say everything in words, from the same
:class:`~cjmkit.render.outline.Outline` as the map's text alternative.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from cjmkit.errors import CjmError
from cjmkit.figures import MapMetrics
from cjmkit.model import Journey
from cjmkit.render.export import write_file
from cjmkit.render.outline import Outline, StageLine, outline

STAGE_ROWS = 6
"""Touchpoints per stage slide; more continue on the next slide."""
TABLE_ROWS = 10
"""Rows per KPI or handoff slide."""

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def clean(text: object) -> str:
    """Text as a slide can hold it: characters XML forbids (control codes) are dropped."""
    return _NOT_XML.sub("", str(text))


def save_deck(
    journey: Journey,
    path: str | os.PathLike[str],
    *,
    metrics: MapMetrics | Mapping[str, Any] | None = None,
    persona: str | None = None,
    title: str | None = None,
    picture: bytes | None = None,
) -> Path:
    """Write the map as a PowerPoint deck (``.pptx``).

    Parameters
    ----------
    journey
        The map.
    path
        The deck to write (replaced atomically).
    metrics
        Measured KPI status and handoff health, as for :func:`cjmkit.render.journey_map`.
    persona
        The persona whose emotion curve the picture shows (None: every persona's).
    title
        The deck's title (default: the map's).
    picture
        The map as PNG bytes; by default it is taken with headless Chromium.

    Raises
    ------
    CjmError
        When python-pptx is missing, no Chromium can take the picture, or the file cannot be written.
    """
    try:
        from pptx import Presentation  # noqa: F401
    except ImportError:
        raise CjmError(
            "cannot make a PowerPoint deck: python-pptx is not installed (pip install python-pptx)"
        ) from None
    if picture is None:
        picture = map_picture(journey, metrics=metrics, persona=persona, title=title)
    data = deck_bytes(
        outline(journey, metrics), picture, title=title, persona=_persona_name(journey, persona)
    )
    return write_file(path, data, "PowerPoint")


def _persona_name(journey: Journey, persona: str | None) -> str | None:
    found = journey.persona(persona) if persona else None
    return found.name if found else None


def map_picture(
    journey: Journey,
    *,
    metrics: MapMetrics | Mapping[str, Any] | None = None,
    persona: str | None = None,
    title: str | None = None,
) -> bytes:
    """The map as a PNG picture (headless Chromium), as ``render --png`` takes it."""
    import tempfile

    from cjmkit.render.export import save_png
    from cjmkit.render.journey_map import JourneyMapView

    view = JourneyMapView(journey, persona=persona, metrics=metrics)
    with tempfile.TemporaryDirectory(prefix="cjmkit-deck-") as folder:
        png = save_png(view, Path(folder) / "map.png", title or journey.title)
        return png.read_bytes()


def deck_bytes(
    words: Outline, picture: bytes, *, title: str | None = None, persona: str | None = None
) -> bytes:
    """Build the deck in memory and return the ``.pptx`` bytes."""
    from pptx import Presentation
    from pptx.util import Inches

    deck = Presentation()
    deck.slide_width, deck.slide_height = Inches(13.333), Inches(7.5)
    _title_slide(deck, words, title)
    _picture_slide(deck, words, picture, persona)
    for n, stage in enumerate(words.stages):
        _stage_slides(deck, stage, n + 1, len(words.stages), words)
    if words.kpis:
        rows = [
            [k.name, k.touchpoint or "whole journey", k.value, k.target, f"{k.symbol} {k.status_word}"]
            for k in words.kpis
        ]
        _table_slides(
            deck,
            "KPIs",
            ["KPI", "Touchpoint", "Latest value", "Target", "Status"],
            rows,
            [3.2, 3.2, 1.6, 2.2, 2.1],
        )
    if words.handoffs:
        rows = [
            [
                f"{h.source} → {h.target}",
                h.sla or "–",
                h.on_time,
                h.median_delay,
                h.fell_through,
                h.status_word,
            ]
            for h in words.handoffs
        ]
        _table_slides(
            deck,
            "Support → care handoffs",
            ["Handoff", "SLA", "On time", "Median delay", "Fell through", "Status"],
            rows,
            [5.0, 1.3, 1.3, 1.6, 1.5, 1.6],
        )
    out = io.BytesIO()
    deck.save(out)
    return out.getvalue()


def _blank(deck: Any, heading: str, notes: str = "") -> Any:
    from pptx.util import Inches, Pt

    slide = deck.slides.add_slide(deck.slide_layouts[5])  # title only
    slide.shapes.title.text = clean(heading)
    slide.shapes.title.left, slide.shapes.title.top = Inches(0.4), Inches(0.2)
    slide.shapes.title.width, slide.shapes.title.height = Inches(12.5), Inches(0.9)
    for paragraph in slide.shapes.title.text_frame.paragraphs:
        for run in paragraph.runs:
            run.font.size = Pt(28)
    if notes:
        slide.notes_slide.notes_text_frame.text = clean(notes)
    return slide


def _title_slide(deck: Any, words: Outline, title: str | None) -> None:
    from pptx.util import Pt

    slide = deck.slides.add_slide(deck.slide_layouts[0])
    slide.shapes.title.text = clean(title or words.title)
    subtitle = slide.placeholders[1]
    subtitle.text = clean(f"Customer journey map · revision {words.revision}, updated {words.updated}")
    frame = subtitle.text_frame
    paragraph = frame.add_paragraph()
    paragraph.text = clean(words.summary)
    paragraph.font.size = Pt(14)
    slide.notes_slide.notes_text_frame.text = clean(
        "\n".join([words.summary, words.description] if words.description else [words.summary])
    )


def _picture_slide(deck: Any, words: Outline, picture: bytes, persona: str | None) -> None:
    from PIL import Image
    from pptx.util import Emu, Inches

    heading = "The journey map" + (f": how {persona} feels" if persona else "")
    slide = _blank(deck, heading, notes=words.summary)
    room_w, room_h = Inches(12.9), Inches(6.2)
    width, height = Image.open(io.BytesIO(picture)).size
    scale = min(room_w / width, room_h / height)
    w, h = int(width * scale), int(height * scale)
    left = Emu(int((deck.slide_width - w) / 2))
    shape = slide.shapes.add_picture(io.BytesIO(picture), left, Inches(1.15), width=w, height=h)
    shape.name = "Journey map"
    # the picture's description (alt text) for screen readers in PowerPoint
    shape._element.nvPicPr.cNvPr.set("descr", clean(words.summary))


def _stage_slides(deck: Any, stage: StageLine, n: int, total: int, words: Outline) -> None:
    rows = []
    for tp in stage.touchpoints:
        feelings = "\n".join(f.text for f in tp.feelings) or "–"
        pains = "\n".join(f"{t} ({v})" for t, v in tp.pain_points) or "–"
        ideas = "\n".join(f"{t} ({v})" for t, v in tp.ideas) or "–"
        name = tp.name + (f"\n{tp.channel}" if tp.channel else "")
        rows.append([f"{tp.lane} ({tp.kind_label})", name, feelings, pains, ideas, str(tp.votes)])
    facts = [f"Phase: {stage.phase}"] if stage.phase else []
    facts.append(f"Goal: {stage.goal}" if stage.goal else "No goal written for this stage.")
    notes = "\n".join([f"Stage {n} of {total}: {stage.name}", *facts])
    heading = f"Stage {n} of {total}: {stage.name}"
    if not rows:
        slide = _blank(deck, heading, notes)
        _text_box(slide, "No touchpoints in this stage yet.\n" + "\n".join(facts))
        return
    header = ["Lane", "Touchpoint", "Feelings (−2 … +2)", "Pain points (votes)", "Ideas (votes)", "Votes"]
    chunks = [rows[i : i + STAGE_ROWS] for i in range(0, len(rows), STAGE_ROWS)]
    for part, chunk in enumerate(chunks):
        more = f" ({part + 1} of {len(chunks)})" if len(chunks) > 1 else ""
        slide = _blank(deck, heading + more, notes)
        _table(slide, header, chunk, [1.8, 2.3, 3.0, 2.5, 2.3, 0.8], top=1.2, font=10)


def _table_slides(
    deck: Any, heading: str, header: list[str], rows: list[list[str]], widths: list[float]
) -> None:
    chunks = [rows[i : i + TABLE_ROWS] for i in range(0, len(rows), TABLE_ROWS)]
    for part, chunk in enumerate(chunks):
        more = f" ({part + 1} of {len(chunks)})" if len(chunks) > 1 else ""
        slide = _blank(deck, heading + more)
        _table(slide, header, chunk, widths, top=1.2, font=12)


def _table(
    slide: Any,
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    widths: Sequence[float],
    *,
    top: float,
    font: int,
) -> Any:
    from pptx.util import Inches, Pt

    shape = slide.shapes.add_table(
        len(rows) + 1,
        len(header),
        Inches(0.4),
        Inches(top),
        Inches(sum(widths)),
        Inches(0.4 * (len(rows) + 1)),
    )
    table = shape.table
    table.first_row = True
    for column, width in enumerate(widths):
        table.columns[column].width = Inches(width)
    for r, values in enumerate([list(header), *rows]):
        for c, text in enumerate(values):
            cell = table.cell(r, c)
            cell.text = clean(text)
            for paragraph in cell.text_frame.paragraphs:
                paragraph.font.size = Pt(font)
                paragraph.font.bold = r == 0
    return table


def _text_box(slide: Any, text: str) -> None:
    from pptx.util import Inches, Pt

    box = slide.shapes.add_textbox(Inches(0.6), Inches(1.4), Inches(12), Inches(2))
    box.text_frame.word_wrap = True
    box.text_frame.text = clean(text)
    for paragraph in box.text_frame.paragraphs:
        paragraph.font.size = Pt(18)
