"""A scenario file: what an educator writes, as msgspec records checked field by field.

The file is TOML (resources/scenarios/<id>/scenario.toml); its format is described for authors in
resources/scenarios/README.md. `parse_scenario` reads the text and returns the Scenario or every
problem it finds, each at the path of the key it is about (training.check turns paths into lines):
the structure first, part by part so one slip does not hide the next (training.checked), then
what the types alone cannot say (a known drug, a unit that fits it, unique ids …).
"""

from __future__ import annotations

import re
import tomllib
from datetime import datetime
from pathlib import Path
from typing import Annotated, Literal

import msgspec
from msgspec import Struct

from programmer.therapy.drugs import drug_library
from programmer.therapy.units import DrugUnit, UnitError, parse_dose_rate
from programmer.training.checked import Problem, problems_of
from programmer.training.rules import AnyRule, ProgrammedDose, Rule
from programmer.training.triggers import Trigger

Id = Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9][a-z0-9-]*$")]
Text = Annotated[str, msgspec.Meta(min_length=1)]
Positive = Annotated[float, msgspec.Meta(gt=0)]
NonNegative = Annotated[float, msgspec.Meta(ge=0)]
Percent = Annotated[float, msgspec.Meta(ge=0, le=100)]
Score = Annotated[float, msgspec.Meta(ge=0, le=10)]
FaultKind = Literal["lost_link", "program_refused", "slow_link"]


