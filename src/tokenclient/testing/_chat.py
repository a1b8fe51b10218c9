"""Chat completions: a deterministic reply, as one JSON object or as stream chunks.

The reply echoes the last user message (``"You said: ..."``), answers a tool result with
``"Tool result: ..."``, calls a tool when the request offers tools and the user asks about the
weather (or ``tool_choice`` forces one), and adds ``reasoning_content`` for models whose id
contains ``reasoner``. Tokens are counted as whitespace-separated pieces.

Structured output: with ``response_format`` ``json_object`` or ``json_schema`` the content is
JSON, an instance of the schema (``_instances.instance_of``); tool-call arguments are an
instance of the function's parameters. ``n`` gives that many choices. Model ids containing a
:data:`QUIRKS` name refuse a response format or write bad JSON, so clients' fallback and
repair paths run offline.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from typing import cast

from ._instances import instance_of
from ._responses import ApiError, new_id
from ._validate import as_dict, as_list, optional_int, require_str

__all__ = [
    "COST_PER_TOKEN",
    "QUIRKS",
    "ChatRequest",
    "Quirk",
    "Reply",
    "completion",
    "parse_chat",
    "plan_replies",
    "plan_reply",
    "stream_chunks",
]

_ROLES = frozenset({"system", "developer", "user", "assistant", "tool", "function"})
_PIECE = re.compile(r"\s*\S+\s*|\s+")
_PLACES = re.compile(r"\bin\s+([^?.!;]+)", re.IGNORECASE)
_SEPARATORS = re.compile(r",|\band\b", re.IGNORECASE)
_ARGUMENT_PIECE = 8  # characters of tool-call arguments per stream chunk
_MAX_N = 128  # OpenAI's limit on n
_FORMATS = frozenset({"text", "json_object", "json_schema"})
_SCHEMA_KEYS = frozenset({"type", "properties", "anyOf", "$ref", "$defs"})
REFUSAL = "I'm sorry, but I can't help with that request."
FINGERPRINT = "fp_tokenclient_fake"


@dataclass(frozen=True, slots=True)
class Quirk:
    """A model behaviour selected by a name anywhere in the model id."""

    name: str
    """The name a model id must contain, e.g. ``acme/no-json-schema-7b``."""
    summary: str
    """What the model does, in one sentence (``docs/testing.md`` lists it)."""


QUIRKS: tuple[Quirk, ...] = (
    Quirk(
        "no-json-schema",
        "Refuses `response_format` of type `json_schema` with a 400 naming `response_format` "
        "(OpenAI's envelope and message).",
    ),
    Quirk(
        "no-json-object",
        "Refuses `json_schema` and `json_object` response formats alike, so only a forced tool "
        "call gets structured output.",
    ),
    Quirk(
        "invalid-json",
        "Writes broken JSON: prose followed by half an object, as content under a JSON "
        "`response_format` and as tool-call arguments.",
    ),
    Quirk(
        "wrong-schema",
        'Writes valid JSON that misses the schema: `{"unexpected": true}` (no required '
        "property), as content and as tool-call arguments.",
    ),
    Quirk(
        "needs-repair",
        "Like `wrong-schema` until the conversation holds an assistant message (a repair "
        "turn), then answers valid JSON.",
    ),
    Quirk(
        "fenced-json",
        "Wraps JSON content in a Markdown ```` ```json ```` fence, as many chat models do.",
    ),
    Quirk(
        "no-stream-options",
        "Refuses a request that sets `stream_options` with a 400 naming it "
        '(`param: "stream_options"`), as some providers do.',
    ),
    Quirk(
        "with-cost",
        "Reports `usage.cost` (OpenRouter style): `COST_PER_TOKEN` (0.000001) per prompt or "
        "completion token.",
    ),
)
"""The model quirks, matched anywhere in the model id (they combine)."""

COST_PER_TOKEN = 0.000001
"""The ``usage.cost`` per (prompt or completion) token of ``with-cost`` models."""


def quirks_of(model: str) -> frozenset[str]:
    """The names of the quirks ``model`` selects."""
    return frozenset(quirk.name for quirk in QUIRKS if quirk.name in model)


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
    n: int = 1
    response_format: str = "text"
    """``text``, ``json_object`` or ``json_schema``."""
    schema: dict[str, object] | None = None
    """The ``json_schema.schema`` sent, if any."""
    parallel_tool_calls: bool = True


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
    refusal: str | None = None

    @property
    def content(self) -> str | None:
        """The text answer; None when the model calls tools or refuses instead."""
        return None if self.tool_calls or self.refusal else "".join(self.pieces)

    def usage(self) -> dict[str, object]:
        """The ``usage`` object (OpenAI's shape, with token details)."""
        arguments = sum(len(call.arguments) for call in self.tool_calls)
        completion = len(self.pieces) + len(self.reasoning) + -(-arguments // 4)
        return {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": completion,
            "total_tokens": self.prompt_tokens + completion,
            "prompt_tokens_details": {"cached_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": len(self.reasoning)},
        }


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
    if "no-stream-options" in quirks_of(model) and "stream_options" in body:
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
    response_format, schema = _response_format(body)
    _refuse_format(model, response_format)
    parallel = body.get("parallel_tool_calls")
    if parallel is not None and not isinstance(parallel, bool):
        raise ApiError(400, "'parallel_tool_calls' must be a boolean.", param="parallel_tool_calls")
    return ChatRequest(
        model=model,
        messages=messages,
        stream=bool(stream),
        include_usage=options.get("include_usage") is True,
        tools=tools,
        tool_choice=body.get("tool_choice"),
        max_tokens=max_tokens,
        n=optional_int(body, "n", minimum=1, maximum=_MAX_N) or 1,
        response_format=response_format,
        schema=schema,
        parallel_tool_calls=parallel is not False,
    )


def _response_format(body: dict[str, object]) -> tuple[str, dict[str, object] | None]:
    raw = body.get("response_format")
    if raw is None:
        return "text", None
    value = as_dict(raw)
    kind = value.get("type") if value is not None else None
    if value is None or not isinstance(kind, str) or kind not in _FORMATS:
        raise ApiError(
            400,
            "Invalid value for 'response_format.type': expected one of 'text', 'json_object' "
            "or 'json_schema'.",
            param="response_format",
        )
    if kind != "json_schema":
        return kind, None
    spec = as_dict(value.get("json_schema"))
    if spec is None:
        raise ApiError(
            400,
            "Missing required parameter: 'response_format.json_schema'.",
            param="response_format.json_schema",
        )
    name = spec.get("name")
    if not isinstance(name, str) or re.fullmatch(r"[a-zA-Z0-9_-]{1,64}", name) is None:
        raise ApiError(
            400,
            "Invalid 'response_format.json_schema.name': expected 1 to 64 characters of "
            "a-z, A-Z, 0-9, underscores and dashes.",
            param="response_format.json_schema.name",
        )
    schema = spec.get("schema")
    if schema is not None and as_dict(schema) is None:
        raise ApiError(
            400,
            "Invalid 'response_format.json_schema.schema': expected an object.",
            param="response_format.json_schema.schema",
        )
    return kind, as_dict(schema)


def _refuse_format(model: str, kind: str) -> None:
    quirks = quirks_of(model)
    refused = "no-json-object" in quirks and kind in ("json_object", "json_schema")
    if refused or ("no-json-schema" in quirks and kind == "json_schema"):
        raise ApiError(
            400,
            f"Invalid parameter: 'response_format' of type '{kind}' is not supported with "
            "this model.",
            param="response_format",
            error_type="invalid_request_error",
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


def _chosen_tool(
    request: ChatRequest, text: str
) -> tuple[tuple[str, dict[str, object]] | None, bool]:
    """The tool to call (name, parameters), and whether it was forced by name."""
    functions = _function_names(request.tools)
    choice = request.tool_choice
    if not functions or choice == "none":
        return None, False
    forced = as_dict(choice)
    if forced is not None:  # {"type": "function", "function": {"name": ...}}
        wanted = (as_dict(forced.get("function")) or {}).get("name")
        return next((item for item in functions if item[0] == wanted), None), True
    if choice == "required" or "weather" in text.lower():
        return next((item for item in functions if "weather" in item[0]), functions[0]), False
    return None, False


def _json_text(request: ChatRequest, value: object, *, fence: bool) -> str:
    """``value`` as the JSON the model writes, spoiled as the model's quirks say."""
    quirks = quirks_of(request.model)
    repaired = any(m.get("role") == "assistant" for m in request.messages)
    if "wrong-schema" in quirks or ("needs-repair" in quirks and not repaired):
        value = {"unexpected": True}
    text = json.dumps(value, ensure_ascii=False)
    if "invalid-json" in quirks:
        text = "Sure! Here is the JSON you asked for: " + text[: max(len(text) // 2, 1)]
    elif fence and "fenced-json" in quirks:
        text = f"```json\n{text}\n```"
    return text


def _arguments(request: ChatRequest, parameters: dict[str, object], place: str) -> str:
    if not as_dict(parameters.get("properties")):
        return _json_text(request, {"location": place}, fence=False)
    return _json_text(request, instance_of(parameters, text=place), fence=False)


def _prompt_schema(request: ChatRequest) -> dict[str, object] | None:
    """A JSON schema written into a system or developer message (JSON-mode prompting)."""
    decoder = json.JSONDecoder()
    for message in request.messages:
        if message.get("role") not in ("system", "developer"):
            continue
        text = text_of(message)
        start = text.find("{")
        while start >= 0:
            try:
                value, _ = decoder.raw_decode(text, start)
            except ValueError:
                value = None
            found = as_dict(value)
            if found is not None and _SCHEMA_KEYS & found.keys():
                return found
            start = text.find("{", start + 1)
    return None


def _places(text: str) -> list[str]:
    match = _PLACES.search(text)
    if match is None:
        return ["Paris"]
    places = [part.strip() for part in _SEPARATORS.split(match.group(1))]
    return [place for place in places if place] or ["Paris"]


def plan_replies(request: ChatRequest) -> list[Reply]:
    """The ``n`` answers; they differ only in their tool-call ids."""
    return [plan_reply(request) for _ in range(request.n)]


def plan_reply(request: ChatRequest) -> Reply:
    """Decide the answer: text, tool calls and reasoning, deterministically."""
    last = request.messages[-1]
    user_texts = [text_of(m) for m in request.messages if m.get("role") == "user"]
    user_text = user_texts[-1] if user_texts else ""
    prompt_tokens = sum(len(text_of(m).split()) + 1 for m in request.messages)
    reasoner = "reasoner" in request.model
    # A forced call answers a tool result or a repair turn too: the model must call again.
    tool, forced = _chosen_tool(request, user_text)
    if last.get("role") != "user" and not forced:
        tool = None
    if tool is not None:
        name, parameters = tool
        places = _places(user_text)
        if forced or not request.parallel_tool_calls:
            places = places[:1]
        calls = [
            ToolCall(new_id("call_"), name, _arguments(request, parameters, place))
            for place in places
        ]
        thought = f"The user asks about the weather, so I call {name}." if reasoner else ""
        return Reply([], _split(thought), calls, "tool_calls", prompt_tokens)
    if request.response_format == "json_schema" and "refuse" in user_text.lower():
        return Reply(_split(REFUSAL), [], [], "stop", prompt_tokens, refusal=REFUSAL)
    if last.get("role") == "tool":
        answer = f"Tool result: {text_of(last)}"
    elif user_texts:
        answer = f"You said: {user_text}"
    else:
        answer = "Hello! How can I help you today?"
    if request.response_format != "text":
        schema = request.schema
        if request.response_format == "json_object":
            schema = _prompt_schema(request)
        value = instance_of(schema, text=user_text) if schema else {"message": answer}
        answer = _json_text(request, value, fence=True)
    pieces = _split(answer)
    finish = "stop"
    if request.max_tokens is not None and len(pieces) > request.max_tokens:
        pieces, finish = pieces[: request.max_tokens], "length"
    thought = f'The user wrote "{user_text}"; I will repeat it.' if reasoner else ""
    return Reply(pieces, _split(thought), [], finish, prompt_tokens)


def _usage(replies: list[Reply]) -> dict[str, object]:
    """The ``usage`` of all choices: the prompt counted once, the completions summed."""
    usage = replies[0].usage()
    if len(replies) > 1:
        each = [reply.usage() for reply in replies]
        completion_tokens = sum(cast("int", u["completion_tokens"]) for u in each)
        reasoning = sum(len(reply.reasoning) for reply in replies)
        usage["completion_tokens"] = completion_tokens
        usage["total_tokens"] = cast("int", usage["prompt_tokens"]) + completion_tokens
        usage["completion_tokens_details"] = {"reasoning_tokens": reasoning}
    return usage


def _message(reply: Reply) -> dict[str, object]:
    message: dict[str, object] = {
        "role": "assistant",
        "content": reply.content,
        "refusal": reply.refusal,
    }
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
    return message


def _priced(usage: dict[str, object], request: ChatRequest) -> dict[str, object]:
    """``usage`` with ``cost`` added for ``with-cost`` models."""
    if "with-cost" in quirks_of(request.model):
        tokens = cast("int", usage["total_tokens"])
        usage["cost"] = round(tokens * COST_PER_TOKEN, 12)
    return usage


def completion(request: ChatRequest, replies: list[Reply]) -> dict[str, object]:
    """The ``chat.completion`` object, one choice per reply."""
    return {
        "id": new_id("chatcmpl-"),
        "object": "chat.completion",
        "created": int(time.time()),
        "model": request.model,
        "choices": [
            {
                "index": index,
                "message": _message(reply),
                "logprobs": None,
                "finish_reason": reply.finish_reason,
            }
            for index, reply in enumerate(replies)
        ],
        "usage": _priced(_usage(replies), request),
        "system_fingerprint": FINGERPRINT,
    }


def _deltas(reply: Reply) -> list[dict[str, object]]:
    deltas: list[dict[str, object]] = [{"role": "assistant", "content": ""}]
    deltas.extend({"reasoning_content": piece} for piece in reply.reasoning)
    text_field = "refusal" if reply.refusal else "content"
    deltas.extend({text_field: piece} for piece in reply.pieces if not reply.tool_calls)
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


def stream_chunks(request: ChatRequest, replies: list[Reply]) -> list[dict[str, object]]:
    """The ``chat.completion.chunk`` objects of a stream, usage-only chunk included if asked.

    With several choices their chunks interleave, one piece of each choice in turn, as
    OpenAI sends them.
    """
    base: dict[str, object] = {
        "id": new_id("chatcmpl-"),
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": request.model,
        "system_fingerprint": FINGERPRINT,
    }
    # With include_usage, OpenAI sends "usage": null on every chunk but the last.
    usage_field: dict[str, object] = {"usage": None} if request.include_usage else {}

    def chunk(index: int, delta: dict[str, object], finish: str | None) -> dict[str, object]:
        choice = {"index": index, "delta": delta, "logprobs": None, "finish_reason": finish}
        return {**base, "choices": [choice], **usage_field}

    per_choice = [
        [
            *(chunk(index, delta, None) for delta in _deltas(reply)),
            chunk(index, {}, reply.finish_reason),
        ]
        for index, reply in enumerate(replies)
    ]
    chunks = [
        items[step]
        for step in range(max(len(items) for items in per_choice))
        for items in per_choice
        if step < len(items)
    ]
    if request.include_usage:
        chunks.append({**base, "choices": [], "usage": _priced(_usage(replies), request)})
    return chunks
