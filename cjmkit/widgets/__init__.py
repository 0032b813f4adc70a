"""Jupyter widgets: the workshop editors and board, the read-only viewer, the KPI import wizard.

Each editor works alone in a notebook given an :class:`~cjmkit.edits.Editor` (for example
``open_map(path).editor``); :class:`WorkshopBoard` puts them all next to the live map.
"""

from cjmkit.widgets.app import MapPicker, workshop_app
from cjmkit.widgets.board import WorkshopBoard, load_bokeh
from cjmkit.widgets.handoff_editor import HandoffEditor
from cjmkit.widgets.import_wizard import ImportWizard
from cjmkit.widgets.persona_editor import PersonaEditor
from cjmkit.widgets.quick_capture import QuickCapture
from cjmkit.widgets.structure_editor import CollectionEditor, StructureEditor
from cjmkit.widgets.touchpoint_editor import TouchpointEditor
from cjmkit.widgets.viewer import MapViewer
from cjmkit.widgets.voting import DotVoting

__all__ = [
    "CollectionEditor",
    "DotVoting",
    "HandoffEditor",
    "ImportWizard",
    "MapPicker",
    "MapViewer",
    "PersonaEditor",
    "QuickCapture",
    "StructureEditor",
    "TouchpointEditor",
    "WorkshopBoard",
    "load_bokeh",
    "workshop_app",
]
