"""The session report on paper: a PDF (QPdfWriter) and a print preview (QPrintPreviewDialog).

The body is a QTextDocument laid out in pages of the paper's size; each page is then
painted by hand so the training banner, the patient and pump, and "page n of N" are on
every page, whatever the body's length. The reservoir plot is the programmer's own
ReservoirPlot, rendered offscreen and exported as PNG, so paper and screen agree.
"""

from __future__ import annotations

import html
import math
import tempfile
from datetime import timedelta
from pathlib import Path

from PySide6.QtCore import QMarginsF, QRectF, QSizeF, Qt, QUrl
from PySide6.QtGui import (
    QAbstractTextDocumentLayout,
    QColor,
    QFont,
    QFontMetricsF,
    QGuiApplication,
    QImage,
    QPagedPaintDevice,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QPen,
    QTextBlockFormat,
    QTextCursor,
    QTextDocument,
    QTextFormat,
)
from PySide6.QtPrintSupport import QPrinter, QPrintPreviewDialog
from PySide6.QtWidgets import QWidget

from programmer.pump.log import record_of
from programmer.session.report import NOT_LOGGED, SessionReport
from programmer.ui.application import application
from programmer.ui.plot import (
    ALARM_VOLUME_PEN,
    APPOINTMENT_PEN,
    BAND_BRUSH,
    BAND_EDGE_PEN,
    CURRENT_STYLE,
    ReservoirPlot,
)
from programmer.ui.theme import SEVERITY_COLOURS, Palette
from programmer.wording import ml_text, moment_text

PAGE_MARGINS_MM = QMarginsF(16, 12, 16, 12)
RESOLUTION_DPI = 300
PLOT_SIZE_PX = (760, 440)  # the plot widget in screen pixels; scaled to the text width on paper
PLOT_MAX_DAYS = 400
PLOT_RESOURCE = "report://reservoir-plot.png"
FONT_FAMILY = "DejaVu Sans"
BODY_PT = 9.0
KEEP_WITH_HEADING = 0.08  # of a page: what must follow a heading on its page, or it moves to the next
_HEADER_MM = 13.0
_FOOTER_MM = 10.0
_BANNER = QColor(Palette.BANNER)
_INK = QColor(Palette.INK)
_RULE = QColor(Palette.RULE)


# --- the body ----------------------------------------------------------------------------------------------------

_CSS = f"""
body {{ font-family: '{FONT_FAMILY}'; font-size: {BODY_PT}pt; color: {Palette.INK}; }}
h1 {{ font-size: 15pt; margin-top: 0px; margin-bottom: 2px; }}
h2 {{ font-size: 11pt; margin-top: 14px; margin-bottom: 4px; color: {Palette.HEADER}; }}
p {{ margin-top: 2px; margin-bottom: 2px; }}
td, th {{ vertical-align: top; }}
table {{ margin-bottom: 4px; }}
th {{ background-color: {Palette.TABLE_HEAD}; text-align: left; font-weight: bold; }}
td.label {{ color: {Palette.LABEL}; width: 26%; }}
td.changed {{ background-color: {Palette.PENDING}; font-weight: bold; }}
td.number {{ font-size: 13pt; font-weight: bold; }}
.hint {{ color: {Palette.HINT}; font-size: 8pt; }}
.flag {{ color: {Palette.PROBLEM}; font-weight: bold; }}
.ok {{ color: {SEVERITY_COLOURS["ok"].text}; font-weight: bold; }}
.warn {{ color: {Palette.CAUTION}; font-weight: bold; }}
"""


def _e(text: object) -> str:
    return html.escape(str(text))


def _table(rows: list[str], header: list[str] | None = None, widths: list[int] | None = None) -> str:
    head = ""
    if header:
        cells = "".join(
            f'<th width="{widths[i]}%">{_e(title)}</th>' if widths else f"<th>{_e(title)}</th>"
            for i, title in enumerate(header)
        )
        head = f"<thead><tr>{cells}</tr></thead>"  # repeated at the top of each page the table runs onto
    return (
        '<table width="100%" cellspacing="0" cellpadding="3" border="1" '
        f'style="border-collapse: collapse; border-color: {Palette.TABLE_EDGE}; border-style: solid;">'
        f"{head}{''.join(rows)}</table>"
    )


