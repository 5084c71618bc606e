"""Refill arithmetic: the volume removed against the volume expected, and the new fill.

The pump never measures its reservoir: the volume it shows is calculated from the
programmed rate. So the refill is the one moment a nurse can catch over- or
under-infusion, by comparing what comes out of the reservoir with what should.
"""

from __future__ import annotations

import math

from msgspec import Struct

from programmer.errors import ProgrammerError
from programmer.wording import format_number, ml_text

# A difference above about 2 mL must be investigated, however little was delivered.
DISCREPANCY_MIN_ML = 2.0
# What a nurse can read off a syringe: a gap larger than this between what was prepared
# and what went in means the drug did not all go where it should.
SYRINGE_TOLERANCE_ML = 0.5
# Volumes closer than this are equal (float noise, not a reading difference).
_EPSILON_ML = 1e-9


class RefillError(ProgrammerError, ValueError):
    """A refill volume that cannot be right; the message gives the numbers and the limit."""


def _check_volume(name: str, value: float, *, allow_zero: bool = True) -> None:
    if not (0 <= value < math.inf) or (not allow_zero and value == 0):  # NaN is no volume either
        limit = "must be 0 mL or more" if allow_zero else "must be above zero"
        raise RefillError(f"the {name} {limit}, not {ml_text(value)}")


class Discrepancy(Struct, frozen=True):
    """Volume removed from the reservoir compared with the volume the pump expected."""

    expected_ml: float
    removed_ml: float
    difference_ml: float  # removed − expected: negative means less came out than expected
    threshold_ml: float
    flagged: bool
    message: str


def discrepancy_threshold_ml(delivered_since_refill_ml: float, accuracy_percent: float) -> float:
    """The larger of 2 mL and the pump's accuracy applied to what it delivered since the last refill."""
    return max(DISCREPANCY_MIN_ML, accuracy_percent / 100.0 * delivered_since_refill_ml)


def discrepancy(
    expected_ml: float, removed_ml: float, delivered_since_refill_ml: float, accuracy_percent: float
) -> Discrepancy:
    """Flag a difference beyond max(2 mL, accuracy % × volume delivered since the last refill)."""
    _check_volume("expected volume", expected_ml)
    _check_volume("volume removed", removed_ml)
    _check_volume("volume delivered since the last refill", delivered_since_refill_ml)
    if not 0 < accuracy_percent < 100:
        raise RefillError(f"pump accuracy must be between 0 and 100 %, not {format_number(accuracy_percent)} %")
    difference = removed_ml - expected_ml
    threshold = discrepancy_threshold_ml(delivered_since_refill_ml, accuracy_percent)
    flagged = abs(difference) > threshold + _EPSILON_ML
    numbers = f"removed {ml_text(removed_ml)}, expected {ml_text(expected_ml)}, limit {ml_text(threshold)}"
    if not flagged:
        message = f"within {ml_text(abs(difference))} of expected (limit {ml_text(threshold)})"
    elif difference < 0:
        # Less came out than expected: more went into the patient than programmed.
        message = (
            f"{ml_text(-difference)} less than expected — possible over-infusion; investigate before refilling "
            f"({numbers})"
        )
    else:
        message = (
            f"{ml_text(difference)} more than expected — possible under-infusion (catheter or pump problem); "
            f"investigate ({numbers})"
        )
    return Discrepancy(expected_ml, removed_ml, difference, threshold, flagged, message)


class FillResult(Struct, frozen=True):
    """The reservoir after a refill. It was emptied first, so it now holds what was added."""

    capacity_ml: float
    added_ml: float
    syringe_prepared_ml: float | None
    new_reservoir_ml: float
    pocket_fill_suspected: bool
    message: str

    @property
    def flagged(self) -> bool:
        """Flagged as a discrepancy is: it waits for what the nurse found and did."""
        return self.pocket_fill_suspected


def fill(capacity_ml: float, added_ml: float, syringe_prepared_ml: float | None = None) -> FillResult:
    """Fill an emptied reservoir with `added_ml`, refusing an overfill.

    When the syringe volume prepared is given and the volume that went in differs from it by
    more than 0.5 mL (SYRINGE_TOLERANCE_ML), the fill is flagged as a possible pocket fill:
    drug injected under the skin instead of into the reservoir has killed patients.
    """
    _check_volume("reservoir capacity", capacity_ml, allow_zero=False)
    _check_volume("volume added", added_ml, allow_zero=False)
    if syringe_prepared_ml is not None:
        _check_volume("syringe volume prepared", syringe_prepared_ml, allow_zero=False)
    if added_ml > capacity_ml + _EPSILON_ML:
        raise RefillError(
            f"{ml_text(added_ml)} would overfill the {ml_text(capacity_ml)} reservoir: "
            f"add at most {ml_text(capacity_ml)}"
        )
    suspected = (
        syringe_prepared_ml is not None and abs(added_ml - syringe_prepared_ml) > SYRINGE_TOLERANCE_ML + _EPSILON_ML
    )
    if suspected:
        message = (
            f"possible pocket fill: the volume that went in ({ml_text(added_ml)}) is not what was prepared "
            f"({ml_text(syringe_prepared_ml)}) — stop and check the needle position"
        )
    else:
        message = f"reservoir filled with {ml_text(added_ml)} of {ml_text(capacity_ml)}"
    return FillResult(capacity_ml, added_ml, syringe_prepared_ml, added_ml, suspected, message)
