"""The pump's status after interrogation: therapy, reservoir, alarm dates and active alarms."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QGridLayout, QGroupBox, QLabel, QVBoxLayout, QWidget

from programmer.pump.memory import Alarm, Catheter, PumpMemory, Severity
from programmer.session.gate import stored_finding_text
from programmer.session.programming import daily_dose_text
from programmer.session.status import format_datetime, reservoir_dates
from programmer.therapy.bolus import PtmSettings
from programmer.therapy.drugs import DrugLibrary
from programmer.therapy.projection import Projection
from programmer.therapy.safety import Finding, FindingSeverity
from programmer.therapy.units import format_number
from programmer.ui.style import ROLE, SEVERITY, set_flag
from programmer.wording import duration_text

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


def catheter_text(catheter: Catheter) -> str:
    return (
        f"{format_number(catheter.implanted_length_cm)} cm implanted "
        f"({format_number(catheter.length_cm)} cm, {format_number(catheter.trimmed_cm)} cm trimmed), "
        f"tip at {catheter.tip_location}"
    )


def ptm_text(ptm: PtmSettings | None) -> str:
    if ptm is None:
        return "not set up"
    return (
        f"{ptm.dose_per_bolus} over {duration_text(ptm.duration)}, at most {ptm.max_per_24h} per 24 h, "
        f"lockout {duration_text(ptm.lockout)}"
    )


# A stored program that breaks a hard limit is as urgent as a critical alarm; past a soft limit, a warning.
_FINDING_LEVEL = {
    FindingSeverity.BLOCK: Severity.CRITICAL,
    FindingSeverity.NEEDS_REASON: Severity.NON_CRITICAL,
    FindingSeverity.WARNING: Severity.NON_CRITICAL,
    FindingSeverity.INFO: None,
}


def alarm_text(alarm: Alarm) -> str:
    """'CRITICAL: Reservoir empty since 2025-03-01 08:00': the severity in words, never colour alone."""
    return f"{alarm.severity.value.upper()}: {alarm.kind.title} since {alarm.raised_at:%Y-%m-%d %H:%M}"


class StatusPanel(QWidget):
    def __init__(self, library: DrugLibrary, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("statusPanel")
        self._library = library
        self.values: dict[str, QLabel] = {}
        groups = QGridLayout()
        groups.setColumnStretch(0, 1)
        boxes = {}
        for key, title in GROUP_TITLES.items():
            form = QFormLayout()
            form.setHorizontalSpacing(16)
            form.setVerticalSpacing(8)
            form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
            for field, label in FIELDS[key]:
                value = QLabel()
                value.setObjectName(f"status_{field}")
                value.setAccessibleName(label)
                value.setProperty(ROLE, "value")
                value.setWordWrap(True)
                # A value narrower than this goes under its label (WrapLongRows) instead of into a sliver.
                value.setMinimumWidth(value.fontMetrics().averageCharWidth() * 26)
                self.values[field] = value
                form.addRow(f"{label}:", value)
            group = QGroupBox(title)
            group.setObjectName(f"{key}Group")
            group.setLayout(form)
            boxes[key] = group

        self.alarms_box = QVBoxLayout()
        self.alarms_box.setSpacing(6)
        self.alarms_box.setAlignment(Qt.AlignmentFlag.AlignTop)
        alarms = QGroupBox("Active alarms")
        alarms.setObjectName("alarmsGroup")
        alarms.setLayout(self.alarms_box)
        self.alarm_labels: list[QLabel] = []
        # One column, most urgent first: the reservoir plot stands beside it in the window.
        groups.addWidget(boxes["therapy"], 0, 0)
        groups.addWidget(boxes["reservoir"], 1, 0)
        groups.addWidget(alarms, 2, 0)
        groups.addWidget(boxes["pump"], 3, 0)

        self.empty = QLabel("No pump interrogated yet: press Interrogate (Ctrl+I).")
        self.empty.setObjectName("statusEmpty")
        self.empty.setProperty(ROLE, "hint")

        layout = QVBoxLayout(self)
        layout.addWidget(self.empty)
        layout.addLayout(groups)
        layout.addStretch(1)
        self.clear()

    def clear(self) -> None:
        self.empty.setVisible(True)
        for value in self.values.values():
            value.setText("—")
        self._show_alarms([])

    def show_status(self, memory: PumpMemory, projection: Projection, findings: Sequence[Finding] = ()) -> None:
        """Everything a nurse checks after interrogating, from the snapshot and its reservoir projection.

        `findings`: what the stored program breaks in the drug library, shown with the alarms.
        """
        self.empty.setVisible(False)
        rx = memory.prescription
        try:
            off_label = self._library[rx.drug].off_label
        except KeyError:
            off_label = False
        capacity = format_number(memory.model.reservoir_capacity_ml)
        dates = reservoir_dates(projection, memory.alarms)  # once an alarm fired: when, not "now"
        text = {
            "drug": f"{rx.drug} (off-label)" if off_label else rx.drug,
            "concentration": str(rx.concentration),
            "mode": rx.mode.title,
            "dailyDose": daily_dose_text(rx),
            "dailyVolume": f"{format_number(rx.nominal_daily_volume_ml)} mL/day",
            "entered": format_datetime(memory.prescription_entered_at),
            "reservoir": f"{format_number(memory.reservoir_ml)} mL (capacity {capacity} mL)",
            "lowAlarm": f"{format_number(memory.low_alarm_ml)} mL",
            "alarmDate": dates.alarm.text(),
            "daysToAlarm": dates.alarm.days_text(),
            "emptyDate": dates.empty.text(),
            "replaceBy": memory.replace_by.isoformat(),
            "model": memory.model.title,
            "implanted": memory.implant_date.isoformat(),
            "catheter": catheter_text(memory.catheter),
            "lastRefill": f"{format_datetime(memory.last_refill_at)} to {format_number(memory.last_refill_ml)} mL",
            "ptm": ptm_text(memory.ptm),
        }
        for field, value in text.items():
            self.values[field].setText(value)
        checks = [(_FINDING_LEVEL[finding.severity], stored_finding_text(finding)) for finding in findings]
        self._show_alarms(checks + [(alarm.severity, alarm_text(alarm)) for alarm in memory.alarms])

    def _show_alarms(self, alarms: list[tuple[Severity, str]]) -> None:
        for label in self.alarm_labels:
            self.alarms_box.removeWidget(label)
            label.setParent(None)  # gone at once, not at the next turn of the event loop
            label.deleteLater()
        self.alarm_labels = []
        rows = alarms or [(None, "No active alarms")]
        for index, (severity, text) in enumerate(rows):
            label = QLabel(text)
            label.setObjectName(f"alarm_{index}")
            label.setAccessibleName(text)
            label.setWordWrap(True)
            level = {Severity.CRITICAL: "critical", Severity.NON_CRITICAL: "warning"}.get(severity, "ok")
            set_flag(label, SEVERITY, level)
            self.alarms_box.addWidget(label)
            self.alarm_labels.append(label)
