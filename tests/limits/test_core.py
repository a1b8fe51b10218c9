"""The pure arithmetic of shared limits: GCRA, leases, settling, tightening, scopes."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tokenclient import InvalidRequestError
from tokenclient._core.limits import (
    Admission,
    Limits,
    ScopeState,
    SlotPoll,
    admit,
    check_scope,
    estimate_tokens,
    gcra_refund,
    gcra_reserve,
    gcra_settle,
    gcra_tighten,
    recheck,
    scope_for,
    tighten,
    unwind,
)


def starts(per_minute: float, count: int, now: float = 100.0, cost: float = 1.0) -> list[float]:
    """Start times of ``count`` reservations made at once on a fresh bucket."""
    tat, out = 0.0, list[float]()
    for _ in range(count):
        r = gcra_reserve(tat, now, per_minute, cost)
        tat = r.tat
        out.append(round(now + r.wait, 9))
    return out


def starts_from(tat: float, now: float, per_minute: float, cost: float) -> list[float]:
    """Waits of two reservations of ``cost`` made at ``now`` on a bucket in state ``tat``."""
    first = gcra_reserve(tat, now, per_minute, cost)
    second = gcra_reserve(first.tat, now, per_minute, cost)
    return [round(first.wait, 9), round(second.wait, 9)]


def test_burst_is_one_second_then_the_rate() -> None:
    assert starts(600, 12) == [100.0] * 10 + [100.1, 100.2]
    assert starts(60, 3) == [100.0, 101.0, 102.0]
    assert starts(30, 2) == [100.0, 102.0]


def test_a_quiet_spell_refills_no_more_than_the_bucket() -> None:
    tat = 0.0
    for _ in range(10):
        tat = gcra_reserve(tat, 100.0, 600).tat
    # An hour later the bucket holds one second's worth again, not an hour's.
    waits: list[float] = []
    for _ in range(11):
        r = gcra_reserve(tat, 3700.0, 600)
        tat = r.tat
        waits.append(round(r.wait, 9))
    assert waits == [0.0] * 10 + [0.1]


def test_a_pause_delays_every_start_and_units_accrue_during_it() -> None:
    r = gcra_reserve(0.0, 100.0, 60, paused_until=105.0)
    assert r.wait == 5.0
    r2 = gcra_reserve(r.tat, 100.0, 60, paused_until=105.0)
    assert r2.wait == 6.0


def test_a_cost_larger_than_the_bucket_starts_when_the_bucket_is_full() -> None:
    # 600 tokens a minute: 10 a second, the bucket holds 10; a 30-token request goes at once
    # on a full bucket, the next one waits for 30 more tokens (3 s).
    assert starts(600, 2, cost=30) == [100.0, 103.0]


def test_only_the_latest_reservation_is_refunded() -> None:
    first = gcra_reserve(0.0, 100.0, 60)
    second = gcra_reserve(first.tat, 100.0, 60)
    assert gcra_refund(second.tat, first.tat, 60) == second.tat  # not the latest: kept
    refunded = gcra_refund(second.tat, second.tat, 60)
    assert gcra_reserve(refunded, 100.0, 60).wait == second.wait


def test_settle_moves_the_bucket_by_the_difference_and_never_overfills() -> None:
    tat = gcra_reserve(0.0, 100.0, 6000, cost=500).tat  # 100 tokens/s
    assert gcra_settle(tat, 100.0, 6000, 500, 700) == pytest.approx(tat + 2.0)
    assert gcra_settle(tat, 100.0, 6000, 500, 0) == pytest.approx(100.0)  # all 500 back
    # Long after, giving tokens back leaves a full bucket, not a fuller one.
    settled = gcra_settle(tat, 110.0, 6000, 500, 0)
    assert settled == pytest.approx(109.0)
    assert starts_from(settled, 110.0, 6000, 100) == [0.0, 1.0]


def test_tighten_lets_at_most_remaining_start_before_the_reset() -> None:
    now, rpm = 100.0, 600.0
    tat = gcra_tighten(0.0, now, rpm, remaining=3, reset_seconds=10.0)
    started: list[float] = []
    tat2 = tat
    for _ in range(5):
        r = gcra_reserve(tat2, now, rpm)
        tat2 = r.tat
        started.append(now + r.wait)
    assert sum(1 for t in started if t <= now + 10.0) <= 3
    # A server that allows more than the bucket does never loosens it.
    assert gcra_tighten(tat, now, rpm, remaining=1000, reset_seconds=1.0) == tat


def test_remaining_zero_pauses_until_the_reset() -> None:
    limits = Limits(requests_per_minute=60)
    state = tighten(ScopeState(), limits, 100.0, remaining=0, reset_seconds=7.5)
    assert state.paused_until == 107.5
    assert tighten(ScopeState(), Limits(), 100.0, remaining=5, reset_seconds=1) == ScopeState()


def test_admit_refuses_when_every_slot_is_held_and_reserves_nothing() -> None:
    limits = Limits(max_concurrency=2, requests_per_minute=60)
    state = ScopeState(requests_tat=50.0)
    refused = admit(state, limits, 100.0, active=2, earliest_expiry=100.01, tokens=0)
    assert not refused.admitted
    assert refused.state == state
    assert refused.wait == pytest.approx(0.002)  # the first poll delay
    # The poll never oversleeps the earliest expiry, and backs off up to its cap.
    assert SlotPoll().delay(3, 0.001) == 0.001
    assert SlotPoll().delay(30, 10.0) == 0.05


def test_unwind_refunds_a_request_that_did_not_start() -> None:
    limits = Limits(requests_per_minute=60, tokens_per_minute=6000)
    granted = admit(ScopeState(), limits, 100.0, active=0, earliest_expiry=None, tokens=100)
    back = unwind(
        granted.state,
        limits,
        100.0,
        requests_tat=granted.state.requests_tat,
        tokens_tat=granted.state.tokens_tat,
        tokens=100,
        started=False,
        used_tokens=None,
    )
    again = admit(back, limits, 100.0, active=0, earliest_expiry=None, tokens=100)
    assert again.wait == granted.wait == 0.0
    assert again.state == granted.state


def test_estimate_tokens() -> None:
    assert estimate_tokens(400, 50) == 150
    assert estimate_tokens(401, 0) == 101
    assert estimate_tokens(0, None, default_completion_tokens=7) == 7


def test_the_default_scope_is_a_keyed_hash_of_url_and_key() -> None:
    key = "sk-live-0123456789abcdef"
    scope = scope_for("https://api.example.test/v1/", key)
    assert scope == scope_for("https://api.example.test/v1", key)
    assert scope.startswith("k:")
    assert len(scope) == 2 + 64
    assert key not in scope
    assert scope != scope_for("https://other.example.test/v1", key)
    assert scope != scope_for("https://api.example.test/v1", key + "x")


def test_explicit_scopes_are_checked() -> None:
    assert check_scope("team-a") == "s:team-a"
    for bad in ["", "x" * 201, "tab\there", "é", 3]:
        with pytest.raises(InvalidRequestError, match="limits_scope"):
            check_scope(bad)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"max_concurrency": 0}, "max_concurrency"),
        ({"max_concurrency": True}, "max_concurrency"),
        ({"requests_per_minute": 0}, "requests_per_minute"),
        ({"tokens_per_minute": float("nan")}, "tokens_per_minute"),
        ({"lease_ttl": 0}, "lease_ttl"),
    ],
)
def test_limits_name_the_bad_field(kwargs: dict[str, float], field: str) -> None:
    with pytest.raises(InvalidRequestError, match=field):
        Limits(**kwargs)  # type: ignore[arg-type]  # deliberately wrong values


@settings(max_examples=200, deadline=None)
@given(
    per_minute=st.floats(min_value=1, max_value=6000),
    gaps=st.lists(st.floats(min_value=0, max_value=3), min_size=1, max_size=60),
    width=st.floats(min_value=0.01, max_value=5),
)
def test_no_window_ever_holds_more_than_the_bucket_allows(
    per_minute: float, gaps: list[float], width: float
) -> None:
    rate = per_minute / 60
    burst = max(1.0, rate)
    tat, now, started = 0.0, 1000.0, list[float]()
    for gap in gaps:
        now += gap
        r = gcra_reserve(tat, now, per_minute)
        assert r.wait >= 0
        tat = r.tat
        started.append(now + r.wait)
    started.sort()
    # In any closed window of ``width`` seconds: the bucket's contents plus what refills.
    allowed = burst + width * rate + 1e-6
    j = 0
    for i, start in enumerate(started):
        j = max(j, i)
        while j + 1 < len(started) and started[j + 1] <= start + width:
            j += 1
        assert j - i + 1 <= allowed


@settings(max_examples=200, deadline=None)
@given(gaps=st.lists(st.floats(min_value=0, max_value=2), min_size=1, max_size=40))
def test_a_request_waits_only_when_the_bucket_is_empty(gaps: list[float]) -> None:
    # 60 a minute: whoever arrives at least a second after the previous start goes at once.
    tat, now, previous = 0.0, 1000.0, -1e9
    for gap in gaps:
        now += gap
        r = gcra_reserve(tat, now, 60)
        tat = r.tat
        expected = max(0.0, previous + 1.0 - now)
        assert r.wait == pytest.approx(expected, abs=1e-9)
        previous = now + r.wait


def test_recheck_requeues_behind_a_new_pause_only() -> None:
    limits = Limits(requests_per_minute=60)
    first = admit(ScopeState(), limits, 100.0, active=0, earliest_expiry=None, tokens=0)
    second = admit(first.state, limits, 100.0, active=0, earliest_expiry=None, tokens=0)
    assert second.wait == 1.0
    tat = second.state.requests_tat

    def check(state: ScopeState, now: float) -> Admission | None:
        return recheck(
            state, limits, now, requests_tat=tat, tokens_tat=None, tokens=0, seen_paused_until=0
        )

    # No pause since the reservation: start now.
    assert check(second.state, 101.0) is None
    paused = ScopeState(tat, 0.0, 104.0)
    moved = check(paused, 101.0)
    assert moved is not None
    assert moved.wait == 3.0  # at the pause's end
    assert moved.state.requests_tat == 105.0  # refunded, then reserved again: not doubled
    # The pause already over when the caller wakes: start now.
    assert check(paused, 104.5) is None
