"""Stream events read off the fold, the reasoning field's other names, and the parse run."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import cast

import pytest
from pydantic import BaseModel

from tokenclient import StructuredOutputError, ToolArgumentsError, function_tool
from tokenclient._core.accumulate import ChatCompletionAccumulator
from tokenclient._core.parse_run import ParseRun, check_parse_options
from tokenclient._core.stream_events import StreamEvents
from tokenclient._core.structured import OutputSpec, ToolSpec, output_spec, tool_registry
from tokenclient._exceptions import InvalidRequestError
from tokenclient.types.chat import ChatCompletion, ChatCompletionChunk, ChatCompletionMessage
from tokenclient.types.chat_stream_events import (
    ChatCompletionStreamEvent,
    ChunkEvent,
    ContentDeltaEvent,
    ContentDoneEvent,
    ReasoningDeltaEvent,
    ReasoningDoneEvent,
    ToolCallArgumentsDeltaEvent,
    ToolCallDoneEvent,
)


class Person(BaseModel):
    name: str


class Lookup(BaseModel):
    """Look a word up."""

    word: str


def chunk(*choices: dict[str, object]) -> ChatCompletionChunk:
    body = {"id": "c", "model": "m", "choices": list(choices)}
    return ChatCompletionChunk.model_validate_json(json.dumps(body))


def delta(index: int = 0, finish: str | None = None, **fields: object) -> dict[str, object]:
    return {"index": index, "delta": fields, "finish_reason": finish}


def fold(
    chunks: list[ChatCompletionChunk],
    *,
    spec: OutputSpec[object] | None = None,
    tools: Mapping[str, ToolSpec] | None = None,
) -> tuple[list[ChatCompletionStreamEvent[object]], ChatCompletionAccumulator]:
    """Fold ``chunks`` as a stream does (the accumulator first), collecting the events."""
    accumulator = ChatCompletionAccumulator()
    reader = StreamEvents(accumulator, spec=spec, tools=tools)
    found: list[ChatCompletionStreamEvent[object]] = []
    for item in chunks:
        accumulator.add(item)
        found.extend(reader.events(item))
    found.extend(reader.finish())
    return [event for event in found if not isinstance(event, ChunkEvent)], accumulator


def test_index_less_tool_pieces_follow_the_fold() -> None:
    events, accumulator = fold(
        [
            chunk(delta(tool_calls=[{"id": "a", "function": {"name": "f", "arguments": "{"}}])),
            chunk(delta(tool_calls=[{"function": {"arguments": "}"}}])),
            chunk(delta(tool_calls=[{"id": "b", "function": {"name": "g", "arguments": "[]"}}])),
        ]
    )
    assert events == [
        ToolCallArgumentsDeltaEvent(0, "f", "{"),
        ToolCallArgumentsDeltaEvent(0, "f", "}"),
        ToolCallDoneEvent(0, "f", "{}", None, "a"),
        ToolCallArgumentsDeltaEvent(1, "g", "[]"),
        ToolCallDoneEvent(1, "g", "[]", None, "b"),  # at the end of the stream
    ]
    calls = accumulator.result().choices[0].message.tool_calls or []
    assert [(c.id, c.function.arguments if c.function else None) for c in calls] == [
        ("a", "{}"),
        ("b", "[]"),
    ]


def test_reasoning_that_resumes_is_finished_again() -> None:
    events, _ = fold(
        [
            chunk(delta(reasoning_content="a")),
            chunk(delta(content="x")),
            chunk(delta(reasoning_content="b")),
        ]
    )
    done = [e for e in events if isinstance(e, ReasoningDoneEvent)]
    assert done == [ReasoningDoneEvent("a"), ReasoningDoneEvent("ab")]  # the second at the end


def test_a_stream_without_finish_reason_still_finishes() -> None:
    events, _ = fold([chunk(delta(content="Hi")), chunk(delta(content=" you"))])
    assert events[-1] == ContentDoneEvent("Hi you", None)
    assert [e.snapshot for e in events if isinstance(e, ContentDeltaEvent)] == ["Hi", "Hi you"]


def test_done_events_come_once_per_choice() -> None:
    events, _ = fold(
        [
            chunk(delta(0, content="a"), delta(1, content="b")),
            chunk(delta(0, "stop")),
            chunk(delta(1, "stop")),
            chunk(delta(0, "stop")),  # a provider repeating itself
        ]
    )
    done = [e for e in events if isinstance(e, ContentDoneEvent)]
    assert [(e.choice_index, e.content) for e in done] == [(0, "a"), (1, "b")]


def test_typed_tools_and_output_are_validated_at_their_done_events() -> None:
    tool = function_tool(Lookup)
    typed = tool_registry().lookup([tool])
    call = {"index": 0, "id": "x", "function": {"name": "Lookup", "arguments": '{"word": "hi"}'}}
    events, _ = fold([chunk(delta(tool_calls=[call], finish="tool_calls"))], tools=typed)
    assert events[-1] == ToolCallDoneEvent(0, "Lookup", '{"word": "hi"}', Lookup(word="hi"), "x")
    bad = {**call, "function": {"name": "Lookup", "arguments": '{"wort": "hi"}'}}
    with pytest.raises(ToolArgumentsError) as raised:
        fold([chunk(delta(tool_calls=[bad], finish="tool_calls"))], tools=typed)
    assert raised.value.field == "word"
    assert raised.value.completion is not None

    spec = cast("OutputSpec[object]", output_spec(Person))
    events, _ = fold(
        [chunk(delta(content='```json\n{"name": "A"}\n```', finish="stop"))], spec=spec
    )
    assert events[-1] == ContentDoneEvent('```json\n{"name": "A"}\n```', Person(name="A"))
    with pytest.raises(StructuredOutputError):
        fold([chunk(delta(content="{}", finish="stop"))], spec=spec)


# --- reasoning under other names --------------------------------------------------------------


def test_reasoning_names_become_reasoning_content() -> None:
    message = ChatCompletionMessage.model_validate(
        {"content": "x", "reasoning": "thought", "reasoning_details": [{"text": "ignored"}]}
    )
    assert message.reasoning_content == "thought"
    assert message.model_extra == {
        "reasoning": "thought",
        "reasoning_details": [{"text": "ignored"}],
    }
    details = [
        {"type": "reasoning.text", "text": "a"},
        {"type": "reasoning.summary", "summary": "b"},
        {"type": "reasoning.encrypted", "data": "zz"},
        "not an entry",
    ]
    assert (
        ChatCompletionMessage.model_validate({"reasoning_details": details}).reasoning_content
        == "ab"
    )
    native = ChatCompletionMessage.model_validate(
        {"reasoning_content": "own", "reasoning": "other"}
    )
    assert native.reasoning_content == "own"
    assert ChatCompletionMessage.model_validate({"reasoning": 3}).reasoning_content is None
    assert ChatCompletionMessage.model_validate({"reasoning_details": []}).reasoning_content is None
    # Sent back as history, the message carries the text under the common name.
    assert message.model_dump(exclude_unset=True)["reasoning_content"] == "thought"


def test_the_fold_and_the_events_take_every_reasoning_name() -> None:
    events, accumulator = fold(
        [
            chunk(delta(reasoning="Let me ")),
            chunk(delta(reasoning_details=[{"type": "reasoning.text", "text": "think."}])),
            chunk(delta(content="42", finish="stop")),
        ]
    )
    assert events == [
        ReasoningDeltaEvent("Let me ", "Let me "),
        ReasoningDeltaEvent("think.", "Let me think."),
        ReasoningDoneEvent("Let me think."),  # the answer starts
        ContentDeltaEvent("42", "42"),
        ContentDoneEvent("42", None),
    ]
    completion = accumulator.result()
    assert completion.choices[0].message.reasoning_content == "Let me think."
    parsed = ChatCompletion.model_validate_json(completion.model_dump_json())
    assert parsed.choices[0].message.reasoning_content == "Let me think."


# --- the parse run ------------------------------------------------------------------------------


def test_parse_options_are_checked() -> None:
    assert check_parse_options("auto", 0) == "auto"
    assert check_parse_options("tool", 3) == "tool"
    with pytest.raises(InvalidRequestError, match="strategy"):
        check_parse_options("tool", 0, stream=True)
    for bad in (-1, True, 1.5, "1"):
        with pytest.raises(InvalidRequestError, match="max_repairs"):
            check_parse_options("auto", bad)


def test_the_run_falls_back_only_on_format_refusals() -> None:
    body = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
    refusal = {"error": {"message": "json_schema is not supported", "param": None}}
    run = ParseRun(body, output_spec(Person))
    assert run.strategy == "json_schema"
    assert not run.refused(400, {"error": {"message": "bad model"}})
    assert not run.refused(500, refusal)
    assert run.refused(400, refusal)
    assert str(run.strategy) == "json_object"
    assert run.accepted == "json_object"
    assert run.refused(422, {"detail": [{"loc": ["body", "response_format"]}]})
    assert str(run.strategy) == "tool"
    assert not run.refused(400, refusal)  # nothing left
    remembered = ParseRun(body, output_spec(Person), remembered="json_object")
    assert remembered.strategy == "json_object"
    forced = ParseRun(body, output_spec(Person), strategy="json_schema")
    assert forced.accepted is None  # nothing to remember when the caller chose
    assert not forced.refused(400, refusal)
    streaming = ParseRun(
        body, output_spec(Person), remembered="tool", strategies=("json_schema", "json_object")
    )
    assert streaming.strategy == "json_schema"  # a stream cannot use the tool strategy
    plain = ParseRun[object](body, None)
    assert plain.body == body
    assert plain.accepted is None
    assert not plain.refused(400, refusal)
