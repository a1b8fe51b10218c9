"""Defaults, environment variables and provider presets, resolved into one ``ClientConfig``.

Pure: the environment is passed in, nothing here touches the network.
"""

from __future__ import annotations

import ipaddress
import platform
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass

import httpx

from ._core.config import (
    DEFAULT_MAX_EVENT_BYTES,
    DEFAULT_MAX_RESPONSE_BYTES,
    ClientConfig,
    merge_headers,
)
from ._core.retry import RetryPolicy
from ._exceptions import ConfigurationError, InvalidRequestError
from ._types import NOT_GIVEN, NotGiven, Timeout
from ._version import __version__

__all__ = [
    "DEFAULT_MAX_EVENT_BYTES",
    "DEFAULT_MAX_RESPONSE_BYTES",
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_TIMEOUT",
    "ENV_API_KEY",
    "ENV_BASE_URL",
    "ENV_PROVIDER",
    "PROVIDERS",
    "USER_AGENT",
    "InsecureTransportWarning",
    "ProviderPreset",
    "resolve_config",
    "resolve_limits",
]

ENV_API_KEY = "TOKENCLIENT_API_KEY"
ENV_BASE_URL = "TOKENCLIENT_BASE_URL"
ENV_PROVIDER = "TOKENCLIENT_PROVIDER"

DEFAULT_TIMEOUT = httpx.Timeout(600.0, connect=5.0)
"""Connect within 5 s; 600 s for everything else (long generations are slow to answer)."""
DEFAULT_MAX_RETRIES = 2

USER_AGENT = f"tokenclient/{__version__} python/{platform.python_version()}"


@dataclass(frozen=True, slots=True)
class ProviderPreset:
    """What tokenclient knows about one provider. Plain data: add one to support a provider."""

    name: str
    base_url: str
    stream_only_models: str | None = None
    """A regular expression (full match, any case) for models that refuse non-streaming
    requests; ``create(stream=False)`` streams them and returns the folded completion."""
    max_concurrency: int | None = None
    """The documented limit on requests in flight, applied unless the caller overrides it."""
    requests_per_minute: float | None = None
    """The documented request rate limit, applied unless the caller overrides it."""


PROVIDERS: Mapping[str, ProviderPreset] = {
    p.name: p
    for p in (
        ProviderPreset("tokenlake", "https://api.tokenlake.ai/v1"),
        ProviderPreset("tokenhub", "https://tokenhub.store/api/v1"),
        ProviderPreset("tokenhub-us", "https://us-api.tokenhub.com/v1"),
        # Seed 003: GPT models are stream-only; 60 requests/min, 10 concurrent.
        ProviderPreset(
            "supertoken",
            "https://api.supertoken.cc/v1",
            stream_only_models=r"gpt-.*",
            max_concurrency=10,
            requests_per_minute=60,
        ),
        ProviderPreset("tokenoff", "https://tokenoff.com/api/v1"),
    )
}


def _resolve_base_url(
    base_url: str | httpx.URL | None, provider: str | None, environ: Mapping[str, str]
) -> str:
    raw: str | httpx.URL | None = base_url or environ.get(ENV_BASE_URL) or None
    if raw is None and provider is not None:
        raw = PROVIDERS[provider].base_url
    if raw is None:
        raise ConfigurationError(
            f"No base URL: pass base_url=..., set {ENV_BASE_URL}, or name a provider "
            f"(provider=... or {ENV_PROVIDER}; known: {', '.join(PROVIDERS)})."
        )
    url = httpx.URL(str(raw))
    if url.scheme not in {"http", "https"} or not url.host:
        shown = str(url.copy_with(username=None, password=None)) if url.userinfo else str(raw)
        raise ConfigurationError(f"base_url: expected an absolute http(s) URL, got {shown!r}")
    if url.query or url.fragment:
        raise ConfigurationError("base_url: must not carry a query string or a fragment")
    if url.scheme == "http" and not _is_loopback(url.host):
        warnings.warn(
            f"tokenclient: the API key will be sent unencrypted to {url.host} over plain "
            "http://; use an https:// base_url",
            InsecureTransportWarning,
            stacklevel=5,
        )
    return str(url).rstrip("/")


class InsecureTransportWarning(UserWarning):
    """The API key would travel unencrypted: plain ``http://`` to a host that is not loopback."""


