"""Shared limits: the arithmetic a limits store persists. No clock, no I/O, no threads.

A store (``tokenclient.limits``) keeps, per *scope*, three numbers and a set of leases:

- ``requests_tat`` and ``tokens_tat``: the *theoretical arrival time* of a GCRA (generic cell
  rate algorithm) for requests per minute and tokens per minute. A GCRA is a token bucket
  written as one absolute time instead of a token count and a refill time, so a store can
  persist it as a single number and update it atomically (a Lua script, one SQL row).
- ``paused_until``: no request starts before this time (a 429 with ``Retry-After``).
- leases: ``lease id -> expiry``, one per request in flight (``max_concurrency``). A lease that
  is not renewed expires, so a killed process gives its slots back within the TTL.

The bucket matches ``_core.ratelimit.TokenBucket``: it holds ``burst = max(1, per_minute / 60)``
units (one second's worth, at least one) and refills at ``per_minute / 60`` units per second.
A reservation of ``cost`` units starts when the bucket holds them (a reservation larger than
the bucket starts when the bucket is full). Reservations queue: each answers how long its caller
waits, and the caller sleeps once.

Every time is absolute seconds on the store's clock (``time.time()`` for SQLite on one host, the
server's ``TIME`` for Redis), passed in as ``now``. ``_redis.py`` repeats these formulas in Lua;
the store tests run the same scenarios against every store, which keeps the two in step.
"""

from __future__ import annotations

import hmac
import json
import math
import re
from dataclasses import dataclass
from hashlib import sha256

from .._exceptions import InvalidRequestError

__all__ = [
    "DEFAULT_LEASE_TTL",
    "DEFAULT_TOKEN_ESTIMATE",
    "Admission",
    "Limits",
    "Reservation",
    "ScopeState",
    "SlotPoll",
    "admit",
    "check_remaining",
    "check_scope",
    "check_seconds",
    "estimate_request_tokens",
    "estimate_tokens",
    "gcra_refund",
    "gcra_reserve",
    "gcra_settle",
    "gcra_tighten",
    "recheck",
    "scope_for",
    "shared_slot_timeout",
    "tighten",
    "tightens",
    "total_tokens_in",
    "unwind",
]

DEFAULT_LEASE_TTL = 60.0
"""Seconds a concurrency lease lives unless renewed."""

DEFAULT_TOKEN_ESTIMATE = 1024
"""Tokens reserved for a request whose ``max_tokens`` is not given."""

_SCOPE_SALT = b"tokenclient limits scope v1"
_MAX_SCOPE_LENGTH = 200


def scope_for(base_url: str, api_key: str) -> str:
    """The default scope of a client: an HMAC-SHA256 of ``(base_url, api_key)``, 64 hex digits.

    The key is never stored: only this digest (256 bits, keyed with a library salt) reaches a
    store, so it cannot be reversed nor brute-forced from a short prefix. Clients with the same
    base URL (trailing ``/`` ignored) and key share their limits.
    """
    message = base_url.rstrip("/").encode() + b"\0" + api_key.encode()
    return "k:" + hmac.new(_SCOPE_SALT, message, sha256).hexdigest()


def check_scope(value: object) -> str:
    """An explicit ``limits_scope``: 1 to 200 printable ASCII characters, else an error."""
    if (
        not isinstance(value, str)
        or not 1 <= len(value) <= _MAX_SCOPE_LENGTH
        or not value.isascii()
        or not value.isprintable()
    ):
        raise InvalidRequestError(
            f"limits_scope: expected 1 to {_MAX_SCOPE_LENGTH} printable ASCII characters, "
            f"got {value!r}"
        )
    return "s:" + value


def _check_per_minute(name: str, value: object) -> float | None:
    if value is None:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value <= 0
    ):
        raise InvalidRequestError(f"{name}: expected a finite number greater than 0, got {value!r}")
    return float(value)


