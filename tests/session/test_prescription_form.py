"""The Prescription tab's form without Qt: what it offers, what the fields make, what it says."""

from __future__ import annotations

from datetime import datetime

import pytest

from programmer.pump.factory import new_pump
from programmer.session.prescription_form import DoseEntry, PrescriptionForm
from programmer.therapy.drugs import drug_library
from programmer.therapy.prescription import InfusionMode, Prescription
from programmer.therapy.units import Concentration, DoseRate, DrugUnit

MG = DrugUnit.MG
LIBRARY = drug_library()
MORPHINE = LIBRARY["morphine"]
TEN = Concentration(10, MG)


@pytest.fixture
def form():
    pump = new_pump("PX-20", "morphine", 10, DoseRate(1.5, MG), datetime(2026, 11, 21, 9))
    return PrescriptionForm(LIBRARY, pump.model, pump.prescription, pump.low_alarm_ml)


def test_the_pumps_own_program_built_back_is_not_a_change(form):
    result = form.build(MORPHINE, TEN, InfusionMode.SIMPLE_CONTINUOUS, DoseEntry(1.5), 2.0)
    assert result.prescription == form.current
    assert not any(result.pending.values())
    assert result.dose_text == "= 0.0625 mg/h"


def test_a_dose_typed_per_hour_is_stored_per_day_and_shown_both_ways(form):
    result = form.build(MORPHINE, TEN, InfusionMode.SIMPLE_CONTINUOUS, DoseEntry(0.5, per_hour=True), 2.0)
    assert result.prescription.daily_dose == DoseRate(12, MG)
    assert result.dose_text == "= 12 mg/day"
    assert result.pending["dose"] and not result.pending["mode"]


def test_the_hard_limit_holds_in_the_unit_typed(form):
    assert form.dose_maximum(MORPHINE, per_hour=False) == 30
    assert form.dose_maximum(MORPHINE, per_hour=True) == 1.25  # 30 mg/day over 24 h
    text = form.refused_dose_text(MORPHINE, "2", per_hour=True, stays=DoseEntry(1.5))
    assert text == (
        "2 mg/h refused: the hard limit for morphine is 30 mg/day = 1.25 mg/h; the daily dose stays 1.5 mg/day."
    )


def test_letters_typed_in_the_dose_are_refused_naming_where_the_unit_is_chosen(form):
    text = form.refused_dose_text(MORPHINE, "0.5 mg/h", per_hour=False, stays=DoseEntry(1.5))
    assert text == (
        "'0.5 mg/h' refused: type the number only; the unit is chosen beside the field (mg/day or mg/h); "
        "the daily dose stays 1.5 mg/day."
    )


def test_what_is_missing_is_said_and_nothing_is_built(form):
    assert form.build(MORPHINE, None, InfusionMode.SIMPLE_CONTINUOUS, DoseEntry(1.5), 2).problem == (
        "Fix the concentration entry above before reviewing."
    )
    assert form.build(MORPHINE, TEN, InfusionMode.SIMPLE_CONTINUOUS, DoseEntry(0), 2).problem == (
        "Enter the daily dose in mg/day."
    )
    stopped = form.build(MORPHINE, TEN, InfusionMode.STOPPED, DoseEntry(0), 2)
    assert stopped.prescription == Prescription.stopped("morphine", TEN)
    assert stopped.mode_hint == "the pump will deliver no drug"


def test_the_low_alarm_and_the_modes_offered(form):
    assert form.build(MORPHINE, TEN, InfusionMode.SIMPLE_CONTINUOUS, DoseEntry(1.5), 3).pending["lowAlarm"]
    assert form.low_alarm_text() == "1–5 mL, recommended 2 mL"
    assert form.mode_choices(MORPHINE, form.current) == [
        InfusionMode.SIMPLE_CONTINUOUS, InfusionMode.MINIMUM_RATE, InfusionMode.STOPPED
    ]
    assert ("clonidine", "clonidine (off-label)") in PrescriptionForm.drug_choices(LIBRARY)
