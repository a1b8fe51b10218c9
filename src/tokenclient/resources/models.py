"""``client.models``: the models a key can use (``list``) and one model's entry (``retrieve``)."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from .._core.request import RequestOptions, model_id_path
from .._response import async_to_raw_response_wrapper, to_raw_response_wrapper
from .._types import NOT_GIVEN, Body, Headers, NotGiven, Query, Timeout
from ..types.models import Model, ModelList

if TYPE_CHECKING:
    from ._api import AsyncClientAPI, ClientAPI

__all__ = ["AsyncModels", "AsyncModelsWithRawResponse", "Models", "ModelsWithRawResponse"]


class Models:
    """``GET /models``, ``GET /models/{model}``."""

    def __init__(self, client: ClientAPI) -> None:
        self._client = client

    @cached_property
    def with_raw_response(self) -> ModelsWithRawResponse:
        """The same methods, returning a ``RawResponse`` (headers, request id, rate limits)."""
        return ModelsWithRawResponse(self)

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

    def retrieve(
        self,
        model: str,
        *,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> Model:
        """One model's entry: ``retrieve("openai/gpt-4.1")`` sends ``GET /models/openai/gpt-4.1``.

        A ``/`` in the id stays a ``/`` (providers route it so); other characters that are
        not safe in a path are percent-encoded. An empty id or one with control characters
        raises ``InvalidRequestError`` before anything is sent.
        """
        path = f"/models/{model_id_path(model, 'model')}"
        options = RequestOptions(extra_headers, extra_query, extra_body, timeout)
        return self._client._request("GET", path, cast_to=Model, options=options)


class AsyncModels:
    """``GET /models``, ``GET /models/{model}``."""

    def __init__(self, client: AsyncClientAPI) -> None:
        self._client = client

    @cached_property
    def with_raw_response(self) -> AsyncModelsWithRawResponse:
        """The same methods, returning a ``RawResponse`` (headers, request id, rate limits)."""
        return AsyncModelsWithRawResponse(self)

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

    async def retrieve(
        self,
        model: str,
        *,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> Model:
        """One model's entry: ``retrieve("openai/gpt-4.1")`` sends ``GET /models/openai/gpt-4.1``.

        A ``/`` in the id stays a ``/`` (providers route it so); other characters that are
        not safe in a path are percent-encoded. An empty id or one with control characters
        raises ``InvalidRequestError`` before anything is sent.
        """
        path = f"/models/{model_id_path(model, 'model')}"
        options = RequestOptions(extra_headers, extra_query, extra_body, timeout)
        return await self._client._request("GET", path, cast_to=Model, options=options)


class ModelsWithRawResponse:
    """``client.models.with_raw_response``: each method returns a ``RawResponse``."""

    def __init__(self, models: Models) -> None:
        self.list = to_raw_response_wrapper(models.list)
        """``list()`` returning ``RawResponse[ModelList]``."""
        self.retrieve = to_raw_response_wrapper(models.retrieve)
        """``retrieve(model)`` returning ``RawResponse[Model]``."""


class AsyncModelsWithRawResponse:
    """``client.models.with_raw_response``: each method returns a ``RawResponse``."""

    def __init__(self, models: AsyncModels) -> None:
        self.list = async_to_raw_response_wrapper(models.list)
        """``await list()`` returning ``RawResponse[ModelList]``."""
        self.retrieve = async_to_raw_response_wrapper(models.retrieve)
        """``await retrieve(model)`` returning ``RawResponse[Model]``."""
