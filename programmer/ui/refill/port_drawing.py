"""The pump seen from above, as under a refill template: where does the needle go?

Two ports: the central reservoir fill port and the side catheter access port next to
the catheter outlet. The drawing names them by place ("central port", "side port"),
not by use: knowing which one fills the reservoir is what the nurse trains. A click
picks a port; so do the arrow keys and Space or Enter. The choice itself is the
workflow's business: the drawing only says which port was picked.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
    QRadialGradient,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from programmer.session.refill.label_screens import PLACE_NAMES
from programmer.session.refill.steps import Port
from programmer.ui.theme import PumpDrawing

_ORDER = (Port.RESERVOIR_FILL, Port.CATHETER_ACCESS)

_FOCUS = QColor(PumpDrawing.FOCUS)
_RIGHT = QColor(PumpDrawing.RIGHT)
_WRONG = QColor(PumpDrawing.WRONG)
_INK = QColor(PumpDrawing.INK)


def _pen(colour: QColor, width: float) -> QPen:
    pen = QPen(colour, width)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    return pen


class PortDrawing(QWidget):
    """A pump from above; `port_picked` says which port the nurse clicked or chose by keyboard."""

    port_picked = Signal(object)  # Port

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("portDrawing")
        self.setAccessibleName("Pump seen from above: choose where the needle goes")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.setMinimumSize(300, 300)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setToolTip("Click where the needle goes, or use the arrow keys and press Space")
        # The keyboard's position: none until an arrow key is pressed, so nothing on the drawing hints the answer.
        self._highlighted: Port | None = None
        self._hovered: Port | None = None
        self._picked: Port | None = None
        self._verdict: bool | None = None  # safe or not, once the workflow has judged the pick
        self._describe()

    # --- state ---------------------------------------------------------------------------------------------
    @property
    def picked(self) -> Port | None:
        return self._picked

    def set_picked(self, port: Port | None) -> None:
        self._picked = port
        if port is not None:
            self._highlighted = port
        self._verdict = None
        self._describe()
        self.update()

    def set_verdict(self, safe: bool | None) -> None:
        """Colour the picked port once the workflow has said whether it was the right one."""
        self._verdict = safe
        self._describe()
        self.update()

    def _pick(self, port: Port) -> None:
        if not self.isEnabled():
            return
        self.set_picked(port)
        self.port_picked.emit(port)

    def _describe(self) -> None:
        picked = PLACE_NAMES[self._picked] if self._picked else "none yet"
        highlighted = PLACE_NAMES[self._highlighted] if self._highlighted else "none yet"
        self.setAccessibleDescription(
            "A round pump with a central port and a side port next to the catheter outlet. "
            f"Highlighted: {highlighted}. Needle placed at: {picked}. "
            "Arrow keys move between the ports; Space or Enter places the needle."
        )

    # --- geometry ------------------------------------------------------------------------------------------
    def sizeHint(self) -> QSize:
        return QSize(380, 380)

    def _pump_rect(self) -> QRectF:
        # Room to the right of and below the pump for the catheter leaving it.
        side = min(self.width() / 1.4, self.height() / 1.3)
        left = (self.width() - side * 1.3) / 2
        top = (self.height() - side * 1.2) / 2
        return QRectF(left, top, side, side)

    def _radius(self) -> float:
        return self._pump_rect().width() / 2

    def port_centre(self, port: Port) -> QPointF:
        centre = self._pump_rect().center()
        if port is Port.RESERVOIR_FILL:
            return centre
        return self._towards_outlet(0.66)

    def _towards_outlet(self, fraction: float) -> QPointF:
        """A point on the line from the centre to the catheter outlet, `fraction` of the radius out."""
        centre, radius = self._pump_rect().center(), self._radius()
        return QPointF(centre.x() + radius * fraction * 0.866, centre.y() + radius * fraction * 0.5)  # 30° down

    def _port_radius(self, port: Port) -> float:
        return self._radius() * (0.24 if port is Port.RESERVOIR_FILL else 0.1)

    def port_at(self, point: QPointF) -> Port | None:
        """The port under `point` (with a little slack around the small side port), or None."""
        for port in (Port.CATHETER_ACCESS, Port.RESERVOIR_FILL):
            centre = self.port_centre(port)
            reach = self._port_radius(port) * (1.35 if port is Port.CATHETER_ACCESS else 1.0)
            if (point.x() - centre.x()) ** 2 + (point.y() - centre.y()) ** 2 <= reach**2:
                return port
        return None

    # --- input ---------------------------------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            super().mousePressEvent(event)
            return
        port = self.port_at(event.position())
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        if port is not None:
            self._pick(port)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        hovered = self.port_at(event.position())
        if hovered != self._hovered:
            self._hovered = hovered
            self.setCursor(Qt.CursorShape.PointingHandCursor if hovered else Qt.CursorShape.ArrowCursor)
            self.update()

    def leaveEvent(self, event) -> None:
        self._hovered = None
        self.update()
        super().leaveEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        moves = (Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_Up, Qt.Key.Key_Down)
        if key in moves:
            forward = key in (Qt.Key.Key_Right, Qt.Key.Key_Down)
            if self._highlighted is None:  # the first arrow starts at one end, as the nurse chose to move
                self._highlighted = _ORDER[0] if forward else _ORDER[-1]
            else:
                index = _ORDER.index(self._highlighted)
                self._highlighted = _ORDER[(index + (1 if forward else -1)) % len(_ORDER)]
            self._describe()
            self.update()
            return
        if key in (Qt.Key.Key_Space, Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Select):
            if self._highlighted is not None:
                self._pick(self._highlighted)
            return
        super().keyPressEvent(event)

    # --- drawing -------------------------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), QColor(PumpDrawing.SKIN))  # skin over the pump
        rect = self._pump_rect()
        centre, radius = rect.center(), self._radius()

        self._draw_catheter(painter, centre, radius)
        shell = QRadialGradient(centre.x() - radius * 0.3, centre.y() - radius * 0.3, radius * 1.4)
        shell.setColorAt(0, QColor(PumpDrawing.SHELL_LIGHT))
        shell.setColorAt(1, QColor(PumpDrawing.SHELL_DARK))
        painter.setPen(QPen(QColor(PumpDrawing.SHELL_EDGE), 2))
        painter.setBrush(QBrush(shell))
        painter.drawEllipse(rect)
        painter.setPen(QPen(QColor(PumpDrawing.TEMPLATE), 1, Qt.PenStyle.DashLine))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawEllipse(centre, radius * 0.82, radius * 0.82)  # the template's outline
        self._draw_channel(painter)

        for port in _ORDER:
            self._draw_port(painter, port)
        if self._picked is not None:
            self._draw_needle(painter, self.port_centre(self._picked))
        painter.end()

    def _draw_catheter(self, painter: QPainter, centre: QPointF, radius: float) -> None:
        """The catheter leaves the rim by the side port: the side port's channel leads straight into it."""
        outlet = self._towards_outlet(1.0)
        end = QPointF(centre.x() + radius * 1.42, centre.y() + radius * 1.02)
        path = QPainterPath(outlet)
        path.cubicTo(
            QPointF(outlet.x() + radius * 0.35, outlet.y() + radius * 0.2),
            QPointF(end.x() - radius * 0.05, end.y() - radius * 0.4),
            end,
        )
        painter.setPen(_pen(QColor(PumpDrawing.CATHETER), max(4.0, radius * 0.045)))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(path)
        font = QFont(self.font())
        painter.setFont(font)
        painter.setPen(_INK)
        align = Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop
        painter.drawText(QRectF(end.x() - 80, end.y() + 4, 160, 40), int(align), "catheter\n(to the spine)")

    def _draw_channel(self, painter: QPainter) -> None:
        """Inside the pump, the side port's short channel to the catheter outlet."""
        painter.setPen(QPen(QColor(PumpDrawing.CATHETER), 3, Qt.PenStyle.DotLine))
        painter.drawLine(self.port_centre(Port.CATHETER_ACCESS), self._towards_outlet(1.0))

    def _draw_port(self, painter: QPainter, port: Port) -> None:
        centre = self.port_centre(port)
        radius = self._port_radius(port)
        septum = QRadialGradient(centre, radius)
        septum.setColorAt(0, QColor(PumpDrawing.SEPTUM_CENTRE))
        septum.setColorAt(0.7, QColor(PumpDrawing.SEPTUM_MIDDLE))
        septum.setColorAt(1, QColor(PumpDrawing.SEPTUM_RIM))
        painter.setPen(QPen(QColor(PumpDrawing.SEPTUM_EDGE), 2))
        painter.setBrush(QBrush(septum))
        painter.drawEllipse(centre, radius, radius)
        painter.setPen(QPen(QColor(PumpDrawing.SEPTUM_RING), 1))
        painter.drawEllipse(centre, radius * 0.55, radius * 0.55)

        ring = self.ring(port)
        if ring is not None:
            colour, width, style = ring
            painter.setPen(QPen(colour, width, style))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawEllipse(centre, radius + 6, radius + 6)

    def ring(self, port: Port) -> tuple[QColor, float, Qt.PenStyle] | None:
        """The ring drawn around `port` (colour, width, style): the pick, the hover or the keyboard's place, if any."""
        if port is self._picked and self._verdict is not None:
            return (_RIGHT if self._verdict else _WRONG, 4.0, Qt.PenStyle.SolidLine)
        if port is self._picked:
            return (_FOCUS, 3.5, Qt.PenStyle.SolidLine)
        if port is self._hovered or (self.hasFocus() and port is self._highlighted):
            return (_FOCUS, 2.5, Qt.PenStyle.DashLine)
        return None

    def _draw_needle(self, painter: QPainter, point: QPointF) -> None:
        """A needle seen from above and a little to the side: a shaft to the point and the hub."""
        hub = QPointF(point.x() - 34, point.y() - 46)
        painter.setPen(_pen(QColor(PumpDrawing.NEEDLE), 2.5))
        painter.drawLine(hub, point)
        painter.setPen(QPen(_INK, 1))
        painter.setBrush(QBrush(QColor(PumpDrawing.NEEDLE_HUB)))
        painter.drawRoundedRect(QRectF(hub.x() - 9, hub.y() - 9, 18, 18), 3, 3)
        painter.setBrush(QBrush(_INK))
        painter.drawEllipse(point, 3, 3)
