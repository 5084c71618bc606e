"""The header, always visible: the training banner, which pump, the link and the pump's clock."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QWidget

from programmer import TRAINING_BANNER
from programmer.pump.memory import PumpMemory
from programmer.ui.style import LINK, WrappingLabel, name, set_flag


class Header(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("header")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)  # let the stylesheet paint it
        self.banner = QLabel(TRAINING_BANNER)
        name(self.banner, "banner", TRAINING_BANNER)
        self.pump = WrappingLabel()
        name(self.pump, "headerPump", "Pump")
        self.patient = WrappingLabel()
        name(self.patient, "headerPatient", "Patient")
        self.link = QLabel()
        name(self.link, "headerLink", "Link")
        self.clock = WrappingLabel()
        name(self.clock, "headerClock", "Pump date and time (simulated)")

        # A grid, not one long row: at large font sizes the pump, patient and clock wrap instead of clipping.
        layout = QGridLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.setHorizontalSpacing(24)
        layout.setVerticalSpacing(4)
        link = QHBoxLayout()
        link.addStretch(1)
        link.addWidget(QLabel("Link:"))
        link.addWidget(self.link)
        layout.addWidget(self.banner, 0, 0, 1, 2, Qt.AlignmentFlag.AlignLeft)
        layout.addLayout(link, 0, 2)
        layout.addWidget(self.pump, 1, 0)
        layout.addWidget(self.patient, 1, 1)
        layout.addWidget(self.clock, 1, 2, Qt.AlignmentFlag.AlignRight)
        layout.setColumnStretch(1, 1)
        self.show_pump(None)
        self.show_link("not connected")
        self.show_clock(None)

    def show_pump(self, memory: PumpMemory | None) -> None:
        if memory is None:
            self.pump.setText("No pump interrogated")
            self.patient.setText("")
            return
        self.pump.setText(f"Pump {memory.model_name} · serial {memory.serial}")
        self.patient.setText(f"Patient ID {memory.patient_id}")

    def show_link(self, state: str) -> None:
        """`state` is a LinkState value: not connected, interrogating, connected, programming."""
        self.link.setText(state)
        set_flag(self.link, LINK, state.replace(" ", "-"))

    def show_clock(self, now: datetime | None) -> None:
        text = now.strftime("%a %Y-%m-%d %H:%M") if now else "—"
        self.clock.setText(f"Pump clock (simulated): {text}")
