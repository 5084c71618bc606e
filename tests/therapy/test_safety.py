from datetime import date, datetime, timedelta

import pytest
from msgspec.structs import replace

from programmer.therapy.bolus import clinician_bolus
from programmer.therapy.drugs import drug_library
from programmer.therapy.prescription import Bolus, BolusKind, InfusionMode, Prescription
from programmer.therapy.pump_models import pump_models
from programmer.therapy.safety import (
    DoseChange,
    Finding,
    FindingSeverity,
    blocking,
    needing_reason,
    peak_daily_dose,
    safety_findings,
)
from programmer.therapy.schedule import DaySchedule, FlexSchedule
from programmer.therapy.units import Concentration, Dose, DoseRate, DrugUnit

NOW = datetime(2025, 3, 10, 10, 0)
LIBRARY = drug_library()
MG, MCG = DrugUnit.MG, DrugUnit.MCG
B, R, W, N = (
    FindingSeverity.BLOCK,
    FindingSeverity.NEEDS_REASON,
    FindingSeverity.WARNING,
    FindingSeverity.INFO,
)


def simple(drug: str, per_day: float, per_ml: float, unit: DrugUnit) -> Prescription:
    return Prescription.simple_continuous(drug, Concentration(per_ml, unit), DoseRate(per_day, unit))


def morphine(per_day: float, per_ml: float = 10) -> Prescription:
    return simple("morphine", per_day, per_ml, MG)


def baclofen(per_day: float, per_ml: float = 500) -> Prescription:
    return simple("baclofen", per_day, per_ml, MCG)


def ziconotide(per_day: float, per_ml: float = 25) -> Prescription:
    return simple("ziconotide", per_day, per_ml, MCG)


def hydromorphone(per_day: float, per_ml: float = 10) -> Prescription:
    return simple("hydromorphone", per_day, per_ml, MG)


def flex(drug: str, per_ml: float, unit: DrugUnit, *days: DaySchedule) -> Prescription:
    return Prescription.flex(drug, Concentration(per_ml, unit), FlexSchedule(tuple(days)))


def day_with_step(base: float, step: float, unit: DrugUnit, start: int = 360, end: int = 420) -> DaySchedule:
    return DaySchedule.from_intervals([(start, end, DoseRate(step, unit)), (end, start + 1440, DoseRate(base, unit))])


def doses(unit: DrugUnit, *changes: tuple[float, float]) -> list[DoseChange]:
    """History as (hours before NOW, daily dose) pairs."""
    return [DoseChange(NOW - timedelta(hours=hours), DoseRate(per_day, unit)) for hours, per_day in changes]


def check(old, new, **kwargs) -> list[Finding]:
    kwargs.setdefault("now", NOW)
    return safety_findings(old, new, LIBRARY, **kwargs)


def rules(findings: list[Finding]) -> set[str]:
    return {finding.rule for finding in findings}


def the(findings: list[Finding], rule: str) -> Finding:
    matching = [finding for finding in findings if finding.rule == rule]
    assert len(matching) == 1, f"{rule} not found once in {findings}"
    return matching[0]


# --- a quiet change: nothing but the % ------------------------------------------------------
def test_a_small_change_within_every_limit_only_shows_the_percentage():
    findings = check(morphine(1.5), morphine(2))
    assert findings == [Finding(N, "dose_change", "Daily dose 1.5 → 2 mg/day (+33.3 %)")]
    assert blocking(findings) == [] and needing_reason(findings) == []


# --- hard and soft limits -------------------------------------------------------------------
def test_above_the_hard_limit_blocks():
    finding = the(check(morphine(28), morphine(31)), "hard_limit")
    assert finding.severity is B
    assert finding.message == (
        "daily dose 31 mg/day is above the morphine hard limit of 30 mg/day: it cannot be programmed"
    )


def test_at_the_hard_limit_needs_a_reason_but_does_not_block():
    findings = check(morphine(28), morphine(30))
    assert "hard_limit" not in rules(findings)
    assert the(findings, "soft_max").severity is R


