"""Chat completions: a deterministic reply, as one JSON object or as stream chunks.

The reply echoes the last user message (``"You said: ..."``), answers a tool result with
``"Tool result: ..."``, calls a tool when the request offers tools and the user asks about the
weather (or ``tool_choice`` forces one), and adds ``reasoning_content`` for models whose id
contains ``reasoner``. Tokens are counted as whitespace-separated pieces.

Model-name quirks (anywhere in the id, combinable with each other):

- ``no-stream-options``: refuse a request that sets ``stream_options`` with a 400 naming it
  (``param: "stream_options"``), as some providers do.
- ``with-cost``: report ``usage.cost`` (OpenRouter style): ``COST_PER_TOKEN`` per token.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field

from ._responses import ApiError, new_id
from ._validate import as_dict, as_list, optional_int, require_str

__all__ = [
    "COST_PER_TOKEN",
    "ChatRequest",
    "Reply",
    "completion",
    "parse_chat",
    "plan_reply",
    "stream_chunks",
]

COST_PER_TOKEN = 0.000001
"""The ``usage.cost`` per (prompt or completion) token of ``with-cost`` models."""

_ROLES = frozenset({"system", "developer", "user", "assistant", "tool", "function"})
_PIECE = re.compile(r"\s*\S+\s*|\s+")
_PLACES = re.compile(r"\bin\s+([^?.!;]+)", re.IGNORECASE)
_SEPARATORS = re.compile(r",|\band\b", re.IGNORECASE)
_ARGUMENT_PIECE = 8  # characters of tool-call arguments per stream chunk
FINGERPRINT = "fp_tokenclient_fake"


@dataclass(frozen=True, slots=True)
class ChatRequest:
    """The parts of a chat request the fake uses."""

    model: str
    messages: list[dict[str, object]]
    stream: bool = False
    include_usage: bool = False
    tools: list[dict[str, object]] = field(default_factory=list[dict[str, object]])
    tool_choice: object = None
    max_tokens: int | None = None
    with_cost: bool = False


@dataclass(frozen=True, slots=True)
class ToolCall:
    """One function call the fake model makes."""

    id: str
    name: str
    arguments: str


@dataclass(frozen=True, slots=True)
class Reply:
    """What the fake model answers, before it is shaped as JSON or chunks."""

    pieces: list[str]
    reasoning: list[str]
    tool_calls: list[ToolCall]
    finish_reason: str
    prompt_tokens: int
    with_cost: bool = False

    @property
    def content(self) -> str | None:
        """The text answer; None when the model calls tools instead."""
        return None if self.tool_calls else "".join(self.pieces)

    def usage(self) -> dict[str, object]:
        """The ``usage`` object (OpenAI's shape, with token details)."""
        arguments = sum(len(call.arguments) for call in self.tool_calls)
        completion = len(self.pieces) + len(self.reasoning) + -(-arguments // 4)
        usage: dict[str, object] = {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": completion,
            "total_tokens": self.prompt_tokens + completion,
            "prompt_tokens_details": {"cached_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": len(self.reasoning)},
        }
        if self.with_cost:
            usage["cost"] = round((self.prompt_tokens + completion) * COST_PER_TOKEN, 12)
        return usage


def parse_chat(body: dict[str, object]) -> ChatRequest:
    """Check the request minimally: a model and a non-empty list of messages with roles."""
    model = require_str(body, "model")
    raw_messages = as_list(body.get("messages"))
    if not raw_messages:
        raise ApiError(400, "'messages' must be a non-empty array.", param="messages")
    messages: list[dict[str, object]] = []
    for index, item in enumerate(raw_messages):
        message = as_dict(item)
        if message is None or message.get("role") not in _ROLES:
            raise ApiError(
                400,
                f"messages[{index}] must be an object with a role in {sorted(_ROLES)}.",
                param=f"messages[{index}]",
            )
        messages.append(message)
    stream = body.get("stream", False)
    if stream is not None and not isinstance(stream, bool):
        raise ApiError(400, "'stream' must be a boolean.", param="stream")
    if "no-stream-options" in model and "stream_options" in body:
        raise ApiError(
            400,
            "Unrecognized request argument supplied: stream_options",
            param="stream_options",
            code="unsupported_parameter",
        )
    options = as_dict(body.get("stream_options")) or {}
    raw_tools = as_list(body.get("tools")) or []
    tools = [tool for tool in map(as_dict, raw_tools) if tool is not None]
    max_tokens = optional_int(body, "max_completion_tokens", minimum=1)
    if max_tokens is None:
        max_tokens = optional_int(body, "max_tokens", minimum=1)
    return ChatRequest(
        model=model,
        messages=messages,
        stream=bool(stream),
        include_usage=options.get("include_usage") is True,
        tools=tools,
        tool_choice=body.get("tool_choice"),
        max_tokens=max_tokens,
        with_cost="with-cost" in model,
    )


def text_of(message: dict[str, object]) -> str:
    """The text of a message: a string, or the ``text`` parts of a content array."""
    content = message.get("content")
    if isinstance(content, str):
        return content
    parts = [as_dict(part) or {} for part in as_list(content) or []]
    return " ".join(text for part in parts if isinstance(text := part.get("text"), str))


def _split(text: str) -> list[str]:
    return _PIECE.findall(text)


def _function_names(tools: list[dict[str, object]]) -> list[tuple[str, dict[str, object]]]:
    named: list[tuple[str, dict[str, object]]] = []
    for tool in tools:
        function = as_dict(tool.get("function")) or {}
        name = function.get("name")
        if isinstance(name, str):
            named.append((name, as_dict(function.get("parameters")) or {}))
    return named


def _chosen_tool(request: ChatRequest, text: str) -> tuple[str, dict[str, object]] | None:
    functions = _function_names(request.tools)
    choice = request.tool_choice
    if not functions or choice == "none":
        return None
    forced = as_dict(choice)
    if forced is not None:  # {"type": "function", "function": {"name": ...}}
        wanted = (as_dict(forced.get("function")) or {}).get("name")
        return next((item for item in functions if item[0] == wanted), None)
    if choice == "required" or "weather" in text.lower():
        return next((item for item in functions if "weather" in item[0]), functions[0])
    return None


def _arguments(parameters: dict[str, object], place: str) -> str:
    properties = as_dict(parameters.get("properties")) or {}
    values: dict[str, object] = {}
    for name, raw_schema in properties.items():
        schema = as_dict(raw_schema) or {}
        enum = as_list(schema.get("enum"))
        kind = schema.get("type")
        if enum:
            values[name] = enum[0]
        elif kind in ("number", "integer"):
            values[name] = 1
        elif kind == "boolean":
            values[name] = True
        else:
            values[name] = place
    return json.dumps(values or {"location": place})


def _places(text: str) -> list[str]:
    match = _PLACES.search(text)
    if match is None:
        return ["Paris"]
    places = [part.strip() for part in _SEPARATORS.split(match.group(1))]
    return [place for place in places if place] or ["Paris"]


def plan_reply(request: ChatRequest) -> Reply:
    """Decide the answer: text, tool calls and reasoning, deterministically."""
    last = request.messages[-1]
    user_texts = [text_of(m) for m in request.messages if m.get("role") == "user"]
    user_text = user_texts[-1] if user_texts else ""
    prompt_tokens = sum(len(text_of(m).split()) + 1 for m in request.messages)
    reasoner = "reasoner" in request.model
    tool = _chosen_tool(request, user_text) if last.get("role") == "user" else None
    if tool is not None:
        name, parameters = tool
        calls = [
            ToolCall(new_id("call_"), name, _arguments(parameters, place))
            for place in _places(user_text)
        ]
        thought = f"The user asks about the weather, so I call {name}." if reasoner else ""
        return Reply([], _split(thought), calls, "tool_calls", prompt_tokens, request.with_cost)
    if last.get("role") == "tool":
        answer = f"Tool result: {text_of(last)}"
    elif user_texts:
        answer = f"You said: {user_text}"
    else:
        answer = "Hello! How can I help you today?"
    pieces = _split(answer)
    finish = "stop"
    if request.max_tokens is not None and len(pieces) > request.max_tokens:
        pieces, finish = pieces[: request.max_tokens], "length"
    thought = f'The user wrote "{user_text}"; I will repeat it.' if reasoner else ""
    return Reply(pieces, _split(thought), [], finish, prompt_tokens, request.with_cost)


def completion(request: ChatRequest, reply: Reply) -> dict[str, object]:
    """The ``chat.completion`` object."""
    message: dict[str, object] = {"role": "assistant", "content": reply.content, "refusal": None}
    if reply.reasoning:
        message["reasoning_content"] = "".join(reply.reasoning)
    if reply.tool_calls:
        message["tool_calls"] = [
            {
                "id": call.id,
                "type": "function",
                "function": {"name": call.name, "arguments": call.arguments},
            }
            for call in reply.tool_calls
        ]
    return {
        "id": new_id("chatcmpl-"),
        "object": "chat.completion",
        "created": int(time.time()),
        "model": request.model,
        "choices": [
            {
                "index": 0,
                "message": message,
                "logprobs": None,
                "finish_reason": reply.finish_reason,
            }
        ],
        "usage": reply.usage(),
        "system_fingerprint": FINGERPRINT,
    }


def _deltas(reply: Reply) -> list[dict[str, object]]:
    deltas: list[dict[str, object]] = [{"role": "assistant", "content": ""}]
    deltas.extend({"reasoning_content": piece} for piece in reply.reasoning)
    deltas.extend({"content": piece} for piece in reply.pieces if not reply.tool_calls)
    for index, call in enumerate(reply.tool_calls):
        head = {
            "index": index,
            "id": call.id,
            "type": "function",
            "function": {"name": call.name, "arguments": ""},
        }
        deltas.append({"tool_calls": [head]})
        for start in range(0, len(call.arguments), _ARGUMENT_PIECE):
            piece = call.arguments[start : start + _ARGUMENT_PIECE]
            deltas.append({"tool_calls": [{"index": index, "function": {"arguments": piece}}]})
    return deltas


def stream_chunks(request: ChatRequest, reply: Reply) -> list[dict[str, object]]:
    """The ``chat.completion.chunk`` objects of a stream, usage-only chunk included if asked."""
    base: dict[str, object] = {
        "id": new_id("chatcmpl-"),
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": request.model,
        "system_fingerprint": FINGERPRINT,
    }
    # With include_usage, OpenAI sends "usage": null on every chunk but the last.
    usage_field: dict[str, object] = {"usage": None} if request.include_usage else {}

    def chunk(delta: dict[str, object], finish_reason: str | None) -> dict[str, object]:
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}
        return {**base, "choices": [choice], **usage_field}

    chunks = [chunk(delta, None) for delta in _deltas(reply)]
    chunks.append(chunk({}, reply.finish_reason))
    if request.include_usage:
        chunks.append({**base, "choices": [], "usage": reply.usage()})
    return chunks
