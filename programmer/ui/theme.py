"""The look of the programmer in one place: palette, severity colours, sizes, and the stylesheets built from them.

As Spyder's palette and AppStyle: a colour or a size is named once here, by what it is for, and
every screen (stylesheet, painted drawing, plot, report on paper) takes it by that name. Colour
never carries meaning alone: every coloured state also has its word ("pending", "changed",
"CRITICAL"), so the colours only reinforce the text.
"""

from __future__ import annotations

from typing import NamedTuple

from programmer.ui.style import LINK, PENDING, ROLE, SEVERITY


class OkabeIto:
    """The colour-blind-safe palette (Okabe & Ito, 2008): what must be told apart by colour alone."""

    BLACK = "#000000"
    ORANGE = "#E69F00"
    SKY_BLUE = "#56B4E9"
    BLUISH_GREEN = "#009E73"
    YELLOW = "#F0E442"
    BLUE = "#0072B2"
    VERMILLION = "#D55E00"
    REDDISH_PURPLE = "#CC79A7"


class Palette:
    """The programmer's own colours, by what they are for."""

    WINDOW = "#f4f6f8"  # behind everything
    SURFACE = "#ffffff"  # group boxes, tables, paper, the syringe label
    INK = "#1a1a1a"  # text and lines on a light ground
    HINT = "#4a5a66"  # quiet guidance
    LABEL = "#3d4b55"  # a label beside its value (the report)
    HEADER = "#1f3a4d"  # the window's header, the syringe's band, the report's headings
    ON_HEADER = "#ffffff"
    BANNER = "#f2c94c"  # the training banner, on screen and on paper
    BORDER = "#c5ced6"
    GRID = "#d8dee3"  # a table's gridlines
    RULE = "#8a9aa6"  # dashed frames, rules on paper
    TABLE_HEAD = "#e3e9ee"  # a table's header row on paper
    TABLE_EDGE = "#b8c3cc"  # a table's border on paper
    PANEL = "#e8edf1"  # the clock bar, the refill's progress list
    ACCENT = "#1f5f8b"  # the one button that acts on the pump; the keyboard's focus
    ACCENT_EDGE = "#173f5c"
    ON_ACCENT = "white"
    PENDING = "#fff1cc"  # edited, not yet programmed; changed in a review
    PENDING_EDGE = "#c98a00"
    PENDING_TEXT = "#6b4700"
    PROBLEM = "#9b1c1c"  # a refusal or a flag, in words
    CAUTION = "#7a4a00"  # a warning in words on paper
    SYRINGE_EDGE = "#2b2b2b"


# The header's link state, by LinkState value (spaces as dashes).
LINK_COLOURS = {
    "not-connected": "#6b7a86",
    "interrogating": "#2d7fb8",
    "connected": "#2e7d4f",
    "programming": "#b86a00",
}


class SeverityColours(NamedTuple):
    background: str
    text: str
    border: str


# By Level value (programmer.session.levels): the words ("CRITICAL", "Warning") are always in the text too.
SEVERITY_COLOURS = {
    "critical": SeverityColours("#fde2e2", "#7a1010", "#c0392b"),
    "warning": SeverityColours(Palette.PENDING, "#5c3d00", Palette.PENDING_EDGE),
    "info": SeverityColours("#e3eef8", "#173b5c", "#5b8db8"),
    "ok": SeverityColours("#e3f4e8", "#18502e", LINK_COLOURS["connected"]),
}


class PlotColours:
    """The reservoir plot: Okabe-Ito lines, each with a style as well, so it reads in greyscale too."""

    CURRENT = OkabeIto.BLUE  # the program the pump runs: solid
    PENDING = OkabeIto.ORANGE  # the program not yet sent: dashed
    PATIENT_BOLUS = OkabeIto.SKY_BLUE  # the band between no patient bolus and every one
    WORST_CASE = "#2B7FB0"  # the alarm date if every patient bolus is used: sky blue, darker to read as a line
    ALARM = OkabeIto.VERMILLION  # the low-reservoir alarm volume
    APPOINTMENT = OkabeIto.BLUISH_GREEN
    APPOINTMENT_LABEL = "#00573F"  # the appointment's label, dark enough to read
    NOW = OkabeIto.BLACK
    TEXT = OkabeIto.BLACK
    AXIS = "#666666"
    BACKGROUND = "#ffffff"
    BAND_ALPHA = 80  # of 255: the patient-bolus band lets the curves show through
    LABEL_FILL = (255, 255, 255, 215)  # behind a marker's label


class PumpDrawing:
    """The pump seen from above in the refill's port step: a picture, so its own colours."""

    SKIN = "#f3e6dc"
    SHELL_LIGHT = "#e9edf0"
    SHELL_DARK = "#9aa5ad"
    SHELL_EDGE = "#5d6870"
    TEMPLATE = "#7d8890"  # the refill template's outline
    CATHETER = "#6b5a4e"
    SEPTUM_CENTRE = "#f6f7f8"
    SEPTUM_MIDDLE = "#c9d0d5"
    SEPTUM_RIM = "#8d979e"
    SEPTUM_EDGE = "#4a545b"
    SEPTUM_RING = "#6d777e"
    NEEDLE = "#3b3b3b"
    NEEDLE_HUB = Palette.BANNER
    INK = Palette.INK
    FOCUS = Palette.ACCENT  # the keyboard's place and the port picked
    RIGHT = SEVERITY_COLOURS["ok"].border  # the port picked, when it is the right one
    WRONG = SEVERITY_COLOURS["critical"].border


