"""Client construction, configuration, per-call options and closing, sync and async."""

from __future__ import annotations

import email.utils
import json
from functools import cached_property

import httpx
import pytest

from tokenclient import (
    APIStatusError,
    AsyncTokenClient,
    ConfigurationError,
    InvalidRequestError,
    TokenClient,
    TokenClientError,
)
from tokenclient.types import ModelList

from .support import BASE_URL, KEY, Kind, close, make_client, resolve

MODELS = {"object": "list", "data": [{"id": "qwen3-8b", "object": "model", "owned_by": "qwen"}]}


@pytest.mark.parametrize("cls", [TokenClient, AsyncTokenClient])
def test_missing_key_names_the_environment_variable(
    cls: type[TokenClient | AsyncTokenClient],
) -> None:
    with pytest.raises(TokenClientError, match="TOKENCLIENT_API_KEY"):
        cls(base_url=BASE_URL)


@pytest.mark.parametrize("cls", [TokenClient, AsyncTokenClient])
def test_environment_configures_the_client(
    cls: type[TokenClient | AsyncTokenClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TOKENCLIENT_API_KEY", "sk-from-env")
    monkeypatch.setenv("TOKENCLIENT_BASE_URL", "https://tokenoff.com/api/v1")
    client = cls()
    assert client.base_url == "https://tokenoff.com/api/v1"
    assert client._config.headers["authorization"] == "Bearer sk-from-env"


@pytest.mark.parametrize("cls", [TokenClient, AsyncTokenClient])
def test_repr_and_str_never_show_the_key(cls: type[TokenClient | AsyncTokenClient]) -> None:
    client = cls(api_key=KEY, base_url=BASE_URL, provider="tokenoff")
    for text in (repr(client), str(client), f"{client!r}", repr(client._config)):
        assert KEY not in text
    assert (
        repr(client) == f"{cls.__name__}(base_url={BASE_URL!r}, provider='tokenoff', max_retries=2)"
    )


def test_http_client_of_the_wrong_kind_is_refused() -> None:
    with pytest.raises(TypeError, match=r"httpx\.Client"):
        TokenClient(api_key=KEY, base_url=BASE_URL, http_client=httpx.AsyncClient())  # type: ignore[arg-type]  # wrong kind on purpose
    with pytest.raises(TypeError, match=r"httpx\.AsyncClient"):
        AsyncTokenClient(api_key=KEY, base_url=BASE_URL, http_client=httpx.Client())  # type: ignore[arg-type]  # wrong kind on purpose


def test_default_timeout_is_5s_connect_600s_read() -> None:
    client = TokenClient(api_key=KEY, base_url=BASE_URL)
    assert client._http.timeout == httpx.Timeout(600.0, connect=5.0)
    client.close()


def test_sync_close_and_context_manager_close_only_owned_clients() -> None:
    with TokenClient(api_key=KEY, base_url=BASE_URL) as client:
        owned = client._http
    assert owned.is_closed
    mine = httpx.Client()
    with TokenClient(api_key=KEY, base_url=BASE_URL, http_client=mine):
        pass
    assert not mine.is_closed
    mine.close()


@pytest.mark.anyio
async def test_async_close_and_context_manager_close_only_owned_clients() -> None:
    async with AsyncTokenClient(api_key=KEY, base_url=BASE_URL) as client:
        owned = client._http
    assert owned.is_closed
    mine = httpx.AsyncClient()
    async with AsyncTokenClient(api_key=KEY, base_url=BASE_URL, http_client=mine):
        pass
    assert not mine.is_closed
    await mine.aclose()


@pytest.mark.anyio
@pytest.mark.parametrize("kind", ["sync", "async"])
async def test_user_http_client_headers_are_kept_and_ours_win(kind: Kind) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=MODELS)

    transport = httpx.MockTransport(handler)
    headers = {"X-Proxy-Team": "blue", "Authorization": "Bearer not-this-one"}
    client: TokenClient | AsyncTokenClient
    if kind == "sync":
        client = TokenClient(
            api_key=KEY,
            base_url=BASE_URL,
            http_client=httpx.Client(transport=transport, headers=headers),
        )
    else:
        client = AsyncTokenClient(
            api_key=KEY,
            base_url=BASE_URL,
            http_client=httpx.AsyncClient(transport=transport, headers=headers),
        )
    await resolve(client.models.list())
    assert seen[0].headers["x-proxy-team"] == "blue"
    assert seen[0].headers["authorization"] == f"Bearer {KEY}"
    await close(client)


@pytest.mark.anyio
@pytest.mark.parametrize("kind", ["sync", "async"])
async def test_models_list_sends_auth_and_joins_the_path_prefix(kind: Kind) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        body = {
            "object": "list",
            "data": [
                {"id": "qwen3-8b", "object": "model", "owned_by": "qwen", "context_length": 32768},
                {"id": "openai/gpt-4.1", "pricing": {"prompt": "0.002"}},
            ],
        }
        return httpx.Response(200, json=body)

    client = make_client(kind, handler)
    models = await resolve(client.models.list())
    assert isinstance(models, ModelList)
    assert len(models) == 2
    assert [m.id for m in models] == ["qwen3-8b", "openai/gpt-4.1"]
    assert models[0].model_extra == {"context_length": 32768}
    assert models[1].model_extra == {"pricing": {"prompt": "0.002"}}
    request = seen[0]
    assert request.method == "GET"
    assert str(request.url) == "https://api.example.test/api/v1/models"
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert request.headers["accept"] == "application/json"
    await close(client)


@pytest.mark.anyio
@pytest.mark.parametrize("kind", ["sync", "async"])
async def test_per_call_options_reach_the_wire(kind: Kind) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"data": []})

    client = make_client(kind, handler, default_headers={"X-Default": "1"})
    await resolve(
        client.models.list(
            extra_headers={"X-Extra": "2"},
            extra_query={"page": 3},
            extra_body={"filter": "chat"},
            timeout=7.0,
        )
    )
    request = seen[0]
    assert request.headers["x-default"] == "1"
    assert request.headers["x-extra"] == "2"
    assert request.url.params["page"] == "3"
    assert json.loads(request.content) == {"filter": "chat"}
    assert request.extensions["timeout"] == {"connect": 7.0, "read": 7.0, "write": 7.0, "pool": 7.0}
    await close(client)


