"""The journey map as a Bokeh layout that can be updated in place.

:class:`JourneyMapView` builds the figure once and keeps its data sources; :meth:`update`
recomputes the columns (:mod:`cjmkit.render.layout`) and patches each source in place with
only the rows that changed (:mod:`cjmkit.render.patch`), so a board, a notebook or a viewer
redraws after an edit without rebuilding the figure, and only those rows travel to the browser.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from typing import Any

from bokeh.core.properties import value
from bokeh.layouts import column
from bokeh.models import (
    AllIndices,
    CDSView,
    ColumnDataSource,
    CustomJS,
    Div,
    HoverTool,
    LayoutDOM,
    RadioButtonGroup,
    Range1d,
    TapTool,
    UnionRenderers,
)
from bokeh.plotting import figure

from cjmkit.errors import CjmError
from cjmkit.figures import MapMetrics, as_map_metrics
from cjmkit.model import Journey
from cjmkit.render import style as S
from cjmkit.render.as_measured import MEASURED_COLOUR, UNREACHED_COLOUR, missing_html
from cjmkit.render.escape import html_text
from cjmkit.render.layout import SOURCE_NAMES, LayoutCache, MapData, map_data, measured_of
from cjmkit.render.patch import patch_source

SelectCallback = Callable[[str], Any]
VIEWS = ("drawn", "measured")
"""The two views of a map: the journey as the workshop drew it, and as the event log measured it."""
FONT = value(S.FONT)
LINE = 1.1  # BokehJS multiplies the font's own line height (about 1.15 em): 1.1 gives ~18 px at 14 px


def _tooltip(title_field: str, rows: list[tuple[str, str]], width: int = 320) -> str:
    """An HTML hover template; BokehJS HTML-escapes every ``@field`` put in it."""
    body = "".join(
        f'<div style="margin-top:3px"><span style="color:{S.MUTED}">{label}</span> @{{{field}}}</div>'
        for label, field in rows
    )
    return (
        f'<div style="max-width:{width}px;font:13px {html.escape(S.FONT)};color:{S.INK};white-space:normal;'
        f'background:{S.PAPER};padding:6px 8px;margin:-4px;border-radius:4px">'
        f'<div style="font-weight:bold;font-size:14px">@{{{title_field}}}</div>{body}</div>'
    )


def _text(
    fig: Any,
    source: ColumnDataSource,
    x: str,
    y: str,
    text: str,
    size: int,
    colour: str = S.INK,
    *,
    bold: bool = False,
    baseline: str = "top",
    **extra: Any,
) -> Any:
    """A text glyph in the map's font; ``colour`` is a colour or the name of a column."""
    if bold:
        extra["text_font_style"] = "bold"
    return fig.text(
        x,
        y,
        text,
        source=source,
        text_font_size=f"{size}px",
        text_color=colour,
        text_baseline=baseline,
        text_font=FONT,
        **extra,
    )


