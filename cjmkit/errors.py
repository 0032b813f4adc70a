"""The one exception family of cjmkit.

Every error cjmkit raises on purpose derives from :class:`CjmError` and carries a plain,
human sentence (``str(error)``) that says what went wrong and where. The command line turns
these into one line on stderr and exit code 2; widgets show the sentence inline.
"""

from __future__ import annotations


class CjmError(Exception):
    """Base class of every error cjmkit raises on purpose.

    Parameters
    ----------
    message
        One plain sentence naming what went wrong and where (file, row, column, field).
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InvalidJourney(CjmError):
    """A journey document breaks the rules; ``problems`` lists every one of them.

    Parameters
    ----------
    problems
        One sentence per problem, each starting with its place, e.g.
        ``"touchpoints[3].emotions.maya: must be between -2 and 2, got 5"``.
    source
        Where the document came from (a file path), if known.
    """

    def __init__(self, problems: list[str], source: str | None = None) -> None:
        self.problems = list(problems)
        self.source = source
        where = f"{source}: " if source else ""
        count = len(self.problems)
        if count == 1:
            message = f"{where}{self.problems[0]}"
        else:
            message = f"{where}{count} problems: " + "; ".join(self.problems)
        super().__init__(message)


class InvalidEdit(CjmError):
    """An edit was refused; the journey is unchanged.

    Parameters
    ----------
    message
        The plain sentence.
    field
        The field the sentence is about (e.g. ``"name"``), when it is about one; forms show the
        sentence beside that field.
    """

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class SchemaVersionError(CjmError):
    """A document's schema version cannot be read by this version of cjmkit."""


class StorageError(CjmError):
    """A map file could not be read or written."""


class ConflictError(StorageError):
    """Someone else saved the map since it was loaded; the edit went to a conflict copy.

    Parameters
    ----------
    message
        The sentence shown to the user.
    conflict_path
        Where the edit that could not be saved was written instead.
    """

    def __init__(self, message: str, conflict_path: str | None = None) -> None:
        super().__init__(message)
        self.conflict_path = conflict_path
