"""Bring a ColumnDataSource to new columns with the smallest change the browser has to hear of.

Assigning ``source.data`` sends every column of the source to the browser: through
jupyter_bokeh, at 1,000 touchpoints, serialising the cards alone takes longer than an edit may.
:func:`patch_source` sends only the cells that changed (``source.patch``) and the rows that were
added at the end (``source.stream``), and replaces the data only when rows were removed or most
cells changed (rows moved), where a replacement is as cheap as a patch.
"""

from __future__ import annotations

from typing import Any, Literal

from bokeh.models import ColumnDataSource

REPLACE_RATIO = 0.4
"""When more than this share of a source's cells changed, replacing its data is cheaper."""

Outcome = Literal["same", "patch", "replace"]


def patch_source(source: ColumnDataSource, new: dict[str, list[Any]]) -> Outcome:
    """Make ``source.data`` equal ``new``, sending as little as possible; say what was done.

    Returns
    -------
    str
        ``"same"`` (nothing changed, nothing sent), ``"patch"`` (changed cells patched and/or
        added rows streamed) or ``"replace"`` (the data was assigned anew).
    """
    old = source.data
    if set(old) != set(new):
        source.data = new
        return "replace"
    lengths = {len(column) for column in new.values()} | {0}
    old_rows = len(next(iter(old.values()), []))
    new_rows = max(lengths)
    if new_rows < old_rows or len(lengths - {0}) > 1:
        if any(old[key] is not column and list(old[key]) != column for key, column in new.items()):
            source.data = new
            return "replace"
        return "same"
    patches: dict[str, list[tuple[int, Any]]] = {}
    changed = 0
    for key, column in new.items():
        current = old[key]
        if current is column or (len(current) == len(column) and current == column):
            continue
        cells = [(i, column[i]) for i in range(old_rows) if current[i] != column[i]]
        if cells:
            patches[key] = cells
            changed += len(cells)
    if changed > REPLACE_RATIO * max(1, new_rows * len(new)):
        source.data = new
        return "replace"
    if not patches and new_rows == old_rows:
        return "same"
    # patch() and stream() change the source's lists in place, and those lists may be the very
    # lists the layout cache keeps as its baseline: give the source private copies first.
    # dict.__setitem__ tells no one, as nothing the browser sees changes.
    for key in set(patches) | (set(new) if new_rows > old_rows else set()):
        dict.__setitem__(old, key, list(old[key]))
    if patches:
        source.patch(patches)
    if new_rows > old_rows:
        source.stream({key: list(column[old_rows:]) for key, column in new.items()})
    return "patch"


__all__ = ["REPLACE_RATIO", "patch_source"]
