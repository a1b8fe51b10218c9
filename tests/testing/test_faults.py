"""The scripted faults, selected by model name, on the handler called directly."""

from __future__ import annotations

import json
from pathlib import Path
from typing import cast

import httpx
import pytest

from tokenclient.testing import FAULTS, FakeAPI
from tokenclient.testing._faults import STATUS_ERRORS, find_fault

from .support import assert_spec_valid, call, chat_body, chunks_of, json_of, request, sse_blocks

DOCS = Path(__file__).parents[2] / "docs" / "testing.md"
IMAGE = {"prompt": "a cat", "response_format": "b64_json"}


def error_of(response: httpx.Response) -> dict[str, object]:
    body = json_of(response)
    assert_spec_valid("ErrorResponse", body)
    return cast("dict[str, object]", body["error"])


def test_every_fault_is_documented_and_its_example_selects_it() -> None:
    docs = DOCS.read_text()
    for spec in FAULTS:
        assert f"`{spec.example}`" in docs, f"{spec.example} missing from docs/testing.md"
        fault = find_fault(spec.example)
        assert fault is not None
        assert fault.kind == spec.kind


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        ("error-429", ("status", 429)),
        ("acme/error-503", ("status", 503)),
        ("flaky-3", ("flaky", 3)),
        ("vendor/slow", ("slow", 0)),
        ("error-200", None),
        ("error-4290", None),
        ("slowly", None),
        ("qwen3-8b", None),
        ("stream-drop/qwen3-8b", None),
    ],
)
def test_find_fault_matches_the_last_segment_in_full(
    model: str, expected: tuple[str, int] | None
) -> None:
    fault = find_fault(model)
    assert (None if fault is None else (fault.kind, fault.number)) == expected


@pytest.mark.parametrize(
    "status", [400, 401, 402, 403, 404, 408, 409, 418, 422, 429, 500, 502, 503, 504, 529]
)
def test_error_status_answers_with_the_envelope(status: int) -> None:
    response = call(FakeAPI(), "POST", "/chat/completions", body=chat_body(model=f"error-{status}"))
    assert response.status_code == status
    assert response.headers["x-request-id"]
    error = error_of(response)
    known = STATUS_ERRORS.get(status)
    if known is not None:
        assert (error["type"], error["code"], error["message"]) == (
            known.type,
            known.code,
            known.message,
        )
    else:
        assert error["type"] == ("server_error" if status >= 500 else "invalid_request_error")
    if status in (429, 503):
        assert response.headers["retry-after-ms"] == "10"
        assert response.headers["retry-after"] == "1"
    else:
        assert "retry-after" not in response.headers


def test_the_retry_hint_is_configurable() -> None:
    response = call(
        FakeAPI(retry_after=2.5), "POST", "/chat/completions", body=chat_body(model="error-429")
    )
    assert response.headers["retry-after-ms"] == "2500"
    assert response.headers["retry-after"] == "3"


def test_faults_apply_to_images_and_videos_too() -> None:
    api = FakeAPI()
    assert (
        call(api, "POST", "/images/generations", body={**IMAGE, "model": "error-402"}).status_code
        == 402
    )
    assert (
        call(
            api, "POST", "/videos/generations", body={"model": "error-503", "prompt": "x"}
        ).status_code
        == 503
    )


def test_flaky_fails_n_times_per_model_and_instance_then_succeeds() -> None:
    api = FakeAPI()
    statuses = [
        call(api, "POST", "/chat/completions", body=chat_body(model="flaky-2")).status_code
        for _ in range(4)
    ]
    assert statuses == [503, 503, 200, 200]
    first = call(api, "POST", "/chat/completions", body=chat_body(model="acme/flaky-2"))
    assert first.status_code == 503
    assert first.headers["retry-after"] == "1"
    assert "1 of 2" in str(error_of(first)["message"])
    fresh = FakeAPI()
    assert (
        call(fresh, "POST", "/chat/completions", body=chat_body(model="flaky-2")).status_code == 503
    )
    assert (
        call(api, "POST", "/chat/completions", body=chat_body(model="flaky-0")).status_code == 200
    )


def test_html_502_is_an_html_page() -> None:
    response = call(FakeAPI(), "POST", "/chat/completions", body=chat_body(model="html-502"))
    assert response.status_code == 502
    assert response.headers["content-type"].startswith("text/html")
    assert "<title>502 Bad Gateway</title>" in response.text


def test_bad_json_is_200_with_truncated_json() -> None:
    response = call(FakeAPI(), "POST", "/chat/completions", body=chat_body(model="bad-json"))
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.text.startswith('{"id":"chatcmpl-')
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.content)


