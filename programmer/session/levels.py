"""How urgent a line on a screen is: the screen colours it by its level, and its words say it too.

The values are the ones the stylesheet keys its severity colours on (programmer/ui/theme.py).
"""

from __future__ import annotations

from enum import StrEnum

from programmer.pump.alarms import Severity
from programmer.therapy.safety import FindingSeverity


class Level(StrEnum):
    CRITICAL = "critical"
    WARNING = "warning"
    INFO = "info"
    OK = "ok"
    NONE = "none"  # nothing to draw attention to


# A safety finding's level wherever it is listed (review, boluses, schedule).
FINDING_LEVELS = {
    FindingSeverity.BLOCK: Level.CRITICAL,
    FindingSeverity.NEEDS_REASON: Level.WARNING,
    FindingSeverity.WARNING: Level.WARNING,
    FindingSeverity.INFO: Level.INFO,
}

# A pump alarm's level wherever it is shown (status screen, header, alarm dialog, alarm test).
ALARM_LEVELS = {Severity.CRITICAL: Level.CRITICAL, Severity.NON_CRITICAL: Level.WARNING}
