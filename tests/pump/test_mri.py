"""An MRI scan: the peristaltic motor stalls, the valve-gated pump goes in empty and its valve stays shut; nothing is
delivered until a clinician programmer interrogates the pump, and then the count goes on from the volume left."""

from datetime import datetime, timedelta

import pytest
from msgspec.structs import replace

from programmer.pump.factory import new_pump
from programmer.pump.firmware import (
    PatientBolusRefused,
    Program,
    ProgramRejected,
    advance,
    apply_program,
    give_patient_bolus,
    memory_problems,
    mri_scan,
    refill,
    resume_after_mri,
)
from programmer.pump.log import MriDetails, MriEffect, MriPhase
from programmer.pump.memory import AlarmKind, EventKind
from programmer.pump.pumpfile import dumps_pump, load_pump, loads_pump, save_pump
from programmer.pump.telemetry import Telemetry
from programmer.session.status import reservoir_projection
from programmer.therapy.bolus import PtmSettings, clinician_bolus
from programmer.therapy.units import Concentration, Dose, DoseRate, DrugUnit

NOW = datetime(2026, 11, 21, 9, 0)
H = timedelta(hours=1)
DAY = timedelta(days=1)
MG = DrugUnit.MG


def pump(model="PX-20"):
    """20 mL of morphine 10 mg/mL at 1.5 mg/day: 0.15 mL/day."""
    return new_pump(model, "morphine", 10, DoseRate(1.5, MG), NOW, serial="T-1")


def test_the_peristaltic_motor_stalls_for_the_scan_and_after_it_until_an_interrogation():
    scanned, alarms = mri_scan(pump(), NOW + DAY, 2 * H)
    assert [(alarm.kind, alarm.raised_at) for alarm in alarms] == [(AlarmKind.MOTOR_STALL, NOW + DAY)]
    assert scanned.clock == NOW + DAY + 2 * H and scanned.delivery_held_since == NOW + DAY
    assert scanned.reservoir_ml == pytest.approx(20 - 0.15)  # the day before the scan, nothing during it
    event = scanned.events.of_kind(EventKind.MRI)[-1]
    assert event.at == NOW + DAY and event.details == MriDetails(
        phase=MriPhase.SCANNED, effect=MriEffect.MOTOR_STALLED, duration=2 * H, reservoir_ml=scanned.reservoir_ml
    )
    assert event.text == (
        "MRI scan of 2 h: motor stalled; no delivery until a clinician programmer interrogates the pump"
    )
    # Three weeks on, nobody interrogated it: nothing delivered, so no low-reservoir alarm either.
    weeks, raised = advance(scanned, NOW + 22 * DAY)
    assert weeks.reservoir_ml == scanned.reservoir_ml and raised == []
    assert reservoir_projection(weeks).alarm_date is None  # what the programmer projects: no delivery


def test_an_interrogation_restarts_delivery_logged_and_the_projection_goes_on_from_the_real_volume():
    scanned, _ = mri_scan(pump(), NOW + DAY, 2 * H)
    held, _ = advance(scanned, NOW + 4 * DAY)
    resumed = resume_after_mri(held, NOW + 4 * DAY)
    assert resumed.delivery_held_since is None and not resumed.has_alarm(AlarmKind.MOTOR_STALL)
    restart, cleared = resumed.events[-2:]
    assert restart.details.phase is MriPhase.RESUMED and restart.details.duration == 3 * DAY
    assert restart.text == (
        "Delivery resumed after the MRI scan: motor restarted at interrogation, after 3 d without delivery"
    )
    assert cleared.kind is EventKind.ALARM_CLEARED and cleared.details.alarm is AlarmKind.MOTOR_STALL
    left = 20 - 0.15  # one day delivered before the scan, none since
    projection = reservoir_projection(resumed)
    assert projection.start == NOW + 4 * DAY and projection.start_volume_ml == pytest.approx(left)
    assert projection.alarm_date == NOW + 4 * DAY + timedelta(days=(left - 2) / 0.15)
    # The pump agrees with that projection as it runs on.
    _, alarms = advance(resumed, NOW + 200 * DAY)
    assert alarms[0].kind is AlarmKind.LOW_RESERVOIR and alarms[0].raised_at == projection.alarm_date
    assert resume_after_mri(resumed, NOW + 4 * DAY) == resumed  # nothing held: nothing to do


