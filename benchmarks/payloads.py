"""The canned bodies the bench server sends and the conversations the drivers send.

Shared by the server and the drivers so every client asks for and reads the same bytes.
"""

from __future__ import annotations

import json

__all__ = [
    "CHUNK_HEADER",
    "COMPLETION",
    "DEFAULT_CHUNKS",
    "MODEL",
    "MODELS",
    "chunk_events",
    "conversation",
]

MODEL = "bench-model"
"""The model name every driver asks for."""

CHUNK_HEADER = "x-bench-chunks"
"""Request header naming how many chunks a streamed reply has (else ``?chunks=N``)."""

DEFAULT_CHUNKS = 100
"""Chunks in a streamed reply when the request does not say."""

_CREATED = 1_700_000_000
_REPLY = (
    "Benchmarks measure what a client costs on top of the network: building the request, "
    "checking it, sending it, parsing the reply. This canned answer is about as long as a "
    "short paragraph from a real model, so parsing it costs what a real reply costs."
)

COMPLETION: dict[str, object] = {
    "id": "chatcmpl-bench-0001",
    "object": "chat.completion",
    "created": _CREATED,
    "model": MODEL,
    "system_fingerprint": "fp_bench",
    "choices": [
        {
            "index": 0,
            "message": {"role": "assistant", "content": _REPLY, "refusal": None},
            "logprobs": None,
            "finish_reason": "stop",
        }
    ],
    "usage": {
        "prompt_tokens": 120,
        "completion_tokens": 60,
        "total_tokens": 180,
        "prompt_tokens_details": {"cached_tokens": 0},
        "completion_tokens_details": {"reasoning_tokens": 0},
    },
}
"""The body of every non-streamed chat completion."""

MODELS: dict[str, object] = {
    "object": "list",
    "data": [
        {"id": f"bench-model-{i}", "object": "model", "created": _CREATED, "owned_by": "bench"}
        for i in range(20)
    ],
}
"""The body of ``GET /v1/models``."""


def _chunk(delta: dict[str, object], finish_reason: str | None) -> bytes:
    body = {
        "id": "chatcmpl-bench-0001",
        "object": "chat.completion.chunk",
        "created": _CREATED,
        "model": MODEL,
        "system_fingerprint": "fp_bench",
        "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}],
    }
    return b"data: " + json.dumps(body, separators=(",", ":")).encode() + b"\n\n"


def chunk_events() -> tuple[bytes, bytes, bytes, bytes]:
    """The SSE events of a stream: first (with the role), middle, last (finish), ``[DONE]``."""
    first = _chunk({"role": "assistant", "content": ""}, None)
    middle = _chunk({"content": " token"}, None)
    last = _chunk({}, "stop")
    return first, middle, last, b"data: [DONE]\n\n"


_TEXT = (
    "Please keep this in mind for the rest of our conversation: the quick brown fox jumps "
    "over the lazy dog, and the benchmark wants a message about as long as a real one."
)


def conversation(messages: int) -> list[dict[str, str]]:
    """A chat of ``messages`` messages: a system prompt, then user and assistant turns."""
    chat = [{"role": "system", "content": "You are a helpful assistant. " + _TEXT}]
    for i in range(1, messages):
        role = "user" if i % 2 else "assistant"
        chat.append({"role": role, "content": f"Turn {i}. {_TEXT}"})
    return chat[:messages]