def _pairs(pairs: list[tuple[str, str]]) -> str:
    return _table([f'<tr><td class="label">{_e(label)}</td><td>{_e(value)}</td></tr>' for label, value in pairs])


def _settings(report: SessionReport) -> str:
    rows = []
    for row in report.settings:
        before = f'<span class="hint">{_e(row.before)}</span>' if row.before == NOT_LOGGED else _e(row.before)
        after, mark = _e(row.after), ""
        cell = "<td>"
        if row.changed:
            cell, mark = '<td class="changed">', "changed"
        label = f'<td class="label">{_e(row.label)}</td>'
        rows.append(f"<tr>{label}<td>{before}</td>{cell}{after}</td>{cell}{mark}</td></tr>")
    return _table(rows, ["Setting", "Before the session", "After the session", ""], [17, 35, 38, 10])


def _refill(report: SessionReport) -> str:
    refill = report.refill
    if refill is None:
        return "<p>No refill in this session.</p>"

    def ml(value: float | None) -> str:
        return "—" if value is None else ml_text(value)

    numbers = _table(
        [
            "<tr>"
            f'<td class="number">{ml(refill.expected_ml)}</td><td class="number">{ml(refill.removed_ml)}</td>'
            f'<td class="number">{refill.discrepancy_text}</td>'
            f'<td class="number">{ml(refill.added_ml)}</td>'
            "</tr>"
        ],
        ["Expected in reservoir", "Removed", "Discrepancy (removed − expected)", "Added"],
        [25, 20, 35, 20],
    )
    word = '<span class="flag">INVESTIGATE:</span> ' if refill.flagged else '<span class="ok">Within limits:</span> '
    pairs = [("Filled with", refill.filled_with), ("Outcome", refill.outcome), *refill.notes]
    when = f" at {moment_text(refill.at)}" if refill.at else ""
    return f"<p>Refill{_e(when)}.</p>{numbers}<p>{word}{_e(refill.verdict)}</p>{_pairs(pairs)}"


def _boluses(report: SessionReport) -> str:
    if not report.boluses:
        return "<p>No bolus in this session.</p>"
    rows = [
        f"<tr><td>{moment_text(bolus.at)}</td><td>{_e(bolus.title)}</td><td>{_e(bolus.given)}</td>"
        f"<td>{_e(bolus.outcome)}</td></tr>"
        for bolus in report.boluses
    ]
    return _table(rows, ["Programmed", "Bolus", "Volume, dose and duration", "Outcome"], [17, 13, 38, 32])


def _findings(report: SessionReport) -> str:
    if not report.findings:
        return "<p>No safety finding needed a reason in this session.</p>"
    rows = []
    for finding in report.findings:
        by = finding.clinician
        if finding.at is not None:
            by = moment_text(finding.at) + (f", {by}" if by else "")
        rows.append(
            f"<tr><td>{_e(finding.text)}</td><td>{_e(finding.reason or '—')}</td><td>{_e(by or '—')}</td></tr>"
        )
    return _table(rows, ["Finding", "Reason or acknowledgement", "When, by"], [56, 26, 18])


def _log(report: SessionReport) -> str:
    if not report.log:
        return "<p>Nothing was logged by the pump in this session.</p>"
    rows = []
    for event in report.log:
        record = record_of(event.details)
        said = () if record is None else (("by", record.clinician), ("reason", record.reason))
        extra = [f"{label}: {value.strip()}" for label, value in said if value.strip()]
        text = _e(event.text) + (f'<br><span class="hint">{_e("; ".join(extra))}</span>' if extra else "")
        rows.append(f"<tr><td>{moment_text(event.at)}</td><td>{_e(event.kind.title)}</td><td>{text}</td></tr>")
    return _table(rows, ["Pump clock", "Event", "What the pump logged"], [18, 14, 68])


