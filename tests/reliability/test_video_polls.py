"""``videos.wait`` against hostile pollers over a real loopback socket, sync and async.

The fault server answers ``GET /videos/generations/<id>`` by the id: ``busy`` says
``running`` once, then 500 with ``Retry-After: 0`` forever; ``stall`` says ``running`` once,
then reads each poll and answers nothing; ``stall-first`` answers nothing from the start.
Other requests get the fault server's usual answers (``assert_settled`` needs them).
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator

import pytest
from typing_extensions import override

from tokenclient import (
    APITimeoutError,
    AsyncTokenClient,
    InternalServerError,
    VideoTaskTimeoutError,
)
from tokenclient._core.polling import LAST_POLL_TIMEOUT
from tokenclient.types.videos import VideoTask

from ..support import AnyClient, Kind
from .faultserver import FaultServer, ReadRequest, Seen, _fixed
from .harness import assert_settled, client_of, open_fds

pytestmark = pytest.mark.anyio

_PREFIX = "/v1/videos/generations/"
_RUNNING = json.dumps({"id": "t", "object": "video.generation.task", "status": "running"})


class VideoPollServer(FaultServer):
    """The fault server, plus scripted video polls; it records when each poll arrived."""

    def __init__(self) -> None:
        super().__init__()
        self.polls: list[float] = []
        """``time.monotonic()`` of every video poll read."""

    @override
    def _respond(self, conn: socket.socket, request: ReadRequest) -> bool:
        if request.method != "GET" or not request.path.startswith(_PREFIX):
            return super()._respond(conn, request)
        task_id = request.path.removeprefix(_PREFIX)
        with self._lock:
            self.polls.append(time.monotonic())
            self._attempts[task_id] += 1
            first = self._attempts[task_id] == 1
            self.seen.append(Seen(task_id, request.method, request.path, request.headers))
        if first and task_id != "stall-first":
            conn.sendall(_fixed("200 OK", _RUNNING.encode(), "application/json"))
            return True
        if task_id == "busy":
            body = b'{"error": {"message": "busy"}}'
            conn.sendall(
                _fixed(
                    "500 Internal Server Error", body, "application/json", **{"retry-after": "0"}
                )
            )
            return True
        self._wait_for_hangup(conn)  # "stall", "stall-first": the answer never comes
        return False


@pytest.fixture
def server() -> Iterator[VideoPollServer]:
    with VideoPollServer() as running:
        yield running


async def wait(
    client: AnyClient, task_id: str, *, poll_interval: float, timeout: float
) -> VideoTask:
    if isinstance(client, AsyncTokenClient):
        return await client.videos.wait(task_id, poll_interval=poll_interval, timeout=timeout)
    return client.videos.wait(task_id, poll_interval=poll_interval, timeout=timeout)


@pytest.mark.slow
async def test_a_zero_retry_after_does_not_make_polls_faster_than_the_floor(
    kind: Kind, server: VideoPollServer
) -> None:
    # Before the floor: 58 polls in 3 s. poll_interval=0.3 is also the floor here (< 1 s).
    fds = open_fds()
    client = client_of(kind, server.url, timeout=30.0, max_concurrency=None)
    start = time.monotonic()
    with pytest.raises(VideoTaskTimeoutError) as info:
        await wait(client, "busy", poll_interval=0.3, timeout=1.2)
    elapsed = time.monotonic() - start
    assert isinstance(info.value.__cause__, InternalServerError)
    gaps = [b - a for a, b in zip(server.polls, server.polls[1:], strict=False)]
    assert len(server.polls) <= 1.2 / 0.3 + 2, server.polls  # 4 here: at 0, .3, .6, .9 s
    assert min(gaps) >= 0.3 - 0.02, gaps
    assert 1.2 - 0.05 <= elapsed < 1.2 + LAST_POLL_TIMEOUT + 2.0
    await assert_settled(client, server, fds)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("task_id", "raised"), [("stall", VideoTaskTimeoutError), ("stall-first", APITimeoutError)]
)
async def test_a_stalled_poll_ends_the_wait_on_time(
    kind: Kind, server: VideoPollServer, task_id: str, raised: type[Exception]
) -> None:
    # Before: each of the 3 attempts of a stalled poll waited the whole time left, so a 2 s
    # wait ended after ~5 s (the 3 s wait: 6.8 s). Now each attempt is capped by the
    # time left at its own start: the wait ends at its deadline (plus at most the last poll's
    # LAST_POLL_TIMEOUT, when a poll starts at the deadline).
    fds = open_fds()
    client = client_of(kind, server.url, timeout=30.0, max_concurrency=None)
    start = time.monotonic()
    with pytest.raises(raised) as info:
        await wait(client, task_id, poll_interval=0.5, timeout=2.0)
    elapsed = time.monotonic() - start
    if isinstance(info.value, VideoTaskTimeoutError):
        assert isinstance(info.value.__cause__, APITimeoutError)
    assert 2.0 - 0.05 <= elapsed < 2.0 + LAST_POLL_TIMEOUT + 1.0, elapsed
    await assert_settled(client, server, fds)
