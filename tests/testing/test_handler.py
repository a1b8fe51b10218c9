"""``FakeAPI`` called directly: routing, auth, chat, models, images, videos."""

from __future__ import annotations

import base64
import inspect
import json
from typing import cast

import httpx
import pytest

from tokenclient.testing import FakeAPI, FakeAPIOptions, sample_png
from tokenclient.testing._media import encode_png

from .support import (
    KEY,
    assert_spec_valid,
    call,
    chat_body,
    chunks_of,
    decode_png,
    json_of,
    sse_blocks,
    sse_data,
)

WEATHER_TOOL: dict[str, object] = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
                "days": {"type": "integer"},
                "alerts": {"type": "boolean"},
            },
            "required": ["city"],
        },
    },
}
OTHER_TOOL: dict[str, object] = {"type": "function", "function": {"name": "lookup"}}


def error_of(response: httpx.Response) -> dict[str, object]:
    """The ``error`` object of an envelope response, checked against the spec."""
    body = json_of(response)
    assert_spec_valid("ErrorResponse", body)
    assert set(cast("dict[str, object]", body["error"])) == {"message", "type", "param", "code"}
    return cast("dict[str, object]", body["error"])


def first_message(body: dict[str, object]) -> dict[str, object]:
    choices = cast("list[dict[str, object]]", body["choices"])
    return cast("dict[str, object]", choices[0]["message"])


def deltas(raw: bytes) -> list[dict[str, object]]:
    result: list[dict[str, object]] = []
    for chunk in chunks_of(raw):
        for choice in cast("list[dict[str, object]]", chunk["choices"]):
            result.append(cast("dict[str, object]", choice["delta"]))
    return result


# -- routing and auth --------------------------------------------------------------------------


def test_missing_key_is_401_with_the_documented_envelope() -> None:
    response = call(FakeAPI(), "GET", "/models", key=None)
    assert response.status_code == 401
    error = error_of(response)
    assert error["type"] == "invalid_request_error"
    assert error["code"] == "invalid_api_key"
    assert error["param"] is None
    assert "Authorization" in str(error["message"])


def test_wrong_key_is_401_and_the_message_does_not_echo_it() -> None:
    response = call(
        FakeAPI(api_key="sk-right"),
        "POST",
        "/chat/completions",
        body=chat_body(),
        key="sk-wrong-secret",
    )
    assert response.status_code == 401
    assert error_of(response)["code"] == "invalid_api_key"
    assert "sk-wrong-secret" not in response.text


def test_any_key_or_none_is_accepted_when_api_key_is_none() -> None:
    api = FakeAPI(api_key=None)
    assert call(api, "GET", "/models", key=None).status_code == 200
    assert call(api, "GET", "/models", key="whatever").status_code == 200


def test_every_response_carries_a_fresh_request_id() -> None:
    api = FakeAPI()
    responses = [
        call(api, "GET", "/models"),
        call(api, "GET", "/models", key=None),
        call(api, "GET", "/nowhere"),
        call(api, "POST", "/chat/completions", body=chat_body(stream=True)),
    ]
    ids = [response.headers["x-request-id"] for response in responses]
    assert all(request_id.startswith("req_") for request_id in ids)
    assert len(set(ids)) == len(ids)


def test_unknown_paths_and_methods() -> None:
    api = FakeAPI()
    assert call(api, "GET", "/nowhere").status_code == 404
    assert call(api, "GET", "/models", base="http://testserver/v2").status_code == 404
    wrong_method = call(api, "DELETE", "/chat/completions")
    assert wrong_method.status_code == 405
    assert "POST" in str(error_of(wrong_method)["message"])


@pytest.mark.parametrize("base_path", ["/api/v1", "api/v1/", "/api/v1/"])
def test_base_path_is_configurable(base_path: str) -> None:
    api = FakeAPI(base_path=base_path)
    assert api.base_path == "/api/v1"
    assert call(api, "GET", "/models", base="http://host/api/v1").status_code == 200
    assert call(api, "GET", "/models", base="http://host/v1").status_code == 404


