"""What a refill did and found (the record for the report), and how a refill reads.

The texts a nurse reads about a refill (a volume, a bolus, what the pump runs, the state a
refill leaves the pump in) are worded here once, for the wizard, the report and the
headless `pump refill`.
"""

from __future__ import annotations

from datetime import datetime

from msgspec import Struct

from programmer.pump.memory import PumpMemory
from programmer.session.refill.steps import DoseChoice, Port, RefillOutcome, Step
from programmer.session.refill.syringe import SyringeLabel
from programmer.session.status import ReservoirDate, format_datetime
from programmer.therapy.drugs import Drug
from programmer.therapy.prescription import Bolus, InfusionMode, Prescription
from programmer.therapy.refill import Discrepancy, FillResult
from programmer.therapy.safety import Finding
from programmer.therapy.units import Concentration
from programmer.wording import duration_text, ml_per_day_text, ml_text, moment_text


def bolus_text(bolus: Bolus) -> str:
    """'0.546 mL (5.46 mg) over 3 d 15 h 22 min at 0.15 mL/day from 2026-04-27 09:00 until 2026-05-01 00:22'."""
    return (
        f"{ml_text(bolus.volume_ml)} ({bolus.dose}) over {duration_text(bolus.duration)} "
        f"at {ml_per_day_text(bolus.ml_per_day)} from {moment_text(bolus.start)} until {moment_text(bolus.end)}"
    )


def runs_text(prescription: Prescription) -> str:
    """'morphine 10 mg/mL at 1.5 mg/day': what the pump delivers, as a nurse says it."""
    head = f"{prescription.drug} {prescription.concentration}"
    mode = prescription.mode
    if mode is InfusionMode.STOPPED:
        return f"{head}, stopped (no delivery)"
    if mode is InfusionMode.SINGLE_BOLUS:
        return f"{head}, a single bolus of {prescription.bolus.dose} and then no delivery"
    if mode is InfusionMode.FLEX:
        return f"{head} on a flexible schedule ({prescription.nominal_daily_dose} on average)"
    text = f"{head} at {prescription.daily_dose}"
    if mode is InfusionMode.MINIMUM_RATE:
        text += " (minimum rate)"
    if prescription.bolus is not None:
        text += f" (starting with a {prescription.bolus.kind.value} bolus)"
    return text


UNVERIFIED_TEXT = (
    "The pump was written but its read-back did not match what was sent: interrogate the pump and check every "
    "setting before the patient leaves."
)


def programmed_text(after: PumpMemory, alarm_date: datetime | None) -> str:
    """The state a programmed refill leaves the pump in, as read back."""
    return (
        f"Refill programmed and verified: the pump runs {runs_text(after.prescription)}; "
        f"{ml_text(after.reservoir_ml)} in the reservoir; alarm date {format_datetime(alarm_date)}."
    )


def nothing_written_text(
    old: Prescription,
    expected_ml: float,
    removed: Discrepancy | None,
    fill: FillResult | None,
    filled_with: tuple[Drug, Concentration] | None,
    concentration_changes: bool,
) -> str:
    """The state a refill leaves the pump in when nothing was written: what it runs and what it wrongly expects."""
    text = f"Nothing was written to the pump: it still runs {runs_text(old)}"
    if fill is not None:
        drug, concentration = filled_with
        text += (
            f" and expects {ml_text(expected_ml)} in its reservoir, but the reservoir was emptied and filled "
            f"with {ml_text(fill.added_ml)} of {drug.name} {concentration}: the pump's alarm date is wrong until "
            "the refill is programmed"
        )
        if concentration_changes:
            text += (
                f", and it is programmed for {old.drug} {old.concentration}, so the dose delivered is wrong: "
                "program the pump now"
            )
        return text + "."
    if removed is not None:
        return (
            f"{text} and expects {ml_text(expected_ml)} in its reservoir, but the reservoir was emptied "
            f"({ml_text(removed.removed_ml)} removed): refill it or the pump will run dry, and its "
            "low-reservoir alarm will not warn, as it is calculated from the volume the pump expects."
        )
    return f"{text} with {ml_text(expected_ml)} expected in the reservoir."