def test_per_weekday_flex_is_checked_on_its_highest_day():
    normal = DaySchedule.constant(DoseRate(5, MG))
    saturday = DaySchedule.constant(DoseRate(35, MG))
    new = flex("morphine", 25, MG, *([normal] * 5), saturday, normal)
    assert new.nominal_daily_dose.per_day == pytest.approx(65 / 7)  # the weekly mean looks harmless
    finding = the(check(None, new), "hard_limit")
    assert finding.message.startswith("Saturday's daily dose 35 mg/day is above the morphine hard limit of 30 mg/day")
    assert peak_daily_dose(new) == DoseRate(35, MG)


def test_a_flex_step_above_the_hard_limit_blocks_even_with_a_low_daily_dose():
    # 06:00–07:00 at 40 mg/day, otherwise 2 mg/day: the day is only 3.58 mg.
    new = flex("morphine", 10, MG, day_with_step(2, 40, MG))
    findings = check(morphine(2), new)
    assert "hard_limit" not in rules(findings)
    finding = the(findings, "hard_limit_step")
    assert finding.severity is B
    assert "06:00–07:00 runs at 40 mg/day (1.667 mg/h)" in finding.message
    assert "hard limit of 30 mg/day" in finding.message


def test_a_flex_step_within_the_hard_limit_is_allowed():
    assert "hard_limit_step" not in rules(check(morphine(2), flex("morphine", 10, MG, day_with_step(2, 4, MG))))


def test_a_clinician_bolus_that_pushes_the_day_over_the_hard_limit_blocks():
    model = pump_models()["PX-20"]
    big = clinician_bolus(Dose(10, MG), timedelta(hours=1), Concentration(25, MG), NOW, model)
    finding = the(check(morphine(25, 25), morphine(25, 25).with_bolus(big)), "hard_limit_bolus")
    # 10 mg bolus + 25 mg/day over the remaining 23 h (23.958 mg) = 33.958 mg
    assert "deliver 33.958 mg (bolus 10 mg + 23.958 mg at the base rate)" in finding.message
    small = clinician_bolus(Dose(2, MG), timedelta(hours=1), Concentration(25, MG), NOW, model)
    assert "hard_limit_bolus" not in rules(check(morphine(25, 25), morphine(25, 25).with_bolus(small)))


def test_a_clinician_bolus_that_pushes_the_day_over_the_soft_limit_needs_a_reason():
    # Walk-through finding: 20 mg over 1 h on 3 mg/day only asked "Give … now?".
    model = pump_models()["PX-20"]
    bolus = clinician_bolus(Dose(20, MG), timedelta(hours=1), Concentration(25, MG), NOW, model)
    findings = check(morphine(3, 25), morphine(3, 25).with_bolus(bolus))
    finding = the(findings, "soft_max_bolus")
    assert finding.severity is R
    # 20 mg + 3 mg/day over the remaining 23 h (2.875 mg) = 22.875 mg, above 15 mg/day, below 30 mg/day
    assert finding.message == (
        "the 24 h from the start of the bolus would deliver 22.875 mg (bolus 20 mg + 2.875 mg at the base rate), "
        "above the morphine soft limit of 15 mg/day (hard limit 30 mg/day): give a reason"
    )
    assert blocking(findings) == []
    # 11 mg + 2.875 mg = 13.875 mg stays within the soft limit: no reason asked.
    small = clinician_bolus(Dose(11, MG), timedelta(hours=1), Concentration(25, MG), NOW, model)
    assert "soft_max_bolus" not in rules(check(morphine(3, 25), morphine(3, 25).with_bolus(small)))


def test_a_priming_bolus_is_not_counted_as_drug_given():
    priming = Bolus(BolusKind.PRIMING, NOW, timedelta(minutes=30), 0.52, Dose(13, MG))
    assert "hard_limit_bolus" not in rules(check(None, morphine(25, 25).with_bolus(priming)))


def test_above_the_soft_maximum_needs_a_reason():
    finding = the(check(morphine(14), morphine(16)), "soft_max")
    assert finding.severity is R
    assert finding.message == (
        "daily dose 16 mg/day is above the morphine soft limit of 15 mg/day (hard limit 30 mg/day): give a reason"
    )
    assert "soft_max" not in rules(check(morphine(14), morphine(15)))


def test_below_the_soft_minimum_needs_a_reason():
    finding = the(check(morphine(0.1), morphine(0.05)), "soft_min")
    assert finding.message == "daily dose 0.05 mg/day is below the morphine soft minimum of 0.1 mg/day: give a reason"
    assert "soft_min" not in rules(check(morphine(0.15), morphine(0.1)))


