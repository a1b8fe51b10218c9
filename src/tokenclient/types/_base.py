"""The base of every response model: unknown fields are kept, never rejected."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from pydantic import BaseModel, ConfigDict

if TYPE_CHECKING:
    from .._types import RouteInfo

__all__ = ["ResponseModel"]


class ResponseModel(BaseModel):
    """A provider response object.

    Aggregators add fields of their own (``reasoning_content``, ``cost``, ``provider``):
    they are kept as extra attributes (``model.model_extra``), so nothing is lost.
    """

    model_config = ConfigDict(extra="allow", protected_namespaces=())

    # A ClassVar (not a pydantic private attribute, which would give every nested model of
    # every stream chunk a dictionary); the router sets the instance's own value.
    _route: ClassVar[RouteInfo | None] = None
    """The router's route that served this result (``None`` when no router was used)."""
