"""Finding and loading the data files in `resources/`.

The same lookup works from a checkout (resources/ beside the package) and from
an installed wheel (resources/ shipped inside the package). A broken file is
refused with the file, the field and the problem, so a clinic can fix it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

_PACKAGE = Path(__file__).resolve().parent
Model = TypeVar("Model", bound=BaseModel)


class ResourceError(Exception):
    """A resource file is missing or does not validate."""


def resources_dir() -> Path:
    for candidate in (_PACKAGE / "resources", _PACKAGE.parent / "resources"):
        if candidate.is_dir():
            return candidate
    raise ResourceError(f"resources folder not found beside {_PACKAGE}")


def resource_path(name: str) -> Path:
    return resources_dir() / name


def describe_validation_error(error: ValidationError) -> str:
    """'models.0.flow_max_ml_per_day: Input should be a valid number' for each problem."""
    parts = []
    for problem in error.errors():
        field = ".".join(str(part) for part in problem["loc"]) or "(top level)"
        parts.append(f"{field}: {problem['msg']}")
    return "; ".join(parts)


def load_model_file(path: Path, model: type[Model]) -> Model:
    """Read `path` as JSON and validate it as `model`, or raise ResourceError naming what is wrong."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ResourceError(f"{path}: cannot be read ({error.strerror})") from error
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        where = f"line {error.lineno}, column {error.colno}"
        raise ResourceError(f"{path}: not valid JSON at {where}: {error.msg}") from error
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise ResourceError(f"{path}: {describe_validation_error(error)}") from error
