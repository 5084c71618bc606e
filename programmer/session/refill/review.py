"""The refill's review: the pump as interrogated and as refilled, side by side, and what follows.

Built from the pump as interrogated and the `Program` the refill sends (new prescription, new
reservoir volume, patient bolus settings), so the review shows exactly what the pump will receive.
"""

from __future__ import annotations

from datetime import datetime

from msgspec import Struct
from msgspec.structs import replace

from programmer.pump.firmware import Program
from programmer.pump.log import Acknowledged
from programmer.pump.memory import PumpMemory
from programmer.session.gate import check_program
from programmer.session.plot_data import PlotInputs, plot_data
from programmer.session.refill.bridge import BridgeProposal
from programmer.session.refill.records import bolus_text
from programmer.session.review import Difference, Review, alarm_rows, daily_dose_text, schedule_text
from programmer.session.status import reservoir_dates, reservoir_projection
from programmer.therapy.drugs import DrugLibrary
from programmer.therapy.prescription import Bolus, InfusionMode, Prescription
from programmer.therapy.refill import Discrepancy, FillResult
from programmer.wording import ml_per_day_text, ml_text


class RefillReview(Struct, frozen=True):
    """The review step of the refill: old and new side by side, plus what the refill itself changes."""

    review: Review  # rows, projections and safety findings, as the programming review shows them
    expected_ml: float
    removed_ml: float
    added_ml: float
    new_prescription: Prescription
    bridge_bolus: Bolus | None
    second_check_because: list[str]  # empty when no second check is required
    plot_inputs: PlotInputs
    appointment: datetime | None
    appointment_warning: str | None

    @property
    def second_check_required(self) -> bool:
        return bool(self.second_check_because)

    @property
    def new_alarm_date(self) -> datetime | None:
        return self.review.new_projection.alarm_date


def refilled(memory: PumpMemory, program: Program) -> PumpMemory:
    """The pump as it will be once `program` (a refill) is written."""
    return replace(memory, reservoir_ml=program.reservoir_ml, prescription=program.prescription, ptm=program.ptm)


def refill_plot_inputs(memory: PumpMemory, program: Program) -> PlotInputs:
    """The reservoir plot before and after the refill, with the patient-bolus band when bolus settings stay."""
    after = refilled(memory, program)
    band = None
    if after.ptm is not None:
        band = (
            reservoir_projection(after, with_patient_boluses=False),
            reservoir_projection(after, with_patient_boluses=True),
        )
    return PlotInputs(
        current=reservoir_projection(memory),
        pending=reservoir_projection(after),
        now=memory.clock,
        capacity_ml=memory.model.reservoir_capacity_ml,
        band=band,
        last_refill=(memory.last_refill_at, memory.last_refill_ml),
    )


def appointment_warning(memory: PumpMemory, program: Program, appointment: datetime | None) -> str | None:
    """Why `appointment` comes too late for the refilled pump; None when it does not (or none is booked)."""
    if appointment is None:
        return None
    return plot_data(refill_plot_inputs(memory, program), memory.clock).appointment_warning(appointment)


def second_check_because(old: Prescription, new: Prescription) -> list[str]:
    """Why a second person must check: the drug, concentration or daily dose changes."""
    because = []
    if old.drug.lower() != new.drug.lower():
        because.append(f"drug {old.drug} → {new.drug}")
    if old.concentration != new.concentration:
        because.append(f"concentration {old.concentration} → {new.concentration}")
    if old.nominal_daily_dose != new.nominal_daily_dose:
        because.append(f"daily dose {old.nominal_daily_dose} → {new.nominal_daily_dose}")
    return because


def acknowledgements(
    removed: Discrepancy, fill: FillResult, notes: tuple[str, str], declined: BridgeProposal | None
) -> tuple[Acknowledged, ...]:
    """What the pump's log keeps with the refill: each flagged finding with what the nurse typed for it.

    `notes` are the acknowledgements typed for the discrepancy and for a possible pocket fill.
    """
    removed_note, fill_note = notes
    items = []
    if removed.flagged:
        items.append(Acknowledged("refill_discrepancy", removed.message, removed_note))
    if fill.pocket_fill_suspected:
        items.append(Acknowledged("pocket_fill", fill.message, fill_note))
    if declined is not None:
        items.append(Acknowledged("bridge_declined", declined.without or "bridge bolus declined"))
    return tuple(items)


def _rows(memory: PumpMemory, program: Program, removed_ml: float, inputs: PlotInputs) -> list[Difference]:
    old, new = memory.prescription, program.prescription
    rows = [
        Difference("Drug", old.drug, new.drug),
        Difference("Concentration", str(old.concentration), str(new.concentration)),
        Difference("Mode", old.mode.title, new.mode.title),
        Difference("Daily dose", daily_dose_text(old), daily_dose_text(new)),
    ]
    if InfusionMode.FLEX in (old.mode, new.mode):
        rows.append(Difference("Schedule", schedule_text(old), schedule_text(new)))
    rows += [
        Difference(
            "Daily volume",
            ml_per_day_text(old.nominal_daily_volume_ml),
            ml_per_day_text(new.nominal_daily_volume_ml),
        ),
        Difference(
            "Bolus",
            "none" if old.bolus is None else bolus_text(old.bolus),
            "none" if new.bolus is None else bolus_text(new.bolus),
        ),
        Difference(
            "Reservoir volume",
            f"{ml_text(memory.reservoir_ml)} expected ({ml_text(removed_ml)} removed)",
            f"{ml_text(program.reservoir_ml)} added",
        ),
    ]
    if memory.ptm is not None:
        rows.append(Difference("Patient bolus (PTM)", "on", "on" if program.ptm else "off (new drug)"))
    return [
        *rows,
        Difference("Low-reservoir alarm", ml_text(memory.low_alarm_ml), ml_text(program.low_alarm_ml)),
        # Before: the pump's alarms as they stand; after: none, as the refill clears them.
        *alarm_rows(reservoir_dates(inputs.current, memory.alarms), reservoir_dates(inputs.pending)),
    ]


def refill_review(
    memory: PumpMemory,
    program: Program,
    library: DrugLibrary,
    *,
    removed_ml: float,
    dosed: Prescription,
    appointment: datetime | None,
) -> RefillReview:
    """The review of refilling the pump `memory` describes with `program`; `dosed` is its dose before any bridge."""
    old, new = memory.prescription, program.prescription
    inputs = refill_plot_inputs(memory, program)
    findings = list(check_program(memory, program, library, refill=True).findings)
    rows = _rows(memory, program, removed_ml, inputs)
    # The refill itself is a change: the pump learns its new volume.
    review = Review.comparing(old, new, rows, inputs.current, inputs.pending, findings, has_changes=True)
    return RefillReview(
        review=review,
        expected_ml=memory.reservoir_ml,
        removed_ml=removed_ml,
        added_ml=program.reservoir_ml,
        new_prescription=new,
        bridge_bolus=new.bolus if new.bolus is not None and new.bolus != old.bolus else None,
        second_check_because=second_check_because(old, dosed),
        plot_inputs=inputs,
        appointment=appointment,
        appointment_warning=appointment_warning(memory, program, appointment),
    )
