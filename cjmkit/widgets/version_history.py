"""The map's earlier versions, kept beside it at every save, and a button that puts one back."""

from __future__ import annotations

import html

import ipywidgets as w

from cjmkit.errors import CjmError
from cjmkit.store import MapSession, Snapshot, revision_on_disk
from cjmkit.summary import counts
from cjmkit.widgets._common import button, message_widget, set_message


def version_label(snapshot: Snapshot) -> str:
    """``revision 12 · saved 2026-12-01 14:05:09 CET``: in this machine's time, with its zone."""
    local = snapshot.saved.astimezone()
    label = f"revision {snapshot.revision} · saved {local:%Y-%m-%d %H:%M:%S} {local.tzname() or ''}".rstrip()
    return label + (" · yours, set aside in a conflict" if snapshot.aside else "")


class VersionHistory(w.VBox):
    """Pick an earlier version of the map, see what it held, and put it back.

    Every save keeps the version it replaces (:func:`cjmkit.store.snapshots`). Putting one back
    saves it as the newest revision, so the version it replaces is kept in turn and can be put
    back the same way; the undo history starts again from there.

    Parameters
    ----------
    session
        The open map (:func:`cjmkit.store.open_map`).

    Attributes
    ----------
    versions
        The list of kept versions, newest first (values index :attr:`kept`).
    detail
        What the picked version held.
    restore_button, refresh_button, message
        The actions and what they say.
    """

    def __init__(self, session: MapSession) -> None:
        self.session = session
        self.kept: list[Snapshot] = []
        self.versions = w.Select(options=[], rows=8, layout=w.Layout(width="100%"))
        self.detail = w.HTML()
        self.message = message_widget()
        self.refresh_button = button("Refresh the list")
        self.restore_button = button(
            "Put this version back", "warning", tooltip="Save the picked version as the newest revision"
        )
        self.refresh_button.on_click(lambda _b: self._refresh_clearing_message())
        self.restore_button.on_click(lambda _b: self.restore())
        self.versions.observe(lambda _change: self._show_detail(), "value")
        super().__init__(
            [
                w.HTML(
                    "<p style='margin:4px 0'>Every save keeps the version it replaces. Putting one back "
                    "saves it as the newest revision; the version it replaces stays in this list.</p>"
                ),
                self.versions,
                self.detail,
                w.HBox([self.restore_button, self.refresh_button]),
                self.message,
            ],
            layout=w.Layout(padding="8px"),
        )
        self.add_class("cjm-version-history")
        self.refresh()

    def _refresh_clearing_message(self) -> None:
        self.refresh()
        set_message(self.message, "")

    def refresh(self) -> None:
        """Read the list of kept versions again (only the picked one, the newest, is opened)."""
        self.kept = self.session.snapshots()
        options = [(version_label(snap), index) for index, snap in enumerate(self.kept)]
        self.versions.options = options
        self.versions.value = 0 if options else None
        self.restore_button.disabled = not options
        self._show_detail()

    def _picked(self) -> Snapshot | None:
        index = self.versions.value
        return self.kept[index] if isinstance(index, int) and 0 <= index < len(self.kept) else None

    def _show_detail(self) -> None:
        snapshot = self._picked()
        if snapshot is None:
            self.detail.value = "<p><i>No earlier version is kept yet: every save keeps one.</i></p>"
            return
        try:
            journey = snapshot.load()
        except CjmError:
            self.detail.value = "<p>This version cannot be read.</p>"
            return
        self.detail.value = f"<p><b>{html.escape(journey.title)}</b>: {html.escape(counts(journey))}</p>"

    def restore(self) -> None:
        """Save the picked version as the map's newest revision and go on editing from it."""
        snapshot = self._picked()
        if snapshot is None:
            set_message(self.message, "pick a version first")
            return
        replaced = revision_on_disk(self.session.path)
        try:
            journey = self.session.restore(snapshot)
        except CjmError as error:
            set_message(self.message, str(error))
            return
        self.refresh()
        set_message(
            self.message,
            f"Revision {snapshot.revision} is back, saved as revision {journey.revision}"
            + (f"; revision {replaced} is kept in the list." if replaced is not None else "."),
            "ok",
        )
