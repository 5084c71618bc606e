"""The refill workflow without Qt: every step's rule, the record, and the pump untouched until programming.

The pump: PX-20 (20 mL), morphine 10 mg/mL at 1.5 mg/day (0.15 mL/day), filled with 20 mL on
2026-01-05 09:00 and run 112 days, so 16.8 mL were delivered and 3.2 mL are expected now
(2026-04-27 09:00). The discrepancy limit is max(2 mL, 14.5 % × 16.8 mL) = 2.436 mL.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from programmer.pump.memory import EventKind
from programmer.pump.pumpfile import load_pump
from programmer.pump.telemetry import LinkLost
from programmer.session.gate import BlockingFindings, ReasonRequired
from programmer.session.refill.steps import (
    AcknowledgementRequired,
    DoseChoice,
    LabelMismatch,
    Port,
    RefillOutcome,
    RefillWorkflowError,
    SecondCheckRequired,
    Step,
    StepOutOfOrder,
    StepStatus,
    WorkflowEnded,
)
from programmer.session.refill.syringe import SyringeLabel
from programmer.session.refill.workflow import RefillWorkflow
from programmer.therapy.prescription import BolusKind
from programmer.therapy.refill import RefillError
from programmer.therapy.units import Concentration, DoseRate, DrugUnit, UnitError
from programmer.wording import duration_text
from tests.helpers import connected, morphine_pump

IMPLANT = datetime(2026, 1, 5, 9, 0)
NOW = IMPLANT + timedelta(days=112)  # 2026-04-27 09:00
MG = DrugUnit.MG
MORPHINE_10 = Concentration(10, MG)
MORPHINE_25 = Concentration(25, MG)


@pytest.fixture
def pump_path(tmp_path):
    return morphine_pump(tmp_path / "pump.json", IMPLANT, serial="PX20-0001", patient_id="T-1")


@pytest.fixture
def session(pump_path):
    with connected(pump_path, days_later=112) as session:
        yield session


@pytest.fixture
def workflow(session):
    return RefillWorkflow(session, syringe_label=SyringeLabel("morphine", MORPHINE_10, 20, "T-1"))


def emptied(workflow, removed_ml: float = 3.1, matches: bool = True):
    workflow.confirm_label(matches)
    workflow.choose_port(Port.RESERVOIR_FILL)
    return workflow.record_removed(removed_ml)


def refill_events(path):
    return [event for event in load_pump(path).events if event.kind is EventKind.REFILL]


def test_step_one_starts_from_the_syringe_the_nurse_enters(session):
    """What the pump holds at step 1 is the label screen's (tests/session/test_refill_screens.py)."""
    workflow = RefillWorkflow(session)
    assert workflow.step is Step.LABEL
    assert workflow.syringe_label is None  # what the pharmacy sent is entered by the nurse
    with pytest.raises(StepOutOfOrder, match="enter the syringe the pharmacy sent first"):
        workflow.confirm_label(True)
    label = workflow.set_syringe(SyringeLabel("Morphine", MORPHINE_25, 20))
    assert label == SyringeLabel("morphine", MORPHINE_25, 20.0, "T-1")  # the library's name, the pump's patient
    assert not workflow.label_matches_pump


def test_a_syringe_for_another_patient_or_beyond_the_drug_library_is_refused(session):
    workflow = RefillWorkflow(session)
    with pytest.raises(LabelMismatch, match="labelled for patient T-2, but this pump is patient T-1's: do not use it"):
        workflow.set_syringe(SyringeLabel("morphine", MORPHINE_10, 20, "T-2"))
    with pytest.raises(RefillWorkflowError, match="30 mg/mL is above the morphine maximum of 25 mg/mL"):
        workflow.set_syringe(SyringeLabel("morphine", Concentration(30, MG), 20))
    with pytest.raises(RefillWorkflowError, match="'heroin' is not in the drug library"):
        workflow.set_syringe(SyringeLabel("heroin", MORPHINE_10, 20))
    with pytest.raises(UnitError, match="baclofen is dosed in mcg: the label's concentration must be in mcg/mL"):
        workflow.set_syringe(SyringeLabel("baclofen", Concentration(0.5, MG), 20))
    with pytest.raises(RefillWorkflowError, match="at most 60 mL, not 80 mL"):
        workflow.set_syringe(SyringeLabel("morphine", MORPHINE_10, 80))
    assert workflow.syringe_label is None


