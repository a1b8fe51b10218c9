"""Checked by mypy --strict and pyright strict (not run): ``parse()`` and ``stream()`` types.

`assert_type` fails the type check if an inferred type is less precise than pinned here.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, TypeAdapter
from typing_extensions import TypedDict, assert_type

from tokenclient import (
    AsyncChatCompletionStream,
    AsyncTokenClient,
    ChatCompletionStream,
    TokenClient,
)
from tokenclient.types import (
    ChatCompletionMessageParam,
    ChatCompletionStreamEvent,
    ContentDoneEvent,
    ParsedChatCompletion,
    ParsedChatCompletionMessage,
)

MESSAGES: list[ChatCompletionMessageParam] = [{"role": "user", "content": "Ada"}]


class Person(BaseModel):
    name: str


@dataclass
class Point:
    x: int


class Row(TypedDict):
    sku: str


def sync_parse(client: TokenClient) -> None:
    completions = client.chat.completions
    completion = completions.parse(model="m", messages=MESSAGES, response_format=Person)
    assert_type(completion, ParsedChatCompletion[Person])
    message = completion.choices[0].message
    assert_type(message, ParsedChatCompletionMessage[Person])
    assert_type(message.parsed, Person | None)
    repaired = completions.parse(
        model="m",
        messages=MESSAGES,
        response_format=Point,
        strategy="json_object",
        max_repairs=2,
        temperature=0,
    )
    assert_type(repaired, ParsedChatCompletion[Point])
    listed = completions.parse(
        model="m", messages=MESSAGES, response_format=TypeAdapter(list[Person])
    )
    assert_type(listed.choices[0].message.parsed, list[Person] | None)
    aliased = completions.parse(model="m", messages=MESSAGES, response_format=list[Person])
    assert_type(aliased, ParsedChatCompletion[list[Person]])
    assert_type(
        completions.parse(model="m", messages=MESSAGES, response_format=Row),
        ParsedChatCompletion[Row],
    )
    tools_only = completions.parse(model="m", messages=MESSAGES)
    assert_type(tools_only, ParsedChatCompletion[None])
    completions.parse(model="m", messages=MESSAGES, strategy="xml")  # type: ignore[call-overload]  # pyright: ignore[reportArgumentType, reportCallIssue]  # not a strategy
    completions.parse(model="m", messages=MESSAGES, stream=True)  # type: ignore[call-overload]  # pyright: ignore[reportCallIssue]  # parse() does not stream


def sync_stream(client: TokenClient) -> None:
    manager = client.chat.completions.stream(model="m", messages=MESSAGES, response_format=Person)
    with manager as stream:
        assert_type(stream, ChatCompletionStream[Person])
        for event in stream:
            assert_type(event, ChatCompletionStreamEvent[Person])
            if isinstance(event, ContentDoneEvent):
                assert_type(event.parsed, Person | None)
        for text in stream.text_stream:
            assert_type(text, str)
        assert_type(stream.get_final_completion(), ParsedChatCompletion[Person])
    with client.chat.completions.stream(model="m", messages=MESSAGES) as plain:
        assert_type(plain, ChatCompletionStream[None])
    client.chat.completions.stream(model="m", messages=MESSAGES, strategy="tool")  # type: ignore[call-overload]  # pyright: ignore[reportArgumentType, reportCallIssue]  # streams cannot use it


async def async_usage(client: AsyncTokenClient) -> None:
    completion = await client.chat.completions.parse(
        model="m", messages=MESSAGES, response_format=Person
    )
    assert_type(completion, ParsedChatCompletion[Person])
    async with client.chat.completions.stream(
        model="m", messages=MESSAGES, response_format=Person
    ) as stream:
        assert_type(stream, AsyncChatCompletionStream[Person])
        async for event in stream:
            assert_type(event, ChatCompletionStreamEvent[Person])
        async for text in stream.text_stream:
            assert_type(text, str)
        assert_type(await stream.get_final_completion(), ParsedChatCompletion[Person])
