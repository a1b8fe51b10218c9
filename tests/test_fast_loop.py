"""Plain ``pytest`` is the fast loop: the slow and the end-to-end tests run in ./scripts/test."""

from __future__ import annotations

import pytest


def test_plain_pytest_leaves_out_slow_and_e2e_tests(pytestconfig: pytest.Config) -> None:
    addopts = [str(arg) for arg in pytestconfig.getini("addopts")]
    assert addopts[addopts.index("-m") + 1] == "not slow and not e2e"
