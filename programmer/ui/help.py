"""Help → User guide (F1) and Help → About: the guide is a resource file shown in a QTextBrowser; About is
programmer/session/about.py (the version and licences from the installed packages' metadata).
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QMainWindow,
    QMenu,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from programmer.resources import ResourceError, resource_path
from programmer.session.about import About, about
from programmer.ui.style import hint_label, name

GUIDE = "help/guide.html"
GUIDE_MISSING = "<p>The user guide is missing from this installation ({path}): reinstall the programmer.</p>"
LGPL_NOTE = (
    "Qt and PySide6 are used under the GNU LGPL version 3: their libraries are shipped unmodified, and you may "
    "replace them with your own build of the same version. Each package's full licence is in its installed "
    "files (the *.dist-info folders beside it)."
)


def guide_html() -> str:
    """The user guide's HTML, or a sentence saying it is missing (never an exception at F1)."""
    try:
        path = resource_path(GUIDE)
        return path.read_text(encoding="utf-8")
    except (OSError, ResourceError) as error:
        return GUIDE_MISSING.format(path=getattr(error, "filename", None) or GUIDE)


class GuideDialog(QDialog):
    """The user guide, beside the window (not modal: a nurse reads it while she works)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("userGuideDialog")
        self.setWindowTitle("User guide")
        self.browser = name(QTextBrowser(), "userGuide", "User guide")
        self.browser.setOpenExternalLinks(False)
        self.browser.setHtml(guide_html())
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser)
        layout.addWidget(buttons)
        self.resize(720, 640)


class AboutDialog(QDialog):
    """The version, what the emulator is and is not, and the licence of each package it ships."""

    def __init__(self, info: About | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("aboutDialog")
        self.setWindowTitle("About")
        self.info = info = info or about()
        self.heading = name(QLabel(info.title), "aboutTitle", "Name and version")
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self.heading.setFont(font)
        self.purpose = name(QLabel(info.purpose), "aboutPurpose", "What the emulator is")
        self.purpose.setWordWrap(True)
        self.own_licence = name(QLabel(f"The programmer itself is under the {info.licence} licence."), "aboutLicence",
                                "The programmer's licence")
        self.licences = name(QTableWidget(len(info.components), 4), "licenceTable", "Licences of what it ships")
        self.licences.setHorizontalHeaderLabels(["Package", "Version", "Licence", "Used for"])
        self.licences.verticalHeader().hide()
        self.licences.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.licences.setWordWrap(True)
        self.licences.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # read, not edited: no cell picked out
        for row, component in enumerate(info.components):
            for column, text in enumerate((component.name, component.version, component.licence, component.what_for)):
                self.licences.setItem(row, column, QTableWidgetItem(text))
        # A row as tall as its wrapped text: a long "Used for" wraps, never ends in "…".
        self.licences.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header = self.licences.horizontalHeader()
        for column in range(3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.purpose)
        layout.addWidget(self.own_licence)
        layout.addWidget(QLabel("It ships with these packages, each under its own licence:"))
        layout.addWidget(self.licences, 1)
        layout.addWidget(hint_label(LGPL_NOTE))
        layout.addWidget(buttons)
        self.resize(860, 560)

    def licence_of(self, package: str) -> str:
        """The licence shown for `package` ("" when it is not listed)."""
        for row in range(self.licences.rowCount()):
            if self.licences.item(row, 0).text().lower() == package.lower():
                return self.licences.item(row, 2).text()
        return ""


class Help(QObject):
    """The Help menu's User guide (F1) and About, around what others put there (the guided tour)."""

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.guide: GuideDialog | None = None
        self.about: AboutDialog | None = None
        self.menu = window.menuBar().findChild(QMenu, "helpMenu") or window.menuBar().addMenu("&Help")
        self.menu.setObjectName("helpMenu")
        self.guide_action = self._action("&User guide", "userGuideAction", "F1", self.show_guide)
        self.about_action = self._action("&About", "aboutAction", None, self.show_about)
        first = self.menu.actions()[0] if self.menu.actions() else None
        self.menu.insertAction(first, self.guide_action)  # the guide first, About last, as desktops order them
        self.menu.addSeparator()
        self.menu.addAction(self.about_action)
        # The last menu, after any added since (Training): where desktops put Help.
        window.menuBar().removeAction(self.menu.menuAction())
        window.menuBar().addAction(self.menu.menuAction())

    def _action(self, text: str, object_name: str, shortcut: str | None, slot) -> QAction:
        action = QAction(text, self.window)
        action.setObjectName(object_name)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(lambda _checked=False: slot())
        self.window.addAction(action)
        return action

    def show_guide(self) -> GuideDialog:
        if self.guide is None:
            self.guide = GuideDialog(self.window)
        self.guide.show()  # a child of the window: above it, no raise needed
        self.guide.activateWindow()
        return self.guide

    def show_about(self) -> AboutDialog:
        if self.about is None:
            self.about = AboutDialog(parent=self.window)
        self.about.open()  # modal to the window, without a nested event loop
        return self.about
