"""tokenclient: a typed client for OpenAI-compatible model aggregators.

```python
from tokenclient import TokenClient

with TokenClient() as client:  # TOKENCLIENT_API_KEY, TOKENCLIENT_BASE_URL
    reply = client.chat.completions.create(
        model="qwen3-8b", messages=[{"role": "user", "content": "Hello!"}]
    )
```
"""

from typing import TYPE_CHECKING

from ._client import AsyncTokenClient, TokenClient
from ._config import InsecureTransportWarning
from ._core.response_headers import RateLimitInfo
from ._exceptions import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APIStatusError,
    APIStreamError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    ConflictError,
    ContentFilterFinishReasonError,
    InsufficientBalanceError,
    InternalServerError,
    InvalidRequestError,
    LengthFinishReasonError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServiceUnavailableError,
    StructuredOutputError,
    TokenClientError,
    ToolArgumentsError,
    UnprocessableEntityError,
    VideoTaskError,
    VideoTaskFailedError,
    VideoTaskTimeoutError,
)
from ._response import RawResponse
from ._types import NOT_GIVEN, NotGiven
from ._version import __version__

if TYPE_CHECKING:
    from ._chat_stream import AsyncChatCompletionStream, ChatCompletionStream
    from ._core.cost import Cost, ModelPrice, Pricing
    from ._streaming import AsyncStream, Stream
    from ._tools import function_tool
    from .hooks import UsageTotals
    from .router import AllRoutesFailedError, AsyncRouter, Route, Router

__all__ = [
    "NOT_GIVEN",
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIStatusError",
    "APIStreamError",
    "APITimeoutError",
    "AllRoutesFailedError",
    "AsyncChatCompletionStream",
    "AsyncRouter",
    "AsyncStream",
    "AsyncTokenClient",
    "AuthenticationError",
    "BadRequestError",
    "ChatCompletionStream",
    "ConfigurationError",
    "ConflictError",
    "ContentFilterFinishReasonError",
    "Cost",
    "InsecureTransportWarning",
    "InsufficientBalanceError",
    "InternalServerError",
    "InvalidRequestError",
    "LengthFinishReasonError",
    "ModelPrice",
    "NotFoundError",
    "NotGiven",
    "PermissionDeniedError",
    "Pricing",
    "RateLimitError",
    "RateLimitInfo",
    "RawResponse",
    "Route",
    "Router",
    "ServiceUnavailableError",
    "Stream",
    "StructuredOutputError",
    "TokenClient",
    "TokenClientError",
    "ToolArgumentsError",
    "UnprocessableEntityError",
    "UsageTotals",
    "VideoTaskError",
    "VideoTaskFailedError",
    "VideoTaskTimeoutError",
    "__version__",
    "function_tool",
]


def __getattr__(name: str) -> object:
    # The stream classes (and the pydantic models behind them) load on first use.
    if name in {"Stream", "AsyncStream"}:
        from . import _streaming

        value: object = getattr(_streaming, name)
        globals()[name] = value
        return value
    if name in {"ChatCompletionStream", "AsyncChatCompletionStream"}:
        from . import _chat_stream

        value = getattr(_chat_stream, name)
        globals()[name] = value
        return value
    if name in {"Cost", "ModelPrice", "Pricing"}:
        from ._core import cost

        value = getattr(cost, name)
        globals()[name] = value
        return value
    if name == "UsageTotals":
        from . import hooks

        value = hooks.UsageTotals
        globals()[name] = value
        return value
    if name in {"Route", "Router", "AsyncRouter", "AllRoutesFailedError"}:
        from . import router

        value = getattr(router, name)
        globals()[name] = value
        return value
    if name == "function_tool":  # it brings the structured-output machinery
        from ._tools import function_tool

        globals()[name] = function_tool
        return function_tool
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
