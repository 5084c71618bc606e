"""The guided tour's steps as data, and where a visitor is in them."""

from __future__ import annotations

from programmer.session.tour import STEPS, Tour


def test_the_tour_goes_from_interrogating_to_watching_the_reservoir():
    assert [step.title for step in STEPS] == [
        "Interrogate the pump",
        "Read the status",
        "Change the dose",
        "Review the change",
        "Program the pump",
        "Watch the reservoir",
    ]
    assert [step.control for step in STEPS] == [
        "interrogateToolButton",
        "therapyGroup",
        "dailyDose",
        "reviewTable",
        "programButton",
        "reservoirPlot",
    ]
    assert all(step.text.endswith(".") for step in STEPS)


def test_next_and_back_stop_at_either_end():
    tour = Tour()
    assert tour.first and tour.position == "Step 1 of 6"
    tour.back()
    assert tour.index == 0
    for _ in range(10):
        tour.next()
    assert tour.last and tour.position == "Step 6 of 6"
    tour.back()
    assert tour.step.control == "programButton"


def test_the_attract_loop_wraps_round_to_the_first_step():
    tour = Tour()
    tour.go_to(5)
    tour.next(wrap=True)
    assert tour.index == 0
