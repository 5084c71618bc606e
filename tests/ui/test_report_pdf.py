"""The session report on paper: the PDF's text as a reader sees it, the banner on every page, the preview, the CLI.

The session: a PX-20 with morphine 10 mg/mL at 1.5 mg/day, implanted 2026-01-05 09:00 and run
112 days (3.2 mL expected). Refill: 3.1 mL removed, 20 mL added; then 1.5 → 1.8 mg/day; then a
clinician bolus of 2 mg over 2 h cancelled after 1 h (0.1 mL). Alarm date after: 2026-08-04 20:40
(19.9 mL at 10:00, then 0.18 mL/day down to 2 mL: 99.44 days).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import unicodedata
from datetime import datetime, timedelta

import pytest
from msgspec.structs import replace
from pypdf import PdfReader
from PySide6.QtGui import QImage
from PySide6.QtPrintSupport import QPrintPreviewWidget

from programmer import TRAINING_BANNER
from programmer.pump.factory import new_pump
from programmer.pump.log import ProgrammingDetails, ProgramRecord
from programmer.pump.memory import Event, EventKind
from programmer.pump.pumpfile import load_pump, save_pump
from programmer.session.bolus_workflow import BolusWorkflow
from programmer.session.programming import ProgrammingSession
from programmer.session.report import build_report
from programmer.therapy.units import Dose, DoseRate, DrugUnit
from programmer.ui.report_pdf import ReportPreview, render_plot_png, write_report_pdf

IMPLANT = datetime(2026, 1, 5, 9, 0)
NOW = IMPLANT + timedelta(days=112)  # 2026-04-27 09:00
MG = DrugUnit.MG


def pdf_pages(path) -> list[str]:
    """Each page's text as a reader would copy it: ligatures undone, line wraps and tabs as single spaces."""
    texts = []
    for page in PdfReader(str(path)).pages:
        text = unicodedata.normalize("NFKC", page.extract_text())
        texts.append(re.sub(r"\s+", " ", text))
    return texts


@pytest.fixture
def pump_path(tmp_path):
    path = tmp_path / "pump.json"
    memory = new_pump("PX-20", "morphine", 10, DoseRate(1.5, MG), IMPLANT, serial="PX20-PDF-7", patient_id="PAT-4711")
    save_pump(path, memory)
    session = ProgrammingSession(path)
    session.connect()
    session.advance_days(112)
    session.refill(3.1, 20, clinician="Nurse Kay")
    session.edit(prescription=replace(session.current.prescription, daily_dose=DoseRate(1.8, MG)))
    session.program(clinician="Dr Ames")
    boluses = BolusWorkflow(session)
    boluses.give_clinician(Dose(2, MG), timedelta(hours=2), clinician="Dr Ames")
    session.advance(NOW + timedelta(hours=1))
    boluses.cancel()
    session.close(confirm=True)
    return path


@pytest.fixture
def report(pump_path):
    return build_report(load_pump(pump_path), appointment=datetime(2026, 7, 28, 9, 0))


def test_the_pdf_shows_the_key_values_and_the_banner_on_every_page(report, tmp_path):
    target = tmp_path / "report.pdf"
    pages = write_report_pdf(report, target)
    texts = pdf_pages(target)
    assert len(texts) == pages >= 2
    for number, text in enumerate(texts, start=1):
        assert TRAINING_BANNER in text
        assert f"Page {number} of {pages}" in text
        assert "PAT-4711" in text and "PX20-PDF-7" in text  # who and which pump, on every page
    whole = " ".join(texts)
    for expected in (
        "1.5 mg/day (0.0625 mg/h)",  # the old dose
        "1.8 mg/day (0.075 mg/h) (+20 %)",  # the new one, with its change
        "3.2 mL",  # expected
        "3.1 mL",  # removed
        "-0.1 mL",  # discrepancy
        "20 mL",  # added
        "within 0.1 mL of expected (limit 2.436 mL)",
        "2026-08-04 20:40",  # the alarm date
        "2026-07-28 09:00",  # the next refill appointment
        "cancelled 2026-04-27 10:00 after 0.1 mL (1 mg)",
        "Nurse Kay, Dr Ames",
        "morphine 10 mg/mL",
    ):
        assert expected in whole, expected


