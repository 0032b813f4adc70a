"""cjmkit: customer journey mapping workshops in Jupyter.

The public API in one place::

    import cjmkit
    journey = cjmkit.load("acme.cjm.json")
    with cjmkit.open_map("acme.cjm.json") as session:   # every edit saved at once
        session.editor.add("stages", {"name": "Renew"})
"""

from cjmkit.edits import Change, Editor
from cjmkit.errors import (
    CjmError,
    ConflictError,
    InvalidEdit,
    InvalidJourney,
    SchemaVersionError,
    StorageError,
)
from cjmkit.model import SCHEMA_VERSION, Journey, journey_from_dict

__version__ = "0.1.0"

_FROM_STORE = ("MapSession", "load", "open_map", "save")


def __getattr__(name: str) -> object:
    # The storage functions are imported on first use, so importing cjmkit.model stays light.
    if name in _FROM_STORE:
        from cjmkit import store

        return getattr(store, name)
    raise AttributeError(f"module 'cjmkit' has no attribute {name!r}")


__all__ = [
    "SCHEMA_VERSION",
    "Change",
    "CjmError",
    "ConflictError",
    "Editor",
    "InvalidEdit",
    "InvalidJourney",
    "Journey",
    "MapSession",
    "SchemaVersionError",
    "StorageError",
    "__version__",
    "journey_from_dict",
    "load",
    "open_map",
    "save",
]