def _is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _resolve_provider(provider: str | None, environ: Mapping[str, str]) -> str | None:
    name = provider if provider is not None else environ.get(ENV_PROVIDER) or None
    if name is not None and name not in PROVIDERS:
        raise ConfigurationError(
            f"provider: unknown provider {name!r}; known providers: {', '.join(PROVIDERS)}"
        )
    return name


def _resolve_timeout(timeout: Timeout | NotGiven, fallback: httpx.Timeout) -> httpx.Timeout:
    if isinstance(timeout, NotGiven):
        return fallback
    resolved = timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout)
    for phase, value in resolved.as_dict().items():
        if value is None or value <= 0:
            raise ConfigurationError(
                f"timeout: every phase must be a positive number of seconds ({phase}={value!r})"
            )
    return resolved


def resolve_config(
    *,
    api_key: str | None,
    base_url: str | httpx.URL | None,
    provider: str | None,
    timeout: Timeout | NotGiven = NOT_GIVEN,
    max_retries: int = DEFAULT_MAX_RETRIES,
    default_headers: Mapping[str, str] | None = None,
    stream_idle_timeout: float | None = None,
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES,
    attempt_timeout: float | None = None,
    base_headers: Mapping[str, str] | None = None,
    environ: Mapping[str, str],
) -> ClientConfig:
    """Combine arguments, environment and presets; raise early with a clear message."""
    key = api_key if api_key is not None else environ.get(ENV_API_KEY)
    if not key:
        raise ConfigurationError(
            f"No API key: pass api_key=... or set the {ENV_API_KEY} environment variable."
        )
    if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
        raise ConfigurationError(f"max_retries: expected an integer >= 0, got {max_retries!r}")
    if stream_idle_timeout is not None and not stream_idle_timeout > 0:
        raise ConfigurationError("stream_idle_timeout: expected a positive number of seconds")
    if attempt_timeout is not None and not attempt_timeout > 0:
        raise ConfigurationError("attempt_timeout: expected a positive number of seconds")
    for argument, size in (
        ("max_response_bytes", max_response_bytes),
        ("max_event_bytes", max_event_bytes),
    ):
        if isinstance(size, bool) or not isinstance(size, int) or size <= 0:
            raise ConfigurationError(f"{argument}: expected a positive integer, got {size!r}")
    name = _resolve_provider(provider, environ)
    try:
        headers = merge_headers(
            base_headers or {},
            {
                "user-agent": USER_AGENT,
                "accept": "application/json",
                "authorization": f"Bearer {key}",
            },
            default_headers or {},
        )
    except InvalidRequestError as error:
        raise ConfigurationError(str(error)) from None
    preset = PROVIDERS[name] if name is not None else None
    pattern = preset.stream_only_models if preset is not None else None
    return ClientConfig(
        base_url=_resolve_base_url(base_url, name, environ),
        timeout=_resolve_timeout(timeout, DEFAULT_TIMEOUT),
        retry=RetryPolicy(max_retries=max_retries),
        headers=headers,
        provider=name,
        stream_idle_timeout=stream_idle_timeout,
        stream_only=re.compile(pattern, re.IGNORECASE) if pattern else None,
        max_response_bytes=max_response_bytes,
        max_event_bytes=max_event_bytes,
        attempt_timeout=attempt_timeout,
    )


def resolve_limits(
    provider: str | None,
    max_concurrency: int | NotGiven | None,
    requests_per_minute: float | NotGiven | None,
    *,
    pool_size: int | None = None,
) -> tuple[int | None, float | None]:
    """The client's limits: an explicit argument (``None`` included) beats the preset's.

    ``pool_size`` (the client's own pool) caps the concurrency: httpcore 1.0's pool hands a
    freed connection to every queued request at once, and all but one wake up for nothing
    and queue again, so a queue inside the pool costs O(waiters) per response and its idle
    connections can expire and be replaced. The limiter's FIFO queue keeps that queue empty.
    """
    preset = PROVIDERS.get(provider) if provider is not None else None
    if isinstance(max_concurrency, NotGiven):
        max_concurrency = preset.max_concurrency if preset else None
    if isinstance(requests_per_minute, NotGiven):
        requests_per_minute = preset.requests_per_minute if preset else None
    if pool_size is not None and (
        max_concurrency is None
        # an invalid value is left for the limiter to refuse, naming the option
        or (type(max_concurrency) is int and max_concurrency > pool_size)
    ):
        max_concurrency = pool_size
    return max_concurrency, requests_per_minute
