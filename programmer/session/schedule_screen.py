"""The schedule tab as a screen model: the session it edits, the day and step shown, the history, what it says.

Qt-free. The widgets in programmer.ui.schedule show what this holds and forward what the
nurse does. Each edit is worded here ("split step 2 at 09:00"), handed to the session as the
pending program and recorded in the history, so Ctrl+Z takes it back; a refusal is said in
words with its limit and changes nothing. The schedule is redrawn from the session, whoever
changed it; a change made elsewhere (the prescription screen, programming, a refill) clears
the history (programmer.session.schedule_history).

It says what changed on its own events: `shown` (redraw everything), `selected` (another
step of the same day) and `said` (the message under the timeline).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from msgspec import Struct

from programmer.errors import ProgrammerError
from programmer.events import Connection, Event, Events
from programmer.session.events import ProgrammerEvents
from programmer.session.levels import FINDING_LEVELS, Level
from programmer.session.programming import ProgrammingSession
from programmer.session.schedule_edit import SNAP_MINUTES, ScheduleEdit
from programmer.session.schedule_figures import (
    RateEntry,
    StepRow,
    day_of,
    end_text,
    step_times_text,
    weekday_names,
)
from programmer.session.schedule_history import EditHistory, HistoryEntry, View
from programmer.therapy.drugs import DrugLibrary, drug_library
from programmer.therapy.prescription import Prescription
from programmer.therapy.safety import Finding, FindingSeverity
from programmer.therapy.schedule import WEEKDAYS, DaySchedule, ScheduleError, format_minute, parse_minute
from programmer.therapy.units import MINUTES_PER_DAY, DoseRate, format_number
from programmer.wording import plural, sentence


class Message(Struct, frozen=True):
    """What the editor says under the timeline, and how loud ("info", "warning", "critical"; "none": nothing)."""

    text: str = ""
    level: str = "none"


class StepControls(Struct, frozen=True):
    """The selected step's row and the rate entry: what they read, and which of them are live."""

    selection: str  # "Step 2: 06:00–12:00, 200 mcg/day (8.333 mcg/h)"; "No step selected"; "" before conversion
    rate_label: str  # "New &rate for step 2:", with its keyboard mnemonic
    rate_text: str  # what the entry starts from: the step's rate per day ("" with no step selected)
    split_minute: int | None  # the time the split box starts from: the middle of the step
    can_split: bool
    can_merge: bool
    can_delete: bool
    can_type_rate: bool  # the entry and its unit (Set rate is live when the typed text is a rate)
    can_edit_table: bool


class DayControls(Struct, frozen=True):
    """The day row: weekday buttons, "separate schedule per weekday", "copy this day to…", and the week overview."""

    shown: bool  # the pump model can hold a schedule per weekday; otherwise none of these is shown
    per_weekday: bool  # the box is ticked; the weekday buttons and the copy button are live
    can_separate: bool  # the box is live (a flexible schedule)
    weekday: int | None  # the weekday button held down
    copy_text: str


class ScheduleScreenEvents(Events):
    shown = Event["ScheduleScreen"]("the schedule, the day shown, the findings or the history changed: redraw")
    selected = Event["int | None"]("another step of the day shown was selected")
    said = Event["Message"]("the editor says something: an edit done (undoable), or a refusal with its limit")


