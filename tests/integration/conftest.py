"""Fixtures for the CLI tests: a data directory that does not exist yet, and the test config in a file."""

from __future__ import annotations

import pytest

from tests.conftest import TEST_CONFIG


@pytest.fixture
def home(tmp_path):
    return tmp_path / "home"


@pytest.fixture
def config(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text(TEST_CONFIG)
    return path
