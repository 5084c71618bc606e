"""Help → About's content: the version and each shipped package's licence, read from the installed metadata."""

import tomllib
from importlib import metadata
from pathlib import Path

import pytest

from programmer import TRAINING_BANNER
from programmer.session import about as about_module
from programmer.session.about import SHIPPED, about, components, licence, marker_holds

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def test_the_version_is_the_installed_packages_and_it_says_not_for_clinical_use():
    info = about()
    assert info.version == metadata.version("programmer")
    assert info.title == f"Intrathecal pump programmer {info.version}"
    assert info.purpose.startswith(f"{TRAINING_BANNER}.")


def test_each_shipped_package_has_the_licence_its_metadata_declares():
    shown = {component.name.lower(): component for component in about().components}
    assert shown["pyside6"].licence.startswith("LGPL-3.0")
    assert shown["pyqtgraph"].licence == "MIT"
    assert shown["numpy"].licence.startswith("BSD-3-Clause")
    assert shown["msgspec"].licence == "BSD-3-Clause"
    assert shown["platformdirs"].licence == "MIT"
    for name in SHIPPED:
        assert shown[name.lower()].version == metadata.version(name)
    # What they bring along is listed too: Qt's own libraries come in PySide6_Essentials.
    assert shown["shiboken6"].licence.startswith("LGPL-3.0")
    assert shown["pyside6_essentials"].what_for == "needed by PySide6"


def test_the_shipped_list_is_pyprojects_dependencies():
    """A dependency added to pyproject.toml and not to the About box would ship unmentioned."""
    declared = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]["dependencies"]
    names = {entry.split(";")[0].split(">")[0].split("<")[0].split("=")[0].strip().lower() for entry in declared}
    assert names == {name.lower() for name in SHIPPED}


def test_a_licence_from_the_license_field_or_the_classifiers_when_there_is_no_spdx_expression():
    class Meta(dict):
        def get_all(self, key):
            return self.get(key + "s")

    class Distribution:
        def __init__(self, **fields):
            self.metadata = Meta(fields)

    assert licence(Distribution(License="MIT")) == "MIT"
    long_text = "Copyright (c) 2005 ...\nRedistribution and use in source and binary forms..."
    classifiers = ["Programming Language :: Python", "License :: OSI Approved :: BSD License"]
    assert licence(Distribution(License=long_text, Classifiers=classifiers)) == "BSD License"
    assert licence(Distribution()) == "not declared in its metadata"


def test_a_shipped_package_that_is_not_installed_is_said(monkeypatch):
    monkeypatch.setattr(about_module, "WHAT_FOR", {"no-such-package": "testing"})
    (missing,) = components(("no-such-package",))
    assert (missing.version, missing.licence) == ("not installed", "not installed")


def test_the_programmers_own_licence_is_stated():
    """Walk-through finding: About listed every package's licence but not the programmer's own (MIT)."""
    declared = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]["license"]["text"]
    assert about().licence == declared == "MIT"


def test_what_a_package_brings_along_says_which_package_needs_it():
    """Walk-through finding: colorama was "needed by the packages above": pyqtgraph requires it on every platform
    (and imports it on Linux too), so it ships and says who needs it."""
    shown = {component.name.lower(): component.what_for for component in about().components}
    assert shown["shiboken6"] == shown["pyside6_essentials"] == "needed by PySide6"
    if "colorama" in shown:
        assert shown["colorama"] == "needed by pyqtgraph"
        assert "colorama" in str(metadata.distribution("pyqtgraph").requires)


LINUX_311 = {"python_version": "3.11", "python_full_version": "3.11.7", "platform_system": "Linux",
             "sys_platform": "linux", "os_name": "posix", "extra": ""}


@pytest.mark.parametrize(
    ("marker", "holds"),
    [
        ('platform_system == "Windows"', False),
        ('sys_platform != "win32"', True),
        ('python_version < "3.11"', False),
        ('python_version >= "3.11"', True),
        ('python_version < "3.11" and extra == "toml"', False),
        ('extra == "yaml"', False),  # an optional extra is not shipped
        ('(python_version < "3.12" or sys_platform == "win32") and os_name == "posix"', True),
        ('sys_platform not in "win32 cygwin"', True),
        ('python_version == "3"', False),  # 3.11 is not 3.0
        ('python_version ~= "3.10"', True),  # not read: it holds, so nothing shipped is left out
        ('platform_machine weird', True),
    ],
)
def test_a_requirement_counts_only_where_its_environment_marker_holds(marker, holds):
    assert marker_holds(marker, LINUX_311) is holds


def test_an_installed_package_required_only_elsewhere_is_not_listed(monkeypatch):
    monkeypatch.setattr(about_module, "marker_environment", lambda: LINUX_311)

    class Distribution:
        requires = ('numpy>=1.25', 'colorama; platform_system == "Windows"', 'tomli; python_version < "3.11"')

    assert about_module._requirements(Distribution()) == ["numpy"]