def test_minimum_rate_mode_is_not_held_to_the_soft_minimum():
    keep_open = Prescription.minimum_rate("morphine", Concentration(10, MG), 0.048)  # 0.48 mg/day
    baclofen_keep_open = Prescription.minimum_rate("baclofen", Concentration(500, MCG), 0.048)  # 24 mcg/day
    assert "soft_min" not in rules(check(baclofen(100), baclofen_keep_open))
    assert "soft_min" not in rules(check(morphine(1), keep_open))


def test_limits_come_from_the_drug_library():
    drugs = [
        replace(drug, daily_dose=replace(drug.daily_dose, soft_max=40, hard_max=50))
        if drug.name == "morphine"
        else drug
        for drug in LIBRARY.drugs
    ]
    clinic = replace(LIBRARY, drugs=drugs)
    findings = safety_findings(morphine(28), morphine(35), clinic, now=NOW)
    assert not rules(findings) & {"hard_limit", "soft_max"}


# --- drug and concentration -----------------------------------------------------------------
def test_an_off_label_drug_is_warned_about():
    finding = the(check(hydromorphone(1), hydromorphone(1.2)), "off_label")
    assert finding.severity is W
    assert finding.message.startswith("off-label: hydromorphone is not approved for intrathecal use")
    assert "off_label" not in rules(check(morphine(1), morphine(1.2)))


def test_an_unlabelled_concentration_is_warned_about():
    finding = the(check(morphine(1), morphine(1, per_ml=20)), "unlabelled_concentration")
    assert finding.severity is W
    assert finding.message == (
        "concentration 20 mg/mL is not a labelled morphine strength (10, 25 mg/mL): check the vial label"
    )
    assert "unlabelled_concentration" not in rules(check(morphine(1), morphine(1, per_ml=25)))


def test_compounded_drugs_have_no_labelled_strengths_to_warn_about():
    assert "unlabelled_concentration" not in rules(check(hydromorphone(1), hydromorphone(1, per_ml=7)))


def test_a_concentration_above_the_drugs_maximum_blocks():
    finding = the(check(morphine(1), morphine(1, per_ml=50)), "max_concentration")
    assert finding.severity is B
    assert finding.message == "concentration 50 mg/mL is above the morphine maximum of 25 mg/mL"
    assert "max_concentration" not in rules(check(morphine(1), morphine(1, per_ml=25)))
    assert "max_concentration" in rules(check(hydromorphone(1), hydromorphone(1, per_ml=20)))  # max 15 mg/mL


def test_an_unknown_drug_blocks():
    finding = the(check(None, simple("morfine", 1, 10, MG)), "unknown_drug")
    assert finding.severity is B
    assert finding.message.startswith("morfine is not in the drug library (morphine, ziconotide, baclofen")


def test_a_prescription_in_the_other_unit_than_the_library_is_warned_about():
    in_mcg = simple("morphine", 1500, 10000, MCG)
    assert the(check(None, in_mcg), "library_unit").message == (
        "morphine is dosed in mg in the drug library, but this prescription is in mcg: check for a mg/mcg mix-up"
    )
    # Limits still apply after conversion: 31000 mcg/day is 31 mg/day.
    assert "hard_limit" in rules(check(None, simple("morphine", 31000, 10000, MCG)))
    assert "library_unit" not in rules(check(None, morphine(1.5)))


# --- the % change ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (morphine(1.5), morphine(2), "Daily dose 1.5 → 2 mg/day (+33.3 %)"),
        (morphine(2), morphine(1.5), "Daily dose 2 → 1.5 mg/day (-25 %)"),
        (
            Prescription.stopped("morphine", Concentration(10, MG)),
            morphine(0.5),
            "Daily dose 0 → 0.5 mg/day (from no delivery)",
        ),
        (morphine(1.5), simple("morphine", 2000, 10000, MCG), "Daily dose 1.5 mg/day → 2000 mcg/day (+33.3 %)"),
        (
            morphine(1.5),
            hydromorphone(0.3),
            "Daily dose 1.5 mg/day (morphine) → 0.3 mg/day (hydromorphone): a different drug, no % change",
        ),
    ],
)
def test_the_daily_dose_change_is_always_shown(old, new, message):
    assert the(check(old, new), "dose_change") == Finding(N, "dose_change", message)


