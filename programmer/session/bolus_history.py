"""What the pump's boluses did: the one running now (progress), one cancelled, and each one in the log.

Read from the pump's clock, the bolus it holds and its log's structured details, so
progress moves exactly as simulated time does and nothing parses event text. A part
delivered so far reads to three significant digits, rounded down (`part_text`): one
rule for the progress, a cancel, the history and the report.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import ROUND_DOWN, Decimal

from msgspec import Struct

from programmer.pump.log import BolusDetails, BolusPhase, EventKind
from programmer.pump.memory import PumpMemory
from programmer.therapy.prescription import Bolus, BolusKind, InfusionMode, Prescription
from programmer.therapy.units import Dose
from programmer.wording import duration_text, format_number, ml_number, ml_text, moment_text

PART_DIGITS = 3


def part_text(part: float, whole: float, written: Callable[[float], str] = format_number) -> str:
    """`part` of `whole` to three significant digits, rounded down: '0.00313' (of 0.5148), never '0.003125'.

    Rounded down, a part under way never reads as more than went in, nor as the whole before it all has;
    the whole itself reads as `whole` is written everywhere else (`written`: ml_number for a volume).
    """
    if part >= whole:
        return written(whole)
    if part <= 0:
        return "0"
    exact = Decimal(repr(float(part)))
    step = Decimal(1).scaleb(exact.adjusted() - (PART_DIGITS - 1))
    return format_number(float(exact.quantize(step, rounding=ROUND_DOWN)))


def delivered_text(delivered_ml: float, volume_ml: float, delivered: Dose, dose: Dose) -> str:
    """'0.00313 of 0.515 mL (0.0313 of 5.148 mg)': a part of a bolus, volume and drug."""
    return (
        f"{part_text(delivered_ml, volume_ml, ml_number)} of {ml_text(volume_ml)} "
        f"({part_text(delivered.amount, dose.amount)} of {dose})"
    )


def afterwards_text(prescription: Prescription) -> str:
    """What the pump runs once the bolus is over, as a nurse says it: 'simple continuous 1.5 mg/day resumes'."""
    after = prescription.after_bolus()
    if after.mode is InfusionMode.STOPPED:
        return "the pump stops: no drug until it is reprogrammed"
    if after.mode is InfusionMode.FLEX:
        return f"the flexible schedule resumes ({after.nominal_daily_dose} on average)"
    return f"{after.mode.title.lower()} {after.daily_dose} resumes"


def then_text(prescription: Prescription) -> str:
    """'then simple continuous 1.5 mg/day resumes'."""
    return f"then {afterwards_text(prescription)}"


class BolusProgress(Struct, frozen=True):
    """How far `bolus` has got at the pump's clock `now`. A bolus runs evenly, so volume follows time."""

    bolus: Bolus
    now: datetime
    afterwards: str  # what the pump runs once the bolus is over, in words (afterwards_text)

    @property
    def then(self) -> str:
        return f"then {self.afterwards}"

    @property
    def fraction(self) -> float:
        """0 before the start, 1 at the end."""
        elapsed = min(max(self.now - self.bolus.start, timedelta(0)), self.bolus.duration)
        return elapsed / self.bolus.duration

    @property
    def delivered_ml(self) -> float:
        return self.bolus.volume_ml * self.fraction

    @property
    def delivered_dose(self) -> Dose:
        return self.bolus.dose * self.fraction

    @property
    def remaining(self) -> timedelta:
        return max(self.bolus.end - max(self.now, self.bolus.start), timedelta(0))

    @property
    def started(self) -> bool:
        return self.now >= self.bolus.start

    @property
    def title(self) -> str:
        return self.bolus.kind.title

    def delivered_text(self) -> str:
        """'0.25 of 0.5 mL (2.5 of 5 mg)'."""
        return delivered_text(self.delivered_ml, self.bolus.volume_ml, self.delivered_dose, self.bolus.dose)

    def remaining_text(self) -> str:
        if not self.started:
            return f"starts {moment_text(self.bolus.start)}, runs {duration_text(self.bolus.duration)}"
        return f"{duration_text(self.remaining)} left, ends {moment_text(self.bolus.end)}"


def bolus_progress(memory: PumpMemory) -> BolusProgress | None:
    """The bolus the pump runs at its clock, or None when it runs none."""
    bolus = memory.prescription.bolus
    return BolusProgress(bolus, memory.clock, afterwards_text(memory.prescription)) if bolus is not None else None


