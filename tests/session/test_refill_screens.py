"""The refill wizard's screens without Qt: what each step shows, and what Next waits for.

The pump: PX-20 (20 mL), morphine 10 mg/mL at 1.5 mg/day (0.15 mL/day), filled with 20 mL on
2026-01-05 09:00 and run 112 days: 3.2 mL are expected on 2026-04-27 09:00, the 2 mL alarm comes
on 2026-05-05 09:00 (8 days on). The discrepancy limit is max(2 mL, 14.5 % × 16.8 mL) = 2.436 mL.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from programmer.session.programming import ProgrammingSession
from programmer.session.refill.screens import RefillScreens
from programmer.session.refill.steps import LabelMismatch, Port, RefillOutcome, RefillWorkflowError, Step
from programmer.session.refill.syringe import SyringeLabel
from programmer.session.refill.workflow import RefillWorkflow
from programmer.session.visit import Visit
from programmer.therapy.units import Concentration, DrugUnit
from tests.helpers import connected, morphine_pump

IMPLANT = datetime(2026, 1, 5, 9, 0)
MORPHINE_10 = Concentration(10, DrugUnit.MG)
MORPHINE_25 = Concentration(25, DrugUnit.MG)
BRIDGE_TEXT = "0.546 mL (5.46 mg) over 3 d 15 h 22 min at 0.15 mL/day from 2026-04-27 09:00 until 2026-05-01 00:22"


@pytest.fixture
def pump_path(tmp_path):
    return morphine_pump(tmp_path / "pump.json", IMPLANT, serial="PX20-0001", patient_id="T-1")


@pytest.fixture
def session(pump_path):
    with connected(pump_path, days_later=112) as session:
        yield session


def screens_for(session: ProgrammingSession, label: SyringeLabel | None = None) -> RefillScreens:
    return RefillScreens(RefillWorkflow(session, syringe_label=label))


def to_fill(screens: RefillScreens, removed: float = 3.1) -> None:
    """Steps 1 to 3 with the syringe the scenario handed over; its label matches when it says the pump's drug."""
    label = screens[Step.LABEL]
    label.answer = screens.workflow.label_matches_pump
    assert label.commit()
    port = screens[Step.PORT]
    port.pick(Port.RESERVOIR_FILL)
    assert port.commit()
    empty = screens[Step.EMPTY]
    empty.typed = str(removed)
    empty.record(removed)


def fill(screens: RefillScreens, drawn_up: float = 20, added: float = 20) -> None:
    screen = screens[Step.FILL]
    screen.typed = (str(drawn_up), str(added))
    screen.record(drawn_up, added)


def test_step_one_starts_from_nothing_and_says_what_is_missing(session):
    screens = screens_for(session)
    label = screens[Step.LABEL]
    assert screens.gate(Step.LABEL) == "Enter what the pharmacy sent and press Show the label."
    with pytest.raises(
        RefillWorkflowError,
        match=r"^type the drug, its concentration, the syringe volume and the patient ID as printed on the syringe "
        r"label$",
    ):
        label.show_label(None, None, None, " ")
    with pytest.raises(RefillWorkflowError, match=r"^type the patient ID as printed on the syringe label$"):
        label.show_label("morphine", MORPHINE_10, 20, "")
    assert screens.workflow.syringe_label is None

    label.edit(("morphine", 10, "20", "T-1"))
    label.show_label("morphine", MORPHINE_10, 20, "T-1")
    assert screens.gate(Step.LABEL) == "Compare the syringe label with the pump and say whether it matches."
    label.answer = True
    assert screens.gate(Step.LABEL) == ""
    label.edit(("morphine", 25, "20", "T-1"))  # typed again after showing the label
    assert screens.gate(Step.LABEL) == "The syringe entries changed: press Show the label to see the label as entered."
    label.show_label("morphine", MORPHINE_25, 20, "T-1")
    assert label.answer is None  # a new label is read afresh
    label.answer = True
    with pytest.raises(LabelMismatch, match="reads morphine 25 mg/mL but the pump runs morphine 10 mg/mL"):
        label.commit()
    label.answer = False
    assert label.commit()
    assert screens.progress(Step.LABEL).text == "1. Interrogate and review\n✓ done"


