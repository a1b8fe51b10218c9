"""Shared fixtures: async tests run on asyncio and trio; TOKENCLIENT_* never leak in."""

from __future__ import annotations

import pytest


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    """Run every ``@pytest.mark.anyio`` test on both event loops."""
    return str(request.param)


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests see no TOKENCLIENT_* variables unless they set them."""
    for name in ("TOKENCLIENT_API_KEY", "TOKENCLIENT_BASE_URL", "TOKENCLIENT_PROVIDER"):
        monkeypatch.delenv(name, raising=False)
