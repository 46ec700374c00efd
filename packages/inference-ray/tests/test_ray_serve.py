"""``infer serve --executor ray``: batch jobs submitted over HTTP run their scenes on the cluster."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:
    from pathlib import Path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _limit_actors(ray: Any) -> set[str]:
    """The executors' shared-limit actors on the cluster (one per executor that ran a batch)."""
    named = ray.util.list_named_actors(all_namespaces=True)
    return {a["name"] for a in named if a["name"].startswith("inference-ray-limits-")}


def test_serve_runs_batch_jobs_on_the_cluster(cluster: Any, tmp_path: Path) -> None:
    from inference_serve import ServeStore

    data = tmp_path / "serve"
    data.mkdir()
    store = ServeStore(data)
    try:
        token = store.create_token("alice")[1]
    finally:
        store.close()
    address = cluster.get_runtime_context().gcs_address
    before = _limit_actors(cluster)
    port = _free_port()
    env = {**os.environ, "INFERENCE_SERVE_DATA": str(data), "INFERENCE_RAY_WORKERS": "2"}
    log = (tmp_path / "server.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "inference_core", "serve", "--port", str(port),
         "--executor", "ray", "--address", address],
        env=env, stdout=log, stderr=log,
    )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while True:
            assert proc.poll() is None, (tmp_path / "server.log").read_text()
            assert time.monotonic() < deadline, "the server did not start"
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        board = {"scenes": [{"id": i, "visual": {"prompt": f"shot {i}"}} for i in range(1, 7)]}
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=url, headers=headers, timeout=60) as client:
            created = client.post(
                "/v1/batches", json={"generator": "mock_image_generator", "storyboard": board}
            )
            assert created.status_code == 202, created.text
            job_id = created.json()["id"]
            while (job := client.get(f"/v1/jobs/{job_id}").json())["status"] in (
                "queued",
                "running",
            ):
                assert time.monotonic() < deadline + 120, job
                time.sleep(0.1)
            assert job["status"] == "completed", job
            assert sorted(a["scene_id"] for a in job["assets"]) == [str(i) for i in range(1, 7)]
            first = client.get(f"/v1/assets/{job['assets'][0]['sha256']}")
            assert first.status_code == 200 and first.content[:8] == b"\x89PNG\r\n\x1a\n"
        # The service's executor joined this cluster: its shared-limit actor lives there.
        assert len(_limit_actors(cluster) - before) == 1
    finally:
        proc.send_signal(signal.SIGTERM)
        status = proc.wait(timeout=60)
        log.close()
    # uvicorn shuts down, then re-raises the signal: the exit status says SIGTERM. Ray's own
    # SIGTERM handler (sys.exit wherever the loop is) must not have replaced uvicorn's.
    text = (tmp_path / "server.log").read_text()
    assert status in (0, -signal.SIGTERM), text
    assert "Traceback" not in text and "SIGTERM received" not in text, text
    # A graceful stop kills the service's actors and leaves the cluster it joined running.
    assert _limit_actors(cluster) == before
    assert cluster.is_initialized()
