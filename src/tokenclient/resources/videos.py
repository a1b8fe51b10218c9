"""``client.videos``: video generation tasks (create, retrieve, wait).

Creating a video is slow and billed per second, so ``create`` is sent with
``replay_safe=False``: it is resent only when it cannot have reached the server (the
connection never opened) or the server answered 408/409/429/5xx or ``x-should-retry: true``;
never after a read timeout or a connection dropped after sending.

Waiting is decided by ``_core.polling.Poller``; the twins below only poll and sleep. What
they need of the client (its default HTTP timeout and retry policy) and of time (``sleep``, a
monotonic ``clock``, a ``wall_clock`` for ``Retry-After`` dates) are constructor arguments,
so tests run with a fake clock in milliseconds.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Sequence
from functools import cached_property
from typing import TYPE_CHECKING

import httpx

from .._core import polling
from .._core.media_request import video_generation_body
from .._core.request import RequestOptions, path_segment
from .._core.response import parse_model
from .._core.retry import RetryPolicy, retry_after_seconds
from .._exceptions import InvalidRequestError
from .._response import async_to_raw_response_wrapper, to_raw_response_wrapper
from .._types import NOT_GIVEN, Body, Headers, NotGiven, Query, Timeout
from ..types.video_params import VideoContentParam
from ..types.videos import VideoTask

if TYPE_CHECKING:
    from .._runtime import Runtime
    from ._api import AsyncClientAPI, ClientAPI

__all__ = [
    "AsyncProgressCallback",
    "AsyncVideos",
    "AsyncVideosWithRawResponse",
    "ProgressCallback",
    "Videos",
    "VideosWithRawResponse",
]

ProgressCallback = Callable[[VideoTask], object]
"""Called with the task on every status or progress change."""
AsyncProgressCallback = Callable[[VideoTask], object] | Callable[[VideoTask], Awaitable[object]]
"""Called with the task on every status or progress change; may be an ``async def``."""

_PATH = "/videos/generations"


def _task_path(task_id: str) -> str:
    # One percent-encoded segment: "a/../b" cannot escape /videos/generations/.
    return f"{_PATH}/{path_segment(task_id, 'task_id')}"


def _http_timeout(value: Timeout | NotGiven, default: httpx.Timeout) -> httpx.Timeout:
    if isinstance(value, NotGiven):
        return default
    return value if isinstance(value, httpx.Timeout) else httpx.Timeout(value)


def _check_sync_callback(on_progress: object) -> None:
    if inspect.iscoroutinefunction(on_progress):
        raise InvalidRequestError(
            "on_progress: an async callback needs AsyncTokenClient; TokenClient calls it "
            "synchronously"
        )


class Videos:
    """Video generation tasks: ``POST /videos/generations``, ``GET /videos/generations/{id}``."""

    def __init__(
        self,
        client: ClientAPI,
        *,
        timeout: httpx.Timeout,
        retry: RetryPolicy,
        runtime: Runtime,
    ) -> None:
        self._client = client
        self._timeout = timeout  # the client's default; each poll's is capped by the time left
        self._retry = retry  # the client's policy; the wait retries failed polls by it
        self._runtime = runtime  # the client's clocks; poll_sleep waits between polls

    @cached_property
    def with_raw_response(self) -> VideosWithRawResponse:
        """``create`` and ``retrieve`` returning a ``RawResponse`` (headers, request id)."""
        return VideosWithRawResponse(self)

    def create(
        self,
        *,
        model: str,
        prompt: str,
        duration: float | NotGiven = NOT_GIVEN,
        resolution: str | NotGiven = NOT_GIVEN,
        aspect_ratio: str | NotGiven = NOT_GIVEN,
        content: Sequence[VideoContentParam] | NotGiven = NOT_GIVEN,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        usage_tag: str | None = None,
    ) -> VideoTask:
        """Start generating a video; returns the task (usually ``queued``) to wait on.

        Args:
            model: The video model, e.g. ``bytedance/doubao-seedance-2.0``.
            prompt: What to film; must not be empty.
            duration: Length in seconds (positive).
            resolution: e.g. ``"720p"``, ``"1080p"``.
            aspect_ratio: e.g. ``"16:9"``, ``"9:16"``.
            content: Media items: at most one ``first_frame`` and one ``last_frame`` image,
                and reference images, videos and audio.
            extra_headers: Headers added to this request.
            extra_query: Query parameters added to this request.
            extra_body: Provider-specific fields, merged over the body.
            timeout: This request's HTTP timeout (seconds or ``httpx.Timeout``).
            usage_tag: A label splitting ``client.usage``; never sent.

        Bad values raise ``InvalidRequestError`` before anything is sent. The request is not
        resent once it may have reached the server, so a video is never billed twice.
        """
        body = video_generation_body(
            model=model,
            prompt=prompt,
            duration=duration,
            resolution=resolution,
            aspect_ratio=aspect_ratio,
            content=content,
        )
        options = RequestOptions(extra_headers, extra_query, extra_body, timeout, usage_tag)
        return self._client._request(
            "POST", _PATH, cast_to=VideoTask, body=body, options=options, replay_safe=False
        )

    def retrieve(
        self,
        task_id: str,
        *,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> VideoTask:
        """The task's current state (an undocumented status reads as ``"unknown"``)."""
        options = RequestOptions(extra_headers, extra_query, extra_body, timeout)
        return self._client._request("GET", _task_path(task_id), cast_to=VideoTask, options=options)

    def wait(
        self,
        task_id: str,
        *,
        poll_interval: float = 5.0,
        timeout: float = 600.0,
        on_progress: ProgressCallback | None = None,
        request_timeout: Timeout | NotGiven = NOT_GIVEN,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
    ) -> VideoTask:
        """Poll the task until it succeeds; return it.

        Args:
            task_id: The id ``create`` returned.
            poll_interval: Seconds between polls; a ``Retry-After`` on a poll replaces it.
            timeout: Seconds to wait in all (the deadline, not an HTTP timeout).
            on_progress: Called with the task on every status or progress change.
            request_timeout: Each poll's HTTP timeout; capped by the time left (at least 1 s).
            extra_headers: Headers added to every poll.
            extra_query: Query parameters added to every poll.

        Raises:
            VideoTaskFailedError: The task failed (``.task`` has the provider's reason).
            VideoTaskTimeoutError: ``timeout`` passed (the task keeps running; ``.task``).
            VideoTaskError: The task has an undocumented status; raised at once.

        Connection errors, timeouts, 429 and 5xx on a poll are retried as the client retries
        any request (``max_retries``, backoff or ``Retry-After``), then skipped: the wait polls
        again while time remains. Other errors (401, 404) end it at once, as does the first
        poll's error once its retries are spent. Polls are never closer than
        ``min(poll_interval, 1 s)``, whatever the server hints. The wait ends by ``timeout``,
        plus at most 1 s for a last poll at the deadline.
        """
        path = _task_path(task_id)
        polling.check_wait_args(poll_interval, timeout, on_progress)
        _check_sync_callback(on_progress)
        return self._wait(
            path,
            None,
            poll_interval=poll_interval,
            timeout=timeout,
            on_progress=on_progress,
            request_timeout=request_timeout,
            options=RequestOptions(extra_headers, extra_query),
        )

    def create_and_wait(
        self,
        *,
        model: str,
        prompt: str,
        duration: float | NotGiven = NOT_GIVEN,
        resolution: str | NotGiven = NOT_GIVEN,
        aspect_ratio: str | NotGiven = NOT_GIVEN,
        content: Sequence[VideoContentParam] | NotGiven = NOT_GIVEN,
        poll_interval: float = 5.0,
        timeout: float = 600.0,
        on_progress: ProgressCallback | None = None,
        request_timeout: Timeout | NotGiven = NOT_GIVEN,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
    ) -> VideoTask:
        """``create`` then ``wait``: start a video and return the succeeded task.

        ``timeout`` is the deadline of the wait in seconds, counted once the task is created;
        ``request_timeout`` is the HTTP timeout of the create request and of each poll.
        ``extra_headers`` go with every request; ``extra_query`` and ``extra_body`` only with
        the create request. All arguments are checked before the (billable) task is created.
        Raises as ``create`` and ``wait`` do; each ``VideoTaskError`` carries the task.
        """
        polling.check_wait_args(poll_interval, timeout, on_progress)
        _check_sync_callback(on_progress)
        task = self.create(
            model=model,
            prompt=prompt,
            duration=duration,
            resolution=resolution,
            aspect_ratio=aspect_ratio,
            content=content,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            timeout=request_timeout,
        )
        return self._wait(
            _task_path(task.id),
            task,
            poll_interval=poll_interval,
            timeout=timeout,
            on_progress=on_progress,
            request_timeout=request_timeout,
            options=RequestOptions(extra_headers),
        )

    def _wait(
        self,
        path: str,
        created: VideoTask | None,
        *,
        poll_interval: float,
        timeout: float,
        on_progress: ProgressCallback | None,
        request_timeout: Timeout | NotGiven,
        options: RequestOptions,
    ) -> VideoTask:
        """Poll ``path`` until the task is done; ``created`` is its first state, if known."""
        poller = polling.Poller(
            now=self._runtime.monotonic(),
            poll_interval=poll_interval,
            timeout=timeout,
            retry=self._retry,
        )
        base = _http_timeout(request_timeout, self._timeout)
        if created is None:
            decision = polling.POLL_NOW
        else:
            decision = poller.observe(created, now=self._runtime.monotonic())
        task = created
        while True:
            if decision.changed and on_progress is not None and task is not None:
                on_progress(task)
            if decision.done and task is not None:
                return task
            if decision.delay > 0:
                self._runtime.poll_sleep(decision.delay)
            if decision.error is not None:
                raise decision.error
            try:
                task, hint = self._poll(path, poller, base, options)
            except polling.TRANSIENT_ERRORS as exc:
                decision = poller.after_error(exc, now=self._runtime.monotonic())
            else:
                decision = poller.observe(task, now=self._runtime.monotonic(), retry_after=hint)

    def _poll(
        self, path: str, poller: polling.Poller, base: httpx.Timeout, options: RequestOptions
    ) -> tuple[VideoTask, float | None]:
        # One attempt (the wait retries), not `client._request`: the wait needs Retry-After.
        limits = poller.limits(self._runtime.monotonic(), base)
        poll_options = RequestOptions(
            options.extra_headers, options.extra_query, None, limits.timeout
        )
        response = self._client._send("GET", path, options=poll_options, retry=limits.retry)
        task = parse_model(VideoTask, response)
        self._client._observer.polled(task, poll_options)  # pricing, and the bill once done
        return task, retry_after_seconds(response.headers, self._runtime.wall_clock())


