"""Survey answers written as words: answer labels → scores, with ready maps for the usual wordings.

Survey tools export answers as the label a respondent clicked ("Very satisfied", "Strongly
agree", "10 - Extremely likely"). :func:`label_map` builds a map from ready ones
(:data:`READY`) and your own pairs; :func:`apply_labels` turns a column into numbers. Labels are
compared ignoring case, spaces and closing punctuation; a cell that starts with a number followed
by a dash, colon, equals sign or bracket (``"5 - Very satisfied"``, ``"0 (Not at all likely)"``)
is that number; plain numbers stay numbers.

>>> label_map("satisfaction-5")["very satisfied"]
5.0
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from cjmkit.metrics.problems import ImportProblem

_SATISFACTION_5 = {
    "very dissatisfied": 1, "extremely dissatisfied": 1, "completely dissatisfied": 1, "not at all satisfied": 1,
    "very unsatisfied": 1, "dissatisfied": 2, "unsatisfied": 2, "somewhat dissatisfied": 2,
    "not very satisfied": 2, "neither satisfied nor dissatisfied": 3, "neutral": 3,
    "neither satisfied or dissatisfied": 3, "somewhat satisfied": 4, "satisfied": 4, "fairly satisfied": 4,
    "very satisfied": 5, "extremely satisfied": 5, "completely satisfied": 5,
}  # fmt: skip
_AGREEMENT_5 = {
    "strongly disagree": 1, "disagree": 2, "neither agree nor disagree": 3, "neither agree or disagree": 3,
    "neutral": 3, "agree": 4, "strongly agree": 5,
}  # fmt: skip
_AGREEMENT_7 = {
    "strongly disagree": 1, "disagree": 2, "somewhat disagree": 3, "slightly disagree": 3,
    "neither agree nor disagree": 4, "neither agree or disagree": 4, "neutral": 4, "somewhat agree": 5,
    "slightly agree": 5, "agree": 6, "strongly agree": 7,
}  # fmt: skip
_EFFORT_5 = {
    "very difficult": 1, "very hard": 1, "difficult": 2, "hard": 2, "somewhat difficult": 2,
    "neither easy nor difficult": 3, "neutral": 3, "somewhat easy": 4, "easy": 4, "very easy": 5,
}  # fmt: skip
_LIKELIHOOD_11 = {
    "not at all likely": 0, "not likely at all": 0, "extremely unlikely": 0, "neutral": 5,
    "extremely likely": 10, "very likely": 10,
    **{str(n): n for n in range(11)},
}  # fmt: skip

READY: dict[str, dict[str, float]] = {
    "satisfaction-5": {k: float(v) for k, v in _SATISFACTION_5.items()},
    "agreement-5": {k: float(v) for k, v in _AGREEMENT_5.items()},
    "agreement-7": {k: float(v) for k, v in _AGREEMENT_7.items()},
    "effort-5": {k: float(v) for k, v in _EFFORT_5.items()},
    "likelihood-11": {k: float(v) for k, v in _LIKELIHOOD_11.items()},
}
"""Ready maps: CSAT's 1–5 satisfaction wording, 5- and 7-point agreement (CES 2.0 is
``agreement-7``), 5-point effort, and NPS's 0–10 likelihood anchors."""

ALIASES = {"csat": "satisfaction-5", "ces": "agreement-7", "nps": "likelihood-11"}
"""Short names of the ready maps for the usual scores."""

_NUMBER_FIRST = re.compile(r"^\s*([+-]?\d+(?:[.,]\d+)?)\s*(?:[-–—=:(]|$)")
_TRAILING = re.compile(r"[\s.!…]+$")


def normalise_label(text: object) -> str:
    """A label as compared: lower case, single spaces, no closing punctuation, plain quotes."""
    value = str(text).replace("\u2019", "'").replace("\u00a0", " ").strip().lower()
    return _TRAILING.sub("", re.sub(r"\s+", " ", value))


def label_map(*specs: str | Mapping[str, float]) -> dict[str, float]:
    """Build one answer-label map from ready maps (by name) and explicit pairs.

    Parameters
    ----------
    specs
        Names of :data:`READY` maps (or of :data:`ALIASES`: ``csat``, ``ces``, ``nps``),
        ``"Label=score"`` pairs separated by commas (``"Top=5,Bottom=1"``), or mappings. Later
        ones win.

    Raises
    ------
    ImportProblem
        For an unknown name or a pair whose score is not a number.
    """
    merged: dict[str, float] = {}
    for spec in specs:
        pairs: dict[str, object]
        if isinstance(spec, Mapping):
            pairs = {str(k): v for k, v in spec.items()}
        elif "=" in spec:
            pairs = {}
            for part in spec.split(","):
                label, _, score = part.rpartition("=")
                if not label.strip():
                    raise ImportProblem(
                        f"answer labels {part.strip()!r}: write LABEL=SCORE, e.g. 'Very happy=5'"
                    )
                pairs[label] = score
        else:
            name = ALIASES.get(spec.strip().lower(), spec.strip().lower())
            if name not in READY:
                known = ", ".join([*READY, *ALIASES])
                raise ImportProblem(f"there are no ready answer labels {spec!r}; ready ones: {known}")
            pairs = dict(READY[name])
        for label, given in pairs.items():
            try:
                number = float(str(given).replace(",", "."))
            except ValueError:
                raise ImportProblem(
                    f"answer label {label.strip()!r}: its score {given!r} is not a number"
                ) from None
            if not np.isfinite(number):
                raise ImportProblem(f"answer label {label.strip()!r}: its score must be a finite number")
            merged[normalise_label(label)] = number
    return merged


def apply_labels(values: pd.Series, labels: Mapping[str, float]) -> tuple[pd.Series, np.ndarray]:
    """Turn answer labels into scores; numbers and ``"5 - Very satisfied"`` stay their number.

    Returns
    -------
    tuple
        A Series of text ready for :func:`cjmkit.metrics.textfiles.parse_numbers` (labels
        replaced by their score) and a mask of cells that are neither a number nor a known label
        (to report as bad rows).
    """
    stripped = values.astype(str).str.strip()
    known = {normalise_label(k): v for k, v in labels.items()}
    mapped = stripped.map(normalise_label).map(known).map(_plain)
    leading = stripped.str.extract(_NUMBER_FIRST)[0]
    number = pd.to_numeric(stripped.str.replace(",", ".", regex=False), errors="coerce")
    # a plain number wins, then a number leading its label, then the label's score
    out = mapped.where(leading.isna(), leading).where(number.isna(), stripped)
    unknown = out.isna().to_numpy() & (stripped != "").to_numpy() & ~values.isna().to_numpy()
    return out.fillna("").astype(str), unknown


def _plain(value: float) -> str | float:
    return f"{value:g}" if isinstance(value, float) and np.isfinite(value) else value


def describe(labels: Mapping[str, float], limit: int = 6) -> str:
    """A short list of a map's labels for messages: ``'very satisfied'=5, ...``."""
    items: Iterable[tuple[str, float]] = list(labels.items())[:limit]
    text = ", ".join(f"{k!r}={v:g}" for k, v in items)
    return text + (", …" if len(labels) > limit else "")
