"""The base of every response model: unknown fields are kept, never rejected."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

__all__ = ["ResponseModel"]


class ResponseModel(BaseModel):
    """A provider response object.

    Aggregators add fields of their own (``reasoning_content``, ``cost``, ``provider``):
    they are kept as extra attributes (``model.model_extra``), so nothing is lost.
    """

    model_config = ConfigDict(extra="allow", protected_namespaces=())
