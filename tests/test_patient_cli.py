"""`programmer ptm …` and `programmer pump mri`, headless: what they print, their one-line refusals and exit codes.

The demo pump: PX-20, morphine 10 mg/mL at 1.5 mg/day, clock Sat 2026-11-21 09:00; PTM 0.1 mg over 10 min, at most
4 per 24 h, lockout 3 h.
"""

from __future__ import annotations

import pytest

from programmer.cli import main
from programmer.pump.memory import EventKind
from programmer.pump.pumpfile import load_pump
from programmer.session import workspace
from programmer.session.programming import ProgrammingSession
from tests.helpers import morphine_pump


def run(capsys, *argv):
    code = main([str(arg) for arg in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def demo(tmp_path, monkeypatch):
    monkeypatch.setenv("PROGRAMMER_DATA_DIR", str(tmp_path / "data"))
    return workspace.demo_pump_path()


def test_ptm_bolus_gives_one_and_says_when_the_next_is_allowed(demo, capsys):
    code, out, err = run(capsys, "ptm", "bolus", demo)
    assert code == 0, err
    assert out.splitlines()[:3] == [
        "Bolus given at 2026-11-21 09:00: 0.1 mg (0.01 mL) over 10 min, until 2026-11-21 09:10.",
        "Pump PX-20 · serial PX20-DEMO-0001",
        "Patient ID DEMO-0001",
    ]
    assert "Lockout of 3 h after each bolus: the next is allowed at 2026-11-21 12:10, in 3 h 10 min." in out
    assert "Boluses 1 of 4 used in the last 24 h" in out
    assert load_pump(demo).events[-1].kind is EventKind.BOLUS


def test_a_press_in_the_lockout_is_one_line_exit_1_and_the_file_is_byte_identical(demo, capsys):
    assert run(capsys, "ptm", "bolus", demo)[0] == 0
    before = demo.read_bytes()
    code, out, err = run(capsys, "ptm", "bolus", demo, "--now", "2026-11-21T10:00")
    assert (code, out) == (1, "")
    assert err == (
        "programmer: refused: lockout of 3 h after each bolus: the next is allowed at 2026-11-21 12:10, in 2 h 10 min\n"
    )
    assert demo.read_bytes() == before
    code, out, _ = run(capsys, "ptm", "bolus", demo, "--now", "2026-11-21T12:10")
    assert code == 0 and "Bolus given at 2026-11-21 12:10" in out


def test_ptm_show_lists_the_last_boluses_newest_first(demo, capsys):
    for now in ("2026-11-21T09:00", "2026-11-21T13:00"):
        run(capsys, "ptm", "bolus", demo, "--now", now)
    code, out, _ = run(capsys, "ptm", "show", demo)
    history = out.split("last boluses (newest first):\n")[1].splitlines()
    assert code == 0 and len(history) == 2
    assert history[0].startswith("  0.01 mL (0.1 mg) over 10 min from 2026-11-21 13:00; running:")
    assert history[1].startswith("  0.01 mL (0.1 mg) over 10 min from 2026-11-21 09:00; completed 2026-11-21 09:10")


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (("--now", "2026-11-20T09:00"), "error: the pump's clock reads 2026-11-21 09:00:00; simulated time cannot"),
        (("--now", "soon"), "error: argument --now: 'soon' is not an ISO-8601 date-time"),
    ],
)
def test_a_bad_moment_is_one_line_and_exit_1(demo, capsys, argv, said):
    before = demo.read_bytes()
    code, _, err = run(capsys, "ptm", "bolus", demo, *argv)
    assert code == 1 and err.startswith(f"programmer: {said}") and len(err.splitlines()) == 1
    assert demo.read_bytes() == before


def test_no_ptm_or_a_session_holding_the_pump_is_refused_in_one_line(demo, tmp_path, capsys):
    plain = morphine_pump(tmp_path / "plain.pump", load_pump(demo).clock)
    code, _, err = run(capsys, "ptm", "bolus", plain)
    assert (code, err) == (1, "programmer: refused: no patient boluses are prescribed on this pump: its PTM is not "
                              "set up\n")
    session = ProgrammingSession(demo)
    session.connect()
    try:
        code, _, err = run(capsys, "ptm", "bolus", demo)
    finally:
        session.close(confirm=True)
    assert code == 1 and len(err.splitlines()) == 1
    assert err.endswith("the pump is in a session with a clinician programmer: the handheld cannot reach it until "
                        "that session ends; nothing was given\n")


def test_pump_mri_stalls_the_motor_until_the_next_interrogation(demo, capsys):
    code, out, err = run(capsys, "pump", "mri", demo, "--hours", "2")
    assert code == 0, err
    assert out.splitlines() == [
        "MRI scan from 2026-11-21 09:00 for 2 h; clock now 2026-11-21 11:00",
        "reservoir    16.994 mL (nothing delivered since the scan began)",
        "No delivery since the MRI scan of 2026-11-21 09:00 (motor stalled): interrogate the pump to restart its motor",
        "ALARM CRITICAL: Motor stall: no delivery at 2026-11-21 09:00",
    ]
    assert run(capsys, "ptm", "bolus", demo)[2].startswith(
        "programmer: refused: no delivery since the MRI scan of 2026-11-21 09:00 (motor stalled): call the clinic"
    )
    # Any programmer command opens a session, and so interrogates: the motor restarts, and that is logged.
    assert run(capsys, "pump", "advance", demo, "--days", "1")[0] == 0
    assert load_pump(demo).delivery_held_since is None


def test_pump_mri_on_a_full_valve_gated_pump_says_to_empty_it_first(tmp_path, capsys):
    path = tmp_path / "vg.pump"
    run(capsys, "pump", "new", path, "--model", "VG-20", "--drug", "morphine", "--concentration", "10",
        "--dose", "0.5mg/day", "--now", "2026-11-21T09:00")
    before = path.read_bytes()
    code, _, err = run(capsys, "pump", "mri", path, "--hours", "1")
    assert code == 1 and path.read_bytes() == before
    assert err == (
        "programmer: refused: the VG-20 must be emptied before an MRI scan: in the magnet its flow valve can let drug "
        "through, and its reservoir holds 20 mL by the pump's count; give --emptied-ml ML, the volume withdrawn to "
        "empty it (logged as a refill adding 0 mL)\n"
    )
    code, out, _ = run(capsys, "pump", "mri", path, "--hours", "1", "--emptied-ml", "19.9")
    assert code == 0 and "emptied first: 19.9 mL withdrawn" in out and "(flow valve closed)" in out


@pytest.mark.parametrize("hours", ["0", "25", "x"])
def test_pump_mri_refuses_a_scan_length_out_of_range(demo, capsys, hours):
    code, _, err = run(capsys, "pump", "mri", demo, "--hours", hours)
    assert code == 1 and len(err.splitlines()) == 1 and "give a number in hours, above 0 and at most 24" in err
