"""Checked by mypy --strict and pyright strict (not run): what users' type checkers see.

`assert_type` fails the type check if an inferred type is less precise than pinned here.
"""

from __future__ import annotations

from typing_extensions import assert_type

from tokenclient import AsyncStream, AsyncTokenClient, Stream, TokenClient
from tokenclient.types import ChatCompletion, ChatCompletionChunk, ModelList


def sync_usage(client: TokenClient, flag: bool) -> None:
    plain = client.chat.completions.create(
        model="qwen3-8b", messages=[{"role": "user", "content": "Hi"}]
    )
    assert_type(plain, ChatCompletion)
    explicit = client.chat.completions.create(
        model="qwen3-8b", messages=[{"role": "user", "content": "Hi"}], stream=False
    )
    assert_type(explicit, ChatCompletion)
    stream = client.chat.completions.create(
        model="qwen3-8b", messages=[{"role": "user", "content": "Hi"}], stream=True
    )
    assert_type(stream, Stream[ChatCompletionChunk])
    for chunk in stream:
        assert_type(chunk, ChatCompletionChunk)
    assert_type(stream.get_final_completion(), ChatCompletion)
    either = client.chat.completions.create(
        model="qwen3-8b", messages=[{"role": "user", "content": "Hi"}], stream=flag
    )
    assert_type(either, ChatCompletion | Stream[ChatCompletionChunk])
    assert_type(client.models.list(), ModelList)


async def async_usage(client: AsyncTokenClient) -> None:
    plain = await client.chat.completions.create(
        model="qwen3-8b", messages=[{"role": "user", "content": "Hi"}]
    )
    assert_type(plain, ChatCompletion)
    stream = await client.chat.completions.create(
        model="qwen3-8b", messages=[{"role": "user", "content": "Hi"}], stream=True
    )
    assert_type(stream, AsyncStream[ChatCompletionChunk])
    async with stream:
        async for chunk in stream:
            assert_type(chunk, ChatCompletionChunk)
    assert_type(await stream.get_final_completion(), ChatCompletion)
    assert_type(await client.models.list(), ModelList)
