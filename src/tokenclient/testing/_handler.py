"""``FakeAPI``: one pure ``httpx.Request -> httpx.Response`` function speaking the providers' API.

Routing, bearer auth, the scripted faults and the endpoints live here; the chat reply, the
video task clock, the fault table and the byte streams live in their own modules.
"""

from __future__ import annotations

import base64
import collections
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx
from typing_extensions import TypedDict

from ._catalog import MODELS, model_entry
from ._chat import completion, parse_chat, plan_replies, stream_chunks
from ._faults import Fault, find_fault, status_error
from ._images import images_response, parse_images
from ._media import MP4_STUB, sample_png
from ._responses import (
    JSON_TYPE,
    ApiError,
    dumps,
    error_body,
    error_response,
    json_response,
    new_id,
    retry_headers,
)
from ._streams import ByteStream, connection_dropped
from ._validate import as_dict, json_object, require_str
from ._videos import VideoTasks, parse_video

__all__ = ["FakeAPI", "FakeAPIOptions"]

_PING = b": ping\n\n"
_DONE = b"data: [DONE]\n\n"
_SSE_HEADERS = {"content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache"}
_HTML_502 = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
    b"</body>\r\n</html>\r\n"
)
_STREAM_ERROR = ApiError(
    500, "The upstream model failed in the middle of the answer.", code="upstream_error"
)
_HISTORY = 1000  # requests kept in FakeAPI.requests


class FakeAPIOptions(TypedDict, total=False):
    """The keyword arguments of ``FakeAPI``, for functions that build one (``serve``)."""

    api_key: str | None
    """The bearer key every API request must send; None accepts any request."""
    base_path: str
    """The path prefix of the API, e.g. ``/v1`` or ``/api/v1``."""
    video_seconds: float
    """How long a video task takes."""
    clock: Callable[[], float]
    """Where video tasks read the time (seconds from any origin)."""
    chunk_delay: float
    """Seconds between two stream chunks."""
    slow_seconds: float
    """How long the ``slow`` model waits before answering."""
    retry_after: float
    """The wait, in seconds, sent with 429 and 503 faults."""
    poll_retry_after: float | None
    """The ``Retry-After`` hint on polls of unfinished video tasks; None sends none."""
    strict_models: bool
    """Answer 404 for models ``GET /models`` does not list."""


@dataclass(frozen=True, slots=True)
class _EventStream:
    """An SSE body, one network write per item."""

    events: list[bytes]


_Payload = dict[str, object] | _EventStream
_Route = Callable[[httpx.Request, "re.Match[str]"], httpx.Response]


def _sse(value: object) -> bytes:
    return b"data: " + dumps(value) + b"\n\n"


def _check_seconds(name: str, value: float | None) -> None:
    if value is not None and not value >= 0:  # also rejects NaN
        raise ValueError(f"FakeAPI: {name} must be >= 0 seconds, got {value!r}")


