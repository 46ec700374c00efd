"""History and cache of a batch folder, in SQLite (``<out>/.inference/history.sqlite``).

Three tables:

- ``attempts``: every call made or answered from the cache, with parameters
  (secrets redacted), status, error, timing, usage, cost, output path, sha256,
  size and dimensions or duration;
- ``outputs``: the latest state of each scene and role (``visual``,
  ``narration``, ``final``), which resume and ``regenerate --failed`` read;
- ``cache``: content-addressed results keyed on generator id, version,
  canonical parameters and input media hashes; the content lives in
  ``<out>/.inference/blobs/<sha256>``.

Plus ``batches`` with each run's manifest so ``regenerate`` can replay it.
The database runs in WAL mode: a killed process loses at most the
transaction it had not committed, never the file.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import uuid
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["AttemptRecord", "CacheEntry", "HistoryStore", "SceneResult", "STATE_DIR"]

STATE_DIR = ".inference"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS batches (
    id TEXT PRIMARY KEY, started_at REAL NOT NULL, finished_at REAL,
    status TEXT NOT NULL, manifest TEXT NOT NULL, summary TEXT
);
CREATE TABLE IF NOT EXISTS attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT, batch_id TEXT, scene_id TEXT NOT NULL,
    role TEXT NOT NULL, generator_id TEXT NOT NULL, generator_version TEXT,
    attempt INTEGER NOT NULL, status TEXT NOT NULL, params TEXT NOT NULL,
    cache_key TEXT, error_type TEXT, error TEXT, started_at REAL NOT NULL,
    duration_s REAL NOT NULL, usage TEXT, cost_usd REAL, path TEXT, sha256 TEXT,
    size INTEGER, width INTEGER, height INTEGER, duration REAL, mime_type TEXT
);
CREATE INDEX IF NOT EXISTS attempts_scene ON attempts (scene_id, role);
CREATE TABLE IF NOT EXISTS outputs (
    scene_id TEXT NOT NULL, role TEXT NOT NULL, status TEXT NOT NULL,
    modality TEXT NOT NULL, path TEXT, sha256 TEXT, size INTEGER,
    width INTEGER, height INTEGER, duration REAL, mime_type TEXT,
    generator_id TEXT, generator_version TEXT, params TEXT, attempts INTEGER,
    fallbacks TEXT, error TEXT, cached INTEGER, cache_key TEXT, batch_id TEXT,
    updated_at REAL NOT NULL, assets TEXT,
    PRIMARY KEY (scene_id, role)
);
CREATE TABLE IF NOT EXISTS cache (
    key TEXT PRIMARY KEY, generator_id TEXT NOT NULL, generator_version TEXT,
    sha256 TEXT NOT NULL, mime_type TEXT NOT NULL, size INTEGER NOT NULL,
    width INTEGER, height INTEGER, duration REAL, usage TEXT, metadata TEXT,
    created_at REAL NOT NULL, assets TEXT
);
"""


@dataclass(slots=True)
class AttemptRecord:
    """One row of ``attempts``."""

    scene_id: str
    role: str
    generator_id: str
    generator_version: str | None
    attempt: int
    status: str  # "ok", "cached", "error"
    params: dict[str, Any]
    started_at: float
    duration_s: float
    batch_id: str | None = None
    cache_key: str | None = None
    error_type: str | None = None
    error: str | None = None
    usage: dict[str, Any] = field(default_factory=dict)
    """The attempt's :class:`inference_core.Usage`, as ``to_dict()`` gives it."""
    cost_usd: float | None = None
    path: str | None = None
    sha256: str | None = None
    size: int | None = None
    width: int | None = None
    height: int | None = None
    duration: float | None = None
    mime_type: str | None = None


@dataclass(slots=True)
class SceneResult:
    """The result record of one scene output (a row of ``outputs``).

    ``path`` is relative to the output folder; ``params`` are the parameters
    sent (secrets redacted); ``fallbacks`` the generators passed over, with reasons.
    ``assets`` lists every file of the output (``path``, ``sha256``, ``size``,
    ``mime_type``, ``width``, ``height``, ``duration``), the first being ``path``:
    a result with several assets (``n=2``) keeps them all, as ``scene-001.png``,
    ``scene-001-2.png``... Status ``pending`` marks an output a stopped batch
    did not get to; it is never stored, so the next run makes it.
    """

    scene_id: str
    role: str
    status: str  # "ok", "failed", "cancelled"
    modality: str
    path: str | None = None
    sha256: str | None = None
    size: int | None = None
    width: int | None = None
    height: int | None = None
    duration: float | None = None
    mime_type: str | None = None
    generator_id: str | None = None
    generator_version: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    attempts: int = 0
    fallbacks: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None
    cached: bool = False
    cache_key: str | None = None
    batch_id: str | None = None
    updated_at: float = 0.0
    assets: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return _fields(self)


