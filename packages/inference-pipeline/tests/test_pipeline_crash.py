"""kill -9 in the middle of a batch, then the same batch again."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from inference_pipeline import BatchConfig, BatchRunner, HistoryStore

CHILD = textwrap.dedent(
    """
    import os, signal, sys, threading, time
    from inference_core import BaseImageGenerator, GenerationResult, GeneratorMetadata, MediaAsset
    from inference_pipeline import BatchConfig, BatchRunner
    from inference_core.testing import registered
    from inference_pipeline.testing import placeholder_png

    sys.path.insert(0, sys.argv[3])
    from conftest import ScriptedImage

    lock = threading.Lock()
    count = 0

    def finished_on_record():
        from inference_pipeline import HistoryStore
        try:
            with HistoryStore(sys.argv[1]) as store:
                return any(r.status == "ok" for r in store.outputs())
        except Exception:
            return False

    class Killer(BaseImageGenerator):
        # The same id, version and inputs as conftest.ScriptedImage: the parent's reruns
        # must find the child's requests in the cache.
        metadata = GeneratorMetadata(
            id="scripted_image", name="k", description="k", version="1.0.0",
            input_schema=ScriptedImage.metadata.input_schema,
        )

        def generate(self, **inputs):
            global count
            with lock:
                count += 1
                if count == int(sys.argv[2]):
                    # On a loaded machine the worker threads can run ahead of the event loop that
                    # records results: kill only once some scene is on record, as a real crash
                    # mid-batch would find it.
                    deadline = time.monotonic() + 30
                    while not finished_on_record() and time.monotonic() < deadline:
                        time.sleep(0.01)
                    os.kill(os.getpid(), signal.SIGKILL)
            return GenerationResult(assets=[MediaAsset(data=placeholder_png(64, 64, inputs["prompt"]),
                                                       mime_type="image/png")])

    board = {"scenes": [{"id": i, "visual": {"prompt": f"scene {i}"}} for i in range(1, 41)]}
    with registered(Killer):
        BatchRunner(sys.argv[1], BatchConfig(generator="scripted_image", concurrency=4)).run_sync(board)
    """
)


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs kill -9")
def test_rerun_after_kill_finishes_without_repeating(
    tmp_path: Path, generators: Any, store_url: str | None
) -> None:
    """On SQLite in the folder, then on PostgreSQL (the child inherits $INFERENCE_STORE_URL)."""
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, str(script), str(out), "21", str(Path(__file__).parent)],
        capture_output=True,
        timeout=120,
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()

    with HistoryStore(out) as store:
        finished = {r.scene_id for r in store.outputs() if r.status == "ok"}
    assert 0 < len(finished) < 40

    board = {"scenes": [{"id": i, "visual": {"prompt": f"scene {i}"}} for i in range(1, 41)]}
    result = BatchRunner(out, BatchConfig(generator="scripted_image", concurrency=4)).run_sync(
        board
    )

    assert result.status == "completed"
    called = {c["prompt"].removeprefix("scene ") for c in generators["scripted"].calls}
    assert not called & finished
    assert called | finished == {str(i) for i in range(1, 41)}
    assert not [p for p in out.rglob("*.part")]
    for path in out.glob("scene-*.png"):
        data = path.read_bytes()
        assert data.startswith(b"\x89PNG") and data.endswith(b"IEND\xaeB`\x82")
    assert len(list(out.glob("scene-*.png"))) == 40
    sqlite_file = out / ".inference" / "history.sqlite"
    if store_url is None:
        assert os.path.getsize(sqlite_file) > 0
    else:
        assert not sqlite_file.exists()
