"""What it costs to turn one upstream chunk into text: the SDKs' typed objects vs orjson.

Run: python -m loadtest.bench_parse. The relay's providers read the SDKs' raw
responses and parse with orjson because of the ratio this prints.
"""

from __future__ import annotations

import time

import orjson
from anthropic.types import RawMessageStreamEvent
from openai.types.chat import ChatCompletionChunk
from pydantic import TypeAdapter

OPENAI_LINE = (
    b'{"id":"chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG","object":"chat.completion.chunk","created":1741570283,'
    b'"model":"gpt-4o-2024-08-06","service_tier":"default","system_fingerprint":"fp_eb9dce56a8",'
    b'"choices":[{"index":0,"delta":{"content":" world"},"logprobs":null,"finish_reason":null}],"usage":null}'
)
ANTHROPIC_LINE = b'{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":" world"}}'


def per_call_us(fn: object, payload: bytes, rounds: int) -> float:
    start = time.perf_counter()
    for _ in range(rounds):
        fn(payload)  # type: ignore[operator]
    return (time.perf_counter() - start) / rounds * 1e6


def main(rounds: int = 50_000) -> dict[str, float]:
    anthropic_adapter: TypeAdapter[RawMessageStreamEvent] = TypeAdapter(RawMessageStreamEvent)
    results = {
        "openai_sdk_typed_us": per_call_us(
            lambda b: ChatCompletionChunk.model_validate(orjson.loads(b)).choices[0].delta.content, OPENAI_LINE, rounds
        ),
        "openai_orjson_us": per_call_us(
            lambda b: orjson.loads(b)["choices"][0]["delta"].get("content"), OPENAI_LINE, rounds
        ),
        "anthropic_sdk_typed_us": per_call_us(
            lambda b: anthropic_adapter.validate_python(orjson.loads(b)), ANTHROPIC_LINE, rounds
        ),
        "anthropic_orjson_us": per_call_us(lambda b: orjson.loads(b)["delta"].get("text"), ANTHROPIC_LINE, rounds),
    }
    for name, value in results.items():
        print(f"{name:26s} {value:7.2f} µs/chunk")
    print(f"openai: typed/orjson = {results['openai_sdk_typed_us'] / results['openai_orjson_us']:.1f}x")
    print(f"anthropic: typed/orjson = {results['anthropic_sdk_typed_us'] / results['anthropic_orjson_us']:.1f}x")
    return results


if __name__ == "__main__":
    main()