class FakeAPI:
    """An in-memory OpenAI-compatible API: call it with an ``httpx.Request``.

    Mount it with ``mock_transport`` (in process) or ``serve`` (a loopback socket). It is
    thread-safe; state (video tasks, image files, ``flaky-<n>`` counters) lives per instance.

    Args:
        api_key: The bearer key every API request must send; None accepts any request.
        base_path: The path prefix of the API, e.g. ``/v1`` or ``/api/v1``.
        video_seconds: How long a video task takes: queued for the first third, then running.
        clock: Seconds from any origin (default ``time.monotonic``); inject one to move time
            by hand in tests.
        chunk_delay: Seconds between two stream chunks.
        slow_seconds: How long the ``slow`` model waits before answering.
        retry_after: The wait, in seconds, sent with 429 and 503 faults (``retry-after-ms``,
            and ``Retry-After`` rounded up to whole seconds).
        poll_retry_after: The ``Retry-After`` hint on polls of unfinished video tasks; None
            sends none.
        strict_models: Answer 404 ``model_not_found`` for models ``GET /models`` does not
            list (fault models still work); by default any model id is accepted.
    """

    def __init__(
        self,
        *,
        api_key: str | None = "sk-test",
        base_path: str = "/v1",
        video_seconds: float = 3.0,
        clock: Callable[[], float] = time.monotonic,
        chunk_delay: float = 0.0,
        slow_seconds: float = 1.0,
        retry_after: float = 0.01,
        poll_retry_after: float | None = 1.0,
        strict_models: bool = False,
    ) -> None:
        for name, value in (
            ("video_seconds", video_seconds),
            ("chunk_delay", chunk_delay),
            ("slow_seconds", slow_seconds),
            ("retry_after", retry_after),
            ("poll_retry_after", poll_retry_after),
        ):
            _check_seconds(name, value)
        self.api_key = api_key
        """The bearer key requests must send; None accepts any request."""
        self.base_path = "/" + base_path.strip("/") if base_path.strip("/") else ""
        """The API's path prefix, normalised: ``"/v1"``, or ``""`` for none."""
        self.chunk_delay = chunk_delay
        """Seconds between two stream chunks."""
        self.slow_seconds = slow_seconds
        """How long the ``slow`` model waits before answering."""
        self.retry_after = retry_after
        """The wait, in seconds, sent with 429 and 503 faults."""
        self.poll_retry_after = poll_retry_after
        """The ``Retry-After`` of polls of unfinished video tasks; None sends none."""
        self.strict_models = strict_models
        """Whether unlisted models get 404 ``model_not_found``."""
        self.videos = VideoTasks(seconds=video_seconds, clock=clock)
        """The video tasks created so far, with their duration and clock."""
        self._lock = threading.Lock()
        self._images: set[str] = set()
        self._flaky: dict[str, int] = {}
        self._served = 0
        self._history: collections.deque[httpx.Request] = collections.deque(maxlen=_HISTORY)
        self._routes: tuple[tuple[str, re.Pattern[str], _Route, bool], ...] = (
            ("POST", re.compile(r"/chat/completions"), self._post(self._chat), True),
            ("GET", re.compile(r"/models"), self._models, True),
            ("GET", re.compile(r"/models/(.+)"), self._model, True),
            ("POST", re.compile(r"/images/generations"), self._post(self._images_create), True),
            ("POST", re.compile(r"/videos/generations"), self._post(self._video_create), True),
            ("GET", re.compile(r"/videos/generations/([^/]+)"), self._video_retrieve, True),
            # Like the signed URLs real providers hand out, file links need no key.
            ("GET", re.compile(r"/files/([\w.-]+)"), self._file, False),
        )

    @property
    def requests(self) -> list[httpx.Request]:
        """The requests received, oldest first (the last 1000)."""
        with self._lock:
            return list(self._history)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        """Answer one request; every response carries ``x-request-id`` and ``x-ratelimit-*``."""
        with self._lock:
            self._history.append(request)
            self._served += 1
            served = self._served
        try:
            response = self._dispatch(request)
        except ApiError as error:
            response = error_response(error, retry_after=self.retry_after)
        response.headers["x-request-id"] = new_id("req_")
        response.headers.update(rate_limit_headers(served))
        return response

    def _dispatch(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if not path.startswith(self.base_path + "/"):
            raise ApiError(404, f"Unknown path {path}.", code="unknown_url")
        sub_path = path[len(self.base_path) :].rstrip("/")
        allowed: list[str] = []
        for method, pattern, route, needs_key in self._routes:
            match = pattern.fullmatch(sub_path)
            if match is None:
                continue
            if request.method != method:
                allowed.append(method)
                continue
            if needs_key:
                self._authenticate(request)
            return route(request, match)
        if allowed:
            raise ApiError(405, f"{request.method} is not allowed here; use {', '.join(allowed)}.")
        raise ApiError(404, f"Unknown path {path}.", code="unknown_url")

    def _authenticate(self, request: httpx.Request) -> None:
        if self.api_key is None:
            return
        scheme, _, key = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not key.strip():
            message = (
                "You didn't provide an API key. Send it in the Authorization header "
                "(Authorization: Bearer YOUR_KEY)."
            )
        elif key.strip() != self.api_key:
            message = "Incorrect API key provided."
        else:
            return
        raise ApiError(401, message, error_type="invalid_request_error", code="invalid_api_key")

    # -- POST endpoints: faults before and after the endpoint itself --------------------------

    def _post(self, produce: Callable[[httpx.Request, dict[str, object]], _Payload]) -> _Route:
        def route(request: httpx.Request, match: re.Match[str]) -> httpx.Response:
            body = json_object(request)
            model = require_str(body, "model")
            fault = find_fault(model)
            early = self._early_fault(fault, model, body)
            if early is not None:
                return early
            if self.strict_models and fault is None and model_entry(model) is None:
                raise ApiError(
                    404,
                    f"The model '{model}' does not exist.",
                    param="model",
                    code="model_not_found",
                )
            return self._deliver(request, produce(request, body), fault)

        return route

    def _early_fault(
        self, fault: Fault | None, model: str, body: dict[str, object]
    ) -> httpx.Response | None:
        if fault is None:
            return None
        if fault.kind == "status":
            raise ApiError(fault.number, status_error(fault.number).message)
        if fault.kind == "flaky":
            with self._lock:
                failures = self._flaky.get(model, 0)
                if failures < fault.number:
                    self._flaky[model] = failures + 1
            if failures < fault.number:
                raise ApiError(
                    503, f"Temporarily unavailable (failure {failures + 1} of {fault.number})."
                )
        if fault.kind == "html-502":
            return httpx.Response(
                502, headers={"content-type": "text/html; charset=utf-8"}, content=_HTML_502
            )
        if fault.kind == "stream-only" and body.get("stream") is not True:
            raise ApiError(
                400,
                "This model only supports streaming; set stream: true.",
                param="stream",
                code="stream_required",
            )
        return None

    def _deliver(
        self, request: httpx.Request, payload: _Payload, fault: Fault | None
    ) -> httpx.Response:
        kind = fault.kind if fault is not None else None
        delay = self.slow_seconds if kind == "slow" else 0.0
        if delay > 0 and _read_timeout_below(request, delay):
            # In process nothing can block without blocking the caller; answer as a client
            # whose read timeout expired would see it, at once.
            raise httpx.ReadTimeout("timed out (fake 'slow' model)", request=request)
        failure = (lambda: connection_dropped(request)) if kind == "stream-drop" else None
        if isinstance(payload, _EventStream):
            events = payload.events
            sent = (fault.number if fault is not None else 0) or 4
            if kind == "stream-drop":
                events = events[:sent]
            elif kind == "stream-error":
                events = [*events[:sent], _sse(error_body(_STREAM_ERROR))]
            elif kind == "bad-json":
                broken = events[2][: len(events[2]) // 2] + b"\n\n"
                events = [*events[:2], broken, _DONE]
            stream = ByteStream(
                events, first_delay=delay, chunk_delay=self.chunk_delay, failure=failure
            )
            return httpx.Response(200, headers=_SSE_HEADERS, stream=stream)
        if kind == "stream-error":
            raise _STREAM_ERROR
        content = dumps(payload)
        if kind == "bad-json":
            content = content[: len(content) // 2]
        if delay == 0 and failure is None:
            return httpx.Response(200, headers={"content-type": JSON_TYPE}, content=content)
        chunks = [content[: len(content) // 2]] if failure is not None else [content]
        headers = {"content-type": JSON_TYPE, "content-length": str(len(content))}
        stream = ByteStream(chunks, first_delay=delay, failure=failure)
        return httpx.Response(200, headers=headers, stream=stream)

    def _chat(self, request: httpx.Request, body: dict[str, object]) -> _Payload:
        chat = parse_chat(body)
        replies = plan_replies(chat)
        if not chat.stream:
            return completion(chat, replies)
        first, *rest = stream_chunks(chat, replies)
        return _EventStream([_sse(first), _PING, *map(_sse, rest), _DONE])

    def _images_create(self, request: httpx.Request, body: dict[str, object]) -> _Payload:
        images = parse_images(body)
        data: list[dict[str, object]] = []
        for _ in range(images.count):
            if images.response_format == "b64_json":
                data.append({"b64_json": base64.b64encode(sample_png()).decode("ascii")})
            else:
                name = new_id("img-") + ".png"
                with self._lock:
                    self._images.add(name)
                data.append({"url": f"{self._files_url(request)}/{name}"})
        return images_response(images, data)

    def _video_create(self, request: httpx.Request, body: dict[str, object]) -> _Payload:
        prompt, echo = parse_video(body)
        task = self.videos.create(
            require_str(body, "model"), prompt, self._files_url(request), echo
        )
        return self.videos.view(task)

    # -- GET endpoints ----------------------------------------------------------------------

    def _models(self, request: httpx.Request, match: re.Match[str]) -> httpx.Response:
        return json_response(200, {"object": "list", "data": list(MODELS)})

    def _model(self, request: httpx.Request, match: re.Match[str]) -> httpx.Response:
        entry = model_entry(match.group(1))
        if entry is None:
            raise ApiError(
                404, f"The model '{match.group(1)}' does not exist.", code="model_not_found"
            )
        return json_response(200, entry)

    def _video_retrieve(self, request: httpx.Request, match: re.Match[str]) -> httpx.Response:
        task = self.videos.get(match.group(1))
        if task is None:
            raise ApiError(404, f"No video task with id '{match.group(1)}'.", code="task_not_found")
        view = self.videos.view(task)
        headers: dict[str, str] = {}
        if view["status"] in ("queued", "running") and self.poll_retry_after is not None:
            headers = retry_headers(self.poll_retry_after)
        return json_response(200, view, headers)

    def _file(self, request: httpx.Request, match: re.Match[str]) -> httpx.Response:
        name = match.group(1)
        with self._lock:
            is_image = name in self._images
        if is_image:
            return httpx.Response(200, headers={"content-type": "image/png"}, content=sample_png())
        if self.videos.has_video(name):
            return httpx.Response(200, headers={"content-type": "video/mp4"}, content=MP4_STUB)
        raise ApiError(404, f"No file named '{name}'.", code="file_not_found")

    def _files_url(self, request: httpx.Request) -> str:
        url = request.url
        return f"{url.scheme}://{url.netloc.decode('ascii')}{self.base_path}/files"


RATE_LIMIT_REQUESTS = 10_000
"""The ``x-ratelimit-limit-requests`` the fake sends (per minute, as OpenAI's tiers do)."""
RATE_LIMIT_TOKENS = 2_000_000
"""The ``x-ratelimit-limit-tokens`` the fake sends."""


def rate_limit_headers(served: int) -> dict[str, str]:
    """OpenAI-style ``x-ratelimit-*`` headers after ``served`` requests of this instance.

    Requests count down from ``RATE_LIMIT_REQUESTS`` (wrapping round); the fake does not
    meter tokens, so the token budget always reads as full.
    """
    remaining = RATE_LIMIT_REQUESTS - 1 - (served - 1) % RATE_LIMIT_REQUESTS
    return {
        "x-ratelimit-limit-requests": str(RATE_LIMIT_REQUESTS),
        "x-ratelimit-remaining-requests": str(remaining),
        "x-ratelimit-reset-requests": "6ms",
        "x-ratelimit-limit-tokens": str(RATE_LIMIT_TOKENS),
        "x-ratelimit-remaining-tokens": str(RATE_LIMIT_TOKENS),
        "x-ratelimit-reset-tokens": "0s",
    }


def _read_timeout_below(request: httpx.Request, seconds: float) -> bool:
    timeout = as_dict(request.extensions.get("timeout")) or {}
    read = timeout.get("read")
    return isinstance(read, (int, float)) and read < seconds
