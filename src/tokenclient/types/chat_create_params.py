"""The keyword arguments of ``client.chat.completions.create()``, as one TypedDict.

Only the keys the caller passes are sent. ``stream`` is not here: it selects the return type,
so ``create()`` declares it on its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Literal

from typing_extensions import Required, TypedDict

from .._types import Body, Headers, Query, Timeout
from .chat_params import (
    ChatCompletionAudioParam,
    ChatCompletionStreamOptionsParam,
    ChatCompletionToolChoiceOptionParam,
    ChatCompletionToolParam,
    MessageInput,
    ReasoningEffort,
    ResponseFormat,
)

__all__ = ["ChatCompletionCreateParams", "RequestOptionsParams"]


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


class ChatCompletionCreateParams(RequestOptionsParams, total=False):
    """The parameters the providers document for ``POST /chat/completions``."""

    model: Required[str]
    """The model id, e.g. ``qwen3-8b`` or ``openai/gpt-4.1``."""
    messages: Required[Iterable[MessageInput]]
    """The conversation so far: dicts (or message models) by role."""
    temperature: float
    """Sampling temperature, 0 to 2 (default 1)."""
    top_p: float
    """Nucleus sampling mass, 0 to 1 (default 1)."""
    n: int
    """How many choices to generate (>= 1)."""
    stream_options: ChatCompletionStreamOptionsParam
    """With ``stream=True``: ``{"include_usage": True}`` adds a final usage-only chunk."""
    stop: str | Sequence[str]
    """Up to a few sequences at which generation stops."""
    max_tokens: int
    """Most tokens to generate (>= 1)."""
    max_completion_tokens: int
    """Most completion tokens, reasoning included (>= 1)."""
    presence_penalty: float
    """-2 to 2: positive values favour new topics."""
    frequency_penalty: float
    """-2 to 2: positive values discourage repetition."""
    logit_bias: Mapping[str, int]
    """Token id -> bias from -100 to 100."""
    logprobs: bool
    """Return log probabilities of the output tokens."""
    top_logprobs: int
    """With ``logprobs``: how many alternatives per token, 0 to 20."""
    parallel_tool_calls: bool
    """Whether the model may call several tools in one turn."""
    user: str
    """Your identifier for the end user."""
    tools: Sequence[ChatCompletionToolParam]
    """Functions the model may call."""
    tool_choice: ChatCompletionToolChoiceOptionParam
    """``"none"``, ``"auto"``, ``"required"`` or a named function."""
    response_format: ResponseFormat
    """``{"type": "text" | "json_object" | "json_schema", ...}``."""
    seed: int
    """Best-effort deterministic sampling."""
    reasoning_effort: ReasoningEffort
    """How hard a reasoning model thinks (providers document low, medium, high)."""
    modalities: Sequence[Literal["text", "audio"]]
    """Output modalities."""
    audio: ChatCompletionAudioParam
    """Voice and format, when ``modalities`` includes ``"audio"``."""
