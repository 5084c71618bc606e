"""The review: the pump's program and the new one side by side, what follows, and what stands in the way.

Qt-free: the review screen, the refill's review and the report show these rows and findings;
the safety gate (programmer.session.gate) decides, the review only lays it out.
"""

from __future__ import annotations

from msgspec import Struct

from programmer.session.schedule_figures import calendar_day_text, weekday_names
from programmer.session.status import ReservoirDates
from programmer.therapy.drugs import same_drug
from programmer.therapy.prescription import InfusionMode, Prescription
from programmer.therapy.projection import Projection
from programmer.therapy.safety import Finding, blocking, needing_reason
from programmer.therapy.schedule import DaySchedule
from programmer.wording import ml_per_day_text, percent_change_text

# The review table's columns: the last says in words which rows change (their colour only repeats it).
COLUMNS = ("Setting", "On the pump now", "New program", "Changed")


class Difference(Struct, frozen=True):
    """One line of the review: what changes, from what, to what."""

    label: str
    old: str
    new: str

    @property
    def changed(self) -> bool:
        return self.old != self.new

    @property
    def cells(self) -> tuple[str, str, str, str]:
        """The row under COLUMNS: 'yes' under Changed when it changes, nothing when it does not."""
        return self.label, self.old, self.new, "yes" if self.changed else ""


class Review(Struct, frozen=True):
    """The Finish screen: old and new side by side, what follows, and what stands in the way."""

    rows: list[Difference]
    dose_change_percent: float | None
    old_daily_volume_ml: float
    new_daily_volume_ml: float
    old_projection: Projection
    new_projection: Projection
    findings: list[Finding]
    blocking: list[Finding]
    needs_reason: list[Finding]
    has_changes: bool

    @classmethod
    def comparing(
        cls,
        old: Prescription,
        new: Prescription,
        rows: list[Difference],
        old_projection: Projection,
        new_projection: Projection,
        findings: list[Finding],
        has_changes: bool,
    ) -> Review:
        """The review of `old` → `new`: the % dose change (same drug only), volumes and findings by severity."""
        same = same_drug(old.drug, new.drug)
        percent = new.nominal_daily_dose.percent_change_from(old.nominal_daily_dose) if same else None
        return cls(
            rows=rows,
            dose_change_percent=percent,
            old_daily_volume_ml=old.nominal_daily_volume_ml,
            new_daily_volume_ml=new.nominal_daily_volume_ml,
            old_projection=old_projection,
            new_projection=new_projection,
            findings=findings,
            blocking=blocking(findings),
            needs_reason=needing_reason(findings),
            has_changes=has_changes,
        )

    @property
    def dose_change_text(self) -> str:
        """'+33.3 %', 'no change (0 %)', or why there is no %."""
        if self.dose_change_percent is None:
            return "no % change (new drug, or no dose before)"
        return percent_change_text(self.dose_change_percent)

    @property
    def daily_volume_text(self) -> str:
        """'0.18 mL/day (now 0.15 mL/day)'."""
        return f"{ml_per_day_text(self.new_daily_volume_ml)} (now {ml_per_day_text(self.old_daily_volume_ml)})"

    @property
    def can_program(self) -> bool:
        return self.has_changes and not self.blocking

    def why_not(self, reason: str = "", entry_problem: str = "") -> str:
        """Why "Program pump" must stay off, in words; "" when it may be pressed.

        `reason` is what the clinician typed for the findings that need one; `entry_problem` an entry
        the editor still refuses (the program is not what the screen shows).
        """
        if entry_problem:
            return f"Fix the prescription first: {entry_problem}"
        if not self.has_changes:
            return "Nothing to program: no changes are pending."
        if self.blocking:
            return "Cannot program: a safety check blocks this program (see above)."
        if self.needs_reason and not reason.strip():
            return "Type the reason for the findings marked Reason required to enable programming."
        return ""


def alarm_rows(old: ReservoirDates, new: ReservoirDates) -> list[Difference]:
    """The alarm date and days until it, before and after (an alarm that fired: when, and how long ago)."""
    return [
        Difference("Alarm date", old.alarm.text(), new.alarm.text()),
        Difference("Days until alarm", old.alarm.days_text(), new.alarm.days_text()),
    ]


def daily_dose_text(prescription: Prescription) -> str:
    dose = prescription.nominal_daily_dose
    if prescription.mode is InfusionMode.FLEX and prescription.schedule.per_weekday:
        return f"{dose} (weekly mean)"
    return f"{dose} ({dose.per_hour_text()})"


def schedule_text(prescription: Prescription) -> str:
    """The steps as the pump runs them.

    One schedule for every day: its steps round the clock ('06:00–22:00 2 mg/day, 22:00–06:00 1 mg/day').
    A schedule per weekday: every weekday from 00:00 to 24:00, days alike grouped, so what each calendar
    day gets is read exactly as it is delivered ('Friday: 00:00–06:00 1 mg/day, …, 22:00–24:00 1 mg/day').
    """
    if prescription.mode is not InfusionMode.FLEX:
        return "—"
    schedule = prescription.schedule
    if not schedule.per_weekday:
        return ", ".join(f"{interval.label()} {interval.rate}" for interval in schedule.day(0).intervals())
    weekdays: dict[DaySchedule, list[int]] = {}
    for weekday in range(7):
        weekdays.setdefault(schedule.day(weekday), []).append(weekday)
    return "; ".join(f"{weekday_names(days)}: {calendar_day_text(day)}" for day, days in weekdays.items())
