"""What many tests start from: a PX-20 with 20 mL of morphine 10 mg/mL at 1.5 mg/day (0.15 mL/day)."""

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from programmer.pump.factory import new_pump
from programmer.pump.pumpfile import save_pump
from programmer.session.programming import ProgrammingSession
from programmer.therapy.units import DoseRate, DrugUnit


def morphine_pump(path: Path, implanted: datetime, *, serial: str = "PX20-T-1", patient_id: str = "T-1") -> Path:
    save_pump(path, new_pump("PX-20", "morphine", 10, DoseRate(1.5, DrugUnit.MG), implanted,
                             serial=serial, patient_id=patient_id))
    return path


@contextmanager
def connected(path: Path, *, days_later: float = 0) -> Iterator[ProgrammingSession]:
    """A session on `path`, the pump's clock run on by `days_later`; closed (confirmed) afterwards."""
    session = ProgrammingSession(path)
    session.connect()
    if days_later:
        session.advance_days(days_later)
    try:
        yield session
    finally:
        session.close(confirm=True)


def imported_by(*argv: object) -> set[str]:
    """The project's modules a new process has imported once `programmer ARGV` ran, and succeeded."""
    script = (
        "import contextlib, io, sys; from programmer.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    assert main(sys.argv[1:]) == 0\n"
        "print(*sorted(m for m in sys.modules if m.split('.')[0] == 'programmer'))"
    )
    done = subprocess.run([sys.executable, "-c", script, *map(str, argv)], capture_output=True, text=True, check=True)
    return set(done.stdout.split())


def as_read(text: str) -> str:
    """Words as they read on screen: a wrapped label's no-break spaces and word joiners (programmer.wording.unbroken)
    undone."""
    return text.replace("\u00a0", " ").replace("\u2060", "")
