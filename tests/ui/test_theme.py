"""The theme covers every state a screen can be in: each level and each link state has its colours."""

from programmer.session.events import LinkState
from programmer.session.levels import Level
from programmer.ui.theme import LINK_COLOURS, SEVERITY_COLOURS, STYLESHEET, WIZARD_STYLESHEET, OkabeIto, PlotColours


def test_every_level_but_none_is_coloured_in_the_stylesheet():
    coloured = [level for level in Level if level is not Level.NONE]
    assert sorted(SEVERITY_COLOURS) == sorted(coloured)
    for level in coloured:
        colours = SEVERITY_COLOURS[level]
        assert f'*[severity="{level}"] {{ background: {colours.background}; color: {colours.text}; ' in STYLESHEET


def test_every_link_state_has_its_colour():
    assert sorted(LINK_COLOURS) == sorted(state.value.replace(" ", "-") for state in LinkState)
    assert all(f'QLabel#headerLink[link="{key}"]' in STYLESHEET for key in LINK_COLOURS)


def test_the_plot_draws_its_programs_in_the_colour_blind_palette():
    assert (PlotColours.CURRENT, PlotColours.PENDING) == (OkabeIto.BLUE, OkabeIto.ORANGE)
    assert PlotColours.ALARM == OkabeIto.VERMILLION


def test_a_refill_step_title_is_styled_by_the_wizard_not_by_its_page():
    assert "QLabel#pageTitle { font-size: 14pt; font-weight: bold; }" in WIZARD_STYLESHEET
