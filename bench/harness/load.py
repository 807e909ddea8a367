"""The bounded load generator: a fixed number of requests at a fixed concurrency, then it stops.

A workload's requests can be sent in rounds (:class:`Rounds`), interleaved with other
contenders' rounds, so that whatever else the machine does meanwhile falls on all of them alike.
"""

import asyncio
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from harness.client import HttpClient
from harness.cpu import OthersCpu

# One request of a scenario, made with the worker's client; returns the answer.
Request = Callable[[HttpClient], Awaitable[Any]]


@dataclass(frozen=True)
class Measurement:
    requests: int
    concurrency: int
    p50_ms: float
    p99_ms: float
    rps: float
    others_cpu: float  # share of the machine's CPU that other processes used meanwhile


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile: a value that was actually measured."""
    return sorted_values[max(0, math.ceil(fraction * len(sorted_values)) - 1)]


async def _drive(request: Request, count: int, concurrency: int) -> tuple[list[float], float]:
    remaining = count
    latencies: list[float] = []

    async def worker() -> None:
        nonlocal remaining
        client = HttpClient()
        try:
            while remaining > 0:
                remaining -= 1
                started = time.perf_counter()
                await request(client)
                latencies.append(time.perf_counter() - started)
        finally:
            await client.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies, time.perf_counter() - started


def warm_up(request: Request, count: int, concurrency: int) -> None:
    asyncio.run(_drive(request, count, concurrency))


class Rounds:
    """The rounds of one contender's workload, merged into one :class:`Measurement`."""

    def __init__(self, request: Request, concurrency: int) -> None:
        self.request, self.concurrency = request, concurrency
        self.latencies: list[float] = []
        self.elapsed = self.others_cpu_seconds = 0.0

    def run(self, count: int) -> None:
        """``count`` more requests; any failed request fails the benchmark."""
        with OthersCpu() as others:
            latencies, elapsed = asyncio.run(_drive(self.request, count, self.concurrency))
        self.latencies += latencies
        self.elapsed += elapsed
        self.others_cpu_seconds += others.share * elapsed

    def measurement(self) -> Measurement:
        latencies = sorted(self.latencies)
        return Measurement(
            requests=len(latencies),
            concurrency=self.concurrency,
            p50_ms=percentile(latencies, 0.50) * 1000,
            p99_ms=percentile(latencies, 0.99) * 1000,
            rps=len(latencies) / self.elapsed,
            others_cpu=self.others_cpu_seconds / self.elapsed,
        )


def answer(request: Request) -> Any:
    """The answer to one request, for checking what a contender says."""

    async def once() -> Any:
        client = HttpClient()
        try:
            return await request(client)
        finally:
            await client.close()

    return asyncio.run(once())
