"""One run per client kind and event loop: sync once, async on asyncio and on trio.

The shared ``anyio_backend`` fixture would run a sync-client test on both event loops too,
where the loop plays no part; here ``mode`` picks the kind and the loop together. A test that
only makes sense for one kind parametrizes ``mode`` itself; a module whose tests must also hold
on ``AsyncTokenClient(http_backend="aiohttp")`` parametrizes it with ``MODES_WITH_AIOHTTP``.
"""

from __future__ import annotations

import pytest

from ..support import Kind
from . import harness


@pytest.fixture(params=["sync", "asyncio", "trio"])
def mode(request: pytest.FixtureRequest) -> str:
    """``sync``, or the event loop of an async run."""
    return str(request.param)


@pytest.fixture
def anyio_backend(mode: str) -> str:
    """The event loop: a sync run still needs one for its ``async def`` test body."""
    return "asyncio" if mode in ("sync", "aiohttp") else mode


@pytest.fixture
def kind(mode: str) -> Kind:
    """Which client the test body drives."""
    return "sync" if mode == "sync" else "async"


@pytest.fixture(autouse=True)
def _http_backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Mode ``aiohttp`` (asyncio only): the async client on ``http_backend="aiohttp"``.

    A module opts in by parametrizing ``mode`` with :data:`MODES_WITH_AIOHTTP`. Only tests that
    use ``mode`` (directly or through ``kind``) look at it: the others are not multiplied by it.
    """
    if "mode" in request.fixturenames and request.getfixturevalue("mode") == "aiohttp":
        monkeypatch.setattr(harness, "HTTP_BACKEND", "aiohttp")


MODES_WITH_AIOHTTP = ["sync", "asyncio", "trio", "aiohttp"]
"""Every default-transport mode, and the async client on the aiohttp backend (asyncio)."""