def test_step_one_shows_the_pump_as_interrogated(session):
    rows = dict(screens_for(session)[Step.LABEL].pump_rows())
    assert rows["Drug"] == "morphine"
    assert rows["Concentration"] == "10 mg/mL"
    assert rows["Daily dose"] == "1.5 mg/day (0.0625 mg/h)"
    assert rows["Expected reservoir volume now"] == "3.2 mL (filled with 20 mL on 2026-01-05; 16.8 mL delivered since)"
    assert rows["Alarm date"] == "2026-05-05 09:00 (in 8.0 days)"  # 1.2 mL above the 2 mL alarm at 0.15 mL/day
    assert rows["Pump clock"] == "2026-04-27 09:00"


def test_once_the_alarm_fired_step_one_and_the_summary_say_when_not_now(pump_path):
    """122 days on, the 2 mL alarm fired on 2026-05-05 09:00, two days ago: never "in 0.0 days"."""
    with connected(pump_path, days_later=122) as session:
        screens = screens_for(session, SyringeLabel("morphine", MORPHINE_10, 20, "T-1"))
        rows = dict(screens[Step.LABEL].pump_rows())
        assert rows["Alarm date"] == "2026-05-05 09:00 (fired 2 d ago)"
        to_fill(screens, removed=1.7)  # 3.2 mL − 10 days × 0.15 mL/day
        fill(screens)
        workflow = screens.workflow
        assert dict(workflow.record.summary())["Alarm date"] == (
            "2026-05-05 09:00 (fired 2 d ago) on the pump: the refill was not programmed"
        )
        workflow.program()
        # 18 mL above the alarm at 0.15 mL/day: 120 days from 2026-05-07 09:00.
        assert dict(workflow.record.summary())["Alarm date"] == (
            "2026-09-04 09:00 (was 2026-05-05 09:00, fired 2 d ago)"
        )
        assert workflow.record.old_alarm_date == datetime(2026, 5, 5, 9, 0)


def test_the_port_is_named_by_place_and_the_catheter_port_stops_the_refill(session):
    screens = screens_for(session, SyringeLabel("morphine", MORPHINE_10, 20))
    label = screens[Step.LABEL]
    label.answer = True
    label.commit()
    port = screens[Step.PORT]
    assert port.picked_text == "Needle at: — (click a port, or use the arrow keys and Space)"
    assert screens.gate(Step.PORT) == "Choose where the needle goes on the drawing."
    port.pick(Port.CATHETER_ACCESS)
    assert port.picked_text == "Needle at: the side port"
    assert not port.commit()
    assert port.verdict.level == "critical"
    assert port.verdict.text.startswith("Refill stopped: that is the catheter access port.")
    assert port.verdict.text.endswith(
        "\n\nRefill stopped at step 2: the needle was placed in the catheter access port (choice recorded). "
        "Nothing was written to the pump: it still runs morphine 10 mg/mL at 1.5 mg/day with 3.2 mL expected in "
        "the reservoir."
    )
    assert screens.over and screens.gate(Step.PORT) == ""
    assert screens.progress(Step.PORT).text == "2. Locate the port\n✗ stopped"
    finish = screens[Step.FINISH]
    assert finish.headline.text.startswith("Refill stopped at the catheter access port. Refill stopped at step 2")
    assert finish.changes.text == "Nothing was written to the pump."


