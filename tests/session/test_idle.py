"""The demo station's idle reset as a model: when the countdown begins, what it says each second, input, reset."""

import pytest

from programmer.session.idle import IdleState, IdleTimer, Phase


def test_five_minutes_without_input_then_a_ten_second_countdown_then_the_reset():
    idle = IdleTimer(idle_after_s=300, countdown_s=10, now=1000.0)
    assert idle.state(1000.0 + 299.9) == IdleState(Phase.ACTIVE)
    assert idle.state(1300.0).text == "Touch to continue — resetting in 10 s"
    assert idle.state(1300.4).text == "Touch to continue — resetting in 10 s"  # whole seconds, rounded up
    assert idle.state(1301.0).seconds_left == 9
    assert idle.state(1309.5).text == "Touch to continue — resetting in 1 s"  # never "0 s" before the reset
    assert idle.state(1310.0) == IdleState(Phase.RESET)
    assert idle.state(1310.0).text == ""


def test_input_during_the_countdown_cancels_it_and_starts_a_new_idle_period():
    idle = IdleTimer(idle_after_s=60, countdown_s=10)
    assert idle.state(65).phase is Phase.COUNTDOWN
    idle.touched(65)
    assert idle.state(65).phase is Phase.ACTIVE
    assert idle.state(124.9).phase is Phase.ACTIVE
    assert idle.state(125).seconds_left == 10
    idle.touched(20)  # a late report of older input does not move the idle period back
    assert idle.state(125).seconds_left == 10


def test_the_next_change_is_the_countdowns_start_then_each_second_then_the_reset():
    idle = IdleTimer(idle_after_s=60, countdown_s=10)
    assert idle.next_change_s(15) == pytest.approx(45)
    assert idle.next_change_s(60) == pytest.approx(1)  # "10 s" shows for a whole second
    assert idle.next_change_s(63.25) == pytest.approx(0.75)  # "7 s" until 64
    assert idle.next_change_s(69.5) == pytest.approx(0.5)  # "1 s" until the reset at 70
    assert idle.next_change_s(70) == 0


@pytest.mark.parametrize(("idle_after_s", "countdown_s"), [(0, 10), (-5, 10), (60, 0)])
def test_an_idle_reset_needs_times_above_zero(idle_after_s, countdown_s):
    with pytest.raises(ValueError, match="above 0 s"):
        IdleTimer(idle_after_s, countdown_s)
