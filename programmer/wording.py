"""How durations and moments read on every screen: one rounding rule, in one place.

A duration or a moment is shown to the whole minute, always rounded *up*:
- a time left never reads "0 min" while something still runs;
- for a bolus that starts on a whole minute, start shown + duration shown = end shown
  ("31 min, until 09:31", never "31 min, until 09:30" as truncating the end gave).

Rounding is exact (whole microseconds, no float), so those two promises hold for every
value. This module imports nothing from the project: any layer may use it.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

_MINUTE = timedelta(minutes=1)
_MINUTES_PER_DAY = 24 * 60


def whole_minutes(delta: timedelta) -> int:
    """Minutes in `delta`, a part minute counting as a whole one; 0 for no time (or less)."""
    return max(0, -(-delta // _MINUTE))  # timedelta // timedelta floors exactly; negated twice, it is a ceiling


def duration_text(delta: timedelta, *, days: bool = True) -> str:
    """'2 d 4 h 5 min', '1 h 30 min', '2 h', '31 min', '0 min': rounded up to the whole minute.

    `days=False` counts in hours only ('24 h'), for lengths within a day such as a schedule step.
    """
    minutes = whole_minutes(delta)
    whole_days, minutes = divmod(minutes, _MINUTES_PER_DAY) if days else (0, minutes)
    hours, minutes = divmod(minutes, 60)
    parts = [(whole_days, "d"), (hours, "h"), (minutes, "min")]
    return " ".join(f"{number} {unit}" for number, unit in parts if number) or "0 min"


def rounded_up(moment: datetime) -> datetime:
    """`moment` on the next whole minute, or itself when it is on one."""
    floor = moment.replace(second=0, microsecond=0)
    return floor if floor == moment else floor + _MINUTE


def moment_text(moment: datetime) -> str:
    """'2026-11-21 09:31': year first (never ambiguous between countries), rounded up to the whole minute."""
    return f"{rounded_up(moment):%Y-%m-%d %H:%M}"


def clock_text(moment: datetime) -> str:
    """'09:31', rounded up to the whole minute as moment_text."""
    return f"{rounded_up(moment):%H:%M}"


def percent_text(percent: float, *, signed: bool = False) -> str:
    """'66.7 %', or '+66.7 %' / '-25 %' with `signed`: one decimal at most, never '66.667 %'."""
    text = f"{percent:+.1f}" if signed else f"{percent:.1f}"
    return f"{text.removesuffix('.0')} %"


# Where a wrapped line must not break: between a number and its unit, inside a unit, inside a range.
NO_BREAK_SPACE, WORD_JOINER = "\u00a0", "\u2060"
_NUMBER_THEN_UNIT = re.compile(r"(?<=\d) (?=(?:mcg|mg|µg|g|mL|L|h|min|d|days?|%)(?![A-Za-z]))")
_INSIDE_UNIT = re.compile(r"(?<=[A-Za-zµ])/(?=[A-Za-z])")
_INSIDE_RANGE = re.compile(r"(?<=\d)([–-])(?=\d)")


def unbroken(text: str) -> str:
    """`text` for a word-wrapped label: it may wrap between words, never inside '1.5 mg/day', '0 %' or '0.1–15'.

    A no-break space joins a number to its unit and a word joiner (zero width) follows a slash or a
    dash inside a unit or a range: a label never ends a line with '1.5 mg/' and starts the next with 'day'.
    """
    text = _NUMBER_THEN_UNIT.sub(NO_BREAK_SPACE, text)
    text = _INSIDE_UNIT.sub("/" + WORD_JOINER, text)
    return _INSIDE_RANGE.sub(r"\1" + WORD_JOINER, text)
