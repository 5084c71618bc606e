"""The debrief: on screen after an attempt, and as a PDF the trainee or the educator keeps.

One HTML rendering (`debrief_html`) serves both: the dialog shows it in a text browser, the PDF
lays the same document out on A4 pages (QTextDocument paginates and numbers them).
"""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import QMarginsF, QSizeF, Signal
from PySide6.QtGui import QGuiApplication, QPageLayout, QPageSize, QPdfWriter, QTextDocument
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from programmer import TRAINING_BANNER
from programmer.errors import ProgrammerError
from programmer.training.debrief import MARKS, Debrief, clock_text
from programmer.ui import dialogs
from programmer.ui.style import name
from programmer.ui.theme import SEVERITY_COLOURS, Palette
from programmer.ui.training.dialog import titled
from programmer.wording import moment_text, sentence

RESOLUTION_DPI = 300

_CSS = f"""
body {{ color: {Palette.INK}; }}
h1 {{ font-size: 15pt; margin: 0; }}
h2 {{ font-size: 11pt; margin-top: 12px; margin-bottom: 4px; color: {Palette.HEADER}; }}
p {{ margin-top: 2px; margin-bottom: 2px; }}
td, th {{ vertical-align: top; padding: 2px 4px; }}
th {{ background-color: {Palette.TABLE_HEAD}; text-align: left; }}
.banner {{ background-color: {Palette.BANNER}; font-weight: bold; }}
.why {{ color: {Palette.HINT}; }}
.failed {{ color: {SEVERITY_COLOURS["critical"].text}; font-weight: bold; }}
.passed {{ color: {SEVERITY_COLOURS["ok"].text}; font-weight: bold; }}
.incomplete {{ color: {Palette.CAUTION}; font-weight: bold; }}
"""


def _e(text: object) -> str:
    return html.escape(str(text))


def _action_rows(actions, scored: bool) -> str:
    rows = []
    for action in actions:
        when = action.when()
        points = f"{action.earned:g}/{action.weight:g}" if scored else ""
        late = " (late)" if scored and action.late else ""
        why = "".join(f"<br><span class='why'>{label}: {_e(text)}</span>"
                      for label, text in (("Why it matters", action.why), ("Source", action.source)) if text)
        rows.append(
            f"<tr><td width='3%'>{MARKS[action.state]}</td><td><b>{_e(action.expected)}</b><br>{_e(action.detail)}"
            f"{why}</td><td width='10%'>{when}{late}</td><td width='8%'>{points}</td></tr>"
        )
    head = "<tr><th></th><th>Expected</th><th>When</th><th>" + ("Points" if scored else "") + "</th></tr>"
    return f"<table width='100%' cellspacing='0'>{head}{''.join(rows)}</table>"


def debrief_html(debrief: Debrief) -> str:
    """The whole debrief: verdict, time, critical and scored actions, the patient, faults, hints, timeline."""
    parts = [
        f"<p class='banner'>{_e(TRAINING_BANNER)}</p>",
        f"<h1>Debrief: {_e(debrief.title)}</h1>",
        f"<p>Scenario {_e(debrief.scenario_id)}, version {debrief.version}"
        + (f", attempt {debrief.attempt_id}" if debrief.attempt_id is not None else "")
        + f" · trainee {_e(debrief.trainee or 'not named')} · {_e(debrief.mode)} mode"
        f" · {_e(debrief.started_text())}</p>",
        f"<p class='{debrief.status}'>{_e(debrief.verdict())}</p>",
        f"<p>{_e(debrief.time_text())}</p>",
        "<h2>Critical actions (any one missed fails the attempt)</h2>",
        _action_rows(debrief.critical, scored=False),
    ]
    if debrief.scored:
        parts += ["<h2>Scored actions</h2>", _action_rows(debrief.scored, scored=True)]
    parts.append("<h2>The patient</h2>")
    if debrief.patient is not None:
        parts.append(f"<p>At the end: {_e(debrief.patient.describe())}</p>")
    parts += [f"<p>• {_e(said)}</p>" for said in debrief.consequences or ("No harm came to the patient.",)]
    if debrief.faults:
        parts += ["<h2>Faults</h2>"] + [f"<p>• {_e(fault)}</p>" for fault in debrief.faults]
    if debrief.hints:
        parts += [f"<h2>Hints given ({len(debrief.hints)})</h2>", f"<p>{_e(sentence(debrief.hints_summary()))}</p>"]
        parts += [f"<p>• {_e(hint.line())}</p>" for hint in debrief.hints]
    if debrief.truth_revealed:
        parts.append("<p>The instructor revealed the hidden truth during the attempt.</p>")
    rows = "".join(
        f"<tr><td>{clock_text(row.at_s)}</td><td>{_e(moment_text(row.pump_at)) if row.pump_at else '—'}</td>"
        f"<td>{_e(row.who)}</td><td>{_e(row.said)}</td><td>{'<br>'.join(_e(mark) for mark in row.expected)}</td></tr>"
        for row in debrief.timeline
    )
    parts += [
        "<h2>Timeline: what was done, beside what was expected</h2>",
        "<table width='100%' cellspacing='0'><tr><th>Attempt</th><th>Pump clock</th><th>Who</th><th>What</th>"
        f"<th>Expected actions decided</th></tr>{rows}</table>",
    ]
    return f"<html><head><style>{_CSS}</style></head><body>{''.join(parts)}</body></html>"