def test_a_volume_counts_as_recorded_and_is_recorded_again_after_a_change(session):
    screens = screens_for(session, SyringeLabel("morphine", MORPHINE_10, 20))
    to_fill(screens)
    empty = screens[Step.EMPTY]
    assert empty.expected_text == "3.2 mL"
    assert empty.verdict.text == "No discrepancy: removed 3.1 mL, within 0.1 mL of expected (limit 2.436 mL)."
    assert screens.gate(Step.EMPTY) == ""
    empty.typed = "0.7"
    assert screens.gate(Step.EMPTY) == "Enter the volume removed and press Record volume removed."
    empty.record(0.7)
    assert empty.verdict.level == "critical"
    assert empty.needs_acknowledgement
    assert screens.gate(Step.EMPTY) == (
        "The discrepancy must be acknowledged: type what you found and did (it is logged)."
    )
    empty.note = "pump and catheter checked"
    assert screens.gate(Step.EMPTY) == ""
    assert empty.commit()
    assert screens.workflow.record.discrepancy_acknowledgement == "pump and catheter checked"


@pytest.mark.parametrize(
    ("removed", "said", "not_said"),
    [
        (0.7, "patient assessed for overdose (drowsiness, slow breathing, small pupils)", "withdrawal"),  # 2.5 mL less
        (6.0, "patient assessed for withdrawal (pain or spasticity returning, itching, agitation, fever)", "overdose"),
    ],
)
def test_the_acknowledgement_example_points_the_way_the_discrepancy_does(session, removed, said, not_said):
    """Less out than expected is a possible over-infusion (overdose); more out, an under-infusion (withdrawal)."""
    screens = screens_for(session, SyringeLabel("morphine", MORPHINE_10, 20))
    to_fill(screens, removed)
    empty = screens[Step.EMPTY]
    assert empty.needs_acknowledgement
    assert said in empty.example
    assert not_said not in empty.example


def test_the_fill_compares_the_volume_drawn_up_as_typed_with_the_volume_added(session):
    screens = screens_for(session, SyringeLabel("morphine", MORPHINE_10, 20))
    to_fill(screens)
    screen = screens[Step.FILL]
    assert screen.filling_text == "morphine 10 mg/mL, 20 mL (patient T-1)"
    assert screen.drawn_up_hint == "read on the syringe before filling (the pharmacy syringe holds 20 mL)"
    assert screens.gate(Step.FILL) == (
        "Enter the volume drawn up to instil and the volume added, then press Record fill."
    )
    with pytest.raises(RefillWorkflowError, match=r"^type the volume drawn up to instil, as read on the syringe$"):
        screen.record(None, 14)
    fill(screens, drawn_up=14, added=14)  # a deliberate partial fill: 14 of the 20 mL drawn up and put in
    assert screen.verdict.text == "Reservoir filled with 14 mL of morphine 10 mg/mL (capacity 20 mL)."
    assert not screen.needs_acknowledgement
    assert screens.gate(Step.FILL) == ""

    fill(screens, drawn_up=20, added=15)
    assert screen.verdict.text.startswith(
        "Possible pocket fill: the volume that went in (15 mL) is not what was prepared (20 mL)"
    )
    assert screens.gate(Step.FILL) == (
        "A possible pocket fill must be acknowledged: type how you checked the needle position."
    )
    assert "patient watched for overdose signs (drowsiness, slow breathing, small pupils)" in screen.example
    screen.note = "needle re-seated in the septum"
    assert screen.commit()
    assert screens.route() == [Step.LABEL, Step.PORT, Step.EMPTY, Step.FILL, Step.REVIEW, Step.FINISH]
    assert screens.progress(Step.DOSE).text == "5. Concentration change\nnot needed"


def test_the_dose_step_starts_at_the_current_dose_and_says_what_it_waits_for(session):
    screens = screens_for(session, SyringeLabel("morphine", MORPHINE_25, 20))
    to_fill(screens)
    fill(screens)
    assert screens.route()[4] is Step.DOSE
    dose = screens[Step.DOSE]
    dose.enter()
    assert dose.dose == 1.5  # mg/day, as the pump runs today
    assert dose.change_text.text == (
        "The refill changes morphine 10 mg/mL → morphine 25 mg/mL: re-check the daily dose in the new terms."
    )
    assert dose.keep_text == "Keep the daily dose 1.5 mg/day: new rate 0.06 mL/day"
    assert dose.limits_text == "usual 0.1–15 mg/day · max 30 mg/day (hard limit)"
    assert dose.refusal("45") == "45 mg/day refused: the hard limit for morphine is 30 mg/day."
    assert screens.gate(Step.DOSE) == "Choose to keep the daily dose or change it."
    assert dose.bridge_text == "Choose the daily dose first: the bridge bolus is computed from it."
    dose.pending = True
    assert screens.gate(Step.DOSE) == "Press Enter or Tab to enter the daily dose typed."
    dose.pending = False
    dose.change(0)
    assert screens.gate(Step.DOSE) == "Enter the new daily dose."
    dose.keep()
    assert screens.gate(Step.DOSE) == ""
    assert dose.bridge_rows()["Duration"] == "3 d 15 h 22 min, until 2026-05-01 00:22"


