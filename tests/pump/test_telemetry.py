"""The telemetry link: programs are validated, written, read back and compared; faults leave the pump untouched."""

import os
import shutil
import subprocess
import sys
from datetime import datetime, timedelta

import pytest
from msgspec.structs import replace

from programmer.pump import firmware, store
from programmer.pump.factory import new_pump
from programmer.pump.firmware import Program, ProgramRejected
from programmer.pump.memory import AlarmKind, EventKind
from programmer.pump.pumpfile import PumpChangedError, dumps_pump, load_pump, save_pump
from programmer.pump.telemetry import LinkFaults, LinkLost, Telemetry, VerificationFailed, describe_changes
from programmer.therapy.bolus import PtmSettings
from programmer.therapy.prescription import Prescription
from programmer.therapy.schedule import DaySchedule, FlexSchedule, FlexStep
from programmer.therapy.units import Concentration, Dose, DoseRate, DrugUnit

NOW = datetime(2026, 11, 21, 9, 0)
MG = DrugUnit.MG
MORPHINE_10 = Concentration(10, MG)


@pytest.fixture
def pump_path(tmp_path):
    path = tmp_path / "pump.pump"
    save_pump(path, new_pump("PX-20", "morphine", 10, DoseRate(1.5, MG), NOW, serial="T-1", patient_id="P-1"))
    return path


def dose(per_day, low_alarm_ml=2.0, **kwargs):
    return Program(Prescription.simple_continuous("morphine", MORPHINE_10, DoseRate(per_day, MG)), low_alarm_ml, None,
                   **kwargs)


def test_interrogation_reads_the_pump_as_stored(pump_path):
    assert Telemetry(pump_path).interrogate() == load_pump(pump_path)


def test_a_program_is_written_read_back_and_described_in_plain_words(pump_path):
    link = Telemetry(pump_path)
    result = link.program(dose(2.0, reason="more pain", clinician="Nurse A"), NOW + timedelta(hours=1))
    assert result.changes == ["Daily dose: 1.5 mg/day → 2 mg/day"]
    assert str(result.before.prescription.daily_dose) == "1.5 mg/day"
    assert result.after == load_pump(pump_path) == link.interrogate()
    assert result.after.events[-1].kind is EventKind.PROGRAMMING
    assert result.after.events[-1].details.record.clinician == "Nurse A"
    # The pump kept delivering for that hour before the new program.
    assert result.before.clock == NOW + timedelta(hours=1)
    assert result.before.reservoir_ml == pytest.approx(20 - 0.15 / 24, abs=1e-9)


def test_every_setting_a_program_changes_is_named(pump_path):
    link = Telemetry(pump_path)
    day = DaySchedule((FlexStep(0, DoseRate(2.0, MG)), FlexStep(480, DoseRate(3.0, MG))))
    ptm = PtmSettings(Dose(0.1, MG), timedelta(minutes=10), 4, timedelta(hours=3))
    stronger = Concentration(25, MG)
    program = Program(Prescription.flex("morphine", stronger, FlexSchedule.every_day(day)), 3.0, ptm)
    result = link.program(program, NOW)
    assert result.changes == [
        "Concentration: 10 mg/mL → 25 mg/mL",
        "Mode: Simple continuous → Flexible (time of day)",
        "Daily dose: 1.5 mg/day → 2.667 mg/day",
        "Flex schedule (every day): none → 00:00 2 mg/day, 08:00 3 mg/day",
        "Low-reservoir alarm: 2 mL → 3 mL",
        "Patient bolus (PTM): off → 0.1 mg over 10 min, at most 4 per 24 h, lockout 3 h",
    ]
    later = day.with_rate(1, DoseRate(4.0, MG))
    again = link.program(replace(program, prescription=Prescription.flex("morphine", stronger,
                                                                         FlexSchedule.every_day(later))), NOW)
    assert again.changes == [
        "Daily dose: 2.667 mg/day → 3.333 mg/day",
        "Flex schedule (every day): 00:00 2 mg/day, 08:00 3 mg/day → 00:00 2 mg/day, 08:00 4 mg/day",
    ]


def test_a_refused_program_leaves_the_pump_file_byte_identical(pump_path):
    before = pump_path.read_bytes()
    with pytest.raises(ProgramRejected) as refused:
        Telemetry(pump_path).program(dose(300, low_alarm_ml=9), NOW + timedelta(days=1))
    assert len(refused.value.reasons) == 2 and "30 mL/day" in refused.value.reasons[0]
    assert pump_path.read_bytes() == before


