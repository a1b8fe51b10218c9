"""Small shared types: the NOT_GIVEN sentinel and the per-call option aliases."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final, Literal, Protocol

import httpx
from typing_extensions import override

__all__ = [
    "NOT_GIVEN",
    "Body",
    "Headers",
    "NotGiven",
    "Query",
    "QueryValue",
    "RouteInfo",
    "Timeout",
]


class NotGiven:
    """The type of ``NOT_GIVEN``: "argument left out", which differs from an explicit ``None``."""

    _instance: NotGiven | None = None

    def __new__(cls) -> NotGiven:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __bool__(self) -> Literal[False]:
        return False

    @override
    def __repr__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN: Final = NotGiven()
"""Default of optional arguments: left out of the request entirely."""

Timeout = float | httpx.Timeout
"""Seconds (one number for every phase) or an ``httpx.Timeout`` for each phase."""
Headers = Mapping[str, str]
"""Extra HTTP headers."""
QueryValue = str | int | float | bool | None
"""One query parameter value."""
Query = Mapping[str, QueryValue]
"""Extra query parameters."""
Body = Mapping[str, object]
"""Extra JSON body fields, merged over the ones the method builds."""


class RouteInfo(Protocol):
    """What a result says of the router route that served it (``result._route``).

    A ``tokenclient.Route``; typed by this protocol so the response models need not import
    the router.
    """

    @property
    def model(self) -> str:
        """The model id the route sent."""
        ...

    @property
    def label(self) -> str:
        """``provider model`` (or ``host:port model``): for logs, never the key."""
        ...
