"""Resource files: the shipped ones load; a broken copy is refused naming the file, the field and the problem."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from programmer.resources import ResourceError, resource_path, resources_dir
from programmer.therapy.drugs import drug_library, load_drug_library, same_drug
from programmer.therapy.pump_models import load_pump_models, pump_models
from programmer.therapy.units import DrugUnit


def broken_copy(tmp_path: Path, name: str, change) -> Path:
    """A copy of the shipped file `name` after `change(data)` edits it in place."""
    data = json.loads(resource_path(name).read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def refusal(load, path: Path) -> str:
    with pytest.raises(ResourceError) as refused:
        load(path)
    message = str(refused.value)
    assert message.startswith(f"{path}: "), "the message must name the file"
    return message.removeprefix(f"{path}: ")


# --- the shipped files ---------------------------------------------------------------------
def test_the_shipped_pump_models_load():
    catalog = pump_models()
    assert catalog.names == ["PX-20", "PX-40", "VG-20"]
    px20 = catalog["px-20"]
    assert (px20.flow_min_ml_per_day, px20.flow_max_ml_per_day, px20.max_flex_steps) == (0.048, 24, 13)
    assert px20.flow_limits_text() == "0.048–24 mL/day"
    assert not catalog["VG-20"].per_weekday_schedules
    with pytest.raises(KeyError, match="unknown pump model 'PX-99'; known models: PX-20, PX-40, VG-20"):
        catalog["PX-99"]


def test_the_shipped_drug_library_loads():
    library = drug_library()
    assert library["Morphine"].unit is DrugUnit.MG
    assert library["baclofen"].unit is DrugUnit.MCG
    assert library["ziconotide"].daily_dose.hard_max == 19.2
    assert library["hydromorphone"].off_label
    assert library["morphine"].is_labelled(library["morphine"].concentration(25))
    assert not library["morphine"].is_labelled(library["morphine"].concentration(20))
    with pytest.raises(KeyError, match="unknown drug 'heroin'"):
        library["heroin"]


def test_a_drug_is_found_whatever_the_case_and_spaces_of_either_name(tmp_path):
    # The uniqueness check ignored the spaces around a library's name, the look-up did not: "Morphine " was
    # counted as morphine but never found as it.
    path = broken_copy(tmp_path, "drugs.json", lambda data: data["drugs"][0].update(name="Morphine "))
    library = load_drug_library(path)
    assert library[" morphine"].name == "Morphine "
    assert library.get("MORPHINE") is library["morphine"]
    assert same_drug("Morphine ", "morphine")
    assert not same_drug("morphine", "hydromorphone")


def test_resources_are_found_beside_the_package():
    assert (resources_dir() / "pump_models.json").is_file()


# --- broken pump_models.json -----------------------------------------------------------------
def test_malformed_json_names_the_line_and_column(tmp_path):
    path = tmp_path / "pump_models.json"
    path.write_text('{"format": "pump-models/1",\n "models": [,]}', encoding="utf-8")
    assert refusal(load_pump_models, path) == "not valid JSON at line 2, column 13: Expecting value"


def test_nan_is_not_a_number_a_pump_can_use(tmp_path):
    path = tmp_path / "pump_models.json"
    text = resource_path("pump_models.json").read_text(encoding="utf-8")
    path.write_text(text.replace('"flow_max_ml_per_day": 24.0', '"flow_max_ml_per_day": NaN', 1), encoding="utf-8")
    assert refusal(load_pump_models, path) == "not valid JSON: NaN is not a number a pump can use"


def test_an_unreadable_file(tmp_path):
    assert refusal(load_pump_models, tmp_path / "missing.json") == "cannot be read (No such file or directory)"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda data: data["models"][0].pop("flow_max_ml_per_day"),
            "models.0.flow_max_ml_per_day (in 'PX-20'): Field required",
        ),
        (
            lambda data: data["models"][1].update(flow_max_ml_per_day="24"),
            "models.1.flow_max_ml_per_day (in 'PX-40'): Input should be a valid number, not '24'",
        ),
        (
            lambda data: data["models"][2].update(per_weekday_schedules="no"),
            "models.2.per_weekday_schedules (in 'VG-20'): Input should be a valid boolean, not 'no'",
        ),
        (
            lambda data: data["models"][0].update(max_flex_steps=13.5),
            "models.0.max_flex_steps (in 'PX-20'): Input should be a valid integer, not 13.5",
        ),
        (
            lambda data: data["models"][0].update(flow_min_ml_per_day=-1),
            "models.0.flow_min_ml_per_day (in 'PX-20'): Input should be greater than 0, not -1",
        ),
        (
            lambda data: data["models"][0].update(flow_min_ml_per_day=30),
            "models.0 (in 'PX-20'): flow_min_ml_per_day (30) must be below flow_max_ml_per_day (24)",
        ),
        (
            lambda data: data["models"][0].update(minimum_rate_ml_per_day=0.01),
            "models.0 (in 'PX-20'): minimum_rate_ml_per_day (0.01) must lie within "
            "flow_min_ml_per_day..flow_max_ml_per_day (0.048–24 mL/day)",
        ),
        (
            lambda data: data["models"][0].update(low_alarm_default_ml=6),
            "models.0 (in 'PX-20'): low_alarm_default_ml (6) must lie between low_alarm_min_ml (1) "
            "and low_alarm_max_ml (5)",
        ),
        (
            lambda data: data["models"][2].update(refill_projection_volume_ml=None),
            "models.2 (in 'VG-20'): refill_projection_volume_ml is required when refill_projection is "
            "all_patient_boluses",
        ),
        (
            lambda data: data["models"][0].update(mechanism="piston"),
            "models.0.mechanism (in 'PX-20'): Input should be 'peristaltic' or 'valve-gated', not 'piston'",
        ),
        (
            lambda data: data["models"][0].update(flow_maximum=24),
            "models.0.flow_maximum (in 'PX-20'): Extra inputs are not permitted",
        ),
        (
            lambda data: data["models"][1].update(name="px-20"),
            "(top level): pump model names must be unique, repeated: PX-20, px-20",
        ),
        (
            lambda data: data.update(format="pump-models/2"),
            "format: Input should be 'pump-models/1', not 'pump-models/2'",
        ),
        (lambda data: data.update(models=[]), "models: List should have at least 1 item after validation, not 0"),
    ],
)
def test_a_broken_pump_model_file_names_the_field_and_the_problem(tmp_path, change, expected):
    path = broken_copy(tmp_path, "pump_models.json", change)
    assert refusal(load_pump_models, path) == expected


def test_every_problem_is_listed(tmp_path):
    def change(data):
        data["models"][0]["flow_max_ml_per_day"] = "lots"
        data["models"][2]["ptm_supported"] = 1

    message = refusal(load_pump_models, broken_copy(tmp_path, "pump_models.json", change))
    assert message == (
        "models.0.flow_max_ml_per_day (in 'PX-20'): Input should be a valid number, not 'lots'; "
        "models.2.ptm_supported (in 'VG-20'): Input should be a valid boolean, not 1"
    )


# --- broken drugs.json ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda data: data["drugs"][0]["daily_dose"].update(soft_max=40),
            "drugs.0.daily_dose (in 'morphine'): soft_max (40) is above hard_max (30)",
        ),
        (
            lambda data: data["drugs"][2]["daily_dose"].update(soft_min=900),
            "drugs.2.daily_dose (in 'baclofen'): soft_min (900) is above soft_max (800)",
        ),
        (
            lambda data: data["drugs"][0].update(unit="g"),
            "drugs.0.unit (in 'morphine'): Input should be 'mg' or 'mcg', not 'g'",
        ),
        (
            lambda data: data["drugs"][2].update(unit="µg"),
            "drugs.2.unit (in 'baclofen'): Input should be 'mg' or 'mcg', not 'µg'",
        ),
        (
            lambda data: data["drugs"][1].pop("max_concentration_per_ml"),
            "drugs.1.max_concentration_per_ml (in 'ziconotide'): Field required",
        ),
        (
            lambda data: data["drugs"][0].update(approved="true"),
            "drugs.0.approved (in 'morphine'): Input should be a valid boolean, not 'true'",
        ),
        (
            lambda data: data["drugs"][0]["labelled_concentrations_per_ml"].append("50"),
            "drugs.0.labelled_concentrations_per_ml.2 (in 'morphine'): Input should be a valid number, not '50'",
        ),
        (
            lambda data: data["drugs"][0]["labelled_concentrations_per_ml"].append(50),
            "drugs.0 (in 'morphine'): labelled concentration 50 mg/mL is above max_concentration_per_ml (25 mg/mL)",
        ),
        (
            lambda data: data["drugs"][1].update(starting_dose={"min": 3, "max": 2.4}),
            "drugs.1.starting_dose (in 'ziconotide'): min (3) is above max (2.4)",
        ),
        (
            lambda data: data["drugs"][1].update(starting_dose={"min": 1, "max": 24}),
            "drugs.1 (in 'ziconotide'): starting_dose.max (24 mcg/day) is above daily_dose.hard_max (19.2 mcg/day)",
        ),
        (
            lambda data: data["drugs"][3].update(name="Morphine"),
            "(top level): drug names must be unique, repeated: Morphine, morphine",
        ),
        (
            lambda data: data["drugs"].append(dict(data["drugs"][0])),
            "(top level): drug names must be unique, repeated: morphine",
        ),
    ],
)
def test_a_broken_drug_library_names_the_field_and_the_problem(tmp_path, change, expected):
    path = broken_copy(tmp_path, "drugs.json", change)
    assert refusal(load_drug_library, path) == expected


def test_every_problem_of_an_entry_is_listed_in_the_order_of_its_fields(tmp_path):
    def change(data):
        model = data["models"][1]
        model.update(accuracy_percent=100, max_flex_steps=True, title=None, mechanism="piston", colour="grey")
        model.pop("ptm_supported")

    message = refusal(load_pump_models, broken_copy(tmp_path, "pump_models.json", change))
    assert message.split("; ") == [
        "models.1.title (in 'PX-40'): Input should be a valid string, not None",
        "models.1.mechanism (in 'PX-40'): Input should be 'peristaltic' or 'valve-gated', not 'piston'",
        "models.1.accuracy_percent (in 'PX-40'): Input should be less than 100, not 100",
        "models.1.max_flex_steps (in 'PX-40'): Input should be a valid integer, not True",
        "models.1.ptm_supported (in 'PX-40'): Field required",
        "models.1.colour (in 'PX-40'): Extra inputs are not permitted",
    ]


def test_a_starting_dose_that_is_not_an_object(tmp_path):
    path = broken_copy(tmp_path, "drugs.json", lambda data: data["drugs"][1].update(starting_dose="1-2"))
    assert refusal(load_drug_library, path) == (
        "drugs.1.starting_dose (in 'ziconotide'): Input should be a valid dictionary or instance of DoseRange, "
        "not '1-2'"
    )


def test_the_resources_load_without_pydantic():
    # pydantic's import and first model were most of the programmer's start-up beyond Qt (issue 16).
    check = (
        "import sys\n"
        "from programmer.therapy.drugs import drug_library\n"
        "from programmer.therapy.pump_models import pump_models\n"
        "assert drug_library()['morphine'] and pump_models()['PX-20']\n"
        "print(sorted(name for name in sys.modules if name.split('.')[0] == 'pydantic'))"
    )
    done = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
