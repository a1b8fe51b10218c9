"""The async client's HTTP backend: httpx's own pool (the default) or aiohttp's.

``AsyncTokenClient(http_backend="aiohttp")`` sends through the ``httpx-aiohttp`` transport
(``pip install "tokenclient-sdk[aiohttp]"``): the requests are still ``httpx`` requests and
responses, so retries, timeouts, the attempt deadline, limits and streams work unchanged, while
connections, HTTP parsing and chunked bodies are aiohttp's (its parser is C). At 50 concurrent
requests that is several times httpx's own pool.

aiohttp runs on asyncio only: a client built inside trio, or first used there, raises
``ConfigurationError``. Failures are mapped to the ``httpx`` errors httpx's own pool raises for
the same event (a peer that hangs up mid-body is a ``RemoteProtocolError``, not a timeout), so
the retry rules treat both backends alike.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import AsyncIterator
from http.cookiejar import Cookie, CookieJar
from importlib.util import find_spec
from typing import TYPE_CHECKING, ClassVar, Literal, cast

import httpx

from ._exceptions import ConfigurationError

if TYPE_CHECKING:  # asyncio is loaded by whoever runs it, not by ``import tokenclient``
    import asyncio

__all__ = [
    "HTTP_BACKENDS",
    "HttpBackend",
    "NoCookies",
    "async_make_http",
    "check_backend",
    "make_http",
]

HttpBackend = Literal["httpx", "aiohttp"]
HTTP_BACKENDS: tuple[HttpBackend, ...] = ("httpx", "aiohttp")

_EXTRA = 'pip install "tokenclient-sdk[aiohttp]"'

log = logging.getLogger("tokenclient")


def check_backend(backend: str | None, http_client: object) -> None:
    """Refuse an unknown ``http_backend``, or one given together with ``http_client``."""
    if backend is None:
        return
    if backend not in HTTP_BACKENDS:
        raise ConfigurationError(
            f"http_backend: expected one of {', '.join(map(repr, HTTP_BACKENDS))}, got {backend!r}"
        )
    if http_client is not None:
        raise ConfigurationError(
            "http_backend and http_client: give one or the other (http_backend picks the "
            "transport of the http client tokenclient makes)"
        )


class _NoJar(CookieJar):
    """A cookie jar that keeps nothing."""

    def set_cookie(self, cookie: Cookie) -> None:
        """Drop it."""

    def extract_cookies(self, response: object, request: object) -> None:
        """Drop them."""


class NoCookies(httpx.Cookies):
    """The cookies of tokenclient's own http clients: none, ever.

    tokenclient builds every request itself, so a cookie never went back to a server anyway;
    keeping them only cost time (httpx turns each response into ``urllib`` objects for its
    jar: 16-20 us a request in process) and memory without bound (a
    server that sets a new cookie on every reply grows the jar forever). Nothing can be put
    in this one, so one instance serves every client.
    """

    def __init__(self) -> None:
        super().__init__(_NoJar())

    def extract_cookies(self, response: httpx.Response) -> None:
        """Keep nothing (the jar would drop it anyway; this skips the parsing too)."""

    def set_cookie_header(self, request: httpx.Request) -> None:
        """Send nothing."""


_NO_COOKIES = NoCookies()


class _Cookieless:
    """Mixed into tokenclient's own httpx clients, before the httpx class."""

    @property
    def cookies(self) -> httpx.Cookies:
        """None, ever: see ``NoCookies``."""
        return _NO_COOKIES

    @cookies.setter
    def cookies(self, cookies: object) -> None:
        raise ConfigurationError(
            "cookies: tokenclient's own http client keeps and sends no cookies; to send some, "
            "pass your own httpx client as http_client="
        )


class _Client(_Cookieless, httpx.Client):
    """``httpx.Client`` without cookies."""


class _AsyncClient(_Cookieless, httpx.AsyncClient):
    """``httpx.AsyncClient`` without cookies."""


def make_http(
    backend: HttpBackend,
    *,
    timeout: httpx.Timeout,
    limits: httpx.Limits,
    proxy: str | httpx.URL | httpx.Proxy | None = None,
) -> httpx.Client:
    """The sync client's ``httpx.Client``: httpx's own pool (aiohttp has no sync client)."""
    if backend != "httpx":
        raise ConfigurationError(
            "http_backend='aiohttp' is for AsyncTokenClient: aiohttp has no synchronous client"
        )
    from ._deadline_pool import bound_by_attempt_deadline

    client = _Client(timeout=timeout, limits=limits, proxy=proxy)
    if not bound_by_attempt_deadline(client):
        log.warning(
            "this httpx/httpcore release lays out its pools differently: attempt_timeout "
            "bounds each socket wait of the sync client, not the attempt as a whole"
        )
    return client


def async_make_http(
    backend: HttpBackend,
    *,
    timeout: httpx.Timeout,
    limits: httpx.Limits,
    proxy: str | httpx.URL | httpx.Proxy | None = None,
) -> httpx.AsyncClient:
    """The async client's ``httpx.AsyncClient`` on ``backend``."""
    if backend == "httpx":
        return _AsyncClient(timeout=timeout, limits=limits, proxy=proxy)
    if proxy is not None:
        raise ConfigurationError(
            "proxy: not supported with http_backend='aiohttp' (use HTTPS_PROXY, which aiohttp "
            "reads, or the default backend)"
        )
    if find_spec("httpx_aiohttp") is None or find_spec("aiohttp") is None:
        raise ConfigurationError(f"http_backend='aiohttp' needs the aiohttp extra: {_EXTRA}")
    refuse_trio("built")
    return _AsyncClient(transport=_transport(limits), timeout=timeout, limits=limits)


