"""The workshop app: the board on the map named by ``cjmkit workshop``, or a picker first.

``notebooks/workshop.ipynb`` is two calls: :func:`load_bokeh` and :func:`workshop_app`. The map
comes from the ``CJMKIT_MAP`` environment variable (set by ``cjmkit workshop MAP`` for its
Voila kernels); without it a small picker creates a map from a template or opens one of the
maps of the working folder (``CJMKIT_WORKDIR``, else the current folder).
"""

from __future__ import annotations

import html
import os
from pathlib import Path

import ipywidgets as w

from cjmkit.errors import CjmError
from cjmkit.model import slugify
from cjmkit.store import SUFFIX, open_map
from cjmkit.templates import list_templates, new_journey
from cjmkit.widgets._common import FieldMessages, attempt, button, row, set_options, text
from cjmkit.widgets.board import WorkshopBoard, load_bokeh, show_with_bokeh

MAP_ENV = "CJMKIT_MAP"
"""Environment variable naming the map the workshop app opens."""

WORKDIR_ENV = "CJMKIT_WORKDIR"
"""Environment variable naming the folder where the picker creates and finds maps."""


def working_folder() -> Path:
    """The folder where the picker creates maps and lists existing ones."""
    return Path(os.environ.get(WORKDIR_ENV) or os.getcwd())


class MapPicker(w.VBox):
    """Start a workshop: a new map from a template, or an existing map of the folder.

    Parameters
    ----------
    folder
        Where new maps are created and existing ones are listed.

    Attributes
    ----------
    board
        The :class:`~cjmkit.widgets.WorkshopBoard` once a map was created or opened; the picker
        then shows the board in its place.
    """

    def __init__(self, folder: str | os.PathLike[str] | None = None) -> None:
        self.folder = Path(folder) if folder is not None else working_folder()
        self.board: WorkshopBoard | None = None
        templates = list_templates()
        self.template = w.Dropdown(
            options=[(t.title, t.name) for t in templates], layout=w.Layout(width="360px")
        )
        self.about = w.HTML()
        self.descriptions = {t.name: t.description for t in templates}
        self.title = text("e.g. Acme onboarding workshop")
        self.create_button = button("Create map", "primary")
        self.existing = w.Dropdown(layout=w.Layout(width="360px"))
        self.open_button = button("Open map")
        self.messages = FieldMessages(["title", "template", "existing"])
        self.template.observe(lambda _c: self._describe(), "value")
        self.create_button.on_click(lambda _b: self.create())
        self.open_button.on_click(lambda _b: self.open())
        self._form = w.VBox(
            [
                w.HTML("<h2 style='margin:4px 0'>Start a journey-mapping workshop</h2>"),
                w.HTML("<b>New map from a template</b>"),
                row("Template", self.template, self.messages["template"]),
                self.about,
                row("Title", self.title, self.messages["title"]),
                self.create_button,
                w.HTML("<b>…or open a map</b>"),
                row("Map", self.existing, self.messages["existing"]),
                self.open_button,
                self.messages.form,
            ]
        )
        super().__init__([self._form])
        self.add_class("cjm-map-picker")
        self._describe()
        self.refresh()

    def _ipython_display_(self) -> None:
        show_with_bokeh(self)  # the board it opens later draws its map with BokehJS

    def refresh(self) -> None:
        """List the maps of the folder again."""
        maps = sorted(self.folder.glob(f"*{SUFFIX}")) if self.folder.is_dir() else []
        set_options(self.existing, [(p.name, str(p)) for p in maps])
        self.open_button.disabled = not maps

    def _describe(self) -> None:
        about = self.descriptions.get(self.template.value, "")
        self.about.value = f"<div style='color:#555;max-width:480px'>{html.escape(about)}</div>"

    def create(self) -> WorkshopBoard | None:
        """Create ``TITLE.cjm.json`` in the folder from the template and open the board on it."""
        title = self.title.value.strip()
        if not title:
            self.messages.show("title: give the map a title first", "title")
            return None
        path = self.folder / f"{slugify(title) or 'journey'}{SUFFIX}"
        if path.exists():
            self.messages.show(f"{path} already exists: open it below, or choose another title", "title")
            return None

        def make() -> WorkshopBoard:
            journey = new_journey(self.template.value, title)
            return self._open(open_map(path, create=journey))

        return attempt(self.messages, make)

    def open(self) -> WorkshopBoard | None:
        """Open the map picked under "Map" on the board."""
        if not self.existing.value:
            return None
        return attempt(self.messages, lambda: self._open(self.existing.value), "existing")

    def _open(self, map_or_session: object) -> WorkshopBoard:
        self.board = WorkshopBoard(map_or_session)  # type: ignore[arg-type]
        self.children = [self.board]
        return self.board


def workshop_app(path: str | os.PathLike[str] | None = None) -> w.Widget:
    """Return the workshop app: the board on ``path`` (or on ``$CJMKIT_MAP``), else the picker.

    A map that cannot be opened gives a one-sentence message above the picker, never a
    traceback. Call :func:`load_bokeh` first, in its own cell.
    """
    chosen = path or os.environ.get(MAP_ENV)
    if not chosen:
        return MapPicker()
    try:
        return WorkshopBoard(chosen)
    except CjmError as error:
        picker = MapPicker(Path(chosen).parent)
        picker.messages.show(str(error))
        return picker


__all__ = ["MAP_ENV", "WORKDIR_ENV", "MapPicker", "load_bokeh", "working_folder", "workshop_app"]
