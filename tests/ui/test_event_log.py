from datetime import date, datetime, timedelta

import numpy as np
import pytest
from PySide6.QtCore import QDate, QPoint, Qt
from PySide6.QtGui import QImage

from programmer.pump.demo import DEMO_CLOCK, demo_pump
from programmer.pump.log import ProgrammingDetails, ProgramRecord
from programmer.pump.memory import Event, EventKind
from programmer.pump.pumpfile import load_pump, save_pump
from programmer.therapy.units import DrugUnit
from programmer.ui.event_log import (
    DESCRIPTION_COLUMN,
    EVENT_ROLE,
    TIME_COLUMN,
    TYPE_COLUMN,
    EventLogModel,
    EventLogView,
)

# The offscreen platform warns when a shown top-level window passes on its size hints: not our warning.
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")

DISPLAY = Qt.ItemDataRole.DisplayRole
TOOLTIP = Qt.ItemDataRole.ToolTipRole

# A few weeks of a baclofen pump's log, in the order the pump wrote it.
EVENTS = (
    Event(datetime(2025, 1, 6, 9, 0), EventKind.IMPLANT, "Pump implanted, catheter tip at T10"),
    Event(
        datetime(2025, 1, 6, 9, 40),
        EventKind.PROGRAMMING,
        "Simple continuous 100 mcg/day",
        ProgrammingDetails(
            old=None,
            new="baclofen 500 mcg/mL, simple continuous, 100 mcg/day",
            daily_dose_per_day=100,
            unit=DrugUnit.MCG,
            concentration_per_ml=500,
            low_alarm_ml=2,
            record=ProgramRecord(reason="", clinician="RN Okafor", acknowledged=(), second_checker=""),
            reservoir_ml=19.5,
        ),
    ),
    Event(datetime(2025, 1, 20, 14, 5), EventKind.REFILL, "Refilled to 20 mL, removed 2.1 mL (expected 2.3 mL)"),
    Event(datetime(2025, 2, 3, 8, 0), EventKind.ALARM_RAISED, "Low reservoir (2 mL)"),
    Event(datetime(2025, 2, 4, 10, 30), EventKind.REFILL, "Refilled to 20 mL, removed 1.9 mL (expected 2.0 mL)"),
    Event(datetime(2025, 2, 4, 10, 30), EventKind.ALARM_CLEARED, "Low reservoir cleared by refill"),
)


def column(model, col):
    return [model.index(row, col).data(DISPLAY) for row in range(model.rowCount())]


def many_events(count):
    kinds = list(EventKind)
    start = datetime(2015, 1, 1)
    return tuple(
        Event(start + timedelta(minutes=45 * n), kinds[n % len(kinds)], f"event number {n}") for n in range(count)
    )


@pytest.fixture
def model():
    model = EventLogModel()
    model.set_events(EVENTS)
    return model


@pytest.fixture
def view(qtbot):
    view = EventLogView()
    qtbot.addWidget(view)
    view.set_events(EVENTS)
    return view


def test_model_passes_qt_model_tester_through_filters_sorts_and_new_events(qtmodeltester, model):
    qtmodeltester.check(model)  # it keeps watching every signal that follows
    model.set_kind(EventKind.REFILL)
    model.sort(TYPE_COLUMN, Qt.SortOrder.AscendingOrder)
    model.set_filter(None, date(2025, 1, 20), None)
    model.set_events((*EVENTS, Event(datetime(2025, 2, 5, 12, 0), EventKind.BOLUS, "Clinician bolus 50 mcg")))
    model.sort(TIME_COLUMN, Qt.SortOrder.DescendingOrder)
    model.set_events((*EVENTS, Event(datetime(2025, 2, 6, 12, 0), EventKind.BOLUS, "Clinician bolus 50 mcg")))
    qtmodeltester.check(model)


def test_empty_model_passes_qt_model_tester(qtmodeltester):
    qtmodeltester.check(EventLogModel())


