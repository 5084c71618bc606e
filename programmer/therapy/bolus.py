"""Boluses: catheter and priming volumes, bridge bolus after a concentration change, clinician and patient boluses.

Every bolus is a volume pushed through at a flow the pump can run. The pump model
gives the flow range, the volume of its own tubing and the catheter's volume per cm,
so nothing here is a device constant.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime, timedelta

from msgspec import Struct

from programmer.errors import ProgrammerError
from programmer.therapy.prescription import Bolus, BolusKind
from programmer.therapy.pump_models import PumpModel
from programmer.therapy.units import Concentration, Dose, DoseRate
from programmer.wording import TitledEnum, duration_text, format_number, ml_text, moment_text

SECONDS_PER_DAY = 86400.0
DAY = timedelta(days=1)


class BolusError(ProgrammerError, ValueError):
    """A bolus that cannot or must not be given; the message says why, with the numbers."""


class PtmSettings(Struct, frozen=True):
    """Patient therapy manager: the patient's own boluses, within these limits.

    The lockout runs from the end of one bolus to the start of the next (the rule this
    emulator's PTM follows), so consecutive boluses are at least duration + lockout apart.
    """

    dose_per_bolus: Dose
    duration: timedelta
    max_per_24h: int
    lockout: timedelta

    def __post_init__(self) -> None:
        if self.dose_per_bolus.amount <= 0:
            raise BolusError(f"a patient bolus needs a dose above zero, not {self.dose_per_bolus}")
        if self.duration <= timedelta(0):
            raise BolusError("a patient bolus needs a duration above zero")
        if self.max_per_24h < 0:
            raise BolusError(f"the number of boluses per 24 h cannot be negative ({self.max_per_24h})")
        if self.lockout < timedelta(0):
            raise BolusError("the lockout interval cannot be negative")

    def __str__(self) -> str:
        """'0.1 mg over 10 min, at most 4 per 24 h, lockout 3 h'."""
        return (
            f"{self.dose_per_bolus} over {duration_text(self.duration)}, at most {self.max_per_24h} per 24 h, "
            f"lockout {duration_text(self.lockout)}"
        )

    @property
    def boluses_allowed_per_24h(self) -> int:
        """The most boluses a patient can really get in 24 h: the prescribed maximum, or fewer if the lockout says so.

        Back to back, boluses start every (duration + lockout), so at most floor(24 h / that) fit in
        a day, and at least one (a patient can always take the first). Erring high is the safe side:
        the worst case moves the projected refill date earlier, never later.
        """
        if self.max_per_24h == 0:
            return 0
        cycle = self.duration + self.lockout
        return min(self.max_per_24h, max(1, math.floor(DAY / cycle)))

    def volume_per_bolus_ml(self, concentration: Concentration) -> float:
        return concentration.volume_ml(self.dose_per_bolus)


class PatientBolusLimit(TitledEnum):
    """What holds the next patient bolus back."""

    NONE_ALLOWED = "none_allowed", "no patient boluses allowed"
    LOCKOUT = "lockout", "lockout"
    DAILY_MAXIMUM = "daily_maximum", "maximum per 24 h"


class PatientBolusAllowance(Struct, frozen=True):
    """Whether a patient bolus may start at `now`; if not, what holds it back and the first moment it may.

    The one rule for patient boluses (`patient_bolus_allowance`): the pump's firmware refuses by it,
    and the patient's handheld says by it, before anything is asked, when the next bolus is allowed.
    """

    ptm: PtmSettings
    now: datetime
    used_24h: int  # patient boluses started in the 24 h up to `now`
    next_at: datetime | None  # the first moment a bolus is allowed (`now` when it is); None: never
    limit: PatientBolusLimit | None  # None: allowed now

    @property
    def allowed(self) -> bool:
        return self.limit is None

    @property
    def used_text(self) -> str:
        """'1 of 4 used in the last 24 h'."""
        return f"{self.used_24h} of {self.ptm.max_per_24h} used in the last 24 h"

    def text(self) -> str:
        """Why (not) now, with the moment and the time left: 'lockout of 3 h after each bolus: the next is …'."""
        if self.limit is None:
            return f"a patient bolus is allowed now ({self.used_text})"
        if self.limit is PatientBolusLimit.NONE_ALLOWED:
            return "no patient boluses are allowed: the PTM is set to at most 0 per 24 h"
        if self.limit is PatientBolusLimit.LOCKOUT:
            why = f"lockout of {duration_text(self.ptm.lockout)} after each bolus"
        else:
            why = f"the maximum of {self.ptm.max_per_24h} boluses per 24 h is used"
        return f"{why}: the next is allowed at {moment_text(self.next_at)}, in {self.wait_text}"

    @property
    def wait_text(self) -> str:
        """'2 h 50 min': the time until the next bolus is allowed (rounded up); '' when never or now."""
        if self.next_at is None or self.next_at <= self.now:
            return ""
        return duration_text(self.next_at - self.now)


def patient_bolus_allowance(ptm: PtmSettings, starts: Iterable[datetime], now: datetime) -> PatientBolusAllowance:
    """May a patient bolus start at `now`, after patient boluses started at `starts`?

    - lockout: from the end of the last bolus (its start + the bolus duration), for `ptm.lockout`;
    - at most `ptm.max_per_24h` boluses started in any 24 h: counted over the 24 h up to `now`, so once
      the maximum is used the next is allowed 24 h after the oldest of those boluses started.
    A bolus logged twice (sent again with a program) has one start: it counts once.
    """
    earlier = sorted({start for start in starts if start <= now})
    used = [start for start in earlier if start > now - DAY]
    if ptm.max_per_24h == 0:
        return PatientBolusAllowance(ptm, now, len(used), None, PatientBolusLimit.NONE_ALLOWED)
    held: list[tuple[datetime, PatientBolusLimit]] = []
    if earlier and (lockout_end := earlier[-1] + ptm.duration + ptm.lockout) > now:
        held.append((lockout_end, PatientBolusLimit.LOCKOUT))
    if len(used) >= ptm.max_per_24h:
        held.append((used[-ptm.max_per_24h] + DAY, PatientBolusLimit.DAILY_MAXIMUM))
    if not held:
        return PatientBolusAllowance(ptm, now, len(used), now, None)
    next_at, limit = max(held, key=lambda item: item[0])
    return PatientBolusAllowance(ptm, now, len(used), next_at, limit)


def patient_bolus(ptm: PtmSettings, concentration: Concentration, start: datetime) -> Bolus:
    """The bolus a press on the PTM gives: the prescribed dose over the prescribed duration, from `start`."""
    return Bolus(BolusKind.PATIENT, start, ptm.duration, ptm.volume_per_bolus_ml(concentration), ptm.dose_per_bolus)


def worst_case_patient_bolus_ml_per_day(ptm: PtmSettings, concentration: Concentration) -> float:
    """Extra volume per day if the patient uses every bolus the PTM allows (see `boluses_allowed_per_24h`)."""
    return ptm.boluses_allowed_per_24h * ptm.volume_per_bolus_ml(concentration)


def catheter_problem(model: PumpModel, length_cm: float, trimmed_cm: float) -> str | None:
    """Why these are not the lengths of a catheter of `model`, or None: the one catheter rule.

    A catheter comes with the pump at the model's length and is only ever trimmed at implant, so a
    longer one (a slip: 1,100 cm for 110) would prime far more drug than the catheter holds.
    """
    longest = model.catheter_length_cm
    if not 0 < length_cm <= longest:  # NaN too
        return (
            f"catheter length {format_number(length_cm)} cm is outside 0–{format_number(longest)} cm: the "
            f"{model.name}'s catheter is {format_number(longest)} cm long as supplied and is only ever trimmed"
        )
    if not 0 <= trimmed_cm < length_cm:
        return (
            f"trimmed length {format_number(trimmed_cm)} cm must be from 0 up to less than the catheter's "
            f"{format_number(length_cm)} cm: check both lengths"
        )
    return None


def catheter_volume_ml(model: PumpModel, length_cm: float, trimmed_cm: float) -> float:
    """Implanted catheter volume = (length − trimmed length) × the model's catheter volume per cm."""
    if problem := catheter_problem(model, length_cm, trimmed_cm):
        raise BolusError(problem)
    return (length_cm - trimmed_cm) * model.catheter_ml_per_cm


def fluid_path_volume_ml(model: PumpModel, length_cm: float, trimmed_cm: float) -> float:
    """Pump tubing + implanted catheter: the fluid between the reservoir and the catheter tip."""
    return model.pump_tubing_volume_ml + catheter_volume_ml(model, length_cm, trimmed_cm)


def _duration(volume_ml: float, ml_per_day: float) -> timedelta:
    return timedelta(seconds=volume_ml / ml_per_day * SECONDS_PER_DAY)


def _check_flow(model: PumpModel, ml_per_day: float, what: str, concentration: Concentration) -> None:
    """Refuse a flow the model cannot run, with the model's own words for its limit."""
    problem = model.flow_problem(ml_per_day, concentration)
    if problem:
        raise BolusError(f"{what}: {problem}")


class PrimingPath(TitledEnum):
    """What a priming bolus fills, as a clinician programmer offers it."""

    # A new implant: pump tubing and catheter are both empty.
    TUBING_AND_CATHETER = "tubing_and_catheter", "pump tubing and catheter"
    # A catheter revision: the pump's tubing is still full of drug.
    CATHETER_ONLY = "catheter_only", "catheter only"


def priming_volume_ml(model: PumpModel, length_cm: float, trimmed_cm: float, path: PrimingPath) -> float:
    """The implanted catheter, and the pump tubing before it unless only the catheter is primed."""
    if path is PrimingPath.CATHETER_ONLY:
        return catheter_volume_ml(model, length_cm, trimmed_cm)
    return fluid_path_volume_ml(model, length_cm, trimmed_cm)


def priming_bolus(
    model: PumpModel,
    length_cm: float,
    trimmed_cm: float,
    concentration: Concentration,
    start: datetime,
    ml_per_day: float | None = None,
    *,
    path: PrimingPath = PrimingPath.TUBING_AND_CATHETER,
) -> Bolus:
    """Fill what `path` says is empty (after implant: tubing and catheter; after revision: the catheter).

    Runs at the model's maximum flow unless a flow is given, so the continuous rate starts
    with drug already at the tip. The dose is the drug the priming volume carries: priming
    tubing that is already full pushes its drug into the patient.
    """
    volume_ml = priming_volume_ml(model, length_cm, trimmed_cm, path)
    flow = model.flow_max_ml_per_day if ml_per_day is None else ml_per_day
    _check_flow(model, flow, f"a priming bolus of {ml_text(volume_ml)}", concentration)
    return Bolus(BolusKind.PRIMING, start, _duration(volume_ml, flow), volume_ml, concentration.dose_in(volume_ml))


def bridge_bolus(
    model: PumpModel,
    length_cm: float,
    trimmed_cm: float,
    old_concentration: Concentration,
    new_daily_dose: DoseRate,
    start: datetime,
) -> Bolus:
    """Push the old-concentration fluid in tubing and catheter through at the new daily dose.

    That fluid still holds the old concentration, so its flow is the one that gives the
    prescribed daily dose *in the old concentration*; when it has gone through, the new
    concentration reaches the tip on schedule and the pump's new rate takes over.
    """
    if new_daily_dose.per_day <= 0:
        raise BolusError(f"a bridge bolus needs a daily dose above zero, not {new_daily_dose}")
    # Same drug, maybe in the other unit: convert explicitly rather than refuse.
    dose = new_daily_dose.to(old_concentration.unit)
    volume_ml = fluid_path_volume_ml(model, length_cm, trimmed_cm)
    flow = old_concentration.ml_per_day(dose)
    what = f"a bridge bolus of {ml_text(volume_ml)} at {dose} in the old {old_concentration}"
    _check_flow(model, flow, what, old_concentration)
    return Bolus(BolusKind.BRIDGE, start, _duration(volume_ml, flow), volume_ml, old_concentration.dose_in(volume_ml))


def clinician_bolus(
    dose: Dose, duration: timedelta, concentration: Concentration, start: datetime, model: PumpModel
) -> Bolus:
    """A dose given over `duration`; the volume follows from the concentration."""
    if dose.amount <= 0:
        raise BolusError(f"a bolus needs a dose above zero, not {dose}")
    if duration <= timedelta(0):
        raise BolusError("a bolus needs a duration above zero")
    volume_ml = concentration.volume_ml(dose)
    flow = volume_ml / (duration.total_seconds() / SECONDS_PER_DAY)
    what = f"a bolus of {dose} over {duration_text(duration)} ({ml_text(volume_ml)} of {concentration})"
    _check_flow(model, flow, what, concentration)
    return Bolus(BolusKind.CLINICIAN, start, duration, volume_ml, dose)
