"""Fallback across routes: which error moves on, how long a route cools down, what to try next.

Pure: no clock, no I/O, no locks. The shells in ``router.py`` ask a ``RouteTable`` which routes
to try (``plan``), send, and on a failure ask ``judge`` whether to move on and for how long the
failed route is skipped. The rules:

- **Move on** after a connection error or timeout, 401, 402, 403, 404, 408, 409, 429, any 5xx,
  an error event inside a stream, or a 2xx body that is not the documented shape. The route's
  client has already retried as its own ``max_retries`` allows: this is what remains.
- **Raise at once** on 400, 422 and any other 4xx, and on ``InvalidRequestError``: the next
  provider would refuse the same request. Anything that is not a tokenclient ``APIError`` (a
  bug) and every ``BaseException`` that is not an ``Exception`` (cancellation,
  ``KeyboardInterrupt``) pass straight through.
- **Cooldown**: after 429, 5xx, a connection error or a stream error the route is skipped for
  ``cooldown`` seconds, or for its ``Retry-After`` when that is longer; after 401, 402 or 403
  (bad key, no balance, no access) for ``auth_cooldown``. 404, 408 and 409 cool nothing down:
  the provider is up, this model id or this one request is not.
- **Billing**: a billable creation (image, video) moves on only when the failed route cannot
  have billed it: the request never left (the connection never opened, or no client-side slot
  came free) or the server answered an error status. A timeout or a dropped connection after
  the request was sent may have started paid work, so it is raised.
- **Plan**: the routes that are not cooling down, in the strategy's order (``ordered``: as
  listed; ``round_robin``: starting one further each call). When all are cooling down, only
  the one whose cooldown ends first is tried, rather than failing without a request.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import httpx

from .._exceptions import (
    APIConnectionError,
    APIError,
    APIStatusError,
    APIStreamError,
    InvalidRequestError,
)

__all__ = ["RouteTable", "Strategy", "Verdict", "judge", "never_sent", "summarize"]

Strategy = Literal["ordered", "round_robin"]

# Transport errors raised before the request could reach the server (as in ``retry.py``).
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
_AUTH = frozenset({401, 402, 403})
_NO_COOLDOWN = frozenset({404, 408, 409})


@dataclass(frozen=True, slots=True)
class Verdict:
    """What to do after a route failed."""

    move_on: bool
    """Try the next route (else raise the error to the caller)."""
    cooldown: float
    """Seconds to skip the failed route; 0 for none."""


_RAISE = Verdict(move_on=False, cooldown=0.0)


def never_sent(error: BaseException) -> bool:
    """True when the request cannot have reached the server (so nothing can have been billed)."""
    return isinstance(error, APIConnectionError) and isinstance(error.__cause__, _NOT_SENT)


def judge(
    error: BaseException,
    *,
    cooldown: float,
    auth_cooldown: float,
    billable: bool = False,
) -> Verdict:
    """Decide whether ``error`` from one route moves on to the next, and the route's cooldown."""
    if not isinstance(error, APIError) or isinstance(error, InvalidRequestError):
        return _RAISE
    if isinstance(error, APIStatusError):
        status = error.status_code
        if status in _AUTH:
            return Verdict(move_on=True, cooldown=auth_cooldown)
        if status in _NO_COOLDOWN:
            return Verdict(move_on=True, cooldown=0.0)
        if status == 429 or status >= 500:
            hint = getattr(error, "retry_after", None)
            wait = max(cooldown, hint) if isinstance(hint, int | float) else cooldown
            return Verdict(move_on=True, cooldown=wait)
        return _RAISE  # 400, 422 and any other 4xx: the request itself is refused
    if billable and not never_sent(error):
        return _RAISE  # sent, then lost: the provider may be generating (and billing) it
    if isinstance(error, APIConnectionError | APIStreamError):
        return Verdict(move_on=True, cooldown=cooldown)
    return Verdict(move_on=True, cooldown=0.0)  # a malformed 2xx body: try another provider


class RouteTable:
    """When each of a logical model's routes may be tried again, and whose turn it is.

    Times are monotonic seconds passed in by the caller. Not locked: the sync shell holds a
    lock around every call; the async shell calls it between awaits.
    """

    def __init__(self, count: int, strategy: Strategy = "ordered") -> None:
        if count < 1:
            raise ValueError("a route table needs at least one route")
        self._until = [0.0] * count
        self._strategy: Strategy = strategy
        self._turn = 0

    def plan(self, now: float) -> list[int]:
        """The indexes of the routes to try for one call, in order."""
        count = len(self._until)
        start = 0
        if self._strategy == "round_robin":
            start = self._turn
            self._turn = (start + 1) % count
        rotation = [(start + k) % count for k in range(count)]
        ready = [i for i in rotation if self._until[i] <= now]
        if ready:
            return ready
        return [min(rotation, key=self._until.__getitem__)]

    def failed(self, index: int, now: float, cooldown: float) -> None:
        """Route ``index`` failed at ``now``: skip it ``cooldown`` seconds (a later end wins)."""
        if cooldown > 0:
            self._until[index] = max(self._until[index], now + cooldown)

    def succeeded(self, index: int) -> None:
        """Route ``index`` served a call: it is ready again whatever its cooldown said."""
        self._until[index] = 0.0

    def cooling(self, now: float) -> list[float]:
        """Seconds each route still cools down for (0 when ready)."""
        return [max(until - now, 0.0) for until in self._until]


def summarize(model: str, failures: Sequence[tuple[str, BaseException]]) -> str:
    """One line per failed route, in the order tried: ``AllRoutesFailedError``'s message."""
    lines = [f"every route for model {model!r} failed ({len(failures)} tried):"]
    for number, (label, error) in enumerate(failures, 1):
        text = str(error).splitlines()[0] if str(error) else ""
        lines.append(f"  {number}. {label}: {type(error).__name__}: {text}"[:300])
    return "\n".join(lines)
