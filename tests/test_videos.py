"""``client.videos``: create, retrieve, wait, create_and_wait; sync and async from one body.

Waiting runs on a fake clock: ``sleep`` advances it, so every test finishes in milliseconds and
every timing assertion is exact.
"""

from __future__ import annotations

import json

import anyio
import httpx
import pydantic
import pytest

from tokenclient import (
    APITimeoutError,
    AsyncTokenClient,
    AuthenticationError,
    InternalServerError,
    InvalidRequestError,
    NotFoundError,
    VideoTaskError,
    VideoTaskFailedError,
    VideoTaskTimeoutError,
)
from tokenclient._core.polling import LAST_POLL_TIMEOUT
from tokenclient.types.video_params import VideoContentParam
from tokenclient.types.videos import VideoTask

from .support import AnyClient, Handler, Kind, close, make_client, resolve, scripted

pytestmark = pytest.mark.anyio
KINDS = pytest.mark.parametrize("kind", ["sync", "async"])
START = 1000.0


class FakeTime:
    """A monotonic clock that only moves when slept on."""

    def __init__(self) -> None:
        self.now = START
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def wall_clock(self) -> float:
        """Unix time, moving with ``clock``: 2015-10-21 07:28:00 UTC at the start."""
        return 1445412480.0 + self.elapsed

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    async def async_sleep(self, seconds: float) -> None:
        self.sleep(seconds)
        await anyio.lowlevel.checkpoint()

    @property
    def elapsed(self) -> float:
        return self.now - START


def task(
    status: str,
    progress: float | None = None,
    *,
    headers: dict[str, str] | None = None,
    **fields: object,
) -> httpx.Response:
    """A ``GET /videos/generations/{id}`` answer."""
    body: dict[str, object] = {
        "id": "tsk-1",
        "object": "video.generation.task",
        "model": "bytedance/doubao-seedance-2.0",
        "status": status,
        **fields,
    }
    if progress is not None:
        body["progress"] = progress
    if status == "succeeded":
        body.setdefault("data", [{"video_url": "https://cdn.test/v.mp4"}])
    return httpx.Response(200, json=body, headers=headers)


def error(code: int, **headers: str) -> httpx.Response:
    return httpx.Response(code, json={"error": {"message": f"status {code}"}}, headers=headers)


def video_client(
    kind: Kind, handler: Handler, *, max_retries: int = 2, delays: list[float] | None = None
) -> tuple[AnyClient, FakeTime]:
    """A client whose waits run on a fake clock (retry sleeps are recorded in ``delays``)."""
    client = make_client(kind, handler, max_retries=max_retries, delays=delays)
    fake = FakeTime()
    runtime = client._runtime
    runtime.poll_sleep = fake.sleep
    runtime.async_poll_sleep = fake.async_sleep
    runtime.monotonic = fake.clock
    runtime.wall_clock = fake.wall_clock
    return client, fake


def sent(request: httpx.Request) -> object:
    return json.loads(request.content)


# --- create ------------------------------------------------------------------------------------


@KINDS
async def test_create_sends_only_given_arguments(kind: Kind) -> None:
    seen, handler = scripted(task("queued"))
    client, _ = video_client(kind, handler)
    created = await resolve(client.videos.create(model="seedance", prompt="a dog"))
    assert created.status == "queued"
    assert seen[0].method == "POST"
    assert seen[0].url.path == "/api/v1/videos/generations"
    assert sent(seen[0]) == {"model": "seedance", "prompt": "a dog"}
    await close(client)


CONTENT: list[VideoContentParam] = [
    {"type": "image_url", "image_url": {"url": "https://x/1.jpg"}, "role": "first_frame"},
    {"type": "image_url", "image_url": {"url": "https://x/2.jpg"}, "role": "last_frame"},
    {"type": "audio_url", "audio_url": {"url": "https://x/a.mp3"}, "role": "reference_audio"},
]


