"""What Help → About says: the programmer's version, what it is (and is not), and the licences of what it ships.

Everything is read from the installed packages' own metadata, so the About box cannot drift from what
is installed: the version is the wheel's, each licence the one its package declares.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from msgspec import Struct

from programmer import TRAINING_BANNER

if TYPE_CHECKING:  # imported when About is opened: its import is a tenth of a second of the window's start
    from importlib import metadata

DISTRIBUTION = "programmer"
# What the programmer needs to run (pyproject.toml's dependencies; a test keeps the two in step). Their own
# dependencies are found from their metadata: Qt's libraries come with PySide6.
SHIPPED = ("PySide6", "pyqtgraph", "numpy", "msgspec", "platformdirs", "packaging")
WHAT_FOR = {
    "pyside6": "the window: Qt for Python",
    "pyqtgraph": "the reservoir plot",
    "numpy": "the plot's numbers",
    "msgspec": "the programmer's records, and reading and checking the pump file and the resource files",
    "platformdirs": "finding the user data folder",
    "packaging": "which of these packages' own requirements hold here",
}
LICENCE = "MIT"  # the programmer's own (pyproject.toml), when run from a checkout that was never installed
NOT_INSTALLED = "not installed"
UNDECLARED = "not declared in its metadata"


class Component(Struct, frozen=True):
    """A component the program ships: its name, version, licence and what it is used for."""

    name: str
    version: str
    licence: str
    what_for: str = ""  # what the programmer uses it for; for what a package brings along, "needed by <package>"


class About(Struct, frozen=True):
    """Help → About: the version, what the program is for, and the components it ships with their licences."""

    version: str
    licence: str  # the programmer's own
    purpose: str
    components: tuple[Component, ...]

    @property
    def title(self) -> str:
        return f"Intrathecal pump programmer {self.version}"


def about() -> About:
    return About(
        version=programmer_version(),
        licence=programmer_licence(),
        purpose=f"{TRAINING_BANNER}. It emulates the clinician programmer of implanted intrathecal drug pumps "
        "for training: the pumps are virtual, the drug limits are training values, and nothing here may guide "
        "a real patient's care.",
        components=components(),
    )


def programmer_version() -> str:
    from importlib import metadata

    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:  # run from a checkout that was never installed
        return "(version unknown: not installed)"


def programmer_licence() -> str:
    from importlib import metadata

    try:
        return licence(metadata.distribution(DISTRIBUTION))
    except metadata.PackageNotFoundError:
        return LICENCE


def components(shipped: tuple[str, ...] = SHIPPED) -> tuple[Component, ...]:
    """Each shipped package, then what each needs here (once, in the order first met), with its licence.

    Only what is installed and required on this machine: a requirement for another platform or Python
    (`colorama; platform_system == "Windows"`, `tomli; python_version < "3.11"`) or for an extra is not
    shipped, even when something else installed it.
    """
    from importlib import metadata

    found: list[Component] = []
    seen: set[str] = set()
    waiting = [(name, WHAT_FOR.get(_key(name), "")) for name in shipped]
    while waiting:
        name, what_for = waiting.pop(0)
        key = _key(name)
        if key in seen:
            continue
        seen.add(key)
        try:
            distribution = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            # A shipped package missing is said; another's requirement missing is not its to say.
            if name in shipped:
                found.append(Component(name, NOT_INSTALLED, NOT_INSTALLED, what_for))
            continue
        found.append(Component(distribution.metadata["Name"], distribution.version, licence(distribution), what_for))
        waiting += [(needed, f"needed by {distribution.metadata['Name']}") for needed in _requirements(distribution)]
    return tuple(found)


def licence(distribution: metadata.Distribution) -> str:
    """The licence a package declares: its SPDX expression, else its License field, else its classifiers."""
    meta = distribution.metadata
    expression = (meta.get("License-Expression") or "").strip()
    if expression:
        return expression
    field = (meta.get("License") or "").strip()
    if field and "\n" not in field and len(field) <= 80:  # some packages paste the whole licence text here
        return field
    classifiers = [entry.split(" :: ")[-1] for entry in meta.get_all("Classifier") or []
                   if entry.startswith("License :: ")]
    return ", ".join(classifiers) or UNDECLARED


def _requirements(distribution: metadata.Distribution) -> list[str]:
    """The packages it needs to run here: its requirements whose environment marker holds on this machine."""
    names = []
    for requirement in distribution.requires or []:
        _spec, _, marker = requirement.partition(";")
        match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
        if match and (not marker.strip() or marker_holds(marker)):
            names.append(match.group(1))
    return names


def _key(name: str) -> str:
    """A package's name as package indexes compare them: any case, '-', '_' and '.' alike."""
    return re.sub(r"[-_.]+", "-", name).lower()


def marker_environment() -> dict[str, str]:
    """This machine as requirement markers name it; `extra` is none: a package's optional extras are not shipped."""
    from packaging.markers import default_environment

    return {**default_environment(), "extra": ""}


def marker_holds(marker: str, environment: dict[str, str] | None = None) -> bool:
    """Whether a requirement's environment marker (PEP 508) holds on this machine (or in `environment`). A marker
    it cannot read holds: better a licence listed once too often than a shipped package left out."""
    from packaging.markers import InvalidMarker, Marker, UndefinedComparison

    try:
        return Marker(marker).evaluate(environment or marker_environment())
    except (InvalidMarker, UndefinedComparison):
        return True
