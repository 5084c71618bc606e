"""The safety gate every change to what a pump delivers goes through, whichever path sends it."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from msgspec.structs import replace

from programmer.pump.factory import new_pump
from programmer.pump.firmware import Program
from programmer.pump.memory import EventKind
from programmer.pump.pumpfile import PumpFileError, load_pump
from programmer.session.gate import (
    BlockingFindings,
    ReasonRequired,
    check_implant,
    check_program,
    stored_program_findings,
)
from programmer.session.implant import implant
from programmer.session.programming import SessionError
from programmer.therapy.drugs import drug_library
from programmer.therapy.prescription import Prescription
from programmer.therapy.schedule import DaySchedule, FlexSchedule
from programmer.therapy.units import Concentration, DoseRate, DrugUnit
from tests.helpers import connected, morphine_pump

NOW = datetime(2026, 11, 21, 9, 0)
MG, MCG = DrugUnit.MG, DrugUnit.MCG
LIBRARY = drug_library()


def morphine(mg_per_day: float, per_ml: float = 10) -> Prescription:
    return Prescription.simple_continuous("morphine", Concentration(per_ml, MG), DoseRate(mg_per_day, MG))


@pytest.fixture
def pump():
    return new_pump("PX-20", "morphine", 10, DoseRate(1.5, MG), NOW - timedelta(days=30))


def rules(check) -> list[str]:
    return [finding.rule for finding in check.findings]


def test_a_hard_limit_blocks_with_its_number_and_the_limit(pump):
    check = check_program(pump, replace(Program.from_memory(pump), prescription=morphine(35)), LIBRARY)
    assert [finding.message for finding in check.blocking] == [
        "daily dose 35 mg/day is above the morphine hard limit of 30 mg/day: it cannot be programmed"
    ]
    with pytest.raises(BlockingFindings, match="35 mg/day is above the morphine hard limit of 30 mg/day"):
        check.admit(Program.from_memory(pump), reason="any reason")


def test_a_soft_limit_needs_a_reason_which_the_program_then_carries(pump):
    program = replace(Program.from_memory(pump), prescription=morphine(16))
    check = check_program(pump, program, LIBRARY)
    assert {"soft_max", "titration_rate"} <= {finding.rule for finding in check.needs_reason}
    with pytest.raises(ReasonRequired, match="16 mg/day is above the morphine soft limit of 15 mg/day"):
        check.admit(program, "  ")
    admitted = check.admit(program, "agreed with the pain team")
    assert admitted.reason == "agreed with the pain team"
    assert {item.rule for item in admitted.acknowledged} >= {"soft_max", "titration_rate"}
    assert {item.note for item in admitted.acknowledged} == {"agreed with the pain team"}


def test_a_step_per_hour_typed_as_per_day_is_blocked_step_by_step():
    pump = new_pump("PX-20", "baclofen", 500, DoseRate(100, MCG), NOW - timedelta(days=30))
    day = DaySchedule.from_intervals([(360, 420, DoseRate.from_per_hour(300, MCG)), (420, 360, DoseRate(100, MCG))])
    flex = Prescription.flex("baclofen", Concentration(500, MCG), FlexSchedule.every_day(day))
    check = check_program(pump, replace(Program.from_memory(pump), prescription=flex), LIBRARY)
    assert "hard_limit_step" in [finding.rule for finding in check.blocking]


def test_a_drug_or_concentration_change_needs_a_refill(pump):
    program = replace(Program.from_memory(pump), prescription=morphine(1.5, per_ml=25))
    check = check_program(pump, program, LIBRARY)
    assert [finding.message for finding in check.blocking] == [
        "this changes the concentration from 10 mg/mL to 25 mg/mL, but the reservoir still holds morphine 10 mg/mL: "
        "the pump would deliver the wrong dose. A drug or concentration changes only with a refill: use Refill"
    ]
    assert check_program(pump, program, LIBRARY, refill=True).blocking == []


def test_the_session_refuses_the_change_where_it_is_made(tmp_path):
    path = morphine_pump(tmp_path / "pump.json", NOW)
    with connected(path) as session:
        with pytest.raises(SessionError, match="use Refill"):
            session.edit(prescription=morphine(1.5, per_ml=25))
        with pytest.raises(SessionError, match="changes the drug from morphine to hydromorphone"):
            session.check_substance("hydromorphone")
        assert session.pending is None


def test_the_model_limits_are_seen_at_the_gate(pump):
    # 0.1 mg/day at 25 mg/mL would be 0.004 mL/day, below the PX-20's 0.048 mL/day.
    check = check_program(pump, replace(Program.from_memory(pump), prescription=morphine(0.1, 25)), LIBRARY,
                          refill=True)
    assert "pump_limit" in [finding.rule for finding in check.blocking]


def test_the_implant_applies_the_starting_dose_rules(tmp_path):
    started = new_pump("PX-20", "morphine", 10, DoseRate(1.5, MG), NOW)
    assert [finding.rule for finding in check_implant(started, LIBRARY).needs_reason] == ["starting_dose"]
    path = tmp_path / "new.json"
    arguments = dict(model_name="PX-20", drug_name="morphine", concentration_per_ml=10, now=NOW)
    with pytest.raises(ReasonRequired, match=r"morphine starts at 1.5 mg/day .* usual starting dose is 0.1–1 mg/day"):
        implant(path, daily_dose=DoseRate(1.5, MG), **arguments)
    assert not path.exists()
    with pytest.raises(BlockingFindings, match="35 mg/day is above the morphine hard limit"):
        implant(path, daily_dose=DoseRate(35, MG), reason="none is enough", **arguments)
    assert not path.exists()
    implant(path, daily_dose=DoseRate(1.5, MG), reason="converted from a 450 mg/day oral dose", **arguments)
    details = load_pump(path).events[0].details
    assert load_pump(path).events[0].kind is EventKind.IMPLANT
    assert details.record.reason == "converted from a 450 mg/day oral dose"
    assert [item.rule for item in details.record.acknowledged] == ["starting_dose"]


def test_an_implant_never_overwrites_a_pump(tmp_path):
    path = morphine_pump(tmp_path / "pump.json", NOW)
    before = path.read_bytes()
    with pytest.raises(PumpFileError, match="already exists"):
        implant(path, model_name="PX-20", drug_name="morphine", concentration_per_ml=10,
                daily_dose=DoseRate(0.5, MG), now=NOW)
    assert path.read_bytes() == before


def test_a_stored_program_beyond_a_limit_is_found():
    hand_made = new_pump("PX-20", "morphine", 10, DoseRate(35, MG), NOW)
    assert [finding.rule for finding in stored_program_findings(hand_made, LIBRARY)] == ["hard_limit"]
    assert stored_program_findings(new_pump("PX-20", "morphine", 10, DoseRate(1.5, MG), NOW), LIBRARY) == []
