"""Generate a video, printing progress while the task runs.

export TOKENCLIENT_API_KEY=... TOKENCLIENT_BASE_URL=https://tokenhub.store/api/v1
python examples/generate_video.py "a golden retriever running on a sunny beach"
"""

from __future__ import annotations

import sys

from tokenclient import TokenClient, VideoTaskError
from tokenclient.types.videos import VideoTask

prompt = sys.argv[1] if len(sys.argv) > 1 else "A golden retriever running on a sunny beach"


def show(task: VideoTask) -> None:
    progress = f" {task.progress:.0f}%" if task.progress is not None else ""
    print(f"{task.id}: {task.status}{progress}", flush=True)


with TokenClient() as client:
    # create() is never resent once it may have reached the server: no double billing.
    task = client.videos.create(
        model="bytedance/doubao-seedance-2.0",
        prompt=prompt,
        duration=5,
        resolution="720p",
        aspect_ratio="16:9",
    )
    try:
        done = client.videos.wait(task.id, poll_interval=2.0, timeout=900.0, on_progress=show)
    except VideoTaskError as exc:  # failed, timed out (still running), or an unknown status
        sys.exit(f"no video: {exc}")

for result in done.data:
    print(result.video_url)
