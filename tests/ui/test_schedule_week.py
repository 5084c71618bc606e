"""The week overview while a boundary is dragged: each day's blocks follow the boundary, painted where the data says.

The pump: a PX-20 on four steps, 00:00–06:00 150, 06:00–12:00 200, 12:00–18:00 180, 18:00–24:00 220 mcg/day,
one schedule for every day (tests.ui.test_schedule_editor's).
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, Qt

from programmer.therapy.units import MINUTES_PER_DAY
from programmer.ui.schedule.timeline_drawing import STEP_FILL
from tests.ui.test_schedule_editor import editor, session  # noqa: F401 (fixtures)


def painted(widget):
    image = widget.grab().toImage()
    return lambda point: image.pixelColor(round(point.x()), round(point.y()))


def chart_point(week, weekday: int, minute: int, per_day: float) -> QPointF:
    """Where (minute, rate per day) is in `weekday`'s chart of the overview: 00:00–24:00 across, 0 to the ceiling up."""
    chart = week.chart_rect(weekday)
    x = chart.left() + minute / MINUTES_PER_DAY * chart.width()
    return QPointF(x, chart.bottom() - per_day / week.ceiling * chart.height())


def test_while_a_boundary_is_held_every_weekday_row_paints_the_previewed_day(qtbot, editor):  # noqa: F811
    week, timeline = editor.week_box.overview, editor.timeline
    # 12:30, between the heights of 180 (step 3 now) and 200 mcg/day (step 2 when it runs on to 13:00).
    probe = [chart_point(week, weekday, 12 * 60 + 30, 190) for weekday in range(7)]
    before = painted(week)
    assert all(before(point) != STEP_FILL for point in probe)  # above the 180 block: not filled

    qtbot.mousePress(timeline, Qt.MouseButton.LeftButton, pos=timeline.boundary_point(2).toPoint())  # 12:00
    qtbot.mouseMove(timeline, pos=QPoint(round(timeline.x_for_minute(13 * 60)), 120))
    assert timeline.drag_text == "Step 3 starts 13:00 (was 12:00)"
    during = painted(week)
    assert all(during(point) == STEP_FILL for point in probe)  # step 2 (200 mcg/day) now runs to 13:00
    assert [row.dose_text for row in week.rows] == ["188.3 mcg/day"] * 7

    qtbot.keyClick(timeline, Qt.Key.Key_Escape)  # put back: the week shows the schedule again
    after = painted(week)
    assert all(after(point) != STEP_FILL for point in probe)
    assert [row.dose_text for row in week.rows] == ["187.5 mcg/day"] * 7
