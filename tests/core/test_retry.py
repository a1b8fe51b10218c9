"""The retry decisions, with time and randomness passed in: no sleeping, no clock."""

from __future__ import annotations

import email.utils

import httpx
import pytest

from tokenclient._core.retry import (
    RetryPolicy,
    after_error,
    after_status,
    backoff_delay,
    retry_after_seconds,
)

POLICY = RetryPolicy(max_retries=5)
NOW = 1_700_000_000.0


@pytest.mark.parametrize(
    ("attempt", "expected"), [(0, 0.5), (1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (5, 8.0), (9, 8.0)]
)
def test_backoff_doubles_from_half_a_second_up_to_eight(attempt: int, expected: float) -> None:
    assert backoff_delay(POLICY, attempt, random=0.0) == expected
    # Jitter shortens by at most a quarter, never lengthens.
    assert backoff_delay(POLICY, attempt, random=0.999) == pytest.approx(expected * 0.75, rel=1e-2)


@pytest.mark.parametrize("status", [408, 409, 429, 500, 502, 503, 504, 599])
def test_retryable_statuses(status: int) -> None:
    decision = after_status(POLICY, 0, status, {}, now=NOW, random=0.0)
    assert decision.retry
    assert decision.delay == 0.5


@pytest.mark.parametrize("status", [400, 401, 402, 403, 404, 422, 418])
def test_client_errors_are_never_retried(status: int) -> None:
    assert not after_status(POLICY, 0, status, {}, now=NOW, random=0.0).retry


def test_retries_stop_when_exhausted() -> None:
    policy = RetryPolicy(max_retries=2)
    assert after_status(policy, 1, 503, {}, now=NOW, random=0.0).retry
    assert not after_status(policy, 2, 503, {}, now=NOW, random=0.0).retry
    assert not after_status(RetryPolicy(max_retries=0), 0, 503, {}, now=NOW, random=0.0).retry


def test_x_should_retry_overrides_the_status() -> None:
    assert after_status(POLICY, 0, 400, {"x-should-retry": "true"}, now=NOW, random=0.0).retry
    assert not after_status(POLICY, 0, 503, {"x-should-retry": "false"}, now=NOW, random=0.0).retry
    # ... but never beyond max_retries.
    exhausted = RetryPolicy(max_retries=0)
    assert not after_status(exhausted, 0, 400, {"x-should-retry": "true"}, now=NOW, random=0).retry


def test_retry_after_seconds_is_the_delay() -> None:
    decision = after_status(POLICY, 0, 429, {"retry-after": "3"}, now=NOW, random=0.5)
    assert decision.retry
    assert decision.delay == 3.0
    assert decision.retry_after == 3.0


def test_retry_after_ms_wins_over_retry_after() -> None:
    headers = {"retry-after-ms": "250", "retry-after": "30"}
    assert after_status(POLICY, 0, 429, headers, now=NOW, random=0.0).delay == 0.25


def test_retry_after_http_date() -> None:
    date = email.utils.formatdate(NOW + 7, usegmt=True)
    assert retry_after_seconds({"retry-after": date}, NOW) == pytest.approx(7.0)
    past = email.utils.formatdate(NOW - 100, usegmt=True)
    assert retry_after_seconds({"retry-after": past}, NOW) == 0.0


@pytest.mark.parametrize("value", ["soon", "", "-1", "nan", "inf", "1e400"])
def test_unusable_retry_after_is_ignored(value: str) -> None:
    assert retry_after_seconds({"retry-after": value}, NOW) is None
    assert retry_after_seconds({"retry-after-ms": value}, NOW) is None
    decision = after_status(POLICY, 1, 503, {"retry-after": value}, now=NOW, random=0.0)
    assert decision.delay == 1.0  # falls back to backoff


def test_retry_after_beyond_the_cap_is_raised_not_slept() -> None:
    decision = after_status(POLICY, 0, 429, {"retry-after": "61"}, now=NOW, random=0.0)
    assert not decision.retry
    assert decision.retry_after == 61.0
    assert after_status(POLICY, 0, 429, {"retry-after": "60"}, now=NOW, random=0.0).retry


@pytest.mark.parametrize(
    "error",
    [
        httpx.ConnectError("refused"),
        httpx.ConnectTimeout("slow connect"),
        httpx.ReadTimeout("slow read"),
        httpx.ReadError("reset"),
        httpx.RemoteProtocolError("dropped"),
        httpx.PoolTimeout("pool"),
    ],
)
def test_transport_errors_are_retried_when_replay_is_safe(error: httpx.TransportError) -> None:
    decision = after_error(POLICY, 0, error, replay_safe=True, random=0.0)
    assert decision.retry
    assert decision.delay == 0.5
    assert not after_error(RetryPolicy(max_retries=1), 1, error, replay_safe=True, random=0).retry


@pytest.mark.parametrize(
    ("error", "retried"),
    [
        (httpx.ConnectError("refused"), True),
        (httpx.ConnectTimeout("slow connect"), True),
        (httpx.PoolTimeout("pool"), True),
        (httpx.ReadTimeout("slow read"), False),
        (httpx.ReadError("reset after sending"), False),
        (httpx.RemoteProtocolError("dropped"), False),
        (httpx.WriteError("broken pipe"), False),
    ],
)
def test_billable_creations_are_resent_only_if_never_sent(
    error: httpx.TransportError, retried: bool
) -> None:
    assert after_error(POLICY, 0, error, replay_safe=False, random=0.0).retry is retried


@pytest.mark.parametrize(
    "error", [httpx.UnsupportedProtocol("ftp://"), httpx.LocalProtocolError("bad header")]
)
def test_errors_in_our_own_request_are_not_retried(error: httpx.TransportError) -> None:
    assert not after_error(POLICY, 0, error, replay_safe=True, random=0.0).retry