MORPHINE_10 = Concentration(10, MG)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (morphine(2), morphine(2, per_ml=25)),  # a new concentration: its own note says so
        (morphine(1.8), flex("morphine", 10, MG, DaySchedule.constant(DoseRate(1.8, MG)))),  # made a flex schedule
        (morphine(1.5), simple("morphine", 1500, 10000, MCG)),  # in mcg: its unit change warns
        (Prescription.stopped("morphine", MORPHINE_10), Prescription.stopped("morphine", Concentration(5, MG))),
    ],
)
def test_an_unchanged_daily_dose_is_no_finding(old, new):
    """Walk-through finding: "Note: Daily dose 1.8 → 1.8 mg/day (unchanged)" after converting to a flex schedule."""
    assert "dose_change" not in rules(check(old, new))


def test_no_change_to_show_for_a_first_prescription():
    assert "dose_change" not in rules(check(None, morphine(1)))


def test_a_concentration_change_is_noted_with_the_bridge_bolus():
    finding = the(check(morphine(2), morphine(2, per_ml=25)), "concentration_change")
    assert finding.message.startswith("concentration 10 mg/mL → 25 mg/mL: a bridge bolus")
    assert "concentration_change" not in rules(check(morphine(2), morphine(3)))


# --- titration ------------------------------------------------------------------------------
def test_an_increase_beyond_the_titration_limit_needs_a_reason():
    finding = the(check(baclofen(100), baclofen(140)), "titration_rate")
    assert finding.severity is R
    assert finding.message == (
        "daily dose rises 40 % in 24 h (100 mcg/day now → 140 mcg/day): baclofen increases are limited to "
        "+30 % per 24 h"
    )
    assert "titration_rate" not in rules(check(baclofen(100), baclofen(125)))


def test_titration_compares_with_the_dose_24_hours_ago():
    # 100 mcg/day until 12 h ago, then 120: now 135 is only +12.5 % on the current dose but +35 % in 24 h.
    history = doses(MCG, (120, 100), (12, 120))
    finding = the(check(baclofen(120), baclofen(135), history=history), "titration_rate")
    assert "rises 35 % in 24 h (100 mcg/day 24 h ago → 135 mcg/day)" in finding.message
    assert "titration_rate" not in rules(check(baclofen(120), baclofen(135)))  # no history: +12.5 % on the current


def test_an_unchanged_dose_is_not_a_titration():
    history = doses(MCG, (120, 100), (12, 140))
    assert "titration_rate" not in rules(check(baclofen(140), baclofen(140, per_ml=1000), history=history))


def test_a_ziconotide_step_above_2_4_mcg_per_day_needs_a_reason():
    finding = the(check(ziconotide(2.4), ziconotide(6)), "titration_step")
    assert finding.severity is R
    assert finding.message == (
        "daily dose rises by 3.6 mcg/day (2.4 mcg/day → 6 mcg/day): ziconotide increases are limited to "
        "2.4 mcg/day at a time"
    )
    assert "titration_step" not in rules(check(ziconotide(2.4), ziconotide(4.8)))


def test_a_ziconotide_increase_too_soon_after_the_last_needs_a_reason():
    history = doses(MCG, (144, 2.4), (24, 4.8))
    finding = the(check(ziconotide(4.8), ziconotide(7.2), history=history), "titration_interval")
    assert finding.severity is R
    assert finding.message == (
        "the last increase was 24 h ago (2025-03-09 10:00): ziconotide increases need at least 48 h between them "
        "(next from 2025-03-11 10:00)"
    )


def test_a_ziconotide_increase_after_the_interval_is_fine():
    history = doses(MCG, (144, 2.4), (72, 4.8))
    assert "titration_interval" not in rules(check(ziconotide(4.8), ziconotide(7.2), history=history))


def test_a_ziconotide_decrease_soon_after_an_increase_is_fine():
    history = doses(MCG, (144, 2.4), (6, 4.8))
    assert "titration_interval" not in rules(check(ziconotide(4.8), ziconotide(2.4), history=history))