def test_a_long_session_runs_over_pages_with_the_banner_on_each(pump_path, tmp_path):
    memory = load_pump(pump_path)
    at = memory.events[-1].at
    by_dr_a = ProgrammingDetails(
        old=None,
        new=None,
        daily_dose_per_day=None,
        unit=None,
        concentration_per_ml=None,
        low_alarm_ml=None,
        record=ProgramRecord(reason="", clinician="Dr A", acknowledged=(), second_checker=""),
        reservoir_ml=None,
    )
    notes = tuple(
        Event(at, EventKind.PROGRAMMING, f"Programmed: step {index} of a long training session", by_dr_a)
        for index in range(60)
    )
    long = build_report(replace(memory, events=memory.events + notes))
    target = tmp_path / "long.pdf"
    pages = write_report_pdf(long, target)
    texts = pdf_pages(target)
    assert pages == len(texts) >= 3
    assert all(TRAINING_BANNER in text for text in texts)
    assert "step 59 of a long training session" in " ".join(texts[1:])


def test_the_pages_render_to_images(report, tmp_path):
    """pdftoppm draws every page (poppler-utils): the PNGs are what a reviewer looks at."""
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    target = tmp_path / "report.pdf"
    pages = write_report_pdf(report, target)
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(target), str(tmp_path / "page")], check=True)
    images = sorted(tmp_path.glob("page-*.png"))
    assert len(images) == pages
    first = QImage(str(images[0]))
    assert 490 <= first.width() <= 500 and 695 <= first.height() <= 705  # A4 at 60 dpi
    banner = first.pixelColor(first.width() // 2, int(first.height() * 0.05))
    assert (banner.red(), banner.green(), banner.blue()) == pytest.approx((242, 201, 76), abs=12)  # the yellow band


def test_the_plot_is_the_programmers_reservoir_plot(report, tmp_path):
    image = QImage(str(render_plot_png(report, tmp_path / "plot.png")))
    assert image.width() >= 700 and image.height() >= 380


def test_an_unwritable_target_says_so(report, tmp_path):
    with pytest.raises(OSError, match="does not exist"):
        write_report_pdf(report, tmp_path / "no such folder" / "report.pdf")


def test_the_print_preview_paints_the_same_pages(qtbot, report):
    preview = ReportPreview(report)
    qtbot.addWidget(preview)
    assert preview.objectName() == "reportPreview"
    assert preview.accessibleName() == "Session report print preview"
    widget = preview.findChild(QPrintPreviewWidget)
    widget.updatePreview()
    assert preview.pages >= 2
    assert widget.pageCount() == preview.pages


def test_the_cli_writes_the_report_on_a_headless_machine(pump_path, tmp_path):
    target = tmp_path / "cli.pdf"
    env = {key: value for key, value in os.environ.items()
           if key not in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY")}
    result = subprocess.run(
        [sys.executable, "-m", "programmer", "pump", "report", str(pump_path), "--pdf", str(target),
         "--clinician", "Dr Ames"],
        capture_output=True, text=True, env=env, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"wrote {target}:")
    whole = " ".join(pdf_pages(target))
    assert "PAT-4711" in whole and "1.8 mg/day" in whole and TRAINING_BANNER in whole
    assert "from the pump file" in whole


def test_the_cli_refuses_a_missing_pump_in_one_line(tmp_path, capsys):
    from programmer.cli import main

    code = main(["pump", "report", str(tmp_path / "none.json"), "--pdf", str(tmp_path / "x.pdf")])
    assert code == 1
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
    assert not (tmp_path / "x.pdf").exists()