class ScheduleColours:
    """The schedule editor's timeline, table and week."""

    RATE = OkabeIto.BLUE
    STEP_FILL = "#c4dcec"
    SELECTED_FILL = "#5e9fcb"
    SELECTED_EDGE = "#003f66"
    PROBLEM = OkabeIto.VERMILLION  # a step the pump or the library refuses
    PROBLEM_TEXT = "#8a2a00"
    PROBLEM_BACKGROUND = SEVERITY_COLOURS["critical"].background
    DRAG = OkabeIto.ORANGE
    DRAG_READOUT = "#fff8e6"  # behind the words a held boundary reads out
    REFERENCE = Palette.INK  # the pump's own schedule, for comparison
    GRID = "#e1e6ea"
    AXIS = Palette.RULE
    TEXT = "#26333d"
    HINT = Palette.HINT
    BACKGROUND = "#ffffff"
    SELECTED_DAY = SEVERITY_COLOURS["info"].background
    OTHER_DAY = "#f7f9fa"  # every other weekday's row


class TourColours:
    """The guided tour's overlay: the window dimmed around the control it shows, which is ringed."""

    DIM = (20, 30, 40, 170)  # RGBA over the window: dark enough that the ringed control stands out
    RING = Palette.BANNER  # bright on the dimmed window, as the training banner is on the header
    RING_PX = 3


class Sizes:
    """Paddings, corners and the heading sizes (points) the stylesheets and painted text use."""

    RADIUS = "3px"
    BADGE_PADDING = "3px 6px"  # a line coloured by its severity
    NOTICE_PADDING = "7px 10px"  # the same, as a refill page's message
    BUTTON_PADDING = "4px 14px"
    PRIMARY_BUTTON_PADDING = "6px 18px"
    PAGE_TITLE_PT = 14  # a refill step's title
    DIALOG_HEADER_PT = 12  # the refill's header line
    SYRINGE_DRUG_PT = 20  # the syringe label's drug name, as large as on the real label
    SYRINGE_STRENGTH_PT = 16
    PLOT_TICKS_PT = 9.5


def _severity_rules(selector: str = "*") -> str:
    return "".join(
        f'{selector}[{SEVERITY}="{level}"] {{ background: {colours.background}; color: {colours.text}; '
        f"border: 1px solid {colours.border}; border-radius: {Sizes.RADIUS}; padding: {Sizes.BADGE_PADDING}; }}\n"
        for level, colours in SEVERITY_COLOURS.items()
    )


def _link_rules() -> str:
    return "".join(
        f'QLabel#headerLink[{LINK}="{state}"] {{ background: {colour}; }}\n' for state, colour in LINK_COLOURS.items()
    )


_PRIMARY = (
    f"background: {Palette.ACCENT}; color: {Palette.ON_ACCENT}; border: 1px solid {Palette.ACCENT_EDGE}; "
    f"border-radius: {Sizes.RADIUS};"
)

