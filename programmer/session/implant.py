"""The implant: a new pump's first program passes the same safety gate as every later one.

The window's New pump dialog and `programmer pump new` both come here, so the starting-dose
rules, the drug library's limits and the pump model's limits hold for a new pump too, and a
reason given to go past a soft limit is logged with the implant.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from msgspec.structs import replace

from programmer.pump.factory import new_pump
from programmer.pump.firmware import Program
from programmer.pump.memory import PumpMemory
from programmer.pump.pumpfile import create_pump
from programmer.session.gate import GateCheck, check_implant
from programmer.therapy.drugs import DrugLibrary, drug_library
from programmer.therapy.units import DoseRate


def implant_check(*, now: datetime, library: DrugLibrary | None = None, **arguments: Any) -> GateCheck:
    """What the gate would say of a new pump's first program (the arguments of `implant`), nothing written."""
    return check_implant(new_pump(**arguments, now=now, check=False), library or drug_library())


def implant(
    path: Path,
    *,
    model_name: str,
    drug_name: str,
    concentration_per_ml: float,
    daily_dose: DoseRate,
    now: datetime,
    reason: str = "",
    clinician: str = "",
    library: DrugLibrary | None = None,
    **pump: object,
) -> PumpMemory:
    """Create the pump file of a pump implanted at `now`, if the gate admits its first program.

    Raises BlockingFindings or ReasonRequired (the gate), ProgramRejected (the firmware), ValueError for an
    unknown model or drug, and PumpFileError when a file is already at `path`. Nothing is written on refusal.
    """
    arguments = dict(
        model_name=model_name,
        drug_name=drug_name,
        concentration_per_ml=concentration_per_ml,
        daily_dose=daily_dose,
        **pump,
    )
    memory = new_pump(**arguments, now=now, check=False)  # the gate reports the pump's limits with its own
    first = replace(Program.from_memory(memory), clinician=clinician.strip())
    program = check_implant(memory, library or drug_library()).admit(first, reason)
    memory = new_pump(**{**arguments, "serial": memory.serial}, now=now, record=program.record())
    create_pump(path, memory)
    return memory
