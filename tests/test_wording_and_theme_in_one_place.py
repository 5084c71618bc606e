"""How a moment reads is programmer/wording.py's rule; what colour a thing is, programmer/ui/theme.py's.

A date format or a hex colour written anywhere else is a second copy of the rule, free to drift
from the first (as "%a %Y-%m-%d %H:%M" in the header did from "%Y-%m-%d %H:%M (Tuesday)" in the
clock bar, and the Okabe-Ito palette defined twice).
"""

import re
from pathlib import Path

PACKAGE = Path(__file__).parent.parent / "programmer"

# A date or moment formatted for a reader ("2026-11-21", "09:30", "Sat", "Nov").
DISPLAY_FORMAT = re.compile(r"%Y-%m-%d[ }\"']|%H:%M[}\"')]|%a[ }\"']|%b[ }\"']")
HEX_COLOUR = re.compile(r"#[0-9a-fA-F]{6}\b")

# Not for a reader: the date axis's tick formats are pyqtgraph's, a report's file name is not shown as a date.
NOT_SHOWN = {"ui/plot/axis.py"}


def sources():
    for path in sorted(PACKAGE.rglob("*.py")):
        yield path.relative_to(PACKAGE).as_posix(), path.read_text(encoding="utf-8")


def test_dates_and_moments_are_formatted_only_in_the_wording_module():
    found = [
        f"{name}:{number}: {line.strip()}"
        for name, text in sources()
        if name != "wording.py" and name not in NOT_SHOWN
        for number, line in enumerate(text.splitlines(), 1)
        if DISPLAY_FORMAT.search(line)
    ]
    assert found == []


def test_colours_are_named_only_in_the_theme():
    found = [
        f"{name}:{number}: {line.strip()}"
        for name, text in sources()
        if name != "ui/theme.py"
        for number, line in enumerate(text.splitlines(), 1)
        if HEX_COLOUR.search(line)
    ]
    assert found == []
