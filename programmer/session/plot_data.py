"""What the projected-reservoir plot shows and checks, computed without Qt so the widget only draws it.

Curves are the projections' exact breakpoints (rate changes, alarm and empty
instants), never daily samples, so flex steps and a bolus drop show when zoomed in.
Times on the plot are POSIX seconds with the pump's naive clock read as UTC, the
same convention as Projection.series_arrays: the axis then shows the pump's own
clock whatever the time zone of the computer running the emulator.

Every word on the plot is made here: the summary under it, the marker and line labels,
the legend's titles, the hover readout, the refill appointment's warning and suggestion.
Once the pump has raised its low-reservoir (or empty) alarm, the dates say when it fired
and how long ago, as the status screen does (programmer.session.status.reservoir_dates),
never a projection from a volume already below the alarm ("in 0.0 days").
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING

from msgspec import Struct
from msgspec.structs import replace

from programmer.pump.log import BolusDetails, BolusPhase, EventKind
from programmer.pump.memory import Alarm, PumpMemory
from programmer.session.status import ReservoirDate, ReservoirDates, reservoir_dates, reservoir_projection
from programmer.therapy.prescription import BolusKind
from programmer.therapy.projection import Projection
from programmer.wording import days_text, ml_text, short_date_text, short_moment_text, weekday_moment_text

if TYPE_CHECKING:  # numpy too: only named here, and its import is a third of a headless command's start (issue 16)
    import numpy as np

    from programmer.pump.firmware import Program
    from programmer.session.programming import ProgrammingSession

HORIZON_PRESETS_DAYS = (30, 90, 180, 365)
DEFAULT_HORIZON_DAYS = 90
# Furthest the plot computes ahead, whatever the zoom: a pump's program is rarely left longer.
MAX_AHEAD = timedelta(days=3 * 365)
# Book the next refill a few days before the alarm date (see the refill workflow).
APPOINTMENT_DAYS_BEFORE_ALARM = 7
APPOINTMENT_HOUR = 9  # a clinic appointment in the morning
APPOINTMENT_SNAP = timedelta(minutes=15)  # a dragged appointment lands on a quarter hour

_EPOCH = datetime(1970, 1, 1)
_DAY = timedelta(days=1)


def to_seconds(moment: datetime) -> float:
    """Plot x of a pump-clock moment (naive, read as UTC)."""
    return (moment - _EPOCH).total_seconds()


def from_seconds(seconds: float) -> datetime:
    """Pump-clock moment of a plot x, to the microsecond."""
    return _EPOCH + timedelta(seconds=float(seconds))


def axis_title(left: float, right: float) -> str:
    """The date axis's title for a view from `left` to `right` (plot x): its ticks leave the year out."""
    first, last = from_seconds(max(left, 0)).year, from_seconds(max(right, 0)).year
    years = str(first) if first == last else f"{first}–{last}"
    return f"Date (pump clock), {years}"


@lru_cache(maxsize=256)  # every redraw asks again for the labels of the markers that did not move
def marker_text(title: str, moment: datetime) -> str:
    """A vertical marker's label: what it marks over the day and time ('Alarm (current)\\nTue 01 Jul 09:00')."""
    return f"{title}\n{short_moment_text(moment)}"


def appointment_text(moment: datetime) -> str:
    return marker_text("Refill appointment", moment)


def snap_appointment(moment: datetime) -> datetime:
    """A dragged appointment on the nearest quarter hour."""
    steps = round((moment - datetime.min) / APPOINTMENT_SNAP)
    return datetime.min + steps * APPOINTMENT_SNAP


def appointment_on(day: date, appointment: datetime) -> datetime:
    """The appointment moved to another day, at the same time of day."""
    return datetime.combine(day, appointment.time())