def test_a_normal_refill_writes_the_volume_and_a_new_alarm_date(workflow, session, pump_path):
    verdict = emptied(workflow, 3.1)
    assert not verdict.flagged
    assert verdict.message == "within 0.1 mL of expected (limit 2.436 mL)"
    fill = workflow.set_fill(20, 20)
    assert fill.message == "reservoir filled with 20 mL of 20 mL"
    assert workflow.step_status(Step.DOSE) is StepStatus.NOT_NEEDED
    assert workflow.step is Step.REVIEW

    review = workflow.review()
    rows = {row.label: (row.old, row.new) for row in review.review.rows}
    assert rows["Reservoir volume"] == ("3.2 mL expected (3.1 mL removed)", "20 mL added")
    assert rows["Alarm date"] == ("2026-05-05 09:00", "2026-08-25 09:00")  # 18 mL at 0.15 mL/day: 120 days
    assert rows["Days until alarm"] == ("8.0 days", "120.0 days")
    assert not review.second_check_required
    assert review.review.findings == []

    result = workflow.program()
    assert result.changes == ["Reservoir: 3.2 mL → 20 mL"]
    pump = load_pump(pump_path)
    assert pump.reservoir_ml == 20
    assert pump.prescription == workflow.memory.prescription
    assert session.current == pump
    refill = refill_events(pump_path)[-1]
    assert refill.details.expected_ml == pytest.approx(3.2)
    assert (refill.details.removed_ml, refill.details.added_ml) == (3.1, 20)
    assert pump.events[-1] is not None and pump.events[-1].kind is EventKind.REFILL  # nothing else to log

    record = workflow.record
    assert record.outcome is RefillOutcome.PROGRAMMED
    assert record.step is Step.FINISH
    assert (record.expected_ml, record.removed_ml, record.new_volume_ml) == (pytest.approx(3.2), 3.1, 20)
    assert record.new_alarm_date == datetime(2026, 8, 25, 9, 0)
    assert record.second_checker == ""
    assert record.statement == (
        "Refill programmed and verified: the pump runs morphine 10 mg/mL at 1.5 mg/day; 20 mL in the reservoir; "
        "alarm date 2026-08-25 09:00."
    )
    with pytest.raises(WorkflowEnded, match="programmed and verified"):
        workflow.abandon()


