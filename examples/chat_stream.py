"""Stream a chat completion token by token, then show the folded result.

Run with TOKENCLIENT_API_KEY and TOKENCLIENT_BASE_URL set (./scripts/demo does it for you).
"""

from tokenclient import TokenClient

with TokenClient() as client:
    stream = client.chat.completions.create(
        model="qwen3-8b",
        messages=[{"role": "user", "content": "Tell me a short story"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    with stream:
        for chunk in stream:
            if chunk.choices and chunk.choices[0].delta.content:
                print(chunk.choices[0].delta.content, end="", flush=True)
        print()
        final = stream.get_final_completion()
    print(f"[finish_reason={final.choices[0].finish_reason}, usage={final.usage}]")
