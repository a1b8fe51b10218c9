"""``client.get`` / ``client.post``: call an endpoint the SDK does not wrap.

The request goes through the client's own machinery (key, default headers, retries,
concurrency and rate limits, timeouts), so ``client.post("/embeddings", body=..., cast_to=dict)``
behaves like ``client.chat.completions.create``. Where it may go and what the body becomes are
decided in ``_core.custom_request``. The twins are mixins of ``TokenClient`` and
``AsyncTokenClient``; they differ only by ``async``/``await``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Literal, TypeVar, cast, overload

from ._core.custom_request import cast_body, check_cast_to, split_target
from ._core.request import RequestOptions
from ._types import NOT_GIVEN, Headers, NotGiven, Query, Timeout

if TYPE_CHECKING:
    from pydantic import BaseModel

    from ._client import AsyncTokenClient, TokenClient
    from ._streaming import AsyncStream, Stream

__all__ = ["AsyncCustomRequests", "CustomRequests"]

ModelT = TypeVar("ModelT", bound="BaseModel")


class CustomRequests:
    """``get`` and ``post`` for ``TokenClient``."""

    @overload
    def get(
        self,
        path: str,
        *,
        cast_to: type[ModelT],
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        usage_tag: str | None = None,
    ) -> ModelT: ...
    @overload
    def get(
        self,
        path: str,
        *,
        cast_to: type[dict[str, object]],
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        usage_tag: str | None = None,
    ) -> dict[str, object]: ...
    @overload
    def get(
        self,
        path: str,
        *,
        cast_to: type[list[object]],
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        usage_tag: str | None = None,
    ) -> list[object]: ...
    @overload
    def get(
        self,
        path: str,
        *,
        cast_to: type[object] = object,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        usage_tag: str | None = None,
    ) -> object: ...
    def get(
        self,
        path: str,
        *,
        cast_to: type[object] = object,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        usage_tag: str | None = None,
    ) -> object:
        """``GET path`` with this client's key, retries, limits and timeouts.

        Args:
            path: Relative to ``base_url`` (``"/balance"``), or an absolute URL on
                ``base_url``'s origin; any other origin raises ``InvalidRequestError``.
            cast_to: A pydantic model class, or ``dict`` / ``list`` / ``object`` (default)
                for the JSON as is.
            extra_headers: Headers added to this request.
            extra_query: Query parameters added to this request.
            timeout: This request's HTTP timeout (seconds or ``httpx.Timeout``).
            usage_tag: A label splitting ``client.usage`` and hook events; never sent.
        """
        options = RequestOptions(extra_headers, extra_query, None, timeout, usage_tag)
        return self._call("GET", path, cast_to, None, options)

    @overload
    def post(
        self,
        path: str,
        *,
        cast_to: type[ModelT],
        body: Mapping[str, object] | None = None,
        stream: Literal[False] = False,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        usage_tag: str | None = None,
    ) -> ModelT: ...
    @overload
    def post(
        self,
        path: str,
        *,
        cast_to: type[dict[str, object]],
        body: Mapping[str, object] | None = None,
        stream: Literal[False] = False,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        usage_tag: str | None = None,
    ) -> dict[str, object]: ...
    @overload
    def post(
        self,
        path: str,
        *,
        cast_to: type[list[object]],
        body: Mapping[str, object] | None = None,
        stream: Literal[False] = False,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        usage_tag: str | None = None,
    ) -> list[object]: ...
    @overload
    def post(
        self,
        path: str,
        *,
        cast_to: type[object] = object,
        body: Mapping[str, object] | None = None,
        stream: Literal[False] = False,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        usage_tag: str | None = None,
    ) -> object: ...
    @overload
    def post(
        self,
        path: str,
        *,
        cast_to: type[ModelT],
        body: Mapping[str, object] | None = None,
        stream: Literal[True],
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        usage_tag: str | None = None,
    ) -> Stream[ModelT]: ...
    def post(
        self,
        path: str,
        *,
        cast_to: type[object] = object,
        body: Mapping[str, object] | None = None,
        stream: bool = False,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        usage_tag: str | None = None,
    ) -> object:
        """``POST path`` with a JSON ``body`` and this client's key, retries, limits, timeouts.

        Args:
            path: Relative to ``base_url`` (``"/embeddings"``), or an absolute URL on
                ``base_url``'s origin; any other origin raises ``InvalidRequestError``.
            cast_to: A pydantic model class, or ``dict`` / ``list`` / ``object`` (default)
                for the JSON as is. With ``stream=True``, the model of each SSE chunk.
            body: The JSON body.
            stream: Read the response as server-sent events: returns a ``Stream[cast_to]``.
            extra_headers: Headers added to this request.
            extra_query: Query parameters added to this request.
            timeout: This request's HTTP timeout (seconds or ``httpx.Timeout``).
            usage_tag: A label splitting ``client.usage`` and hook events; never sent.

        The request is retried as the client's endpoints are (connection errors, 408, 409,
        429, 5xx); for an endpoint that must never run twice, use
        ``client.with_options(max_retries=0).post(...)``.
        """
        options = RequestOptions(extra_headers, extra_query, None, timeout, usage_tag)
        if stream:
            return self._call_stream(path, cast_to, body, options)
        return self._call("POST", path, cast_to, body, options)

    def _call(
        self,
        method: str,
        path: str,
        cast_to: type[object],
        body: Mapping[str, object] | None,
        options: RequestOptions,
    ) -> object:
        check_cast_to(cast_to, stream=False)
        client, sub_path = self._target(path)
        response = client._send(method, sub_path, body=body, options=options)
        return cast_body(cast_to, response)

    def _call_stream(
        self,
        path: str,
        cast_to: type[object],
        body: Mapping[str, object] | None,
        options: RequestOptions,
    ) -> Stream[BaseModel]:
        check_cast_to(cast_to, stream=True)
        client, sub_path = self._target(path)
        model = cast("type[BaseModel]", cast_to)
        return client._stream("POST", sub_path, model=model, body=body, options=options)

    def _target(self, path: str) -> tuple[TokenClient, str]:
        client = cast("TokenClient", self)
        root, sub_path = split_target(client.base_url, path)
        if root != client.base_url:  # an absolute URL on the same origin, outside base_url
            client = client.with_options(base_url=root)
        return client, sub_path


class AsyncCustomRequests:
    """``get`` and ``post`` for ``AsyncTokenClient``."""

    @overload
    async def get(
        self,
        path: str,
        *,
        cast_to: type[ModelT],
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        usage_tag: str | None = None,
    ) -> ModelT: ...
    @overload
    async def get(
        self,
        path: str,
        *,
        cast_to: type[dict[str, object]],
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        usage_tag: str | None = None,
    ) -> dict[str, object]: ...
    @overload
    async def get(
        self,
        path: str,
        *,
        cast_to: type[list[object]],
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        usage_tag: str | None = None,
    ) -> list[object]: ...
    @overload
    async def get(
        self,
        path: str,
        *,
        cast_to: type[object] = object,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        usage_tag: str | None = None,
    ) -> object: ...
    async def get(
        self,
        path: str,
        *,
        cast_to: type[object] = object,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        usage_tag: str | None = None,
    ) -> object:
        """``GET path`` with this client's key, retries, limits and timeouts.

        Args:
            path: Relative to ``base_url`` (``"/balance"``), or an absolute URL on
                ``base_url``'s origin; any other origin raises ``InvalidRequestError``.
            cast_to: A pydantic model class, or ``dict`` / ``list`` / ``object`` (default)
                for the JSON as is.
            extra_headers: Headers added to this request.
            extra_query: Query parameters added to this request.
            timeout: This request's HTTP timeout (seconds or ``httpx.Timeout``).
            usage_tag: A label splitting ``client.usage`` and hook events; never sent.
        """
        options = RequestOptions(extra_headers, extra_query, None, timeout, usage_tag)
        return await self._call("GET", path, cast_to, None, options)

    @overload
    async def post(
        self,
        path: str,
        *,
        cast_to: type[ModelT],
        body: Mapping[str, object] | None = None,
        stream: Literal[False] = False,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        usage_tag: str | None = None,
    ) -> ModelT: ...
    @overload
    async def post(
        self,
        path: str,
        *,
        cast_to: type[dict[str, object]],
        body: Mapping[str, object] | None = None,
        stream: Literal[False] = False,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        usage_tag: str | None = None,
    ) -> dict[str, object]: ...
    @overload
    async def post(
        self,
        path: str,
        *,
        cast_to: type[list[object]],
        body: Mapping[str, object] | None = None,
        stream: Literal[False] = False,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        usage_tag: str | None = None,
    ) -> list[object]: ...
    @overload
    async def post(
        self,
        path: str,
        *,
        cast_to: type[object] = object,
        body: Mapping[str, object] | None = None,
        stream: Literal[False] = False,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        usage_tag: str | None = None,
    ) -> object: ...
    @overload
    async def post(
        self,
        path: str,
        *,
        cast_to: type[ModelT],
        body: Mapping[str, object] | None = None,
        stream: Literal[True],
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        usage_tag: str | None = None,
    ) -> AsyncStream[ModelT]: ...
    async def post(
        self,
        path: str,
        *,
        cast_to: type[object] = object,
        body: Mapping[str, object] | None = None,
        stream: bool = False,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        usage_tag: str | None = None,
    ) -> object:
        """``POST path`` with a JSON ``body`` and this client's key, retries, limits, timeouts.

        Args:
            path: Relative to ``base_url`` (``"/embeddings"``), or an absolute URL on
                ``base_url``'s origin; any other origin raises ``InvalidRequestError``.
            cast_to: A pydantic model class, or ``dict`` / ``list`` / ``object`` (default)
                for the JSON as is. With ``stream=True``, the model of each SSE chunk.
            body: The JSON body.
            stream: Read the response as server-sent events: returns an
                ``AsyncStream[cast_to]``.
            extra_headers: Headers added to this request.
            extra_query: Query parameters added to this request.
            timeout: This request's HTTP timeout (seconds or ``httpx.Timeout``).
            usage_tag: A label splitting ``client.usage`` and hook events; never sent.

        The request is retried as the client's endpoints are (connection errors, 408, 409,
        429, 5xx); for an endpoint that must never run twice, use
        ``client.with_options(max_retries=0).post(...)``.
        """
        options = RequestOptions(extra_headers, extra_query, None, timeout, usage_tag)
        if stream:
            return await self._call_stream(path, cast_to, body, options)
        return await self._call("POST", path, cast_to, body, options)

    async def _call(
        self,
        method: str,
        path: str,
        cast_to: type[object],
        body: Mapping[str, object] | None,
        options: RequestOptions,
    ) -> object:
        check_cast_to(cast_to, stream=False)
        client, sub_path = self._target(path)
        response = await client._send(method, sub_path, body=body, options=options)
        return cast_body(cast_to, response)

    async def _call_stream(
        self,
        path: str,
        cast_to: type[object],
        body: Mapping[str, object] | None,
        options: RequestOptions,
    ) -> AsyncStream[BaseModel]:
        check_cast_to(cast_to, stream=True)
        client, sub_path = self._target(path)
        model = cast("type[BaseModel]", cast_to)
        return await client._stream("POST", sub_path, model=model, body=body, options=options)

    def _target(self, path: str) -> tuple[AsyncTokenClient, str]:
        client = cast("AsyncTokenClient", self)
        root, sub_path = split_target(client.base_url, path)
        if root != client.base_url:  # an absolute URL on the same origin, outside base_url
            client = client.with_options(base_url=root)
        return client, sub_path
