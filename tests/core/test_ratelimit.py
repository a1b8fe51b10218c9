"""The token bucket's arithmetic, with time passed in: exact delays, no clock, no sleeping."""

from __future__ import annotations

import math

import pytest

from tokenclient._core.ratelimit import NEVER, TokenBucket, check_requests_per_minute
from tokenclient._exceptions import InvalidRequestError


def starts(bucket: TokenBucket, now: float, count: int) -> list[float]:
    """The start times of ``count`` reservations all made at ``now``."""
    return [now + bucket.reserve(now) for _ in range(count)]


def test_600_per_minute_starts_ten_at_once_then_ten_per_second() -> None:
    bucket = TokenBucket(600)
    assert (bucket.capacity, bucket.rate) == (10.0, 10.0)
    got = starts(bucket, 100.0, 30)
    assert got[:10] == [100.0] * 10
    assert got[10:] == pytest.approx([100.0 + k / 10 for k in range(1, 21)])
    # Ten per second from then on: the 20th start is one second after the 10th.
    assert got[19] - got[9] == pytest.approx(1.0)


def test_60_per_minute_starts_one_then_one_per_second() -> None:
    bucket = TokenBucket(60)
    assert (bucket.capacity, bucket.rate) == (1.0, 1.0)
    assert starts(bucket, 5.0, 4) == [5.0, 6.0, 7.0, 8.0]


def test_30_per_minute_starts_one_every_two_seconds() -> None:
    bucket = TokenBucket(30)
    assert (bucket.capacity, bucket.rate) == (1.0, 0.5)
    assert starts(bucket, 0.0, 3) == [0.0, 2.0, 4.0]


def test_tokens_refill_with_time_up_to_one_seconds_worth() -> None:
    bucket = TokenBucket(600)
    starts(bucket, 0.0, 10)  # empty now
    assert bucket.reserve(0.35) == pytest.approx(0.0)  # 3.5 tokens back by then
    assert bucket.reserve(0.35) == pytest.approx(0.0)
    assert bucket.reserve(0.35) == pytest.approx(0.0)
    assert bucket.reserve(0.35) == pytest.approx(0.05)  # the half token left needs 0.05 s more
    # An hour idle refills only to capacity: ten at once, not thousands.
    assert starts(bucket, 3600.0, 11)[-1] == pytest.approx(3600.1)


def test_a_waiting_caller_delay_shrinks_as_time_passes() -> None:
    bucket = TokenBucket(60)
    assert bucket.reserve(0.0) == 0.0
    assert bucket.reserve(0.0) == 1.0  # starts at 1.0
    assert bucket.reserve(0.25) == 1.75  # starts at 2.0, queued behind the one at 1.0


def test_refund_gives_the_latest_reservation_back() -> None:
    bucket = TokenBucket(60)
    assert bucket.reserve(0.0) == 0.0
    assert bucket.reserve(0.0) == 1.0
    bucket.refund(0.5)  # that caller gave up before starting
    assert bucket.reserve(0.5) == 0.5  # the next one takes its place at 1.0, not 2.0


def test_refund_never_fills_the_bucket_beyond_capacity() -> None:
    bucket = TokenBucket(60)
    bucket.reserve(0.0)
    bucket.refund(10.0)  # long after: the bucket is full already
    assert starts(bucket, 10.0, 2) == [10.0, 11.0]


def test_pause_until_delays_every_start() -> None:
    bucket = TokenBucket(60)
    assert bucket.paused_until == NEVER
    bucket.pause_until(5.0)
    assert bucket.paused_until == 5.0
    assert bucket.reserve(1.0) == 4.0  # tokens accrued during the pause: one starts at 5.0
    assert bucket.reserve(1.0) == 5.0  # then one per second
    assert bucket.reserve(7.0) == 0.0


def test_pause_until_extends_and_never_shortens() -> None:
    bucket = TokenBucket(None)
    bucket.pause_until(5.0)
    bucket.pause_until(3.0)
    assert bucket.paused_until == 5.0
    bucket.pause_until(8.0)
    assert bucket.reserve(1.0) == 7.0


def test_a_refund_during_a_pause_frees_the_first_start_after_it() -> None:
    bucket = TokenBucket(60)
    bucket.reserve(0.0)
    bucket.pause_until(5.0)
    assert bucket.reserve(1.0) == 4.0
    bucket.refund(2.0)
    assert bucket.reserve(2.0) == 3.0  # still 5.0: the refunded token is the one at 5.0


def test_without_a_rate_only_pauses_delay() -> None:
    bucket = TokenBucket(None)
    assert bucket.requests_per_minute is None
    assert starts(bucket, 0.0, 1000) == [0.0] * 1000
    bucket.refund(0.0)  # nothing to give back, and no error
    bucket.pause_until(2.5)
    assert bucket.reserve(1.0) == 1.5
    assert bucket.reserve(3.0) == 0.0


def test_fractional_rates_keep_fractional_tokens() -> None:
    bucket = TokenBucket(90)  # 1.5 per second, capacity 1.5
    assert bucket.capacity == 1.5
    assert starts(bucket, 0.0, 3) == pytest.approx([0.0, 1 / 3, 1.0])


@pytest.mark.parametrize("value", [0, -1, -0.5, math.inf, -math.inf, math.nan, True, "60", None])
def test_invalid_requests_per_minute_names_the_argument(value: object) -> None:
    with pytest.raises(InvalidRequestError, match=r"^requests_per_minute: "):
        check_requests_per_minute(value)


@pytest.mark.parametrize("value", [0, -60, math.inf, math.nan, False])
def test_the_bucket_validates_its_rate(value: float) -> None:
    with pytest.raises(InvalidRequestError, match=r"^requests_per_minute: "):
        TokenBucket(value)


@pytest.mark.parametrize(("value", "expected"), [(60, 60.0), (0.5, 0.5), (3600.0, 3600.0)])
def test_valid_requests_per_minute(value: float, expected: float) -> None:
    assert check_requests_per_minute(value) == expected