def report_html(report: SessionReport, plot_width_px: float | None = None) -> str:
    """The report's body as the HTML subset QTextDocument reads; the plot is the PLOT_RESOURCE image.

    Lengths in pixels (image width, cell padding) are screen pixels: Qt scales them to the paper.
    """
    identity = report.identity
    half = (len(identity) + 1) // 2
    left, right = identity[:half], identity[half:]
    id_rows = []
    for index, (label, value) in enumerate(left):
        other = right[index] if index < len(right) else ("", "")
        id_rows.append(
            f'<tr><td class="label" width="15%">{_e(label)}</td><td width="35%">{_e(value)}</td>'
            f'<td class="label" width="15%">{_e(other[0])}</td><td width="35%">{_e(other[1])}</td></tr>'
        )
    drug = f"{report.drug} {report.concentration}"
    status_class = "flag" if report.drug_flagged else "ok"
    next_rows = []
    for label, value in report.next_steps:
        if label:
            next_rows.append(f'<tr><td class="label">{_e(label)}</td><td>{_e(value)}</td></tr>')
        elif report.appointment is not None:  # the appointment comes too late
            next_rows.append(f'<tr><td class="label">Warning</td><td class="warn">{_e(value)}</td></tr>')
        else:
            next_rows.append(f'<tr><td class="label">To do</td><td>{_e(value)}</td></tr>')
    alarms = ""
    if report.active_alarms:
        items = "".join(f"<li>{_e(alarm)}</li>" for alarm in report.active_alarms)
        alarms = f'<h2>Active alarms</h2><ul class="flag">{items}</ul>'
    plot = '<p class="hint">The reservoir plot could not be drawn.</p>'
    if plot_width_px is not None:
        plot = (
            f'<p><img src="{PLOT_RESOURCE}" width="{plot_width_px:.0f}"></p>'
            '<p class="hint">Projected reservoir volume (mL) on the pump\'s clock under the program now in the pump, '
            "from the last refill; the low-reservoir alarm volume and, when booked, the next refill appointment "
            "are marked.</p>"
        )
    sign = (
        '<table width="100%" cellspacing="0" cellpadding="8" style="margin-top: 18pt;"><tr>'
        '<td width="34%">Clinician<br><br>_____________________________</td>'
        '<td width="34%">Second check<br><br>_____________________________</td>'
        '<td width="32%">Patient given a copy<br><br>☐ yes</td>'
        "</tr></table>"
    )
    return (
        f"<html><head><style>{_CSS}</style></head><body>"
        f"<h1>{_e(report.title)}</h1>"
        f'<p class="hint">All dates and times are the pump\'s clock. {_e(report.banner)}.</p>'
        f"<h2>Patient and pump</h2>{_table(id_rows)}"
        f'<h2>Drug in the reservoir</h2><p><b>{_e(drug)}</b> — <span class="{status_class}">'
        f"{_e(report.drug_status)}</span></p>"
        f"<h2>Settings before and after</h2>{_settings(report)}"
        f"<h2>Refill volumes</h2>{_refill(report)}"
        f"<h2>Alarm date and next refill</h2>{_table(next_rows)}"
        f"{alarms}"
        f"<h2>Boluses given</h2>{_boluses(report)}"
        f"<h2>Safety findings and reasons given</h2>{_findings(report)}"
        f"<h2>Projected reservoir level</h2>{plot}"
        f"<h2>Session log</h2>{_log(report)}"
        f"<h2>Pump state at the end of the session</h2><p>{_e(report.pump_state)}</p>"
        f"{sign}</body></html>"
    )


# --- the plot ----------------------------------------------------------------------------------------------------


def _paper_horizon_days(report: SessionReport) -> int:
    """Days ahead of now so the alarm, empty and appointment markers all sit well inside the plot."""
    inputs = report.plot_inputs
    markers = [inputs.current.alarm_date, inputs.current.empty_date, report.appointment]
    last = max((moment for moment in markers if moment is not None), default=inputs.now + timedelta(days=90))
    start = min(inputs.now, inputs.last_refill[0]) if inputs.last_refill else inputs.now
    # The last marker at about 75 % of the width keeps its label on its right, inside the plot.
    end = start + (last - start) / 0.75
    return max(30, min(PLOT_MAX_DAYS, math.ceil((end - inputs.now) / timedelta(days=1))))