def test_an_empty_base_path_serves_from_the_root() -> None:
    assert call(FakeAPI(base_path="/"), "GET", "/models", base="http://host").status_code == 200


def test_requests_are_recorded() -> None:
    api = FakeAPI()
    call(api, "GET", "/models")
    call(api, "POST", "/chat/completions", body=chat_body("one"))
    assert [r.url.path for r in api.requests] == ["/v1/models", "/v1/chat/completions"]
    assert api.requests[0].headers["authorization"] == f"Bearer {KEY}"


@pytest.mark.parametrize(
    "option", ["video_seconds", "chunk_delay", "slow_seconds", "retry_after", "poll_retry_after"]
)
@pytest.mark.parametrize("value", [-1.0, float("nan")])
def test_negative_or_nan_durations_are_refused(option: str, value: float) -> None:
    options = cast("FakeAPIOptions", {option: value})
    with pytest.raises(ValueError, match=option):
        FakeAPI(**options)


def test_fake_api_options_lists_every_keyword_argument() -> None:
    parameters = set(inspect.signature(FakeAPI).parameters)
    assert set(FakeAPIOptions.__annotations__) == parameters


# -- chat ---------------------------------------------------------------------------------------


def test_chat_completion_echoes_the_last_user_message() -> None:
    body = chat_body("first")
    messages = cast("list[object]", body["messages"])
    messages += [
        {"role": "assistant", "content": "ok"},
        {
            "role": "user",
            "content": [{"type": "text", "text": "Hello"}, {"type": "text", "text": "again!"}],
        },
    ]
    response = call(FakeAPI(), "POST", "/chat/completions", body=body)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    completion = json_of(response)
    assert_spec_valid("CreateChatCompletionResponse", completion)
    assert completion["object"] == "chat.completion"
    assert completion["model"] == "qwen3-8b"
    assert str(completion["id"]).startswith("chatcmpl-")
    assert first_message(completion)["content"] == "You said: Hello again!"
    choices = cast("list[dict[str, object]]", completion["choices"])
    assert choices[0]["finish_reason"] == "stop"
    usage = cast("dict[str, int]", completion["usage"])
    assert usage["prompt_tokens"] > 0
    assert usage["completion_tokens"] == 4  # "You ", "said: ", "Hello ", "again!"
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]


def test_a_system_only_conversation_gets_a_greeting() -> None:
    body = {"model": "m", "messages": [{"role": "system", "content": "Be brief."}]}
    completion = json_of(call(FakeAPI(), "POST", "/chat/completions", body=body))
    assert first_message(completion)["content"] == "Hello! How can I help you today?"


def test_max_tokens_cuts_the_reply_with_finish_reason_length() -> None:
    for field in ("max_tokens", "max_completion_tokens"):
        body = chat_body("one two three four five", **{field: 2})
        completion = json_of(call(FakeAPI(), "POST", "/chat/completions", body=body))
        assert first_message(completion)["content"] == "You said: "
        choices = cast("list[dict[str, object]]", completion["choices"])
        assert choices[0]["finish_reason"] == "length"


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"messages": [{"role": "user", "content": "hi"}]}, "model"),
        ({"model": "", "messages": [{"role": "user", "content": "hi"}]}, "model"),
        ({"model": 3, "messages": [{"role": "user", "content": "hi"}]}, "model"),
        ({"model": "m"}, "messages"),
        ({"model": "m", "messages": []}, "messages"),
        ({"model": "m", "messages": "hi"}, "messages"),
        ({"model": "m", "messages": [{"content": "no role"}]}, "messages[0]"),
        ({"model": "m", "messages": [{"role": "user", "content": "a"}, "b"]}, "messages[1]"),
        ({**chat_body(), "stream": "yes"}, "stream"),
        ({**chat_body(), "max_tokens": 0}, "max_tokens"),
        ({**chat_body(), "max_tokens": True}, "max_tokens"),
    ],
)
def test_invalid_chat_requests_are_400_naming_the_param(body: object, param: str) -> None:
    response = call(FakeAPI(), "POST", "/chat/completions", body=body)
    assert response.status_code == 400
    error = error_of(response)
    assert error["param"] == param
    assert error["type"] == "invalid_request_error"


