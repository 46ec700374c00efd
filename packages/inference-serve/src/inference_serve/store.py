"""The service's store: tokens (hashed), jobs, their events, and who owns which asset.

One file, ``serve.sqlite`` in the data folder, in WAL mode; or, given a
``postgresql://`` URL (``infer serve --store``, ``$INFERENCE_STORE_URL``), a
PostgreSQL database that several service instances share (they share the data
folder's assets too). The schema is migrated in place on open
(:data:`MIGRATIONS`, see :mod:`inference_pipeline.database`). Every call comes
from the event loop's thread except the token commands, which open their own.
Job updates, events and asset rows are queued and committed together on a
writer thread (one transaction for what piled up, see
:mod:`inference_serve._writes`); ``after_commit`` runs on the loop after each
such commit, so nothing is announced before it is stored. Reads commit what is
queued first.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import secrets
import threading
import time
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from inference_pipeline.database import Database, Migration, migrate, resolve_store_url
from inference_pipeline.fingerprint import json_without_secrets
from inference_serve._json import dumps
from inference_serve._writes import WriteBehind

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

__all__ = [
    "AssetRow",
    "COMPONENT",
    "JobRow",
    "MIGRATIONS",
    "ServeStore",
    "TokenRow",
    "hash_token",
]

TOKEN_PREFIX = "isk_"
ACTIVE = ("queued", "running")
#: Seconds a token lookup is remembered (a revoked token stops working within this time).
TOKEN_TTL = 2.0

#: A job's columns and its last event number (the events table is the truth after a crash).
_JOB = (
    "SELECT *, (SELECT coalesce(max(seq), 0) FROM events WHERE job_id = jobs.id) AS seq FROM jobs"
)

_UPDATE = "UPDATE jobs SET status = ?, result = ?, error = ?, started_at = ?, finished_at = ? WHERE id = ?"
_UPDATE_WITH_REQUEST = (
    "UPDATE jobs SET status = ?, result = ?, error = ?, started_at = ?, finished_at = ?, "
    "request = ? WHERE id = ?"
)

#: Version 1 is the 0.2.0 schema. PostgreSQL keys assets by an index over
#: ``coalesce`` (a primary key column cannot hold SQLite's NULL scene id).
MIGRATIONS = (
    Migration(
        1,
        "tokens, jobs, events, assets (0.2.0)",
        sqlite="""
CREATE TABLE IF NOT EXISTS tokens (
    id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, hash TEXT NOT NULL UNIQUE,
    admin INTEGER NOT NULL, created_at REAL NOT NULL, revoked_at REAL
);
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY, token_id TEXT NOT NULL, kind TEXT NOT NULL, status TEXT NOT NULL,
    request TEXT NOT NULL, result TEXT, error TEXT, created_at REAL NOT NULL,
    started_at REAL, finished_at REAL
);
CREATE INDEX IF NOT EXISTS jobs_token ON jobs (token_id, created_at);
CREATE TABLE IF NOT EXISTS events (
    job_id TEXT NOT NULL, seq INTEGER NOT NULL, type TEXT NOT NULL, payload TEXT NOT NULL,
    PRIMARY KEY (job_id, seq)
);
CREATE TABLE IF NOT EXISTS assets (
    sha256 TEXT NOT NULL, token_id TEXT NOT NULL, job_id TEXT NOT NULL, scene_id TEXT,
    role TEXT, mime_type TEXT NOT NULL, size INTEGER NOT NULL, width INTEGER, height INTEGER,
    created_at REAL NOT NULL, PRIMARY KEY (job_id, sha256, scene_id, role)
);
CREATE INDEX IF NOT EXISTS assets_sha ON assets (sha256, token_id);
""",
        postgresql="""
