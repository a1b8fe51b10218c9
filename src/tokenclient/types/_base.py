"""The base of every response model: unknown fields are kept, never rejected."""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict

__all__ = ["ResponseModel"]


class ResponseModel(BaseModel):
    """A provider response object.

    Aggregators add fields of their own (``reasoning_content``, ``cost``, ``provider``):
    they are kept as extra attributes (``model.model_extra``), so nothing is lost.
    """

    model_config = ConfigDict(extra="allow", protected_namespaces=())

    # A ClassVar (not a pydantic private attribute, which would give every nested model of
    # every stream chunk a dictionary); the client sets the instance's own value.
    _request_id: ClassVar[str | None] = None
    """The response's ``x-request-id`` (or ``request-id``) header, as in the OpenAI SDK.

    Set on the objects a method returns (``ChatCompletion``, ``ModelList``, ``Model``,
    ``ImagesResponse``, ``VideoTask``); ``None`` when the server sent none.
    """
