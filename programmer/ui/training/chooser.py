"""Choosing a scenario (its objectives and duration shown), then its prebrief before the attempt starts."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QRadioButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from programmer.training.engine import Mode
from programmer.training.library import ScenarioLibrary
from programmer.training.scenario import Scenario
from programmer.ui.style import hint_label, name
from programmer.ui.training.dialog import accept_or_cancel, titled
from programmer.wording import format_number


def _items(texts: list[str]) -> str:
    return "".join(f"<li>{html.escape(text)}</li>" for text in texts)


def overview_html(scenario: Scenario) -> str:
    """What the chooser shows of a scenario: duration and objectives, never its answer keys."""
    spec = scenario.spec
    return (
        f"<h2>{html.escape(spec.title)}</h2>"
        f"<p>About {format_number(spec.minutes)} min · version {spec.version}</p>"
        f"<p><b>Objectives</b></p><ul>{_items(spec.objectives)}</ul>"
    )


def prebrief_html(scenario: Scenario, mode: Mode) -> str:
    """The patient, why they are here, what the nurse is handed; the objectives in practice mode."""
    spec = scenario.spec
    parts = [
        f"<h2>{html.escape(spec.title)}</h2>",
        f"<p><b>The patient:</b> {html.escape(spec.prebrief.patient)}</p>",
        f"<p>{html.escape(spec.prebrief.story)}</p>",
    ]
    if spec.prebrief.handed:
        parts.append(f"<p><b>You are handed:</b></p><ul>{_items(spec.prebrief.handed)}</ul>")
    if mode is Mode.PRACTICE:
        parts.append(f"<p><b>Objectives</b></p><ul>{_items(spec.objectives)}</ul>")
    else:
        parts.append("<p><b>Assessment:</b> no hints and no checklist; the debrief at the end says it all.</p>")
    parts.append(f"<p>About {format_number(spec.minutes)} min. Work as you would with the patient in front of "
                 "you; say you are done with Training → End attempt.</p>")
    return "".join(parts)


class ScenarioChooser(QDialog):
    """The library's scenarios; the trainee's name and the mode. Accepted: `chosen`, `trainee`, `mode`."""

    def __init__(self, library: ScenarioLibrary, parent: QWidget | None = None, trainee: str = "") -> None:
        super().__init__(parent)
        titled(self, "scenarioChooser", "Choose a scenario")
        self.library = library
        self.list = name(QListWidget(), "scenarioList", "Scenarios")
        self.list.setWordWrap(True)  # a long title wraps, never cut off
        for scenario in library.scenarios:
            item = QListWidgetItem(f"{scenario.spec.title}  ({format_number(scenario.spec.minutes)} min)")
            item.setData(Qt.ItemDataRole.UserRole, scenario.id)
            self.list.addItem(item)
        self.details = name(QTextBrowser(), "scenarioDetails", "The scenario's objectives")
        self.trainee_edit = name(QLineEdit(trainee), "traineeName", "Trainee's name")
        self.trainee_edit.setPlaceholderText("your name, as the records should show it")
        self.practice = name(QRadioButton("&Practice: objectives, checklist and hints shown"), "practiceMode",
                             "Practice mode")
        self.assessment = name(QRadioButton("&Assessment: none shown; judged at the end"), "assessmentMode",
                               "Assessment mode")
        self.practice.setChecked(True)
        modes = QButtonGroup(self)
        modes.addButton(self.practice)
        modes.addButton(self.assessment)
        broken = hint_label(object_name="brokenScenarios")
        if library.broken:
            broken.setText(f"{len(library.broken)} scenario file(s) do not check and are left out: "
                           + ", ".join(path.parent.name for path in library.broken))
        self.start_button = name(QPushButton("&Read the prebrief…"), "prebriefButton", "Read the prebrief")
        buttons = accept_or_cancel(self, self.start_button)
        self.list.currentRowChanged.connect(self._show)
        self.list.itemDoubleClicked.connect(lambda _item: self.accept())

        sides = QHBoxLayout()
        sides.addWidget(self.list, 1)
        sides.addWidget(self.details, 1)
        form = QHBoxLayout()
        form.addWidget(QLabel("&Trainee:", buddy=self.trainee_edit))
        form.addWidget(self.trainee_edit, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(sides, 1)
        layout.addLayout(form)
        layout.addWidget(self.practice)
        layout.addWidget(self.assessment)
        layout.addWidget(broken)
        layout.addWidget(buttons)
        self.resize(860, 520)
        if library.scenarios:
            self.list.setCurrentRow(0)
        self.start_button.setEnabled(bool(library.scenarios))

    def _show(self, row: int) -> None:
        scenario = self.library.scenarios[row] if 0 <= row < len(self.library.scenarios) else None
        self.details.setHtml(overview_html(scenario) if scenario else "")

    @property
    def chosen(self) -> Scenario | None:
        row = self.list.currentRow()
        return self.library.scenarios[row] if 0 <= row < len(self.library.scenarios) else None

    @property
    def trainee(self) -> str:
        return self.trainee_edit.text().strip()

    @property
    def mode(self) -> Mode:
        return Mode.ASSESSMENT if self.assessment.isChecked() else Mode.PRACTICE


class PrebriefDialog(QDialog):
    """The case as the nurse is given it; Begin starts the attempt."""

    def __init__(self, scenario: Scenario, mode: Mode, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        titled(self, "prebriefDialog", f"Prebrief — {scenario.spec.title}")
        self.body = name(QTextBrowser(), "prebriefBody", "The prebrief")
        self.body.setHtml(prebrief_html(scenario, mode))
        self.begin_button = name(QPushButton("&Begin"), "beginButton", "Begin the scenario")
        buttons = accept_or_cancel(self, self.begin_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.body, 1)
        layout.addWidget(buttons)
        self.resize(760, 520)
