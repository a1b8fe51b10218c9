"""Checked by mypy --strict and pyright strict (not run): what ``client.get`` / ``post`` return."""

from __future__ import annotations

from typing_extensions import assert_type

from tokenclient import AsyncStream, AsyncTokenClient, Stream, TokenClient
from tokenclient.types import ChatCompletionChunk, Model


def sync_usage(client: TokenClient) -> None:
    assert_type(client.get("/balance", cast_to=dict), dict[str, object])
    assert_type(client.get("/items", cast_to=list), list[object])
    assert_type(client.get("/anything"), object)
    assert_type(client.get("/anything", cast_to=object), object)
    assert_type(client.get("/models/m", cast_to=Model), Model)
    assert_type(client.post("/embeddings", body={"input": "x"}, cast_to=dict), dict[str, object])
    assert_type(client.post("/models", cast_to=Model, extra_headers={"x": "y"}), Model)
    assert_type(
        client.post("/chat/completions", body={}, cast_to=ChatCompletionChunk, stream=True),
        Stream[ChatCompletionChunk],
    )


async def async_usage(client: AsyncTokenClient) -> None:
    assert_type(await client.get("/balance", cast_to=dict), dict[str, object])
    assert_type(await client.get("/anything", timeout=3.0), object)
    assert_type(await client.post("/x", cast_to=Model), Model)
    assert_type(await client.post("/x", cast_to=Model, stream=True), AsyncStream[Model])
