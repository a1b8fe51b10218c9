"""Every exception tokenclient raises.

```
TokenClientError
├── InvalidRequestError               bad input, caught before anything is sent (also a ValueError)
│   └── ConfigurationError            a bad client argument or environment variable (no key, ...)
├── LimitsStoreError                  a shared limits store could not be reached
├── APIError                          .message .request
│   ├── APIConnectionError            no response arrived (the httpx error is the __cause__)
│   │   └── APITimeoutError
│   ├── APIStatusError                .status_code .type .param .code .request_id .body .response
│   │   ├── BadRequestError           400
│   │   ├── AuthenticationError       401
│   │   ├── InsufficientBalanceError  402
│   │   ├── PermissionDeniedError     403
│   │   ├── NotFoundError             404
│   │   ├── ConflictError             409
│   │   ├── UnprocessableEntityError  422
│   │   ├── RateLimitError            429   .retry_after (seconds or None)
│   │   └── InternalServerError       >= 500
│   │       └── ServiceUnavailableError 503 .retry_after
│   ├── APIStreamError                an {"error": ...} object arrived inside an SSE stream
│   └── APIResponseValidationError    a 2xx body that is not the documented shape
├── VideoTaskError                    .task
│   ├── VideoTaskFailedError          the task ended in "failed"
│   └── VideoTaskTimeoutError         wait() passed its deadline
├── StructuredOutputError             .raw .errors .completion: output did not validate
│   └── ToolArgumentsError            .tool .field: a typed tool's arguments did not validate
├── LengthFinishReasonError           .completion: cut by the token limit before the output ended
└── ContentFilterFinishReasonError    .completion: stopped by the provider's content filter
```

`STATUS_ERRORS` maps a status code to its class; `status_error_class()` also covers the
ranges (any other 4xx is `APIStatusError`, any 5xx `InternalServerError`);
`connection_error()` turns an httpx transport error into `APIConnectionError`/`APITimeoutError`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx

if TYPE_CHECKING:
    from pydantic_core import ErrorDetails

    from .types.chat import ChatCompletion
    from .types.videos import VideoTask
else:
    # pydantic_core's TypedDict for type checkers; at run time, for get_type_hints, the dict
    # it is, so that `import tokenclient` does not load pydantic.
    ErrorDetails = dict[str, object]

__all__ = [
    "STATUS_ERRORS",
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIStatusError",
    "APIStreamError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ConfigurationError",
    "ConflictError",
    "ContentFilterFinishReasonError",
    "InsufficientBalanceError",
    "InternalServerError",
    "InvalidRequestError",
    "LengthFinishReasonError",
    "LimitsStoreError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "ServiceUnavailableError",
    "StructuredOutputError",
    "TokenClientError",
    "ToolArgumentsError",
    "UnprocessableEntityError",
    "VideoTaskError",
    "VideoTaskFailedError",
    "VideoTaskTimeoutError",
    "connection_error",
    "status_error_class",
]

ErrorCode = str | int | None
"""Providers send `code` as a string, an integer or null."""


class TokenClientError(Exception):
    """Base class of every exception raised by tokenclient."""


class InvalidRequestError(TokenClientError, ValueError):
    """Arguments that cannot make a valid request; raised before anything is sent.

    The message names the offending field, e.g. ``temperature: Input should be less than
    or equal to 2``.
    """


class ConfigurationError(InvalidRequestError):
    """A client or router that cannot be built: no API key, a bad ``base_url``, an unknown
    provider, a bad timeout, retry count, header or limit, a bad route table. Raised by the
    constructors and ``with_options``.

    A subclass of ``InvalidRequestError`` (and so of ``ValueError``), which these problems
    raised before it existed: code catching that keeps working.
    """


class APIError(TokenClientError):
    """A request was sent (or tried) and did not give a usable result."""

    message: str
    """A readable, length-bounded description."""
    request: httpx.Request
    """The request that failed (its headers mask the API key in ``repr``)."""

    def __init__(self, message: str, *, request: httpx.Request) -> None:
        super().__init__(message)
        self.message = message
        self.request = request


class APIConnectionError(APIError):
    """No response arrived: DNS, refused or dropped connection, TLS, protocol error.

    The underlying ``httpx`` exception is chained as ``__cause__``.
    """

    def __init__(self, message: str = "Connection error.", *, request: httpx.Request) -> None:
        super().__init__(message, request=request)


class APITimeoutError(APIConnectionError):
    """A connect, write, read or pool timeout, or a stream that stopped sending data."""

    def __init__(self, message: str = "Request timed out.", *, request: httpx.Request) -> None:
        super().__init__(message, request=request)


class APIStatusError(APIError):
    """The server answered with a non-success status code."""

    response: httpx.Response
    """The (already read and closed) HTTP response."""
    status_code: int
    """The HTTP status code."""
    type: str | None
    """``error.type`` from the envelope, if any."""
    param: str | None
    """``error.param`` from the envelope, if any."""
    code: ErrorCode
    """``error.code`` from the envelope: a string, an integer or ``None``."""
    request_id: str | None
    """The ``x-request-id`` response header, to quote to the provider's support."""
    body: object
    """The decoded JSON body, or the text when it is not JSON, or ``None`` when empty."""
    retry_after: float | None
    """Seconds the server asked us to wait (``retry-after-ms`` / ``Retry-After``), if any."""

    def __init__(
        self,
        message: str,
        *,
        response: httpx.Response,
        body: object = None,
        type: str | None = None,
        param: str | None = None,
        code: ErrorCode = None,
        retry_after: float | None = None,
    ) -> None:
        self.status_code = response.status_code
        self.request_id = response.headers.get("x-request-id")
        text = f"Error code: {self.status_code} - {message}"
        if self.request_id:
            text += f" (request id: {self.request_id})"
        super().__init__(message, request=response.request)
        self.args = (text,)
        self.response = response
        self.body = body
        self.type = type
        self.param = param
        self.code = code
        self.retry_after = retry_after


