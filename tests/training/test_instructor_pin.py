"""The instructor PIN: set once, stored hashed, checked, paused after wrong tries."""

from __future__ import annotations

import json

import pytest

from programmer.training.instructor_pin import PAUSE_S, InstructorPin, PinError


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def pin(tmp_path, clock) -> InstructorPin:
    return InstructorPin(tmp_path, clock=clock)


def test_set_on_first_use_then_checked(pin, tmp_path):
    assert not pin.is_set
    with pytest.raises(PinError, match="no instructor PIN is set yet"):
        pin.check("1234")
    pin.set("2468", "2468")
    assert pin.is_set
    pin.check("2468")
    with pytest.raises(PinError, match=r"^wrong PIN$"):
        pin.check("2469")
    stored = (tmp_path / "instructor_pin.json").read_text(encoding="utf-8")
    assert "2468" not in stored and json.loads(stored)["format"] == "instructor-pin/1"  # only a salted hash
    assert (tmp_path / "instructor_pin.json").stat().st_mode & 0o077 == 0


@pytest.mark.parametrize(("first", "second", "says"), [
    ("12", "12", "the PIN must be 4 to 8 digits"),
    ("123456789", "123456789", "4 to 8 digits"),
    ("12a4", "12a4", "4 to 8 digits"),
    ("１２３４", "１２３４", "4 to 8 digits"),  # full-width digits are digits to Python, not on a keypad
    ("1234", "1243", "the two PINs differ"),
])
def test_a_pin_that_cannot_be_one_is_refused_and_nothing_is_stored(pin, first, second, says):
    with pytest.raises(PinError, match=says):
        pin.set(first, second)
    assert not pin.is_set


def test_changing_the_pin_needs_the_current_one(pin):
    pin.set("1111", "1111")
    with pytest.raises(PinError, match="wrong PIN"):
        pin.set("2222", "2222", current="1112")
    pin.set("2222", "2222", current="1111")
    pin.check("2222")
    with pytest.raises(PinError):
        pin.check("1111")


def test_five_wrong_tries_pause_the_pin_for_thirty_seconds(pin, clock):
    pin.set("1357", "1357")
    for _ in range(4):
        with pytest.raises(PinError, match=r"^wrong PIN$"):
            pin.check("0000")
    with pytest.raises(PinError, match="wrong PIN, 5 times: try again in 30 s"):
        pin.check("0000")
    with pytest.raises(PinError, match="too many wrong PINs: try again in 30 s"):
        pin.check("1357")  # even the right one waits
    clock.now += PAUSE_S
    pin.check("1357")


def test_a_damaged_pin_file_is_refused_never_taken_as_no_pin(pin, tmp_path):
    (tmp_path / "instructor_pin.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(PinError, match=r"cannot be read.*delete it to reset it"):
        pin.check("1234")
    with pytest.raises(PinError):
        pin.set("1234", "1234")
