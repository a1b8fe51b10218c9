"""Usage x pricing -> ``Cost``, the provider's own ``usage.cost``, and totals arithmetic. Pure.

Money is ``decimal.Decimal`` throughout; floats given to ``Pricing`` are read through
``str()`` (``0.15`` is ``Decimal("0.15")``, not its binary approximation). A cost is never a
guess: a result with no provider cost and no matching price, or with tokens of a kind whose
price the table leaves out, has no cost (``None``).

How a chat completion's tokens are priced (OpenAI's usage shape)::

    cached    = usage.prompt_tokens_details.cached_tokens      (0 when absent)
    input     = usage.prompt_tokens - cached                   at ModelPrice.input
    cached    at ModelPrice.cached_input (ModelPrice.input when the table gives none)
    output    = usage.completion_tokens                        at ModelPrice.output

Reasoning tokens (``completion_tokens_details.reasoning_tokens``) are already part of
``completion_tokens``, so they are billed once, at the output price. Images are priced per
image (``ModelPrice.image`` x the images returned), video tasks per second of video
(``ModelPrice.video_second`` x the task's ``duration``).

A provider-reported cost (``usage.cost``, as OpenRouter sends it, or a top-level ``cost``)
wins over the table: it is what the account was charged. Its currency is
``Pricing.provider_currency`` (default ``"USD"``, OpenRouter's credits).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Literal, NamedTuple, cast

from .._exceptions import InvalidRequestError

if TYPE_CHECKING:
    from ..types.chat import CompletionUsage

__all__ = [
    "Cost",
    "CostSource",
    "ModelPrice",
    "Pricing",
    "TokenCounts",
    "add_cost",
    "chat_cost",
    "chat_counts",
    "counts_of",
    "provider_cost",
    "result_cost",
    "stream_cost",
    "sum_costs",
]

CostSource = Literal["provider", "pricing"]
PriceValue = Decimal | int | float | str
"""A price as given: a ``Decimal``, a number or a numeric string (``"0.15"``)."""

_MILLION = Decimal(1_000_000)
_MATCHED_KEPT = 4096
_ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class Cost:
    """What one result cost, in ``currency``, and where the number came from.

    ``source`` is ``"provider"`` (the response's own ``usage.cost``) or ``"pricing"`` (your
    ``Pricing`` table applied to the reported usage).
    """

    amount: Decimal
    """The amount, exact (``Decimal``)."""
    currency: str
    """An ISO 4217 code such as ``"USD"`` (or whatever unit the table or provider uses)."""
    source: CostSource
    """``"provider"`` or ``"pricing"``."""

    def __add__(self, other: Cost) -> Cost:
        """The sum of two costs in the same currency (``"provider"`` only if both are)."""
        if not isinstance(other, Cost):
            return NotImplemented
        if other.currency != self.currency:
            raise ValueError(f"cannot add {other.currency} to {self.currency}")
        source: CostSource = "provider" if self.source == other.source == "provider" else "pricing"
        return Cost(self.amount + other.amount, self.currency, source)


class TokenCounts(NamedTuple):
    """The tokens of one result, split the way prices are: all fields count tokens.

    A named tuple (immutable, and cheap to make: one is made per request).
    """

    input: int = 0
    """Prompt tokens not served from the cache."""
    cached_input: int = 0
    """Prompt tokens served from the provider's cache."""
    output: int = 0
    """Completion tokens, reasoning included."""
    reasoning: int = 0
    """The part of ``output`` the model spent reasoning (informational: not billed twice)."""


def _price(value: PriceValue | None, name: str) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, Decimal | int | float | str):
        raise InvalidRequestError(f"{name}: expected a number, got {value!r}")
    try:
        price = Decimal(str(value)) if isinstance(value, float | str) else Decimal(value)
    except InvalidOperation:
        raise InvalidRequestError(f"{name}: expected a number, got {value!r}") from None
    if not price.is_finite() or price < 0:
        raise InvalidRequestError(f"{name}: expected a finite price >= 0, got {value!r}")
    return price


@dataclass(frozen=True, slots=True, init=False)
class ModelPrice:
    """One model's prices. Token prices are per million tokens; any may be left out."""

    input: Decimal | None
    """Per million prompt tokens."""
    cached_input: Decimal | None
    """Per million cached prompt tokens; ``None``: the ``input`` price."""
    output: Decimal | None
    """Per million completion tokens (reasoning included)."""
    image: Decimal | None
    """Per generated image."""
    video_second: Decimal | None
    """Per second of generated video."""

    def __init__(
        self,
        *,
        input: PriceValue | None = None,
        cached_input: PriceValue | None = None,
        output: PriceValue | None = None,
        image: PriceValue | None = None,
        video_second: PriceValue | None = None,
    ) -> None:
        set_ = object.__setattr__
        set_(self, "input", _price(input, "input"))
        set_(self, "cached_input", _price(cached_input, "cached_input"))
        set_(self, "output", _price(output, "output"))
        set_(self, "image", _price(image, "image"))
        set_(self, "video_second", _price(video_second, "video_second"))

    def covers(self, counts: TokenCounts) -> bool:
        """Whether every kind of token in ``counts`` has a price here."""
        return (
            (not counts.input or self.input is not None)
            and (not counts.cached_input or self.input is not None or self.cached_input is not None)
            and (not counts.output or self.output is not None)
        )

    def tokens_cost(self, counts: TokenCounts) -> Decimal | None:
        """The price of ``counts``, or ``None`` if a kind of token present has no price."""
        total = _ZERO
        cached_rate = self.cached_input if self.cached_input is not None else self.input
        for tokens, rate in (
            (counts.input, self.input),
            (counts.cached_input, cached_rate),
            (counts.output, self.output),
        ):
            if tokens:
                if rate is None:
                    return None
                total += tokens * rate
        return total / _MILLION