def test_a_baclofen_increase_in_the_first_24_hours_after_implant_blocks():
    finding = the(check(baclofen(100), baclofen(110), implant_date=date(2025, 3, 9)), "increase_after_implant")
    assert finding.severity is B
    # Only the date is known: counted from the end of 9 March, so allowed from 11 March 00:00.
    assert finding.message == (
        "baclofen must not be increased in the first 24 h after implant (2025-03-09, time not recorded): "
        "100 mcg/day → 110 mcg/day is allowed from 2025-03-11 00:00"
    )


def test_a_baclofen_increase_with_a_known_implant_time():
    implanted = datetime(2025, 3, 9, 8, 0)
    assert "increase_after_implant" not in rules(check(baclofen(100), baclofen(110), implant_date=implanted))
    soon = check(baclofen(100), baclofen(110), implant_date=implanted, now=datetime(2025, 3, 10, 7, 0))
    assert "allowed from 2025-03-10 08:00" in the(soon, "increase_after_implant").message


@pytest.mark.parametrize(
    ("old", "new", "implanted"),
    [
        (baclofen(100), baclofen(110), date(2025, 3, 7)),  # long enough ago
        (baclofen(100), baclofen(90), date(2025, 3, 10)),  # a decrease
        (morphine(1), morphine(1.2), date(2025, 3, 10)),  # morphine has no such rule
    ],
)
def test_no_implant_block(old, new, implanted):
    assert "increase_after_implant" not in rules(check(old, new, implant_date=implanted))


def test_starting_above_the_usual_starting_dose_needs_a_reason():
    finding = the(check(None, ziconotide(5)), "starting_dose")
    assert finding.severity is R
    assert "the usual starting dose is 0.5–2.4 mcg/day" in finding.message
    stopped = Prescription.stopped("morphine", Concentration(10, MG))
    assert "starting_dose" in rules(check(stopped, morphine(5)))  # restarting at full dose
    assert "starting_dose" not in rules(check(None, ziconotide(2.4)))
    assert "starting_dose" not in rules(check(morphine(5), morphine(6)))


# --- entry errors -----------------------------------------------------------------------------
def test_a_dose_24_times_the_current_one_asks_whether_a_dose_per_day_was_typed_as_per_hour():
    # 0.5 mg/day typed as 0.5 mg/h is 12 mg/day: the per-hour figure of the new dose is the old daily dose.
    finding = the(check(morphine(0.5), morphine(12)), "per_hour_per_day")
    assert finding.severity is R
    assert finding.message == (
        "daily dose 12 mg/day (0.5 mg/h) is 24× the current one (0.5 mg/day = 0.02083 mg/h) — "
        "was a dose per day typed as per hour?"
    )
    assert "per_hour_per_day" in rules(check(morphine(0.5), morphine(11)))  # 22×, within ±10 %
    assert "per_hour_per_day" not in rules(check(morphine(0.5), morphine(10)))  # 20×


def test_a_dose_a_24th_of_the_current_one_asks_whether_a_dose_per_hour_was_typed_as_per_day():
    # 12 mg/day is 0.5 mg/h; 0.5 typed as mg/day is the per-hour figure in the per-day place.
    finding = the(check(morphine(12), morphine(0.5)), "per_hour_per_day")
    assert finding.message == (
        "daily dose 0.5 mg/day (0.02083 mg/h) is 1/24 of the current one (12 mg/day = 0.5 mg/h) — "
        "was a dose per hour typed as per day?"
    )


def test_a_flex_step_entered_per_hour_is_caught_step_by_step():
    # Hydromorphone 0.5 mg/day; one new step at 12 mg/day (the 0.5 entered as per hour).
    new = flex("hydromorphone", 10, MG, day_with_step(0.5, 12, MG))
    findings = check(hydromorphone(0.5), new)
    assert "hard_limit_step" not in rules(findings)  # 12 mg/day is within the 15 mg/day hard limit
    finding = the(findings, "per_hour_per_day")
    assert finding.message == (
        "step 06:00–07:00 (from 06:00) 12 mg/day (0.5 mg/h) is 24× the current one (0.5 mg/day = 0.02083 mg/h) — "
        "was a dose per day typed as per hour?"
    )


