"""One ``chat.completions.parse()`` call as a pure conversation: what to send next, and what an
answer (or a refusal of the request) leads to.

The sync and async ``parse()`` drive the same :class:`ParseRun`::

    run = ParseRun(body, spec, strategy="auto", max_repairs=1, remembered=memo.get(...))
    while True:
        try:
            completion = send(run.body)
        except APIStatusError as error:
            if run.refused(error.status_code, error.body):
                continue  # the next strategy's body
            raise
        result = run.answer(completion)
        if result is not None:
            return result  # else: a repair turn's body is ready

Strategies: ``"auto"`` tries ``json_schema``, then ``json_object``, then ``tool``, starting
from the one remembered for the model; a 400 naming the response format moves to the next one.
The strategy the provider accepted is :attr:`ParseRun.accepted` (to remember). A forced
strategy is tried alone. Repairs: when the output does not validate and repairs are left, the
model's answer and the validation errors are appended to the conversation and it is asked again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Generic, Literal, TypeVar, cast

from .._exceptions import InvalidRequestError, StructuredOutputError, ToolArgumentsError
from ..types.chat import ChatCompletion
from ..types.parsed import ParsedChatCompletion
from .structured import (
    STRATEGIES,
    Invalid,
    OutputSpec,
    Strategy,
    apply_strategy,
    is_unsupported_response_format,
    no_output,
    output_text,
    parse_completion,
    repair_messages,
    strategy_order,
    validate_output,
)

__all__ = ["STREAM_STRATEGIES", "ParseRun", "check_parse_options"]

T = TypeVar("T")

STREAM_STRATEGIES: tuple[Strategy, ...] = ("json_schema", "json_object")
"""The strategies ``stream()`` uses: the output arrives as content, so events can show it."""


def check_parse_options(
    strategy: object, max_repairs: object, *, stream: bool = False
) -> Strategy | Literal["auto"]:
    """``strategy`` checked (and ``max_repairs`` when not streaming); ``InvalidRequestError``
    naming the argument otherwise."""
    allowed: dict[str, Strategy | Literal["auto"]] = {"auto": "auto"}
    allowed.update((name, name) for name in (STREAM_STRATEGIES if stream else STRATEGIES))
    chosen = allowed.get(strategy) if isinstance(strategy, str) else None
    if chosen is None:
        names = ", ".join(repr(name) for name in allowed)
        raise InvalidRequestError(f"strategy: expected one of {names}, got {strategy!r}")
    if not stream and (
        isinstance(max_repairs, bool) or not isinstance(max_repairs, int) or max_repairs < 0
    ):
        raise InvalidRequestError(f"max_repairs: expected an integer >= 0, got {max_repairs!r}")
    return chosen


class ParseRun(Generic[T]):
    """The state of one ``parse()`` call: strategies left, repairs left, the next body."""

    def __init__(
        self,
        body: Mapping[str, object],
        spec: OutputSpec[T] | None,
        *,
        strategy: Strategy | Literal["auto"] = "auto",
        max_repairs: int = 0,
        remembered: Strategy | None = None,
        strategies: Sequence[Strategy] = STRATEGIES,
    ) -> None:
        self._base = body
        self._spec = spec
        order: tuple[Strategy, ...] = strategy_order(strategy, remembered)
        if strategy == "auto":
            order = tuple(item for item in order if item in strategies) or tuple(strategies)
        self._order = order
        self._at = 0
        self._auto = strategy == "auto"
        self._repairs_left = max_repairs
        self.tool_definitions: list[Mapping[str, object]] = _tools_of(body)
        """The request's ``tools`` entries (where typed tools are found)."""
        self.body: dict[str, object] = self._strategy_body()
        """The body to send next."""

    @property
    def strategy(self) -> Strategy:
        """The strategy the current body uses (``json_schema`` when no type was requested)."""
        return self._order[self._at]

    @property
    def accepted(self) -> Strategy | None:
        """The strategy to remember after a provider accepted the body: set only in ``auto``
        mode with a type requested."""
        return self.strategy if self._auto and self._spec is not None else None

    def _strategy_body(self) -> dict[str, object]:
        if self._spec is None:
            return dict(self._base)
        return apply_strategy(self._base, self._spec, self.strategy)

    def refused(self, status: int, body: object) -> bool:
        """After an error answer: True (and :attr:`body` is the next strategy's) when it
        refused the response format and another strategy is left; False to raise it."""
        if self._spec is None or self._at + 1 >= len(self._order):
            return False
        if not is_unsupported_response_format(status, body):
            return False
        self._at += 1
        self.body = self._strategy_body()
        return True

    def answer(self, completion: ChatCompletion) -> ParsedChatCompletion[T] | None:
        """The parsed completion, or None when a repair turn was added to :attr:`body`.

        Raises what ``parse_completion`` raises once no repair is left.
        """
        spec = self._spec
        try:
            if spec is None:
                return cast(
                    "ParsedChatCompletion[T]",
                    parse_completion(completion, None, tools=self.tool_definitions),
                )
            return parse_completion(
                completion, spec, strategy=self.strategy, tools=self.tool_definitions
            )
        except ToolArgumentsError:
            raise
        except StructuredOutputError:
            if spec is None or self._repairs_left <= 0:
                raise
            self._repairs_left -= 1
            self._add_repair(completion, spec)
            return None

    def _add_repair(self, completion: ChatCompletion, spec: OutputSpec[T]) -> None:
        strategy = self.strategy
        for choice in completion.choices:
            message = choice.message
            if message.refusal:
                continue
            raw = output_text(message, strategy, spec)
            result: T | Invalid = no_output()
            if raw is not None:
                result = validate_output(spec, raw)
            if isinstance(result, Invalid):
                messages = list(cast("list[object]", self.body.get("messages") or []))
                messages.extend(repair_messages(message, strategy, spec, result))
                self.body = {**self.body, "messages": messages}
                return


def _tools_of(body: Mapping[str, object]) -> list[Mapping[str, object]]:
    tools = body.get("tools")
    if not isinstance(tools, list):
        return []
    items = cast("list[object]", tools)
    return [cast("Mapping[str, object]", tool) for tool in items if isinstance(tool, dict)]
