"""Structured outputs, pure: strict schemas, strategies, fallback detection, parsing, repair."""

from __future__ import annotations

import dataclasses
import json
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Annotated, Literal, cast

import pytest
from pydantic import BaseModel, Field, TypeAdapter
from typing_extensions import TypedDict

from tokenclient._core.structured import (
    STRATEGIES,
    Invalid,
    OutputSpec,
    StrategyMemo,
    apply_strategy,
    error_field,
    extract_json_text,
    format_errors,
    is_unsupported_response_format,
    next_strategy,
    output_spec,
    output_text,
    parse_completion,
    repair_messages,
    schema_name,
    strategy_order,
    strict_json_schema,
    validate_output,
)
from tokenclient._exceptions import (
    ContentFilterFinishReasonError,
    InvalidRequestError,
    LengthFinishReasonError,
    StructuredOutputError,
    TokenClientError,
)
from tokenclient.types.chat import ChatCompletion, ChatCompletionMessage
from tokenclient.types.parsed import ParsedChatCompletion

from ..testing.support import assert_schema_valid


class Address(BaseModel):
    """A postal address."""

    street: str
    zip: str = Field(description="The postal code.")


class Person(BaseModel):
    """Someone mentioned in the text."""

    name: str
    age: int = 0
    nickname: str | None = None
    home: Address = Field(description="Where they live.")
    tags: list[str] = Field(default_factory=list[str])


class Cat(BaseModel):
    kind: Literal["cat"] = "cat"
    lives: int


class Dog(BaseModel):
    kind: Literal["dog"] = "dog"
    good: bool


class Pet(BaseModel):
    pet: Annotated[Cat | Dog, Field(discriminator="kind")]


class Node(BaseModel):
    value: int
    children: list[Node]


class Movie(TypedDict):
    title: str
    year: int


@dataclasses.dataclass
class Point:
    x: float
    y: float


class Item(BaseModel):
    sku: str


def objects(schema: object) -> list[dict[str, object]]:
    """Every object schema nested in ``schema``."""
    found: list[dict[str, object]] = []
    if isinstance(schema, dict):
        node = cast("dict[str, object]", schema)
        if node.get("type") == "object":
            found.append(node)
        for value in node.values():
            found.extend(objects(value))
    elif isinstance(schema, list):
        for value in cast("list[object]", schema):
            found.extend(objects(value))
    return found


def keys(schema: object) -> set[str]:
    """Every key used anywhere in ``schema`` (property names included)."""
    found: set[str] = set()
    if isinstance(schema, dict):
        for key, value in cast("dict[str, object]", schema).items():
            found.add(key)
            found |= keys(value)
    elif isinstance(schema, list):
        for value in cast("list[object]", schema):
            found |= keys(value)
    return found


# --- strict schemas ------------------------------------------------------------------------


@pytest.mark.parametrize("type_", [Person, Pet, Node, Movie, Point, list[Item], int, Cat | Dog])
def test_every_object_is_closed_and_requires_every_property(type_: object) -> None:
    schema = strict_json_schema(type_)
    assert schema["type"] == "object"
    for node in objects(schema):
        assert node["additionalProperties"] is False
        properties = cast("dict[str, object]", node.get("properties", {}))
        assert node.get("required", []) == list(properties)
    assert "default" not in keys(schema)
    assert "oneOf" not in keys(schema)
    assert "discriminator" not in keys(schema)


def test_a_ref_with_siblings_is_inlined_and_plain_refs_stay() -> None:
    schema = strict_json_schema(Person)
    home = cast("dict[str, dict[str, object]]", schema["properties"])["home"]
    assert "$ref" not in home
    assert home["description"] == "Where they live."
    assert home["additionalProperties"] is False
    assert cast("dict[str, object]", home["properties"]).keys() == {"street", "zip"}
    node = strict_json_schema(Node)
    children = cast("dict[str, dict[str, object]]", node["properties"])["children"]
    assert children["items"] == {"$ref": "#/$defs/Node"}
    assert "Node" in cast("dict[str, object]", node["$defs"])


def test_the_input_type_schema_is_not_mutated() -> None:
    before = Person.model_json_schema()
    strict_json_schema(Person)
    assert Person.model_json_schema() == before


def test_a_discriminated_union_becomes_any_of() -> None:
    schema = strict_json_schema(Pet)
    pet = cast("dict[str, dict[str, object]]", schema["properties"])["pet"]
    assert isinstance(pet["anyOf"], list)
    assert len(cast("list[object]", pet["anyOf"])) == 2