class PatientBolusPoint(Struct, frozen=True):
    """A patient bolus given on the PTM, drawn where it started: on the reservoir level it started from."""

    at: datetime
    reservoir_ml: float  # in the reservoir as it started
    text: str  # 'Patient bolus Sat 21 Nov 09:00: 0.1 mg (0.01 mL)'
    dose_text: str  # '0.1 mg'


def patient_bolus_points(memory: PumpMemory, since: datetime) -> tuple[PatientBolusPoint, ...]:
    """The patient boluses the pump logged from `since` on, each with the reservoir volume as it started."""
    points = []
    for event in memory.events.since(since):
        details = event.details
        if (
            event.kind is EventKind.BOLUS
            and isinstance(details, BolusDetails)
            and details.bolus is BolusKind.PATIENT
            and details.phase is BolusPhase.PROGRAMMED
            and details.reservoir_ml is not None
        ):
            dose = str(details.dose) if details.dose is not None else "dose not logged"
            volume = f" ({ml_text(details.volume_ml)})" if details.volume_ml is not None else ""
            text = f"Patient bolus {short_moment_text(event.at)}: {dose}{volume}"
            points.append(PatientBolusPoint(event.at, details.reservoir_ml, text, dose))
    return tuple(points)


class PlotInputs(Struct, frozen=True):
    """Everything the plot needs from a session, at one moment of the pump's clock."""

    current: Projection
    pending: Projection | None
    now: datetime
    capacity_ml: float
    band: tuple[Projection, Projection] | None = None  # (no patient boluses, every allowed bolus used)
    last_refill: tuple[datetime, float] | None = None  # when, and the volume right after it
    alarms: tuple[Alarm, ...] = ()  # the pump's active alarms: a fired reservoir alarm is dated when it fired
    patient_boluses: tuple[PatientBolusPoint, ...] = ()  # given since the last refill
    memory: PumpMemory | None = None  # what these were made from


def memory_inputs(memory: PumpMemory, pending: Program | None = None, previous: PlotInputs | None = None) -> PlotInputs:
    """The plot of the pump as it is and, beside it, of `pending` (a program not sent yet).

    The patient-bolus band follows the program that will run: the pending one, else the pump's own.
    What depends on the pump's memory alone (its own projection, the boluses given) is taken from
    `previous` when that was made from the same memory: an edit of the pending program recomputes
    only what the pending program changes.
    """
    same = previous if previous is not None and previous.memory is memory else None
    shown, prescription, pending_projection = memory, None, None
    if pending is not None:
        shown = replace(memory, low_alarm_ml=pending.low_alarm_ml)
        prescription = pending.prescription
        pending_projection = reservoir_projection(shown, prescription)
    band = None
    if memory.ptm is not None:
        band = (
            reservoir_projection(shown, prescription, with_patient_boluses=False),
            reservoir_projection(shown, prescription, with_patient_boluses=True),
        )
    return PlotInputs(
        current=same.current if same else reservoir_projection(memory),
        pending=pending_projection,
        now=memory.clock,
        capacity_ml=memory.model.reservoir_capacity_ml,
        band=band,
        last_refill=(memory.last_refill_at, memory.last_refill_ml),
        alarms=tuple(memory.alarms),
        patient_boluses=(
            same.patient_boluses if same else patient_bolus_points(memory, min(memory.last_refill_at, memory.clock))
        ),
        memory=memory,
    )


def session_inputs(session: ProgrammingSession, previous: PlotInputs | None = None) -> PlotInputs | None:
    """The plot's inputs from a connected session (see memory_inputs); None before a pump is interrogated."""
    return memory_inputs(session.current, session.pending, previous) if session.current is not None else None


