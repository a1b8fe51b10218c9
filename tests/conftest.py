"""Shared fixtures: async tests run on asyncio and trio; TOKENCLIENT_* never leak in."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# No per-example deadline and no "generation too slow" check for any property test: on a
# loaded CI machine (or with the lowest pydantic, whose first validation builds the schema) one
# example can take more than hypothesis's default 200 ms, which fails the test without saying
# anything about the code. Tests that set their own settings keep these unless they say more.
settings.register_profile(
    "tokenclient", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("tokenclient")


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    """Run every ``@pytest.mark.anyio`` test on both event loops."""
    return str(request.param)


@pytest.fixture(scope="session")
def _home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("home")


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, _home: Path) -> None:
    """Tests see no TOKENCLIENT_* variables unless they set them, and a scratch home.

    The scratch ``HOME`` keeps the command line's conversation file (``chat -c``) out of the
    real ``~/.cache``.
    """
    for name in (
        "TOKENCLIENT_API_KEY",
        "TOKENCLIENT_BASE_URL",
        "TOKENCLIENT_PROVIDER",
        "TOKENCLIENT_CACHE_DIR",
        "XDG_CACHE_HOME",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(_home))
