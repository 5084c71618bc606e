"""The status screen without Qt: every value with its unit, warnings and alarms most urgent first."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from programmer.pump import firmware
from programmer.pump.factory import new_pump
from programmer.session.status_screen import NO_ALARMS, Level, status_screen
from programmer.therapy.drugs import drug_library
from programmer.therapy.units import DoseRate, DrugUnit

NOW = datetime(2026, 11, 21, 9, 0)
MG = DrugUnit.MG


def test_a_new_pump_reads_with_its_units_and_no_alarms():
    screen = status_screen(new_pump("PX-20", "morphine", 10, DoseRate(1.5, MG), NOW), drug_library())
    values = screen.values
    assert values["dailyDose"] == "1.5 mg/day (0.0625 mg/h)"
    assert values["dailyVolume"] == "0.15 mL/day"
    assert values["reservoir"] == "20 mL (capacity 20 mL)"
    assert values["alarmDate"] == "2027-03-21 09:00"  # 18 mL at 0.15 mL/day: 120 days
    assert values["ptm"] == "not set up"
    assert [(line.level, line.text) for line in screen.lines] == [(Level.OK, NO_ALARMS)]


def test_the_reservoir_reads_to_the_microlitre_as_it_falls_below_1_ml():
    pump = new_pump("PX-20", "morphine", 10, DoseRate(1.5, MG), NOW)
    assert status_screen(pump, drug_library()).values["reservoir"] == "20 mL (capacity 20 mL)"
    # 20 mL less 0.15 mL/day for 128 days 5 h 27 min: 0.7659375 mL, shown as 16.994 mL was, to 3 decimals.
    later, _ = firmware.advance(pump, NOW + timedelta(days=128, hours=5, minutes=27))
    assert later.reservoir_ml == pytest.approx(0.7659375)
    assert status_screen(later, drug_library()).values["reservoir"] == "0.766 mL (capacity 20 mL)"


def test_an_off_label_drug_is_named_so():
    pump = new_pump("PX-20", "hydromorphone", 2, DoseRate(0.5, MG), NOW)
    assert status_screen(pump, drug_library()).values["drug"] == "hydromorphone (off-label)"


def test_a_stored_program_beyond_a_limit_comes_before_the_alarms():
    pump = new_pump("PX-20", "morphine", 10, DoseRate(35, MG), NOW)  # a hand-made file: the pump could run it
    later, _ = firmware.advance(pump, NOW + timedelta(days=5.5))  # 3.5 mL/day: the low-reservoir alarm has fired
    lines = status_screen(later, drug_library()).lines
    assert [line.level for line in lines] == [Level.CRITICAL, Level.WARNING]
    assert lines[0].text.startswith("PROGRAM BREAKS A LIMIT (Not allowed): daily dose 35 mg/day is above")
    assert lines[1].text.startswith("NON-CRITICAL: Low reservoir since 2026-11-26")
