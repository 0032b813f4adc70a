"""Tabs whose titles are always readable: a wrapping row of buttons over the selected panel.

ipywidgets' ``Tab`` gives every title an equal share of its width and clips the rest
("Touchpoin", "Votinc"); this row of buttons wraps to a second line instead, at any width.
Every panel stays in the page (hidden unless selected), as with ``Tab``, so a panel keeps its
state and can be found in the page while another one is shown.
"""

from __future__ import annotations

from collections.abc import Sequence

import ipywidgets as w
from traitlets import Int, observe


class TabStrip(w.VBox):
    """A row of tab buttons over the panel of the selected one.

    Parameters
    ----------
    children
        The panels.
    titles
        One title per panel.

    Attributes
    ----------
    selected_index
        The index of the panel shown (observable, as on ``ipywidgets.Tab``).
    panels
        The panels, in tab order (``ipywidgets.Tab`` calls them ``children``).
    titles
        The titles, in tab order (assignable).
    buttons
        The tab buttons, in order.
    """

    selected_index = Int(0)

    def __init__(self, children: Sequence[w.Widget], titles: Sequence[str], **kwargs: object) -> None:
        self.panels = list(children)
        self.buttons = []
        for index, title in enumerate(titles):
            tab = w.Button(description=title, tooltip=title, layout=w.Layout(width="auto", flex="0 0 auto"))
            tab.add_class("cjm-tab")
            tab.on_click(lambda _b, index=index: setattr(self, "selected_index", index))
            self.buttons.append(tab)
        self.stack = w.VBox(self.panels)
        self.stack.add_class("cjm-tab-panel")
        bar = w.HBox(self.buttons, layout=w.Layout(flex_flow="row wrap", flex="0 0 auto"))
        bar.add_class("cjm-tab-bar")
        super().__init__([bar, self.stack], **kwargs)
        self.add_class("cjm-tabs")
        self._show(0)

    @property
    def titles(self) -> tuple[str, ...]:
        """The tab titles, in order; assign a new sequence to rename tabs (e.g. "Room (3)")."""
        return tuple(tab.description for tab in self.buttons)

    @titles.setter
    def titles(self, titles: Sequence[str]) -> None:
        for tab, title in zip(self.buttons, titles, strict=True):
            if tab.description != title:
                tab.description = title
                tab.tooltip = title

    @observe("selected_index")
    def _selected(self, change: dict[str, int]) -> None:
        self._show(change["new"])

    def _show(self, index: int) -> None:
        for i, panel in enumerate(self.panels):
            panel.layout.display = None if i == index else "none"
        for i, tab in enumerate(self.buttons):
            if i == index:
                tab.add_class("cjm-tab-on")
            else:
                tab.remove_class("cjm-tab-on")
