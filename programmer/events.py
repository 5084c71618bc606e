"""Typed events with payloads: how a model says what changed, and to whom.

A model declares its events as class attributes of an `Events` group:

    class SessionEvents(Events):
        snapshot = Event[PumpMemory | None]("the pump as last read")

and a listener connects a callback that receives the payload; `connect` returns a Connection
to disconnect it. Inside `with events.batch():` each event is delivered once, at the end,
with its last payload, so one action gives one notice per field however many steps it took.
No Qt here: the screens bind to these in programmer.ui.binding, and the training engine
listens to the same events.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class Connection:
    """One callback connected to one signal; `disconnect` is safe to call more than once."""

    def __init__(self, signal: Signal[Any], callback: Callable[[Any], None]) -> None:
        self._signal, self.callback = signal, callback

    def disconnect(self) -> None:
        self._signal._disconnect(self)


class Signal(Generic[T]):
    """An event of one instance: the callbacks connected to it, in the order they connected."""

    def __init__(self, group: Events, name: str) -> None:
        self._group, self.name = group, name
        self._connections: list[Connection] = []

    def connect(self, callback: Callable[[T], None]) -> Connection:
        connection = Connection(self, callback)
        self._connections.append(connection)
        return connection

    def _disconnect(self, connection: Connection) -> None:
        if connection in self._connections:
            self._connections.remove(connection)

    def emit(self, payload: T) -> None:
        """Tell every listener now, or at the end of the group's batch (then only the last payload counts)."""
        if self._group._pending is not None:
            self._group._pending[self.name] = payload
            return
        for connection in list(self._connections):
            connection.callback(payload)

    @property
    def listeners(self) -> int:
        return len(self._connections)


class Event(Generic[T]):
    """Declares an event on an Events group; each group instance gets its own Signal."""

    def __init__(self, doc: str) -> None:
        self.__doc__ = doc
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, group: Events | None, owner: type) -> Signal[T]:
        if group is None:
            return self  # type: ignore[return-value]  # the declaration, for documentation
        return group._signal(self.name)


class Events:
    """A model's events: declared with Event, reached as attributes, delivered in batches on request."""

    def __init__(self) -> None:
        self._signals: dict[str, Signal[Any]] = {}
        self._pending: dict[str, Any] | None = None

    def _signal(self, name: str) -> Signal[Any]:
        signal = self._signals.get(name)
        if signal is None:
            signal = self._signals[name] = Signal(self, name)
        return signal

    @classmethod
    def names(cls) -> list[str]:
        return [name for name, value in vars(cls).items() if isinstance(value, Event)] + [
            name for base in cls.__mro__[1:] for name, value in vars(base).items() if isinstance(value, Event)
        ]

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Hold every event until the end, then deliver each once with its last payload, in declaration order.

        Nested batches join the outermost one. An exception inside still delivers what changed before it.
        """
        if self._pending is not None:
            yield
            return
        self._pending = pending = {}
        try:
            yield
        finally:
            self._pending = None
            for name in self.names():
                if name in pending:
                    self._signal(name).emit(pending[name])
