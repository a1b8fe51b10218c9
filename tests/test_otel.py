"""``tokenclient.otel``: GenAI spans and metrics, with the SDK's in-memory exporters."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import httpx
import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import HistogramDataPoint, InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from tokenclient import AsyncStream, AsyncTokenClient, BadRequestError, Stream, TokenClient
from tokenclient.otel import OTelHook, instrument
from tokenclient.testing import FakeAPI, mock_transport
from tokenclient.types import ChatCompletionChunk, ChatCompletionMessageParam

from .support import AnyClient, Kind, close, resolve

pytestmark = pytest.mark.anyio
KINDS = pytest.mark.parametrize("kind", ["sync", "async"])
KEY = "sk-otel-secret-key"
HI: list[ChatCompletionMessageParam] = [{"role": "user", "content": "hello there"}]


class Telemetry:
    def __init__(self) -> None:
        self.exporter = InMemorySpanExporter()
        self.tracer_provider = TracerProvider()
        self.tracer_provider.add_span_processor(SimpleSpanProcessor(self.exporter))
        self.reader = InMemoryMetricReader()
        self.meter_provider = MeterProvider(metric_readers=[self.reader])

    def hook(self) -> OTelHook:
        return OTelHook(tracer_provider=self.tracer_provider, meter_provider=self.meter_provider)

    def spans(self) -> tuple[ReadableSpan, ...]:
        return self.exporter.get_finished_spans()

    def points(self, name: str) -> list[HistogramDataPoint]:
        data = self.reader.get_metrics_data()
        assert data is not None
        found: list[HistogramDataPoint] = []
        for resource in data.resource_metrics:
            for scope in resource.scope_metrics:
                for metric in scope.metrics:
                    if metric.name == name:
                        found.extend(
                            p for p in metric.data.data_points if isinstance(p, HistogramDataPoint)
                        )
        return found


@pytest.fixture
def telemetry() -> Iterator[Telemetry]:
    kept = Telemetry()
    yield kept
    kept.tracer_provider.shutdown()
    kept.meter_provider.shutdown()


def make(kind: Kind, hooks: list[object]) -> AnyClient:
    transport = mock_transport(FakeAPI(api_key=KEY))
    client: AnyClient
    if kind == "sync":
        client = TokenClient(
            api_key=KEY,
            base_url="https://fake.test:8443/v1",
            http_client=httpx.Client(transport=transport),
            hooks=hooks,
        )
        client._runtime.sleep = lambda seconds: None
    else:
        client = AsyncTokenClient(
            api_key=KEY,
            base_url="https://fake.test:8443/v1",
            http_client=httpx.AsyncClient(transport=transport),
            hooks=hooks,
        )

        async def no_wait(seconds: float) -> None:
            pass

        client._runtime.async_sleep = no_wait
    return client


@KINDS
async def test_one_span_per_call_with_genai_attributes(kind: Kind, telemetry: Telemetry) -> None:
    client = make(kind, [telemetry.hook()])
    reply = await resolve(client.chat.completions.create(model="qwen3-8b", messages=HI))
    (span,) = telemetry.spans()
    assert span.name == "chat qwen3-8b"
    assert span.kind is SpanKind.CLIENT
    attributes = dict(span.attributes or {})
    assert reply.usage is not None
    assert attributes == {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "openai",
        "gen_ai.system": "openai",
        "gen_ai.request.model": "qwen3-8b",
        "gen_ai.response.model": "qwen3-8b",
        "gen_ai.response.id": reply.id,
        "gen_ai.response.finish_reasons": ("stop",),
        "gen_ai.usage.input_tokens": reply.usage.prompt_tokens,
        "gen_ai.usage.output_tokens": reply.usage.completion_tokens,
        "server.address": "fake.test",
        "server.port": 8443,
        "http.response.status_code": 200,
    }
    assert KEY not in str(span.to_json())
    assert "hello there" not in str(span.to_json())  # no content, ever

    tokens = telemetry.points("gen_ai.client.token.usage")
    by_type = {p.attributes["gen_ai.token.type"]: p.sum for p in tokens if p.attributes}
    assert by_type == {
        "input": reply.usage.prompt_tokens,
        "output": reply.usage.completion_tokens,
    }
    (duration,) = telemetry.points("gen_ai.client.operation.duration")
    assert duration.count == 1
    assert 0 <= duration.sum < 5
    await close(client)


@KINDS
async def test_retries_are_span_events_and_errors_set_error_type(
    kind: Kind, telemetry: Telemetry
) -> None:
    client = make(kind, [])
    instrument(
        client,
        tracer_provider=telemetry.tracer_provider,
        meter_provider=telemetry.meter_provider,
    )
    await resolve(client.chat.completions.create(model="flaky-1", messages=HI))
    with pytest.raises(BadRequestError):
        await resolve(client.chat.completions.create(model="error-400", messages=HI))
    ok, failed = telemetry.spans()
    (retry,) = ok.events
    assert retry.name == "tokenclient.retry"
    assert dict(retry.attributes or {})["http.response.status_code"] == 503
    assert ok.status.status_code is StatusCode.UNSET
    assert failed.status.status_code is StatusCode.ERROR
    assert dict(failed.attributes or {})["error.type"] == "BadRequestError"
    errors = [
        p
        for p in telemetry.points("gen_ai.client.operation.duration")
        if p.attributes and p.attributes.get("error.type") == "BadRequestError"
    ]
    assert len(errors) == 1
    await close(client)


@KINDS
async def test_a_stream_span_ends_when_the_stream_closes(kind: Kind, telemetry: Telemetry) -> None:
    client = make(kind, [telemetry.hook()])
    stream: Stream[ChatCompletionChunk] | AsyncStream[ChatCompletionChunk] = await resolve(
        client.chat.completions.create(model="qwen3-8b", messages=HI, stream=True)
    )
    assert telemetry.spans() == ()  # open while the stream is
    if isinstance(stream, AsyncStream):
        async for _ in stream:
            pass
    else:
        for _ in stream:
            pass
    (span,) = telemetry.spans()
    attributes = dict(span.attributes or {})
    output = attributes["gen_ai.usage.output_tokens"]
    assert isinstance(output, int)
    assert output > 0
    assert attributes["gen_ai.response.finish_reasons"] == ("stop",)
    assert "tokenclient.time_to_first_token" in attributes
    await close(client)


def test_import_tokenclient_loads_no_opentelemetry() -> None:
    code = (
        "import sys, tokenclient\n"
        "lazy = ('tokenclient.hooks', 'tokenclient._observe', 'tokenclient._core.cost')\n"
        "assert not [m for m in lazy if m in sys.modules], 'observability loaded at import'\n"
        "client = tokenclient.TokenClient(api_key='k', base_url='https://x.test/v1')\n"
        "loaded = [m for m in sys.modules if m.startswith(('opentelemetry', 'tokenclient.otel'))]\n"
        "assert not loaded, loaded\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
