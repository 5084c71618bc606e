"""The schedule editor's timeline: a click selects a step, a boundary can be dragged, a double-click splits.

Boundaries between steps snap to the quarter hour and show the exact time while they move;
Escape (or losing focus) puts them back, never half-applied. What it draws is
programmer.ui.schedule.timeline_drawing's; the same widget, read-only, shows old and new
schedules on the review screen (programmer.ui.schedule.comparison).
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import QKeyEvent, QMouseEvent
from PySide6.QtWidgets import QWidget

from programmer.session.schedule_edit import SNAP_MINUTES, BoundaryDrag, snap_minute
from programmer.therapy.schedule import DaySchedule
from programmer.therapy.units import MINUTES_PER_DAY
from programmer.ui.schedule.timeline_drawing import TimelineDrawing, segments
from programmer.ui.style import name

HANDLE_PX = 6  # how near a boundary a press must land to grab it


class ScheduleTimeline(TimelineDrawing):
    """One day's steps against the clock. Interactive by default; read-only for the review screen."""

    step_selected = Signal(int)
    boundary_moved = Signal(int, int)  # step index, its new start minute
    drag_preview = Signal(object)  # the DaySchedule under a drag, then None when the drag ends or is cancelled
    split_requested = Signal(int, int)  # step index, minute
    delete_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None, *, interactive: bool = True) -> None:
        super().__init__(parent, interactive=interactive)
        if interactive:
            name(
                self, "scheduleTimeline", "Schedule timeline: rate per day through the day; drag a boundary to move it"
            )
            self.setToolTip(
                f"Click a step to select it · drag a boundary to move it (snaps to {SNAP_MINUTES} min, Esc cancels)"
                " · double-click to split a step there"
            )
            self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
            self.setMouseTracking(True)

    def show_schedule(self, day: DaySchedule | None, *args, **kwargs) -> None:
        """As TimelineDrawing.show_schedule; a drag under way is put back first (the schedule changed under it)."""
        if self._drag is not None:
            self._end_drag(cancelled=True, quiet=True)
        super().show_schedule(day, *args, **kwargs)

    # --- where to press (public so tests can press at computed pixels) -----------------------------
    def boundary_point(self, index: int, right_edge: bool = False) -> QPointF:
        """Where to press to grab the boundary at the start of step `index` (halfway up the plot)."""
        minute = MINUTES_PER_DAY if right_edge else self._day.steps[index].start_minute
        return QPointF(self.x_for_minute(minute), self.plot_rect().center().y())

    def step_point(self, index: int) -> QPointF:
        """A point inside step `index`'s block (its main piece), for clicks."""
        pieces = [piece for piece in segments(self._day) if piece[0] == index]
        _, start, end, _ = max(pieces, key=lambda piece: piece[2] - piece[1])
        return QPointF(self.x_for_minute((start + end) / 2), self.plot_rect().bottom() - 6)

    def boundary_at(self, point: QPointF) -> tuple[int, bool] | None:
        """(step index, grabbed at the right edge) of the boundary under `point`, if any."""
        plot = self.plot_rect()
        if not plot.top() - HANDLE_PX <= point.y() <= plot.bottom() + HANDLE_PX * 3:
            return None
        near = [(abs(x - point.x()), index, x) for index, x in self._boundaries() if abs(x - point.x()) <= HANDLE_PX]
        if not near:
            return None
        _, index, x = min(near)
        return index, x > plot.right() - 1

    # --- the pointer and the keys ----------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:
        if not self.interactive or self._day is None or event.button() != Qt.MouseButton.LeftButton:
            super().mousePressEvent(event)
            return
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        point = event.position()
        grabbed = self.boundary_at(point)
        if grabbed is not None:
            self._start_drag(*grabbed)
        elif self.plot_rect().contains(point):
            index = self._day.index_at(self.minute_for_x(point.x()))
            self._selected = index
            self.step_selected.emit(index)
        self.update()
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._drag is not None:
            self.drag_to(event.position().x())
            event.accept()
            return
        if self.interactive:
            grabbed = self.boundary_at(event.position())
            hover = None if grabbed is None else grabbed[0]
            if hover != self._hover:
                self._hover = hover
                shape = Qt.CursorShape.SplitHCursor if hover is not None else Qt.CursorShape.ArrowCursor
                self.setCursor(shape)
                self.update()
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._drag is not None and event.button() == Qt.MouseButton.LeftButton:
            self.drag_to(event.position().x())
            self._end_drag(cancelled=False)
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        point = event.position()
        if (
            not self.interactive
            or self._day is None
            or self._drag is not None
            or not self.plot_rect().contains(point)
            or self.boundary_at(point) is not None
        ):
            super().mouseDoubleClickEvent(event)
            return
        minute = snap_minute(self.minute_for_x(point.x())) % MINUTES_PER_DAY
        self.split_requested.emit(self._day.index_at(self.minute_for_x(point.x())), minute)
        event.accept()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key == Qt.Key.Key_Escape and self._drag is not None:
            self._end_drag(cancelled=True)
            event.accept()
            return
        day = self._day
        if self.interactive and day is not None and self._drag is None:
            count = len(day.steps)
            if key in (Qt.Key.Key_Left, Qt.Key.Key_Right):
                step = -1 if key == Qt.Key.Key_Left else 1
                index = 0 if self._selected is None else (self._selected + step) % count
                self._selected = index
                self.step_selected.emit(index)
                self.update()
                event.accept()
                return
            if key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and self._selected is not None:
                self.delete_requested.emit(self._selected)
                event.accept()
                return
        super().keyPressEvent(event)

    def focusOutEvent(self, event) -> None:
        # A drag the pointer can no longer finish is put back, never half-applied.
        if self._drag is not None:
            self._end_drag(cancelled=True)
        super().focusOutEvent(event)

    # --- dragging ------------------------------------------------------------------------------------------
    def _start_drag(self, index: int, right_edge: bool) -> None:
        self._drag = BoundaryDrag.grab(self._day, index, right_edge)
        self._selected = index
        self.step_selected.emit(index)
        self.update()

    def drag_to(self, x: float) -> None:
        """Move the grabbed boundary under `x`: on the quarter hour, never onto or past a neighbour."""
        if self._drag is not None and self._drag.move_to(self.minute_for_x(x)):
            self.drag_preview.emit(self.day)
        self.update()

    def _end_drag(self, cancelled: bool, quiet: bool = False) -> None:
        drag, self._drag = self._drag, None
        self.update()
        if quiet:
            return
        if not cancelled and drag.moved:
            # No "preview ended" first: the move redraws everything from the new schedule anyway.
            self.boundary_moved.emit(drag.index, drag.minute)
        else:
            self.drag_preview.emit(None)
