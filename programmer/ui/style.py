"""Widget helpers every screen shares, and the dynamic properties the stylesheet keys on.

The look itself (palette, severity colours, sizes, the stylesheets) is programmer/ui/theme.py.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QLabel, QScrollArea, QWidget

# Dynamic properties the stylesheet reads.
PENDING = "pending"  # bool: a field edited but not yet programmed
SEVERITY = "severity"  # a Level value (programmer.session.levels): "critical" | "warning" | "info" | "ok" | "none"
LINK = "link"  # the LinkState value, with spaces replaced by dashes
ROLE = "role"  # static: "value" | "hint" | "badge" | "problem"


def set_flag(widget: QWidget, name: str, value: object) -> None:
    """Set a dynamic property and re-apply the stylesheet so the new look shows at once, padding and border too.

    Qt's unpolish/polish recolours a widget whose property changed after it was shown but keeps its old box
    margins (a label that becomes a badge drew its text on the new border); re-setting its own (usually empty)
    style sheet recomputes them.
    """
    if widget.property(name) == value:
        return
    widget.setProperty(name, value)
    widget.style().unpolish(widget)
    widget.style().polish(widget)
    widget.setStyleSheet(widget.styleSheet())
    widget.update()


def see_through(area: QScrollArea) -> QScrollArea:
    """A scroll area that shows the page behind it (Qt paints its content opaque by default)."""
    area.setFrameShape(QScrollArea.Shape.NoFrame)
    area.viewport().setAutoFillBackground(False)
    if area.widget() is not None:
        area.widget().setAutoFillBackground(False)
    return area


class WrappingLabel(QLabel):
    """One line when there is room, wrapped when there is not: asks for its full width, accepts less."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setWordWrap(True)

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        margins = self.contentsMargins()
        width = self.fontMetrics().horizontalAdvance(self.text()) + margins.left() + margins.right() + 2
        return QSize(max(hint.width(), width + self._indent()), hint.height())

    def _indent(self) -> int:
        """What QLabel keeps beside its text: a framed label (a badge's border) is indented by an 'x' by default."""
        if self.indent() >= 0:
            return self.indent()
        return max(0, self.fontMetrics().horizontalAdvance("x") - 2 * self.margin()) if self.frameWidth() else 0


def name(widget: QWidget, object_name: str, accessible_name: str) -> QWidget:
    """Every interactive widget gets both: tests find it by objectName, screen readers read the other."""
    widget.setObjectName(object_name)
    widget.setAccessibleName(accessible_name)
    return widget


def hint_label(text: str = "", object_name: str = "") -> QLabel:
    """Quiet guidance beside a field: limits, what a value means."""
    label = QLabel(text)
    label.setProperty(ROLE, "hint")
    label.setWordWrap(True)
    if object_name:
        label.setObjectName(object_name)
    return label


def value_label(object_name: str, accessible_name: str) -> QLabel:
    """A value the programmer shows (not edits): selectable, so it can be copied into notes."""
    label = QLabel("—")
    name(label, object_name, accessible_name)
    label.setProperty(ROLE, "value")
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def fit_height(window: QWidget) -> None:
    """A dialog tall enough for its wrapped lines: Qt sizes a window as if no label wrapped, clipping the last rows.

    The minimum is the height at the minimum width (the tallest the text gets); the window takes the height its
    text needs at its width now.
    """
    layout = window.layout()
    layout.activate()
    width = max(window.width() if window.isVisible() else window.sizeHint().width(), window.minimumWidth())
    window.setMinimumHeight(layout.totalHeightForWidth(window.minimumWidth()))
    window.resize(width, max(layout.totalHeightForWidth(width), window.minimumHeight()))