def test_bad_json_in_a_stream_is_one_broken_data_event() -> None:
    response = call(
        FakeAPI(), "POST", "/chat/completions", body=chat_body(model="bad-json", stream=True)
    )
    blocks = sse_blocks(response.content)
    assert blocks[-1] == "data: [DONE]"
    json.loads(blocks[0].removeprefix("data: "))
    with pytest.raises(json.JSONDecodeError):
        json.loads(blocks[2].removeprefix("data: "))


def test_stream_error_sends_chunks_then_an_error_event_and_no_done() -> None:
    response = call(
        FakeAPI(),
        "POST",
        "/chat/completions",
        body=chat_body("one two three four", model="stream-error", stream=True),
    )
    assert response.status_code == 200
    blocks = sse_blocks(response.content)
    assert "data: [DONE]" not in blocks
    *chunks, last = chunks_of(response.content)
    assert len(chunks) >= 2
    assert all(chunk["object"] == "chat.completion.chunk" for chunk in chunks)
    assert_spec_valid("ErrorResponse", last)
    error = cast("dict[str, object]", last["error"])
    assert error["code"] == "upstream_error"


def test_stream_error_without_stream_is_a_500() -> None:
    response = call(FakeAPI(), "POST", "/chat/completions", body=chat_body(model="stream-error"))
    assert response.status_code == 500
    assert error_of(response)["type"] == "server_error"


def test_stream_drop_breaks_the_stream_after_a_few_chunks() -> None:
    response = FakeAPI()(
        request(
            "POST",
            "/chat/completions",
            body=chat_body("one two three four", model="stream-drop", stream=True),
        )
    )
    received: list[bytes] = []
    with pytest.raises(httpx.RemoteProtocolError, match="peer closed connection"):
        received.extend(response.iter_raw())
    assert len(received) == 4
    assert received[0].startswith(b"data: {")
    assert b"[DONE]" not in b"".join(received)


def test_stream_drop_breaks_a_json_body_halfway() -> None:
    response = FakeAPI()(
        request("POST", "/images/generations", body={**IMAGE, "model": "stream-drop"})
    )
    length = int(response.headers["content-length"])
    received: list[bytes] = []
    with pytest.raises(httpx.RemoteProtocolError):
        received.extend(response.iter_raw())
    assert len(b"".join(received)) == length // 2


def test_stream_only_refuses_requests_without_stream() -> None:
    api = FakeAPI()
    refused = call(api, "POST", "/chat/completions", body=chat_body(model="stream-only"))
    assert refused.status_code == 400
    error = error_of(refused)
    assert (error["param"], error["code"]) == ("stream", "stream_required")
    streamed = call(
        api, "POST", "/chat/completions", body=chat_body(model="stream-only", stream=True)
    )
    assert streamed.status_code == 200


def test_slow_waits_slow_seconds_before_the_body(monkeypatch: pytest.MonkeyPatch) -> None:
    slept: list[float] = []
    monkeypatch.setattr("tokenclient.testing._streams.time.sleep", slept.append)
    api = FakeAPI(slow_seconds=7.5)
    plain = call(api, "POST", "/chat/completions", body=chat_body(model="slow"))
    assert plain.status_code == 200
    assert int(plain.headers["content-length"]) == len(plain.content)
    assert first_content(json_of(plain)) == "You said: Hello!"
    assert slept == [7.5]
    streamed = call(api, "POST", "/chat/completions", body=chat_body(model="slow", stream=True))
    assert chunks_of(streamed.content)
    assert slept == [7.5, 7.5]


def first_content(body: dict[str, object]) -> object:
    choices = cast("list[dict[str, dict[str, object]]]", body["choices"])
    return choices[0]["message"]["content"]


def test_slow_raises_read_timeout_when_the_read_timeout_is_shorter() -> None:
    api = FakeAPI(slow_seconds=5)
    short = {"timeout": {"connect": 5.0, "read": 0.5, "write": 5.0, "pool": 5.0}}
    with pytest.raises(httpx.ReadTimeout):
        api(request("POST", "/chat/completions", body=chat_body(model="slow"), extensions=short))
    # The request still reached the server: a video task was created all the same.
    with pytest.raises(httpx.ReadTimeout):
        api(
            request(
                "POST",
                "/videos/generations",
                body={"model": "slow", "prompt": "p"},
                extensions=short,
            )
        )
    assert api.requests[-1].url.path == "/v1/videos/generations"


def test_chunk_delay_sleeps_between_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    slept: list[float] = []
    monkeypatch.setattr("tokenclient.testing._streams.time.sleep", slept.append)
    response = call(
        FakeAPI(chunk_delay=0.25), "POST", "/chat/completions", body=chat_body(stream=True)
    )
    events = len(sse_blocks(response.content))
    assert slept == [0.25] * (events - 1)
