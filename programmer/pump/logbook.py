"""The pump's log as a sequence: every event in the order logged, read page by page from the pump file.

A pump logs for years (tens of thousands of events), and an action needs only its end: the
firmware looks back to the last event that anchors delivery, a report to the start of the
visit. So a PumpLog holds the events already in the pump file as a `LogSource` it reads
lazily, and the events logged since in memory (`appended`). Appending shares everything
before, so a change costs the same at any age; saving writes only what was appended.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from itertools import islice
from operator import attrgetter, le
from typing import Protocol, overload

from programmer.wording import moment_text

from .clock import EARLIEST_CLOCK
from .log import Event, EventKind

BATCH = 256  # events asked of the file at once while iterating


class LogSource(Protocol):
    """The events a pump file held when it was read: `count` of them, positions 0 to count − 1."""

    count: int
    reading: object  # one reading of the file: a source grown from it (the events appended since) shares it

    def event(self, position: int) -> Event:
        """The event at `position`, read with its page of neighbours (PumpFileError when the file cannot give it)."""

    def events(self, positions: Sequence[int]) -> list[Event]:
        """The events at these positions (ascending), asking the file once for those not read yet."""

    def positions_of(self, kinds: frozenset[EventKind]) -> list[int]:
        """The positions of the events of these kinds, in order."""

    def first_at_or_after(self, moment: datetime) -> int:
        """The position of the first event logged at or after `moment` (count when none is)."""

    def order_problem(self, clock: datetime) -> str | None:
        """Why these events cannot be a pump's log (out of order, after `clock`), or None."""

    def kind_positions(self) -> dict[EventKind, list[int]]:
        """The positions of the events of each kind logged, each list in order, without reading the events."""

    def texts(self) -> list[str]:
        """The text of every event, in order, without reading their details."""


class LogView(Sequence[Event]):
    """Some of a log's events (a kind, a time span), read from the file only when asked for."""

    def __init__(self, log: PumpLog, positions: Sequence[int]) -> None:
        self._log, self._positions = log, positions

    def __len__(self) -> int:
        return len(self._positions)

    @overload
    def __getitem__(self, index: int) -> Event: ...
    @overload
    def __getitem__(self, index: slice) -> LogView: ...
    def __getitem__(self, index: int | slice) -> Event | LogView:
        if isinstance(index, slice):
            return LogView(self._log, self._positions[index])
        return self._log[self._positions[index]]

    def __iter__(self) -> Iterator[Event]:
        for start in range(0, len(self._positions), BATCH):
            yield from self._log.at(self._positions[start : start + BATCH])

    def __reversed__(self) -> Iterator[Event]:
        for stop in range(len(self._positions), 0, -BATCH):
            yield from reversed(self._log.at(self._positions[max(0, stop - BATCH) : stop]))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, str):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({len(self)} events)"


