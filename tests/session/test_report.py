"""The session report's data, rebuilt from the pump file alone and from a live refill.

The pump: PX-20, morphine 10 mg/mL at 1.5 mg/day (0.15 mL/day), implanted full (20 mL) on
2026-01-05 09:00 and run 112 days: 3.2 mL expected on 2026-04-27 09:00. The refill: 3.1 mL
removed (limit max(2 mL, 14.5 % × 16.8 mL) = 2.436 mL), 20 mL of morphine 25 mg/mL added,
dose kept at 1.5 mg/day (0.06 mL/day) with a bridge bolus of 0.546 mL at 0.15 mL/day.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from msgspec.structs import replace

from programmer.pump.pumpfile import load_pump
from programmer.session.bolus_workflow import BolusWorkflow
from programmer.session.refill.steps import Port
from programmer.session.refill.syringe import SyringeLabel
from programmer.session.refill.workflow import RefillWorkflow
from programmer.session.report import NOT_LOGGED, build_report, last_session_start, session_events
from programmer.therapy.prescription import BolusKind
from programmer.therapy.units import Concentration, Dose, DoseRate, DrugUnit
from tests.helpers import connected, morphine_pump

IMPLANT = datetime(2026, 1, 5, 9, 0)
NOW = IMPLANT + timedelta(days=112)  # 2026-04-27 09:00
MG = DrugUnit.MG
MORPHINE_25 = Concentration(25, MG)


@pytest.fixture
def pump_path(tmp_path):
    return morphine_pump(tmp_path / "pump.json", IMPLANT, serial="PX20-R-1", patient_id="T-1")


@pytest.fixture
def session(pump_path):
    with connected(pump_path, days_later=112) as session:
        yield session


def refill_to_25(session, appointment: datetime | None = None) -> RefillWorkflow:
    workflow = RefillWorkflow(session, syringe_label=SyringeLabel("morphine", MORPHINE_25, 20, "T-1"))
    workflow.confirm_label(False)
    workflow.choose_port(Port.RESERVOIR_FILL)
    workflow.record_removed(3.1)
    workflow.set_fill(20, 20)
    workflow.keep_dose()
    if appointment is not None:
        workflow.set_appointment(appointment)
    workflow.program(second_checker="R. Patel", clinician="Nurse Kay")
    return workflow


def rows(report) -> dict[str, tuple[str, str, bool]]:
    return {row.label: (row.before, row.after, row.changed) for row in report.settings}


def test_the_pump_file_alone_gives_the_refill_session(session, pump_path):
    refill_to_25(session)
    report = build_report(load_pump(pump_path))
    assert report.started_at == NOW
    assert (report.patient_id, report.serial, report.pump_model) == ("T-1", "PX20-R-1", "PX-20")
    assert report.clinicians == ("Nurse Kay",)
    assert report.second_checker == "R. Patel"
    settings = rows(report)
    assert settings["Program"] == (
        "morphine 10 mg/mL, simple continuous, 1.5 mg/day",
        "morphine 25 mg/mL, simple continuous, 1.5 mg/day, after a bridge bolus of 5.46 mg",
        True,
    )
    assert settings["Daily dose"] == ("1.5 mg/day (0.0625 mg/h)", "1.5 mg/day (0.0625 mg/h)", False)
    assert settings["Daily volume"] == ("0.15 mL/day", "0.06 mL/day", True)
    assert settings["Reservoir volume"] == ("3.2 mL at 2026-04-27 09:00", "20 mL at 2026-04-27 09:00", True)
    # The implant event does not log the alarm volume, and this session programmed the pump.
    assert settings["Low-reservoir alarm"] == (NOT_LOGGED, "2 mL", False)
    # 3 d 15 h 22 min of bridge, then 20 − 0.546 − 2 = 17.454 mL at 0.06 mL/day (290.9 days): 294.54 days.
    assert settings["Alarm date"][1] == "2027-02-15 21:58"
    refill = report.refill
    assert (refill.expected_ml, refill.removed_ml, refill.added_ml) == (pytest.approx(3.2), 3.1, 20)
    assert refill.discrepancy_ml == pytest.approx(-0.1)
    assert refill.verdict == "within 0.1 mL of expected (limit 2.436 mL)"
    assert not refill.flagged
    assert refill.filled_with == "morphine 25 mg/mL"
    assert [(bolus.kind, bolus.given) for bolus in report.boluses] == [
        (BolusKind.BRIDGE, "0.546 mL (5.46 mg) over 3 d 15 h 22 min from 2026-04-27 09:00")
    ]
    assert report.boluses[0].outcome.startswith("running: 0 of 0.546 mL (0 of 5.46 mg) delivered")
    assert report.appointment is None
    assert report.appointment_note == "Book the next refill before the alarm date, e.g. 2027-02-08 09:00."


def test_the_live_refill_adds_what_the_pump_does_not_store(session, pump_path):
    workflow = refill_to_25(session, appointment=datetime(2027, 2, 1, 9, 0))
    report = build_report(session.current, refill=workflow.record, source="live session")
    settings = rows(report)
    assert settings["Alarm date"] == ("2026-05-05 09:00", "2027-02-15 21:58", True)
    assert settings["Low-reservoir alarm"] == ("2 mL", "2 mL", False)
    assert report.appointment == datetime(2027, 2, 1, 9, 0)
    assert report.appointment_note == ""  # before the alarm date: nothing to warn about
    notes = dict(report.refill.notes)
    assert notes["Syringe label"] == "morphine 25 mg/mL, 20 mL"
    assert notes["Label check"] == "did NOT match the pump"
    # 0.546 mL at 0.15 mL/day is 3 d 15 h 21.6 min from 09:00: it ends 00:21:36, shown rounded up as 00:22.
    assert notes["Bridge bolus"] == "0.546 mL (5.46 mg) at 0.15 mL/day, ends 2026-05-01 00:22"
    texts = [finding.text for finding in report.findings]
    assert any(text.startswith("Note: concentration 10 mg/mL → 25 mg/mL") for text in texts)
    assert "Report printed: 2026-04-27 09:00 (pump clock), from the live session" in report.plain_text()


def test_a_late_appointment_is_warned(session):
    workflow = refill_to_25(session, appointment=datetime(2027, 3, 1, 9, 0))
    report = build_report(session.current, refill=workflow.record)
    assert report.appointment_note.startswith("Refill appointment Mon 2027-03-01 09:00 is 13.5 days after the low")


def test_a_reason_given_beyond_a_limit_is_reported_with_its_finding(session, pump_path):
    session.edit(prescription=replace(session.current.prescription, daily_dose=DoseRate(2.5, MG)))
    session.program(reason="agreed with the pain team", clinician="Dr Ames")
    report = build_report(load_pump(pump_path))
    settings = rows(report)
    assert settings["Daily dose"] == ("1.5 mg/day (0.0625 mg/h)", "2.5 mg/day (0.1042 mg/h) (+66.7 %)", True)
    assert [(finding.reason, finding.clinician) for finding in report.findings] == [
        ("agreed with the pain team", "Dr Ames")
    ]
    assert "morphine increases are limited to +50 % per 24 h" in report.findings[0].text
    assert report.refill is None


def test_boluses_and_a_cancel_belong_to_the_same_session(session, pump_path):
    boluses = BolusWorkflow(session)
    boluses.give_clinician(Dose(2, MG), timedelta(hours=2), clinician="Dr Ames")
    session.advance(NOW + timedelta(hours=1))
    boluses.cancel()
    memory = load_pump(pump_path)
    assert last_session_start(memory) == NOW
    report = build_report(memory)
    assert [bolus.outcome for bolus in report.boluses] == ["cancelled 2026-04-27 10:00 after 0.1 mL (1 mg)"]
    assert report.session_text == "2026-04-27 09:00–10:00"
    # The reservoir at the cancel: 3.2 mL − 0.1 mL of bolus.
    assert rows(report)["Reservoir volume"][1] == "3.1 mL at 2026-04-27 10:00"


def test_the_last_session_starts_after_the_last_long_gap(session, pump_path):
    session.edit(prescription=replace(session.current.prescription, daily_dose=DoseRate(1.8, MG)))
    session.program(clinician="Dr Ames")
    session.advance_days(14)
    refill_to_25(session)
    memory = load_pump(pump_path)
    assert last_session_start(memory) == NOW + timedelta(days=14)
    assert {event.at for event in session_events(memory, last_session_start(memory))} == {NOW + timedelta(days=14)}
    # Asked for the earlier visit, the report starts there.
    earlier = build_report(memory, since=NOW)
    assert earlier.started_at == NOW
    assert rows(earlier)["Daily dose"][0] == "1.5 mg/day (0.0625 mg/h)"


def test_a_pump_never_programmed_reports_an_interrogation(pump_path):
    memory = load_pump(pump_path)
    report = build_report(memory)
    assert report.started_at is None
    assert report.session_text == "interrogation only (no programming logged); pump clock 2026-01-05 09:00"
    assert all(not row.changed for row in report.settings)
    assert report.boluses == () and report.findings == () and report.refill is None
    assert "Boluses given:\n  none" in report.plain_text()


def test_a_flagged_discrepancy_is_reported_with_its_acknowledgement(session, pump_path):
    workflow = RefillWorkflow(session, syringe_label=SyringeLabel("morphine", Concentration(10, MG), 20))
    workflow.confirm_label(True)
    workflow.choose_port(Port.RESERVOIR_FILL)
    workflow.record_removed(0.5)  # 2.7 mL less than the 3.2 mL expected: beyond the 2.436 mL limit
    workflow.acknowledge_discrepancy("pump checked, catheter study booked")
    workflow.set_fill(20, 20)
    workflow.program(clinician="Nurse Kay")
    report = build_report(load_pump(pump_path))
    assert report.refill.flagged
    assert report.refill.verdict.startswith("2.7 mL less than expected — possible over-infusion")
    assert [(finding.text, finding.reason) for finding in report.findings] == [
        (
            "2.7 mL less than expected — possible over-infusion; investigate before refilling "
            "(removed 0.5 mL, expected 3.2 mL, limit 2.436 mL)",
            "pump checked, catheter study booked",
        )
    ]


def test_an_acknowledgement_with_a_semicolon_is_one_finding(session, pump_path):
    workflow = RefillWorkflow(session, syringe_label=SyringeLabel("morphine", Concentration(10, MG), 20))
    workflow.confirm_label(True)
    workflow.choose_port(Port.RESERVOIR_FILL)
    workflow.record_removed(0.5)
    workflow.acknowledge_discrepancy("pump checked; catheter study booked; patient told")
    workflow.set_fill(20, 20)
    workflow.program()
    report = build_report(load_pump(pump_path))
    assert [finding.reason for finding in report.findings] == ["pump checked; catheter study booked; patient told"]


def test_header_before_column_and_log_describe_the_same_live_session(session, pump_path):
    first = session.current  # the first interrogation of this visit
    session.advance_days(30)  # simulated time only: no programming
    report = build_report(session.current, before=first)
    assert report.started_at == first.clock and report.ended_at == session.current.clock
    assert report.session_text == "2026-04-27 09:00 – 2026-05-27 09:00, interrogation only (no programming logged)"
    assert rows(report)["Reservoir volume"][0] == "3.2 mL at 2026-04-27 09:00"  # the pump at the header's start
    assert all(first.clock <= event.at <= session.current.clock for event in report.log)
    assert {event.kind.value for event in report.log} >= {"alarm_raised"}  # what happened in that span, and only that

    # An earlier visit's programming is not this session's: it is neither in the log nor the before column.
    session.edit(prescription=replace(session.current.prescription, daily_dose=DoseRate(1.8, MG)))
    session.program()
    session.advance_days(1)  # the next day's visit
    again = session.current
    session.edit(prescription=replace(session.current.prescription, daily_dose=DoseRate(2, MG)))
    session.program()
    report = build_report(session.current, before=again)
    assert rows(report)["Daily dose"][0] == "1.8 mg/day (0.075 mg/h)"
    assert [event.details.daily_dose_per_day for event in report.log if event.kind.value == "programming"] == [2]
