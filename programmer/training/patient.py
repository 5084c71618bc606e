"""The patient: how they respond to the drug that really reaches them, from the recording's deliveries alone.

The scenario's patient model is data: a score (pain or spasticity, 0–10) against the dose that
reached the spine over the last 24 h, overdose signs above a threshold (or after drug went under
the skin), withdrawal signs after hours without drug. Doses are in the drug's unit (mg or mcg);
a delivery is taken as spread evenly over its interval. A model may look at a shorter window
(`window_hours`, e.g. the 2 h between a trial's steps): the dose over it, as a dose per day, then
stands for the 24 h dose.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from datetime import datetime, timedelta

from msgspec import Struct

from programmer.training.recording import Delivered, PumpRead
from programmer.training.scenario import PatientModel
from programmer.wording import days_text, format_number, ml_text, moment_text

_DAY = timedelta(days=1)
_HOUR = timedelta(hours=1)


class PatientState(Struct, frozen=True):
    at: datetime  # pump time
    measure: str  # pain or spasticity
    score: float  # 0 (none) to 10 (worst)
    dose_24h: float  # reached the spine over the last 24 h, in `unit` (over a shorter window: per day over it)
    unit: str
    overdose: bool
    withdrawal: bool
    signs: tuple[str, ...]
    hours_without_drug: float  # since drug last reached the spine (inf: never in the recording)
    window_hours: float = 24.0  # the window the dose was taken over

    def describe(self) -> str:
        """'pain 3/10 (1.5 mg reached the spine in the last 24 h); drowsy, slow breathing'."""
        if self.window_hours == 24:
            dose = f"{format_number(self.dose_24h)} {self.unit} reached the spine in the last 24 h"
        else:
            dose = (f"{format_number(self.dose_24h)} {self.unit}/day reached the spine over the last "
                    f"{format_number(self.window_hours)} h")
        text = f"{self.measure} {format_number(round(self.score))}/10 ({dose})"
        return text + (f"; {', '.join(self.signs)}" if self.signs else "; no overdose or withdrawal signs")


def _overlap(delivery: Delivered, start: datetime, end: datetime) -> float:
    """The share of `delivery` that falls in [start, end]."""
    if delivery.end <= delivery.start:
        return 1.0 if start <= delivery.end <= end else 0.0
    inside = min(delivery.end, end) - max(delivery.start, start)
    return max(0.0, inside / (delivery.end - delivery.start))


def last_reached(deliveries: Sequence[Delivered]) -> datetime | None:
    """When drug last reached the spine: the end of the last delivery, or the moment its reservoir ran dry."""
    for delivery in reversed(deliveries):
        if delivery.spine_dose > 0:  # fluid pushed out of an unprimed catheter carries no drug
            if delivery.spine_ml >= delivery.pump_ml - 1e-9:
                return delivery.end
            return delivery.start + (delivery.end - delivery.start) * (delivery.spine_ml / delivery.pump_ml)
    return None


def score_for(model: PatientModel, dose_per_day: float) -> float:
    """The score at a steady daily dose: straight lines between the model's points, flat beyond them."""
    points = model.score
    if dose_per_day <= points[0][0]:
        return points[0][1]
    for (low_dose, low_score), (high_dose, high_score) in itertools.pairwise(points):
        if dose_per_day <= high_dose:
            share = (dose_per_day - low_dose) / (high_dose - low_dose)
            return low_score + share * (high_score - low_score)
    return points[-1][1]


def patient_state(model: PatientModel, deliveries: Sequence[Delivered], at: datetime) -> PatientState:
    window = timedelta(hours=model.window_hours)
    dose = sum(d.spine_dose * _overlap(d, at - window, at) for d in deliveries if d.start <= at) * (_DAY / window)
    signs: list[str] = []
    overdose = False
    if model.overdose is not None:
        limits = model.overdose
        window = at - timedelta(hours=limits.pocket_hours)
        pocket = sum(d.pocket_dose for d in deliveries if window <= d.end <= at)
        overdose = (limits.above_per_day is not None and dose > limits.above_per_day) or (
            limits.pocket_above is not None and pocket > limits.pocket_above
        )
        signs += limits.signs if overdose else []
    last = last_reached(deliveries)
    hours = math.inf if last is None else max(0.0, (at - last) / _HOUR)
    withdrawal = model.withdrawal is not None and hours >= model.withdrawal.after_hours
    signs += model.withdrawal.signs if withdrawal else []
    return PatientState(at, model.measure, score_for(model, dose), dose, model.unit.value, overdose, withdrawal,
                        tuple(signs), hours, model.window_hours)


def consequences(model: PatientModel, deliveries: Sequence[Delivered], last: PumpRead | None) -> list[str]:
    """What the attempt leaves the patient with, in words and numbers: the debrief's consequences."""
    said = []
    for delivery in deliveries:
        if delivery.pocket_dose > 0:
            said.append(f"{format_number(delivery.pocket_dose)} {delivery.unit} went under the skin at "
                        f"{moment_text(delivery.end)} (a pocket fill), not into the reservoir")
    if last is None:
        return said
    state = patient_state(model, deliveries, last.clock)
    said.append(f"at {moment_text(last.clock)} the patient has {state.describe()}")
    true_ml = deliveries[-1].true_reservoir_ml if deliveries else last.reservoir_ml
    after = model.withdrawal.after_hours if model.withdrawal else None
    if last.mode == "stopped" or last.held_since is not None:
        since = last.stopped_since or last.held_since or last.clock
        text = f"the pump is stopped since {moment_text(since)}: no drug reaches the patient"
        if last.mode != "stopped":
            text = (f"the pump's delivery is held since the MRI scan of {moment_text(since)}: no drug reaches the "
                    "patient until it is interrogated")
        if after is not None:
            text += f"; withdrawal signs from {moment_text(since + timedelta(hours=after))}"
        said.append(text)
    elif abs(true_ml - last.reservoir_ml) > 0.5:
        said.append(f"the reservoir really holds {ml_text(true_ml)}; the pump counts {ml_text(last.reservoir_ml)}")
        if true_ml < last.reservoir_ml and last.daily_ml > 0:
            dry = last.clock + _DAY * (true_ml / last.daily_ml)
            text = f"it runs dry on {moment_text(dry)}"
            if last.alarm_date is not None and last.alarm_date > dry:
                text += f", {days_text((last.alarm_date - dry) / _DAY)} before its low-reservoir alarm date"
            text += " and with no alarm (its alarms are calculated from what it counts, not measured)"
            if after is not None:
                text += f"; withdrawal signs from {moment_text(dry + timedelta(hours=after))}"
            said.append(text)
    return said
