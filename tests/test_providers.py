"""Provider presets: base URLs, and stream-only models folded for non-streaming callers."""

from __future__ import annotations

import json

import httpx
import pytest

from tokenclient import (
    NOT_GIVEN,
    APIStatusError,
    AsyncTokenClient,
    InvalidRequestError,
    TokenClient,
)
from tokenclient._config import PROVIDERS, resolve_limits
from tokenclient.types import ChatCompletion, ChatCompletionMessageParam

from .support import Handler, Kind, ScriptedStream, chunk, close, make_client, resolve, sse

HELLO: list[ChatCompletionMessageParam] = [{"role": "user", "content": "你好"}]
USAGE = {"prompt_tokens": 9, "completion_tokens": 2, "total_tokens": 11}


def supertoken_like(seen: list[dict[str, object]]) -> Handler:
    """Refuses non-streaming GPT requests, as SuperToken documents."""

    def handler(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        seen.append(body)
        if str(body["model"]).startswith("gpt-") and not body.get("stream"):
            return httpx.Response(400, json={"error": {"message": "stream required"}})
        if body.get("stream"):
            usage_chunk: dict[str, object] = {**chunk(), "choices": [], "usage": USAGE}
            events = sse(chunk("你"), chunk("好"), chunk(finish="stop"), usage_chunk)
            return httpx.Response(200, stream=ScriptedStream(events))
        reply = {
            "id": "chatcmpl-2",
            "model": body["model"],
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi"}}],
            "usage": USAGE,
        }
        return httpx.Response(200, json=reply)

    return handler


@pytest.mark.anyio
@pytest.mark.parametrize("kind", ["sync", "async"])
async def test_stream_only_models_are_streamed_and_folded(kind: Kind) -> None:
    seen: list[dict[str, object]] = []
    client = make_client(kind, supertoken_like(seen), provider="supertoken")
    reply = await resolve(client.chat.completions.create(model="gpt-5.2", messages=HELLO))
    assert isinstance(reply, ChatCompletion)
    assert reply.choices[0].message.content == "你好"
    assert reply.choices[0].finish_reason == "stop"
    assert reply.usage is not None
    assert reply.usage.total_tokens == 11
    assert seen[-1]["stream"] is True
    assert seen[-1]["stream_options"] == {"include_usage": True}

    # The caller's own stream_options win; other models on the provider stay non-streaming.
    await resolve(
        client.chat.completions.create(
            model="GPT-5.1", messages=HELLO, stream=False, stream_options={"include_usage": False}
        )
    )
    assert seen[-1]["stream_options"] == {"include_usage": False}
    plain = await resolve(client.chat.completions.create(model="claude-sonnet-4-6", messages=HELLO))
    assert "stream" not in seen[-1]
    assert plain.choices[0].message.content == "hi"
    await close(client)


@pytest.mark.anyio
@pytest.mark.parametrize("kind", ["sync", "async"])
async def test_other_providers_never_force_streaming(kind: Kind) -> None:
    seen: list[dict[str, object]] = []
    client = make_client(kind, supertoken_like(seen), provider="tokenoff")
    with pytest.raises(APIStatusError, match="stream required"):
        await resolve(client.chat.completions.create(model="gpt-5.2", messages=HELLO))
    assert "stream" not in seen[-1]
    await close(client)


def test_presets_are_plain_data() -> None:
    assert set(PROVIDERS) == {"tokenlake", "tokenhub", "tokenhub-us", "supertoken", "tokenoff"}
    assert PROVIDERS["supertoken"].stream_only_models == r"gpt-.*"


@pytest.mark.parametrize("cls", [TokenClient, AsyncTokenClient])
def test_provider_sets_the_base_url(cls: type[TokenClient | AsyncTokenClient]) -> None:
    assert cls(api_key="k", provider="tokenhub").base_url == "https://tokenhub.store/api/v1"
    with pytest.raises(InvalidRequestError, match="known providers"):
        cls(api_key="k", provider="openai")


def test_preset_limits_apply_unless_overridden() -> None:
    assert resolve_limits("supertoken", NOT_GIVEN, NOT_GIVEN) == (10, 60)
    assert resolve_limits("supertoken", None, None) == (None, None)
    assert resolve_limits("supertoken", 3, NOT_GIVEN) == (3, 60)
    assert resolve_limits("tokenlake", NOT_GIVEN, NOT_GIVEN) == (None, None)
    assert resolve_limits(None, 5, 120) == (5, 120)