@dataclass(frozen=True, slots=True)
class CacheEntry:
    """A cached result; its content is the blob named by ``sha256``.

    ``assets`` describes every asset of the result (``sha256``, ``size``,
    ``mime_type``, ``width``, ``height``, ``duration``), the first being the one above.
    """

    key: str
    generator_id: str
    generator_version: str | None
    sha256: str
    mime_type: str
    size: int
    width: int | None = None
    height: int | None = None
    duration: float | None = None
    usage: dict[str, Any] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)
    assets: list[dict[str, Any]] = field(default_factory=list)


_JSON_COLUMNS = {"params", "usage", "fallbacks", "metadata", "assets"}
#: Columns added since the first release, created in older databases when opened.
_ADDED_COLUMNS = {"outputs": ("assets",), "cache": ("assets",)}


_NAMES: dict[type, tuple[str, ...]] = {}
_COLUMNS = {
    "attempts": [f.name for f in fields(AttemptRecord)],
    "outputs": [f.name for f in fields(SceneResult)],
    "cache": [*(f.name for f in fields(CacheEntry)), "created_at"],
}
_INSERT = {
    table: f"INSERT OR REPLACE INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
    for table, cols in _COLUMNS.items()
}


def _row(record: Any, **extra: Any) -> tuple[Any, ...]:
    """A record's values in column order; lists and mappings as JSON, booleans as 0/1."""
    values = []
    for name in _names(record):
        value = getattr(record, name)
        if name in _JSON_COLUMNS:
            value = _dump(value)
        elif isinstance(value, bool):
            value = int(value)
        values.append(value)
    values.extend(extra.values())
    return tuple(values)


def _names(record: Any) -> tuple[str, ...]:
    names = _NAMES.get(type(record))
    if names is None:
        names = _NAMES[type(record)] = tuple(f.name for f in fields(record))
    return names


def _fields(record: Any) -> dict[str, Any]:
    """A dataclass's fields, shallow (``asdict`` deep-copies every nested value)."""
    return {name: getattr(record, name) for name in _names(record)}