@pytest.mark.parametrize("content", [b"{not json", b"[1, 2]", b"", b"\xff\xfe"])
def test_a_body_that_is_not_a_json_object_is_400(content: bytes) -> None:
    request = httpx.Request(
        "POST",
        "http://testserver/v1/chat/completions",
        headers={"authorization": f"Bearer {KEY}"},
        content=content,
    )
    response = FakeAPI()(request)
    assert response.status_code == 400
    assert error_of(response)["code"] == "invalid_json"


def test_stream_sends_role_ping_content_finish_usage_and_done() -> None:
    body = chat_body("Tell me a story", stream=True, stream_options={"include_usage": True})
    response = call(FakeAPI(), "POST", "/chat/completions", body=body)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    assert "content-length" not in response.headers
    blocks = sse_blocks(response.content)
    assert ": ping" in blocks
    assert blocks[-1] == "data: [DONE]"
    chunks = chunks_of(response.content)
    for chunk in chunks:
        assert_spec_valid("CreateChatCompletionStreamResponse", chunk)
        assert chunk["object"] == "chat.completion.chunk"
    assert len({chunk["id"] for chunk in chunks}) == 1
    streamed = deltas(response.content)
    assert streamed[0] == {"role": "assistant", "content": ""}
    text = "".join(str(delta.get("content", "")) for delta in streamed)
    assert text == "You said: Tell me a story"
    assert sum(1 for delta in streamed if delta.get("content")) >= 3
    *content_chunks, finish, usage_chunk = chunks
    assert all(chunk["usage"] is None for chunk in content_chunks)
    finish_choice = cast("list[dict[str, object]]", finish["choices"])[0]
    assert finish_choice == {"index": 0, "delta": {}, "logprobs": None, "finish_reason": "stop"}
    assert usage_chunk["choices"] == []
    usage = cast("dict[str, int]", usage_chunk["usage"])
    assert usage["completion_tokens"] == 6
    # The streamed answer costs the same as the plain one.
    plain = json_of(call(FakeAPI(), "POST", "/chat/completions", body=chat_body("Tell me a story")))
    assert plain["usage"] == usage


def test_stream_without_include_usage_has_no_usage_at_all() -> None:
    response = call(FakeAPI(), "POST", "/chat/completions", body=chat_body(stream=True))
    chunks = chunks_of(response.content)
    assert all("usage" not in chunk for chunk in chunks)
    assert all(chunk["choices"] for chunk in chunks)


def test_tool_call_when_the_user_asks_about_the_weather() -> None:
    body = chat_body("What's the weather in Paris and Tokyo?", tools=[OTHER_TOOL, WEATHER_TOOL])
    completion = json_of(call(FakeAPI(), "POST", "/chat/completions", body=body))
    assert_spec_valid("CreateChatCompletionResponse", completion)
    choices = cast("list[dict[str, object]]", completion["choices"])
    assert choices[0]["finish_reason"] == "tool_calls"
    message = first_message(completion)
    assert message["content"] is None
    calls = cast("list[dict[str, dict[str, str]]]", message["tool_calls"])
    assert [call["function"]["name"] for call in calls] == ["get_weather", "get_weather"]
    arguments = [json.loads(call["function"]["arguments"]) for call in calls]
    assert arguments == [
        {"city": "Paris", "unit": "celsius", "days": 1, "alerts": True},
        {"city": "Tokyo", "unit": "celsius", "days": 1, "alerts": True},
    ]
    ids = {str(item["id"]) for item in cast("list[dict[str, object]]", message["tool_calls"])}
    assert len(ids) == 2


