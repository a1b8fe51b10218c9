"""``function_tool``: definitions from models and typed functions, and parsed arguments."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Literal, cast

import pytest
from pydantic import BaseModel, Field

from tokenclient import InvalidRequestError, ToolArgumentsError, function_tool
from tokenclient._core.structured import (
    ToolRegistry,
    ToolSpec,
    output_spec,
    parse_completion,
    tool_registry,
)
from tokenclient.types.chat import ChatCompletion
from tokenclient.types.chat_params import ChatCompletionToolParam, FunctionDefinition
from tokenclient.types.parsed import ParsedFunction


class GetWeather(BaseModel):
    """The current weather in a city.

    Only cities are known.
    """

    city: str = Field(description="The city's name.")
    unit: Literal["celsius", "fahrenheit"] = "celsius"


class Bare(BaseModel):
    query: str


def get_weather(city: str, days: int = 1, unit: Literal["c", "f"] = "c") -> str:
    """Forecast the weather
    for the coming days.

    Any further paragraph is not part of the description.

    Args:
        city: The city's name,
            e.g. "Paris".
        days (int): How many days ahead.

    Returns:
        A forecast.
    """
    return f"{city}: sunny for {days} days ({unit})"


def undocumented(query: str) -> str:
    return query


def function_of(tool: ChatCompletionToolParam) -> FunctionDefinition:
    assert tool["type"] == "function"
    return tool["function"]


def properties(tool: ChatCompletionToolParam) -> dict[str, dict[str, object]]:
    parameters = cast("dict[str, object]", function_of(tool).get("parameters"))
    return cast("dict[str, dict[str, object]]", parameters["properties"])


def test_a_model_becomes_a_strict_tool() -> None:
    tool = function_tool(GetWeather)
    function = function_of(tool)
    assert function["name"] == "GetWeather"
    assert function.get("description") == "The current weather in a city."
    assert function.get("strict") is True
    parameters = cast("dict[str, object]", function.get("parameters"))
    assert parameters["required"] == ["city", "unit"]
    assert parameters["additionalProperties"] is False
    assert "title" not in parameters
    assert "description" not in parameters  # it moved to the function
    assert properties(tool)["city"]["description"] == "The city's name."
    json.dumps(tool)  # plain JSON, ready to send


def test_a_function_becomes_a_tool_with_its_docstring() -> None:
    tool = function_tool(get_weather)
    function = function_of(tool)
    assert function["name"] == "get_weather"
    assert function.get("description") == "Forecast the weather for the coming days."
    props = properties(tool)
    assert list(props) == ["city", "days", "unit"]
    assert props["city"]["description"] == 'The city\'s name, e.g. "Paris".'
    assert props["days"]["description"] == "How many days ahead."
    assert "description" not in props["unit"]
    assert props["unit"]["enum"] == ["c", "f"]
    parameters = cast("dict[str, object]", function.get("parameters"))
    assert parameters["required"] == ["city", "days", "unit"]


def test_overrides_and_non_strict() -> None:
    tool = function_tool(get_weather, name="forecast", description="Weather.", strict=False)
    function = function_of(tool)
    assert (function["name"], function.get("description"), function.get("strict")) == (
        "forecast",
        "Weather.",
        False,
    )
    parameters = cast("dict[str, object]", function.get("parameters"))
    assert parameters["required"] == ["city"]  # defaults stay optional
    assert properties(tool)["days"]["default"] == 1


def test_no_docstring_means_no_description() -> None:
    assert "description" not in function_of(function_tool(Bare))
    assert "description" not in function_of(function_tool(undocumented))


def test_bad_objects_are_refused_naming_the_problem() -> None:
    def untyped(city, days: int) -> None:  # type: ignore[no-untyped-def]  # pyright: ignore[reportMissingParameterType, reportUnknownParameterType]  # the case under test
        pass

    def star(*cities: str) -> None:
        pass

    def positional(city: str, /) -> None:
        pass

    with pytest.raises(InvalidRequestError, match=r"'city'.*no type annotation"):
        function_tool(untyped)  # pyright: ignore[reportUnknownArgumentType]  # the case under test
    with pytest.raises(InvalidRequestError, match=r"\*cities"):
        function_tool(star)
    with pytest.raises(InvalidRequestError, match="positional-only"):
        function_tool(positional)
    with pytest.raises(InvalidRequestError, match="name"):
        function_tool(lambda: None)
    with pytest.raises(InvalidRequestError, match="name"):
        function_tool(Bare, name="bad name")
    with pytest.raises(InvalidRequestError, match="pydantic model class or a function"):
        function_tool(cast("type[BaseModel]", 42))


# --- parsed arguments ----------------------------------------------------------------------


def completion(*calls: tuple[str, str]) -> ChatCompletion:
    return ChatCompletion.model_validate(
        {
            "id": "chatcmpl-1",
            "model": "m",
            "choices": [
                {
                    "index": 0,
                    "finish_reason": "tool_calls",
                    "message": {
                        "role": "assistant",
                        "content": None,
                        "tool_calls": [
                            {
                                "id": f"call_{n}",
                                "type": "function",
                                "function": {"name": name, "arguments": arguments},
                            }
                            for n, (name, arguments) in enumerate(calls)
                        ],
                    },
                }
            ],
        }
    )


def parsed_functions(
    tools: Sequence[Mapping[str, object]], *calls: tuple[str, str]
) -> list[ParsedFunction]:
    """The parsed functions of a completion making ``calls``, given ``tools``."""
    parsed = parse_completion(completion(*calls), None, tools=tools).choices[0].message
    assert parsed.tool_calls is not None
    return [call.function for call in parsed.tool_calls if call.function is not None]


def test_model_tool_calls_are_parsed_into_the_model() -> None:
    arguments = '{"city": "Oslo", "unit": "fahrenheit"}'
    (function,) = parsed_functions([function_tool(GetWeather)], ("GetWeather", arguments))
    assert function.parsed_arguments == GetWeather(city="Oslo", unit="fahrenheit")
    assert function.arguments == arguments


def test_function_tool_calls_are_parsed_into_a_dict_of_arguments() -> None:
    arguments = '{"city": "Oslo", "days": "3", "unit": "f"}'
    (function,) = parsed_functions([function_tool(get_weather)], ("get_weather", arguments))
    assert function.parsed_arguments == {"city": "Oslo", "days": 3, "unit": "f"}


def test_a_copied_tool_definition_still_parses() -> None:
    tools = [json.loads(json.dumps(function_tool(GetWeather)))]
    arguments = '{"city": "Rome", "unit": "celsius"}'
    (function,) = parsed_functions(tools, ("GetWeather", arguments))
    assert isinstance(function.parsed_arguments, GetWeather)


def test_untyped_tools_are_left_unparsed() -> None:
    tools: list[dict[str, object]] = [
        {"type": "function", "function": {"name": "lookup", "parameters": {}}}
    ]
    functions = parsed_functions(tools, ("lookup", '{"q": 1}'), ("unknown", "{}"))
    assert [function.parsed_arguments for function in functions] == [None, None]


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ('{"unit": "celsius"}', "city"),
        ('{"city": "Oslo", "unit": "kelvin"}', "unit"),
        ('{"city": "Os', None),
    ],
)
def test_bad_arguments_name_the_tool_and_field(arguments: str, field: str | None) -> None:
    tools = [function_tool(GetWeather)]
    raw = completion(("GetWeather", arguments))
    with pytest.raises(ToolArgumentsError) as caught:
        parse_completion(raw, None, tools=tools)
    error = caught.value
    assert error.tool == "GetWeather"
    assert error.field == field
    assert error.raw == arguments
    assert error.completion is raw
    assert "GetWeather" in str(error)
    if field is not None:
        assert f"'{field}'" in str(error)


def test_typed_tools_parse_next_to_a_structured_output() -> None:
    class Answer(BaseModel):
        text: str

    tools = [function_tool(GetWeather)]
    raw = completion(("GetWeather", '{"city": "Oslo", "unit": "celsius"}'))
    raw.choices[0].message.content = '{"text": "checking"}'
    parsed = parse_completion(raw, output_spec(Answer), tools=tools)
    message = parsed.choices[0].message
    assert message.parsed == Answer(text="checking")
    assert message.tool_calls is not None
    assert message.tool_calls[0].function is not None
    assert isinstance(message.tool_calls[0].function.parsed_arguments, GetWeather)


def test_the_registry_is_bounded_and_keyed_by_definition() -> None:
    registry = ToolRegistry(max_entries=2)
    spec = tool_registry().lookup([function_tool(Bare)])["Bare"]
    for n in range(3):
        registry.register(
            {"name": f"t{n}", "parameters": {}}, ToolSpec(f"t{n}", spec.adapter, False)
        )
    tools: list[dict[str, object]] = [
        {"type": "function", "function": {"name": f"t{n}", "parameters": {}}} for n in range(3)
    ]
    assert sorted(registry.lookup(tools)) == ["t1", "t2"]
    changed: list[dict[str, object]] = [
        {"type": "function", "function": {"name": "t2", "parameters": {"x": 1}}}
    ]
    assert registry.lookup(changed) == {}
