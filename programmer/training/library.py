"""The scenario library (resources/scenarios/<id>/scenario.toml) and `check`: every problem with its line.

A scenario is checked whole: its structure and meaning (training.scenario), then its starting pump
is made as an attempt would make it, so the factory's and the firmware's refusals show at check
time, not in front of a class. Problems are placed at the line of the key they are about.
"""

from __future__ import annotations

from pathlib import Path

from msgspec import Struct, field

from programmer.errors import ProgrammerError
from programmer.resources import resource_path
from programmer.training.checked import Problem, placed
from programmer.training.scenario import Scenario, parse_scenario
from programmer.training.starting_pump import starting_pump

SCENARIOS_FOLDER = "scenarios"
SCENARIO_FILE = "scenario.toml"
ATTEMPTS_FOLDER = "attempts"  # the scripted attempts beside each scenario


class ScenarioError(ProgrammerError):
    """A scenario file that cannot be played; `problems` lists each with its line."""

    def __init__(self, path: Path, problems: list[Problem]) -> None:
        self.path, self.problems = path, problems
        count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
        super().__init__(f"{path}: {count}: " + "; ".join(str(problem) for problem in problems))


def check_text(text: str, folder: Path | None = None, expected_id: str | None = None) -> tuple[
    Scenario | None, list[Problem]
]:
    """The scenario in `text`, or None, and every problem found with its line."""
    scenario, problems = parse_scenario(text, folder)
    if scenario is not None and expected_id is not None and scenario.id != expected_id:
        problems = [Problem(("id",), f"the id is {scenario.id!r} but its folder is {expected_id!r}: make them one")]
    if scenario is not None and not problems:
        try:
            starting_pump(scenario)
        except (ProgrammerError, ValueError, KeyError, OSError) as error:
            message = error.args[0] if isinstance(error, KeyError) and error.args else error
            problems = [Problem(("pump",), f"the starting pump cannot be made: {message}")]
    if problems:
        return None, placed(text, problems)
    return scenario, []


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ScenarioError(path, [Problem((), f"cannot be read ({error})")]) from error


def check_file(path: Path) -> tuple[Scenario | None, list[Problem]]:
    """Check a scenario file (or a scenario folder holding scenario.toml)."""
    path = Path(path)
    if path.is_dir():
        path = path / SCENARIO_FILE
    expected_id = path.parent.name if path.name == SCENARIO_FILE else None
    try:
        return check_text(_read(path), path.parent, expected_id)
    except ScenarioError as error:
        return None, error.problems


def load_scenario(path: Path) -> Scenario:
    """The scenario at `path` (a file or its folder); ScenarioError lists every problem with its line."""
    scenario, problems = check_file(path)
    if scenario is None:
        raise ScenarioError(Path(path), problems)
    return scenario


def scenarios_dir() -> Path:
    return resource_path(SCENARIOS_FOLDER)


class ScenarioLibrary(Struct, frozen=True):
    scenarios: list[Scenario]
    broken: dict[Path, list[Problem]] = field(default_factory=dict)  # files that do not check, and why

    def find(self, scenario_id: str) -> Scenario | None:
        return next((scenario for scenario in self.scenarios if scenario.id == scenario_id), None)


def scenario_library(folder: Path | None = None) -> ScenarioLibrary:
    """Every scenario in the library folder, by id; the broken ones apart, with their problems."""
    folder = folder or scenarios_dir()
    scenarios, broken = [], {}
    for path in sorted(folder.glob(f"*/{SCENARIO_FILE}")):
        scenario, problems = check_file(path)
        if scenario is None:
            broken[path] = problems
        else:
            scenarios.append(scenario)
    return ScenarioLibrary(scenarios, broken)


def find_scenario(name: str) -> Scenario:
    """A scenario by its id in the library, or by the path of its file or folder."""
    path = Path(name)
    if path.exists():
        return load_scenario(path)
    library = scenario_library()
    found = library.find(name)
    if found is None:
        known = ", ".join(scenario.id for scenario in library.scenarios)
        raise ScenarioError(path, [Problem((), f"no such scenario file, and no scenario with that id; "
                                                f"the library has: {known}")])
    return found


def attempt_files(scenario: Scenario) -> list[Path]:
    """The scripted attempts written beside a scenario, by name."""
    if scenario.folder is None:
        return []
    return sorted((scenario.folder / ATTEMPTS_FOLDER).glob("*.toml"))
