"""What the projected-reservoir plot shows, computed without Qt so the widget only draws it.

Curves are the projections' exact breakpoints (rate changes, alarm and empty
instants), never daily samples, so flex steps and a bolus drop show when zoomed in.
Times on the plot are POSIX seconds with the pump's naive clock read as UTC, the
same convention as Projection.series_arrays: the axis then shows the pump's own
clock whatever the time zone of the computer running the emulator.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import numpy as np

from programmer.session.status import reservoir_projection
from programmer.therapy.projection import Projection
from programmer.therapy.units import format_number

if TYPE_CHECKING:
    from programmer.session.programming import ProgrammingSession

HORIZON_PRESETS_DAYS = (30, 90, 180, 365)
DEFAULT_HORIZON_DAYS = 90
# Book the next refill a few days before the alarm date (see the refill workflow).
APPOINTMENT_DAYS_BEFORE_ALARM = 7
APPOINTMENT_HOUR = 9  # a clinic appointment in the morning

_EPOCH = datetime(1970, 1, 1)
_DAY = timedelta(days=1)


def to_seconds(moment: datetime) -> float:
    """Plot x of a pump-clock moment (naive, read as UTC)."""
    return (moment - _EPOCH).total_seconds()


def from_seconds(seconds: float) -> datetime:
    """Pump-clock moment of a plot x, to the microsecond."""
    return _EPOCH + timedelta(seconds=float(seconds))


def format_moment(moment: datetime) -> str:
    return moment.strftime("%a %Y-%m-%d %H:%M")


def format_days(days: float) -> str:
    return f"{days:.1f} day" + ("" if abs(days) == 1 else "s")


@dataclass(frozen=True)
class PlotInputs:
    """Everything the plot needs from a session, at one moment of the pump's clock."""

    current: Projection
    pending: Projection | None
    now: datetime
    capacity_ml: float
    band: tuple[Projection, Projection] | None = None  # (no patient boluses, every allowed bolus used)
    last_refill: tuple[datetime, float] | None = None  # when, and the volume right after it


def session_inputs(session: ProgrammingSession) -> PlotInputs | None:
    """The plot's inputs from a connected session; None before a pump is interrogated.

    The patient-bolus band follows the program that will run: the pending one while
    edits are pending, else the pump's own.
    """
    memory = session.current
    if memory is None:
        return None
    band = None
    if memory.ptm is not None:
        shown = memory
        if session.pending is not None:
            shown = replace(memory, low_alarm_ml=session.pending.low_alarm_ml)
        prescription = session.pending_prescription
        band = (
            reservoir_projection(shown, prescription, with_patient_boluses=False),
            reservoir_projection(shown, prescription, with_patient_boluses=True),
        )
    return PlotInputs(
        current=session.current_projection(),
        pending=session.pending_projection(),
        now=memory.clock,
        capacity_ml=memory.model.reservoir_capacity_ml,
        band=band,
        last_refill=(memory.last_refill_at, memory.last_refill_ml),
    )


@dataclass(frozen=True)
class Curve:
    """One projection drawn from its start to the plot's end."""

    name: str  # "current" or "pending": what tests and the widget key on
    title: str  # what the legend says
    projection: Projection
    seconds: np.ndarray
    volumes_ml: np.ndarray

    @classmethod
    def of(cls, name: str, title: str, projection: Projection, end: datetime) -> Curve:
        if projection.extra_ml_per_day > 0 and name in ("current", "pending"):
            title += ", every allowed patient bolus used"  # the valve-gated model's rule
        seconds, volumes = projection.series_arrays(max(end, projection.start))
        return cls(name, title, projection, seconds, volumes)

    @property
    def alarm_date(self) -> datetime | None:
        return self.projection.alarm_date

    @property
    def empty_date(self) -> datetime | None:
        return self.projection.empty_date

    @property
    def alarm_volume_ml(self) -> float:
        return self.projection.alarm_volume_ml


@dataclass(frozen=True)
class PatientBolusBand:
    """Between no patient boluses (upper edge) and every allowed bolus used (lower edge)."""

    no_boluses: Curve
    every_bolus: Curve

    @property
    def worst_case_refill_date(self) -> datetime | None:
        """When the reservoir reaches the alarm volume if the patient uses every allowed bolus."""
        return self.every_bolus.alarm_date


