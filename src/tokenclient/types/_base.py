"""The base of every response model: unknown fields are kept, never rejected."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, PrivateAttr

if TYPE_CHECKING:
    from .._client import AsyncTokenClient, TokenClient
    from ..router import Route

__all__ = ["ResponseModel"]


class ResponseModel(BaseModel):
    """A provider response object.

    Aggregators add fields of their own (``reasoning_content``, ``cost``, ``provider``):
    they are kept as extra attributes (``model.model_extra``), so nothing is lost.
    """

    model_config = ConfigDict(extra="allow", protected_namespaces=())

    _route: Route[TokenClient] | Route[AsyncTokenClient] | None = PrivateAttr(default=None)
    """The router's route that served this result (``None`` when no router was used)."""