CREATE TABLE IF NOT EXISTS tokens (
    id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, hash TEXT NOT NULL UNIQUE,
    admin INTEGER NOT NULL, created_at DOUBLE PRECISION NOT NULL, revoked_at DOUBLE PRECISION
);
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY, token_id TEXT NOT NULL, kind TEXT NOT NULL, status TEXT NOT NULL,
    request TEXT NOT NULL, result TEXT, error TEXT, created_at DOUBLE PRECISION NOT NULL,
    started_at DOUBLE PRECISION, finished_at DOUBLE PRECISION
);
CREATE INDEX IF NOT EXISTS jobs_token ON jobs (token_id, created_at);
CREATE TABLE IF NOT EXISTS events (
    job_id TEXT NOT NULL, seq INTEGER NOT NULL, type TEXT NOT NULL, payload TEXT NOT NULL,
    PRIMARY KEY (job_id, seq)
);
CREATE TABLE IF NOT EXISTS assets (
    sha256 TEXT NOT NULL, token_id TEXT NOT NULL, job_id TEXT NOT NULL, scene_id TEXT,
    role TEXT, mime_type TEXT NOT NULL, size BIGINT NOT NULL, width INTEGER, height INTEGER,
    created_at DOUBLE PRECISION NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS assets_key
    ON assets (job_id, sha256, (coalesce(scene_id, '')), (coalesce(role, '')));
CREATE INDEX IF NOT EXISTS assets_sha ON assets (sha256, token_id);
""",
    ),
)
#: The name the job store's schema version is recorded under in ``schema_versions``.
COMPONENT = "serve"
_ASSET_COLUMNS = (
    "sha256",
    "token_id",
    "job_id",
    "scene_id",
    "role",
    "mime_type",
    "size",
    "width",
    "height",
    "created_at",
)


class _Ids:
    """Random job ids (UUID4 hex) drawn from a buffer: one ``os.urandom`` call per 256 ids.

    ``os.urandom`` lets go of the GIL; on the event loop's thread, with generations
    running on other threads, taking it back can cost milliseconds per call.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._buffer = b""
        self._at = 0

    def __call__(self) -> str:
        with self._lock:
            if self._at >= len(self._buffer):
                self._buffer, self._at = os.urandom(16 * 256), 0
            raw = bytearray(self._buffer[self._at : self._at + 16])
            self._at += 16
        raw[6] = raw[6] & 0x0F | 0x40  # version 4, RFC 4122 variant: what uuid.uuid4().hex gives
        raw[8] = raw[8] & 0x3F | 0x80
        return raw.hex()


new_id = _Ids()


def _stored(request: dict[str, Any]) -> str:
    """A job's request as stored: never a key (a running job keeps its own copy in memory;
    one resumed after a restart finds keys where keys live)."""
    return json_without_secrets(dumps(request))


def hash_token(token: str) -> str:
    """The stored form of a token: its SHA-256 (tokens are random, so no salt is needed)."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class TokenRow:
    """A token as stored: never the token itself."""

    id: str
    name: str
    admin: bool
    created_at: float


@dataclass(slots=True)
class JobRow:
    """One job as stored."""

    id: str
    token_id: str
    kind: str
    status: str
    request: dict[str, Any]
    result: dict[str, Any] | None
    error: str | None
    created_at: float
    started_at: float | None
    finished_at: float | None
    seq: int
    #: The files made so far, once loaded (the worker keeps them up to date).
    assets: list[AssetRow] | None = None


@dataclass(frozen=True, slots=True)
class AssetRow:
    """A file a job produced, as its owner sees it."""

    sha256: str
    job_id: str
    scene_id: str | None
    role: str | None
    mime_type: str
    size: int
    width: int | None
    height: int | None


class ServeStore:
    """Tokens, jobs, events and asset ownership in ``data_dir/serve.sqlite``, or in the
    PostgreSQL database at ``store_url`` (default ``$INFERENCE_STORE_URL``)."""

    def __init__(self, data_dir: Path, *, store_url: str | None = None) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        self.path = data_dir / "serve.sqlite"
        self.url = resolve_store_url(store_url)
        self._db = Database.postgresql(self.url) if self.url else Database.sqlite(self.path)
        self._lock = threading.RLock()
        try:
            if self._db.dialect == "sqlite":
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute("PRAGMA synchronous=NORMAL")
            migrate(self._db, COMPONENT, MIGRATIONS)
        except BaseException:
            self._db.close()
            raise
        self._asset_insert = self._db.upsert(
            "assets",
            _ASSET_COLUMNS,
            ("job_id", "sha256", "scene_id", "role"),
            target="job_id, sha256, (coalesce(scene_id, '')), (coalesce(role, ''))",
        )
        self._writes: WriteBehind[tuple[str, tuple[Any, ...]]] = WriteBehind(self._commit)
        self._tokens: dict[str, tuple[float, TokenRow | None]] = {}

    def close(self) -> None:
        self._writes.close()
        self._db.close()

    @property
    def after_commit(self) -> Callable[[], None] | None:
        """Called on the event loop's thread after each commit of queued writes."""
        return self._writes.after_commit

    @after_commit.setter
    def after_commit(self, callback: Callable[[], None] | None) -> None:
        self._writes.after_commit = callback

    @property
    def queued(self) -> int:
        """Writes queued so far; the one queued as number ``n`` is stored once ``committed >= n``."""
        return self._writes.queued

    @property
    def committed(self) -> int:
        """Writes stored so far (see :attr:`queued`)."""
        return self._writes.committed

    async def settle(self) -> None:
        """Wait until every write queued so far is stored."""
        await self._writes.settle()

    def _exec(self, sql: str, args: tuple[Any, ...] = ()) -> Any:
        """Run now, after what is queued (so reads see every write made before them)."""
        self._writes.flush()
        with self._lock:
            return self._db.execute(sql, args)

    def _defer(self, sql: str, args: tuple[Any, ...]) -> None:
        """Queue a write: committed with others on the writer thread (see :mod:`._writes`)."""
        self._writes.add((sql, args))

    def flush(self) -> None:
        """Commit what is queued now, on the calling thread, then call ``after_commit``."""
        self._writes.flush()

    def _commit(self, pending: list[tuple[str, tuple[Any, ...]]]) -> None:
        with self._lock, self._db.transaction():
            for sql, args in pending:
                self._db.execute(sql, args)

    # -- tokens --------------------------------------------------------------

    def create_token(self, name: str, *, admin: bool = False) -> tuple[TokenRow, str]:
        """A new token named ``name``; returns its row and the secret (shown once, stored hashed)."""
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        row = TokenRow(uuid.uuid4().hex, name, admin, time.time())
        try:
            self._exec(
                "INSERT INTO tokens (id, name, hash, admin, created_at) VALUES (?, ?, ?, ?, ?)",
                (row.id, name, hash_token(secret), int(admin), row.created_at),
            )
        except self._db.integrity_error:
            raise ValueError(f"a token named {name!r} already exists") from None
        return row, secret

    async def atoken_for(self, secret: str) -> TokenRow | None:
        """:meth:`token_for` for the event loop: a lookup that is not cached runs on a
        thread (it may wait for the writer thread's transaction; the loop does not)."""
        cached = self._tokens.get(hash_token(secret))
        if cached is not None and time.monotonic() - cached[0] < TOKEN_TTL:
            return cached[1]
        return await asyncio.to_thread(self.token_for, secret)

    def token_for(self, secret: str) -> TokenRow | None:
        """The live token whose secret is ``secret``.

        Answers are kept for ``TOKEN_TTL`` seconds: a token revoked with
        ``infer serve token revoke`` stops working within that time.
        """
        digest = hash_token(secret)
        now = time.monotonic()
        cached = self._tokens.get(digest)
        if cached is not None and now - cached[0] < TOKEN_TTL:
            return cached[1]
        with self._lock:  # tokens are never queued: no need to commit first
            row = self._db.execute(
                "SELECT * FROM tokens WHERE hash = ? AND revoked_at IS NULL", (digest,)
            ).fetchone()
        token = (
            TokenRow(row["id"], row["name"], bool(row["admin"]), row["created_at"]) if row else None
        )
        if len(self._tokens) > 10_000:
            self._tokens.clear()
        self._tokens[digest] = (now, token)
        return token

    def tokens(self) -> list[TokenRow]:
        rows = self._exec(
            "SELECT * FROM tokens WHERE revoked_at IS NULL ORDER BY created_at"
        ).fetchall()
        return [TokenRow(r["id"], r["name"], bool(r["admin"]), r["created_at"]) for r in rows]

    def revoke_token(self, name: str) -> bool:
        cur = self._exec(
            "UPDATE tokens SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL",
            (time.time(), name),
        )
        return bool(cur.rowcount > 0)

    # -- jobs ----------------------------------------------------------------

    def create_job(self, token_id: str, kind: str, request: dict[str, Any]) -> JobRow:
        job = JobRow(
            new_id(),
            token_id,
            kind,
            "queued",
            request,
            None,
            None,
            time.time(),
            None,
            None,
            0,
            [],
        )
        self._defer(  # committed with the next batch of writes; the API flushes before answering
            "INSERT INTO jobs (id, token_id, kind, status, request, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            (job.id, token_id, kind, job.status, _stored(request), job.created_at),
        )
        return job

    def job(self, job_id: str) -> JobRow | None:
        row = self._exec(f"{_JOB} WHERE id = ?", (job_id,)).fetchone()
        return _job(row) if row else None

    def jobs(self, token_id: str | None, *, limit: int, offset: int) -> tuple[list[JobRow], int]:
        """A page of jobs, newest first (every token's when ``token_id`` is ``None``) and the total."""
        where, args = ("WHERE token_id = ?", (token_id,)) if token_id else ("", ())
        total = self._exec(f"SELECT count(*) AS n FROM jobs {where}", args).fetchone()["n"]
        rows = self._exec(
            f"{_JOB} {where} ORDER BY created_at DESC, id LIMIT ? OFFSET ?",
            (*args, limit, offset),
        ).fetchall()
        return [_job(r) for r in rows], int(total)

    def active_jobs(self) -> list[JobRow]:
        """Jobs a restart must pick up again, oldest first."""
        rows = self._exec(
            f"{_JOB} WHERE status IN ('queued', 'running') ORDER BY created_at"
        ).fetchall()
        return [_job(r) for r in rows]

    def update_job(self, job: JobRow, *, request: bool = False) -> None:
        """Store the job's state; ``request=True`` stores its request too (after it changed)."""
        state = (
            job.status,
            dumps(job.result) if job.result is not None else None,
            job.error,
            job.started_at,
            job.finished_at,
        )
        if request:
            self._defer(_UPDATE_WITH_REQUEST, (*state, _stored(job.request), job.id))
        else:
            self._defer(_UPDATE, (*state, job.id))

    def counts_by_status(self) -> dict[str, int]:
        rows = self._exec("SELECT status, count(*) AS n FROM jobs GROUP BY status").fetchall()
        return {r["status"]: int(r["n"]) for r in rows}

    # -- events --------------------------------------------------------------

    def add_event(self, job: JobRow, type: str, payload_json: str) -> int:
        """Store the job's next event; return its sequence number (the SSE ``id``)."""
        job.seq += 1
        self._defer(
            "INSERT INTO events (job_id, seq, type, payload) VALUES (?, ?, ?, ?)",
            (job.id, job.seq, type, payload_json),
        )
        return job.seq

    def events_after(self, job_id: str, seq: int) -> list[tuple[int, str, str]]:
        """``(seq, type, json)`` of the job's events after ``seq``."""
        rows = self._exec(
            "SELECT seq, type, payload FROM events WHERE job_id = ? AND seq > ? ORDER BY seq",
            (job_id, seq),
        ).fetchall()
        return [(r["seq"], r["type"], r["payload"]) for r in rows]

    # -- assets --------------------------------------------------------------

    def add_asset(self, token_id: str, job_id: str, asset: AssetRow) -> None:
        self._defer(
            self._asset_insert,
            (
                asset.sha256,
                token_id,
                job_id,
                asset.scene_id,
                asset.role,
                asset.mime_type,
                asset.size,
                asset.width,
                asset.height,
                time.time(),
            ),
        )

    def asset_mime(self, sha256: str, token_id: str | None) -> str | None:
        """The asset's type when ``token_id`` owns it (any owner when ``None``)."""
        if token_id is None:
            row = self._exec("SELECT mime_type FROM assets WHERE sha256 = ?", (sha256,)).fetchone()
        else:
            row = self._exec(
                "SELECT mime_type FROM assets WHERE sha256 = ? AND token_id = ?", (sha256, token_id)
            ).fetchone()
        return str(row["mime_type"]) if row else None

    def assets_of(self, job: JobRow) -> list[AssetRow]:
        """The job's files: kept on the row once loaded."""
        if job.assets is None:
            job.assets = self.job_assets(job.id)
        return job.assets

    def job_assets(self, job_id: str) -> list[AssetRow]:
        rows = self._exec(
            "SELECT * FROM assets WHERE job_id = ? ORDER BY created_at, scene_id", (job_id,)
        ).fetchall()
        return [
            AssetRow(
                r["sha256"],
                r["job_id"],
                r["scene_id"],
                r["role"],
                r["mime_type"],
                r["size"],
                r["width"],
                r["height"],
            )
            for r in rows
        ]


def _job(row: Any) -> JobRow:
    return JobRow(
        row["id"],
        row["token_id"],
        row["kind"],
        row["status"],
        json.loads(row["request"]),
        json.loads(row["result"]) if row["result"] else None,
        row["error"],
        row["created_at"],
        row["started_at"],
        row["finished_at"],
        row["seq"],
    )
