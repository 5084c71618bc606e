"""What the status screen shows after an interrogation, worked out without Qt.

Every value a nurse checks first (therapy, reservoir and alarm dates, pump and catheter) as
text with its unit, and the list of warnings: what the stored program breaks in the drug
library, then the pump's active alarms, most urgent first, each with its level in words.
"""

from __future__ import annotations

from msgspec import Struct

from programmer.pump.firmware import delivery_hold_text
from programmer.pump.memory import Alarm, Catheter, PumpMemory
from programmer.session.gate import stored_finding_text, stored_program_findings
from programmer.session.levels import ALARM_LEVELS, Level
from programmer.session.review import daily_dose_text
from programmer.session.status import format_datetime, reservoir_dates, reservoir_projection
from programmer.therapy.drugs import DrugLibrary
from programmer.therapy.safety import FindingSeverity
from programmer.wording import date_text, format_number, ml_per_day_text, ml_text

# (key, label) per group, in the order a nurse reads them.
FIELDS = {
    "therapy": (
        ("drug", "Drug"),
        ("concentration", "Concentration"),
        ("mode", "Mode"),
        ("dailyDose", "Daily dose"),
        ("dailyVolume", "Daily volume"),
        ("entered", "Prescription entered"),
    ),
    "reservoir": (
        ("reservoir", "Reservoir volume now"),
        ("lowAlarm", "Low-reservoir alarm at"),
        ("alarmDate", "Alarm date"),
        ("daysToAlarm", "Days until alarm"),
        ("emptyDate", "Reservoir empty"),
        ("replaceBy", "Replace pump by"),
    ),
    "pump": (
        ("model", "Model"),
        ("implanted", "Implanted"),
        ("catheter", "Catheter"),
        ("lastRefill", "Last refill"),
        ("ptm", "Patient bolus (PTM)"),
    ),
}
GROUP_TITLES = {"therapy": "Therapy", "reservoir": "Reservoir and alarm dates", "pump": "Pump and catheter"}
NO_ALARMS = "No active alarms"


class StatusLine(Struct, frozen=True):
    """One line of the status screen's alarms and warnings, with its severity."""

    level: Level
    text: str


class StatusScreen(Struct, frozen=True):
    """What the status screen shows: each field's text, and the alarm and warning lines."""

    values: dict[str, str]  # key → text, for every key in FIELDS
    lines: tuple[StatusLine, ...]  # warnings and alarms; never empty: "No active alarms" when there is nothing to say


def pump_text(memory: PumpMemory) -> str:
    """'Pump PX-20 · serial PX20-DEMO-0001': the pump as every screen names it (the header, the patient's handheld)."""
    return f"Pump {memory.model_name} · serial {memory.serial}"


def patient_text(memory: PumpMemory) -> str:
    """'Patient ID DEMO-0001', or 'Patient ID —' for a pump with none recorded."""
    return f"Patient ID {memory.patient_id or '—'}"


def catheter_text(catheter: Catheter) -> str:
    return (
        f"{format_number(catheter.implanted_length_cm)} cm implanted "
        f"({format_number(catheter.length_cm)} cm, {format_number(catheter.trimmed_cm)} cm trimmed), "
        f"tip at {catheter.tip_location}"
    )


def alarm_text(alarm: Alarm) -> str:
    """'CRITICAL: Reservoir empty since 2025-03-01 08:00': the severity in words, never colour alone."""
    return f"{alarm.severity.value.upper()}: {alarm.kind.title} since {format_datetime(alarm.raised_at)}"


def status_screen(memory: PumpMemory, library: DrugLibrary) -> StatusScreen:
    """Everything a nurse checks after interrogating, from the snapshot alone."""
    rx = memory.prescription
    drug = library.get(rx.drug)
    off_label = drug is not None and drug.off_label
    dates = reservoir_dates(reservoir_projection(memory), memory.alarms)  # once an alarm fired: when, not "now"
    values = {
        "drug": f"{rx.drug} (off-label)" if off_label else rx.drug,
        "concentration": str(rx.concentration),
        "mode": rx.mode.title,
        "dailyDose": daily_dose_text(rx),
        "dailyVolume": ml_per_day_text(rx.nominal_daily_volume_ml),
        "entered": format_datetime(memory.prescription_entered_at),
        "reservoir": f"{ml_text(memory.reservoir_ml)} (capacity {ml_text(memory.model.reservoir_capacity_ml)})",
        "lowAlarm": ml_text(memory.low_alarm_ml),
        "alarmDate": dates.alarm.text(),
        "daysToAlarm": dates.alarm.days_text(),
        "emptyDate": dates.empty.text(),
        "replaceBy": date_text(memory.replace_by),
        "model": memory.model.title,
        "implanted": date_text(memory.implant_date),
        "catheter": catheter_text(memory.catheter),
        "lastRefill": f"{format_datetime(memory.last_refill_at)} to {ml_text(memory.last_refill_ml)}",
        "ptm": str(memory.ptm) if memory.ptm is not None else "not set up",
    }
    # A stored program beyond a hard limit is as urgent as a critical alarm; past a soft limit, a warning.
    lines = [
        StatusLine(Level.CRITICAL if finding.severity is FindingSeverity.BLOCK else Level.WARNING,
                 stored_finding_text(finding))
        for finding in stored_program_findings(memory, library)
    ]
    lines += [
        StatusLine(ALARM_LEVELS[alarm.severity], alarm_text(alarm))
        for alarm in memory.alarms
    ]
    if (held := delivery_hold_text(memory)) is not None:  # after an MRI scan: no alarm says it on every pump
        lines.append(StatusLine(Level.CRITICAL, held))
    return StatusScreen(values, tuple(lines) or (StatusLine(Level.OK, NO_ALARMS),))
