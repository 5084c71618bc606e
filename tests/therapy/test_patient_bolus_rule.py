"""The one rule for patient boluses: lockout after each bolus, at most so many started in any 24 h."""

from datetime import datetime, timedelta

import pytest

from programmer.therapy.bolus import PatientBolusLimit, PtmSettings, patient_bolus, patient_bolus_allowance
from programmer.therapy.prescription import BolusKind
from programmer.therapy.units import Concentration, Dose, DrugUnit

NOW = datetime(2026, 11, 21, 9, 0)
PTM = PtmSettings(Dose(0.1, DrugUnit.MG), timedelta(minutes=10), 4, timedelta(hours=3))
H = timedelta(hours=1)


def test_a_first_bolus_is_allowed_now():
    allowance = patient_bolus_allowance(PTM, [], NOW)
    assert allowance.allowed and allowance.next_at == NOW and allowance.used_24h == 0
    assert allowance.text() == "a patient bolus is allowed now (0 of 4 used in the last 24 h)"


def test_the_lockout_runs_from_the_end_of_the_last_bolus():
    allowance = patient_bolus_allowance(PTM, [NOW], NOW + H)
    # 09:00 + 10 min bolus + 3 h lockout = 12:10, 2 h 10 min after 10:00.
    assert allowance.limit is PatientBolusLimit.LOCKOUT and allowance.next_at == datetime(2026, 11, 21, 12, 10)
    assert allowance.text() == (
        "lockout of 3 h after each bolus: the next is allowed at 2026-11-21 12:10, in 2 h 10 min"
    )
    assert patient_bolus_allowance(PTM, [NOW], datetime(2026, 11, 21, 12, 10)).allowed  # not a minute later


def test_the_time_left_is_rounded_up_to_the_minute():
    allowance = patient_bolus_allowance(PTM, [NOW], datetime(2026, 11, 21, 12, 9, 30))
    assert allowance.wait_text == "1 min" and not allowance.allowed  # 30 s left never reads "0 min"


def test_at_most_four_started_in_any_24_h_then_24_h_after_the_oldest_of_them():
    starts = [NOW, NOW + 4 * H, NOW + 8 * H, NOW + 12 * H]  # each after its lockout
    allowance = patient_bolus_allowance(PTM, starts, NOW + 16 * H)
    assert allowance.limit is PatientBolusLimit.DAILY_MAXIMUM and allowance.used_24h == 4
    assert allowance.next_at == NOW + 24 * H  # when the 09:00 bolus leaves the window
    assert allowance.text() == (
        "the maximum of 4 boluses per 24 h is used: the next is allowed at 2026-11-22 09:00, in 8 h"
    )
    assert patient_bolus_allowance(PTM, starts, NOW + 24 * H).allowed


def test_the_later_of_lockout_and_maximum_holds_the_bolus_back():
    starts = [NOW, NOW + 4 * H, NOW + 8 * H, NOW + 22 * H]
    allowance = patient_bolus_allowance(PTM, starts, NOW + 23 * H)
    # The maximum frees a bolus at 09:00 the next day, the lockout only at 10:10: the lockout says when.
    assert allowance.limit is PatientBolusLimit.LOCKOUT
    assert allowance.next_at == datetime(2026, 11, 22, 10, 10)


def test_a_bolus_logged_twice_counts_once_and_a_ptm_set_to_none_allows_none():
    assert patient_bolus_allowance(PTM, [NOW, NOW], NOW + 4 * H).used_24h == 1
    none = PtmSettings(Dose(0.1, DrugUnit.MG), timedelta(minutes=10), 0, timedelta(hours=3))
    allowance = patient_bolus_allowance(none, [], NOW)
    assert allowance.limit is PatientBolusLimit.NONE_ALLOWED and allowance.next_at is None
    assert allowance.text() == "no patient boluses are allowed: the PTM is set to at most 0 per 24 h"


def test_a_press_gives_the_prescribed_dose_over_the_prescribed_duration():
    bolus = patient_bolus(PTM, Concentration(10, DrugUnit.MG), NOW)
    assert bolus.kind is BolusKind.PATIENT and bolus.start == NOW and bolus.duration == timedelta(minutes=10)
    assert bolus.volume_ml == pytest.approx(0.01) and bolus.dose == Dose(0.1, DrugUnit.MG)
