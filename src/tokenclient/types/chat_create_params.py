"""The keyword arguments of ``client.chat.completions.create()``, as TypedDicts.

Only the keys the caller passes are sent. ``stream`` is not here: it selects the return type,
so ``create()`` declares it on its own.

``ChatCompletionBodyParams`` is also the run-time check: the validator is built from it
(``tokenclient._core.chat_request``), so a key added here is accepted, checked and sent
without another list to update.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, with_config
from typing_extensions import Required, TypedDict

from .._types import Body, Headers, Query, Timeout
from ._constraints import Array, AsList, IterableArray, ModelId
from .chat_params import (
    ChatCompletionAudioParam,
    ChatCompletionFunctionParam,
    ChatCompletionPredictionContentParam,
    ChatCompletionStreamOptionsParam,
    ChatCompletionToolChoiceOptionParam,
    ChatCompletionToolUnionParam,
    MessagesParam,
    ModerationParam,
    PromptCacheOptionsParam,
    ReasoningEffort,
    ResponseFormat,
    StopParam,
    WebSearchOptionsParam,
    _FunctionCallOption,  # pyright: ignore[reportPrivateUsage]
)

__all__ = [
    "ChatCompletionBodyParams",
    "ChatCompletionCreateParams",
    "ChatCompletionParseBodyParams",
    "ChatCompletionParseParams",
    "FunctionCallChoiceParam",
    "MetadataParam",
    "RequestOptionsParams",
    "ServiceTier",
    "Verbosity",
]

FunctionCallChoiceParam = _FunctionCallOption
"""Deprecated ``function_call=``: ``"none"``, ``"auto"`` or ``{"name": ...}``."""

MetadataParam = Annotated[
    Mapping[Annotated[str, Field(max_length=64)], Annotated[str, Field(max_length=512)]],
    Field(max_length=16),
]
"""Up to 16 string pairs; keys at most 64 characters, values at most 512."""

ServiceTier = Literal["auto", "default", "flex", "scale", "priority", "fast"]
"""The processing tier the request asks for."""

Verbosity = Literal["low", "medium", "high"]
"""How long the reply should be."""

_Temperature = Annotated[float, Field(ge=0, le=2, allow_inf_nan=False)]
_TopP = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
_Penalty = Annotated[float, Field(ge=-2, le=2, allow_inf_nan=False)]
_Bias = Annotated[int, Field(ge=-100, le=100)]
_PositiveInt = Annotated[int, Field(ge=1)]
_Seed = Annotated[int, Field(ge=-(2**63), le=2**63 - 1)]


class RequestOptionsParams(TypedDict, total=False):
    """Per-call options every endpoint method takes."""

    extra_headers: Headers
    """Headers added to (or overriding) the client's for this call."""
    extra_query: Query
    """Query parameters added to the URL."""
    extra_body: Body
    """JSON fields merged over the body (provider-specific parameters)."""
    timeout: Timeout
    """This call's HTTP timeout in seconds (or an ``httpx.Timeout``)."""
    usage_tag: str
    """A label splitting ``client.usage`` (``client.usage.by_tag``); never sent."""