@pytest.mark.parametrize(
    ("type_", "value"),
    [(list[Item], [{"sku": "a"}]), (int, 3), (Cat | Dog, {"kind": "dog", "good": True})],
)
def test_a_non_object_root_is_wrapped_under_value(type_: object, value: object) -> None:
    spec = output_spec(cast("type[object]", type_))
    assert spec.wrapped
    assert spec.schema["required"] == ["value"]
    assert_schema_valid(spec.schema, {"value": value})
    parsed = validate_output(spec, json.dumps({"value": value}))
    assert not isinstance(parsed, Invalid)
    assert TypeAdapter(cast("type[object]", type_)).dump_python(parsed, mode="json") == value
    bare = validate_output(spec, json.dumps(value))  # a model that skipped the wrapper
    assert not isinstance(bare, Invalid)


def test_an_open_dict_has_no_strict_form() -> None:
    spec = output_spec(dict[str, int])
    assert not spec.strict
    assert spec.schema["additionalProperties"] == {"type": "integer"}
    assert output_spec(Person).strict


def test_the_docstring_becomes_the_description() -> None:
    spec = output_spec(Person)
    assert spec.description == "Someone mentioned in the text."
    body = apply_strategy({"messages": []}, spec, "json_schema")
    json_schema = cast("dict[str, dict[str, object]]", body["response_format"])["json_schema"]
    assert json_schema["description"] == "Someone mentioned in the text."
    assert "description" not in cast("dict[str, object]", json_schema["schema"])


@pytest.mark.parametrize(
    ("type_", "name"),
    [
        (Person, "Person"),
        (list[Item], "list_Item"),
        (dict[str, int], "dict_str_int"),
        (Movie, "Movie"),
        (TypeAdapter(Point), "Point"),
        (TypeAdapter(int), "response"),
    ],
)
def test_schema_names_match_the_openai_pattern(type_: object, name: str) -> None:
    assert schema_name(type_) == name


def test_a_long_name_is_cut_to_64_characters() -> None:
    long = type("A" * 80, (BaseModel,), {"__annotations__": {"x": int}})
    assert schema_name(long) == "A" * 64


def test_an_explicit_bad_name_is_refused() -> None:
    with pytest.raises(InvalidRequestError, match="name"):
        output_spec(Person, name="has space")


def test_a_type_pydantic_cannot_handle_is_refused_clearly() -> None:
    with pytest.raises(InvalidRequestError, match="response_format"):
        output_spec(cast("type[object]", threading.Lock))


def test_specs_are_cached_per_type() -> None:
    assert output_spec(Person) is output_spec(Person)
    assert output_spec(Person, name="Other") is not output_spec(Person)


# --- strategies ----------------------------------------------------------------------------

BODY: dict[str, object] = {
    "model": "m",
    "messages": [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Alice, 30, lives at 1 Main St 12345."},
    ],
    "response_format": {"type": "text"},
}


def test_json_schema_strategy_sends_the_strict_schema() -> None:
    spec = output_spec(Person)
    body = apply_strategy(BODY, spec, "json_schema")
    assert body["response_format"] == {
        "type": "json_schema",
        "json_schema": {
            "name": "Person",
            "schema": spec.schema,
            "description": "Someone mentioned in the text.",
            "strict": True,
        },
    }
    assert body["messages"] == BODY["messages"]
    assert BODY["response_format"] == {"type": "text"}  # the input is not changed


def test_json_object_strategy_adds_the_schema_in_a_system_message() -> None:
    spec = output_spec(Person)
    body = apply_strategy(BODY, spec, "json_object")
    assert body["response_format"] == {"type": "json_object"}
    messages = cast("list[dict[str, str]]", body["messages"])
    assert [m["role"] for m in messages] == ["system", "system", "user"]
    instruction = messages[1]["content"]
    assert "JSON" in instruction
    assert json.dumps(spec.schema, separators=(",", ":")) in instruction
    assert len(cast("list[object]", BODY["messages"])) == 2


def test_tool_strategy_forces_a_tool_whose_parameters_are_the_schema() -> None:
    spec = output_spec(Person)
    other = {"type": "function", "function": {"name": "lookup"}}
    body = apply_strategy({**BODY, "tools": [other]}, spec, "tool")
    assert "response_format" not in body
    tools = cast("list[dict[str, dict[str, object]]]", body["tools"])
    assert tools[0] == other
    assert tools[1]["function"]["name"] == "Person"
    assert tools[1]["function"]["parameters"] == spec.schema
    assert tools[1]["function"]["strict"] is True
    assert body["tool_choice"] == {"type": "function", "function": {"name": "Person"}}


