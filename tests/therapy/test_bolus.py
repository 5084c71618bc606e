import re
from datetime import datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from programmer.therapy.bolus import (
    BolusError,
    PrimingPath,
    PtmSettings,
    bridge_bolus,
    catheter_volume_ml,
    clinician_bolus,
    fluid_path_volume_ml,
    priming_bolus,
    worst_case_patient_bolus_ml_per_day,
)
from programmer.therapy.prescription import BolusKind
from programmer.therapy.pump_models import pump_models
from programmer.therapy.units import Concentration, Dose, DoseRate, DrugUnit, UnitError

START = datetime(2025, 3, 3, 9, 0)
PX20 = pump_models()["PX-20"]  # tubing 0.26 mL, catheter 0.0026 mL/cm, flow 0.048–24 mL/day
MORPHINE_10 = Concentration(10, DrugUnit.MG)
MORPHINE_25 = Concentration(25, DrugUnit.MG)


def mg(amount: float) -> Dose:
    return Dose(amount, DrugUnit.MG)


# --- catheter volume ---------------------------------------------------------------------
def test_catheter_110_cm_trimmed_10_cm_holds_0_26_ml():
    assert catheter_volume_ml(PX20, 110, 10) == pytest.approx(0.26)


def test_untrimmed_catheter_holds_0_286_ml():
    assert catheter_volume_ml(PX20, 110, 0) == pytest.approx(0.286)


@pytest.mark.parametrize(
    ("length", "trimmed", "words"),
    [
        (110, 120, "trimmed length 120 cm must be from 0 up to less than the catheter's 110 cm"),
        (110, 110, "trimmed length 110 cm must be from 0 up to less than"),
        (110, -5, "trimmed length -5 cm must be from 0"),
        (-110, 0, "catheter length -110 cm is outside 0–110 cm"),
        (1e6, 0, "catheter length 1000000 cm is outside 0–110 cm: the PX-20's catheter is 110 cm long as supplied"),
        (1100, 0, "catheter length 1100 cm is outside 0–110 cm"),
        (float("nan"), 0, "catheter length nan cm is outside 0–110 cm"),
    ],
)
def test_impossible_catheters_are_refused_with_the_models_length(length, trimmed, words):
    with pytest.raises(BolusError, match=re.escape(words)):
        catheter_volume_ml(PX20, length, trimmed)


def test_a_slip_of_a_1e6_cm_catheter_never_primes_litres():
    with pytest.raises(BolusError, match="outside 0–110 cm"):
        priming_bolus(PX20, 1e6, 0, MORPHINE_10, START)


# --- priming bolus -----------------------------------------------------------------------
def test_priming_fills_tubing_and_catheter_at_maximum_flow():
    bolus = priming_bolus(PX20, 110, 10, MORPHINE_10, START)
    assert bolus.kind is BolusKind.PRIMING
    assert bolus.volume_ml == pytest.approx(0.26 + 0.26)
    # 0.52 mL at 24 mL/day: 0.52 / 24 day = 31.2 minutes
    assert bolus.duration.total_seconds() / 60 == pytest.approx(31.2)
    assert bolus.ml_per_day == pytest.approx(24)
    assert bolus.dose.amount == pytest.approx(5.2)
    assert bolus.dose.unit is DrugUnit.MG
    assert bolus.start == START


def test_priming_after_a_catheter_revision_fills_the_catheter_only():
    # Walk-through finding: a revision primed tubing + catheter, pushing the 0.26 mL of drug in the tubing.
    bolus = priming_bolus(PX20, 110, 10, MORPHINE_10, START, path=PrimingPath.CATHETER_ONLY)
    assert bolus.volume_ml == pytest.approx(0.26)  # 100 cm × 0.0026 mL/cm, no tubing
    assert bolus.dose.amount == pytest.approx(2.6)
    assert bolus.duration.total_seconds() / 60 == pytest.approx(15.6)  # 0.26 mL at 24 mL/day
    assert PrimingPath.CATHETER_ONLY.title == "catheter only"
    assert PrimingPath.TUBING_AND_CATHETER.title == "pump tubing and catheter"


def test_priming_at_a_chosen_flow():
    bolus = priming_bolus(PX20, 110, 10, MORPHINE_10, START, ml_per_day=12)
    assert bolus.duration.total_seconds() / 60 == pytest.approx(62.4)


