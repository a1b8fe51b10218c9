"""Building requests: URL join, headers, body, per-call options; no transport involved."""

from __future__ import annotations

import json

import httpx
import pytest

from tokenclient import InvalidRequestError, TokenClientError
from tokenclient._config import USER_AGENT, resolve_config
from tokenclient._core.request import RequestOptions, build_request, encode_json, path_segment


@pytest.mark.parametrize(
    ("base_url", "path", "expected"),
    [
        ("https://tokenoff.com/api/v1", "/models", "https://tokenoff.com/api/v1/models"),
        ("https://tokenoff.com/api/v1/", "/models", "https://tokenoff.com/api/v1/models"),
        ("https://api.tokenlake.ai/v1", "/chat/completions", "https://api.tokenlake.ai/v1/chat/completions"),
        ("http://127.0.0.1:8080", "/models", "http://127.0.0.1:8080/models"),
    ],
)  # fmt: skip
def test_base_url_path_prefix_is_kept(base_url: str, path: str, expected: str) -> None:
    cfg = resolve_config(api_key="k", base_url=base_url, provider=None, environ={})
    assert str(build_request(cfg, "GET", path).url) == expected


def test_headers_body_and_timeout() -> None:
    cfg = resolve_config(
        api_key="sk-secret",
        base_url="https://x.test/v1",
        provider=None,
        default_headers={"X-Team": "blue"},
        environ={},
    )
    request = build_request(cfg, "POST", "/chat/completions", body={"model": "m", "note": "é"})
    assert request.headers["authorization"] == "Bearer sk-secret"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["user-agent"] == USER_AGENT
    assert request.headers["x-team"] == "blue"
    assert json.loads(request.content) == {"model": "m", "note": "é"}
    assert request.extensions["timeout"] == {
        "connect": 5.0,
        "read": 600.0,
        "write": 600.0,
        "pool": 600.0,
    }


def test_per_call_options_merge_over_the_defaults() -> None:
    cfg = resolve_config(api_key="k", base_url="https://x.test/v1", provider=None, environ={})
    options = RequestOptions(
        extra_headers={"X-Trace": "abc", "User-Agent": "mine"},
        extra_query={"api-version": "2", "debug": True},
        extra_body={"provider_flag": 1, "model": "override"},
        timeout=12.5,
    )
    request = build_request(cfg, "POST", "/chat/completions", body={"model": "m"}, options=options)
    assert request.headers["x-trace"] == "abc"
    assert request.headers["user-agent"] == "mine"
    assert request.url.params["api-version"] == "2"
    assert request.url.params["debug"] == "true"
    assert json.loads(request.content) == {"model": "override", "provider_flag": 1}
    assert request.extensions["timeout"]["read"] == 12.5


def test_get_without_body_sends_no_content() -> None:
    cfg = resolve_config(api_key="k", base_url="https://x.test/v1", provider=None, environ={})
    request = build_request(cfg, "GET", "/models")
    assert request.content == b""
    assert "content-type" not in request.headers


def test_httpx_timeout_per_call() -> None:
    cfg = resolve_config(api_key="k", base_url="https://x.test/v1", provider=None, environ={})
    options = RequestOptions(timeout=httpx.Timeout(3.0, connect=1.0))
    assert (
        build_request(cfg, "GET", "/models", options=options).extensions["timeout"]["connect"]
        == 1.0
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("tsk-1", "tsk-1"),
        ("a/../b", "a%2F..%2Fb"),
        ("..", "%2E%2E"),
        (".", "%2E"),
        ("a b?c#d", "a%20b%3Fc%23d"),
    ],
)
def test_path_segment_cannot_escape(value: str, expected: str) -> None:
    assert path_segment(value, "task_id") == expected
    cfg = resolve_config(api_key="k", base_url="https://x.test/v1", provider=None, environ={})
    url = build_request(cfg, "GET", "/videos/generations/" + path_segment(value, "task_id")).url
    assert url.raw_path.startswith(b"/v1/videos/generations/")
    assert url.raw_path.count(b"/") == 4


def test_path_segment_rejects_empty() -> None:
    with pytest.raises(InvalidRequestError, match="task_id"):
        path_segment("", "task_id")


def test_encode_json_refuses_nan_and_objects() -> None:
    with pytest.raises(InvalidRequestError, match="request body"):
        encode_json({"temperature": float("nan")})
    with pytest.raises(InvalidRequestError):
        encode_json({"x": object()})


