"""The Prescription tab, worked out without Qt: what it offers, what the fields make, what it says.

The form starts from the pump's program (and the pending one, if any). The nurse picks the
drug, its concentration, the mode, the daily dose (typed per day or per hour, with the other
figure always shown) and the low-reservoir alarm; `build` turns the fields into a whole
Prescription, or says what is missing, and marks which fields differ from the pump. A drug or
concentration other than the reservoir's is refused by the session, not here (see the gate).
"""

from __future__ import annotations

from msgspec import Struct

from programmer.errors import ProgrammerError
from programmer.therapy.drugs import Drug, DrugLibrary
from programmer.therapy.prescription import InfusionMode, Prescription
from programmer.therapy.pump_models import PumpModel
from programmer.therapy.units import Concentration, DoseRate
from programmer.wording import format_number, ml_text

# Modes a nurse picks here; flex and single bolus appear only when the pump already runs them
# (their schedule or bolus is kept as it is).
EDITABLE_MODES = (InfusionMode.SIMPLE_CONTINUOUS, InfusionMode.MINIMUM_RATE, InfusionMode.STOPPED)
DOSED_MODES = (InfusionMode.SIMPLE_CONTINUOUS,)
FIELDS = ("drug", "concentration", "mode", "dose", "lowAlarm")


class DoseEntry(Struct, frozen=True):
    """The daily dose as typed: a number, per day or per hour (the pump stores it per day)."""

    amount: float
    per_hour: bool = False

    def rate(self, drug: Drug) -> DoseRate:
        return DoseRate.from_per_hour(self.amount, drug.unit) if self.per_hour else drug.rate(self.amount)


class FormResult(Struct, frozen=True):
    """The prescription form read: the prescription it makes (or why not yet), and which fields differ."""

    prescription: Prescription | None  # None: the fields do not make one yet (`problem` says why)
    problem: str
    pending: dict[str, bool]  # field → differs from the pump's program
    dose_text: str  # the dose the other way round: "= 12 mg/day" for a per-hour entry, "= 0.0625 mg/h" else
    mode_hint: str  # "the pump will deliver no drug" for Stopped

    @property
    def valid(self) -> bool:
        return self.prescription is not None


