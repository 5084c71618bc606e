"""The header, always visible: the training banner, which pump, the link and the pump's clock."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from programmer import TRAINING_BANNER
from programmer.pump.memory import PumpMemory
from programmer.ui.style import LINK, name, set_flag


class Header(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("header")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)  # let the stylesheet paint it
        self.banner = QLabel(TRAINING_BANNER)
        name(self.banner, "banner", TRAINING_BANNER)
        self.pump = QLabel()
        name(self.pump, "headerPump", "Pump")
        self.patient = QLabel()
        name(self.patient, "headerPatient", "Patient")
        self.link = QLabel()
        name(self.link, "headerLink", "Link")
        self.clock = QLabel()
        name(self.clock, "headerClock", "Pump date and time (simulated)")

        top = QHBoxLayout()
        top.addWidget(self.banner)
        top.addStretch(1)
        top.addWidget(QLabel("Link:"))
        top.addWidget(self.link)
        bottom = QHBoxLayout()
        bottom.addWidget(self.pump)
        bottom.addSpacing(24)
        bottom.addWidget(self.patient)
        bottom.addStretch(1)
        bottom.addWidget(self.clock)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.setSpacing(4)
        layout.addLayout(top)
        layout.addLayout(bottom)
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