def test_a_lost_link_leaves_the_pump_file_byte_identical(pump_path):
    before = pump_path.read_bytes()
    faults = LinkFaults(lose_link_mid_program=True)
    link = Telemetry(pump_path, faults)
    with pytest.raises(LinkLost) as lost:
        link.program(dose(2.0), NOW + timedelta(days=1))
    assert str(lost.value) == "link lost during programming: the pump kept its previous program"
    with pytest.raises(LinkLost):
        link.refill(10.0, 20.0, NOW + timedelta(days=1))
    assert pump_path.read_bytes() == before
    faults.lose_link_mid_program = False  # the instructor switches it off: the same link works again
    assert link.program(dose(2.0), NOW + timedelta(days=1)).changes == ["Daily dose: 1.5 mg/day → 2 mg/day"]


def test_a_pump_refusing_every_program_leaves_the_file_byte_identical(pump_path):
    before = pump_path.read_bytes()
    link = Telemetry(pump_path, LinkFaults(refuse_program=True))
    with pytest.raises(ProgramRejected) as refused:
        link.program(dose(2.0), NOW)
    assert refused.value.reasons == ["pump refused the program (simulated fault)"]
    with pytest.raises(ProgramRejected, match="simulated fault"):
        link.refill(10.0, 20.0, NOW)
    assert pump_path.read_bytes() == before


def test_a_slow_link_waits_before_each_answer(pump_path):
    waits = []
    link = Telemetry(pump_path, LinkFaults(delay_s=1.5), sleep=waits.append)
    link.interrogate()
    link.program(dose(2.0), NOW)
    link.refill(19.0, 20.0, NOW)
    assert waits == [1.5, 1.5, 1.5]
    link.advance(NOW + timedelta(days=1))  # the pump's own clock, not a link exchange
    assert waits == [1.5, 1.5, 1.5]


def test_a_read_back_that_differs_from_what_was_sent_fails_verification(pump_path, monkeypatch):
    real_append = store.append

    def corrupting_append(path, seen, memory):  # the pump stores something else than it was sent
        return real_append(path, seen, replace(memory, low_alarm_ml=4.0))

    monkeypatch.setattr(store, "append", corrupting_append)
    with pytest.raises(VerificationFailed, match=r"read-back does not match what was sent \(low_alarm_ml\)"):
        Telemetry(pump_path).program(dose(2.0), NOW)


def test_advancing_through_the_link_stores_the_pump_and_returns_its_alarms(pump_path):
    link = Telemetry(pump_path)
    _, alarms = link.advance(NOW + timedelta(days=121))
    # 0.15 mL/day: 18 mL to the 2 mL alarm is 120 days.
    assert [(alarm.kind, alarm.raised_at) for alarm in alarms] == [(AlarmKind.LOW_RESERVOIR, NOW + timedelta(days=120))]
    stored = load_pump(pump_path)
    assert stored.clock == NOW + timedelta(days=121) and stored.has_alarm(AlarmKind.LOW_RESERVOIR)
    assert stored.reservoir_ml == pytest.approx(20 - 0.15 * 121, abs=1e-9)


def test_alarm_instants_with_microseconds_survive_the_file(pump_path):
    link = Telemetry(pump_path)
    link.program(dose(1.7), NOW)  # 0.17 mL/day: the alarm instant is not a whole second
    _, alarms = link.advance(NOW + timedelta(days=200))
    assert alarms[0].raised_at.microsecond != 0 or alarms[0].raised_at.second != 0
    assert load_pump(pump_path).alarms == tuple(alarms)


def test_a_refill_through_the_link_is_checked_and_described(pump_path):
    link = Telemetry(pump_path)
    link.advance(NOW + timedelta(days=121))
    result = link.refill(1.5, 20.0, NOW + timedelta(days=121))
    assert result.changes == ["Reservoir: 1.85 mL → 20 mL", "Alarm cleared: Low reservoir"]
    stored = load_pump(pump_path)
    assert stored == result.after and stored.reservoir_ml == 20.0 and not stored.alarms
    refill_event = next(event for event in stored.events if event.kind is EventKind.REFILL)
    assert refill_event.details.removed_ml == 1.5


def test_a_refill_with_a_new_program_changes_both(pump_path):
    link = Telemetry(pump_path)
    when = NOW + timedelta(days=30)
    result = link.refill(15.0, 20.0, when, program=dose(2.0))
    assert result.changes == ["Daily dose: 1.5 mg/day → 2 mg/day", "Reservoir: 15.5 mL → 20 mL"]