def test_tool_strategy_refuses_a_tool_name_clash() -> None:
    clash = {"type": "function", "function": {"name": "Person"}}
    with pytest.raises(InvalidRequestError, match="tools"):
        apply_strategy({**BODY, "tools": [clash]}, output_spec(Person), "tool")


def test_fallback_order_and_memo_start() -> None:
    assert STRATEGIES == ("json_schema", "json_object", "tool")
    assert next_strategy("json_schema") == "json_object"
    assert next_strategy("json_object") == "tool"
    assert next_strategy("tool") is None
    assert strategy_order("auto") == STRATEGIES
    assert strategy_order("auto", "json_object") == ("json_object", "tool")
    assert strategy_order("tool", "json_schema") == ("tool",)


OPENAI_MESSAGE = (
    "Invalid parameter: 'response_format' of type 'json_schema' is not supported with this "
    "model. Learn more about supported models at the Structured Outputs guide"
)


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (
            400,
            {
                "error": {
                    "message": OPENAI_MESSAGE,
                    "type": "invalid_request_error",
                    "param": "response_format",
                    "code": None,
                }
            },
            True,
        ),
        (400, {"error": {"message": "This response_format type is unavailable now"}}, True),
        (
            400,
            {"error": {"message": "Invalid request", "param": "response_format", "code": 400}},
            True,
        ),
        (400, {"error": {"message": "json_schema response format is not supported"}}, True),
        (400, {"object": "error", "message": "Structured output is not supported"}, True),
        (400, {"error": {"message": "JSON mode is not enabled for this model"}}, True),
        (
            400,
            {
                "error": {
                    "message": "Provider returned error",
                    "code": 400,
                    "metadata": {
                        "raw": '{"error":{"message":"json_object is not supported"}}',
                        "provider_name": "Acme",
                    },
                }
            },
            True,
        ),
        (
            422,
            {
                "detail": [
                    {
                        "loc": ["body", "response_format", "type"],
                        "msg": "Input should be 'text'",
                        "type": "literal_error",
                    }
                ]
            },
            True,
        ),
        (400, "response_format is not supported by this backend", True),
        (400, {"error": {"message": "Unknown name \"json_schema\" at 'generation_config'"}}, True),
        (400, {"error": {"message": "'temperature' must be <= 2", "param": "temperature"}}, False),
        (400, {"error": {"message": "maximum context length is 8192 tokens"}}, False),
        (400, None, False),
        (401, {"error": {"message": OPENAI_MESSAGE, "param": "response_format"}}, False),
        (429, {"error": {"message": "rate limit on response_format requests"}}, False),
        (500, {"error": {"message": "json_schema engine crashed"}}, False),
    ],
)
def test_unsupported_response_format_detection(status: int, body: object, expected: bool) -> None:
    assert is_unsupported_response_format(status, body) is expected


def test_memo_remembers_per_base_url_and_model_and_drops_the_oldest() -> None:
    memo = StrategyMemo(max_entries=2)
    assert memo.get("https://a/v1", "m") is None
    memo.remember("https://a/v1", "m", "json_object")
    memo.remember("https://b/v1", "m", "tool")
    assert memo.get("https://a/v1", "m") == "json_object"
    assert memo.get("https://a/v1", "other") is None
    memo.remember("https://c/v1", "m", "tool")
    assert memo.get("https://a/v1", "m") is None  # the oldest went
    assert len(memo) == 2
    memo.forget("https://b/v1", "m")
    memo.forget("https://b/v1", "m")
    assert memo.get("https://b/v1", "m") is None
    with pytest.raises(ValueError, match="max_entries"):
        StrategyMemo(max_entries=0)


def test_memo_is_thread_safe() -> None:
    memo = StrategyMemo(max_entries=50)

    def work(n: int) -> None:
        for i in range(200):
            memo.remember("u", f"m{(n * 200 + i) % 80}", "tool")
            memo.get("u", f"m{i % 80}")

    with ThreadPoolExecutor(max_workers=4) as pool:  # re-raises what a worker raised
        for future in [pool.submit(work, n) for n in range(4)]:
            future.result(timeout=10)
    assert len(memo) == 50


