"""The wait state machine, driven by hand with made-up times: no sleeping, no clock."""

from __future__ import annotations

import math
import re

import httpx
import pytest

from tokenclient import (
    APIConnectionError,
    InternalServerError,
    InvalidRequestError,
    RateLimitError,
    VideoTaskError,
    VideoTaskFailedError,
    VideoTaskTimeoutError,
)
from tokenclient._core.polling import (
    LAST_POLL_TIMEOUT,
    MIN_POLL_GAP,
    Poller,
    check_wait_args,
    error_hint,
)
from tokenclient._core.retry import RetryPolicy
from tokenclient.types.videos import VideoTask


def task(status: str, progress: float | None = None, **extra: object) -> VideoTask:
    return VideoTask.model_validate(
        {"id": "tsk-1", "status": status, "progress": progress, **extra}
    )


def poller(
    *,
    now: float = 100.0,
    poll_interval: float = 5.0,
    timeout: float = 12.0,
    retry: RetryPolicy = RetryPolicy(),  # noqa: B008  # frozen
) -> Poller:
    return Poller(now=now, poll_interval=poll_interval, timeout=timeout, retry=retry)


def status_error(code: int, retry_after: float | None = None) -> Exception:
    request = httpx.Request("GET", "http://test/v1/videos/generations/tsk-1")
    response = httpx.Response(code, request=request)
    if code == 429:
        return RateLimitError("slow down", response=response, retry_after=retry_after)
    return InternalServerError("server error", response=response, retry_after=retry_after)


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
    # interval 5, timeout 12, started at 100: polls at 100, 105, 110; 2 s more, a last poll at
    # the deadline, then stop.
    p = poller()
    assert p.observe(task("queued"), now=100.0).delay == 5.0
    assert p.observe(task("running"), now=105.0).delay == 5.0
    decision = p.observe(task("running", 30.0), now=110.0)
    assert decision.delay == 2.0  # shortened to the time left
    assert decision.error is None  # then poll once more, at the deadline
    last = task("running", 40.0)
    decision = p.observe(last, now=112.0)
    assert decision.delay == 0.0
    assert isinstance(decision.error, VideoTaskTimeoutError)
    assert decision.error.task is last
    assert str(decision.error) == (
        "Video task 'tsk-1' did not finish within 12s (last status 'running', 40%). It keeps "
        "running on the provider: call videos.wait('tsk-1') to wait longer."
    )


@pytest.mark.parametrize(
    ("last", "done", "raised"),
    [
        (task("succeeded"), True, None),
        (task("failed", error="no credits"), False, VideoTaskFailedError),
        (task("running"), False, VideoTaskTimeoutError),
    ],
)
def test_the_poll_at_the_deadline_decides(
    last: VideoTask, done: bool, raised: type[Exception] | None
) -> None:
    # Succeeds at t=9 with timeout 10 and interval 5: it is returned, not timed out.
    p = poller(timeout=10.0)
    assert p.observe(task("running"), now=100.0).delay == 5.0
    before = p.observe(task("running"), now=105.0)
    assert (before.delay, before.error) == (5.0, None)
    decision = p.observe(last, now=110.0)
    assert decision.done is done
    assert decision.delay == 0.0
    assert type(decision.error) is raised if raised else decision.error is None


def test_the_poll_at_the_deadline_is_the_last_even_if_the_sleep_woke_early() -> None:
    p = poller(timeout=10.0)
    assert p.observe(task("running"), now=107.0).delay == 3.0
    decision = p.observe(task("running"), now=109.999)  # a clock a hair behind
    assert isinstance(decision.error, VideoTaskTimeoutError)
    assert decision.delay == 0.0


def test_past_the_deadline_raises_without_sleeping() -> None:
    decision = poller().observe(task("running"), now=113.0)
    assert decision.delay == 0.0
    assert isinstance(decision.error, VideoTaskTimeoutError)


def test_a_sleep_landing_exactly_on_the_deadline_precedes_the_last_poll() -> None:
    p = poller(poll_interval=6.0)
    decision = p.observe(task("running"), now=106.0)
    assert (decision.delay, decision.error) == (6.0, None)
    assert isinstance(p.observe(task("running"), now=112.0).error, VideoTaskTimeoutError)


def test_retry_after_replaces_the_interval_both_ways_down_to_the_floor() -> None:
    p = poller(timeout=600.0)
    assert p.observe(task("running"), now=100.0, retry_after=30.0).delay == 30.0
    assert p.observe(task("running"), now=100.0, retry_after=1.5).delay == 1.5
    assert p.observe(task("running"), now=100.0, retry_after=0.0).delay == MIN_POLL_GAP
    assert p.observe(task("running"), now=100.0, retry_after=0.2).delay == MIN_POLL_GAP


def test_the_floor_is_the_poll_interval_when_that_is_shorter() -> None:
    p = poller(poll_interval=0.25, timeout=600.0)
    assert p.min_gap == 0.25
    assert p.observe(task("running"), now=100.0, retry_after=0.0).delay == 0.25
    assert p.after_error(status_error(500, retry_after=0.0), now=100.0).delay == 0.25


