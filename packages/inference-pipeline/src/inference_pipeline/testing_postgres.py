"""A throwaway PostgreSQL server for tests of the stores (Debian's ``postgresql`` binaries).

::

    with PostgresServer() as server:
        url = server.create_database("history")
        HistoryStore(tmp_path, store_url=url)

Two pytest fixtures to import into a ``conftest.py``: ``postgres_server`` (one
server per session) and ``store_url``, which runs a test twice, on SQLite
(``None``) and on a fresh PostgreSQL database whose URL it also puts in
``$INFERENCE_STORE_URL``, so every store the code under test opens uses it::

    from inference_pipeline.testing_postgres import postgres_server, store_url

``initdb`` and ``postgres`` refuse to run as root: started by root, the server
runs as the ``postgres`` user, in a data folder it owns under the system temp
folder, listening on 127.0.0.1 at a free port (trust authentication, fsync
off: for tests only). Binaries are looked up in ``$PG_BIN``, then
``/usr/lib/postgresql/<newest>/bin``, then ``PATH``; a machine without them
gets :class:`FileNotFoundError` naming the package to install.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from inference_pipeline.database import STORE_ENV

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["PostgresServer", "find_postgres_bin", "postgres_server", "store_url"]


def find_postgres_bin() -> Path:
    """The folder holding ``initdb`` and ``postgres``."""
    explicit = os.environ.get("PG_BIN")
    candidates = [Path(explicit)] if explicit else []
    versions = glob.glob("/usr/lib/postgresql/*/bin/initdb")
    candidates += [
        Path(p).parent for p in sorted(versions, key=lambda p: int(Path(p).parts[-3]), reverse=True)
    ]
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(Path(on_path).parent)
    for folder in candidates:
        if (folder / "initdb").is_file() and (folder / "postgres").is_file():
            return folder
    raise FileNotFoundError(
        "PostgreSQL server binaries (initdb, postgres) not found: "
        "apt-get install postgresql, or set PG_BIN to their folder"
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PostgresServer:
    """A PostgreSQL server of its own for a test session; :meth:`stop` removes every trace."""

    def __init__(self, bin_dir: Path | None = None) -> None:
        self.bin_dir = bin_dir or find_postgres_bin()
        self.port = _free_port()
        self.root: Path | None = None
        self.proc: subprocess.Popen[bytes] | None = None
        self._as: dict[str, Any] = {}
        self._count = 0

    @property
    def url(self) -> str:
        """The URL of the ``postgres`` database (superuser ``postgres``, no password)."""
        return self.url_of("postgres")

    def url_of(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def start(self, timeout: float = 60.0) -> PostgresServer:
        """``initdb`` a fresh cluster and start ``postgres``; returns once it accepts connections."""
        self.root = Path(tempfile.mkdtemp(prefix="inference-pg-"))
        data, sockets = self.root / "data", self.root / "run"
        sockets.mkdir()
        if os.geteuid() == 0:
            import pwd

            owner = pwd.getpwnam("postgres")
            for path in (self.root, sockets):
                os.chown(path, owner.pw_uid, owner.pw_gid)
            self._as = {"user": owner.pw_uid, "group": owner.pw_gid, "extra_groups": []}
        log = self.root / "postgres.log"
        subprocess.run(
            [
                str(self.bin_dir / "initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
                "--locale=C",
            ],
            check=True,
            capture_output=True,
            **self._as,
        )
        with log.open("ab") as out:
            self.proc = subprocess.Popen(
                [
                    str(self.bin_dir / "postgres"),
                    "-D",
                    str(data),
                    "-k",
                    str(sockets),
                    "-h",
                    "127.0.0.1",
                    "-p",
                    str(self.port),
                    "-F",
                    "-c",
                    "max_connections=200",
                    "-c",
                    "full_page_writes=off",
                ],
                stdout=out,
                stderr=out,
                start_new_session=True,
                **self._as,
            )
        ready = self.bin_dir / "pg_isready"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"postgres exited: {log.read_text(errors='replace')[-2000:]}")
            probe = subprocess.run(
                [str(ready), "-q", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres"],
                check=False,
            )
            if probe.returncode == 0:
                return self
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"postgres did not start within {timeout} s")

    def create_database(self, name: str | None = None) -> str:
        """A new empty database; returns its URL (a fresh name each call when ``name`` is omitted)."""
        if name is None:
            self._count += 1
            name = f"test_{self._count}"
        subprocess.run(
            [
                str(self.bin_dir / "createdb"),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                "postgres",
                name,
            ],
            check=True,
            capture_output=True,
        )
        return self.url_of(name)

    def stop(self) -> None:
        """Stop the server (fast shutdown) and delete its folder."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        if self.root is not None:
            with contextlib.suppress(OSError):
                shutil.rmtree(self.root)
            self.root = None

    def __enter__(self) -> PostgresServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One PostgreSQL server for the test session (missing binaries fail the tests, never skip)."""
    with PostgresServer() as server:
        yield server


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str | None:
    """The test once on SQLite (``None``), once on a fresh PostgreSQL database (its URL,
    also in ``$INFERENCE_STORE_URL`` for the stores and processes the test starts)."""
    if request.param == "sqlite":
        monkeypatch.delenv(STORE_ENV, raising=False)
        return None
    server: PostgresServer = request.getfixturevalue("postgres_server")
    url = server.create_database()
    monkeypatch.setenv(STORE_ENV, url)
    return url