def test_rows_show_date_time_type_and_description_newest_first(model):
    assert model.rowCount() == 6
    assert model.headerData(TIME_COLUMN, Qt.Orientation.Horizontal) == "Date and time"
    assert column(model, TIME_COLUMN)[:3] == ["2025-02-04 10:30", "2025-02-04 10:30", "2025-02-03 08:00"]
    assert column(model, TYPE_COLUMN)[-1] == "Implant"
    # Two events in the same minute: the one logged later comes first.
    assert column(model, TYPE_COLUMN)[:2] == ["Alarm cleared", "Refill"]


def test_details_show_as_tooltip(model):
    row = column(model, TYPE_COLUMN).index("Programming")
    # Each logged fact with its unit: the dose per day and per hour, volumes in mL.
    assert model.index(row, DESCRIPTION_COLUMN).data(TOOLTIP).split("\n") == [
        "Simple continuous 100 mcg/day",
        "After: baclofen 500 mcg/mL, simple continuous, 100 mcg/day",
        "Daily dose: 100 mcg/day (4.167 mcg/h)",
        "Concentration: 500 mcg/mL",
        "Low-reservoir alarm: 2 mL",
        "Reservoir: 19.5 mL",
        "Clinician: RN Okafor",
    ]
    assert model.index(row, TIME_COLUMN).data(EVENT_ROLE) is EVENTS[1]


def test_sorting_by_time_uses_the_real_datetime_not_the_text(qtbot):
    # As text, "2025-1-9" would sort after "2025-1-10"; the model sorts by the datetime.
    events = (
        Event(datetime(2025, 1, 10, 8, 0), EventKind.BOLUS, "later"),
        Event(datetime(2025, 1, 9, 23, 0), EventKind.BOLUS, "earlier"),
        Event(datetime(2024, 12, 31, 23, 59), EventKind.BOLUS, "last year"),
    )
    model = EventLogModel()
    model.set_events(events)
    model.sort(TIME_COLUMN, Qt.SortOrder.AscendingOrder)
    assert column(model, DESCRIPTION_COLUMN) == ["last year", "earlier", "later"]
    model.sort(TIME_COLUMN, Qt.SortOrder.DescendingOrder)
    assert column(model, DESCRIPTION_COLUMN) == ["later", "earlier", "last year"]


def test_sorting_by_type_and_description(model):
    model.sort(TYPE_COLUMN, Qt.SortOrder.AscendingOrder)
    assert column(model, TYPE_COLUMN) == [
        "Alarm cleared",
        "Alarm raised",
        "Implant",
        "Programming",
        "Refill",
        "Refill",
    ]
    model.sort(DESCRIPTION_COLUMN, Qt.SortOrder.DescendingOrder)
    assert column(model, DESCRIPTION_COLUMN)[0] == "Simple continuous 100 mcg/day"
    assert column(model, DESCRIPTION_COLUMN)[-1] == "Low reservoir (2 mL)"


def test_filter_by_kind(model):
    model.set_kind(EventKind.REFILL)
    assert column(model, DESCRIPTION_COLUMN) == [
        "Refilled to 20 mL, removed 1.9 mL (expected 2.0 mL)",
        "Refilled to 20 mL, removed 2.1 mL (expected 2.3 mL)",
    ]
    model.set_kind(None)
    assert model.rowCount() == 6


def test_filter_by_date_range_includes_both_whole_days(model):
    model.set_date_range(date(2025, 1, 20), date(2025, 2, 3))
    assert column(model, TIME_COLUMN) == ["2025-02-03 08:00", "2025-01-20 14:05"]
    model.set_date_range(None, date(2025, 1, 6))
    assert column(model, TYPE_COLUMN) == ["Programming", "Implant"]
    model.set_filter(EventKind.REFILL, date(2025, 2, 1), None)
    assert column(model, TIME_COLUMN) == ["2025-02-04 10:30"]


