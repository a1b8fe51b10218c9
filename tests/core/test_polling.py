"""The wait state machine, driven by hand with made-up times: no sleeping, no clock."""

from __future__ import annotations

import math
import re

import httpx
import pytest

from tokenclient import (
    APIConnectionError,
    InvalidRequestError,
    RateLimitError,
    VideoTaskError,
    VideoTaskFailedError,
    VideoTaskTimeoutError,
)
from tokenclient._core.polling import MIN_HINTED_DELAY, Poller, check_wait_args, error_hint
from tokenclient._core.retry import RetryPolicy
from tokenclient.types.videos import VideoTask


def task(status: str, progress: float | None = None, **extra: object) -> VideoTask:
    return VideoTask.model_validate(
        {"id": "tsk-1", "status": status, "progress": progress, **extra}
    )


def poller(*, now: float = 100.0, poll_interval: float = 5.0, timeout: float = 12.0) -> Poller:
    return Poller(now=now, poll_interval=poll_interval, timeout=timeout)


def test_succeeded_is_done_and_reported() -> None:
    decision = poller().observe(task("succeeded"), now=100.0)
    assert decision.done
    assert decision.changed
    assert decision.error is None


def test_pending_sleeps_the_poll_interval() -> None:
    p = poller()
    for status in ("queued", "running"):
        decision = p.observe(task(status), now=100.0)
        assert not decision.done
        assert decision.delay == 5.0
        assert decision.error is None


def test_changes_are_reported_once_per_status_or_progress_change() -> None:
    p = poller(timeout=600.0)
    seen = [
        p.observe(task(status, progress), now=100.0).changed
        for status, progress in [
            ("queued", None),
            ("queued", None),
            ("running", None),
            ("running", 10.0),
            ("running", 10.0),
            ("running", 55.0),
            ("succeeded", 100.0),
        ]
    ]
    assert seen == [True, False, True, True, False, True, True]


def test_failed_raises_with_the_id_and_the_providers_reason() -> None:
    failed = task("failed", error={"code": "content_policy", "message": "prompt refused"})
    decision = poller().observe(failed, now=100.0)
    assert decision.changed
    assert not decision.done
    assert decision.delay == 0.0
    assert isinstance(decision.error, VideoTaskFailedError)
    assert decision.error.task is failed
    assert str(decision.error) == (
        "Video task 'tsk-1' failed: prompt refused (code content_policy)"
    )


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        ("out of credits", "out of credits"),
        ({"message": "bad frame"}, "bad frame"),
        ({"code": 1301}, "code 1301"),
        ({"detail": "upstream"}, '{"detail": "upstream"}'),
        (None, "no reason given"),
        ("", "no reason given"),
        ({}, "no reason given"),
    ],
)
def test_failure_reason_in_every_shape(error: object, reason: str) -> None:
    decision = poller().observe(task("failed", error=error), now=100.0)
    assert str(decision.error) == f"Video task 'tsk-1' failed: {reason}"


def test_an_unknown_status_raises_at_once() -> None:
    odd = task("cancelled")
    decision = poller().observe(odd, now=100.0)
    assert decision.delay == 0.0
    assert decision.changed
    error = decision.error
    assert type(error) is VideoTaskError
    assert error.task is odd
    assert "status 'cancelled'" in str(error)


def test_the_deadline_ends_on_time_with_the_last_task() -> None:
    # interval 5, timeout 12, started at 100: polls at 100, 105, 110; then 2 s more, then stop.
    p = poller()
    assert p.observe(task("queued"), now=100.0).delay == 5.0
    assert p.observe(task("running"), now=105.0).delay == 5.0
    last = task("running", 40.0)
    decision = p.observe(last, now=110.0)
    assert decision.delay == 2.0  # shortened to the time left
    assert isinstance(decision.error, VideoTaskTimeoutError)
    assert decision.error.task is last
    assert str(decision.error) == (
        "Video task 'tsk-1' did not finish within 12s (last status 'running', 40%). It keeps "
        "running on the provider: call videos.wait('tsk-1') to wait longer."
    )


def test_past_the_deadline_raises_without_sleeping() -> None:
    decision = poller().observe(task("running"), now=113.0)
    assert decision.delay == 0.0
    assert isinstance(decision.error, VideoTaskTimeoutError)


def test_a_sleep_landing_exactly_on_the_deadline_is_the_last() -> None:
    decision = poller(poll_interval=6.0).observe(task("running"), now=106.0)
    assert decision.delay == 6.0
    assert isinstance(decision.error, VideoTaskTimeoutError)