class Pricing:
    """Your price table: model id (or glob pattern) -> ``ModelPrice``.

    ``Pricing({"qwen3-8b": ModelPrice(input=0.05, output=0.2), "openai/*": ...})``. A model is
    looked up by its exact id first, then against the glob patterns (``*``, ``?``, ``[...]``,
    case-sensitive) in the order given; the first match wins. ``currency`` is the table's
    currency; ``provider_currency`` the unit of costs providers report (``usage.cost``).
    A plain mapping of prices works as a ``ModelPrice`` (``{"input": 0.05, "output": 0.2}``).
    """

    __slots__ = ("_exact", "_matched", "_patterns", "currency", "provider_currency")

    def __init__(
        self,
        prices: Mapping[str, ModelPrice | Mapping[str, PriceValue]],
        *,
        currency: str = "USD",
        provider_currency: str = "USD",
    ) -> None:
        if not isinstance(prices, Mapping):
            raise InvalidRequestError(f"pricing: expected a mapping of model ids, got {prices!r}")
        for name, value in (("currency", currency), ("provider_currency", provider_currency)):
            if not isinstance(value, str) or not value.strip():
                raise InvalidRequestError(f"{name}: expected a currency code, got {value!r}")
        self.currency = currency
        """The currency of the table's prices."""
        self.provider_currency = provider_currency
        """The currency of provider-reported costs (``usage.cost``)."""
        self._exact: dict[str, ModelPrice] = {}
        self._matched: dict[str, ModelPrice | None] = {}
        """Models already matched against the patterns (a bounded cache)."""
        self._patterns: list[tuple[str, ModelPrice]] = []
        for model, raw in prices.items():
            if not isinstance(model, str) or not model:
                raise InvalidRequestError(f"pricing: expected model ids, got {model!r}")
            price = raw if isinstance(raw, ModelPrice) else _model_price(model, raw)
            if any(c in model for c in "*?["):
                self._patterns.append((model, price))
            else:
                self._exact[model] = price

    def price_for(self, model: str | None) -> ModelPrice | None:
        """The prices of ``model``: exact id, else the first matching pattern, else ``None``."""
        if not model:
            return None
        price = self._exact.get(model)
        if price is not None or not self._patterns:
            return price
        matched = self._matched
        if model in matched:
            return matched[model]
        found = next((p for pattern, p in self._patterns if fnmatchcase(model, pattern)), None)
        if len(matched) >= _MATCHED_KEPT:
            matched.clear()
        matched[model] = found
        return found

    def cost(self, model: str | None, counts: TokenCounts) -> Cost | None:
        """The cost of ``counts`` of tokens on ``model``, or ``None`` when it is not priced."""
        price = self.price_for(model)
        if price is None:
            return None
        amount = price.tokens_cost(counts)
        return None if amount is None else Cost(amount, self.currency, "pricing")

    def unit_cost(
        self, model: str | None, kind: Literal["image", "video_second"], units: float
    ) -> Cost | None:
        """The cost of ``units`` images or seconds of video on ``model``, or ``None``."""
        price = self.price_for(model)
        rate = None if price is None else getattr(price, kind)
        if rate is None or not math.isfinite(units) or units < 0:
            return None
        return Cost(rate * Decimal(str(units)), self.currency, "pricing")


def _model_price(model: str, raw: Mapping[str, PriceValue]) -> ModelPrice:
    if not isinstance(raw, Mapping):
        raise InvalidRequestError(f"pricing[{model!r}]: expected a ModelPrice, got {raw!r}")
    known = {"input", "cached_input", "output", "image", "video_second"}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise InvalidRequestError(
            f"pricing[{model!r}]: unknown price {unknown[0]!r}; expected {sorted(known)}"
        )
    try:
        return ModelPrice(**raw)
    except InvalidRequestError as error:
        raise InvalidRequestError(f"pricing[{model!r}].{error}") from None


