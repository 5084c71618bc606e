"""The Boluses tab's screen model without Qt: what each box shows, which button is live, what is asked and said.

The pump: PX-20, morphine 10 mg/mL at 1.5 mg/day, 20 mL on 2026-11-21 09:00 (the implant), catheter
110 cm not trimmed. Trimmed by 40 cm: 70 cm × 0.0026 mL/cm = 0.182 mL of catheter + 0.26 mL of pump tubing.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from programmer.pump.pumpfile import load_pump
from programmer.session.bolus_screen import PRIMING_ROWS, BolusScreen
from programmer.session.bolus_workflow import PrimingOccasion
from tests.helpers import connected, morphine_pump

NOW = datetime(2026, 11, 21, 9, 0)
HOUR = timedelta(hours=1)
IMPLANT, REVISION = PrimingOccasion.IMPLANT, PrimingOccasion.CATHETER_REVISION


@pytest.fixture
def pump_path(tmp_path):
    return morphine_pump(tmp_path / "pump.json", NOW, serial="PX20-S-1", patient_id="P-9")


@pytest.fixture
def session(pump_path):
    with connected(pump_path) as session:
        yield session


@pytest.fixture
def screen(session):
    return BolusScreen(session)


def rules(plan_screen) -> list[str]:
    return [finding.rule for finding in plan_screen.findings]


def test_without_a_pump_both_boxes_say_so_and_nothing_is_live():
    screen = BolusScreen()
    for box in (screen.priming_screen(), screen.clinician_screen()):
        assert box.problem == "No pump is connected: interrogate the pump first."
        assert box.hint and not box.can_give
    progress = screen.progress_screen()
    assert (progress.title, progress.running, progress.connected) == ("No bolus running", False, False)


def test_a_visit_starts_from_the_pumps_catheter_and_nothing_said(screen, session):
    assert (screen.priming.length_cm, screen.priming.trimmed_cm, screen.priming.occasion) == (110, 0, None)
    screen.priming.trimmed_cm, screen.priming.occasion, screen.clinician.dose = 40, IMPLANT, 2
    screen.start(session)  # the next trainee
    assert (screen.priming.trimmed_cm, screen.priming.occasion, screen.clinician.dose) == (0, None, 0)
    assert screen.clinician.duration == HOUR and screen.outcome is None


def test_priming_asks_why_first_and_shows_what_the_catheter_holds(screen):
    box = screen.priming_screen()
    assert box.rows == (("Holds now", "not yet primed: the pump was implanted 2026-11-21"),)
    assert box.problem == "Say why the catheter needs priming: that tells what is empty, and so what to prime."
    assert box.hint and not box.can_give
    screen.priming.trimmed_cm, screen.priming.occasion = 40, IMPLANT
    box = screen.priming_screen()
    assert [label for label, _ in box.rows] == list(PRIMING_ROWS)
    assert dict(box.rows)["Priming volume"] == "0.442 mL (4.42 mg)"
    assert box.can_give and not box.problem


def test_after_a_priming_the_choice_is_cleared_and_a_second_one_is_blocked(screen, session):
    # Walk-through BLOCKER: "Give priming bolus" was live again with "catheter revised" still selected.
    screen.priming.trimmed_cm, screen.priming.occasion = 40, IMPLANT
    confirmation = screen.review_priming()
    assert confirmation.question == "Give the priming bolus of 0.442 mL (pump tubing and catheter) now?"
    screen.give_priming()
    assert screen.priming.occasion is None  # asked again before another priming
    assert screen.outcome.text.startswith("Priming bolus programmed and verified: Bolus: none → priming bolus")
    running = screen.priming_screen()
    assert running.problem == "A bolus is running (below): wait for it to end, or cancel it, before giving another."
    assert running.hint and not running.can_give
    assert screen.clinician_screen() == running  # the same words in both boxes, whatever is typed
    session.advance(NOW + HOUR)
    screen.priming.occasion = REVISION
    box = screen.priming_screen()
    assert not box.can_give
    assert rules(box) == ["primed_recently"]
    assert box.findings[0].message.startswith("the catheter was primed 2026-11-21 09:00 (1 h ago) and is full")
    assert screen.review_priming() is None  # refused before anything is pending
    assert screen.outcome.text.startswith("Not given: cannot program: the catheter was primed 2026-11-21 09:00")
    assert session.pending is None


def test_a_clinician_bolus_above_the_soft_limit_asks_for_a_reason_and_says_it_in_the_confirmation(screen, pump_path):
    screen.clinician.dose, screen.clinician.duration = 14, 2 * HOUR
    box = screen.clinician_screen()
    assert box.needs_reason and not box.can_give
    assert rules(box) == ["soft_max_bolus"]
    screen.clinician.reason = "breakthrough pain, Dr Lee"
    assert screen.clinician_screen().can_give
    confirmation = screen.review_clinician()
    assert confirmation.question == "Give 14 mg of morphine 10 mg/mL (1.4 mL) over 2 h now?"
    assert confirmation.lines[-2:] == (
        "Reason required: the 24 h from the start of the bolus would deliver 15.375 mg (bolus 14 mg + 1.375 mg at "
        "the base rate), above the morphine soft limit of 15 mg/day (hard limit 30 mg/day): give a reason",
        "Reason given: breakthrough pain, Dr Lee",
    )
    screen.give_clinician()
    assert screen.clinician.reason == ""  # the next bolus needs its own reason
    assert load_pump(pump_path).events[-2].details.record.reason == "breakthrough pain, Dr Lee"


def test_a_clinician_bolus_above_the_hard_limit_is_never_live(screen):
    screen.clinician.dose, screen.clinician.duration, screen.clinician.reason = 29, 4 * HOUR, "a reason"
    box = screen.clinician_screen()
    assert rules(box) == ["hard_limit_bolus"]
    assert not box.can_give and not box.needs_reason


def test_a_missing_dose_is_a_hint_not_a_refusal(screen):
    box = screen.clinician_screen()
    assert (box.problem, box.hint) == ("Enter the dose in mg", True)


def test_progress_and_cancel_in_words(screen, session):
    screen.clinician.dose, screen.clinician.duration = 2, 2 * HOUR
    screen.review_clinician()
    screen.give_clinician()
    screen.advance(HOUR)
    progress = screen.progress_screen()
    assert (progress.title, progress.fraction) == ("Clinician bolus running", 0.5)
    assert progress.kind == "Clinician bolus: 2 mg in 0.2 mL"
    assert progress.delivered == "0.1 of 0.2 mL (1 of 2 mg)"
    assert progress.remaining == "1 h left, ends 2026-11-21 11:00"
    assert progress.then == "Then simple continuous 1.5 mg/day resumes."
    assert screen.cancel_confirmation().lines == (
        "Delivered so far: 0.1 of 0.2 mL (1 of 2 mg)",
        "Afterwards: then simple continuous 1.5 mg/day resumes",
    )
    screen.cancel()
    assert screen.outcome.text == (
        "Clinician bolus cancelled at 2026-11-21 10:00 after 0.1 mL (1 mg) of 0.2 mL (2 mg); "
        "simple continuous 1.5 mg/day resumes. The pump logged the volume delivered."
    )
    done = screen.progress_screen()
    assert not done.running and done.last.endswith("cancelled 2026-11-21 10:00 after 0.1 mL (1 mg)")
    assert screen.cancel_confirmation() is None


def test_a_lost_link_is_the_outcome_and_nothing_is_given(screen, session, pump_path):
    session.faults.lose_link_mid_program = True
    screen.clinician.dose = 1
    screen.review_clinician()
    screen.give_clinician()
    assert screen.outcome.text == "Not given: link lost during programming: the pump kept its previous program"
    assert screen.outcome.level == "critical"
    assert load_pump(pump_path).prescription.bolus is None
    assert not session.has_pending_changes
