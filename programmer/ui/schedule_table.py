"""The steps of one day as a table: times, duration, rate per day and per hour, dose and volume, and the check.

Every figure carries its unit in the cell as well as in the header, so a cell read
alone (a screen reader, a screenshot) is never ambiguous. Start, end and both rate
cells are editable; a rate cell's editor names its unit and shows the other-unit
figure live ("= 240 mcg/day") before the entry is accepted. The model holds only
figures computed by programmer.session.schedule_edit; an edit is handed to the
`apply` callback, which answers with the reason when it refuses.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    Qt,
)
from PySide6.QtGui import QColor, QIcon
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from programmer.session.schedule_edit import RateEntry, StepRow
from programmer.therapy.units import DrugUnit
from programmer.ui.style import name

START, END, DURATION, PER_DAY, PER_HOUR, DOSE, VOLUME, CHECK = range(8)
EDITABLE = (START, END, PER_DAY, PER_HOUR)
RATE_COLUMNS = (PER_DAY, PER_HOUR)
PROBLEM_TEXT = QColor("#8a2a00")
PROBLEM_BACKGROUND = QColor("#fde2e2")
EditCallback = Callable[[int, int, str], str]  # (row, column, text) -> "" when applied, else the reason refused


class StepTableModel(QAbstractTableModel):
    """One row per step of the day shown."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._rows: list[StepRow] = []
        self._unit = DrugUnit.MG
        self.apply: EditCallback | None = None
        self.last_refusal = ""

    def headers(self) -> tuple[str, ...]:
        unit = self._unit.value
        return (
            "Start",
            "End",
            "Duration",
            f"Rate per DAY\n({unit}/day)",
            f"Same rate per hour\n({unit}/h)",
            f"Dose in step\n({unit})",
            "Volume in step\n(mL)",
            "Check",
        )

    def set_rows(self, rows: list[StepRow], unit: DrugUnit) -> None:
        """Show `rows`; the same number of steps updates cells in place, so an open editor survives."""
        if len(rows) == len(self._rows) and unit is self._unit:
            self._rows = list(rows)
            if rows:
                self.dataChanged.emit(self.index(0, 0), self.index(len(rows) - 1, CHECK))
                self.headerDataChanged.emit(Qt.Orientation.Vertical, 0, len(rows) - 1)
            return
        self.beginResetModel()
        self._rows, self._unit = list(rows), unit
        self.endResetModel()

    @property
    def rows(self) -> list[StepRow]:
        return list(self._rows)

    # --- the Qt model ------------------------------------------------------------------------------------
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008 (Qt's)
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else CHECK + 1

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self.headers()[section] if 0 <= section <= CHECK else None
        if 0 <= section < len(self._rows):
            return str(section + 1) if role == Qt.ItemDataRole.DisplayRole else f"Step {section + 1}"
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren
        if index.column() in EDITABLE:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def _text(self, row: StepRow, column: int) -> str:
        return (
            row.start_text,
            row.end_text,
            row.duration_text,
            row.per_day_text,
            row.per_hour_text,
            row.dose_text,
            row.volume_text,
            row.check_text,
        )[column]

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row, column = self._rows[index.row()], index.column()
        problems = row.problems
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self._text(row, column)
        if role == Qt.ItemDataRole.EditRole:
            return self._edit_text(row, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            if problems and column in (CHECK, PER_DAY, PER_HOUR):
                return "\n".join(problem.message for problem in problems)
            if column in EDITABLE:
                return f"{self.headers()[column]}: double-click or type to change (step {row.index + 1})"
            return None
        if role == Qt.ItemDataRole.DecorationRole and column == CHECK:
            style = (
                QStyle.StandardPixmap.SP_MessageBoxWarning if problems else QStyle.StandardPixmap.SP_DialogApplyButton
            )
            return _icon(style)
        if role == Qt.ItemDataRole.ForegroundRole and problems and column in (PER_DAY, PER_HOUR, CHECK):
            return PROBLEM_TEXT
        if role == Qt.ItemDataRole.BackgroundRole and problems and column in (PER_DAY, PER_HOUR, CHECK):
            return PROBLEM_BACKGROUND
        if role == Qt.ItemDataRole.TextAlignmentRole and column not in (CHECK,):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    @staticmethod
    def _edit_text(row: StepRow, column: int) -> str:
        """The bare number or time an editor starts from (its unit is beside the editor)."""
        if column == START:
            return row.start_text
        if column == END:
            return row.end_text.split(" ")[0]
        if column == PER_DAY:
            return row.per_day_text.split(" ")[0]
        if column == PER_HOUR:
            return row.per_hour_text.split(" ")[0]
        return ""

    def setData(self, index: QModelIndex | QPersistentModelIndex, value, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid() or index.column() not in EDITABLE:
            return False
        if self.apply is None:
            return False
        text = str(value).strip()
        if text == self._edit_text(self._rows[index.row()], index.column()):
            return False  # nothing changed: no edit, no undo step
        self.last_refusal = self.apply(index.row(), index.column(), text)
        return not self.last_refusal


def _icon(which: QStyle.StandardPixmap) -> QIcon:
    from PySide6.QtWidgets import QApplication

    return QApplication.style().standardIcon(which)


class RateCellEditor(QWidget):
    """A rate cell while it is edited: the number, its unit, and the other-unit figure as it is typed."""

    def __init__(self, unit_text: str, preview: Callable[[str], RateEntry], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAutoFillBackground(True)
        self._preview = preview
        self.line = name(QLineEdit(), "rateCellEdit", f"Rate in {unit_text}")
        self.unit = QLabel(unit_text)
        self.unit.setObjectName("rateCellUnit")
        self.equivalent = QLabel()
        self.equivalent.setObjectName("rateCellEquivalent")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(2, 0, 4, 0)
        layout.setSpacing(4)
        layout.addWidget(self.line, 1)
        layout.addWidget(self.unit)
        layout.addWidget(self.equivalent)
        self.setFocusProxy(self.line)
        self.line.textChanged.connect(self._typed)

    def _typed(self, text: str) -> None:
        entry = self._preview(text)
        self.equivalent.setText(entry.equivalent if entry.usable else "")
        self.setToolTip(entry.warning or entry.error)

    def text(self) -> str:
        return self.line.text()

    def set_text(self, text: str) -> None:
        self.line.setText(text)
        self.line.selectAll()


class StepTableDelegate(QStyledItemDelegate):
    """Rate cells get a RateCellEditor; time cells a plain line edit with an HH:MM hint."""

    def __init__(self, preview: Callable[[int, bool, str], RateEntry], unit: Callable[[], DrugUnit], parent=None):
        super().__init__(parent)
        self._preview = preview
        self._unit = unit

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: QModelIndex) -> QWidget:
        column, row = index.column(), index.row()
        if column in RATE_COLUMNS:
            per_hour = column == PER_HOUR
            unit = f"{self._unit().value}/{'h' if per_hour else 'day'}"
            editor = RateCellEditor(unit, lambda text: self._preview(row, per_hour, text), parent)
            editor.setObjectName("rateCellEditor")
            editor.line.returnPressed.connect(lambda: self._finish(editor))
            return editor
        editor = name(QLineEdit(parent), "timeCellEdit", "Time, HH:MM")
        editor.setPlaceholderText("HH:MM")
        return editor

    def _finish(self, editor: RateCellEditor) -> None:
        self.commitData.emit(editor)
        self.closeEditor.emit(editor, QStyledItemDelegate.EndEditHint.NoHint)

    def setEditorData(self, editor: QWidget, index: QModelIndex) -> None:
        text = str(index.data(Qt.ItemDataRole.EditRole) or "")
        if isinstance(editor, RateCellEditor):
            editor.set_text(text)
        else:
            editor.setText(text)
            editor.selectAll()

    def setModelData(self, editor: QWidget, model: QAbstractItemModel, index: QModelIndex) -> None:
        model.setData(index, editor.text(), Qt.ItemDataRole.EditRole)

    def updateEditorGeometry(self, editor: QWidget, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        rect = QRect(option.rect)
        if isinstance(editor, RateCellEditor):
            # Wide enough for the number, its unit and the other-unit figure, whatever the column width.
            rect.setWidth(max(rect.width(), editor.sizeHint().width() + 60))
            rect.setHeight(max(rect.height(), editor.sizeHint().height()))
        editor.setGeometry(rect)