class ScheduleScreen:
    """The flexible schedule editor's state and rules; the widgets bind to `events` and forward intent here."""

    def __init__(self, library: DrugLibrary | None = None, events: ProgrammerEvents | None = None) -> None:
        self.library = library or drug_library()
        self.events = ScheduleScreenEvents()
        self.session: ProgrammingSession | None = None
        self.state: ScheduleEdit | None = None
        self.findings: list[Finding] = []
        self.history = EditHistory()
        self.message = Message()
        self._view = View()
        self._followed: ProgrammerEvents | None = None
        self._connections: list[Connection] = []
        self._handing = False  # the screen is handing the session an edit: its notice is no change from elsewhere
        if events is not None:
            self.follow(events)

    # --- the session -------------------------------------------------------------------------
    def follow(self, events: ProgrammerEvents) -> None:
        """Edit the session of each visit `events` announces; redraw on each new snapshot or pending program."""
        self.close()
        self._followed = events
        self._connections = [
            events.visit.connect(lambda visit: self.bind(visit.session if visit is not None else None)),
            events.snapshot.connect(self._session_changed),
            events.pending.connect(self._session_changed),
        ]

    def close(self) -> None:
        """Stop listening (the editor is gone)."""
        for connection in self._connections:
            connection.disconnect()
        self._connections = []
        self._followed = None

    def bind(self, session: ProgrammingSession | None) -> None:
        """Edit `session`'s pending prescription (None: no pump), from a fresh start."""
        if session is not None and session.events is not self._followed:
            self.follow(session.events)  # a session on its own (not the window's): follow its events too
        self.session = session
        self.history.clear()
        self.state = None
        self._view = View()
        self.say("", "none")  # what was said to the last visit is not this one's
        self._session_changed()

    def _session_changed(self, _change: object = None) -> None:
        session = self.session
        if session is None or session.current is None:
            self.state, self.findings = None, []
            self.history.clear()
            self.events.shown.emit(self)
            return
        current, pending = session.current.prescription, session.pending_prescription
        # A change from elsewhere (another tab, a discard, a refill): the undo steps no longer apply, nor what was
        # said of them ("Undone: … Ctrl+Shift+Z redoes it").
        if not self._handing and self.history.follow(current, pending):
            self.say("", "none")
        drug = self.library.get(pending.drug)  # None when the library does not know it
        self.state = ScheduleEdit(current, pending, session.model, drug, self._view.weekday, self._view.selected)
        self._view = View(self.state.weekday, self.state.selected)
        self.findings = session.findings() if session.has_pending_changes else []
        self.events.shown.emit(self)

    # --- what the screen shows -------------------------------------------------------------------
    @property
    def title(self) -> str:
        state = self.state
        if state is None:
            return "Flexible schedule: no pump connected"
        return f"Flexible schedule — {state.edited.drug} {state.edited.concentration}, {state.model.name}"

    @property
    def convert_text(self) -> str:
        """Why and how to convert, while the pending program is not a flexible schedule; '' once it is."""
        state = self.state
        if state is None or state.is_flex:
            return ""
        edited = state.edited
        dose = edited.nominal_daily_dose
        return (
            f"The pending program is {edited.mode.title.lower()}"
            + (f": {dose.day_and_hour_text()} all day." if dose.per_day > 0 else ".")
            + " Convert it to edit rates by time of day (it starts as one step, 00:00–24:00, at this dose)."
        )

    def rows(self) -> list[StepRow]:
        """The table's rows: the steps of the day shown (none before conversion)."""
        return self.state.rows() if self.state is not None and self.state.is_flex else []

    def caption(self, day: DaySchedule | None = None) -> str:
        """The timeline's caption for `day` (default: the day shown): 'Friday · 4 steps · drag a boundary …'."""
        state = self.state
        if not state.is_flex:
            return f"{state.edited.mode.title} (convert to edit)"
        steps = plural(len((day or state.day).steps), "step")
        return f"{state.day_name} · {steps} · drag a boundary ({SNAP_MINUTES}-min snap, Esc cancels)"

    def rate_units(self) -> tuple[str, str]:
        """The rate entry's unit choices, per day first: ('mcg/day', 'mcg/h')."""
        unit = self.state.edited.unit.value
        return f"{unit}/day", f"{unit}/h"

    def controls(self) -> StepControls:
        state = self.state
        flex = state is not None and state.is_flex
        index = state.selected if flex else None
        if index is None:
            return StepControls(
                selection="No step selected" if flex else "",
                rate_label="New r&ate:",
                rate_text="",
                split_minute=None,
                can_split=False,
                can_merge=False,
                can_delete=False,
                can_type_rate=False,
                can_edit_table=flex,
            )
        interval = state.day.intervals()[index]
        several = len(state.day.steps) > 1
        return StepControls(
            selection=(
                f"Step {index + 1}: {step_times_text(interval, state.weekday_name)}, "
                f"{interval.rate.day_and_hour_text()}"
            ),
            rate_label=f"New &rate for step {index + 1}:",
            rate_text=format_number(interval.rate.per_day),
            split_minute=state.default_split_minute(index),
            can_split=True,  # also on a full day: the refusal names the model's limit
            can_merge=several,
            can_delete=several,
            can_type_rate=True,
            can_edit_table=True,
        )

    def days(self) -> DayControls:
        state = self.state
        if state is None:
            return DayControls(True, False, False, None, "Copy this day to…")
        per_weekday = state.per_weekday
        return DayControls(
            shown=state.model.per_weekday_schedules,
            per_weekday=per_weekday,
            can_separate=state.is_flex,
            weekday=state.weekday if per_weekday else None,
            copy_text=f"Copy {WEEKDAYS[state.weekday]} to…" if per_weekday else "Copy this day to…",
        )

    def finding_rows(self) -> list[tuple[str, str]]:
        """(level, text) for each thing the pump refuses and each safety finding, or one line saying there is none."""
        state = self.state
        rows = [(Level.CRITICAL, f"Pump refuses: {problem}") for problem in (state.pump_problems() if state else [])]
        for finding in self.findings:
            blocks = " — blocks programming" if finding.severity is FindingSeverity.BLOCK else ""
            rows.append((FINDING_LEVELS[finding.severity], f"{finding}{blocks}"))
        if not rows:
            session = self.session
            pending = session is not None and session.current is not None and session.has_pending_changes
            rows = [(Level.OK, "No safety findings." if pending else "No changes yet: the schedule is the pump's own.")]
        return rows

    def read_rate(self, text: str, per_hour: bool, index: int | None = None) -> RateEntry:
        """`text` typed as a rate for step `index` (default: the selected one), checked before it is accepted."""
        state = self.state
        index = state.selected if state is not None and index is None else index
        if state is None or not state.is_flex or index is None:
            return RateEntry(None, per_hour)
        return state.rate_entry(text, per_hour, index)

    # --- what a nurse does -----------------------------------------------------------------------
    def say(self, text: str, level: str = "info") -> None:
        self.message = Message(sentence(text), level) if text else Message()
        self.events.said.emit(self.message)

    def select_step(self, index: int | None) -> None:
        if self.state is None or not self.state.is_flex:
            return
        self.state = self.state.with_selected(index)
        self._view = View(self.state.weekday, self.state.selected)
        self.events.selected.emit(self.state.selected)

    def select_weekday(self, weekday: int) -> None:
        if self.state is None:
            return
        self.state = self.state.with_weekday(weekday)
        self._view = View(weekday, self.state.selected)
        self.events.shown.emit(self)

    def convert(self) -> bool:
        return self._attempt(lambda state: self._edit("convert to a flexible schedule", state.converted(), 0))

    def split(self, at_minute: int) -> bool:
        """Split the selected step at `at_minute`."""

        def split(state: ScheduleEdit) -> None:
            index = state.selected
            after = state.split(index, at_minute)
            where = day_of(after, state.weekday).index_at(at_minute)
            self._edit(f"split step {index + 1} at {format_minute(at_minute % MINUTES_PER_DAY)}", after, where)

        return self._attempt(split)

    def merge(self, with_next: bool) -> bool:
        """Merge the selected step with the next (or previous) one; the selected step's rate is kept."""

        def merge(state: ScheduleEdit) -> None:
            index = state.selected
            after = state.merge(index, with_next)
            kept = state.day.steps[index if with_next else index - 1].start_minute
            side, where = ("next" if with_next else "previous"), day_of(after, state.weekday).index_at(kept)
            self._edit(f"merge step {index + 1} with the {side} step", after, where)

        return self._attempt(merge)

    def delete(self) -> bool:
        """Delete the selected step: the step before it runs on over its time."""

        def delete(state: ScheduleEdit) -> None:
            index = state.selected
            after = state.delete(index)
            start = format_minute(state.day.steps[index].start_minute)
            self._edit(f"delete step {index + 1} (from {start})", after, max(0, index - 1))

        return self._attempt(delete)

    def move_boundary(self, index: int, minute: int) -> bool:
        """Move the start of step `index` (the end of the one before) to `minute`; refused, it stays where it was."""
        ok = self._attempt(lambda state: self._move(state, index, minute, end=False))
        if not ok:
            self.events.shown.emit(self)  # the timeline shows the boundary back where it was
        return ok

    def _move(self, state: ScheduleEdit, index: int, minute: int, end: bool) -> None:
        if end:
            after = state.move_end(index, minute)
            what = f"end of step {index + 1} from {end_text(state.day.intervals()[index].end_minute)}"
            anchor = (minute - 1) % MINUTES_PER_DAY  # the step that now ends at `minute`
        else:
            after = state.move_start(index, minute)
            what = f"start of step {index + 1} from {format_minute(state.day.steps[index].start_minute)}"
            anchor = minute
        where = day_of(after, state.weekday).index_at(anchor)
        self._edit(f"move the {what} to {format_minute(minute)}", after, where)

    def set_rate(self, index: int, rate: DoseRate) -> bool:
        return self._attempt(lambda state: self._set_rate(state, index, rate))

    def _set_rate(self, state: ScheduleEdit, index: int, rate: DoseRate) -> None:
        after = state.set_rate(index, rate)
        before = state.day.steps[index].rate
        self._edit(f"rate of step {index + 1} from {before} to {rate} ({rate.per_hour_text()})", after, index)

    def set_typed_rate(self, text: str, per_hour: bool) -> bool:
        """The selected step's rate as typed in the entry row, per hour or per day."""
        if self.state is None or self.state.selected is None:
            return False
        entry = self.read_rate(text, per_hour)
        if not entry.usable:
            self.say(entry.error, "critical")
            return False
        return self.set_rate(self.state.selected, entry.rate)

    def type_time(self, row: int, text: str, end: bool) -> str:
        """A start (or end) typed in the table: '' when it moved the boundary, else why not (also said)."""
        return self._refusal(lambda state: self._move(state, row, parse_minute(text) % MINUTES_PER_DAY, end))

    def type_rate(self, row: int, text: str, per_hour: bool) -> str:
        """A rate typed in the table: '' when it was set, else why not (also said)."""

        def set_rate(state: ScheduleEdit) -> None:
            entry = state.rate_entry(text, per_hour, row)
            if not entry.usable:
                raise ScheduleError(entry.error)
            self._set_rate(state, row, entry.rate)

        return self._refusal(set_rate)

    def copy_day_to(self, weekdays: Iterable[int]) -> bool:
        def copy(state: ScheduleEdit) -> None:
            targets = sorted(set(weekdays) - {state.weekday})
            after = state.copy_day(targets)
            self._edit(f"copy {WEEKDAYS[state.weekday]} to {weekday_names(targets)}", after)

        return self._attempt(copy)

    def set_per_weekday(self, separate: bool) -> bool:
        """A separate schedule per weekday (copies of the day shown), or the day shown for every day."""

        def change(state: ScheduleEdit) -> None:
            if separate == state.per_weekday:
                return
            after = state.per_weekday_schedule(separate)
            every = f"use {WEEKDAYS[state.weekday]}'s schedule for every day"
            self._edit("use a separate schedule per weekday" if separate else every, after)

        ok = self._attempt(change)
        if not ok:
            self.events.shown.emit(self)  # the box shows the schedule as it is
        return ok

    def undo(self) -> bool:
        return self._replay(self.history.next_undo, back=True)

    def redo(self) -> bool:
        return self._replay(self.history.next_redo, back=False)

    def _replay(self, entry: HistoryEntry | None, back: bool) -> bool:
        """Hand the session the program before `entry` (undo) or after it (redo), showing what was shown then."""
        if entry is None:
            return False
        if back:
            prescription, view, step, said = entry.before, entry.before_view, self.history.undo, "undone"
        else:
            prescription, view, step, said = entry.after, entry.after_view, self.history.redo, "redone"
        if not self._attempt(lambda state: self._hand(prescription, view, step)):
            return False
        again = "Ctrl+Shift+Z redoes it" if back else "Ctrl+Z undoes it"
        self.say(f"{said}: {entry.text}. {again}.", "info")
        return True

    # --- how an edit is made ---------------------------------------------------------------------
    def _attempt(self, action: Callable[[ScheduleEdit], object]) -> bool:
        return self.state is not None and not self._refusal(action)

    def _refusal(self, action: Callable[[ScheduleEdit], object]) -> str:
        """Run an edit on the state shown: '' when done; a refusal is said in words with its limit, and returned."""
        if self.state is None:
            return "no pump connected: interrogate a pump first"
        try:
            action(self.state)
        except ProgrammerError as error:
            self.say(str(error), "critical")
            return str(error)
        return ""

    def _edit(self, text: str, after: Prescription, selected: int | None = None, weekday: int | None = None) -> None:
        """Hand `after` to the session, then record it as one undoable edit worded `text`."""
        state = self.state
        before_view = View(state.weekday, state.selected)
        after_view = View(
            state.weekday if weekday is None else weekday, state.selected if selected is None else selected
        )
        entry = HistoryEntry(text, state.edited, after, before_view, after_view)
        self._hand(after, after_view, lambda: self.history.record(entry, state.current))
        self.say(f"done: {text}. Ctrl+Z undoes it.", "info")  # as "undone: …" and "redone: …" say it

    def _hand(self, prescription: Prescription, view: View, done: Callable[[], object]) -> None:
        """Hand `prescription` to the session as pending, showing `view`; `done` runs once the session took it.

        The redraw is held until `done` has run, so it shows the history as it now is.
        """
        if self.session is None:
            raise ScheduleError("no pump connected: interrogate a pump first")
        shown = self._view
        with self.events.batch():
            self._view, self._handing = view, True
            try:
                self.session.edit(prescription=prescription)
            except ProgrammerError:
                self._view = shown
                raise
            finally:
                self._handing = False
            done()
