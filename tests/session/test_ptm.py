"""The patient therapy manager (the patient's handheld), without Qt: what it shows, what a press gets, which link.

The demo pump: PX-20, morphine 10 mg/mL at 1.5 mg/day, its clock at Sat 2026-11-21 09:00; its PTM gives 0.1 mg
(0.01 mL) over 10 min, at most 4 per 24 h, with a lockout of 3 h after each bolus.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from msgspec.structs import replace

from programmer.cli import main
from programmer.pump.factory import new_pump
from programmer.pump.firmware import PatientBolusRefused, Program, apply_program
from programmer.pump.log import BolusDetails, BolusPhase
from programmer.pump.memory import EventKind
from programmer.pump.pumpfile import load_pump, save_pump
from programmer.session import workspace
from programmer.session.events import ProgrammerEvents
from programmer.session.plot_data import memory_inputs, plot_data
from programmer.session.programming import ProgrammingSession
from programmer.session.ptm import OwnLink, PatientTherapyManager, PumpOutOfReach, SessionLink, ptm_screen
from programmer.session.visit import ClinicianProgrammer
from programmer.therapy.bolus import PtmSettings
from programmer.therapy.prescription import BolusKind
from programmer.therapy.units import Dose, DoseRate, DrugUnit
from tests.helpers import connected

NOW = datetime(2026, 11, 21, 9, 0)
H = timedelta(hours=1)


@pytest.fixture
def demo(tmp_path, monkeypatch):
    monkeypatch.setenv("PROGRAMMER_DATA_DIR", str(tmp_path / "data"))
    return workspace.demo_pump_path()


def patient_boluses(path):
    return [
        event for event in load_pump(path).events.of_kind(EventKind.BOLUS)
        if isinstance(event.details, BolusDetails) and event.details.bolus is BolusKind.PATIENT
        and event.details.phase is BolusPhase.PROGRAMMED
    ]


def test_the_handheld_shows_the_bolus_its_limits_and_that_one_is_allowed_now(demo):
    screen = PatientTherapyManager(OwnLink(demo)).screen
    assert screen.pump == "Pump PX-20 · serial PX20-DEMO-0001\nPatient ID DEMO-0001"  # as the programmer's header
    assert screen.clock == "Pump clock: Sat 2026-11-21 09:00"
    assert screen.bolus == "Each bolus: 0.1 mg (0.01 mL of morphine 10 mg/mL) over 10 min"
    assert screen.limits == "At most 4 per 24 h, lockout 3 h after each bolus"
    assert screen.status == "Bolus available now." and screen.available
    assert screen.used == "Boluses 0 of 4 used in the last 24 h"
    assert screen.refill == ""  # the peristaltic family's handheld shows no refill date
    assert screen.history == ("No patient bolus in the last 7 days",)


def test_a_press_gives_a_bolus_logged_in_the_pump_then_the_lockout_says_when_the_next_is_allowed(demo):
    ptm = PatientTherapyManager(OwnLink(demo))
    given = []
    ptm.events.given.connect(given.append)
    ptm.request_bolus()
    assert len(given) == 1 and given[0].after == load_pump(demo)  # written, and read back
    (event,) = patient_boluses(demo)
    assert event.at == NOW and event.details.phase is BolusPhase.PROGRAMMED and event.details.volume_ml == 0.01
    screen = ptm.screen
    assert screen.answer == "Bolus given at 2026-11-21 09:00: 0.1 mg (0.01 mL) over 10 min, until 2026-11-21 09:10."
    assert screen.status == "Lockout of 3 h after each bolus: the next is allowed at 2026-11-21 12:10, in 3 h 10 min."
    assert not screen.available and screen.used == "Boluses 1 of 4 used in the last 24 h"
    assert screen.history[0].startswith("0.01 mL (0.1 mg) over 10 min from 2026-11-21 09:00; running:")


def test_the_handheld_reads_an_unchanged_pump_once_and_sees_what_another_wrote(demo, capsys):
    link = OwnLink(demo)
    first = link.read()
    assert link.read() is first  # the pump's log is not decoded again while nothing changed it
    assert main(["pump", "advance", str(demo), "--days", "1"]) == 0  # a script moves the pump on
    capsys.readouterr()
    assert link.read().clock == NOW + timedelta(days=1)


def test_a_press_in_the_lockout_is_refused_with_the_time_left_and_nothing_is_written(demo):
    ptm = PatientTherapyManager(OwnLink(demo))
    ptm.request_bolus()
    refused = []
    ptm.events.refused.connect(refused.append)
    before = load_pump(demo)
    ptm.request_bolus(NOW + H)
    assert isinstance(refused[0], PatientBolusRefused) and refused[0].next_at == datetime(2026, 11, 21, 12, 10)
    assert str(refused[0]) == "lockout of 3 h after each bolus: the next is allowed at 2026-11-21 12:10, in 2 h 10 min"
    assert ptm.screen.refused and load_pump(demo) == before  # not even the clock moved on


def test_a_refusal_belongs_to_its_moment_and_goes_when_the_pumps_clock_moves_on(demo):
    """Walk-through finding: "Pressed at 09:00: no bolus given (see above)" beside "Bolus available now." a month of
    pump time later."""
    session = ProgrammingSession(demo)
    session.connect()
    ptm = PatientTherapyManager(SessionLink(session))
    ptm.request_bolus()
    assert ptm.screen.answer.startswith("Bolus given at 2026-11-21 09:00")
    ptm.request_bolus()  # in the lockout
    assert (ptm.screen.answer, ptm.screen.refused) == ("Pressed at 09:00: no bolus given (see above).", True)
    assert ptm.refresh().answer == "Pressed at 09:00: no bolus given (see above)."  # the same moment: still said
    session.advance(NOW + 30 * 24 * H)
    assert ptm.screen.status == "Bolus available now."
    assert (ptm.screen.answer, ptm.screen.refused) == ("", False)
    session.close(confirm=True)


def test_a_bolus_given_is_said_until_the_pumps_clock_moves_on_then_the_history_keeps_it(demo, capsys):
    ptm = PatientTherapyManager(OwnLink(demo))
    ptm.request_bolus()
    assert ptm.refresh().answer.startswith("Bolus given at 2026-11-21 09:00")
    assert main(["pump", "advance", str(demo), "--days", "1"]) == 0  # a script moves the pump on
    capsys.readouterr()
    assert ptm.refresh().answer == ""
    assert ptm.screen.history[0].startswith("0.01 mL (0.1 mg) over 10 min from 2026-11-21 09:00")


def test_beyond_four_in_24_h_the_next_is_allowed_24_h_after_the_oldest(demo):
    ptm = PatientTherapyManager(OwnLink(demo))
    for hours in (0, 4, 8, 12):
        ptm.request_bolus(NOW + hours * H)
    assert len(patient_boluses(demo)) == 4
    refused = []
    ptm.events.refused.connect(refused.append)
    ptm.request_bolus(NOW + 20 * H)
    assert str(refused[0]) == (
        "the maximum of 4 boluses per 24 h is used: the next is allowed at 2026-11-22 09:00, in 4 h"
    )
    assert ptm.screen.answer == (
        "No bolus given: The maximum of 4 boluses per 24 h is used: the next is allowed at 2026-11-22 09:00, in 4 h."
    )
    ptm.request_bolus(NOW + 24 * H)
    assert len(patient_boluses(demo)) == 5
    assert ptm.screen.history[0].startswith("0.01 mL (0.1 mg) over 10 min from 2026-11-22 09:00")
    assert len(ptm.screen.history) == 5  # the last five, newest first


def test_while_a_programmer_session_holds_the_pump_the_handhelds_own_link_cannot_reach_it(demo):
    ptm = PatientTherapyManager(OwnLink(demo))
    refused = []
    ptm.events.refused.connect(refused.append)
    before = load_pump(demo)
    with connected(demo):
        ptm.request_bolus()
    assert isinstance(refused[0], PumpOutOfReach)
    assert str(refused[0]).endswith(
        "the pump is in a session with a clinician programmer: the handheld cannot reach it until that session ends; "
        "nothing was given"
    )
    assert load_pump(demo) == before and not ptm.busy
    ptm.request_bolus()  # the session ended: the pump answers
    assert len(patient_boluses(demo)) == 1


def test_through_the_session_that_holds_the_pump_its_screens_see_the_bolus_and_nothing_is_programmed(demo):
    events = ProgrammerEvents()
    session = ProgrammingSession(demo, events=events)
    session.connect()
    said = {name: [] for name in ("snapshot", "bolus", "programmed", "link_failed")}
    for name, seen in said.items():
        getattr(events, name).connect(seen.append)
    ptm = PatientTherapyManager(SessionLink(session))
    ptm.request_bolus()
    assert session.current.prescription.bolus.kind is BolusKind.PATIENT and session.current == load_pump(demo)
    assert said["programmed"] == [] and said["link_failed"] == []
    assert [notice.kind for notice in said["bolus"]] == ["patient"]
    assert said["snapshot"][-1] == session.current
    # The plot shows it where it started, on the level it started from.
    (point,) = plot_data(memory_inputs(session.current), NOW + 30 * timedelta(days=1)).patient_boluses
    assert (point.at, point.reservoir_ml) == (NOW, session.current.reservoir_ml)
    assert point.text == "Patient bolus Sat 21 Nov 09:00: 0.1 mg (0.01 mL)"
    session.advance(NOW + 2 * H)  # the session's clock moves: the handheld reads it
    assert ptm.screen.status.endswith("in 1 h 10 min.")
    session.close(confirm=True)


def test_following_the_programmer_pairs_with_its_visit_then_the_same_pump_over_the_handhelds_own_link(demo):
    programmer = ClinicianProgrammer()
    ptm = PatientTherapyManager()
    assert not ptm.screen.connected and ptm.screen.pump == "No pump paired: open a pump in the programmer first"
    ptm.follow(programmer)
    programmer.open(demo)
    assert isinstance(ptm.link, SessionLink) and ptm.screen.available
    programmer.close(confirm=True)
    assert isinstance(ptm.link, OwnLink) and ptm.link.path == demo
    ptm.request_bolus()
    assert len(patient_boluses(demo)) == 1
    ptm.close()
    programmer.open(demo)
    assert ptm.link is None  # closed: it follows no visit any more
    programmer.close(confirm=True)


def test_the_valve_gated_handheld_shows_the_refill_date_with_every_allowed_bolus_used(tmp_path):
    pump = new_pump("VG-20", "morphine", 10, DoseRate(1.5, DrugUnit.MG), NOW, serial="VG-T")
    ptm = PtmSettings(Dose(0.1, DrugUnit.MG), timedelta(minutes=10), 4, timedelta(hours=3))
    path = tmp_path / "vg.pump"
    save_pump(path, apply_program(pump, replace(Program.from_memory(pump), ptm=ptm), NOW))
    # (20 - 3) mL at 0.15 mL/day + 4 × 0.01 mL of boluses a day: 89.47 days (89 d 11 h 22.1 min), rounded up.
    assert ptm_screen(load_pump(path)).refill == (
        "Date of next refill: 2027-02-18 20:23 (the reservoir at 3 mL if every allowed bolus is used)"
    )