def test_streamed_tool_calls_split_their_arguments_by_index() -> None:
    body = chat_body("weather in Oslo, Lima?", tools=[WEATHER_TOOL], stream=True)
    response = call(FakeAPI(), "POST", "/chat/completions", body=body)
    for chunk in chunks_of(response.content):
        assert_spec_valid("CreateChatCompletionStreamResponse", chunk)
    names: dict[int, str] = {}
    arguments: dict[int, str] = {}
    pieces: dict[int, int] = {}
    for delta in deltas(response.content):
        for item in cast("list[dict[str, object]]", delta.get("tool_calls", [])):
            index = cast("int", item["index"])
            function = cast("dict[str, str]", item["function"])
            if "name" in function:
                names[index] = function["name"]
            arguments[index] = arguments.get(index, "") + function["arguments"]
            pieces[index] = pieces.get(index, 0) + 1
    assert names == {0: "get_weather", 1: "get_weather"}
    assert json.loads(arguments[0])["city"] == "Oslo"
    assert json.loads(arguments[1])["city"] == "Lima"
    assert min(pieces.values()) > 2  # the header plus several argument pieces
    finish = chunks_of(response.content)[-1]
    assert cast("list[dict[str, object]]", finish["choices"])[0]["finish_reason"] == "tool_calls"


@pytest.mark.parametrize(
    ("text", "tool_choice", "expected"),
    [
        ("Hello", None, None),
        ("weather?", "none", None),
        ("Hello", "required", "get_weather"),
        ("Hello", "auto", None),
        ("Hello", {"type": "function", "function": {"name": "lookup"}}, "lookup"),
        ("weather?", {"type": "function", "function": {"name": "missing"}}, None),
        ("weather?", None, "get_weather"),
    ],
)
def test_tool_choice(text: str, tool_choice: object, expected: str | None) -> None:
    body = chat_body(text, tools=[OTHER_TOOL, WEATHER_TOOL], tool_choice=tool_choice)
    message = first_message(json_of(call(FakeAPI(), "POST", "/chat/completions", body=body)))
    if expected is None:
        assert "tool_calls" not in message
        assert message["content"] == f"You said: {text}"
    else:
        calls = cast("list[dict[str, dict[str, str]]]", message["tool_calls"])
        assert calls[0]["function"]["name"] == expected


def test_a_tool_without_parameters_gets_a_location() -> None:
    body = chat_body("weather please", tools=[OTHER_TOOL])
    message = first_message(json_of(call(FakeAPI(), "POST", "/chat/completions", body=body)))
    calls = cast("list[dict[str, dict[str, str]]]", message["tool_calls"])
    assert json.loads(calls[0]["function"]["arguments"]) == {"location": "Paris"}


def test_a_tool_result_is_answered_in_text() -> None:
    messages: list[dict[str, object]] = [
        {"role": "user", "content": "weather in Rome?"},
        {"role": "assistant", "content": None, "tool_calls": []},
        {"role": "tool", "tool_call_id": "call_1", "content": "21 C, sunny"},
    ]
    body = {"model": "m", "messages": messages, "tools": [WEATHER_TOOL]}
    message = first_message(json_of(call(FakeAPI(), "POST", "/chat/completions", body=body)))
    assert message["content"] == "Tool result: 21 C, sunny"