def test_a_concentration_change_keeps_the_dose_at_a_new_rate_with_a_bridge_bolus(session, pump_path):
    workflow = RefillWorkflow(session, syringe_label=SyringeLabel("morphine", MORPHINE_25, 20, "T-1"))
    emptied(workflow, 3.1, matches=False)
    workflow.set_fill(20, 20)
    assert workflow.step is Step.DOSE
    assert workflow.dose_plan().lines() == [
        "Now: 1.5 mg/day = 0.15 mL/day of morphine 10 mg/mL",
        "Same dose with morphine 25 mg/mL: 1.5 mg/day = 0.06 mL/day",
    ]
    new = workflow.keep_dose()
    assert new.daily_dose == DoseRate(1.5, MG)
    assert new.nominal_daily_volume_ml == pytest.approx(0.06)

    proposal = workflow.bridge_proposal()
    bolus = proposal.bolus
    # Tubing 0.26 mL + 110 cm × 0.0026 mL/cm = 0.546 mL of 10 mg/mL, pushed at 0.15 mL/day (1.5 mg/day).
    assert bolus.kind is BolusKind.BRIDGE
    assert bolus.volume_ml == pytest.approx(0.546)
    assert bolus.ml_per_day == pytest.approx(0.15)
    assert duration_text(bolus.duration) == "3 d 15 h 22 min"
    assert str(bolus.dose) == "5.46 mg"
    assert proposal.without == (
        "Without it, the 0.546 mL of morphine 10 mg/mL still in the tubing and catheter runs at the new 0.06 mL/day: "
        "0.6 mg/day for 9.1 days instead of 1.5 mg/day."
    )

    review = workflow.review()
    rows = {row.label: (row.old, row.new) for row in review.review.rows}
    assert rows["Concentration"] == ("10 mg/mL", "25 mg/mL")
    assert rows["Daily volume"] == ("0.15 mL/day", "0.06 mL/day")
    # 20 − 0.546 − 2 = 17.454 mL at 0.06 mL/day after the 3.64-day bridge: 294.5 days.
    assert rows["Days until alarm"] == ("8.0 days", "294.5 days")
    assert review.second_check_because == ["concentration 10 mg/mL → 25 mg/mL"]
    with pytest.raises(SecondCheckRequired, match=r"concentration 10 mg/mL → 25 mg/mL\): enter their name"):
        workflow.program()
    assert load_pump(pump_path).reservoir_ml == pytest.approx(3.2)  # refused: nothing written

    workflow.program(second_checker="R. Patel")
    pump = load_pump(pump_path)
    assert pump.prescription.concentration == MORPHINE_25
    assert pump.prescription.bolus == bolus
    programming = [event for event in pump.events if event.kind is EventKind.PROGRAMMING][-1]
    assert programming.details.record.second_checker == "R. Patel"
    record = workflow.record
    assert record.dose_choice is DoseChoice.KEPT
    assert record.bridge_bolus == bolus
    assert record.second_checker == "R. Patel"


def test_changing_the_dose_with_the_new_concentration_bridges_at_the_new_dose(session):
    workflow = RefillWorkflow(session, syringe_label=SyringeLabel("morphine", MORPHINE_25, 20))
    emptied(workflow, 3.1, matches=False)
    workflow.set_fill(20, 20)
    with pytest.raises(UnitError, match="morphine is dosed in mg"):
        workflow.change_dose(DoseRate(2000, DrugUnit.MCG))
    new = workflow.change_dose(DoseRate(2, MG))
    assert new.nominal_daily_volume_ml == pytest.approx(0.08)
    bolus = workflow.bridge_proposal().bolus
    assert bolus.ml_per_day == pytest.approx(0.2)  # 2 mg/day in the old 10 mg/mL
    assert duration_text(bolus.duration) == "2 d 17 h 32 min"  # 0.546 mL at 0.2 mL/day: 2.73 d, rounded up
    assert workflow.second_check_because() == [
        "concentration 10 mg/mL → 25 mg/mL",
        "daily dose 1.5 mg/day → 2 mg/day",
    ]
    assert workflow.review().review.dose_change_percent == pytest.approx(33.333, abs=1e-3)


def test_a_declined_bridge_bolus_is_logged(session, pump_path):
    workflow = RefillWorkflow(session, syringe_label=SyringeLabel("morphine", MORPHINE_25, 20))
    emptied(workflow, 3.1, matches=False)
    workflow.set_fill(20, 20)
    workflow.keep_dose()
    workflow.accept_bridge_bolus(False)
    assert workflow.new_prescription().bolus is None
    workflow.program(second_checker="R. Patel")
    details = [event for event in load_pump(pump_path).events if event.kind is EventKind.PROGRAMMING][-1].details
    assert [item.rule for item in details.record.acknowledged] == ["bridge_declined"]
    assert details.record.acknowledged[0].message.startswith("Without it, the 0.546 mL of morphine 10 mg/mL")
    assert details.record.second_checker == "R. Patel"
    assert workflow.record.bridge_bolus_declined