def test_the_filter_follows_new_events(model):
    model.set_kind(EventKind.BOLUS)
    assert model.rowCount() == 0
    model.set_events((*EVENTS, Event(datetime(2025, 2, 5, 12, 0), EventKind.BOLUS, "Clinician bolus 50 mcg")))
    assert column(model, DESCRIPTION_COLUMN) == ["Clinician bolus 50 mcg"]


def test_selection_follows_its_event_when_sorted(qtbot, view):
    view.table.selectRow(0)  # newest: the alarm cleared by the refill
    view.table.sortByColumn(TIME_COLUMN, Qt.SortOrder.AscendingOrder)
    selected = view.table.selectionModel().selectedRows()
    assert [index.row() for index in selected] == [5]
    assert selected[0].data(DISPLAY) == "2025-02-04 10:30"
    assert view.model.index(5, TYPE_COLUMN).data(DISPLAY) == "Alarm cleared"


def sort_arrow(header, section: int) -> str:
    """The arrow the header draws at the right of `section`, read from its pixels: '▲', '▼' or '' (none)."""
    image = header.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    pixels = np.frombuffer(image.constBits(), np.uint32, image.width() * image.height())
    pixels = pixels.reshape(image.height(), image.width())
    end = header.sectionViewportPosition(section) + header.sectionSize(section)
    part = pixels[2:-2, end - 20 : end - 2]  # past the title, inside the section's borders
    dark = (((part >> 16) & 255) + ((part >> 8) & 255) + (part & 255)) < 400
    widths = [int(count) for count in dark.sum(axis=1) if count]
    if len(widths) < 2 or widths[0] == widths[-1]:
        return ""
    return "▲" if widths[0] < widths[-1] else "▼"  # an arrow pointing up is narrow at its top


def test_the_sort_arrow_points_the_way_the_rows_go(qtbot, view):
    """Walk-through finding: the date column showed ▲ while the list was newest first."""
    view.resize(900, 400)
    view.show()
    qtbot.waitExposed(view)
    header = view.table.horizontalHeader()
    assert view.model.index(0, TIME_COLUMN).data(DISPLAY) == "2025-02-04 10:30"  # newest first
    assert sort_arrow(header, TIME_COLUMN) == "▼"
    title = QPoint(header.sectionPosition(TIME_COLUMN) + 20, header.height() // 2)
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=title)  # the nurse turns the order round
    assert view.model.index(0, TIME_COLUMN).data(DISPLAY) == "2025-01-06 09:00"  # oldest first
    assert sort_arrow(header, TIME_COLUMN) == "▲"
    assert sort_arrow(header, TYPE_COLUMN) == ""


def test_view_filters_by_type_and_counts(qtbot, view):
    assert view.count_label.text() == "6 of 6 events"
    view.kind_combo.setCurrentIndex(view.kind_combo.findText("Refill"))
    assert view.count_label.text() == "2 of 6 events"
    assert view.shown_count == 2
    assert [view.kind_combo.itemText(i) for i in range(view.kind_combo.count())] == [
        "All types",
        "Programming",
        "Refill",
        "Bolus",
        "Alarm raised",
        "Alarm cleared",
        "Mode change",
        "Implant",
        "MRI scan",
    ]


def test_view_dates_span_the_log_and_narrow_it(qtbot, view):
    assert view.from_edit.date() == QDate(2025, 1, 6)
    assert view.to_edit.date() == QDate(2025, 2, 4)
    view.from_edit.setFocus()
    view.from_edit.setDate(QDate(2025, 2, 1))
    assert view.count_label.text() == "3 of 6 events"
    # A "from" after "to" drags "to" along rather than showing nothing.
    view.to_edit.setDate(QDate(2025, 1, 20))
    assert view.from_edit.date() == QDate(2025, 1, 20)
    assert column(view.model, TIME_COLUMN) == ["2025-01-20 14:05"]


