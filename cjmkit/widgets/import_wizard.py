"""The import wizard: KPI values, or ticket, care-contact and survey exports, mapped and checked.

At the top, *what* is imported: KPI values (into the map's KPIs, as below), or a ticket,
care-contact or survey export, whose columns are mapped to their roles (one dropdown per role,
guessed by name), with the header's number of lines and, for surveys, answer labels → scores;
*Apply* then writes the map's ``NAME.tickets.csv``, ``NAME.care_contacts.csv`` or
``NAME.survey.csv`` (:mod:`cjmkit.metrics.exports`), which the viewer reads. Dates are read the
same way for all: the day/month order from the values or as chosen, a date format, and the time
zone of timestamps written without an offset.

Steps for KPI values, top to bottom:

1. **Source**: upload a file (it is saved beside the map, so ``cjmkit kpi refresh`` can read it
   again) or type a path / SQLAlchemy URL, plus a table, sheet or query; *Preview* shows the
   first rows.
2. **Columns**: long or wide layout; dropdowns map the period, KPI, value and touchpoint
   columns (guessed from their names); period and aggregation.
3. **KPIs**: one dropdown per KPI of the map, choosing which key of the source feeds it.
4. **Check**: reads everything (nothing changes yet) and reports rows, bad rows and the periods
   found.
5. **Apply**: imports through the :class:`~cjmkit.edits.Editor` as one undoable step (saved at
   once when the editor belongs to a :class:`~cjmkit.store.MapSession`); a progress bar moves
   during long imports. Problems are shown as one sentence; the map stays unchanged.

>>> wizard = ImportWizard(session.editor, map_dir=session.path.parent)   # doctest: +SKIP
>>> wizard.widget                                                        # doctest: +SKIP
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import ipywidgets as w
import pandas as pd

from cjmkit.atomic import HISTORY_DIR, write_keeping
from cjmkit.edits import Editor
from cjmkit.errors import CjmError, StorageError
from cjmkit.metrics import exports, importers
from cjmkit.metrics.labels import READY
from cjmkit.model import KpiSource
from cjmkit.widgets._common import set_options

NONE = "(none)"
PICK = "(a data file beside the map)"
DATA_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".parquet", ".pq", ".db", ".sqlite", ".sqlite3")
SKIP = "(do not import)"
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def _escape_table(frame: pd.DataFrame) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row) + "</tr>"
        for row in frame.itertuples(index=False)
    )
    return (
        '<table style="border-collapse:collapse;font-size:12px" border="1" cellpadding="3">'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


def _note(text: str, kind: str = "info") -> str:
    colour = {"error": "#b3261e", "ok": "#1b6e3a", "info": "#333"}[kind]
    icon = {"error": "⚠ ", "ok": "✓ ", "info": ""}[kind]
    return f'<div style="color:{colour}">{icon}{html.escape(text)}</div>'


class ImportWizard:
    """Import KPI values into a map step by step.

    Parameters
    ----------
    editor
        The map's editor (``session.editor`` to have the import saved at once).
    map_dir
        The map's folder: relative paths are read from it and stored relative to it.
    upload_dir
        Where uploaded files are saved (default: ``map_dir / "data"``).
    map_path
        The map file: ticket, care-contact and survey exports are written beside it (its folder
        is ``map_dir`` when that is not given).

    Attributes
    ----------
    widget
        The whole wizard, to display.
    what, upload, path, table, query, preview_button, layout, period_column, kpi_column,
    value_column, touchpoint_column, period, aggregation, kpi_keys, day_order, date_format,
    timezone, replace, allow_out_of_scale, header_rows, roles, labels, skip_bad_rows,
    check_button, apply_button, progress, preview_html, report, message
        Its parts (tests drive them with ``.value = …`` and ``.click()``).
    """

    def __init__(
        self,
        editor: Editor,
        map_dir: str | Path | None = None,
        upload_dir: str | Path | None = None,
        map_path: str | Path | None = None,
    ) -> None:
        self.editor = editor
        self.map_path = Path(map_path) if map_path is not None else None
        if map_dir is None and self.map_path is not None:
            map_dir = self.map_path.parent
        self.map_dir = Path(map_dir) if map_dir is not None else Path.cwd()
        self.upload_dir = Path(upload_dir) if upload_dir is not None else self.map_dir / "data"
        self.columns: list[str] = []
        self._preview: pd.DataFrame | None = None
        self.keys: list[str] = []
        self.last_report: importers.ImportReport | None = None

        style = {"description_width": "120px"}
        wide = w.Layout(width="520px")
        self.upload = w.FileUpload(
            accept=".csv,.tsv,.txt,.xlsx,.parquet,.db,.sqlite", multiple=False, description="Upload"
        )
        self.files = w.Dropdown(
            description="Or pick",
            options=self._file_options(),
            value="",
            style=style,
            layout=wide,
        )
        self.path = w.Text(
            description="File or URL", placeholder="kpis.csv or sqlite:///kpis.db", style=style, layout=wide
        )
        self.table = w.Text(description="Table / sheet", placeholder="(optional)", style=style, layout=wide)
        self.query = w.Text(
            description="SQL query", placeholder="(optional) SELECT …", style=style, layout=wide
        )
        self.preview_button = w.Button(description="Preview", icon="eye")
        self.preview_html = w.HTML()

        self.layout = w.ToggleButtons(
            options=[("Long: period, KPI, value", "long"), ("Wide: a column per KPI", "wide")],
            value="long",
            style={"button_width": "200px"},
        )
        self.period_column = w.Dropdown(description="Period column", options=[NONE], style=style)
        self.kpi_column = w.Dropdown(description="KPI column", options=[NONE], style=style)
        self.value_column = w.Dropdown(description="Value column", options=[NONE], style=style)
        self.touchpoint_column = w.Dropdown(description="Touchpoint col.", options=[NONE], style=style)
        self.period = w.Dropdown(
            description="Period", options=list(importers.PERIODS), value="month", style=style
        )
        self.aggregation = w.Dropdown(
            description="Aggregation", options=list(importers.AGGREGATIONS), value="mean", style=style
        )
        self.kpi_keys: dict[str, w.Dropdown] = {
            kpi.id: w.Dropdown(description=kpi.id, options=[SKIP], value=SKIP, style=style, layout=wide)
            for kpi in editor.journey.kpis
        }
        self.skip_bad_rows = w.Checkbox(
            description="Leave out rows that cannot be read (they are counted)", value=False, indent=False
        )
        self.what = w.ToggleButtons(
            options=[
                ("KPI values", "kpis"),
                ("Tickets", "tickets"),
                ("Care contacts", "contacts"),
                ("Survey", "survey"),
            ],
            value="kpis",
            style={"button_width": "125px"},
        )
        self.day_order = w.Dropdown(
            description="Day / month",
            options=[
                ("from the values", "auto"),
                ("day first: 01/02 = 1 Feb", "day"),
                ("month first: 01/02 = Jan 2", "month"),
            ],
            value="auto",
            style=style,
            layout=wide,
        )
        self.date_format = w.Text(
            description="Date format",
            placeholder="(recognised) e.g. %m/%d/%Y %I:%M %p",
            style=style,
            layout=wide,
        )
        self.timezone = w.Text(
            description="Time zone",
            placeholder="UTC (for times written without an offset)",
            style=style,
            layout=wide,
        )
        self.replace = w.Checkbox(
            description="Replace the source and values the KPIs have", value=False, indent=False
        )
        self.allow_out_of_scale = w.Checkbox(
            description="Allow values outside a KPI's scale", value=False, indent=False
        )
        self.header_rows = w.BoundedIntText(value=1, min=1, max=5, description="Header lines", style=style)
        self.roles: dict[str, w.Dropdown] = {}
        self.labels: dict[str, w.Dropdown] = {
            score: w.Dropdown(
                description=f"{score.upper()} answers",
                options=[("numbers", ""), *((f"words: {name}", name) for name in READY)],
                value="",
                style=style,
            )
            for score in ("csat", "nps", "ces")
        }
        self.role_box = w.VBox()
        self.label_box = w.VBox(list(self.labels.values()), layout=w.Layout(display="none"))
        self.check_button = w.Button(description="Check", icon="check")
        self.apply_button = w.Button(
            description="Apply", icon="upload", button_style="primary", disabled=True
        )
        self.progress = w.FloatProgress(
            value=0.0, min=0.0, max=1.0, description="", layout=w.Layout(width="520px", visibility="hidden")
        )
        self.report = w.HTML()
        self.message = w.HTML()

        self.upload.observe(self._on_upload, names="value")
        self.files.observe(self._on_pick, names="value")
        self.preview_button.on_click(lambda _: self.load_preview())
        self.check_button.on_click(lambda _: self.check())
        self.apply_button.on_click(lambda _: self.apply())
        self.layout.observe(lambda _: self._refresh_keys(), names="value")
        for dropdown in (self.kpi_column, self.value_column):
            dropdown.observe(lambda _: self._changed(), names="value")
        self.what.observe(lambda _: self._switch(), names="value")
        self.header_rows.observe(lambda _: self.path.value.strip() and self.load_preview(), names="value")

        self.kpi_part = w.VBox(
            [
                w.HTML("<b>2. Columns</b>"),
                self.layout,
                w.HBox(
                    [
                        w.VBox([self.period_column, self.kpi_column]),
                        w.VBox([self.value_column, self.touchpoint_column]),
                    ]
                ),
                w.HBox([self.period, self.aggregation]),
                w.HTML("<b>3. Which source key feeds which KPI of the map</b>"),
                w.VBox(list(self.kpi_keys.values())),
                self.replace,
                self.allow_out_of_scale,
            ]
        )
        self.export_part = w.VBox(
            [
                w.HTML("<b>2. Which column holds what</b>"),
                self.header_rows,
                self.role_box,
                self.label_box,
            ],
            layout=w.Layout(display="none"),
        )
        self.widget = w.VBox(
            [
                w.HTML("<b>What to import</b>"),
                self.what,
                w.HTML("<b>1. Source</b>"),
                w.HBox([self.upload, self.preview_button]),
                self.files,
                self.path,
                self.table,
                self.query,
                self.preview_html,
                self.kpi_part,
                self.export_part,
                w.HTML("<b>Dates</b>"),
                self.day_order,
                self.date_format,
                self.timezone,
                w.HTML("<b>4. Check and apply</b>"),
                self.skip_bad_rows,
                w.HBox([self.check_button, self.apply_button]),
                self.progress,
                self.report,
                self.message,
            ]
        )

    # -- step 1 ---------------------------------------------------------------------------

    def _on_upload(self, change: dict[str, Any]) -> None:
        files = change["new"]
        if not files:
            return
        item = files[0]
        name = _SAFE_NAME.sub("_", Path(str(item["name"])).name).strip("._") or "upload.csv"
        content = bytes(item["content"])
        target = self.upload_dir / name
        try:
            kept = write_keeping(target, content)
        except StorageError as error:
            self.message.value = _note(f"the upload was not kept: {error}", "error")
            return
        set_options(self.files, self._file_options())  # the upload is offered from now on
        self.path.value = str(target)
        self.load_preview()
        if kept is not None:
            where = importers.location_for(kept, self.map_dir)
            self.message.value += _note(
                f"{name} replaces the file of that name; the previous one is kept as {where}"
            )

    def _file_options(self) -> list[tuple[str, str]]:
        return [(PICK, ""), *((f, f) for f in self._data_files())]

    def _data_files(self) -> list[str]:
        """Data files beside the map (and in its upload folder), relative to the map's folder."""
        found: list[str] = []
        for folder in dict.fromkeys([self.map_dir, self.upload_dir]):
            if folder.is_dir():
                for path in sorted(folder.iterdir()):
                    if path.is_file() and path.suffix.lower() in DATA_SUFFIXES:
                        found.append(importers.location_for(path, self.map_dir))
        return found

    def _on_pick(self, change: dict[str, Any]) -> None:
        if change["new"]:
            self.path.value = change["new"]
            self.load_preview()

    def _kind(self) -> str:
        return importers.kind_of(self.path.value.strip())

    def _location(self) -> str:
        text = self.path.value.strip()
        if "://" in text:
            return importers.location_for(text, self.map_dir)
        path = Path(text).expanduser()
        if not path.is_absolute():
            path = self.map_dir / path
        stored = importers.location_for(path, self.map_dir)
        return f"sqlite:///{stored}" if self._kind() == "sql" else stored

    def load_preview(self) -> bool:
        """Show the first rows and fill the column dropdowns; return whether it worked."""
        self.message.value = ""
        self.report.value = ""
        self.apply_button.disabled = True
        if not self.path.value.strip():
            self.message.value = _note("choose a file (upload it or type its path) first", "error")
            return False
        exporting = self.what.value != "kpis"
        try:
            frame = importers.preview(
                self._location(), self._kind(), self.map_dir,
                table=self.table.value.strip() or None, query=self.query.value.strip() or None,
                header_rows=self.header_rows.value if exporting else 1,
            )  # fmt: skip
        except CjmError as error:
            self.preview_html.value = ""
            self.message.value = _note(str(error), "error")
            return False
        self.columns = [str(c) for c in frame.columns]
        self._preview = frame
        self.preview_html.value = _escape_table(frame)
        self._offer_roles()
        guessed = importers.guess_columns(self.columns)
        options = [NONE, *self.columns]
        for role, dropdown in (
            ("period", self.period_column),
            ("kpi", self.kpi_column),
            ("value", self.value_column),
            ("touchpoint", self.touchpoint_column),
        ):
            dropdown.options = options
            dropdown.value = guessed[role] or NONE
        self._refresh_keys(frame)
        return True

    # -- what is imported ---------------------------------------------------------------

    def _switch(self) -> None:
        """Show the steps of what is imported (KPI values or an export) and map the columns anew."""
        exporting = self.what.value != "kpis"
        self.kpi_part.layout.display = "none" if exporting else None
        self.export_part.layout.display = None if exporting else "none"
        self.label_box.layout.display = None if self.what.value == "survey" else "none"
        self.report.value = ""
        self.apply_button.disabled = True
        if self.path.value.strip():
            self.load_preview()
        else:
            self._offer_roles()

    def _offer_roles(self) -> None:
        """One dropdown per column role of the export kind, with the columns guessed by name."""
        if self.what.value == "kpis":
            return
        kind = self.what.value
        guessed = exports.guess_roles(kind, self.columns)
        style = {"description_width": "120px"}
        self.roles = {
            role: w.Dropdown(
                description=role,
                options=[NONE, *self.columns],
                value=guessed.get(role) or NONE,
                style=style,
                layout=w.Layout(width="520px"),
            )
            for role in exports.ROLES[kind]
        }
        self.role_box.children = list(self.roles.values())

    def _date_options(self) -> dict[str, Any]:
        order = self.day_order.value
        return {
            "date_format": self.date_format.value.strip() or None,
            "dayfirst": None if order == "auto" else order == "day",
            "timezone": self.timezone.value.strip() or None,
        }

    def export_options(self) -> dict[str, Any]:
        """What :func:`cjmkit.metrics.exports.import_export` is given: the mapping and the options."""
        labels = {
            score: d.value for score, d in self.labels.items() if d.value and self.what.value == "survey"
        }
        return {
            "columns": {role: d.value for role, d in self.roles.items() if d.value not in (NONE, None)},
            "header_rows": self.header_rows.value,
            "labels": labels or None,
            "skip_bad_rows": self.skip_bad_rows.value,
            **self._date_options(),
        }

    def _export_path(self) -> str:
        text = self.path.value.strip()
        if not text:
            raise CjmError("choose the export (upload it or type its path) first")
        if "://" in text or self._kind() != "csv":
            raise CjmError("ticket, care-contact and survey exports are read from CSV files: save it as CSV")
        return importers.resolve_location(text, self.map_dir)

    def _check_export(self) -> bool:
        kind = self.what.value
        try:
            frame = exports.read_export(kind, self._export_path(), **self.export_options())
        except CjmError as error:
            self.report.value = _note(str(error), "error")
            return False
        noun = {"tickets": "tickets", "contacts": "care contacts", "survey": "survey answers"}[kind]
        lines = [f"{len(frame):,} {noun} read."]
        stamps = pd.concat([frame[c] for c in exports.KINDS[kind][2] if c in frame]) if len(frame) else None
        if stamps is not None and stamps.notna().any():
            lines.append(f"From {stamps.min():%Y-%m-%d %H:%M} to {stamps.max():%Y-%m-%d %H:%M} (UTC).")
        problems = [_note(sentence, "error") for sentence in frame.attrs.get("skipped", [])]
        name = (
            exports.standard_path(self.map_path, kind).name
            if self.map_path
            else f"NAME.{exports.KINDS[kind][0]}"
        )
        lines.append(f"Apply writes {name} beside the map.")
        self.report.value = "".join(_note(line) for line in lines) + "".join(problems)
        self.apply_button.disabled = len(frame) == 0
        return not self.apply_button.disabled

    def _apply_export(self) -> bool:
        kind = self.what.value
        try:
            if self.map_path is None:
                raise CjmError(
                    "the wizard does not know the map's file, so it cannot write beside it: "
                    "open it with ImportWizard(session.editor, map_path=session.path)"
                )
            done = exports.import_export(kind, self.map_path, self._export_path(), **self.export_options())
        except CjmError as error:
            self.message.value = _note(str(error), "error")
            return False
        kept = f" The previous file is kept as {done.kept.name} in {HISTORY_DIR}." if done.kept else ""
        self.message.value = _note(f"{done.summary()}.{kept}", "ok")
        return True

    # -- steps 2 and 3 --------------------------------------------------------------------

    def _changed(self) -> None:
        self._refresh_keys(self._preview)

    def _refresh_keys(self, frame: pd.DataFrame | None = None) -> None:
        """Offer the source's keys to each KPI dropdown (KPI column values, or wide columns)."""
        self.apply_button.disabled = True
        if self.layout.value == "wide":
            used = {self.period_column.value, self.touchpoint_column.value}
            keys = [c for c in self.columns if c not in used]
        elif frame is not None and self.kpi_column.value in frame.columns:
            keys = sorted({str(v).strip() for v in frame[self.kpi_column.value] if str(v).strip()})
        else:
            keys = self.keys
        self._offer(keys)

    def _offer(self, keys: list[str]) -> None:
        self.keys = list(dict.fromkeys(keys))
        names = {kpi.id: kpi.name for kpi in self.editor.journey.kpis}
        for kpi_id, dropdown in self.kpi_keys.items():
            previous = dropdown.value
            dropdown.options = [SKIP, *self.keys]
            if previous in self.keys:
                dropdown.value = previous
            else:
                match = next(
                    (k for k in self.keys if k.lower() in (kpi_id.lower(), names[kpi_id].lower())), SKIP
                )
                dropdown.value = match

    def source(self) -> KpiSource:
        """The source as the wizard's fields describe it.

        Raises
        ------
        CjmError
            When a needed column is not chosen.
        """
        wide = self.layout.value == "wide"

        def chosen(dropdown: w.Dropdown) -> str | None:
            return None if dropdown.value in (NONE, None) else str(dropdown.value)

        period_column = chosen(self.period_column)
        if period_column is None:
            raise CjmError("choose the period column (the dates)")
        if not wide and chosen(self.kpi_column) is None:
            raise CjmError("choose the KPI column (which KPI a row is about), or pick the wide layout")
        if not wide and chosen(self.value_column) is None and self.aggregation.value != "count":
            raise CjmError("choose the value column, or count rows with the 'count' aggregation")
        return KpiSource(
            kind=self._kind(),  # type: ignore[arg-type]
            location=self._location(),
            table=self.table.value.strip() or None,
            query=self.query.value.strip() or None,
            layout="wide" if wide else "long",
            period_column=period_column,
            kpi_column=None if wide else chosen(self.kpi_column),
            value_column=None if wide else chosen(self.value_column),
            touchpoint_column=chosen(self.touchpoint_column),
            period=self.period.value,
            aggregation=self.aggregation.value,
            **self._date_options(),
        )

    def mapping(self) -> dict[str, str]:
        """KPI id → source key, for the KPIs that get a key."""
        return {kpi_id: d.value for kpi_id, d in self.kpi_keys.items() if d.value not in (SKIP, None)}

    # -- steps 4 and 5 --------------------------------------------------------------------

    def _progress(self, fraction: float, message: str) -> None:
        self.progress.layout.visibility = "visible"
        self.progress.value = max(0.0, min(1.0, fraction))
        self.progress.description = f"{fraction:.0%}"

    def check(self) -> bool:
        """Read the whole source (changing nothing) and show a validation report."""
        self.message.value = ""
        self.apply_button.disabled = True
        if self.what.value != "kpis":
            return self._check_export()
        try:
            source = self.source()
            keys = list(self.mapping().values()) or None
            if source.layout == "wide" and not keys:
                keys = self.keys or None
            result = importers.read_kpi_values(
                source, self.map_dir, keys=keys, skip_bad_rows=True, progress=self._progress,
                scales=importers.scales_of(self.editor.journey, self.mapping()),
            )  # fmt: skip
        except CjmError as error:
            self.report.value = _note(str(error), "error")
            return False
        if source.layout == "long" and keys is None:
            self._offer(result.keys)
        values = result.values()
        lines = [f"{result.rows_read:,} rows read; keys found: {', '.join(result.keys) or 'none'}."]
        if len(values):
            first, last = values["period"].min(), values["period"].max()
            lines.append(f"{len(values)} {source.period} values from {first:%Y-%m-%d} to {last:%Y-%m-%d}.")
        problems = [_note(s, "error") for s in result.skipped]
        if result.rows_skipped:
            advice = (
                "they will be left out"
                if self.skip_bad_rows.value
                else "tick the box to leave them out, or fix the file"
            )
            lines.append(f"{result.rows_skipped} rows cannot be read ({advice}).")
        if not self.mapping():
            lines.append("Choose which key feeds which KPI below, then Apply.")
        self.report.value = "".join(_note(line) for line in lines) + "".join(problems)
        self.apply_button.disabled = not self.mapping() or (
            result.rows_skipped > 0 and not self.skip_bad_rows.value
        )
        return not self.apply_button.disabled

    def apply(self) -> bool:
        """Import into the map (one undoable step), or write the export's standard file; show the outcome."""
        self.message.value = ""
        if self.what.value != "kpis":
            return self._apply_export()
        try:
            mapping = self.mapping()
            if not mapping:
                raise CjmError("choose at least one KPI to import into")
            report = importers.import_kpis(
                self.editor, self.source(), mapping, map_dir=self.map_dir,
                skip_bad_rows=self.skip_bad_rows.value, progress=self._progress,
                replace=self.replace.value, allow_out_of_scale=self.allow_out_of_scale.value,
            )  # fmt: skip
        except CjmError as error:
            self.message.value = _note(str(error), "error")
            return False
        self.last_report = report
        self.message.value = _note(f"Imported: {report.summary()}. Undo removes it again.", "ok") + "".join(
            _note(n) for n in report.notes
        )
        return True