def test_a_flagged_discrepancy_needs_an_acknowledgement_that_is_logged(workflow, pump_path):
    verdict = emptied(workflow, 0.7)
    assert verdict.flagged
    assert verdict.message == (
        "2.5 mL less than expected — possible over-infusion; investigate before refilling "
        "(removed 0.7 mL, expected 3.2 mL, limit 2.436 mL)"
    )
    with pytest.raises(StepOutOfOrder, match=r"acknowledge a flagged discrepancy\) first \(step 3"):
        workflow.set_fill(20, 20)
    with pytest.raises(AcknowledgementRequired, match="type what you found"):
        workflow.acknowledge_discrepancy("   ")
    workflow.acknowledge_discrepancy("catheter checked, patient reviewed by the pain team")
    workflow.set_fill(20, 20)
    workflow.program()

    pump = load_pump(pump_path)
    refill = refill_events(pump_path)[-1]
    assert refill.details.discrepancy_ml == pytest.approx(-2.5)
    # Nothing was reprogrammed: the acknowledgement is logged with the refill itself, structured.
    assert [event for event in pump.events if event.at == refill.at and event.kind is EventKind.PROGRAMMING] == []
    assert [(item.rule, item.message, item.note) for item in refill.details.record.acknowledged] == [
        (
            "refill_discrepancy",
            "2.5 mL less than expected — possible over-infusion; investigate before refilling "
            "(removed 0.7 mL, expected 3.2 mL, limit 2.436 mL)",
            "catheter checked, patient reviewed by the pain team",
        )
    ]
    assert pump.prescription == workflow.memory.prescription
    assert workflow.record.discrepancy_acknowledgement == "catheter checked, patient reviewed by the pain team"


def test_re_recording_the_volume_removed_needs_a_new_acknowledgement(workflow):
    emptied(workflow, 0.7)
    workflow.acknowledge_discrepancy("checked")
    assert workflow.record_removed(0.6).flagged
    assert workflow.step is Step.EMPTY
    assert not workflow.record_removed(3.0).flagged
    assert workflow.step is Step.FILL
    with pytest.raises(RefillWorkflowError, match="nothing to acknowledge: the volume removed is within"):
        workflow.acknowledge_discrepancy("checked")
    with pytest.raises(RefillWorkflowError, match="cannot have come out of the PX-20's 20 mL reservoir"):
        workflow.record_removed(21)


def test_the_catheter_access_port_stops_the_refill_and_is_recorded(workflow, pump_path):
    before = pump_path.read_bytes()
    workflow.confirm_label(True)
    check = workflow.choose_port(Port.CATHETER_ACCESS)
    assert not check.safe
    assert "leads straight into the catheter and the spine" in check.message
    assert "overdose bolus of 200 mg, 133.3 times the daily dose of 1.5 mg/day" in check.message
    assert workflow.outcome is RefillOutcome.STOPPED
    assert workflow.step_status(Step.PORT) is StepStatus.STOPPED
    with pytest.raises(WorkflowEnded, match="stopped at the catheter access port"):
        workflow.record_removed(3.1)
    with pytest.raises(WorkflowEnded):
        workflow.choose_port(Port.RESERVOIR_FILL)
    record = workflow.record
    assert record.port is Port.CATHETER_ACCESS
    assert record.statement == (
        "Refill stopped at step 2: the needle was placed in the catheter access port (choice recorded). "
        "Nothing was written to the pump: it still runs morphine 10 mg/mL at 1.5 mg/day with 3.2 mL expected "
        "in the reservoir."
    )
    assert workflow.abandon() == record.statement
    assert pump_path.read_bytes() == before


def test_an_overfill_is_refused_with_the_capacity(workflow):
    emptied(workflow)
    with pytest.raises(RefillError, match="25 mL would overfill the 20 mL reservoir: add at most 20 mL"):
        workflow.set_fill(25, 25)
    assert workflow.step is Step.FILL


def test_added_not_what_the_syringe_held_is_a_possible_pocket_fill(workflow, pump_path):
    emptied(workflow)
    result = workflow.set_fill(15, 20)
    assert result.pocket_fill_suspected
    assert result.message.startswith("possible pocket fill: the volume that went in (15 mL) is not what was prepared")
    with pytest.raises(StepOutOfOrder, match=r"possible pocket fill\) first \(step 4: Fill\)"):
        workflow.review()
    with pytest.raises(AcknowledgementRequired, match="needle position"):
        workflow.acknowledge_fill("")
    workflow.acknowledge_fill("needle re-checked in the septum; 5 mL kept back in the syringe")
    workflow.program()
    acknowledged = refill_events(pump_path)[-1].details.record.acknowledged
    assert [(item.rule, item.note) for item in acknowledged] == [
        ("pocket_fill", "needle re-checked in the septum; 5 mL kept back in the syringe")  # a '; ' stays in its note
    ]
    assert load_pump(pump_path).reservoir_ml == 15