def test_a_new_drug_starts_the_dose_empty(session):
    screens = screens_for(session, SyringeLabel("hydromorphone", Concentration(2, DrugUnit.MG), 20))
    to_fill(screens)
    fill(screens)
    dose = screens[Step.DOSE]
    dose.enter()
    assert dose.dose == 0  # 1.5 mg/day of morphine is no dose of hydromorphone
    assert not dose.can_keep


def test_the_review_asks_the_reason_for_what_needs_one_then_the_second_checker(session):
    """1.5 → 3 mg/day is +100 % in 24 h: a titration rule, not a soft limit, needs the reason."""
    screens = screens_for(session, SyringeLabel("morphine", MORPHINE_25, 20))
    to_fill(screens)
    fill(screens)
    screens[Step.DOSE].change(3)
    review = screens[Step.REVIEW]
    review.enter()
    assert [finding.rule for finding in review.review.review.needs_reason] == ["titration_rate"]
    assert screens.gate(Step.REVIEW) == "Type the reason for the findings marked Reason required to enable programming."
    review.reason = "agreed with the pain team"
    assert screens.gate(Step.REVIEW) == (
        "Enter the name of the second person who checked the drug, concentration and dose."
    )
    assert review.second_check_because == (
        "Required before programming, because concentration 10 mg/mL → 25 mg/mL; daily dose 1.5 mg/day → 3 mg/day."
    )
    review.second_checker = "R. Patel"
    assert screens.gate(Step.REVIEW) == ""


def test_the_bridge_bolus_end_shows_in_the_review_and_the_summary(session):
    screens = screens_for(session, SyringeLabel("morphine", MORPHINE_25, 20))
    to_fill(screens)
    fill(screens)
    screens[Step.DOSE].keep()
    review = screens[Step.REVIEW]
    review.enter()
    rows = {row.label: (row.old, row.new) for row in review.review.review.rows}
    assert rows["Bolus"] == ("none", BRIDGE_TEXT)
    assert review.outlook == "New alarm date: 2027-02-15 21:58 · Next refill appointment: not booked"
    review.second_checker = "R. Patel"
    assert not review.commit()  # the wizard moves on when the pump has answered
    finish = screens[Step.FINISH]
    assert finish.headline.text == "Refill programmed and verified."
    assert dict(finish.summary())["Bridge bolus"] == BRIDGE_TEXT
    assert finish.changes.text.startswith("Verified: the pump read back matches what was sent.\n• ")


def test_a_refill_booked_through_the_visit_keeps_its_appointment(session):
    visit = Visit(session, session.current)
    booked = []
    session.events.appointment.connect(booked.append)
    workflow = visit.start_refill(SyringeLabel("morphine", MORPHINE_10, 20))
    screens = RefillScreens(workflow)
    to_fill(screens)
    fill(screens)
    review = screens[Step.REVIEW]
    review.enter()
    moment = review.appointment_to_show()
    assert moment == datetime(2026, 8, 18, 9, 0)  # a week before the new alarm date, 2026-08-25 09:00
    review.book(moment + timedelta(days=1))
    review.commit()
    assert workflow.outcome is RefillOutcome.PROGRAMMED
    assert visit.appointment == datetime(2026, 8, 19, 9, 0)
    assert booked == [datetime(2026, 8, 19, 9, 0)]