def _paper_legend(plot: ReservoirPlot, report: SessionReport) -> None:
    """The screen's legend says 'drag to move'; paper cannot be dragged."""
    data = plot.data
    entries = [("current", CURRENT_STYLE.pen, None, data.current.title)]
    if data.band is not None:
        entries.append(("band", BAND_EDGE_PEN, BAND_BRUSH, "Patient boluses: none to every allowed"))
    entries.append(("alarm", ALARM_VOLUME_PEN, None, "Low-reservoir alarm volume"))
    if report.appointment is not None:
        entries.append(("appointment on paper", APPOINTMENT_PEN, None, "Next refill appointment"))
    plot.legend.set_entries(entries)


def render_plot_png(report: SessionReport, path: Path | str) -> Path:
    """The report's reservoir plot, drawn by ReservoirPlot offscreen and saved with export_png."""
    application()
    inputs = report.plot_inputs
    plot = ReservoirPlot()
    try:
        plot.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen)
        for words in (plot.readout, plot.summary, plot.warning):
            words.setVisible(False)  # the report says these in its own words; the figure gets the room
        plot.resize(*PLOT_SIZE_PX)
        plot.layout().activate()
        plot.show_projections(
            inputs.current,
            inputs.pending,
            now=inputs.now,
            capacity_ml=inputs.capacity_ml,
            band=inputs.band,
            last_refill=inputs.last_refill,
        )
        plot.set_appointment(report.appointment)
        plot.set_horizon_days(_paper_horizon_days(report))
        _paper_legend(plot, report)
        plot.warning.setVisible(False)
        plot.layout().activate()
        plot.export_png(path)
    finally:
        plot.deleteLater()
    return Path(path)


# --- pages -------------------------------------------------------------------------------------------------------


def _font(point_size: float, bold: bool = False) -> QFont:
    font = QFont(FONT_FAMILY)
    font.setPointSizeF(point_size)
    font.setBold(bold)
    return font


def _screen_dpi() -> float:
    screen = QGuiApplication.primaryScreen()
    return screen.logicalDotsPerInchX() if screen is not None else 96.0


def _resolution(device: QPagedPaintDevice) -> int:
    return device.resolution() if isinstance(device, QPdfWriter | QPrinter) else device.logicalDpiX()


def _document(report: SessionReport, device: QPagedPaintDevice, width: float, height: float,
              plot: QImage | None) -> QTextDocument:
    document = QTextDocument()
    document.documentLayout().setPaintDevice(device)  # points measured on paper, not on the screen
    document.setDefaultFont(_font(BODY_PT))
    document.setDocumentMargin(0)
    plot_width = None
    # An <img> width is in screen pixels: Qt scales it by the device's dots per inch over the screen's.
    scale = _resolution(device) / _screen_dpi()
    if plot is not None and not plot.isNull():
        document.addResource(QTextDocument.ResourceType.ImageResource, QUrl(PLOT_RESOURCE), plot)
        plot_width = width / scale
    document.setHtml(report_html(report, plot_width))
    document.setPageSize(QSizeF(width, height))
    _keep_headings_with_next(document, height)
    return document


