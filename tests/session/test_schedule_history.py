"""The schedule edit's undo history, without a screen: undo, redo, what they say, and when it is cleared."""

from __future__ import annotations

from programmer.session.schedule_history import EditHistory, HistoryEntry, View
from programmer.therapy.prescription import Prescription
from programmer.therapy.schedule import DaySchedule, FlexSchedule
from programmer.therapy.units import Concentration, DoseRate, DrugUnit

BACLOFEN_500 = Concentration(500, DrugUnit.MCG)


def steady(per_day: float) -> Prescription:
    return Prescription.flex(
        "baclofen", BACLOFEN_500, FlexSchedule.every_day(DaySchedule.constant(DoseRate(per_day, DrugUnit.MCG)))
    )


PUMP, A, B, C = steady(187.5), steady(200), steady(210), steady(220)


def two_edits() -> EditHistory:
    history = EditHistory()
    history.record(HistoryEntry("rate of step 1 to 200", PUMP, A, View(0, 0), View(0, 0)), PUMP)
    history.record(HistoryEntry("copy Monday to Friday", A, B, View(0, 0), View(4, 2)), PUMP)
    return history


def test_undo_and_redo_step_through_the_edits_with_their_words_and_views():
    history = two_edits()
    assert history.texts == (["rate of step 1 to 200", "copy Monday to Friday"], [])
    assert history.undo_tip == "Undo copy Monday to Friday (Ctrl+Z)"
    assert history.redo_tip == "Nothing to redo"
    undone = history.undo()
    assert (undone.before, undone.before_view) == (A, View(0, 0))  # what the session is handed back, and shown
    assert history.texts == (["rate of step 1 to 200"], ["copy Monday to Friday"])
    assert history.redo_tip == "Redo copy Monday to Friday (Ctrl+Shift+Z)"
    assert history.undo().before == PUMP
    assert not history.can_undo and history.undo() is None
    assert history.undo_tip == "Nothing to undo"
    assert history.redo().after == A
    redone = history.redo()
    assert (redone.after, redone.after_view) == (B, View(4, 2))
    assert not history.can_redo and history.redo() is None


def test_a_new_edit_drops_what_was_undone():
    history = two_edits()
    history.undo()
    history.record(HistoryEntry("rate of step 1 to 220", A, C, View(0, 0), View(0, 0)), PUMP)
    assert history.texts == (["rate of step 1 to 200", "rate of step 1 to 220"], [])
    assert not history.can_redo


def test_it_stands_on_the_pending_program_of_the_last_edit_done():
    history = two_edits()
    assert history.expected == B
    history.undo()
    assert history.expected == A
    history.undo()
    assert history.expected == PUMP  # all undone: the pump's own program, nothing pending
    assert EditHistory().expected is None


def test_it_is_kept_while_the_programs_are_the_ones_it_was_made_on():
    history = two_edits()
    assert not history.follow(PUMP, B)  # e.g. the clock ran on: a new snapshot, the same programs
    assert history.can_undo


def test_a_pending_program_changed_elsewhere_clears_it():
    history = two_edits()
    assert history.follow(PUMP, C)  # the prescription screen changed the pending program
    assert history.texts == ([], [])
    assert not history.can_undo and not history.can_redo


def test_a_new_program_on_the_pump_clears_it():
    history = two_edits()
    assert history.follow(B, B)  # programmed: the pump now runs B, nothing pending
    assert not history.can_undo


def test_an_empty_history_has_nothing_to_clear():
    assert not EditHistory().follow(PUMP, C)
