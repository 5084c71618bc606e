"""Fixtures for the training tests: a private data folder, and a small scenario written as an author would."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch) -> Path:
    """Every test gets its own user data folder (records, attempt pumps): the real one is never touched."""
    folder = tmp_path / "data"
    monkeypatch.setenv("PROGRAMMER_DATA_DIR", str(folder))
    return folder
