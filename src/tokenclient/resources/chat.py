"""``client.chat.completions``: chat completions, plain and streamed (sync and async twins).

Providers that serve some models only as streams (a preset's ``stream_only_models``) get a
stream for ``stream=False`` too, folded into the ``ChatCompletion`` the caller asked for.

The keyword arguments are one TypedDict (``ChatCompletionCreateParams``) unpacked into each
overload, so the three ``create`` overloads (``stream`` absent/False, True, bool) stay three
lines each instead of three copies of twenty parameters.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from functools import cached_property
from typing import TYPE_CHECKING, Literal, TypeAlias, TypeVar, cast, overload

from typing_extensions import Unpack

from .._core.chat_request import build_chat_body
from .._core.request import RequestOptions
from .._exceptions import APIStatusError, InvalidRequestError
from .._response import async_to_raw_response_wrapper, to_raw_response_wrapper
from .._streaming import AsyncStream, Stream
from .._types import NOT_GIVEN, NotGiven
from ..types.chat import ChatCompletion, ChatCompletionChunk
from ..types.chat_create_params import ChatCompletionCreateParams, ChatCompletionParseParams
from ._signature import document_params

if TYPE_CHECKING:
    from pydantic import TypeAdapter

    from .._chat_stream import (
        AsyncChatCompletionStream,
        AsyncChatCompletionStreamManager,
        ChatCompletionStream,
        ChatCompletionStreamManager,
    )
    from .._core.parse_run import ParseRun
    from .._core.structured import OutputSpec, ToolSpec
    from ..types.parsed import ParsedChatCompletion
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
_PATH = "/chat/completions"

T = TypeVar("T")
StrategyParam: TypeAlias = Literal["auto", "json_schema", "json_object", "tool"]
"""How ``parse()`` asks for structured output (``"auto"``: the first the provider accepts)."""
StreamStrategyParam: TypeAlias = Literal["auto", "json_schema", "json_object"]
"""How ``stream()`` asks for structured output (the output must arrive as content)."""


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


class _Prepared:
    """What ``parse()``/``stream()`` settled before sending: the run, options, typed tools."""

    __slots__ = ("memo_key", "options", "run", "spec", "tools")

    def __init__(
        self,
        run: ParseRun[object],
        options: RequestOptions,
        spec: OutputSpec[object] | None,
        tools: dict[str, ToolSpec],
        memo_key: tuple[str, str],
    ) -> None:
        self.run = run
        self.options = options
        self.spec = spec
        self.tools = tools
        self.memo_key = memo_key

    def accepted(self, client: ClientAPI | AsyncClientAPI) -> None:
        """The provider accepted :attr:`run` 's body: remember its strategy (``auto`` only)."""
        strategy = self.run.accepted
        if strategy is not None:
            client._strategies.remember(*self.memo_key, strategy)


