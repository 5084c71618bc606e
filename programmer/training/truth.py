"""The hidden truth followed through the attempt: what the reservoir really holds, and what really left it.

The pump never measures its reservoir: it counts what it should have delivered. This follows
each pump state the programmer reads and turns the pump's count into what really happened: drug
leaves the reservoir only while some is in it (a reservoir really emptier than counted runs dry
early); emptying it leaves nothing, whatever is programmed after; a fill puts in what really
reached the reservoir (a pocket fill's share goes under the skin at once), from a syringe holding
what the pharmacy really put in it. A fill is taken as the whole syringe instilled until the
refill's record says how much was drawn up. What reaches the spine is the fluid at the far end of
the pump tubing and catheter, pushed out by what leaves the reservoir: after a concentration change
the old fluid comes first (what a bridge bolus is for).
"""

from __future__ import annotations

from collections import deque
from datetime import datetime, timedelta

from programmer.pump.log import RefillDetails
from programmer.pump.memory import AlarmKind, PumpMemory
from programmer.therapy.bolus import fluid_path_volume_ml
from programmer.therapy.units import DoseRate
from programmer.training.recording import Delivered
from programmer.training.scenario import Spec

_HISTORY = timedelta(days=1)


def _last_delivering(memory: PumpMemory) -> datetime:
    """When the starting pump last delivered: when it stopped or ran empty, else its clock."""
    if memory.stopped_since is not None:
        return memory.stopped_since
    empty = next((alarm.raised_at for alarm in memory.alarms if alarm.kind is AlarmKind.EMPTY_RESERVOIR), None)
    return empty or memory.clock


def _stopped_delivering(memory: PumpMemory, since: datetime) -> datetime | None:
    """When the pump stopped delivering after `since`: its count reached empty, it stopped (end of service …), or an
    MRI scan held its delivery."""
    empty = (alarm.raised_at for alarm in memory.alarms if alarm.kind is AlarmKind.EMPTY_RESERVOIR)
    stops = (*empty, memory.stopped_since, memory.delivery_held_since)
    return min((moment for moment in stops if moment and since < moment <= memory.clock), default=None)


class TrueReservoir:
    def __init__(self, spec: Spec, start: PumpMemory) -> None:
        self.spec = spec
        self.memory = start  # the pump as last followed
        self.ml = start.reservoir_ml if spec.truth.reservoir_ml is None else spec.truth.reservoir_ml
        self.per_ml = start.prescription.concentration.per_ml
        self.unit = start.prescription.unit.value
        self._filled = False  # a fill was recorded since the last refill the pump logged
        self._instilled_ml: float | None = None  # what the fill of this refill instilled
        catheter = start.catheter
        path_ml = fluid_path_volume_ml(start.model, catheter.length_cm, catheter.trimmed_cm)
        # The tubing and catheter: (mL, per mL), the tip first. In a new implant they hold no drug until their volume
        # has been pushed through: a priming bolus does in minutes what the daily rate does in days.
        path_per_ml = 0.0 if spec.truth.unprimed else self.per_ml
        self._path = deque([(path_ml, path_per_ml)])

    def history(self, dose: DoseRate) -> Delivered:
        """The day before the start (or before the pump stopped): `dose` reached the spine, as prescribed."""
        end = _last_delivering(self.memory)
        ml = self.memory.prescription.concentration.ml_per_day(dose)
        return self._said(end - _HISTORY, end, ml, ml, 0.0)

    def _said(self, start: datetime, end: datetime, pump_ml: float, spine_ml: float, pocket_ml: float,
              spine_dose: float | None = None) -> Delivered:
        spine_dose = spine_ml * self.per_ml if spine_dose is None else spine_dose
        return Delivered(start=start, end=end, pump_ml=pump_ml, spine_ml=spine_ml, spine_dose=spine_dose,
                         pocket_dose=pocket_ml * self.per_ml, unit=self.unit, true_reservoir_ml=self.ml)

    def _deliver(self, start: datetime, end: datetime, pump_ml: float) -> Delivered:
        pump_ml = max(0.0, pump_ml)
        spine_ml = min(pump_ml, self.ml)
        self.ml -= spine_ml
        return self._said(start, end, pump_ml, spine_ml, 0.0, self._push(spine_ml))

    def _push(self, ml: float) -> float:
        """`ml` from the reservoir enters the tubing, as much leaves the catheter tip: the dose reaching the spine."""
        self._path.append((ml, self.per_ml))
        dose, left = 0.0, ml
        while left > 1e-12 and self._path:
            volume, per_ml = self._path.popleft()
            taken = min(volume, left)
            dose, left = dose + taken * per_ml, left - taken
            if volume > taken:
                self._path.appendleft((volume - taken, per_ml))
        return dose

    def follow(self, memory: PumpMemory) -> list[Delivered]:
        """What really happened between the pump as last followed and `memory` (the same pump, later or now)."""
        if memory.serial != self.memory.serial or memory.clock < self.memory.clock:
            return []
        at, counted = self.memory.clock, self.memory.reservoir_ml
        said = []
        for event in memory.events[len(self.memory.events) :]:
            if isinstance(event.details, RefillDetails):
                said.append(self._deliver(at, event.at, counted - event.details.expected_ml))
                at, counted = event.at, event.details.added_ml
                if not self._filled:  # a refill no refill workflow told of: what was added is what is in
                    self.ml = event.details.added_ml
                self._filled = False
        said.append(self._deliver(at, _stopped_delivering(memory, at) or memory.clock, counted - memory.reservoir_ml))
        self.memory = memory
        return [delivery for delivery in said if delivery.end > delivery.start or delivery.pump_ml > 0]

    def emptied(self) -> None:
        """The reservoir was emptied (the refill's volume removed is recorded)."""
        self.ml, self._filled, self._instilled_ml = 0.0, False, None

    def filled(self, at: datetime, instilled_ml: float, per_ml: float) -> Delivered | None:
        """The syringe (`instilled_ml` of `per_ml`, as the label reads) went in; None when it already had."""
        if self._instilled_ml is not None:
            return None  # a fill recorded again is a reading corrected: nothing more went in
        truth = self.spec.truth
        self.per_ml = truth.syringe.concentration if truth.syringe is not None else per_ml
        self._filled, self._instilled_ml = True, instilled_ml
        self.ml = self.reaches_reservoir_ml(instilled_ml)
        return self._said(at, at, 0.0, 0.0, self._pocket_ml(instilled_ml))

    def prepared(self, prepared_ml: float) -> None:
        """The refill ended and says how much was really drawn up to instil: the fill as it really was."""
        if self._instilled_ml is None or abs(prepared_ml - self._instilled_ml) < 1e-9:
            return
        self.ml = self.reaches_reservoir_ml(prepared_ml)
        self._instilled_ml = prepared_ml

    def reaches_reservoir_ml(self, instilled_ml: float) -> float:
        """What of `instilled_ml` really goes into the reservoir: all but a pocket fill's share, up to its capacity."""
        return min(instilled_ml - self._pocket_ml(instilled_ml), self.memory.model.reservoir_capacity_ml)

    def _pocket_ml(self, instilled_ml: float) -> float:
        pocket = self.spec.truth.pocket_ml
        return 0.0 if pocket is None else min(pocket, instilled_ml)
