"""A programming session as a nurse runs it: interrogate, edit, review, program, verify, close."""

from datetime import datetime, timedelta

import pytest
from msgspec.structs import replace

from programmer.pump.memory import EventKind
from programmer.pump.pumpfile import PumpInSessionError, load_pump
from programmer.pump.telemetry import LinkLost
from programmer.session.events import LinkState
from programmer.session.gate import BlockingFindings, ReasonRequired
from programmer.session.programming import ProgrammingSession, UnfinishedSession
from programmer.therapy.prescription import Prescription
from programmer.therapy.units import DoseRate, DrugUnit
from tests.helpers import connected, morphine_pump

NOW = datetime(2026, 11, 21, 9, 0)


@pytest.fixture
def pump_path(tmp_path):
    return morphine_pump(tmp_path / "pump.json", NOW, serial="PX20-T-1", patient_id="P-1")


@pytest.fixture
def session(pump_path):
    with connected(pump_path) as session:
        yield session


def with_dose(session, per_day: float) -> Prescription:
    return replace(session.current.prescription, daily_dose=DoseRate(per_day, DrugUnit.MG))


def test_connect_interrogates_and_shows_the_pump(session):
    assert session.state is LinkState.CONNECTED
    assert session.current.serial == "PX20-T-1"
    assert str(session.current.prescription.daily_dose) == "1.5 mg/day"
    # 20 mL full, 0.15 mL/day, alarm at 2 mL: 120 days.
    assert session.current_projection().alarm_date == NOW + timedelta(days=120)


def test_a_second_session_is_refused_while_the_first_holds_the_pump(session, pump_path):
    with pytest.raises(PumpInSessionError, match="in session elsewhere"):
        ProgrammingSession(pump_path).connect()


def test_dose_change_is_reviewed_with_percent_and_alarm_date_then_programmed_and_verified(session, pump_path):
    session.edit(prescription=with_dose(session, 2.0))
    review = session.review()
    assert review.dose_change_percent == pytest.approx(33.333, abs=0.01)
    assert review.new_daily_volume_ml == pytest.approx(0.2)
    assert review.new_projection.alarm_date == NOW + timedelta(days=90)
    rows = {row.label: row for row in review.rows}
    assert rows["Daily dose"].changed and rows["Daily dose"].new.startswith("2 mg/day")
    assert not rows["Drug"].changed
    assert review.can_program

    result = session.program()
    assert session.pending is None
    assert any("2 mg/day" in change for change in result.changes)
    assert str(session.interrogate().prescription.daily_dose) == "2 mg/day"
    assert str(load_pump(pump_path).prescription.daily_dose) == "2 mg/day"


def test_editing_back_to_the_pumps_own_settings_leaves_nothing_pending(session):
    original = session.current.prescription
    session.edit(prescription=with_dose(session, 3.0))
    assert session.has_pending_changes
    session.edit(prescription=original)
    assert not session.has_pending_changes


def test_a_hard_limit_dose_cannot_be_programmed(session, pump_path):
    before = pump_path.read_bytes()
    session.edit(prescription=with_dose(session, 31.0))  # morphine hard limit 30 mg/day
    review = session.review()
    assert review.blocking and not review.can_program
    with pytest.raises(BlockingFindings, match="cannot program"):
        session.program(reason="because")
    assert pump_path.read_bytes() == before


def test_a_soft_limit_dose_needs_a_reason_that_lands_in_the_pump_log(session, pump_path):
    # Above morphine's soft maximum of 15 mg/day, below its hard limit of 30 mg/day.
    session.edit(prescription=with_dose(session, 16.0))
    assert session.review().needs_reason
    with pytest.raises(ReasonRequired):
        session.program()
    session.program(reason="palliative care plan agreed with patient", clinician="Nurse A")
    programming = [e for e in load_pump(pump_path).events if e.kind is EventKind.PROGRAMMING]
    assert "palliative care plan agreed with patient" in str(programming[-1].details) + programming[-1].text


def test_closing_with_unprogrammed_changes_needs_confirmation(session, pump_path):
    session.edit(prescription=with_dose(session, 2.0))
    with pytest.raises(UnfinishedSession, match="the pump keeps its old program"):
        session.close()
    assert session.state is LinkState.CONNECTED
    session.close(confirm=True)
    assert session.state is LinkState.NOT_CONNECTED
    other = ProgrammingSession(pump_path)
    other.connect()  # the lock was released
    other.close()


def test_leaving_the_pump_stopped_names_the_consequence(session):
    session.edit(prescription=Prescription.stopped("morphine", session.current.prescription.concentration))
    session.program(reason="stop for MRI")
    assert session.close_problems() == ["the pump is stopped: the pump will deliver no drug"]
    with pytest.raises(UnfinishedSession, match="will deliver no drug"):
        session.close()


def test_a_lost_link_during_programming_leaves_the_pump_unchanged(session, pump_path):
    before = pump_path.read_bytes()
    session.edit(prescription=with_dose(session, 2.0))
    session.faults.lose_link_mid_program = True
    with pytest.raises(LinkLost, match="previous program"):
        session.program()
    assert pump_path.read_bytes() == before
    assert session.has_pending_changes  # nothing lost: the nurse can retry
    assert session.state is LinkState.CONNECTED
    session.faults.lose_link_mid_program = False
    session.program()
    assert str(load_pump(pump_path).prescription.daily_dose) == "2 mg/day"


def test_advancing_the_clock_lowers_the_reservoir_and_raises_the_alarm(session):
    session.advance_days(30)
    assert session.current.reservoir_ml == pytest.approx(20 - 30 * 0.15)
    alarms = session.advance(NOW + timedelta(days=121))
    assert [alarm.kind.value for alarm in alarms] == ["low_reservoir"]
    assert alarms[0].raised_at == NOW + timedelta(days=120)


def test_one_program_gives_one_notice_per_field_with_what_changed(session):
    heard: list[tuple[str, object]] = []
    for name in ("link", "snapshot", "pending", "programmed"):
        session.events.__getattribute__(name).connect(lambda payload, name=name: heard.append((name, payload)))
    session.edit(prescription=with_dose(session, 2.0))
    assert heard == [("pending", session.pending)]
    heard.clear()
    result = session.program()
    # The link shows "programming" while the pump answers; then each field once, with its new value.
    assert [name for name, _ in heard] == ["link", "link", "snapshot", "pending", "programmed"]
    assert [payload for name, payload in heard if name == "link"] == [LinkState.PROGRAMMING, LinkState.CONNECTED]
    assert dict(heard[2:])["snapshot"] is result.after and dict(heard[2:])["pending"] is None
    assert dict(heard[2:])["programmed"] is result


def test_a_listener_can_disconnect(session):
    heard = []
    connection = session.events.pending.connect(heard.append)
    session.edit(prescription=with_dose(session, 2.0))
    connection.disconnect()
    session.discard_changes()
    assert len(heard) == 1


def test_titration_rules_see_the_dose_history_in_the_pump_log(session):
    session.advance_days(2)
    session.edit(prescription=with_dose(session, 2.0))
    session.program()
    session.advance(session.now + timedelta(hours=2))
    # 1.5 → 2 mg/day two hours ago; now 2 → 2.9 mg/day: +93 % against the dose 24 h ago (1.5 mg/day).
    session.edit(prescription=with_dose(session, 2.9))
    rules = {finding.rule for finding in session.review().needs_reason}
    assert "titration_rate" in rules