def test_priming_faster_than_the_pump_is_refused():
    message = r"30 mL/day is above the PX-20 maximum flow of 24 mL/day \(240 mg/day at 10 mg/mL\)"
    with pytest.raises(BolusError, match=message):
        priming_bolus(PX20, 110, 10, MORPHINE_10, START, ml_per_day=30)


# --- bridge bolus ------------------------------------------------------------------------
def test_bridge_bolus_keeps_the_daily_dose_in_the_old_concentration():
    # Morphine 10 -> 25 mg/mL at 5 mg/day. The old 10 mg/mL fluid (0.52 mL) must run at
    # 5 / 10 = 0.5 mL/day, so it takes 0.52 / 0.5 = 1.04 days = 24 h 57.6 min and carries 5.2 mg.
    bolus = bridge_bolus(PX20, 110, 10, MORPHINE_10, DoseRate(5, DrugUnit.MG), START)
    assert bolus.kind is BolusKind.BRIDGE
    assert bolus.volume_ml == pytest.approx(0.52)
    assert bolus.ml_per_day == pytest.approx(0.5)
    assert bolus.duration == timedelta(hours=24, minutes=57, seconds=36)
    assert bolus.end == datetime(2025, 3, 4, 9, 57, 36)
    assert bolus.dose.amount == pytest.approx(5.2)


def test_bridge_bolus_accepts_the_dose_in_the_other_unit():
    bolus = bridge_bolus(PX20, 110, 10, MORPHINE_10, DoseRate(5000, DrugUnit.MCG), START)
    assert bolus.ml_per_day == pytest.approx(0.5)


def test_bridge_bolus_too_slow_for_the_pump_is_refused():
    # Baclofen 2000 mcg/mL at 50 mcg/day: 0.025 mL/day, below the 0.048 mL/day minimum.
    # The minimum is named as the dose it is in the old fluid: 0.048 mL/day of 2000 mcg/mL = 96 mcg/day.
    message = r"0\.025 mL/day is below the PX-20 minimum flow of 0\.048 mL/day \(96 mcg/day at 2000 mcg/mL\)"
    with pytest.raises(BolusError, match=message):
        bridge_bolus(PX20, 110, 10, Concentration(2000, DrugUnit.MCG), DoseRate(50, DrugUnit.MCG), START)


def test_bridge_bolus_too_fast_for_the_pump_is_refused():
    # Baclofen 50 mcg/mL (screening strength) at 1500 mcg/day: 30 mL/day, above the 24 mL/day maximum.
    message = r"30 mL/day is above the PX-20 maximum flow of 24 mL/day \(1200 mcg/day at 50 mcg/mL\)"
    with pytest.raises(BolusError, match=message):
        bridge_bolus(PX20, 110, 10, Concentration(50, DrugUnit.MCG), DoseRate(1500, DrugUnit.MCG), START)


def test_bridge_bolus_to_no_dose_is_refused():
    with pytest.raises(BolusError, match="daily dose above zero"):
        bridge_bolus(PX20, 110, 10, MORPHINE_10, DoseRate(0, DrugUnit.MG), START)


# --- clinician bolus ---------------------------------------------------------------------
def test_clinician_bolus_volume_from_the_concentration():
    bolus = clinician_bolus(mg(1), timedelta(hours=1), MORPHINE_10, START, PX20)
    assert bolus.kind is BolusKind.CLINICIAN
    assert bolus.volume_ml == pytest.approx(0.1)
    assert bolus.ml_per_day == pytest.approx(2.4)
    assert bolus.dose == mg(1)


def test_clinician_bolus_at_exactly_the_maximum_flow_is_allowed():
    # 5 mg of 10 mg/mL = 0.5 mL in 30 min = 24 mL/day
    assert clinician_bolus(mg(5), timedelta(minutes=30), MORPHINE_10, START, PX20).ml_per_day == pytest.approx(24)


def test_clinician_bolus_above_the_maximum_flow_is_refused():
    # 6 mg = 0.6 mL in 30 min = 28.8 mL/day
    message = (
        r"a bolus of 6 mg over 30 min \(0\.6 mL of 10 mg/mL\): 28\.8 mL/day is above the PX-20 maximum flow of "
        r"24 mL/day \(240 mg/day at 10 mg/mL\)"
    )
    with pytest.raises(BolusError, match=message):
        clinician_bolus(mg(6), timedelta(minutes=30), MORPHINE_10, START, PX20)


def test_clinician_bolus_in_the_wrong_unit_is_refused():
    with pytest.raises(UnitError):
        clinician_bolus(Dose(100, DrugUnit.MCG), timedelta(hours=1), MORPHINE_10, START, PX20)


