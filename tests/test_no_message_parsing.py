"""No module reads facts back out of prose: an event's `.text` and a finding's `.message` are for people only.

Code reads the pump log's typed details and a finding's fields. This scans every module of the
package (its syntax tree, so comments and strings never count) for a `.text` or `.message`
attribute that is split, partitioned, sliced, searched (`startswith`, `find`, `in`) or given to a
regular expression, and for event details read as a dict (`.details[...]`, `.details.get(...)`).
Methods named text() (a widget's) are calls, not attributes, and are left alone; so is a whole
message compared or looked up as it is, and a user's case-insensitive search through the log.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "programmer"
PROSE = ("text", "message")
# Reading a part of a string back: what a parser does with it.
PARSING = {
    "split", "rsplit", "partition", "rpartition", "splitlines", "startswith", "endswith", "find", "rfind",
    "index", "rindex", "count", "removeprefix", "removesuffix", "replace",
}
# Whole-string transformations that keep it prose; what is done with the result is still judged.
TRANSPARENT = {"casefold", "lower", "upper", "strip", "lstrip", "rstrip"}
PATTERN_METHODS = {"match", "search", "fullmatch", "findall", "finditer", "split", "sub", "subn"}


def prose_read_back(source: str, filename: str = "<source>") -> list[str]:
    """Each place in `source` that parses an event's text or a finding's message, as 'line: code (how)'."""
    tree = ast.parse(source, filename)
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute):
            continue
        if node.attr == "details":
            how = _details_as_dict(node, parents.get(node))
        elif node.attr in PROSE and not _called(node, parents):
            how = _parsed(node, parents)
        else:
            continue
        if how:
            found.append(f"{filename}:{node.lineno}: {ast.unparse(node)} ({how})")
    return found


def _called(node: ast.AST, parents: dict) -> bool:
    parent = parents.get(node)
    return isinstance(parent, ast.Call) and parent.func is node


def _parsed(node: ast.AST, parents: dict) -> str:
    """How the string `node` is parsed, following whole-string transformations; '' when it is not."""
    parent = parents.get(node)
    while isinstance(parent, ast.Attribute) and parent.attr in TRANSPARENT and _called(parent, parents):
        node = parents[parent]
        parent = parents.get(node)
    if isinstance(parent, ast.Attribute) and parent.attr in PARSING:
        return f".{parent.attr}()"
    if isinstance(parent, ast.Subscript) and parent.value is node:
        return "sliced"
    searched = isinstance(parent, ast.Compare) and node in parent.comparators
    if searched and any(isinstance(op, ast.In | ast.NotIn) for op in parent.ops):
        return "searched with 'in'"
    matched = isinstance(parent, ast.Call) and node in parent.args and isinstance(parent.func, ast.Attribute)
    if matched and parent.func.attr in PATTERN_METHODS:
        return f"regular expression {parent.func.attr}()"
    return ""


def _details_as_dict(node: ast.Attribute, parent: ast.AST | None) -> str:
    if isinstance(parent, ast.Subscript) and parent.value is node:
        return "details read as a dict"
    if isinstance(parent, ast.Attribute) and parent.attr in ("get", "items", "keys", "values"):
        return f"details read as a dict (.{parent.attr})"
    return ""


def test_no_module_reads_facts_back_from_an_event_text_or_a_finding_message():
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        found += prose_read_back(path.read_text(encoding="utf-8"), str(path.relative_to(PACKAGE.parent)))
    assert found == [], "read the typed fields instead:\n" + "\n".join(found)


@pytest.mark.parametrize(
    "line",
    [
        # The bolus history before details were typed: the description cut out of the event's text.
        'given = event.text.split(": ", 1)[1] if ": " in event.text else event.text',
        "first = event.text.partition(':')[0]",
        "tail = event.text[10:]",
        "beyond = [problem for problem in problems if 'beyond' in problem.message]",
        "flag = finding.message.lower().startswith('off-label')",
        "dose = re.search(r'(\\d+) mg', event.text)",
        "note = NOTE_PATTERN.match(finding.message)",
        "cancelled = event.details.get('cancelled')",
        "volume = float(event.details['volume_ml'])",
    ],
)
def test_the_check_catches_each_way_of_reading_prose_back(line):
    assert prose_read_back(line), line


@pytest.mark.parametrize(
    "line",
    [
        "reason = self.reason.text().strip()",  # a widget's text() method
        "shown = [event.text.casefold() for event in events]",  # the log's search box: prose searched as prose
        "lines = [event.text] + [f'{label}: {value}' for label, value in event.details.lines()]",
        "new = finding.message not in logged",  # a whole message looked up as it is
        "if event.details.phase is BolusPhase.CANCELLED: pass",
    ],
)
def test_the_check_leaves_display_and_typed_reads_alone(line):
    assert prose_read_back(line) == [], line
