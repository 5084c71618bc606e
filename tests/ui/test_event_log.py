import time
from datetime import date, datetime, timedelta

import pytest
from PySide6.QtCore import QDate, Qt

from programmer.pump.log import ProgrammingDetails, ProgramRecord
from programmer.pump.memory import Event, EventKind
from programmer.therapy.units import DrugUnit
from programmer.ui.event_log import (
    DESCRIPTION_COLUMN,
    EVENT_ROLE,
    TIME_COLUMN,
    TYPE_COLUMN,
    EventLogFilter,
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
def proxy(model):
    proxy = EventLogFilter()
    proxy.setSourceModel(model)
    return proxy


@pytest.fixture
def view(qtbot):
    view = EventLogView()
    qtbot.addWidget(view)
    view.set_events(EVENTS)
    return view


def test_models_pass_qt_model_tester(qtmodeltester, model, proxy):
    qtmodeltester.check(model)
    proxy.set_kind(EventKind.REFILL)
    qtmodeltester.check(proxy)


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


def test_sorting_by_type_and_description_through_the_filter(proxy):
    proxy.sort(TYPE_COLUMN, Qt.SortOrder.AscendingOrder)
    assert column(proxy, TYPE_COLUMN) == [
        "Alarm cleared",
        "Alarm raised",
        "Implant",
        "Programming",
        "Refill",
        "Refill",
    ]
    proxy.sort(DESCRIPTION_COLUMN, Qt.SortOrder.DescendingOrder)
    assert column(proxy, DESCRIPTION_COLUMN)[0] == "Simple continuous 100 mcg/day"
    assert column(proxy, DESCRIPTION_COLUMN)[-1] == "Low reservoir (2 mL)"


def test_filter_by_kind(proxy):
    proxy.set_kind(EventKind.REFILL)
    assert column(proxy, DESCRIPTION_COLUMN) == [
        "Refilled to 20 mL, removed 1.9 mL (expected 2.0 mL)",
        "Refilled to 20 mL, removed 2.1 mL (expected 2.3 mL)",
    ]
    proxy.set_kind(None)
    assert proxy.rowCount() == 6


def test_filter_by_date_range_includes_both_whole_days(proxy):
    proxy.set_date_range(date(2025, 1, 20), date(2025, 2, 3))
    assert column(proxy, TIME_COLUMN) == ["2025-02-03 08:00", "2025-01-20 14:05"]
    proxy.set_date_range(None, date(2025, 1, 6))
    assert column(proxy, TYPE_COLUMN) == ["Programming", "Implant"]
    proxy.set_filter(EventKind.REFILL, date(2025, 2, 1), None)
    assert column(proxy, TIME_COLUMN) == ["2025-02-04 10:30"]


def test_the_filter_follows_new_events(model, proxy):
    proxy.set_kind(EventKind.BOLUS)
    assert proxy.rowCount() == 0
    model.set_events((*EVENTS, Event(datetime(2025, 2, 5, 12, 0), EventKind.BOLUS, "Clinician bolus 50 mcg")))
    assert column(proxy, DESCRIPTION_COLUMN) == ["Clinician bolus 50 mcg"]


def test_selection_follows_its_event_when_sorted(qtbot, view):
    view.table.selectRow(0)  # newest: the alarm cleared by the refill
    view.table.sortByColumn(TIME_COLUMN, Qt.SortOrder.AscendingOrder)
    selected = view.table.selectionModel().selectedRows()
    assert [index.row() for index in selected] == [5]
    assert selected[0].data(DISPLAY) == "2025-02-04 10:30"
    assert view.filter.index(5, TYPE_COLUMN).data(DISPLAY) == "Alarm cleared"


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
    assert column(view.filter, TIME_COLUMN) == ["2025-01-20 14:05"]


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


def test_a_hundred_thousand_events_stay_responsive(qtbot):
    """Generous bound for a slow CI machine; benchmarks measure it precisely."""
    events = many_events(100_000)
    view = EventLogView()
    qtbot.addWidget(view)
    view.show()
    started = time.perf_counter()
    view.set_events(events)
    view.kind_combo.setCurrentIndex(view.kind_combo.findText("Refill"))
    view.from_edit.setDate(QDate(2017, 1, 1))
    elapsed = time.perf_counter() - started
    assert view.count_label.text() == "10,944 of 100,000 events"
    assert view.filter.index(0, TIME_COLUMN).data(DISPLAY) == "2023-07-22 21:00"
    assert elapsed < 1.5


def test_an_event_between_minutes_reads_as_the_bolus_that_logged_it_does(qtbot):
    # A bolus ending at 09:30:30 says "until 09:31"; the log said "09:30" (cut, not rounded up).
    model = EventLogModel()
    model.set_events([Event(datetime(2025, 1, 6, 9, 30, 30), EventKind.BOLUS, "Clinician bolus finished")])
    assert column(model, TIME_COLUMN) == ["2025-01-06 09:31"]