class Curve(Struct, frozen=True):
    """One projection drawn from its start to the plot's end, with its alarm and empty dates as a nurse reads them."""

    name: str  # "current" or "pending": what tests and the widget key on
    title: str  # what the legend says
    projection: Projection
    seconds: np.ndarray
    volumes_ml: np.ndarray
    dates: ReservoirDates
    end: datetime | None = None  # computed up to here, from these alarms: what it can be reused for
    alarms: tuple[Alarm, ...] = ()

    @classmethod
    def of(cls, name: str, title: str, projection: Projection, end: datetime, alarms: tuple[Alarm, ...] = ()) -> Curve:
        if projection.extra_ml_per_day > 0 and name in ("current", "pending"):
            title += ", every allowed patient bolus used"  # the valve-gated model's rule
        seconds, volumes = projection.series_arrays(max(end, projection.start))
        return cls(name, title, projection, seconds, volumes, reservoir_dates(projection, alarms), end, alarms)

    def made_of(self, projection: Projection, end: datetime, alarms: tuple[Alarm, ...]) -> bool:
        """Whether this curve is `projection` (the same object) up to `end` with `alarms`: then it can be reused."""
        return self.projection is projection and self.end == end and self.alarms == alarms

    @property
    def alarm(self) -> ReservoirDate:
        return self.dates.alarm

    @property
    def alarm_date(self) -> datetime | None:
        """When the alarm fired, or its projected date; None when the pump delivers nothing."""
        return self.dates.alarm.date

    @property
    def empty_date(self) -> datetime | None:
        return self.dates.empty.date

    @property
    def alarm_volume_ml(self) -> float:
        return self.projection.alarm_volume_ml

    def summary(self, now: datetime) -> str:
        """'Current program: alarm at 2 mL on Tue 2025-07-01 09:00 (in 120.0 days), empty on …'."""
        alarm, empty = self.dates.alarm, self.dates.empty
        if alarm.date is None:
            return f"{self.title}: no delivery, so no alarm date"
        volume = ml_text(self.alarm_volume_ml)
        if alarm.fired:
            text = f"{self.title}: alarm at {volume} fired on {weekday_moment_text(alarm.date)} ({alarm.ago_text} ago)"
        elif alarm.passed:
            text = f"{self.title}: alarm volume reached: {alarm.volumes_text}"
        else:
            days = days_text((alarm.date - now) / _DAY)
            text = f"{self.title}: alarm at {volume} on {weekday_moment_text(alarm.date)} (in {days})"
        if empty.fired:
            text += f", ran empty on {weekday_moment_text(empty.date)} ({empty.ago_text} ago)"
        elif empty.passed:
            text += ", empty now"
        elif empty.date is not None:
            text += f", empty on {weekday_moment_text(empty.date)}"
            if alarm.passed:  # the alarm is behind: how long is left is what counts now
                text += f" (in {days_text((empty.date - now) / _DAY)})"
        return text


class PatientBolusBand(Struct, frozen=True):
    """Between no patient boluses (upper edge) and every allowed bolus used (lower edge)."""

    no_boluses: Curve
    every_bolus: Curve

    @property
    def worst_case_refill_date(self) -> datetime | None:
        """When the reservoir reaches the alarm volume if the patient uses every allowed bolus."""
        return self.every_bolus.alarm_date


class Marker(Struct, frozen=True):
    """A vertical line at a moment, with its label; `moment` None: not drawn."""

    key: str  # current_alarm, current_empty, pending_alarm, pending_empty, worst_case, now
    moment: datetime | None
    text: str = ""


class AlarmLine(Struct, frozen=True):
    """The low-reservoir alarm volume as a horizontal line."""

    key: str  # current, pending
    volume_ml: float
    text: str


