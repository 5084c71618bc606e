"""Prescriptions: each infusion mode with its dose, and every combination that does not fit refused."""

from datetime import UTC, datetime, timedelta

import pytest
from msgspec.structs import replace

from programmer.therapy.prescription import (
    Bolus,
    BolusKind,
    InfusionMode,
    Prescription,
    PrescriptionError,
)
from programmer.therapy.schedule import DaySchedule, FlexSchedule
from programmer.therapy.units import Concentration, Dose, DoseRate, DrugUnit, UnitError

MG, MCG = DrugUnit.MG, DrugUnit.MCG
MORPHINE_10 = Concentration(10, MG)
START = datetime(2026, 3, 2, 9, 0)  # a Monday
DAY = DaySchedule.from_intervals([(360, 1320, DoseRate(2, MG)), (1320, 360, DoseRate(1, MG))])


ONE_MG = Dose(1, MG)
HOUR = timedelta(hours=1)


def bolus(kind: BolusKind = BolusKind.CLINICIAN, dose: Dose = ONE_MG, volume_ml: float = 0.1) -> Bolus:
    return Bolus(kind, START, HOUR, volume_ml, dose)


def morphine(mode: InfusionMode, **fields) -> Prescription:
    return Prescription("morphine", MORPHINE_10, mode, **fields)


def continuous(per_day: float, unit: DrugUnit = MG) -> Prescription:
    return Prescription.simple_continuous("morphine", MORPHINE_10, DoseRate(per_day, unit))


# --- each mode ------------------------------------------------------------------------------
def test_simple_continuous():
    prescription = Prescription.simple_continuous("morphine", MORPHINE_10, DoseRate(1.5, MG))
    assert prescription.mode is InfusionMode.SIMPLE_CONTINUOUS
    assert prescription.unit is MG
    assert prescription.nominal_daily_dose == DoseRate(1.5, MG)
    assert prescription.nominal_daily_volume_ml == pytest.approx(0.15)
    assert prescription.base_ml_per_day_at(START) == pytest.approx(0.15)
    assert prescription.describe() == "morphine 10 mg/mL, simple continuous, 1.5 mg/day"


def test_flex_every_day():
    prescription = Prescription.flex("morphine", MORPHINE_10, FlexSchedule.every_day(DAY))
    assert prescription.nominal_daily_dose.per_day == pytest.approx(1.6667, abs=1e-4)
    assert prescription.nominal_daily_volume_ml == pytest.approx(0.16667, abs=1e-5)
    assert prescription.base_ml_per_day_at(START.replace(hour=5, minute=59)) == pytest.approx(0.1)
    assert prescription.base_ml_per_day_at(START.replace(hour=6)) == pytest.approx(0.2)
    assert prescription.describe() == "morphine 10 mg/mL, flexible (time of day), 2 steps every day, 1.667 mg/day"


def test_flex_per_weekday_uses_the_weekly_mean_as_nominal_dose():
    schedule = FlexSchedule.every_day(DAY).by_weekday().with_day(6, DaySchedule.constant(DoseRate(3, MG)))
    prescription = Prescription.flex("morphine", MORPHINE_10, schedule)
    assert prescription.daily_dose_on(0).per_day == pytest.approx(1.6667, abs=1e-4)
    assert prescription.daily_dose_on(6) == DoseRate(3, MG)
    assert prescription.nominal_daily_dose.per_day == pytest.approx((6 * 2400 / 1440 + 3) / 7)
    sunday_noon = START + timedelta(days=6, hours=3)
    assert prescription.base_ml_per_day_at(sunday_noon) == pytest.approx(0.3)


def test_minimum_rate_turns_the_pump_minimum_flow_into_a_dose():
    prescription = Prescription.minimum_rate("morphine", MORPHINE_10, 0.048)
    assert prescription.daily_dose == DoseRate(0.48, MG)
    assert prescription.nominal_daily_volume_ml == pytest.approx(0.048)
    assert prescription.describe() == "morphine 10 mg/mL, minimum rate, 0.48 mg/day"


