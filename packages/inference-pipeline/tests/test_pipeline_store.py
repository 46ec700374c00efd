"""The history on PostgreSQL beside SQLite: migrations, folders apart, errors, no secret stored."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import psycopg
import pytest
import typer
from typer.testing import CliRunner

from inference_core.errors import ConfigurationError
from inference_pipeline import BatchConfig, BatchRunner, HistoryStore
from inference_pipeline.cli import register
from inference_pipeline.database import redact_url, schema_version
from inference_pipeline.store import COMPONENT, MIGRATIONS
from inference_pipeline.testing_postgres import PostgresServer

BOARD = {"scenes": [{"id": i, "visual": {"prompt": f"scene {i}"}} for i in (1, 2, 3)]}


def invoke(*args: Any) -> Any:
    app = typer.Typer()
    register(app)
    return CliRunner().invoke(app, [str(a) for a in args])


def run(out: Path, **kwargs: Any) -> Any:
    return BatchRunner(out, BatchConfig(generator="scripted_image"), **kwargs).run_sync(BOARD)


#: history.sqlite as inference-pipeline 0.2.0 made it, with one finished scene.
SCHEMA_0_2_0 = """
CREATE TABLE batches (
    id TEXT PRIMARY KEY, started_at REAL NOT NULL, finished_at REAL,
    status TEXT NOT NULL, manifest TEXT NOT NULL, summary TEXT
);
CREATE TABLE attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT, batch_id TEXT, scene_id TEXT NOT NULL,
    role TEXT NOT NULL, generator_id TEXT NOT NULL, generator_version TEXT,
    attempt INTEGER NOT NULL, status TEXT NOT NULL, params TEXT NOT NULL,
    cache_key TEXT, error_type TEXT, error TEXT, started_at REAL NOT NULL,
    duration_s REAL NOT NULL, usage TEXT, cost_usd REAL, path TEXT, sha256 TEXT,
    size INTEGER, width INTEGER, height INTEGER, duration REAL, mime_type TEXT
);
CREATE INDEX attempts_scene ON attempts (scene_id, role);
CREATE TABLE outputs (
    scene_id TEXT NOT NULL, role TEXT NOT NULL, status TEXT NOT NULL,
    modality TEXT NOT NULL, path TEXT, sha256 TEXT, size INTEGER,
    width INTEGER, height INTEGER, duration REAL, mime_type TEXT,
    generator_id TEXT, generator_version TEXT, params TEXT, attempts INTEGER,
    fallbacks TEXT, error TEXT, cached INTEGER, cache_key TEXT, batch_id TEXT,
    updated_at REAL NOT NULL,
    PRIMARY KEY (scene_id, role)
);
CREATE TABLE cache (
    key TEXT PRIMARY KEY, generator_id TEXT NOT NULL, generator_version TEXT,
    sha256 TEXT NOT NULL, mime_type TEXT NOT NULL, size INTEGER NOT NULL,
    width INTEGER, height INTEGER, duration REAL, usage TEXT, metadata TEXT,
    created_at REAL NOT NULL
);
INSERT INTO batches VALUES ('20250101T000000-abcdef', 1.0, 2.0, 'completed', '{"kind": "batch"}',
    '{"ok": 1}');
INSERT INTO outputs (scene_id, role, status, modality, path, params, attempts, fallbacks, cached,
    updated_at) VALUES ('1', 'visual', 'ok', 'image', 'scene-001.png', '{}', 1, '[]', 0, 2.0);