def test_retry_after_replaces_the_interval_both_ways() -> None:
    p = poller(timeout=600.0)
    assert p.observe(task("running"), now=100.0, retry_after=30.0).delay == 30.0
    assert p.observe(task("running"), now=100.0, retry_after=1.5).delay == 1.5
    assert p.observe(task("running"), now=100.0, retry_after=0.0).delay == MIN_HINTED_DELAY


def test_retry_after_is_capped_by_the_deadline() -> None:
    decision = poller().observe(task("running"), now=100.0, retry_after=3600.0)
    assert decision.delay == 12.0
    assert isinstance(decision.error, VideoTaskTimeoutError)


def test_after_a_transient_error_the_wait_goes_on() -> None:
    p = poller()
    running = task("running")
    assert p.observe(running, now=100.0).changed
    cause = RuntimeError("503")
    decision = p.after_error(running, cause, now=101.0)
    assert (decision.changed, decision.done, decision.delay, decision.error) == (
        False,
        False,
        5.0,
        None,
    )
    assert p.after_error(running, cause, now=101.0, retry_after=8.0).delay == 8.0


def test_a_transient_error_at_the_deadline_times_out_with_its_cause() -> None:
    running = task("running")
    cause = RuntimeError("connection refused")
    decision = poller().after_error(running, cause, now=109.0)
    assert decision.delay == 3.0
    assert isinstance(decision.error, VideoTaskTimeoutError)
    assert decision.error.task is running
    assert decision.error.__cause__ is cause


def test_limits_cap_every_timeout_phase_and_retry_wait_by_the_time_left() -> None:
    p = poller()
    base = httpx.Timeout(600.0, connect=5.0, pool=None)
    policy = RetryPolicy(max_retries=2, max_delay=8.0, max_retry_after=60.0)
    early = p.limits(100.0, base, policy)
    assert early.timeout == httpx.Timeout(connect=5.0, read=12.0, write=12.0, pool=12.0)
    assert early.retry == RetryPolicy(max_retries=2, max_delay=8.0, max_retry_after=12.0)
    late = p.limits(111.0, base, policy)
    assert late.timeout == httpx.Timeout(1.0)
    assert (late.retry.max_delay, late.retry.max_retry_after) == (1.0, 1.0)


def test_limits_at_the_deadline_still_give_a_valid_timeout() -> None:
    limits = poller().limits(500.0, httpx.Timeout(30.0), RetryPolicy())
    assert limits.timeout.read is not None
    assert 0 < limits.timeout.read < 0.01


@pytest.mark.parametrize(
    ("poll_interval", "timeout", "on_progress", "message"),
    [
        (0, 10.0, None, "poll_interval: expected a positive, finite number, got 0"),
        (-1.0, 10.0, None, "poll_interval: expected a positive, finite number, got -1.0"),
        (math.nan, 10.0, None, "poll_interval: expected a positive, finite number, got nan"),
        (True, 10.0, None, "poll_interval: expected a number of seconds, got True"),
        ("5", 10.0, None, "poll_interval: expected a number of seconds, got '5'"),
        (5.0, 0.0, None, "timeout: expected a positive, finite number, got 0.0"),
        (5.0, math.inf, None, "timeout: expected a positive, finite number, got inf"),
        (5.0, None, None, "timeout: expected a number of seconds, got None"),
        (5.0, 10.0, "print", "on_progress: expected a callable, got 'print'"),
    ],
)
def test_wait_arguments_are_checked(
    poll_interval: object, timeout: object, on_progress: object, message: str
) -> None:
    with pytest.raises(InvalidRequestError, match="^" + re.escape(message) + "$"):
        check_wait_args(poll_interval, timeout, on_progress)


def test_the_poller_checks_its_arguments_too() -> None:
    with pytest.raises(InvalidRequestError, match=r"^timeout: "):
        Poller(now=0.0, poll_interval=1.0, timeout=-5.0)


def test_check_wait_args_accepts_integers_and_callables() -> None:
    check_wait_args(1, 2, print)  # integers are seconds too; must not raise
    assert poller(poll_interval=1, timeout=2).deadline == 102.0


def test_error_hint_reads_retry_after_of_status_errors_only() -> None:
    request = httpx.Request("GET", "http://test/v1/videos/generations/x")
    response = httpx.Response(429, request=request)
    assert error_hint(RateLimitError("slow down", response=response, retry_after=7.0)) == 7.0
    assert error_hint(RateLimitError("slow down", response=response)) is None
    assert error_hint(APIConnectionError(request=request)) is None
