"""What a resource needs from its client, as protocols: resources never import ``_client``.

``TokenClient``/``AsyncTokenClient`` satisfy these structurally (pyright and mypy check it
where ``_client`` passes ``self`` to a resource), so the layers stay one-way:
``_client`` -> ``resources`` -> ``_core``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Protocol, TypeVar

if TYPE_CHECKING:
    import httpx
    from pydantic import BaseModel

    from .._core.config import ClientConfig
    from .._core.request import RequestOptions
    from .._core.retry import RetryPolicy
    from .._core.strategy_memo import StrategyMemo
    from .._observe import Observer
    from .._streaming import AsyncStream, Stream

__all__ = ["AsyncClientAPI", "ClientAPI"]

ModelT = TypeVar("ModelT", bound="BaseModel")


class ClientAPI(Protocol):
    """The sync client, as its resources use it."""

    @property
    def _config(self) -> ClientConfig: ...

    @property
    def _strategies(self) -> StrategyMemo: ...
    @property
    def _observer(self) -> Observer: ...

    def _request(
        self,
        method: str,
        path: str,
        *,
        cast_to: type[ModelT],
        body: Mapping[str, object] | None = None,
        options: RequestOptions,
        replay_safe: bool = True,
    ) -> ModelT: ...

    def _send(
        self,
        method: str,
        path: str,
        *,
        body: Mapping[str, object] | None = None,
        options: RequestOptions,
        retry: RetryPolicy | None = None,
        replay_safe: bool = True,
    ) -> httpx.Response: ...

    def _stream(
        self,
        method: str,
        path: str,
        *,
        model: type[ModelT],
        body: Mapping[str, object] | None = None,
        options: RequestOptions,
    ) -> Stream[ModelT]: ...


class AsyncClientAPI(Protocol):
    """The async client, as its resources use it."""

    @property
    def _config(self) -> ClientConfig: ...

    @property
    def _strategies(self) -> StrategyMemo: ...
    @property
    def _observer(self) -> Observer: ...

    async def _request(
        self,
        method: str,
        path: str,
        *,
        cast_to: type[ModelT],
        body: Mapping[str, object] | None = None,
        options: RequestOptions,
        replay_safe: bool = True,
    ) -> ModelT: ...

    async def _send(
        self,
        method: str,
        path: str,
        *,
        body: Mapping[str, object] | None = None,
        options: RequestOptions,
        retry: RetryPolicy | None = None,
        replay_safe: bool = True,
    ) -> httpx.Response: ...

    async def _stream(
        self,
        method: str,
        path: str,
        *,
        model: type[ModelT],
        body: Mapping[str, object] | None = None,
        options: RequestOptions,
    ) -> AsyncStream[ModelT]: ...
