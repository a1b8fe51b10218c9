"""``chat.completions.stream()``: typed events, ``text_stream`` and the parsed final completion,
against the bundled server; one body for the sync and async clients, on asyncio and trio.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from typing import cast

import pytest
from pydantic import BaseModel

from tokenclient import (
    AsyncTokenClient,
    BadRequestError,
    InvalidRequestError,
    StructuredOutputError,
    TokenClient,
    function_tool,
)
from tokenclient._chat_stream import AsyncChatCompletionStreamManager, ChatCompletionStreamManager
from tokenclient.testing import FakeAPI
from tokenclient.types import (
    ChatCompletionMessageParam,
    ChatCompletionStreamEvent,
    ChunkEvent,
    ContentDeltaEvent,
    ContentDoneEvent,
    ParsedChatCompletion,
    ReasoningDeltaEvent,
    ReasoningDoneEvent,
    RefusalDeltaEvent,
    RefusalDoneEvent,
    ToolCallArgumentsDeltaEvent,
    ToolCallDoneEvent,
)

from .support import AnyClient, Kind, close, make_client

pytestmark = pytest.mark.anyio
KINDS = pytest.mark.parametrize("kind", ["sync", "async"])
Event = ChatCompletionStreamEvent[object]


class Person(BaseModel):
    name: str
    age: int


def get_weather(city: str) -> str:
    """The weather in a city."""
    return city


def user(text: str) -> list[ChatCompletionMessageParam]:
    return [{"role": "user", "content": text}]


async def run(
    client: AnyClient, *, text_only: bool = False, **params: object
) -> tuple[list[Event] | list[str], ParsedChatCompletion[object], bool]:
    """Open ``stream(**params)``, read its events (or ``text_stream``), then the final
    completion; whether the response was closed on leaving the block."""
    items: list[object] = []
    if isinstance(client, AsyncTokenClient):
        open_async = cast(
            "Callable[..., AsyncChatCompletionStreamManager[object]]",
            client.chat.completions.stream,
        )
        async with open_async(**params) as async_stream:
            source: AsyncIterator[object] = async_stream.text_stream if text_only else async_stream
            items.extend([item async for item in source])
            final = await async_stream.get_final_completion()
        closed = async_stream.response.is_closed
    else:
        assert isinstance(client, TokenClient)
        open_sync = cast(
            "Callable[..., ChatCompletionStreamManager[object]]", client.chat.completions.stream
        )
        with open_sync(**params) as stream:
            items.extend(stream.text_stream if text_only else stream)
            final = stream.get_final_completion()
        closed = stream.response.is_closed
    return cast("list[Event] | list[str]", items), final, closed


def kinds(events: list[Event] | list[str]) -> list[str]:
    return [type(event).__name__ for event in events if not isinstance(event, ChunkEvent)]


@pytest.fixture
def api() -> FakeAPI:
    return FakeAPI(api_key=None, base_path="/api/v1")


@KINDS
async def test_content_events_and_text_stream(kind: Kind, api: FakeAPI) -> None:
    client = make_client(kind, api)
    events, final, closed = await run(client, model="qwen3-8b", messages=user("Hi there"))
    assert closed
    assert kinds(events) == ["ContentDeltaEvent"] * 4 + ["ContentDoneEvent"]
    deltas = [e for e in events if isinstance(e, ContentDeltaEvent)]
    assert [e.delta for e in deltas] == ["You ", "said: ", "Hi ", "there"]
    assert [e.snapshot for e in deltas][-2:] == ["You said: Hi ", "You said: Hi there"]
    (done,) = [e for e in events if isinstance(e, ContentDoneEvent)]
    assert done == ContentDoneEvent("You said: Hi there", None, 0)
    chunks = [e for e in events if isinstance(e, ChunkEvent)]
    # role, four pieces, finish_reason, then the usage chunk (stream_usage is on by default)
    assert len(chunks) == 7
    assert events[-1] == chunks[-1]
    assert chunks[-1].chunk.choices == []
    assert chunks[-1].chunk.usage is not None
    assert events[0] == chunks[0]  # a chunk's event comes before what it caused
    assert final.choices[0].message.content == "You said: Hi there"
    assert final.choices[0].message.parsed is None
    assert final._request_id is not None  # pyright: ignore[reportPrivateUsage]
    texts, _, _ = await run(client, text_only=True, model="qwen3-8b", messages=user("Hi there"))
    assert texts == ["You ", "said: ", "Hi ", "there"]
    await close(client)


@KINDS
async def test_structured_output_falls_back_and_is_parsed(kind: Kind, api: FakeAPI) -> None:
    client = make_client(kind, api)
    events, final, _ = await run(
        client, model="no-json-schema", messages=user("Ada"), response_format=Person
    )
    done = [e for e in events if isinstance(e, ContentDoneEvent)]
    assert done[0].parsed == Person(name="Ada", age=1)
    assert final.choices[0].message.parsed == Person(name="Ada", age=1)
    sent = [json.loads(r.content) for r in api.requests]
    assert [s["response_format"]["type"] for s in sent] == ["json_schema", "json_object"]
    assert all(s["stream"] is True for s in sent)
    await run(client, model="no-json-schema", messages=user("Ada"), response_format=Person)
    assert json.loads(api.requests[-1].content)["response_format"]["type"] == "json_object"
    await close(client)


@KINDS
async def test_invalid_output_raises_at_its_done_event(kind: Kind, api: FakeAPI) -> None:
    client = make_client(kind, api)
    with pytest.raises(StructuredOutputError) as raised:
        await run(client, model="wrong-schema", messages=user("Ada"), response_format=Person)
    assert raised.value.raw == '{"unexpected": true}'
    assert raised.value.completion is not None
    await close(client)


@KINDS
async def test_tool_call_events(kind: Kind, api: FakeAPI) -> None:
    client = make_client(kind, api)
    events, final, _ = await run(
        client,
        model="deepseek-reasoner",
        messages=user("weather in Paris and Rome"),
        tools=[function_tool(get_weather)],
    )
    names = kinds(events)
    first_done = names.index("ToolCallDoneEvent")
    assert names[:first_done] == (
        ["ReasoningDeltaEvent"] * 10 + ["ReasoningDoneEvent"] + ["ToolCallArgumentsDeltaEvent"] * 4
    )  # the reasoning's pieces, done when call 0 starts: its header and three argument pieces
    assert names[first_done + 1 :] == [*["ToolCallArgumentsDeltaEvent"] * 3, "ToolCallDoneEvent"]
    pieces = [e for e in events if isinstance(e, ToolCallArgumentsDeltaEvent)]
    assert {(e.index, e.name) for e in pieces} == {(0, "get_weather"), (1, "get_weather")}
    assert "".join(e.arguments_delta for e in pieces if e.index == 1) == '{"city": "Rome"}'
    done = [e for e in events if isinstance(e, ToolCallDoneEvent)]
    calls = final.choices[0].message.tool_calls or []
    assert [(e.index, e.arguments, e.parsed_arguments, e.id) for e in done] == [
        (0, '{"city": "Paris"}', {"city": "Paris"}, calls[0].id),
        (1, '{"city": "Rome"}', {"city": "Rome"}, calls[1].id),
    ]
    assert [c.function.parsed_arguments for c in calls if c.function] == [
        {"city": "Paris"},
        {"city": "Rome"},
    ]
    reasoning = [e for e in events if isinstance(e, ReasoningDeltaEvent)]
    finished = next(e for e in events if isinstance(e, ReasoningDoneEvent))
    assert (
        finished.reasoning == reasoning[-1].snapshot == final.choices[0].message.reasoning_content
    )
    await close(client)


@KINDS
async def test_refusal_events(kind: Kind, api: FakeAPI) -> None:
    client = make_client(kind, api)
    events, final, _ = await run(
        client, model="qwen3-8b", messages=user("please refuse"), response_format=Person
    )
    assert set(kinds(events)) == {"RefusalDeltaEvent", "RefusalDoneEvent"}
    last = [e for e in events if isinstance(e, RefusalDeltaEvent)][-1]
    done = next(e for e in events if isinstance(e, RefusalDoneEvent))
    assert done.refusal == last.snapshot == final.choices[0].message.refusal
    assert final.choices[0].message.parsed is None
    await close(client)


@KINDS
async def test_choices_are_told_apart(kind: Kind, api: FakeAPI) -> None:
    client = make_client(kind, api)
    events, final, _ = await run(client, model="qwen3-8b", messages=user("Hi"), n=2)
    done = [e for e in events if isinstance(e, ContentDoneEvent)]
    assert [(e.choice_index, e.content) for e in done] == [(0, "You said: Hi"), (1, "You said: Hi")]
    assert len(final.choices) == 2
    await close(client)


@KINDS
async def test_bad_arguments_are_refused_before_sending(kind: Kind, api: FakeAPI) -> None:
    client = make_client(kind, api)
    completions = client.chat.completions
    with pytest.raises(InvalidRequestError, match="strategy: expected one of"):
        completions.stream(model="m", messages=user("x"), strategy="tool")  # type: ignore[call-overload]  # pyright: ignore[reportArgumentType, reportCallIssue]  # the case under test
    with pytest.raises(InvalidRequestError, match="temperature"):
        completions.stream(model="m", messages=user("x"), temperature=5)
    assert api.requests == []
    await close(client)


@KINDS
async def test_a_refused_forced_strategy_raises_on_entering(kind: Kind, api: FakeAPI) -> None:
    client = make_client(kind, api)
    with pytest.raises(BadRequestError):
        await run(
            client,
            model="no-json-schema",
            messages=user("Ada"),
            response_format=Person,
            strategy="json_schema",
        )
    assert len(api.requests) == 1
    await close(client)


@KINDS
async def test_leaving_early_closes_the_stream(kind: Kind, api: FakeAPI) -> None:
    client = make_client(kind, api)
    messages = user("one two three four")
    if isinstance(client, AsyncTokenClient):
        async with client.chat.completions.stream(model="qwen3-8b", messages=messages) as first:
            async for event in first:
                if isinstance(event, ContentDeltaEvent):
                    break
        closed = first.response.is_closed
    else:
        assert isinstance(client, TokenClient)
        with client.chat.completions.stream(model="qwen3-8b", messages=messages) as second:
            for event in second:
                if isinstance(event, ContentDeltaEvent):
                    break
        closed = second.response.is_closed
    assert closed
    await close(client)
