"""Chat request inputs written as plain literals: mypy and pyright check this file, pytest does not.

Every literal below must type-check under ``mypy --strict`` and ``pyright`` strict without a
cast, as it does with the OpenAI SDK's ``ChatCompletionMessageParam``. Nothing here runs.
"""

from __future__ import annotations

from collections import UserList
from types import MappingProxyType

from tokenclient import TokenClient
from tokenclient.types.chat_create_params import ChatCompletionCreateParams
from tokenclient.types.chat_params import (
    AssistantMessage,
    ChatCompletionAssistantMessageParam,
    ChatCompletionAudioParam,
    ChatCompletionContentPartParam,
    ChatCompletionMessageParam,
    ChatCompletionMessageToolCallParam,
    ChatCompletionStreamOptionsParam,
    ChatCompletionToolChoiceOptionParam,
    ChatCompletionToolParam,
    MessageInput,
    ReasoningEffort,
    ResponseFormat,
    SystemMessage,
    ToolMessage,
    UserMessage,
)

messages: list[ChatCompletionMessageParam] = [
    {"role": "system", "content": "You are terse."},
    {"role": "developer", "content": [{"type": "text", "text": "Answer in English."}]},
    {"role": "user", "content": "What is the weather in Paris?", "name": "alice"},
    {
        "role": "user",
        "content": [
            {"type": "text", "text": "What is in this picture, and what is said?"},
            {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}},
            {
                "type": "image_url",
                "image_url": {"url": "data:image/png;base64,iVBORw0KGgo=", "detail": "low"},
            },
            {"type": "input_audio", "input_audio": {"data": "UklGRg==", "format": "wav"}},
            {"type": "file", "file": {"filename": "a.pdf", "file_data": "JVBERi0="}},
        ],
    },
    {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": "call_1",
                "type": "function",
                "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
            }
        ],
        "reasoning_content": "The user wants the weather.",
    },
    {"role": "tool", "tool_call_id": "call_1", "content": "18 C, sunny"},
    {"role": "assistant", "content": "It is 18 C and sunny in Paris."},
    {"role": "assistant", "content": [{"type": "refusal", "refusal": "I cannot."}]},
]

parts: list[ChatCompletionContentPartParam] = [{"type": "text", "text": "hello"}]
reply: ChatCompletionAssistantMessageParam = {"role": "assistant", "tool_calls": []}
call: ChatCompletionMessageToolCallParam = {
    "id": "call_2",
    "type": "function",
    "function": {"name": "f", "arguments": "{}"},
}

tools: list[ChatCompletionToolParam] = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Current weather of a city.",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string"}},
                "required": ["city"],
            },
            "strict": True,
        },
    }
]
choice_mode: ChatCompletionToolChoiceOptionParam = "required"
choice_named: ChatCompletionToolChoiceOptionParam = {
    "type": "function",
    "function": {"name": "get_weather"},
}

formats: list[ResponseFormat] = [
    {"type": "text"},
    {"type": "json_object"},
    {
        "type": "json_schema",
        "json_schema": {"name": "weather", "schema": {"type": "object"}, "strict": True},
    },
]
stream_options: ChatCompletionStreamOptionsParam = {"include_usage": True}
audio: ChatCompletionAudioParam = {"voice": "alloy", "format": "mp3"}
effort: ReasoningEffort = "high"

mixed: list[MessageInput] = [
    SystemMessage(content="You are terse."),
    UserMessage(content=[{"type": "text", "text": "hi"}]),
    AssistantMessage(tool_calls=[call]),
    ToolMessage(tool_call_id="call_2", content="done"),
    {"role": "user", "content": "and dicts mix with models"},
    *messages,
]


def every_openai_parameter(client: TokenClient) -> None:
    client.chat.completions.create(
        model="openai/gpt-4.1",
        messages=(m for m in messages),
        store=True,
        metadata=MappingProxyType({"run": "nightly"}),
        service_tier="flex",
        prediction={"type": "content", "content": "x = 1"},
        web_search_options={
            "search_context_size": "low",
            "user_location": {"type": "approximate", "approximate": {"city": "Paris"}},
        },
        verbosity="low",
        prompt_cache_key="tenant-7",
        prompt_cache_options={"ttl": "30m", "mode": "implicit"},
        prompt_cache_retention="24h",
        safety_identifier="5f2b0c",
        audio={"voice": {"id": "voice_1"}, "format": "wav"},
        modalities=("text", "audio"),
        moderation={"model": "omni-moderation-latest", "policy": {"output": {"mode": "score"}}},
        functions=[{"name": "f", "parameters": {"type": "object"}}],
        function_call="auto",
        stop=UserList(["END"]),
        logit_bias=MappingProxyType({"50256": -100}),
        tools=[
            {"type": "custom", "custom": {"name": "sql", "format": {"type": "text"}}},
            *tools,
        ],
        tool_choice={"type": "allowed_tools", "allowed_tools": {"mode": "auto", "tools": []}},
        stream_options={"include_usage": True, "include_obfuscation": False},
    )


params: ChatCompletionCreateParams = {
    "model": "m",
    "messages": messages,
    "verbosity": "high",
    "extra_body": {"enable_thinking": True},
}
