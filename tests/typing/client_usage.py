"""Checked by mypy --strict and pyright strict (not run): what users' type checkers see.

`assert_type` fails the type check if an inferred type is less precise than pinned here.
"""

from __future__ import annotations

from typing import Literal

import httpx
from typing_extensions import assert_type

from tokenclient import (
    APIStreamError,
    AsyncStream,
    AsyncTokenClient,
    RateLimitError,
    ServiceUnavailableError,
    Stream,
    TokenClient,
    VideoTaskError,
)
from tokenclient.types import (
    ChatCompletion,
    ChatCompletionChunk,
    CompletionUsage,
    ImagesResponse,
    Model,
    ModelList,
    VideoTask,
)


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


async def async_either(client: AsyncTokenClient, flag: bool) -> None:
    either = await client.chat.completions.create(
        model="qwen3-8b", messages=[{"role": "user", "content": "Hi"}], stream=flag
    )
    assert_type(either, ChatCompletion | AsyncStream[ChatCompletionChunk])


def response_fields(reply: ChatCompletion, chunk: ChatCompletionChunk) -> None:
    message = reply.choices[0].message
    assert_type(message.content, str | None)
    assert_type(message.reasoning_content, str | None)
    assert_type(reply.usage, CompletionUsage | None)
    assert_type(chunk.choices[0].delta.content, str | None)
    for call in message.tool_calls or []:
        assert_type(call.id, str)


def stream_surface(
    stream: Stream[ChatCompletionChunk], chunks: AsyncStream[ChatCompletionChunk]
) -> None:
    assert_type(stream.response, httpx.Response)
    assert_type(chunks.response, httpx.Response)
    with stream as entered:
        assert_type(entered, Stream[ChatCompletionChunk])
        assert_type(next(iter(entered)), ChatCompletionChunk)


def models_and_options(client: TokenClient, aclient: AsyncTokenClient) -> None:
    models = client.models.list()
    for model in models:
        assert_type(model, Model)
    assert_type(models[0], Model)
    assert_type(len(models), int)
    assert_type(client.with_options(timeout=30.0, max_retries=0), TokenClient)
    assert_type(aclient.with_options(stream_idle_timeout=None), AsyncTokenClient)
    assert_type(client.base_url, str)
    with TokenClient() as entered:
        assert_type(entered, TokenClient)


def images_usage(client: TokenClient) -> None:
    result = client.images.generate(model="m", prompt="a cat", n=1, size="1024x1024")
    assert_type(result, ImagesResponse)
    assert_type(result.data[0].url, str | None)
    assert_type(result.data[0].b64_json, str | None)


async def async_images_usage(client: AsyncTokenClient) -> None:
    assert_type(await client.images.generate(model="m", prompt="a cat"), ImagesResponse)


def videos_usage(client: TokenClient) -> None:
    def show(task: VideoTask) -> None:
        print(task.status)

    task = client.videos.create(model="m", prompt="waves", duration=5, resolution="720p")
    assert_type(task, VideoTask)
    assert_type(task.status, Literal["queued", "running", "succeeded", "failed", "unknown"])
    assert_type(task.progress, float | None)
    assert_type(client.videos.retrieve(task.id), VideoTask)
    assert_type(client.videos.wait(task.id, on_progress=show), VideoTask)
    assert_type(client.videos.wait(task.id, on_progress=lambda t: print(t.progress)), VideoTask)
    done = client.videos.create_and_wait(
        model="m",
        prompt="waves",
        content=[
            {"type": "image_url", "image_url": {"url": "https://a/b.png"}, "role": "first_frame"}
        ],
        poll_interval=1.0,
        timeout=60.0,
        on_progress=show,
    )
    assert_type(done, VideoTask)
    if done.status == "succeeded":
        assert_type(done.status, Literal["succeeded"])


async def async_videos_usage(client: AsyncTokenClient) -> None:
    def show(task: VideoTask) -> None:
        print(task.status)

    async def show_async(task: VideoTask) -> None:
        print(task.status)

    task = await client.videos.create(model="m", prompt="waves")
    assert_type(task, VideoTask)
    assert_type(await client.videos.wait(task.id, on_progress=show), VideoTask)
    assert_type(await client.videos.wait(task.id, on_progress=show_async), VideoTask)
    assert_type(
        await client.videos.create_and_wait(model="m", prompt="waves", on_progress=show_async),
        VideoTask,
    )


def errors_usage(error: Exception) -> None:
    if isinstance(error, RateLimitError):
        assert_type(error.retry_after, float | None)
        assert_type(error.status_code, int)
        assert_type(error.code, str | int | None)
        assert_type(error.request_id, str | None)
        assert_type(error.body, object)
        assert_type(error.response, httpx.Response)
    elif isinstance(error, ServiceUnavailableError):
        assert_type(error.retry_after, float | None)
    elif isinstance(error, APIStreamError):
        assert_type(error.code, str | int | None)
        assert_type(error.message, str)
    elif isinstance(error, VideoTaskError):
        assert_type(error.task, VideoTask)
