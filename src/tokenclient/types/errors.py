"""The error envelope: ``{"error": {"message", "type", "param", "code"}}``."""

from __future__ import annotations

from ._base import ResponseModel

__all__ = ["ErrorObject", "ErrorResponse"]


class ErrorObject(ResponseModel):
    """The ``error`` object of an error response or of an in-stream error event."""

    message: str | None = None
    """What went wrong, in the provider's words."""
    type: str | None = None
    """A category such as ``invalid_request_error`` or ``rate_limit_exceeded``."""
    param: str | None = None
    """The request parameter at fault, if the provider names one."""
    code: str | int | None = None
    """A machine-readable code; providers send strings, integers or null."""


class ErrorResponse(ResponseModel):
    """The body of an error response."""

    error: ErrorObject
    """The error itself."""
