"""The SQL under the history and the service's job store: SQLite by default, PostgreSQL by URL.

A store is a file in its folder unless it is given a ``postgresql://`` URL
(``--store URL``, or ``$INFERENCE_STORE_URL``); then several drivers and
service instances share one database. PostgreSQL needs the ``postgres`` extra
(``pip install 'inference-pipeline[postgres]'``, psycopg 3).

Both stores run the same statements, written with ``?`` placeholders, through
:class:`Database`; rows read by column name. Each store's schema is a list of
:class:`Migration`, applied in order by :func:`migrate` and recorded per
component in ``schema_versions``; version 1 is the 0.2.0 schema as it was
(``CREATE ... IF NOT EXISTS``), so a file made by 0.2.0 is migrated in place.
On PostgreSQL the migration holds an advisory lock: instances starting
together migrate once.
"""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from inference_core.errors import ConfigurationError

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence
    from pathlib import Path

__all__ = [
    "STORE_ENV",
    "Database",
    "Migration",
    "migrate",
    "redact_url",
    "resolve_store_url",
    "schema_version",
]

#: The environment variable giving the store URL when ``--store`` is not.
STORE_ENV = "INFERENCE_STORE_URL"
_SCHEMES = ("postgresql://", "postgres://")
_EXTRA_HINT = "pip install 'inference-pipeline[postgres]'"

Dialect = Literal["sqlite", "postgresql"]


def redact_url(url: str) -> str:
    """``url`` with the password replaced by ``***`` (safe to print or log)."""
    return re.sub(r"^([a-z][a-z0-9+.-]*://[^:/@]*):[^@]*@", r"\1:***@", url, flags=re.I)


def resolve_store_url(explicit: str | None = None) -> str | None:
    """The store URL to use: ``explicit``, else ``$INFERENCE_STORE_URL``, else ``None`` (SQLite).

    Raises :class:`~inference_core.errors.ConfigurationError` for anything but a
    ``postgresql://`` URL.
    """
    url = explicit if explicit is not None else os.environ.get(STORE_ENV)
    if not url:
        return None
    if not url.lower().startswith(_SCHEMES):
        raise ConfigurationError(
            f"store {redact_url(url)!r} is not a postgresql:// URL "
            "(leave --store out for the SQLite file in the folder)"
        )
    return url


@dataclass(frozen=True, slots=True)
class Migration:
    """One step of a store's schema: the statements for each dialect (``;``-separated)."""

    version: int
    description: str
    sqlite: str
    postgresql: str

    def script(self, dialect: Dialect) -> str:
        return self.sqlite if dialect == "sqlite" else self.postgresql


