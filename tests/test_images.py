"""``client.images.generate``: body, parsing, validation and retry safety; sync and async."""

from __future__ import annotations

import base64
import json

import httpx
import pytest

from tokenclient import APITimeoutError, InvalidRequestError
from tokenclient.types.images import ImagesResponse

from .support import Kind, close, make_client, resolve, scripted

pytestmark = pytest.mark.anyio
KINDS = pytest.mark.parametrize("kind", ["sync", "async"])

URL_RESPONSE: dict[str, object] = {
    "created": 1_760_000_000,
    "data": [{"url": "https://cdn.test/1.png", "revised_prompt": "a calm lake at dusk"}],
    "usage": {"input_tokens": 9, "output_tokens": 4160, "total_tokens": 4169},
    "cost": 0.04,
}


def ok(body: dict[str, object] = URL_RESPONSE) -> httpx.Response:
    return httpx.Response(200, json=body)


def sent(request: httpx.Request) -> object:
    return json.loads(request.content)


@KINDS
async def test_only_given_arguments_are_sent(kind: Kind) -> None:
    seen, handler = scripted(ok())
    client = make_client(kind, handler)
    await resolve(client.images.generate(model="seedream", prompt="a lake"))
    assert seen[0].method == "POST"
    assert seen[0].url.path == "/api/v1/images/generations"
    assert seen[0].headers["content-type"] == "application/json"
    assert sent(seen[0]) == {"model": "seedream", "prompt": "a lake"}
    await close(client)


@KINDS
async def test_every_argument_and_the_per_call_options(kind: Kind) -> None:
    seen, handler = scripted(ok())
    client = make_client(kind, handler)
    await resolve(
        client.images.generate(
            model="seedream",
            prompt="a lake",
            n=2,
            size="2048x2048",
            response_format="url",
            quality="hd",
            style="natural",
            user="u-9",
            extra_headers={"x-trace": "t-1"},
            extra_query={"region": "eu"},
            extra_body={"seed": 7, "watermark": False, "size": "1024x1024"},
            timeout=30.0,
        )
    )
    request = seen[0]
    assert sent(request) == {
        "model": "seedream",
        "prompt": "a lake",
        "n": 2,
        "size": "1024x1024",  # extra_body wins: it is the escape hatch
        "response_format": "url",
        "quality": "hd",
        "style": "natural",
        "user": "u-9",
        "seed": 7,
        "watermark": False,
    }
    assert request.headers["x-trace"] == "t-1"
    assert request.url.params["region"] == "eu"
    assert request.extensions["timeout"]["read"] == 30.0
    await close(client)


@KINDS
async def test_url_response_is_parsed_and_vendor_fields_kept(kind: Kind) -> None:
    _, handler = scripted(ok())
    client = make_client(kind, handler)
    result = await resolve(client.images.generate(model="m", prompt="p"))
    assert isinstance(result, ImagesResponse)
    assert result.created == 1_760_000_000
    assert result.data[0].url == "https://cdn.test/1.png"
    assert result.data[0].b64_json is None
    assert result.data[0].revised_prompt == "a calm lake at dusk"
    assert result.usage is not None
    assert result.usage.total_tokens == 4169
    assert result.model_extra == {"cost": 0.04}
    await close(client)


@KINDS
async def test_b64_response_is_parsed(kind: Kind) -> None:
    png = b"\x89PNG\r\n\x1a\n"
    body: dict[str, object] = {"data": [{"b64_json": base64.b64encode(png).decode()}]}
    _, handler = scripted(ok(body))
    client = make_client(kind, handler)
    result = await resolve(
        client.images.generate(model="m", prompt="p", response_format="b64_json")
    )
    assert result.created is None  # some providers omit it
    assert result.usage is None
    image = result.data[0]
    assert image.url is None
    assert image.b64_json is not None
    assert base64.b64decode(image.b64_json) == png
    await close(client)


@KINDS
@pytest.mark.parametrize(
    ("given", "field"),
    [
        ({"prompt": ""}, "prompt"),
        ({"n": 0}, "n"),
        ({"n": True}, "n"),
        ({"response_format": "png"}, "response_format"),
    ],
)
async def test_bad_arguments_are_refused_before_sending(
    kind: Kind, given: dict[str, object], field: str
) -> None:
    seen, handler = scripted(ok())
    client = make_client(kind, handler)
    args: dict[str, object] = {"model": "m", "prompt": "p", **given}
    with pytest.raises(InvalidRequestError, match=f"^{field}: "):
        await resolve(client.images.generate(**args))  # type: ignore[arg-type]  # bad values on purpose
    assert seen == []
    await close(client)


@KINDS
async def test_a_read_timeout_is_not_resent(kind: Kind) -> None:
    # The server may be generating (and billing) already: sending again could bill twice.
    seen, handler = scripted(httpx.ReadTimeout("timed out"), ok())
    client = make_client(kind, handler)
    with pytest.raises(APITimeoutError):
        await resolve(client.images.generate(model="m", prompt="p"))
    assert len(seen) == 1
    await close(client)


@KINDS
async def test_a_connection_dropped_after_sending_is_not_resent(kind: Kind) -> None:
    seen, handler = scripted(httpx.RemoteProtocolError("peer closed connection"), ok())
    client = make_client(kind, handler)
    with pytest.raises(Exception, match="RemoteProtocolError"):
        await resolve(client.images.generate(model="m", prompt="p"))
    assert len(seen) == 1
    await close(client)


def first_failure(name: str) -> httpx.Response | BaseException:
    if name == "connect-error":
        return httpx.ConnectError("connection refused")
    return httpx.Response(int(name), json={"error": {"message": "busy"}})


@KINDS
@pytest.mark.parametrize("first", ["connect-error", "503", "429", "408"])
async def test_unsent_requests_and_retryable_statuses_are_resent(kind: Kind, first: str) -> None:
    seen, handler = scripted(first_failure(first), ok())
    delays: list[float] = []
    client = make_client(kind, handler, delays=delays)
    result = await resolve(client.images.generate(model="m", prompt="p"))
    assert result.data[0].url == "https://cdn.test/1.png"
    assert len(seen) == 2
    assert delays == [0.5]
    assert seen[0].content == seen[1].content
    await close(client)
