"""How numbers, volumes, durations, dates and moments read on every screen, and the enums' titles.

A duration or a moment is shown to the whole minute, always rounded *up*:
- a time left never reads "0 min" while something still runs;
- for a bolus that starts on a whole minute, start shown + duration shown = end shown
  ("31 min, until 09:31", never "31 min, until 09:30" as truncating the end gave);
- the header, the event log, the report and a bolus's end agree to the minute.

Rounding is exact (whole microseconds, no float), so those promises hold for every value.
Dates are year first and weekday and month names are English whatever the system's locale:
never ambiguous between countries. This module imports nothing from the project: any layer
may use it.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Self

_MINUTE = timedelta(minutes=1)
_MINUTES_PER_DAY = 24 * 60
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# Below this a change in % reads "no change": it would show as "+0 %" or "-0 %".
_NO_CHANGE_PERCENT = 0.05


class TitledEnum(StrEnum):
    """A StrEnum declared `NAME = "value", "Title"`: the value is what files and logs store, the title what a
    screen shows.

    The value never changes; the title is an attribute of the member, set once when the class is made.
    """

    title: str  # shadows str.title(): a member's title is its words, not its value capitalised

    def __new__(cls, value: str, title: str) -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member.title = title
        return member


# --- numbers and volumes ------------------------------------------------------------------------------------------


def format_number(value: float) -> str:
    """Short, unambiguous: no trailing zeros, never a naked decimal point (.5), never an exponent.

    Except far outside any dose or volume (a slip or a forged file): there 3 significant digits and
    an exponent (1e+308) say what was typed where 309 digits, or a flat 0, would not.
    """
    if value == 0:
        return "0"
    if not math.isfinite(value) or not 1e-7 <= abs(value) < 1e9:
        return f"{value:.3g}"
    if abs(value) >= 100:
        text = f"{value:.1f}"
    elif abs(value) >= 1:
        text = f"{value:.3f}"
    else:
        # Four significant digits, written out in full (0.00001234, not 1.234e-05).
        decimals = min(12, 3 - math.floor(math.log10(abs(value))))
        text = f"{value:.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


_ML_DECIMALS = 3  # to the microlitre


def ml_number(volume_ml: float) -> str:
    """'16.994', '0.716', '0.01': a volume in mL as ml_text writes it, without its unit.

    To the microlitre at most, whatever the volume: a reservoir falling below 1 mL keeps its decimals (16.994,
    then 0.716, never 0.7158). Less than half a microlitre that is not nothing keeps its first digits
    (0.0004): a volume reads 0 only when it is none.
    """
    return format_number(round(volume_ml, _ML_DECIMALS) or volume_ml)


def ml_text(volume_ml: float, *, signed: bool = False) -> str:
    """'16.994 mL', '0.716 mL', or '+1.2 mL' / '-0.8 mL' with `signed` (a difference): ml_number's rule."""
    sign = "+" if signed and volume_ml > 0 else ""
    return f"{sign}{ml_number(volume_ml)} mL"


def ml_per_day_text(ml_per_day: float) -> str:
    """'0.546 mL/day'."""
    return f"{format_number(ml_per_day)} mL/day"


def percent_text(percent: float, *, signed: bool = False) -> str:
    """'66.7 %', or '+66.7 %' / '-25 %' with `signed`: one decimal at most, never '66.667 %'."""
    text = f"{percent:+.1f}" if signed else f"{percent:.1f}"
    return f"{text.removesuffix('.0')} %"