class PumpLog(LogView):
    """The whole log: what the pump file held when read (`source`), then what was logged since (`appended`)."""

    def __init__(self, appended: Iterable[Event] = (), source: LogSource | None = None) -> None:
        self.source = source
        self.stored = 0 if source is None else source.count
        self.appended = tuple(appended)
        super().__init__(self, range(self.stored + len(self.appended)))

    @classmethod
    def of(cls, events: Iterable[Event]) -> PumpLog:
        return events if isinstance(events, PumpLog) else cls(events)

    def __add__(self, events: Iterable[Event]) -> PumpLog:
        return self.plus(*events)

    def at(self, positions: Sequence[int]) -> list[Event]:
        """The events at `positions` (ascending): those in the file read together, then those logged since."""
        split = bisect_left(positions, self.stored)
        stored = [] if split == 0 else self.source.events(positions[:split])
        return stored + [self.appended[position - self.stored] for position in positions[split:]]

    def plus(self, *events: Event) -> PumpLog:
        """This log with `events` logged after it; the events before are shared, not copied."""
        return PumpLog(self.appended + events, self.source)

    def __getitem__(self, index: int | slice) -> Event | LogView:
        if isinstance(index, slice):
            return LogView(self, range(len(self))[index])
        position = range(len(self))[index]  # IndexError as a sequence gives it
        if position >= self.stored:
            return self.appended[position - self.stored]
        return self.source.event(position)

    def of_kind(self, *kinds: EventKind) -> LogView:
        """The events of these kinds, in order."""
        wanted = frozenset(kinds)
        stored = [] if self.source is None else self.source.positions_of(wanted)
        logged = [self.stored + i for i, event in enumerate(self.appended) if event.kind in wanted]
        return LogView(self, stored + logged)

    def since(self, moment: datetime) -> LogView:
        """The events logged at or after `moment`, in order."""
        return self[self.position_at(moment) :]

    def position_at(self, moment: datetime) -> int:
        """The position of the first event logged at or after `moment` (the length when none is), found in the
        file's index or by halving: a pump logs in time order (`in_time_order`)."""
        if self.source is not None and (first := self.source.first_at_or_after(moment)) < self.stored:
            return first
        return self.stored + bisect_left(self.appended, moment, key=attrgetter("at"))

    def in_time_order(self) -> bool:
        """Each event dated no earlier than the one logged before it. A pump's log always is, and its file's is
        checked when read and when saved (`problems`); a log put together in memory may not be."""
        times = [event.at for event in self.appended]
        if self.stored and times:
            times.insert(0, self[self.stored - 1].at)
        return all(map(le, times, islice(times, 1, None)))

    def kind_positions(self) -> dict[EventKind, list[int]]:
        """The positions of the events of each kind logged, each list in order: those in the file from its index."""
        found = {} if self.source is None else self.source.kind_positions()
        for position, event in enumerate(self.appended, start=self.stored):
            found.setdefault(event.kind, []).append(position)
        return found

    def texts(self) -> list[str]:
        """The text of every event, in order, without reading their details."""
        return [*([] if self.source is None else self.source.texts()), *(event.text for event in self.appended)]

    def extends(self, earlier: PumpLog) -> bool:
        """Whether this log is `earlier`, maybe with events logged after it: read from the same reading of its file
        (then appended to), or held in memory with the same events first."""
        if len(self) < len(earlier) or (self.source is None) != (earlier.source is None):
            return False
        if self.source is None:
            return self.appended[: len(earlier)] == earlier.appended
        if self.source.reading is not earlier.source.reading:
            return False
        # What both read from the file are the same rows; what was logged since (in memory, or read back) is compared.
        since = range(min(self.stored, earlier.stored), len(earlier))
        return self.at(since) == earlier.at(since)

    def problems(self, clock: datetime) -> list[str]:
        """Why this cannot be a pump's log, whose clock reads `clock`: events out of order or in its future."""
        if self.source is not None and (problem := self.source.order_problem(clock)):
            return [problem]
        return self.appended_problems(clock)

    def appended_problems(self, clock: datetime) -> list[str]:
        """`problems` of the events logged since the file was read, after those before them: what a save checks."""
        if not self.appended:
            return []
        previous = self[self.stored - 1].at if self.stored else None
        for position, event in enumerate(self.appended, start=self.stored):
            if previous is not None and event.at < previous:
                return [f"event {position} is dated {moment_text(event.at)}, before the one logged before it"]
            if event.at < EARLIEST_CLOCK:
                return [f"event {position} is dated {moment_text(event.at)}, before any pump's clock could read"]
            if event.at > clock:
                return [
                    f"event {position} is dated {moment_text(event.at)}, after the pump's clock "
                    f"({moment_text(clock)}): a pump logs nothing in its future"
                ]
            previous = event.at
        return []

    def __eq__(self, other: object) -> bool:
        if isinstance(other, PumpLog) and self.source is not None and self.source == other.source:
            # Read from the same pump file: the events both hold from it are the same rows.
            shared = min(self.stored, other.stored)
            return len(self) == len(other) and all(self[i] == other[i] for i in range(shared, len(self)))
        return super().__eq__(other)

    __hash__ = None  # type: ignore[assignment]