def test_typing_a_date(qtbot, view):
    view.show()
    qtbot.waitExposed(view)
    view.to_edit.setFocus()
    view.to_edit.selectAll()
    qtbot.keyClicks(view.to_edit, "2025-01-20")
    assert view.to_edit.date() == QDate(2025, 1, 20)
    assert view.count_label.text() == "3 of 6 events"


def test_show_all_button_clears_the_filters(qtbot, view):
    view.kind_combo.setCurrentIndex(view.kind_combo.findText("Implant"))
    view.from_edit.setDate(QDate(2025, 2, 1))
    assert view.count_label.text() == "0 of 6 events"
    qtbot.mouseClick(view.show_all_button, Qt.MouseButton.LeftButton)
    assert view.count_label.text() == "6 of 6 events"
    assert view.kind_combo.currentText() == "All types"


def test_a_date_at_the_end_of_the_log_follows_new_events(qtbot, view):
    later = Event(datetime(2025, 3, 3, 9, 0), EventKind.REFILL, "Refilled to 20 mL")
    view.from_edit.setDate(QDate(2025, 2, 1))  # the trainee narrowed "from"; "to" was left at the end
    view.set_events((*EVENTS, later))
    assert view.from_edit.date() == QDate(2025, 2, 1)
    assert view.to_edit.date() == QDate(2025, 3, 3)
    assert view.count_label.text() == "4 of 7 events"


def test_empty_log(qtbot):
    view = EventLogView()
    qtbot.addWidget(view)
    assert view.count_label.text() == "0 of 0 events"
    assert not view.from_edit.isEnabled()
    view.set_events(())
    assert view.count_label.text() == "0 of 0 events"


def test_every_control_is_named_for_screen_readers(view):
    for widget in (view.kind_combo, view.from_edit, view.to_edit, view.show_all_button, view.table):
        assert widget.objectName()
        assert widget.accessibleName()


def test_a_hundred_thousand_events_filtered_by_type_and_date(qtbot):
    """How fast is for benchmarks/event_log.py; here, what shows."""
    events = many_events(100_000)
    view = EventLogView()
    qtbot.addWidget(view)
    view.show()
    view.set_events(events)
    view.kind_combo.setCurrentIndex(view.kind_combo.findText("Refill"))
    view.from_edit.setDate(QDate(2017, 1, 1))
    assert view.count_label.text() == "9,576 of 100,000 events"
    assert view.model.index(0, TIME_COLUMN).data(DISPLAY) == "2023-07-22 18:45"


def test_an_event_between_minutes_reads_as_the_bolus_that_logged_it_does(qtbot):
    # A bolus ending at 09:30:30 says "until 09:31"; the log said "09:30" (cut, not rounded up).
    model = EventLogModel()
    model.set_events([Event(datetime(2025, 1, 6, 9, 30, 30), EventKind.BOLUS, "Clinician bolus finished")])
    assert column(model, TIME_COLUMN) == ["2025-01-06 09:31"]


# --- a new snapshot of the same pump: rows added, not the log set again --------------------------------------------
LATER = Event(datetime(2025, 2, 5, 12, 0), EventKind.BOLUS, "Clinician bolus 50 mcg")


def selected_texts(view):
    rows = view.table.selectionModel().selectedRows()
    return [index.siblingAtColumn(DESCRIPTION_COLUMN).data(DISPLAY) for index in rows]


def test_events_appended_add_their_rows_and_the_selection_stays(qtbot, view):
    view.table.selectRow(2)  # the low-reservoir alarm of 3 February
    with qtbot.assertNotEmitted(view.model.modelReset), qtbot.waitSignal(view.model.rowsInserted) as inserted:
        view.set_events((*EVENTS, LATER))
    assert inserted.args[1:] == [0, 0]  # newest first: one row, at the top
    assert column(view.model, DESCRIPTION_COLUMN)[0] == "Clinician bolus 50 mcg"
    assert selected_texts(view) == ["Low reservoir (2 mL)"]
    assert view.count_label.text() == "7 of 7 events"
    assert view.to_edit.date() == QDate(2025, 2, 5)  # "to" was at the end of the log: it follows it


