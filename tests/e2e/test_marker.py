"""The tests here are left out of plain ``pytest`` by the ``e2e`` marker that conftest.py adds."""

from __future__ import annotations

import pytest


def test_tests_here_are_marked_e2e(request: pytest.FixtureRequest) -> None:
    assert request.node.get_closest_marker("e2e") is not None
