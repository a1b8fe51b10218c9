"""A plain chat completion.

Run with TOKENCLIENT_API_KEY and TOKENCLIENT_BASE_URL set (./scripts/demo does it for you).
"""

from tokenclient import TokenClient

with TokenClient() as client:
    reply = client.chat.completions.create(
        model="qwen3-8b",
        messages=[
            {"role": "system", "content": "You are a helpful assistant."},
            {"role": "user", "content": "Hello!"},
        ],
        temperature=0.7,
        max_tokens=256,
    )
    print(reply.choices[0].message.content)
    if reply.usage:
        print(f"[{reply.usage.total_tokens} tokens, model {reply.model}]")
