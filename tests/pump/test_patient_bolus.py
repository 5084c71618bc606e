"""The pump's side of a patient bolus (PTM): what it gives, logs and refuses, and what the programmer then projects."""

from datetime import datetime, timedelta

import pytest
from msgspec.structs import replace

from programmer.pump.factory import new_pump
from programmer.pump.firmware import (
    PatientBolusRefused,
    Program,
    advance,
    apply_program,
    give_patient_bolus,
    patient_bolus_refusal,
    refill,
)
from programmer.pump.log import BolusDetails, BolusPhase
from programmer.pump.memory import EventKind
from programmer.session.status import reservoir_projection
from programmer.therapy.bolus import PtmSettings, clinician_bolus
from programmer.therapy.prescription import BolusKind, InfusionMode, Prescription
from programmer.therapy.units import Concentration, Dose, DoseRate, DrugUnit

NOW = datetime(2026, 11, 21, 9, 0)
H = timedelta(hours=1)
MG = DrugUnit.MG
PTM = PtmSettings(Dose(0.1, MG), timedelta(minutes=10), 4, timedelta(hours=3))  # 0.01 mL of 10 mg/mL each


def with_ptm(model="PX-20", ptm=PTM, dose=1.5):
    pump = new_pump(model, "morphine", 10, DoseRate(dose, MG), NOW, serial="T-1")
    return apply_program(pump, replace(Program.from_memory(pump), ptm=ptm), NOW)


def test_a_patient_bolus_runs_in_front_of_the_program_and_is_logged_with_its_numbers():
    pump = give_patient_bolus(with_ptm(), NOW)
    bolus = pump.prescription.bolus
    assert bolus.kind is BolusKind.PATIENT and bolus.start == NOW and bolus.end == NOW + timedelta(minutes=10)
    event = pump.events[-1]
    assert event.kind is EventKind.BOLUS and event.at == NOW
    assert event.text == "Patient bolus (PTM): 0.01 mL (0.1 mg) over 10 min from 2026-11-21 09:00"
    details = event.details
    assert isinstance(details, BolusDetails) and details.bolus is BolusKind.PATIENT
    assert details.phase is BolusPhase.PROGRAMMED and details.dose == Dose(0.1, MG)
    assert details.volume_ml == pytest.approx(0.01) and details.reservoir_ml == 20.0  # it anchors the count
    assert pump.prescription_entered_at == NOW  # the patient programmed nothing

    later, _ = advance(pump, NOW + timedelta(days=1))
    finished = later.events[-1]
    assert finished.details.phase is BolusPhase.FINISHED and finished.at == NOW + timedelta(minutes=10)
    assert later.prescription.bolus is None and later.prescription.mode is InfusionMode.SIMPLE_CONTINUOUS
    # 0.01 mL in 10 min instead of the base rate (0.15 mL/day), then the base rate for the rest of the day.
    assert later.reservoir_ml == pytest.approx(20 - 0.01 - 0.15 * (1 - 10 / 1440), abs=1e-12)


def test_refused_in_the_lockout_with_the_moment_and_time_left_and_the_pump_unchanged():
    pump = give_patient_bolus(with_ptm(), NOW)
    with pytest.raises(PatientBolusRefused) as refused:
        give_patient_bolus(pump, NOW + H)
    assert refused.value.next_at == datetime(2026, 11, 21, 12, 10)
    assert str(refused.value) == (
        "lockout of 3 h after each bolus: the next is allowed at 2026-11-21 12:10, in 2 h 10 min"
    )
    assert len(give_patient_bolus(pump, datetime(2026, 11, 21, 12, 10)).events) == len(pump.events) + 2  # ended, new


def test_refused_beyond_the_maximum_per_24_h_until_24_h_after_the_oldest():
    pump = with_ptm()
    for hours in (0, 4, 8, 12):
        pump = give_patient_bolus(pump, NOW + hours * H)
    refusal = patient_bolus_refusal(advance(pump, NOW + 20 * H)[0], NOW + 20 * H)
    assert refusal.next_at == NOW + 24 * H
    assert str(refusal) == "the maximum of 4 boluses per 24 h is used: the next is allowed at 2026-11-22 09:00, in 4 h"
    assert give_patient_bolus(pump, NOW + 24 * H).prescription.bolus.start == NOW + 24 * H


@pytest.mark.parametrize(
    ("setup", "said"),
    [
        (lambda pump: replace(pump, ptm=None), "no patient boluses are prescribed on this pump: its PTM is not set up"),
        (
            lambda pump: apply_program(
                pump, Program(Prescription.stopped("morphine", Concentration(10, MG)), 2.0, PTM), NOW
            ),
            "the pump is stopped: it gives no bolus; call the clinic",
        ),
        (
            lambda pump: refill(pump, 20, 0.005, NOW),
            "the reservoir holds 0.005 mL by the pump's count, less than a bolus's 0.01 mL: call the clinic for a "
            "refill",
        ),
    ],
    ids=["no PTM", "stopped", "reservoir below a bolus"],
)
def test_other_refusals_say_why_and_change_nothing(setup, said):
    pump = setup(with_ptm())
    with pytest.raises(PatientBolusRefused, match="^" + said.replace("(", r"\(").replace(")", r"\)") + "$"):
        give_patient_bolus(pump, NOW)


def test_a_running_clinician_bolus_holds_the_patient_bolus_until_it_ends():
    pump = with_ptm()
    bolus = clinician_bolus(Dose(1, MG), H, Concentration(10, MG), NOW, pump.model)
    program = replace(Program.from_memory(pump), prescription=pump.prescription.with_bolus(bolus))
    pump = apply_program(pump, program, NOW)
    with pytest.raises(PatientBolusRefused) as refused:
        give_patient_bolus(pump, NOW + timedelta(minutes=20))
    assert refused.value.next_at == NOW + H
    assert "clinician bolus runs until 2026-11-21 10:00" in refused.value.reasons[0]


def test_on_the_valve_gated_pump_the_refill_date_still_assumes_every_allowed_bolus():
    pump = with_ptm("VG-20")
    before = reservoir_projection(pump)
    assert before.alarm_volume_ml == 3.0
    assert before.extra_ml_per_day == pytest.approx(4 * 0.01)  # every allowed bolus: 4 a day of 0.01 mL
    given, _ = advance(give_patient_bolus(pump, NOW), NOW + timedelta(minutes=10))
    after = reservoir_projection(given)
    # From the real volume left (0.01 mL less), still with every allowed bolus of every day to come.
    assert after.start_volume_ml == pytest.approx(20 - 0.01)
    assert after.extra_ml_per_day == before.extra_ml_per_day
    expected = NOW + timedelta(minutes=10) + timedelta(days=(20 - 0.01 - 3.0) / (0.15 + 0.04))
    assert abs(after.alarm_date - expected) < timedelta(seconds=1)
    assert after.alarm_date <= before.alarm_date  # a bolus used never moves the refill date later
