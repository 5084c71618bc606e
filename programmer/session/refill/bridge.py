"""The bridge bolus after a concentration change: the old fluid in the tubing and catheter, pushed through.

After a refill with another concentration, the pump tubing and the catheter still hold the old
fluid. At the new rate in mL/day it would reach the spine at the wrong dose for days; the bridge
bolus pushes it through at the prescribed dose first, then the new program runs.
"""

from __future__ import annotations

from msgspec import Struct

from programmer.pump.memory import PumpMemory
from programmer.therapy.bolus import BolusError, bridge_bolus, fluid_path_volume_ml
from programmer.therapy.prescription import Bolus, InfusionMode, Prescription
from programmer.therapy.units import Concentration, DoseRate
from programmer.wording import days_text, duration_text, format_number, ml_per_day_text, ml_text, moment_text


class BridgeProposal(Struct, frozen=True):
    """The bridge bolus after a concentration change, or why there is none."""

    bolus: Bolus | None
    fluid_path_ml: float  # pump tubing + implanted catheter
    fluid_path: str  # how that volume is made up, in words
    old_drug: str
    old_concentration: Concentration
    dose: DoseRate | None  # the daily dose the bridge keeps, in the old fluid
    then: str  # what runs once the bridge has gone through
    message: str
    without: str  # what happens if it is not given

    def rows(self) -> list[tuple[str, str]]:
        """(label, value) lines: volume, duration (with its end), rate, and what follows."""
        bolus = self.bolus
        if bolus is None:
            return [("Bridge bolus", self.message)]
        return [
            (
                "Volume",
                f"{ml_text(bolus.volume_ml)} of {self.old_drug} {self.old_concentration} ({bolus.dose}): "
                f"{self.fluid_path}",
            ),
            ("Duration", f"{duration_text(bolus.duration)}, until {moment_text(bolus.end)}"),
            ("Rate", f"{ml_per_day_text(bolus.ml_per_day)} = {self.dose} of the old {self.old_concentration}"),
            ("Then", self.then),
        ]


def propose_bridge(memory: PumpMemory, new: Prescription, *, drug_changes: bool) -> BridgeProposal:
    """The bridge bolus from the pump `memory` describes to `new` (another concentration or drug)."""
    old, model, catheter = memory.prescription, memory.model, memory.catheter
    path_ml = fluid_path_volume_ml(model, catheter.length_cm, catheter.trimmed_cm)
    old_fluid = f"{ml_text(path_ml)} of {old.drug} {old.concentration}"
    # After a drug change the old drug keeps its own dose until the new one reaches the tip.
    dose = old.nominal_daily_dose if drug_changes else new.nominal_daily_dose
    new_ml_per_day = new.nominal_daily_volume_ml
    then = (
        "no delivery"
        if new.mode is InfusionMode.STOPPED
        else f"{new.nominal_daily_dose} at {ml_per_day_text(new_ml_per_day)} of {new.drug} {new.concentration}"
    )
    fluid_path = (
        f"pump tubing {ml_text(model.pump_tubing_volume_ml)} + catheter "
        f"{format_number(catheter.implanted_length_cm)} cm × {format_number(model.catheter_ml_per_cm)} mL/cm"
    )

    def proposal(bolus: Bolus | None, dose: DoseRate | None, message: str, without: str = "") -> BridgeProposal:
        return BridgeProposal(bolus, path_ml, fluid_path, old.drug, old.concentration, dose, then, message, without)

    if new.mode is InfusionMode.STOPPED or dose.per_day <= 0:
        stays = f"{old_fluid} stays in the tubing and catheter"
        return proposal(None, None, f"No bridge bolus: the pump will deliver no drug ({stays}).")
    try:
        bolus = bridge_bolus(model, catheter.length_cm, catheter.trimmed_cm, old.concentration, dose, memory.clock)
    except BolusError as error:
        return proposal(None, dose, f"No bridge bolus possible: {error}.")
    message = (
        f"Bridge bolus: {ml_text(bolus.volume_ml)} ({fluid_path}) of the old {old.concentration} over "
        f"{duration_text(bolus.duration)} at {ml_per_day_text(bolus.ml_per_day)}, keeping {dose}; "
        f"then {then}."
    )
    old_dose_at_new_rate = old.concentration.rate_for(new_ml_per_day)
    days = path_ml / new_ml_per_day
    arrives = f"before {new.drug} reaches the tip" if drug_changes else "instead of " + str(dose)
    without = (
        f"Without it, the {old_fluid} still in the tubing and catheter runs at the new "
        f"{ml_per_day_text(new_ml_per_day)}: {old_dose_at_new_rate} for {days_text(days)} {arrives}."
    )
    return proposal(bolus, dose, message, without)
