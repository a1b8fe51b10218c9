"""``client.models.retrieve``: the id in the path, refused ids, both twins, the bundled server."""

from __future__ import annotations

import httpx
import pytest

from tokenclient import InvalidRequestError, NotFoundError
from tokenclient.testing import FakeAPI, make_async_client, make_client
from tokenclient.types import Model

from .support import Kind, close, resolve, scripted
from .support import make_client as make_test_client

pytestmark = pytest.mark.anyio
KINDS = pytest.mark.parametrize("kind", ["sync", "async"])


@KINDS
@pytest.mark.parametrize(
    ("model_id", "raw_path"),
    [
        ("qwen3-8b", "/api/v1/models/qwen3-8b"),
        ("openai/gpt-4.1", "/api/v1/models/openai/gpt-4.1"),
        ("bytedance/doubao-seedance-2.0", "/api/v1/models/bytedance/doubao-seedance-2.0"),
        ("a/b/c", "/api/v1/models/a/b/c"),
        ("qwen:7b", "/api/v1/models/qwen%3A7b"),
        ("model name", "/api/v1/models/model%20name"),
        ("what?x=1#f", "/api/v1/models/what%3Fx%3D1%23f"),
        ("50%", "/api/v1/models/50%25"),
        ("modèle", "/api/v1/models/mod%C3%A8le"),
        ("openai/../admin", "/api/v1/models/openai/%2E%2E/admin"),
        (".", "/api/v1/models/%2E"),
    ],
)
async def test_the_id_goes_in_the_path(kind: Kind, model_id: str, raw_path: str) -> None:
    seen, handler = scripted(httpx.Response(200, json={"id": model_id, "object": "model"}))
    client = make_test_client(kind, handler)
    model = await resolve(client.models.retrieve(model_id))
    assert isinstance(model, Model)
    assert model.id == model_id
    assert seen[0].method == "GET"
    assert seen[0].url.raw_path.decode() == raw_path
    assert seen[0].content == b""
    await close(client)


@KINDS
@pytest.mark.parametrize(
    ("model_id", "message"),
    [
        ("", "model: expected a non-empty model id"),
        ("gpt\n4", "model: a model id must not contain control characters"),
        ("gpt\x00", "control characters"),
        ("gpt\x7f", "control characters"),
        ("openai//gpt", "empty part"),
        ("/gpt", "empty part"),
        ("gpt/", "empty part"),
    ],
)
async def test_bad_ids_are_refused_before_sending(kind: Kind, model_id: str, message: str) -> None:
    seen, handler = scripted(httpx.Response(200, json={"id": "x"}))
    client = make_test_client(kind, handler)
    with pytest.raises(InvalidRequestError, match=message):
        await resolve(client.models.retrieve(model_id))
    assert seen == []
    await close(client)


@KINDS
async def test_a_non_string_id_is_refused(kind: Kind) -> None:
    seen, handler = scripted(httpx.Response(200, json={"id": "x"}))
    client = make_test_client(kind, handler)
    with pytest.raises(InvalidRequestError, match="model"):
        await resolve(client.models.retrieve(42))  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # wrong type under test
    assert seen == []
    await close(client)


@KINDS
async def test_per_call_options_and_vendor_fields(kind: Kind) -> None:
    body = {"id": "qwen3-8b", "object": "model", "owned_by": "qwen", "context_length": 32768}
    seen, handler = scripted(httpx.Response(200, json=body))
    client = make_test_client(kind, handler)
    model = await resolve(
        client.models.retrieve(
            "qwen3-8b", extra_headers={"x-trace": "t"}, extra_query={"v": "2"}, timeout=3.0
        )
    )
    assert model.owned_by == "qwen"
    assert model.model_extra == {"context_length": 32768}
    assert seen[0].headers["x-trace"] == "t"
    assert seen[0].url.params["v"] == "2"
    assert seen[0].extensions["timeout"]["read"] == 3.0
    await close(client)


def test_the_bundled_server_answers_retrieve() -> None:
    client = make_client(FakeAPI())
    model = client.models.retrieve("openai/gpt-4.1")
    assert model.id == "openai/gpt-4.1"
    assert model._request_id is not None  # pyright: ignore[reportPrivateUsage]
    with pytest.raises(NotFoundError, match="does not exist"):
        client.models.retrieve("no/such-model")


async def test_the_bundled_server_answers_retrieve_async() -> None:
    async with make_async_client(FakeAPI()) as client:
        listed = await client.models.list()
        for entry in listed:
            assert (await client.models.retrieve(entry.id)).id == entry.id
