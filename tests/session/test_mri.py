"""An MRI scan as the programmer offers it: what it says first, the emptying of a valve-gated pump, the scan through the
session, what the status screen then says, and the interrogation that ends the hold."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from programmer.pump.factory import new_pump
from programmer.pump.firmware import ProgramRejected
from programmer.pump.memory import AlarmKind, EventKind
from programmer.pump.pumpfile import load_pump, save_pump
from programmer.session.mri import mri_advice, needs_emptying, scan
from programmer.session.status import reservoir_projection
from programmer.session.status_screen import status_screen
from programmer.therapy.drugs import drug_library
from programmer.therapy.units import DoseRate, DrugUnit
from tests.helpers import connected

NOW = datetime(2026, 11, 21, 9, 0)
H = timedelta(hours=1)
DAY = timedelta(days=1)


@pytest.fixture
def px20(tmp_path):
    path = tmp_path / "px20.pump"
    save_pump(path, new_pump("PX-20", "morphine", 10, DoseRate(1.5, DrugUnit.MG), NOW, serial="PX-T"))
    return path


@pytest.fixture
def vg20(tmp_path):
    path = tmp_path / "vg20.pump"
    save_pump(path, new_pump("VG-20", "morphine", 10, DoseRate(1.5, DrugUnit.MG), NOW, serial="VG-T"))
    return path


def lines(memory) -> list[str]:
    return [line.text for line in status_screen(memory, drug_library()).lines]


def test_the_advice_says_what_the_magnet_does_to_each_family(px20, vg20):
    assert mri_advice(load_pump(px20)) == (
        "In the magnet the PX-20's motor stalls: no drug is delivered during the scan, nor after it until the pump "
        "is interrogated (Ctrl+I), which restarts the motor. Do not program the pump stopped before the scan."
    )
    assert mri_advice(load_pump(vg20)).startswith(
        "The VG-20 must be emptied before the scan: in the magnet its flow valve can let drug through. It holds 20 mL"
    )
    assert not needs_emptying(load_pump(px20)) and needs_emptying(load_pump(vg20))


def test_after_the_scan_the_status_says_no_delivery_until_the_interrogation_which_restarts_it(px20):
    with connected(px20) as session:
        alarms = scan(session, 2 * H)
        assert [alarm.kind for alarm in alarms] == [AlarmKind.MOTOR_STALL]
        session.advance(NOW + 3 * DAY)  # time passes, nobody interrogates
        held = session.current
        assert held.reservoir_ml == 20.0
        assert lines(held) == [
            "CRITICAL: Motor stall: no delivery since 2026-11-21 09:00",
            "No delivery since the MRI scan of 2026-11-21 09:00 (motor stalled): interrogate the pump to restart "
            "its motor",
        ]
        resumed = session.interrogate()
        assert resumed == load_pump(px20) and resumed.delivery_held_since is None
        assert lines(resumed) == ["No active alarms"]
        projection = reservoir_projection(resumed)
        assert projection.start == NOW + 3 * DAY and projection.start_volume_ml == 20.0
        assert projection.alarm_date == NOW + 3 * DAY + 120 * DAY  # 18 mL at 0.15 mL/day, from the real volume


def test_the_valve_gated_pump_is_emptied_first_or_nothing_is_done(vg20):
    with connected(vg20) as session:
        before = session.current
        with pytest.raises(ProgramRejected, match="the VG-20 must be emptied before an MRI scan"):
            scan(session, H)
        assert load_pump(vg20) == before  # refused: nothing emptied, nothing scanned
        scan(session, H, emptied_ml=19.6)
        kinds = [event.kind for event in session.current.events.since(NOW)]
        assert kinds[1] is EventKind.REFILL and kinds[-1] is EventKind.MRI
        refill = session.current.events.of_kind(EventKind.REFILL)[-1].details
        assert (refill.expected_ml, refill.removed_ml, refill.added_ml) == (20.0, 19.6, 0.0)
        assert lines(session.current)[-1] == (
            "No delivery since the MRI scan of 2026-11-21 09:00 (flow valve closed): interrogate the pump to reset "
            "its flow valve"
        )
        with pytest.raises(ProgramRejected, match="at most 24 h"):
            scan(session, 25 * H)
