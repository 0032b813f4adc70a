"""Jupyter widgets: the workshop editors and board, the read-only viewer, the KPI import wizard.

Each editor works alone in a notebook given an :class:`~cjmkit.edits.Editor` (for example
``open_map(path).editor``); :class:`WorkshopBoard` puts them all next to the live map.

The names below are imported on first use, so that ``from cjmkit.widgets import viewer`` (what
every visitor's kernel of ``cjmkit serve`` runs) does not also load the workshop's editors.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_WHERE = {
    "CollectionEditor": "structure_editor",
    "DotVoting": "voting",
    "HandoffEditor": "handoff_editor",
    "ImportWizard": "import_wizard",
    "MapPicker": "app",
    "MapViewer": "viewer",
    "PersonaEditor": "persona_editor",
    "QuickCapture": "quick_capture",
    "RoomPanel": "room_panel",
    "StructureEditor": "structure_editor",
    "TouchpointEditor": "touchpoint_editor",
    "VersionHistory": "version_history",
    "WorkshopBoard": "board",
    "load_bokeh": "board",
    "workshop_app": "app",
}

__all__ = [
    "CollectionEditor",
    "DotVoting",
    "HandoffEditor",
    "ImportWizard",
    "MapPicker",
    "MapViewer",
    "PersonaEditor",
    "QuickCapture",
    "RoomPanel",
    "StructureEditor",
    "TouchpointEditor",
    "VersionHistory",
    "WorkshopBoard",
    "load_bokeh",
    "workshop_app",
]

if TYPE_CHECKING:
    from cjmkit.widgets.app import MapPicker, workshop_app
    from cjmkit.widgets.board import WorkshopBoard, load_bokeh
    from cjmkit.widgets.handoff_editor import HandoffEditor
    from cjmkit.widgets.import_wizard import ImportWizard
    from cjmkit.widgets.persona_editor import PersonaEditor
    from cjmkit.widgets.quick_capture import QuickCapture
    from cjmkit.widgets.room_panel import RoomPanel
    from cjmkit.widgets.structure_editor import CollectionEditor, StructureEditor
    from cjmkit.widgets.touchpoint_editor import TouchpointEditor
    from cjmkit.widgets.version_history import VersionHistory
    from cjmkit.widgets.viewer import MapViewer
    from cjmkit.widgets.voting import DotVoting


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