class AsyncVideos:
    """Video generation tasks: ``POST /videos/generations``, ``GET /videos/generations/{id}``."""

    def __init__(
        self,
        client: AsyncClientAPI,
        *,
        timeout: httpx.Timeout,
        retry: RetryPolicy,
        runtime: Runtime,
    ) -> None:
        self._client = client
        self._timeout = timeout  # the client's default; each poll's is capped by the time left
        self._retry = retry  # the client's policy; the wait retries failed polls by it
        self._runtime = runtime  # the client's clocks; async_poll_sleep waits between polls

    @cached_property
    def with_raw_response(self) -> AsyncVideosWithRawResponse:
        """``create`` and ``retrieve`` returning a ``RawResponse`` (headers, request id)."""
        return AsyncVideosWithRawResponse(self)

    async def create(
        self,
        *,
        model: str,
        prompt: str,
        duration: float | NotGiven = NOT_GIVEN,
        resolution: str | NotGiven = NOT_GIVEN,
        aspect_ratio: str | NotGiven = NOT_GIVEN,
        content: Sequence[VideoContentParam] | NotGiven = NOT_GIVEN,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        usage_tag: str | None = None,
    ) -> VideoTask:
        """Start generating a video; returns the task (usually ``queued``) to wait on.

        Args:
            model: The video model, e.g. ``bytedance/doubao-seedance-2.0``.
            prompt: What to film; must not be empty.
            duration: Length in seconds (positive).
            resolution: e.g. ``"720p"``, ``"1080p"``.
            aspect_ratio: e.g. ``"16:9"``, ``"9:16"``.
            content: Media items: at most one ``first_frame`` and one ``last_frame`` image,
                and reference images, videos and audio.
            extra_headers: Headers added to this request.
            extra_query: Query parameters added to this request.
            extra_body: Provider-specific fields, merged over the body.
            timeout: This request's HTTP timeout (seconds or ``httpx.Timeout``).
            usage_tag: A label splitting ``client.usage``; never sent.

        Bad values raise ``InvalidRequestError`` before anything is sent. The request is not
        resent once it may have reached the server, so a video is never billed twice.
        """
        body = video_generation_body(
            model=model,
            prompt=prompt,
            duration=duration,
            resolution=resolution,
            aspect_ratio=aspect_ratio,
            content=content,
        )
        options = RequestOptions(extra_headers, extra_query, extra_body, timeout, usage_tag)
        return await self._client._request(
            "POST", _PATH, cast_to=VideoTask, body=body, options=options, replay_safe=False
        )

    async def retrieve(
        self,
        task_id: str,
        *,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> VideoTask:
        """The task's current state (an undocumented status reads as ``"unknown"``)."""
        options = RequestOptions(extra_headers, extra_query, extra_body, timeout)
        return await self._client._request(
            "GET", _task_path(task_id), cast_to=VideoTask, options=options
        )

    async def wait(
        self,
        task_id: str,
        *,
        poll_interval: float = 5.0,
        timeout: float = 600.0,
        on_progress: AsyncProgressCallback | None = None,
        request_timeout: Timeout | NotGiven = NOT_GIVEN,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
    ) -> VideoTask:
        """Poll the task until it succeeds; return it.

        Args:
            task_id: The id ``create`` returned.
            poll_interval: Seconds between polls; a ``Retry-After`` on a poll replaces it.
            timeout: Seconds to wait in all (the deadline, not an HTTP timeout).
            on_progress: Called with the task on every status or progress change.
            request_timeout: Each poll's HTTP timeout; capped by the time left (at least 1 s).
            extra_headers: Headers added to every poll.
            extra_query: Query parameters added to every poll.

        Raises:
            VideoTaskFailedError: The task failed (``.task`` has the provider's reason).
            VideoTaskTimeoutError: ``timeout`` passed (the task keeps running; ``.task``).
            VideoTaskError: The task has an undocumented status; raised at once.

        Connection errors, timeouts, 429 and 5xx on a poll are retried as the client retries
        any request (``max_retries``, backoff or ``Retry-After``), then skipped: the wait polls
        again while time remains. Other errors (401, 404) end it at once, as does the first
        poll's error once its retries are spent. Polls are never closer than
        ``min(poll_interval, 1 s)``, whatever the server hints. The wait ends by ``timeout``,
        plus at most 1 s for a last poll at the deadline.
        """
        path = _task_path(task_id)
        polling.check_wait_args(poll_interval, timeout, on_progress)
        return await self._wait(
            path,
            None,
            poll_interval=poll_interval,
            timeout=timeout,
            on_progress=on_progress,
            request_timeout=request_timeout,
            options=RequestOptions(extra_headers, extra_query),
        )

    async def create_and_wait(
        self,
        *,
        model: str,
        prompt: str,
        duration: float | NotGiven = NOT_GIVEN,
        resolution: str | NotGiven = NOT_GIVEN,
        aspect_ratio: str | NotGiven = NOT_GIVEN,
        content: Sequence[VideoContentParam] | NotGiven = NOT_GIVEN,
        poll_interval: float = 5.0,
        timeout: float = 600.0,
        on_progress: AsyncProgressCallback | None = None,
        request_timeout: Timeout | NotGiven = NOT_GIVEN,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
    ) -> VideoTask:
        """``create`` then ``wait``: start a video and return the succeeded task.

        ``timeout`` is the deadline of the wait in seconds, counted once the task is created;
        ``request_timeout`` is the HTTP timeout of the create request and of each poll.
        ``extra_headers`` go with every request; ``extra_query`` and ``extra_body`` only with
        the create request. All arguments are checked before the (billable) task is created.
        Raises as ``create`` and ``wait`` do; each ``VideoTaskError`` carries the task.
        """
        polling.check_wait_args(poll_interval, timeout, on_progress)
        task = await self.create(
            model=model,
            prompt=prompt,
            duration=duration,
            resolution=resolution,
            aspect_ratio=aspect_ratio,
            content=content,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            timeout=request_timeout,
        )
        return await self._wait(
            _task_path(task.id),
            task,
            poll_interval=poll_interval,
            timeout=timeout,
            on_progress=on_progress,
            request_timeout=request_timeout,
            options=RequestOptions(extra_headers),
        )

    async def _wait(
        self,
        path: str,
        created: VideoTask | None,
        *,
        poll_interval: float,
        timeout: float,
        on_progress: AsyncProgressCallback | None,
        request_timeout: Timeout | NotGiven,
        options: RequestOptions,
    ) -> VideoTask:
        """Poll ``path`` until the task is done; ``created`` is its first state, if known."""
        poller = polling.Poller(
            now=self._runtime.monotonic(),
            poll_interval=poll_interval,
            timeout=timeout,
            retry=self._retry,
        )
        base = _http_timeout(request_timeout, self._timeout)
        if created is None:
            decision = polling.POLL_NOW
        else:
            decision = poller.observe(created, now=self._runtime.monotonic())
        task = created
        while True:
            if decision.changed and on_progress is not None and task is not None:
                result = on_progress(task)
                if inspect.isawaitable(result):
                    await result
            if decision.done and task is not None:
                return task
            if decision.delay > 0:
                await self._runtime.async_poll_sleep(decision.delay)
            if decision.error is not None:
                raise decision.error
            try:
                task, hint = await self._poll(path, poller, base, options)
            except polling.TRANSIENT_ERRORS as exc:
                decision = poller.after_error(exc, now=self._runtime.monotonic())
            else:
                decision = poller.observe(task, now=self._runtime.monotonic(), retry_after=hint)

    async def _poll(
        self, path: str, poller: polling.Poller, base: httpx.Timeout, options: RequestOptions
    ) -> tuple[VideoTask, float | None]:
        # One attempt (the wait retries), not `client._request`: the wait needs Retry-After.
        limits = poller.limits(self._runtime.monotonic(), base)
        poll_options = RequestOptions(
            options.extra_headers, options.extra_query, None, limits.timeout
        )
        response = await self._client._send("GET", path, options=poll_options, retry=limits.retry)
        task = parse_model(VideoTask, response)
        self._client._observer.polled(task, poll_options)  # pricing, and the bill once done
        return task, retry_after_seconds(response.headers, self._runtime.wall_clock())


class VideosWithRawResponse:
    """``client.videos.with_raw_response``: ``create`` and ``retrieve`` return a ``RawResponse``."""

    def __init__(self, videos: Videos) -> None:
        self.create = to_raw_response_wrapper(videos.create)
        """``create(...)`` returning ``RawResponse[VideoTask]``."""
        self.retrieve = to_raw_response_wrapper(videos.retrieve)
        """``retrieve(task_id)`` returning ``RawResponse[VideoTask]``."""


class AsyncVideosWithRawResponse:
    """``client.videos.with_raw_response``: ``create`` and ``retrieve`` return a ``RawResponse``."""

    def __init__(self, videos: AsyncVideos) -> None:
        self.create = async_to_raw_response_wrapper(videos.create)
        """``await create(...)`` returning ``RawResponse[VideoTask]``."""
        self.retrieve = async_to_raw_response_wrapper(videos.retrieve)
        """``await retrieve(task_id)`` returning ``RawResponse[VideoTask]``."""