def write_debrief_pdf(debrief: Debrief, path: Path | str) -> int:
    """The debrief as an A4 PDF; returns its page count. OSError when the file cannot be written."""
    path = Path(path)
    if not path.parent.is_dir():
        raise OSError(f"cannot write the debrief to {path}: the folder {path.parent} does not exist")
    writer = QPdfWriter(str(path))
    writer.setResolution(RESOLUTION_DPI)
    writer.setTitle(f"Debrief {debrief.scenario_id} {debrief.trainee} — {TRAINING_BANNER}")
    writer.setCreator("Intrathecal pump programmer (training emulator)")
    writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait,
                                     QMarginsF(16, 14, 16, 14), QPageLayout.Unit.Millimeter))
    document = QTextDocument()
    document.setHtml(debrief_html(debrief))
    # Laid out in the screen's pixels, as the text browser shows it; print_ scales it to the paper.
    page_mm = writer.pageLayout().paintRect(QPageLayout.Unit.Millimeter)
    dpi = QGuiApplication.primaryScreen().logicalDotsPerInch() if QGuiApplication.primaryScreen() else 96.0
    document.setPageSize(QSizeF(page_mm.width() / 25.4 * dpi, page_mm.height() / 25.4 * dpi))
    document.print_(writer)
    pages = document.pageCount()
    del writer  # the file is finished when the writer goes
    if not path.is_file():
        raise OSError(f"cannot write the debrief to {path}")
    return pages


class DebriefDialog(QDialog):
    """What happened, why it matters, and "Try again"."""

    try_again = Signal()

    def __init__(self, debrief: Debrief, parent: QWidget | None = None, can_try_again: bool = True) -> None:
        super().__init__(parent)
        self.debrief = debrief
        titled(self, "debriefDialog", f"Debrief — {debrief.title}")
        self.verdict = QLabel(debrief.verdict())
        self.verdict.setObjectName("debriefVerdict")
        self.verdict.setWordWrap(True)
        colour = SEVERITY_COLOURS["ok" if debrief.status == "passed" else "critical"]
        self.verdict.setStyleSheet(f"background: {colour.background}; color: {colour.text}; padding: 6px;"
                                   "font-weight: bold;")
        self.body = QTextBrowser()
        self.body.setObjectName("debriefBody")
        self.body.setHtml(debrief_html(debrief))
        buttons = QDialogButtonBox()
        self.pdf_button = name(QPushButton("Save as &PDF…"), "debriefPdfButton", "Save the debrief as a PDF")
        self.again_button = name(QPushButton("&Try again"), "tryAgainButton", "Try the scenario again")
        close = name(QPushButton("&Close"), "debriefCloseButton", "Close the debrief")
        buttons.addButton(self.pdf_button, QDialogButtonBox.ButtonRole.ActionRole)
        if can_try_again:
            buttons.addButton(self.again_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(close, QDialogButtonBox.ButtonRole.RejectRole)
        self.pdf_button.clicked.connect(self._save_pdf)
        self.again_button.clicked.connect(self._again)
        close.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.verdict)
        layout.addWidget(self.body, 1)
        layout.addWidget(buttons)
        self.resize(900, 700)

    def _again(self) -> None:
        self.accept()
        self.try_again.emit()

    def _save_pdf(self) -> None:
        default = f"debrief-{self.debrief.scenario_id}-{self.debrief.trainee or 'trainee'}.pdf".replace(" ", "_")
        path, _ = QFileDialog.getSaveFileName(self, "Save the debrief as PDF", default, "PDF (*.pdf)")
        if path:
            self.save_pdf(Path(path))

    def save_pdf(self, path: Path) -> None:
        try:
            write_debrief_pdf(self.debrief, path)
        except (OSError, ProgrammerError) as error:
            dialogs.show_error(self, "Cannot save the debrief", str(error))