@dataclass(frozen=True)
class ReservoirPlotData:
    now: datetime
    start: datetime  # left edge: the last refill, or now
    end: datetime  # the curves are computed up to here
    capacity_ml: float
    current: Curve
    pending: Curve | None
    band: PatientBolusBand | None
    last_refill: tuple[datetime, float] | None

    @property
    def curves(self) -> tuple[Curve, ...]:
        return (self.current,) if self.pending is None else (self.current, self.pending)

    @property
    def governing(self) -> Curve:
        """The program that will run: the pending one while edits are pending."""
        return self.pending or self.current

    def readout(self, moment: datetime) -> str:
        """The hover readout: date and time, then each curve's volume and days until its alarm."""
        parts = [format_moment(moment)]
        for curve in self.curves:
            projection = curve.projection
            if moment < projection.start:
                parts.append(f"{curve.title}: before the projection starts")
                continue
            text = f"{curve.title}: {format_number(round(projection.volume_at(moment), 2))} mL"
            if curve.alarm_date is None:
                text += ", no alarm (no delivery)"
            else:
                days = (curve.alarm_date - moment) / _DAY
                text += f", {format_days(days)} until alarm" if days >= 0 else f", alarm {format_days(-days)} ago"
            parts.append(text)
        if self.band is not None:
            shown = [curve.projection for curve in self.curves]
            for edge in (self.band.no_boluses, self.band.every_bolus):
                if moment >= edge.projection.start and edge.projection not in shown:
                    parts.append(f"{edge.title}: {format_number(round(edge.projection.volume_at(moment), 2))} mL")
        return " · ".join(parts)

    def appointment_warning(self, appointment: datetime | None) -> str | None:
        """Why the refill appointment is too late, or None when it comes before every alarm that counts."""
        if appointment is None:
            return None
        curve = self.governing
        which = "pending program" if curve is self.pending else "current program"
        alarm = curve.alarm_date
        if alarm is not None and appointment > alarm:
            late = (appointment - alarm) / _DAY
            text = (
                f"Refill appointment {format_moment(appointment)} is {format_days(late)} after the "
                f"low-reservoir alarm date {format_moment(alarm)} ({which})"
            )
            empty = curve.empty_date
            if empty is not None and appointment > empty:
                text += f"; the reservoir runs empty on {format_moment(empty)}"
            return text + ". Book the refill before the alarm date."
        worst = self.band.worst_case_refill_date if self.band is not None else None
        if worst is not None and appointment > worst:
            late = (appointment - worst) / _DAY
            return (
                f"Refill appointment {format_moment(appointment)} is {format_days(late)} after "
                f"{format_moment(worst)}, the alarm date if the patient uses every allowed bolus. "
                "Book the refill before it."
            )
        return None

    def suggested_appointment(self) -> datetime:
        """A few days before the alarm date of the program that will run, in the morning, never before tomorrow."""
        tomorrow = (self.now + _DAY).replace(hour=APPOINTMENT_HOUR, minute=0, second=0, microsecond=0)
        dates = [self.governing.alarm_date]
        if self.band is not None:
            dates.append(self.band.worst_case_refill_date)
        known = [moment for moment in dates if moment is not None]
        if not known:
            return tomorrow
        day = min(known) - timedelta(days=APPOINTMENT_DAYS_BEFORE_ALARM)
        return max(tomorrow, day.replace(hour=APPOINTMENT_HOUR, minute=0, second=0, microsecond=0))

    def summary(self) -> list[str]:
        """One line per curve (and the band): alarm and empty dates in words, for the legend's reader."""
        lines = []
        for curve in self.curves:
            alarm, empty = curve.alarm_date, curve.empty_date
            if alarm is None:
                lines.append(f"{curve.title}: no delivery, so no alarm date")
                continue
            text = (
                f"{curve.title}: alarm at {format_number(curve.alarm_volume_ml)} mL on {format_moment(alarm)} "
                f"(in {format_days((alarm - self.now) / _DAY)})"
            )
            if empty is not None:
                text += f", empty on {format_moment(empty)}"
            lines.append(text)
        if self.band is not None and self.band.worst_case_refill_date is not None:
            worst = self.band.worst_case_refill_date
            lines.append(
                f"Every allowed patient bolus used: refill by {format_moment(worst)} "
                f"(in {format_days((worst - self.now) / _DAY)})"
            )
        return lines


def plot_data(inputs: PlotInputs, end: datetime) -> ReservoirPlotData:
    """Curves, markers and band from `inputs` up to `end`."""
    band = None
    if inputs.band is not None:
        no_boluses, every_bolus = inputs.band
        band = PatientBolusBand(
            Curve.of("no_patient_boluses", "No patient boluses", no_boluses, end),
            Curve.of("every_patient_bolus", "Every allowed patient bolus", every_bolus, end),
        )
    start = inputs.now
    if inputs.last_refill is not None:
        start = min(start, inputs.last_refill[0])
    pending = None
    if inputs.pending is not None:
        pending = Curve.of("pending", "Pending program (not programmed yet)", inputs.pending, end)
    return ReservoirPlotData(
        now=inputs.now,
        start=start,
        end=end,
        capacity_ml=inputs.capacity_ml,
        current=Curve.of("current", "Current program", inputs.current, end),
        pending=pending,
        band=band,
        last_refill=inputs.last_refill,
    )