def chat_counts(usage: CompletionUsage) -> TokenCounts:
    """Split a chat ``usage`` into priced kinds (the rule in this module's docstring)."""
    prompt = usage.prompt_tokens or 0
    details = usage.prompt_tokens_details
    cached = (details.cached_tokens or 0) if details is not None else 0
    if cached < 0:
        cached = 0
    elif cached > prompt:
        cached = prompt
    out_details = usage.completion_tokens_details
    reasoning = (out_details.reasoning_tokens or 0) if out_details is not None else 0
    return TokenCounts(prompt - cached, cached, usage.completion_tokens or 0, reasoning)


def chat_cost(
    usage: CompletionUsage,
    counts: TokenCounts,
    model: str | None,
    extra: Mapping[str, object] | None,
    pricing: Pricing | None,
) -> Cost | None:
    """A chat result's cost from its (already split) usage: provider first, then ``pricing``."""
    currency = pricing.provider_currency if pricing is not None else "USD"
    reported = provider_cost(usage.__pydantic_extra__, extra, currency)
    if reported is not None or pricing is None:
        return reported
    return pricing.cost(model, counts)


def _amount(value: object) -> Decimal | None:
    kind = type(value)  # exact types: a bool is an int, but never an amount
    try:
        if kind is float:
            amount = Decimal(repr(value))
        elif kind is int:
            amount = Decimal(cast("int", value))
        elif kind is str:
            amount = Decimal(cast("str", value).strip())
        else:
            return None
    except InvalidOperation:
        return None
    return amount if amount.is_finite() and amount >= 0 else None


def provider_cost(
    usage_extra: Mapping[str, object] | None,
    top_extra: Mapping[str, object] | None,
    currency: str,
) -> Cost | None:
    """The provider's own ``usage.cost`` (else a top-level ``cost``) as a ``Cost``, if valid."""
    for extra in (usage_extra, top_extra):
        if extra and "cost" in extra:
            amount = _amount(extra["cost"])
            if amount is not None:
                return Cost(amount, currency, "provider")
    return None


def add_cost(totals: dict[str, Decimal], cost: Cost) -> None:
    """Add ``cost`` to ``totals`` (currency -> amount) in place."""
    totals[cost.currency] = totals.get(cost.currency, _ZERO) + cost.amount


def sum_costs(costs: Iterable[Cost | None]) -> dict[str, Decimal]:
    """Total per currency of ``costs`` (``None`` entries, unpriced results, are skipped)."""
    totals: dict[str, Decimal] = {}
    for cost in costs:
        if cost is not None:
            add_cost(totals, cost)
    return totals


def counts_of(result: object) -> TokenCounts | None:
    """The priced token counts of a chat completion's usage (``None`` for other results)."""
    from ..types.chat import ChatCompletion

    if isinstance(result, ChatCompletion) and result.usage is not None:
        return chat_counts(result.usage)
    return None


def _video_seconds(extra: Mapping[str, object] | None) -> float | None:
    for name in ("duration", "seconds"):
        value = (extra or {}).get(name)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
    return None


def stream_cost(
    usage: CompletionUsage | None, model: str | None, pricing: Pricing | None
) -> Cost | None:
    """A stream's cost from its usage chunk: ``usage.cost``, else ``pricing``, else ``None``."""
    if usage is None:
        return None
    return chat_cost(usage, chat_counts(usage), model, None, pricing)


def result_cost(
    result: object, pricing: Pricing | None, request_model: str | None = None
) -> Cost | None:
    """The cost of a ``ChatCompletion``, ``ImagesResponse`` or succeeded ``VideoTask``.

    The provider's ``usage.cost`` first; else ``pricing`` applied to the usage (tokens), the
    number of images, or the task's ``duration`` in seconds; else ``None``. Images name no
    model in the response: ``request_model`` is the one the request asked for.
    """
    from ..types.chat import ChatCompletion
    from ..types.images import ImagesResponse
    from ..types.videos import VideoTask

    currency = pricing.provider_currency if pricing is not None else "USD"
    extra = cast("Mapping[str, object] | None", getattr(result, "model_extra", None))
    usage: object = getattr(result, "usage", None)
    if usage is None and extra:  # a video task's usage is not a declared field
        usage = extra.get("usage")
    usage_extra: Mapping[str, object] | None
    if isinstance(usage, Mapping):
        usage_extra = cast("Mapping[str, object]", usage)
    else:
        usage_extra = cast("Mapping[str, object] | None", getattr(usage, "model_extra", None))
    reported = provider_cost(usage_extra, extra, currency)
    if reported is not None or pricing is None:
        return reported
    if isinstance(result, ChatCompletion):
        if result.usage is None:
            return None
        return pricing.cost(result.model, chat_counts(result.usage))
    if isinstance(result, ImagesResponse):
        return pricing.unit_cost(request_model, "image", len(result.data))
    if isinstance(result, VideoTask):
        seconds = _video_seconds(extra)
        if result.status != "succeeded" or seconds is None:
            return None
        return pricing.unit_cost(result.model, "video_second", seconds)
    return None