@pytest.mark.parametrize(
    ("stage", "statement"),
    [
        (
            "label",
            "Nothing was written to the pump: it still runs morphine 10 mg/mL at 1.5 mg/day with 3.2 mL expected "
            "in the reservoir.",
        ),
        (
            "emptied",
            "Nothing was written to the pump: it still runs morphine 10 mg/mL at 1.5 mg/day and expects 3.2 mL in "
            "its reservoir, but the reservoir was emptied (3.1 mL removed): refill it or the pump will run dry, and "
            "its low-reservoir alarm will not warn, as it is calculated from the volume the pump expects.",
        ),
        (
            "filled",
            "Nothing was written to the pump: it still runs morphine 10 mg/mL at 1.5 mg/day and expects 3.2 mL in "
            "its reservoir, but the reservoir was emptied and filled with 20 mL of morphine 10 mg/mL: the pump's "
            "alarm date is wrong until the refill is programmed.",
        ),
    ],
)
def test_abandoning_says_what_state_the_pump_is_in_and_writes_nothing(workflow, pump_path, stage, statement):
    before = pump_path.read_bytes()
    workflow.confirm_label(True)
    if stage != "label":
        workflow.choose_port(Port.RESERVOIR_FILL)
        workflow.record_removed(3.1)
    if stage == "filled":
        workflow.set_fill(20, 20)
        workflow.review()
    assert workflow.abandon_statement() == statement
    assert workflow.outcome is RefillOutcome.IN_PROGRESS  # asking changes nothing
    assert workflow.abandon() == statement
    assert workflow.record.outcome is RefillOutcome.ABANDONED
    assert workflow.record.statement == statement
    assert dict(workflow.record.summary())["Alarm date"] == (
        "2026-05-05 09:00 on the pump: the refill was not programmed"
    )
    where = {"label": Step.PORT, "emptied": Step.FILL, "filled": Step.REVIEW}[stage]
    assert workflow.step_status(where) is StepStatus.ABANDONED
    assert workflow.step_status(Step.FINISH) is StepStatus.NOT_DONE
    with pytest.raises(WorkflowEnded, match="abandoned"):
        workflow.confirm_label(True)
    assert pump_path.read_bytes() == before


def test_abandoning_after_a_concentration_change_fill_says_the_dose_is_wrong(session):
    workflow = RefillWorkflow(session, syringe_label=SyringeLabel("morphine", MORPHINE_25, 20))
    emptied(workflow, 3.1, matches=False)
    workflow.set_fill(20, 20)
    assert workflow.abandon().endswith(
        "and it is programmed for morphine 10 mg/mL, so the dose delivered is wrong: program the pump now."
    )


def test_steps_taken_out_of_order_are_refused_naming_the_missing_step(workflow):
    with pytest.raises(StepOutOfOrder, match=r"^enter the syringe .* first \(step 1: Interrogate and review\)"):
        workflow.choose_port(Port.RESERVOIR_FILL)
    workflow.confirm_label(True)
    with pytest.raises(StepOutOfOrder, match=r"locate the reservoir fill port first \(step 2"):
        workflow.record_removed(3.1)
    workflow.choose_port(Port.RESERVOIR_FILL)
    with pytest.raises(StepOutOfOrder, match=r"\(step 3: Empty the reservoir\)"):
        workflow.set_fill(20, 20)
    with pytest.raises(StepOutOfOrder, match=r"\(step 3"):
        workflow.program()
    workflow.record_removed(3.1)
    with pytest.raises(RefillWorkflowError, match="already emptied through the reservoir fill port"):
        workflow.choose_port(Port.CATHETER_ACCESS)
    workflow.set_fill(20, 20)
    with pytest.raises(RefillWorkflowError, match="do not change: the daily dose stays as it is"):
        workflow.keep_dose()
    assert [workflow.step_status(step) for step in Step] == [
        StepStatus.DONE,
        StepStatus.DONE,
        StepStatus.DONE,
        StepStatus.DONE,
        StepStatus.NOT_NEEDED,
        StepStatus.CURRENT,
        StepStatus.TO_DO,
    ]


