"""Retry decisions stay within their bounds for any attempt, random draw, status and header.

``tests/core/test_retry.py`` checks the documented values; here the inputs are arbitrary:
attempt numbers far beyond the usual three (a caller may set ``max_retries=10_000`` to retry
"for ever"), any jitter draw in [0, 1), any status 100-599, and any ``Retry-After`` /
``retry-after-ms`` / ``x-should-retry`` header text.
"""

from __future__ import annotations

import math

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tokenclient._core.retry import (
    RetryPolicy,
    after_error,
    after_status,
    backoff_delay,
    retry_after_seconds,
)

NOW = 1_700_000_000.0
_NEVER_RETRIED = {400, 401, 402, 403, 404, 422}

_policies = st.builds(
    RetryPolicy,
    max_retries=st.integers(min_value=0, max_value=10_000),
    initial_delay=st.floats(min_value=0.001, max_value=5.0),
    max_delay=st.floats(min_value=0.01, max_value=120.0),
    max_retry_after=st.floats(min_value=0.0, max_value=600.0),
)
_attempts = st.integers(min_value=0, max_value=20_000)
# The decision tests stay below 1024: past it ``backoff_delay`` overflows (a reported bug that
# the backoff test above shows on its own).
_decision_attempts = st.integers(min_value=0, max_value=1000)
_randoms = st.floats(min_value=0.0, max_value=1.0, exclude_max=True)
_header_values = st.one_of(
    st.text(max_size=30),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.floats().map(str),
    st.floats(min_value=0, max_value=1e6).map(lambda f: f"{f:.3f}"),
    st.datetimes().map(lambda d: d.strftime("%a, %d %b %Y %H:%M:%S GMT")),
    st.sampled_from(["inf", "-inf", "nan", "1e400", "Mon, 99 Foo 2024 99:99:99 GMT", "0"]),
)
_headers = st.dictionaries(
    st.sampled_from(["retry-after", "retry-after-ms", "x-should-retry"]),
    _header_values | st.sampled_from(["true", "false", " TRUE ", "False"]),
    max_size=3,
)


@settings(max_examples=500, deadline=None)
@given(policy=_policies, attempt=_attempts, random=_randoms)
def test_backoff_stays_between_three_quarters_of_the_cap_and_the_cap(
    policy: RetryPolicy, attempt: int, random: float
) -> None:
    """Also for attempts past 1023, where ``2.0 ** attempt`` alone overflows.

    BUG (reported to the lead): ``backoff_delay`` computes ``initial * 2.0**attempt`` before
    capping it, which raises ``OverflowError`` from attempt 1024 on (``max_retries=2000``
    against a dead host). Fix: ``2.0 ** min(attempt, 64)``.
    """
    delay = backoff_delay(policy, attempt, random)
    ceiling = min(policy.initial_delay * 2.0 ** min(attempt, 64), policy.max_delay)
    assert 0.75 * ceiling - 1e-9 <= delay <= ceiling + 1e-9
    assert delay <= policy.max_delay + 1e-9


@pytest.mark.slow
@settings(max_examples=500, deadline=None)
@given(headers=_headers)
def test_retry_after_is_none_or_a_finite_non_negative_number(headers: dict[str, str]) -> None:
    seconds = retry_after_seconds(headers, NOW)
    assert seconds is None or (math.isfinite(seconds) and seconds >= 0)


@settings(max_examples=500, deadline=None)
@given(
    policy=_policies,
    attempt=_decision_attempts,
    status=st.integers(min_value=100, max_value=599),
    headers=_headers,
    random=_randoms,
)
def test_status_decisions_stay_within_their_bounds(
    policy: RetryPolicy, attempt: int, status: int, headers: dict[str, str], random: float
) -> None:
    decision = after_status(policy, attempt, status, headers, now=NOW, random=random)
    hint = retry_after_seconds(headers, NOW)
    assert decision.retry_after == hint
    if not decision.retry:
        assert decision.delay == 0.0
        return
    assert attempt < policy.max_retries
    assert headers.get("x-should-retry", "").strip().lower() != "false"
    if status in _NEVER_RETRIED:
        assert headers.get("x-should-retry", "").strip().lower() == "true"
    # A server hint is slept only up to the cap; without one, the backoff bounds hold.
    assert 0.0 <= decision.delay <= max(policy.max_retry_after, policy.max_delay)
    if hint is not None:
        assert decision.delay == hint <= policy.max_retry_after
    else:
        assert decision.delay <= policy.max_delay + 1e-9


_ERRORS = [
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.ReadTimeout,
    httpx.WriteTimeout,
    httpx.ReadError,
    httpx.WriteError,
    httpx.RemoteProtocolError,
    httpx.LocalProtocolError,
    httpx.UnsupportedProtocol,
    httpx.ProxyError,
]


@settings(max_examples=500, deadline=None)
@given(
    policy=_policies,
    attempt=_decision_attempts,
    error=st.sampled_from(_ERRORS),
    replay_safe=st.booleans(),
    random=_randoms,
)
def test_error_decisions_stay_within_their_bounds(
    policy: RetryPolicy,
    attempt: int,
    error: type[httpx.TransportError],
    replay_safe: bool,
    random: float,
) -> None:
    decision = after_error(policy, attempt, error("boom"), replay_safe=replay_safe, random=random)
    if not decision.retry:
        assert decision.delay == 0.0
        return
    assert attempt < policy.max_retries
    assert error not in (httpx.LocalProtocolError, httpx.UnsupportedProtocol)
    if not replay_safe:  # a billable creation is resent only when it cannot have been sent
        assert error in (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
    assert 0.0 < decision.delay <= policy.max_delay + 1e-9
