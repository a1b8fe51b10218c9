"""A batch run: requests from a JSONL file (OpenAI batch format), results to another.

Run with TOKENCLIENT_API_KEY and TOKENCLIENT_BASE_URL set (./scripts/demo does it for you).
Running it twice shows the resume: the second run skips every request already done.
"""

import json
import tempfile
from pathlib import Path

import anyio

from tokenclient import AsyncTokenClient
from tokenclient.batch import BatchProgress, run_batch

folder = Path(tempfile.mkdtemp(prefix="tokenclient-batch-"))
requests = folder / "requests.jsonl"
results = folder / "results.jsonl"
with requests.open("w") as file:
    for number, question in enumerate(["What is 2 + 2?", "Name a colour.", "Say hi."], 1):
        line = {
            "custom_id": f"q{number}",
            "method": "POST",
            "url": "/v1/chat/completions",
            "body": {"model": "qwen3-8b", "messages": [{"role": "user", "content": question}]},
        }
        file.write(json.dumps(line) + "\n")


def show(progress: BatchProgress) -> None:
    print(f"  {progress.done}/{progress.total} done, {progress.failed} failed")


async def main() -> None:
    async with AsyncTokenClient() as client:
        summary = await run_batch(client, requests, results, concurrency=8, on_progress=show)
        print(f"first run: {summary.succeeded} succeeded in {summary.elapsed:.2f}s")
        again = await run_batch(client, requests, results)
        print(f"second run: {again.skipped} skipped, nothing sent again")
    for raw in results.read_text().splitlines():
        record = json.loads(raw)
        reply = record["response"]["body"]["choices"][0]["message"]["content"]
        print(f"{record['custom_id']}: {reply}")


anyio.run(main)
