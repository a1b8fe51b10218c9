"""``client.models``: the models a key can use."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._core.request import RequestOptions
from .._types import NOT_GIVEN, Body, Headers, NotGiven, Query, Timeout
from ..types.models import ModelList

if TYPE_CHECKING:
    from ._api import AsyncClientAPI, ClientAPI

__all__ = ["AsyncModels", "Models"]


class Models:
    """``GET /models``."""

    def __init__(self, client: ClientAPI) -> None:
        self._client = client

    def list(
        self,
        *,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> ModelList:
        """List the models this key can use (iterable; vendor fields are kept)."""
        options = RequestOptions(extra_headers, extra_query, extra_body, timeout)
        return self._client._request("GET", "/models", cast_to=ModelList, options=options)


class AsyncModels:
    """``GET /models``."""

    def __init__(self, client: AsyncClientAPI) -> None:
        self._client = client

    async def list(
        self,
        *,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> ModelList:
        """List the models this key can use (iterable; vendor fields are kept)."""
        options = RequestOptions(extra_headers, extra_query, extra_body, timeout)
        return await self._client._request("GET", "/models", cast_to=ModelList, options=options)
