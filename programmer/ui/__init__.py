"""PySide6 and pyqtgraph widgets: show session state, forward user intent.

The Qt-free layers the window starts with are imported here, before Qt: PySide6's import hook reads the
source of every module imported after Qt (it looks for `from __feature__ import`), so theirs is never read,
nor numpy's (the alarm tones'). Start-up, issue 16; a module missing here is only read, not wrong.
"""

from programmer.session import (  # noqa: F401
    about,
    alarm_screen,
    idle,
    plot_data,
    prescription_form,
    schedule_edit,
    status_screen,
    tour,
    visit,
)
from programmer.training import instructor_pin  # noqa: F401
