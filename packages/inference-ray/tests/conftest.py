from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from typing import Any

import pytest

# Before Ray is imported: no usage reports from a test run.
os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")


@pytest.fixture(scope="session")
def cluster() -> Iterator[Any]:
    """One local Ray cluster for the whole run (starting one takes many seconds here):
    two CPUs, no dashboard. Executors made while it runs use it and leave it running."""
    import ray

    # address="local": a cluster of its own, even when `ray start` runs on this machine
    ray.init(
        address="local",
        num_cpus=2,
        include_dashboard=False,
        log_to_driver=False,
        logging_level=logging.ERROR,
    )
    try:
        yield ray
    finally:
        ray.shutdown()


@pytest.fixture(autouse=True)
def isolated_config(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """No key, base URL, config file or .env from the machine running the tests."""
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "RAY_ADDRESS", "INFERENCE_EXECUTOR"):
        monkeypatch.delenv(name, raising=False)
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("INFERENCE_CORE_CONFIG", str(home / "absent.yaml"))