def test_changes_of_drug_bolus_and_stop_read_plainly():
    pump = new_pump("PX-20", "morphine", 10, DoseRate(1.5, MG), NOW)
    stopped = replace(pump, prescription=Prescription.stopped("morphine", MORPHINE_10))
    assert describe_changes(pump, stopped) == [
        "Mode: Simple continuous → Stopped",
        "Daily dose: 1.5 mg/day → 0 mg/day",
    ]
    hydromorphone = replace(
        pump,
        prescription=Prescription.simple_continuous("hydromorphone", Concentration(2, MG), DoseRate(0.3, MG)),
    )
    assert describe_changes(pump, hydromorphone) == [
        "Drug: morphine → hydromorphone",
        "Concentration: 10 mg/mL → 2 mg/mL",
        "Daily dose: 1.5 mg/day → 0.3 mg/day",
    ]
    assert describe_changes(pump, pump) == []


# --- every contact checks the pump is the one interrogated, unchanged since -------------------------------------
ADVANCE_ELSEWHERE = """
import sys
from datetime import datetime, timedelta
from pathlib import Path
from programmer.pump.telemetry import Telemetry
link = Telemetry(Path(sys.argv[1]))
link.advance(link.interrogate().clock + timedelta(days=2))
"""


def test_programming_after_another_process_wrote_the_pump_is_refused_and_sends_nothing(pump_path):
    link = Telemetry(pump_path)
    assert link.interrogate().clock == NOW
    subprocess.run([sys.executable, "-c", ADVANCE_ELSEWHERE, str(pump_path)], check=True)  # another programmer
    written = pump_path.read_bytes()
    # Not a ClockError about the clock that moved on: the pump changed, so interrogate again.
    with pytest.raises(PumpChangedError, match=r"the pump's memory changed since it was interrogated \(written 1 "
                                               r"time\(s\) since, by another programmer or process\)"):
        link.program(dose(2.0), NOW + timedelta(hours=1))
    with pytest.raises(PumpChangedError, match="changed since it was interrogated"):
        link.advance(NOW + timedelta(days=3))
    assert pump_path.read_bytes() == written
    assert link.interrogate().clock == NOW + timedelta(days=2)  # interrogated again, the link works
    assert link.program(dose(2.0), NOW + timedelta(days=2)).changes == ["Daily dose: 1.5 mg/day → 2 mg/day"]


@pytest.mark.parametrize("how", ["copied over it", "moved over it"])
def test_another_pumps_file_put_in_place_is_not_the_pump_interrogated(pump_path, tmp_path, how):
    other = tmp_path / "other.pump"
    save_pump(other, new_pump("PX-40", "baclofen", 500, DoseRate(200, DrugUnit.MCG), NOW, serial="B-9"))
    link = Telemetry(pump_path)
    link.interrogate()
    if how == "copied over it":
        shutil.copyfile(other, pump_path)  # the same file, its bytes rewritten
    else:
        os.replace(other, pump_path)  # another file under the name
    replaced = pump_path.read_bytes()
    message = (r"this is not the pump you interrogated: the file now holds PX-40 #B-9, not PX-20 #T-1; "
               r"nothing was sent")
    with pytest.raises(PumpChangedError, match=message):
        link.program(dose(2.0), NOW)
    with pytest.raises(PumpChangedError, match="this is not the pump you interrogated"):
        link.refill(10.0, 20.0, NOW)
    with pytest.raises(PumpChangedError, match="this is not the pump you interrogated"):
        link.advance(NOW + timedelta(days=1))
    assert pump_path.read_bytes() == replaced  # the other pump was never programmed
    assert load_pump(pump_path).prescription.drug == "baclofen"


def test_a_version_1_file_changed_by_another_writer_is_refused_too(tmp_path):
    path = tmp_path / "pump.json"
    pump = new_pump("PX-20", "morphine", 10, DoseRate(1.5, MG), NOW, serial="T-1")
    path.write_text(dumps_pump(pump), encoding="utf-8")
    link = Telemetry(path)
    link.interrogate()  # read as it is: a link without a session does not migrate the file
    path.write_text(dumps_pump(firmware.advance(pump, NOW + timedelta(days=1))[0]), encoding="utf-8")
    changed = path.read_bytes()
    with pytest.raises(PumpChangedError, match="the pump's memory changed since it was interrogated"):
        link.program(dose(2.0), NOW + timedelta(days=1))
    assert path.read_bytes() == changed
