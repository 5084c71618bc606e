"""A newly implanted pump: model, drug, first prescription, full reservoir, logged as an implant.

The first program goes through the same firmware rules as every later one, so a
factory pump is never something the pump itself would have refused.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from programmer.errors import ProgrammerError
from programmer.therapy.bolus import catheter_problem
from programmer.therapy.drugs import drug_library
from programmer.therapy.prescription import Prescription
from programmer.therapy.pump_models import PumpModel, pump_models
from programmer.therapy.units import Concentration, DoseRate, UnitError
from programmer.wording import ml_text

from .firmware import Program, ProgramRejected, check_clock, program_problems
from .log import EMPTY_RECORD, ImplantDetails, ProgramRecord
from .memory import Catheter, Event, EventKind, PumpMemory

DEFAULT_TIP_LOCATION = "T10"


class UnknownEntry(ProgrammerError, ValueError):
    """A pump model or drug the catalogues do not have; the message lists the ones they do."""
_DAYS_PER_YEAR = 365.25
# A serial's suffix: digits and capitals a nurse cannot misread (no 0/O, 1/I).
_SERIAL_SUFFIX_LETTERS = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
_SERIAL_SUFFIX_LENGTH = 4


def new_serial(model_name: str, now: datetime) -> str:
    """'PX-20-20261121-0900-K7QM': the model, when it was made, and a random suffix.

    A serial is the pump's identity, so two pumps made in the same minute must differ: the
    suffix gives about a million serials per model and minute, and no list of pumps is needed.
    """
    suffix = "".join(secrets.choice(_SERIAL_SUFFIX_LETTERS) for _ in range(_SERIAL_SUFFIX_LENGTH))
    return f"{model_name}-{now:%Y%m%d-%H%M}-{suffix}"


def _add_years(moment: datetime, years: float) -> datetime:
    """Whole years on the calendar (29 February becomes 28 February), any fraction as days."""
    whole = int(years)
    year = moment.year + whole
    try:
        shifted = moment.replace(year=year)
    except ValueError:
        shifted = moment.replace(year=year, day=28)
    return shifted + timedelta(days=(years - whole) * _DAYS_PER_YEAR)


def new_pump(
    model_name: str,
    drug_name: str,
    concentration_per_ml: float,
    daily_dose: DoseRate,
    now: datetime,
    *,
    serial: str | None = None,
    patient_id: str = "",
    reservoir_ml: float | None = None,
    low_alarm_ml: float | None = None,
    catheter: Catheter | None = None,
    record: ProgramRecord | None = None,
    check: bool = True,
) -> PumpMemory:
    """A pump implanted at `now`, running `daily_dose` continuously, reservoir full unless given.

    `record` is logged with the implant: who implanted and what they went past at the safety gate.
    With `check` False the firmware's problems are not raised: a draft for the safety gate to judge.

    Raises UnknownEntry for an unknown model or drug (listing the known ones), UnitError for a dose
    in the wrong unit for the drug, ClockError for a `now` outside the pump clock's range, and
    ProgramRejected for values the pump's firmware refuses.
    """
    check_clock(now, "implant a pump at")
    catalog = pump_models()
    try:
        model = catalog[model_name]
    except KeyError:
        raise UnknownEntry(f"unknown pump model {model_name!r}; known models: {', '.join(catalog.names)}") from None
    library = drug_library()
    try:
        drug = library[drug_name]
    except KeyError:
        raise UnknownEntry(f"unknown drug {drug_name!r}; the library has {', '.join(library.names)}") from None
    if daily_dose.unit is not drug.unit:
        raise UnitError(
            f"{drug.name} is dosed in {drug.unit.value}, not {daily_dose.unit.value}: {daily_dose} does not fit"
        )
    prescription = Prescription.simple_continuous(
        drug.name, Concentration(concentration_per_ml, drug.unit), daily_dose
    )
    reservoir = model.reservoir_capacity_ml if reservoir_ml is None else reservoir_ml
    low_alarm = model.low_alarm_default_ml if low_alarm_ml is None else low_alarm_ml
    catheter = catheter or Catheter(model.catheter_length_cm, 0.0, DEFAULT_TIP_LOCATION)
    serial = serial or new_serial(model.name, now)
    implant = Event(
        now,
        EventKind.IMPLANT,
        f"Implanted {model.name} #{serial}: {prescription.describe()}; reservoir {ml_text(reservoir)}",
        ImplantDetails(
            model=model.name,
            serial=serial,
            reservoir_ml=reservoir,
            daily_dose_per_day=daily_dose.per_day,
            unit=daily_dose.unit,
            concentration_per_ml=prescription.concentration.per_ml,
            catheter_length_cm=catheter.length_cm,
            trimmed_cm=catheter.trimmed_cm,
            tip_location=catheter.tip_location,
            record=record or EMPTY_RECORD,
        ),
    )
    memory = PumpMemory(
        model_name=model.name,
        serial=serial,
        implant_date=now.date(),
        patient_id=patient_id,
        catheter=catheter,
        prescription=prescription,
        prescription_entered_at=now,
        reservoir_ml=reservoir,
        last_refill_at=now,
        last_refill_ml=reservoir,
        low_alarm_ml=low_alarm,
        eri_at=_add_years(now, model.service_life_years),
        clock=now,
        events=(implant,),
    )
    if not check:  # a draft for the safety gate, which reports these problems with its own
        return memory
    problems = program_problems(memory, Program(prescription, low_alarm, None, reservoir))
    problems += _catheter_problems(model, catheter)
    if problems:
        raise ProgramRejected(problems)
    return memory


def _catheter_problems(model: PumpModel, catheter: Catheter) -> list[str]:
    problem = catheter_problem(model, catheter.length_cm, catheter.trimmed_cm)
    return [problem] if problem else []
