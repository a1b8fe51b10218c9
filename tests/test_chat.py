"""chat.completions.create through a mock transport: the body on the wire, validation before
sending, and typed responses that keep vendor fields. Sync and async from one body."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from tokenclient import AsyncTokenClient, InvalidRequestError, TokenClient
from tokenclient.types import (
    ChatCompletion,
    ChatCompletionMessageParam,
    ChatCompletionToolParam,
    UserMessage,
)

from .support import Handler, Kind, close, make_client, resolve

pytestmark = pytest.mark.anyio
KINDS = pytest.mark.parametrize("kind", ["sync", "async"])
FIXTURES = Path(__file__).parent / "fixtures"

REPLY: dict[str, object] = {
    "id": "chatcmpl-abc123",
    "object": "chat.completion",
    "created": 1714000000,
    "model": "qwen3-8b",
    "choices": [
        {
            "index": 0,
            "message": {
                "role": "assistant",
                "content": "Hello! How can I help you today?",
                "reasoning_content": "The user greets me.",
            },
            "finish_reason": "stop",
        }
    ],
    "usage": {
        "prompt_tokens": 10,
        "completion_tokens": 12,
        "total_tokens": 22,
        "completion_tokens_details": {"reasoning_tokens": 4},
    },
    "cost": 0.00012,
    "provider": "qwen",
}
HELLO: list[ChatCompletionMessageParam] = [{"role": "user", "content": "Hello!"}]


def recording(seen: list[httpx.Request], reply: dict[str, object] = REPLY) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=reply)

    return handler


@KINDS
async def test_only_given_arguments_are_sent(kind: Kind) -> None:
    seen: list[httpx.Request] = []
    client = make_client(kind, recording(seen))
    reply = await resolve(client.chat.completions.create(model="qwen3-8b", messages=HELLO))
    assert isinstance(reply, ChatCompletion)
    assert json.loads(seen[0].content) == {"model": "qwen3-8b", "messages": HELLO}
    assert seen[0].url.path == "/api/v1/chat/completions"
    await close(client)


@KINDS
async def test_every_documented_parameter_reaches_the_wire(kind: Kind) -> None:
    seen: list[httpx.Request] = []
    client = make_client(kind, recording(seen))
    tools: list[ChatCompletionToolParam] = [
        {
            "type": "function",
            "function": {
                "name": "get_weather",
                "description": "Weather for a city",
                "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
            },
        }
    ]
    await resolve(
        client.chat.completions.create(
            model="openai/gpt-4.1",
            messages=[
                {"role": "system", "content": "Be brief."},
                {"role": "user", "content": [{"type": "text", "text": "Hi"}]},
            ],
            temperature=0.7,
            top_p=0.9,
            n=2,
            stop=["\n\n", "END"],
            max_tokens=100,
            max_completion_tokens=120,
            presence_penalty=-0.5,
            frequency_penalty=1.5,
            logit_bias={"50256": -100},
            user="user-1",
            tools=tools,
            tool_choice="auto",
            response_format={"type": "json_object"},
            seed=42,
            reasoning_effort="high",
            modalities=["text"],
            extra_body={"provider_option": True},
        )
    )
    body = json.loads(seen[0].content)
    assert body == {
        "model": "openai/gpt-4.1",
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": [{"type": "text", "text": "Hi"}]},
        ],
        "temperature": 0.7,
        "top_p": 0.9,
        "n": 2,
        "stop": ["\n\n", "END"],
        "max_tokens": 100,
        "max_completion_tokens": 120,
        "presence_penalty": -0.5,
        "frequency_penalty": 1.5,
        "logit_bias": {"50256": -100},
        "user": "user-1",
        "tools": tools,
        "tool_choice": "auto",
        "response_format": {"type": "json_object"},
        "seed": 42,
        "reasoning_effort": "high",
        "modalities": ["text"],
        "provider_option": True,
    }
    await close(client)


NEWER: dict[str, object] = {
    "store": True,
    "metadata": {"run": "nightly", "team": "search"},
    "service_tier": "flex",
    "prediction": {"type": "content", "content": [{"type": "text", "text": "x = 1"}]},
    "web_search_options": {
        "search_context_size": "low",
        "user_location": {"type": "approximate", "approximate": {"country": "FR"}},
    },
    "verbosity": "high",
    "prompt_cache_key": "tenant-7",
    "safety_identifier": "5f2b0c",
    "audio": {"voice": "alloy", "format": "wav"},
    "modalities": ["text", "audio"],
    "moderation": {"model": "omni-moderation-latest"},
    "prompt_cache_options": {"ttl": "30m"},
    "prompt_cache_retention": "24h",
    "parallel_tool_calls": True,
    "logprobs": True,
    "top_logprobs": 3,
}


@KINDS
async def test_newer_openai_parameters_reach_the_wire_as_given(kind: Kind) -> None:
    seen: list[httpx.Request] = []
    client = make_client(kind, recording(seen))
    params: dict[str, object] = {"model": "openai/gpt-4.1", "messages": HELLO, **NEWER}
    await resolve(client.chat.completions.create(**params))  # type: ignore[call-overload]  # a dict of every kind of value
    assert json.loads(seen[0].content) == params
    await close(client)


@KINDS
async def test_deprecated_functions_warn_and_reach_the_wire(kind: Kind) -> None:
    seen: list[httpx.Request] = []
    client = make_client(kind, recording(seen))
    with pytest.warns(DeprecationWarning, match="is deprecated by OpenAI") as caught:
        await resolve(
            client.chat.completions.create(
                model="m",
                messages=HELLO,
                functions=[{"name": "get_weather", "parameters": {"type": "object"}}],
                function_call={"name": "get_weather"},
            )
        )
    assert {str(w.message).split("`")[1] for w in caught} == {"functions", "function_call"}
    # Blamed on the line that called create() (for the async twin: the frame awaiting it).
    caller = __file__ if kind == "sync" else str(Path(__file__).parent / "support.py")
    assert {w.filename for w in caught} == {caller}
    body = json.loads(seen[0].content)
    assert body["functions"] == [{"name": "get_weather", "parameters": {"type": "object"}}]
    assert body["function_call"] == {"name": "get_weather"}
    await close(client)


@KINDS
async def test_unknown_keyword_is_refused_before_sending(kind: Kind) -> None:
    seen: list[httpx.Request] = []
    client = make_client(kind, recording(seen))
    params: dict[str, object] = {"model": "m", "messages": HELLO, "temprature": 0.5}
    with pytest.raises(InvalidRequestError, match=r"did you mean `temperature`\?.*extra_body="):
        await resolve(client.chat.completions.create(**params))  # type: ignore[call-overload]  # bad on purpose
    assert seen == []
    await close(client)


@KINDS
async def test_stream_false_is_sent_when_given(kind: Kind) -> None:
    seen: list[httpx.Request] = []
    client = make_client(kind, recording(seen))
    await resolve(client.chat.completions.create(model="m", messages=HELLO, stream=False))
    assert json.loads(seen[0].content)["stream"] is False
    await close(client)


@KINDS
async def test_message_models_are_accepted(kind: Kind) -> None:
    seen: list[httpx.Request] = []
    client = make_client(kind, recording(seen))
    await resolve(
        client.chat.completions.create(model="m", messages=[UserMessage(content="Hi there")])
    )
    assert json.loads(seen[0].content)["messages"] == [{"role": "user", "content": "Hi there"}]
    await close(client)


@KINDS
@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"temperature": 2.5}, "temperature"),
        ({"top_p": -0.1}, "top_p"),
        ({"n": 0}, "n"),
        ({"max_tokens": -1}, "max_tokens"),
        ({"max_completion_tokens": 0}, "max_completion_tokens"),
        ({"presence_penalty": 3}, "presence_penalty"),
        ({"frequency_penalty": -2.01}, "frequency_penalty"),
        ({"reasoning_effort": "extreme"}, "reasoning_effort"),
        ({"messages": []}, "messages"),
        ({"messages": [{"role": "robot", "content": "beep"}]}, "messages[0].role"),
        ({"model": ""}, "model"),
    ],
)
async def test_invalid_input_is_refused_before_sending(
    kind: Kind, arguments: dict[str, object], field: str
) -> None:
    seen: list[httpx.Request] = []
    client = make_client(kind, recording(seen))
    params: dict[str, object] = {"model": "qwen3-8b", "messages": HELLO, **arguments}
    with pytest.raises(InvalidRequestError) as info:
        await resolve(client.chat.completions.create(**params))  # type: ignore[call-overload]  # bad on purpose
    assert str(info.value).startswith(field)
    assert isinstance(info.value, ValueError)
    assert seen == []
    await close(client)


@KINDS
async def test_response_keeps_vendor_fields(kind: Kind) -> None:
    client = make_client(kind, recording([]))
    reply = await resolve(client.chat.completions.create(model="qwen3-8b", messages=HELLO))
    assert reply.choices[0].message.content == "Hello! How can I help you today?"
    assert reply.choices[0].message.reasoning_content == "The user greets me."
    assert reply.usage is not None
    assert reply.usage.completion_tokens_details is not None
    assert reply.usage.completion_tokens_details.reasoning_tokens == 4
    assert reply.model_extra == {"cost": 0.00012, "provider": "qwen"}
    await close(client)


@KINDS
async def test_seed_response_with_tool_calls_parses(kind: Kind) -> None:
    reply_json: dict[str, object] = {
        "id": "resp_07cc",
        "model": "gpt-4.1",
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [
                        {
                            "id": "call_1",
                            "type": "function",
                            "function": {"name": "get_weather", "arguments": '{"city":"Paris"}'},
                        }
                    ],
                },
                "finish_reason": "tool_calls",
            }
        ],
    }
    client = make_client(kind, recording([], reply_json))
    reply = await resolve(client.chat.completions.create(model="gpt-5.4", messages=HELLO))
    call = (reply.choices[0].message.tool_calls or [])[0]
    assert call.function is not None
    assert call.function.name == "get_weather"
    assert json.loads(call.function.arguments) == {"city": "Paris"}
    assert reply.created is None  # TokenOff-style replies may omit it
    await close(client)


@KINDS
async def test_seed_streams_fold_into_one_completion(kind: Kind) -> None:
    for name, text, total in (
        ("stream_supertoken.txt", "你好", 11),
        ("stream_tokenoff.txt", "Hello! How can I help you today?", 20),
    ):
        raw = (FIXTURES / name).read_bytes()

        def handler(request: httpx.Request, raw: bytes = raw) -> httpx.Response:
            return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=raw)

        client = make_client(kind, handler)
        if isinstance(client, AsyncTokenClient):
            stream = await client.chat.completions.create(
                model="gpt-5.2", messages=HELLO, stream=True
            )
            final = await stream.get_final_completion()
        else:
            assert isinstance(client, TokenClient)
            final = client.chat.completions.create(
                model="gpt-5.2", messages=HELLO, stream=True
            ).get_final_completion()
        assert final.choices[0].message.content == text
        assert final.choices[0].finish_reason == "stop"
        assert final.usage is not None
        assert final.usage.total_tokens == total
        await close(client)
