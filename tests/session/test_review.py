"""The review screen's gate without Qt: why "Program pump" is off, in words, until it may be pressed."""

from __future__ import annotations

from datetime import datetime

import pytest
from msgspec.structs import replace

from programmer.session.review import COLUMNS
from programmer.therapy.units import DoseRate, DrugUnit
from tests.helpers import connected, morphine_pump

NOW = datetime(2026, 11, 21, 9, 0)


@pytest.fixture
def session(tmp_path):
    with connected(morphine_pump(tmp_path / "pump.json", NOW)) as session:
        yield session


def with_dose(session, mg_per_day: float):
    return replace(session.current.prescription, daily_dose=DoseRate(mg_per_day, DrugUnit.MG))


def test_nothing_pending_nothing_to_program(session):
    assert session.review().why_not() == "Nothing to program: no changes are pending."


def test_an_entry_the_editor_refuses_comes_first(session):
    session.edit(prescription=with_dose(session, 2))
    assert session.review().why_not(entry_problem="Enter the daily dose in mg/day.") == (
        "Fix the prescription first: Enter the daily dose in mg/day."
    )


def test_a_blocking_finding_keeps_it_off_whatever_the_reason(session):
    session.edit(prescription=with_dose(session, 35))
    assert session.review().why_not("any reason") == "Cannot program: a safety check blocks this program (see above)."


def test_a_finding_that_needs_a_reason_asks_for_it_whatever_rule_it_is(session):
    session.edit(prescription=with_dose(session, 2.5))  # +66.7 % in 24 h: a titration rule, not a soft limit
    review = session.review()
    assert [finding.rule for finding in review.needs_reason] == ["titration_rate"]
    assert review.why_not() == "Type the reason for the findings marked Reason required to enable programming."
    assert review.why_not("agreed with the pain team") == ""


def test_every_column_is_named_and_the_last_says_in_words_which_rows_change(session):
    """Walk-through finding: an unnamed, empty fourth column."""
    session.edit(prescription=with_dose(session, 2))
    rows = {row.label: row.cells for row in session.review().rows}
    assert COLUMNS == ("Setting", "On the pump now", "New program", "Changed")
    assert rows["Daily dose"] == ("Daily dose", "1.5 mg/day (0.0625 mg/h)", "2 mg/day (0.08333 mg/h)", "yes")
    assert rows["Concentration"] == ("Concentration", "10 mg/mL", "10 mg/mL", "")