def test_a_zero_retry_after_on_failing_polls_never_polls_faster_than_the_floor() -> None:
    # The hostile case: every poll answers 500 with Retry-After: 0.
    p = poller(timeout=600.0)
    p.observe(task("running"), now=100.0)
    delays = [p.after_error(status_error(500, 0.0), now=100.0).delay for _ in range(50)]
    assert delays == [MIN_POLL_GAP] * 50


def test_retry_after_is_capped_by_the_deadline() -> None:
    p = poller()
    decision = p.observe(task("running"), now=100.0, retry_after=3600.0)
    assert (decision.delay, decision.error) == (12.0, None)
    assert isinstance(p.observe(task("running"), now=112.0).error, VideoTaskTimeoutError)


def test_a_failed_poll_is_retried_with_backoff_then_the_wait_skips_to_the_next_interval() -> None:
    p = poller(timeout=600.0, retry=RetryPolicy(max_retries=3, initial_delay=1.0))
    assert p.observe(task("running"), now=100.0).changed
    cause = status_error(503)
    decisions = [p.after_error(cause, now=101.0) for _ in range(5)]
    assert [d.delay for d in decisions] == [1.0, 2.0, 4.0, 5.0, 1.0]  # then retries again
    assert all(not d.changed and not d.done and d.error is None for d in decisions)


def test_a_success_resets_the_retries() -> None:
    p = poller(timeout=600.0, retry=RetryPolicy(max_retries=1, initial_delay=2.0))
    p.observe(task("running"), now=100.0)
    assert p.after_error(status_error(503), now=100.0).delay == 2.0
    p.observe(task("running"), now=100.0)
    assert p.after_error(status_error(503), now=100.0).delay == 2.0


def test_a_failed_polls_retry_after_replaces_the_backoff() -> None:
    p = poller(timeout=600.0)
    p.observe(task("running"), now=100.0)
    assert p.after_error(status_error(429, retry_after=8.0), now=101.0).delay == 8.0


def test_the_first_poll_of_wait_raises_its_error_once_retries_are_spent() -> None:
    p = poller(timeout=600.0, retry=RetryPolicy(max_retries=2))
    cause = status_error(503)
    assert [p.after_error(cause, now=100.0).delay for _ in range(2)] == [1.0, 1.0]
    decision = p.after_error(cause, now=100.0)
    assert decision.error is cause
    assert decision.delay == 0.0


def test_the_first_poll_failing_until_the_deadline_raises_its_error() -> None:
    p = poller(timeout=3.0, retry=RetryPolicy(max_retries=5))
    cause = APIConnectionError(request=httpx.Request("GET", "http://test/x"))
    assert p.after_error(cause, now=102.0).delay == 1.0  # to the deadline, for a last try
    assert p.after_error(cause, now=103.0).error is cause


def test_no_last_poll_sooner_than_the_floor_after_the_previous_one() -> None:
    p = poller(timeout=10.0)
    decision = p.observe(task("running", 80.0), now=109.4)
    assert decision.delay == pytest.approx(0.6)  # the wait still ends at the deadline...
    assert isinstance(decision.error, VideoTaskTimeoutError)  # ...with a state 0.6 s old


def test_a_transient_error_at_the_deadline_times_out_with_its_cause() -> None:
    p = poller()
    running = task("running")
    p.observe(running, now=100.0)
    cause = status_error(502)
    decision = p.after_error(cause, now=112.5)
    assert decision.delay == 0.0
    assert isinstance(decision.error, VideoTaskTimeoutError)
    assert decision.error.task is running
    assert decision.error.__cause__ is cause


def test_limits_cap_every_timeout_phase_by_the_time_left_and_send_one_attempt() -> None:
    p = poller(retry=RetryPolicy(max_retries=2, max_delay=8.0, max_retry_after=60.0))
    base = httpx.Timeout(600.0, connect=5.0, pool=None)
    early = p.limits(100.0, base)
    assert early.timeout == httpx.Timeout(connect=5.0, read=12.0, write=12.0, pool=12.0)
    assert early.retry == RetryPolicy(max_retries=0, max_delay=8.0, max_retry_after=12.0)
    late = p.limits(109.5, base)
    assert late.timeout == httpx.Timeout(2.5)
    assert late.retry.max_retry_after == 2.5  # a 429 pauses the client no later than the deadline


@pytest.mark.parametrize("now", [111.5, 112.0, 500.0])
def test_the_last_poll_gets_a_short_but_real_timeout(now: float) -> None:
    # At (or past) the deadline a poll still gets LAST_POLL_TIMEOUT: the documented margin.
    limits = poller().limits(now, httpx.Timeout(30.0))
    assert limits.timeout == httpx.Timeout(LAST_POLL_TIMEOUT)
    assert limits.retry.max_retry_after == max(112.0 - now, 0.0)


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