class _Part(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    pass


class Prebrief(_Part, kw_only=True):
    patient: Text  # who the patient is
    story: Text  # why they are here
    handed: list[Text] = []  # what the nurse is handed


class StartingPump(_Part, kw_only=True):
    """The pump as the scenario starts it: built by the pump factory, or read from a pump file beside the scenario."""

    file: str | None = None
    model: str | None = None
    drug: str | None = None
    concentration: Positive | None = None  # per mL, in the drug's unit
    dose: str | None = None  # e.g. "1.5mg/day"
    reservoir_ml: NonNegative | None = None  # filled at the last refill (default: the model's capacity)
    low_alarm_ml: Positive | None = None
    clock: datetime | None = None  # the pump's clock as the scenario starts
    serial: Text = "PX-TRAINING-1"
    patient_id: str = ""
    days_since_refill: NonNegative = 0.0
    implanted_days_ago: NonNegative | None = None  # default: implanted at the last refill
    stopped_hours: Positive | None = None  # the pump was programmed to stopped this long before the clock


class Syringe(_Part, kw_only=True):
    """The syringe the pharmacy sent: what is really in it, and what its label says."""

    drug: Text
    concentration: Positive  # really in it, per mL in the drug's unit
    volume_ml: Positive
    label_concentration: Positive | None = None  # what the label says (default: what is in it)
    patient_id: str = ""


class Truth(_Part, kw_only=True):
    """What the trainee cannot see."""

    reservoir_ml: NonNegative | None = None  # really in the reservoir at the start (default: what the pump counts)
    syringe: Syringe | None = None  # default: the pump's drug and concentration, a full reservoir's volume
    pocket_ml: NonNegative | None = None  # of the fill, this much goes under the skin: the needle missed the septum
    unprimed: bool = False  # the pump tubing and catheter hold no drug yet (a new implant): drug fills them first


class Overdose(_Part, kw_only=True):
    above_per_day: Positive | None = None  # per day reaching the spine (over the patient's window_hours)
    pocket_above: Positive | None = None  # drug under the skin within `pocket_hours`, in the unit
    pocket_hours: Positive = 12.0
    signs: list[Text]


class Withdrawal(_Part, kw_only=True):
    after_hours: Positive  # hours without drug reaching the spine
    signs: list[Text]


class PatientModel(_Part, kw_only=True):
    measure: Literal["pain", "spasticity"] = "pain"  # what the score rates: 0 none, 10 worst
    unit: DrugUnit  # the drug's unit: every dose below is in it
    score: Annotated[list[tuple[NonNegative, Score]], msgspec.Meta(min_length=1)]  # [dose per day, score], by dose
    window_hours: Positive = 24.0  # the score follows the dose per day over this many hours (2: a trial's steps)
    overdose: Overdose | None = None
    withdrawal: Withdrawal | None = None


class Fault(_Part, kw_only=True):
    id: Id
    kind: FaultKind
    seconds: NonNegative = 0.0  # slow_link: each answer comes this much later
    exchanges: Annotated[int, msgspec.Meta(ge=0)] = 1  # exchanges it spoils before the link recovers; 0: to the end
    when: list[Trigger] = []  # the first to fire wins; none: only the instructor injects it


class Cue(_Part, kw_only=True):
    """What the nurse sees, hears or is told in the room (the swelling skin, the patient's words), in any mode."""

    text: Text
    when: Annotated[list[Trigger], msgspec.Meta(min_length=1)]  # the first to fire shows it, once


class Hint(_Part, kw_only=True):
    text: Text
    when: list[Trigger] = []  # practice mode: shown by itself when one fires


class Spec(_Part, kw_only=True):
    """The scenario file's content."""

    id: Id
    title: Text
    version: Annotated[int, msgspec.Meta(ge=1)]
    minutes: Positive
    objectives: Annotated[list[Text], msgspec.Meta(min_length=1)]
    prebrief: Prebrief
    pump: StartingPump
    patient: PatientModel
    critical: Annotated[list[AnyRule], msgspec.Meta(min_length=1)]
    pass_mark: Percent = 80.0  # % of the scored actions' weight
    sources: list[Text] = []
    truth: Truth = msgspec.field(default_factory=Truth)
    faults: list[Fault] = []
    scored: list[AnyRule] = []
    cues: list[Cue] = []
    hints: list[Hint] = []


class Scenario(Struct, frozen=True):
    """A scenario as loaded: its content, the text it was read from, and the folder it sits in."""

    spec: Spec
    text: str
    folder: Path | None

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def title(self) -> str:
        return self.spec.title

    @property
    def version(self) -> int:
        return self.spec.version

    @property
    def rules(self) -> list[Rule]:
        """The critical actions, then the scored ones."""
        return [*self.spec.critical, *self.spec.scored]

    def is_critical(self, rule: Rule) -> bool:
        return any(rule is critical for critical in self.spec.critical)


# --- meaning: what the types alone cannot refuse -------------------------------------------------------------------

_BUILT = ("model", "drug", "concentration", "dose", "clock")
_FROM_FILE_ONLY = (*_BUILT, "reservoir_ml", "low_alarm_ml", "implanted_days_ago", "stopped_hours")


def _pump_problems(pump: StartingPump) -> list[Problem]:
    if pump.file is not None:
        given = [name for name in _FROM_FILE_ONLY if getattr(pump, name) is not None]
        return [Problem(("pump", name), "the pump file holds this already: give the file or this, not both")
                for name in given]
    problems = [Problem(("pump",), f"missing {name!r} (or give a pump `file`)") for name in _BUILT
                if getattr(pump, name) is None]
    if pump.implanted_days_ago is not None and pump.implanted_days_ago < pump.days_since_refill:
        problems.append(Problem(("pump", "implanted_days_ago"), "the pump was implanted before its last refill"))
    if pump.stopped_hours is not None and pump.stopped_hours / 24 > pump.days_since_refill:
        problems.append(Problem(("pump", "stopped_hours"), "the pump was stopped after its last refill: "
                                                           "give days_since_refill of at least that long"))
    return problems


def _unit_of(drug: str | None) -> DrugUnit | None:
    entry = drug_library().get(drug) if drug else None
    return entry.unit if entry is not None else None


def _drug_problems(spec: Spec) -> list[Problem]:
    library, problems = drug_library(), []
    for where, drug in ((("pump", "drug"), spec.pump.drug),
                        (("truth", "syringe", "drug"), spec.truth.syringe and spec.truth.syringe.drug)):
        if drug and library.get(drug) is None:
            problems.append(Problem(where, f"unknown drug {drug!r}; the library has {', '.join(library.names)}"))
    unit = _unit_of(spec.pump.drug)
    if unit is not None and spec.patient.unit is not unit:
        problems.append(Problem(("patient", "unit"), f"{spec.pump.drug} is dosed in {unit.value}, "
                                                     f"not {spec.patient.unit.value}"))
    if unit is not None and spec.pump.dose is not None:
        try:
            parse_dose_rate(spec.pump.dose, unit)
        except (UnitError, ValueError) as error:
            problems.append(Problem(("pump", "dose"), str(error)))
    doses = [dose for dose, _ in spec.patient.score]
    if doses != sorted(set(doses)):
        problems.append(Problem(("patient", "score"), "list the [dose, score] points by rising dose, each dose once"))
    return problems


def _rule_meaning(spec: Spec) -> list[Problem]:
    problems, seen = [], set()
    unit = _unit_of(spec.pump.drug)
    for section in ("critical", "scored"):
        for index, rule in enumerate(getattr(spec, section)):
            where = (section, index)
            problems += [Problem((*where, name), problem) for name, problem in rule.parameter_problems()]
            if rule.key in seen:
                problems.append(Problem((*where, "id"), f"id {rule.key!r} is used twice: give each action an id"))
            seen.add(rule.key)
            if section == "critical":
                problems += [Problem(where, f"a critical action says {name}: give {name!r}")
                             for name in ("why", "source") if not getattr(rule, name).strip()]
                problems += [Problem((*where, name), f"{name!r} is for scored actions")
                             for name in ("weight", "within_minutes") if getattr(rule, name) is not None]
            elif rule.weight is None or rule.weight <= 0:
                problems.append(Problem((*where, "weight"), "a scored action has a weight above 0"))
            dosed = isinstance(rule, ProgrammedDose) and unit is not None and not rule.parameter_problems()
            if dosed and rule.rate().unit is not unit:
                problems.append(Problem((*where, "dose"), f"{spec.pump.drug} is dosed in {unit.value}"))
    return problems


def _trigger_problems(spec: Spec) -> list[Problem]:
    problems, seen = [], set()
    for index, fault in enumerate(spec.faults):
        if fault.id in seen:
            problems.append(Problem(("faults", index, "id"), f"fault id {fault.id!r} is used twice"))
        seen.add(fault.id)
        if (fault.kind == "slow_link") != (fault.seconds > 0):
            problems.append(Problem(("faults", index, "seconds"), "a slow_link has seconds above 0; other faults none"))
    for section, items in (("faults", spec.faults), ("cues", spec.cues), ("hints", spec.hints)):
        for index, item in enumerate(items):
            for number, trigger in enumerate(item.when):
                problems += [Problem((section, index, "when", number), problem) for problem in trigger.problems()]
    return problems


# A source is what a nurse can look up: a guideline, a maker's manual chapter, an incident report, by its title.
# A file name (an author's notes, the programmer's own data) means nothing to her.
_FILE_NAME = re.compile(r"[\w./-]*\w\.(?:md|markdown|txt|json|toml|ya?ml|csv|py|pdf|docx?|html?)\b", re.IGNORECASE)


def _source_problems(spec: Spec) -> list[Problem]:
    cited = [(("sources", index), text) for index, text in enumerate(spec.sources)]
    cited += [((section, index, "source"), rule.source) for section in ("critical", "scored")
              for index, rule in enumerate(getattr(spec, section))]
    return [Problem(where, f"names a file ({found.group()!r}): cite the guideline, maker's manual chapter or "
                           "incident report it stands for, by its public title")
            for where, text in cited for found in (_FILE_NAME.search(text),) if found]


def parse_scenario(text: str, folder: Path | None = None) -> tuple[Scenario | None, list[Problem]]:
    """The scenario in `text`, or None and every problem found (without line numbers: see training.check)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        return None, [Problem((), f"not valid TOML: {error}")]
    problems = problems_of(data, Spec)
    if problems:
        return None, problems
    spec = msgspec.convert(data, Spec)
    problems = (_pump_problems(spec.pump) + _drug_problems(spec) + _rule_meaning(spec) + _trigger_problems(spec)
                + _source_problems(spec))
    return (None if problems else Scenario(spec, text, folder)), problems