@pytest.mark.anyio
@pytest.mark.parametrize("kind", ["sync", "async"])
async def test_with_options_changes_options_and_shares_the_pool(kind: Kind) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(503, json={"error": {"message": "busy"}})

    delays: list[float] = []
    client = make_client(kind, handler, delays=delays)
    copy = client.with_options(max_retries=0, timeout=3.0, default_headers={"X-Copy": "1"})
    assert type(copy) is type(client)
    assert copy._http is client._http
    assert copy._requester is client._requester
    assert copy._runtime is client._runtime
    assert copy.models is not client.models
    with pytest.raises(APIStatusError, match="503"):
        await resolve(copy.models.list())
    assert len(seen) == 1  # max_retries=0 on the copy
    assert seen[0].headers["x-copy"] == "1"
    assert seen[0].extensions["timeout"]["read"] == 3.0
    with pytest.raises(APIStatusError, match="503"):
        await resolve(client.models.list())
    assert len(seen) == 4  # the original still retries twice
    assert "x-copy" not in seen[-1].headers
    assert (
        copy.with_options(api_key="sk-other")._config.headers["authorization"] == "Bearer sk-other"
    )
    assert KEY not in repr(copy)
    await close(client)


def test_closing_a_copy_leaves_the_shared_pool_open() -> None:
    client = TokenClient(api_key=KEY, base_url=BASE_URL)
    copy = client.with_options(max_retries=5)
    copy.close()
    assert not client._http.is_closed
    client.close()
    assert client._http.is_closed


BAD_ARGUMENTS: list[tuple[dict[str, object], str]] = [
    ({"api_key": ""}, r"^No API key: .*TOKENCLIENT_API_KEY"),
    ({"base_url": None}, r"^No base URL: .*TOKENCLIENT_BASE_URL"),
    ({"base_url": "ftp://example.test/v1"}, r"^base_url: expected an absolute http\(s\) URL"),
    ({"base_url": BASE_URL + "?a=1"}, r"^base_url: must not carry a query string"),
    ({"provider": "nope"}, r"^provider: unknown provider 'nope'"),
    ({"timeout": 0}, r"^timeout: every phase must be a positive number"),
    ({"max_retries": -1}, r"^max_retries: expected an integer >= 0"),
    ({"stream_idle_timeout": 0}, r"^stream_idle_timeout: expected a positive number"),
    ({"default_headers": {"x-bad": "a\nb"}}, r"^header 'x-bad': "),
    ({"max_concurrency": 0}, r"^max_concurrency: expected an integer >= 1"),
    ({"requests_per_minute": -1}, r"^requests_per_minute: expected a finite number"),
]