class ReservoirPlotData(Struct, frozen=True):
    """What the reservoir plot shows: its time span, the current and pending curves, the patient boluses."""

    now: datetime
    start: datetime  # left edge: the last refill, or now
    end: datetime  # the curves are computed up to here
    capacity_ml: float
    current: Curve
    pending: Curve | None
    band: PatientBolusBand | None
    last_refill: tuple[datetime, float] | None
    patient_boluses: tuple[PatientBolusPoint, ...] = ()

    @property
    def curves(self) -> tuple[Curve, ...]:
        return (self.current,) if self.pending is None else (self.current, self.pending)

    @property
    def governing(self) -> Curve:
        """The program that will run: the pending one while edits are pending."""
        return self.pending or self.current

    # --- what is drawn ------------------------------------------------------------------------------------
    def markers(self) -> dict[str, Marker]:
        """Every vertical marker by key, with its label; a marker with no moment is hidden."""
        markers = {}
        for key, curve in (("current", self.current), ("pending", self.pending)):
            for event, title in (("alarm", "Alarm"), ("empty", "Empty")):
                when = getattr(curve.dates, event) if curve is not None else None
                moment = when.date if when is not None else None
                if when is not None and when.fired:
                    title += " fired"
                    if key == "pending":
                        moment = None  # a program does not change when an alarm fired: the current marker says it
                markers[f"{key}_{event}"] = Marker(f"{key}_{event}", moment, _marker_label(title, key, moment))
        worst = self._worst_case_marked()
        markers["worst_case"] = Marker("worst_case", worst, _marker_label("Refill by, every bolus used", "", worst))
        markers["now"] = Marker("now", self.now, marker_text("Now", self.now))
        return markers

    def _worst_case_marked(self) -> datetime | None:
        """The band's refill-by date, unless it has passed or a curve's alarm marker already sits there."""
        worst = self.band.worst_case_refill_date if self.band is not None else None
        if worst is None or worst <= self.now:
            return None
        # The valve-gated rule already projects every bolus: its alarm marker is the worst case.
        return None if worst in {curve.alarm_date for curve in self.curves} else worst

    def alarm_lines(self) -> list[AlarmLine]:
        """The current alarm volume, and the pending one when it differs."""
        current = self.current.alarm_volume_ml
        lines = [AlarmLine("current", current, f"Low-reservoir alarm {ml_text(current)}")]
        pending = self.pending
        if pending is not None and pending.alarm_volume_ml != current:
            volume = ml_text(pending.alarm_volume_ml)
            lines.append(AlarmLine("pending", pending.alarm_volume_ml, f"Low-reservoir alarm {volume} (pending)"))
        return lines

    def refill_text(self) -> str | None:
        """The last refill's point label, or None when the refill is not behind the clock."""
        refill = self.last_refill
        if refill is None or refill[0] >= self.now:
            return None
        when, volume = refill
        return f"Refilled {short_date_text(when)}: {ml_text(volume)}"

    def legend(self, appointment: bool) -> list[tuple[str, str]]:
        """(key, title) of each legend entry, in order."""
        entries = [("current", self.current.title)]
        if self.pending is not None:
            entries.append(("pending", self.pending.title))
        if self.band is not None:
            entries.append(("band", "Patient boluses: none to every allowed"))
        entries.append(("alarm", "Low-reservoir alarm volume"))
        if appointment:
            entries.append(("appointment", "Next refill (drag to move)"))
        return entries

    # --- words -----------------------------------------------------------------------------------------------
    def readout(self, moment: datetime) -> str:
        """The hover readout: date and time, then each curve's volume and days until its alarm."""
        parts = [weekday_moment_text(moment)]
        for curve in self.curves:
            projection = curve.projection
            if moment < projection.start:
                parts.append(f"{curve.title}: before the projection starts")
                continue
            text = f"{curve.title}: {ml_text(round(projection.volume_at(moment), 2))}"
            if curve.alarm_date is None:
                text += ", no alarm (no delivery)"
            else:
                days = (curve.alarm_date - moment) / _DAY
                text += f", {days_text(days)} until alarm" if days >= 0 else f", alarm {days_text(-days)} ago"
            parts.append(text)
        if self.band is not None:
            shown = [curve.projection for curve in self.curves]
            for edge in (self.band.no_boluses, self.band.every_bolus):
                if moment >= edge.projection.start and edge.projection not in shown:
                    parts.append(f"{edge.title}: {ml_text(round(edge.projection.volume_at(moment), 2))}")
        return " · ".join(parts)

    def appointment_warning(self, appointment: datetime | None) -> str | None:
        """Why the refill appointment is too late, or None when it comes before every alarm that counts."""
        if appointment is None:
            return None
        curve = self.governing
        which = "pending program" if curve is self.pending else "current program"
        alarm = curve.alarm
        empty = curve.empty_date
        booked = weekday_moment_text(appointment)
        runs_empty = ""
        if empty is not None and appointment > empty:
            runs_empty = f"; the reservoir runs empty on {weekday_moment_text(empty)}"
        if alarm.fired:
            return (
                f"Refill appointment {booked} comes after the low-reservoir alarm, which fired "
                f"on {weekday_moment_text(alarm.date)} ({alarm.ago_text} ago, {which}){runs_empty}. "
                "Book the refill as soon as possible."
            )
        if alarm.date is not None and appointment > alarm.date:
            late = (appointment - alarm.date) / _DAY
            return (
                f"Refill appointment {booked} is {days_text(late)} after the "
                f"low-reservoir alarm date {weekday_moment_text(alarm.date)} ({which}){runs_empty}. "
                "Book the refill before the alarm date."
            )
        worst = self.band.worst_case_refill_date if self.band is not None else None
        if worst is not None and appointment > worst:
            late = (appointment - worst) / _DAY
            return (
                f"Refill appointment {booked} is {days_text(late)} after "
                f"{weekday_moment_text(worst)}, the alarm date if the patient uses every allowed bolus. "
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
        lines = [curve.summary(self.now) for curve in self.curves]
        worst = self.band.every_bolus.alarm if self.band is not None else None
        if worst is not None and worst.date is not None:
            if worst.passed:
                when = f"now: {worst.volumes_text}"
            else:
                when = f"by {weekday_moment_text(worst.date)} (in {days_text((worst.date - self.now) / _DAY)})"
            lines.append(f"Every allowed patient bolus used: refill {when}")
        if self.patient_boluses:
            last = self.patient_boluses[-1]
            count = len(self.patient_boluses)
            lines.append(
                f"Patient boluses given (PTM, ▲ on the plot) since {short_date_text(self.start)}: {count}, "
                f"the last {short_moment_text(last.at)} ({last.dose_text})"
            )
        return lines


def _marker_label(title: str, key: str, moment: datetime | None) -> str:
    if moment is None:
        return ""
    return marker_text(f"{title} ({key})" if key else title, moment)


def data_end(now: datetime, horizon_days: int, shown_end: datetime | None = None) -> datetime:
    """How far to compute: the horizon, or as far as the view shows (within MAX_AHEAD) once zoomed by hand."""
    end = now + timedelta(days=horizon_days)
    if shown_end is not None:
        end = max(end, min(shown_end, now + MAX_AHEAD))
    return end


def plot_data(inputs: PlotInputs, end: datetime, previous: ReservoirPlotData | None = None) -> ReservoirPlotData:
    """Curves, markers and band from `inputs` up to `end`; the current curve of `previous` if it is the same."""
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
    current = previous.current if previous is not None else None
    if current is None or not current.made_of(inputs.current, end, inputs.alarms):
        current = Curve.of("current", "Current program", inputs.current, end, inputs.alarms)
    pending = None
    if inputs.pending is not None:
        # A program does not clear a fired alarm, unless it moves the alarm volume the alarm was about.
        same_volume = inputs.pending.alarm_volume_ml == inputs.current.alarm_volume_ml
        alarms = inputs.alarms if same_volume else ()
        pending = Curve.of("pending", "Pending program (not programmed yet)", inputs.pending, end, alarms)
    return ReservoirPlotData(
        now=inputs.now,
        start=start,
        end=end,
        capacity_ml=inputs.capacity_ml,
        current=current,
        pending=pending,
        band=band,
        last_refill=inputs.last_refill,
        patient_boluses=inputs.patient_boluses,
    )
