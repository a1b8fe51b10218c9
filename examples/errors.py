"""Handling errors: a wrong key (401), no balance (402), rate limits (429).

The bundled server fails on purpose for models named ``error-<status>``.
Run with TOKENCLIENT_API_KEY and TOKENCLIENT_BASE_URL set (./scripts/demo does it for you).
"""

from tokenclient import (
    APIConnectionError,
    AuthenticationError,
    InsufficientBalanceError,
    RateLimitError,
    TokenClient,
)
from tokenclient.types import ChatCompletionMessageParam

messages: list[ChatCompletionMessageParam] = [{"role": "user", "content": "Hello!"}]

with TokenClient(api_key="sk-wrong") as bad_key:
    try:
        bad_key.models.list()
    except AuthenticationError as e:
        print(f"401 -> {type(e).__name__}: {e.message} (request id {e.request_id})")

with TokenClient(max_retries=1) as client:
    for model in ("error-402", "error-429"):
        try:
            client.chat.completions.create(model=model, messages=messages)
        except InsufficientBalanceError as e:
            print(f"402 -> top up your account: {e.message}")
        except RateLimitError as e:
            print(f"429 -> retried, still limited; server asks to wait {e.retry_after}s")
        except APIConnectionError as e:
            print(f"network problem: {e.message}")
