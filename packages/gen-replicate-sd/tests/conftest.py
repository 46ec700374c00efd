from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from replicate_protocol import TOKEN, ReplicateApp

from inference_core.testing import LoopbackServer

if TYPE_CHECKING:
    import pathlib
    from collections.abc import Iterator


@pytest.fixture
def replicate_app() -> ReplicateApp:
    return ReplicateApp()


@pytest.fixture
def replicate(
    replicate_app: ReplicateApp, monkeypatch: pytest.MonkeyPatch, tmp_path: pathlib.Path
) -> Iterator[LoopbackServer]:
    """A loopback Replicate; the generator finds it and its token through the environment."""
    with LoopbackServer(replicate_app) as server:
        monkeypatch.setenv("REPLICATE_BASE_URL", server.url)
        monkeypatch.setenv("REPLICATE_API_TOKEN", TOKEN)
        monkeypatch.setenv("INFERENCE_CORE_CONFIG", str(tmp_path / "no-config.yaml"))
        monkeypatch.chdir(tmp_path)
        yield server
