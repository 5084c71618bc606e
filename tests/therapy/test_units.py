"""Doses, rates and concentrations: worked conversions, and every way of mixing units refused."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from programmer.therapy.units import (
    Concentration,
    Dose,
    DoseRate,
    DrugUnit,
    UnitError,
    format_number,
    parse_concentration,
    parse_dose_rate,
)

MG, MCG = DrugUnit.MG, DrugUnit.MCG
MORPHINE_10 = Concentration(10, MG)


# --- worked numbers ---------------------------------------------------------------------
def test_one_mg_is_a_thousand_mcg_and_back():
    assert Dose(1, MG).to(MCG).amount == 1000
    assert Dose(1000, MCG).to(MG).amount == 1
    assert str(Dose(1, MG).to(MCG)) == "1000 mcg"
    assert DoseRate(1.5, MG).to(MCG) == DoseRate(1500, MCG)
    assert str(DoseRate(1.5, MG).to(MCG)) == "1500 mcg/day"


def test_morphine_1_5_mg_per_day_at_10_mg_per_ml_is_0_15_ml_per_day():
    assert MORPHINE_10.ml_per_day(DoseRate(1.5, MG)) == pytest.approx(0.15)
    assert MORPHINE_10.rate_for(0.15) == DoseRate(1.5, MG)


def test_0_1_mg_per_hour_is_2_4_mg_per_day_shown_both_ways():
    rate = DoseRate.from_per_hour(0.1, MG)
    assert rate == DoseRate(2.4, MG)
    assert rate.per_hour == pytest.approx(0.1)
    assert str(rate) == "2.4 mg/day"
    assert rate.per_hour_text() == "0.1 mg/h"
    assert rate.day_and_hour_text() == "2.4 mg/day (0.1 mg/h)"


def test_dose_and_volume_through_the_concentration():
    assert MORPHINE_10.volume_ml(Dose(5, MG)) == pytest.approx(0.5)
    assert MORPHINE_10.dose_in(0.5) == Dose(5, MG)
    baclofen = Concentration(500, MCG)
    assert baclofen.volume_ml(Dose(100, MCG)) == pytest.approx(0.2)
    assert baclofen.to(MG) == Concentration(0.5, MG)
    assert str(baclofen.to(MG)) == "0.5 mg/mL"


def test_rate_over_minutes_gives_the_dose_of_that_time():
    assert DoseRate(2.4, MG).over_minutes(60) == Dose(0.1, MG)
    assert DoseRate(1440, MCG).over_minutes(1) == Dose(1, MCG)


def test_percent_change_converts_the_old_rate_first():
    assert DoseRate(2, MG).percent_change_from(DoseRate(1500, MCG)) == pytest.approx(33.333, abs=1e-3)
    assert DoseRate(2, MG).percent_change_from(DoseRate(0, MG)) is None


def test_scaling_a_dose_keeps_its_unit():
    assert Dose(1.5, MG) * 2 == Dose(3, MG)
    assert 2 * DoseRate(1.5, MCG) == DoseRate(3, MCG)
    assert Dose(3, MG) / 2 == Dose(1.5, MG)
    assert DoseRate(3, MG) / 3 == DoseRate(1, MG)


def test_same_unit_arithmetic_and_ordering():
    assert Dose(1, MG) + Dose(0.5, MG) == Dose(1.5, MG)
    assert Dose(1, MG) - Dose(0.25, MG) == Dose(0.75, MG)
    assert DoseRate(1, MCG) + DoseRate(2, MCG) == DoseRate(3, MCG)
    assert Dose(1, MG) < Dose(2, MG) <= Dose(2, MG)
    assert Dose(3, MG) > Dose(2, MG) >= Dose(2, MG)
    assert DoseRate(1, MG) < DoseRate(2, MG) <= DoseRate(2, MG)
    assert max([DoseRate(1, MG), DoseRate(3, MG), DoseRate(2, MG)]) == DoseRate(3, MG)


# --- equality is about the drug, not the spelling ------------------------------------------
def test_equal_amounts_in_different_units_are_equal_and_hash_alike():
    assert Dose(1, MG) == Dose(1000, MCG)
    assert Dose(1.1, MG) == Dose(1100, MCG)
    assert Dose(1, MG) != Dose(1, MCG)  # the tenfold-and-more error is never "equal"
    assert DoseRate(1.5, MG) == DoseRate(1500, MCG)
    assert Concentration(10, MG) == Concentration(10000, MCG)
    assert Concentration(10, MG) != Concentration(10, MCG)
    assert len({Dose(1, MG), Dose(1000, MCG)}) == 1
    # != says the same as == (the same concentration typed twice in two units is not "two entries that differ")
    assert (Concentration(2, MG) != Concentration(2000, MCG)) is False
    assert (DoseRate(1, MG) != DoseRate(1000, MCG)) is False
    assert (Dose(0.5, MG) != Dose(500, MCG)) is False
    assert hash(DoseRate(0.1 * 24, MG)) == hash(DoseRate(2.4, MG))


def test_a_dose_never_equals_a_rate_or_a_bare_number():
    assert Dose(1.5, MG) != DoseRate(1.5, MG)
    assert Dose(1.5, MG) != 1.5
    assert DoseRate(1.5, MG) != 1.5
    assert Concentration(10, MG) != 10


def test_units_given_as_text_are_read_strictly():
    assert Dose(1, "mg").unit is MG
    assert DoseRate(1, "µg").unit is MCG
    with pytest.raises(UnitError, match="unknown drug unit 'g'"):
        Dose(1, "g")
    with pytest.raises(TypeError):
        Dose(1, None)


# --- refusals ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("operation", "message"),
    [
        (lambda: Dose(1, MG) + Dose(1, MCG), "cannot add mg and mcg"),
        (lambda: Dose(1, MG) - Dose(1, MCG), "cannot subtract mg and mcg"),
        (lambda: Dose(1, MG) < Dose(1, MCG), "cannot compare mg and mcg"),
        (lambda: Dose(1, MG) >= Dose(1, MCG), "cannot compare mg and mcg"),
        (lambda: DoseRate(1, MG) + DoseRate(1, MCG), "cannot add mg and mcg"),
        (lambda: DoseRate(1, MG) > DoseRate(1, MCG), "cannot compare mg and mcg"),
        (lambda: MORPHINE_10.volume_ml(Dose(100, MCG)), "cannot relate a dose in mg and mcg"),
        (lambda: MORPHINE_10.ml_per_day(DoseRate(1500, MCG)), "cannot relate a rate in mg and mcg"),
    ],
)
def test_mixing_mg_and_mcg_is_refused_with_a_message(operation, message):
    with pytest.raises(UnitError, match=message):
        operation()


@pytest.mark.parametrize(
    "operation",
    [
        lambda: 1.5 + Dose(1, MG),
        lambda: Dose(1, MG) + 1.5,
        lambda: Dose(1, MG) - 1,
        lambda: sum([Dose(1, MG), Dose(2, MG)]),
        lambda: Dose(1, MG) + DoseRate(1, MG),
        lambda: DoseRate(1, MG) + Dose(1, MG),
        lambda: Dose(1, MG) < DoseRate(1, MG),
        lambda: DoseRate(1, MG) <= 2,
        lambda: Dose(1, MG) * Dose(1, MG),
        lambda: Dose(1, MG) * DoseRate(1, MG),
        lambda: Dose(1, MG) / Dose(1, MG),
        lambda: MORPHINE_10.volume_ml(DoseRate(1, MG)),
        lambda: MORPHINE_10.ml_per_day(Dose(1, MG)),
        lambda: MORPHINE_10.ml_per_day(1.5),
        lambda: DoseRate(1, MG).percent_change_from(1.0),
    ],
)
def test_mixing_kinds_or_bare_numbers_is_a_type_error(operation):
    with pytest.raises(TypeError):
        operation()


@pytest.mark.parametrize("amount", [math.nan, math.inf, -math.inf])
def test_non_finite_amounts_are_refused(amount):
    with pytest.raises(UnitError, match="finite"):
        Dose(amount, MG)
    with pytest.raises(UnitError, match="finite"):
        DoseRate(amount, MG)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Dose(math.inf, MG), "a dose in mg must be a finite number, not inf"),
        (lambda: DoseRate(2e12, MCG), "a dose rate in mcg/day of 2e+12 is out of any pump's range"),
        (lambda: Concentration(math.nan, MG), "a concentration in mg/mL must be a finite number, not nan"),
        (lambda: MORPHINE_10.volume_ml(DoseRate(1, MG)), "volume_ml needs a Dose, not DoseRate"),
        (lambda: MORPHINE_10.ml_per_day(Dose(1, MG)), "ml_per_day needs a DoseRate, not Dose"),
    ],
)
def test_a_refusal_names_the_kind_and_its_unit(make, message):
    with pytest.raises((UnitError, TypeError)) as refused:
        make()
    assert str(refused.value).startswith(message)


def test_each_kind_converts_and_reads_in_its_own_terms():
    assert (str(Dose(0.5, MG)), str(DoseRate(0.5, MG)), str(Concentration(0.5, MG))) == (
        "0.5 mg",
        "0.5 mg/day",
        "0.5 mg/mL",
    )
    assert Concentration(0.5, MG).to(MCG) == Concentration(500, MCG)
    assert str(Concentration(0.5, MG).to(MCG)) == "500 mcg/mL"
    assert (MORPHINE_10.volume_ml(Dose(5, MG)), MORPHINE_10.ml_per_day(DoseRate(2, MG))) == (0.5, 0.2)
    assert len({Dose(1, MG), DoseRate(1, MG), Concentration(1, MG)}) == 3  # same number and unit, three kinds


@pytest.mark.parametrize("amount", ["1.5", None, True])
def test_amounts_must_be_numbers_not_text(amount):
    with pytest.raises(TypeError, match="must be a number"):
        Dose(amount, MG)


def test_a_concentration_must_be_above_zero():
    with pytest.raises(UnitError, match="above zero, not 0 mg/mL"):
        Concentration(0, MG)
    with pytest.raises(UnitError, match="above zero"):
        Concentration(-10, MCG)


# --- parsing what a nurse types ------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.5mg/day", DoseRate(1.5, MG)),
        ("1.5 mg / day", DoseRate(1.5, MG)),
        ("100 mcg/day", DoseRate(100, MCG)),
        ("100 µg/day", DoseRate(100, MCG)),  # micro sign
        ("100 μg/day", DoseRate(100, MCG)),  # Greek mu
        ("100 ug/d", DoseRate(100, MCG)),
        ("100 MCG/DAY", DoseRate(100, MCG)),
        ("100 micrograms/day", DoseRate(100, MCG)),
        ("1 mg/24h", DoseRate(1, MG)),
        ("0.1 mg/h", DoseRate(2.4, MG)),
        ("0.1mg/hr", DoseRate(2.4, MG)),
        (".5 mcg/hour", DoseRate(12, MCG)),
    ],
)
def test_parse_dose_rate_reads_units_and_periods(text, expected):
    assert parse_dose_rate(text) == expected
    assert parse_dose_rate(text).unit is expected.unit


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1.5", "has no unit"),
        ("  2 ", "has no unit"),
        ("1.5 mg", "has no period: add /day or /h"),
        ("1.5 g/day", "'g' is not a drug unit; use mg or mcg"),
        ("1.5 mL/day", "'mL' is not a drug unit"),
        ("1.5 mg/min", "'min' is not a period"),
        ("-1 mg/day", "must be a number with its unit and period"),
        ("one mg/day", "must be a number"),
        ("", "must be a number"),
    ],
)
def test_parse_dose_rate_refuses_what_it_cannot_read_unambiguously(text, message):
    with pytest.raises(UnitError, match=message):
        parse_dose_rate(text)


def test_parse_dose_rate_refuses_a_dose_in_the_other_unit_and_shows_the_conversion():
    with pytest.raises(UnitError) as refused:
        parse_dose_rate("1500 mcg/day", expected_unit=MG)
    assert str(refused.value) == (
        "dose '1500 mcg/day' is in mcg, but this drug is dosed in mg (1500 mcg/day = 1.5 mg/day): enter the dose in mg"
    )
    assert parse_dose_rate("1.5 mg/day", expected_unit=MG) == DoseRate(1.5, MG)


def test_parse_dose_rate_needs_text():
    with pytest.raises(TypeError):
        parse_dose_rate(1.5)


def test_parse_concentration():
    assert parse_concentration("10", MG) == Concentration(10, MG)
    assert parse_concentration("500 mcg/mL", MCG) == Concentration(500, MCG)
    assert parse_concentration("500µg/ml", MCG) == Concentration(500, MCG)
    with pytest.raises(UnitError, match="not in mg/mL"):
        parse_concentration("10 mcg/mL", MG)
    with pytest.raises(UnitError, match="must be a number"):
        parse_concentration("ten", MG)
    with pytest.raises(UnitError, match="above zero"):
        parse_concentration("0", MG)


def test_unit_parse_aliases():
    assert DrugUnit.parse(" MCG ") is MCG
    assert DrugUnit.parse("Milligrams") is MG
    with pytest.raises(UnitError, match="use mg or mcg"):
        DrugUnit.parse("mgs")


@pytest.mark.parametrize(
    ("value", "text"),
    [(0, "0"), (1.5, "1.5"), (1 / 6, "0.1667"), (5 / 3, "1.667"), (1500, "1500"), (123.45, "123.5"),
     (0.048, "0.048"), (0.00001234, "0.00001234"), (-0.25, "-0.25")],
)
def test_format_number_is_short_and_never_scientific(value, text):
    assert format_number(value) == text


# --- properties ----------------------------------------------------------------------------
amounts = st.floats(min_value=1e-6, max_value=1e6, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(amounts)
def test_mg_mcg_round_trip(amount):
    assert Dose(amount, MG).to(MCG).to(MG).amount == pytest.approx(amount, rel=1e-12)
    assert Dose(amount, MG).to(MCG) == Dose(amount, MG)


@settings(max_examples=200, deadline=None)
@given(amounts)
def test_per_hour_per_day_round_trip(per_hour):
    rate = DoseRate.from_per_hour(per_hour, MCG)
    assert rate.per_hour == pytest.approx(per_hour, rel=1e-12)
    assert DoseRate.from_per_hour(rate.per_hour, MCG) == rate
    assert rate.over_minutes(60).amount == pytest.approx(per_hour, rel=1e-12)


@settings(max_examples=200, deadline=None)
@given(amounts, st.floats(min_value=0.01, max_value=2000), st.sampled_from([MG, MCG]))
def test_dose_volume_round_trip(amount, per_ml, unit):
    concentration = Concentration(per_ml, unit)
    volume = concentration.volume_ml(Dose(amount, unit))
    assert concentration.dose_in(volume).amount == pytest.approx(amount, rel=1e-12)
    assert concentration.rate_for(concentration.ml_per_day(DoseRate(amount, unit))) == DoseRate(amount, unit)


@settings(max_examples=200, deadline=None)
@given(amounts, st.sampled_from(["day", "d", "h", "hour"]), st.sampled_from(["mg", "mcg", "µg", "ug"]))
def test_parsing_what_was_formatted_gives_the_same_rate(amount, period, unit):
    rate = parse_dose_rate(f"{amount:.6f} {unit}/{period}")
    if period in ("h", "hour"):
        assert rate.per_hour == pytest.approx(round(amount, 6), rel=1e-12, abs=1e-12)
    else:
        assert rate.per_day == pytest.approx(round(amount, 6), rel=1e-12, abs=1e-12)