def test_reasoner_models_add_reasoning_content() -> None:
    body = chat_body("Hi", model="deepseek-reasoner")
    completion = json_of(call(FakeAPI(), "POST", "/chat/completions", body=body))
    message = first_message(completion)
    assert message["content"] == "You said: Hi"
    reasoning = str(message["reasoning_content"])
    assert "Hi" in reasoning
    usage = cast("dict[str, dict[str, int]]", completion["usage"])
    assert usage["completion_tokens_details"]["reasoning_tokens"] == len(reasoning.split())

    streamed = deltas(
        call(FakeAPI(), "POST", "/chat/completions", body={**body, "stream": True}).content
    )
    assert "".join(str(d.get("reasoning_content", "")) for d in streamed) == reasoning
    # Reasoning comes before the answer.
    kinds = [next(iter(d)) for d in streamed[1:-1]]
    assert kinds == sorted(kinds, key=lambda kind: kind != "reasoning_content")

    ordinary = first_message(
        json_of(call(FakeAPI(), "POST", "/chat/completions", body=chat_body("Hi")))
    )
    assert "reasoning_content" not in ordinary


# -- models ------------------------------------------------------------------------------------

SEED_MODELS = [
    "qwen3-8b",
    "gemma-3-9b",
    "openai/gpt-4.1",
    "openai/gpt-5.4",
    "anthropic/claude-sonnet-4-6",
    "google/gemini-2.5-pro",
    "gpt-5.2",
    "claude-sonnet-4-6",
    "gpt-4.1",
    "bytedance/doubao-seedream-5.0",
    "bytedance/doubao-seedance-2.0",
]


def test_models_lists_the_seed_providers_ids_with_vendor_extras() -> None:
    body = json_of(call(FakeAPI(), "GET", "/models"))
    assert_spec_valid("ListModelsResponse", body)
    assert body["object"] == "list"
    data = cast("list[dict[str, object]]", body["data"])
    ids = [model["id"] for model in data]
    assert set(SEED_MODELS) <= set(ids)
    assert len(ids) == len(set(ids))
    assert any("context_length" in model for model in data)
    assert any("pricing" in model for model in data)


def test_one_model_by_id_and_an_unknown_one() -> None:
    api = FakeAPI()
    entry = json_of(call(api, "GET", "/models/openai/gpt-4.1"))
    assert_spec_valid("Model", entry)
    assert entry["id"] == "openai/gpt-4.1"
    missing = call(api, "GET", "/models/nope")
    assert missing.status_code == 404
    assert error_of(missing)["code"] == "model_not_found"


def test_strict_models_refuses_unlisted_models_but_not_faults() -> None:
    api = FakeAPI(strict_models=True)
    unknown = call(api, "POST", "/chat/completions", body=chat_body(model="nope"))
    assert unknown.status_code == 404
    assert error_of(unknown)["param"] == "model"
    assert call(api, "POST", "/chat/completions", body=chat_body()).status_code == 200
    assert (
        call(api, "POST", "/chat/completions", body=chat_body(model="error-429")).status_code == 429
    )
    assert (
        call(FakeAPI(), "POST", "/chat/completions", body=chat_body(model="nope")).status_code
        == 200
    )


# -- images ------------------------------------------------------------------------------------


def test_sample_png_is_a_valid_png() -> None:
    width, height, rows = decode_png(sample_png())
    assert (width, height) == (8, 8)
    assert rows[0][:3] == bytes([0, 0, 128])
    assert rows[7][-3:] == bytes([252, 252, 128])
    assert sample_png() is sample_png()  # computed once


def test_encode_png_checks_its_input() -> None:
    assert decode_png(encode_png(2, 1, [bytes(6)])) == (2, 1, [bytes(6)])
    with pytest.raises(ValueError, match="1x1"):
        encode_png(0, 1, [b""])
    with pytest.raises(ValueError, match="row"):
        encode_png(1, 2, [bytes(3)])
    with pytest.raises(ValueError, match="3 \\* width"):
        encode_png(2, 1, [bytes(3)])


