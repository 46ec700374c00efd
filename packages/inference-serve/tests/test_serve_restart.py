"""Jobs survive ``kill -9`` and SIGTERM: a restart finishes them without generating a finished scene again."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import httpx
import pytest

from conftest import Server, board, make_token, wait_done
from inference_pipeline import HistoryStore
from inference_serve import ServeStore

# The job store and the job histories in the data folder, then in PostgreSQL: the same tests.
pytestmark = pytest.mark.usefixtures("store_url")


def _generations(folder: Path) -> dict[str, int]:
    """Real generator calls per scene, from the batch folder's history (cache hits excluded)."""
    with HistoryStore(folder) as store:
        attempts = store.attempts()
    counts: dict[str, int] = {}
    for attempt in attempts:
        if attempt["status"] == "ok":
            counts[attempt["scene_id"]] = counts.get(attempt["scene_id"], 0) + 1
    return counts


def _progress(server: Server, token: str, job_id: str, at_least: int) -> int:
    with (
        server.client(token) as client,
        client.stream("GET", f"/v1/jobs/{job_id}/events") as stream,
    ):
        for line in stream.iter_lines():
            if line.startswith("data: ") and '"type":"progress"' in line:
                current = int(json.loads(line[6:])["current"])
                if current >= at_least:
                    return current
    raise AssertionError("the batch ended before the kill")


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs kill -9")
def test_kill_9_mid_batch_then_restart_finishes_without_repeating(tmp_path: Path) -> None:
    token = make_token(tmp_path, "alice")
    scenes = 60
    server = Server(tmp_path, ("--workers", "1")).start()
    try:
        with server.client(token) as client:
            job = client.post(
                "/v1/batches",
                json={
                    "generator": "mock_image_generator",
                    "storyboard": board(scenes, size=384),
                    "concurrency": 2,
                },
            ).json()
        seen = _progress(server, token, job["id"], at_least=10)
    finally:
        assert server.kill(signal.SIGKILL) == -signal.SIGKILL
    before = _generations(tmp_path / "jobs" / job["id"])
    assert seen <= sum(before.values()) < scenes, "the kill came after the batch"

    server = Server(tmp_path, ("--workers", "1")).start()
    try:
        with server.client(token) as client:
            finished = wait_done(client, job["id"], timeout=120)
            events = client.get(f"/v1/jobs/{job['id']}/events").text
    finally:
        server.kill(signal.SIGTERM)
    assert finished["status"] == "completed"
    assert len({a["scene_id"] for a in finished["assets"]}) == scenes  # type: ignore[union-attr]
    after = _generations(tmp_path / "jobs" / job["id"])
    assert sorted(after) == sorted(str(i) for i in range(1, scenes + 1))
    assert set(after.values()) == {1}, "a scene was generated twice"
    assert events.count("event: done") == 1


def test_sigterm_stops_gracefully_and_the_job_resumes(tmp_path: Path) -> None:
    token = make_token(tmp_path, "alice")
    server = Server(tmp_path, ("--workers", "1")).start()
    with server.client(token) as client:
        job = client.post(
            "/v1/batches",
            json={
                "generator": "mock_image_generator",
                "storyboard": board(40, size=384),
                "concurrency": 1,
            },
        ).json()
    _progress(server, token, job["id"], at_least=3)
    # uvicorn shuts down, then re-raises the signal: the exit status says SIGTERM.
    assert server.kill(signal.SIGTERM) in (0, -signal.SIGTERM)
    assert "Traceback" not in (tmp_path / "server.log").read_text()
    store = ServeStore(tmp_path)
    try:
        stopped = store.job(job["id"])
    finally:
        store.close()
    assert stopped is not None and stopped.status == "queued"  # left for the next start, not lost
    with HistoryStore(tmp_path / "jobs" / job["id"]) as history:
        assert [b["status"] for b in history.batches()] == ["cancelled"]
    server = Server(tmp_path, ("--workers", "1")).start()
    try:
        with server.client(token) as client:
            assert wait_done(client, job["id"], timeout=120)["status"] == "completed"
    finally:
        server.kill(signal.SIGTERM)
    assert set(_generations(tmp_path / "jobs" / job["id"]).values()) == {1}
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{server.url}/healthz", timeout=1)