# --- extraction, validation, repair --------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"a": 1}', '{"a": 1}'),
        ('  \n{"a": 1}\n', '{"a": 1}'),
        ('```json\n{"a": 1}\n```', '{"a": 1}'),
        ('Here you go:\n```JSON\n{"a": 1}\n```\nAnything else?', '{"a": 1}'),
        ('```\n{"a": 1}\n```', '{"a": 1}'),
        ('Sure! {"a": {"b": 2}} Hope that helps.', '{"a": {"b": 2}}'),
        ("The list: [1, 2] done", "[1, 2]"),
        ("no json here", "no json here"),
        ("", ""),
    ],
)
def test_extract_json_text(text: str, expected: str) -> None:
    assert extract_json_text(text) == expected


PERSON = {"name": "Alice", "age": 30, "nickname": None, "home": {"street": "1", "zip": "2"}}


def test_validate_output_gives_the_typed_value() -> None:
    spec = output_spec(Person)
    fenced = f"```json\n{json.dumps(PERSON)}\n```"
    person = validate_output(spec, fenced)
    assert isinstance(person, Person)
    assert person.home.zip == "2"


def test_validate_output_gives_pydantic_errors() -> None:
    spec = output_spec(Person)
    bad = validate_output(spec, json.dumps({**PERSON, "age": "old", "home": {"street": "1"}}))
    assert isinstance(bad, Invalid)
    assert {(tuple(e["loc"]), e["type"]) for e in bad.errors} == {
        (("age",), "int_parsing"),
        (("home", "zip"), "missing"),
    }
    broken = validate_output(spec, '{"name": "Al')
    assert isinstance(broken, Invalid)
    assert broken.errors[0]["type"] == "json_invalid"
    assert broken.raw == '{"name": "Al'


def test_wrapped_errors_carry_the_value_prefix() -> None:
    spec = output_spec(list[Item])
    bad = validate_output(spec, '{"value": [{"sku": 1}]}')
    assert isinstance(bad, Invalid)
    assert bad.errors[0]["loc"] == ("value", 0, "sku")
    assert error_field(bad.errors) == "value.0.sku"
    not_json = validate_output(spec, "not json")
    assert isinstance(not_json, Invalid)


def test_format_errors_lists_each_error_and_quotes_short_inputs() -> None:
    spec = output_spec(Person)
    bad = validate_output(spec, json.dumps({**PERSON, "age": "x" * 200, "home": {}}))
    assert isinstance(bad, Invalid)
    text = format_errors(bad.errors)
    assert "- age: Input should be a valid integer" in text
    assert "- home.street: Field required" in text
    assert "x" * 100 not in text  # the input is shortened
    assert format_errors([]) == ""


def test_format_errors_caps_the_list() -> None:
    bad = validate_output(output_spec(list[Item]), json.dumps({"value": [{}] * 30}))
    assert isinstance(bad, Invalid)
    lines = format_errors(bad.errors).splitlines()
    assert len(lines) == 21
    assert lines[-1] == "- ... and 10 more"


def message(**fields: object) -> ChatCompletionMessage:
    return ChatCompletionMessage.model_validate({"role": "assistant", **fields})


def tool_call(name: str, arguments: str, id: str = "call_1") -> dict[str, object]:
    return {"id": id, "type": "function", "function": {"name": name, "arguments": arguments}}


def test_output_text_per_strategy() -> None:
    spec = output_spec(Person)
    assert output_text(message(content="{}"), "json_schema", spec) == "{}"
    assert output_text(message(content="{}"), "json_object", spec) == "{}"
    called = message(tool_calls=[tool_call("other", "[]"), tool_call("Person", '{"a": 1}')])
    assert output_text(called, "tool", spec) == '{"a": 1}'
    assert output_text(message(content="{}"), "tool", spec) == "{}"  # ignored the forced call
    assert output_text(message(), "tool", spec) is None


def test_repair_messages_send_the_answer_and_the_errors_back() -> None:
    spec = output_spec(Person)
    bad = validate_output(spec, '{"name": "A"}')
    assert isinstance(bad, Invalid)
    answer = message(content='{"name": "A"}')
    assistant, user = repair_messages(answer, "json_schema", spec, bad)
    assert assistant == {"role": "assistant", "content": '{"name": "A"}'}
    assert user["role"] == "user"
    assert "- home: Field required" in str(user["content"])
    assert "Person" in str(user["content"])


def test_repair_messages_answer_the_forced_tool_call_with_a_tool_message() -> None:
    spec = output_spec(Person)
    bad = validate_output(spec, '{"name": "A"}')
    assert isinstance(bad, Invalid)
    answer = message(tool_calls=[tool_call("Person", '{"name": "A"}', id="call_9")])
    assistant, result = repair_messages(answer, "tool", spec, bad)
    assert assistant["tool_calls"] == [tool_call("Person", '{"name": "A"}', id="call_9")]
    assert result["role"] == "tool"
    assert result["tool_call_id"] == "call_9"
    assert "- home: Field required" in str(result["content"])