def test_stopped_delivers_nothing():
    prescription = Prescription.stopped("baclofen", Concentration(500, MCG))
    assert prescription.nominal_daily_dose == DoseRate(0, MCG)
    assert prescription.base_ml_per_day_at(START) == 0
    assert prescription.describe() == "baclofen 500 mcg/mL, stopped, no delivery"


def test_single_bolus_then_stopped():
    prescription = morphine(InfusionMode.SINGLE_BOLUS, bolus=bolus(BolusKind.SINGLE))
    assert prescription.describe() == "morphine 10 mg/mL, single bolus, 1 mg over 1 h"
    assert prescription.base_ml_per_day_at(START) == 0
    after = prescription.after_bolus()
    assert after.mode is InfusionMode.STOPPED
    assert after.bolus is None


def test_a_bolus_before_a_running_mode_returns_to_that_mode():
    base = Prescription.simple_continuous("morphine", MORPHINE_10, DoseRate(1.5, MG))
    with_bolus = base.with_bolus(bolus(BolusKind.PRIMING))
    assert with_bolus.after_bolus() == base
    assert with_bolus.with_bolus(None) == base


def test_bolus_timing_and_flow():
    given = bolus(volume_ml=0.5)
    assert given.end == START + timedelta(hours=1)
    assert given.ml_per_day == pytest.approx(12)
    assert given.active_at(START)
    assert given.active_at(START + timedelta(minutes=59))
    assert not given.active_at(given.end)
    assert not given.active_at(START - timedelta(seconds=1))


def test_mode_given_as_text_is_read():
    prescription = Prescription("morphine", MORPHINE_10, "simple_continuous", daily_dose=DoseRate(1, MG))
    assert prescription.mode is InfusionMode.SIMPLE_CONTINUOUS


def test_prescriptions_in_equal_amounts_compare_equal():
    in_mg = Prescription.simple_continuous("morphine", MORPHINE_10, DoseRate(1.5, MG))
    assert in_mg == Prescription.simple_continuous("morphine", MORPHINE_10, DoseRate.from_per_hour(0.0625, MG))
    assert in_mg != Prescription.simple_continuous("morphine", MORPHINE_10, DoseRate(1.6, MG))


# --- refusals ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: morphine(InfusionMode.SIMPLE_CONTINUOUS), "Simple continuous mode needs a daily dose"),
        (lambda: morphine(InfusionMode.MINIMUM_RATE), "Minimum rate mode needs a daily dose"),
        (lambda: morphine(InfusionMode.FLEX), r"Flexible \(time of day\) mode needs a schedule"),
        (lambda: morphine(InfusionMode.SINGLE_BOLUS), "Single bolus mode needs a bolus"),
        (
            lambda: morphine(InfusionMode.FLEX, daily_dose=DoseRate(1, MG), schedule=FlexSchedule.every_day(DAY)),
            "Flexible \\(time of day\\) mode does not use a daily dose: the daily dose comes from the schedule's steps",
        ),
        (
            lambda: Prescription(
                "morphine", MORPHINE_10, InfusionMode.SIMPLE_CONTINUOUS, daily_dose=DoseRate(1, MG),
                schedule=FlexSchedule.every_day(DAY),
            ),
            "Simple continuous mode does not use a schedule",
        ),
        (
            lambda: morphine(InfusionMode.STOPPED, daily_dose=DoseRate(1, MG)),
            "Stopped mode does not use a daily dose: a stopped pump delivers nothing",
        ),
        (
            lambda: morphine(InfusionMode.SINGLE_BOLUS, daily_dose=DoseRate(1, MG), bolus=bolus(BolusKind.SINGLE)),
            "Single bolus mode does not use a daily dose: the pump gives the bolus and then stops",
        ),
        (
            lambda: Prescription.stopped("morphine", MORPHINE_10).with_bolus(bolus()),
            "a stopped pump delivers nothing, not even a bolus: use Single bolus mode",
        ),
        (
            lambda: continuous(1).with_bolus(bolus(BolusKind.SINGLE)),
            "a single bolus stops the pump afterwards, so it belongs to Single bolus mode",
        ),
        (
            lambda: continuous(0),
            "a daily dose of 0 mg/day delivers nothing: choose Stopped mode",
        ),
        (
            lambda: continuous(-1),
            r"a daily dose cannot be negative \(-1 mg/day\)",
        ),
        (lambda: Prescription.stopped("  ", MORPHINE_10), "needs the drug's name"),
        (lambda: Prescription("morphine", MORPHINE_10, "paused"), "unknown infusion mode 'paused': use one of stopped"),
    ],
)
def test_combinations_that_do_not_fit_are_refused(build, message):
    with pytest.raises(PrescriptionError, match=message):
        build()


