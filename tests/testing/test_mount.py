"""The handler mounted in process: one ``MockTransport`` for sync and async httpx clients."""

from __future__ import annotations

from typing import cast

import anyio
import httpx
import pytest

from tokenclient import AsyncTokenClient, TokenClient
from tokenclient.testing import FakeAPI, make_async_client, make_client, mock_transport
from tokenclient.testing._streams import ByteStream

from .support import BASE, KEY, chat_body, chunks_of

HEADERS = {"authorization": f"Bearer {KEY}"}
STREAM = chat_body("Tell me a story", stream=True, stream_options={"include_usage": True})


def text_of(raw: bytes) -> str:
    pieces: list[str] = []
    for chunk in chunks_of(raw):
        for choice in cast("list[dict[str, dict[str, str]]]", chunk["choices"]):
            pieces.append(choice["delta"].get("content", ""))
    return "".join(pieces)


def read_sync(transport: httpx.MockTransport, body: dict[str, object]) -> list[bytes]:
    """The raw pieces of a streamed response, read with ``httpx.Client``."""
    with (
        httpx.Client(transport=transport, base_url=BASE, headers=HEADERS, timeout=1) as client,
        client.stream("POST", "/chat/completions", json=body) as response,
    ):
        return list(response.iter_raw())


async def read_async(transport: httpx.MockTransport, body: dict[str, object]) -> list[bytes]:
    """The raw pieces of a streamed response, read with ``httpx.AsyncClient``."""
    async with (
        httpx.AsyncClient(transport=transport, base_url=BASE, headers=HEADERS, timeout=1) as client,
        client.stream("POST", "/chat/completions", json=body) as response,
    ):
        return [piece async for piece in response.aiter_raw()]


@pytest.mark.anyio
async def test_one_transport_streams_to_sync_and_async_clients() -> None:
    transport = mock_transport(FakeAPI(chunk_delay=0.001))
    sync_pieces = read_sync(transport, STREAM)
    async_pieces = await read_async(transport, STREAM)
    assert len(sync_pieces) == len(async_pieces) > 5
    for raw in (b"".join(sync_pieces), b"".join(async_pieces)):
        assert text_of(raw) == "You said: Tell me a story"
        assert raw.endswith(b"data: [DONE]\n\n")


@pytest.mark.anyio
@pytest.mark.parametrize("model", ["stream-drop", "slow"])
async def test_drops_and_read_timeouts_raise_in_both_clients(model: str) -> None:
    transport = mock_transport(FakeAPI(slow_seconds=60))
    body = chat_body(model=model, stream=True)
    # A stream that breaks, or a read timeout (1 s) shorter than the slow model's 60 s.
    expected = httpx.RemoteProtocolError if model == "stream-drop" else httpx.ReadTimeout
    with pytest.raises(expected):
        read_sync(transport, body)
    with pytest.raises(expected):
        await read_async(transport, body)


@pytest.mark.anyio
async def test_the_slow_wait_is_cancellable_in_async_code() -> None:
    transport = mock_transport(FakeAPI(slow_seconds=60))
    async with httpx.AsyncClient(
        transport=transport, base_url=BASE, headers=HEADERS, timeout=None
    ) as client:
        with anyio.move_on_after(0.05) as scope:
            await client.post("/chat/completions", json=chat_body(model="slow"))
    assert scope.cancelled_caught


@pytest.mark.anyio
async def test_the_async_stream_waits_with_anyio() -> None:
    stream = ByteStream([b"a", b"b"], first_delay=0.001, chunk_delay=0.001)
    assert [piece async for piece in stream] == [b"a", b"b"]
    empty = ByteStream([], first_delay=0.001, failure=lambda: httpx.ReadError("gone"))
    with pytest.raises(httpx.ReadError):
        async for _ in empty:
            pass
    with pytest.raises(httpx.ReadError):
        list(ByteStream([], first_delay=0.001, failure=lambda: httpx.ReadError("gone")))


def test_make_client_lists_the_models() -> None:
    api = FakeAPI(api_key="sk-other")
    client = make_client(api, max_retries=0)
    assert isinstance(client, TokenClient)
    assert client.base_url.rstrip("/") == "https://testserver/v1"
    with client:
        models = client.models.list()
    assert "openai/gpt-4.1" in [model.id for model in models]
    assert api.requests[-1].headers["authorization"] == "Bearer sk-other"


def test_make_client_follows_the_base_path() -> None:
    client = make_client(FakeAPI(base_path="/api/v1"))
    assert client.base_url.rstrip("/") == "https://testserver/api/v1"
    assert len(client.models.list()) > 10


@pytest.mark.anyio
async def test_make_async_client_lists_the_models() -> None:
    client = make_async_client(FakeAPI(), timeout=5.0)
    assert isinstance(client, AsyncTokenClient)
    async with client:
        models = await client.models.list()
    assert "qwen3-8b" in [model.id for model in models]
    assert models[0].model_extra is not None


def test_a_keyless_fake_still_gets_a_key_from_make_client() -> None:
    api = FakeAPI(api_key=None)
    assert len(make_client(api).models.list()) > 0
    assert api.requests[-1].headers["authorization"] == "Bearer sk-test"
