"""``chat.completions.parse()`` against the bundled server: strategies, the fallback and its
memo, repairs, finish reasons, typed tools, bad input.

Each test drives the sync and the async client from one body, on asyncio and trio.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, cast

import httpx
import pytest
from pydantic import BaseModel, TypeAdapter
from typing_extensions import TypedDict

from tokenclient import (
    AsyncTokenClient,
    BadRequestError,
    ContentFilterFinishReasonError,
    InvalidRequestError,
    LengthFinishReasonError,
    StructuredOutputError,
    ToolArgumentsError,
    function_tool,
)
from tokenclient.testing import FakeAPI
from tokenclient.types import ChatCompletionMessageParam, ParsedChatCompletion

from .support import AnyClient, Kind, close, make_client, resolve

pytestmark = pytest.mark.anyio
KINDS = pytest.mark.parametrize("kind", ["sync", "async"])
ADA: list[ChatCompletionMessageParam] = [{"role": "user", "content": "Ada"}]
Strategy = Literal["auto", "json_schema", "json_object", "tool"]


class Person(BaseModel):
    """Someone."""

    name: str
    age: int


class Stats(BaseModel):
    count: int
    ok: bool


def get_weather(city: str, days: int = 1) -> str:
    """The weather in a city."""
    return f"{city}: sunny for {days} days"


def bodies(api: FakeAPI) -> list[dict[str, object]]:
    return [cast("dict[str, object]", json.loads(r.content)) for r in api.requests]


def format_of(body: dict[str, object]) -> object:
    return cast("dict[str, object]", body.get("response_format") or {}).get("type")


async def parse(
    client: AnyClient,
    model: str,
    response_format: object = Person,
    *,
    strategy: Strategy = "auto",
    max_repairs: int = 0,
    messages: list[ChatCompletionMessageParam] | None = None,
    **params: object,
) -> ParsedChatCompletion[object]:
    """``parse()`` on either client kind (the typed overloads are pinned in tests/typing)."""
    method = cast("Callable[..., object]", client.chat.completions.parse)
    kwargs: dict[str, object] = {"model": model, "messages": messages or ADA, **params}
    if response_format is not None:
        kwargs["response_format"] = response_format
    result = await resolve(method(strategy=strategy, max_repairs=max_repairs, **kwargs))
    assert isinstance(result, ParsedChatCompletion)
    return cast("ParsedChatCompletion[object]", result)


@pytest.fixture
def api() -> FakeAPI:
    return FakeAPI(api_key=None, base_path="/api/v1")


@KINDS
async def test_json_schema_first_strict(kind: Kind, api: FakeAPI) -> None:
    client = make_client(kind, api)
    completion = await parse(client, "qwen3-8b")
    message = completion.choices[0].message
    assert message.parsed == Person(name="Ada", age=1)
    assert message.content == '{"name": "Ada", "age": 1}'
    (body,) = bodies(api)
    response_format = cast("dict[str, dict[str, object]]", body["response_format"])
    assert response_format["json_schema"]["strict"] is True
    assert response_format["json_schema"]["name"] == "Person"
    schema = cast("dict[str, object]", response_format["json_schema"]["schema"])
    assert schema["additionalProperties"] is False
    assert schema["required"] == ["name", "age"]
    assert completion._request_id is not None  # pyright: ignore[reportPrivateUsage]
    await close(client)


@KINDS
async def test_fallback_to_json_object_is_remembered_and_shared(kind: Kind, api: FakeAPI) -> None:
    client = make_client(kind, api)
    completion = await parse(client, "acme/no-json-schema")
    assert completion.choices[0].message.parsed == Person(name="Ada", age=1)
    first, second = bodies(api)
    assert format_of(first) == "json_schema"
    assert format_of(second) == "json_object"
    system = cast("list[dict[str, str]]", second["messages"])[0]
    assert system["role"] == "system"
    assert '"required":["name","age"]' in system["content"]
    # Remembered for (base_url, model): the next call, also through a with_options copy,
    # goes straight to json_object; another model still starts with json_schema.
    copy = client.with_options(timeout=30)
    await parse(copy, "acme/no-json-schema")
    await parse(client, "qwen3-8b")
    assert [format_of(body) for body in bodies(api)[2:]] == ["json_object", "json_schema"]
    await close(client)


@KINDS
async def test_fallback_to_a_forced_tool(kind: Kind, api: FakeAPI) -> None:
    client = make_client(kind, api)
    completion = await parse(client, "no-json-object")
    message = completion.choices[0].message
    assert message.parsed == Person(name="Paris", age=1)  # tool arguments use the place
    assert message.tool_calls is None  # the output's own call is not a call to act on
    sent = bodies(api)
    assert [format_of(body) for body in sent] == ["json_schema", "json_object", None]
    assert sent[2]["tool_choice"] == {"type": "function", "function": {"name": "Person"}}
    await parse(client, "no-json-object")
    assert format_of(bodies(api)[3]) is None
    assert "tools" in bodies(api)[3]
    await close(client)


@KINDS
async def test_a_forced_strategy_is_not_replaced(kind: Kind, api: FakeAPI) -> None:
    client = make_client(kind, api)
    with pytest.raises(BadRequestError) as refused:
        await parse(client, "no-json-schema", strategy="json_schema")
    assert refused.value.param == "response_format"
    assert len(api.requests) == 1
    completion = await parse(client, "qwen3-8b", strategy="tool")
    assert completion.choices[0].message.parsed == Person(name="Paris", age=1)  # the place
    await close(client)


@KINDS
async def test_other_errors_are_not_a_fallback(kind: Kind, api: FakeAPI) -> None:
    client = make_client(kind, api, max_retries=0)
    with pytest.raises(BadRequestError):
        await parse(client, "error-400")
    assert len(api.requests) == 1
    await close(client)


@KINDS
@pytest.mark.parametrize(
    ("model", "error_type"), [("wrong-schema", "missing"), ("invalid-json", "json_invalid")]
)
async def test_output_that_does_not_validate(
    kind: Kind, api: FakeAPI, model: str, error_type: str
) -> None:
    client = make_client(kind, api)
    with pytest.raises(StructuredOutputError) as raised:
        await parse(client, model)
    error = raised.value
    assert not isinstance(error, ToolArgumentsError)
    assert error.errors[0]["type"] == error_type
    assert error.completion is not None
    assert error.raw == error.completion.choices[0].message.content
    assert "Person" in str(error)
    await close(client)


@KINDS
async def test_repairs_send_the_errors_back(kind: Kind, api: FakeAPI) -> None:
    client = make_client(kind, api)
    with pytest.raises(StructuredOutputError):
        await parse(client, "needs-repair", Stats)
    completion = await parse(client, "needs-repair", Stats, max_repairs=2)
    assert completion.choices[0].message.parsed == Stats(count=1, ok=True)
    repaired = bodies(api)[-1]
    assert len(bodies(api)) == 3  # one refused attempt, then one answer and one repair
    messages = cast("list[dict[str, str]]", repaired["messages"])
    assert [m["role"] for m in messages] == ["user", "assistant", "user"]
    assert messages[1]["content"] == '{"unexpected": true}'
    assert "- count: Field required" in messages[2]["content"]
    await close(client)


@KINDS
async def test_repairs_run_out(kind: Kind, api: FakeAPI) -> None:
    client = make_client(kind, api)
    with pytest.raises(StructuredOutputError):
        await parse(client, "wrong-schema", Stats, max_repairs=2)
    assert len(api.requests) == 3
    await close(client)


@KINDS
async def test_a_repair_in_the_tool_strategy_answers_the_call(kind: Kind, api: FakeAPI) -> None:
    client = make_client(kind, api)
    completion = await parse(client, "needs-repair", Stats, strategy="tool", max_repairs=1)
    assert completion.choices[0].message.parsed == Stats(count=1, ok=True)
    messages = cast("list[dict[str, object]]", bodies(api)[-1]["messages"])
    assert [m["role"] for m in messages] == ["user", "assistant", "tool"]
    await close(client)


@KINDS
async def test_fenced_json_is_accepted(kind: Kind, api: FakeAPI) -> None:
    client = make_client(kind, api)
    completion = await parse(client, "fenced-json")
    assert (completion.choices[0].message.content or "").startswith("```json")
    assert completion.choices[0].message.parsed == Person(name="Ada", age=1)
    await close(client)


@dataclass
class Point:
    x: int
    y: int


class Item(TypedDict):
    sku: str


@KINDS
@pytest.mark.parametrize(
    ("response_format", "expected", "as_tool"),
    [
        (Point, Point(1, 1), Point(1, 1)),
        (Item, {"sku": "Ada"}, {"sku": "Paris"}),  # tool arguments get the place
        (list[Item], [], []),
        (TypeAdapter(list[int]), [], []),
    ],
)
async def test_any_type_pydantic_validates(
    kind: Kind, api: FakeAPI, response_format: object, expected: object, as_tool: object
) -> None:
    client = make_client(kind, api)
    for strategy in ("json_schema", "json_object", "tool"):
        completion = await parse(client, "qwen3-8b", response_format, strategy=strategy)
        wanted = as_tool if strategy == "tool" else expected
        assert completion.choices[0].message.parsed == wanted
    await close(client)


@KINDS
async def test_n_choices_are_each_parsed(kind: Kind, api: FakeAPI) -> None:
    client = make_client(kind, api)
    completion = await parse(client, "qwen3-8b", n=2)
    assert [c.message.parsed for c in completion.choices] == [Person(name="Ada", age=1)] * 2
    await close(client)


@KINDS
async def test_a_refusal_leaves_parsed_none(kind: Kind, api: FakeAPI) -> None:
    client = make_client(kind, api)
    refuse: list[ChatCompletionMessageParam] = [{"role": "user", "content": "please refuse"}]
    completion = await parse(client, "qwen3-8b", messages=refuse)
    message = completion.choices[0].message
    assert message.parsed is None
    assert message.refusal
    await close(client)


@KINDS
async def test_length_and_content_filter(kind: Kind, api: FakeAPI) -> None:
    client = make_client(kind, api)
    with pytest.raises(LengthFinishReasonError) as cut:
        await parse(client, "qwen3-8b", max_tokens=1)
    assert cut.value.completion.choices[0].finish_reason == "length"
    await close(client)

    filtered = {
        "id": "chatcmpl-1",
        "model": "m",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "{"},
                "finish_reason": "content_filter",
            }
        ],
    }
    client = make_client(kind, lambda request: httpx.Response(200, json=filtered))
    with pytest.raises(ContentFilterFinishReasonError):
        await parse(client, "qwen3-8b")
    await close(client)


@KINDS
async def test_typed_tools_without_a_response_format(kind: Kind, api: FakeAPI) -> None:
    client = make_client(kind, api)
    weather: list[ChatCompletionMessageParam] = [
        {"role": "user", "content": "weather in Paris and Rome"}
    ]
    completion = await parse(
        client, "qwen3-8b", None, messages=weather, tools=[function_tool(get_weather)]
    )
    message = completion.choices[0].message
    assert message.parsed is None
    calls = message.tool_calls or []
    assert [call.function.parsed_arguments for call in calls if call.function] == [
        {"city": "Paris", "days": 1},
        {"city": "Rome", "days": 1},
    ]
    assert format_of(bodies(api)[0]) is None  # no response_format without a type
    with pytest.raises(ToolArgumentsError) as bad:
        await parse(
            client, "wrong-schema", None, messages=weather, tools=[function_tool(get_weather)]
        )
    assert (bad.value.tool, bad.value.field) == ("get_weather", "city")
    await close(client)


@KINDS
async def test_bad_arguments_are_refused_before_sending(kind: Kind, api: FakeAPI) -> None:
    client = make_client(kind, api)
    with pytest.raises(InvalidRequestError, match="strategy: expected one of 'auto'"):
        await parse(client, "qwen3-8b", strategy=cast("Strategy", "xml"))
    with pytest.raises(InvalidRequestError, match="max_repairs"):
        await parse(client, "qwen3-8b", max_repairs=-1)
    with pytest.raises(
        InvalidRequestError, match=r"response_format: parse\(\) and stream\(\) take"
    ):
        await parse(client, "qwen3-8b", {"type": "json_object"})
    with pytest.raises(InvalidRequestError, match=r"response_format: .* not a type"):
        await parse(client, "qwen3-8b", 42)
    with pytest.raises(InvalidRequestError, match="response_format: None is not a type"):
        await resolve(
            cast("Callable[..., object]", client.chat.completions.parse)(
                model="m", messages=ADA, response_format=None
            )
        )
    with pytest.raises(InvalidRequestError, match="stream: not an argument"):
        await parse(client, "qwen3-8b", stream=True)
    with pytest.raises(InvalidRequestError, match="temperature"):
        await parse(client, "qwen3-8b", temperature=9)
    assert api.requests == []
    await close(client)


@KINDS
async def test_stream_only_models_are_parsed_from_the_folded_stream(kind: Kind) -> None:
    api = FakeAPI(api_key=None, base_path="/api/v1")
    client = make_client(kind, api, provider="supertoken")
    assert client._config.must_stream("gpt-4o")  # pyright: ignore[reportPrivateUsage]
    completion = await parse(client, "gpt-4o")
    assert completion.choices[0].message.parsed == Person(name="Ada", age=1)
    assert json.loads(api.requests[0].content)["stream"] is True
    await close(client)


@KINDS
async def test_a_parsed_message_sent_back_is_the_original(kind: Kind, api: FakeAPI) -> None:
    client = make_client(kind, api)
    completion = await parse(client, "deepseek-reasoner")
    message = completion.choices[0].message
    assert message.reasoning_content
    follow_up: list[object] = [*ADA, message, {"role": "user", "content": "Again"}]
    if isinstance(client, AsyncTokenClient):
        await client.chat.completions.create(model="m", messages=follow_up)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # a response message, dumped
    else:
        client.chat.completions.create(model="m", messages=follow_up)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # a response message, dumped
    sent = cast("list[dict[str, object]]", bodies(api)[-1]["messages"])[1]
    assert sent == {
        "role": "assistant",
        "content": message.content,
        "refusal": None,
        "reasoning_content": message.reasoning_content,
    }
    await close(client)
