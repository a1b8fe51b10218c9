"""Batch runs: thousands of requests from a JSONL file, resumable, within the key's limits.

Input and output use the OpenAI Batch API file format, so existing files and tools work::

    from tokenclient import AsyncTokenClient
    from tokenclient.batch import run_batch

    async with AsyncTokenClient() as client:
        summary = await run_batch(client, "requests.jsonl", "results.jsonl", concurrency=32)
    print(summary.succeeded, summary.failed, summary.skipped)

From a shell: ``tokenclient batch requests.jsonl -o results.jsonl``. See ``docs/batch.md``.
"""

from ._merge import merge_outputs
from ._runner import BatchInputError, BatchProgress, BatchSummary, run_batch

__all__ = ["BatchInputError", "BatchProgress", "BatchSummary", "merge_outputs", "run_batch"]
