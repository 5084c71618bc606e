"""Finding and loading the data files in `resources/`.

The same lookup works from a checkout (resources/ beside the package) and from
an installed wheel (resources/ shipped inside the package). A file is decoded into
frozen msgspec records (fast: the programmer reads two of them at every start). A
broken file is refused naming the file, and the field and the problem of each
field refused, so a clinic can fix them all at once.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from enum import Enum
from pathlib import Path
from types import UnionType
from typing import Annotated, Any, ClassVar, Generic, Literal, Protocol, TypeVar, Union, get_args, get_origin

import msgspec

from programmer.errors import ProgrammerError

_PACKAGE = Path(__file__).resolve().parent


class ResourceError(ProgrammerError):
    """A resource file is missing or does not validate."""


def name_key(name: str) -> str:
    """How a drug or a pump model is named in a look-up: any case, spaces around it ignored ('Morphine ' = morphine)."""
    return name.strip().lower()


class Resource(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A record of a resource file: each field typed, with its limits (`msgspec.Meta`); `__post_init__` checks one
    field against another and raises ValueError saying which.

    Numbers and yes/no fields must be written as such (decoding is strict): "24" or "true" in quotes is
    a typing slip a clinic should see, not something to coerce silently. Whole numbers count as numbers.
    """


Record = TypeVar("Record", bound=Resource)


class _Named(Protocol):
    name: str


Entry = TypeVar("Entry", bound=_Named)


class Catalog(Resource, Generic[Entry], frozen=True):
    """A resource file's named entries (drugs, pump models), found by name_key.

    Two names that differ only in case or spaces would be one entry found twice: the file is refused.
    """

    entries_field: ClassVar[str]  # "drugs": the field that lists the entries
    entry_word: ClassVar[str]  # "drug": for "drug names must be unique" and "unknown drug 'heroin'"
    known_words: ClassVar[str]  # "the library has": before the names an unknown one is told

    def entries(self) -> Sequence[Entry]:
        return getattr(self, self.entries_field)

    @property
    def names(self) -> list[str]:
        return [entry.name for entry in self.entries()]

    def __post_init__(self) -> None:
        keys = [name_key(name) for name in self.names]
        repeated = sorted({name for name, key in zip(self.names, keys, strict=True) if keys.count(key) > 1})
        if repeated:
            raise ValueError(f"{self.entry_word} names must be unique, repeated: {', '.join(repeated)}")

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


def _refuse_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number a pump can use")


def load_model_file(path: Path, model: type[Record]) -> Record:
    """Read `path` as JSON and decode it as `model`, or raise ResourceError naming what is wrong."""
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
        return msgspec.convert(data, model, strict=True)
    except msgspec.ValidationError as error:
        raise ResourceError(f"{path}: {described(data, model, error)}") from None


# --- what a clinic reads when a file is refused ----------------------------------------------------------------------
# msgspec stops at the first problem and words it for programmers; a clinic fixing a file wants every field
# refused, each worded as a sentence. So a refused file is checked again here, field by field, against the
# same records (their fields' types and msgspec.Meta limits): only when it is refused, never on the way in.

Where = tuple[str | int, ...]
_LIMITS = ("gt", "ge", "lt", "le", "min_length", "max_length")


def described(data: Any, model: type[Resource], error: msgspec.ValidationError) -> str:
    """Each problem as 'field (in 'entry'): problem', naming the entry (its "name") when the file gives one."""
    found = _problems(data, model, ()) or [((), str(error.__cause__ or error))]
    parts = []
    for where, problem in found:
        field = ".".join(map(str, where)) or "(top level)"
        if entry := _entry_name(data, where):
            field += f" (in {entry!r})"
        parts.append(f"{field}: {problem}")
    return "; ".join(parts)


