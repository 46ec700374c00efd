"""Service figures: ``infer serve`` on 127.0.0.1 with the offline mock image generator.

Run: ``python benchmarks/bench_service.py`` (or ``nox -s bench``). Prints each
figure beside its goal and exits 1 if a goal is missed.

1. 200 SSE clients follow one batch of 500 scenes from before it starts (the
   batch waits behind another job of the same token until every client is
   connected): errors (goal 0), events missed by any client (goal 0: every
   client sees ids 1..N with no gap), and the p99 delay from an event's
   creation in the server to its delivery to a client.
2. 1,000 single-image jobs (128 px) submitted by 50 concurrent clients (one
   token and one keep-alive connection each, ``Prefer: wait``) against the
   same 1,000 generations through the Python API in one process
   (``registry.agenerate`` + ``save``, 50 at once, with as many bridge threads
   as the server reserves for its 50 workers): throughput ratio, goal >= 0.8.
   Both paths are warmed up first; then 10 rounds of 100 jobs alternate
   between them (which one goes first alternates too), so that both see the
   same load on a shared machine; the figure is the median of the rounds'
   ratios. The clients speak HTTP/1.1 with a few lines of asyncio, so that
   what is measured is the server, not the client library.

``--only sse`` or ``--only jobs`` runs one figure.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

CLIENTS = 200
SCENES = 500
JOBS = 1000
SUBMITTERS = 50
SIZE = 128
ROUNDS = 10


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(data: Path, *args: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {**os.environ, "INFERENCE_SERVE_DATA": str(data)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "inference_core", "serve", "--port", str(port), *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return proc, url
        except httpx.TransportError:
            time.sleep(0.05)
    proc.kill()
    raise SystemExit("the server did not start")


def tokens(data: Path, names: list[str]) -> list[str]:
    from inference_serve import ServeStore

    store = ServeStore(data)
    try:
        return [store.create_token(name)[1] for name in names]
    finally:
        store.close()


def board(n: int, size: int, prefix: str) -> dict[str, Any]:
    return {
        "defaults": {"image": {"width": size, "height": size}},
        "scenes": [{"id": i, "visual": {"prompt": f"{prefix} {i}"}} for i in range(1, n + 1)],
    }


# -- figure 1 -------------------------------------------------------------------------


async def follow(
    url: str, key: str, job_id: str, ready: asyncio.Event, connected: list[int]
) -> dict[str, Any]:
    """One follower on its own connection: HTTP/1.1, chunked body, SSE parsed by hand (cheap)."""
    ids: list[int] = []
    delays: list[float] = []
    error = None
    host, port = url.removeprefix("http://").split(":")
    writer = None
    try:
        reader, writer = await asyncio.open_connection(host, int(port))
        writer.write(
            f"GET /v1/jobs/{job_id}/events HTTP/1.1\r\nHost: {host}\r\n"
            f"Authorization: Bearer {key}\r\nAccept: text/event-stream\r\n\r\n".encode()
        )
        head = await reader.readuntil(b"\r\n\r\n")
        if not head.startswith(b"HTTP/1.1 200"):
            raise RuntimeError(head.split(b"\r\n", 1)[0].decode())
        since = time.time()
        connected.append(1)
        if len(connected) == CLIENTS:
            ready.set()
        buffer = b""
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip(), 16)
            if size == 0:
                break
            chunk = await reader.readexactly(size + 2)
            now = time.time()
            *messages, buffer = (buffer + chunk[:-2].replace(b"\r\n", b"\n")).split(b"\n\n")
            for message in messages:
                if not message.startswith(b"id: "):
                    continue  # a keep-alive comment
                head, _, data = message.partition(b"\ndata: ")
                ids.append(int(head[4 : head.index(b"\n")]))
                if b"event: image_generated" in head:
                    created = json.loads(data)["timestamp"]
                    if created >= since:  # live, not replayed from the store
                        delays.append(now - created)
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
    finally:
        if writer is not None:
            writer.close()
    return {"ids": ids, "delays": delays, "error": error}


async def figure_sse(url: str, token: str) -> bool:
    headers = {"Authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=CLIENTS + 10, max_keepalive_connections=CLIENTS + 10)
    async with httpx.AsyncClient(
        base_url=url, headers=headers, timeout=120, limits=limits
    ) as client:
        gate = (
            await client.post(
                "/v1/batches",
                json={
                    "generator": "mock_image_generator",
                    "storyboard": board(5000, 64, "gate"),
                    "concurrency": 1,
                },
            )
        ).json()
        job = (
            await client.post(
                "/v1/batches",
                json={
                    "generator": "mock_image_generator",
                    "storyboard": board(SCENES, 32, "sse"),
                    "concurrency": 8,
                },
            )
        ).json()
        ready, connected = asyncio.Event(), []
        followers = [
            asyncio.create_task(follow(url, token, job["id"], ready, connected))
            for _ in range(CLIENTS)
        ]
        await asyncio.wait_for(ready.wait(), 60)
        started = time.perf_counter()
        await client.delete(f"/v1/jobs/{gate['id']}")  # the batch starts now, every client is live
        results = await asyncio.gather(*followers)
        elapsed = time.perf_counter() - started
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=60) as client:
        final = (await client.get(f"/v1/jobs/{job['id']}")).json()
    expected = list(range(1, max(max(r["ids"], default=0) for r in results) + 1))
    errors = [r["error"] for r in results if r["error"]]
    missed = sum(
        len(set(expected) - set(r["ids"])) + (len(r["ids"]) - len(set(r["ids"]))) for r in results
    )
    delays = sorted(d for r in results for d in r["delays"])
    p99 = delays[int(len(delays) * 0.99) - 1] if delays else float("nan")
    images = sum(1 for r in results for _ in r["delays"])
    ok = (
        not errors and missed == 0 and final["status"] == "completed" and images == CLIENTS * SCENES
    )
    print(
        f"SSE fan-out: {CLIENTS} clients x {SCENES}-scene batch ({len(expected)} events each, {elapsed:.1f} s): "
        f"errors {len(errors)} (goal 0), missed events {missed} (goal 0), "
        f"p50 delay {delays[len(delays) // 2] * 1000:.0f} ms, p99 delay {p99 * 1000:.0f} ms "
        f"(generation to delivery, {len(delays)} live image events)"
    )
    if errors:
        print(f"  first error: {errors[0]}")
    return ok


# -- figure 2 -------------------------------------------------------------------------


class Connection:
    """A minimal keep-alive HTTP/1.1 client: the clients' own cost stays out of the figure
    (httpx spends more CPU per request than the server does on a small job)."""

    def __init__(self, url: str, key: str) -> None:
        self.host, self.port = url.removeprefix("http://").split(":")
        self.key = key

    async def __aenter__(self) -> Connection:
        self.reader, self.writer = await asyncio.open_connection(self.host, int(self.port))
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.writer.close()
        await self.writer.wait_closed()

    async def post(self, path: str, body: dict[str, Any], headers: str = "") -> tuple[int, bytes]:
        data = json.dumps(body).encode()
        self.writer.write(
            f"POST {path} HTTP/1.1\r\nHost: {self.host}\r\nAuthorization: Bearer {self.key}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n{headers}\r\n".encode()
            + data
        )
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = next(
            int(line.split(b":", 1)[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        )
        return status, await self.reader.readexactly(length)


async def through_service(url: str, keys: list[str], jobs: range) -> float:
    """Seconds for ``jobs`` single-image jobs submitted by one client per key."""
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in jobs:
        queue.put_nowait(i)
    failures: list[str] = []

    async def submitter(key: str) -> None:
        async with Connection(url, key) as connection:
            while not queue.empty():
                i = queue.get_nowait()
                body = {
                    "generator": "mock_image_generator",
                    "inputs": {"prompt": f"job {i}", "width": SIZE, "height": SIZE},
                }
                status, answer = await connection.post(
                    "/v1/generations", body, "Prefer: wait=60\r\n"
                )
                if status != 200 or json.loads(answer)["status"] != "completed":
                    failures.append(answer[:200].decode())

    started = time.perf_counter()
    await asyncio.gather(*(submitter(key) for key in keys))
    elapsed = time.perf_counter() - started
    if failures:
        raise SystemExit(f"{len(failures)} jobs failed: {failures[0]}")
    return elapsed


async def through_python(out: Path, jobs: range) -> float:
    """Seconds for the same generations through the Python API, ``SUBMITTERS`` at once."""
    from inference_core import BaseGenerator, get_registry

    BaseGenerator.reserve_bridge_threads(SUBMITTERS)  # as the server does for its workers
    registry = get_registry("image")
    semaphore = asyncio.Semaphore(SUBMITTERS)

    async def one(i: int) -> None:
        async with semaphore:
            result = await registry.agenerate(
                "mock_image_generator", prompt=f"job {i}", width=SIZE, height=SIZE
            )
            await asyncio.to_thread(result.save, out)

    started = time.perf_counter()
    await asyncio.gather(*(one(i) for i in jobs))
    return time.perf_counter() - started


def cpu_seconds(pid: int | None = None) -> float:
    """CPU time used so far by this process, or by process ``pid`` (Linux ``/proc``; else 0)."""
    if pid is None:
        times = os.times()
        return times.user + times.system
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def figure_jobs(tmp: Path) -> bool:
    data = tmp / "jobs"
    keys = tokens(data, [f"client-{i}" for i in range(SUBMITTERS)])
    proc, url = start(data, "--workers", str(SUBMITTERS))
    size = JOBS // ROUNDS
    service_s: list[float] = []
    python_s: list[float] = []
    cpu = {"service": 0.0, "python": 0.0}

    def service_round(jobs: range) -> None:
        before = cpu_seconds() + cpu_seconds(proc.pid)
        service_s.append(asyncio.run(through_service(url, keys, jobs)))
        cpu["service"] += cpu_seconds() + cpu_seconds(proc.pid) - before

    def python_round(jobs: range) -> None:
        before = cpu_seconds()
        python_s.append(asyncio.run(through_python(tmp / "python", jobs)))
        cpu["python"] += cpu_seconds() - before

    try:
        asyncio.run(through_service(url, keys, range(-2 * size, -size)))  # warm-up
        asyncio.run(through_python(tmp / "python", range(-size, 0)))  # warm-up
        for index, first in enumerate(range(0, JOBS, size)):
            jobs = range(first, first + size)
            rounds = (python_round, service_round) if index % 2 else (service_round, python_round)
            for run in rounds:
                run(jobs)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
    ratios = sorted(p / s for s, p in zip(service_s, python_s, strict=True))
    ratio = statistics.median(ratios)
    service = statistics.median(size / s for s in service_s)
    python = statistics.median(size / p for p in python_s)
    print(
        f"Single-image jobs: {JOBS} by {SUBMITTERS} clients through the service {service:.0f} jobs/s, "
        f"Python API in one process {python:.0f} jobs/s (medians of {ROUNDS} alternating rounds), "
        f"ratio {ratio:.2f} (goal >= 0.8; rounds {ratios[0]:.2f} to {ratios[-1]:.2f})"
    )
    if cpu["service"]:
        print(
            f"  CPU per job (what other load on the machine changes least): service "
            f"{cpu['service'] / JOBS * 1000:.2f} ms (server and clients), Python API "
            f"{cpu['python'] / JOBS * 1000:.2f} ms, ratio {cpu['python'] / cpu['service']:.2f}; "
            f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
        )
    return ratio >= 0.8


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=("sse", "jobs"), help="Run one figure.")
    only = parser.parse_args().only
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        if only in (None, "sse"):
            data = Path(tmp) / "sse"
            (key,) = tokens(data, ["follower"])
            proc, url = start(data, "--per-token", "1", "--keepalive", "1")
            try:
                ok &= asyncio.run(figure_sse(url, key))
            finally:
                proc.send_signal(signal.SIGTERM)
                proc.wait(30)
        if only in (None, "jobs"):
            ok &= figure_jobs(Path(tmp))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
