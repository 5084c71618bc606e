"""Reservoir projection: the volume left in the pump over time, its alarm date and its empty date.

The volume curve is exactly piecewise linear: the prescription's flow is piecewise
constant (programmer.therapy.delivery), plus an optional constant extra flow such
as every allowed patient bolus. Dates are solved analytically inside the segment
where the target volume is reached (t = t0 + (v0 - target) / rate), never by
stepping a clock.

After a pending bolus the base flow repeats every period (a week for a
per-weekday flex schedule, a day otherwise), so the projection walks at most the
bolus plus one period of delivery segments once, and jumps whole periods by
arithmetic. A projection over a year costs the same as one over a week.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING

from msgspec import Struct
from msgspec.structs import force_setattr

from programmer.errors import ProgrammerError
from programmer.therapy.delivery import SECONDS_PER_DAY, Segment, base_segments, segments
from programmer.therapy.prescription import InfusionMode, Prescription
from programmer.wording import moment_text

if TYPE_CHECKING:
    import numpy as np

_DAY = timedelta(days=1)
_WEEK = timedelta(days=7)
_EPOCH = datetime(1970, 1, 1)  # naive datetimes are read as UTC for plotting
_NOISE_ML = 1e-12  # volumes closer than this are equal: float rounding, far below any pump's accuracy


class ProjectionError(ProgrammerError, ValueError):
    """A projection asked for something impossible: a negative volume, or a moment before it starts."""


class _Pieces(Struct, frozen=True, dict=True):  # dict: room for its numpy arrays, made on first use
    """Consecutive pieces of constant flow after an origin, with the volume delivered before each piece."""

    offsets: tuple[timedelta, ...]  # start of each piece after the origin
    ml_per_day: tuple[float, ...]
    delivered_before_ml: tuple[float, ...]
    length: timedelta
    total_ml: float

    @classmethod
    def from_segments(
        cls, origin: datetime, end: datetime, parts: Iterable[Segment], extra_ml_per_day: float
    ) -> _Pieces:
        offsets: list[timedelta] = []
        rates: list[float] = []
        before: list[float] = []
        total = 0.0
        for part in parts:
            rate = part.ml_per_day + extra_ml_per_day
            offsets.append(part.start - origin)
            rates.append(rate)
            before.append(total)
            # Same product as Segment.volume_ml, so a projection without extra flow agrees with delivery.
            total += rate * part.days
        return cls(tuple(offsets), tuple(rates), tuple(before), end - origin, total)

    # The same in numpy, for plot series only: numpy is imported when a plot first asks, so the
    # headless commands start fast.
    @cached_property
    def seconds(self) -> np.ndarray:
        import numpy as np

        return np.array([offset.total_seconds() for offset in self.offsets], dtype=float)

    @cached_property
    def rates(self) -> np.ndarray:
        import numpy as np

        return np.array(self.ml_per_day, dtype=float)

    @cached_property
    def delivered(self) -> np.ndarray:
        import numpy as np

        return np.array(self.delivered_before_ml, dtype=float)

    def delivered_ml(self, offset: timedelta) -> float:
        """Volume delivered from the origin to `offset` (0 <= offset <= length)."""
        index = bisect_right(self.offsets, offset) - 1
        elapsed = (offset - self.offsets[index]).total_seconds() / SECONDS_PER_DAY
        return self.delivered_before_ml[index] + self.ml_per_day[index] * elapsed

    def time_to_deliver(self, volume_ml: float) -> timedelta:
        """First offset (to the microsecond) by which `volume_ml` (0 < volume_ml <= total_ml) has been delivered."""
        index = max(0, bisect_left(self.delivered_before_ml, volume_ml) - 1)
        piece_end = self.offsets[index + 1] if index + 1 < len(self.offsets) else self.length
        rate = self.ml_per_day[index]
        if rate <= 0:  # only reachable through rounding at the very end of the pieces
            return piece_end
        needed_us = (volume_ml - self.delivered_before_ml[index]) / rate * SECONDS_PER_DAY * 1e6
        # Round up to the microsecond (datetime's resolution), so the volume has really got there by then,
        # unless what would be missing is below a picolitre: that is float noise, not a reason to add one.
        whole_us = math.floor(needed_us)
        if (needed_us - whole_us) * rate / (SECONDS_PER_DAY * 1e6) > _NOISE_ML:
            whole_us += 1
        return min(piece_end, self.offsets[index] + timedelta(microseconds=whole_us))


class _Plan(Struct, frozen=True):
    """The flow as a one-off prefix (start until the bolus has ended) followed by one repeating period."""

    start: datetime
    anchor: datetime  # where the repeating period begins
    prefix: _Pieces
    period: _Pieces

    @classmethod
    def build(cls, prescription: Prescription, start: datetime, extra_ml_per_day: float) -> _Plan:
        bolus = prescription.bolus
        if bolus is not None and bolus.end > start:
            anchor, after = bolus.end, prescription.after_bolus()
        elif bolus is not None:
            anchor, after = start, prescription.after_bolus()
        else:
            anchor, after = start, prescription
        per_weekday = after.mode is InfusionMode.FLEX and after.schedule.per_weekday
        length = _WEEK if per_weekday else _DAY
        prefix = _Pieces.from_segments(start, anchor, segments(prescription, start, anchor), extra_ml_per_day)
        period = _Pieces.from_segments(
            anchor, anchor + length, base_segments(after, anchor, anchor + length), extra_ml_per_day
        )
        return cls(start, anchor, prefix, period)

    def delivered_ml(self, moment: datetime) -> float:
        """Volume the flow delivers from start to `moment`, ignoring that the reservoir may run dry."""
        if moment < self.anchor:
            return self.prefix.delivered_ml(moment - self.start)
        periods, within = divmod(moment - self.anchor, self.period.length)
        return self.prefix.total_ml + periods * self.period.total_ml + self.period.delivered_ml(within)

    def moment_delivered(self, volume_ml: float) -> datetime | None:
        """First instant by which `volume_ml` (> 0) has been delivered; None if never."""
        if volume_ml <= self.prefix.total_ml:
            return self.start + self.prefix.time_to_deliver(volume_ml)
        rest = volume_ml - self.prefix.total_ml
        per_period = self.period.total_ml
        if per_period <= 0:
            return None
        periods = math.floor(rest / per_period)
        within = rest - periods * per_period
        if within <= 0:  # reached right at the end of the period before
            periods, within = periods - 1, within + per_period
        elif within > per_period:
            periods, within = periods + 1, within - per_period
        try:
            return self.anchor + periods * self.period.length + self.period.time_to_deliver(within)
        except OverflowError:  # a trickle that would outlast the calendar: never, in practice
            return None

    def pieces(self, limit: datetime) -> Iterator[tuple[datetime, float, float]]:
        """(start, volume delivered before it, mL/day) of every piece that starts before `limit`."""
        prefix = self.prefix
        for offset, before, rate in zip(prefix.offsets, prefix.delivered_before_ml, prefix.ml_per_day, strict=True):
            moment = self.start + offset
            if moment >= limit:
                return
            yield moment, before, rate
        period = self.period
        periods = 0
        while True:
            period_start = self.anchor + periods * period.length
            done_before = self.prefix.total_ml + periods * period.total_ml
            for offset, before, rate in zip(period.offsets, period.delivered_before_ml, period.ml_per_day, strict=True):
                moment = period_start + offset
                if moment >= limit:
                    return
                yield moment, done_before + before, rate
            periods += 1

    def piece_arrays(self, limit: datetime) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The same as `pieces` as arrays (seconds after start, delivered before, mL/day), tiled with numpy."""
        import numpy as np

        prefix, period = self.prefix, self.period
        seconds, delivered, rates = [prefix.seconds], [prefix.delivered], [prefix.rates]
        if limit > self.anchor:
            count = -(-(limit - self.anchor) // period.length)  # whole periods needed, rounded up
            index = np.arange(count, dtype=float)[:, None]
            anchor_seconds = (self.anchor - self.start).total_seconds()
            seconds.append((anchor_seconds + index * period.length.total_seconds() + period.seconds).ravel())
            delivered.append((prefix.total_ml + index * period.total_ml + period.delivered).ravel())
            rates.append(np.tile(period.rates, count))
        return np.concatenate(seconds), np.concatenate(delivered), np.concatenate(rates)


class Projection(Struct, frozen=True):
    """The reservoir from `start` on, under `prescription`. Build it with `project`."""

    prescription: Prescription
    start: datetime
    start_volume_ml: float
    alarm_volume_ml: float
    extra_ml_per_day: float  # constant extra flow, e.g. worst-case patient boluses
    alarm_date: datetime | None  # first instant the volume reaches alarm_volume_ml; start if already there
    empty_date: datetime | None  # first instant the volume reaches 0; None if never
    _plan: _Plan | None = None  # worked out from the three above (or given by `project`, which made it first)

    def __post_init__(self) -> None:
        if self._plan is None:
            force_setattr(self, "_plan", _Plan.build(self.prescription, self.start, self.extra_ml_per_day))

    def volume_at(self, moment: datetime) -> float:
        """Volume left in the reservoir at `moment`; 0 once it has run dry."""
        self._check_not_before_start(moment)
        if self.empty_date is not None and moment >= self.empty_date:
            return 0.0  # exactly, not a rounding residue: the display reads "0 mL" from the empty date on
        return max(0.0, self.start_volume_ml - self._plan.delivered_ml(moment))

    def delivered_ml(self, end: datetime) -> float:
        """Volume that left the reservoir between start and `end` (no more than it held)."""
        return self.start_volume_ml - self.volume_at(end)

    def days_until_alarm(self, now: datetime) -> float | None:
        """Days from `now` to the alarm date (negative once it has passed); None if the alarm never comes."""
        if self.alarm_date is None:
            return None
        return (self.alarm_date - now) / _DAY

    def series(self, end: datetime) -> list[tuple[datetime, float]]:
        """The volume curve from start to `end` as its breakpoints (rate changes, alarm and empty instants)."""
        limit = self._check_end(end)
        points = [(self.start, self.start_volume_ml)]
        previous_rate = None
        for moment, before, rate in self._plan.pieces(limit):
            if moment > self.start and rate != previous_rate:  # equal rates on both sides: not a breakpoint
                points.append((moment, max(0.0, self.start_volume_ml - before)))
            previous_rate = rate
        alarm = self.alarm_date
        if alarm is not None and self.start < alarm < limit:
            index = bisect_left(points, alarm, key=lambda point: point[0])
            if points[index - 1][0] != alarm and (index == len(points) or points[index][0] != alarm):
                points.insert(index, (alarm, self.volume_at(alarm)))
        if limit > self.start:
            points.append((limit, 0.0 if limit == self.empty_date else self.volume_at(limit)))
        if end > limit:
            points.append((end, 0.0))
        return points

    def series_arrays(self, end: datetime) -> tuple[np.ndarray, np.ndarray]:
        """The same curve as `series` for plotting: (POSIX seconds, naive datetimes read as UTC; mL)."""
        import numpy as np

        limit = self._check_end(end)
        limit_seconds = (limit - self.start).total_seconds()
        seconds, delivered, rates = self._plan.piece_arrays(limit)
        changed = np.empty(len(rates), dtype=bool)
        if len(rates):
            changed[0] = True
            np.not_equal(rates[1:], rates[:-1], out=changed[1:])
        keep = changed & (seconds > 0) & (seconds < limit_seconds)
        times = [np.zeros(1), seconds[keep]]
        volumes = [np.array([self.start_volume_ml]), np.maximum(0.0, self.start_volume_ml - delivered[keep])]
        if limit > self.start:
            times.append(np.array([limit_seconds]))
            volumes.append(np.array([0.0 if limit == self.empty_date else self.volume_at(limit)]))
        if end > limit:
            times.append(np.array([(end - self.start).total_seconds()]))
            volumes.append(np.zeros(1))
        times, volumes = np.concatenate(times), np.concatenate(volumes)
        alarm = self.alarm_date
        if alarm is not None and self.start < alarm < limit:
            alarm_seconds = (alarm - self.start).total_seconds()
            index = int(np.searchsorted(times, alarm_seconds))
            if abs(times[index - 1] - alarm_seconds) > 1e-6 and abs(times[index] - alarm_seconds) > 1e-6:
                times = np.insert(times, index, alarm_seconds)
                volumes = np.insert(volumes, index, self.volume_at(alarm))
        return times + (self.start - _EPOCH).total_seconds(), volumes

    def _check_not_before_start(self, moment: datetime) -> None:
        if moment < self.start:
            raise ProjectionError(
                f"{moment_text(moment)} is before this projection starts ({moment_text(self.start)}): "
                "the reservoir volume is only known from the last refill or programming on"
            )

    def _check_end(self, end: datetime) -> datetime:
        """The instant the curve's slope can last change: `end`, or the empty date if that comes first."""
        self._check_not_before_start(end)
        if self.empty_date is not None and self.empty_date < end:
            return self.empty_date
        return end


def project(
    prescription: Prescription,
    start: datetime,
    start_volume_ml: float,
    alarm_volume_ml: float,
    *,
    extra_ml_per_day: float = 0.0,
) -> Projection:
    """Project the reservoir from `start`, holding `start_volume_ml`, low-reservoir alarm at `alarm_volume_ml`."""
    for name, value in (
        ("reservoir volume", start_volume_ml),
        ("low-reservoir alarm volume", alarm_volume_ml),
        ("extra flow", extra_ml_per_day),
    ):
        if not (math.isfinite(value) and value >= 0):
            raise ProjectionError(f"the {name} must be a number of mL at or above 0, not {value}")
    plan = _Plan.build(prescription, start, extra_ml_per_day)
    return Projection(
        prescription,
        start,
        float(start_volume_ml),
        float(alarm_volume_ml),
        float(extra_ml_per_day),
        alarm_date=_first_reach(plan, start, start_volume_ml, alarm_volume_ml),
        empty_date=_first_reach(plan, start, start_volume_ml, 0.0),
        _plan=plan,
    )


def _first_reach(plan: _Plan, start: datetime, start_volume_ml: float, target_ml: float) -> datetime | None:
    if start_volume_ml <= target_ml:
        return start
    return plan.moment_delivered(start_volume_ml - target_ml)

