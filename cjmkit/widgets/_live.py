"""Patch the live map's data sources row by row, so an edit sends a few cells, not the map.

Through jupyter_bokeh, assigning ``source.data`` serialises every column of the source into
the message for the browser: at 1,000 touchpoints that alone takes longer than the whole
latency budget of an edit. :func:`patch_view` computes the map's new columns, hands each
source only the cells that changed (``source.patch``) and the rows that were added
(``source.stream``), and then lets :meth:`JourneyMapView.update` do the rest (size, header,
legend): it finds the sources already up to date and leaves them alone.
"""

from __future__ import annotations

from typing import Any
from weakref import WeakKeyDictionary

from cjmkit.model import Journey
from cjmkit.render import JourneyMapView, map_data
from cjmkit.render.layout import LayoutCache

# Our own layout cache per view (the view keeps its own for its full updates): card contents
# are computed again only for the touchpoints an edit replaced.
_caches: WeakKeyDictionary[JourneyMapView, LayoutCache] = WeakKeyDictionary()

REPLACE_RATIO = 0.4
"""When more than this share of a source's cells changed, replacing it is cheaper."""


def patch_source(source: Any, new: dict[str, list[Any]]) -> str:
    """Bring a ColumnDataSource to ``new`` with the smallest change; return what was done.

    Returns ``"same"``, ``"patch"`` (changed cells and/or streamed rows) or ``"replace"``.
    """
    old = source.data
    if set(old) != set(new):
        source.data = new
        return "replace"
    lengths = {len(column) for column in new.values()} | {0}
    old_rows = len(next(iter(old.values()), []))
    new_rows = max(lengths)
    if new_rows < old_rows or len(lengths - {0}) > 1:
        if any(list(old[k]) != list(new[k]) for k in new):
            source.data = new
            return "replace"
        return "same"
    patches: dict[str, list[tuple[int, Any]]] = {}
    changed = 0
    for key, column in new.items():
        current = old[key]
        cells = [(i, column[i]) for i in range(old_rows) if current[i] != column[i]]
        if cells:
            patches[key] = cells
            changed += len(cells)
    total = max(1, new_rows * len(new))
    if changed > REPLACE_RATIO * total:
        source.data = new
        return "replace"
    # patch() and stream() change the source's lists in place, and those lists may be the very
    # lists the view keeps as its own baseline: give the source private copies first. Setting
    # them through dict.__setitem__ tells no one, as nothing the browser sees changes.
    touched = set(patches) | (set(new) if new_rows > old_rows else set())
    for key in touched:
        dict.__setitem__(old, key, list(old[key]))
    if patches:
        source.patch(patches)
    if new_rows > old_rows:
        source.stream({key: list(column[old_rows:]) for key, column in new.items()})
    return "patch" if patches or new_rows > old_rows else "same"


def patch_view(view: JourneyMapView, journey: Journey, touchpoints_only: bool = False) -> None:
    """Redraw ``view`` for ``journey``, sending only what changed to the browser.

    Parameters
    ----------
    touchpoints_only
        The edit changed touchpoints only (their fields, notes, votes, emotions). The map's
        header and legend do not show touchpoints, so when the figure keeps its size the
        patched sources are all there is to redraw, and the view's own full update is skipped.
    """
    persona = view.persona if view.persona is not None and journey.persona(view.persona) else None
    cache = _caches.get(view)
    if cache is None:
        cache = _caches[view] = LayoutCache()
    data = map_data(journey, persona, getattr(view, "metrics", None), cache)
    for name, source in view.sources.items():
        if name in data.columns:
            patch_source(source, data.columns[name])
    figure = view.figure
    same_size = (figure.frame_width, figure.frame_height) == (data.width, data.height)
    if touchpoints_only and same_size and view.journey is journey and view.persona == persona:
        return
    view.update(journey)
