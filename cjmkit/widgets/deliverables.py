"""What a board or a notebook hands to stakeholders: the map in words, and PDF / PowerPoint downloads.

- :class:`MapInWords`: the map's text alternative (summary sentence, stages × lanes table, KPI
  and handoff tables) as an HTML widget, for a "Table view" tab: readable with a screen reader
  or a keyboard, and by anyone who cannot see the canvas. :meth:`MapInWords.update` redraws it.
- :class:`ExportPanel`: buttons that print the map as it is now (an A3 poster, an A4 handout, a
  PowerPoint deck) and offer the file as a download link in the page. A problem (no Chromium)
  is one sentence in the panel, never a traceback.
"""

from __future__ import annotations

import base64
import html
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import ipywidgets as w

from cjmkit.errors import CjmError
from cjmkit.model import Journey
from cjmkit.render.deliverables import KINDS, build_file
from cjmkit.widgets._common import button, message_widget, set_message


class MapInWords(w.HTML):
    """The map in words (see :func:`cjmkit.render.words.words_html`), kept up to date with :meth:`update`."""

    value: str  # the HTML widget's own trait, declared for the type checker

    def __init__(self, journey: Journey, metrics: Any = None) -> None:
        super().__init__()
        self.metrics = metrics
        self.add_class("cjm-map-in-words")
        self.update(journey)

    def update(self, journey: Journey) -> None:
        """Say ``journey`` in words (only sent to the page when the words changed)."""
        from cjmkit.render.outline import outline
        from cjmkit.render.words import WORDS_CSS, words_html

        text = f"<style>{WORDS_CSS}</style>{words_html(outline(journey, self.metrics), heading_level=3)}"
        if text != str(self.value):
            self.value = text


class ExportPanel(w.VBox):
    """Buttons that turn the map, as it is now, into a PDF poster, a PDF handout or a deck to download.

    Parameters
    ----------
    journey
        A function returning the map as it is now (a board's ``lambda: board.journey``).
    persona
        A function returning the persona whose curve the poster and deck show (None: everyone's).
    metrics
        Measured figures to print (KPI status, handoff health), if any.

    Attributes
    ----------
    buttons
        Kind (``"pdf"``, ``"pdf-handout"``, ``"pptx"``) → its button.
    link
        The download link of the last file made (an ``<a download>`` with the file inline).
    message
        What happened, in one sentence.
    files
        Kind → the bytes of the last file made, for whoever wants them (tests, a notebook).
    """

    def __init__(
        self,
        journey: Callable[[], Journey],
        persona: Callable[[], str | None] | None = None,
        metrics: Any = None,
    ) -> None:
        self._journey = journey
        self._persona = persona or (lambda: None)
        self.metrics = metrics
        self.files: dict[str, bytes] = {}
        self.buttons = {
            kind: button(label, tooltip=f"Make a {label} of the map as it is now")
            for kind, (label, _s, _m) in KINDS.items()
        }
        for kind, widget in self.buttons.items():
            widget.on_click(lambda _b, kind=kind: self.make(kind))
        self.link = w.HTML()
        self.message = message_widget()
        intro = w.HTML(
            "<p>Print the map as it is now, for people who were not in the room. "
            "Each file is made on this machine; nothing is sent anywhere.</p>"
        )
        super().__init__(
            [
                intro,
                w.HBox(list(self.buttons.values()), layout=w.Layout(flex_flow="row wrap")),
                self.link,
                self.message,
            ]
        )
        self.add_class("cjm-export-panel")

    def make(self, kind: str) -> bytes | None:
        """Make one file and offer it as a download; return its bytes (None when it failed)."""
        journey = self._journey()
        for widget in self.buttons.values():
            widget.disabled = True
        set_message(self.message, f"Making the {KINDS[kind][0]}…", "info")
        try:
            with tempfile.TemporaryDirectory(prefix="cjmkit-export-") as folder:
                path = build_file(kind, journey, Path(folder), self.metrics, self._persona())
                data = path.read_bytes()
                name = path.name
        except CjmError as error:
            set_message(self.message, str(error))
            return None
        finally:
            for widget in self.buttons.values():
                widget.disabled = False
        self.files[kind] = data
        media = KINDS[kind][2]
        href = f"data:{media};base64,{base64.b64encode(data).decode('ascii')}"
        self.link.value = (
            f'<a class="cjm-download" download="{html.escape(name, quote=True)}" href="{href}">'
            f"⬇ Download {html.escape(name)}</a> ({len(data) / 1024:,.0f} KB, revision {journey.revision})"
        )
        set_message(self.message, f"{KINDS[kind][0]} ready: {name}", "ok")
        return data
