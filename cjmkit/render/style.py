"""Look and feel of the journey map: palette, type, shapes and words.

The palette is built on Okabe & Ito's colour-blind-safe colours, used as calm tints for
surfaces and at full strength only for accents. Nothing is told by colour alone: support and
care cards carry a word and a symbol, KPI badges spell their status, the emotion scale is
labelled with words.
"""

from __future__ import annotations

from dataclasses import dataclass

from cjmkit.figures import STATUS_WORDS, STATUSES, Status

FONT = "'Liberation Sans', Arial, Helvetica, 'DejaVu Sans', sans-serif"
"""Font family of every text on the map (Arial metrics, present on most systems)."""

INK = "#1f2933"
"""Main text colour."""
MUTED = "#52606d"
"""Secondary text colour (channel, owner, captions)."""
FAINT = "#9aa5b1"
GRID = "#d9e2ec"
PAPER = "#ffffff"
BAND = "#f5f7fa"
"""Background of every other lane row."""

# Okabe-Ito
ORANGE = "#E69F00"
SKY = "#56B4E9"
GREEN = "#009E73"
YELLOW = "#F0E442"
BLUE = "#0072B2"
VERMILLION = "#D55E00"
PURPLE = "#CC79A7"


@dataclass(frozen=True)
class KindStyle:
    """How the cards of one lane kind look.

    Attributes
    ----------
    label
        The word shown on lane labels (and on support/care cards), in capitals.
    symbol
        A shape drawn beside the word, so the kind is told without colour.
    accent
        Strong colour: card stripe, word, lane marker.
    fill
        Calm tint: card background.
    tag
        Whether cards in this kind of lane carry the word and symbol themselves.
    """

    label: str
    symbol: str
    accent: str
    fill: str
    tag: bool = False


KIND_STYLES: dict[str, KindStyle] = {
    "customer": KindStyle("CUSTOMER", "●", "#3d4a57", "#f3f4f6"),
    "frontstage": KindStyle("FRONTSTAGE", "▲", "#3f6b5a", "#eef5f1"),
    "support": KindStyle("SUPPORT", "◆", "#005f96", "#dcebf7", tag=True),
    "care": KindStyle("CARE", "♥", "#8f4a00", "#fcebd2", tag=True),
    "backstage": KindStyle("BACKSTAGE", "■", "#5c6773", "#eef0f2"),
    "other": KindStyle("OTHER", "○", "#5f6b78", "#f2f4f6"),
}
"""Style per lane kind. Only support (blue, ◆) and care (orange-brown, ♥), the safest colour-blind
pair, are strongly coloured: they are what cjmkit is about; the other lanes stay quiet greys and
greens. Every accent is also text on its lane and card tints, so each keeps 4.5:1 against them."""

EMOTION_WORDS = {2: "very positive", 1: "positive", 0: "neutral", -1: "negative", -2: "very negative"}
EMOTION_FACES = {2: "☺☺", 1: "☺", 0: "–", -1: "☹", -2: "☹☹"}
"""Faces drawn beside the emotion words (DejaVu/Liberation have ☺ and ☹)."""

AS_IS_COLOUR = INK
TO_BE_COLOUR = "#00795a"
"""Okabe-Ito green darkened: the to-be curve and its legend word keep 4.5:1 on white and the bands."""
LOW_COLOUR = "#b34700"
"""Okabe-Ito vermillion darkened, for the low-point labels (text: 4.5:1 on the emotion bands)."""
PERSONA_COLOURS = [BLUE, "#AA3377", "#228833", "#555555", "#2f7f8f", "#a2457a", "#8a6a00"]
"""Curve colours when every persona is drawn at once (each at least 3:1 on white and on the bands)."""

STATUS_COLOURS: dict[Status, tuple[str, str]] = {
    # status: (text/border colour, fill)
    "ok": ("#00684a", "#d7f0e7"),
    "warning": ("#7a5300", "#fdf0c8"),
    "bad": ("#a23b00", "#fbe0d1"),
    "few": (MUTED, "#eceff2"),
    "none": (MUTED, "#eceff2"),
}
STATUS_STYLES: dict[Status, tuple[str, str, str, str]] = {
    status: (STATUS_WORDS[status].word, STATUS_WORDS[status].symbol, *STATUS_COLOURS[status])
    for status in STATUSES
}
"""Traffic-light styles of KPI badges, (word, symbol, text/border colour, fill): the word is
always shown, written as :data:`cjmkit.figures.STATUS_WORDS` writes it."""

HANDOFF_COLOUR = "#3e4c59"
WEAK_HANDOFF_COLOUR = LOW_COLOUR

# Geometry, in screen pixels (the map is drawn one data unit per pixel).
LABEL_WIDTH = 136
MIN_STAGE_WIDTH = 152
TARGET_WIDTH = 1200
EMOTION_TOP = 30
EMOTION_STEP = 28
STAGE_HEADER = 70
CARD_GAP = 8
CARD_PAD = 8
LANE_PAD = 16
NAME_SIZE = 14
NAME_LINE = 18
SMALL_SIZE = 12
SMALL_LINE = 16
TAG_LINE = 18
KPI_LINE = 40
MAX_NAME_LINES = 3

# Advance widths of ASCII 32…126 in 1/1000 em for Liberation Sans (the metrics of Arial and
# Helvetica), so that text is wrapped to the pixel without a font library.
WIDTHS_REGULAR = (
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556, 556,
    556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667, 611, 778,
    722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278,
    278, 278, 469, 556, 333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
)  # fmt: skip
WIDTHS_BOLD = (
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556, 556,
    556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611, 975, 722, 722, 722, 722, 667, 611, 778,
    722, 278, 556, 722, 611, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333,
    278, 333, 584, 556, 333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611,
    611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584,
)  # fmt: skip
OTHER_WIDTH = 700
"""Width assumed for characters outside ASCII (accents, symbols, CJK are wider or narrower)."""
