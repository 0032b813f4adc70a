"""Fitting text into the map: widths in the map's font, wrapping, clipping, figures."""

from __future__ import annotations

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
            cut = len(word) - 1
            while cut > 1 and text_width(word[:cut] + "-", size, bold) > width:
                cut -= 1
            lines.append(word[:cut] + "-")
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
