"""Finding and loading the data files in `resources/`.

The same lookup works from a checkout (resources/ beside the package) and from
an installed wheel (resources/ shipped inside the package). A broken file is
refused with the file, the field and the problem, so a clinic can fix it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any, ClassVar, Generic, Protocol, Self, TypeVar

from pydantic import BaseModel, ConfigDict, Strict, ValidationError, model_validator

from programmer.errors import ProgrammerError

_PACKAGE = Path(__file__).resolve().parent
Model = TypeVar("Model", bound=BaseModel)

# Numbers and yes/no fields in resource files must be written as such: "24" or "true" in quotes
# is a typing slip a clinic should see, not something to coerce silently. Whole numbers count as numbers.
Number = Annotated[float, Strict()]
WholeNumber = Annotated[int, Strict()]
YesNo = Annotated[bool, Strict()]


class ResourceError(ProgrammerError):
    """A resource file is missing or does not validate."""


def name_key(name: str) -> str:
    """How a drug or a pump model is named in a look-up: any case, spaces around it ignored ('Morphine ' = morphine)."""
    return name.strip().lower()


class _Named(Protocol):
    name: str


Entry = TypeVar("Entry", bound=_Named)


class Catalog(BaseModel, Generic[Entry]):
    """A resource file's named entries (drugs, pump models), found by name_key.

    Two names that differ only in case or spaces would be one entry found twice: the file is refused.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    entry_word: ClassVar[str]  # "drug": for "drug names must be unique" and "unknown drug 'heroin'"
    known_words: ClassVar[str]  # "the library has": before the names an unknown one is told

    def entries(self) -> Sequence[Entry]:
        raise NotImplementedError

    @property
    def names(self) -> list[str]:
        return [entry.name for entry in self.entries()]

    @model_validator(mode="after")
    def _unique(self) -> Self:
        keys = [name_key(name) for name in self.names]
        repeated = sorted({name for name, key in zip(self.names, keys, strict=True) if keys.count(key) > 1})
        if repeated:
            raise ValueError(f"{self.entry_word} names must be unique, repeated: {', '.join(repeated)}")
        return self

    def get(self, name: str) -> Entry | None:
        """The entry called `name` (any case, spaces around it ignored), or None when there is none."""
        key = name_key(name)
        return next((entry for entry in self.entries() if name_key(entry.name) == key), None)

    def __getitem__(self, name: str) -> Entry:
        if (entry := self.get(name)) is None:
            raise KeyError(f"unknown {self.entry_word} {name!r}; {self.known_words} {', '.join(self.names)}")
        return entry


def resources_dir() -> Path:
    for candidate in (_PACKAGE / "resources", _PACKAGE.parent / "resources"):
        if candidate.is_dir():
            return candidate
    raise ResourceError(f"resources folder not found beside {_PACKAGE}")


def resource_path(name: str) -> Path:
    return resources_dir() / name


def describe_validation_error(error: ValidationError) -> str:
    """'models.0.flow_max_ml_per_day: Input should be a valid number' for each problem."""
    return _describe(error, None)


def _describe(error: ValidationError, data: Any) -> str:
    """Each problem as 'field: message', naming the entry (its "name") when the file gives one."""
    parts = []
    for problem in error.errors():
        field = ".".join(str(part) for part in problem["loc"]) or "(top level)"
        entry = _entry_name(data, problem["loc"])
        if entry:
            field += f" (in {entry!r})"
        message = problem["msg"].removeprefix("Value error, ")
        value = problem.get("input")
        if problem["type"] not in ("missing", "extra_forbidden") and not isinstance(value, dict | list):
            message += f", not {value!r}"
        parts.append(f"{field}: {message}")
    return "; ".join(parts)


def _entry_name(data: Any, loc: tuple[int | str, ...]) -> str | None:
    """The "name" of the innermost list entry on the path to a problem, e.g. 'PX-20' for models.0.flow_max."""
    name = None
    for part in loc:
        if isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
            data = data[part]
            if isinstance(data, dict) and isinstance(data.get("name"), str):
                name = data["name"]
        elif isinstance(data, dict) and part in data:
            data = data[part]
        else:
            break
    return name


def _refuse_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number a pump can use")


def load_model_file(path: Path, model: type[Model]) -> Model:
    """Read `path` as JSON and validate it as `model`, or raise ResourceError naming what is wrong."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ResourceError(f"{path}: cannot be read ({error.strerror})") from error
    try:
        data = json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as error:
        where = f"line {error.lineno}, column {error.colno}"
        raise ResourceError(f"{path}: not valid JSON at {where}: {error.msg}") from error
    except ValueError as error:  # NaN or Infinity: Python's JSON reader would accept them
        raise ResourceError(f"{path}: not valid JSON: {error}") from error
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise ResourceError(f"{path}: {_describe(error, data)}") from error
