import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from programmer.therapy.refill import RefillError, discrepancy, discrepancy_threshold_ml, fill

ACCURACY = 14.5  # % (the peristaltic models)


# --- removed vs expected -----------------------------------------------------------------
def test_close_to_expected_is_not_flagged():
    result = discrepancy(expected_ml=5.0, removed_ml=4.6, delivered_since_refill_ml=10, accuracy_percent=ACCURACY)
    assert not result.flagged
    assert result.difference_ml == pytest.approx(-0.4)
    assert result.threshold_ml == 2.0
    assert result.message == "within 0.4 mL of expected (limit 2 mL)"


def test_less_than_expected_beyond_2_ml_means_possible_over_infusion():
    result = discrepancy(expected_ml=5.0, removed_ml=2.6, delivered_since_refill_ml=10, accuracy_percent=ACCURACY)
    assert result.flagged
    assert result.difference_ml == pytest.approx(-2.4)
    assert result.message.startswith("2.4 mL less than expected — possible over-infusion; investigate before refilling")
    assert "removed 2.6 mL, expected 5 mL, limit 2 mL" in result.message


def test_more_than_expected_beyond_2_ml_means_possible_under_infusion():
    result = discrepancy(expected_ml=5.0, removed_ml=8.1, delivered_since_refill_ml=10, accuracy_percent=ACCURACY)
    assert result.flagged
    assert result.difference_ml == pytest.approx(3.1)
    assert result.message.startswith("3.1 mL more than expected — possible under-infusion (catheter or pump problem)")


@pytest.mark.parametrize(("removed", "flagged"), [(3.0, False), (7.0, False), (2.9, True), (7.1, True)])
def test_the_2_ml_limit_on_both_sides(removed, flagged):
    # 10 mL delivered: 14.5 % is 1.45 mL, so the 2 mL floor applies; exactly 2 mL is still within.
    assert discrepancy(5.0, removed, 10, ACCURACY).flagged is flagged


def test_after_more_delivery_the_accuracy_sets_the_limit():
    # 20 mL delivered since the last refill: 14.5 % of 20 mL = 2.9 mL > 2 mL.
    assert discrepancy_threshold_ml(20, ACCURACY) == pytest.approx(2.9)
    within = discrepancy(expected_ml=4.0, removed_ml=1.5, delivered_since_refill_ml=20, accuracy_percent=ACCURACY)
    assert not within.flagged  # 2.5 mL less: would be flagged by 2 mL alone
    assert within.message == "within 2.5 mL of expected (limit 2.9 mL)"


@pytest.mark.parametrize(("removed", "flagged"), [(1.1, False), (6.9, False), (1.0, True), (7.0, True)])
def test_the_accuracy_limit_on_both_sides(removed, flagged):
    assert discrepancy(4.0, removed, 20, ACCURACY).flagged is flagged


@pytest.mark.parametrize(
    "args", [(-1, 2, 10, ACCURACY), (5, -2, 10, ACCURACY), (5, 2, -10, ACCURACY), (5, 2, 10, 0), (5, 2, 10, 100)]
)
def test_impossible_readings_are_refused(args):
    with pytest.raises(RefillError):
        discrepancy(*args)


@settings(max_examples=200, deadline=None)
@given(
    expected=st.floats(min_value=0, max_value=40, allow_nan=False),
    removed=st.floats(min_value=0, max_value=40, allow_nan=False),
    delivered=st.floats(min_value=0, max_value=40, allow_nan=False),
)
def test_flag_matches_the_rule(expected, removed, delivered):
    result = discrepancy(expected, removed, delivered, ACCURACY)
    limit = max(2.0, 0.145 * delivered)
    assert result.threshold_ml == pytest.approx(limit)
    assert result.difference_ml == pytest.approx(removed - expected)
    if abs(removed - expected) > limit + 1e-6:
        assert result.flagged
    elif abs(removed - expected) < limit - 1e-6:
        assert not result.flagged


# --- filling -----------------------------------------------------------------------------
def test_fill_sets_the_reservoir_to_the_volume_added():
    result = fill(20, 18.5, syringe_prepared_ml=18.5)
    assert result.new_reservoir_ml == 18.5
    assert not result.pocket_fill_suspected
    assert result.message == "reservoir filled with 18.5 mL of 20 mL"


def test_fill_to_exact_capacity_is_allowed():
    assert fill(20, 20).new_reservoir_ml == 20


def test_overfill_is_refused_with_the_limit():
    with pytest.raises(RefillError, match="40 mL would overfill the 20 mL reservoir: add at most 20 mL"):
        fill(20, 40)


@pytest.mark.parametrize(("capacity", "added", "prepared"), [(20, 0, None), (20, -1, None), (0, 5, None), (20, 5, 0)])
def test_zero_or_negative_volumes_are_refused(capacity, added, prepared):
    with pytest.raises(RefillError):
        fill(capacity, added, prepared)


def test_a_volume_that_went_in_short_of_the_syringe_is_a_possible_pocket_fill():
    result = fill(20, 14.0, syringe_prepared_ml=20.0)
    assert result.pocket_fill_suspected
    assert result.message == (
        "possible pocket fill: the volume that went in (14 mL) is not what was prepared (20 mL) "
        "— stop and check the needle position"
    )


@pytest.mark.parametrize(("added", "suspected"), [(19.5, False), (19.4, True), (20.0, False)])
def test_pocket_fill_tolerance_is_half_a_millilitre(added, suspected):
    assert fill(20, added, syringe_prepared_ml=20.0).pocket_fill_suspected is suspected
