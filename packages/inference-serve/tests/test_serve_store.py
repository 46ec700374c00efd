"""The job store on SQLite and on PostgreSQL: the same calls, a 0.2.0 file migrated, instances sharing one."""

from __future__ import annotations

import signal
import sqlite3
from pathlib import Path

import pytest

from conftest import Server, board, dump_postgres, infer, make_token, wait_done
from inference_core.errors import ConfigurationError
from inference_serve import ServeStore
from inference_serve.store import AssetRow, hash_token


def test_tokens_jobs_events_and_assets_round_trip(tmp_path: Path, store_url: str | None) -> None:
    store = ServeStore(tmp_path)
    try:
        alice, secret = store.create_token("alice")
        with pytest.raises(ValueError, match="already exists"):
            store.create_token("alice")
        assert store.token_for(secret) == alice
        jobs = [store.create_job(alice.id, "batch", {"n": i}) for i in range(3)]
        jobs[0].status = "running"
        store.update_job(jobs[0])
        assert store.add_event(jobs[0], "progress", '{"current": 1}') == 1
        assert store.add_event(jobs[0], "done", "{}") == 2
        asset = AssetRow("ab" * 32, jobs[0].id, "1", "visual", "image/png", 10, 4, 4)
        store.add_asset(alice.id, jobs[0].id, asset)
        store.add_asset(alice.id, jobs[0].id, asset)  # the same file again: one row
        store.flush()

        page, total = store.jobs(alice.id, limit=2, offset=0)
        assert total == 3 and len(page) == 2
        again = store.job(jobs[0].id)
        assert again is not None and (again.status, again.seq) == ("running", 2)
        assert again.request == {"n": 0}
        assert store.events_after(jobs[0].id, 1) == [(2, "done", "{}")]
        assert store.job_assets(jobs[0].id) == [asset]
        assert store.asset_mime(asset.sha256, alice.id) == "image/png"
        assert store.asset_mime(asset.sha256, "someone else") is None
        assert store.counts_by_status() == {"queued": 2, "running": 1}
        assert [j.id for j in store.active_jobs()] == [j.id for j in jobs]
        assert store.revoke_token("alice") and not store.revoke_token("alice")
        assert store.tokens() == []
    finally:
        store.close()
    # SQLite in the data folder, or nothing there at all.
    assert (tmp_path / "serve.sqlite").exists() == (store_url is None)


#: serve.sqlite as inference-serve 0.2.0 made it.
SCHEMA_0_2_0 = """
CREATE TABLE tokens (
    id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, hash TEXT NOT NULL UNIQUE,
    admin INTEGER NOT NULL, created_at REAL NOT NULL, revoked_at REAL
);
CREATE TABLE jobs (
    id TEXT PRIMARY KEY, token_id TEXT NOT NULL, kind TEXT NOT NULL, status TEXT NOT NULL,
    request TEXT NOT NULL, result TEXT, error TEXT, created_at REAL NOT NULL,
    started_at REAL, finished_at REAL
);
CREATE INDEX jobs_token ON jobs (token_id, created_at);
CREATE TABLE events (
    job_id TEXT NOT NULL, seq INTEGER NOT NULL, type TEXT NOT NULL, payload TEXT NOT NULL,
    PRIMARY KEY (job_id, seq)
);
CREATE TABLE assets (
    sha256 TEXT NOT NULL, token_id TEXT NOT NULL, job_id TEXT NOT NULL, scene_id TEXT,
    role TEXT, mime_type TEXT NOT NULL, size INTEGER NOT NULL, width INTEGER, height INTEGER,
    created_at REAL NOT NULL, PRIMARY KEY (job_id, sha256, scene_id, role)
);
CREATE INDEX assets_sha ON assets (sha256, token_id);
"""


def test_a_0_2_0_file_is_migrated_in_place_and_its_tokens_still_work(tmp_path: Path) -> None:
    old = sqlite3.connect(tmp_path / "serve.sqlite")
    old.executescript(SCHEMA_0_2_0)
    old.execute(
        "INSERT INTO tokens VALUES ('t1', 'alice', ?, 0, 1.0, NULL)", (hash_token("isk_old"),)
    )
    old.execute(
        "INSERT INTO jobs (id, token_id, kind, status, request, created_at) "
        "VALUES ('j1', 't1', 'batch', 'completed', '{}', 2.0)"
    )
    old.commit()
    old.close()

    store = ServeStore(tmp_path)
    try:
        token = store.token_for("isk_old")
        assert token is not None and token.name == "alice"
        job = store.job("j1")
        assert job is not None and job.status == "completed"
    finally:
        store.close()
    db = sqlite3.connect(tmp_path / "serve.sqlite")
    assert db.execute("SELECT component, version FROM schema_versions").fetchall() == [("serve", 1)]
    db.close()