def plural(count: int, noun: str) -> str:
    """'1 step', '4 steps'."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def number_in(text: str) -> float | None:
    """The number typed in `text` ('1.5', ' 20 '), or None when it is none ('', '1.2.3', 'abc')."""
    try:
        return float(text.strip())
    except ValueError:
        return None


def is_no_change(percent: float) -> bool:
    """A change in % too small to show: it would read "+0 %" or "-0 %"."""
    return abs(percent) < _NO_CHANGE_PERCENT


def percent_change_text(percent: float) -> str:
    """A change in %: '+5.3 %', '-25 %', or 'no change (0 %)' when it would round to nothing."""
    return "no change (0 %)" if is_no_change(percent) else percent_text(percent, signed=True)


# --- durations ----------------------------------------------------------------------------------------------------


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


def days_text(days: float) -> str:
    """'12.5 days', '1.0 day': a time to come in days, to a tenth (a projection is no more exact)."""
    text = f"{days:.1f}"
    return f"{text} day" if text in ("1.0", "-1.0") else f"{text} days"


# --- dates and moments ----------------------------------------------------------------------------------------------


def rounded_up(moment: datetime) -> datetime:
    """`moment` on the next whole minute, or itself when it is on one."""
    floor = moment.replace(second=0, microsecond=0)
    if floor == moment or floor == datetime.max.replace(second=0, microsecond=0):  # the calendar's last minute
        return floor
    return floor + _MINUTE


def moment_text(moment: datetime) -> str:
    """'2026-11-21 09:31': year first (never ambiguous between countries), rounded up to the whole minute."""
    return f"{rounded_up(moment):%Y-%m-%d %H:%M}"


def exact_moment_text(moment: datetime) -> str:
    """'2026-11-21 09:30:15': to the second, where seconds decide (a clock cannot go back even by one)."""
    return f"{moment:%Y-%m-%d %H:%M:%S}"


def clock_text(moment: datetime) -> str:
    """'09:31', rounded up to the whole minute as moment_text."""
    return f"{rounded_up(moment):%H:%M}"


def _shown(day: date) -> date:
    """A moment as it is shown (rounded up), or a date as it is."""
    return rounded_up(day) if isinstance(day, datetime) else day


def _with_weekday(moment: datetime, text: str) -> str:
    """'Sat ' and `text`: the weekday of the moment as shown (23:59:30 on a Friday shows Saturday)."""
    return f"{WEEKDAYS[_shown(moment).weekday()][:3]} {text}"


def date_text(day: date) -> str:
    """'2026-11-21'; a moment's date as moment_text shows it (23:59:30 is already the next day)."""
    return f"{_shown(day):%Y-%m-%d}"


def short_date_text(day: date) -> str:
    """'21 Nov': where room is short and the year is shown elsewhere (a plot's label); rounded as date_text."""
    day = _shown(day)
    return f"{day:%d} {_MONTHS[day.month - 1]}"


def weekday_moment_text(moment: datetime) -> str:
    """'Sat 2026-11-21 09:00': moment_text with its weekday, for a clock or a date to plan by."""
    return _with_weekday(moment, moment_text(moment))


def short_moment_text(moment: datetime) -> str:
    """'Sat 21 Nov 09:00': short_date_text with its weekday and time (a plot's marker)."""
    return _with_weekday(moment, f"{short_date_text(moment)} {clock_text(moment)}")


def sentence(text: str) -> str:
    """A message as a sentence on screen: capital first, full stop last ('Refused: …' never ends mid-air)."""
    text = text.strip()
    return text[:1].upper() + text[1:] + ("" if text.endswith((".", "!", "?")) else ".")


# Where a wrapped line must not break: between a number and its unit, inside a unit, inside a range. As text: `re`
# compiles each at its first use and keeps it, so a command that wraps no label compiles none (issue 16).
NO_BREAK_SPACE, WORD_JOINER = "\u00a0", "\u2060"
_NUMBER_THEN_UNIT = r"(?<=\d) (?=(?:mcg|mg|µg|g|mL|L|h|min|d|days?|%)(?![A-Za-z]))"
_INSIDE_UNIT = r"(?<=[A-Za-zµ])/(?=[A-Za-z])"
_INSIDE_RANGE = r"(?<=\d)([–-])(?=\d)"


def unbroken(text: str) -> str:
    """`text` for a word-wrapped label: it may wrap between words, never inside '1.5 mg/day', '0 %' or '0.1–15'.

    A no-break space joins a number to its unit and a word joiner (zero width) follows a slash or a
    dash inside a unit or a range: a label never ends a line with '1.5 mg/' and starts the next with 'day'.
    """
    text = re.sub(_NUMBER_THEN_UNIT, NO_BREAK_SPACE, text)
    text = re.sub(_INSIDE_UNIT, "/" + WORD_JOINER, text)
    return re.sub(_INSIDE_RANGE, r"\1" + WORD_JOINER, text)
