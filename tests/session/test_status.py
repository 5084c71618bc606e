"""What the alarm and empty dates read once time has passed them: when the alarm fired, and how long ago."""

from datetime import datetime, timedelta

from msgspec.structs import replace

from programmer.pump.factory import new_pump
from programmer.pump.firmware import advance
from programmer.session.review import alarm_rows
from programmer.session.status import format_datetime, reservoir_dates, reservoir_projection
from programmer.therapy.units import DoseRate, DrugUnit

NOW = datetime(2026, 11, 21, 9, 0)
# Morphine 10 mg/mL at 1.5 mg/day = 0.15 mL/day from a full 20 mL: the 2 mL alarm after 120 days, empty after 133⅓.
ALARM = datetime(2027, 3, 21, 9, 0)
EMPTY = datetime(2027, 4, 3, 17, 0)


def pump_at(moment: datetime):
    memory = new_pump("PX-20", "morphine", 10, DoseRate(1.5, DrugUnit.MG), NOW, serial="S-1")
    return advance(memory, moment)[0]


def dates_at(moment: datetime):
    memory = pump_at(moment)
    return reservoir_dates(reservoir_projection(memory), memory.alarms)


def test_ahead_of_the_alarm_the_dates_are_the_projection():
    dates = dates_at(NOW + timedelta(days=20))
    assert dates.alarm.text() == "2027-03-21 09:00"
    assert dates.alarm.days_text() == "100.0 days"
    assert dates.empty.text() == "2027-04-03 17:00"
    assert dates.alarm.fired_at is None and dates.empty.fired_at is None


def test_once_the_alarm_fired_it_shows_when_and_how_long_ago_not_now():
    dates = dates_at(ALARM + timedelta(days=2, hours=3, minutes=10))
    assert dates.alarm.text() == "2027-03-21 09:00 (fired 2 d 3 h 10 min ago)"
    assert dates.alarm.days_text() == "alarm fired 2 d 3 h 10 min ago"
    assert dates.alarm.fired_at == ALARM
    assert dates.empty.text() == "2027-04-03 17:00"  # still ahead: the projection from today's 1.675 mL


def test_once_the_reservoir_ran_dry_the_empty_date_is_when_it_did():
    dates = dates_at(EMPTY + timedelta(days=2, hours=2))
    assert dates.empty.text() == "2027-04-03 17:00 (fired 2 d 2 h ago)"
    assert dates.alarm.text() == "2027-03-21 09:00 (fired 15 d 10 h ago)"


def test_the_review_keeps_the_fired_alarm_on_both_sides():
    memory = pump_at(ALARM + timedelta(days=1))
    projection = reservoir_projection(memory)
    rows = alarm_rows(reservoir_dates(projection, memory.alarms), reservoir_dates(projection, memory.alarms))
    assert [(row.label, row.old, row.new) for row in rows] == [
        ("Alarm date", "2027-03-21 09:00 (fired 1 d ago)", "2027-03-21 09:00 (fired 1 d ago)"),
        ("Days until alarm", "alarm fired 1 d ago", "alarm fired 1 d ago"),
    ]


def test_a_volume_already_below_the_alarm_without_an_alarm_says_so_not_now():
    # A 4 mL alarm set when 3.5 mL are left: the pump raises it at its next step; until then the status
    # says the volume is reached, rather than a projected date of "now".
    memory = replace(pump_at(NOW + timedelta(days=110)), low_alarm_ml=4.0)
    dates = reservoir_dates(reservoir_projection(memory), memory.alarms)
    assert dates.alarm.text() == "reached: 3.5 mL left, at or below 4 mL"
    assert dates.alarm.days_text() == "0 days: 3.5 mL left, at or below 4 mL"


def test_a_date_shown_is_rounded_up_to_the_minute_as_every_moment_is():
    # It was cut to the minute: an alarm at 21:57:10 read "21:57" here and "21:58" beside a bolus ending then.
    assert format_datetime(datetime(2027, 2, 15, 21, 57, 10)) == "2027-02-15 21:58"
    assert format_datetime(datetime(2027, 2, 15, 21, 57)) == "2027-02-15 21:57"
    assert format_datetime(None) == "never (no delivery)"


def test_days_until_a_date_read_one_day_not_one_days():
    dates = dates_at(ALARM - timedelta(days=1))
    assert dates.alarm.days_text() == "1.0 day"
    assert dates_at(NOW).alarm.days_text() == "120.0 days"