# The window and its dialogs.
STYLESHEET = f"""
QMainWindow, QDialog {{ background: {Palette.WINDOW}; }}
QWidget#header {{ background: {Palette.HEADER}; }}
QWidget#header QLabel {{ color: {Palette.ON_HEADER}; }}
QLabel#banner {{
    background: {Palette.BANNER}; color: {Palette.INK}; font-weight: bold; padding: 4px 10px;
    border-radius: {Sizes.RADIUS};
}}
QLabel#headerPump {{ font-weight: bold; }}
QLabel#headerLink {{ padding: 2px 8px; border-radius: {Sizes.RADIUS}; font-weight: bold; }}
{_link_rules()}QLabel#headerAlarm {{ font-weight: bold; }}
{_severity_rules("QWidget#header QLabel#headerAlarm")}QGroupBox {{
    font-weight: bold; border: 1px solid {Palette.BORDER}; border-radius: 4px; margin-top: 1.2em;
    background: {Palette.SURFACE};
}}
QGroupBox::title {{ subcontrol-origin: margin; left: 8px; padding: 0 4px; }}
QGroupBox QLabel, QGroupBox QCheckBox {{ font-weight: normal; }}
QLabel[{ROLE}="value"] {{ font-weight: bold; }}
QLabel[{ROLE}="hint"] {{ color: {Palette.HINT}; }}
*[{PENDING}="true"] {{
    background: {Palette.PENDING}; border: 1px solid {Palette.PENDING_EDGE}; border-radius: {Sizes.RADIUS};
}}
QLabel[{ROLE}="badge"][{PENDING}="true"] {{ color: {Palette.PENDING_TEXT}; font-weight: bold; padding: 0 6px; }}
QLabel[{ROLE}="problem"] {{ color: {Palette.PROBLEM}; font-weight: bold; }}
QLabel#programResult {{ font-weight: bold; }}
QPushButton {{ padding: {Sizes.BUTTON_PADDING}; }}
QPushButton#programButton {{ font-weight: bold; padding: {Sizes.PRIMARY_BUTTON_PADDING}; }}
QPushButton#programButton:enabled {{ {_PRIMARY} }}
QTableWidget {{ background: {Palette.SURFACE}; gridline-color: {Palette.GRID}; }}
QTableWidget::item {{ padding: 3px 6px; }}
QFrame#tourBubble {{ background: {Palette.SURFACE}; border: 2px solid {Palette.ACCENT}; border-radius: 6px; }}
QLabel#tourTitle {{ font-size: {Sizes.DIALOG_HEADER_PT}pt; font-weight: bold; }}
QPushButton#tourNext {{ {_PRIMARY} font-weight: bold; }}
QWidget#ptmWindow {{ background: {Palette.WINDOW}; }}
QPushButton#ptmGiveBolus:enabled {{ {_PRIMARY} font-weight: bold; padding: {Sizes.PRIMARY_BUTTON_PADDING}; }}
QFrame#clockBar QPushButton:checked {{
    background: {SEVERITY_COLOURS["info"].background}; color: {SEVERITY_COLOURS["info"].text}; font-weight: bold;
    border: 2px solid {SEVERITY_COLOURS["info"].border}; border-radius: {Sizes.RADIUS};
}}
QFrame#clockBar {{ background: {Palette.PANEL}; border: 1px dashed {Palette.RULE}; border-radius: 4px; }}
QTabWidget::pane {{ border: 1px solid {Palette.BORDER}; background: {Palette.WINDOW}; }}
{_severity_rules()}"""

# The refill wizard, on top of STYLESHEET.
WIZARD_STYLESHEET = f"""
QFrame#syringeLabel {{ background: {Palette.SURFACE}; border: 2px solid {Palette.SYRINGE_EDGE}; border-radius: 6px; }}
QFrame#syringeLabel QLabel {{ background: transparent; border: none; color: {Palette.INK}; }}
QLabel#syringeDrug {{ font-size: {Sizes.SYRINGE_DRUG_PT}pt; font-weight: bold; letter-spacing: 1px; }}
QLabel#syringeConcentration {{ font-size: {Sizes.SYRINGE_STRENGTH_PT}pt; font-weight: bold; }}
QLabel#syringeBand {{ background: {Palette.HEADER}; color: {Palette.ON_HEADER}; font-weight: bold; padding: 3px 8px; }}
QWidget#progressList {{ background: {Palette.PANEL}; border-right: 1px solid {Palette.BORDER}; }}
QLabel[progress="true"] {{ padding: 6px 8px; border-radius: {Sizes.RADIUS}; }}
QLabel[viewing="true"] {{ font-weight: bold; border: 2px solid {Palette.ACCENT}; }}
QLabel#wizardHeader {{ font-size: {Sizes.DIALOG_HEADER_PT}pt; font-weight: bold; }}
QLabel#pageTitle {{ font-size: {Sizes.PAGE_TITLE_PT}pt; font-weight: bold; }}
QStackedWidget QLabel[{SEVERITY}="critical"], QStackedWidget QLabel[{SEVERITY}="warning"],
QStackedWidget QLabel[{SEVERITY}="ok"], QStackedWidget QLabel[{SEVERITY}="info"] {{ padding: {Sizes.NOTICE_PADDING}; }}
QPushButton#nextButton:enabled {{ {_PRIMARY} font-weight: bold; padding: {Sizes.PRIMARY_BUTTON_PADDING}; }}
"""


class StationColours:
    """The demo station (kiosk): its banner above the header, and the idle countdown over the window."""

    BANNER = Palette.ACCENT  # apart from the training banner's yellow, which stays beside it in the header
    ON_BANNER = Palette.ON_ACCENT
    DIM = (20, 30, 40, 170)  # RGBA over the window while the countdown runs: the card reads, the screen recedes
    CARD = Palette.SURFACE
    CARD_EDGE = Palette.ACCENT
    BANNER_PT = 13
    TITLE_PT = 26
    COUNTDOWN_PT = 18


# The demo station's banner and the countdown's card, on top of STYLESHEET.
STATION_STYLESHEET = f"""
QLabel#stationBanner {{
    background: {StationColours.BANNER}; color: {StationColours.ON_BANNER}; font-size: {StationColours.BANNER_PT}pt;
    font-weight: bold; padding: 6px 12px;
}}
QFrame#idleCard {{
    background: {StationColours.CARD}; border: 3px solid {StationColours.CARD_EDGE}; border-radius: 12px;
}}
QFrame#idleCard QLabel {{ background: transparent; border: none; color: {Palette.INK}; }}
QLabel#idleTitle {{ font-size: {StationColours.TITLE_PT}pt; font-weight: bold; }}
QLabel#idleCountdown {{ font-size: {StationColours.COUNTDOWN_PT}pt; }}
"""