def _problems(value: Any, hint: Any, where: Where) -> list[tuple[Where, str]]:
    """Every problem of `value` as a field typed `hint` holds it; none when it holds."""
    kind, limits = hint, {}
    if get_origin(hint) is Annotated:
        kind, *metas = get_args(hint)
        limits = {name: getattr(meta, name) for meta in metas for name in _LIMITS}
        limits = {name: limit for name, limit in limits.items() if limit is not None}
    if isinstance(kind, type) and issubclass(kind, msgspec.Struct):
        return _record_problems(value, kind, where)
    if get_origin(kind) in (Union, UnionType):  # resource files hold one kind of union: a value or null
        return [] if value is None else _problems(value, next(a for a in get_args(kind) if a is not type(None)), where)
    if get_origin(kind) is list:
        if not isinstance(value, list):
            return [(where, f"Input should be a valid list{_not(value)}")]
        (item,) = get_args(kind)
        found = [problem for at, one in enumerate(value) for problem in _problems(one, item, (*where, at))]
        if not found and len(value) < limits.get("min_length", 0):
            found = [(where, f"List should have at least {_count(limits['min_length'], 'item')} after validation")]
        if not found and len(value) > limits.get("max_length", len(value)):
            found = [(where, f"List should have at most {_count(limits['max_length'], 'item')} after validation")]
        return [(at, f"{problem}, not {len(value)}" if at == where else problem) for at, problem in found]
    problem = _value_problem(value, kind, limits)
    return [] if problem is None else [(where, problem + _not(value))]


def _record_problems(value: Any, record: type[msgspec.Struct], where: Where) -> list[tuple[Where, str]]:
    if not isinstance(value, dict):
        return [(where, f"Input should be a valid dictionary or instance of {record.__name__}{_not(value)}")]
    fields = msgspec.structs.fields(record)
    found = []
    for field in fields:
        if field.encode_name in value:
            found += _problems(value[field.encode_name], field.type, (*where, field.encode_name))
        elif field.required:
            found.append(((*where, field.encode_name), "Field required"))
    names = {field.encode_name for field in fields}
    found += [((*where, key), "Extra inputs are not permitted") for key in value if key not in names]
    if not found:  # every field holds: what the record checks across its fields (its __post_init__)
        try:
            msgspec.convert(value, record, strict=True)
        except msgspec.ValidationError as error:
            found.append((where, str(error.__cause__ or error)))
    return found


def _value_problem(value: Any, kind: Any, limits: dict[str, Any]) -> str | None:
    if get_origin(kind) is Literal or (isinstance(kind, type) and issubclass(kind, Enum)):
        allowed = get_args(kind) if get_origin(kind) is Literal else [member.value for member in kind]
        if any(type(value) is type(choice) and value == choice for choice in allowed):
            return None
        words = [repr(choice) for choice in allowed]
        return "Input should be " + (f"{', '.join(words[:-1])} or {words[-1]}" if len(words) > 1 else words[0])
    if kind is bool:
        return None if isinstance(value, bool) else "Input should be a valid boolean"
    if kind is str:
        if not isinstance(value, str):
            return "Input should be a valid string"
        if len(value) < limits.get("min_length", 0):
            return f"String should have at least {_count(limits['min_length'], 'character')}"
        if len(value) > limits.get("max_length", len(value)):
            return f"String should have at most {_count(limits['max_length'], 'character')}"
        return None
    if kind in (int, float):
        if isinstance(value, bool) or not isinstance(value, int if kind is int else int | float):
            return f"Input should be a valid {'integer' if kind is int else 'number'}"
        tests = {"gt": ("greater than", float.__gt__), "ge": ("greater than or equal to", float.__ge__),
                 "lt": ("less than", float.__lt__), "le": ("less than or equal to", float.__le__)}
        for name, (words, holds) in tests.items():
            if name in limits and not holds(float(value), float(limits[name])):
                return f"Input should be {words} {limits[name]:g}"
        return None
    return None  # anything else: msgspec's own refusal stands (described() falls back to it)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


def _not(value: Any) -> str:
    """', not 13.5': the value as written, after the problem; not for an object or a list (too long to quote)."""
    return "" if isinstance(value, dict | list) else f", not {value!r}"


def _entry_name(data: Any, loc: Where) -> str | None:
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