@KINDS
async def test_create_sends_content_and_merges_extra_body(kind: Kind) -> None:
    seen, handler = scripted(task("queued"))
    client, _ = video_client(kind, handler)
    await resolve(
        client.videos.create(
            model="seedance",
            prompt="an apple becomes a smoothie",
            duration=5,
            resolution="720p",
            aspect_ratio="16:9",
            content=CONTENT,
            extra_body={"seed": 42, "generate_audio": True},
            extra_headers={"x-trace": "t-2"},
        )
    )
    assert sent(seen[0]) == {
        "model": "seedance",
        "prompt": "an apple becomes a smoothie",
        "duration": 5,
        "resolution": "720p",
        "aspect_ratio": "16:9",
        "content": CONTENT,
        "seed": 42,
        "generate_audio": True,
    }
    assert seen[0].headers["x-trace"] == "t-2"
    await close(client)


@KINDS
@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"duration": 0}, "duration: "),
        ({"prompt": ""}, "prompt: "),
        (
            {
                "content": [
                    {"type": "image_url", "image_url": {"url": "u"}, "role": "first_frame"},
                    {"type": "image_url", "image_url": {"url": "v"}, "role": "first_frame"},
                ]
            },
            "content[1].role: at most one 'first_frame'",
        ),
        ({"content": [{"type": "image_url", "role": "first_frame"}]}, "content[0].image_url: "),
    ],
)
async def test_create_refuses_bad_arguments_before_sending(
    kind: Kind, given: dict[str, object], message: str
) -> None:
    seen, handler = scripted(task("queued"))
    client, _ = video_client(kind, handler)
    args: dict[str, object] = {"model": "m", "prompt": "p", **given}
    with pytest.raises(InvalidRequestError) as info:
        await resolve(client.videos.create(**args))  # type: ignore[arg-type]  # bad values on purpose
    assert str(info.value).startswith(message)
    assert seen == []
    await close(client)


# --- retry safety of the billable create --------------------------------------------------------


@KINDS
async def test_create_is_not_resent_after_a_read_timeout(kind: Kind) -> None:
    seen, handler = scripted(httpx.ReadTimeout("timed out"), task("queued"))
    client, _ = video_client(kind, handler)
    with pytest.raises(APITimeoutError):
        await resolve(client.videos.create(model="m", prompt="p"))
    assert len(seen) == 1
    await close(client)


@KINDS
async def test_create_is_not_resent_after_a_write_timeout(kind: Kind) -> None:
    seen, handler = scripted(httpx.WriteTimeout("timed out"), task("queued"))
    client, _ = video_client(kind, handler)
    with pytest.raises(APITimeoutError):
        await resolve(client.videos.create(model="m", prompt="p"))
    assert len(seen) == 1
    await close(client)


@KINDS
async def test_create_is_resent_when_the_connection_never_opened(kind: Kind) -> None:
    seen, handler = scripted(httpx.ConnectError("refused"), task("queued"))
    client, _ = video_client(kind, handler)
    created = await resolve(client.videos.create(model="m", prompt="p"))
    assert created.id == "tsk-1"
    assert len(seen) == 2
    await close(client)


@KINDS
async def test_create_is_resent_after_a_503(kind: Kind) -> None:
    seen, handler = scripted(error(503), task("queued"))
    delays: list[float] = []
    client, _ = video_client(kind, handler, delays=delays)
    await resolve(client.videos.create(model="m", prompt="p"))
    assert len(seen) == 2
    assert delays == [0.5]
    await close(client)


# --- retrieve ----------------------------------------------------------------------------------


@KINDS
@pytest.mark.parametrize(
    ("task_id", "path"),
    [
        ("tsk-1", "/api/v1/videos/generations/tsk-1"),
        ("a/../b", "/api/v1/videos/generations/a%2F..%2Fb"),
        ("..", "/api/v1/videos/generations/%2E%2E"),
        ("id with space?x=1#f", "/api/v1/videos/generations/id%20with%20space%3Fx%3D1%23f"),
    ],
)
async def test_retrieve_sends_the_id_as_one_path_segment(
    kind: Kind, task_id: str, path: str
) -> None:
    seen, handler = scripted(task("running", 30))
    client, _ = video_client(kind, handler)
    got = await resolve(client.videos.retrieve(task_id))
    assert seen[0].method == "GET"
    assert seen[0].url.raw_path.decode() == path
    assert got.status == "running"
    assert got.progress == 30.0
    await close(client)