@dataclass(frozen=True)
class Limits:
    """The limits one scope enforces; every one set to ``None`` is off."""

    max_concurrency: int | None = None
    requests_per_minute: float | None = None
    tokens_per_minute: float | None = None
    lease_ttl: float = DEFAULT_LEASE_TTL

    def __post_init__(self) -> None:
        mc = self.max_concurrency
        if mc is not None and (isinstance(mc, bool) or not isinstance(mc, int) or mc < 1):
            raise InvalidRequestError(f"max_concurrency: expected an integer >= 1, got {mc!r}")
        object.__setattr__(
            self,
            "requests_per_minute",
            _check_per_minute("requests_per_minute", self.requests_per_minute),
        )
        object.__setattr__(
            self,
            "tokens_per_minute",
            _check_per_minute("tokens_per_minute", self.tokens_per_minute),
        )
        ttl = self.lease_ttl
        if isinstance(ttl, bool) or not isinstance(ttl, int | float) or not 0 < ttl < math.inf:
            raise InvalidRequestError(f"lease_ttl: expected a finite number > 0, got {ttl!r}")
        object.__setattr__(self, "lease_ttl", float(ttl))


@dataclass(frozen=True)
class Reservation:
    """A GCRA reservation: the new ``tat`` to store and the wait before the caller starts."""

    tat: float
    wait: float


def _interval(per_minute: float) -> float:
    return 60.0 / per_minute


def _burst(per_minute: float) -> float:
    return max(1.0, per_minute / 60.0)


def gcra_reserve(
    tat: float, now: float, per_minute: float, cost: float = 1.0, paused_until: float = 0.0
) -> Reservation:
    """Reserve ``cost`` units of a ``per_minute`` bucket whose state is ``tat``.

    The caller starts after ``wait`` seconds: once the bucket holds ``cost`` units (or is full,
    if ``cost`` is larger than the bucket), and not before ``paused_until``. Units keep
    accruing during a pause, up to the bucket's size.
    """
    interval = _interval(per_minute)
    at = max(now, paused_until)
    new_tat = max(tat, at) + cost * interval
    start = max(at, new_tat - max(_burst(per_minute), cost) * interval)
    return Reservation(new_tat, start - now)


def gcra_refund(tat: float, reserved_tat: float, per_minute: float, cost: float = 1.0) -> float:
    """``tat`` after giving back a reservation whose caller did not start.

    Only the latest reservation (the one that left ``reserved_tat``) is refunded: an earlier
    one would let a newcomer start together with a later caller who already knows its start.
    """
    if tat != reserved_tat:
        return tat
    return tat - cost * _interval(per_minute)


def gcra_settle(tat: float, now: float, per_minute: float, estimate: float, actual: float) -> float:
    """``tat`` after a request that reserved ``estimate`` units turned out to use ``actual``.

    A larger actual pushes later reservations back; a smaller one gives units back, never
    more than the bucket can hold (``tat`` below ``now`` means a full bucket).
    """
    settled = tat + (actual - estimate) * _interval(per_minute)
    return max(settled, now - _burst(per_minute) * _interval(per_minute))


def gcra_tighten(
    tat: float, now: float, per_minute: float, remaining: int, reset_seconds: float
) -> float:
    """``tat`` after the server said only ``remaining`` requests may start in ``reset_seconds``.

    From ``x-ratelimit-remaining-requests`` / ``x-ratelimit-reset-requests``: the bucket is
    pushed back so that at most ``remaining`` reservations start before ``now + reset_seconds``
    (a server that knows better only ever tightens the bucket, never loosens it). With
    ``remaining == 0`` the store records a pause instead.
    """
    interval = _interval(per_minute)
    floor = now + reset_seconds + (_burst(per_minute) - remaining) * interval
    return max(tat, floor)


@dataclass(frozen=True)
class SlotPoll:
    """How long a waiter for a concurrency slot held in another process sleeps between polls.

    Slots held by this process are handed over without polling (the in-process limiter); a
    slot freed by another process is noticed at the next poll. The delay doubles from
    ``first`` up to ``cap`` and never exceeds the time until the earliest lease expires.
    """

    first: float = 0.002
    cap: float = 0.05

    def delay(self, attempt: int, until_expiry: float) -> float:
        """The sleep before poll number ``attempt + 1`` (``attempt`` counts from 0)."""
        step = min(self.cap, self.first * (2.0 ** min(attempt, 30)))
        return max(0.0, min(step, until_expiry))


def estimate_tokens(
    prompt_characters: int,
    max_tokens: int | None,
    *,
    default_completion_tokens: int = DEFAULT_TOKEN_ESTIMATE,
) -> int:
    """Tokens to reserve for a request: ``prompt characters / 4`` plus ``max_tokens``.

    ``max_tokens`` (or ``max_completion_tokens``) bounds the completion; without it
    ``default_completion_tokens`` stands in. The reservation is settled against the
    response's ``usage`` once it arrives.
    """
    completion = default_completion_tokens if max_tokens is None else max_tokens
    return max(1, math.ceil(prompt_characters / 4) + max(0, completion))


