"""Steps 6 and 7 of the refill wizard: review and program, then the summary of what the refill did."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from programmer.errors import ProgrammerError
from programmer.session.refill.dose_screens import FinishScreen, ReviewScreen
from programmer.session.refill.screen import refusal
from programmer.ui.plot import ReservoirPlot
from programmer.ui.refill.common import Page, message, say, value_grid
from programmer.ui.review_panel import ReviewPanel
from programmer.ui.style import ROLE, name

if TYPE_CHECKING:
    from programmer.ui.refill.wizard import RefillWizard


class ReviewPage(Page):
    screen: ReviewScreen
    next_text = "&Program pump"

    def __init__(self, wizard: RefillWizard, screen: ReviewScreen) -> None:
        super().__init__(wizard, screen, ("programError", "Programming error"))
        self.error = self.problem
        self.panel = ReviewPanel()
        for widget in (self.panel.back, self.panel.program, self.panel.gate, self.panel.result):
            widget.hide()  # the wizard's own buttons and gate take their place
        self.panel.reason.textChanged.connect(self._typed)
        self.plot = ReservoirPlot()
        self.plot.appointment_changed.connect(self._appointment_changed)
        self.second_because = QLabel()
        self.second_because.setObjectName("secondCheckBecause")
        self.second_because.setWordWrap(True)
        self.second_checker = name(QLineEdit(), "secondChecker", "Name of the second person checking")
        self.second_checker.setPlaceholderText(
            "name of the nurse or physician who checked drug, concentration and dose"
        )
        self.second_checker.textChanged.connect(self._typed)
        second_label = QLabel("&Second checker:")
        second_label.setBuddy(self.second_checker)
        self.second_box = QGroupBox("Second-person check")
        self.second_box.setObjectName("secondCheckBox")
        second_layout = QGridLayout(self.second_box)
        second_layout.addWidget(self.second_because, 0, 0, 1, 2)
        second_layout.addWidget(second_label, 1, 0)
        second_layout.addWidget(self.second_checker, 1, 1)
        second_layout.setColumnStretch(1, 1)

        self.outlook = QLabel()
        name(self.outlook, "refillOutlook", "New alarm date and next refill appointment")
        self.outlook.setProperty(ROLE, "value")
        self.outlook.setWordWrap(True)
        self.appointment_warning = message("refillAppointmentWarning", "Refill appointment warning")
        plot_page = QWidget()
        plot_page.setObjectName("projectionTab")
        plot_layout = QVBoxLayout(plot_page)
        plot_layout.addWidget(self.plot)
        # The side-by-side review is read first; the projection and the appointment are one click away,
        # and their outcome (new alarm date, appointment, warning) stays in view above both.
        self.tabs = name(QTabWidget(), "reviewTabs", "Review and reservoir projection")
        self.tabs.addTab(self.panel, "Old and &new, side by side")
        self.tabs.addTab(plot_page, "Reservoir pro&jection and next refill")
        for widget in (self.error, self.second_box, self.outlook, self.appointment_warning):
            self.body.addWidget(widget)
        self.body.addWidget(self.tabs, 1)

    def enter(self) -> None:
        screen = self.screen
        review = screen.enter()
        self.panel.show_review(review.review)
        self.plot.show_inputs(review.plot_inputs)
        self.plot.set_horizon_days(screen.horizon_days())
        if self.plot.appointment is None:
            self.plot.set_appointment(screen.appointment_to_show())
        self._show_outlook()
        self.second_box.setVisible(review.second_check_required)
        self.second_because.setText(screen.second_check_because)
        say(self.error, "")

    def _typed(self) -> None:
        self.screen.reason = self.panel.reason.text()
        self.screen.second_checker = self.second_checker.text()
        self.changed()

    def _appointment_changed(self, moment: datetime | None) -> None:
        try:
            self.screen.book(moment)
        except ProgrammerError as error:
            say(self.error, refusal(error))
        self._show_outlook()

    def _show_outlook(self) -> None:
        if self.screen.review is None:
            return
        self.outlook.setText(self.screen.outlook)
        say(self.appointment_warning, self.screen.appointment_warning)

    def commit(self) -> bool:
        say(self.error, "")
        try:
            return self.screen.commit()
        except ProgrammerError as error:  # refused before anything was sent
            self.show_failure(error)
            return False

    def show_failure(self, error: ProgrammerError) -> None:
        say(self.error, self.screen.failure(error))


class FinishPage(Page):
    screen: FinishScreen
    next_text = "&Close"

    def __init__(self, wizard: RefillWizard, screen: FinishScreen) -> None:
        super().__init__(wizard, screen, ("finishProblem", "Finish problem"))
        self.headline = QLabel()
        name(self.headline, "finishHeadline", "Refill outcome")
        self.headline.setWordWrap(True)
        self.changes = QLabel()
        name(self.changes, "readBackChanges", "Changes read back from the pump")
        self.changes.setWordWrap(True)
        self.box = QGroupBox("Refill summary")
        self.box.setObjectName("refillSummary")
        box_layout = QVBoxLayout(self.box)
        box_layout.addStretch(1)
        self.summary: QWidget | None = None
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self.box)
        self.body.addWidget(self.headline)
        self.body.addWidget(self.changes)
        self.body.addWidget(scroll, 1)
        self.values: dict[str, str] = {}

    def enter(self) -> None:
        say(self.headline, self.screen.headline)
        say(self.changes, self.screen.changes)
        if self.summary is not None:  # rebuilt each time: the summary grows as the refill goes on
            self.summary.setParent(None)
        rows = self.screen.summary()
        grid, _values = value_grid(rows, "summary")
        self.summary = QWidget()
        self.summary.setLayout(grid)
        self.box.layout().insertWidget(0, self.summary)
        self.values = {title: text for title, text in reversed(rows)}  # the first of a repeated title