"""


def test_a_0_2_0_history_file_is_migrated_in_place(
    tmp_path: Path, generators: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("INFERENCE_STORE_URL", raising=False)
    (tmp_path / ".inference").mkdir()
    old = sqlite3.connect(tmp_path / ".inference" / "history.sqlite")
    old.executescript(SCHEMA_0_2_0)
    old.close()

    shown = invoke("history", "--out", tmp_path, "--json")
    assert shown.exit_code == 0, shown.output
    data = json.loads(shown.output)
    assert [b["id"] for b in data["batches"]] == ["20250101T000000-abcdef"]
    assert [(o["scene_id"], o["path"]) for o in data["outputs"]] == [("1", "scene-001.png")]

    result = run(tmp_path)  # the migrated file takes new batches
    assert result.status == "completed"
    with HistoryStore(tmp_path) as store:
        assert schema_version(store._db, COMPONENT) == MIGRATIONS[-1].version
        assert len(store.batches()) == 2
    again = run(tmp_path)
    assert again.requests == 0 and all(r.cached for r in again.results)


def test_folders_in_one_database_stay_apart(
    tmp_path: Path, generators: Any, store_url: str | None
) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    run(first)
    assert generators["scripted"].calls and len(generators["scripted"].calls) == 3
    result = run(second)  # another folder: its own history and cache
    assert result.requests == 3 and not any(r.cached for r in result.results)
    with HistoryStore(first) as a, HistoryStore(second) as b:
        assert len(a.batches()) == len(b.batches()) == 1
        assert {r.path for r in a.outputs()} == {r.path for r in b.outputs()}
        assert len(a.attempts()) == len(b.attempts()) == 3
    assert not HistoryStore.exists(tmp_path / "c")
    assert HistoryStore.exists(first) and HistoryStore.exists(second)


def test_instances_opening_a_new_database_together_migrate_it_once(
    tmp_path: Path, postgres_server: PostgresServer
) -> None:
    url = postgres_server.create_database()
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def open_one(i: int) -> None:
        try:
            start.wait()
            with HistoryStore(tmp_path / str(i), store_url=url) as store:
                store.start_batch({"n": i})
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=open_one, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with psycopg.connect(url) as db:
        assert db.execute("SELECT component, version FROM schema_versions").fetchall() == [
            ("history", MIGRATIONS[-1].version)
        ]
        assert db.execute("SELECT count(*) FROM batches").fetchone() == (8,)


def test_a_store_newer_than_the_software_is_refused(
    tmp_path: Path, generators: Any, store_url: str | None
) -> None:
    run(tmp_path)
    if store_url is None:
        db = sqlite3.connect(tmp_path / ".inference" / "history.sqlite")
        db.execute("UPDATE schema_versions SET version = 99")
        db.commit()
        db.close()
    else:
        with psycopg.connect(store_url, autocommit=True) as pg:
            pg.execute("UPDATE schema_versions SET version = 99")
    with pytest.raises(ConfigurationError, match="schema version 99, newer than"):
        HistoryStore(tmp_path)
    shown = invoke("history", "--out", tmp_path)
    assert shown.exit_code == 2
    assert shown.output.count("\n") == 1 and "upgrade" in shown.output


def test_the_password_is_never_stored_or_shown(
    tmp_path: Path, generators: Any, postgres_server: PostgresServer, scenes_file: Path
) -> None:
    # The test server trusts 127.0.0.1, so a URL with a password connects: it must not leak.
    url = postgres_server.create_database().replace("postgres@", "postgres:s3cret@")
    done = invoke("batch", scenes_file, "-g", "scripted_image", "--out", tmp_path, "--store", url)
    assert done.exit_code == 0, done.output
    shown = invoke("history", "--out", tmp_path, "--store", url, "--json", "--attempts")
    assert shown.exit_code == 0 and "scene-001.png" in shown.output
    assert "s3cret" not in done.output + shown.output
    with psycopg.connect(url) as db:
        tables = [
            r[0] for r in db.execute("SELECT tablename FROM pg_tables WHERE schemaname='public'")
        ]
        rows = [str(r) for t in tables for r in db.execute(f'SELECT * FROM "{t}"')]
    assert len(rows) >= 5 and not [r for r in rows if "s3cret" in r]
    assert not (tmp_path / ".inference" / "history.sqlite").exists()
    assert not [p for p in tmp_path.rglob("*") if p.is_file() and b"s3cret" in p.read_bytes()]


@pytest.fixture
def scenes_file(tmp_path: Path) -> Path:
    path = tmp_path.parent / f"{tmp_path.name}-scenes.yaml"
    path.write_text("scenes:\n  - {id: 1, visual: {prompt: a fox}}\n")
    return path


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("mysql://bob:s3cret@db/x", "is not a postgresql:// URL"),
        ("postgresql://bob:s3cret@127.0.0.1:1/x", "cannot open the store postgresql://bob:***@"),
    ],
)
def test_a_bad_store_is_one_line_exit_2_without_the_password(
    tmp_path: Path, generators: Any, scenes_file: Path, url: str, expected: str
) -> None:
    for args in (
        ("batch", scenes_file, "-g", "scripted_image", "--out", tmp_path, "--store", url),
        ("history", "--out", tmp_path, "--store", url),
    ):
        done = invoke(*args)
        assert done.exit_code == 2
        assert done.output.count("\n") == 1 and expected in done.output, done.output
        assert "s3cret" not in done.output
    assert not list(tmp_path.glob("scene-*"))


def test_without_psycopg_the_error_names_the_extra(tmp_path: Path, scenes_file: Path) -> None:
    code = (
        "import sys; sys.modules['psycopg'] = None\n"
        "import runpy; sys.argv = ['infer'] + sys.argv[1:]\n"
        "runpy.run_module('inference_core', run_name='__main__')\n"
    )
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            code,
            "history",
            "--out",
            str(tmp_path),
            "--store",
            "postgresql://bob:s3cret@127.0.0.1/x",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().splitlines() == [
        "error: the store postgresql://bob:***@127.0.0.1/x needs psycopg: "
        "pip install 'inference-pipeline[postgres]'"
    ]


def test_redact_url_hides_only_the_password() -> None:
    assert redact_url("postgresql://u:p%40ss@h:5432/db?x=1") == "postgresql://u:***@h:5432/db?x=1"
    assert redact_url("postgresql://u@h/db") == "postgresql://u@h/db"
    assert redact_url("postgresql://h/db") == "postgresql://h/db"
