"""The relay's own per-token work, without HTTP: engine text path, stream log, one SSE reader.

Run: python -m loadtest.bench_hotpath. It drives a Generation over the simulated
provider at full speed and reports CPU µs per token with hold-back and
accounting on and off, as ratios to the bare path in the same run. The gap
between these figures and the load test's CPU per token is what the HTTP layers
(upstream reading, SSE writing) cost.
"""

from __future__ import annotations

import asyncio
import time

import uvloop
from starlette.types import Message

from relay.app import Relay
from relay.config import load_config_dict
from relay.engine import Generation, GenerationRequest
from relay.log import LiveStream
from relay.sse import SSEResponse


async def cpu_us_per_token(holdback: bool, accounting: bool, tokens: int) -> float:
    config = load_config_dict(
        {
            "providers": {"sim": {"kind": "simulated", "tokens_per_s": 0}},
            "routes": {"r": {"targets": ["sim/demo"], "holdback": holdback}},
            "accounting": {"enabled": accounting},
        }
    )
    relay = Relay(config)
    relay.providers["sim"]._max_tokens = tokens  # type: ignore[attr-defined]
    stream = LiveStream("st_bench", "token", "r")
    generation = Generation(
        stream,
        config.routes["r"],
        GenerationRequest([{"role": "user", "content": "hi"}], max_tokens=tokens),
        relay.services,
    )

    sent: list[int] = []

    async def send(message: Message) -> None:  # the server's send, minus the socket write
        sent.append(len(message.get("body", b"")))

    async def receive() -> Message:  # the client never leaves
        await asyncio.Event().wait()
        return {"type": "http.disconnect"}

    # The relay's SSE response, fed by the generation on every append as a client's is.
    reader = asyncio.ensure_future(
        SSEResponse(b"", stream, headers={}, ping_s=0)({"type": "http", "method": "GET"}, receive, send)
    )
    start = time.process_time()
    await generation.run()  # accounting here: the per-chunk append and the final count (ticks are timed, not per token)
    await reader
    return (time.process_time() - start) / tokens * 1e6


async def main(tokens: int = 20_000) -> dict[str, float]:
    results = {}
    for holdback in (False, True):
        for accounting in (False, True):
            results[
                f"holdback={'on' if holdback else 'off'} accounting={'on' if accounting else 'off'}"
            ] = await cpu_us_per_token(holdback, accounting, tokens)
    base = results["holdback=off accounting=off"]
    for name, value in results.items():
        print(f"{name:32s} {value:6.2f} µs CPU/token  ({value / base:.2f}x the bare path)")
    return results


if __name__ == "__main__":
    uvloop.run(main())