def refuse_trio(when: Literal["built", "used"]) -> None:
    """Raise ``ConfigurationError`` inside a trio run: aiohttp needs asyncio."""
    trio = sys.modules.get("trio")
    if trio is None:
        return  # trio was never imported: nothing can be running on it
    try:
        trio.lowlevel.current_root_task()
    except RuntimeError:
        return  # not inside trio.run
    raise ConfigurationError(
        f"http_backend='aiohttp' runs on asyncio only, and this client was {when} inside trio; "
        "use the default http_backend='httpx' (asyncio and trio), or run on asyncio"
    )


class _Network:
    """``response.extensions["network_stream"]`` as httpx's own pool gives it, for reading
    the socket's addresses (``get_extra_info("client_addr")``, ``"server_addr"``, ...)."""

    _NAMES: ClassVar[dict[str, str]] = {"client_addr": "sockname", "server_addr": "peername"}

    def __init__(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport

    def get_extra_info(self, info: str) -> object:
        """What httpcore's network stream answers: addresses, ``socket``, ``ssl_object``."""
        return cast("object", self._transport.get_extra_info(self._NAMES.get(info, info)))


async def _settle() -> None:
    """Let the loop run the callbacks of a connection aiohttp just closed.

    aiohttp closes a socket one loop iteration after it decides to (asyncio's transports call
    ``connection_lost`` soon, not now). httpx's own pool closes at once, and callers rely on
    that: a stream left early, or a cancelled request, has let go of its socket when ``close()``
    returns. One shielded checkpoint gives the same guarantee here.
    """
    import anyio.lowlevel  # here, not at import: a sync program never loads anyio

    with anyio.CancelScope(shield=True):
        await anyio.lowlevel.checkpoint()


def _transport(limits: httpx.Limits) -> httpx.AsyncBaseTransport:
    import aiohttp
    from httpx_aiohttp import AiohttpTransport
    from httpx_aiohttp.transport import AiohttpResponseStream

    def mapped(exc: httpx.TransportError) -> httpx.TransportError:
        """What httpx's own pool raises for the aiohttp failure behind ``exc``."""
        cause = exc.__cause__
        kind: type[httpx.TransportError]
        if isinstance(cause, aiohttp.ConnectionTimeoutError):
            kind = httpx.ConnectTimeout
        elif isinstance(cause, aiohttp.ServerTimeoutError):
            kind = httpx.ReadTimeout
        elif isinstance(cause, aiohttp.ClientConnectorError):
            kind = httpx.ConnectError
        elif isinstance(cause, (aiohttp.ServerDisconnectedError, aiohttp.ClientPayloadError)):
            kind = httpx.RemoteProtocolError  # httpx: "peer closed connection ..."
        elif isinstance(cause, aiohttp.ClientConnectionError):
            kind = httpx.ReadError
        else:
            return exc
        if type(exc) is kind:
            return exc
        error = kind(str(exc) or type(cause).__name__)
        error.__cause__ = cause
        return error

    class Body(httpx.AsyncByteStream):
        """The response body, its errors mapped as httpx's own pool maps them."""

        def __init__(self, inner: httpx.AsyncByteStream) -> None:
            self._inner = inner

        async def __aiter__(self) -> AsyncIterator[bytes]:
            try:
                async for piece in self._inner:
                    yield piece
            except httpx.TransportError as exc:
                raise mapped(exc) from exc.__cause__

        async def aclose(self) -> None:
            try:
                await self._inner.aclose()
            finally:
                await _settle()

    class Transport(AiohttpTransport):
        """``httpx-aiohttp``'s transport: refuses trio, maps errors as httpx does."""

        def get_client(self) -> aiohttp.ClientSession:
            """httpx-aiohttp's session and connector, without a cookie jar, reading the proxy
            variables.

            aiohttp's default jar stores every ``Set-Cookie`` and sends it back; tokenclient's
            own clients send no cookies on either backend (see ``NoCookies``). ``trust_env``:
            ``HTTPS_PROXY``, ``HTTP_PROXY`` and ``NO_PROXY`` apply, as on the default backend.
            """
            limit = self.limits.max_connections
            connector = aiohttp.TCPConnector(
                keepalive_timeout=self.limits.keepalive_expiry,
                ssl=self.ssl_context,
                limit=0 if limit is None else limit,  # aiohttp's 0 is httpx's None: no limit
            )
            return aiohttp.ClientSession(
                connector=connector, cookie_jar=aiohttp.DummyCookieJar(), trust_env=True
            )

        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            refuse_trio("used")
            try:
                response = await super().handle_async_request(request)
            except httpx.TransportError as exc:
                raise mapped(exc) from exc.__cause__
            except BaseException:  # cancelled: aiohttp dropped the connection it was using
                await _settle()
                raise
            stream = response.stream
            assert isinstance(stream, httpx.AsyncByteStream)
            response.stream = Body(stream)
            if isinstance(stream, AiohttpResponseStream):
                # The protocol, not the connection: aiohttp lets go of the connection as soon
                # as the whole body has arrived, which may be before anyone reads it.
                protocol = stream._aiohttp_response._protocol
                if protocol is not None and protocol.transport is not None:
                    response.extensions["network_stream"] = _Network(protocol.transport)
            return response

    return Transport(limits=limits)