@KINDS
async def test_retrieve_refuses_an_empty_id(kind: Kind) -> None:
    seen, handler = scripted(task("running"))
    client, _ = video_client(kind, handler)
    with pytest.raises(ValueError, match=r"^task_id: expected a non-empty string, got ''$"):
        await resolve(client.videos.retrieve(""))
    with pytest.raises(InvalidRequestError, match=r"^task_id: "):
        await resolve(client.videos.wait(""))
    assert seen == []
    await close(client)


@KINDS
async def test_retrieve_keeps_an_unknown_status_and_unknown_fields(kind: Kind) -> None:
    _, handler = scripted(task("cancelled", cancelled_by="ops", data=[{"video_url": None}]))
    client, _ = video_client(kind, handler)
    got = await resolve(client.videos.retrieve("tsk-1"))
    assert got.status == "unknown"
    assert got.raw_status == "cancelled"
    assert got.model_extra == {"cancelled_by": "ops"}
    assert got.data[0].video_url is None
    await close(client)


@KINDS
async def test_retrieve_parses_a_succeeded_task(kind: Kind) -> None:
    _, handler = scripted(task("succeeded", 100, data=[{"video_url": "u", "duration": 5}]))
    client, _ = video_client(kind, handler)
    got = await resolve(client.videos.retrieve("tsk-1"))
    assert (got.id, got.object, got.status, got.raw_status) == (
        "tsk-1",
        "video.generation.task",
        "succeeded",
        None,
    )
    assert got.data[0].video_url == "u"
    assert got.data[0].model_extra == {"duration": 5}
    await close(client)


# --- wait --------------------------------------------------------------------------------------


@KINDS
async def test_wait_polls_until_succeeded_and_reports_each_change(kind: Kind) -> None:
    seen, handler = scripted(
        task("queued"),
        task("running", 10),
        task("running", 10),
        task("running", 60),
        task("succeeded", 100),
    )
    client, fake = video_client(kind, handler)
    reports: list[tuple[str, float | None]] = []
    done = await resolve(
        client.videos.wait(
            "tsk-1",
            poll_interval=2.0,
            on_progress=lambda t: reports.append((t.status, t.progress)),
        )
    )
    assert done.status == "succeeded"
    assert done.data[0].video_url == "https://cdn.test/v.mp4"
    assert len(seen) == 5
    assert all(r.method == "GET" for r in seen)
    assert fake.sleeps == [2.0, 2.0, 2.0, 2.0]
    assert reports == [
        ("queued", None),
        ("running", 10.0),
        ("running", 60.0),
        ("succeeded", 100.0),
    ]
    await close(client)


@KINDS
async def test_wait_returns_at_once_when_already_done(kind: Kind) -> None:
    seen, handler = scripted(task("succeeded"))
    client, fake = video_client(kind, handler)
    await resolve(client.videos.wait("tsk-1"))
    assert len(seen) == 1
    assert fake.sleeps == []
    await close(client)


@KINDS
async def test_wait_raises_on_failure_with_the_task(kind: Kind) -> None:
    _, handler = scripted(
        task("running"), task("failed", error={"code": "1301", "message": "content refused"})
    )
    client, _ = video_client(kind, handler)
    reports: list[str] = []
    with pytest.raises(VideoTaskFailedError) as info:
        await resolve(client.videos.wait("tsk-1", on_progress=lambda t: reports.append(t.status)))
    assert str(info.value) == "Video task 'tsk-1' failed: content refused (code 1301)"
    assert info.value.task.status == "failed"
    assert reports == ["running", "failed"]
    await close(client)


