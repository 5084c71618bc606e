"""Step 2 of the refill wizard: where the needle goes, on a drawing of the pump under the template."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout

from programmer.session.refill.label_screens import PortScreen
from programmer.session.refill.steps import Port
from programmer.ui.refill.common import Page, say
from programmer.ui.refill.port_drawing import PortDrawing
from programmer.ui.style import ROLE, hint_label

if TYPE_CHECKING:
    from programmer.ui.refill.wizard import RefillWizard


class PortPage(Page):
    screen: PortScreen
    next_text = "Insert &needle here"

    def __init__(self, wizard: RefillWizard, screen: PortScreen) -> None:
        super().__init__(wizard, screen, ("portVerdict", "Port check"))
        self.verdict = self.problem  # the port's verdict and any refusal share the line beside the drawing
        self.drawing = PortDrawing()
        self.drawing.port_picked.connect(self._picked)
        self.picked = QLabel(screen.picked_text)
        self.picked.setObjectName("pickedPort")
        self.picked.setProperty(ROLE, "value")
        self.picked.setWordWrap(True)
        side = QVBoxLayout()
        side.addWidget(
            hint_label(
                "Place the template over the pump and feel for the ports. Choose where the refill needle goes: "
                "click the port on the drawing, or move with the arrow keys and press Space."
            )
        )
        side.addWidget(self.picked)
        side.addWidget(self.verdict)
        side.addStretch(1)
        columns = QHBoxLayout()
        columns.addWidget(self.drawing, 3)
        columns.addLayout(side, 2)
        self.body.addLayout(columns, 1)

    def _picked(self, port: Port) -> None:
        self.screen.pick(port)
        self.picked.setText(self.screen.picked_text)
        say(self.verdict, "")
        self.changed()

    def enter(self) -> None:
        placed = self.screen.placed
        if placed.text:
            self.drawing.setEnabled(False)
            say(self.verdict, placed)

    def commit(self) -> bool:
        if super().commit():
            if self.screen.check is not None:
                self.drawing.set_verdict(True)
            return True
        check = self.screen.check
        if check is not None and not check.safe:  # the refill stopped here: said, and nothing more to choose
            self.drawing.set_verdict(False)
            self.drawing.setEnabled(False)
            say(self.verdict, self.screen.verdict)
            self.changed()  # the refill is over: only Close is left
        return False
