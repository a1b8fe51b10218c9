"""A tool-calling loop: the model calls typed tools until it can answer.

`function_tool` turns a typed function into a tool definition; `parse()` returns each call's
arguments validated (`call.function.parsed_arguments`), ready for `get_weather(**arguments)`.

Run with TOKENCLIENT_API_KEY and TOKENCLIENT_BASE_URL set (./scripts/demo does it for you).
"""

from collections.abc import Callable
from typing import Literal

from tokenclient import TokenClient, function_tool
from tokenclient.types import ChatCompletionMessageParam, ChatCompletionMessageToolCallParam


def get_weather(city: str, unit: Literal["celsius", "fahrenheit"] = "celsius") -> str:
    """The current weather in a city.

    Args:
        city: The city's name, e.g. "Paris".
        unit: The temperature unit.
    """
    return f"sunny, 22 degrees {unit} in {city}"


TOOLS: dict[str, Callable[..., str]] = {"get_weather": get_weather}

messages: list[ChatCompletionMessageParam] = [
    {"role": "user", "content": "What's the weather in Paris and Tokyo?"}
]

with TokenClient() as client:
    for _turn in range(5):  # a bound: never loop forever on a model that keeps calling
        reply = client.chat.completions.parse(
            model="qwen3-8b", messages=messages, tools=[function_tool(get_weather)]
        )
        message = reply.choices[0].message
        calls = [call for call in message.tool_calls or [] if call.function is not None]
        if not calls:
            print(f"answer: {message.content}")
            break
        history: list[ChatCompletionMessageToolCallParam] = []
        results: list[ChatCompletionMessageParam] = []
        for call in calls:
            assert call.function is not None
            arguments = call.function.parsed_arguments
            assert isinstance(arguments, dict)
            result = TOOLS[call.function.name](**arguments)
            print(f"{call.function.name}({arguments}) -> {result}")
            history.append(
                {
                    "id": call.id,
                    "type": "function",
                    "function": {"name": call.function.name, "arguments": call.function.arguments},
                }
            )
            results.append({"role": "tool", "tool_call_id": call.id, "content": result})
        # The assistant turn goes back first (with its reasoning, which DeepSeek needs),
        # then one tool message per call.
        messages.append(
            {
                "role": "assistant",
                "content": message.content,
                "tool_calls": history,
                "reasoning_content": message.reasoning_content,
            }
        )
        messages.extend(results)
