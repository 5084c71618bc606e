"""Boluses: catheter and priming volumes, bridge bolus after a concentration change, clinician and patient boluses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from programmer.therapy.units import Dose


@dataclass(frozen=True)
class PtmSettings:
    """Patient therapy manager: the patient's own boluses, within these limits."""

    dose_per_bolus: Dose
    duration: timedelta
    max_per_24h: int
    lockout: timedelta
