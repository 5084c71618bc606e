"""The dependency rule: nothing outside programmer/ui imports Qt, and inner layers never import outer ones."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "programmer"
QT = ("PySide6", "pyqtgraph", "shiboken6")
# layer -> layers it must never import
FORBIDDEN = {
    "therapy": ("programmer.pump", "programmer.session", "programmer.ui", "programmer.cli"),
    "pump": ("programmer.session", "programmer.ui", "programmer.cli"),
    "session": ("programmer.ui", "programmer.cli"),
}


def imported_modules(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
    return names


def python_files_outside_ui() -> list[Path]:
    return [p for p in PACKAGE.rglob("*.py") if "ui" not in p.relative_to(PACKAGE).parts]


@pytest.mark.parametrize("path", python_files_outside_ui(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_qt_outside_ui(path):
    offending = [name for name in imported_modules(path) if name.split(".")[0] in QT]
    assert offending == [], f"{path.relative_to(PACKAGE)} imports {offending}: only programmer/ui may import Qt"


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_inner_layers_do_not_import_outer(layer):
    for path in (PACKAGE / layer).rglob("*.py"):
        for name in imported_modules(path):
            assert not name.startswith(FORBIDDEN[layer]), f"{path.relative_to(PACKAGE)} imports {name}"


def test_wording_imports_nothing_of_the_project():
    """programmer/wording.py may be imported from any layer, so it imports no layer itself."""
    path = PACKAGE / "wording.py"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    relative = [node.module or "." for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.level]
    project = [name for name in imported_modules(path) if name.split(".")[0] == "programmer"]
    assert relative + project == [], f"wording.py imports {relative + project}"


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_every_layer_may_import_wording(layer):
    """The wording module is no layer: the rule above never forbids it."""
    assert not "programmer.wording".startswith(FORBIDDEN[layer])


def test_rule_detects_a_forbidden_import(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("from PySide6.QtWidgets import QWidget\n")
    assert imported_modules(bad) == ["PySide6.QtWidgets"]