@KINDS
async def test_wait_ends_on_time_at_the_deadline(kind: Kind) -> None:
    seen, handler = scripted(task("queued"), task("running", 20), task("running", 40))
    client, fake = video_client(kind, handler)
    with pytest.raises(VideoTaskTimeoutError) as info:
        await resolve(client.videos.wait("tsk-1", poll_interval=5.0, timeout=12.0))
    assert fake.elapsed == 12.0  # not 15: the last sleep is shortened to what is left
    assert fake.sleeps == [5.0, 5.0, 2.0]
    assert len(seen) == 4  # at 0, 5, 10 s and once more at the deadline
    assert info.value.task.progress == 40.0
    assert "within 12s" in str(info.value)
    await close(client)


@KINDS
async def test_a_task_that_finishes_just_before_the_deadline_is_returned(kind: Kind) -> None:
    # Succeeds at t=9 with timeout 10 and interval 5: the poll at the deadline finds it.
    seen, handler = scripted(task("running"), task("running", 90), task("succeeded", 100))
    client, fake = video_client(kind, handler)
    reports: list[str] = []
    done = await resolve(
        client.videos.wait(
            "tsk-1", poll_interval=5.0, timeout=10.0, on_progress=lambda t: reports.append(t.status)
        )
    )
    assert done.status == "succeeded"
    assert fake.sleeps == [5.0, 5.0]
    assert len(seen) == 3
    assert reports == ["running", "running", "succeeded"]
    await close(client)


@KINDS
async def test_a_task_that_fails_just_before_the_deadline_raises_its_failure(kind: Kind) -> None:
    _, handler = scripted(task("running"), task("failed", error="no credits"))
    client, fake = video_client(kind, handler)
    with pytest.raises(VideoTaskFailedError, match="no credits"):
        await resolve(client.videos.wait("tsk-1", poll_interval=5.0, timeout=5.0))
    assert fake.sleeps == [5.0]
    await close(client)


@KINDS
async def test_each_poll_timeout_is_capped_by_the_time_left(kind: Kind) -> None:
    seen, handler = scripted(task("running"))
    client, _ = video_client(kind, handler)
    with pytest.raises(VideoTaskTimeoutError):
        await resolve(
            client.videos.wait("tsk-1", poll_interval=5.0, timeout=12.0, request_timeout=8.0)
        )
    reads = [r.extensions["timeout"]["read"] for r in seen]
    # min(request_timeout, time left) at 0 s, 5 s, 10 s; at the deadline, the 1 s margin.
    assert reads == [8.0, 7.0, 2.0, LAST_POLL_TIMEOUT]
    await close(client)


@KINDS
async def test_wait_raises_at_once_on_an_unknown_status(kind: Kind) -> None:
    seen, handler = scripted(task("running"), task("paused"))
    client, fake = video_client(kind, handler)
    with pytest.raises(VideoTaskError) as info:
        await resolve(client.videos.wait("tsk-1", poll_interval=1.0, timeout=600.0))
    assert type(info.value) is VideoTaskError
    assert info.value.task.raw_status == "paused"
    assert "status 'paused'" in str(info.value)
    assert len(seen) == 2
    assert fake.elapsed == 1.0
    await close(client)


@KINDS
async def test_retry_after_on_a_poll_sets_the_next_interval(kind: Kind) -> None:
    _, handler = scripted(
        task("queued", headers={"retry-after": "30"}),
        task("running", headers={"retry-after-ms": "1500"}),
        task("running"),
        task("succeeded"),
    )
    client, fake = video_client(kind, handler)
    await resolve(client.videos.wait("tsk-1", poll_interval=5.0))
    assert fake.sleeps == [30.0, 1.5, 5.0]
    await close(client)


