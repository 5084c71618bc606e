"""The demo pump: a PX-20 with morphine, 18 months after implant, as shipped in resources/demo_pump.json.

Regenerate the resource with `python -m programmer.pump.demo` (it writes the pump as
its clock reads DEMO_CLOCK). The history is consistent: each refill's expected volume
is what the programmed doses delivered since the fill before.
"""

from __future__ import annotations

import sys
from datetime import date, datetime, timedelta
from pathlib import Path

from programmer.pump.firmware import bolus_finished, bolus_programmed, programming_text, refill_text
from programmer.pump.log import (
    EMPTY_RECORD,
    ImplantDetails,
    ProgrammingDetails,
    RefillDetails,
)
from programmer.pump.memory import Catheter, Event, EventKind, PumpMemory
from programmer.pump.version_1 import dumps
from programmer.resources import resource_path
from programmer.therapy.bolus import PtmSettings, fluid_path_volume_ml
from programmer.therapy.delivery import delivered_ml
from programmer.therapy.prescription import Bolus, BolusKind, InfusionMode, Prescription
from programmer.therapy.pump_models import pump_models
from programmer.therapy.units import Concentration, Dose, DoseRate, DrugUnit
from programmer.wording import moment_text

DEMO_CLOCK = datetime(2026, 11, 21, 9, 0)
MODEL = "PX-20"
SERIAL = "PX20-DEMO-0001"
IMPLANT_AT = datetime(2025, 5, 12, 10, 30)
CATHETER = Catheter(length_cm=110.0, trimmed_cm=12.0, tip_location="T10")
MORPHINE = Concentration(10.0, DrugUnit.MG)
FILL_ML = 20.0
LOW_ALARM_ML = 2.0
FIRST_REFILL_AT = datetime(2026, 4, 20, 9, 30)
LAST_REFILL_AT = datetime(2026, 11, 1, 8, 0)
PTM_ENABLED_AT = datetime(2026, 7, 20, 10, 0)
ERI_AT = datetime(2032, 5, 12, 0, 0)
PTM = PtmSettings(
    dose_per_bolus=Dose(0.1, DrugUnit.MG), duration=timedelta(minutes=10), max_per_24h=4, lockout=timedelta(hours=3)
)
# (programmed at, daily dose in mg/day): a slow titration from 0.4 to 1.5 mg/day, never more than +50 % a step.
DOSE_HISTORY = (
    (datetime(2025, 5, 12, 10, 40), 0.4),
    (datetime(2025, 5, 26, 10, 0), 0.5),
    (PTM_ENABLED_AT, 0.75),
    (datetime(2026, 9, 14, 10, 0), 1.0),
    (LAST_REFILL_AT, 1.5),
)
# Volumes a nurse drew back at each refill: a little under expected, the patient's PTM boluses and pump accuracy.
REMOVED_ML = {FIRST_REFILL_AT: 2.4, LAST_REFILL_AT: 6.2}
PRIMING_DURATION = timedelta(minutes=30)


def _prescription(mg_per_day: float) -> Prescription:
    return Prescription.simple_continuous("morphine", MORPHINE, DoseRate(mg_per_day, DrugUnit.MG))


def _delivered_between(start: datetime, end: datetime) -> float:
    """Volume the dose history delivered from start to end (boluses apart)."""
    total = 0.0
    ends = [at for at, _ in DOSE_HISTORY[1:]] + [datetime.max]
    for (at, mg_per_day), until in zip(DOSE_HISTORY, ends, strict=True):
        piece_start, piece_end = max(start, at), min(end, until)
        if piece_start < piece_end:
            total += delivered_ml(_prescription(mg_per_day), piece_start, piece_end)
    return total


def priming_volume_ml() -> float:
    """Pump tubing plus the implanted catheter: what the priming bolus fills before drug reaches the tip, as the
    Boluses tab works it out for this pump."""
    return fluid_path_volume_ml(pump_models()[MODEL], CATHETER.length_cm, CATHETER.trimmed_cm)


def priming() -> Bolus:
    """The priming bolus given with the first program after the implant."""
    start = DOSE_HISTORY[0][0]
    volume_ml = priming_volume_ml()
    return Bolus(BolusKind.PRIMING, start, PRIMING_DURATION, volume_ml, MORPHINE.dose_in(volume_ml))


def _reservoir_at(at: datetime) -> float:
    """What the history leaves in the reservoir at `at`: the last fill less what went out since (the priming
    volume once that bolus has run), as the firmware logs it at each event that sets the delivery."""
    fills = ((IMPLANT_AT, FILL_ML), (FIRST_REFILL_AT, FILL_ML), (LAST_REFILL_AT, FILL_ML))
    fill_at, fill_ml = max(fill for fill in fills if fill[0] <= at)
    volume_ml = fill_ml - _delivered_between(fill_at, at)
    if fill_at == IMPLANT_AT and at >= priming().end:
        volume_ml -= priming_volume_ml()
    return volume_ml