# --- the typed completion ------------------------------------------------------------------


def completion(*choices: dict[str, object], **extra: object) -> ChatCompletion:
    return ChatCompletion.model_validate(
        {"id": "chatcmpl-1", "model": "m", "choices": list(choices), **extra}
    )


def choice(index: int = 0, finish_reason: str = "stop", **fields: object) -> dict[str, object]:
    return {
        "index": index,
        "finish_reason": finish_reason,
        "message": {"role": "assistant", **fields},
    }


def test_parse_completion_fills_parsed_on_every_choice() -> None:
    spec = output_spec(Person)
    raw = completion(
        choice(0, content=json.dumps(PERSON)),
        choice(1, content=json.dumps({**PERSON, "name": "Bob"})),
        provider="acme",
        usage={"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3},
    )
    parsed: ParsedChatCompletion[Person] = parse_completion(raw, spec)
    assert [c.message.parsed.name for c in parsed.choices if c.message.parsed] == ["Alice", "Bob"]
    assert parsed.model_extra == {"provider": "acme"}
    assert parsed.usage is not None
    assert parsed.usage.total_tokens == 3
    assert isinstance(parsed, ChatCompletion)
    dumped = parsed.model_dump(mode="json")
    assert dumped["choices"][0]["message"]["parsed"]["name"] == "Alice"


def test_a_refusal_leaves_parsed_none() -> None:
    raw = completion(choice(content=None, refusal="I can't help with that."))
    parsed = parse_completion(raw, output_spec(Person))
    assert parsed.choices[0].message.parsed is None
    assert parsed.choices[0].message.refusal == "I can't help with that."


def test_invalid_output_raises_structured_output_error() -> None:
    raw = completion(choice(content='{"name": "A"}'))
    with pytest.raises(StructuredOutputError) as caught:
        parse_completion(raw, output_spec(Person))
    error = caught.value
    assert isinstance(error, TokenClientError)
    assert error.raw == '{"name": "A"}'
    assert error.completion is raw
    assert {e["loc"] for e in error.errors} == {("home",)}
    assert "home: Field required" in str(error)


def test_no_output_at_all_is_a_structured_output_error() -> None:
    with pytest.raises(StructuredOutputError) as caught:
        parse_completion(completion(choice(content=None)), output_spec(Person), strategy="tool")
    assert caught.value.raw is None
    assert caught.value.errors[0]["type"] == "missing"


@pytest.mark.parametrize(
    ("reason", "error"),
    [("length", LengthFinishReasonError), ("content_filter", ContentFilterFinishReasonError)],
)
def test_finish_reasons_raise(reason: str, error: type[Exception]) -> None:
    raw = completion(
        choice(content='{"name": "A', finish_reason=reason),
        usage={"prompt_tokens": 1, "completion_tokens": 5, "total_tokens": 6},
    )
    with pytest.raises(error) as caught:
        parse_completion(raw, output_spec(Person))
    assert cast("LengthFinishReasonError", caught.value).completion is raw
    if reason == "length":
        assert "5 completion tokens" in str(caught.value)


def test_without_a_spec_nothing_is_parsed() -> None:
    parsed = parse_completion(completion(choice(content="hello")), None)
    assert parsed.choices[0].message.parsed is None
    assert parsed.choices[0].message.content == "hello"


def test_the_tool_strategy_takes_the_forced_call_out_of_tool_calls() -> None:
    raw = completion(
        choice(
            finish_reason="tool_calls",
            content=None,
            tool_calls=[tool_call("Person", json.dumps(PERSON)), tool_call("lookup", "{}", "c2")],
        )
    )
    parsed = parse_completion(raw, output_spec(Person), strategy="tool")
    message_ = parsed.choices[0].message
    assert message_.parsed is not None
    assert message_.parsed.name == "Alice"
    assert message_.tool_calls is not None
    assert [c.function.name for c in message_.tool_calls if c.function] == ["lookup"]
    assert message_.tool_calls[0].function is not None
    assert message_.tool_calls[0].function.parsed_arguments is None  # not a typed tool


def test_parsed_spec_type_is_generic() -> None:
    spec: OutputSpec[Person] = output_spec(Person)
    assert spec.adapter.validate_python(PERSON).name == "Alice"