def test_the_label_reading_must_fit_the_label_and_the_fill_is_the_syringes(session):
    workflow = RefillWorkflow(session, syringe_label=SyringeLabel("morphine", MORPHINE_25, 20))
    with pytest.raises(LabelMismatch, match="reads morphine 25 mg/mL but the pump runs morphine 10 mg/mL"):
        workflow.confirm_label(True)
    workflow.confirm_label(False)
    workflow.choose_port(Port.RESERVOIR_FILL)
    workflow.record_removed(3.1)
    workflow.set_fill(20)
    assert (workflow.fill_drug.name, workflow.fill_concentration) == ("morphine", MORPHINE_25)
    assert workflow.recorded_fill.syringe_prepared_ml == 20  # the syringe's volume unless another is given
    assert workflow.concentration_changes

    same = RefillWorkflow(session, syringe_label=SyringeLabel("morphine", MORPHINE_10, 20))
    with pytest.raises(LabelMismatch, match=r"the same as the pump .*: they match"):
        same.confirm_label(False)


def test_a_custom_concentration_on_the_syringe_changes_the_concentration(session):
    workflow = RefillWorkflow(session, syringe_label=SyringeLabel("morphine", Concentration(12, MG), 20))
    emptied(workflow, 3.1, matches=False)
    workflow.set_fill(20, 20)
    assert workflow.concentration_changes
    assert workflow.dose_plan().same_dose_ml_per_day == pytest.approx(0.125)  # 1.5 mg/day ÷ 12 mg/mL


def test_a_drug_change_needs_a_new_dose_and_bridges_the_old_drug_at_its_own_dose(session, pump_path):
    hydromorphone = Concentration(2, MG)
    workflow = RefillWorkflow(session, syringe_label=SyringeLabel("hydromorphone", hydromorphone, 20))
    emptied(workflow, 3.1, matches=False)
    workflow.set_fill(20, 20)
    plan = workflow.dose_plan()
    assert not plan.can_keep
    with pytest.raises(RefillWorkflowError, match="drug changes from morphine to hydromorphone: enter the new daily"):
        workflow.keep_dose()
    workflow.change_dose(DoseRate(0.3, MG))
    bolus = workflow.bridge_proposal().bolus
    assert bolus.ml_per_day == pytest.approx(0.15)  # the old morphine keeps its 1.5 mg/day until it has gone through
    review = workflow.review()
    assert review.second_check_because == [
        "drug morphine → hydromorphone",
        "concentration 10 mg/mL → 2 mg/mL",
        "daily dose 1.5 mg/day → 0.3 mg/day",
    ]
    rules = {finding.rule for finding in review.review.findings}
    assert {"drug_change", "off_label"} <= rules
    workflow.program(second_checker="R. Patel")
    assert load_pump(pump_path).prescription.drug == "hydromorphone"


def test_soft_and_hard_limits_hold_as_in_any_programming(session):
    workflow = RefillWorkflow(session, syringe_label=SyringeLabel("morphine", MORPHINE_25, 20))
    emptied(workflow, 3.1, matches=False)
    workflow.set_fill(20, 20)
    workflow.change_dose(DoseRate(40, MG))
    with pytest.raises(BlockingFindings, match="above the morphine hard limit of 30 mg/day"):
        workflow.program(second_checker="R. Patel")
    workflow.change_dose(DoseRate(2.1, MG))  # +40 %: within the 50 %/24 h titration limit
    workflow.change_dose(DoseRate(16, MG))
    with pytest.raises(ReasonRequired, match="above the morphine soft limit of 15 mg/day"):
        workflow.program(second_checker="R. Patel")