def test_a_tenfold_change_looks_like_a_decimal_error():
    finding = the(check(morphine(1), morphine(10)), "tenfold")
    assert finding.severity is R
    assert finding.message == (
        "daily dose 10 mg/day (0.4167 mg/h) is 10× the current one (1 mg/day = 0.04167 mg/h) — "
        "a tenfold (decimal point) slip?"
    )
    assert "1/10 of the current one" in the(check(morphine(10), morphine(1)), "tenfold").message
    assert "tenfold" not in rules(check(morphine(1), morphine(2)))
    assert "tenfold" not in rules(check(morphine(1), morphine(12)))  # 12×: outside ±10 %


def test_a_drug_change_is_warned_about_with_both_drugs():
    finding = the(check(morphine(1.5), hydromorphone(0.3)), "drug_change")
    assert finding.severity is W
    assert finding.message.startswith("drug changes from morphine to hydromorphone")
    assert "drug_change" not in rules(check(morphine(1.5), morphine(2)))


def test_a_unit_change_is_warned_about_with_both_units():
    finding = the(check(morphine(1.5), simple("morphine", 1500, 10000, MCG)), "unit_change")
    assert finding.severity is W
    assert finding.message == (
        "unit changes from mg to mcg: 1.5 mg/day → 1500 mcg/day (10 mg/mL → 10000 mcg/mL); check for a mg/mcg mix-up"
    )
    assert "unit_change" not in rules(check(morphine(1.5), morphine(2)))


# --- modes ------------------------------------------------------------------------------------
def test_stopping_the_pump_is_warned_about():
    finding = the(check(baclofen(200), Prescription.stopped("baclofen", Concentration(500, MCG))), "stopped")
    assert finding.severity is W
    assert "the pump will deliver no drug" in finding.message
    assert "stopped" not in rules(check(baclofen(200), baclofen(210)))


def test_a_single_bolus_warns_that_the_pump_stops_afterwards():
    bolus = Bolus(BolusKind.SINGLE, NOW, timedelta(hours=2), 0.1, Dose(1, MG))
    single = Prescription("morphine", Concentration(10, MG), InfusionMode.SINGLE_BOLUS, bolus=bolus)
    finding = the(check(morphine(1), single), "stops_after_bolus")
    assert finding.message == (
        "single bolus: after 1 mg over 2 h the pump will deliver no drug until it is reprogrammed"
    )


# --- presentation -----------------------------------------------------------------------------
def test_findings_come_most_serious_first_and_filter_by_severity():
    findings = check(hydromorphone(1), hydromorphone(16, per_ml=20))
    severities = [finding.severity for finding in findings]
    assert severities == sorted(severities, key=list(FindingSeverity).index)
    assert rules(blocking(findings)) == {"hard_limit", "max_concentration"}
    assert rules(needing_reason(findings)) == {"titration_rate"}
    assert str(findings[0]).startswith("Not allowed: ")


def test_the_old_drugs_history_says_nothing_about_a_new_drug():
    # Morphine history, now hydromorphone: no titration against morphine's doses.
    history = doses(MG, (48, 0.2), (30, 0.3))
    assert "titration_rate" not in rules(check(morphine(0.3), hydromorphone(0.5), history=history))


def test_a_cut_of_half_the_dose_or_more_warns_of_withdrawal():
    old = Prescription.simple_continuous("morphine", Concentration(10, DrugUnit.MG), DoseRate(1.5, DrugUnit.MG))
    cut = Prescription.simple_continuous("morphine", Concentration(10, DrugUnit.MG), DoseRate(0.5, DrugUnit.MG))
    findings = safety_findings(old, cut, drug_library(), now=datetime(2026, 11, 21, 9))
    warning = next(finding for finding in findings if finding.rule == "large_cut")
    assert warning.severity is FindingSeverity.WARNING
    assert warning.message == (
        "daily dose falls 66.7 % (1.5 mg/day → 0.5 mg/day): a cut this large can bring on morphine withdrawal — "
        "check the order and watch the patient"
    )
    small = Prescription.simple_continuous("morphine", Concentration(10, DrugUnit.MG), DoseRate(1, DrugUnit.MG))
    assert "large_cut" not in {f.rule for f in safety_findings(old, small, drug_library(), now=datetime(2026, 1, 1))}