class BadRequestError(APIStatusError):
    """400: the provider rejected the request as malformed."""


class AuthenticationError(APIStatusError):
    """401: the API key is missing, wrong or revoked."""


class InsufficientBalanceError(APIStatusError):
    """402: the account has no credit left."""


class PermissionDeniedError(APIStatusError):
    """403: the key may not use this model or endpoint."""


class NotFoundError(APIStatusError):
    """404: unknown model, endpoint or task id."""


class ConflictError(APIStatusError):
    """409: a conflicting request is in progress (retried by default)."""


class UnprocessableEntityError(APIStatusError):
    """422: the request was well-formed but its values were refused."""


class RateLimitError(APIStatusError):
    """429: too many requests; ``retry_after`` says how long the server asked to wait."""


class InternalServerError(APIStatusError):
    """5xx: the provider or its upstream model failed."""


class ServiceUnavailableError(InternalServerError):
    """503: the upstream model is unavailable; ``retry_after`` may say for how long."""


class APIStreamError(APIError):
    """An ``{"error": {...}}`` object arrived inside an SSE stream after it started."""

    type: str | None
    """``error.type`` of the in-stream envelope."""
    param: str | None
    """``error.param`` of the in-stream envelope."""
    code: ErrorCode
    """``error.code`` of the in-stream envelope."""
    body: object
    """The decoded event data."""

    def __init__(
        self,
        message: str,
        *,
        request: httpx.Request,
        body: object = None,
        type: str | None = None,
        param: str | None = None,
        code: ErrorCode = None,
    ) -> None:
        super().__init__(message, request=request)
        self.body = body
        self.type = type
        self.param = param
        self.code = code


class APIResponseValidationError(APIError):
    """A success response whose body is not the documented shape (or not JSON at all)."""

    response: httpx.Response
    """The HTTP response."""
    status_code: int
    """Its status code."""
    body: object
    """The decoded JSON body, or the text when it is not JSON."""

    def __init__(self, message: str, *, response: httpx.Response, body: object = None) -> None:
        super().__init__(message, request=response.request)
        self.response = response
        self.status_code = response.status_code
        self.body = body