def low_alarm_reached_at() -> datetime:
    """When the demo's reservoir, filled at the last refill, reaches the low-reservoir alarm volume."""
    days = (FILL_ML - LOW_ALARM_ML) / _prescription(1.5).nominal_daily_volume_ml
    return LAST_REFILL_AT + timedelta(days=days)


def _refill_event(at: datetime, filled_at: datetime, filled_ml: float) -> Event:
    expected = round(filled_ml - _delivered_between(filled_at, at), 2)
    removed = REMOVED_ML[at]
    return Event(
        at,
        EventKind.REFILL,
        refill_text(expected, removed, FILL_ML, "morphine", MORPHINE),
        RefillDetails(
            expected_ml=expected,
            removed_ml=removed,
            added_ml=FILL_ML,
            discrepancy_ml=round(removed - expected, 2),  # the demo's volumes are in hundredths of a mL
            record=None,
            reservoir_ml=FILL_ML,
        ),
    )


def _programming_event(at: datetime, old_mg: float | None, new_mg: float, extra: str = "") -> Event:
    new = DoseRate(new_mg, DrugUnit.MG)
    text = programming_text(None if old_mg is None else _prescription(old_mg), _prescription(new_mg))
    # As the firmware records it: the dose history the titration rules read back, and the anchor.
    details = ProgrammingDetails(
        old=None if old_mg is None else _prescription(old_mg).describe(),  # what the implant set is not logged
        new=_prescription(new_mg).describe(),
        daily_dose_per_day=new.per_day,
        unit=new.unit,
        concentration_per_ml=MORPHINE.per_ml,
        low_alarm_ml=LOW_ALARM_ML,
        record=EMPTY_RECORD,
        reservoir_ml=_reservoir_at(at),
    )
    return Event(at, EventKind.PROGRAMMING, text + extra, details)


def demo_events() -> tuple[Event, ...]:
    priming_ml = priming_volume_ml()
    bolus = priming()
    (start_at, start_mg), *changes = DOSE_HISTORY
    events = [
        Event(
            IMPLANT_AT,
            EventKind.IMPLANT,
            f"Implanted {MODEL}; catheter 110 cm trimmed 12 cm, tip T10; filled {FILL_ML:g} mL morphine 10 mg/mL",
            ImplantDetails(
                model=MODEL,
                serial=SERIAL,
                reservoir_ml=FILL_ML,
                daily_dose_per_day=None,  # the story starts with the first program, ten minutes later
                unit=MORPHINE.unit,
                concentration_per_ml=MORPHINE.per_ml,
                catheter_length_cm=CATHETER.length_cm,
                trimmed_cm=CATHETER.trimmed_cm,
                tip_location=CATHETER.tip_location,
                record=EMPTY_RECORD,
            ),
        ),
        bolus_programmed(bolus, start_at),
        _programming_event(start_at, None, start_mg),
        bolus_finished(bolus, InfusionMode.SIMPLE_CONTINUOUS, True, bolus.end, _reservoir_at(bolus.end)),
        # The priming bolus took its volume out of the first fill.
        _refill_event(FIRST_REFILL_AT, IMPLANT_AT, FILL_ML - priming_ml),
        _refill_event(LAST_REFILL_AT, FIRST_REFILL_AT, FILL_ML),
    ]
    previous_mg = start_mg
    for at, mg_per_day in changes:
        extra = "; PTM enabled: 0.1 mg over 10 min, max 4 per 24 h, lockout 3 h" if at == PTM_ENABLED_AT else ""
        events.append(_programming_event(at, previous_mg, mg_per_day, extra))
        previous_mg = mg_per_day
    # Stable sort: at the last refill the refill is logged before the new dose programmed in the same session.
    return tuple(sorted(events, key=lambda event: event.at))


def demo_pump(now: datetime) -> PumpMemory:
    """The demo pump with its clock at `now`, the reservoir emptied by what the pump delivered since the refill."""
    if not LAST_REFILL_AT <= now <= low_alarm_reached_at():
        raise ValueError(
            f"the demo pump's clock must lie between its last refill ({moment_text(LAST_REFILL_AT)}) and its "
            f"low-reservoir alarm ({moment_text(low_alarm_reached_at())}), not {moment_text(now)}"
        )
    prescription = _prescription(1.5)
    return PumpMemory(
        model_name=MODEL,
        serial=SERIAL,
        implant_date=date(2025, 5, 12),
        patient_id="DEMO-0001",
        catheter=CATHETER,
        prescription=prescription,
        prescription_entered_at=LAST_REFILL_AT,
        reservoir_ml=FILL_ML - delivered_ml(prescription, LAST_REFILL_AT, now),
        last_refill_at=LAST_REFILL_AT,
        last_refill_ml=FILL_ML,
        low_alarm_ml=LOW_ALARM_ML,
        eri_at=ERI_AT,
        clock=now,
        ptm=PTM,
        events=demo_events(),
    )


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    target = Path(args[0]) if args else resource_path("demo_pump.json")
    target.write_text(dumps(demo_pump(DEMO_CLOCK), str(target)), encoding="utf-8")
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