def test_a_refused_prescription_is_still_a_value_error():
    with pytest.raises(ValueError):
        morphine(InfusionMode.FLEX)


def test_turning_flex_into_simple_continuous_must_drop_the_schedule():
    flex = Prescription.flex("morphine", MORPHINE_10, FlexSchedule.every_day(DAY))
    with pytest.raises(PrescriptionError, match="Simple continuous mode does not use a schedule"):
        replace(flex, mode=InfusionMode.SIMPLE_CONTINUOUS, daily_dose=DoseRate(1, MG))
    changed = replace(flex, mode=InfusionMode.SIMPLE_CONTINUOUS, daily_dose=DoseRate(1, MG), schedule=None)
    assert changed.nominal_daily_dose == DoseRate(1, MG)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (
            lambda: continuous(1500, MCG),
            "the daily dose is in mcg but the concentration is mg/mL",
        ),
        (
            lambda: Prescription.flex(
                "baclofen", Concentration(500, MCG), FlexSchedule.every_day(DAY)
            ),
            "the schedule is in mg but the concentration is mcg/mL",
        ),
        (
            lambda: continuous(1).with_bolus(
                bolus(dose=Dose(1000, MCG))
            ),
            "the bolus dose is in mcg but the concentration is mg/mL",
        ),
    ],
)
def test_units_must_match_the_concentration(build, message):
    with pytest.raises(UnitError, match=message):
        build()


def test_a_bridge_bolus_may_carry_the_previous_drug_in_its_own_unit():
    baclofen = Prescription.simple_continuous("baclofen", Concentration(500, MCG), DoseRate(200, MCG))
    bridged = baclofen.with_bolus(bolus(BolusKind.BRIDGE, dose=Dose(1, MG)))
    assert bridged.bolus.dose == Dose(1, MG)


@pytest.mark.parametrize(
    ("build", "error", "message"),
    [
        (lambda: Prescription.simple_continuous("morphine", 10, DoseRate(1, MG)), TypeError, "Concentration"),
        (lambda: morphine(InfusionMode.SIMPLE_CONTINUOUS, daily_dose=1.5), TypeError, "daily dose must be a DoseRate"),
        (lambda: Prescription.flex("morphine", MORPHINE_10, DAY), TypeError, "schedule must be a FlexSchedule"),
        (lambda: Bolus(BolusKind.CLINICIAN, START, timedelta(0), 0.1, ONE_MG), PrescriptionError, "duration above"),
        (lambda: Bolus(BolusKind.CLINICIAN, START, HOUR, 0, ONE_MG), PrescriptionError, "volume above zero"),
        (lambda: Bolus(BolusKind.CLINICIAN, START, HOUR, 0.1, 1.0), TypeError, "must be a Dose"),
        (
            lambda: Bolus(BolusKind.CLINICIAN, START.replace(tzinfo=UTC), HOUR, 0.1, ONE_MG),
            PrescriptionError,
            "naive datetime",
        ),
    ],
)
def test_wrong_kinds_of_value_are_refused(build, error, message):
    with pytest.raises(error, match=message):
        build()