def _dump(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


class HistoryStore:
    """The SQLite database of one output folder.

    Reads go through the opening thread's connection; :meth:`record` may be
    called from any thread (each gets its own connection; WAL lets them share).
    """

    def __init__(self, out_dir: str | Path) -> None:
        self.out_dir = Path(out_dir)
        self.state_dir = self.out_dir / STATE_DIR
        self.blob_dir = self.state_dir / "blobs"
        self.blob_dir.mkdir(parents=True, exist_ok=True)
        self.path = self.state_dir / "history.sqlite"
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._main = self._connect()
        if not self._main.execute("SELECT 1 FROM sqlite_master WHERE name = 'cache'").fetchone():
            # A new database: nothing to lose yet, so skip the fsyncs while creating it.
            self._main.execute("PRAGMA synchronous=OFF")
            self._main.execute("PRAGMA journal_mode=WAL")
            self._main.executescript(f"BEGIN;\n{_SCHEMA}\nCOMMIT;")
            self._main.execute("PRAGMA synchronous=NORMAL")
        else:
            self._add_columns()
        self._local.db = self._main

    def _add_columns(self) -> None:
        """Give a database written by an older release the columns added since."""
        for table, columns in _ADDED_COLUMNS.items():
            have = {row[1] for row in self._main.execute(f"PRAGMA table_info({table})")}
            for column in columns:
                if column not in have:
                    self._main.execute(f"ALTER TABLE {table} ADD COLUMN {column} TEXT")

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
        db.row_factory = sqlite3.Row
        db.execute("PRAGMA synchronous=NORMAL")
        with self._lock:
            self._all.append(db)
        return db

    @property
    def _db(self) -> sqlite3.Connection:
        """This thread's connection: :meth:`record` may be called from worker threads."""
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = self._local.db = self._connect()
        return db

    @classmethod
    def exists(cls, out_dir: str | Path) -> bool:
        return (Path(out_dir) / STATE_DIR / "history.sqlite").is_file()

    def close(self) -> None:
        with self._lock:
            connections, self._all = self._all, []
        for db in reversed(connections):  # the first one last: it checkpoints the WAL
            db.close()

    def __enter__(self) -> HistoryStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- batches -------------------------------------------------------------

    def start_batch(self, manifest: dict[str, Any]) -> str:
        batch_id = time.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
        self._db.execute(
            "INSERT INTO batches (id, started_at, status, manifest) VALUES (?, ?, 'running', ?)",
            (batch_id, time.time(), _dump(manifest)),
        )
        return batch_id

    def finish_batch(self, batch_id: str, status: str, summary: dict[str, Any]) -> None:
        self._db.execute(
            "UPDATE batches SET finished_at = ?, status = ?, summary = ? WHERE id = ?",
            (time.time(), status, _dump(summary), batch_id),
        )

    def batches(self) -> list[dict[str, Any]]:
        rows = self._db.execute("SELECT * FROM batches ORDER BY started_at").fetchall()
        return [self._row(r, json_cols={"manifest", "summary"}) for r in rows]

    def last_manifest(self) -> dict[str, Any] | None:
        row = self._db.execute(
            "SELECT manifest FROM batches ORDER BY started_at DESC, rowid DESC LIMIT 1"
        ).fetchone()
        return json.loads(row["manifest"]) if row else None

    # -- attempts and outputs ------------------------------------------------

    def record(
        self,
        attempt: AttemptRecord | None = None,
        output: SceneResult | None = None,
        cache: CacheEntry | None = None,
    ) -> None:
        """Write an attempt, the output state and a cache entry in one transaction."""
        self.record_many([(attempt, output, cache)])

    def record_many(
        self, items: list[tuple[AttemptRecord | None, SceneResult | None, CacheEntry | None]]
    ) -> None:
        """:meth:`record` for several outputs, in one transaction."""
        rows: dict[str, list[tuple[Any, ...]]] = {"cache": [], "attempts": [], "outputs": []}
        now = time.time()
        for attempt, output, cache in items:
            if cache is not None:
                rows["cache"].append(_row(cache, created_at=now))
            if attempt is not None:
                rows["attempts"].append(_row(attempt))
            if output is not None:
                output.updated_at = now
                rows["outputs"].append(_row(output))
        db = self._db
        with db:
            db.execute("BEGIN")
            for table, values in rows.items():
                if values:
                    db.executemany(_INSERT[table], values)

    def output(self, scene_id: str, role: str) -> SceneResult | None:
        row = self._db.execute(
            "SELECT * FROM outputs WHERE scene_id = ? AND role = ?", (scene_id, role)
        ).fetchone()
        return self._output(row) if row else None

    def outputs(self) -> list[SceneResult]:
        return list(self.iter_outputs())

    def iter_outputs(self) -> Iterator[SceneResult]:
        """:meth:`outputs` one at a time, for large batches (rows are read as they are used)."""
        for row in self._db.execute("SELECT * FROM outputs ORDER BY scene_id, role"):
            yield self._output(row)

    def attempts(self, scene_id: str | None = None) -> list[dict[str, Any]]:
        if scene_id is None:
            rows = self._db.execute("SELECT * FROM attempts ORDER BY id").fetchall()
        else:
            rows = self._db.execute(
                "SELECT * FROM attempts WHERE scene_id = ? ORDER BY id", (scene_id,)
            ).fetchall()
        return [self._row(r, json_cols=_JSON_COLUMNS) for r in rows]

    def _output(self, row: sqlite3.Row) -> SceneResult:
        data = self._row(row, json_cols=_JSON_COLUMNS)
        data["cached"] = bool(data["cached"])
        data["assets"] = data.get("assets") or []
        return SceneResult(**data)

    @staticmethod
    def _row(row: sqlite3.Row, *, json_cols: set[str]) -> dict[str, Any]:
        data = dict(row)
        for key in json_cols & data.keys():
            if data[key] is not None:
                data[key] = json.loads(data[key])
        return data

    # -- cache ---------------------------------------------------------------

    def blob_path(self, sha256: str) -> Path:
        return self.blob_dir / sha256[:2] / sha256

    def cache_keys(self) -> set[str]:
        """Every key the cache holds (cheap: one index scan)."""
        return {row[0] for row in self._db.execute("SELECT key FROM cache")}

    def cache_get(self, key: str) -> CacheEntry | None:
        """The cache entry for ``key`` if its blob is still there, else ``None``."""
        row = self._db.execute("SELECT * FROM cache WHERE key = ?", (key,)).fetchone()
        if row is None:
            return None
        data = self._row(row, json_cols={"usage", "metadata", "assets"})
        data["assets"] = data.get("assets") or []
        data.pop("created_at")
        entry = CacheEntry(**data)
        blob = self.blob_path(entry.sha256)
        if not blob.is_file() or blob.stat().st_size != entry.size:
            return None
        return entry