def _text_length(content: object) -> int:
    """Characters of prompt text in a message's ``content`` (a string or a list of parts)."""
    if isinstance(content, str):
        return len(content)
    if isinstance(content, list):
        total = 0
        for part in content:  # pyright: ignore[reportUnknownVariableType]  # JSON
            if isinstance(part, dict):
                text = part.get("text")  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
                if isinstance(text, str):
                    total += len(text)
        return total
    return 0


def estimate_request_tokens(body: bytes) -> int:
    """``estimate_tokens`` for a JSON request body: its messages' text and ``max_tokens``.

    Counts the text of ``messages`` (or a ``prompt``/``input`` string); the completion bound is
    ``max_completion_tokens``, else ``max_tokens``. A body that is not a JSON object is counted
    by its length.
    """
    try:
        data: object = json.loads(body) if body else None
    except ValueError:
        data = None
    if not isinstance(data, dict):
        return estimate_tokens(len(body), None)
    fields: dict[str, object] = data  # pyright: ignore[reportUnknownVariableType]  # JSON
    characters = 0
    messages = fields.get("messages")
    if isinstance(messages, list):
        for message in messages:  # pyright: ignore[reportUnknownVariableType]  # JSON
            if isinstance(message, dict):
                characters += _text_length(message.get("content"))  # pyright: ignore[reportUnknownMemberType, reportUnknownArgumentType]
    for name in ("prompt", "input"):
        characters += _text_length(fields.get(name))
    bound: int | None = None
    for name in ("max_completion_tokens", "max_tokens"):
        value = fields.get(name)
        if isinstance(value, int) and not isinstance(value, bool):
            bound = value
            break
    return estimate_tokens(characters, bound)


_TOTAL_TOKENS = re.compile(rb'"total_tokens"\s*:\s*(\d{1,15})')


def total_tokens_in(data: bytes) -> int | None:
    """The last ``"total_tokens": N`` in a response body or stream, without parsing it all.

    A plain completion has one ``usage`` object; a stream sends it in its last chunk (when
    ``stream_options.include_usage`` is set). ``None`` when there is none.
    """
    at = data.rfind(b'"total_tokens"')
    if at < 0:
        return None
    match = _TOTAL_TOKENS.match(data, at)
    return int(match.group(1)) if match is not None else None


@dataclass(frozen=True)
class ScopeState:
    """What a store keeps per scope besides its leases. ``0.0`` means "never set"."""

    requests_tat: float = 0.0
    tokens_tat: float = 0.0
    paused_until: float = 0.0


@dataclass(frozen=True)
class Admission:
    """One ``acquire`` decision.

    ``admitted``: a slot was free (or none is needed) and the rate units are reserved; the
    caller starts after ``wait`` seconds. Not admitted: every slot is held; nothing was
    reserved and the caller asks again after ``wait`` seconds.
    """

    admitted: bool
    wait: float
    state: ScopeState


def admit(
    state: ScopeState,
    limits: Limits,
    now: float,
    *,
    active: int,
    earliest_expiry: float | None,
    tokens: int,
    attempt: int = 0,
    poll: SlotPoll = SlotPoll(),
) -> Admission:
    """Decide an ``acquire``: a lease if fewer than ``max_concurrency`` are ``active``, then a
    reservation of one request and ``tokens`` tokens, delayed by any pause.

    ``active`` counts the unexpired leases and ``earliest_expiry`` is the soonest expiry among
    them (the store has already dropped the expired ones).
    """
    if limits.max_concurrency is not None and active >= limits.max_concurrency:
        until_expiry = math.inf if earliest_expiry is None else earliest_expiry - now
        return Admission(False, poll.delay(attempt, until_expiry), state)
    wait = max(0.0, state.paused_until - now)
    requests_tat, tokens_tat = state.requests_tat, state.tokens_tat
    if limits.requests_per_minute is not None:
        r = gcra_reserve(requests_tat, now, limits.requests_per_minute, 1.0, state.paused_until)
        requests_tat, wait = r.tat, max(wait, r.wait)
    if limits.tokens_per_minute is not None and tokens > 0:
        r = gcra_reserve(tokens_tat, now, limits.tokens_per_minute, tokens, state.paused_until)
        tokens_tat, wait = r.tat, max(wait, r.wait)
    return Admission(True, wait, ScopeState(requests_tat, tokens_tat, state.paused_until))