class RefillRecord(Struct, frozen=True):
    """Everything the refill did and found, for the session report."""

    patient_id: str
    pump_serial: str
    pump_model: str
    started_at: datetime  # the pump's clock when the refill began
    outcome: RefillOutcome
    step: Step  # where the refill is, or where it ended
    syringe_label: SyringeLabel
    label_matches: bool | None  # the nurse's reading of the label at step 1
    port: Port | None
    expected_ml: float
    removed_ml: float | None
    discrepancy: Discrepancy | None
    discrepancy_acknowledgement: str
    fill: FillResult | None
    fill_drug: str | None
    fill_concentration: Concentration | None
    pocket_fill_acknowledgement: str
    old_prescription: Prescription
    new_prescription: Prescription | None  # with the bridge bolus when one is given
    dose_choice: DoseChoice | None  # None when the concentration did not change
    bridge_bolus: Bolus | None
    bridge_bolus_declined: bool
    new_volume_ml: float | None
    old_alarm: ReservoirDate  # the pump's low-reservoir alarm when the refill began (when it fired, if it did)
    new_alarm_date: datetime | None
    appointment: datetime | None
    appointment_warning: str | None
    findings: tuple[Finding, ...]  # the safety findings shown at review
    reason: str  # typed for a finding that needs one (a soft limit, a titration rule)
    second_checker: str
    changes: tuple[str, ...]  # what the pump read back as changed
    programmed_at: datetime | None
    statement: str  # the pump's state in words: programmed, abandoned or stopped

    @property
    def old_alarm_date(self) -> datetime | None:
        """The alarm date when the refill began; when the alarm had fired, the moment it fired."""
        return self.old_alarm.date

    def summary(self) -> list[tuple[str, str]]:
        """(label, value) lines for the Finish page and the report."""
        lines = [
            ("Outcome", self.outcome.value),
            ("Patient / pump", f"{self.patient_id or '—'} / {self.pump_model} #{self.pump_serial}"),
            ("Syringe label", str(self.syringe_label)),
            ("Expected in reservoir", ml_text(self.expected_ml)),
            ("Removed", "—" if self.removed_ml is None else ml_text(self.removed_ml)),
            ("Discrepancy", self.discrepancy.message if self.discrepancy else "—"),
        ]
        if self.discrepancy_acknowledgement:
            lines.append(("Discrepancy acknowledged", self.discrepancy_acknowledgement))
        if self.fill is not None:
            lines.append(("Added", f"{ml_text(self.fill.added_ml)} of {self.fill_drug} {self.fill_concentration}"))
            if self.fill.pocket_fill_suspected:
                lines.append(("Possible pocket fill", self.fill.message))
                lines.append(("Pocket fill acknowledged", self.pocket_fill_acknowledgement))
        lines.append(("New reservoir volume", "—" if self.new_volume_ml is None else ml_text(self.new_volume_ml)))
        if self.new_prescription is not None and self.new_prescription != self.old_prescription:
            lines.append(("Program", f"{runs_text(self.old_prescription)} → {runs_text(self.new_prescription)}"))
        if self.dose_choice is not None:
            lines.append(("Daily dose", f"{self.dose_choice.value} for the new concentration"))
        if self.bridge_bolus is not None:
            lines.append(("Bridge bolus", bolus_text(self.bridge_bolus)))
        elif self.bridge_bolus_declined:
            lines.append(("Bridge bolus", "declined"))
        if self.outcome is RefillOutcome.PROGRAMMED:
            alarm = f"{format_datetime(self.new_alarm_date)} (was {_was(self.old_alarm)})"
        else:
            alarm = f"{self.old_alarm.text()} on the pump: the refill was not programmed"
        lines += [
            ("Alarm date", alarm),
            ("Next refill appointment", format_datetime(self.appointment) if self.appointment else "not booked"),
        ]
        if self.appointment_warning:
            lines.append(("Appointment warning", self.appointment_warning))
        lines += [("Finding", str(finding)) for finding in self.findings]
        if self.reason:
            lines.append(("Reason", self.reason))
        lines.append(("Second check", self.second_checker or "not required"))
        lines.append(("Pump state", self.statement))
        return lines


def _was(alarm: ReservoirDate) -> str:
    """The old alarm date inside brackets: '2026-05-05 09:00' or '2026-05-05 09:00, fired 2 d 3 h ago'."""
    return f"{format_datetime(alarm.date)}, fired {alarm.ago_text} ago" if alarm.fired else alarm.text()