def test_a_store_newer_than_the_software_is_refused(tmp_path: Path, store_url: str | None) -> None:
    ServeStore(tmp_path).close()
    if store_url is None:
        db = sqlite3.connect(tmp_path / "serve.sqlite")
        db.execute("UPDATE schema_versions SET version = 99")
        db.commit()
        db.close()
    else:
        import psycopg

        with psycopg.connect(store_url, autocommit=True) as db:
            db.execute("UPDATE schema_versions SET version = 99")
    with pytest.raises(ConfigurationError, match="schema version 99, newer"):
        ServeStore(tmp_path)
    listed = infer("serve", "token", "list", data_dir=tmp_path)
    assert listed.returncode == 2
    assert len(listed.stderr.strip().splitlines()) == 1 and "newer" in listed.stderr


def test_serve_refuses_a_store_it_cannot_reach_in_one_line_without_the_password(
    tmp_path: Path, postgres_server: object
) -> None:
    from conftest import free_port

    url = f"postgresql://alice:s3cret@127.0.0.1:{free_port()}/jobs"
    done = infer("serve", "--port", str(free_port()), "--store", url, data_dir=tmp_path)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: cannot open the store"), done.stderr
    assert "postgresql://alice:***@127.0.0.1" in lines[0] and "s3cret" not in done.stderr
    other = infer("serve", "token", "list", "--store", "mysql://u:s3cret@h/db", data_dir=tmp_path)
    assert other.returncode == 2 and "not a postgresql:// URL" in other.stderr
    assert "s3cret" not in other.stderr


def test_two_instances_share_one_postgresql_job_store(
    tmp_path: Path, postgres_server: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    from inference_pipeline.testing_postgres import PostgresServer

    assert isinstance(postgres_server, PostgresServer)
    # A password in the URL (the test server trusts 127.0.0.1): it must never be stored or shown.
    url = postgres_server.create_database().replace("postgres@", "postgres:s3cret@")
    monkeypatch.delenv("INFERENCE_STORE_URL", raising=False)
    token = make_token_in(tmp_path, url)
    first = Server(tmp_path, ("--store", url)).start()
    try:
        with first.client(token) as client:
            job = client.post(
                "/v1/batches", json={"generator": "mock_image_generator", "storyboard": board(3)}
            ).json()
            assert wait_done(client, job["id"])["status"] == "completed"
        second = Server(tmp_path, ("--store", url)).start()
        try:
            with second.client(token) as client:
                seen = client.get(f"/v1/jobs/{job['id']}").json()
                listed = client.get("/v1/jobs").json()
                events = client.get(f"/v1/jobs/{job['id']}/events").text
                sha = seen["assets"][0]["sha256"]
                asset = client.get(f"/v1/assets/{sha}")
        finally:
            second.kill(signal.SIGTERM)
    finally:
        first.kill(signal.SIGTERM)
    assert seen["status"] == "completed" and len(seen["assets"]) == 3
    assert job["id"] in {j["id"] for j in listed["items"]}
    assert events.count("event: done") == 1
    assert asset.status_code == 200 and asset.content.startswith(b"\x89PNG")
    assert not (tmp_path / "serve.sqlite").exists()
    assert not list((tmp_path / "jobs").rglob("history.sqlite"))
    stored = dump_postgres(url)
    assert job["id"] in stored and "s3cret" not in stored and token not in stored
    log = (tmp_path / "server.log").read_text()
    assert "s3cret" not in log and "postgresql://postgres:***@" in log


def make_token_in(data_dir: Path, url: str) -> str:
    made = infer("serve", "token", "create", "alice", "--store", url, data_dir=data_dir)
    assert made.returncode == 0, made.stderr
    assert "s3cret" not in made.stdout + made.stderr
    return made.stdout.strip()


def test_make_token_helper_uses_the_environment_store(
    tmp_path: Path, store_url: str | None
) -> None:
    token = make_token(tmp_path, "bob")
    listed = infer("serve", "token", "list", data_dir=tmp_path)
    assert listed.stdout.split() == ["bob"] and token not in listed.stdout
