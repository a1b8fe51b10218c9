"""``client.chat.completions``: chat completions, plain and streamed (sync and async twins).

Providers that serve some models only as streams (a preset's ``stream_only_models``) get a
stream for ``stream=False`` too, folded into the ``ChatCompletion`` the caller asked for.

The keyword arguments are one TypedDict (``ChatCompletionCreateParams``) unpacked into each
overload, so the three ``create`` overloads (``stream`` absent/False, True, bool) stay three
lines each instead of three copies of twenty parameters.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Literal, overload

from typing_extensions import Unpack

from .._core.chat_request import build_chat_body
from .._core.request import RequestOptions
from .._response import async_to_raw_response_wrapper, to_raw_response_wrapper
from .._streaming import AsyncStream, Stream
from .._types import NOT_GIVEN
from ..types.chat import ChatCompletion, ChatCompletionChunk
from ..types.chat_create_params import ChatCompletionCreateParams

if TYPE_CHECKING:
    from ._api import AsyncClientAPI, ClientAPI

__all__ = [
    "AsyncChat",
    "AsyncCompletions",
    "AsyncCompletionsWithRawResponse",
    "Chat",
    "Completions",
    "CompletionsWithRawResponse",
]

_OPTION_KEYS = frozenset(("extra_headers", "extra_query", "extra_body", "timeout", "usage_tag"))


def _split(
    params: ChatCompletionCreateParams, stream: bool | None
) -> tuple[dict[str, object], RequestOptions]:
    """Validate the arguments into a JSON body, and pull out the per-call options."""
    options = RequestOptions(
        extra_headers=params.get("extra_headers"),
        extra_query=params.get("extra_query"),
        extra_body=params.get("extra_body"),
        timeout=params.get("timeout", NOT_GIVEN),
        usage_tag=params.get("usage_tag"),
    )
    given: dict[str, object] = {k: v for k, v in params.items() if k not in _OPTION_KEYS}
    if stream is not None:
        given["stream"] = stream
    return build_chat_body(given), options


def _as_stream(body: dict[str, object]) -> dict[str, object]:
    """The body of a non-streaming call sent as a stream (for stream-only models).

    Usage is requested unless the caller chose otherwise, so the folded completion carries it
    just as a non-streaming reply would.
    """
    return {"stream_options": {"include_usage": True}, **body, "stream": True}


class Completions:
    """``POST /chat/completions``."""

    def __init__(self, client: ClientAPI) -> None:
        self._client = client

    @cached_property
    def with_raw_response(self) -> CompletionsWithRawResponse:
        """``create`` returning a ``RawResponse`` (headers, request id, rate limits)."""
        return CompletionsWithRawResponse(self)

    @overload
    def create(
        self, *, stream: Literal[False] | None = None, **params: Unpack[ChatCompletionCreateParams]
    ) -> ChatCompletion: ...
    @overload
    def create(
        self, *, stream: Literal[True], **params: Unpack[ChatCompletionCreateParams]
    ) -> Stream[ChatCompletionChunk]: ...
    @overload
    def create(
        self, *, stream: bool | None = None, **params: Unpack[ChatCompletionCreateParams]
    ) -> ChatCompletion | Stream[ChatCompletionChunk]: ...
    def create(
        self, *, stream: bool | None = None, **params: Unpack[ChatCompletionCreateParams]
    ) -> ChatCompletion | Stream[ChatCompletionChunk]:
        """Create a chat completion; with ``stream=True``, a ``Stream`` of chunks.

        Invalid arguments raise ``InvalidRequestError`` (a ``ValueError``) naming the field,
        before anything is sent. See ``ChatCompletionCreateParams`` for every parameter.
        """
        body, options = _split(params, stream)
        if stream:
            return self._client._stream(
                "POST", "/chat/completions", model=ChatCompletionChunk, body=body, options=options
            )
        if self._client._config.must_stream(body["model"]):
            with self._client._stream(
                "POST", "/chat/completions", model=ChatCompletionChunk, body=_as_stream(body),
                options=options,
            ) as folded:  # fmt: skip
                return folded.get_final_completion()
        return self._client._request(
            "POST", "/chat/completions", cast_to=ChatCompletion, body=body, options=options
        )


class AsyncCompletions:
    """``POST /chat/completions``."""

    def __init__(self, client: AsyncClientAPI) -> None:
        self._client = client

    @cached_property
    def with_raw_response(self) -> AsyncCompletionsWithRawResponse:
        """``create`` returning a ``RawResponse`` (headers, request id, rate limits)."""
        return AsyncCompletionsWithRawResponse(self)

    @overload
    async def create(
        self, *, stream: Literal[False] | None = None, **params: Unpack[ChatCompletionCreateParams]
    ) -> ChatCompletion: ...
    @overload
    async def create(
        self, *, stream: Literal[True], **params: Unpack[ChatCompletionCreateParams]
    ) -> AsyncStream[ChatCompletionChunk]: ...
    @overload
    async def create(
        self, *, stream: bool | None = None, **params: Unpack[ChatCompletionCreateParams]
    ) -> ChatCompletion | AsyncStream[ChatCompletionChunk]: ...
    async def create(
        self, *, stream: bool | None = None, **params: Unpack[ChatCompletionCreateParams]
    ) -> ChatCompletion | AsyncStream[ChatCompletionChunk]:
        """Create a chat completion; with ``stream=True``, an ``AsyncStream`` of chunks.

        Invalid arguments raise ``InvalidRequestError`` (a ``ValueError``) naming the field,
        before anything is sent. See ``ChatCompletionCreateParams`` for every parameter.
        """
        body, options = _split(params, stream)
        if stream:
            return await self._client._stream(
                "POST", "/chat/completions", model=ChatCompletionChunk, body=body, options=options
            )
        if self._client._config.must_stream(body["model"]):
            async with await self._client._stream(
                "POST", "/chat/completions", model=ChatCompletionChunk, body=_as_stream(body),
                options=options,
            ) as folded:  # fmt: skip
                return await folded.get_final_completion()
        return await self._client._request(
            "POST", "/chat/completions", cast_to=ChatCompletion, body=body, options=options
        )


class Chat:
    """``client.chat``: holds ``completions``, as in the OpenAI SDK."""

    def __init__(self, client: ClientAPI) -> None:
        self.completions = Completions(client)
        """Chat completions."""


class AsyncChat:
    """``client.chat``: holds ``completions``, as in the OpenAI SDK."""

    def __init__(self, client: AsyncClientAPI) -> None:
        self.completions = AsyncCompletions(client)
        """Chat completions."""


class CompletionsWithRawResponse:
    """``client.chat.completions.with_raw_response``: ``create`` returns a ``RawResponse``.

    ``parse()`` gives a ``ChatCompletion``, or the stream for ``stream=True``.
    """

    def __init__(self, completions: Completions) -> None:
        self.create = to_raw_response_wrapper(completions.create)
        """``create(...)`` returning ``RawResponse[ChatCompletion]`` (or of the ``Stream``)."""


class AsyncCompletionsWithRawResponse:
    """``client.chat.completions.with_raw_response``: ``create`` returns a ``RawResponse``.

    ``parse()`` gives a ``ChatCompletion``, or the stream for ``stream=True``.
    """

    def __init__(self, completions: AsyncCompletions) -> None:
        self.create = async_to_raw_response_wrapper(completions.create)
        """``await create(...)`` returning ``RawResponse[ChatCompletion]`` (or of the stream)."""