@pytest.mark.parametrize(
    "headers",
    [{"X-Bad": "a\r\nInjected: 1"}, {"X-Bad\n": "v"}, {"": "v"}, {"X-Nul": "a\0b"}],
)
def test_header_injection_is_refused_before_sending(headers: dict[str, str]) -> None:
    with pytest.raises(InvalidRequestError, match="header"):
        resolve_config(
            api_key="k",
            base_url="https://x.test",
            provider=None,
            default_headers=headers,
            environ={},
        )
    cfg = resolve_config(api_key="k", base_url="https://x.test/v1", provider=None, environ={})
    with pytest.raises(InvalidRequestError, match="header"):
        build_request(cfg, "GET", "/models", options=RequestOptions(extra_headers=headers))


def test_key_with_newline_is_refused_without_echoing_it() -> None:
    with pytest.raises(InvalidRequestError) as info:
        resolve_config(
            api_key="sk-abc\r\nX: y", base_url="https://x.test", provider=None, environ={}
        )
    assert "sk-abc" not in str(info.value)


def test_environment_supplies_key_and_base_url() -> None:
    cfg = resolve_config(
        api_key=None,
        base_url=None,
        provider=None,
        environ={"TOKENCLIENT_API_KEY": "sk-env", "TOKENCLIENT_BASE_URL": "https://env.test/v1/"},
    )
    assert cfg.base_url == "https://env.test/v1"
    assert cfg.headers["authorization"] == "Bearer sk-env"


def test_arguments_win_over_environment() -> None:
    env = {"TOKENCLIENT_API_KEY": "sk-env", "TOKENCLIENT_BASE_URL": "https://env.test/v1"}
    cfg = resolve_config(
        api_key="sk-arg", base_url="https://arg.test/v1", provider=None, environ=env
    )
    assert cfg.base_url == "https://arg.test/v1"
    assert cfg.headers["authorization"] == "Bearer sk-arg"


def test_missing_key_names_the_variable() -> None:
    with pytest.raises(TokenClientError, match="TOKENCLIENT_API_KEY"):
        resolve_config(api_key=None, base_url="https://x.test", provider=None, environ={})


def test_missing_base_url_names_the_variable_and_providers() -> None:
    with pytest.raises(TokenClientError, match=r"TOKENCLIENT_BASE_URL.*tokenlake"):
        resolve_config(api_key="k", base_url=None, provider=None, environ={})


@pytest.mark.parametrize(
    ("provider", "url"),
    [
        ("tokenlake", "https://api.tokenlake.ai/v1"),
        ("tokenhub", "https://tokenhub.store/api/v1"),
        ("tokenhub-us", "https://us-api.tokenhub.com/v1"),
        ("supertoken", "https://api.supertoken.cc/v1"),
        ("tokenoff", "https://tokenoff.com/api/v1"),
    ],
)
def test_provider_presets(provider: str, url: str) -> None:
    assert resolve_config(api_key="k", base_url=None, provider=provider, environ={}).base_url == url
    env = {"TOKENCLIENT_PROVIDER": provider}
    assert resolve_config(api_key="k", base_url=None, provider=None, environ=env).base_url == url
    explicit = resolve_config(
        api_key="k", base_url="https://mine.test", provider=provider, environ={}
    )
    assert explicit.base_url == "https://mine.test"


def test_unknown_provider_lists_the_known_ones() -> None:
    with pytest.raises(
        InvalidRequestError, match="tokenlake, tokenhub, tokenhub-us, supertoken, tokenoff"
    ):
        resolve_config(api_key="k", base_url=None, provider="nope", environ={})


@pytest.mark.parametrize(
    "bad", ["api.example.com/v1", "ftp://x.test", "https://x.test/v1?x=1", "https://x.test/#f"]
)
def test_bad_base_url(bad: str) -> None:
    with pytest.raises(InvalidRequestError, match="base_url"):
        resolve_config(api_key="k", base_url=bad, provider=None, environ={})


@pytest.mark.parametrize("bad", [-1, True, 1.5])
def test_bad_max_retries(bad: int) -> None:
    with pytest.raises(InvalidRequestError, match="max_retries"):
        resolve_config(
            api_key="k", base_url="https://x.test", provider=None, max_retries=bad, environ={}
        )


@pytest.mark.parametrize("bad", [0, -5.0, httpx.Timeout(None)])
def test_bad_timeout(bad: float | httpx.Timeout) -> None:
    with pytest.raises(InvalidRequestError, match="timeout"):
        resolve_config(
            api_key="k", base_url="https://x.test", provider=None, timeout=bad, environ={}
        )


def test_timeout_float_applies_to_every_phase() -> None:
    cfg = resolve_config(
        api_key="k", base_url="https://x.test", provider=None, timeout=30, environ={}
    )
    assert cfg.timeout == httpx.Timeout(30.0)


def test_config_repr_hides_the_key() -> None:
    cfg = resolve_config(api_key="sk-secret", base_url="https://x.test", provider=None, environ={})
    assert "sk-secret" not in repr(cfg)
