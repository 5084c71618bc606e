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
from PySide6.QtGui import QColor, QFontMetrics, QIcon
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QWidget,
)

from programmer.session.schedule_figures import RateEntry, StepRow
from programmer.therapy.units import DrugUnit
from programmer.ui.style import name
from programmer.ui.theme import ScheduleColours

START, END, DURATION, PER_DAY, PER_HOUR, DOSE, VOLUME, CHECK = range(8)
EDITABLE = (START, END, PER_DAY, PER_HOUR)
RATE_COLUMNS = (PER_DAY, PER_HOUR)
PROBLEM_TEXT = QColor(ScheduleColours.PROBLEM_TEXT)
PROBLEM_BACKGROUND = QColor(ScheduleColours.PROBLEM_BACKGROUND)
_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren
_EDITABLE_FLAGS = _FLAGS | Qt.ItemFlag.ItemIsEditable
_TEXT_ROLES = (int(Qt.ItemDataRole.DisplayRole), int(Qt.ItemDataRole.AccessibleTextRole))
_EDIT = int(Qt.ItemDataRole.EditRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_DECORATION = int(Qt.ItemDataRole.DecorationRole)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
_BACKGROUND = int(Qt.ItemDataRole.BackgroundRole)
_ALIGNMENT = int(Qt.ItemDataRole.TextAlignmentRole)
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
EditCallback = Callable[[int, int, str], str]  # (row, column, text) -> "" when applied, else the reason refused


class StepTableModel(QAbstractTableModel):
    """One row per step of the day shown."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._rows: list[StepRow] = []
        self._texts: list[tuple[str, ...]] = []
        self._tips: list[str] = []
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
            f"Same, per hour\n({unit}/h)",
            f"Dose in step\n({unit})",
            "Volume in\nstep (mL)",
            "Check",
        )

    def set_rows(self, rows: list[StepRow], unit: DrugUnit) -> None:
        """Show `rows`; the same number of steps updates cells in place, so an open editor survives."""
        # Texts are made once here: a view asks for them many times per paint.
        old_texts = self._texts
        self._texts = [tuple(self._text(row, column) for column in range(CHECK + 1)) for row in rows]
        self._tips = ["\n".join(problem.message for problem in row.problems) for row in rows]
        if len(rows) == len(self._rows) and unit is self._unit:
            old_problems = [row.problems for row in self._rows]
            self._rows = list(rows)
            # Only the rows that changed are announced: a whole-table change makes the view redo its layout.
            changed = [
                number
                for number, row in enumerate(rows)
                if old_texts[number] != self._texts[number] or old_problems[number] != row.problems
            ]
            if changed:
                self.dataChanged.emit(self.index(changed[0], 0), self.index(changed[-1], CHECK))
            return
        self.beginResetModel()
        self._rows, self._unit = list(rows), unit
        self.endResetModel()

    @property
    def unit(self) -> DrugUnit:
        return self._unit

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
        return _EDITABLE_FLAGS if index.column() in EDITABLE else _FLAGS

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
        # Roles compared as plain numbers: a view asks thousands of times per paint.
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        number, column = index.row(), index.column()
        role = int(role)
        if role in _TEXT_ROLES:
            return self._texts[number][column]
        row = self._rows[number]
        problems = row.problems
        if role == _EDIT:
            return self._edit_text(row, column)
        if role == _TOOLTIP:
            if problems and column in (CHECK, PER_DAY, PER_HOUR):
                return self._tips[number]
            if column in EDITABLE:
                header = self.headers()[column].replace("\n", " ")
                return f"{header}: double-click or type to change (step {row.index + 1})"
            return None
        if role == _DECORATION and column == CHECK:
            warning, ok = QStyle.StandardPixmap.SP_MessageBoxWarning, QStyle.StandardPixmap.SP_DialogApplyButton
            return _icon(warning if problems else ok)
        marked = problems and column in (PER_DAY, PER_HOUR, CHECK)
        if role == _FOREGROUND and marked:
            return PROBLEM_TEXT
        if role == _BACKGROUND and marked:
            return PROBLEM_BACKGROUND
        if role == _ALIGNMENT and column != CHECK:
            return _RIGHT
        return None

    @staticmethod
    def _edit_text(row: StepRow, column: int) -> str:
        """The bare number or time an editor starts from (its unit is beside the editor)."""
        if column == START:
            return row.start_text
        if column == END:
            return row.end_edit_text
        if column in RATE_COLUMNS:
            return row.rate_number(per_hour=column == PER_HOUR)
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


_ICONS: dict[QStyle.StandardPixmap, QIcon] = {}


def _icon(which: QStyle.StandardPixmap) -> QIcon:
    if which not in _ICONS:
        _ICONS[which] = QApplication.style().standardIcon(which)
    return _ICONS[which]


def fit_columns(view: QTableView) -> None:
    """Columns as wide as their widest text (header lines included), measured here rather than by the view,
    whose automatic resize-to-contents asks every cell for every role on every change."""
    model = view.model()
    header = view.horizontalHeader()
    cell = QFontMetrics(view.font())
    heading = QFontMetrics(header.font())
    icon = view.iconSize().width() if view.iconSize().isValid() else 16
    for column in range(model.columnCount() - 1):  # the last column stretches
        title = str(model.headerData(column, Qt.Orientation.Horizontal) or "")
        widths = [heading.horizontalAdvance(line) + 12 for line in title.split("\n")]  # header margins
        widths += [
            cell.horizontalAdvance(str(model.index(row, column).data() or "")) for row in range(model.rowCount())
        ]
        width = max(widths) + 14 + (icon + 6 if column == CHECK else 0)
        if header.sectionSize(column) != width:
            header.resizeSection(column, width)


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


class StepTable(QTableView):
    """The table of the day's steps: one row selected at a time, its time and rate cells editable in place.

    `apply(row, column, text)` takes an edit (answering '' or the reason refused), `preview(row, per_hour, text)`
    checks a rate as it is typed, and `unit()` says the drug unit the rate editors name.
    """

    def __init__(
        self,
        apply: EditCallback,
        preview: Callable[[int, bool, str], RateEntry],
        unit: Callable[[], DrugUnit],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        name(self, "stepTable", "Steps of the day: times, rates per day and per hour, dose, volume")
        self.steps = StepTableModel(self)
        self.steps.apply = apply
        self.setModel(self.steps)
        self.setItemDelegate(StepTableDelegate(preview, unit, self))
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        self.setAlternatingRowColors(True)
        self.verticalHeader().setDefaultSectionSize(26)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self.setWordWrap(False)
        self.setCornerButtonEnabled(False)  # one step at a time: "select all" has no use here
        corner = self.findChild(QAbstractButton)
        if corner is not None:
            name(corner, "stepTableCorner", "Table corner (not used)")

    def show_rows(self, rows: list[StepRow], unit: DrugUnit) -> None:
        self.steps.set_rows(rows, unit)
        fit_columns(self)
