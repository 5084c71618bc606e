"""The syringe the pharmacy sent: its label as read, the checks on it, and where its needle may go.

Step 1 and step 2 of the refill: the syringe is a library drug at a concentration the drug may
have, for this patient; its label either names what the pump runs or it does not (and the nurse
must say which); and its needle goes into the reservoir fill port, never the catheter access port.
"""

from __future__ import annotations

from msgspec import Struct
from msgspec.structs import replace

from programmer.session.refill import SYRINGE_MAX_ML
from programmer.session.refill.steps import LabelMismatch, Port, RefillWorkflowError
from programmer.therapy.drugs import DrugLibrary, same_drug
from programmer.therapy.prescription import Prescription
from programmer.therapy.units import Concentration, DoseRate, UnitError
from programmer.wording import format_number, ml_text


class SyringeLabel(Struct, frozen=True):
    """What the pharmacy sent for this refill, as its label says: the nurse (or a scenario) supplies it."""

    drug: str
    concentration: Concentration
    volume_ml: float
    patient_id: str = ""

    def __str__(self) -> str:
        return f"{self.drug} {self.concentration}, {ml_text(self.volume_ml)}"

    def matches(self, prescription: Prescription) -> bool:
        """The label names the drug and concentration `prescription` runs."""
        return same_drug(self.drug, prescription.drug) and self.concentration == prescription.concentration


def checked_syringe(label: SyringeLabel, library: DrugLibrary, patient_id: str) -> SyringeLabel:
    """`label` with the library's drug name and the patient, or why such a syringe cannot go into this pump."""
    try:
        drug = library[label.drug]
    except KeyError:
        raise RefillWorkflowError(
            f"{label.drug!r} is not in the drug library ({', '.join(library.names)}): "
            "a syringe of it cannot go into the pump"
        ) from None
    if label.concentration.unit is not drug.unit:
        raise UnitError(
            f"{drug.name} is dosed in {drug.unit.value}: the label's concentration must be in "
            f"{drug.unit.value}/mL, not {label.concentration}"
        )
    maximum = drug.concentration(drug.max_concentration_per_ml)
    if label.concentration.per_ml > maximum.per_ml * (1 + 1e-12):
        raise RefillWorkflowError(f"{label.concentration} is above the {drug.name} maximum of {maximum}")
    if not 0 < label.volume_ml <= SYRINGE_MAX_ML:
        raise RefillWorkflowError(
            f"a refill syringe holds more than 0 and at most {ml_text(SYRINGE_MAX_ML)}, not {ml_text(label.volume_ml)}"
        )
    patient, labelled = patient_id.strip(), label.patient_id.strip()
    if labelled and patient and labelled != patient:
        raise LabelMismatch(
            f"the syringe is labelled for patient {labelled}, but this pump is patient {patient}'s: "
            "do not use it; call the pharmacy"
        )
    return replace(label, drug=drug.name, patient_id=labelled or patient)


def check_reading(label: SyringeLabel, pump: Prescription, matches: bool) -> None:
    """The nurse's reading of the label ("matches the pump" or "differs") must be what the label says."""
    reads = f"the syringe label reads {label.drug} {label.concentration}"
    if matches and not label.matches(pump):
        raise LabelMismatch(
            f"{reads} but the pump runs {pump.drug} {pump.concentration}: they do not match. Read the label again; "
            "if the prescription changes the drug or concentration, say that the label differs"
        )
    if not matches and label.matches(pump):
        raise LabelMismatch(f"{reads}, the same as the pump ({pump.drug} {pump.concentration}): they match")


class PortCheck(Struct, frozen=True):
    port: Port
    safe: bool
    message: str


def port_check(port: Port, label: SyringeLabel, daily: DoseRate) -> PortCheck:
    """Where the needle went, judged: the catheter access port would give the whole syringe as a bolus."""
    if port is Port.RESERVOIR_FILL:
        return PortCheck(
            port, True, "Reservoir fill port: the needle goes through the central septum into the drug reservoir."
        )
    dose = label.concentration.dose_in(label.volume_ml)
    times = ""
    if daily.per_day > 0 and daily.unit is dose.unit:
        times = f", {format_number(dose.amount / daily.per_day)} times the daily dose of {daily}"
    return PortCheck(
        port,
        False,
        "Refill stopped: that is the catheter access port. It leads straight into the catheter and "
        "the spine, bypassing the reservoir and the pump: anything injected there reaches the "
        f"intrathecal space at once, so the syringe ({label}) would be given as an overdose bolus of "
        f"{dose}{times}. Withdraw the needle without injecting and locate the central reservoir fill port "
        "with the template.",
    )