@pytest.mark.parametrize(("arguments", "message"), BAD_ARGUMENTS)
@pytest.mark.parametrize("cls", [TokenClient, AsyncTokenClient])
def test_every_bad_argument_is_a_configuration_error(
    cls: type[TokenClient | AsyncTokenClient],
    arguments: dict[str, object],
    message: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("TOKENCLIENT_API_KEY", "TOKENCLIENT_BASE_URL", "TOKENCLIENT_PROVIDER"):
        monkeypatch.delenv(name, raising=False)
    given: dict[str, object] = {"api_key": KEY, "base_url": BASE_URL, **arguments}
    with pytest.raises(ConfigurationError, match=message) as info:
        cls(**given)  # type: ignore[arg-type]  # bad values on purpose
    # Code that caught the older, wider classes keeps working.
    assert isinstance(info.value, InvalidRequestError)
    assert isinstance(info.value, ValueError)
    assert isinstance(info.value, TokenClientError)


@pytest.mark.parametrize("cls", [TokenClient, AsyncTokenClient])
def test_with_options_reports_bad_arguments_as_configuration_errors(
    cls: type[TokenClient | AsyncTokenClient],
) -> None:
    client = cls(api_key=KEY, base_url=BASE_URL)
    with pytest.raises(ConfigurationError, match=r"^max_retries: "):
        client.with_options(max_retries=-1)
    with pytest.raises(ConfigurationError, match=r"^base_url: "):
        client.with_options(base_url="not a url")


def test_the_resources_reset_by_with_options_are_derived_from_the_class() -> None:
    assert TokenClient._resources == ("chat", "images", "models", "videos")
    assert AsyncTokenClient._resources == ("chat", "images", "models", "videos")

    class Extended(TokenClient):
        @cached_property
        def extra(self) -> object:
            return (self._config.retry.max_retries,)

    client = Extended(api_key=KEY, base_url=BASE_URL)
    assert client.extra == (2,)
    copy = client.with_options(max_retries=0)
    assert copy.extra == (0,)  # not the original's cached resource
    assert client.extra == (2,)
    assert copy.models is not client.models


@pytest.mark.anyio
@pytest.mark.parametrize("kind", ["sync", "async"])
async def test_the_runtime_hook_drives_retries_the_limiter_and_copies(kind: Kind) -> None:
    """One ``_runtime``, shared by requester, limiter and ``with_options`` copies; a field
    replaced after construction is used by all of them, and retry sleeps stay apart from
    limiter waits."""
    now = 1_000_000.0
    retry_at = email.utils.formatdate(now + 7.0, usegmt=True)
    answers = [
        httpx.Response(503, headers={"retry-after": retry_at}),
        httpx.Response(200, json=MODELS),
    ]
    http: httpx.Client | httpx.AsyncClient
    if kind == "sync":
        http = httpx.Client(transport=httpx.MockTransport(lambda _: answers.pop(0)))
        client: TokenClient | AsyncTokenClient = TokenClient(
            api_key=KEY, base_url=BASE_URL, http_client=http, requests_per_minute=60
        )
    else:
        http = httpx.AsyncClient(transport=httpx.MockTransport(lambda _: answers.pop(0)))
        client = AsyncTokenClient(
            api_key=KEY, base_url=BASE_URL, http_client=http, requests_per_minute=60
        )
    copy = client.with_options(timeout=10.0)
    assert copy._runtime is client._runtime
    retries: list[float] = []
    waits: list[float] = []
    runtime = copy._runtime  # replaced on the copy: the original sees it too
    runtime.wall_clock = lambda: now
    runtime.monotonic = lambda: 0.0  # frozen: the second start must wait for the bucket

    async def async_retry(seconds: float) -> None:
        retries.append(seconds)

    async def async_wait(seconds: float) -> None:
        waits.append(seconds)
        runtime.monotonic = lambda: 10.0  # time moves on once the limiter waited

    def wait(seconds: float) -> None:
        waits.append(seconds)
        runtime.monotonic = lambda: 10.0

    runtime.sleep = retries.append
    runtime.async_sleep = async_retry
    runtime.limiter_sleep = wait
    runtime.async_limiter_sleep = async_wait
    listed = await resolve(client.models.list())
    assert [m.id for m in listed.data] == ["qwen3-8b"]
    assert retries == [7.0]  # the HTTP date read against wall_clock, not monotonic
    assert waits == [pytest.approx(1.0)]  # 60/min from a frozen monotonic clock: 1 s
    await close(client)