def test_events_appended_under_a_filter_and_another_sort(qtbot, view):
    view.kind_combo.setCurrentIndex(view.kind_combo.findText("Refill"))
    view.table.sortByColumn(TYPE_COLUMN, Qt.SortOrder.AscendingOrder)
    view.table.selectRow(1)
    with qtbot.assertNotEmitted(view.model.modelReset):
        view.set_events((*EVENTS, LATER, Event(datetime(2025, 2, 6, 8, 0), EventKind.REFILL, "Refilled to 20 mL")))
    assert view.count_label.text() == "3 of 8 events"  # the bolus is logged, not shown
    assert column(view.model, DESCRIPTION_COLUMN) == [
        "Refilled to 20 mL, removed 2.1 mL (expected 2.3 mL)",
        "Refilled to 20 mL, removed 1.9 mL (expected 2.0 mL)",
        "Refilled to 20 mL",
    ]
    assert selected_texts(view) == ["Refilled to 20 mL, removed 1.9 mL (expected 2.0 mL)"]


def test_another_log_replaces_every_row(qtbot, view):
    other = (Event(datetime(2025, 1, 6, 9, 0), EventKind.IMPLANT, "Pump implanted, catheter tip at T8"), *EVENTS[1:])
    with qtbot.waitSignal(view.model.modelReset):
        view.set_events((*other, LATER))  # as long and longer, but not the log shown with events after it
    assert column(view.model, DESCRIPTION_COLUMN)[-1] == "Pump implanted, catheter tip at T8"
    assert view.count_label.text() == "7 of 7 events"


def test_the_same_events_again_change_nothing_shown(qtbot, view):
    view.table.selectRow(0)
    with qtbot.assertNotEmitted(view.model.modelReset), qtbot.assertNotEmitted(view.model.layoutChanged):
        view.set_events(list(EVENTS))
    assert selected_texts(view) == ["Low reservoir cleared by refill"]


def test_the_selection_follows_a_filter_while_its_event_is_shown(qtbot, view):
    view.table.selectRow(1)  # the refill of 4 February
    view.kind_combo.setCurrentIndex(view.kind_combo.findText("Refill"))
    assert selected_texts(view) == ["Refilled to 20 mL, removed 1.9 mL (expected 2.0 mL)"]
    view.kind_combo.setCurrentIndex(view.kind_combo.findText("Implant"))
    assert selected_texts(view) == []  # filtered out: nothing hidden stays selected


def test_a_type_shows_its_title_from_the_table_by_kind(model):
    assert column(model, TYPE_COLUMN) == [
        "Alarm cleared",
        "Refill",
        "Alarm raised",
        "Refill",
        "Programming",
        "Implant",
    ]
    assert model.index(0, TYPE_COLUMN).data(EVENT_ROLE).kind is EventKind.ALARM_CLEARED


def test_the_log_of_a_pump_file_shows_as_the_same_events_in_memory(qtbot, tmp_path):
    path = tmp_path / "pump.pump"
    save_pump(path, demo_pump(DEMO_CLOCK))
    memory = load_pump(path)
    from_file, in_memory = EventLogModel(), EventLogModel()
    from_file.set_events(memory.events)
    in_memory.set_events(tuple(memory.events))
    for col in (TIME_COLUMN, TYPE_COLUMN, DESCRIPTION_COLUMN):
        assert column(from_file, col) == column(in_memory, col)
    assert from_file.index(0, DESCRIPTION_COLUMN).data(TOOLTIP) == in_memory.index(0, DESCRIPTION_COLUMN).data(TOOLTIP)