def test_the_next_appointment_is_warned_when_it_falls_after_the_new_alarm_date(workflow):
    emptied(workflow)
    workflow.set_fill(20, 20)
    assert workflow.suggested_appointment() == datetime(2026, 8, 18, 9, 0)  # a week before 2026-08-25 09:00
    assert workflow.set_appointment(datetime(2026, 8, 18, 9, 0)) is None
    warning = workflow.set_appointment(datetime(2026, 9, 1, 9, 0))
    assert warning.startswith(
        "Refill appointment Tue 2026-09-01 09:00 is 7.0 days after the low-reservoir alarm date Tue 2026-08-25 09:00"
    )
    assert workflow.review().appointment_warning == warning
    with pytest.raises(RefillWorkflowError, match="before the pump's clock"):
        workflow.set_appointment(NOW - timedelta(days=1))
    workflow.program()
    assert workflow.record.appointment == datetime(2026, 9, 1, 9, 0)
    assert workflow.record.appointment_warning == warning


def test_a_refill_cannot_start_over_unprogrammed_changes_or_finish_on_a_changed_pump(session):
    session.edit(low_alarm_ml=3.0)
    with pytest.raises(RefillWorkflowError, match="program or discard them before the refill"):
        RefillWorkflow(session, syringe_label=SyringeLabel("morphine", MORPHINE_10, 20))
    session.discard_changes()
    workflow = RefillWorkflow(session, syringe_label=SyringeLabel("morphine", MORPHINE_10, 20))
    emptied(workflow)
    workflow.set_fill(20, 20)
    session.advance_days(1)
    with pytest.raises(RefillWorkflowError, match="the pump changed since this refill began"):
        workflow.program()


def test_a_link_lost_while_programming_writes_nothing_and_the_refill_can_be_sent_again(workflow, session, pump_path):
    emptied(workflow)
    workflow.set_fill(20, 20)
    before = pump_path.read_bytes()
    session.faults.lose_link_mid_program = True
    with pytest.raises(LinkLost, match="the pump kept its previous program"):
        workflow.program()
    assert pump_path.read_bytes() == before
    assert workflow.outcome is RefillOutcome.IN_PROGRESS
    assert workflow.abandon_statement().startswith("Nothing was written to the pump")
    session.faults.lose_link_mid_program = False
    workflow.program()
    assert load_pump(pump_path).reservoir_ml == 20


def test_the_record_keeps_every_step(workflow):
    emptied(workflow, 0.7)
    workflow.acknowledge_discrepancy("checked")
    workflow.set_fill(20, 20)
    workflow.set_appointment(datetime(2026, 8, 18, 9, 0))
    workflow.program()
    summary = dict(workflow.record.summary())
    assert summary["Expected in reservoir"] == "3.2 mL"
    assert summary["Removed"] == "0.7 mL"
    assert summary["Discrepancy acknowledged"] == "checked"
    assert summary["Added"] == "20 mL of morphine 10 mg/mL"
    assert summary["New reservoir volume"] == "20 mL"
    assert summary["Alarm date"] == "2026-08-25 09:00 (was 2026-05-05 09:00)"
    assert summary["Next refill appointment"] == "2026-08-18 09:00"
    assert summary["Second check"] == "not required"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(per_ml=st.sampled_from([10.0, 25.0]) | st.floats(1, 25).map(lambda value: round(value, 2)))
def test_keeping_the_dose_sets_rate_as_dose_over_concentration(session, per_ml):
    """Keep the dose: new mL/day × new concentration is the old daily dose; the bridge carries the fluid path."""
    new_concentration = Concentration(per_ml, MG)
    workflow = RefillWorkflow(session, syringe_label=SyringeLabel("morphine", new_concentration, 20))
    emptied(workflow, 3.1, matches=per_ml == 10)
    workflow.set_fill(20, 20)
    if per_ml == 10:
        assert not workflow.concentration_changes
        return
    new = workflow.keep_dose()
    assert new.nominal_daily_volume_ml * per_ml == pytest.approx(1.5)
    bolus = workflow.bridge_proposal().bolus
    assert bolus.volume_ml == pytest.approx(0.546)
    assert bolus.dose.amount == pytest.approx(5.46)  # always the old 10 mg/mL fluid
