"""Checked by mypy --strict and pyright strict (not run): typed tools and parsed completions.

`assert_type` fails the type check if an inferred type is less precise than pinned here.
"""

from __future__ import annotations

from pydantic import BaseModel
from typing_extensions import assert_type

from tokenclient import StructuredOutputError, ToolArgumentsError, function_tool
from tokenclient._core.structured import OutputSpec, output_spec, parse_completion
from tokenclient.types import (
    ChatCompletion,
    ChatCompletionToolParam,
    ParsedChatCompletion,
    ParsedChatCompletionMessage,
    ParsedFunctionToolCall,
)


class Person(BaseModel):
    name: str


def get_weather(city: str, days: int = 1) -> str:
    """The weather."""
    return city


def tools() -> None:
    assert_type(function_tool(Person), ChatCompletionToolParam)
    assert_type(function_tool(get_weather), ChatCompletionToolParam)
    assert_type(
        function_tool(get_weather, name="w", description="d", strict=False), ChatCompletionToolParam
    )


def parsed(completion: ChatCompletion) -> None:
    spec = output_spec(Person)
    assert_type(spec, OutputSpec[Person])
    result = parse_completion(completion, spec)
    assert_type(result, ParsedChatCompletion[Person])
    message = result.choices[0].message
    assert_type(message, ParsedChatCompletionMessage[Person])
    assert_type(message.parsed, Person | None)
    assert_type(message.tool_calls, list[ParsedFunctionToolCall] | None)
    plain = parse_completion(completion, None)
    assert_type(plain.choices[0].message.parsed, None)
    as_plain: ChatCompletion = result  # a parsed completion is a ChatCompletion
    del as_plain


def errors(error: StructuredOutputError, tool_error: ToolArgumentsError) -> None:
    assert_type(error.raw, str | None)
    assert_type(error.completion, ChatCompletion | None)
    assert_type(tool_error.tool, str)
    assert_type(tool_error.field, str | None)