@KINDS
async def test_transient_poll_failures_are_retried_then_skipped(kind: Kind) -> None:
    seen, handler = scripted(
        task("running"),
        error(502),  # the client's retry policy resends it...
        error(503),
        error(500),  # ...and gives up: the wait skips this poll
        httpx.ConnectError("refused"),
        httpx.ConnectError("refused"),
        httpx.ReadTimeout("slow"),  # a GET is safe to resend: retried, then skipped
        task("succeeded"),
    )
    delays: list[float] = []
    client, fake = video_client(kind, handler, delays=delays)
    done = await resolve(client.videos.wait("tsk-1", poll_interval=5.0))
    assert done.status == "succeeded"
    assert len(seen) == 8
    assert delays == []  # each poll is one attempt: the wait retries, capped by the time left
    # Backoff 0.5 s and 1 s, raised to the 1 s floor; after max_retries, the next interval.
    assert fake.sleeps == [5.0, 1.0, 1.0, 5.0, 1.0, 1.0, 5.0]
    await close(client)


@KINDS
async def test_a_rate_limit_hint_from_a_failed_poll_is_honoured(kind: Kind) -> None:
    _, handler = scripted(task("running"), error(429, **{"retry-after": "20"}), task("succeeded"))
    client, fake = video_client(kind, handler, max_retries=0)
    await resolve(client.videos.wait("tsk-1", poll_interval=5.0))
    assert fake.sleeps == [5.0, 20.0]
    await close(client)


@KINDS
async def test_a_zero_retry_after_never_makes_polls_faster_than_the_floor(kind: Kind) -> None:
    seen, handler = scripted(task("running"), error(500, **{"retry-after": "0"}))
    client, fake = video_client(kind, handler)
    with pytest.raises(VideoTaskTimeoutError):
        await resolve(client.videos.wait("tsk-1", poll_interval=5.0, timeout=10.0))
    assert fake.sleeps == [5.0, 1.0, 1.0, 1.0, 1.0, 1.0]  # MIN_POLL_GAP, not 0
    assert len(seen) == 7
    await close(client)


@KINDS
async def test_a_retry_after_date_is_read_on_the_injected_wall_clock(kind: Kind) -> None:
    # The fake wall clock reads 07:28:00 at the first poll: the date is 20 s away.
    date = {"retry-after": "Wed, 21 Oct 2015 07:28:20 GMT"}
    _, handler = scripted(task("running", headers=date), task("succeeded"))
    client, fake = video_client(kind, handler)
    await resolve(client.videos.wait("tsk-1", poll_interval=5.0))
    assert fake.sleeps == [20.0]
    await close(client)


@KINDS
async def test_transient_failures_until_the_deadline_time_out_with_the_cause(kind: Kind) -> None:
    _, handler = scripted(task("running", 70), error(503))
    client, fake = video_client(kind, handler, max_retries=0)
    with pytest.raises(VideoTaskTimeoutError) as info:
        await resolve(client.videos.wait("tsk-1", poll_interval=5.0, timeout=12.0))
    assert fake.elapsed == 12.0
    assert info.value.task.progress == 70.0
    assert isinstance(info.value.__cause__, InternalServerError)
    await close(client)


@KINDS
@pytest.mark.parametrize(("failure", "raised"), [(401, AuthenticationError), (404, NotFoundError)])
async def test_other_poll_errors_end_the_wait_at_once(
    kind: Kind, failure: int, raised: type[Exception]
) -> None:
    seen, handler = scripted(task("running"), error(failure))
    client, fake = video_client(kind, handler)
    with pytest.raises(raised):
        await resolve(client.videos.wait("tsk-1", poll_interval=5.0))
    assert len(seen) == 2
    assert fake.sleeps == [5.0]
    await close(client)


@KINDS
async def test_a_malformed_task_ends_the_wait_at_once(kind: Kind) -> None:
    seen, handler = scripted(task("running"), httpx.Response(200, json={"id": "tsk-1"}))
    client, _ = video_client(kind, handler)
    with pytest.raises(Exception, match=r"not a valid VideoTask") as info:
        await resolve(client.videos.wait("tsk-1"))
    assert type(info.value).__name__ == "APIResponseValidationError"
    assert len(seen) == 2
    await close(client)