class CancelledBolus(Struct, frozen=True):
    """What a cancel stopped, as the pump logged it."""

    kind: BolusKind
    at: datetime
    volume_ml: float
    delivered_ml: float
    delivered_dose: Dose
    dose: Dose
    reservoir_ml: float  # in the reservoir right after the cancel
    afterwards: str  # what the pump runs now, in words (afterwards_text)

    def text(self) -> str:
        delivered = part_text(self.delivered_ml, self.volume_ml, ml_number)
        drug = part_text(self.delivered_dose.amount, self.dose.amount)
        return (
            f"{self.kind.title} cancelled at {moment_text(self.at)} after {delivered} mL "
            f"({drug} {self.dose.unit.value}) of {ml_text(self.volume_ml)} ({self.dose}); "
            f"{self.afterwards}"
        )


class BolusEntry(Struct, frozen=True):
    """One bolus from the pump's log: what was programmed and how it ended."""

    at: datetime  # when it was programmed
    kind: BolusKind
    given: str  # '0.5 mL (5 mg) over 1 h 00 min from 2026-11-21 09:00'
    outcome: str  # 'completed 10:00', 'cancelled 09:30 after 0.25 mL (2.5 mg)', 'running: …'
    delivered_ml: float | None  # None while it runs
    cancelled: bool = False
    running: bool = False  # the pump runs it now

    @property
    def title(self) -> str:
        return self.kind.title


def _cancelled_after(details: BolusDetails) -> str:
    """'0.1 mL (1 mg)': what a cancelled bolus had delivered, as a part of the whole bolus the log kept."""

    def part(amount: float, whole: float | None, written: Callable[[float], str] = format_number) -> str:
        return part_text(amount, whole, written) if whole is not None else written(amount)  # an older log: no whole

    text = f"{part(details.delivered_ml, details.volume_ml, ml_number)} mL"
    if details.delivered_amount is not None:
        text += f" ({part(details.delivered_amount, details.dose_amount)} {details.unit.value})"
    return text


def bolus_history(memory: PumpMemory, since: datetime | None = None) -> list[BolusEntry]:
    """The boluses programmed at or after `since` (all when None), each with its ending, from the pump's log.

    The pump holds one bolus at a time: a bolus ends with a 'finished' or 'cancelled' BOLUS event,
    or, without one, when a later program replaced it.
    """
    entries: list[BolusEntry] = []
    programmed: tuple[datetime, BolusDetails] | None = None  # the bolus the pump holds, as it was logged

    def close(outcome: str, delivered_ml: float | None, cancelled: bool = False, running: bool = False) -> None:
        nonlocal programmed
        at, bolus = programmed
        entries.append(BolusEntry(at, bolus.bolus, bolus.summary, outcome, delivered_ml, cancelled, running))
        programmed = None

    if since is None:
        boluses = memory.events.of_kind(EventKind.BOLUS)
    else:  # a visit's boluses: only the end of the log is read
        boluses = [event for event in memory.events.since(since) if event.kind is EventKind.BOLUS]
    for event in boluses:
        details = event.details
        if not isinstance(details, BolusDetails):
            continue
        if details.phase is BolusPhase.PROGRAMMED:
            if programmed is not None:
                close(f"replaced by a new program {moment_text(event.at)}", None)
            programmed = (event.at, details)
        elif programmed is None:
            continue  # it ended a bolus programmed before `since`
        elif details.phase is BolusPhase.CANCELLED:
            after = _cancelled_after(details)
            close(f"cancelled {moment_text(event.at)} after {after}", details.delivered_ml, cancelled=True)
        else:
            volume_ml = programmed[1].volume_ml
            delivered = "" if volume_ml is None else f": {ml_text(volume_ml)} delivered"
            close(f"completed {moment_text(event.at)}{delivered}", volume_ml)
    if programmed is not None:
        running = bolus_progress(memory)
        if running is not None and running.bolus.kind is programmed[1].bolus:
            close(f"running: {running.delivered_text()} delivered, {running.remaining_text()}", None, running=True)
        else:
            close("ended when the pump was reprogrammed", None)
    return entries


def last_priming(memory: PumpMemory) -> datetime | None:
    """When a priming bolus was last programmed (from the log's structured details); None if never."""
    primed = [
        event.at
        for event in memory.events.of_kind(EventKind.BOLUS)
        if isinstance(event.details, BolusDetails)
        and event.details.bolus is BolusKind.PRIMING
        and event.details.phase is BolusPhase.PROGRAMMED
    ]
    return primed[-1] if primed else None
