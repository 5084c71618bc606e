"""The dependency rule, as import-linter contracts in pyproject.toml: layers, Qt only in the window, and the
window never touching the pump's file or factory. CI also runs `lint-imports` on its own."""

from pathlib import Path

from importlinter.cli import lint_imports

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"


def test_the_import_contracts_hold(capsys):
    code = lint_imports(config_filename=str(PYPROJECT), no_cache=True, no_logo=True)
    report = capsys.readouterr().out
    assert code == 0, report
    assert "BROKEN" not in report and report.count("KEPT") == 3
