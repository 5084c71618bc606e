"""The session report: what was done to the pump in one clinic visit, as data (no Qt).

Built from the pump alone (its memory now and the events of the session in its log),
so the window and `programmer pump report` print the same report. What the pump does
not store comes from the live session when there is one: the pump as first
interrogated, the refill workflow's record (syringe label, acknowledgements, second
check, the next appointment). Where neither says, the report says so rather than guess.

A session is one visit: the clinician's actions (programming, refill, bolus cancel)
that follow each other with no gap longer than SESSION_GAP. Its report starts at the
first of them and runs to the pump's clock.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from msgspec import Struct

from programmer import TRAINING_BANNER
from programmer.pump.log import (
    BolusDetails,
    BolusPhase,
    DosingDetails,
    ImplantDetails,
    ProgrammingDetails,
    RefillDetails,
    record_of,
)
from programmer.pump.memory import Event, EventKind, PumpMemory
from programmer.session.bolus_history import BolusEntry, bolus_history, bolus_progress
from programmer.session.plot_data import PlotInputs, memory_inputs, plot_data
from programmer.session.refill.records import RefillRecord
from programmer.session.refill.steps import RefillOutcome
from programmer.session.review import daily_dose_text
from programmer.session.status import NEVER, format_datetime, reservoir_projection
from programmer.therapy.bolus import catheter_volume_ml
from programmer.therapy.drugs import DrugLibrary, drug_library
from programmer.therapy.refill import discrepancy
from programmer.therapy.units import Concentration, DoseRate
from programmer.wording import (
    clock_text,
    date_text,
    format_number,
    is_no_change,
    ml_per_day_text,
    ml_text,
    moment_text,
    percent_text,
)

SESSION_GAP = timedelta(hours=12)  # actions further apart than this belong to different visits
NOT_LOGGED = "not in the pump's log"
SESSION_KINDS = (EventKind.PROGRAMMING, EventKind.REFILL, EventKind.BOLUS)


# --- the parts of a report ---------------------------------------------------------------------------------------


class SettingRow(Struct, frozen=True):
    """One setting before the session and after it, side by side."""

    label: str
    before: str
    after: str

    @property
    def changed(self) -> bool:
        return self.before != self.after and self.before != NOT_LOGGED


class RefillSection(Struct, frozen=True):
    at: datetime | None
    expected_ml: float
    removed_ml: float | None
    discrepancy_ml: float | None  # removed − expected: negative means less came out
    added_ml: float | None
    verdict: str  # the discrepancy in words, with its limit
    flagged: bool
    filled_with: str  # 'morphine 10 mg/mL'
    outcome: str  # 'programmed', or what an unfinished refill left
    notes: tuple[tuple[str, str], ...] = ()  # (label, text): label check, acknowledgements, bridge bolus

    @property
    def discrepancy_text(self) -> str:
        """'+0.4 mL', '-1.2 mL', or '—' when nothing removed was recorded."""
        return "—" if self.discrepancy_ml is None else ml_text(self.discrepancy_ml, signed=True)


class FindingLine(Struct, frozen=True):
    """A safety finding shown at review, with the reason typed to program beyond it."""

    text: str
    reason: str = ""
    at: datetime | None = None
    clinician: str = ""


class SessionReport(Struct, frozen=True):
    patient_id: str
    pump_model: str
    pump_title: str
    serial: str
    implant_date: date
    catheter: str
    replace_by: date
    started_at: datetime | None  # the first interrogation (live) or first action (log); None when neither
    ended_at: datetime | None  # the pump's clock (live) or the last action (log)
    actions: int  # programmings, refills and boluses in the session
    printed_at: datetime  # the pump's clock
    clinicians: tuple[str, ...]
    second_checker: str
    drug: str
    concentration: Concentration
    drug_status: str  # 'approved for intrathecal use' or the off-label warning
    drug_flagged: bool  # off-label or not in the library: the status is printed as a warning
    settings: tuple[SettingRow, ...]
    refill: RefillSection | None
    reservoir_ml: float
    low_alarm_ml: float
    alarm_date: datetime | None
    empty_date: datetime | None
    appointment: datetime | None
    appointment_note: str  # a warning when the appointment is too late, a suggestion when none is booked
    boluses: tuple[BolusEntry, ...]
    findings: tuple[FindingLine, ...]
    active_alarms: tuple[str, ...]
    log: tuple[Event, ...]
    pump_state: str  # what the pump runs now, in words
    plot_inputs: PlotInputs
    source: str  # 'live session' or 'pump file'
    banner: str = TRAINING_BANNER

    @property
    def title(self) -> str:
        return "Intrathecal pump — programming session report"

    @property
    def session_text(self) -> str:
        if self.started_at is None:
            return f"interrogation only (no programming logged); pump clock {moment_text(self.printed_at)}"
        start, end = self.started_at, self.ended_at or self.started_at
        if moment_text(start) == moment_text(end):
            text = moment_text(start)
        elif date_text(start) == date_text(end):
            text = f"{moment_text(start)}–{clock_text(end)}"
        else:
            text = f"{moment_text(start)} – {moment_text(end)}"
        return text if self.actions else f"{text}, interrogation only (no programming logged)"

    @property
    def identity(self) -> list[tuple[str, str]]:
        return [
            ("Patient ID", self.patient_id or "not assigned"),
            ("Pump", f"{self.pump_title}"),
            ("Serial number", self.serial),
            ("Implanted", f"{date_text(self.implant_date)}; replace by {date_text(self.replace_by)}"),
            ("Catheter", self.catheter),
            ("Session", f"{self.session_text} (pump clock)"),
            ("Clinician", ", ".join(self.clinicians) or "not recorded"),
            ("Second check", self.second_checker or "not recorded"),
            ("Report printed", f"{moment_text(self.printed_at)} (pump clock), from the {self.source}"),
        ]

    @property
    def next_steps(self) -> list[tuple[str, str]]:
        alarm = NEVER
        if self.alarm_date is not None:
            alarm = f"{moment_text(self.alarm_date)} (reservoir down to {ml_text(self.low_alarm_ml)})"
        rows = [
            ("Reservoir now", ml_text(self.reservoir_ml)),
            ("Low-reservoir alarm date", alarm),
            ("Reservoir empty", format_datetime(self.empty_date)),
            ("Next refill appointment", moment_text(self.appointment) if self.appointment else "not booked"),
        ]
        if self.appointment_note:
            rows.append(("", self.appointment_note))
        return rows

    def plain_text(self) -> str:
        """The report as lines of text (the CLI's summary; also what the PDF must contain)."""
        lines = [self.banner.upper(), self.title, ""]
        lines += [f"{label}: {value}" for label, value in self.identity]
        lines += ["", f"Drug: {self.drug} {self.concentration} ({self.drug_status})", "", "Settings (before → after):"]
        lines += [
            f"  {row.label}: {row.before} → {row.after}{'  [changed]' if row.changed else ''}" for row in self.settings
        ]
        if self.refill is not None:
            refill = self.refill
            lines += ["", "Refill:", f"  expected {ml_text(refill.expected_ml)}"]
            if refill.removed_ml is not None:
                lines.append(f"  removed {ml_text(refill.removed_ml)}; discrepancy {refill.discrepancy_text}")
                lines.append(f"  {refill.verdict}")
            if refill.added_ml is not None:
                lines.append(f"  added {ml_text(refill.added_ml)} of {refill.filled_with}")
            lines.append(f"  outcome: {refill.outcome}")
            lines += [f"  {label}: {text}" for label, text in refill.notes]
        lines += ["", "Alarm and next refill:"]
        lines += [f"  {label}: {value}" if label else f"  {value}" for label, value in self.next_steps]
        lines += ["", "Boluses given:"]
        lines += [f"  {moment_text(b.at)} {b.title}: {b.given}; {b.outcome}" for b in self.boluses]
        if not self.boluses:
            lines.append("  none")
        lines += ["", "Safety findings and reasons:"]
        for finding in self.findings:
            lines.append(f"  {finding.text}" + (f" — reason: {finding.reason}" if finding.reason else ""))
        if not self.findings:
            lines.append("  none needed a reason")
        if self.active_alarms:
            lines += ["", "Active alarms:"] + [f"  {alarm}" for alarm in self.active_alarms]
        lines += ["", f"Pump now: {self.pump_state}"]
        return "\n".join(lines)


# --- finding the session in the log --------------------------------------------------------------------------------


def _is_action(event: Event) -> bool:
    """Something a clinician did (a bolus ending by itself is the pump's doing)."""
    if event.kind in (EventKind.PROGRAMMING, EventKind.REFILL):
        return True
    return isinstance(event.details, BolusDetails) and event.details.phase is BolusPhase.CANCELLED


def last_session_start(memory: PumpMemory, gap: timedelta = SESSION_GAP) -> datetime | None:
    """When the last visit began: its first action, the actions after it never more than `gap` apart."""
    start = None
    for event in reversed(memory.events.of_kind(*SESSION_KINDS)):  # from the end: a visit is the log's last pages
        if not _is_action(event):
            continue
        if start is not None and start - event.at > gap:
            break
        start = event.at
    return start


def session_events(memory: PumpMemory, since: datetime | None) -> tuple[Event, ...]:
    """The programming, refill and bolus events at or after `since` (none when `since` is None)."""
    if since is None:
        return ()
    return tuple(event for event in memory.events.since(since) if event.kind in SESSION_KINDS)


def memory_plot_inputs(memory: PumpMemory) -> PlotInputs:
    """The reservoir plot of the pump as it is: its own program, the patient-bolus band, the last refill."""
    return memory_inputs(memory)


# --- before and after --------------------------------------------------------------------------------------------


class _Side(Struct, frozen=True):
    program: str
    daily_dose: str
    daily_volume: str
    reservoir: str
    low_alarm: str
    alarm_date: str
    dose: DoseRate | None = None  # the daily dose itself, for the % change; None when the log does not say


def _side_of(memory: PumpMemory) -> _Side:
    prescription = memory.prescription
    reservoir = memory.reservoir_ml
    projection = reservoir_projection(memory)
    return _Side(
        program=prescription.describe(),
        daily_dose=daily_dose_text(prescription),
        daily_volume=ml_per_day_text(prescription.nominal_daily_volume_ml),
        reservoir=f"{ml_text(reservoir)} at {moment_text(memory.clock)}",
        low_alarm=ml_text(memory.low_alarm_ml),
        alarm_date=format_datetime(projection.alarm_date),
        dose=prescription.nominal_daily_dose,
    )


def _logged_program(event: Event) -> tuple[DoseRate, Concentration | None] | None:
    """The daily dose (and concentration, when logged) an implant or programming event set."""
    details = event.details
    if not isinstance(details, DosingDetails) or details.daily_dose is None:
        return None
    return details.daily_dose, details.concentration


def _side_from_log(memory: PumpMemory, events: tuple[Event, ...], since: datetime, after: _Side) -> _Side:
    """The pump before `since`, as far as its log tells: descriptions, the dose history, volumes."""
    programmings = [event for event in events if event.kind is EventKind.PROGRAMMING]
    program = after.program
    if programmings:
        first = programmings[0].details
        program = first.old if isinstance(first, ProgrammingDetails) and first.old is not None else NOT_LOGGED

    dosing = memory.events.of_kind(EventKind.IMPLANT, EventKind.PROGRAMMING)
    earlier = [event for event in dosing if event.at < since]
    logged = next((found for found in map(_logged_program, reversed(earlier)) if found is not None), None)
    dose = after.dose
    if not programmings:
        daily_dose, daily_volume = after.daily_dose, after.daily_volume
    elif logged is None:
        daily_dose = daily_volume = NOT_LOGGED
        dose = None
    else:
        dose, concentration = logged
        daily_dose = f"{dose} ({dose.per_hour_text()})"
        daily_volume = NOT_LOGGED
        if concentration is not None:
            daily_volume = ml_per_day_text(concentration.ml_per_day(dose))

    reservoir = NOT_LOGGED
    for event in events:
        details = event.details
        if isinstance(details, RefillDetails):
            reservoir = f"{ml_text(details.expected_ml)} at {moment_text(event.at)}"
            break
        if isinstance(details, ProgrammingDetails) and details.reservoir_ml is not None:
            reservoir = f"{ml_text(details.reservoir_ml)} at {moment_text(event.at)}"
            break

    low_alarm = after.low_alarm if not programmings else NOT_LOGGED
    for event in reversed(earlier):
        details = event.details
        if isinstance(details, ProgrammingDetails) and details.low_alarm_ml is not None:
            low_alarm = ml_text(details.low_alarm_ml)
            break
    alarm_date = after.alarm_date if not events else NOT_LOGGED
    return _Side(program, daily_dose, daily_volume, reservoir, low_alarm, alarm_date, dose)


def _dose_change(before: DoseRate | None, after: DoseRate | None) -> str:
    """' (+33.3 %)' between two daily doses in the same unit; '' when there is no % to say."""
    if before is None or after is None or before.unit is not after.unit:
        return ""
    change = after.percent_change_from(before)
    return "" if change is None or is_no_change(change) else f" ({percent_text(change, signed=True)})"


def _settings(before: _Side, after: _Side) -> tuple[SettingRow, ...]:
    change = _dose_change(before.dose, after.dose)
    return (
        SettingRow("Program", before.program, after.program),
        SettingRow("Daily dose", before.daily_dose, after.daily_dose + change),
        SettingRow("Daily volume", before.daily_volume, after.daily_volume),
        SettingRow("Reservoir volume", before.reservoir, after.reservoir),
        SettingRow("Low-reservoir alarm", before.low_alarm, after.low_alarm),
        SettingRow("Alarm date", before.alarm_date, after.alarm_date),
    )


# --- refill, findings, people -------------------------------------------------------------------------------------


def _refill_from_log(memory: PumpMemory, event: Event, details: RefillDetails) -> RefillSection:
    expected, removed, added = details.expected_ml, details.removed_ml, details.added_ml
    previous_fill = None
    for earlier in reversed(memory.events.of_kind(EventKind.REFILL, EventKind.IMPLANT)):
        if earlier.at >= event.at or earlier == event:
            continue
        if isinstance(earlier.details, RefillDetails):
            previous_fill = earlier.details.added_ml
            break
        if isinstance(earlier.details, ImplantDetails) and earlier.details.reservoir_ml is not None:
            previous_fill = earlier.details.reservoir_ml
            break
    delivered = max((previous_fill if previous_fill is not None else expected) - expected, 0.0)
    verdict = discrepancy(expected, removed, delivered, memory.model.accuracy_percent)
    prescription = memory.prescription
    return RefillSection(
        at=event.at,
        expected_ml=expected,
        removed_ml=removed,
        discrepancy_ml=removed - expected,
        added_ml=added,
        verdict=verdict.message,
        flagged=verdict.flagged,
        filled_with=f"{prescription.drug} {prescription.concentration}",
        outcome=f"programmed {moment_text(event.at)}",
    )


def _refill_from_record(record: RefillRecord, logged: RefillSection | None) -> RefillSection:
    verdict = record.discrepancy
    notes: list[tuple[str, str]] = [("Syringe label", str(record.syringe_label))]
    if record.label_matches is not None:
        notes.append(("Label check", "matches the pump" if record.label_matches else "did NOT match the pump"))
    if record.discrepancy_acknowledgement:
        notes.append(("Discrepancy acknowledged", record.discrepancy_acknowledgement))
    if record.fill is not None and record.fill.pocket_fill_suspected:
        notes.append(("Possible pocket fill", record.fill.message))
        notes.append(("Pocket fill acknowledged", record.pocket_fill_acknowledgement))
    if record.bridge_bolus is not None:
        bolus = record.bridge_bolus
        notes.append(
            ("Bridge bolus", f"{ml_text(bolus.volume_ml)} ({bolus.dose}) at {ml_per_day_text(bolus.ml_per_day)}, "
                             f"ends {moment_text(bolus.end)}")
        )
    elif record.bridge_bolus_declined:
        notes.append(("Bridge bolus", "declined"))
    if record.outcome is RefillOutcome.PROGRAMMED and logged is not None:
        outcome = logged.outcome
    else:
        outcome = f"{record.outcome.value}: {record.statement}"
    filled_with = logged.filled_with if logged is not None else "—"
    if record.fill_drug is not None:
        filled_with = f"{record.fill_drug} {record.fill_concentration}"
    added = record.fill.added_ml if record.fill is not None else None
    return RefillSection(
        at=logged.at if logged is not None else record.started_at,
        expected_ml=record.expected_ml,
        removed_ml=record.removed_ml,
        discrepancy_ml=verdict.difference_ml if verdict is not None else None,
        added_ml=added,
        verdict=verdict.message if verdict is not None else "volume removed not recorded",
        flagged=verdict.flagged if verdict is not None else False,
        filled_with=filled_with,
        outcome=outcome,
        notes=tuple(notes),
    )


def _findings(events: tuple[Event, ...], record: RefillRecord | None) -> tuple[FindingLine, ...]:
    """Each finding the clinician went past, with the reason or acknowledgement typed for it, from the log.

    A live refill adds the findings it showed at review that needed no reason (warnings, notes).
    """
    lines: list[FindingLine] = []
    for event in events:
        kept = record_of(event.details)
        if kept is None:
            continue
        clinician = kept.clinician
        for item in kept.acknowledged:
            lines.append(FindingLine(item.message, item.note, event.at, clinician))
        if kept.legacy_note:  # logs written before findings were kept one by one: shown as they were written
            lines.append(FindingLine(f"Logged note: {kept.legacy_note}", "", event.at, clinician))
        reason = kept.reason
        if reason and not any(line.reason == reason and line.at == event.at for line in lines):
            lines.append(FindingLine("Reason given", reason, event.at, clinician))
    if record is not None:
        logged = {line.text for line in lines}
        lines += [
            FindingLine(str(finding), "", record.programmed_at)
            for finding in record.findings
            if finding.message not in logged
        ]
    return tuple(lines)


def _second_checker(events: tuple[Event, ...], record: RefillRecord | None) -> str:
    if record is not None and record.second_checker:
        return record.second_checker
    records = [record_of(event.details) for event in events]
    return next((record.second_checker for record in reversed(records) if record and record.second_checker), "")


def _pump_state(memory: PumpMemory) -> str:
    text = memory.prescription.describe()
    running = bolus_progress(memory)
    if running is not None:
        text += f"; {running.title.lower()} running ({running.delivered_text()} delivered, {running.remaining_text()})"
    return text


def _catheter(memory: PumpMemory) -> str:
    catheter = memory.catheter
    model = memory.model
    text = (
        f"{format_number(catheter.length_cm)} cm, trimmed {format_number(catheter.trimmed_cm)} cm, "
        f"tip at {catheter.tip_location}"
    )
    try:
        volume = catheter_volume_ml(model, catheter.length_cm, catheter.trimmed_cm)
    except ValueError:
        return text
    return f"{text}; {ml_text(volume)} + {ml_text(model.pump_tubing_volume_ml)} pump tubing"


# --- the report ---------------------------------------------------------------------------------------------------


def build_report(
    memory: PumpMemory,
    *,
    since: datetime | None = None,
    before: PumpMemory | None = None,
    refill: RefillRecord | None = None,
    appointment: datetime | None = None,
    clinician: str = "",
    library: DrugLibrary | None = None,
    source: str = "pump file",
) -> SessionReport:
    """The report of the session that began at `since` (default: the last session in the pump's log).

    `before` (the pump as interrogated at the start of a live session) and `refill` (the refill
    workflow's record) add what the pump does not store; without them the before column comes
    from the log, and says so where the log is silent.
    """
    library = library or drug_library()
    # One session for the header, the before column and the log: a live one from its first interrogation
    # to now, one read from the log from its first action to its last.
    if since is None:
        since = before.clock if before is not None else last_session_start(memory)
    events = session_events(memory, since)
    after = _side_of(memory)
    if before is not None:
        before_side = _side_of(before)
    elif refill is not None:
        old = refill.old_prescription
        before_side = _Side(
            program=old.describe(),
            daily_dose=daily_dose_text(old),
            daily_volume=ml_per_day_text(old.nominal_daily_volume_ml),
            reservoir=f"{ml_text(refill.expected_ml)} at {moment_text(refill.started_at)}",
            low_alarm=after.low_alarm,  # a refill does not change the alarm volume
            alarm_date=format_datetime(refill.old_alarm_date),
            dose=old.nominal_daily_dose,
        )
    elif since is not None:
        before_side = _side_from_log(memory, events, since, after)
    else:
        before_side = after

    refill_events = [event for event in events if isinstance(event.details, RefillDetails)]
    logged_refill = _refill_from_log(memory, refill_events[-1], refill_events[-1].details) if refill_events else None
    refill_section = _refill_from_record(refill, logged_refill) if refill is not None else logged_refill

    inputs = memory_plot_inputs(memory)
    data = plot_data(inputs, memory.clock)
    appointment = appointment or (refill.appointment if refill is not None else None)
    if appointment is not None:
        appointment_note = data.appointment_warning(appointment) or ""
    else:
        suggested = data.suggested_appointment()
        appointment_note = f"Book the next refill before the alarm date, e.g. {moment_text(suggested)}."

    clinicians: list[str] = [clinician.strip()] if clinician.strip() else []
    for event in events:
        record = record_of(event.details)
        name = record.clinician.strip() if record is not None else ""
        if name and name not in clinicians:
            clinicians.append(name)
    actions = [event.at for event in events if _is_action(event)]
    ended_at = memory.clock if before is not None else max(actions, default=since)

    prescription = memory.prescription
    drug = library.get(prescription.drug)
    flagged = drug is None or drug.off_label
    if drug is None:
        status = "not in the drug library"
    elif drug.off_label:
        status = "OFF-LABEL: not approved for intrathecal use; compounded — check the pharmacy label"
    else:
        status = "approved for intrathecal use"
    projection = inputs.current
    return SessionReport(
        patient_id=memory.patient_id,
        pump_model=memory.model_name,
        pump_title=memory.model.title,
        serial=memory.serial,
        implant_date=memory.implant_date,
        catheter=_catheter(memory),
        replace_by=memory.replace_by,
        started_at=since,
        ended_at=ended_at,
        actions=len(actions),
        printed_at=memory.clock,
        clinicians=tuple(clinicians),
        second_checker=_second_checker(events, refill),
        drug=prescription.drug,
        concentration=prescription.concentration,
        drug_status=status,
        drug_flagged=flagged,
        settings=_settings(before_side, after),
        refill=refill_section,
        reservoir_ml=memory.reservoir_ml,
        low_alarm_ml=projection.alarm_volume_ml,
        alarm_date=projection.alarm_date,
        empty_date=projection.empty_date,
        appointment=appointment,
        appointment_note=appointment_note,
        boluses=tuple(bolus_history(memory, since)) if since is not None else (),
        findings=_findings(events, refill),
        active_alarms=tuple(
            f"{alarm.kind.title} ({alarm.severity.value}), since {moment_text(alarm.raised_at)}"
            for alarm in memory.alarms
        ),
        log=() if since is None else tuple(event for event in memory.events.since(since) if event.at <= ended_at),
        pump_state=_pump_state(memory),
        plot_inputs=inputs,
        source=source,
    )
