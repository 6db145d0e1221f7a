"""The relay's own per-token work, without HTTP: engine text path, stream log, one reader.

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

from relay.app import Relay
from relay.config import load_config_dict
from relay.engine import Generation, GenerationRequest
from relay.stream import LiveStream


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
    generation = Generation(stream, config.routes["r"], GenerationRequest([{"role": "user", "content": "hi"}], max_tokens=tokens), relay.services)

    async def read() -> int:
        return sum([len(frames) async for frames in stream.follow(0)])

    reader = asyncio.ensure_future(read())
    start = time.process_time()
    await generation.run()  # accounting here: the per-chunk append and the final count (ticks are timed, not per token)
    await reader
    return (time.process_time() - start) / tokens * 1e6


async def main(tokens: int = 20_000) -> dict[str, float]:
    results = {}
    for holdback in (False, True):
        for accounting in (False, True):
            results[f"holdback={'on' if holdback else 'off'} accounting={'on' if accounting else 'off'}"] = await cpu_us_per_token(holdback, accounting, tokens)
    base = results["holdback=off accounting=off"]
    for name, value in results.items():
        print(f"{name:32s} {value:6.2f} µs CPU/token  ({value / base:.2f}x the bare path)")
    return results


if __name__ == "__main__":
    uvloop.run(main())
