"""run_batch with both clients against the bundled server (in process): results, resume,
bad lines, duplicates, a 503 storm, shards and merge, billing safety."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, cast

import pytest

from tokenclient import AsyncTokenClient, InvalidRequestError, TokenClient
from tokenclient.batch import (
    BatchInputError,
    BatchProgress,
    BatchSummary,
    merge_outputs,
    run_batch,
)
from tokenclient.batch._checkpoint import Checkpoint
from tokenclient.testing import FakeAPI, make_async_client, make_client

from ..support import Kind, resolve

pytestmark = pytest.mark.anyio
KINDS = pytest.mark.parametrize("kind", ["sync", "async"])


def chat_line(custom_id: str, model: str = "qwen3-8b", **body: object) -> str:
    request = {
        "custom_id": custom_id,
        "method": "POST",
        "url": "/v1/chat/completions",
        "body": {"model": model, "messages": [{"role": "user", "content": custom_id}], **body},
    }
    return json.dumps(request)


def write_input(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n")
    return path


def read_output(path: Path) -> dict[str, dict[str, object]]:
    results: dict[str, dict[str, object]] = {}
    for raw in path.read_text().splitlines():
        record = json.loads(raw)
        assert record["custom_id"] not in results, f"{record['custom_id']} written twice"
        results[record["custom_id"]] = record
    return results


def error_code(record: dict[str, object]) -> object:
    error = cast("dict[str, object] | None", record["error"])
    return None if error is None else error["code"]


def client_of(kind: Kind, api: FakeAPI, *, max_retries: int = 2) -> TokenClient | AsyncTokenClient:
    if kind == "sync":
        return make_client(api, max_retries=max_retries)
    return make_async_client(api, max_retries=max_retries)


async def run(
    kind: Kind,
    api: FakeAPI,
    source: Path,
    output: Path,
    *,
    max_retries: int = 2,
    **options: object,
) -> BatchSummary:
    client = client_of(kind, api, max_retries=max_retries)
    try:
        return await resolve(run_batch(client, source, output, **options))  # type: ignore[call-overload]  # options: a test dict
    finally:
        await resolve(client.close())


def sent_ids(api: FakeAPI) -> list[str]:
    """The custom_id (the user message) of every chat request the server received."""
    ids: list[str] = []
    for request in api.requests:
        body = json.loads(request.content)
        ids.append(body["messages"][-1]["content"])
    return ids


@KINDS
async def test_every_request_gets_one_result_line(kind: Kind, tmp_path: Path) -> None:
    api = FakeAPI()
    lines = [chat_line(f"q{i}") for i in range(25)]
    lines.append(
        json.dumps(
            {
                "custom_id": "img",
                "method": "POST",
                "url": "/v1/images/generations",
                "body": {"model": "seedream", "prompt": "a lighthouse"},
            }
        )
    )
    source = write_input(tmp_path / "requests.jsonl", lines)
    seen: list[BatchProgress] = []
    summary = await run(
        kind, api, source, tmp_path / "results.jsonl", concurrency=4, on_progress=seen.append
    )
    assert (summary.total, summary.succeeded, summary.failed, summary.skipped) == (26, 26, 0, 0)
    assert not summary.interrupted
    assert summary.input_tokens > 0
    assert summary.output_tokens > 0
    results = read_output(tmp_path / "results.jsonl")
    assert set(results) == {f"q{i}" for i in range(25)} | {"img"}
    first = results["q3"]
    assert first["error"] is None
    assert str(first["id"]).startswith("batch_req_")
    response = cast("dict[str, Any]", first["response"])
    assert response["status_code"] == 200
    assert response["body"]["choices"][0]["message"]["content"] == "You said: q3"
    assert str(response["request_id"]).startswith("req_")
    assert len(seen) == 26
    assert seen[-1].done == 26


@KINDS
async def test_a_rerun_skips_everything_already_done(kind: Kind, tmp_path: Path) -> None:
    api = FakeAPI()
    source = write_input(tmp_path / "in.jsonl", [chat_line(f"q{i}") for i in range(10)])
    output = tmp_path / "out.jsonl"
    await run(kind, api, source, output)
    sent = len(api.requests)
    again = await run(kind, api, source, output)
    assert (again.skipped, again.succeeded, again.failed) == (10, 0, 0)
    assert len(api.requests) == sent
    assert len(read_output(output)) == 10


@KINDS
async def test_bad_lines_become_error_lines_and_the_run_goes_on(kind: Kind, tmp_path: Path) -> None:
    api = FakeAPI()
    lines = [
        chat_line("good-1"),
        "{not json",
        json.dumps({"method": "POST", "url": "/v1/chat/completions", "body": {}}),
        json.dumps({"custom_id": "bad-url", "url": "/v1/embeddings", "body": {}}),
        chat_line("too-hot", temperature=5),
        chat_line("streamed", stream=True),
        chat_line("unknown-field", temprature=0.5),
        chat_line("refused", model="error-400"),
        "",
        chat_line("good-2"),
    ]
    source = write_input(tmp_path / "in.jsonl", lines)
    summary = await run(kind, api, source, tmp_path / "out.jsonl")
    assert (summary.succeeded, summary.failed) == (2, 7)
    results = read_output(tmp_path / "out.jsonl")
    codes = {cid: error_code(r) for cid, r in results.items()}
    assert codes == {
        "good-1": None,
        "line-2": "invalid_json",
        "line-3": "invalid_custom_id",
        "bad-url": "invalid_url",
        "too-hot": "invalid_body",
        "streamed": "invalid_body",
        "unknown-field": "invalid_body",
        "refused": "invalid_request",
        "good-2": None,
    }
    refused = results["refused"]["response"]
    assert isinstance(refused, dict)
    assert refused["status_code"] == 400
    assert "temperature" in str(results["too-hot"]["error"])
    assert sent_ids(api) == ["good-1", "refused", "good-2"]  # bad input is never sent


@KINDS
async def test_duplicate_custom_ids_are_refused_before_anything_is_sent(
    kind: Kind, tmp_path: Path
) -> None:
    api = FakeAPI()
    source = write_input(tmp_path / "in.jsonl", [chat_line("a"), chat_line("b"), chat_line("a")])
    with pytest.raises(BatchInputError, match=r"'a' appears twice \(lines 1 and 3\)"):
        await run(kind, api, source, tmp_path / "out.jsonl")
    assert api.requests == []


@KINDS
async def test_a_storm_of_503s_loses_nothing(kind: Kind, tmp_path: Path) -> None:
    api = FakeAPI(retry_after=0.001)
    source = write_input(tmp_path / "in.jsonl", [chat_line(f"q{i}", "flaky-12") for i in range(20)])
    summary = await run(kind, api, source, tmp_path / "out.jsonl", max_retries=12, concurrency=4)
    assert (summary.succeeded, summary.failed) == (20, 0)
    assert len(read_output(tmp_path / "out.jsonl")) == 20


@KINDS
async def test_retry_failed_sends_only_the_failures_again(kind: Kind, tmp_path: Path) -> None:
    api = FakeAPI(retry_after=0.001)
    source = write_input(tmp_path / "in.jsonl", [chat_line(f"q{i}", "flaky-3") for i in range(8)])
    output = tmp_path / "out.jsonl"
    first = await run(kind, api, source, output, max_retries=0, concurrency=1)
    assert (first.succeeded, first.failed) == (5, 3)
    before = len(api.requests)
    second = await run(kind, api, source, output, retry_failed=True)
    assert (second.succeeded, second.failed, second.skipped) == (3, 0, 5)
    assert len(api.requests) == before + 3
    results = read_output(output)
    assert len(results) == 8
    assert all(r["error"] is None for r in results.values())


@KINDS
async def test_shards_split_the_ids_and_merge_puts_them_back(kind: Kind, tmp_path: Path) -> None:
    api = FakeAPI()
    source = write_input(tmp_path / "in.jsonl", [chat_line(f"q{i}") for i in range(30)])
    parts = [tmp_path / f"part{k}.jsonl" for k in (1, 2, 3)]
    totals = [
        (await run(kind, api, source, part, shard=f"{k}/3")).total
        for k, part in zip((1, 2, 3), parts, strict=True)
    ]
    assert sum(totals) == 30
    assert all(t > 0 for t in totals)
    merged = tmp_path / "all.jsonl"
    assert merge_outputs(parts, merged, requests=source) == 30
    assert set(read_output(merged)) == {f"q{i}" for i in range(30)}
    with pytest.raises(BatchInputError, match="no result"):
        merge_outputs(parts[:2], tmp_path / "x.jsonl", requests=source)
    with pytest.raises(BatchInputError, match="again in"):
        merge_outputs([parts[0], parts[0]], tmp_path / "y.jsonl")


@KINDS
async def test_an_image_that_may_have_been_billed_is_not_sent_again(
    kind: Kind, tmp_path: Path
) -> None:
    api = FakeAPI()
    line = {
        "custom_id": "img",
        "method": "POST",
        "url": "/v1/images/generations",
        "body": {"model": "seedream", "prompt": "a lighthouse"},
    }
    source = write_input(tmp_path / "in.jsonl", [json.dumps(line)])
    output = tmp_path / "out.jsonl"
    interrupted = Checkpoint(output)  # a run that sent it, then died before the result
    interrupted.start("img")
    interrupted.close()
    summary = await run(kind, api, source, output)
    assert (summary.succeeded, summary.failed) == (0, 1)
    assert api.requests == []
    assert read_output(output)["img"]["error"] == {
        "code": "interrupted",
        "message": "sent by an interrupted run and may have been billed; not resent "
        "(run again with --retry-failed to resend it)",
    }
    again = await run(kind, api, source, output, retry_failed=True)
    assert again.succeeded == 1
    assert len(api.requests) == 1


def test_a_partial_last_line_is_cut_and_unrecorded_lines_are_recovered(tmp_path: Path) -> None:
    output = tmp_path / "out.jsonl"
    checkpoint = Checkpoint(output)
    checkpoint.record("a", b'{"custom_id":"a","error":null}\n', ok=True)
    checkpoint.close()
    with output.open("ab") as file:  # written, then killed before the checkpoint knew
        file.write(b'{"custom_id":"b","error":{"code":"x","message":"y"}}\n{"custom_id":"c","err')
    reopened = Checkpoint(output)
    assert reopened.is_done("a")
    assert reopened.is_done("b")
    assert not reopened.is_done("c")
    reopened.close()
    assert output.read_bytes().endswith(b'"message":"y"}}\n')


async def test_bad_arguments_are_refused_by_name(tmp_path: Path) -> None:
    client = make_client(FakeAPI())
    source = write_input(tmp_path / "in.jsonl", [chat_line("a")])
    with pytest.raises(InvalidRequestError, match="concurrency"):
        run_batch(client, source, tmp_path / "o.jsonl", concurrency=0)
    with pytest.raises(InvalidRequestError, match="shard"):
        run_batch(client, source, tmp_path / "o.jsonl", shard="3/2")
    with pytest.raises(BatchInputError, match="no such file"):
        run_batch(client, tmp_path / "missing.jsonl", tmp_path / "o.jsonl")
    client.close()


@KINDS
async def test_the_summary_adds_up_what_the_provider_says_it_cost(
    kind: Kind, tmp_path: Path
) -> None:
    api = FakeAPI()
    lines = [chat_line(f"q{i}", "qwen3-8b-with-cost") for i in range(3)]
    lines.append(chat_line("free"))  # no usage.cost and no Pricing: not counted, not guessed
    source = write_input(tmp_path / "in.jsonl", lines)
    summary = await run(kind, api, source, tmp_path / "out.jsonl")
    assert summary.succeeded == 4
    (currency,) = summary.cost
    assert currency == "USD"
    assert summary.cost[currency] > 0
