"""``x-ratelimit-*`` headers: the shapes real providers send, and garbage that must not raise."""

from __future__ import annotations

import math
from dataclasses import replace

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tokenclient._core.response_headers import RateLimitInfo, parse_duration, parse_rate_limit

# (header value, seconds) as OpenAI, OpenRouter-style gateways and Go/Rust proxies print them.
DURATIONS = [
    ("6m0s", 360.0),
    ("1.5s", 1.5),
    ("20ms", 0.02),
    ("1h2m3.5s", 3723.5),
    ("59.999s", 59.999),
    ("0s", 0.0),
    ("250us", 250e-6),
    ("250\u00b5s", 250e-6),
    ("100ns", 100e-9),
    ("2h", 7200.0),
    ("1m", 60.0),
    ("30", 30.0),
    ("0.5", 0.5),
    (" 7s ", 7.0),
    ("5.", 5.0),
]

MALFORMED = [
    "",
    "   ",
    "soon",
    "-1s",
    "-5",
    "1x",
    "s",
    "1.2.3s",
    "1 s",
    "1s2",
    "inf",
    "nan",
    "1e3",
    "\u0661\u0662s",  # Arabic-Indic digits
    "1" * 65,
    "9" * 400 + "h",
]


@pytest.mark.parametrize(("value", "seconds"), DURATIONS)
def test_durations_in_the_shapes_providers_send(value: str, seconds: float) -> None:
    assert parse_duration(value) == pytest.approx(seconds)


@pytest.mark.parametrize("value", [*MALFORMED, None])
def test_malformed_durations_read_as_none(value: str | None) -> None:
    assert parse_duration(value) is None


def test_openai_headers() -> None:
    headers = httpx.Headers(
        {
            "X-RateLimit-Limit-Requests": "10000",
            "X-RateLimit-Remaining-Requests": "9999",
            "X-RateLimit-Reset-Requests": "6ms",
            "x-ratelimit-limit-tokens": "2000000",
            "x-ratelimit-remaining-tokens": "1999190",
            "x-ratelimit-reset-tokens": "1m2.5s",
        }
    )
    info = parse_rate_limit(headers)
    assert info.reset_requests == pytest.approx(0.006)
    assert replace(info, reset_requests=None) == RateLimitInfo(
        limit_requests=10000,
        remaining_requests=9999,
        limit_tokens=2_000_000,
        remaining_tokens=1_999_190,
        reset_tokens=62.5,
    )


def test_a_plain_mapping_in_any_letter_case() -> None:
    info = parse_rate_limit({"X-RATELIMIT-REMAINING-TOKENS": "12", "X-Other": "1"})
    assert info == RateLimitInfo(remaining_tokens=12)


def test_no_headers_gives_all_none() -> None:
    assert parse_rate_limit(httpx.Headers()) == RateLimitInfo()
    assert parse_rate_limit({"content-type": "application/json"}) == RateLimitInfo()


@pytest.mark.parametrize(
    ("value", "count"),
    [("100", 100), (" 7 ", 7), ("100.0", 100), ("0", 0)],
)
def test_counts(value: str, count: int) -> None:
    assert parse_rate_limit({"x-ratelimit-limit-requests": value}).limit_requests == count


@pytest.mark.parametrize("value", ["-1", "1.5", "many", "", "1e3", "inf", "10, 20"])
def test_malformed_counts_read_as_none(value: str) -> None:
    info = parse_rate_limit({"x-ratelimit-remaining-requests": value})
    assert info == RateLimitInfo()


def test_one_bad_header_leaves_the_others() -> None:
    info = parse_rate_limit(
        {
            "x-ratelimit-limit-requests": "abc",
            "x-ratelimit-remaining-requests": "5",
            "x-ratelimit-reset-requests": "later",
            "x-ratelimit-reset-tokens": "3s",
        }
    )
    assert info == RateLimitInfo(remaining_requests=5, reset_tokens=3.0)


def test_repeated_headers_joined_by_httpx_read_as_none() -> None:
    headers = httpx.Headers(
        [("x-ratelimit-limit-requests", "10"), ("x-ratelimit-limit-requests", "20")]
    )
    assert parse_rate_limit(headers).limit_requests is None


def test_is_frozen() -> None:
    info = RateLimitInfo(limit_requests=1)
    with pytest.raises(AttributeError):
        info.limit_requests = 2  # type: ignore[misc]  # pyright: ignore[reportAttributeAccessIssue]  # frozen on purpose


_NAMES = st.sampled_from(
    [
        f"x-ratelimit-{kind}-{unit}"
        for kind in ("limit", "remaining", "reset")
        for unit in ("requests", "tokens")
    ]
)
_VALUES = st.one_of(
    st.text(max_size=80),
    st.text(alphabet="0123456789.hmsun\u00b5 -+e", max_size=20),  # near-misses of real shapes
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.integers().map(str),
)


@given(st.dictionaries(_NAMES, _VALUES, max_size=6))
def test_garbage_never_raises_and_gives_sane_values(headers: dict[str, str]) -> None:
    info = parse_rate_limit(headers)
    for count in (info.limit_requests, info.remaining_requests, info.limit_tokens):
        assert count is None or count >= 0
    assert info.remaining_tokens is None or info.remaining_tokens >= 0
    for seconds in (info.reset_requests, info.reset_tokens):
        assert seconds is None or (math.isfinite(seconds) and seconds >= 0)


@given(_VALUES)
def test_any_duration_text_gives_none_or_a_finite_non_negative_number(value: str) -> None:
    seconds = parse_duration(value)
    assert seconds is None or (math.isfinite(seconds) and seconds >= 0)
