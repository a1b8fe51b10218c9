"""Fallback across two providers: the first is out of balance, the second serves.

./scripts/demo runs it against two bundled servers: TOKENCLIENT_BASE_URL is the first
"provider", TOKENCLIENT_BACKUP_BASE_URL the second (the same server when it is not set).
The bundled server answers the model id ``error-402`` with 402 Insufficient balance and
drops a stream for ``stream-drop-1`` before any text, as a failing provider would.
"""

import os

from tokenclient import Route, Router, TokenClient

backup_url = os.environ.get("TOKENCLIENT_BACKUP_BASE_URL")

with TokenClient() as primary, TokenClient(base_url=backup_url) as backup:
    router = Router(
        {
            "sonnet": [Route(primary, "error-402"), Route(backup, "claude-sonnet-4-6")],
            "story": [Route(primary, "stream-drop-1"), Route(backup, "qwen3-8b")],
        },
        on_fallback=lambda route, error, following: print(
            f"[{route.label} failed ({type(error).__name__}); "
            f"next: {following.label if following else 'none'}]"
        ),
    )
    reply = router.chat.completions.create(
        model="sonnet", messages=[{"role": "user", "content": "Hello from the router!"}]
    )
    print(reply.choices[0].message.content)
    if reply._route is not None:
        print(f"[served by {reply._route.label}]")

    with router.chat.completions.create(
        model="story", messages=[{"role": "user", "content": "Once upon a time"}], stream=True
    ) as stream:
        for chunk in stream:
            if chunk.choices and chunk.choices[0].delta.content:
                print(chunk.choices[0].delta.content, end="", flush=True)
    print()