def test_images_as_b64_json_are_real_pngs() -> None:
    body = {
        "model": "bytedance/doubao-seedream-5.0",
        "prompt": "a serene mountain",
        "n": 2,
        "size": "2048x2048",
        "response_format": "b64_json",
    }
    result = json_of(call(FakeAPI(), "POST", "/images/generations", body=body))
    assert_spec_valid("ImagesResponse", result)
    data = cast("list[dict[str, str]]", result["data"])
    assert len(data) == 2
    for item in data:
        assert set(item) == {"b64_json"}
        decode_png(base64.b64decode(item["b64_json"]))
    usage = cast("dict[str, object]", result["usage"])
    assert usage["input_tokens"] == 3


def test_image_urls_are_served_under_files() -> None:
    api = FakeAPI()
    body = {"model": "m", "prompt": "a cat", "size": "2K"}
    result = json_of(call(api, "POST", "/images/generations", body=body))
    data = cast("list[dict[str, str]]", result["data"])
    assert len(data) == 1
    url = httpx.URL(data[0]["url"])
    assert str(url).startswith("http://testserver/v1/files/img-")
    # Like a signed link, the file needs no key.
    image = call(api, "GET", url.path.removeprefix("/v1"), key=None)
    assert image.status_code == 200
    assert image.headers["content-type"] == "image/png"
    assert image.content == sample_png()
    assert call(api, "GET", "/files/img-unknown.png").status_code == 404


@pytest.mark.parametrize(
    ("extra", "param"),
    [
        ({"prompt": None}, "prompt"),
        ({"prompt": ""}, "prompt"),
        ({"model": None}, "model"),
        ({"n": 0}, "n"),
        ({"n": 11}, "n"),
        ({"n": "2"}, "n"),
        ({"size": "big"}, "size"),
        ({"size": 1024}, "size"),
        ({"response_format": "jpeg"}, "response_format"),
    ],
)
def test_invalid_image_requests_are_400_naming_the_param(
    extra: dict[str, object], param: str
) -> None:
    body = {k: v for k, v in {"model": "m", "prompt": "p", **extra}.items() if v is not None}
    response = call(FakeAPI(), "POST", "/images/generations", body=body)
    assert response.status_code == 400
    assert error_of(response)["param"] == param


# -- videos ------------------------------------------------------------------------------------


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


VIDEO = {
    "model": "bytedance/doubao-seedance-2.0",
    "prompt": "A golden retriever on a beach",
    "duration": 5,
    "resolution": "720p",
    "aspect_ratio": "16:9",
}


def test_a_video_task_moves_from_queued_to_running_to_succeeded() -> None:
    clock = Clock()
    api = FakeAPI(video_seconds=30, clock=clock)
    created = call(api, "POST", "/videos/generations", body=VIDEO)
    assert created.status_code == 200
    task = json_of(created)
    task_id = str(task["id"])
    assert task_id.startswith("tsk-")
    assert task["object"] == "video.generation.task"
    assert task["model"] == VIDEO["model"]
    assert task["status"] == "queued"
    assert isinstance(task["created_at"], int)
    assert (task["duration"], task["resolution"], task["aspect_ratio"]) == (5, "720p", "16:9")

    def poll(at: float) -> tuple[httpx.Response, dict[str, object]]:
        clock.now = 100.0 + at
        response = call(api, "GET", f"/videos/generations/{task_id}")
        assert response.status_code == 200
        return response, json_of(response)

    statuses: list[tuple[object, object]] = []
    for at in (0, 9.9, 10, 15, 20, 29.9):
        response, view = poll(at)
        statuses.append((view["status"], view["progress"]))
        assert response.headers["retry-after"] == "1"
        assert "data" not in view
    assert statuses[:2] == [("queued", 0), ("queued", 0)]
    running = [cast("int", progress) for status, progress in statuses[2:] if status == "running"]
    assert len(running) == 4
    assert running == sorted(running)
    assert all(1 <= progress <= 99 for progress in running)
    assert running[-1] == 99

    response, done = poll(30)
    assert done["status"] == "succeeded"
    assert done["progress"] == 100
    assert "retry-after" not in response.headers
    data = cast("list[dict[str, str]]", done["data"])
    video_url = httpx.URL(data[0]["video_url"])
    assert str(video_url) == f"http://testserver/v1/files/{task_id}.mp4"
    video = call(api, "GET", video_url.path.removeprefix("/v1"), key=None)
    assert video.status_code == 200
    assert video.headers["content-type"] == "video/mp4"
    assert video.content[4:8] == b"ftyp"


