"""Calls a type checker must refuse: each line carries a ``# type: ignore[code]``.

mypy (``warn_unused_ignores``, part of ``--strict``) and pyright (told below to report
unnecessary ignore comments) both fail if one of these lines stops being an error, so the
rejections are pinned as firmly as the accepted shapes in ``client_usage.py``. Nothing here
runs.

A coroutine function passed as ``on_progress`` to the sync client is not among them: its
result is an ``object`` like any other, so only the run-time check refuses it.
"""

# pyright: reportUnnecessaryTypeIgnoreComment=true

from __future__ import annotations

from tokenclient import AsyncTokenClient, TokenClient
from tokenclient.types import VideoTask
from tokenclient.types.chat_params import ChatCompletionContentPartParam


def wrong_callbacks(client: TokenClient, task: VideoTask) -> None:
    def takes_a_string(value: str) -> None:
        print(value)

    def takes_two(task: VideoTask, extra: int) -> None:
        print(task, extra)

    client.videos.wait(task.id, on_progress=takes_a_string)  # type: ignore[arg-type]
    client.videos.wait(task.id, on_progress=takes_two)  # type: ignore[arg-type]
    client.videos.create_and_wait(model="m", prompt="p", on_progress=takes_a_string)  # type: ignore[arg-type]


async def wrong_async_callbacks(client: AsyncTokenClient, task: VideoTask) -> None:
    async def takes_a_string(value: str) -> None:
        print(value)

    await client.videos.wait(task.id, on_progress=takes_a_string)  # type: ignore[arg-type]


def wrong_arguments(client: TokenClient) -> None:
    client.chat.completions.create(model="m", messages=[{"role": "robot", "content": "Hi"}])  # type: ignore[list-item]
    client.chat.completions.create(model="m", messages=[], temprature=0.5)  # type: ignore[call-overload]
    client.chat.completions.create(model="m", messages=[], verbosity="loud")  # type: ignore[call-overload]
    client.chat.completions.create(model="m", messages=[], service_tier="turbo")  # type: ignore[call-overload]
    client.chat.completions.create(model="m", messages=[], metadata={"k": 1})  # type: ignore[dict-item]
    client.chat.completions.create(model="m", messages=[], logit_bias={"1": 0.5})  # type: ignore[dict-item]
    client.chat.completions.create(model="m", messages=[], store="yes")  # type: ignore[call-overload]
    client.chat.completions.create(model="m", messages=[], function_call="required")  # type: ignore[call-overload]
    client.chat.completions.create(model="m", messages=[], prediction={"type": "text"})  # type: ignore[call-overload]
    parts: list[ChatCompletionContentPartParam] = [{"type": "image_url", "image_url": {"url": "u"}}]
    client.chat.completions.create(model="m", messages=[{"role": "system", "content": parts}])  # type: ignore[list-item]
    client.images.generate(model="m", prompt="p", response_format="png")  # type: ignore[arg-type]
    client.videos.create(model="m", prompt="p", content=[{"type": "image_url"}])  # type: ignore[list-item]
    client.with_options(provider="tokenhub")  # type: ignore[call-arg]
    TokenClient(http_client=object())  # type: ignore[arg-type]


def wrong_result_use(client: TokenClient) -> None:
    reply = client.chat.completions.create(model="m", messages=[])
    reply.choices[0].delta  # type: ignore[attr-defined]  # noqa: B018
    stream = client.chat.completions.create(model="m", messages=[], stream=True)
    stream.choices  # type: ignore[attr-defined]  # noqa: B018
    task = client.videos.retrieve("tsk-1")
    task.status = "cancelled"  # type: ignore[assignment]
