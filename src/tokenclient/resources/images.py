"""``client.images``: image generation.

Generating images is billable, so the request is sent with ``replay_safe=False``: it is resent
only when it cannot have reached the server (the connection never opened) or the server
answered 408/409/429/5xx or ``x-should-retry: true``; never after a read timeout or a
connection dropped after sending, which could bill twice.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Literal

from .._core.media_request import image_generation_body
from .._core.request import RequestOptions
from .._response import async_to_raw_response_wrapper, to_raw_response_wrapper
from .._types import NOT_GIVEN, Body, Headers, NotGiven, Query, Timeout
from ..types.images import ImagesResponse

if TYPE_CHECKING:
    from ._api import AsyncClientAPI, ClientAPI

__all__ = ["AsyncImages", "AsyncImagesWithRawResponse", "Images", "ImagesWithRawResponse"]

_PATH = "/images/generations"


class Images:
    """``POST /images/generations``."""

    def __init__(self, client: ClientAPI) -> None:
        self._client = client

    @cached_property
    def with_raw_response(self) -> ImagesWithRawResponse:
        """``generate`` returning a ``RawResponse`` (headers, request id, rate limits)."""
        return ImagesWithRawResponse(self)

    def generate(
        self,
        *,
        model: str,
        prompt: str,
        n: int | NotGiven = NOT_GIVEN,
        size: str | NotGiven = NOT_GIVEN,
        response_format: Literal["url", "b64_json"] | NotGiven = NOT_GIVEN,
        quality: str | NotGiven = NOT_GIVEN,
        style: str | NotGiven = NOT_GIVEN,
        user: str | NotGiven = NOT_GIVEN,
        background: str | NotGiven = NOT_GIVEN,
        moderation: str | NotGiven = NOT_GIVEN,
        output_format: str | NotGiven = NOT_GIVEN,
        output_compression: int | NotGiven = NOT_GIVEN,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        usage_tag: str | None = None,
    ) -> ImagesResponse:
        """Generate images from a text prompt.

        Args:
            model: The image model, e.g. ``bytedance/doubao-seedream-5.0``.
            prompt: What to draw; must not be empty.
            n: How many images (at least 1).
            size: ``"1024x1024"``, ``"2048x2048"``, ``"auto"``, ... as the model supports.
            response_format: ``"url"`` or ``"b64_json"``.
            quality: e.g. ``"standard"``, ``"hd"``, ``"high"``.
            style: e.g. ``"vivid"``, ``"natural"``.
            user: Your end user's id, for the provider's abuse monitoring.
            background: e.g. ``"transparent"``, ``"opaque"``, ``"auto"``.
            moderation: e.g. ``"low"``, ``"auto"``.
            output_format: e.g. ``"png"``, ``"jpeg"``, ``"webp"``.
            output_compression: 0-100, for ``jpeg``/``webp`` output.
            extra_headers: Headers added to this request.
            extra_query: Query parameters added to this request.
            extra_body: Provider-specific fields, merged over the body (``{"seed": 7}``).
            timeout: This request's HTTP timeout (seconds or ``httpx.Timeout``).
            usage_tag: A label splitting ``client.usage``; never sent.

        Arguments left out are not sent. Bad values raise ``InvalidRequestError`` before
        anything is sent.
        """
        body = image_generation_body(
            model=model,
            prompt=prompt,
            n=n,
            size=size,
            response_format=response_format,
            quality=quality,
            style=style,
            user=user,
            background=background,
            moderation=moderation,
            output_format=output_format,
            output_compression=output_compression,
        )
        options = RequestOptions(extra_headers, extra_query, extra_body, timeout, usage_tag)
        return self._client._request(
            "POST", _PATH, cast_to=ImagesResponse, body=body, options=options, replay_safe=False
        )


class AsyncImages:
    """``POST /images/generations``."""

    def __init__(self, client: AsyncClientAPI) -> None:
        self._client = client

    @cached_property
    def with_raw_response(self) -> AsyncImagesWithRawResponse:
        """``generate`` returning a ``RawResponse`` (headers, request id, rate limits)."""
        return AsyncImagesWithRawResponse(self)

    async def generate(
        self,
        *,
        model: str,
        prompt: str,
        n: int | NotGiven = NOT_GIVEN,
        size: str | NotGiven = NOT_GIVEN,
        response_format: Literal["url", "b64_json"] | NotGiven = NOT_GIVEN,
        quality: str | NotGiven = NOT_GIVEN,
        style: str | NotGiven = NOT_GIVEN,
        user: str | NotGiven = NOT_GIVEN,
        background: str | NotGiven = NOT_GIVEN,
        moderation: str | NotGiven = NOT_GIVEN,
        output_format: str | NotGiven = NOT_GIVEN,
        output_compression: int | NotGiven = NOT_GIVEN,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        usage_tag: str | None = None,
    ) -> ImagesResponse:
        """Generate images from a text prompt.

        Args:
            model: The image model, e.g. ``bytedance/doubao-seedream-5.0``.
            prompt: What to draw; must not be empty.
            n: How many images (at least 1).
            size: ``"1024x1024"``, ``"2048x2048"``, ``"auto"``, ... as the model supports.
            response_format: ``"url"`` or ``"b64_json"``.
            quality: e.g. ``"standard"``, ``"hd"``, ``"high"``.
            style: e.g. ``"vivid"``, ``"natural"``.
            user: Your end user's id, for the provider's abuse monitoring.
            background: e.g. ``"transparent"``, ``"opaque"``, ``"auto"``.
            moderation: e.g. ``"low"``, ``"auto"``.
            output_format: e.g. ``"png"``, ``"jpeg"``, ``"webp"``.
            output_compression: 0-100, for ``jpeg``/``webp`` output.
            extra_headers: Headers added to this request.
            extra_query: Query parameters added to this request.
            extra_body: Provider-specific fields, merged over the body (``{"seed": 7}``).
            timeout: This request's HTTP timeout (seconds or ``httpx.Timeout``).
            usage_tag: A label splitting ``client.usage``; never sent.

        Arguments left out are not sent. Bad values raise ``InvalidRequestError`` before
        anything is sent.
        """
        body = image_generation_body(
            model=model,
            prompt=prompt,
            n=n,
            size=size,
            response_format=response_format,
            quality=quality,
            style=style,
            user=user,
            background=background,
            moderation=moderation,
            output_format=output_format,
            output_compression=output_compression,
        )
        options = RequestOptions(extra_headers, extra_query, extra_body, timeout, usage_tag)
        return await self._client._request(
            "POST", _PATH, cast_to=ImagesResponse, body=body, options=options, replay_safe=False
        )


class ImagesWithRawResponse:
    """``client.images.with_raw_response``: ``generate`` returns a ``RawResponse``."""

    def __init__(self, images: Images) -> None:
        self.generate = to_raw_response_wrapper(images.generate)
        """``generate(...)`` returning ``RawResponse[ImagesResponse]``."""


class AsyncImagesWithRawResponse:
    """``client.images.with_raw_response``: ``generate`` returns a ``RawResponse``."""

    def __init__(self, images: AsyncImages) -> None:
        self.generate = async_to_raw_response_wrapper(images.generate)
        """``await generate(...)`` returning ``RawResponse[ImagesResponse]``."""
