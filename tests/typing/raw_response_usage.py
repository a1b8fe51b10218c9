"""Checked by mypy --strict and pyright strict (not run): what ``with_raw_response`` returns.

The wrappers keep each method's overloads, so ``stream=True`` gives a raw response whose
``parse()`` is the stream, as in openai-python.
"""

from __future__ import annotations

import datetime

import httpx
from typing_extensions import assert_type

from tokenclient import (
    AsyncStream,
    AsyncTokenClient,
    RateLimitInfo,
    RawResponse,
    Stream,
    TokenClient,
)
from tokenclient.types import (
    ChatCompletion,
    ChatCompletionChunk,
    ImagesResponse,
    Model,
    ModelList,
    VideoTask,
)


def sync_usage(client: TokenClient, flag: bool) -> None:
    raw = client.chat.completions.with_raw_response.create(
        model="m", messages=[{"role": "user", "content": "Hi"}]
    )
    assert_type(raw, RawResponse[ChatCompletion])
    assert_type(raw.parse(), ChatCompletion)
    assert_type(raw.parse()._request_id, str | None)  # pyright: ignore[reportPrivateUsage]
    assert_type(raw.headers, httpx.Headers)
    assert_type(raw.status_code, int)
    assert_type(raw.request_id, str | None)
    assert_type(raw.elapsed, datetime.timedelta)
    assert_type(raw.http_response, httpx.Response)
    assert_type(raw.rate_limit, RateLimitInfo)
    assert_type(raw.rate_limit.remaining_tokens, int | None)
    assert_type(raw.rate_limit.reset_requests, float | None)
    streamed = client.chat.completions.with_raw_response.create(
        model="m", messages=[{"role": "user", "content": "Hi"}], stream=True
    )
    assert_type(streamed, RawResponse[Stream[ChatCompletionChunk]])
    assert_type(streamed.parse().request_id, str | None)
    either = client.chat.completions.with_raw_response.create(
        model="m", messages=[{"role": "user", "content": "Hi"}], stream=flag
    )
    assert_type(either, RawResponse[ChatCompletion | Stream[ChatCompletionChunk]])
    assert_type(client.models.with_raw_response.list(), RawResponse[ModelList])
    assert_type(client.models.with_raw_response.retrieve("m"), RawResponse[Model])
    assert_type(client.models.retrieve("openai/gpt-4.1"), Model)
    assert_type(
        client.images.with_raw_response.generate(model="m", prompt="p"),
        RawResponse[ImagesResponse],
    )
    assert_type(
        client.videos.with_raw_response.create(model="m", prompt="p"), RawResponse[VideoTask]
    )
    assert_type(client.videos.with_raw_response.retrieve("t"), RawResponse[VideoTask])


async def async_usage(client: AsyncTokenClient) -> None:
    raw = await client.chat.completions.with_raw_response.create(
        model="m", messages=[{"role": "user", "content": "Hi"}]
    )
    assert_type(raw, RawResponse[ChatCompletion])
    streamed = await client.chat.completions.with_raw_response.create(
        model="m", messages=[{"role": "user", "content": "Hi"}], stream=True
    )
    assert_type(streamed, RawResponse[AsyncStream[ChatCompletionChunk]])
    assert_type(await client.models.with_raw_response.list(), RawResponse[ModelList])
    assert_type(await client.models.with_raw_response.retrieve("m"), RawResponse[Model])
    assert_type(await client.models.retrieve("m"), Model)
    assert_type(
        await client.images.with_raw_response.generate(model="m", prompt="p"),
        RawResponse[ImagesResponse],
    )
    assert_type(
        await client.videos.with_raw_response.create(model="m", prompt="p"),
        RawResponse[VideoTask],
    )
    assert_type(await client.videos.with_raw_response.retrieve("t"), RawResponse[VideoTask])