class PrescriptionForm:
    """The form for one pump: its model, its program (`current`), and the drug library."""

    def __init__(self, library: DrugLibrary, model: PumpModel, current: Prescription, current_low_alarm_ml: float):
        self.library, self.model, self.current = library, model, current
        self.current_low_alarm_ml = current_low_alarm_ml

    # --- what the fields offer -------------------------------------------------------------------
    @staticmethod
    def drug_choices(library: DrugLibrary) -> list[tuple[str, str]]:
        """(name, title) of every library drug; the title marks an off-label one."""
        return [(drug.name, f"{drug.name} (off-label)" if drug.off_label else drug.name) for drug in library.drugs]

    def mode_choices(self, drug: Drug, shown: Prescription) -> list[InfusionMode]:
        modes = list(EDITABLE_MODES)
        if shown.drug == drug.name and shown.mode not in modes:
            modes.insert(0, shown.mode)
        return modes

    @staticmethod
    def off_label_text(drug: Drug) -> str:
        return "Off-label drug: compounded, check the label and the prescription" if drug.off_label else ""

    @staticmethod
    def dose_unit_texts(drug: Drug) -> tuple[str, str]:
        """The two ways a dose can be typed: ('mg/day', 'mg/h')."""
        return f"{drug.unit.value}/day", f"{drug.unit.value}/h"

    @staticmethod
    def dose_maximum(drug: Drug, per_hour: bool) -> float:
        """The hard limit in the unit typed: a per-hour entry may not exceed the daily limit over 24 h."""
        return drug.daily_dose.hard_max / 24 if per_hour else drug.daily_dose.hard_max

    @staticmethod
    def dose_limits_text(drug: Drug) -> str:
        limits, unit = drug.daily_dose, drug.unit.value
        return (
            f"usual {format_number(limits.soft_min)}–{format_number(limits.soft_max)} {unit}/day · "
            f"max {format_number(limits.hard_max)} {unit}/day (hard limit)"
        )

    def low_alarm_text(self) -> str:
        model = self.model
        return (
            f"{format_number(model.low_alarm_min_ml)}–{ml_text(model.low_alarm_max_ml)}, "
            f"recommended {ml_text(model.low_alarm_default_ml)}"
        )

    def on_pump_text(self) -> str:
        return (
            f"On the pump now: {self.current.describe()}; "
            f"low-reservoir alarm at {ml_text(self.current_low_alarm_ml)}"
        )

    def shown_dose(self, drug: Drug, shown: Prescription) -> float:
        """The daily dose to put in the field for `drug` (per day), 0 when the program has none."""
        if shown.drug != drug.name or shown.mode is InfusionMode.STOPPED:
            return 0.0
        return shown.nominal_daily_dose.per_day

    # --- what the entries say ---------------------------------------------------------------------
    def refused_dose_text(self, drug: Drug, typed: str, per_hour: bool, stays: DoseEntry) -> str:
        """Why a typed dose is refused at the field, and which dose still counts."""
        per_day, per_h = self.dose_unit_texts(drug)
        unit = per_h if per_hour else per_day
        try:
            float(typed)
        except ValueError:
            return (
                f"{typed!r} refused: type the number only; the unit is chosen beside the field ({per_day} or {per_h}); "
                f"{self._stays(drug, stays)}."
            )
        limit = self.dose_maximum(drug, per_hour)
        hard = f"{format_number(drug.daily_dose.hard_max)} {per_day}"
        if per_hour:
            hard += f" = {format_number(limit)} {per_h}"
        return f"{typed} {unit} refused: the hard limit for {drug.name} is {hard}; {self._stays(drug, stays)}."

    def typed_dose_text(self, drug: Drug, typed: str, per_hour: bool, stays: DoseEntry) -> str:
        """A dose typed but not yet entered: which dose counts until it is."""
        unit = self.dose_unit_texts(drug)[1 if per_hour else 0]
        return (
            f"{typed} {unit} typed, not yet entered: press Enter or Tab to enter it; until then "
            f"{self._stays(drug, stays)}."
        )

    @staticmethod
    def _stays(drug: Drug, stays: DoseEntry) -> str:
        return f"the daily dose stays {stays.rate(drug)}"

    # --- building the prescription ----------------------------------------------------------------
    def build(
        self,
        drug: Drug,
        concentration: Concentration | None,
        mode: InfusionMode,
        dose: DoseEntry,
        low_alarm_ml: float,
    ) -> FormResult:
        """The prescription the fields describe (or what to fix), the pending marks and the dose both ways."""
        current = self.current
        problem = ""
        prescription = None
        if concentration is None:
            problem = "Fix the concentration entry above before reviewing."
        elif mode in DOSED_MODES and dose.amount <= 0:
            problem = f"Enter the daily dose in {drug.unit.value}/day."
        elif mode in (InfusionMode.FLEX, InfusionMode.SINGLE_BOLUS) and current.drug != drug.name:
            problem = f"The pump's {mode.title.lower()} program is for {current.drug}: choose another mode."
        else:
            try:
                prescription = self._prescription(drug, concentration, mode, dose)
            except ProgrammerError as error:  # PrescriptionError, UnitError: the therapy rules say why
                problem = str(error)
        pending = {
            "drug": drug.name != current.drug,
            "concentration": concentration is None or concentration != current.concentration,
            "mode": mode is not current.mode,
            "dose": prescription is not None and mode in DOSED_MODES and prescription.daily_dose != current.daily_dose,
            "lowAlarm": round(low_alarm_ml, 1) != round(self.current_low_alarm_ml, 1),
        }
        return FormResult(prescription, problem, pending, self._dose_text(drug, mode, dose, prescription),
                          "the pump will deliver no drug" if mode is InfusionMode.STOPPED else "")

    def _prescription(
        self, drug: Drug, concentration: Concentration, mode: InfusionMode, dose: DoseEntry
    ) -> Prescription:
        current = self.current
        if mode is InfusionMode.SIMPLE_CONTINUOUS:
            prescription = Prescription.simple_continuous(drug.name, concentration, self._daily_dose(drug, dose))
        elif mode is InfusionMode.MINIMUM_RATE:
            prescription = Prescription.minimum_rate(drug.name, concentration, self.model.minimum_rate_ml_per_day)
        elif mode is InfusionMode.STOPPED:
            prescription = Prescription.stopped(drug.name, concentration)
        else:  # flex or single bolus: the pump's own schedule or bolus, kept as it is
            prescription = Prescription(drug.name, concentration, mode, schedule=current.schedule, bolus=current.bolus)
        if current.bolus is not None and mode is current.mode and concentration == current.concentration:
            prescription = prescription.with_bolus(current.bolus)  # a bolus already running is not an edit
        return prescription

    def _daily_dose(self, drug: Drug, dose: DoseEntry) -> DoseRate:
        """The dose typed, per day; the pump's exact dose when the field still shows it rounded (no drift)."""
        rate = dose.rate(drug)
        current = self.current.daily_dose
        if self.current.drug == drug.name and current is not None and abs(rate.per_day - current.per_day) < 5e-5:
            return current
        return rate

    @staticmethod
    def _dose_text(drug: Drug, mode: InfusionMode, dose: DoseEntry, prescription: Prescription | None) -> str:
        if mode in DOSED_MODES:
            rate = dose.rate(drug)
            return f"= {rate}" if dose.per_hour else f"= {rate.per_hour_text()}"
        if prescription is not None and mode is not InfusionMode.STOPPED:
            daily = prescription.nominal_daily_dose
            return f"{mode.title}: {daily} ({daily.per_hour_text()})"
        return ""
