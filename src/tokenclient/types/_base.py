"""The base of every response model: unknown fields are kept, never rejected."""

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

    # Real ClassVars (no ``from __future__ import annotations`` here, so pydantic 2.7 does not
    # read them as private attributes), not pydantic private attributes, which would give every
    # nested model of every stream chunk a dictionary. The client and the router set an
    # instance's own value.
    _route: ClassVar["RouteInfo | None"] = None
    """The router's route that served this result (``None`` when no router was used)."""
    _request_id: ClassVar[str | None] = None
    """The response's ``x-request-id`` (or ``request-id``) header, as in the OpenAI SDK.

    Set on the objects a method returns (``ChatCompletion``, ``ModelList``, ``Model``,
    ``ImagesResponse``, ``VideoTask``); ``None`` when the server sent none.
    """