def _keep_headings_with_next(document: QTextDocument, page_height: float) -> None:
    """A heading alone at the foot of a page moves to the next page, with what it heads."""
    layout = document.documentLayout()
    keep = page_height * KEEP_WITH_HEADING
    block = document.begin()
    while block.isValid():
        if block.blockFormat().headingLevel() == 2:
            top = layout.blockBoundingRect(block).top()
            page = int(top // page_height)
            following = block.next()
            # The heading and the first lines under it (a table's header and first row) stay together.
            while following.isValid() and following.blockFormat().headingLevel() != 2:
                rect = layout.blockBoundingRect(following)
                if int(rect.bottom() // page_height) != page:
                    cursor = QTextCursor(block)
                    moved = QTextBlockFormat()
                    moved.setPageBreakPolicy(QTextFormat.PageBreakFlag.PageBreak_AlwaysBefore)
                    cursor.mergeBlockFormat(moved)
                    break
                if rect.bottom() - top >= keep:
                    break
                following = following.next()
        block = block.next()


def paint_report(report: SessionReport, device: QPagedPaintDevice, plot: QImage | None = None) -> int:
    """Lay the report out on `device`'s pages and paint them, banner on each; returns the page count."""
    resolution = _resolution(device)
    page = device.pageLayout().paintRectPixels(resolution)
    mm = resolution / 25.4
    header, footer = _HEADER_MM * mm, _FOOTER_MM * mm
    width, body_height = float(page.width()), float(page.height()) - header - footer
    document = _document(report, device, width, body_height, plot)
    pages = document.pageCount()
    painter = QPainter()
    if not painter.begin(device):
        raise OSError("could not start painting the report: check the file can be written")
    try:
        for index in range(pages):
            if index:
                device.newPage()
            _paint_header(painter, report, width, header, mm)
            _paint_footer(painter, report, width, header + body_height, footer, mm, index + 1, pages)
            painter.save()
            clip = QRectF(0, index * body_height, width, body_height)
            painter.translate(0, header - index * body_height)
            painter.setClipRect(clip)
            context = QAbstractTextDocumentLayout.PaintContext()
            context.clip = clip
            document.documentLayout().draw(painter, context)
            painter.restore()
    finally:
        painter.end()
    return pages


def _paint_header(painter: QPainter, report: SessionReport, width: float, height: float, mm: float) -> None:
    band = QRectF(0, 0, width, 7.5 * mm)
    painter.fillRect(band, _BANNER)
    painter.setPen(_INK)
    painter.setFont(_font(10, bold=True))
    padded = band.adjusted(2.5 * mm, 0, -2.5 * mm, 0)
    painter.drawText(padded, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, report.banner)
    painter.setFont(_font(8.5))
    who = f"Patient {report.patient_id or 'not assigned'} · {report.pump_model} #{report.serial}"
    painter.drawText(padded, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight, who)
    painter.setPen(QPen(_RULE, 0.25 * mm))
    painter.drawLine(0, int(height - 2.5 * mm), int(width), int(height - 2.5 * mm))


def _paint_footer(painter: QPainter, report: SessionReport, width: float, top: float, height: float, mm: float,
                  number: int, pages: int) -> None:
    painter.setPen(QPen(_RULE, 0.2 * mm))
    painter.drawLine(0, int(top + 2 * mm), int(width), int(top + 2 * mm))
    painter.setPen(_INK)
    painter.setFont(_font(7.5))
    line = QRectF(0, top + 3 * mm, width, QFontMetricsF(painter.font(), painter.device()).height() * 1.2)
    left = f"Session report · {report.session_text} · printed {moment_text(report.printed_at)} (pump clock)"
    painter.drawText(line, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, left)
    painter.drawText(line, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, f"Page {number} of {pages}")


def _page_setup(device: QPagedPaintDevice) -> None:
    device.setPageLayout(
        QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait, PAGE_MARGINS_MM,
                    QPageLayout.Unit.Millimeter)
    )


def _plot_image(report: SessionReport) -> QImage:
    with tempfile.TemporaryDirectory(prefix="session-report-") as folder:
        path = render_plot_png(report, Path(folder) / "reservoir.png")
        return QImage(str(path))


def write_report_pdf(report: SessionReport, path: Path | str) -> int:
    """Write the report as an A4 PDF; returns the number of pages. OSError when the file cannot be written."""
    application()
    path = Path(path)
    if not path.parent.is_dir():
        raise OSError(f"cannot write the report to {path}: the folder {path.parent} does not exist")
    plot = _plot_image(report)
    writer = QPdfWriter(str(path))
    writer.setResolution(RESOLUTION_DPI)
    writer.setTitle(f"Session report {report.patient_id} {report.serial} — {report.banner}")
    writer.setCreator("Intrathecal pump programmer (training emulator)")
    _page_setup(writer)
    pages = paint_report(report, writer, plot)
    del writer  # the file is finished when the writer goes
    return pages


class ReportPreview(QPrintPreviewDialog):
    """Print preview of the session report: page through it, zoom, print (to a printer or a PDF)."""

    def __init__(self, report: SessionReport, parent: QWidget | None = None) -> None:
        self.printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        _page_setup(self.printer)
        super().__init__(self.printer, parent)
        self.setObjectName("reportPreview")
        self.setAccessibleName("Session report print preview")
        self.setWindowTitle(f"Session report — patient {report.patient_id or 'not assigned'} — print preview")
        self.report = report
        self._plot = _plot_image(report)
        self.pages = 0
        self.paintRequested.connect(self._paint)

    def _paint(self, printer: QPrinter) -> None:
        self.pages = paint_report(self.report, printer, self._plot)