def unwind(
    state: ScopeState,
    limits: Limits,
    now: float,
    *,
    requests_tat: float | None,
    tokens_tat: float | None,
    tokens: int,
    started: bool,
    used_tokens: int | None,
) -> ScopeState:
    """The state after a ``release``.

    Not ``started`` (the caller gave up while waiting for its start): the request and token
    reservations are refunded if they are still the latest. Started with ``used_tokens``
    known: the token reservation is settled against it.
    """
    rtat, ttat = state.requests_tat, state.tokens_tat
    if not started:
        if limits.requests_per_minute is not None and requests_tat is not None:
            rtat = gcra_refund(rtat, requests_tat, limits.requests_per_minute)
        if limits.tokens_per_minute is not None and tokens_tat is not None and tokens > 0:
            ttat = gcra_refund(ttat, tokens_tat, limits.tokens_per_minute, tokens)
    elif limits.tokens_per_minute is not None and used_tokens is not None and tokens > 0:
        ttat = gcra_settle(ttat, now, limits.tokens_per_minute, tokens, used_tokens)
    return ScopeState(rtat, ttat, state.paused_until)


def recheck(
    state: ScopeState,
    limits: Limits,
    now: float,
    *,
    requests_tat: float | None,
    tokens_tat: float | None,
    tokens: int,
    seen_paused_until: float,
) -> Admission | None:
    """After a caller slept until its start: did a pause begin meanwhile?

    If the scope's pause now ends later than the one the reservation saw, and has not ended,
    the reservation moves behind it: refunded (if still the latest) and made again, so the
    callers released by the pause's end still start at the bucket's pace: the new state and
    wait are returned. ``None``: no new pause holds the caller, who starts now.
    """
    if state.paused_until <= seen_paused_until or state.paused_until <= now:
        return None
    refunded = unwind(
        state,
        limits,
        now,
        requests_tat=requests_tat,
        tokens_tat=tokens_tat,
        tokens=tokens,
        started=False,
        used_tokens=None,
    )
    return admit(refunded, limits, now, active=0, earliest_expiry=None, tokens=tokens)


def tighten(
    state: ScopeState, limits: Limits, now: float, *, remaining: int, reset_seconds: float
) -> ScopeState:
    """The state after ``x-ratelimit-remaining-requests`` / ``-reset-requests`` headers.

    ``remaining == 0`` pauses the scope until the reset; otherwise the request bucket (if a
    ``requests_per_minute`` is set) is pushed back with ``gcra_tighten``.
    """
    if remaining <= 0:
        return ScopeState(
            state.requests_tat, state.tokens_tat, max(state.paused_until, now + reset_seconds)
        )
    if limits.requests_per_minute is None:
        return state
    rtat = gcra_tighten(
        state.requests_tat, now, limits.requests_per_minute, remaining, reset_seconds
    )
    return ScopeState(rtat, state.tokens_tat, state.paused_until)


def tightens(limits: Limits, *, remaining: int, reset_seconds: float) -> bool:
    """Whether ``tighten`` can change anything, so a limiter skips the store call when not.

    ``remaining == 0`` always pauses. A positive remainder only pushes the request bucket
    back when it is below what the bucket could still start before the reset: its burst
    plus the refill over ``reset_seconds``.
    """
    if remaining <= 0:
        return True
    rpm = limits.requests_per_minute
    if rpm is None:
        return False
    return remaining < _burst(rpm) + reset_seconds / _interval(rpm)


def shared_slot_timeout(timeout: float, limits: Limits) -> TimeoutError:
    """The error of a wait for a slot of shared limits that passed its ``timeout``."""
    return TimeoutError(
        f"waited {timeout:g} s for a slot of the shared limits (limits_store, "
        f"max_concurrency={limits.max_concurrency}): every slot is held by requests or open "
        "streams of the other clients and processes of the scope"
    )


def check_seconds(name: str, value: object) -> float:
    """``value`` as a float if it is a finite number >= 0, else ``InvalidRequestError``."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < math.inf:
        raise InvalidRequestError(f"{name}: expected a finite number >= 0, got {value!r}")
    return float(value)


def check_remaining(value: object) -> int:
    """``value`` if it is an integer >= 0, else ``InvalidRequestError``."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidRequestError(f"remaining: expected an integer >= 0, got {value!r}")
    return value
