"""Journey templates: ready-made maps to start a workshop from.

A template is an ordinary journey document, ``NAME.cjm.json``, in the repository's
``templates/`` folder. A built wheel carries the same files inside the package as
``cjmkit/_templates``; that copy is looked at first, the repository folder (an editable
install or a source checkout) second.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from cjmkit.errors import CjmError
from cjmkit.model import Journey, journey_from_dict, slugify, utc_now
from cjmkit.store import SUFFIX


@dataclass(frozen=True)
class TemplateInfo:
    """What a template is called and what it is for.

    Attributes
    ----------
    name
        The name to pass to :func:`load_template` / :func:`new_journey`, e.g. ``"support-to-care"``.
    title
        The template's title, e.g. ``"Support to care"``.
    description
        One or two sentences on when to use it.
    """

    name: str
    title: str
    description: str


def templates_folder() -> Traversable:
    """Return the folder the templates are read from (the wheel's copy, else the repository's).

    Raises
    ------
    CjmError
        When neither folder exists (a broken installation).
    """
    packaged = resources.files("cjmkit") / "_templates"
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parent.parent / "templates"
    if checkout.is_dir():
        return checkout
    raise CjmError(
        f"cjmkit's journey templates are missing: neither {packaged} nor {checkout} exists; reinstall cjmkit"
    )


def _files() -> dict[str, Traversable]:
    folder = templates_folder()
    found = {
        entry.name[: -len(SUFFIX)]: entry
        for entry in folder.iterdir()
        if entry.name.endswith(SUFFIX) and entry.is_file()
    }
    return dict(sorted(found.items()))


def _read(name: str, entry: Traversable) -> dict[str, Any]:
    try:
        return json.loads(entry.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise CjmError(f"the journey template {name!r} ({entry}) cannot be read: {error}") from None


def list_templates() -> list[TemplateInfo]:
    """Return the available templates, sorted by name.

    Returns
    -------
    list of TemplateInfo
        One entry per ``NAME.cjm.json`` in the templates folder.
    """
    infos = []
    for name, entry in _files().items():
        data = _read(name, entry)
        infos.append(TemplateInfo(name, str(data.get("title", name)), str(data.get("description", ""))))
    return infos


def template_names() -> list[str]:
    """Return the names of the available templates, sorted."""
    return list(_files())


def load_template(name: str) -> Journey:
    """Return the template ``name`` as a validated journey (as stored, timestamps included).

    Parameters
    ----------
    name
        A template name such as ``"see-think-do-care"`` (a trailing ``.cjm.json`` is accepted).

    Raises
    ------
    CjmError
        When there is no template of that name; the sentence lists the available ones.
    """
    files = _files()
    key = name[: -len(SUFFIX)] if name.endswith(SUFFIX) else name
    if key not in files:
        available = ", ".join(files) or "none"
        raise CjmError(
            f"there is no journey template called {name!r}; the available templates are: {available}"
        )
    return journey_from_dict(_read(key, files[key]), source=f"template {key}")


def new_journey(template_name: str, title: str, journey_id: str | None = None) -> Journey:
    """Start a new map from a template.

    Parameters
    ----------
    template_name
        Which template to copy (see :func:`list_templates`).
    title
        The new map's title.
    journey_id
        The new map's id; by default a slug of ``title``.

    Returns
    -------
    Journey
        A fresh map: the template's content with the new title and id, revision 0, and
        created/updated set to now.

    Raises
    ------
    CjmError
        For an unknown template; :class:`~cjmkit.errors.InvalidJourney` for an empty title or
        an id that is not a valid id.
    """
    data = load_template(template_name).to_dict()
    now = utc_now().isoformat()
    data.update(
        title=title,
        id=journey_id if journey_id is not None else (slugify(title) or "journey"),
        created=now,
        updated=now,
        revision=0,
    )
    return journey_from_dict(data, source=f"new map from template {template_name}")
