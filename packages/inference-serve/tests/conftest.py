"""A real ``infer serve`` on 127.0.0.1 (uvicorn in its own process), and tokens for it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from inference_pipeline.testing_postgres import postgres_server, store_url  # noqa: F401 (fixtures)

REPO = Path(__file__).resolve().parents[3]
DEMO = REPO / "examples" / "storyboard.yaml"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def infer(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "INFERENCE_SERVE_DATA": str(data_dir)}
    return subprocess.run(
        [sys.executable, "-m", "inference_core", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


def make_token(data_dir: Path, name: str, *, admin: bool = False) -> str:
    """A token made the way ``infer serve token create`` makes it (the CLI has its own test)."""
    from inference_serve import ServeStore

    store = ServeStore(data_dir)
    try:
        return store.create_token(name, admin=admin)[1]
    finally:
        store.close()


@dataclass
class Server:
    """A running ``infer serve`` process."""

    data_dir: Path
    args: tuple[str, ...] = ()
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Server:
        env = {**os.environ, "INFERENCE_SERVE_DATA": str(self.data_dir)}
        with (self.data_dir / "server.log").open("ab") as log:
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "inference_core",
                    "serve",
                    "--port",
                    str(self.port),
                    *self.args,
                ],
                env=env,
                stdout=log,
                stderr=log,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, (self.data_dir / "server.log").read_text()
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                time.sleep(0.05)
        raise AssertionError("server did not start")

    def kill(self, sig: int = signal.SIGKILL) -> int:
        assert self.proc is not None
        self.proc.send_signal(sig)
        return self.proc.wait(timeout=30)

    def client(self, token: str | None = None, **kwargs: object) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=60, **kwargs)  # type: ignore[arg-type]


@dataclass
class Tokens:
    alice: str
    bob: str
    admin: str


@pytest.fixture(scope="session")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Tokens]]:
    """One server for the API tests: 1 job per token at once, keep-alives every 0.1 s."""
    data_dir = tmp_path_factory.mktemp("serve")
    tokens = Tokens(
        make_token(data_dir, "alice"),
        make_token(data_dir, "bob"),
        make_token(data_dir, "root", admin=True),
    )
    server = Server(
        data_dir,
        ("--per-token", "1", "--workers", "4", "--keepalive", "0.1", "--max-upload-mb", "1"),
    ).start()
    try:
        yield server, tokens
    finally:
        if server.proc is not None and server.proc.poll() is None:
            server.kill(signal.SIGTERM)


@pytest.fixture
def server(served: tuple[Server, Tokens]) -> Server:
    return served[0]


@pytest.fixture
def tokens(served: tuple[Server, Tokens]) -> Tokens:
    return served[1]


def board(n: int, *, size: int = 64, prefix: str = "scene") -> dict[str, object]:
    """A storyboard of ``n`` image scenes."""
    return {
        "title": f"{n} scenes",
        "defaults": {"image": {"width": size, "height": size}},
        "scenes": [{"id": i, "visual": {"prompt": f"{prefix} {i}"}} for i in range(1, n + 1)],
    }


def wait_done(client: httpx.Client, job_id: str, timeout: float = 60) -> dict[str, object]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job: dict[str, object] = client.get(f"/v1/jobs/{job_id}").json()
        if job["status"] not in ("queued", "running"):
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish")


def dump_postgres(url: str) -> str:
    """Every row of every table in the database at ``url``, as text (to look for secrets)."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as db:
        tables = [
            r[0]
            for r in db.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
            )
        ]
        return "\n".join(
            str(row) for table in tables for row in db.execute(f'SELECT * FROM "{table}"')
        )
