"""The map in words: outline, summary sentence, text alternative HTML, and the palette's contrast."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from support import REPO, SAMPLE_MAP
from test_render_browser import XSS, hostile_journey

from cjmkit import store
from cjmkit.render import style as S
from cjmkit.render.outline import outline
from cjmkit.render.words import picture_label, words_html


def measured_sample() -> tuple:
    from cjmkit import metrics as m

    journey = store.load(SAMPLE_MAP)
    health = m.handoff_health(
        journey,
        m.read_tickets(REPO / "sample_data" / "tickets.csv"),
        m.read_care_contacts(REPO / "sample_data" / "care_contacts.csv"),
    )
    return journey, m.map_metrics(journey, handoffs=health), health


def test_summary_says_size_lowest_point_kpis_and_weakest_handoff() -> None:
    journey, metrics, health = measured_sample()
    said = outline(journey, metrics).summary
    assert said.startswith(f"This journey map has {len(journey.stages)} stages (Discover, ")
    assert f"across {len(journey.lanes)} lanes" in said
    assert "The lowest point is Backup fails or a restore is stuck in Get help" in said
    assert "feels very negative (-2)" in said
    assert re.search(r"\d+ KPIs need attention: ", said)
    weakest = health.loc[health["within_sla_pct"].idxmin()]
    assert f"The weakest handoff is {weakest['name']}: {weakest['within_sla_pct']:.0f} %" in said
    assert f"{int(weakest['fell_through'])} customers fell through (weak)" in said


def test_summary_without_measures_or_content() -> None:
    from cjmkit.model import Journey

    assert outline(Journey(id="x", title="Empty")).summary == (
        "This journey map has 0 stages across 0 lanes with 0 touchpoints."
    )
    said = outline(store.load(SAMPLE_MAP)).summary
    assert "handoffs, not measured (no ticket data)." in said


def test_handoff_lines_carry_what_the_deck_and_table_need() -> None:
    journey, metrics, health = measured_sample()
    lines = {h.id: h for h in outline(journey, metrics).handoffs}
    for _, row in health.iterrows():
        line = lines[row["handoff"]]
        assert line.measured and line.fell_through == str(int(row["fell_through"]))
        assert line.on_time == f"{row['within_sla_pct']:.0f} %"
        assert line.weak == bool(row["weak"])
        assert line.median_delay != "–"


class _Tables(HTMLParser):
    """Collects the header cells (with scope) and the text of the page."""

    def __init__(self) -> None:
        super().__init__()
        self.headers: list[tuple[str, str | None]] = []
        self.text: list[str] = []
        self.tags: list[str] = []
        self._in_th: str | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags.append(tag)
        if tag == "th":
            self._in_th = dict(attrs).get("scope")
            self.headers.append(("", self._in_th))

    def handle_endtag(self, tag: str) -> None:
        if tag == "th":
            self._in_th = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._in_th is not None or (self.headers and self.tags[-1:] == ["th"]):
            label, scope = self.headers[-1]
            self.headers[-1] = (label + data, scope)


def test_words_html_has_every_touchpoint_in_a_headed_table() -> None:
    journey, metrics, _health = measured_sample()
    parser = _Tables()
    parser.feed(words_html(outline(journey, metrics)))
    text = "".join(parser.text)
    for tp in journey.touchpoints:
        assert tp.name in text
    for stage in journey.stages:
        assert (stage.name, "row") in [
            (label.split(" (")[0].split("Goal:")[0], scope) for label, scope in parser.headers
        ]
    assert all(scope in {"row", "col"} for _label, scope in parser.headers)
    assert {"caption", "thead", "tbody", "section", "h2", "h3"} <= set(parser.tags)
    assert (
        "very negative (-2)" in text
        and "off target" in text
        and "fell through" not in text.split("Support")[0]
    )


def test_hostile_text_is_escaped_in_the_words() -> None:
    page = words_html(outline(hostile_journey()))
    assert "<img" not in page and "<svg" not in page and "<script" not in page and "<iframe" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    parser = _Tables()
    parser.feed(page)
    assert XSS in "".join(parser.text)
    # the label is plain text, escaped where the page writes it
    from cjmkit.render import JourneyMapView, html_page

    label = picture_label(outline(hostile_journey()))
    assert label.startswith("Journey map of $$x$$ <b>not bold</b> ")
    page = html_page(JourneyMapView(hostile_journey()), "t")
    assert (
        'aria-label="Journey map of $$x$$ &lt;b&gt;not bold&lt;/b&gt; &lt;img src=x onerror=alert(1)&gt;'
        in page
    )


def _luminance(colour: str) -> float:
    r, g, b = (int(colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4))
    channel = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
    return 0.2126 * channel[0] + 0.7152 * channel[1] + 0.0722 * channel[2]


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two #rrggbb colours."""
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


EMOTION_BANDS = ("#eef7f2", "#fcf0ea")


def text_pairs() -> list[tuple[str, str, str]]:
    """Every (what, text colour, background) the map draws text with."""
    pairs = []
    for kind, style in S.KIND_STYLES.items():
        for background in (S.BAND, S.PAPER, style.fill):
            pairs.append((f"{kind} label", style.accent, background))
        for text in (S.INK, S.MUTED, "#a23b00"):
            pairs.append((f"{kind} card text", text, style.fill))
    for status, (_word, _symbol, colour, fill) in S.STATUS_STYLES.items():
        pairs.append((f"{status} badge", colour, fill))
    for background in (S.PAPER, *EMOTION_BANDS):
        pairs += [("low point", S.LOW_COLOUR, background), ("caption", S.MUTED, background)]
    pairs += [("to-be legend", S.TO_BE_COLOUR, S.PAPER), ("stage phase", S.MUTED, "#e4ebf2")]
    pairs += [("handoff", S.HANDOFF_COLOUR, S.PAPER), ("weak handoff", S.WEAK_HANDOFF_COLOUR, S.PAPER)]
    return pairs


@pytest.mark.parametrize(("what", "text", "background"), text_pairs())
def test_map_text_contrast_is_at_least_4_5(what: str, text: str, background: str) -> None:
    assert contrast(text, background) >= 4.5, f"{what}: {text} on {background}"


def test_chart_marks_contrast_is_at_least_3() -> None:
    marks = [*S.PERSONA_COLOURS, S.AS_IS_COLOUR, S.TO_BE_COLOUR, S.LOW_COLOUR, S.HANDOFF_COLOUR]
    for mark in marks:
        for background in (S.PAPER, *EMOTION_BANDS):
            assert contrast(mark, background) >= 3.0, f"{mark} on {background}"


def test_emotion_bands_are_the_ones_drawn() -> None:
    source = Path(S.__file__).with_name("emotion.py").read_text(encoding="utf-8")
    assert all(band in source for band in EMOTION_BANDS)


def test_every_name_cjmkit_render_exports_resolves() -> None:
    import cjmkit.render

    for name in cjmkit.render.__all__:
        assert callable(getattr(cjmkit.render, name)) or isinstance(getattr(cjmkit.render, name), tuple), name
