"""The fake server's structured outputs: n, response_format, forced tools and quirk models."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal, cast

import pytest
from pydantic import BaseModel, Field

from tokenclient import BadRequestError, LengthFinishReasonError
from tokenclient._core.accumulate import accumulate
from tokenclient._core.structured import (
    Invalid,
    OutputSpec,
    Strategy,
    apply_strategy,
    is_unsupported_response_format,
    output_spec,
    output_text,
    parse_completion,
    repair_messages,
    strategy_order,
    validate_output,
)
from tokenclient.testing import FakeAPI, make_async_client, make_client
from tokenclient.testing._chat import QUIRKS, REFUSAL
from tokenclient.testing._instances import instance_of
from tokenclient.types.chat import ChatCompletion, ChatCompletionChunk

from .support import assert_schema_valid, assert_spec_valid, call, chat_body, chunks_of, json_of

DOCS = Path(__file__).parents[2] / "docs" / "testing.md"


class Address(BaseModel):
    street: str
    city: str


class Person(BaseModel):
    """Someone mentioned in the text."""

    name: str = Field(min_length=2, max_length=40)
    age: int = Field(ge=18, lt=130)
    score: float = Field(gt=0.5, le=0.75, multiple_of=0.25)
    role: Literal["admin", "user"]
    home: Address | None
    emails: list[str] = Field(min_length=2)


class Node(BaseModel):
    value: int
    next: Node | None
    children: list[Node]


# --- the instance generator ------------------------------------------------------------------

SCHEMAS: list[dict[str, object]] = [
    {"type": "string", "minLength": 30},
    {"type": "string", "maxLength": 3},
    {"type": "string", "format": "date-time"},
    {"type": "string", "format": "email"},
    {"type": "string", "format": "uuid"},
    {"type": "integer", "minimum": 5, "maximum": 9},
    {"type": "integer", "exclusiveMinimum": 1, "exclusiveMaximum": 3},
    {"type": "integer", "maximum": -4},
    {"type": "number", "exclusiveMinimum": 1.5},
    {"type": "number", "minimum": 0.1, "maximum": 0.2},
    {"type": "integer", "multipleOf": 7},
    {"type": "number", "multipleOf": 0.3, "maximum": 1},
    {"type": "boolean"},
    {"type": "null"},
    {"type": ["integer", "null"]},
    {"enum": ["b", "a"]},
    {"const": {"x": 1}},
    {"type": "array", "items": {"type": "integer"}, "minItems": 3},
    {"type": "array", "prefixItems": [{"type": "string"}, {"type": "boolean"}], "minItems": 2},
    {"anyOf": [{"type": "string"}, {"type": "integer"}]},
    {"oneOf": [{"type": "integer", "minimum": 3}, {"type": "string"}]},
    {
        "allOf": [
            {"properties": {"a": {"type": "string"}}},
            {"properties": {"b": {"type": "integer"}}},
        ]
    },
    {"type": "object", "required": ["undescribed"]},
    {},
]


@pytest.mark.parametrize("schema", SCHEMAS, ids=[json.dumps(s)[:40] for s in SCHEMAS])
def test_instances_are_valid(schema: dict[str, object]) -> None:
    assert_schema_valid(schema, instance_of(schema))


@pytest.mark.parametrize("type_", [Person, Node, list[Person], dict[str, Address]])
def test_instances_of_pydantic_schemas_are_valid_and_deterministic(type_: object) -> None:
    spec = output_spec(cast("type[object]", type_))
    first = instance_of(spec.schema, text="Ada")
    assert_schema_valid(spec.schema, first)
    assert instance_of(spec.schema, text="Ada") == first
    assert not isinstance(validate_output(spec, json.dumps(first)), Invalid)


def test_a_recursive_schema_takes_the_branch_that_ends() -> None:
    spec = output_spec(Node)
    # The first branch of `next` is a Node; inside it, a Node again would loop, so null.
    leaf: dict[str, object] = {"value": 1, "next": None, "children": []}
    assert instance_of(spec.schema) == {"value": 1, "next": leaf, "children": []}


def test_strings_use_the_given_text_and_formats() -> None:
    spec = output_spec(Person)
    person = cast("dict[str, object]", instance_of(spec.schema, text="Ada"))
    assert person["name"] == "Ada"
    assert person["age"] == 18
    assert person["score"] == 0.75
    assert person["role"] == "admin"
    assert person["emails"] == ["Ada", "Ada"]


# --- response_format -------------------------------------------------------------------------


def message_of(body: dict[str, object], index: int = 0) -> dict[str, object]:
    choices = cast("list[dict[str, object]]", body["choices"])
    return cast("dict[str, object]", choices[index]["message"])


def structured_body(
    spec: OutputSpec[object], strategy: Strategy, text: str = "Ada is 36.", **extra: object
) -> dict[str, object]:
    return apply_strategy(chat_body(text, **extra), spec, strategy)


def person_spec() -> OutputSpec[object]:
    return cast("OutputSpec[object]", output_spec(Person))


@pytest.mark.parametrize("strategy", ["json_schema", "json_object", "tool"])
def test_every_strategy_gets_a_valid_instance(strategy: Strategy) -> None:
    spec = person_spec()
    response = call(FakeAPI(), "POST", "/chat/completions", body=structured_body(spec, strategy))
    assert response.status_code == 200
    body = json_of(response)
    assert_spec_valid("CreateChatCompletionResponse", body)
    completion = ChatCompletion.model_validate(body)
    raw = output_text(completion.choices[0].message, strategy, spec)
    assert raw is not None
    assert_schema_valid(spec.schema, json.loads(raw))
    parsed = parse_completion(completion, spec, strategy=strategy)
    assert isinstance(parsed.choices[0].message.parsed, Person)
    if strategy == "tool":
        assert completion.choices[0].finish_reason == "tool_calls"
        assert parsed.choices[0].message.tool_calls is None  # the answer is not a call to make


def test_json_object_without_a_schema_answers_an_object() -> None:
    body = chat_body("Hi", response_format={"type": "json_object"})
    content = message_of(json_of(call(FakeAPI(), "POST", "/chat/completions", body=body)))
    assert json.loads(str(content["content"])) == {"message": "You said: Hi"}


def test_answers_are_deterministic() -> None:
    body = structured_body(person_spec(), "json_schema")
    first = message_of(json_of(call(FakeAPI(), "POST", "/chat/completions", body=body)))
    again = message_of(json_of(call(FakeAPI(), "POST", "/chat/completions", body=body)))
    assert first["content"] == again["content"]


@pytest.mark.parametrize(
    ("response_format", "param"),
    [
        ("json", "response_format"),
        ({"type": "yaml"}, "response_format"),
        ({"type": "json_schema"}, "response_format.json_schema"),
        (
            {"type": "json_schema", "json_schema": {"name": "a b"}},
            "response_format.json_schema.name",
        ),
        (
            {"type": "json_schema", "json_schema": {"name": "a", "schema": []}},
            "response_format.json_schema.schema",
        ),
    ],
)
def test_a_bad_response_format_is_a_400_naming_it(response_format: object, param: str) -> None:
    body = chat_body(response_format=response_format)
    response = call(FakeAPI(), "POST", "/chat/completions", body=body)
    assert response.status_code == 400
    assert cast("dict[str, object]", json_of(response)["error"])["param"] == param


def test_a_refusal_under_json_schema() -> None:
    body = structured_body(person_spec(), "json_schema", text="Please refuse this.")
    completion = ChatCompletion.model_validate(
        json_of(call(FakeAPI(), "POST", "/chat/completions", body=body))
    )
    message = completion.choices[0].message
    assert (message.content, message.refusal) == (None, REFUSAL)
    assert parse_completion(completion, person_spec()).choices[0].message.parsed is None
    streamed = stream(structured_body(person_spec(), "json_schema", text="refuse", stream=True))
    assert streamed.choices[0].message.refusal == REFUSAL
    assert streamed.choices[0].message.content is None


def stream(body: dict[str, object]) -> ChatCompletion:
    response = call(FakeAPI(), "POST", "/chat/completions", body=body)
    chunks = chunks_of(response.content)
    for chunk in chunks:
        assert_spec_valid("CreateChatCompletionStreamResponse", chunk)
    return accumulate(ChatCompletionChunk.model_validate(chunk) for chunk in chunks)


@pytest.mark.parametrize("strategy", ["json_schema", "json_object", "tool"])
def test_streamed_structured_output_matches_the_plain_one(strategy: Strategy) -> None:
    spec = person_spec()
    plain = ChatCompletion.model_validate(
        json_of(call(FakeAPI(), "POST", "/chat/completions", body=structured_body(spec, strategy)))
    )
    streamed = stream(structured_body(spec, strategy, stream=True))
    assert output_text(streamed.choices[0].message, strategy, spec) == output_text(
        plain.choices[0].message, strategy, spec
    )
    assert streamed.choices[0].finish_reason == plain.choices[0].finish_reason


def test_max_tokens_cuts_the_json_with_finish_reason_length() -> None:
    body = structured_body(person_spec(), "json_schema", max_tokens=3)
    completion = ChatCompletion.model_validate(
        json_of(call(FakeAPI(), "POST", "/chat/completions", body=body))
    )
    assert completion.choices[0].finish_reason == "length"
    with pytest.raises(LengthFinishReasonError):
        parse_completion(completion, person_spec())


# --- n ---------------------------------------------------------------------------------------


def test_n_gives_that_many_choices_and_sums_the_usage() -> None:
    one = json_of(call(FakeAPI(), "POST", "/chat/completions", body=chat_body("a b c")))
    three = json_of(call(FakeAPI(), "POST", "/chat/completions", body=chat_body("a b c", n=3)))
    assert_spec_valid("CreateChatCompletionResponse", three)
    choices = cast("list[dict[str, object]]", three["choices"])
    assert [choice["index"] for choice in choices] == [0, 1, 2]
    assert {str(message_of(three, i)["content"]) for i in range(3)} == {"You said: a b c"}
    usage_one = cast("dict[str, int]", one["usage"])
    usage_three = cast("dict[str, int]", three["usage"])
    assert usage_three["prompt_tokens"] == usage_one["prompt_tokens"]
    assert usage_three["completion_tokens"] == 3 * usage_one["completion_tokens"]
    assert (
        usage_three["total_tokens"]
        == usage_three["prompt_tokens"] + 3 * usage_one["completion_tokens"]
    )


def test_n_streams_interleaved_choices() -> None:
    body = chat_body("one two", n=2, stream=True, stream_options={"include_usage": True})
    response = call(FakeAPI(), "POST", "/chat/completions", body=body)
    chunks = chunks_of(response.content)
    indexes = [
        cast("list[dict[str, int]]", chunk["choices"])[0]["index"]
        for chunk in chunks
        if chunk["choices"]
    ]
    assert indexes[:4] == [0, 1, 0, 1]
    folded = accumulate(ChatCompletionChunk.model_validate(chunk) for chunk in chunks)
    assert [c.message.content for c in folded.choices] == ["You said: one two"] * 2
    assert [c.finish_reason for c in folded.choices] == ["stop", "stop"]
    assert folded.usage is not None
    assert folded.usage.completion_tokens == 2 * 4  # 'You said: one two' is 4 pieces


def test_n_with_tool_calls_gives_distinct_call_ids() -> None:
    tool: dict[str, object] = {
        "type": "function",
        "function": {"name": "get_weather", "parameters": {}},
    }
    body = chat_body("weather in Oslo?", n=2, tools=[tool])
    completion = json_of(call(FakeAPI(), "POST", "/chat/completions", body=body))
    ids = {
        call_["id"]
        for i in range(2)
        for call_ in cast("list[dict[str, str]]", message_of(completion, i)["tool_calls"])
    }
    assert len(ids) == 2


@pytest.mark.parametrize("n", [0, 129, "2", True])
def test_a_bad_n_is_a_400(n: object) -> None:
    response = call(FakeAPI(), "POST", "/chat/completions", body=chat_body(n=n))
    assert response.status_code == 400
    assert cast("dict[str, object]", json_of(response)["error"])["param"] == "n"


# --- tools -----------------------------------------------------------------------------------

PERSON_TOOL = {
    "type": "function",
    "function": {"name": "save_person", "parameters": output_spec(Person).schema},
}


@pytest.mark.parametrize(
    "tool_choice", ["required", {"type": "function", "function": {"name": "save_person"}}]
)
def test_forced_tool_calls_satisfy_the_function_schema(tool_choice: object) -> None:
    body = chat_body("Save Ada in Paris and Rome", tools=[PERSON_TOOL], tool_choice=tool_choice)
    message = message_of(json_of(call(FakeAPI(), "POST", "/chat/completions", body=body)))
    calls = cast("list[dict[str, dict[str, str]]]", message["tool_calls"])
    for call_ in calls:
        assert call_["function"]["name"] == "save_person"
        assert_schema_valid(output_spec(Person).schema, json.loads(call_["function"]["arguments"]))
    # A named choice calls once; "required" calls once per place, like a parallel model.
    assert len(calls) == (2 if tool_choice == "required" else 1)


def test_parallel_tool_calls_false_gives_one_call() -> None:
    body = chat_body(
        "weather in Oslo and Lima",
        tools=[PERSON_TOOL],
        tool_choice="required",
        parallel_tool_calls=False,
    )
    message = message_of(json_of(call(FakeAPI(), "POST", "/chat/completions", body=body)))
    assert len(cast("list[object]", message["tool_calls"])) == 1
    bad = chat_body(parallel_tool_calls="no")
    assert call(FakeAPI(), "POST", "/chat/completions", body=bad).status_code == 400


def test_a_named_choice_calls_again_after_a_tool_result() -> None:
    messages: list[dict[str, object]] = [
        {"role": "user", "content": "Save Ada"},
        {"role": "assistant", "content": None, "tool_calls": []},
        {"role": "tool", "tool_call_id": "call_1", "content": "bad"},
    ]
    forced = {"type": "function", "function": {"name": "save_person"}}
    body = {"model": "m", "messages": messages, "tools": [PERSON_TOOL], "tool_choice": forced}
    message = message_of(json_of(call(FakeAPI(), "POST", "/chat/completions", body=body)))
    assert message["tool_calls"]
    body["tool_choice"] = "auto"
    message = message_of(json_of(call(FakeAPI(), "POST", "/chat/completions", body=body)))
    assert message["content"] == "Tool result: bad"


# --- quirks ----------------------------------------------------------------------------------


def test_every_quirk_is_documented() -> None:
    docs = DOCS.read_text()
    for quirk in QUIRKS:
        assert f"`{quirk.name}`" in docs, f"{quirk.name} missing from docs/testing.md"


@pytest.mark.parametrize(
    ("model", "refused"),
    [
        ("no-json-schema", {"json_schema"}),
        ("acme/qwen-no-json-schema-7b", {"json_schema"}),
        ("no-json-object", {"json_schema", "json_object"}),
        ("qwen3-8b", set[str]()),
    ],
)
def test_quirk_models_refuse_response_formats(model: str, refused: set[str]) -> None:
    spec = person_spec()
    for strategy in ("json_schema", "json_object", "tool"):
        body = structured_body(spec, strategy, model=model)
        response = call(FakeAPI(), "POST", "/chat/completions", body=body)
        if strategy in refused:
            assert response.status_code == 400
            error = json_of(response)
            assert_spec_valid("ErrorResponse", error)
            envelope = cast("dict[str, object]", error["error"])
            assert envelope["param"] == "response_format"
            assert envelope["type"] == "invalid_request_error"
            assert f"'{strategy}'" in str(envelope["message"])
            assert is_unsupported_response_format(400, error)
        else:
            assert response.status_code == 200


@pytest.mark.parametrize("strategy", ["json_schema", "json_object", "tool"])
def test_invalid_json_and_wrong_schema_fail_validation(strategy: Strategy) -> None:
    spec = person_spec()
    for model, kind in (("invalid-json", "json_invalid"), ("wrong-schema", "missing")):
        body = structured_body(spec, strategy, model=model)
        completion = ChatCompletion.model_validate(
            json_of(call(FakeAPI(), "POST", "/chat/completions", body=body))
        )
        raw = output_text(completion.choices[0].message, strategy, spec)
        assert raw is not None
        result = validate_output(spec, raw)
        assert isinstance(result, Invalid)
        assert {error["type"] for error in result.errors} == {kind}


def test_fenced_json_is_fenced_and_still_parses() -> None:
    spec = person_spec()
    body = structured_body(spec, "json_schema", model="fenced-json")
    completion = ChatCompletion.model_validate(
        json_of(call(FakeAPI(), "POST", "/chat/completions", body=body))
    )
    content = str(completion.choices[0].message.content)
    assert content.startswith("```json\n")
    assert content.endswith("\n```")
    assert isinstance(parse_completion(completion, spec).choices[0].message.parsed, Person)


@pytest.mark.parametrize("strategy", ["json_schema", "json_object", "tool"])
def test_needs_repair_is_fixed_by_the_repair_turn(strategy: Strategy) -> None:
    spec = person_spec()
    api = FakeAPI()
    body = structured_body(spec, strategy, model="needs-repair")
    first = ChatCompletion.model_validate(
        json_of(call(api, "POST", "/chat/completions", body=body))
    )
    message = first.choices[0].message
    raw = output_text(message, strategy, spec)
    assert raw is not None
    invalid = validate_output(spec, raw)
    assert isinstance(invalid, Invalid)
    messages = [
        *cast("list[object]", body["messages"]),
        *repair_messages(message, strategy, spec, invalid),
    ]
    second = ChatCompletion.model_validate(
        json_of(call(api, "POST", "/chat/completions", body={**body, "messages": messages}))
    )
    parsed = parse_completion(second, spec, strategy=strategy)
    assert isinstance(parsed.choices[0].message.parsed, Person)


# --- the whole fallback chain through the client, offline -----------------------------------


@pytest.mark.parametrize(
    ("model", "expected"),
    [("qwen3-8b", "json_schema"), ("no-json-schema", "json_object"), ("no-json-object", "tool")],
)
def test_the_fallback_chain_runs_offline(model: str, expected: Strategy) -> None:
    spec = output_spec(Person)
    api = FakeAPI()
    client = make_client(api, max_retries=0)
    messages = [{"role": "user", "content": "Ada is 36."}]
    used: list[Strategy] = []
    refusals: list[bool] = []
    for strategy in strategy_order("auto"):
        used.append(strategy)
        changes = apply_strategy({"messages": messages}, spec, strategy)
        try:
            completion = client.chat.completions.create(
                model=model, messages=[{"role": "user", "content": "x"}], extra_body=changes
            )
        except BadRequestError as error:
            refusals.append(is_unsupported_response_format(error.status_code, error.body))
            continue
        parsed = parse_completion(completion, spec, strategy=strategy)
        assert isinstance(parsed.choices[0].message.parsed, Person)
        break
    assert used[-1] == expected
    assert refusals == [True] * (len(used) - 1)  # each refusal was recognised as one
    assert len(api.requests) == len(used)


@pytest.mark.anyio
async def test_the_tool_fallback_runs_offline_async() -> None:
    spec = output_spec(Person)
    async with make_async_client(FakeAPI(), max_retries=0) as client:
        with pytest.raises(BadRequestError) as refused:
            await client.chat.completions.create(
                model="no-json-object",
                messages=[{"role": "user", "content": "Ada"}],
                extra_body=apply_strategy({}, spec, "json_object"),
            )
        assert is_unsupported_response_format(refused.value.status_code, refused.value.body)
        completion = await client.chat.completions.create(
            model="no-json-object",
            messages=[{"role": "user", "content": "Ada"}],
            extra_body=apply_strategy({}, spec, "tool"),
        )
    assert isinstance(
        parse_completion(completion, spec, strategy="tool").choices[0].message.parsed, Person
    )
