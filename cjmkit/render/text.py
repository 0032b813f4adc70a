"""Fitting text into the map: widths in the map's font, wrapping, clipping, figures."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from cjmkit.render import style as S

Fit = tuple[float, float, bool]
"""Room for a text: (width in px, font size in px, bold)."""


def text_width(text: str, size: float, bold: bool = False) -> float:
    """Width in px of ``text`` set in the map's font (Liberation Sans / Arial metrics)."""
    table = S.WIDTHS_BOLD if bold else S.WIDTHS_REGULAR
    total = 0
    for char in text:
        code = ord(char) - 32
        total += table[code] if 0 <= code < 95 else S.OTHER_WIDTH
    return total * size / 1000


@lru_cache(maxsize=50000)
def wrap(text: str, fit: Fit, max_lines: int) -> tuple[str, ...]:
    """Wrap ``text`` into at most ``max_lines`` lines that fit; mark a cut with "…"."""
    width, size, bold = fit
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}" if line else word
        if text_width(candidate, size, bold) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        while text_width(word, size, bold) > width and len(word) > 1:  # break a word too long for a line
            cut = _break_at(word, fit)
            lines.append(word[:cut] if word[cut - 1] in _SEPARATORS else word[:cut] + "-")
            word = word[cut:]
        line = word
    lines.append(line)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1]
        while last and text_width(last + "…", size, bold) > width:
            last = last[:-1]
        lines[-1] = last.rstrip() + "…"
    return tuple(lines)


_VOWELS = frozenset("aeiouyAEIOUYàáâäèéêëìíîïòóôöùúûüÿ")
_SEPARATORS = frozenset("-/_.")
_MIN_PIECE = 3


_DIGRAPHS = frozenset({"sh", "ch", "th", "ph", "ck", "ng", "qu", "wh", "gh"})
_SUFFIXES = ("ing", "tion", "sion", "ment", "ness", "able", "ible", "ance", "ence", "ity", "ship", "ful")


def _break_at(word: str, fit: Fit) -> int:
    """Where to break a word too long for a line: at a hyphen or slash, else between syllables.

    Never leaves a stub of fewer than three letters ("Troubleshootin-g" becomes
    "Troubleshoot-ing"). Prefers, in order: after a hyphen or slash, before a common suffix
    ("-ing", "-tion"), between two consonants ("Trouble-shooting"), before a consonant that
    starts a syllable ("Authenti-cation"); else as late as fits.
    """
    width, size, bold = fit
    longest = len(word) - 1
    while longest > 1 and text_width(word[:longest] + "-", size, bold) > width:
        longest -= 1
    roomy = [c for c in range(longest, 0, -1) if c >= _MIN_PIECE and len(word) - c >= _MIN_PIECE]

    def vowel(i: int) -> bool:
        return word[i] in _VOWELS

    def letter(i: int) -> bool:
        return word[i].isalpha()

    def pair(c: int) -> bool:  # "sh", "ch", "th"... stay together
        return word[c - 1 : c + 1].lower() in _DIGRAPHS

    def starts_syllable(c: int) -> bool:  # a consonant (or such a pair) before a vowel
        if not letter(c) or vowel(c) or c + 1 >= len(word):
            return False
        return vowel(c + 1) or (pair(c + 1) and c + 2 < len(word) and vowel(c + 2))

    def between_consonants(c: int) -> bool:  # "Trouble|shooting" is not, "Onboar|ding" is
        return (
            c >= 2
            and vowel(c - 2)
            and letter(c - 1)
            and not vowel(c - 1)
            and not pair(c)
            and starts_syllable(c)
        )

    def after_vowel(c: int) -> bool:
        return letter(c - 1) and vowel(c - 1) and starts_syllable(c)

    rules: tuple[Callable[[int], bool], ...] = (
        lambda c: word[c - 1] in _SEPARATORS,
        lambda c: word[c:].lower() in _SUFFIXES,
        lambda c: between_consonants(c) or after_vowel(c),
    )
    for rule in rules:
        for cut in roomy:
            if rule(cut):
                return cut
    return roomy[0] if roomy else max(1, longest)


def clip(text: str, fit: Fit) -> str:
    """Cut ``text`` so that it fits, ending in "…" when cut."""
    width, size, bold = fit
    text = " ".join(text.split())
    if text_width(text, size, bold) <= width:
        return text
    table = S.WIDTHS_BOLD if bold else S.WIDTHS_REGULAR
    room = width * 1000 / size - S.OTHER_WIDTH  # what is left once "…" is set
    used, keep = 0, 0
    while keep < len(text):
        code = ord(text[keep]) - 32
        used += table[code] if 0 <= code < 95 else S.OTHER_WIDTH
        if used > room:
            break
        keep += 1
    return text[:keep].rstrip() + "…"


def number(value: float | None, unit: str = "") -> str:
    """Format a KPI figure: ``82``, ``3.5 h``, ``91 %``."""
    if value is None:
        return "–"
    text = f"{value:,.1f}".removesuffix(".0") if abs(value) < 1e6 else f"{value:.3g}"
    if not unit:
        return text
    return f"{text}{unit}" if unit in {"%", "‰"} else f"{text} {unit}"


def sla_text(hours: float | None) -> str:
    """``≤ 24 h``, ``≤ 2 d``, ``≤ 30 min``; empty when there is no SLA."""
    if hours is None:
        return ""
    if hours < 1:
        return f"≤ {hours * 60:.0f} min"
    if hours >= 48 and hours % 24 == 0:
        return f"≤ {hours / 24:g} d"
    return f"≤ {hours:g} h"
