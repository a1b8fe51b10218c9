"""Client construction, configuration, per-call options and closing, sync and async."""

from __future__ import annotations

import json

import httpx
import pytest

from tokenclient import APIStatusError, AsyncTokenClient, TokenClient, TokenClientError
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
