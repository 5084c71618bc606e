"""Where a key is written in a TOML text: the line of each table and key, by its path.

Python's TOML reader gives values, not positions, so a problem found in a scenario is placed by
reading the text again: table headers ([a.b], [[a]] counted per array), keys (`a = …`, dotted keys),
skipping comments, multi-line strings and the inside of multi-line arrays. A path the text does
not spell out (a value inside an inline table or a list) is placed at its nearest written parent.
"""

from __future__ import annotations

import re

Path = tuple[str | int, ...]
_KEY = re.compile(r"""^((?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*'))*)\s*=""")


def _parts(dotted: str) -> list[str]:
    return [part.strip().strip("\"'") for part in re.findall(r"""[A-Za-z0-9_-]+|"[^"]*"|'[^']*'""", dotted)]


def _resolve(parts: list[str], arrays: dict[Path, int]) -> Path:
    """A header's path with the current index of every array of tables on the way."""
    path: Path = ()
    for part in parts:
        path += (part,)
        if path in arrays:
            path += (arrays[path],)
    return path


def _depth_change(value: str) -> tuple[int, str | None]:
    """How many brackets `value` leaves open, and the multi-line string quote it leaves open (if any)."""
    depth, index, quote = 0, 0, None
    while index < len(value):
        if value.startswith(('"""', "'''"), index):
            closing = value.find(value[index : index + 3], index + 3)
            if closing < 0:
                return depth, value[index : index + 3]
            index = closing + 3
            continue
        char = value[index]
        if quote:
            if char == "\\" and quote == '"':
                index += 1
            elif char == quote:
                quote = None
        elif char in "\"'":
            quote = char
        elif char == "#":
            break
        elif char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
        index += 1
    return depth, None


def key_lines(text: str) -> dict[Path, int]:
    """{path: line number (from 1)} for every table and key the text writes out."""
    lines: dict[Path, int] = {}
    arrays: dict[Path, int] = {}
    table: Path = ()
    depth, open_string = 0, None
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if open_string:
            if line.count(open_string) % 2:
                open_string = None
            continue
        if depth > 0:
            change, open_string = _depth_change(line)
            depth += change
            continue
        if not line or line.startswith("#"):
            continue
        if line.startswith("[["):
            parts = _parts(line[2 : line.find("]]")])
            array = (*_resolve(parts[:-1], arrays), parts[-1])
            arrays[array] = arrays.get(array, -1) + 1
            table = (*array, arrays[array])
            lines.setdefault(array, number)
            lines[table] = number
        elif line.startswith("["):
            table = _resolve(_parts(line[1 : line.find("]")]), arrays)
            lines.setdefault(table, number)
        elif found := _KEY.match(line):
            lines.setdefault(table + tuple(_parts(found[1])), number)
            depth, open_string = _depth_change(line[found.end() :])
    return lines


def line_of(lines: dict[Path, int], where: Path) -> int | None:
    """The line of `where`, or of its nearest parent written in the text; None when none is."""
    for size in range(len(where), 0, -1):
        if where[:size] in lines:
            return lines[where[:size]]
    return None