@KINDS
async def test_errors_of_the_first_poll_end_the_wait(kind: Kind) -> None:
    # Nothing is known about the task yet: a wrong base URL must not poll for ten minutes.
    seen, handler = scripted(error(503))
    client, fake = video_client(kind, handler)
    with pytest.raises(InternalServerError):
        await resolve(client.videos.wait("tsk-1"))
    assert len(seen) == 3  # the client's max_retries, as for any request
    assert fake.sleeps == [1.0, 1.0]
    await close(client)


@KINDS
@pytest.mark.parametrize(
    ("given", "field"),
    [({"poll_interval": 0}, "poll_interval"), ({"timeout": -1.0}, "timeout")],
)
async def test_wait_arguments_are_checked_before_polling(
    kind: Kind, given: dict[str, object], field: str
) -> None:
    seen, handler = scripted(task("running"))
    client, _ = video_client(kind, handler)
    with pytest.raises(InvalidRequestError, match=f"^{field}: "):
        await resolve(client.videos.wait("tsk-1", **given))  # type: ignore[arg-type]  # bad values on purpose
    assert seen == []
    await close(client)


@KINDS
async def test_wait_sends_extra_headers_and_query_with_every_poll(kind: Kind) -> None:
    seen, handler = scripted(task("running"), task("succeeded"))
    client, _ = video_client(kind, handler)
    await resolve(
        client.videos.wait("tsk-1", extra_headers={"x-trace": "t"}, extra_query={"v": "2"})
    )
    assert [(r.headers["x-trace"], r.url.params["v"]) for r in seen] == [("t", "2"), ("t", "2")]
    await close(client)


async def test_the_async_client_awaits_an_async_callback() -> None:
    _, handler = scripted(task("queued"), task("running", 50), task("succeeded"))
    client, _ = video_client("async", handler)
    assert isinstance(client, AsyncTokenClient)
    reports: list[str] = []

    async def on_progress(t: VideoTask) -> None:
        await anyio.lowlevel.checkpoint()
        reports.append(t.status)

    await client.videos.wait("tsk-1", on_progress=on_progress)
    assert reports == ["queued", "running", "succeeded"]
    await close(client)


async def test_the_sync_client_refuses_an_async_callback() -> None:
    seen, handler = scripted(task("running"))
    client, _ = video_client("sync", handler)

    async def on_progress(t: VideoTask) -> None:
        raise AssertionError("never called")

    with pytest.raises(InvalidRequestError, match=r"^on_progress: an async callback needs"):
        await resolve(client.videos.wait("tsk-1", on_progress=on_progress))
    assert seen == []
    await close(client)


@KINDS
async def test_a_failing_callback_ends_the_wait(kind: Kind) -> None:
    _, handler = scripted(task("running"))
    client, _ = video_client(kind, handler)

    def on_progress(t: VideoTask) -> None:
        raise RuntimeError("bug in the callback")

    with pytest.raises(RuntimeError, match="bug in the callback"):
        await resolve(client.videos.wait("tsk-1", on_progress=on_progress))
    await close(client)


# --- create_and_wait ---------------------------------------------------------------------------


@KINDS
async def test_create_and_wait_creates_once_then_polls(kind: Kind) -> None:
    seen, handler = scripted(task("queued"), task("running", 50), task("succeeded", 100))
    client, fake = video_client(kind, handler)
    reports: list[str] = []
    done = await resolve(
        client.videos.create_and_wait(
            model="seedance",
            prompt="waves",
            duration=5,
            poll_interval=3.0,
            timeout=60.0,
            on_progress=lambda t: reports.append(t.status),
            request_timeout=45.0,
            extra_headers={"x-trace": "t"},
            extra_query={"route": "fast"},
            extra_body={"seed": 1},
        )
    )
    assert done.status == "succeeded"
    assert [r.method for r in seen] == ["POST", "GET", "GET"]
    create, *polls = seen
    assert sent(create) == {"model": "seedance", "prompt": "waves", "duration": 5, "seed": 1}
    assert create.url.params["route"] == "fast"
    assert create.extensions["timeout"]["read"] == 45.0
    assert all(r.headers["x-trace"] == "t" for r in seen)
    assert all("route" not in r.url.params and r.content == b"" for r in polls)
    assert polls[0].url.path == "/api/v1/videos/generations/tsk-1"
    assert fake.sleeps == [3.0, 3.0]  # the created task is the first state: no instant poll
    assert reports == ["queued", "running", "succeeded"]
    await close(client)


