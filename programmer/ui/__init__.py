"""PySide6 and pyqtgraph widgets: show session state, forward user intent."""