def _prepare(
    client: ClientAPI | AsyncClientAPI,
    params: Mapping[str, object],
    response_format: object,
    strategy: object,
    max_repairs: object,
    *,
    stream: bool,
) -> _Prepared:
    """Check ``parse()``/``stream()`` arguments (before anything is sent) and plan the call."""
    from .._core.parse_run import STREAM_STRATEGIES, ParseRun, check_parse_options
    from .._core.structured import STRATEGIES, output_spec, tool_registry

    if "stream" in params:
        raise InvalidRequestError(
            "stream: not an argument of parse()/stream(); parse() returns one completion, "
            "stream() streams"
        )
    chosen = check_parse_options(strategy, max_repairs, stream=stream)
    spec: OutputSpec[object] | None = None
    if response_format is None:
        raise InvalidRequestError(
            "response_format: None is not a type; leave it out to parse only the tools"
        )
    if not isinstance(response_format, NotGiven):
        if isinstance(response_format, Mapping):
            raise InvalidRequestError(
                "response_format: parse() and stream() take a type (a pydantic model, a "
                "dataclass, a TypedDict, list[Item], a TypeAdapter); send a response_format "
                "dict with create()"
            )
        spec = output_spec(cast("type[object]", response_format))  # checked by output_spec
    body, options = _split(cast("ChatCompletionCreateParams", params), True if stream else None)
    model = str(body["model"])
    key = (client._config.base_url, model)
    run: ParseRun[object] = ParseRun(
        body,
        spec,
        strategy=chosen,
        max_repairs=max_repairs if isinstance(max_repairs, int) else 0,
        remembered=client._strategies.get(*key),
        strategies=STREAM_STRATEGIES if stream else STRATEGIES,
    )
    tools = tool_registry().lookup(run.tool_definitions) if run.tool_definitions else {}
    return _Prepared(run, options, spec, tools, key)


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
        The result is not parsed, as in the OpenAI SDK: ``parse()`` validates the output as a
        type and the arguments of ``function_tool`` tools.
        """
        body, options = _split(params, stream)
        if stream:
            return self._client._stream(
                "POST", _PATH, model=ChatCompletionChunk, body=body, options=options
            )
        return self._complete(body, options)

    def _complete(self, body: dict[str, object], options: RequestOptions) -> ChatCompletion:
        """One completion; streamed and folded for stream-only models."""
        if self._client._config.must_stream(body["model"]):
            with self._client._stream(
                "POST", _PATH, model=ChatCompletionChunk, body=_as_stream(body), options=options
            ) as folded:
                return folded.get_final_completion()
        return self._client._request(
            "POST", _PATH, cast_to=ChatCompletion, body=body, options=options
        )

    @overload
    def parse(
        self,
        *,
        response_format: type[T] | TypeAdapter[T],
        strategy: StrategyParam = "auto",
        max_repairs: int = 0,
        **params: Unpack[ChatCompletionParseParams],
    ) -> ParsedChatCompletion[T]: ...
    @overload
    def parse(
        self,
        *,
        strategy: StrategyParam = "auto",
        max_repairs: int = 0,
        **params: Unpack[ChatCompletionParseParams],
    ) -> ParsedChatCompletion[None]: ...
    def parse(
        self,
        *,
        response_format: type[T] | TypeAdapter[T] | NotGiven = NOT_GIVEN,
        strategy: StrategyParam = "auto",
        max_repairs: int = 0,
        **params: Unpack[ChatCompletionParseParams],
    ) -> ParsedChatCompletion[T] | ParsedChatCompletion[None]:
        """A completion whose messages carry ``parsed``, the output validated as a type.

        Args:
            response_format: The type of the answer: a pydantic model, a dataclass, a
                ``TypedDict``, ``list[Item]``, or a ``TypeAdapter``. Without it, only the
                arguments of ``function_tool`` tools are parsed.
            strategy: ``"auto"`` sends ``json_schema`` (strict) and, when the provider refuses
                it with a 400, ``json_object`` with the schema in a system message, then a
                forced tool call; the strategy that worked is remembered per base URL and
                model. ``"json_schema"``, ``"json_object"`` or ``"tool"`` uses only that one.
            max_repairs: When the output does not validate, send the errors back and ask
                again, up to this many times (default 0).
            **params: Every parameter of ``create()`` but ``stream``.

        Raises:
            StructuredOutputError: The output does not validate (after the repairs).
            ToolArgumentsError: A ``function_tool`` tool's arguments do not validate.
            LengthFinishReasonError: A choice stopped at the token limit.
            ContentFilterFinishReasonError: A choice was stopped by the content filter.
        """
        prepared = _prepare(
            self._client, params, response_format, strategy, max_repairs, stream=False
        )
        run = prepared.run
        while True:
            try:
                completion = self._complete(run.body, prepared.options)
            except APIStatusError as error:
                if run.refused(error.status_code, error.body):
                    continue
                raise
            prepared.accepted(self._client)
            result = run.answer(completion)
            if result is not None:
                return cast("ParsedChatCompletion[T]", result)

    @overload
    def stream(
        self,
        *,
        response_format: type[T] | TypeAdapter[T],
        strategy: StreamStrategyParam = "auto",
        **params: Unpack[ChatCompletionParseParams],
    ) -> ChatCompletionStreamManager[T]: ...
    @overload
    def stream(
        self, *, strategy: StreamStrategyParam = "auto", **params: Unpack[ChatCompletionParseParams]
    ) -> ChatCompletionStreamManager[None]: ...
    def stream(
        self,
        *,
        response_format: type[T] | TypeAdapter[T] | NotGiven = NOT_GIVEN,
        strategy: StreamStrategyParam = "auto",
        **params: Unpack[ChatCompletionParseParams],
    ) -> ChatCompletionStreamManager[T] | ChatCompletionStreamManager[None]:
        """A streamed completion as typed events: ``with ... stream(...) as stream:``.

        The arguments are checked now; the request is sent on entering the ``with`` block.
        With ``response_format`` the output is asked for as ``parse()`` does (``json_schema``,
        then ``json_object`` under ``"auto"``), ``ContentDoneEvent.parsed`` holds it and
        ``get_final_completion()`` returns the ``ParsedChatCompletion``.
        """
        from .._chat_stream import ChatCompletionStream, ChatCompletionStreamManager

        prepared = _prepare(self._client, params, response_format, strategy, 0, stream=True)

        def open_stream() -> ChatCompletionStream[object]:
            run = prepared.run
            while True:
                try:
                    chunks = self._client._stream(
                        "POST", _PATH, model=ChatCompletionChunk, body=run.body,
                        options=prepared.options,
                    )  # fmt: skip
                except APIStatusError as error:
                    if run.refused(error.status_code, error.body):
                        continue
                    raise
                prepared.accepted(self._client)
                return ChatCompletionStream(
                    chunks, spec=prepared.spec, strategy=run.strategy, tools=prepared.tools,
                    tool_definitions=run.tool_definitions,
                )  # fmt: skip

        return cast("ChatCompletionStreamManager[T]", ChatCompletionStreamManager(open_stream))


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
        The result is not parsed, as in the OpenAI SDK: ``parse()`` validates the output as a
        type and the arguments of ``function_tool`` tools.
        """
        body, options = _split(params, stream)
        if stream:
            return await self._client._stream(
                "POST", _PATH, model=ChatCompletionChunk, body=body, options=options
            )
        return await self._complete(body, options)

    async def _complete(self, body: dict[str, object], options: RequestOptions) -> ChatCompletion:
        """One completion; streamed and folded for stream-only models."""
        if self._client._config.must_stream(body["model"]):
            async with await self._client._stream(
                "POST", _PATH, model=ChatCompletionChunk, body=_as_stream(body), options=options
            ) as folded:
                return await folded.get_final_completion()
        return await self._client._request(
            "POST", _PATH, cast_to=ChatCompletion, body=body, options=options
        )

    @overload
    async def parse(
        self,
        *,
        response_format: type[T] | TypeAdapter[T],
        strategy: StrategyParam = "auto",
        max_repairs: int = 0,
        **params: Unpack[ChatCompletionParseParams],
    ) -> ParsedChatCompletion[T]: ...
    @overload
    async def parse(
        self,
        *,
        strategy: StrategyParam = "auto",
        max_repairs: int = 0,
        **params: Unpack[ChatCompletionParseParams],
    ) -> ParsedChatCompletion[None]: ...
    async def parse(
        self,
        *,
        response_format: type[T] | TypeAdapter[T] | NotGiven = NOT_GIVEN,
        strategy: StrategyParam = "auto",
        max_repairs: int = 0,
        **params: Unpack[ChatCompletionParseParams],
    ) -> ParsedChatCompletion[T] | ParsedChatCompletion[None]:
        """A completion whose messages carry ``parsed``, the output validated as a type.

        Args:
            response_format: The type of the answer: a pydantic model, a dataclass, a
                ``TypedDict``, ``list[Item]``, or a ``TypeAdapter``. Without it, only the
                arguments of ``function_tool`` tools are parsed.
            strategy: ``"auto"`` sends ``json_schema`` (strict) and, when the provider refuses
                it with a 400, ``json_object`` with the schema in a system message, then a
                forced tool call; the strategy that worked is remembered per base URL and
                model. ``"json_schema"``, ``"json_object"`` or ``"tool"`` uses only that one.
            max_repairs: When the output does not validate, send the errors back and ask
                again, up to this many times (default 0).
            **params: Every parameter of ``create()`` but ``stream``.

        Raises:
            StructuredOutputError: The output does not validate (after the repairs).
            ToolArgumentsError: A ``function_tool`` tool's arguments do not validate.
            LengthFinishReasonError: A choice stopped at the token limit.
            ContentFilterFinishReasonError: A choice was stopped by the content filter.
        """
        prepared = _prepare(
            self._client, params, response_format, strategy, max_repairs, stream=False
        )
        run = prepared.run
        while True:
            try:
                completion = await self._complete(run.body, prepared.options)
            except APIStatusError as error:
                if run.refused(error.status_code, error.body):
                    continue
                raise
            prepared.accepted(self._client)
            result = run.answer(completion)
            if result is not None:
                return cast("ParsedChatCompletion[T]", result)

    @overload
    def stream(
        self,
        *,
        response_format: type[T] | TypeAdapter[T],
        strategy: StreamStrategyParam = "auto",
        **params: Unpack[ChatCompletionParseParams],
    ) -> AsyncChatCompletionStreamManager[T]: ...
    @overload
    def stream(
        self, *, strategy: StreamStrategyParam = "auto", **params: Unpack[ChatCompletionParseParams]
    ) -> AsyncChatCompletionStreamManager[None]: ...
    def stream(
        self,
        *,
        response_format: type[T] | TypeAdapter[T] | NotGiven = NOT_GIVEN,
        strategy: StreamStrategyParam = "auto",
        **params: Unpack[ChatCompletionParseParams],
    ) -> AsyncChatCompletionStreamManager[T] | AsyncChatCompletionStreamManager[None]:
        """A streamed completion as typed events: ``async with ... stream(...) as stream:``.

        The arguments are checked now; the request is sent on entering the ``async with`` block.
        With ``response_format`` the output is asked for as ``parse()`` does (``json_schema``,
        then ``json_object`` under ``"auto"``), ``ContentDoneEvent.parsed`` holds it and
        ``get_final_completion()`` returns the ``ParsedChatCompletion``.
        """
        from .._chat_stream import AsyncChatCompletionStream, AsyncChatCompletionStreamManager

        prepared = _prepare(self._client, params, response_format, strategy, 0, stream=True)

        async def open_stream() -> AsyncChatCompletionStream[object]:
            run = prepared.run
            while True:
                try:
                    chunks = await self._client._stream(
                        "POST", _PATH, model=ChatCompletionChunk, body=run.body,
                        options=prepared.options,
                    )  # fmt: skip
                except APIStatusError as error:
                    if run.refused(error.status_code, error.body):
                        continue
                    raise
                prepared.accepted(self._client)
                return AsyncChatCompletionStream(
                    chunks, spec=prepared.spec, strategy=run.strategy, tools=prepared.tools,
                    tool_definitions=run.tool_definitions,
                )  # fmt: skip

        return cast(
            "AsyncChatCompletionStreamManager[T]", AsyncChatCompletionStreamManager(open_stream)
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


_STREAM = (
    inspect.Parameter(
        "stream", inspect.Parameter.KEYWORD_ONLY, default=None, annotation=bool | None
    ),
    "True for a ``Stream`` of ``ChatCompletionChunk`` (``AsyncStream`` on the async client);"
    " False or omitted for one ``ChatCompletion``.",
)
document_params(Completions.create, ChatCompletionCreateParams, leading=[_STREAM])
document_params(AsyncCompletions.create, ChatCompletionCreateParams, leading=[_STREAM])
