"""Exchanges with the pump off the window's thread: the window stays responsive while the pump answers.

A slow link (an instructor's fault switch) can take seconds; the session hands each exchange to
this runner, which runs it on a worker thread, one at a time and in order, and delivers the answer
(or the failure) back on the window's thread, where the session applies it and says so in events.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, QThreadPool, Signal

from programmer.errors import ProgrammerError


class Defect(ProgrammerError):
    """Something failed that should not have: said in words, the details go to the error output."""


class _Relay(QObject):
    """Lives on the window's thread: what a worker emits here is delivered there."""

    answered = Signal(object, object)  # callback, value

    def __init__(self) -> None:
        super().__init__()
        self.answered.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    @staticmethod
    def _deliver(callback: Callable[[Any], Any], value: Any) -> None:
        callback(value)


class QtLinkRunner:
    """Runs each exchange on its own worker thread (one at a time), answers on the window's thread."""

    def __init__(self) -> None:
        self._relay = _Relay()
        self._pool = QThreadPool()
        self._pool.setMaxThreadCount(1)  # one link: exchanges never overlap, and keep their order

    def run(self, exchange: Callable[[], Any], done: Callable[[Any], Any], failed: Callable[[Exception], None]) -> None:
        relay = self._relay

        def work() -> None:
            try:
                answer = exchange()
            except ProgrammerError as error:
                relay.answered.emit(failed, error)
            except Exception as error:  # a defect: never a traceback in the window, but not silent either
                traceback.print_exception(error, file=sys.stderr)
                relay.answered.emit(failed, Defect(f"the emulator failed unexpectedly ({type(error).__name__})"))
            else:
                relay.answered.emit(done, answer)

        self._pool.start(work)

    def wait(self, milliseconds: int = -1) -> bool:
        """Block until no exchange is running (shutting down); False when `milliseconds` ran out first."""
        return self._pool.waitForDone(milliseconds)