class Database:
    """One connection to SQLite or PostgreSQL, speaking ``?`` placeholders either way.

    Open with :meth:`sqlite` or :meth:`postgresql`. Statements run in
    autocommit; :meth:`transaction` groups several. Rows read by name
    (``row["id"]``) on both; ``dict(row)`` gives every column.
    """

    def __init__(self, connection: Any, dialect: Dialect, *, url: str | None = None) -> None:
        self.connection = connection
        self.dialect: Dialect = dialect
        self.url = url
        self._sql: dict[str, str] = {}
        if dialect == "sqlite":
            self.integrity_error: type[Exception] = sqlite3.IntegrityError
        else:
            import psycopg

            self.integrity_error = psycopg.IntegrityError

    @classmethod
    def sqlite(cls, path: Path) -> Database:
        """A SQLite file (WAL, ``synchronous=NORMAL``); usable from any thread one at a time."""
        db = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
        db.row_factory = sqlite3.Row
        db.execute("PRAGMA synchronous=NORMAL")
        return cls(db, "sqlite")

    @classmethod
    def postgresql(cls, url: str) -> Database:
        """A connection to the PostgreSQL server at ``url`` (needs the ``postgres`` extra)."""
        shown = redact_url(url)
        try:
            import psycopg
            from psycopg.rows import dict_row
        except ImportError:
            raise ConfigurationError(f"the store {shown} needs psycopg: {_EXTRA_HINT}") from None
        # libpq reads postgres:// too, but not SQLAlchemy's postgresql+psycopg://.
        target = re.sub(r"^postgres(ql)?\+[a-z0-9]+://", "postgresql://", url, flags=re.I)
        try:
            connection = psycopg.connect(target, autocommit=True, row_factory=dict_row)
        except psycopg.Error as exc:
            reason = _first_line(exc, url)
            raise ConfigurationError(f"cannot open the store {shown}: {reason}") from None
        return cls(connection, "postgresql", url=url)

    def sql(self, statement: str) -> str:
        """``statement`` in this dialect's placeholder style."""
        if self.dialect == "sqlite":
            return statement
        converted = self._sql.get(statement)
        if converted is None:
            converted = self._sql[statement] = statement.replace("?", "%s")
        return converted

    def execute(self, statement: str, args: Sequence[Any] = ()) -> Any:
        """Run one statement; returns the cursor (``fetchone``, ``fetchall``, iteration, ``rowcount``)."""
        return self.connection.execute(self.sql(statement), tuple(args))

    def executemany(self, statement: str, rows: Sequence[Sequence[Any]]) -> None:
        if self.dialect == "sqlite":
            self.connection.executemany(statement, rows)
        else:
            with self.connection.cursor() as cursor:
                cursor.executemany(self.sql(statement), rows)

    def executescript(self, script: str) -> None:
        """Several statements separated by ``;`` (no placeholders)."""
        for statement in script.split(";"):
            if statement.strip():
                self.connection.execute(statement)

    @contextlib.contextmanager
    def transaction(self, *, immediate: bool = False) -> Iterator[Database]:
        """Commit what runs inside at the end, or roll it back on an exception.

        ``immediate`` takes SQLite's write lock at once (PostgreSQL locks as it writes).
        """
        if self.dialect == "postgresql":
            with self.connection.transaction():
                yield self
            return
        self.connection.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")
        try:
            yield self
        except BaseException:
            self.connection.execute("ROLLBACK")
            raise
        self.connection.execute("COMMIT")

    def upsert(
        self, table: str, columns: Sequence[str], key: Sequence[str], *, target: str | None = None
    ) -> str:
        """An insert that replaces the row with the same ``key`` columns (``?`` placeholders).

        ``target`` is PostgreSQL's conflict target when it is not ``key`` itself
        (a unique index over expressions).
        """
        names, marks = ", ".join(columns), ", ".join("?" * len(columns))
        if self.dialect == "sqlite":
            return f"INSERT OR REPLACE INTO {table} ({names}) VALUES ({marks})"
        updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in columns if c not in key)
        return (
            f"INSERT INTO {table} ({names}) VALUES ({marks}) "
            f"ON CONFLICT ({target or ', '.join(key)}) DO UPDATE SET {updates}"
        )

    def close(self) -> None:
        self.connection.close()


def _first_line(exc: BaseException, url: str) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    password = re.match(r"^[a-z][a-z0-9+.-]*://[^:/@]*:([^@]*)@", url, flags=re.I)
    if password and password.group(1):
        text = text.replace(password.group(1), "***")
    return text


_VERSIONS = (
    "CREATE TABLE IF NOT EXISTS schema_versions ("
    " component TEXT PRIMARY KEY, version INTEGER NOT NULL, updated_at {real} NOT NULL)"
)


def schema_version(db: Database, component: str) -> int:
    """The schema version ``component`` is at in ``db`` (0 before its first migration)."""
    if db.dialect == "sqlite":
        found = db.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_versions'"
        ).fetchone()
    else:
        found = db.execute("SELECT to_regclass('schema_versions') IS NOT NULL AS ok").fetchone()
        found = found if found and found["ok"] else None
    if not found:
        return 0
    row = db.execute(
        "SELECT version FROM schema_versions WHERE component = ?", (component,)
    ).fetchone()
    return int(row["version"]) if row else 0


def migrate(db: Database, component: str, migrations: Sequence[Migration]) -> int:
    """Bring ``component``'s tables in ``db`` to the last of ``migrations``; return that version.

    The pending steps and the version they reach commit in one transaction, so
    a crash leaves the store at a version it really has. A store at a newer
    version than these migrations know is refused (``ConfigurationError``).
    """
    head = migrations[-1].version if migrations else 0
    current = schema_version(db, component)
    if current == head:
        return head
    with db.transaction(immediate=True):
        if db.dialect == "postgresql":
            # One instance migrates; the others wait here, then find nothing to do.
            db.execute("SELECT pg_advisory_xact_lock(hashtext(?))", (f"inference:{component}",))
        db.executescript(
            _VERSIONS.format(real="REAL" if db.dialect == "sqlite" else "DOUBLE PRECISION")
        )
        current = schema_version(db, component)
        if current > head:
            where = redact_url(db.url) if db.url else "this file"
            raise ConfigurationError(
                f"the {component} store in {where} is at schema version {current}, newer than "
                f"this version of the software knows ({head}): upgrade it"
            )
        for step in migrations:
            if step.version > current:
                db.executescript(step.script(db.dialect))
        if head > current:
            upsert = db.upsert(
                "schema_versions", ("component", "version", "updated_at"), ("component",)
            )
            db.execute(upsert, (component, head, time.time()))
    return head
