"""Three chat completions at once with the async client (asyncio here; trio works too).

Run with TOKENCLIENT_API_KEY and TOKENCLIENT_BASE_URL set (./scripts/demo does it for you).
"""

import asyncio

from tokenclient import AsyncTokenClient


async def main() -> None:
    async with AsyncTokenClient() as client:
        questions = ["What is 2 + 2?", "Name a colour.", "Say hi in French."]
        replies = await asyncio.gather(
            *(
                client.chat.completions.create(
                    model="qwen3-8b", messages=[{"role": "user", "content": q}]
                )
                for q in questions
            )
        )
        for question, reply in zip(questions, replies, strict=True):
            print(f"{question} -> {reply.choices[0].message.content}")

        stream = await client.chat.completions.create(
            model="qwen3-8b", messages=[{"role": "user", "content": "Stream, please"}], stream=True
        )
        async with stream:
            async for chunk in stream:
                if chunk.choices and chunk.choices[0].delta.content:
                    print(chunk.choices[0].delta.content, end="", flush=True)
        print()


asyncio.run(main())
