"""Structured output: a pydantic model back from the model, plain and streamed.

`parse()` sends the model's JSON schema (falling back to JSON mode, then to a forced tool
call, on providers that refuse it) and validates the answer.

Run with TOKENCLIENT_API_KEY and TOKENCLIENT_BASE_URL set (./scripts/demo does it for you).
"""

from pydantic import BaseModel

from tokenclient import TokenClient
from tokenclient.types import ContentDoneEvent


class City(BaseModel):
    """A city and the country it is in."""

    name: str
    country: str
    population: int


with TokenClient() as client:
    completion = client.chat.completions.parse(
        model="qwen3-8b",
        messages=[{"role": "user", "content": "Tell me about Lyon"}],
        response_format=City,
        max_repairs=1,  # send validation errors back once before giving up
    )
    city = completion.choices[0].message.parsed
    print(f"parsed: {city!r}")

    with client.chat.completions.stream(
        model="qwen3-8b",
        messages=[{"role": "user", "content": "Tell me about Porto"}],
        response_format=City,
    ) as stream:
        for event in stream:
            if isinstance(event, ContentDoneEvent):
                print(f"streamed, then parsed: {event.parsed!r}")