def test_a_video_file_exists_only_once_the_task_succeeded() -> None:
    clock = Clock()
    api = FakeAPI(video_seconds=10, clock=clock)
    task_id = json_of(call(api, "POST", "/videos/generations", body=VIDEO))["id"]
    assert call(api, "GET", f"/files/{task_id}.mp4").status_code == 404
    clock.now += 10
    assert call(api, "GET", f"/files/{task_id}.mp4").status_code == 200


def test_a_prompt_with_fail_ends_in_failed_with_an_error() -> None:
    clock = Clock()
    api = FakeAPI(video_seconds=6, clock=clock)
    task = json_of(
        call(api, "POST", "/videos/generations", body={**VIDEO, "prompt": "This one will FAIL"})
    )
    clock.now += 6
    view = json_of(call(api, "GET", f"/videos/generations/{task['id']}"))
    assert view["status"] == "failed"
    error = cast("dict[str, object]", view["error"])
    assert set(error) == {"message", "code"}
    assert "data" not in view


def test_zero_video_seconds_succeeds_at_once_and_poll_hints_can_be_off() -> None:
    api = FakeAPI(video_seconds=0)
    assert json_of(call(api, "POST", "/videos/generations", body=VIDEO))["status"] == "succeeded"
    quiet = FakeAPI(poll_retry_after=None)
    task = json_of(call(quiet, "POST", "/videos/generations", body=VIDEO))
    response = call(quiet, "GET", f"/videos/generations/{task['id']}")
    assert json_of(response)["status"] == "queued"
    assert "retry-after" not in response.headers


def test_an_unknown_task_is_404() -> None:
    response = call(FakeAPI(), "GET", "/videos/generations/tsk-nope")
    assert response.status_code == 404
    assert error_of(response)["code"] == "task_not_found"


def test_a_video_from_content_frames_alone() -> None:
    content = [
        {"type": "image_url", "image_url": {"url": "https://x/1.jpg"}, "role": "first_frame"},
        {"type": "image_url", "image_url": {"url": "https://x/2.jpg"}, "role": "last_frame"},
    ]
    body = {"model": "m", "content": content}
    assert json_of(call(FakeAPI(), "POST", "/videos/generations", body=body))["status"] == "queued"


@pytest.mark.parametrize(
    ("extra", "param"),
    [
        ({"prompt": None}, "prompt"),
        ({"prompt": 5}, "prompt"),
        ({"duration": 0}, "duration"),
        ({"duration": "5"}, "duration"),
        ({"duration": True}, "duration"),
        ({"resolution": 720}, "resolution"),
        ({"content": "frame"}, "content"),
        ({"content": [{"role": "first_frame"}]}, "content[0]"),
        ({"content": [{"type": "image_url", "role": "first_frame"}] * 2}, "content"),
    ],
)
def test_invalid_video_requests_are_400_naming_the_param(
    extra: dict[str, object], param: str
) -> None:
    body = {k: v for k, v in {"model": "m", "prompt": "p", **extra}.items() if v is not None}
    response = call(FakeAPI(), "POST", "/videos/generations", body=body)
    assert response.status_code == 400
    assert error_of(response)["param"] == param


def test_sse_helpers_see_comments_and_data() -> None:
    raw = b"data: 1\n\n: ping\n\ndata: [DONE]\n\n"
    assert sse_blocks(raw) == ["data: 1", ": ping", "data: [DONE]"]
    assert sse_data(raw) == ["1", "[DONE]"]
