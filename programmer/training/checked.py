"""TOML data checked against msgspec records: every problem, each at its path, then at its line.

msgspec stops at the first problem; an author wants them all. So data that does not convert is
checked again part by part (each field of a record, each item of a list, the chosen member of a
tagged union), and each smallest part refused is one problem. `placed` gives each its line.
"""

from __future__ import annotations

from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin

import msgspec
from msgspec import Struct
from msgspec.structs import replace

from programmer.pump.schema import refusal
from programmer.training.toml_lines import key_lines, line_of

Where = tuple[str | int, ...]


class Problem(Struct, frozen=True):
    where: Where
    problem: str
    line: int | None = None

    @property
    def where_text(self) -> str:
        """'critical #2 rule': item numbers from 1, as an author counts the [[critical]] tables."""
        return " ".join(f"#{part + 1}" if isinstance(part, int) else part for part in self.where)

    def __str__(self) -> str:
        place = f"line {self.line}: " if self.line else ""
        return f"{place}{self.where_text + ': ' if self.where else ''}{self.problem}"


def placed(text: str, problems: list[Problem]) -> list[Problem]:
    """`problems` with the line of the key each is about (or of its nearest written parent)."""
    lines = key_lines(text)
    return [replace(problem, line=line_of(lines, problem.where)) for problem in problems]


def _bare(kind: Any) -> Any:
    while get_origin(kind) is Annotated:
        kind = get_args(kind)[0]
    return kind


def _members(kind: Any) -> list[Any]:
    if get_origin(kind) in (Union, UnionType):
        return [member for member in get_args(kind) if member is not type(None)]
    return [kind]


def _is_struct(kind: Any) -> bool:
    return isinstance(kind, type) and issubclass(kind, msgspec.Struct)


def _tagged_problems(data: Any, members: list[type[msgspec.Struct]], where: Where) -> list[Problem] | None:
    """The problems of `data` as the member its tag names; None when the members are no tagged union."""
    field = members[0].__struct_config__.tag_field
    if field is None or not isinstance(data, dict):
        return None
    tags = {member.__struct_config__.tag: member for member in members}
    if field not in data:
        return [Problem(where, f"give its {field}, one of: {', '.join(map(str, tags))}")]
    if data[field] not in tags:
        known = ", ".join(map(str, tags))
        return [Problem((*where, field), f"unknown {field} {data[field]!r}; give one of: {known}")]
    return problems_of(data, tags[data[field]], where)


def problems_of(data: Any, kind: Any, where: Where = ()) -> list[Problem]:
    """Every problem of `data` as `kind`: one per smallest part that msgspec refuses."""
    try:
        msgspec.convert(data, kind)
        return []
    except msgspec.ValidationError as error:
        found = refusal(error, where)
    members = [_bare(member) for member in _members(_bare(kind))]
    if len(members) > 1 and all(map(_is_struct, members)):
        tagged = _tagged_problems(data, members, where)
        if tagged is not None:
            return tagged
    bare = members[0] if len(members) == 1 and data is not None else None
    if _is_struct(bare) and isinstance(data, dict):
        return _struct_problems(data, bare, where)
    if get_origin(bare) is list and isinstance(data, list):
        item = get_args(bare)[0]
        items = [problem for index, value in enumerate(data) for problem in problems_of(value, item, (*where, index))]
        if items:
            return items
    return [Problem(found.where, found.problem)]


def _struct_problems(data: dict, struct: type[msgspec.Struct], where: Where) -> list[Problem]:
    fields = {field.encode_name: field for field in msgspec.structs.fields(struct)}
    tag_field = struct.__struct_config__.tag_field
    problems = [
        Problem((*where, key), f"unknown field {key!r}; this table has: {', '.join(fields)}")
        for key in data
        if key not in fields and key != tag_field
    ]
    for name, field in fields.items():
        if name in data:
            problems += problems_of(data[name], field.type, (*where, name))
        elif field.required:
            problems.append(Problem(where, f"missing required field {name!r}"))
    return problems
