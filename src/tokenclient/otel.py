"""OpenTelemetry spans and metrics for tokenclient calls (the ``[otel]`` extra).

``pip install "tokenclient-sdk[otel]"`` (it needs ``opentelemetry-api`` only; you bring the
SDK and exporters). Then either::

    client = TokenClient(hooks=[OTelHook()])
    tokenclient.otel.instrument(client)          # the same, on a client you already have

Each call becomes one ``CLIENT`` span named ``"{gen_ai.operation.name} {gen_ai.request.model}"``
(``chat qwen3-8b``) following the OpenTelemetry GenAI semantic conventions: request and
response model, response id, finish reasons, input and output tokens, ``server.address`` and
``server.port``, and ``error.type`` on failure. A stream's span ends when the stream closes.
Retries are span events (``tokenclient.retry``). Two histograms are recorded:
``gen_ai.client.token.usage`` (``{token}``, by ``gen_ai.token.type`` input/output) and
``gen_ai.client.operation.duration`` (seconds). Message content is never recorded.

Nothing here is imported by ``import tokenclient``.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from opentelemetry import metrics, trace
from opentelemetry.trace import SpanKind, Status, StatusCode

from ._version import __version__
from .hooks import CallEvent, ErrorEvent, RequestEvent, ResponseEvent, RetryEvent, StreamEndEvent

if TYPE_CHECKING:
    from opentelemetry.metrics import Histogram, Meter, MeterProvider
    from opentelemetry.trace import Span, TracerProvider
    from opentelemetry.util.types import AttributeValue

    from ._client import AsyncTokenClient, TokenClient
    from ._core.cost import TokenCounts

__all__ = ["OTelHook", "instrument"]

_SCOPE = "tokenclient"
_TOKEN_BUCKETS = (1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304)
_NOTABLE_WAIT = 0.001
"""Limiter waits from this long (seconds) are put on the span; shorter ones are noise."""
_DURATION_BUCKETS = (0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48)


def _provider(event: CallEvent) -> str:
    # The preset names the aggregator; without one, the API is OpenAI-compatible.
    return event.provider or "openai"


def _common(event: CallEvent) -> dict[str, AttributeValue]:
    """The attributes spans and metrics share (the metrics' low-cardinality set)."""
    attributes: dict[str, AttributeValue] = {
        "gen_ai.operation.name": event.operation,
        "gen_ai.provider.name": _provider(event),
        "gen_ai.system": _provider(event),
        "server.address": event.server_address,
    }
    if event.server_port is not None:
        attributes["server.port"] = event.server_port
    if event.model is not None:
        attributes["gen_ai.request.model"] = event.model
    return attributes


def _histogram(
    meter: Meter, name: str, unit: str, description: str, buckets: tuple[float, ...]
) -> Histogram:
    """A histogram with the conventions' buckets (as advice, where the API takes it)."""
    try:
        return meter.create_histogram(
            name, unit=unit, description=description, explicit_bucket_boundaries_advisory=buckets
        )
    except TypeError:  # opentelemetry-api < 1.23 has no bucket advice
        return meter.create_histogram(name, unit=unit, description=description)


class OTelHook:
    """A tokenclient hook that emits OpenTelemetry spans and GenAI metrics.

    Args:
        tracer_provider: Where spans go; default the global one.
        meter_provider: Where metrics go; default the global one.
    """

    def __init__(
        self,
        *,
        tracer_provider: TracerProvider | None = None,
        meter_provider: MeterProvider | None = None,
    ) -> None:
        self._tracer = trace.get_tracer(_SCOPE, __version__, tracer_provider=tracer_provider)
        meter = metrics.get_meter(_SCOPE, __version__, meter_provider=meter_provider)
        self._tokens = _histogram(
            meter,
            "gen_ai.client.token.usage",
            "{token}",
            "Number of input and output tokens used",
            _TOKEN_BUCKETS,
        )
        self._duration = _histogram(
            meter,
            "gen_ai.client.operation.duration",
            "s",
            "GenAI operation duration",
            _DURATION_BUCKETS,
        )
        self._lock = threading.Lock()
        self._spans: dict[int, Span] = {}

    def on_request(self, event: RequestEvent) -> None:
        """Start the call's span (not made current: hooks do not wrap the call)."""
        name = f"{event.operation} {event.model}" if event.model else event.operation
        span = self._tracer.start_span(name, kind=SpanKind.CLIENT, attributes=_common(event))
        with self._lock:
            self._spans[event.call_id] = span

    def on_retry(self, event: RetryEvent) -> None:
        """Add a ``tokenclient.retry`` event to the span."""
        span = self._span(event.call_id)
        if span is None:
            return
        attributes: dict[str, AttributeValue] = {
            "tokenclient.attempt": event.attempt,
            "tokenclient.retry.delay": event.delay,
            "tokenclient.retry.reason": event.reason,
        }
        if event.status is not None:
            attributes["http.response.status_code"] = event.status
        if event.error_type is not None:
            attributes["error.type"] = event.error_type
        span.add_event("tokenclient.retry", attributes)

    def on_response(self, event: ResponseEvent) -> None:
        """End the span of a plain call (a stream's ends with the stream)."""
        span = self._span(event.call_id, pop=not event.stream)
        if span is None:
            return
        span.set_attribute("http.response.status_code", event.status)
        if event.limiter_wait >= _NOTABLE_WAIT:
            span.set_attribute("tokenclient.limiter_wait", event.limiter_wait)
        if event.stream:
            return
        self._finish(span, event.response_id, event.response_model)
        self._record(event, event.duration, event.usage, event.response_model)
        self._set_usage(span, event.usage, event.finish_reasons)
        span.end()

    def on_stream_end(self, event: StreamEndEvent) -> None:
        """End a stream's span, with its usage and time to first token."""
        span = self._span(event.call_id, pop=True)
        if span is None:
            return
        self._finish(span, event.response_id, event.response_model)
        if event.time_to_first_token is not None:
            span.set_attribute("tokenclient.time_to_first_token", event.time_to_first_token)
        self._set_usage(span, event.usage, event.finish_reasons)
        error_type = type(event.error).__name__ if event.error is not None else None
        if error_type is not None:
            span.set_attribute("error.type", error_type)
            span.set_status(Status(StatusCode.ERROR, str(event.error)[:200]))
        self._record(event, event.duration, event.usage, event.response_model, error_type)
        span.end()

    def on_error(self, event: ErrorEvent) -> None:
        """End the span as failed, with ``error.type``."""
        span = self._span(event.call_id, pop=True)
        if span is None:
            return
        span.set_attribute("error.type", event.error_type)
        if event.status is not None:
            span.set_attribute("http.response.status_code", event.status)
        span.set_status(Status(StatusCode.ERROR, str(event.error)[:200]))
        self._record(event, event.duration, None, None, event.error_type)
        span.end()

    def _span(self, call_id: int, *, pop: bool = False) -> Span | None:
        with self._lock:
            return self._spans.pop(call_id, None) if pop else self._spans.get(call_id)

    @staticmethod
    def _finish(span: Span, response_id: str | None, response_model: str | None) -> None:
        if response_id:
            span.set_attribute("gen_ai.response.id", response_id)
        if response_model:
            span.set_attribute("gen_ai.response.model", response_model)

    @staticmethod
    def _set_usage(span: Span, usage: TokenCounts | None, reasons: tuple[str, ...]) -> None:
        if reasons:
            span.set_attribute("gen_ai.response.finish_reasons", list(reasons))
        if usage is None:
            return
        span.set_attribute("gen_ai.usage.input_tokens", usage.input + usage.cached_input)
        span.set_attribute("gen_ai.usage.output_tokens", usage.output)
        if usage.cached_input:
            span.set_attribute("gen_ai.usage.cache_read.input_tokens", usage.cached_input)

    def _record(
        self,
        event: CallEvent,
        duration: float,
        usage: TokenCounts | None,
        response_model: str | None,
        error_type: str | None = None,
    ) -> None:
        attributes = _common(event)
        if response_model:
            attributes["gen_ai.response.model"] = response_model
        if error_type is not None:
            attributes["error.type"] = error_type
        self._duration.record(duration, attributes)
        if usage is None:
            return
        self._tokens.record(
            usage.input + usage.cached_input, {**attributes, "gen_ai.token.type": "input"}
        )
        self._tokens.record(usage.output, {**attributes, "gen_ai.token.type": "output"})


def instrument(
    client: TokenClient | AsyncTokenClient,
    *,
    tracer_provider: TracerProvider | None = None,
    meter_provider: MeterProvider | None = None,
) -> OTelHook:
    """Add an ``OTelHook`` to ``client`` (and its ``with_options`` copies); returns the hook."""
    hook = OTelHook(tracer_provider=tracer_provider, meter_provider=meter_provider)
    client._observer.add(hook)
    return hook