@KINDS
async def test_create_and_wait_checks_wait_arguments_before_creating(kind: Kind) -> None:
    seen, handler = scripted(task("queued"))
    client, _ = video_client(kind, handler)
    with pytest.raises(InvalidRequestError, match=r"^poll_interval: "):
        await resolve(client.videos.create_and_wait(model="m", prompt="p", poll_interval=-1.0))
    with pytest.raises(InvalidRequestError, match=r"^on_progress: "):
        await resolve(client.videos.create_and_wait(model="m", prompt="p", on_progress=3))  # type: ignore[arg-type]  # on purpose
    assert seen == []
    await close(client)


@KINDS
async def test_create_and_wait_never_resends_the_create(kind: Kind) -> None:
    seen, handler = scripted(httpx.ReadTimeout("timed out"), task("queued"))
    client, _ = video_client(kind, handler)
    with pytest.raises(APITimeoutError):
        await resolve(client.videos.create_and_wait(model="m", prompt="p"))
    assert len(seen) == 1
    await close(client)


@KINDS
async def test_create_and_wait_times_out_with_the_task(kind: Kind) -> None:
    _, handler = scripted(task("queued"), task("running", 5))
    client, fake = video_client(kind, handler)
    with pytest.raises(VideoTaskTimeoutError) as info:
        await resolve(
            client.videos.create_and_wait(model="m", prompt="p", poll_interval=4.0, timeout=10.0)
        )
    assert fake.sleeps == [4.0, 4.0, 2.0]
    assert info.value.task.id == "tsk-1"
    assert info.value.task.status == "running"
    await close(client)


# --- the task model ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "status", "raw_status"),
    [
        ("queued", "queued", None),
        ("failed", "failed", None),
        ("CANCELLED", "unknown", "CANCELLED"),
        ("unknown", "unknown", "unknown"),
        (None, "unknown", "null"),
        (3, "unknown", "3"),
    ],
)
def test_status_is_closed_but_parsing_is_lenient(
    raw: object, status: str, raw_status: str | None
) -> None:
    parsed = VideoTask.model_validate({"id": "t", "status": raw})
    assert (parsed.status, parsed.raw_status) == (status, raw_status)


def test_an_unknown_status_survives_a_round_trip() -> None:
    parsed = VideoTask.model_validate_json(b'{"id": "t", "status": "expired"}')
    again = VideoTask.model_validate_json(parsed.model_dump_json())
    assert again == parsed
    assert again.raw_status == "expired"


def test_a_task_without_status_is_malformed() -> None:
    with pytest.raises(pydantic.ValidationError, match="status"):
        VideoTask.model_validate({"id": "t"})


@pytest.mark.parametrize(
    ("raw", "progress"),
    [(45, 45.0), (12.5, 12.5), ("45", 45.0), (" 80% ", 80.0), ("n/a", None), (True, None),
     ([1], None), ("nan", None), (None, None)],
)  # fmt: skip
def test_progress_is_read_leniently(raw: object, progress: float | None) -> None:
    assert VideoTask.model_validate({"id": "t", "status": "running", "progress": raw}).progress == (
        progress
    )


@pytest.mark.parametrize("body", [b"[]", b'"running"', b"null"])
def test_a_body_that_is_not_an_object_is_malformed(body: bytes) -> None:
    with pytest.raises(pydantic.ValidationError, match="Input should be an object"):
        VideoTask.model_validate_json(body)