@pytest.mark.parametrize(("dose", "duration"), [(mg(0), timedelta(hours=1)), (mg(1), timedelta(0))])
def test_clinician_bolus_needs_a_dose_and_a_duration(dose, duration):
    with pytest.raises(BolusError, match="above zero"):
        clinician_bolus(dose, duration, MORPHINE_10, START, PX20)


# --- patient boluses ---------------------------------------------------------------------
def ptm(max_per_24h=8, lockout_hours=2.0, duration_minutes=30, dose_mg=0.2) -> PtmSettings:
    return PtmSettings(mg(dose_mg), timedelta(minutes=duration_minutes), max_per_24h, timedelta(hours=lockout_hours))


def test_worst_case_uses_the_prescribed_maximum_when_the_lockout_allows_it():
    # 0.2 mg of 10 mg/mL = 0.02 mL; a bolus every 2.5 h would fit 9 a day, the maximum is 8.
    settings_ = ptm(max_per_24h=8, lockout_hours=2)
    assert settings_.boluses_allowed_per_24h == 8
    assert worst_case_patient_bolus_ml_per_day(settings_, MORPHINE_10) == pytest.approx(0.16)


def test_worst_case_is_limited_by_the_lockout():
    # 30 min bolus + 3.5 h lockout: one every 4 h, so 6 a day although 8 are allowed.
    settings_ = ptm(max_per_24h=8, lockout_hours=3.5)
    assert settings_.boluses_allowed_per_24h == 6
    assert worst_case_patient_bolus_ml_per_day(settings_, MORPHINE_10) == pytest.approx(0.12)


def test_worst_case_counts_one_bolus_when_the_lockout_is_longer_than_a_day():
    assert ptm(max_per_24h=3, lockout_hours=30).boluses_allowed_per_24h == 1


def test_no_patient_boluses_means_no_extra_volume():
    assert worst_case_patient_bolus_ml_per_day(ptm(max_per_24h=0), MORPHINE_25) == 0


@pytest.mark.parametrize(
    "kwargs", [{"dose_mg": 0}, {"duration_minutes": 0}, {"max_per_24h": -1}, {"lockout_hours": -1}]
)
def test_impossible_ptm_settings_are_refused(kwargs):
    with pytest.raises(BolusError):
        ptm(**kwargs)


# --- properties --------------------------------------------------------------------------
amounts = st.floats(min_value=0.01, max_value=50, allow_nan=False)
strengths = st.floats(min_value=0.5, max_value=2000, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(amount=amounts, per_ml=strengths, minutes=st.integers(min_value=5, max_value=48 * 60))
def test_clinician_bolus_dose_volume_round_trip(amount, per_ml, minutes):
    concentration = Concentration(per_ml, DrugUnit.MCG)
    dose = Dose(amount, DrugUnit.MCG)
    try:
        bolus = clinician_bolus(dose, timedelta(minutes=minutes), concentration, START, PX20)
    except BolusError:
        flow = amount / per_ml / (minutes / 1440)
        assert not PX20.flow_min_ml_per_day <= flow <= PX20.flow_max_ml_per_day
        return
    assert bolus.volume_ml * per_ml == pytest.approx(amount)
    assert concentration.dose_in(bolus.volume_ml).amount == pytest.approx(amount)


@settings(max_examples=200, deadline=None)
@given(
    dose_per_day=st.floats(min_value=0.1, max_value=30, allow_nan=False),
    per_ml=st.floats(min_value=1, max_value=50, allow_nan=False),
    trimmed=st.floats(min_value=0, max_value=100, allow_nan=False),
)
def test_bridge_bolus_delivers_the_daily_dose_while_it_runs(dose_per_day, per_ml, trimmed):
    old = Concentration(per_ml, DrugUnit.MG)
    try:
        bolus = bridge_bolus(PX20, 110, trimmed, old, DoseRate(dose_per_day, DrugUnit.MG), START)
    except BolusError:
        assert not PX20.flow_min_ml_per_day <= dose_per_day / per_ml <= PX20.flow_max_ml_per_day
        return
    days = bolus.duration.total_seconds() / 86400
    assert bolus.dose.amount == pytest.approx(dose_per_day * days, rel=1e-6)
    assert bolus.volume_ml == pytest.approx(fluid_path_volume_ml(PX20, 110, trimmed))
    assert bolus.volume_ml == pytest.approx(0.26 + (110 - trimmed) * 0.0026)