class JourneyMapView:
    """A live journey map: one Bokeh figure, its data sources, and the header and legend.

    Parameters
    ----------
    journey
        The map to draw.
    persona
        Id of the persona whose emotion curve (as-is and to-be) is drawn; None draws the as-is
        curve of every persona.
    metrics
        Optional measured figures (:class:`~cjmkit.render.MapMetrics` or a dict of the same
        shape): KPI traffic lights and handoff health. Without them, KPI status comes from
        each KPI's latest observation against its target and warning levels.
    width
        About how wide the map is drawn, in px (a printed poster is drawn wider than a screen).

    Attributes
    ----------
    layout
        The Bokeh root to show or export (header, legend and figure in a column).
    figure
        The map figure; the same object for the life of the view.
    sources
        Name → ``ColumnDataSource``: ``cards`` (one row per touchpoint), ``kpis`` (one row per
        KPI badge), ``handoffs``, ``emotion`` / ``emotion_lines`` (as-is), ``emotion_to_be`` /
        ``emotion_to_be_lines``, ``lows``, ``stages``, ``lanes``, ``grid``, ``emotion_scale``, and
        for the "as measured" view ``flows``, ``unreached``, ``measured_emotion`` and
        ``measured_emotion_lines``.
    switch
        The "As drawn" / "As measured" buttons (shown when the map has a measured journey); a
        CustomJS callback switches the view in the browser, so it works in static pages too.
    """

    def __init__(
        self,
        journey: Journey,
        persona: str | None = None,
        metrics: MapMetrics | Mapping[str, Any] | None = None,
        *,
        width: int = S.TARGET_WIDTH,
    ) -> None:
        self.journey = journey
        self.persona = persona
        self.metrics = as_map_metrics(metrics)
        self.width = width
        self._callbacks: list[SelectCallback] = []
        self._selected_id: str | None = None
        self._cache = LayoutCache()
        data = map_data(journey, persona, self.metrics, self._cache, self.width)
        policy = UnionRenderers()
        self.sources: dict[str, ColumnDataSource] = {
            # one (stateless) selection policy for all sources, one model fewer per source
            name: ColumnDataSource(data=data.columns[name], name=f"cjm-{name}", selection_policy=policy)
            for name in SOURCE_NAMES
        }
        self._measured_renderers: list[Any] = []
        self._drawn_renderers: list[Any] = []
        self.figure = self._build_figure(data)
        self.header = Div(text=self._header_html(), disable_math=True, width=data.width, name="cjm-header")
        self.legend = Div(text=self._legend_html(), disable_math=True, width=data.width, name="cjm-legend")
        self.measured_note = Div(
            text=self._measured_html(),
            disable_math=True,
            width=data.width,
            visible=False,
            name="cjm-measured-note",
        )
        self.switch = RadioButtonGroup(
            labels=["As drawn", "As measured"], active=0, name="cjm-view", visible=self.has_measured
        )
        self.switch.js_on_change(
            "active",
            CustomJS(
                args={
                    "measured": self._measured_renderers,
                    "drawn": self._drawn_renderers,
                    "note": self.measured_note,
                },
                code="const m = cb_obj.active === 1;"
                "for (const r of measured) { r.visible = m; }"
                "for (const r of drawn) { r.visible = !m; }"
                "note.visible = m;",
            ),
        )
        self.layout: LayoutDOM = column(
            self.header, self.legend, self.switch, self.measured_note, self.figure, name="cjm-map"
        )
        self.sources["cards"].selected.on_change("indices", self._card_selected)
        self._size(data)

    # -- public API -----------------------------------------------------------------------

    def update(self, journey: Journey | None = None, *, full: bool = False) -> None:
        """Redraw for ``journey`` (or the same journey after it was edited in place).

        The figure, glyphs and sources stay the same objects; each source whose columns
        changed is patched in place with the changed cells and the added rows (its data is
        replaced only when rows were removed or most of them moved), so over jupyter_bokeh or
        a Bokeh server a single edit sends a few cells, not the map. The plot is resized to
        fit. Cards whose touchpoint (stage, lane, KPIs, personas) did not change are reused
        from the last update; edits made through the :class:`~cjmkit.edits.Editor` or by
        assigning fields are noticed.
        Pass ``full=True`` after changing nested values in place (e.g. a note's votes).
        """
        if full:
            self._cache.clear()
        if journey is not None:
            self.journey = journey
        if self.persona is not None and self.journey.persona(self.persona) is None:
            self.persona = None  # the persona was removed: show everyone
        data = map_data(self.journey, self.persona, self.metrics, self._cache, self.width)
        selected = self._selected_id
        for name, source in self.sources.items():
            patch_source(source, data.columns[name])
        self._keep_selection(selected)
        self._size(data)
        header = self._header_html()
        if self.header.text != header:
            self.header.text = header
        legend = self._legend_html()
        if self.legend.text != legend:
            self.legend.text = legend
        note = self._measured_html()
        if self.measured_note.text != note:
            self.measured_note.text = note
        if self.switch.visible != self.has_measured:
            self.switch.visible = self.has_measured
            if not self.has_measured:
                self.set_view("drawn")

    def data_for(self, journey: Journey | None = None) -> MapData:
        """The size and columns :meth:`update` would give the map, using the view's cache."""
        journey = journey if journey is not None else self.journey
        persona = self.persona if self.persona is not None and journey.persona(self.persona) else None
        return map_data(journey, persona, self.metrics, self._cache, self.width)

    def set_persona(self, persona_id: str | None) -> None:
        """Show the emotion curves of one persona (None: every persona's as-is curve).

        Raises
        ------
        CjmError
            When no persona has this id.
        """
        if persona_id is not None and self.journey.persona(persona_id) is None:
            known = ", ".join(p.id for p in self.journey.personas) or "none"
            raise CjmError(f"no persona has the id {persona_id!r} (personas of this map: {known})")
        self.persona = persona_id
        self.update()

    @property
    def has_measured(self) -> bool:
        """Whether there is a journey as measured to show (the map's own or the metrics')."""
        return measured_of(self.journey, self.metrics) is not None

    @property
    def view(self) -> str:
        """``"drawn"`` or ``"measured"``: which journey the map shows."""
        return VIEWS[self.switch.active]

    def set_view(self, view: str) -> None:
        """Show the journey ``"drawn"`` by the workshop or ``"measured"`` from the event log.

        The same as pressing the buttons above the map; in a static page the buttons do it in the
        browser. Raises :class:`CjmError` for another name, or for ``"measured"`` when there is
        no measured journey.
        """
        if view not in VIEWS:
            raise CjmError(f"a map shows the journey 'drawn' or 'measured', not {view!r}")
        if view == "measured" and not self.has_measured:
            raise CjmError(
                "this map has no journey as measured: keep an event log in it (cjmkit journey source MAP FILE)"
            )
        measured = view == "measured"
        self.switch.active = VIEWS.index(view)
        for renderer in self._measured_renderers:
            renderer.visible = measured
        for renderer in self._drawn_renderers:
            renderer.visible = not measured
        self.measured_note.visible = measured

    def set_metrics(self, metrics: MapMetrics | Mapping[str, Any] | None) -> None:
        """Show new measured figures (KPI status, handoff health)."""
        self.metrics = as_map_metrics(metrics)
        self.update()

    def on_select(self, callback: SelectCallback) -> None:
        """Call ``callback(touchpoint_id)`` when a touchpoint card (or its emotion point) is tapped.

        Works wherever Python hears the browser: in Jupyter through jupyter_bokeh, and on a
        Bokeh server; a static HTML file only highlights the card.
        """
        self._callbacks.append(callback)

    @property
    def selected(self) -> str | None:
        """The id of the selected touchpoint, if any."""
        indices = self.sources["cards"].selected.indices
        ids = self.sources["cards"].data["tp_id"]
        return ids[indices[0]] if indices and indices[0] < len(ids) else None

    def select(self, touchpoint_id: str | None, *, quiet: bool = False) -> None:
        """Select (highlight) a touchpoint card from Python, as a tap would.

        With ``quiet=True`` the card is only highlighted: :meth:`on_select` callbacks are not
        called (e.g. when an editor that already shows the touchpoint asks for its card).
        """
        self._keep_selection(touchpoint_id)
        if not quiet and touchpoint_id is not None and touchpoint_id in self.sources["cards"].data["tp_id"]:
            self._notify(touchpoint_id)

    def tap(self, touchpoint_id: str) -> None:
        """What a tap on a touchpoint's card (or emotion point) in the browser sends: select and tell.

        The browser says which touchpoint was tapped through the tap tool's ``tags``
        (``[touchpoint id, a count]``); this sets them the same way, for notebooks and tests.
        """
        count = self._tapper.tags[1] + 1 if len(self._tapper.tags) > 1 else 1
        self._tapper.tags = [touchpoint_id, count]

    # -- events ---------------------------------------------------------------------------

    def _keep_selection(self, touchpoint_id: str | None) -> None:
        """Keep the same card selected when rows moved; quietly (it is not a new tap)."""
        ids = self.sources["cards"].data["tp_id"]
        wanted = [ids.index(touchpoint_id)] if touchpoint_id in ids else []
        self._selected_id = touchpoint_id if wanted else None
        cards = self.sources["cards"].selected
        if list(cards.indices) != wanted:
            cards.indices = wanted

    def _card_selected(self, _attr: str, _old: list[int], new: list[int]) -> None:
        # The browser changes the selection by itself too (it clears and restores it when the
        # cards' rows change): that is no tap, so only the selected id is kept up to date here.
        ids = self.sources["cards"].data["tp_id"]
        self._selected_id = ids[new[0]] if new and new[0] < len(ids) else None

    def _tapped(self, _attr: str, _old: list[Any], new: list[Any]) -> None:
        if new and isinstance(new[0], str):
            self.select(new[0])

    def _tap_tool(self, cards: Any, points: Any) -> TapTool:
        """The tap tool: it selects the tapped card, and its callback says which one was tapped.

        Only a real tap runs the callback (a selection the browser restores after a redraw does
        not), so :meth:`on_select` hears people, not redraws. A tap on an emotion point selects
        its touchpoint's card (in Python, which sends the selection back).
        """
        self._tapper = TapTool(
            renderers=[cards, points],
            mode="replace",
            name="cjm-tap",
            callback=CustomJS(
                code="const s = cb_data.source; const i = s.selected.indices[0];"
                "if (i === undefined) { return; }"
                "const ids = s.data.get ? s.data.get('tp_id') : s.data['tp_id'];"
                "const n = cb_obj.tags.length > 1 ? cb_obj.tags[1] + 1 : 1;"
                "cb_obj.tags = [ids[i], n];"
            ),
        )
        self._tapper.on_change("tags", self._tapped)
        return self._tapper

    def _notify(self, touchpoint_id: str) -> None:
        for callback in list(self._callbacks):
            callback(touchpoint_id)

    # -- building -------------------------------------------------------------------------

    def _size(self, data: MapData) -> None:
        fig = self.figure
        if fig.frame_width != data.width:
            fig.frame_width = data.width
            fig.x_range.end = data.width
            self.header.width = data.width
            self.legend.width = data.width
        if fig.frame_height != data.height:
            fig.frame_height = data.height
            fig.y_range.start = -data.height

    def _build_figure(self, data: MapData) -> Any:
        src = self.sources
        fig = figure(
            frame_width=data.width,
            frame_height=data.height,
            x_range=Range1d(0, data.width, bounds="auto"),
            y_range=Range1d(-data.height, 0, bounds="auto"),
            tools="",
            toolbar_location=None,
            x_axis_type=None,
            y_axis_type=None,
            min_border=0,
            outline_line_color=None,
            background_fill_color=S.PAPER,
            border_fill_color=S.PAPER,
            name="cjm-figure",
        )
        fig.grid.visible = False

        # lanes: bands, stripe, labels
        fig.rect("x", "y", "w", "h", source=src["lanes"], fill_color="fill", line_color=None)
        fig.rect("stripe_x", "y", 6, "h", source=src["lanes"], fill_color="accent", line_color=None)
        _text(fig, src["lanes"], "label_x", "kind_y", "kind_label", 12, "accent", bold=True)
        _text(fig, src["lanes"], "label_x", "name_y", "name", 14, bold=True, text_line_height=1.25)
        fig.segment("x0", "y0", "x1", "y1", source=src["grid"], line_color=S.GRID, line_width=1)

        # stage headers
        fig.rect("x", "y", "w", "h", source=src["stages"], fill_color="#e4ebf2", line_color=None)
        _text(fig, src["stages"], "left", "phase_y", "phase", 12, S.MUTED, bold=True)
        stage_names = _text(
            fig, src["stages"], "left", "name_y", "name", 16, bold=True, text_line_height=1.15
        )
        fig.add_tools(
            HoverTool(
                renderers=[stage_names],
                tooltips=_tooltip("name", [("Phase", "phase"), ("Goal", "goal")]),
            )
        )

        # emotion band
        fig.quad(
            left="left",
            right="right",
            top="top",
            bottom="bottom",
            source=src["emotion_zones"],
            fill_color="fill",
            line_color=None,
        )
        _text(fig, src["captions"], "x", "y", "text", 13, S.MUTED, bold=True)
        fig.segment(
            "x0",
            "y",
            "x1",
            "y",
            source=src["emotion_scale"],
            line_color=S.GRID,
            line_width=1,
            line_dash="dotted",
        )
        _text(fig, src["emotion_scale"], "x", "y", "text", 12, S.MUTED, baseline="middle", text_align="right")
        fig.multi_line(
            "xs",
            "ys",
            source=src["emotion_to_be_lines"],
            line_color="colour",
            line_width=3,
            line_dash="dashed",
            line_alpha=0.9,
        )
        fig.multi_line(
            "xs", "ys", source=src["emotion_lines"], line_color="colour", line_width=3, line_alpha=0.9
        )
        to_be = fig.scatter(
            "x",
            "y",
            source=src["emotion_to_be"],
            size=9,
            marker="circle",
            fill_color=S.PAPER,
            line_color="colour",
            line_width=2,
        )
        points = fig.scatter(
            "x",
            "y",
            source=src["emotion"],
            size=12,
            marker="marker",
            fill_color="colour",
            line_color=S.PAPER,
            line_width=1.5,
            nonselection_fill_alpha=1.0,
            selection_line_color=S.INK,
        )
        _text(fig, src["lows"], "x", "label_y", "label", 12, S.LOW_COLOUR, bold=True, text_align="center")
        fig.add_tools(
            HoverTool(
                renderers=[points],
                tooltips=_tooltip("tp_name", [("Persona", "persona_name"), ("Feels", "word")], 260),
            ),
            HoverTool(
                renderers=[to_be],
                tooltips=_tooltip(
                    "tp_name", [("Persona", "persona_name"), ("Should feel (to-be)", "word")], 260
                ),
            ),
        )

        flows = fig.multi_line(  # under the cards, so that their text stays readable
            "xs", "ys", source=src["flows"], line_color=MEASURED_COLOUR, line_width="line_width",
            line_alpha="alpha", line_cap="round", name="cjm-measured-flows", visible=False,
        )  # fmt: skip

        # cards
        cards = fig.rect(
            "x",
            "y",
            "w",
            "h",
            source=src["cards"],
            fill_color="fill",
            line_color="line_colour",
            line_width="line_width",
            border_radius=6,
            nonselection_fill_alpha=1.0,
            nonselection_line_alpha=1.0,
            selection_line_color=S.INK,
            selection_line_width=3,
            selection_fill_color="fill",
        )
        fig.rect("stripe_x", "y", 5, "h", source=src["cards"], fill_color="accent", line_color=None)
        _text(fig, src["cards"], "text_x", "tag_y", "tag", 12, "accent", bold=True)
        _text(fig, src["cards"], "text_x", "name_y", "name", S.NAME_SIZE, bold=True, text_line_height=LINE)
        _text(fig, src["cards"], "text_x", "meta_y", "meta", S.SMALL_SIZE, S.MUTED)
        _text(
            fig,
            src["cards"],
            "text_x",
            "notes_y",
            "notes",
            S.SMALL_SIZE,
            "notes_colour",
            text_line_height=LINE,
        )
        _text(
            fig,
            src["kpis"],
            "x",
            "y",
            "text",
            12,
            "colour",
            bold=True,
            background_fill_color="fill",
            border_line_color="colour",
            border_radius=4,
            padding=3,
            text_line_height=LINE,
        )
        fig.add_tools(
            HoverTool(
                renderers=[cards],
                tooltips=_tooltip(
                    "t_name",
                    [
                        ("Where", "t_where"),
                        ("Channel", "t_channel"),
                        ("Owner", "t_owner"),
                        ("What happens", "t_description"),
                        ("Feelings", "t_emotions"),
                        ("Pain points", "t_pains"),
                        ("Opportunities", "t_ideas"),
                        ("KPIs", "t_kpis"),
                    ],
                ),
            ),
        )

        self._add_measured(fig, flows)

        # handoffs, on top of the cards
        arrows = fig.multi_line(
            "xs",
            "ys",
            source=src["handoffs"],
            line_color="colour",
            line_width="line_width",
            line_dash="dash",
            line_join="round",
        )
        heads = fig.scatter(
            "x1",
            "y1",
            source=src["handoffs"],
            marker="triangle",
            angle="angle",
            size=15,
            fill_color="colour",
            line_color="colour",
        )
        labels = _text(
            fig,
            src["handoffs"],
            "label_x",
            "label_y",
            "label",
            12,
            "colour",
            bold=True,
            baseline="middle",
            text_align="center",
            background_fill_color=S.PAPER,
            border_line_color="colour",
            border_radius=8,
            padding=4,
            text_line_height=1.2,
        )
        fig.add_tools(
            HoverTool(
                renderers=[arrows, labels],
                tooltips=_tooltip(
                    "t_sla",
                    [
                        ("From", "t_from"),
                        ("To", "t_to"),
                        ("When", "t_trigger"),
                        ("Owners", "t_owners"),
                        ("Health", "t_health"),
                    ],
                ),
            ),
            self._tap_tool(cards, points),
        )
        self._drawn_renderers.extend([arrows, heads, labels])
        arrows.name = "cjm-handoff-arrows"
        self._slim(fig, selectable={cards, points})
        return fig

    def _add_measured(self, fig: Any, flows: Any) -> None:
        """The "as measured" layer over the cards: nobody reached, flow labels, the measured feeling (hidden at first)."""
        src = self.sources
        frames = fig.rect(
            "x", "y", "w", "h", source=src["unreached"], fill_color=None, line_color=UNREACHED_COLOUR,
            line_width=2, line_dash="dashed", border_radius=6,
        )  # fmt: skip
        frame_words = _text(fig, src["unreached"], "text_x", "text_y", "text", 14, UNREACHED_COLOUR, bold=True,
                            baseline="top", text_align="right")  # fmt: skip
        flow_labels = _text(
            fig, src["flows"], "label_x", "label_y", "label", 11, MEASURED_COLOUR, bold=True, baseline="middle",
            text_align="center", background_fill_color=S.PAPER, background_fill_alpha=0.9, border_radius=6,
            padding=2,
        )  # fmt: skip
        line = fig.multi_line("xs", "ys", source=src["measured_emotion_lines"], line_color=MEASURED_COLOUR,
                              line_width=2, line_alpha=0.8)  # fmt: skip
        whiskers = fig.segment("x", "y_low", "x", "y_high", source=src["measured_emotion"],
                               line_color=MEASURED_COLOUR, line_width=2)  # fmt: skip
        points = fig.scatter("x", "y", source=src["measured_emotion"], marker="diamond", size=13,
                             fill_color=MEASURED_COLOUR, line_color=S.PAPER, line_width=1.5)  # fmt: skip
        fig.add_tools(
            HoverTool(
                renderers=[flows],
                tooltips=_tooltip(
                    "t_to",
                    [
                        ("From", "t_from"),
                        ("Customers", "t_customers"),
                        ("Share", "t_share"),
                        ("Time", "t_times"),
                    ],
                ),
            ),
            HoverTool(
                renderers=[points],
                tooltips=_tooltip("tp_name", [("Measured", "word"), ("From", "answers")], 280),
            ),
            HoverTool(renderers=[frames], tooltips=_tooltip("tp_name", [("Measured", "words")], 240)),
        )
        renderers = [frames, frame_words, flows, flow_labels, line, whiskers, points]
        names = [
            "unreached",
            "unreached-words",
            "flows",
            "flow-labels",
            "feeling-line",
            "feeling-whiskers",
            "feeling",
        ]
        for renderer, name in zip(renderers, names, strict=True):
            renderer.visible = False
            renderer.name = f"cjm-measured-{name}"
        self._measured_renderers.extend(renderers)

    def _measured_html(self) -> str:
        return missing_html(self.journey, measured_of(self.journey, self.metrics), html_text)

    @staticmethod
    def _slim(fig: Any, selectable: set[Any]) -> None:
        """Drop the helper models that draw nothing different, so the map serialises faster.

        Nothing is ever muted (no legend), so every renderer loses its muted copy. Only the
        card boxes and the emotion points keep a non-selection copy (drawn as they are): every
        other renderer, the cards' texts and stripes included, is drawn as its glyph whatever
        is selected, so selecting a card (even one scrolled out of sight) never greys the others
        out. The renderers of one source share one ``CDSView``, and all views share one
        ``AllIndices`` filter (stateless).
        """
        everything = AllIndices()
        views: dict[int, CDSView] = {}
        for renderer in fig.renderers:
            source = renderer.data_source
            renderer.muted_glyph = None
            if renderer not in selectable:
                renderer.nonselection_glyph = None
            key = id(source)
            if key not in views:
                views[key] = CDSView(filter=everything)
            renderer.view = views[key]

    def _header_html(self) -> str:
        journey = self.journey
        personas = []
        for n, persona in enumerate(journey.personas):
            if self.persona is not None:
                active = persona.id == self.persona
                colour = S.AS_IS_COLOUR if active else S.GRID
            else:
                active = True
                colour = S.PERSONA_COLOURS[n % len(S.PERSONA_COLOURS)]
            lines = [
                f'<div style="font-weight:bold;font-size:16px">{_marker_html(n, self.persona)}'
                f"{html_text(persona.name)}</div>"
            ]
            if persona.role:
                lines.append(f'<div style="color:{S.MUTED}">{html_text(persona.role)}</div>')
            if persona.quote:
                lines.append(
                    f'<div style="font-style:italic;margin-top:4px">“{html_text(persona.quote)}”</div>'
                )
            for label, items in (("Goals", persona.goals), ("Frustrations", persona.frustrations)):
                if items:
                    text = "; ".join(html_text(i) for i in items[:3])
                    lines.append(f'<div style="margin-top:3px"><b>{label}:</b> {text}</div>')
            # a persona whose curve is not drawn gets a dashed grey top, not faded text (contrast)
            top = f"5px solid {colour}" if active else f"5px dashed {S.GRID}"
            personas.append(
                f'<div style="flex:1 1 220px;max-width:300px;border:1px solid {S.GRID};'
                f"border-top:{top};border-radius:6px;padding:8px 10px;background:{S.PAPER};"
                f'font-size:13px;line-height:1.35">{"".join(lines)}</div>'
            )
        description = (
            f'<div style="color:{S.MUTED};font-size:15px;margin:2px 0 8px 0">{html_text(journey.description)}</div>'
            if journey.description
            else ""
        )
        return (
            f'<div style="font-family:{html.escape(S.FONT)};color:{S.INK}">'
            f'<div style="font-size:26px;font-weight:bold;margin:4px 0 2px 0">{html_text(journey.title)}</div>'
            f"{description}"
            f'<div style="display:flex;flex-wrap:wrap;gap:10px">{"".join(personas)}</div></div>'
        )

    def _legend_html(self) -> str:
        items = []
        for kind in ("customer", "frontstage", "support", "care", "backstage"):
            style = S.KIND_STYLES[kind]
            items.append(
                f'<span style="display:inline-flex;align-items:center;gap:5px;margin-right:14px">'
                f'<span style="display:inline-block;width:18px;height:14px;border-radius:3px;'
                f'background:{style.fill};border-left:5px solid {style.accent}"></span>'
                f'<b style="color:{style.accent}">{style.symbol} {style.label.title()}</b></span>'
            )
        if self.persona is not None:
            name = self.journey.persona(self.persona).name  # type: ignore[union-attr]
            curves = (
                f'<span style="margin-right:14px"><b style="color:{S.AS_IS_COLOUR}">━━ as-is</b> and '
                f'<b style="color:{S.TO_BE_COLOUR}">╍╍ to-be</b> feelings of {html_text(name)}</span>'
            )
        else:
            curves = '<span style="margin-right:14px">one feelings curve per persona (marker as on the card above)</span>'
        statuses = " ".join(
            f'<span style="border:1px solid {colour};background:{fill};color:{colour};border-radius:4px;'
            f'padding:0 4px;font-weight:bold">{symbol} {word}</span>'
            for key, (word, symbol, colour, fill) in S.STATUS_STYLES.items()
            if key != "none"
        )
        return (
            f'<div style="font-family:{html.escape(S.FONT)};font-size:13px;color:{S.INK};'
            f'display:flex;flex-wrap:wrap;align-items:center;row-gap:6px;margin:10px 0 4px 0">'
            f"{''.join(items)}{curves}"
            f'<span style="margin-right:14px"><b style="color:{S.LOW_COLOUR}">▼</b> low point</span>'
            f'<span style="margin-right:14px">KPI vs target: {statuses}</span>'
            f'<span style="margin-right:14px"><b>→ ≤ 24 h</b> handoff with its SLA; '
            f'<b style="color:{S.WEAK_HANDOFF_COLOUR}">- - ⚠ WEAK</b> when it misses it</span>'
            f"<span>⚠ pain points, ✦ ideas (dot votes)</span></div>"
        )


_MARKER_SYMBOLS = ["●", "■", "▲", "◆", "⬢", "▼", "★"]


def _marker_html(n: int, selected: str | None) -> str:
    if selected is not None:
        return ""
    colour = S.PERSONA_COLOURS[n % len(S.PERSONA_COLOURS)]
    return f'<span style="color:{colour}">{_MARKER_SYMBOLS[n % len(_MARKER_SYMBOLS)]}</span> '


def journey_map(
    journey: Journey,
    persona: str | None = None,
    metrics: MapMetrics | Mapping[str, Any] | None = None,
    *,
    view: str = "drawn",
) -> LayoutDOM:
    """Return the journey map as a Bokeh layout (header with persona cards, legend, map).

    Parameters are those of :class:`JourneyMapView`; ``view="measured"`` opens it on the journey
    as measured. Use the view when the map must be updated in place or taps must reach Python.
    """
    made = JourneyMapView(journey, persona, metrics)
    if view != "drawn":
        made.set_view(view)
    return made.layout


__all__ = ["JourneyMapView", "journey_map"]
