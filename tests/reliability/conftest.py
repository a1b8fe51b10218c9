"""One run per client kind and event loop: sync once, async on asyncio and on trio.

The shared ``anyio_backend`` fixture would run a sync-client test on both event loops too,
where the loop plays no part; here ``mode`` picks the kind and the loop together. A test that
only makes sense for one kind parametrizes ``mode`` itself.
"""

from __future__ import annotations

import pytest

from ..support import Kind


@pytest.fixture(params=["sync", "asyncio", "trio"])
def mode(request: pytest.FixtureRequest) -> str:
    """``sync``, or the event loop of an async run."""
    return str(request.param)


@pytest.fixture
def anyio_backend(mode: str) -> str:
    """The event loop: a sync run still needs one for its ``async def`` test body."""
    return "asyncio" if mode == "sync" else mode


@pytest.fixture
def kind(mode: str) -> Kind:
    """Which client the test body drives."""
    return "sync" if mode == "sync" else "async"