class VideoTaskError(TokenClientError):
    """A video generation task did not end in ``succeeded``; ``task`` is its last state."""

    task: VideoTask
    """The last state of the task that was seen."""

    def __init__(self, message: str, *, task: VideoTask) -> None:
        super().__init__(message)
        self.task = task


class VideoTaskFailedError(VideoTaskError):
    """The task ended in ``failed``; the message carries the provider's reason."""


class VideoTaskTimeoutError(VideoTaskError):
    """``wait()`` passed its deadline before the task finished."""


class StructuredOutputError(TokenClientError):
    """The model's structured output is not valid JSON or does not match the requested type.

    ``errors`` is pydantic's list (``loc``, ``msg``, ``type``, ...); a reply that is not JSON at
    all gives one ``json_invalid`` entry.
    """

    raw: str | None
    """The text that was validated (the content, or a forced tool call's arguments)."""
    errors: list[ErrorDetails]
    """Pydantic's validation errors."""
    completion: ChatCompletion | None
    """The completion the output came from."""

    def __init__(
        self,
        message: str,
        *,
        raw: str | None,
        errors: list[ErrorDetails],
        completion: ChatCompletion | None = None,
    ) -> None:
        super().__init__(message)
        self.raw = raw
        self.errors = errors
        self.completion = completion


class ToolArgumentsError(StructuredOutputError):
    """The arguments of a call to a typed tool (``function_tool``) do not validate."""

    tool: str
    """The name of the tool that was called."""
    field: str | None
    """The dotted path of the first invalid argument (``None`` when the JSON is broken)."""

    def __init__(
        self,
        message: str,
        *,
        tool: str,
        field: str | None,
        raw: str | None,
        errors: list[ErrorDetails],
        completion: ChatCompletion | None = None,
    ) -> None:
        super().__init__(message, raw=raw, errors=errors, completion=completion)
        self.tool = tool
        self.field = field


class LengthFinishReasonError(TokenClientError):
    """A choice stopped at the token limit (``finish_reason == "length"``) while parsing.

    The output is cut short, so it cannot be parsed; raise ``max_tokens`` or shorten the task.
    """

    completion: ChatCompletion
    """The completion, with its ``usage``."""

    def __init__(self, *, completion: ChatCompletion) -> None:
        usage = completion.usage
        tokens = f" ({usage.completion_tokens} completion tokens)" if usage is not None else ""
        super().__init__(
            f"Could not parse the response: the token limit was reached{tokens}; "
            "raise max_tokens / max_completion_tokens."
        )
        self.completion = completion


class ContentFilterFinishReasonError(TokenClientError):
    """A choice was stopped by the provider's content filter while parsing."""

    completion: ChatCompletion
    """The completion that was filtered."""

    def __init__(self, *, completion: ChatCompletion) -> None:
        super().__init__(
            "Could not parse the response: the provider's content filter stopped the output."
        )
        self.completion = completion


STATUS_ERRORS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    402: InsufficientBalanceError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
    503: ServiceUnavailableError,
}


def status_error_class(status_code: int) -> type[APIStatusError]:
    """The exception class for a non-success status code."""
    cls = STATUS_ERRORS.get(status_code)
    if cls is not None:
        return cls
    if status_code >= 500:
        return InternalServerError
    return APIStatusError


def connection_error(error: httpx.TransportError, request: httpx.Request) -> APIConnectionError:
    """The typed error for a transport failure (chain the httpx error as its cause)."""
    kind = type(error).__name__
    if isinstance(error, httpx.TimeoutException):
        return APITimeoutError(f"Request timed out ({kind}).", request=request)
    detail = f"{kind}: {error}" if str(error) else kind
    return APIConnectionError(f"Connection error ({detail}).", request=request)


class LimitsStoreError(TokenClientError):
    """A shared limits store (``tokenclient.limits``) could not be reached or answered badly.

    The message names the store (a Redis URL with its password masked, or the SQLite path);
    the underlying error is the ``__cause__``. No request is sent when this is raised: limits
    are never silently dropped.
    """
