"""The pure fallback rules: which error moves on, cooldowns, the order routes are tried in."""

from __future__ import annotations

import httpx
import pytest

from tokenclient import (
    APIConnectionError,
    APIResponseValidationError,
    APIStreamError,
    APITimeoutError,
    InvalidRequestError,
)
from tokenclient._core.response import make_status_error
from tokenclient._core.routing import RouteTable, Verdict, judge, never_sent, summarize

REQUEST = httpx.Request("POST", "https://example.test/v1/chat/completions")


def status_error(status: int, headers: dict[str, str] | None = None) -> Exception:
    response = httpx.Response(status, headers=headers, json={"error": {"message": "no"}})
    response.request = REQUEST
    return make_status_error(response, now=0.0)


def malformed() -> APIResponseValidationError:
    response = httpx.Response(200, text="<html>", request=REQUEST)
    return APIResponseValidationError("not the documented shape", response=response)


def connection_error(cause: Exception) -> APIConnectionError:
    error = APIConnectionError("Connection error.", request=REQUEST)
    error.__cause__ = cause
    return error


def decide(error: BaseException, *, billable: bool = False) -> Verdict:
    return judge(error, cooldown=30.0, auth_cooldown=300.0, billable=billable)


@pytest.mark.parametrize("status", [401, 402, 403])
def test_auth_and_balance_failures_move_on_for_the_auth_cooldown(status: int) -> None:
    assert decide(status_error(status)) == Verdict(move_on=True, cooldown=300.0)


@pytest.mark.parametrize("status", [404, 408, 409])
def test_not_found_timeout_and_conflict_move_on_without_cooling_down(status: int) -> None:
    assert decide(status_error(status)) == Verdict(move_on=True, cooldown=0.0)


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504, 529])
def test_rate_limits_and_server_errors_move_on_and_cool_down(status: int) -> None:
    assert decide(status_error(status)) == Verdict(move_on=True, cooldown=30.0)


def test_a_longer_retry_after_wins_over_the_cooldown() -> None:
    assert decide(status_error(429, {"retry-after": "90"})).cooldown == 90.0
    assert decide(status_error(503, {"retry-after": "120"})).cooldown == 120.0
    assert decide(status_error(429, {"retry-after": "5"})).cooldown == 30.0


@pytest.mark.parametrize("status", [400, 413, 418, 422])
def test_a_refused_request_is_raised_at_once(status: int) -> None:
    assert decide(status_error(status)) == Verdict(move_on=False, cooldown=0.0)


def test_bad_input_bugs_and_cancellation_are_raised() -> None:
    assert not decide(InvalidRequestError("temperature: too hot")).move_on
    assert not decide(ValueError("a bug")).move_on
    assert not decide(KeyboardInterrupt()).move_on


def test_connection_errors_timeouts_and_stream_errors_move_on_and_cool_down() -> None:
    dropped = connection_error(httpx.RemoteProtocolError("peer closed"))
    assert decide(dropped) == Verdict(move_on=True, cooldown=30.0)
    assert decide(APITimeoutError(request=REQUEST)) == Verdict(move_on=True, cooldown=30.0)
    assert decide(APIStreamError("overloaded", request=REQUEST)) == Verdict(True, 30.0)


def test_a_malformed_success_body_moves_on_without_cooldown() -> None:
    assert decide(malformed()) == Verdict(move_on=True, cooldown=0.0)


@pytest.mark.parametrize(
    "cause", [httpx.ConnectError("refused"), httpx.ConnectTimeout("slow"), httpx.PoolTimeout("")]
)
def test_a_billable_creation_moves_on_when_the_request_never_left(cause: Exception) -> None:
    error = connection_error(cause)
    assert never_sent(error)
    assert decide(error, billable=True).move_on


@pytest.mark.parametrize(
    "cause", [httpx.ReadTimeout("slow"), httpx.RemoteProtocolError("dropped"), httpx.ReadError("")]
)
def test_a_billable_creation_that_may_have_been_billed_is_raised(cause: Exception) -> None:
    error = connection_error(cause)
    assert not never_sent(error)
    assert not decide(error, billable=True).move_on
    assert decide(error).move_on  # a chat completion is not billed twice: it moves on


def test_a_billable_creation_answered_with_an_error_status_moves_on() -> None:
    assert decide(status_error(402), billable=True).move_on
    assert decide(status_error(500), billable=True).move_on
    assert not decide(malformed(), billable=True).move_on  # a 2xx: the task may exist


def test_ordered_plan_tries_ready_routes_in_order() -> None:
    table = RouteTable(3)
    assert table.plan(now=0.0) == [0, 1, 2]
    table.failed(0, now=0.0, cooldown=30.0)
    assert table.plan(now=10.0) == [1, 2]
    assert table.plan(now=30.0) == [0, 1, 2]  # the cooldown is over


def test_round_robin_starts_one_further_each_call() -> None:
    table = RouteTable(3, "round_robin")
    assert [table.plan(now=0.0)[0] for _ in range(4)] == [0, 1, 2, 0]
    table.failed(1, now=0.0, cooldown=30.0)
    assert table.plan(now=1.0) == [2, 0]  # turn 1 is cooling down: the rotation skips it


def test_when_every_route_cools_down_the_first_to_end_is_tried() -> None:
    table = RouteTable(3)
    table.failed(0, now=0.0, cooldown=30.0)
    table.failed(1, now=0.0, cooldown=10.0)
    table.failed(2, now=0.0, cooldown=300.0)
    assert table.plan(now=5.0) == [1]
    assert table.cooling(now=5.0) == [25.0, 5.0, 295.0]


def test_a_later_cooldown_end_wins_and_success_clears_it() -> None:
    table = RouteTable(2)
    table.failed(0, now=0.0, cooldown=300.0)
    table.failed(0, now=1.0, cooldown=30.0)  # shorter: the 300 s end stays
    assert table.cooling(now=100.0)[0] == 200.0
    table.failed(1, now=0.0, cooldown=0.0)  # no cooldown: stays ready
    assert table.plan(now=0.0) == [1]
    table.succeeded(0)
    assert table.plan(now=100.0) == [0, 1]


def test_a_table_needs_a_route() -> None:
    with pytest.raises(ValueError, match="at least one route"):
        RouteTable(0)


def test_the_summary_has_one_line_per_route_in_the_order_tried() -> None:
    text = summarize(
        "sonnet",
        [("supertoken claude-sonnet-4-6", status_error(402)), ("tokenhub x", ValueError("a\nb"))],
    )
    assert text.splitlines() == [
        "every route for model 'sonnet' failed (2 tried):",
        "  1. supertoken claude-sonnet-4-6: InsufficientBalanceError: " + str(status_error(402)),
        "  2. tokenhub x: ValueError: a",
    ]
