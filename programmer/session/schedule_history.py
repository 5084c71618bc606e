"""The schedule edit's undo history: each edit in words, the prescription before and after, and what was shown.

Qt-free. The history belongs to the edit, not to a widget: the schedule screen
(programmer.session.schedule_screen) records an entry once the session has taken the
new pending prescription, and undo or redo hands the session the prescription before or
after, with the weekday and step that were shown then. Its steps only make sense on the
programs they were made on, so `follow` clears it when the pump's program or the pending
one changed from elsewhere (the prescription screen, programming, a refill, a discard).
"""

from __future__ import annotations

from msgspec import Struct

from programmer.therapy.prescription import Prescription


class View(Struct, frozen=True):
    """What the schedule screen shows: the weekday (0 = Monday) and the selected step (None: none)."""

    weekday: int = 0
    selected: int | None = 0


class HistoryEntry(Struct, frozen=True):
    """One edit: what was done, in words ('split step 2 at 09:00'), and the program and view either side of it."""

    text: str
    before: Prescription
    after: Prescription
    before_view: View
    after_view: View


class EditHistory:
    """Undo and redo over the edits of one pending program; a new edit drops what was undone."""

    def __init__(self) -> None:
        self._entries: list[HistoryEntry] = []
        self._done = 0  # how many entries are applied; the rest can be redone
        self._pump: Prescription | None = None  # the pump's program the edits were made on

    # --- reading ---------------------------------------------------------------------------------
    @property
    def can_undo(self) -> bool:
        return self._done > 0

    @property
    def can_redo(self) -> bool:
        return self._done < len(self._entries)

    @property
    def next_undo(self) -> HistoryEntry | None:
        """The edit undo would take back."""
        return self._entries[self._done - 1] if self.can_undo else None

    @property
    def next_redo(self) -> HistoryEntry | None:
        """The edit redo would make again."""
        return self._entries[self._done] if self.can_redo else None

    @property
    def texts(self) -> tuple[list[str], list[str]]:
        """What can be undone (oldest first) and what can be redone (next first), in words."""
        return [entry.text for entry in self._entries[: self._done]], [e.text for e in self._entries[self._done :]]

    @property
    def undo_tip(self) -> str:
        entry = self.next_undo
        return f"Undo {entry.text} (Ctrl+Z)" if entry else "Nothing to undo"

    @property
    def redo_tip(self) -> str:
        entry = self.next_redo
        return f"Redo {entry.text} (Ctrl+Shift+Z)" if entry else "Nothing to redo"

    @property
    def expected(self) -> Prescription | None:
        """The pending prescription the history stands on: after the last edit done, or before the first."""
        if not self._entries:
            return None
        return self._entries[self._done - 1].after if self._done else self._entries[0].before

    # --- changing --------------------------------------------------------------------------------
    def record(self, entry: HistoryEntry, pump: Prescription) -> None:
        """`entry` was done on the pump's program `pump`: it can be undone, and what was undone is gone."""
        del self._entries[self._done :]
        if not self._entries:
            self._pump = pump
        self._entries.append(entry)
        self._done = len(self._entries)

    def undo(self) -> HistoryEntry | None:
        """Step back over the last edit done; the caller hands the session its `before`."""
        entry = self.next_undo
        if entry is not None:
            self._done -= 1
        return entry

    def redo(self) -> HistoryEntry | None:
        """Step forward over the next edit undone; the caller hands the session its `after`."""
        entry = self.next_redo
        if entry is not None:
            self._done += 1
        return entry

    def clear(self) -> None:
        self._entries.clear()
        self._done = 0
        self._pump = None

    def follow(self, pump: Prescription, pending: Prescription) -> bool:
        """Clear the history unless `pump` and `pending` are the programs it was made on; True when cleared."""
        if not self._entries or (pump == self._pump and pending == self.expected):
            return False
        self.clear()
        return True
