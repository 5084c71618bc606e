"""A widget listens to a model's event for as long as the widget lives."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from PySide6.QtCore import QObject

from programmer.events import Signal

T = TypeVar("T")


def bind(widget: QObject, signal: Signal[T], callback: Callable[[T], None]) -> None:
    """Connect `callback` to `signal` now, and disconnect it when `widget` is destroyed."""
    connection = signal.connect(callback)
    widget.destroyed.connect(lambda *_: connection.disconnect())
