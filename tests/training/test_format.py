"""The scenario format: `check` finds every problem and places each at the line of its key."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from programmer.training.library import ScenarioError, check_file, check_text, load_scenario
from programmer.training.toml_lines import key_lines, line_of

from .scenarios import BASE, scenario


def problems(text: str) -> list[str]:
    found, listed = check_text(text)
    assert found is None
    return [str(problem) for problem in listed]


def line_of_text(text: str, needle: str) -> int:
    """The last line holding `needle` (an appended table's, when the base has one like it)."""
    return max(number for number, line in enumerate(text.splitlines(), 1) if needle in line)


def test_the_base_scenario_checks():
    found = scenario()
    assert found.id == "test-refill" and found.spec.pump.clock.isoformat() == "2026-11-23T09:00:00"


def test_every_problem_is_reported_each_at_its_line():
    text = BASE.replace("minutes = 10", 'minutes = "ten"').replace("concentration = 10", "concentration = -1") + """
[[critical]]
rule = "needle_in_the_spine"
why = "x"
source = "y"

[[scored]]
rule = "port_chosen"
port = "the side port"
weight = 1
"""
    found = problems(text)
    assert len(found) == 4
    assert found[0] == f"line {line_of_text(text, 'minutes =')}: minutes: Expected float, got str"
    assert found[1].startswith(f"line {line_of_text(text, 'concentration =')}: pump concentration: Expected float")
    assert found[2].startswith(f"line {line_of_text(text, 'needle_in_the_spine')}: critical #2 rule: unknown rule "
                               "'needle_in_the_spine'; give one of: done, port_chosen, ")
    assert found[3] == f"line {line_of_text(text, 'the side port')}: scored #1 port: Invalid enum value 'the side port'"


@pytest.mark.parametrize(
    ("extra", "needle", "said"),
    [
        ('\n[[faults]]\nid = "x"\nkind = "lost_link"\nwhen = [{ action = "pressed_the_wrong_button" }]\n',
         "pressed_the_wrong_button", "faults #1 when #1: unknown action 'pressed_the_wrong_button'"),
        ('\n[[faults]]\nid = "x"\nkind = "lost_link"\nwhen = [{ minutes = 2, action = "interrogated" }]\n',
         "minutes = 2", "faults #1 when #1: a trigger gives exactly one of"),
        ('\n[[faults]]\nid = "slow"\nkind = "slow_link"\n', "[[faults]]",
         "faults #1 seconds: a slow_link has seconds above 0"),
        ('\n[[critical]]\nid = "port"\nrule = "session_closed"\nwhy = "x"\nsource = "y"\n', 'id = "port"',
         "critical #2 id: id 'port' is used twice"),
        ('\n[[critical]]\nrule = "session_closed"\nwhy = "x"\n', "[[critical]]",
         "critical #2: a critical action says source: give 'source'"),
        ('\n[[scored]]\nrule = "session_closed"\n', "[[scored]]",
         "scored #1 weight: a scored action has a weight above 0"),
        ('\n[[scored]]\nrule = "programmed_dose"\ndose = "200mcg/day"\nweight = 1\n', 'dose = "200mcg/day"',
         "scored #1 dose: morphine is dosed in mg"),
        ('\n[[scored]]\nrule = "programmed_dose"\ndose = "1.5 mg"\nweight = 1\n', 'dose = "1.5 mg"',
         "scored #1 dose: "),
        ('\n[[scored]]\nrule = "interrogated_after"\nafter = "lunch"\nweight = 1\n', 'after = "lunch"',
         "scored #1 after: unknown action 'lunch'"),
        ('\n[[hints]]\ntext = "x"\ncolour = "red"\n', 'colour = "red"', "hints #1 colour: unknown field 'colour'"),
        # A source a nurse can look up, not an author's file.
        ('\n[[critical]]\nid = "closed"\nrule = "session_closed"\nwhy = "x"\nsource = "domain.md: refill step 7"\n',
         "domain.md", "critical #2 source: names a file ('domain.md'): cite the guideline, maker's manual chapter or "
                      "incident report it stands for, by its public title"),
        ('\n[[scored]]\nrule = "session_closed"\nweight = 1\nsource = "see resources/drugs.json"\n', "drugs.json",
         "scored #1 source: names a file ('resources/drugs.json')"),
    ],
)
def test_a_problem_in_an_appended_table_is_placed_at_its_key(extra, needle, said):
    text = BASE + extra
    (found,) = problems(text)
    assert found.startswith(f"line {line_of_text(text, needle)}: {said}"), found


@pytest.mark.parametrize(
    ("old", "new", "needle", "said"),
    [
        ('drug = "morphine"', 'drug = "heroin"', 'drug = "heroin"', "pump drug: unknown drug 'heroin'"),
        ('unit = "mg"', 'unit = "mcg"', 'unit = "mcg"', "patient unit: morphine is dosed in mg, not mcg"),
        ('dose = "1.5mg/day"', 'dose = "1.5mcg/day"', 'dose = "1.5mcg/day"', "pump dose: "),
        ('score = [[0, 8], [1.5, 3], [3, 2]]', 'score = [[3, 2], [0, 8]]', "score =",
         "patient score: list the [dose, score] points by rising dose"),
        ('score = [[0, 8], [1.5, 3], [3, 2]]', 'score = [[0, 8], [1.5, 11]]', "score =",
         "patient score #2 #2: Expected float <= 10"),
        ('days_since_refill = 100', 'days_since_refill = 100\nstopped_hours = 4000', "stopped_hours",
         "pump stopped_hours: the pump was stopped after its last refill"),
        # The factory refuses it: the starting pump is made at check time, as an attempt would make it.
        ('dose = "1.5mg/day"', 'dose = "300mg/day"', "[pump]",  # 30 mL/day: above the PX-20's flow
         "pump: the starting pump cannot be made: "),
        ('id = "test-refill"', 'id = "Test Refill"', 'id = "Test Refill"', "id: Expected str matching regex"),
        ('title = "Test refill"\n', "", "", "missing required field 'title'"),
        ('objectives = ["Refill the pump"]', 'objectives = ["Refill the pump"]\nsources = ["notes/Domain.MD"]',
         "sources =", "sources #1: names a file ('notes/Domain.MD')"),
    ],
)
def test_a_problem_in_a_written_key_is_placed_at_it(old, new, needle, said):
    text = BASE.replace(old, new)
    (found,) = problems(text)
    where = f"line {line_of_text(text, needle)}: " if needle else ""
    assert found.startswith(where + said), found


def test_a_toml_syntax_error_names_its_line():
    (found,) = problems(BASE + "\n[[critical]\nrule = 1\n")
    assert found.startswith("not valid TOML: ") and f"line {len(BASE.splitlines()) + 2}" in found


def test_a_folder_must_be_named_as_the_scenario_id(tmp_path):
    folder = tmp_path / "some-other-name"
    folder.mkdir()
    (folder / "scenario.toml").write_text(BASE, encoding="utf-8")
    found, listed = check_file(folder)
    assert found is None
    assert [str(problem) for problem in listed] == [
        "line 1: id: the id is 'test-refill' but its folder is 'some-other-name': make them one"
    ]
    with pytest.raises(ScenarioError, match="1 problem: line 1: id: the id is 'test-refill'"):
        load_scenario(folder)


def test_key_lines_follow_arrays_of_tables_nested_tables_and_multi_line_values():
    text = """\
title = "x"
story = \"\"\"
fake = "not a key"
\"\"\"
objectives = [
    "a = b",
]

[pump]
model = "PX-20"

[[faults]]
id = "a"

[[faults.when]]
action = "x"

[[faults]]
id = "b"
when = [{ action = "y" }]

[patient.overdose]
signs = []
"""
    lines = key_lines(text)
    assert lines[("title",)] == 1 and ("fake",) not in lines and ("a",) not in lines
    assert lines[("objectives",)] == 5
    assert lines[("pump", "model")] == 10
    assert lines[("faults", 0, "id")] == 13
    assert lines[("faults", 0, "when", 0, "action")] == 16
    assert lines[("faults", 1, "id")] == 19
    assert line_of(lines, ("faults", 1, "when", 0, "action")) == 20  # inside an inline table: its key's line
    assert lines[("patient", "overdose", "signs")] == 23
    assert line_of(lines, ("nowhere",)) is None


@given(count=st.integers(min_value=1, max_value=8), data=st.data())
def test_a_bad_rule_among_many_critical_actions_is_placed_at_its_own_line(count, data):
    wrong = data.draw(st.integers(min_value=0, max_value=count - 1))
    tables = "".join(
        f'\n[[critical]]\nid = "c{index}"\nrule = "{"no_such_rule" if index == wrong else "session_closed"}"\n'
        f'why = "w"\nsource = "s"\n'
        for index in range(count)
    )
    text = BASE + tables
    (found,) = problems(text)
    assert found.startswith(f"line {line_of_text(text, 'no_such_rule')}: critical #{wrong + 2} rule: unknown rule")
