"""The errors of the metrics layer: one plain sentence naming file, row, column and count."""

from __future__ import annotations

from cjmkit.errors import CjmError


class ImportProblem(CjmError):
    """Data could not be imported; the map is unchanged.

    Parameters
    ----------
    message
        One sentence naming the file, the first bad row (line) and column, and how many rows
        are affected.
    path
        The file or URL that was read.
    line
        The first bad line (1-based, as a text editor counts them; Excel row numbers for .xlsx).
    column
        The column the problem is in, when there is one.
    rows
        How many rows have this problem.
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        column: str | None = None,
        rows: int | None = None,
    ) -> None:
        super().__init__(message)
        self.path = path
        self.line = line
        self.column = column
        self.rows = rows
