"""The files a map is handed over as: an A3 PDF poster, an A4 PDF handout, a PowerPoint deck.

Below the widgets, so that the board's export buttons (:mod:`cjmkit.widgets.deliverables`) and
the viewer's downloads (:mod:`cjmkit.downloads`) build the same files, and a server that only
offers downloads loads no ipywidgets.
"""

from __future__ import annotations

from pathlib import Path

from cjmkit.figures import MapMetrics
from cjmkit.model import Journey, slugify

KINDS: dict[str, tuple[str, str, str]] = {
    # kind: (button label, file suffix, media type)
    "pdf": ("PDF poster (A3)", ".pdf", "application/pdf"),
    "pdf-handout": ("PDF handout (A4)", "-handout.pdf", "application/pdf"),
    "pptx": (
        "PowerPoint deck",
        ".pptx",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ),
}
"""Every kind of file, with the label of its button or link, its file suffix and its media type."""


def build_file(
    kind: str,
    journey: Journey,
    folder: Path,
    metrics: MapMetrics | None = None,
    persona: str | None = None,
) -> Path:
    """Write one export (``"pdf"``, ``"pdf-handout"`` or ``"pptx"``) of ``journey`` into ``folder``.

    Returns
    -------
    Path
        The file written, named after the map's title.
    """
    _label, suffix, _media = KINDS[kind]
    target = folder / f"{slugify(journey.title) or 'journey-map'}{suffix}"
    if kind == "pdf":
        from cjmkit.render.pdf import save_poster

        return save_poster(journey, target, metrics=metrics, persona=persona)
    if kind == "pdf-handout":
        from cjmkit.render.pdf import save_handout

        return save_handout(journey, target, metrics=metrics)
    from cjmkit.render.deck import save_deck

    return save_deck(journey, target, metrics=metrics, persona=persona)
