"""``_core.cost``: prices, the token rule, provider costs, totals."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

import pytest

from tokenclient import Cost, InvalidRequestError, ModelPrice, Pricing
from tokenclient._core.cost import (
    TokenCounts,
    chat_counts,
    provider_cost,
    result_cost,
    stream_cost,
    sum_costs,
)
from tokenclient.types import ChatCompletion, CompletionUsage, ImagesResponse, VideoTask


def usage(prompt: int, completion: int, cached: int = 0, reasoning: int = 0) -> CompletionUsage:
    return CompletionUsage.model_validate(
        {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
            "prompt_tokens_details": {"cached_tokens": cached},
            "completion_tokens_details": {"reasoning_tokens": reasoning},
        }
    )


def completion(model: str, used: Mapping[str, object] | None) -> ChatCompletion:
    return ChatCompletion.model_validate({"id": "c1", "model": model, "choices": [], "usage": used})


PRICING = Pricing(
    {
        "qwen3-8b": ModelPrice(input=0.5, cached_input=0.05, output=2),
        "openai/*": {"input": "1.25", "output": "10"},
        "seedream": {"image": "0.03"},
        "seedance": {"video_second": 0.1},
    }
)


def test_cached_tokens_are_priced_at_the_cached_rate_and_reasoning_as_output() -> None:
    counts = chat_counts(usage(1000, 300, cached=400, reasoning=200))
    assert counts == TokenCounts(input=600, cached_input=400, output=300, reasoning=200)
    cost = PRICING.cost("qwen3-8b", counts)
    # 600 x 0.5 + 400 x 0.05 + 300 x 2 (reasoning inside the 300, not added) per million
    assert cost == Cost(Decimal("0.00092"), "USD", "pricing")


def test_cached_tokens_without_a_cached_price_cost_the_input_price() -> None:
    cost = PRICING.cost("openai/gpt-4.1", TokenCounts(input=0, cached_input=1_000_000))
    assert cost is not None
    assert cost.amount == Decimal("1.25")


def test_exact_ids_win_over_patterns_and_unknown_models_have_no_cost() -> None:
    pricing = Pricing({"a*": {"input": 1}, "ab": {"input": 2}})
    assert pricing.price_for("ab") == ModelPrice(input=2)
    assert pricing.price_for("abc") == ModelPrice(input=1)
    assert pricing.price_for("b") is None
    assert pricing.cost("b", TokenCounts(input=1)) is None


def test_a_token_kind_without_a_price_is_not_guessed() -> None:
    pricing = Pricing({"m": {"input": 1}})
    assert pricing.cost("m", TokenCounts(input=10, output=5)) is None
    cost = pricing.cost("m", TokenCounts(input=10))
    assert cost is not None
    assert cost.amount == Decimal("0.00001")


def test_floats_become_their_decimal_text() -> None:
    assert ModelPrice(input=0.1).input == Decimal("0.1")


@pytest.mark.parametrize(
    ("prices", "field"),
    [
        ({"m": {"input": -1}}, "input"),
        ({"m": {"output": float("nan")}}, "output"),
        ({"m": {"output": "cheap"}}, "output"),
        ({"m": {"image": True}}, "image"),
        ({"m": {"inputs": 1}}, "inputs"),
    ],
)
def test_bad_prices_name_the_field(prices: dict[str, dict[str, object]], field: str) -> None:
    with pytest.raises(InvalidRequestError, match=field):
        Pricing(prices)  # type: ignore[arg-type]  # wrong on purpose


def test_bad_currency_is_refused() -> None:
    with pytest.raises(InvalidRequestError, match="currency"):
        Pricing({}, currency="")


def test_provider_cost_wins_over_the_table() -> None:
    used = {"prompt_tokens": 10, "completion_tokens": 5, "cost": 0.0042}
    reply = completion("qwen3-8b", used)
    assert result_cost(reply, PRICING) == Cost(Decimal("0.0042"), "USD", "provider")
    assert result_cost(reply, None) == Cost(Decimal("0.0042"), "USD", "provider")
    cny = Pricing({}, provider_currency="CNY")
    assert result_cost(reply, cny) == Cost(Decimal("0.0042"), "CNY", "provider")


@pytest.mark.parametrize("value", [None, True, "n/a", -1, float("inf"), [1]])
def test_malformed_provider_costs_are_ignored(value: object) -> None:
    assert provider_cost({"cost": value}, None, "USD") is None


def test_result_cost_without_usage_or_pricing_is_none() -> None:
    assert result_cost(completion("qwen3-8b", None), PRICING) is None
    assert result_cost(completion("qwen3-8b", {"prompt_tokens": 3}), None) is None


def test_images_are_priced_per_image_of_the_requested_model() -> None:
    images = ImagesResponse.model_validate({"data": [{"url": "u1"}, {"url": "u2"}]})
    assert result_cost(images, PRICING, "seedream") == Cost(Decimal("0.06"), "USD", "pricing")
    assert result_cost(images, PRICING, None) is None


def test_video_tasks_are_priced_per_second_once_succeeded() -> None:
    done = VideoTask.model_validate(
        {"id": "t", "model": "seedance", "status": "succeeded", "duration": 5}
    )
    running = VideoTask.model_validate(
        {"id": "t", "model": "seedance", "status": "running", "duration": 5}
    )
    assert result_cost(done, PRICING) == Cost(Decimal("0.5"), "USD", "pricing")
    assert result_cost(running, PRICING) is None
    reported = VideoTask.model_validate(
        {"id": "t", "status": "succeeded", "usage": {"cost": "1.5"}}
    )
    assert result_cost(reported, None) == Cost(Decimal("1.5"), "USD", "provider")


def test_stream_cost() -> None:
    assert stream_cost(None, "qwen3-8b", PRICING) is None
    cost = stream_cost(usage(1_000_000, 0), "qwen3-8b", PRICING)
    assert cost == Cost(Decimal("0.5"), "USD", "pricing")


def test_adding_costs() -> None:
    a = Cost(Decimal("1.5"), "USD", "provider")
    b = Cost(Decimal("0.25"), "USD", "pricing")
    assert a + b == Cost(Decimal("1.75"), "USD", "pricing")
    assert a + a == Cost(Decimal("3.0"), "USD", "provider")
    with pytest.raises(ValueError, match="EUR"):
        _ = a + Cost(Decimal(1), "EUR", "pricing")
    totals = sum_costs([a, None, b, Cost(Decimal(2), "EUR", "pricing")])
    assert totals == {"USD": Decimal("1.75"), "EUR": Decimal(2)}


def test_reply_cost_property_uses_the_pricing_the_client_set() -> None:
    reply = completion("qwen3-8b", {"prompt_tokens": 1_000_000, "completion_tokens": 0})
    before = reply.cost
    object.__setattr__(reply, "_pricing", PRICING)
    assert before is None
    assert reply.cost == Cost(Decimal("0.5"), "USD", "pricing")
    assert "_pricing" not in reply.model_dump()