@with_config(ConfigDict(strict=True))
class ChatCompletionParseBodyParams(TypedDict, total=False):
    """Every parameter of ``POST /chat/completions`` but ``response_format``, with its range.

    ``parse()`` and ``stream()`` take these: their ``response_format`` is a type, not a dict.
    """

    model: Required[ModelId]
    """The model id, e.g. ``qwen3-8b`` or ``openai/gpt-4.1``."""
    messages: Required[MessagesParam]
    """The conversation so far: dicts (or message models) by role."""
    audio: ChatCompletionAudioParam | None
    """Voice and format, when ``modalities`` includes ``"audio"``."""
    frequency_penalty: _Penalty | None
    """-2 to 2: positive values discourage repetition."""
    function_call: FunctionCallChoiceParam
    """Deprecated (use ``tool_choice``); sent as given, with a ``DeprecationWarning``."""
    functions: Annotated[
        Iterable[ChatCompletionFunctionParam], AsList(iterable=True, min_length=1, max_length=128)
    ]
    """Deprecated (use ``tools``); sent as given, with a ``DeprecationWarning``."""
    logit_bias: Mapping[str, _Bias] | None
    """Token id -> bias, an integer from -100 to 100."""
    logprobs: bool | None
    """Return log probabilities of the output tokens."""
    max_completion_tokens: _PositiveInt | None
    """Most completion tokens, reasoning included (>= 1)."""
    max_tokens: _PositiveInt | None
    """Most tokens to generate (>= 1; deprecated by OpenAI for ``max_completion_tokens``)."""
    metadata: MetadataParam | None
    """Up to 16 string pairs stored with the completion (with ``store``)."""
    modalities: Array[Literal["text", "audio"]] | None
    """Output modalities: ``["text"]`` or ``["text", "audio"]``."""
    moderation: ModerationParam | None
    """Moderation run on the input and the output."""
    n: Annotated[int, Field(ge=1, le=128)] | None
    """How many choices to generate (1 to 128)."""
    parallel_tool_calls: bool
    """Whether the model may call several tools in one turn."""
    prediction: ChatCompletionPredictionContentParam | None
    """Predicted output, for faster regeneration of mostly known text."""
    presence_penalty: _Penalty | None
    """-2 to 2: positive values favour new topics."""
    prompt_cache_key: str | None
    """A key that groups requests sharing a prompt prefix, for cache hits (replaces ``user``)."""
    prompt_cache_options: PromptCacheOptionsParam
    """Prompt caching TTL and mode."""
    prompt_cache_retention: Literal["in_memory", "24h"] | None
    """Deprecated (use ``prompt_cache_options``): how long cached prefixes are kept."""
    reasoning_effort: ReasoningEffort | None
    """How hard a reasoning model thinks (providers document low, medium, high)."""
    safety_identifier: Annotated[str, Field(max_length=64)] | None
    """A stable, hashed id of your end user for abuse detection (at most 64 characters)."""
    seed: _Seed | None
    """Best-effort deterministic sampling (a 64-bit integer)."""
    service_tier: ServiceTier | None
    """The processing tier: ``"auto"``, ``"default"``, ``"flex"``, ``"priority"``, ..."""
    stop: StopParam | None
    """A sequence (or list of them) at which generation stops."""
    store: bool | None
    """Store the completion for distillation or evals."""
    stream_options: ChatCompletionStreamOptionsParam | None
    """With ``stream=True``: ``{"include_usage": True}`` adds a final usage-only chunk."""
    temperature: _Temperature | None
    """Sampling temperature, 0 to 2 (default 1)."""
    tool_choice: ChatCompletionToolChoiceOptionParam
    """``"none"``, ``"auto"``, ``"required"``, a named tool, or allowed tools."""
    tools: IterableArray[ChatCompletionToolUnionParam] | None
    """Function (and custom) tools the model may call."""
    top_logprobs: Annotated[int, Field(ge=0, le=20)] | None
    """With ``logprobs``: how many alternatives per token, 0 to 20."""
    top_p: _TopP | None
    """Nucleus sampling mass, 0 to 1 (default 1)."""
    user: str | None
    """Your identifier for the end user (OpenAI: use ``safety_identifier``/``prompt_cache_key``)."""
    verbosity: Verbosity | None
    """How long the reply should be: ``"low"``, ``"medium"`` or ``"high"``."""
    web_search_options: WebSearchOptionsParam
    """Web search settings, for search models."""


@with_config(ConfigDict(strict=True))
class ChatCompletionBodyParams(ChatCompletionParseBodyParams, total=False):
    """Every parameter of ``POST /chat/completions`` in the OpenAI spec, with its range."""

    response_format: ResponseFormat
    """``{"type": "text" | "json_object" | "json_schema", ...}``."""


class ChatCompletionParseParams(ChatCompletionParseBodyParams, RequestOptionsParams, total=False):
    """The keyword arguments of ``parse()`` and ``stream()`` besides ``response_format``."""


class ChatCompletionCreateParams(ChatCompletionBodyParams, RequestOptionsParams, total=False):
    """The keyword arguments of ``create()``: the body parameters and the per-call options."""
