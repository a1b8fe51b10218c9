"""``RawResponse``: the HTTP response of a call next to its parsed value (``with_raw_response``).

``client.chat.completions.with_raw_response.create(...)`` calls the ordinary ``create`` and
keeps the ``httpx.Response`` it was parsed from. The wrappers below take any resource method
and give it the same parameters (overloads included) with ``RawResponse[R]`` for ``R``, so a
resource adds raw access in one line per method instead of a copy of each signature.

How the response is found: the wrapper sets a context variable to an empty list for the
duration of the call, and the client appends every successful response to it (``record``).
The list belongs to the calling thread or task, so concurrent calls never see each other's
responses. When a call sends more than one request (a stream-only model folded into one
completion), the last response is the one the value was read from.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Generic, TypeVar

import httpx
from typing_extensions import ParamSpec, override

from ._core.response_headers import RateLimitInfo, parse_rate_limit, request_id

__all__ = ["RawResponse", "async_to_raw_response_wrapper", "record", "to_raw_response_wrapper"]

T = TypeVar("T")
P = ParamSpec("P")

_responses: ContextVar[list[httpx.Response] | None] = ContextVar(
    "tokenclient_raw_responses", default=None
)


def record(response: httpx.Response) -> None:
    """Keep ``response`` for the ``with_raw_response`` call in progress, if any."""
    kept = _responses.get()
    if kept is not None:
        kept.append(response)


class RawResponse(Generic[T]):
    """An HTTP response and the value parsed from it, as openai-python's ``with_raw_response``.

    ``parse()`` gives what the plain method returns: a ``ChatCompletion``, a ``Stream`` for
    ``stream=True`` (iterate or close it: it holds the connection), a ``ModelList``...
    """

    def __init__(self, http_response: httpx.Response, parsed: T) -> None:
        self.http_response = http_response
        """The ``httpx.Response`` (its body is already read, except for a stream)."""
        self._parsed = parsed
        self._rate_limit: RateLimitInfo | None = None

    def parse(self) -> T:
        """The value the plain method returns (parsed once, when the call was made)."""
        return self._parsed

    @property
    def headers(self) -> httpx.Headers:
        """The response headers (case-insensitive)."""
        return self.http_response.headers

    @property
    def status_code(self) -> int:
        """The HTTP status, e.g. ``200``."""
        return self.http_response.status_code

    @property
    def request_id(self) -> str | None:
        """The ``x-request-id`` (or ``request-id``) header: quote it to the provider's support."""
        return request_id(self.http_response.headers)

    @property
    def elapsed(self) -> datetime.timedelta:
        """Time from sending the request to the end of the response body.

        For a stream the body ends when the stream is closed: reading ``elapsed`` before
        raises ``RuntimeError`` (httpx's rule).
        """
        return self.http_response.elapsed

    @property
    def rate_limit(self) -> RateLimitInfo:
        """The ``x-ratelimit-*`` headers, parsed; fields the server left out are ``None``."""
        if self._rate_limit is None:
            self._rate_limit = parse_rate_limit(self.http_response.headers)
        return self._rate_limit

    @override
    def __repr__(self) -> str:
        response = self.http_response
        return (
            f"<RawResponse [{response.status_code}] {response.request.method} "
            f"{response.request.url.path} -> {type(self._parsed).__name__}>"
        )


def _last(kept: list[httpx.Response], func: Callable[..., object]) -> httpx.Response:
    if not kept:  # a method that returns without a request: a bug in the resource
        name = getattr(func, "__qualname__", repr(func))
        raise RuntimeError(f"with_raw_response: {name} returned without sending a request")
    return kept[-1]


def to_raw_response_wrapper(func: Callable[P, T]) -> Callable[P, RawResponse[T]]:
    """``func`` with the same parameters, returning a ``RawResponse`` of its result."""

    @functools.wraps(func)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> RawResponse[T]:
        kept: list[httpx.Response] = []
        token = _responses.set(kept)
        try:
            value = func(*args, **kwargs)
        finally:
            _responses.reset(token)
        return RawResponse(_last(kept, func), value)

    return wrapped


def async_to_raw_response_wrapper(
    func: Callable[P, Awaitable[T]],
) -> Callable[P, Awaitable[RawResponse[T]]]:
    """The ``async`` twin of ``to_raw_response_wrapper``."""

    @functools.wraps(func)
    async def wrapped(*args: P.args, **kwargs: P.kwargs) -> RawResponse[T]:
        kept: list[httpx.Response] = []
        token = _responses.set(kept)
        try:
            value = await func(*args, **kwargs)
        finally:
            _responses.reset(token)
        return RawResponse(_last(kept, func), value)

    return wrapped
