"""The look of the programmer: one calm stylesheet, and the dynamic properties it keys on.

Colour never carries meaning alone: every coloured state also has its word
("pending", "changed", "CRITICAL"), so the stylesheet only reinforces the text.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QLabel, QScrollArea, QWidget

# Dynamic properties the stylesheet reads.
PENDING = "pending"  # bool: a field edited but not yet programmed
CHANGED = "changed"  # bool: a review value that differs from the pump's
SEVERITY = "severity"  # "critical" | "warning" | "info" | "ok"
LINK = "link"  # the LinkState value, with spaces replaced by dashes
ROLE = "role"  # static: "value" | "hint" | "badge" | "problem"

STYLESHEET = """
QMainWindow, QDialog { background: #f4f6f8; }
QWidget#header { background: #1f3a4d; }
QWidget#header QLabel { color: #ffffff; }
QLabel#banner {
    background: #f2c94c; color: #1a1a1a; font-weight: bold; padding: 4px 10px; border-radius: 3px;
}
QLabel#headerPump { font-weight: bold; }
QLabel#headerLink { padding: 2px 8px; border-radius: 3px; font-weight: bold; }
QLabel#headerLink[link="not-connected"] { background: #6b7a86; }
QLabel#headerLink[link="interrogating"] { background: #2d7fb8; }
QLabel#headerLink[link="connected"] { background: #2e7d4f; }
QLabel#headerLink[link="programming"] { background: #b86a00; }
QGroupBox { font-weight: bold; border: 1px solid #c5ced6; border-radius: 4px; margin-top: 1.2em; background: #ffffff; }
QGroupBox::title { subcontrol-origin: margin; left: 8px; padding: 0 4px; }
QGroupBox QLabel, QGroupBox QCheckBox { font-weight: normal; }
QLabel[role="value"] { font-weight: bold; }
QLabel[role="hint"] { color: #4a5a66; }
*[pending="true"] { background: #fff1cc; border: 1px solid #c98a00; border-radius: 3px; }
QLabel[role="badge"][pending="true"] { color: #6b4700; font-weight: bold; padding: 0 6px; }
QLabel[role="problem"] { color: #9b1c1c; font-weight: bold; }
QLabel#programResult { font-weight: bold; }
QPushButton { padding: 4px 14px; }
QPushButton#programButton { font-weight: bold; padding: 6px 18px; }
QPushButton#programButton:enabled { background: #1f5f8b; color: white; border: 1px solid #173f5c; border-radius: 3px; }
QTableWidget { background: #ffffff; gridline-color: #d8dee3; }
QTableWidget::item { padding: 3px 6px; }
QFrame#clockBar { background: #e8edf1; border: 1px dashed #8a9aa6; border-radius: 4px; }
QTabWidget::pane { border: 1px solid #c5ced6; background: #f4f6f8; }
"""


# Severity colours: background, text, border. The words ("CRITICAL", "Warning") are always in the text too.
_SEVERITY_COLOURS = {
    "critical": ("#fde2e2", "#7a1010", "#c0392b"),
    "warning": ("#fff1cc", "#5c3d00", "#c98a00"),
    "info": ("#e3eef8", "#173b5c", "#5b8db8"),
    "ok": ("#e3f4e8", "#18502e", "#2e7d4f"),
}
STYLESHEET += "".join(
    f'*[severity="{level}"] {{ background: {back}; color: {text}; border: 1px solid {border}; '
    "border-radius: 3px; padding: 3px 6px; }\n"
    for level, (back, text, border) in _SEVERITY_COLOURS.items()
)


def set_flag(widget: QWidget, name: str, value: object) -> None:
    """Set a dynamic property and re-apply the stylesheet so the new look shows at once."""
    if widget.property(name) == value:
        return
    widget.setProperty(name, value)
    widget.style().unpolish(widget)
    widget.style().polish(widget)
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
        return QSize(max(hint.width(), width), hint.height())


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
