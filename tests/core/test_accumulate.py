"""Folding stream chunks into one ChatCompletion."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import pytest

from tokenclient._core.accumulate import (
    ChatCompletionAccumulator,
    EmptyStream,
    FoldTooLarge,
    accumulate,
)
from tokenclient._core.sse import SSEDecoder
from tokenclient.types.chat import ChatCompletionChunk

FIXTURES = Path(__file__).parent.parent / "fixtures"


def chunk(
    *choices: dict[str, object], usage: Mapping[str, object] | None = None, **top: object
) -> ChatCompletionChunk:
    body: dict[str, object] = {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 1700000000,
        "model": "m",
        "choices": list(choices),
        **top,
    }
    if usage is not None:
        body["usage"] = usage
    return ChatCompletionChunk.model_validate_json(json.dumps(body))


def delta(index: int = 0, finish_reason: str | None = None, **fields: object) -> dict[str, object]:
    return {"index": index, "delta": fields, "finish_reason": finish_reason}


def tool(
    index: int | None,
    id: str | None = None,
    name: str | None = None,
    arguments: str | None = None,
    type: str | None = None,
) -> dict[str, object]:
    piece: dict[str, object] = {}
    if index is not None:
        piece["index"] = index
    if id is not None:
        piece["id"] = id
    if type is not None:
        piece["type"] = type
    function: dict[str, object] = {}
    if name is not None:
        function["name"] = name
    if arguments is not None:
        function["arguments"] = arguments
    if function:
        piece["function"] = function
    return piece


def test_content_role_and_finish_reason() -> None:
    result = accumulate(
        [
            chunk(delta(role="assistant", content="")),
            chunk(delta(content="Hel")),
            chunk(delta(content="lo")),
            chunk(delta(finish_reason="stop")),
        ]
    )
    assert result.id == "chatcmpl-1"
    assert result.model == "m"
    assert result.created == 1700000000
    assert result.object == "chat.completion"
    [choice] = result.choices
    assert choice.index == 0
    assert choice.message.role == "assistant"
    assert choice.message.content == "Hello"
    assert choice.message.tool_calls is None
    assert choice.message.reasoning_content is None
    assert choice.message.refusal is None
    assert choice.finish_reason == "stop"
    assert choice.logprobs is None
    assert result.usage is None


def test_no_content_piece_gives_none_and_default_role() -> None:
    [choice] = accumulate([chunk(delta(finish_reason="length"))]).choices
    assert choice.message.content is None
    assert choice.message.role == "assistant"
    assert choice.finish_reason == "length"


def test_finish_reason_is_the_last_non_null_one() -> None:
    result = accumulate(
        [
            chunk(delta(content="a", finish_reason="length")),
            chunk(delta(content="b")),
            chunk(delta(finish_reason="stop")),
            chunk(delta()),
        ]
    )
    assert result.choices[0].finish_reason == "stop"


def test_reasoning_content_and_refusal() -> None:
    result = accumulate(
        [
            chunk(delta(role="assistant", reasoning_content="Let me ")),
            chunk(delta(reasoning_content="think.")),
            chunk(delta(content="42")),
            chunk(delta(refusal="I can")),
            chunk(delta(refusal="not.", finish_reason="stop")),
        ]
    )
    message = result.choices[0].message
    assert message.reasoning_content == "Let me think."
    assert message.content == "42"
    assert message.refusal == "I cannot."


def test_tool_calls_by_index_with_interleaved_pieces() -> None:
    result = accumulate(
        [
            chunk(delta(role="assistant", content=None)),
            chunk(delta(tool_calls=[tool(0, id="call_a", type="function", name="get_weather")])),
            chunk(delta(tool_calls=[tool(1, id="call_b", type="function", name="get_time")])),
            chunk(delta(tool_calls=[tool(0, arguments='{"city": ')])),
            chunk(delta(tool_calls=[tool(1, arguments='{"tz": "UTC"}')])),
            chunk(delta(tool_calls=[tool(0, arguments='"Paris"')])),
            chunk(delta(tool_calls=[tool(0, arguments="}"), tool(2, id="call_c", name="noop")])),
            chunk(delta(finish_reason="tool_calls")),
        ]
    )
    [choice] = result.choices
    assert choice.finish_reason == "tool_calls"
    assert choice.message.content is None
    calls = choice.message.tool_calls
    assert calls is not None
    assert [(c.id, c.type) for c in calls] == [
        ("call_a", "function"),
        ("call_b", "function"),
        ("call_c", "function"),
    ]
    assert [(c.function.name, c.function.arguments) for c in calls if c.function] == [
        ("get_weather", '{"city": "Paris"}'),
        ("get_time", '{"tz": "UTC"}'),
        ("noop", ""),
    ]


def test_tool_calls_are_ordered_by_index_not_arrival() -> None:
    calls = (
        accumulate(
            [
                chunk(delta(tool_calls=[tool(3, id="late", name="b")])),
                chunk(delta(tool_calls=[tool(1, id="early", name="a")])),
            ]
        )
        .choices[0]
        .message.tool_calls
    )
    assert calls is not None
    assert [c.id for c in calls] == ["early", "late"]


def test_tool_call_repeated_id_and_name_are_not_duplicated() -> None:
    calls = (
        accumulate(
            [
                chunk(delta(tool_calls=[tool(0, id="c", name="f", arguments="{")])),
                chunk(delta(tool_calls=[tool(0, id="c", name="f", arguments="}")])),
            ]
        )
        .choices[0]
        .message.tool_calls
    )
    assert calls is not None
    [call] = calls
    assert call.id == "c"
    assert call.function is not None
    assert call.function.name == "f"
    assert call.function.arguments == "{}"


def test_tool_calls_without_index() -> None:
    calls = (
        accumulate(
            [
                # no index, id only on the first piece of each call
                chunk(delta(tool_calls=[tool(None, id="a", name="f", arguments='{"x"')])),
                chunk(delta(tool_calls=[tool(None, arguments=": 1}")])),
                chunk(delta(tool_calls=[tool(None, id="b", name="g", arguments="{}")])),
                # a piece repeating a known id goes back to that call
                chunk(delta(tool_calls=[tool(None, id="a", arguments="")])),
            ]
        )
        .choices[0]
        .message.tool_calls
    )
    assert calls is not None
    assert [(c.id, c.function.name if c.function else None) for c in calls] == [
        ("a", "f"),
        ("b", "g"),
    ]
    assert [c.function.arguments for c in calls if c.function] == ['{"x": 1}', "{}"]


def test_tool_call_without_index_or_id_goes_to_the_first_call() -> None:
    calls = (
        accumulate(
            [
                chunk(delta(tool_calls=[tool(None, name="f", arguments="{")])),
                chunk(delta(tool_calls=[tool(None, id="late-id", arguments="}")])),
            ]
        )
        .choices[0]
        .message.tool_calls
    )
    assert calls is not None
    [call] = calls
    assert call.id == "late-id"
    assert call.type == "function"
    assert call.function is not None
    assert call.function.arguments == "{}"


def test_legacy_function_call() -> None:
    message = (
        accumulate(
            [
                chunk(delta(function_call={"name": "f", "arguments": ""})),
                chunk(delta(function_call={"arguments": '{"a"'})),
                chunk(delta(function_call={"arguments": ":1}"}, finish_reason="function_call")),
            ]
        )
        .choices[0]
        .message
    )
    assert message.function_call is not None
    assert message.function_call.name == "f"
    assert message.function_call.arguments == '{"a":1}'


def test_usage_only_final_chunk() -> None:
    usage = {
        "prompt_tokens": 9,
        "completion_tokens": 2,
        "total_tokens": 11,
        "completion_tokens_details": {"reasoning_tokens": 1},
        "cost": 0.0001,
    }
    result = accumulate(
        [
            chunk(delta(content="hi"), usage=None),
            chunk(delta(finish_reason="stop")),
            chunk(usage=usage),
        ]
    )
    assert result.usage is not None
    assert result.usage.total_tokens == 11
    assert result.usage.completion_tokens_details is not None
    assert result.usage.completion_tokens_details.reasoning_tokens == 1
    assert result.usage.model_extra == {"cost": 0.0001}
    assert len(result.choices) == 1
    assert result.choices[0].message.content == "hi"


def test_usage_null_in_later_chunks_does_not_erase_it() -> None:
    first = {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}
    raw = chunk(delta(content="x"), usage=first)
    result = accumulate([raw, chunk(delta(finish_reason="stop"), usage=None)])
    assert result.usage is not None
    assert result.usage.total_tokens == 2


def test_multiple_choices() -> None:
    result = accumulate(
        [
            chunk(delta(1, role="assistant", content="B"), delta(0, role="assistant", content="A")),
            chunk(delta(0, content="a")),
            chunk(delta(1, content="b", finish_reason="length")),
            chunk(delta(0, finish_reason="stop")),
        ]
    )
    assert [c.index for c in result.choices] == [0, 1]
    assert [c.message.content for c in result.choices] == ["Aa", "Bb"]
    assert [c.finish_reason for c in result.choices] == ["stop", "length"]


def test_logprobs_are_appended() -> None:
    def lp(token: str) -> dict[str, object]:
        return {"token": token, "logprob": -0.5, "bytes": None, "top_logprobs": []}

    first = {**delta(content="a"), "logprobs": {"content": [lp("a")], "refusal": None}}
    second = {**delta(content="b"), "logprobs": {"content": [lp("b"), lp("c")], "refusal": None}}
    third = {**delta(), "logprobs": None}
    logprobs = accumulate([chunk(first), chunk(second), chunk(third)]).choices[0].logprobs
    assert logprobs is not None
    assert logprobs.content is not None
    assert [t.token for t in logprobs.content] == ["a", "b", "c"]
    assert logprobs.refusal is None


def test_stream_metadata() -> None:
    result = accumulate(
        [
            chunk(delta(content="a"), id="", model="", created=None),
            chunk(
                delta(content="b"), id="x1", model="gpt-4.1", created=5, system_fingerprint="fp1"
            ),
            chunk(delta(), id="x2", model="other", created=6, service_tier="default"),
            chunk(usage={"prompt_tokens": 1}, system_fingerprint="fp2", provider="OpenAI"),
        ]
    )
    assert result.id == "x1"
    assert result.model == "gpt-4.1"
    assert result.created == 5
    assert result.system_fingerprint == "fp2"
    assert result.service_tier == "default"
    assert result.model_extra == {"provider": "OpenAI"}


def test_obfuscation_padding_is_not_kept() -> None:
    result = accumulate([chunk(delta(content="a"), obfuscation="xyz", cost=1)])
    assert result.model_extra == {"cost": 1}


def test_no_chunks_raises_empty_stream() -> None:
    with pytest.raises(EmptyStream, match="no chunks"):
        accumulate([])
    with pytest.raises(EmptyStream, match="no chunks"):
        ChatCompletionAccumulator().result()


def test_max_bytes_bounds_the_text_kept() -> None:
    fold = ChatCompletionAccumulator(max_bytes=10)
    fold.add(chunk(delta(content="12345")))
    fold.add(chunk(delta(reasoning_content="12345")))
    assert fold.result().choices[0].message.content == "12345"  # 10: at the cap, still kept
    fold.add(chunk(delta(tool_calls=[tool(0, arguments="x")])))
    with pytest.raises(FoldTooLarge, match="max_bytes=10"):
        fold.result()
    fold.add(chunk(delta(content="more")))  # nothing is kept any more, and nothing breaks
    with pytest.raises(FoldTooLarge):
        fold.result()


@pytest.mark.parametrize(
    "piece",
    [
        delta(content="x" * 11),
        delta(refusal="x" * 11),
        delta(function_call={"name": "f", "arguments": "x" * 11}),
        delta(tool_calls=[tool(0, arguments="x" * 11)]),
    ],
)
def test_every_kind_of_text_counts_toward_max_bytes(piece: dict[str, object]) -> None:
    fold = ChatCompletionAccumulator(max_bytes=10)
    fold.add(chunk(piece))
    with pytest.raises(FoldTooLarge):
        fold.result()


def test_chunks_without_choices_give_no_choices() -> None:
    result = accumulate([chunk(usage={"prompt_tokens": 3, "total_tokens": 3})])
    assert result.choices == []
    assert result.usage is not None
    assert result.usage.prompt_tokens == 3


def test_chunks_are_not_mutated_and_result_is_repeatable() -> None:
    chunks = [
        chunk(delta(role="assistant", content="a", reasoning_content="r")),
        chunk(delta(tool_calls=[tool(0, id="c", name="f", arguments="{")])),
        chunk(delta(tool_calls=[tool(0, arguments="}")], finish_reason="tool_calls")),
        chunk(usage={"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3}),
    ]
    before = [c.model_dump() for c in chunks]
    accumulator = ChatCompletionAccumulator()
    for c in chunks:
        accumulator.add(c)
    first = accumulator.result()
    assert accumulator.result() == first
    assert [c.model_dump() for c in chunks] == before
    accumulator.add(chunk(delta(content="b")))
    assert accumulator.result().choices[0].message.content == "ab"
    assert first.choices[0].message.content == "a"


@pytest.mark.parametrize(
    ("name", "content", "model", "total"),
    [
        ("stream_supertoken.txt", "你好", "gpt-5.2", 11),
        ("stream_tokenoff.txt", "Hello! How can I help you today?", "gpt-4.1", 20),
    ],
)
def test_seed_streams(name: str, content: str, model: str, total: int) -> None:
    decoder = SSEDecoder()
    events = decoder.feed((FIXTURES / name).read_bytes()) + decoder.flush()
    chunks = [ChatCompletionChunk.model_validate_json(e.data) for e in events if e.data != "[DONE]"]
    result = accumulate(chunks)
    [choice] = result.choices
    assert choice.message.content == content
    assert choice.message.role == "assistant"
    assert choice.finish_reason == "stop"
    assert result.model == model
    assert result.usage is not None
    assert result.usage.total_tokens == total