def test_the_valve_gated_pump_is_refused_unless_emptied_and_its_valve_stays_closed_until_reset():
    full = pump("VG-20")
    with pytest.raises(ProgramRejected) as refused:
        mri_scan(full, NOW, H)
    assert refused.value.reasons == [
        "the VG-20 must be emptied before an MRI scan: in the magnet its flow valve can let drug through, and its "
        "reservoir holds 20 mL by the pump's count"
    ]
    emptied = refill(full, 19.8, 0.0, NOW)
    scanned, alarms = mri_scan(emptied, NOW, H)
    assert AlarmKind.MOTOR_STALL not in [alarm.kind for alarm in alarms]  # no motor: its valve closes
    assert scanned.events.of_kind(EventKind.MRI)[-1].details.effect is MriEffect.VALVE_CLOSED
    # Refilled without an interrogation (not how a programmer works, but the pump's rule): the valve stays shut.
    refilled = refill(scanned, 0.0, 20.0, NOW + 2 * H)
    still, _ = advance(refilled, NOW + 5 * DAY)
    assert still.reservoir_ml == 20.0 and still.delivery_held_since == NOW
    reset = resume_after_mri(still, NOW + 5 * DAY)
    assert reset.events[-1].text.startswith("Delivery resumed after the MRI scan: flow valve reset by the programmer")
    assert advance(reset, NOW + 6 * DAY)[0].reservoir_ml == pytest.approx(20 - 0.15)


def test_no_scan_while_a_bolus_runs_and_no_patient_bolus_or_new_bolus_while_held():
    with_bolus = pump()
    bolus = clinician_bolus(Dose(1, MG), H, Concentration(10, MG), NOW, with_bolus.model)
    program = replace(Program.from_memory(with_bolus), prescription=with_bolus.prescription.with_bolus(bolus))
    with_bolus = apply_program(with_bolus, program, NOW)
    with pytest.raises(ProgramRejected, match="clinician bolus runs until 2026-11-21 10:00: let it finish"):
        mri_scan(with_bolus, NOW + timedelta(minutes=30), H)

    ptm = PtmSettings(Dose(0.1, MG), timedelta(minutes=10), 4, timedelta(hours=3))
    held, _ = mri_scan(apply_program(pump(), replace(Program.from_memory(pump()), ptm=ptm), NOW), NOW, H)
    with pytest.raises(PatientBolusRefused, match=r"no delivery since the MRI scan of .* \(motor stalled\)"):
        give_patient_bolus(held, NOW + 2 * H)
    with pytest.raises(ProgramRejected, match="interrogate the pump to restart it before giving a bolus"):
        apply_program(held, replace(Program.from_memory(held), prescription=program.prescription), NOW + 2 * H)


def test_a_held_pump_round_trips_in_both_file_formats_and_an_impossible_hold_is_refused(tmp_path):
    held, _ = mri_scan(pump(), NOW, H)
    assert loads_pump(dumps_pump(held)) == held
    save_pump(tmp_path / "held.pump", held)
    assert load_pump(tmp_path / "held.pump") == held
    # A pump never scanned is written as before: no new field in its file.
    assert "delivery_held_since" not in dumps_pump(pump())
    future = replace(held, delivery_held_since=held.clock + DAY)
    assert "the MRI scan is dated 2026-11-22 10:00, after the pump's clock" in "; ".join(memory_problems(future))
    bolus = clinician_bolus(Dose(1, MG), H, Concentration(10, MG), held.clock, held.model)
    both = replace(held, prescription=held.prescription.with_bolus(bolus))
    assert memory_problems(both) == [
        "a clinician bolus is programmed while delivery is held since the MRI scan of 2026-11-21 09:00: the pump "
        "never holds both"
    ]


def test_the_link_restarts_delivery_at_an_interrogation_but_not_at_the_handhelds_read_or_as_time_passes(tmp_path):
    path = tmp_path / "pump.pump"
    save_pump(path, pump())
    link = Telemetry(path)
    link.mri_scan(NOW, H)
    link.advance(NOW + 2 * DAY)
    assert Telemetry(path).patient_status().delivery_held_since == NOW  # the handheld is no programmer
    read = Telemetry(path).interrogate()
    assert read.delivery_held_since is None and load_pump(path) == read  # written, through the checked write
    assert load_pump(path).events[-2].details.phase is MriPhase.RESUMED
